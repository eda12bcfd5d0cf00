// moat access-policy add|set|list|show|remove|enable|disable: named access policies of a domain
// (decision 0015) — allow-list or deny-list logins by IP range, country and channel, for every
// account or the listed accounts and groups' members, with exceptions. moat geoip lookup IP:
// what the offline GeoIP database says of an address (what a country condition would see).
import { Option, type Command } from "commander";
import { describePolicy, type AccessPolicyDraft, type ListedAccessPolicy } from "../../core/auth/access-policy-service.js";
import { MoatError } from "../../shared/errors.js";
import { cliActor } from "../actor.js";
import { outputOf, withMoat, type CliIo } from "../context.js";
import { formatTime } from "../output.js";

interface PolicyOptions {
  mode?: "allow" | "deny";
  ips?: string;
  countries?: string;
  channels?: string;
  users?: string;
  groups?: string;
  except?: string;
  disabled?: boolean;
}

/** "a, b,," → ["a", "b"]; "" (given empty, to clear a list on `set`) → []. */
const listOf = (text: string | undefined): string[] | undefined =>
  text === undefined
    ? undefined
    : text
        .split(",")
        .map((s) => s.trim())
        .filter((s) => s !== "");

function draftOf(opts: PolicyOptions): AccessPolicyDraft {
  return {
    mode: opts.mode,
    ips: listOf(opts.ips),
    countries: listOf(opts.countries),
    channels: listOf(opts.channels),
    users: listOf(opts.users),
    groups: listOf(opts.groups),
    except: listOf(opts.except),
    ...(opts.disabled ? { enabled: false } : {}),
  };
}

const policyJson = (p: ListedAccessPolicy) => ({
  ...describePolicy(p, p.domain),
  updatedAt: new Date(p.updatedAt).toISOString(),
  updatedBy: p.updatedBy,
});

const or = (items: readonly string[], none: string) => (items.length === 0 ? none : items.join(","));
const who = (p: ListedAccessPolicy) => (p.appliesTo === "all" ? "everyone" : [...p.users, ...p.groups.map((g) => `group:${g}`)].join(",")) + (p.except.length > 0 ? ` except ${p.except.join(",")}` : "");
const where = (p: ListedAccessPolicy) => [...p.ips, ...p.countries].join(",") || "anywhere";

function policyOptions(c: Command, adding: boolean): Command {
  const mode = new Option("--mode <mode>", "allow: logins only from the listed places; deny: refused from them").choices(["allow", "deny"]);
  return c
    .addOption(adding ? mode.makeOptionMandatory() : mode)
    .option("--ips <cidrs>", "IPv4/IPv6 addresses or CIDR ranges, comma-separated")
    .option("--countries <codes>", "ISO 3166-1 country codes, comma-separated (e.g. DE,FR)")
    .option("--channels <channels>", "only these channels: web,api,imap,pop3,smtp (default: all)")
    .option("--users <addresses>", "only these accounts (default: everyone in the domain)")
    .option("--groups <addresses>", "only the members of these mail groups")
    .option("--except <addresses>", "never these accounts");
}

export function accessPolicyCommand(program: Command, io: CliIo): void {
  const policy = program.command("access-policy").description("named access policies: allow or refuse logins by IP range, country and channel");

  policyOptions(policy.command("add <domain> <name>").description("add a policy (enabled unless --disabled)"), true)
    .option("--disabled", "save it switched off")
    .action((domain: string, name: string, opts: PolicyOptions, cmd: Command) =>
      withMoat(cmd, async (moat) => {
        const saved = await moat.loginSecurity.accessPolicies.add(domain, name, draftOf(opts), cliActor());
        outputOf(cmd, io).object(`added access policy ${saved.name} to ${domain}${saved.enabled ? "" : " (disabled)"}`, policyJson({ ...saved, domain }));
      }),
    );

  policyOptions(policy.command("set <domain> <name>").description("change a policy; give a list empty (--except '') to clear it"), false).action(
    (domain: string, name: string, opts: PolicyOptions, cmd: Command) =>
      withMoat(cmd, async (moat) => {
        const draft = draftOf(opts);
        if (Object.values(draft).every((v) => v === undefined)) throw new MoatError("invalid_input", "nothing to change: give --mode, --ips, --countries, --channels, --users, --groups or --except");
        const saved = await moat.loginSecurity.accessPolicies.update(domain, name, draft, cliActor());
        outputOf(cmd, io).object(`changed access policy ${saved.name} of ${domain}`, policyJson({ ...saved, domain }));
      }),
  );

  for (const [verb, enabled] of [["enable", true], ["disable", false]] as const) {
    policy
      .command(`${verb} <domain> <name>`)
      .description(enabled ? "switch a policy on (checked against locking out the admins)" : "switch a policy off, keeping it")
      .action((domain: string, name: string, _o, cmd: Command) =>
        withMoat(cmd, async (moat) => {
          const saved = await moat.loginSecurity.accessPolicies.setEnabled(domain, name, enabled, cliActor());
          outputOf(cmd, io).object(`${verb}d access policy ${saved.name} of ${domain}`, policyJson({ ...saved, domain }));
        }),
      );
  }

  policy
    .command("remove <domain> <name>")
    .description("delete a policy")
    .action((domain: string, name: string, _o, cmd: Command) =>
      withMoat(cmd, async (moat) => {
        await moat.loginSecurity.accessPolicies.remove(domain, name, cliActor());
        outputOf(cmd, io).object(`removed access policy ${name} of ${domain}`, { removed: name, domain });
      }),
    );

  policy
    .command("list [domain]")
    .description("the policies of one domain or of all, enabled and disabled")
    .action((domain: string | undefined, _o, cmd: Command) =>
      withMoat(cmd, async (moat) => {
        outputOf(cmd, io).rows(
          await moat.loginSecurity.accessPolicies.list(domain),
          {
            DOMAIN: (p) => p.domain,
            NAME: (p) => p.name,
            STATE: (p) => (p.enabled ? "on" : "off"),
            MODE: (p) => p.mode,
            WHO: who,
            WHERE: where,
            CHANNELS: (p) => or(p.channels, "all"),
            CHANGED: (p) => `${formatTime(p.updatedAt)} ${p.updatedBy}`,
          },
          policyJson,
        );
      }),
    );

  program
    .command("geoip")
    .description("the offline GeoIP database (GeoLite2 City, from the installed npm package)")
    .command("lookup <ip>")
    .description("where the database places an address: country, region, city")
    .action((ip: string, _o, cmd: Command) =>
      withMoat(cmd, async (moat) => {
        const geoip = moat.loginSecurity.geoip;
        if (!geoip) throw new MoatError("config_invalid", "no GeoIP database is configured");
        const place = geoip.lookup(ip);
        const text =
          place.kind === "public"
            ? [place.country, place.region, place.city].filter((s) => s !== undefined).join(", ") + (place.latitude === undefined ? "" : ` (${place.latitude.toFixed(2)}, ${place.longitude?.toFixed(2)})`)
            : place.kind;
        const built = geoip.builtAt();
        outputOf(cmd, io).object(`${ip}: ${text}`, { ip, ...place, databaseBuilt: built ? built.toISOString() : null });
      }),
    );
}
