// moat domain set DOMAIN key=value… and moat domain show DOMAIN: per-domain settings, one
// entry per key in the table below (parse and check the text, read the current value, apply).
// A new setting is one more entry. Every pair is parsed, and the domain looked up, before
// anything is written, so a bad pair leaves the domain as it was (exit 2, one line on stderr).
import type { Command } from "commander";
import type { Moat } from "../../app.js";
import { mailboxName } from "../../core/mailstore/names.js";
import { MoatError } from "../../shared/errors.js";
import { outputOf, withMoat, type CliIo } from "../context.js";
import { flowDomainSettings } from "./domain-flow-settings.js";
import { loginSecurityDomainSettings } from "./domain-login-settings.js";

interface DomainSetting<T> {
  /** What the admin types, e.g. "pop3-folder". */
  readonly key: string;
  /** The accepted values, for messages: "on|off", "NAME". */
  readonly values: string;
  /** The text as a value; throws MoatError('invalid_input') with a sentence for the admin. */
  parse(text: string): T;
  read(moat: Moat, domain: string): Promise<string>;
  apply(moat: Moat, domain: string, value: T): Promise<void>;
}

/** A setting with its value type hidden, so entries of different types share one table. */
interface SettingEntry {
  readonly key: string;
  readonly values: string;
  read(moat: Moat, domain: string): Promise<string>;
  /** Parses now; the returned change is applied later. */
  prepare(text: string): (moat: Moat, domain: string) => Promise<void>;
}

function entry<T>(setting: DomainSetting<T>): SettingEntry {
  return {
    key: setting.key,
    values: setting.values,
    read: (moat, domain) => setting.read(moat, domain),
    prepare(text) {
      const value = setting.parse(text);
      return (moat, domain) => setting.apply(moat, domain, value);
    },
  };
}

function onOff(key: string, text: string): boolean {
  const lower = text.toLowerCase();
  if (lower === "on") return true;
  if (lower === "off") return false;
  throw new MoatError("invalid_input", `${key}: expected on or off, not '${text}'`);
}

const onOffText = (on: boolean) => (on ? "on" : "off");

export const domainSettings: readonly SettingEntry[] = [
  entry<boolean>({
    key: "pop3-leave-on-server",
    values: "on|off",
    parse: (text) => onOff("pop3-leave-on-server", text),
    read: async (moat, domain) => onOffText((await moat.pop3Settings.get(domain)).leaveOnServer),
    apply: async (moat, domain, leaveOnServer) => void (await moat.pop3Settings.update(domain, { leaveOnServer })),
  }),
  entry<string>({
    key: "pop3-folder",
    values: "NAME",
    // The mailbox-name rules of core (as for IMAP CREATE), checked before anything is written.
    parse: (text) => {
      try {
        return mailboxName(text);
      } catch {
        throw new MoatError("invalid_input", `pop3-folder: '${text}' is not a valid folder name`);
      }
    },
    read: async (moat, domain) => (await moat.pop3Settings.get(domain)).folder,
    apply: async (moat, domain, folder) => void (await moat.pop3Settings.update(domain, { folder })),
  }),
  ...loginSecurityDomainSettings,
  ...flowDomainSettings,
];

const byKey = new Map(domainSettings.map((s) => [s.key, s]));

/** "key=value" pairs → changes to apply, in order; throws on the first bad pair. */
export function parseAssignments(pairs: readonly string[]): Array<(moat: Moat, domain: string) => Promise<void>> {
  if (pairs.length === 0) throw new MoatError("invalid_input", `give at least one key=value (keys: ${domainSettings.map((s) => s.key).join(", ")})`);
  return pairs.map((pair) => {
    const eq = pair.indexOf("=");
    const key = eq < 0 ? pair : pair.slice(0, eq);
    const setting = byKey.get(key);
    if (setting === undefined) throw new MoatError("invalid_input", `unknown setting '${key}' (known: ${domainSettings.map((s) => s.key).join(", ")})`);
    if (eq < 0) throw new MoatError("invalid_input", `${key}: expected ${key}=${setting.values}`);
    return setting.prepare(pair.slice(eq + 1));
  });
}

async function currentSettings(moat: Moat, domain: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const setting of domainSettings) out[setting.key] = await setting.read(moat, domain);
  return out;
}

export function domainSettingsCommands(domain: Command, io: CliIo): void {
  domain
    .command("set <domain> <key=value...>")
    .description(`change domain settings (${domainSettings.map((s) => `${s.key}=${s.values}`).join(", ")})`)
    .action((name: string, pairs: string[], _o, cmd: Command) =>
      withMoat(cmd, async (moat) => {
        const changes = parseAssignments(pairs);
        const { name: canonical } = await moat.accounts.getDomain(name);
        for (const apply of changes) await apply(moat, canonical);
        const settings = await currentSettings(moat, canonical);
        outputOf(cmd, io).object(formatSettings(canonical, settings), { domain: canonical, settings });
      }),
    );

  domain
    .command("show <domain>")
    .description("show a domain's settings")
    .action((name: string, _o, cmd: Command) =>
      withMoat(cmd, async (moat) => {
        const { name: canonical } = await moat.accounts.getDomain(name);
        const settings = await currentSettings(moat, canonical);
        outputOf(cmd, io).object(formatSettings(canonical, settings), { domain: canonical, settings });
      }),
    );
}

function formatSettings(domain: string, settings: Record<string, string>): string {
  return [`domain ${domain}`, ...Object.entries(settings).map(([key, value]) => `  ${key}=${value}`)].join("\n");
}
