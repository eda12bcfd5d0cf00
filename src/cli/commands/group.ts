// moat group add|list|remove and moat group members add|remove|list
import type { Command } from "commander";
import { displayAddress } from "../../mail/address.js";
import type { GroupMember, MailGroup } from "../../core/accounts/types.js";
import { outputOf, withMoat, type CliIo } from "../context.js";
import { groupFlowCommands } from "./group-flow.js";

const groupJson = (g: MailGroup) => ({ address: g.address, name: g.name, createdAt: new Date(g.createdAt).toISOString() });
const memberJson = (m: GroupMember) => ({ address: m.address, kind: m.kind });

export function groupCommand(program: Command, io: CliIo): void {
  const group = program.command("group").description("mail groups (distribution lists)");

  group
    .command("add <address>")
    .description("create a mail group")
    .option("--name <name>", "the group's name, e.g. Sales")
    .action((address: string, opts: { name?: string }, cmd: Command) =>
      withMoat(cmd, async (moat) => {
        const g = await moat.accounts.addGroup(address, opts.name);
        outputOf(cmd, io).object(`added group ${displayAddress(g.address)}`, groupJson(g));
      }),
    );

  group
    .command("list [domain]")
    .description("list mail groups, of one domain or all")
    .action((domain: string | undefined, _o, cmd: Command) =>
      withMoat(cmd, async (moat) => {
        outputOf(cmd, io).rows(await moat.accounts.listGroups(domain), { GROUP: (g) => displayAddress(g.address), NAME: (g) => g.name }, groupJson);
      }),
    );

  group
    .command("remove <address>")
    .description("delete a mail group")
    .action((address: string, _o, cmd: Command) =>
      withMoat(cmd, async (moat) => {
        await moat.accounts.removeGroup(address);
        outputOf(cmd, io).object(`removed group ${address}`, { removed: address });
      }),
    );

  groupFlowCommands(group, io);

  const members = group.command("members").description("who receives a group's mail");

  members
    .command("add <group> <members...>")
    .description("add users or outside addresses to a group")
    .action((address: string, list: string[], _o, cmd: Command) =>
      withMoat(cmd, async (moat) => {
        const added = await moat.accounts.addMembers(address, list);
        const out = outputOf(cmd, io);
        for (const m of added) out.object(`added ${displayAddress(m.address)} (${m.kind}) to ${address}`, { group: address, ...memberJson(m) });
      }),
    );

  members
    .command("remove <group> <member>")
    .description("remove a member from a group")
    .action((address: string, member: string, _o, cmd: Command) =>
      withMoat(cmd, async (moat) => {
        await moat.accounts.removeMember(address, member);
        outputOf(cmd, io).object(`removed ${member} from ${address}`, { group: address, removed: member });
      }),
    );

  members
    .command("list <group>")
    .description("list a group's members")
    .action((address: string, _o, cmd: Command) =>
      withMoat(cmd, async (moat) => {
        outputOf(cmd, io).rows(await moat.accounts.listMembers(address), { MEMBER: (m) => displayAddress(m.address), KIND: (m) => m.kind }, memberJson);
      }),
    );
}
