// moat apppass add|list|remove: client security passwords (app passwords) for IMAP, POP3 and
// SMTP clients. `add` prints the new secret alone on its last line (scripts read it), once.
import type { Command } from "commander";
import type { ListedAppPassword } from "../../core/auth/app-passwords.js";
import { clientProtocols, type ClientProtocol } from "../../core/auth/types.js";
import { MoatError } from "../../shared/errors.js";
import { cliActor } from "../actor.js";
import { outputOf, withMoat, type CliIo } from "../context.js";
import { formatTime } from "../output.js";

const appPassJson = (p: ListedAppPassword) => ({
  name: p.name,
  protocols: p.protocols.length === 0 ? [...clientProtocols] : p.protocols,
  createdAt: new Date(p.createdAt).toISOString(),
  lastUsedAt: p.lastUsedAt === null ? null : new Date(p.lastUsedAt).toISOString(),
  lastUsedIp: p.lastUsedIp,
  lastUsedProtocol: p.lastUsedProtocol,
  expired: p.expired,
});

export function parseProtocols(text: string): ClientProtocol[] {
  const items = text.split(",").map((s) => s.trim().toLowerCase()).filter((s) => s !== "");
  const bad = items.find((p) => !clientProtocols.includes(p as ClientProtocol));
  if (bad !== undefined || items.length === 0) throw new MoatError("invalid_input", `--protocols: expected a list of ${clientProtocols.join(", ")}, not '${text}'`);
  return items as ClientProtocol[];
}

export function appPassCommand(program: Command, io: CliIo): void {
  const apppass = program.command("apppass").description("client security passwords (app passwords) for IMAP, POP3 and SMTP clients");

  apppass
    .command("add <address>")
    .description("create one; the secret is shown once, on the last line")
    .requiredOption("--name <name>", 'what it is for, e.g. "Outlook on laptop"')
    .option("--protocols <list>", "limit it to some of imap,pop3,smtp (default: all three)")
    .action((address: string, opts: { name: string; protocols?: string }, cmd: Command) =>
      withMoat(cmd, async (moat) => {
        const protocols = opts.protocols === undefined ? [] : parseProtocols(opts.protocols);
        const { appPassword, secret } = await moat.loginSecurity.appPasswords.create(address, opts.name, protocols, cliActor());
        const out = outputOf(cmd, io);
        if (out.json) return out.object("", { address, name: appPassword.name, protocols: appPassword.protocols, secret });
        out.line(`client security password "${appPassword.name}" created for ${address} (${protocols.length === 0 ? "imap, pop3, smtp" : protocols.join(", ")})`);
        out.line("it is shown only now; spaces and case do not matter when typing it:");
        out.line(secret);
      }),
    );

  apppass
    .command("list <address>")
    .description("list them with their last use (never their secrets)")
    .action((address: string, _o, cmd: Command) =>
      withMoat(cmd, async (moat) => {
        outputOf(cmd, io).rows(
          await moat.loginSecurity.appPasswords.list(address),
          {
            NAME: (p) => p.name,
            PROTOCOLS: (p) => (p.protocols.length === 0 ? "all" : p.protocols.join(",")),
            CREATED: (p) => formatTime(p.createdAt),
            "LAST USED": (p) => (p.lastUsedAt === null ? "never" : `${formatTime(p.lastUsedAt)} ${p.lastUsedProtocol ?? ""} ${p.lastUsedIp ?? ""}`),
            STATUS: (p) => (p.expired ? "expired" : "active"),
          },
          appPassJson,
        );
      }),
    );

  apppass
    .command("remove <address> <name>")
    .description("delete one; the sessions it opened end")
    .action((address: string, name: string, _o, cmd: Command) =>
      withMoat(cmd, async (moat) => {
        const { sessionsEnded } = await moat.loginSecurity.appPasswords.remove(address, name, cliActor());
        // This process holds no sessions: the server ends them at its next sweep (within 30 s).
        outputOf(cmd, io).object(`removed client security password "${name}" of ${address}; the server ends its sessions within 30 s`, { address, removed: name, sessionsEnded });
      }),
    );
}
