// moat user add|list|passwd|suspend|resume|remove
import { type Command, Option } from "commander";
import { displayAddress } from "../../mail/address.js";
import { roles, type User } from "../../core/accounts/types.js";
import { MoatError } from "../../shared/errors.js";
import { outputOf, readPassword, withMoat, type CliIo } from "../context.js";
import { formatBytes, formatTime } from "../output.js";
import { userSecurityCommands } from "./user-security.js";
import { cliActor } from "../actor.js";

export const userJson = (u: User) => ({
  address: u.address,
  display: displayAddress(u.address),
  name: u.displayName,
  role: u.role,
  status: u.status,
  quotaBytes: u.quotaBytes,
  createdAt: new Date(u.createdAt).toISOString(),
});

/** "500M", "2G", "1048576" → bytes; 0 means no quota. */
export function parseQuota(text: string): number {
  const match = /^(\d+)\s*([kmgt]?)(i?b)?$/i.exec(text.trim());
  if (!match) throw new MoatError("invalid_input", `'${text}' is not a size (e.g. 500M, 2G or a number of bytes)`);
  const power = " kmgt".indexOf((match[2] || " ").toLowerCase());
  const bytes = Number(match[1]) * 1024 ** power;
  if (!Number.isSafeInteger(bytes)) throw new MoatError("invalid_input", `'${text}' is too large`);
  return bytes;
}

interface PasswordOptions {
  password?: string;
  passwordStdin?: boolean;
}

export function userCommand(program: Command, io: CliIo): void {
  const user = program.command("user").description("mail users");

  user
    .command("add <address>")
    .description("create a user in a hosted domain")
    .option("--password <password>", "the initial password")
    .option("--password-stdin", "read the initial password from standard input")
    .option("--name <name>", "display name")
    .addOption(new Option("--role <role>", "role").choices(roles).default("user"))
    .option("--quota <size>", "mailbox quota, e.g. 2G (0: none)", "0")
    .action((address: string, opts: PasswordOptions & { name?: string; role: User["role"]; quota: string }, cmd: Command) =>
      withMoat(cmd, async (moat) => {
        const quotaBytes = parseQuota(opts.quota);
        const password = await readPassword(opts, io);
        const u = await moat.accounts.addUser({ address, password, displayName: opts.name, role: opts.role, quotaBytes });
        outputOf(cmd, io).object(`added user ${displayAddress(u.address)}`, userJson(u));
      }),
    );

  user
    .command("list [domain]")
    .description("list users, of one domain or all")
    .action((domain: string | undefined, _o, cmd: Command) =>
      withMoat(cmd, async (moat) => {
        outputOf(cmd, io).rows(
          await moat.accounts.listUsers(domain),
          {
            ADDRESS: (u) => displayAddress(u.address),
            NAME: (u) => u.displayName,
            ROLE: (u) => u.role,
            STATUS: (u) => u.status,
            QUOTA: (u) => formatBytes(u.quotaBytes),
            CREATED: (u) => formatTime(u.createdAt),
          },
          userJson,
        );
      }),
    );

  user
    .command("passwd <address>")
    .description("set a user's password")
    .option("--password <password>", "the new password")
    .option("--password-stdin", "read the new password from standard input")
    .option("--temporary", "an admin's reset: the user must choose a new password at the next web login; protocol logins refuse it")
    .action((address: string, opts: PasswordOptions & { temporary?: boolean }, cmd: Command) =>
      withMoat(cmd, async (moat) => {
        const password = await readPassword(opts, io);
        const temporary = opts.temporary === true;
        const { revokedAppPasswords, revokedWebSessions } = await moat.accounts.setPassword(address, password, cliActor(), { temporary });
        // Issue 6: a new password revokes every client security password and web session; say how many.
        const what = temporary ? "temporary password set" : "password changed";
        const text = `${what} for ${address}; ${revokedAppPasswords} client security password(s) revoked; ${revokedWebSessions} web session(s) ended`;
        outputOf(cmd, io).object(text, { address, passwordChanged: true, temporary, revokedAppPasswords, revokedWebSessions });
      }),
    );

  for (const [name, status, verb] of [
    ["suspend", "suspended", "suspend a user: every login is refused, mail is still received"],
    ["resume", "active", "let a suspended user log in again"],
  ] as const) {
    user
      .command(`${name} <address>`)
      .description(verb)
      .action((address: string, _o, cmd: Command) =>
        withMoat(cmd, async (moat) => {
          const u = await moat.accounts.setStatus(address, status);
          outputOf(cmd, io).object(`${u.address} is ${status}`, userJson(u));
        }),
      );
  }

  userSecurityCommands(user, io);

  user
    .command("remove <address>")
    .description("delete a user")
    .action((address: string, _o, cmd: Command) =>
      withMoat(cmd, async (moat) => {
        await moat.accounts.removeUser(address);
        outputOf(cmd, io).object(`removed user ${address}`, { removed: address });
      }),
    );
}
