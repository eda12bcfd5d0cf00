// Abnormal-login events written straight into a store, for the tests of listing and
// acknowledging them (the detector's own tests raise them from real logins).
import type { User } from "../../src/core/accounts/types.js";
import type { LoginEvent, NewLoginEvent } from "../../src/core/ports/login-events.js";
import type { Store } from "../../src/core/ports/store.js";

/** An open event about `user` (or, with null, about nobody: an address's burst), seen at `at`. */
export async function recordEvent(store: Pick<Store, "loginEvents">, user: User | null, at: number, over: Partial<NewLoginEvent> = {}): Promise<LoginEvent> {
  const rule = over.rule ?? "unfamiliar_country";
  const event: NewLoginEvent = {
    rule,
    severity: "medium",
    userId: user?.id ?? null,
    domainId: user?.domainId ?? null,
    identity: user?.address ?? null,
    ip: "41.58.0.1",
    groupKey: `${user === null ? "ip:41.58.0.1" : `user:${user.id}`}:${rule}:${at}`,
    summary: `New sign-in to ${user?.address ?? "an account"} from Lagos, Nigeria via IMAP, a country this account has not used before.`,
    detail: { country: "NG", city: "Lagos" },
    at,
    loginRecordId: null,
    userNotice: user === null ? "none" : "pending",
    adminNotice: "none",
    webhook: "none",
    ...over,
  };
  return (await store.loginEvents.record(event, at)).event;
}
