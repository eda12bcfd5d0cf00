// The alert mail to the account whose logins raised events (issue 8 item 3): every event pending
// for the account in one message, in its Inbox, from the domain's postmaster, written like the
// server's other notices (flow/notice.ts: RFC 2047 subject, text/plain UTF-8, auto-generated).
import { domainOf, type Address } from "../../../mail/address.js";
import type { EpochMs, User } from "../../accounts/types.js";
import { noticeMessage } from "../../flow/notice.js";
import type { LoginEvent } from "../../ports/login-events.js";
import { eventBlocks, placeOf } from "./event-text.js";

/** The rules a successful login raises: their mail says "sign-in". */
const signInRules = new Set<LoginEvent["rule"]>(["unfamiliar_country", "unfamiliar_city", "new_network", "impossible_travel", "unused_channel", "success_after_failures", "unexpected_country"]);

/** Several rules may find one sign-in unusual (a new country, network and speed at once): that is still one sign-in to tell of. */
const oneLogin = (events: readonly LoginEvent[]) => events.every((e) => e.loginRecordId !== null && e.loginRecordId === events[0]!.loginRecordId);

export function userAlertSubject(events: readonly LoginEvent[]): string {
  if (events.length > 1 && !oneLogin(events)) return `${events.length} security alerts for your account`;
  const event = events.find((e) => signInRules.has(e.rule));
  if (!event) return "Failed sign-ins to your account";
  const place = placeOf(event);
  return place === undefined ? "New sign-in to your account" : `New sign-in to your account from ${place}`;
}

export function userAlertMessage(user: Pick<User, "address">, events: readonly LoginEvent[], now: EpochMs, hostname: string): Buffer {
  const lines = [
    events.length === 1 ? `We noticed this about your account ${user.address}:` : `We noticed these ${events.length} things about your account ${user.address}:`,
    "",
    ...eventBlocks(events),
    "",
    "If this was you, there is nothing to do.",
    "If this wasn't you: change your password, revoke client security passwords, and tell your administrator.",
  ];
  return noticeMessage({ fromDomain: domainOf(user.address as Address), to: user.address, subject: userAlertSubject(events), lines, kind: "login-alert" }, now, hostname);
}
