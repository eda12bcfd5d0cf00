// What a thief may have done with a stolen account (decision 0025), read after the account is
// secured: the active Sieve script's redirects, discards and auto-replies, the forward
// setting, client security passwords made in the period, mail sent in the period, and
// messages expunged (counts only: the store keeps a UID per expunged message for QRESYNC, not
// when it went or what it was). Each finding carries a one-line `moat` command that undoes
// it, or null when nothing can (mail already delivered outside, a deleted message).
import { domainOf, type Address } from "../../../mail/address.js";
import type { EpochMs, User } from "../../accounts/types.js";
import { readCompany, type Company } from "../../flow/company.js";
import { accountFlowSettingsSchema, readFlowSettings } from "../../flow/flow-settings.js";
import { outsideCompany } from "../../flow/user-rules/forwarding-ban.js";
import type { AppPassword } from "../../ports/login-security.js";
import type { Store } from "../../ports/store.js";
import { compileSieve } from "../../sieve/index.js";
import { programOf, type Command } from "../../sieve/program.js";

export type AbuseKind = "sieve_redirect" | "sieve_discard" | "sieve_vacation" | "forward_setting" | "app_password" | "sent_mail" | "deleted_mail";

export interface AbuseFinding {
  readonly kind: AbuseKind;
  readonly severity: "high" | "medium" | "low";
  readonly sentence: string;
  /** One `moat` command that undoes it; null when nothing can. */
  readonly fix: string | null;
  readonly details: Record<string, unknown>;
}

/** Shell-quotes a word when it needs it, so a fix can be pasted. */
export const shellWord = (w: string): string => (/^[A-Za-z0-9@._:+\-/=,]+$/.test(w) ? w : `'${w.replace(/'/g, `'\\''`)}'`);

interface ScriptActions {
  redirects: string[];
  discards: boolean;
  trash: boolean;
  vacation: boolean;
}

function walk(commands: readonly Command[], into: ScriptActions): void {
  for (const c of commands) {
    if (c.kind === "if") {
      for (const b of c.branches) walk(b.body, into);
      if (c.otherwise) walk(c.otherwise, into);
    } else if (c.kind === "redirect") into.redirects.push(c.address);
    else if (c.kind === "discard") into.discards = true;
    else if (c.kind === "vacation") into.vacation = true;
    else if (c.kind === "fileinto" && /trash|deleted/i.test(c.mailbox)) into.trash = true;
  }
}

function scriptFindings(user: User, company: Company, script: { name: string; content: string; updatedAt: EpochMs }): AbuseFinding[] {
  const result = compileSieve(script.content);
  const program = result.ok ? programOf(result.script) : null;
  if (!program) return [];
  const acts: ScriptActions = { redirects: [], discards: false, trash: false, vacation: false };
  walk(program.commands, acts);
  const fix = `moat sieve deactivate ${user.address}`;
  const details = { script: script.name, updatedAt: new Date(script.updatedAt).toISOString() };
  const out: AbuseFinding[] = [];
  const outside = [...new Set(acts.redirects)].filter((t) => outsideCompany(company, user.address, t));
  const inside = [...new Set(acts.redirects)].filter((t) => !outside.includes(t));
  if (outside.length > 0) out.push({ kind: "sieve_redirect", severity: "high", sentence: `Sieve script "${script.name}" redirects mail outside the company to ${outside.join(", ")}`, fix, details: { ...details, targets: outside, outside: true } });
  if (inside.length > 0) out.push({ kind: "sieve_redirect", severity: "medium", sentence: `Sieve script "${script.name}" redirects mail to ${inside.join(", ")}`, fix, details: { ...details, targets: inside, outside: false } });
  if (acts.discards || acts.trash) {
    out.push({ kind: "sieve_discard", severity: "high", sentence: `Sieve script "${script.name}" ${acts.discards ? "discards" : "files into Trash"} some incoming mail (a thief hides replies and security notices this way)`, fix, details });
  }
  if (acts.vacation) out.push({ kind: "sieve_vacation", severity: "medium", sentence: `Sieve script "${script.name}" sends automatic replies`, fix, details });
  return out;
}

function forwardFinding(user: User, company: Company, forwardTo: readonly string[], keep: boolean): AbuseFinding[] {
  if (forwardTo.length === 0) return [];
  const outside = forwardTo.filter((t) => outsideCompany(company, user.address, t));
  const where = outside.length > 0 ? `outside the company to ${outside.join(", ")}` : `to ${forwardTo.join(", ")}`;
  return [{
    kind: "forward_setting",
    severity: outside.length > 0 ? "high" : "medium",
    sentence: `every message is forwarded ${where}${keep ? "" : " and no copy is kept"}`,
    fix: `moat user set ${user.address} --forward none`,
    details: { targets: [...forwardTo], outside, keep },
  }];
}

function appPasswordFindings(revoked: readonly AppPassword[], since: EpochMs): AbuseFinding[] {
  return revoked
    .filter((p) => p.createdAt >= since)
    .map((p) => ({
      kind: "app_password" as const,
      severity: "high" as const,
      sentence: `client security password "${p.name}" was created in the period (${new Date(p.createdAt).toISOString()})${p.lastUsedIp ? `, last used from ${p.lastUsedIp}` : ""}; it has been revoked`,
      fix: null,
      details: { name: p.name, createdAt: new Date(p.createdAt).toISOString(), lastUsedAt: p.lastUsedAt === null ? null : new Date(p.lastUsedAt).toISOString(), lastUsedIp: p.lastUsedIp },
    }));
}

const maxSentListed = 500;

async function sentFindings(store: Pick<Store, "messageTraces">, user: User, company: Company, period: { since: EpochMs; until: EpochMs }): Promise<AbuseFinding[]> {
  const traces = await store.messageTraces.search({ from: user.address, since: period.since, until: period.until, limit: maxSentListed });
  return traces
    .filter((t) => t.origin === "submission" && t.decision !== "rejected")
    .map((t) => {
      const internal = t.recipients.filter((r: Address) => company.same(domainOf(user.address), domainOf(r)));
      const external = t.recipients.filter((r) => !internal.includes(r));
      const recallable = internal.length > 0 && t.messageId !== "";
      const to = t.recipients.join(", ");
      return {
        kind: "sent_mail" as const,
        severity: external.length > 0 ? ("high" as const) : ("medium" as const),
        sentence: `sent "${t.subject}" to ${to} at ${new Date(t.at).toISOString()}${external.length > 0 ? ` (${external.length} outside: cannot be recalled)` : ""}`,
        fix: recallable ? `moat recall ${user.address} ${shellWord(t.messageId)}` : null,
        details: { traceId: t.id, at: new Date(t.at).toISOString(), subject: t.subject, messageId: t.messageId, recipients: [...t.recipients], internal, external },
      };
    });
}

async function deletedFindings(store: Pick<Store, "mailboxes" | "messageState">, user: User): Promise<AbuseFinding[]> {
  const out: AbuseFinding[] = [];
  for (const box of await store.mailboxes.list(user.id)) {
    const uids = await store.messageState.vanishedSince(box.id, 0);
    if (uids.length === 0) continue;
    out.push({
      kind: "deleted_mail",
      severity: "low",
      sentence: `${uids.length} message(s) have been expunged from ${box.name} (the store keeps their UIDs, not when they were deleted nor their content)`,
      fix: null,
      details: { mailbox: box.name, expunged: uids.length, lastUids: uids.slice(-20) },
    });
  }
  return out;
}

export type ReportStore = Pick<Store, "sieveScripts" | "flowSettings" | "domains" | "messageTraces" | "mailboxes" | "messageState">;

/** `revokedAppPasswords`: the client security passwords as they were before the action removed them. */
export async function abuseReport(store: ReportStore, user: User, period: { since: EpochMs; until: EpochMs }, revokedAppPasswords: readonly AppPassword[]): Promise<AbuseFinding[]> {
  const company = await readCompany(store);
  const [rules] = await store.sieveScripts.rulesFor([user.id]);
  const own = readFlowSettings(accountFlowSettingsSchema, rules?.flowSettings ?? (await store.flowSettings.getUser(user.id)));
  return [
    ...(rules?.script ? scriptFindings(user, company, rules.script) : []),
    ...forwardFinding(user, company, own.forwardTo, own.forwardKeep),
    ...appPasswordFindings(revokedAppPasswords, period.since),
    ...(await sentFindings(store, user, company, period)),
    ...(await deletedFindings(store, user)),
  ];
}
