// moat audit add|remove|rules (approval before sending) and moat audit held|show|approve|reject
// (mail held for auditors and group moderators; issue 7, items 2 and 3). `moat audit list`
// stays the admin audit log of issue 6. --as ADDRESS decides as that moderator or auditor
// (refused unless the hold names them); without it the operator decides as an admin.
import type { Command } from "commander";
import type { HeldMessage, HoldStatus } from "../../core/flow/held.js";
import type { Actor } from "../../core/security/audit.js";
import { parseAddress } from "../../mail/address.js";
import { MoatError } from "../../shared/errors.js";
import { cliActor } from "../actor.js";
import { outputOf, withMoat, type CliIo } from "../context.js";
import { formatTime } from "../output.js";

const statuses: readonly HoldStatus[] = ["held", "approved", "rejected"];

const heldJson = (h: HeldMessage) => ({ ...h, at: new Date(h.at).toISOString(), expiresAt: new Date(h.expiresAt).toISOString(), decidedAt: h.decidedAt === null ? null : new Date(h.decidedAt).toISOString() });

function deciderActor(moat: { accounts: { getUser(a: string): Promise<{ id: number; address: string }> } }, as: string | undefined): Promise<Actor> | Actor {
  if (as === undefined) return cliActor();
  return moat.accounts.getUser(as).then((u) => ({ kind: "user" as const, userId: u.id, address: u.address }));
}

function heldText(h: HeldMessage): string {
  return [
    `held ${h.id}  ${h.kind}  ${h.status}${h.decidedBy ? ` by ${h.decidedBy}` : ""}`,
    `  since ${formatTime(h.at)}, times out ${formatTime(h.expiresAt)} (${h.timeoutAction})`,
    `  rule: ${h.rule}; deciders: ${h.deciders.join(", ")}`,
    `  from ${h.mailFrom ?? "<>"} to ${h.recipients.join(", ")}`,
    `  subject ${h.subject}`,
    `  ${h.preview}`,
    ...(h.note ? [`  note: ${h.note}`] : []),
  ].join("\n");
}

export function heldMailCommands(audit: Command, io: CliIo): void {
  audit
    .command("add <address>")
    .description("approval before sending: mail from this account (or every member of this group) waits for the auditor")
    .requiredOption("--auditor <address>", "the account that approves or rejects")
    .action((address: string, opts: { auditor: string }, cmd: Command) =>
      withMoat(cmd, async (moat) => {
        const settings = await moat.flowSettings.addAudit(address, opts.auditor, cliActor());
        outputOf(cmd, io).object(`audited: ${settings.audits.map((a) => `${a.target} → ${a.auditor}`).join(", ")}`, { audits: settings.audits });
      }),
    );

  audit
    .command("remove <address>")
    .description("stop holding this account's (or group's members') mail for approval")
    .action((address: string, _o, cmd: Command) =>
      withMoat(cmd, async (moat) => {
        const settings = await moat.flowSettings.removeAudit(address, cliActor());
        outputOf(cmd, io).object(`audited: ${settings.audits.map((a) => `${a.target} → ${a.auditor}`).join(", ") || "nobody"}`, { audits: settings.audits });
      }),
    );

  audit
    .command("rules <domain>")
    .description("who in the domain is audited, and by whom")
    .action((domain: string, _o, cmd: Command) =>
      withMoat(cmd, async (moat) => {
        const settings = await moat.flowSettings.forDomain(domain);
        outputOf(cmd, io).rows(settings.audits, { TARGET: (a) => a.target, AUDITOR: (a) => a.auditor }, (a) => a);
      }),
    );

  audit
    .command("held")
    .description("held messages, newest first")
    .option("--status <status>", statuses.join("|"), "held")
    .option("--decider <address>", "only those this moderator or auditor may decide")
    .option("--limit <n>", "how many", "50")
    .action((opts: { status: string; decider?: string; limit: string }, cmd: Command) =>
      withMoat(cmd, async (moat) => {
        if (!(statuses as readonly string[]).includes(opts.status)) throw new MoatError("invalid_input", `--status: expected ${statuses.join("|")}`);
        const limit = Number(opts.limit);
        if (!Number.isSafeInteger(limit) || limit < 1) throw new MoatError("invalid_input", "--limit must be a whole number above 0");
        const decider = opts.decider === undefined ? undefined : parseAddress(opts.decider);
        if (decider && !decider.ok) throw new MoatError("invalid_address", `--decider: ${decider.error}`);
        const held = await moat.heldMail.list({ status: opts.status as HoldStatus, limit, ...(decider?.ok ? { decider: decider.value } : {}) });
        outputOf(cmd, io).rows(
          held,
          { ID: (h) => h.id, SINCE: (h) => formatTime(h.at), KIND: (h) => h.kind, FROM: (h) => h.mailFrom ?? "<>", TO: (h) => h.recipients.join(","), SUBJECT: (h) => h.subject.slice(0, 50) },
          heldJson,
        );
      }),
    );

  audit
    .command("show <id>")
    .description("one held message: sender, recipients, subject, preview, rule")
    .action((id: string, _o, cmd: Command) =>
      withMoat(cmd, async (moat) => {
        const held = await moat.heldMail.get(id);
        outputOf(cmd, io).object(heldText(held), heldJson(held));
      }),
    );

  audit
    .command("approve <id>")
    .description("release a held message through the rest of the mail flow")
    .option("--as <address>", "decide as this moderator or auditor")
    .action((id: string, opts: { as?: string }, cmd: Command) =>
      withMoat(cmd, async (moat) => {
        const { held, verdict } = await moat.heldMail.approve(id, await deciderActor(moat, opts.as));
        const outcome = verdict.kind === "accept" ? `released as ${verdict.id ?? "?"}` : `release failed: ${verdict.text}`;
        outputOf(cmd, io).object(`approved ${held.id}: ${outcome}`, { id: held.id, approved: true, verdict });
        if (verdict.kind !== "accept") throw new MoatError("internal", verdict.text);
      }),
    );

  audit
    .command("reject <id>")
    .description("drop a held message; the sender is told the reason")
    .option("--reason <text>", "told to the sender", "not approved")
    .option("--as <address>", "decide as this moderator or auditor")
    .action((id: string, opts: { reason: string; as?: string }, cmd: Command) =>
      withMoat(cmd, async (moat) => {
        const held = await moat.heldMail.reject(id, await deciderActor(moat, opts.as), opts.reason);
        outputOf(cmd, io).object(`rejected ${held.id}`, { id: held.id, rejected: true });
      }),
    );
}
