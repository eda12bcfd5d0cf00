// The mail-flow keys of `moat domain set DOMAIN key=value…` (issue 7), entries of the table in
// domain-set.ts: internal-only accounts, organisations, the external-mail warning and the
// forwarding switch. Each value is checked when parsed, before anything is written; each change
// is audited by core.
import type { Moat } from "../../app.js";
import { externalWarningModes, type DomainFlowSettings, type ExternalWarningMode } from "../../core/flow/flow-settings.js";
import { MoatError } from "../../shared/errors.js";
import { cliActor } from "../actor.js";
import { onOff } from "./user-security.js";

interface SettingEntry {
  readonly key: string;
  readonly values: string;
  read(moat: Moat, domain: string): Promise<string>;
  prepare(text: string): (moat: Moat, domain: string) => Promise<void>;
}

function setting<K extends keyof DomainFlowSettings>(key: string, field: K, values: string, parse: (key: string, text: string) => DomainFlowSettings[K], show: (value: DomainFlowSettings[K]) => string): SettingEntry {
  return {
    key,
    values,
    read: async (moat, domain) => show((await moat.flowSettings.forDomain(domain))[field]),
    prepare(text) {
      const value = parse(key, text);
      return async (moat, domain) => void (await moat.flowSettings.updateDomain(domain, { [field]: value }, cliActor()));
    },
  };
}

const onOffText = (on: boolean) => (on ? "on" : "off");
const items = (text: string): string[] => (text.trim().toLowerCase() === "none" ? [] : text.split(",").map((s) => s.trim()).filter((s) => s !== ""));

function warningMode(key: string, text: string): ExternalWarningMode {
  const mode = text.toLowerCase();
  if (!(externalWarningModes as readonly string[]).includes(mode)) throw new MoatError("invalid_input", `${key}: expected ${externalWarningModes.join("|")}, not '${text}'`);
  return mode as ExternalWarningMode;
}

function organisation(key: string, text: string): string | null {
  const name = text.trim();
  if (name.toLowerCase() === "none" || name === "") return null;
  if (name.length > 100) throw new MoatError("invalid_input", `${key}: at most 100 characters`);
  return name;
}

function subjectTag(key: string, text: string): string | null {
  const tag = text.trim();
  if (tag.toLowerCase() === "none" || tag === "") return null;
  if (tag.length > 40 || /[\r\n]/.test(tag)) throw new MoatError("invalid_input", `${key}: one line of at most 40 characters`);
  return tag;
}

function hours(key: string, text: string): number {
  const n = Number(text);
  if (!Number.isSafeInteger(n) || n < 1 || n > 24 * 90) throw new MoatError("invalid_input", `${key}: a whole number of hours from 1 to ${24 * 90}`);
  return n;
}

function days(key: string, text: string): number {
  const n = Number(text);
  if (!Number.isSafeInteger(n) || n < 0 || n > 365) throw new MoatError("invalid_input", `${key}: a whole number of days from 0 to 365`);
  return n;
}

function timeoutAction(key: string, text: string): "reject" | "release" {
  const action = text.toLowerCase();
  if (action !== "reject" && action !== "release") throw new MoatError("invalid_input", `${key}: expected reject|release, not '${text}'`);
  return action;
}

export const flowDomainSettings: readonly SettingEntry[] = [
  setting("organisation", "organisation", "NAME|none", organisation, (v) => v ?? "none"),
  setting("internal-only", "internalOnly", "on|off", onOff, onOffText),
  setting("internal-only-partial", "internalOnlyPartial", "on|off", onOff, onOffText),
  setting("external-warning", "externalWarning", externalWarningModes.join("|"), warningMode, (v) => v),
  setting("external-warning-allow", "externalWarningAllow", "DOMAIN,…|none", (_k, text) => items(text), (v) => (v.length === 0 ? "none" : v.join(","))),
  setting("external-warning-subject-tag", "externalWarningSubjectTag", "TAG|none", subjectTag, (v) => v ?? "none"),
  setting("external-warning-banner", "externalWarningBanner", "on|off", onOff, onOffText),
  setting("auto-forward", "autoForward", "on|off", onOff, onOffText),
  setting("hold-timeout-hours", "holdTimeoutHours", "HOURS", hours, (v) => String(v)),
  setting("recall-window-days", "recallWindowDays", "DAYS", days, (v) => String(v)),
  setting("recall-unread-only", "recallUnreadOnly", "on|off", onOff, onOffText),
  setting("recall-notice", "recallNotice", "on|off", onOff, onOffText),
  setting("hold-timeout-action", "holdTimeoutAction", "reject|release", timeoutAction, (v) => v),
];
