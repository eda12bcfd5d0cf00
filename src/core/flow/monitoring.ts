// Email monitoring (issue 7 item 4, pipeline stage 8): a supervisor's folder gets a copy of
// every message a monitored account — or a member of a monitored group — sends or receives
// while the rule is active. The copy is the message as delivered, byte for byte, with one
// header added on top naming the rule (X-Moat-Monitor), delivered straight into the
// supervisor's folder inside the same transaction: it never re-enters the pipeline, so it is
// never monitored again, never bounces, and the monitored user sees nothing of it.
import { domainOf, type Address } from "../../mail/address.js";
import type { User } from "../accounts/types.js";
import type { Store } from "../ports/store.js";
import type { Company } from "./company.js";
import type { MonitorRule } from "./flow-settings.js";

type Reader = Omit<Store, "transaction" | "close">;

export const monitorHeaderName = "X-Moat-Monitor";

export interface MonitorCopy {
  readonly rule: MonitorRule;
  /** The monitored account whose mail this is. */
  readonly account: Address;
  readonly direction: "sent" | "received";
}

const active = (rule: MonitorRule, now: number) => rule.start <= now && (rule.end === null || now < rule.end);

/** The rules of the account's domain that watch it (directly or through a group), this way. */
async function rulesFor(company: Company, user: User, direction: "sent" | "received", now: number, groupsOf: (u: User) => Promise<ReadonlySet<string>>): Promise<MonitorRule[]> {
  const { monitors } = company.settingsOf(user.domainId);
  const watching = monitors.filter((m) => active(m, now) && (m.direction === direction || m.direction === "both"));
  if (watching.length === 0) return [];
  const groups = watching.some((m) => m.target !== user.address) ? await groupsOf(user) : new Set<string>();
  return watching.filter((m) => m.target === user.address || groups.has(m.target));
}

const inScope = (rule: MonitorRule, outside: boolean) => rule.scope === "both" || (rule.scope === "external") === outside;

/**
 * The copies a message makes: for its sender (submission) and for each local recipient.
 * `recipients`: every final recipient (local and remote), to tell internal from external mail.
 */
export async function monitorCopies(
  store: Reader,
  company: Company,
  now: number,
  sender: User | null,
  localRecipients: readonly User[],
  remoteRecipients: readonly Address[],
): Promise<MonitorCopy[]> {
  const memo = new Map<number, ReadonlySet<string>>();
  const groupsOf = async (u: User) => memo.get(u.id) ?? memo.set(u.id, new Set(await store.loginSettings.groupsOfUser(u.id))).get(u.id)!;
  const copies: MonitorCopy[] = [];
  const seen = new Set<string>();
  const add = (rule: MonitorRule, account: Address, direction: "sent" | "received") => {
    const key = `${rule.name}\n${rule.supervisor}\n${account}\n${direction}`;
    if (seen.has(key)) return;
    seen.add(key);
    copies.push({ rule, account, direction });
  };
  const senderDomain = sender ? domainOf(sender.address) : null;
  if (sender) {
    const allRecipients = [...localRecipients.map((u) => u.address), ...remoteRecipients];
    const anyOutside = remoteRecipients.length > 0 || allRecipients.some((r) => !company.same(domainOf(sender.address), domainOf(r)));
    const anyInside = localRecipients.some((u) => company.same(domainOf(sender.address), domainOf(u.address)));
    for (const rule of await rulesFor(company, sender, "sent", now, groupsOf)) {
      if (rule.scope === "both" || (rule.scope === "external" ? anyOutside : anyInside)) add(rule, sender.address, "sent");
    }
  }
  for (const user of localRecipients) {
    const outside = !(senderDomain !== null && company.same(senderDomain, domainOf(user.address)));
    for (const rule of await rulesFor(company, user, "received", now, groupsOf)) if (inScope(rule, outside)) add(rule, user.address, "received");
  }
  return copies;
}

/** The header line on top of a copy (CRLF-terminated). */
export function monitorHeader(copy: MonitorCopy): string {
  return `${monitorHeaderName}: rule="${copy.rule.name}"; direction=${copy.direction}; account="${copy.account}"\r\n`;
}
