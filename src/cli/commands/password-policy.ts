// moat password-policy show|set DOMAIN … and moat password-policy keywords add|remove|list:
// a domain's password policy (issue 6, item 5), checked by `moat user add` and `user passwd`.
// Each change goes through core, which validates it and writes the audit log.
import type { Command } from "commander";
import type { Moat } from "../../app.js";
import type { DomainLoginSettings } from "../../core/auth/login-settings.js";
import { MoatError } from "../../shared/errors.js";
import { cliActor } from "../actor.js";
import { outputOf, withMoat, type CliIo } from "../context.js";

type PolicyPatch = { -readonly [K in keyof DomainLoginSettings]?: DomainLoginSettings[K] };

function wholeNumber(key: string, text: string, min: number, max: number): number {
  const n = Number(text);
  if (!/^\d+$/.test(text) || n < min || n > max) throw new MoatError("invalid_input", `${key}: expected a whole number from ${min} to ${max}, not '${text}'`);
  return n;
}

/** key=value → the setting it changes; every pair is parsed before anything is written. */
const keys: Record<string, (text: string, patch: PolicyPatch) => void> = {
  enforce: (text, patch) => {
    if (!/^(on|off)$/i.test(text)) throw new MoatError("invalid_input", `enforce: expected on or off, not '${text}'`);
    patch.passwordPolicy = text.toLowerCase() as "on" | "off";
  },
  "min-length": (text, patch) => void (patch.passwordMinLength = wholeNumber("min-length", text, 8, 1024)),
  classes: (text, patch) => void (patch.passwordClasses = wholeNumber("classes", text, 0, 4)),
  "min-score": (text, patch) => void (patch.passwordMinScore = wholeNumber("min-score", text, 0, 4)),
  "max-age-days": (text, patch) => void (patch.passwordMaxAgeDays = wholeNumber("max-age-days", text, 0, 3650)),
  // Canonicalised and checked by core; "none" empties the list.
  "max-age-exempt": (text, patch) => void (patch.passwordMaxAgeExempt = text.trim().toLowerCase() === "none" ? [] : text.split(",").map((a) => a.trim()).filter((a) => a !== "")),
};

function policyJson(domain: string, s: DomainLoginSettings) {
  return {
    domain,
    enforce: s.passwordPolicy,
    minLength: s.passwordMinLength,
    classes: s.passwordClasses,
    minScore: s.passwordMinScore,
    maxAgeDays: s.passwordMaxAgeDays,
    maxAgeExempt: s.passwordMaxAgeExempt,
    keywords: s.passwordKeywords,
  };
}

function policyText(domain: string, s: DomainLoginSettings): string {
  const exempt = s.passwordMaxAgeExempt.length === 0 ? "none" : s.passwordMaxAgeExempt.join(",");
  return `password policy of ${domain}: enforce=${s.passwordPolicy} min-length=${s.passwordMinLength} classes=${s.passwordClasses} min-score=${s.passwordMinScore} max-age-days=${s.passwordMaxAgeDays} max-age-exempt=${exempt} keywords=${s.passwordKeywords.length}`;
}

async function change(moat: Moat, domain: string, patch: (current: DomainLoginSettings) => PolicyPatch): Promise<{ name: string; settings: DomainLoginSettings }> {
  const { domain: d, settings } = await moat.loginSecurity.settings.forDomain(domain);
  return { name: d.name, settings: await moat.loginSecurity.settings.updateDomain(d.name, patch(settings), cliActor()) };
}

export function passwordPolicyCommand(program: Command, io: CliIo): void {
  const policy = program.command("password-policy").description("a domain's password policy, checked whenever a password is set");

  policy
    .command("show <domain>")
    .action((domain: string, _o, cmd: Command) =>
      withMoat(cmd, async (moat) => {
        const { domain: d, settings } = await moat.loginSecurity.settings.forDomain(domain);
        outputOf(cmd, io).object(policyText(d.name, settings), policyJson(d.name, settings));
      }),
    );

  policy
    .command("set <domain> <key=value...>")
    .description(`change it (${Object.keys(keys).join(", ")})`)
    .action((domain: string, pairs: string[], _o, cmd: Command) =>
      withMoat(cmd, async (moat) => {
        const patch: PolicyPatch = {};
        for (const pair of pairs) {
          const eq = pair.indexOf("=");
          const apply = keys[eq < 0 ? pair : pair.slice(0, eq)];
          if (apply === undefined || eq < 0) throw new MoatError("invalid_input", `expected key=value with a key of ${Object.keys(keys).join(", ")}, not '${pair}'`);
          apply(pair.slice(eq + 1), patch);
        }
        const { name, settings } = await change(moat, domain, () => patch);
        outputOf(cmd, io).object(policyText(name, settings), policyJson(name, settings));
      }),
    );

  const keywords = policy.command("keywords").description("words (or /regular expressions/) a password may not contain");
  keywords
    .command("add <domain> <word...>")
    .action((domain: string, words: string[], _o, cmd: Command) =>
      withMoat(cmd, async (moat) => {
        const { name, settings } = await change(moat, domain, (s) => ({ passwordKeywords: [...new Set([...s.passwordKeywords, ...words])] }));
        outputOf(cmd, io).object(policyText(name, settings), policyJson(name, settings));
      }),
    );
  keywords
    .command("remove <domain> <word...>")
    .action((domain: string, words: string[], _o, cmd: Command) =>
      withMoat(cmd, async (moat) => {
        const { name, settings } = await change(moat, domain, (s) => ({ passwordKeywords: s.passwordKeywords.filter((k) => !words.includes(k)) }));
        outputOf(cmd, io).object(policyText(name, settings), policyJson(name, settings));
      }),
    );
  keywords
    .command("list <domain>")
    .action((domain: string, _o, cmd: Command) =>
      withMoat(cmd, async (moat) => {
        const { settings } = await moat.loginSecurity.settings.forDomain(domain);
        outputOf(cmd, io).rows(settings.passwordKeywords.map((keyword) => ({ keyword })), { KEYWORD: (k) => k.keyword }, (k) => k);
      }),
    );
}
