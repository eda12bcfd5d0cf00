// moat user set ADDRESS [--imap on|off] [--pop3 on|off] [--smtp on|off]
//   [--security-password-required on|off] [--channels web,api,imap,pop3,smtp]
//   [--login-alert-mails on|off]
// and moat user security ADDRESS: an account's own login settings, and the rules in effect once
// its domain's are applied (the stricter wins).
import type { Command } from "commander";
import type { AccountLoginSettings } from "../../core/auth/login-settings.js";
import type { EffectiveLoginRules } from "../../core/auth/login-rules.js";
import { channels, type Channel } from "../../core/auth/types.js";
import { MoatError } from "../../shared/errors.js";
import { cliActor } from "../actor.js";
import { outputOf, withMoat, type CliIo } from "../context.js";

export function onOff(flag: string, text: string): boolean {
  const lower = text.toLowerCase();
  if (lower === "on") return true;
  if (lower === "off") return false;
  throw new MoatError("invalid_input", `${flag}: expected on or off, not '${text}'`);
}

export function channelList(flag: string, text: string): Channel[] {
  const items = text.split(",").map((s) => s.trim().toLowerCase()).filter((s) => s !== "");
  const bad = items.find((c) => !channels.includes(c as Channel));
  if (bad !== undefined) throw new MoatError("invalid_input", `${flag}: '${bad}' is not one of ${channels.join(", ")}`);
  return items as Channel[];
}

interface SetOptions {
  imap?: string;
  pop3?: string;
  smtp?: string;
  securityPasswordRequired?: string;
  channels?: string;
  loginAlertMails?: string;
  internalOnly?: string;
  autoForward?: string;
  forward?: string;
  forwardKeep?: string;
}

/** --forward a@x,b@y, or "none" to stop; --forward-keep on|off (issue 7 item 6). */
function forwardChangeOf(opts: SetOptions): { forwardTo?: string[]; forwardKeep?: boolean } {
  return {
    ...(opts.forward !== undefined ? { forwardTo: opts.forward.trim().toLowerCase() === "none" ? [] : opts.forward.split(",").map((a) => a.trim()).filter((a) => a !== "") } : {}),
    ...(opts.forwardKeep !== undefined ? { forwardKeep: onOff("--forward-keep", opts.forwardKeep) } : {}),
  };
}

/** on|off, or "default": the domain's setting applies again (issue 7's account overrides). */
function onOffDefault(flag: string, text: string): boolean | null {
  return text.toLowerCase() === "default" ? null : onOff(flag, text);
}

function flowPatchOf(opts: SetOptions): { internalOnly?: boolean | null; autoForward?: boolean | null } {
  return {
    ...(opts.internalOnly !== undefined ? { internalOnly: onOffDefault("--internal-only", opts.internalOnly) } : {}),
    ...(opts.autoForward !== undefined ? { autoForward: onOffDefault("--auto-forward", opts.autoForward) } : {}),
  };
}

function patchOf(opts: SetOptions, flowChanges: boolean): Partial<AccountLoginSettings> {
  const patch: { -readonly [K in keyof AccountLoginSettings]?: AccountLoginSettings[K] } = {};
  if (opts.imap !== undefined) patch.imap = onOff("--imap", opts.imap);
  if (opts.pop3 !== undefined) patch.pop3 = onOff("--pop3", opts.pop3);
  if (opts.smtp !== undefined) patch.smtp = onOff("--smtp", opts.smtp);
  if (opts.securityPasswordRequired !== undefined) patch.securityPasswordRequired = onOff("--security-password-required", opts.securityPasswordRequired);
  if (opts.channels !== undefined) patch.channels = channelList("--channels", opts.channels);
  if (opts.loginAlertMails !== undefined) patch.loginAlertMails = onOff("--login-alert-mails", opts.loginAlertMails);
  if (Object.keys(patch).length === 0 && !flowChanges) {
    throw new MoatError("invalid_input", "nothing to change: give --imap, --pop3, --smtp, --security-password-required, --channels, --login-alert-mails, --internal-only, --auto-forward, --forward or --forward-keep");
  }
  return patch;
}

const rulesJson = (address: string, own: AccountLoginSettings, effective: EffectiveLoginRules) => ({ address, settings: own, effective });

function rulesText(address: string, own: AccountLoginSettings, e: EffectiveLoginRules): string {
  const on = (b: boolean) => (b ? "on" : "off");
  const sp = e.securityPassword;
  return [
    `account ${address}`,
    `  imap=${on(own.imap)} pop3=${on(own.pop3)} smtp=${on(own.smtp)} channels=${own.channels.join(",")} security-password-required=${on(own.securityPasswordRequired)} login-alert-mails=${on(own.loginAlertMails)}`,
    `in effect (with the domain's rules):`,
    `  imap=${on(e.protocols.imap)} pop3=${on(e.protocols.pop3)} smtp=${on(e.protocols.smtp)} channels=${e.channels.join(",")}`,
    `  security-password-required=${on(sp.required)}${sp.forcedByDomain ? " (forced by the domain)" : ""}`,
  ].join("\n");
}

export function userSecurityCommands(user: Command, io: CliIo): void {
  user
    .command("set <address>")
    .description("change an account's login settings (protocol switches, client security passwords, channels)")
    .option("--imap <on|off>", "IMAP logins")
    .option("--pop3 <on|off>", "POP3 logins")
    .option("--smtp <on|off>", "SMTP AUTH logins (sending from clients)")
    .option("--security-password-required <on|off>", "refuse the main password over IMAP/POP3/SMTP: only client security passwords work")
    .option("--channels <list>", `the channels the account may log in on (${channels.join(",")})`)
    .option("--login-alert-mails <on|off>", "mail the user about unusual logins to their account (their domain's admins are still told)")
    .option("--internal-only <on|off|default>", "send only inside the company and receive only from it (default: the domain's setting)")
    .option("--auto-forward <on|off|default>", "automatic forwarding outside the company")
    .option("--forward <addresses|none>", "forward every message to these addresses (comma-separated); none stops it")
    .option("--forward-keep <on|off>", "keep a copy of forwarded mail in the mailbox (default on)")
    .action((address: string, opts: SetOptions, cmd: Command) =>
      withMoat(cmd, async (moat) => {
        const flowPatch = flowPatchOf(opts);
        const forward = forwardChangeOf(opts);
        const patch = patchOf(opts, Object.keys(flowPatch).length + Object.keys(forward).length > 0);
        const { user: account } = await moat.loginSecurity.settings.forAccount(address);
        if (Object.keys(flowPatch).length > 0) await moat.flowSettings.updateAccount(account.address, flowPatch, cliActor());
        // After --auto-forward, so "--auto-forward off --forward x@outside" is refused.
        if (Object.keys(forward).length > 0) await moat.forwarding.setForward(account.address, forward, cliActor());
        const own = Object.keys(patch).length > 0 ? await moat.loginSecurity.settings.updateAccount(account.address, patch, cliActor()) : (await moat.loginSecurity.settings.forAccount(account.address)).settings;
        const effective = await moat.loginSecurity.settings.effective(account.address);
        const flowSettings = await moat.flowSettings.forAccount(account.address);
        const flow = { ...flowSettings.effective, forwardTo: flowSettings.own.forwardTo, forwardKeep: flowSettings.own.forwardKeep };
        const forwardText = flow.forwardTo.length === 0 ? "none" : `${flow.forwardTo.join(",")} keep=${flow.forwardKeep ? "on" : "off"}`;
        const flowLine = `  mail flow: internal-only=${flow.internalOnly ? "on" : "off"} auto-forward=${flow.autoForward ? "on" : "off"} forward=${forwardText}`;
        outputOf(cmd, io).object(`${rulesText(account.address, own, effective)}\n${flowLine}`, { ...rulesJson(account.address, own, effective), flow });
      }),
    );

  user
    .command("security <address>")
    .description("show an account's login settings and the rules in effect")
    .action((address: string, _o, cmd: Command) =>
      withMoat(cmd, async (moat) => {
        const { user: account, settings } = await moat.loginSecurity.settings.forAccount(address);
        const effective = await moat.loginSecurity.settings.effective(account.address);
        outputOf(cmd, io).object(rulesText(account.address, settings, effective), rulesJson(account.address, settings, effective));
      }),
    );
}
