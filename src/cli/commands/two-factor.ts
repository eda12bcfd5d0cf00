// moat 2fa: two-factor login (issue 6 item 3, decision 0013) for admins without the web
// console: an account's status, an admin's reset, the domain's requirement with its grace
// period, and TOTP enrolment for testing or for a user an admin sets up in person.
import type { Command } from "commander";
import type { TwoFactorStatus } from "../../core/auth/two-factor/service.js";
import { MoatError } from "../../shared/errors.js";
import { cliActor } from "../actor.js";
import { outputOf, withMoat, type CliIo } from "../context.js";
import { formatTime } from "../output.js";
import { onOff } from "./user-security.js";

const items = (text: string | undefined) => (text === undefined ? undefined : text.split(",").map((s) => s.trim()).filter((s) => s !== ""));

const statusJson = (s: TwoFactorStatus) => ({
  address: s.address,
  enabled: s.enabled,
  totp: s.totp,
  passkeys: s.passkeys.map((p) => ({ name: p.name, createdAt: new Date(p.createdAt).toISOString(), lastUsedAt: p.lastUsedAt === null ? null : new Date(p.lastUsedAt).toISOString() })),
  recoveryCodesLeft: s.recoveryCodesLeft,
  rememberedBrowsers: s.rememberedBrowsers,
  sms: s.sms,
  methods: s.methods,
  required: s.required,
  enrolBy: s.enrolBy === null ? null : new Date(s.enrolBy).toISOString(),
});

function statusText(s: TwoFactorStatus): string {
  const passkeys = s.passkeys.length === 0 ? "none" : s.passkeys.map((p) => `${p.name} (last used ${p.lastUsedAt === null ? "never" : formatTime(p.lastUsedAt)})`).join(", ");
  const required = !s.required ? "no" : s.enrolBy === null ? "yes" : `yes, enrol by ${formatTime(s.enrolBy)}`;
  return [
    `${s.address}: two-factor login ${s.enabled ? "on" : "off"}`,
    `  authenticator app (TOTP): ${s.totp}`,
    `  passkeys: ${passkeys}`,
    `  recovery codes left: ${s.recoveryCodesLeft}`,
    `  bound phone (SMS): ${s.sms ? "yes" : "no"}`,
    `  remembered browsers: ${s.rememberedBrowsers}`,
    `  required by the domain: ${required}`,
  ].join("\n");
}

function graceDays(text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const days = Number(text);
  if (!/^\d+$/.test(text) || days > 365) throw new MoatError("invalid_input", `--grace-days: expected a whole number of days from 0 to 365, not '${text}'`);
  return days;
}

export function twoFactorCommand(program: Command, io: CliIo): void {
  const twoFa = program.command("2fa").description("two-factor login: status, reset, the domain's requirement, TOTP enrolment");

  twoFa
    .command("status <address>")
    .description("the account's second factors and whether its domain requires one")
    .action((address: string, _o, cmd: Command) =>
      withMoat(cmd, async (moat) => {
        const status = await moat.loginSecurity.twoFactor.status(address);
        outputOf(cmd, io).object(statusText(status), statusJson(status));
      }),
    );

  twoFa
    .command("reset <address>")
    .description("remove the account's TOTP, passkeys, recovery codes and remembered browsers (audited)")
    .action((address: string, _o, cmd: Command) =>
      withMoat(cmd, async (moat) => {
        const removed = await moat.loginSecurity.twoFactor.resetAll(address, cliActor());
        const text = `two-factor login reset for ${address}: TOTP ${removed.totp ? "removed" : "was off"}, ${removed.passkeys} passkeys, ${removed.recoveryCodes} recovery codes, ${removed.rememberedBrowsers} remembered browsers`;
        outputOf(cmd, io).object(text, { address, ...removed });
      }),
    );

  twoFa
    .command("require <domain> <on|off>")
    .description("require two-factor login of every account, or of the listed accounts and groups' members")
    .option("--accounts <list>", "only these accounts (comma-separated; 'none' empties the list)")
    .option("--groups <list>", "and the members of these mail groups")
    .option("--grace-days <n>", "days an account may still log in without a second factor (default 14)")
    .action((domain: string, state: string, opts: { accounts?: string; groups?: string; graceDays?: string }, cmd: Command) =>
      withMoat(cmd, async (moat) => {
        const on = onOff("require", state);
        const none = (list: string[] | undefined) => (list?.length === 1 && list[0]!.toLowerCase() === "none" ? [] : list);
        const accounts = none(items(opts.accounts));
        const groups = none(items(opts.groups));
        const listed = (accounts?.length ?? 0) > 0 || (groups?.length ?? 0) > 0;
        const required = !on ? "off" : listed ? "listed" : "all";
        const after = await moat.loginSecurity.twoFactor.setRequirement(domain, { required, ...(accounts ? { accounts } : {}), ...(groups ? { groups } : {}), ...(opts.graceDays !== undefined ? { graceDays: graceDays(opts.graceDays)! } : {}) }, cliActor());
        const who = after.twoFactorRequired === "all" ? "every account" : [...after.twoFactorAccounts, ...after.twoFactorGroups.map((g) => `members of ${g}`)].join(", ");
        const text = after.twoFactorRequired === "off" ? `${domain}: two-factor login not required` : `${domain}: two-factor login required of ${who}, ${after.twoFactorGraceDays} days to enrol`;
        outputOf(cmd, io).object(text, { domain, required: after.twoFactorRequired, accounts: after.twoFactorAccounts, groups: after.twoFactorGroups, graceDays: after.twoFactorGraceDays });
      }),
    );

  const totp = twoFa.command("totp").description("authenticator app (TOTP) enrolment");
  totp
    .command("enrol <address>")
    .description("start an enrolment; the otpauth:// URI is printed on the last line (pending until confirmed)")
    .option("--qr-svg", "print the QR code as SVG instead of the URI")
    .action((address: string, opts: { qrSvg?: boolean }, cmd: Command) =>
      withMoat(cmd, async (moat) => {
        const user = await moat.accounts.getUser(address);
        const enrolment = await moat.loginSecurity.twoFactor.startTotpEnrolment(user.id);
        const out = outputOf(cmd, io);
        if (out.json) return out.object("", { address: user.address, secret: enrolment.secret, uri: enrolment.uri });
        if (opts.qrSvg === true) return out.line(enrolment.qrSvg);
        out.line(`authenticator app enrolment started for ${user.address}; secret ${enrolment.secret}`);
        out.line(`confirm with: moat 2fa totp confirm ${user.address} CODE`);
        out.line(enrolment.uri);
      }),
    );
  totp
    .command("confirm <address> <code>")
    .description("turn TOTP on with a code from the app; new recovery codes are printed once")
    .action((address: string, code: string, _o, cmd: Command) =>
      withMoat(cmd, async (moat) => {
        const user = await moat.accounts.getUser(address);
        const { recoveryCodes } = await moat.loginSecurity.twoFactor.confirmTotp(user.id, code, cliActor());
        const out = outputOf(cmd, io);
        if (out.json) return out.object("", { address: user.address, totp: "on", recoveryCodes });
        out.line(`authenticator app confirmed for ${user.address}: two-factor login is on`);
        if (recoveryCodes) out.line(`recovery codes (shown only now, each works once):\n${recoveryCodes.join("\n")}`);
      }),
    );

  twoFa
    .command("recovery-codes <address>")
    .description("make ten new recovery codes (the old ones stop working); printed once")
    .action((address: string, _o, cmd: Command) =>
      withMoat(cmd, async (moat) => {
        const user = await moat.accounts.getUser(address);
        const codes = await moat.loginSecurity.twoFactor.regenerateRecoveryCodes(user.id, cliActor());
        outputOf(cmd, io).object(`new recovery codes for ${user.address} (shown only now, each works once):\n${codes.join("\n")}`, { address: user.address, recoveryCodes: codes });
      }),
    );

  twoFa
    .command("passkey-remove <address> <name>")
    .description("remove one passkey of the account")
    .action((address: string, name: string, _o, cmd: Command) =>
      withMoat(cmd, async (moat) => {
        const user = await moat.accounts.getUser(address);
        await moat.loginSecurity.twoFactor.removePasskey(user.id, name, cliActor());
        outputOf(cmd, io).object(`removed passkey "${name}" of ${user.address}`, { address: user.address, removed: name });
      }),
    );
}
