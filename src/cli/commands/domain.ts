// moat domain add|list|remove|dkim (and set|show, in domain-set.ts)
import type { Command } from "commander";
import { displayDomain } from "../../mail/address.js";
import type { Domain } from "../../core/accounts/types.js";
import { outputOf, withMoat, type CliIo } from "../context.js";
import { formatTime } from "../output.js";
import { domainSettingsCommands } from "./domain-set.js";

const domainJson = (d: Domain) => ({ name: d.name, display: displayDomain(d.name), createdAt: new Date(d.createdAt).toISOString() });

export function domainCommand(program: Command, io: CliIo): void {
  const domain = program.command("domain").description("hosted domains");

  domain
    .command("add <domain>")
    .description("host a domain (IDN names are stored in punycode)")
    .action((name: string, _o, cmd: Command) =>
      withMoat(cmd, async (moat) => {
        const d = await moat.accounts.addDomain(name);
        outputOf(cmd, io).object(`added domain ${displayDomain(d.name)}${displayDomain(d.name) !== d.name ? ` (${d.name})` : ""}`, domainJson(d));
      }),
    );

  domain
    .command("list")
    .description("list hosted domains")
    .action((_o, cmd: Command) =>
      withMoat(cmd, async (moat) => {
        outputOf(cmd, io).rows(
          await moat.accounts.listDomains(),
          { DOMAIN: (d) => displayDomain(d.name), ASCII: (d) => d.name, CREATED: (d) => formatTime(d.createdAt) },
          domainJson,
        );
      }),
    );

  domain
    .command("dkim <domain>")
    .description("print the DNS TXT record that publishes the domain's DKIM key")
    .action((name: string, _o, cmd: Command) =>
      withMoat(cmd, async (moat) => {
        // Makes the key on first use for a domain added before keys were generated.
        const record = await moat.dkim.dnsRecord(name);
        // Zone-file form: TXT values over 255 bytes are several quoted strings (RFC 1035 §3.3.14).
        const quoted = record.strings.map((part) => `"${part}"`).join(" ");
        outputOf(cmd, io).object(`${record.name}. IN TXT ${quoted}`, { name: record.name, type: record.type, value: record.value });
      }),
    );

  domainSettingsCommands(domain, io);

  domain
    .command("remove <domain>")
    .description("stop hosting a domain")
    .option("--force", "also remove its users, aliases and groups")
    .action((name: string, opts: { force?: boolean }, cmd: Command) =>
      withMoat(cmd, async (moat) => {
        await moat.accounts.removeDomain(name, { force: opts.force === true });
        outputOf(cmd, io).object(`removed domain ${name}`, { removed: name });
      }),
    );
}
