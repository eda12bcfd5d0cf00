// The alert mail to a domain's administrators (issue 8 item 3): the high-severity events of the
// domain's accounts, pending since the last such mail, in one message to each admin. It names
// the account of each event and how to review and acknowledge them.
import { domainOf, type Address } from "../../../mail/address.js";
import type { EpochMs } from "../../accounts/types.js";
import { noticeMessage } from "../../flow/notice.js";
import type { LoginEvent } from "../../ports/login-events.js";
import { eventBlocks, placeOf } from "./event-text.js";

export function adminAlertSubject(domain: string, events: readonly LoginEvent[]): string {
  const [event] = events;
  if (events.length !== 1 || !event) return `${events.length} security alerts in ${domain}`;
  const place = placeOf(event);
  return `Security alert for ${event.identity ?? domain}${place === undefined ? "" : `: sign-in from ${place}`}`;
}

export function adminAlertMessage(to: Address, domain: string, events: readonly LoginEvent[], now: EpochMs, hostname: string): Buffer {
  const lines = [
    `High-severity login events in ${domain}:`,
    "",
    ...eventBlocks(events, { account: true }),
    "",
    `Review them with \`moat login-events --domain ${domain}\` and acknowledge them with \`moat login-events ack ID\`.`,
    "If a login was not its owner's, `moat account secure ADDRESS` locks the account down.",
  ];
  return noticeMessage({ fromDomain: domainOf(to), to, subject: adminAlertSubject(domain, events), lines, kind: "login-alert" }, now, hostname);
}
