// moat alias add|list|remove
import type { Command } from "commander";
import { displayAddress } from "../../mail/address.js";
import type { Alias } from "../../core/accounts/types.js";
import { outputOf, withMoat, type CliIo } from "../context.js";

const aliasJson = (a: Alias) => ({ address: a.address, target: a.target, createdAt: new Date(a.createdAt).toISOString() });

export function aliasCommand(program: Command, io: CliIo): void {
  const alias = program.command("alias").description("addresses that deliver to another address");

  alias
    .command("add <alias> <target>")
    .description("mail to <alias> goes to <target>")
    .action((address: string, target: string, _o, cmd: Command) =>
      withMoat(cmd, async (moat) => {
        const a = await moat.accounts.addAlias(address, target);
        outputOf(cmd, io).object(`added alias ${displayAddress(a.address)} → ${displayAddress(a.target)}`, aliasJson(a));
      }),
    );

  alias
    .command("list [domain]")
    .description("list aliases, of one domain or all")
    .action((domain: string | undefined, _o, cmd: Command) =>
      withMoat(cmd, async (moat) => {
        outputOf(cmd, io).rows(
          await moat.accounts.listAliases(domain),
          { ALIAS: (a) => displayAddress(a.address), TARGET: (a) => displayAddress(a.target) },
          aliasJson,
        );
      }),
    );

  alias
    .command("remove <alias>")
    .description("delete an alias")
    .action((address: string, _o, cmd: Command) =>
      withMoat(cmd, async (moat) => {
        await moat.accounts.removeAlias(address);
        outputOf(cmd, io).object(`removed alias ${address}`, { removed: address });
      }),
    );
}
