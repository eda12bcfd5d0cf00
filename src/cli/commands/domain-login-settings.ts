// The login-security keys of `moat domain set DOMAIN key=value…` (issue 6), entries of the
// table in domain-set.ts. Lists are comma-separated; "none" (or nothing) empties one. Each
// value is checked when parsed, before anything is written; each change is audited by core.
import type { Moat } from "../../app.js";
import type { DomainLoginSettings } from "../../core/auth/login-settings.js";
import { normaliseCountry } from "../../core/auth/access-policy-service.js";
import { normaliseCidr } from "../../core/auth/ip-rules.js";
import { clientProtocols, type ClientProtocol } from "../../core/auth/types.js";
import { parseAddress } from "../../mail/address.js";
import { MoatError } from "../../shared/errors.js";
import { cliActor } from "../actor.js";
import { channelList, onOff } from "./user-security.js";

/** The shape of an entry of domain-set.ts's table. */
interface SettingEntry {
  readonly key: string;
  readonly values: string;
  read(moat: Moat, domain: string): Promise<string>;
  prepare(text: string): (moat: Moat, domain: string) => Promise<void>;
}

const items = (text: string): string[] => (text.trim().toLowerCase() === "none" ? [] : text.split(",").map((s) => s.trim()).filter((s) => s !== ""));

function addresses(key: string, text: string): string[] {
  return items(text).map((item) => {
    const parsed = parseAddress(item);
    if (!parsed.ok) throw new MoatError("invalid_input", `${key}: '${item}' is not an address`);
    return parsed.value;
  });
}

function setting<K extends keyof DomainLoginSettings>(
  key: string,
  field: K,
  values: string,
  parse: (key: string, text: string) => DomainLoginSettings[K],
  show: (value: DomainLoginSettings[K]) => string,
): SettingEntry {
  return {
    key,
    values,
    read: async (moat, domain) => show((await moat.loginSecurity.settings.forDomain(domain)).settings[field]),
    prepare(text) {
      const value = parse(key, text);
      return async (moat, domain) => void (await moat.loginSecurity.settings.updateDomain(domain, { [field]: value }, cliActor()));
    },
  };
}

const list = (values: readonly string[]) => (values.length === 0 ? "none" : values.join(","));
const onOffText = (on: boolean) => (on ? "on" : "off");

/** ISO 3166-1 alpha-2 codes GeoIP answers with (GB, not UK), upper case. */
function countries(key: string, text: string): string[] {
  return items(text).map((code) => {
    try {
      return normaliseCountry(code);
    } catch (err) {
      throw new MoatError("invalid_input", `${key}: ${err instanceof Error ? err.message : String(err)}`);
    }
  });
}

/** An http or https address the alerts are POSTed to; "none" for nowhere. */
function webhookUrl(key: string, text: string): string {
  if (text.trim().toLowerCase() === "none" || text.trim() === "") return "";
  const url = URL.canParse(text.trim()) ? new URL(text.trim()) : undefined;
  if (!url || (url.protocol !== "http:" && url.protocol !== "https:") || url.hostname === "" || text.length > 2000) {
    throw new MoatError("invalid_input", `${key}: '${text}' is not an http:// or https:// address`);
  }
  return url.href;
}

/** The signing secret is written, never shown: "set" or "none". */
function webhookSecret(key: string, text: string): string {
  if (text.trim().toLowerCase() === "none" || text === "") return "";
  if (text.length > 200) throw new MoatError("invalid_input", `${key}: at most 200 characters`);
  return text;
}

export const loginSecurityDomainSettings: readonly SettingEntry[] = [
  setting("third-party-clients", "thirdPartyClients", "on|off", onOff, onOffText),
  setting("third-party-exempt-accounts", "thirdPartyExemptAccounts", "ADDRESS,…|none", addresses, list),
  setting("third-party-exempt-ips", "thirdPartyExemptIps", "CIDR,…|none", (_k, text) => items(text).map(normaliseCidr), list),
  setting("channels", "channels", "web,api,imap,pop3,smtp", (k, text) => channelList(k, text), list),
  setting(
    "new-account-protocols",
    "newAccountProtocols",
    "imap,pop3,smtp|none",
    (k, text) => {
      const chosen = items(text).map((p) => p.toLowerCase());
      const bad = chosen.find((p) => !clientProtocols.includes(p as ClientProtocol));
      if (bad !== undefined) throw new MoatError("invalid_input", `${k}: '${bad}' is not one of imap, pop3, smtp`);
      return chosen as ClientProtocol[];
    },
    list,
  ),
  setting(
    "security-passwords",
    "securityPasswords",
    "off|all|listed",
    (k, text) => {
      const value = text.toLowerCase();
      if (value !== "off" && value !== "all" && value !== "listed") throw new MoatError("invalid_input", `${k}: expected off, all or listed, not '${text}'`);
      return value;
    },
    (v) => v,
  ),
  setting("security-password-accounts", "securityPasswordAccounts", "ADDRESS,…|none", addresses, list),
  setting("security-password-groups", "securityPasswordGroups", "GROUP,…|none", addresses, list),
  setting("security-password-except", "securityPasswordExcept", "ADDRESS,…|none", addresses, list),
  setting(
    "app-password-expiry-days",
    "appPasswordExpiryDays",
    "DAYS (0: never)",
    (k, text) => {
      const days = Number(text);
      if (!/^\d+$/.test(text) || days > 3650) throw new MoatError("invalid_input", `${k}: expected a whole number of days from 0 to 3650, not '${text}'`);
      return days;
    },
    String,
  ),
  setting(
    "login-alerts",
    "loginAlerts",
    "on|off",
    (k, text) => (onOff(k, text) ? "on" : "off"),
    (v) => v,
  ),
  setting("unexpected-countries", "unexpectedCountries", "CC,…|none", countries, list),
  setting("expected-countries", "expectedCountries", "CC,…|none", countries, list),
  setting("login-alert-webhook", "loginAlertWebhook", "URL|none", webhookUrl, (v) => (v === "" ? "none" : v)),
  setting("login-alert-webhook-secret", "loginAlertWebhookSecret", "TEXT|none", webhookSecret, (v) => (v === "" ? "none" : "set")),
];
