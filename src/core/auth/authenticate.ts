// The one authenticate(): every login on every channel (IMAP, POP3, SMTP AUTH, web, API)
// comes through here, is decided by the steps of DESIGN.md in order, and leaves exactly one
// login record. Protocol code maps the result to its own reply and never re-implements a rule.
import { parseAddress } from "../../mail/address.js";
import { untrusted } from "../../shared/logger.js";
import type { User } from "../accounts/types.js";
import type { Clock } from "../ports/clock.js";
import type { Store } from "../ports/store.js";
import type { PasswordHasher } from "./passwords.js";
import { LoginThrottle, throttleKey, type ThrottleSettings } from "./throttle.js";
import type { AuthResult, Channel, DenyReason, LoginContext } from "./types.js";

export type Authenticate = (channel: Channel, identity: string, secret: string, context: LoginContext) => Promise<AuthResult>;

export interface AuthenticatorDeps {
  readonly store: Store;
  readonly clock: Clock;
  readonly passwords: PasswordHasher;
  readonly throttle: ThrottleSettings;
  /** Called after the record is written; the anomaly rules of issue 8 hang here. */
  readonly onRecorded?: (event: { channel: Channel; userId: number | null; ok: boolean; reason: DenyReason | "ok" }) => void;
}

/** What the client may be told. Unknown account and wrong password share one sentence. */
const publicDenial: Record<DenyReason, { message: string; temporary: boolean }> = {
  invalid_credentials: { message: "Authentication failed", temporary: false },
  unknown_account: { message: "Authentication failed", temporary: false },
  account_suspended: { message: "This account is suspended; contact your administrator", temporary: false },
  throttled: { message: "Too many failed logins; try again later", temporary: true },
};

const maxSecretLength = 4096; // longer is never a password; refuse before hashing it

export function createAuthenticator(deps: AuthenticatorDeps): Authenticate {
  const { store, clock, passwords } = deps;
  const throttle = new LoginThrottle(store.throttle, deps.throttle);

  return async function authenticate(channel, identity, secret, context) {
    const now = clock.now();
    const address = parseAddress(identity);
    const accountName = address.ok ? address.value : identity.trim().toLowerCase();
    const key = throttleKey(untrusted(accountName, 320), context.ip);
    let user: User | undefined;

    const finish = async (reason: DenyReason | "ok"): Promise<AuthResult> => {
      await store.loginRecords.append({
        at: now,
        identity: address.ok ? address.value : untrusted(identity),
        userId: user?.id ?? null,
        channel,
        ip: context.ip,
        clientId: context.clientId === undefined ? null : untrusted(context.clientId),
        method: context.method,
        result: reason === "ok" ? "success" : "failure",
        reason,
      });
      deps.onRecorded?.({ channel, userId: user?.id ?? null, ok: reason === "ok", reason });
      if (reason === "ok" && user) return { ok: true, userId: user.id, address: user.address };
      const denial = publicDenial[reason as DenyReason];
      return { ok: false, reason: reason as DenyReason, publicMessage: denial.message, temporary: denial.temporary };
    };

    // Step 2 (step 1, IP blacklists, arrives with issue 6): a blocked account+network is
    // refused without looking at the password, so a block cannot be used as an oracle.
    if ((await throttle.blockedUntil(key, now)) !== null) {
      user = address.ok ? await store.users.findByAddress(address.value) : undefined;
      return finish("throttled");
    }

    // Step 3 and 6: look the account up and check the secret. Unknown accounts are verified
    // against a dummy hash so both paths cost one argon2 verify.
    user = address.ok ? await store.users.findByAddress(address.value) : undefined;
    const secretOk = secret.length <= maxSecretLength && (await passwords.verify(user?.passwordHash, secret));
    const reason: DenyReason | "ok" = !user ? "unknown_account" : !secretOk ? "invalid_credentials" : user.status !== "active" ? "account_suspended" : "ok";

    if (reason === "invalid_credentials" || reason === "unknown_account") {
      const delay = await throttle.recordFailure(key, now);
      const result = await finish(reason);
      await clock.sleep(delay);
      return result;
    }
    if (reason === "ok" && user) {
      await throttle.recordSuccess(key);
      if (passwords.needsRehash(user.passwordHash)) await store.users.setPassword(user.id, await passwords.hash(secret), user.passwordChangedAt);
    }
    return finish(reason);
  };
}
