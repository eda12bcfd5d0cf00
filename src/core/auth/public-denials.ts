// What a client is told for each deny reason. Reasons that must not tell a right secret from a
// wrong one, or an existing account from an unknown one, share the sentence of a wrong password
// (decision 0010); the login record keeps the exact reason for the admin.
import type { DenyReason } from "./types.js";

const failed = { message: "Authentication failed", temporary: false } as const;

export const publicDenial: Record<DenyReason, { readonly message: string; readonly temporary: boolean }> = {
  invalid_credentials: failed,
  unknown_account: failed,
  ip_not_allowed: failed,
  app_password_wrong_protocol: failed,
  app_password_expired: failed,
  account_suspended: { message: "This account is suspended; contact your administrator", temporary: false },
  throttled: { message: "Too many failed logins; try again later", temporary: true },
  ip_blocked: { message: "Logins from your network are blocked; contact your administrator", temporary: false },
  protocol_disabled: { message: "Email clients (IMAP, POP3, SMTP) are turned off for this account; use webmail or ask your administrator", temporary: false },
  channel_not_allowed: { message: "This account may not log in this way; ask your administrator", temporary: false },
  password_change_required: { message: "Your password no longer meets your domain's rules: change it in webmail, then log in again", temporary: false },
  password_expired: { message: "Your password has expired: change it in webmail, then log in again", temporary: false },
  second_factor_required: { message: "Enter the code from your authenticator app, a recovery code or use your passkey", temporary: false },
  second_factor_invalid: { message: "The verification code is wrong or was already used", temporary: false },
  access_policy_denied: { message: "Your administrator's access policy does not allow logins from here", temporary: false },
  security_password_required: {
    message: "Use a client security password, not your account password: create one in the security settings of webmail",
    temporary: false,
  },
};
