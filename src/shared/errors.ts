// The one error catalogue. Every failure that crosses a layer is a MoatError with a stable
// code; each edge (CLI exit status, HTTP status, SMTP/IMAP/POP3 reply) maps the code, and
// clients never see internal error text.

export const errorCodes = {
  invalid_input: "the input is not valid",
  invalid_address: "the address is not valid",
  invalid_domain: "the domain name is not valid",
  domain_exists: "the domain already exists",
  domain_not_found: "no such domain",
  domain_not_empty: "the domain still has users, aliases or groups",
  address_taken: "the address is already used by a user, alias or group",
  user_not_found: "no such user",
  alias_not_found: "no such alias",
  group_not_found: "no such group",
  member_exists: "already a member of the group",
  member_not_found: "not a member of the group",
  invalid_password: "the password is not acceptable",
  invalid_second_factor: "the second factor is not right",
  wrong_password: "the account password is not right",
  session_not_found: "no such session",
  config_invalid: "the settings are not valid",
  over_quota: "the mailbox is over its storage quota",
  mailbox_not_found: "no such mailbox",
  mailbox_exists: "the mailbox already exists",
  mailbox_not_empty: "the mailbox has child mailboxes",
  mailbox_protected: "INBOX cannot be deleted",
  access_policy_not_found: "no such access policy",
  access_policy_lockout: "the access policy would lock out the administrators",
  code_invalid: "the code is wrong, used or expired",
  rate_limited: "too many requests; try again later",
  sms_failed: "the text message could not be sent",
  trace_not_found: "no such message trace",
  held_not_found: "no such held message",
  sieve_script_not_found: "no such Sieve script",
  sieve_invalid: "the Sieve script is not valid",
  forwarding_refused: "automatic forwarding outside the company is disabled",
  internal: "internal error",
} as const;

export type ErrorCode = keyof typeof errorCodes;

export class MoatError extends Error {
  readonly code: ErrorCode;
  /** Each problem on its own, when there are several (e.g. every reason a password fails the policy). */
  readonly details: readonly string[] | undefined;

  constructor(code: ErrorCode, message: string = errorCodes[code], options?: { cause?: unknown; details?: readonly string[] }) {
    super(message, options);
    this.name = "MoatError";
    this.code = code;
    this.details = options?.details;
  }
}

export function isMoatError(err: unknown, code?: ErrorCode): err is MoatError {
  return err instanceof MoatError && (code === undefined || err.code === code);
}
