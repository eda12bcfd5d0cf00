// Loading settings: the TOML file, then MOAT_<SECTION>_<KEY> environment overrides, then one
// validation that lists every bad key on its own line (start-up stops on any of them).
import fs from "node:fs";
import path from "node:path";
import { parse as parseToml } from "smol-toml";
import { MoatError } from "../shared/errors.js";
import { settingsSchema, type Settings } from "./schema.js";

/** Environment names the issue tracker and scripts rely on that do not follow SECTION_KEY. */
const envAliases: Record<string, [string, string]> = {
  MOAT_TRUSTED_PROXIES: ["listen", "trusted_proxies"],
};
/** Variables that are not settings (handled by the caller or by tests). */
const envIgnored = new Set(["MOAT_DATA_DIR", "MOAT_CONFIG"]);

export const configFileName = "moat.toml";

export interface LoadedSettings {
  readonly settings: Settings;
  readonly dataDir: string;
  readonly configPath: string;
}

type Raw = Record<string, Record<string, unknown>>;

function readFile(configPath: string): { raw: Raw; origin: Map<string, string> } {
  const origin = new Map<string, string>();
  if (!fs.existsSync(configPath)) return { raw: {}, origin };
  let parsed: unknown;
  try {
    parsed = parseToml(fs.readFileSync(configPath, "utf8"));
  } catch (err) {
    const why = err instanceof Error ? err.message.split("\n")[0] : String(err);
    throw new MoatError("config_invalid", `${configPath}: not valid TOML: ${why}`);
  }
  const raw = parsed as Raw;
  for (const [section, keys] of Object.entries(raw)) {
    if (keys && typeof keys === "object") for (const key of Object.keys(keys)) origin.set(`${section}.${key}`, configPath);
  }
  return { raw, origin };
}

function applyEnv(raw: Raw, origin: Map<string, string>, env: NodeJS.ProcessEnv, sections: string[]): void {
  // Longest section first so MOAT_SUBMISSIONS_PORT is not read as submission + "s_port".
  const bySize = [...sections].sort((a, b) => b.length - a.length);
  for (const [name, value] of Object.entries(env)) {
    if (!name.startsWith("MOAT_") || value === undefined || envIgnored.has(name)) continue;
    let target = envAliases[name];
    if (!target) {
      const rest = name.slice(5).toLowerCase();
      const section = bySize.find((s) => rest.startsWith(`${s}_`));
      if (!section) continue; // not a settings variable (e.g. MOAT_TEST_*)
      target = [section, rest.slice(section.length + 1)];
    }
    const [section, key] = target;
    const bucket = (raw[section] ??= {});
    if (typeof bucket !== "object") continue;
    bucket[key] = value;
    origin.set(`${section}.${key}`, name);
  }
}

export function loadSettings(opts: { dataDir?: string | undefined; env?: NodeJS.ProcessEnv; privileged?: boolean }): LoadedSettings {
  const env = opts.env ?? process.env;
  const dataDir = path.resolve(opts.dataDir ?? env.MOAT_DATA_DIR ?? "data");
  const configPath = path.resolve(env.MOAT_CONFIG ?? path.join(dataDir, configFileName));
  const privileged = opts.privileged ?? process.getuid?.() === 0;
  const schema = settingsSchema(privileged);
  const { raw, origin } = readFile(configPath);
  applyEnv(raw, origin, env, Object.keys(schema.shape));

  const result = schema.safeParse(raw);
  if (result.success) return { settings: result.data, dataDir, configPath };
  const lines = result.error.issues.map((issue) => {
    const keys = issue.code === "unrecognized_keys" ? issue.keys.map((k) => [...issue.path, k].join(".")) : [issue.path.join(".")];
    const where = keys.map((k) => origin.get(k)).find(Boolean);
    const what = issue.code === "unrecognized_keys" ? "unknown setting" : issue.message;
    const got = issue.code !== "unrecognized_keys" && where?.startsWith("MOAT_") ? ` (got ${JSON.stringify(env[where])})` : "";
    return `setting ${keys.join(", ")}: ${what}${got}${where ? ` [from ${where}]` : ""}`;
  });
  throw new MoatError("config_invalid", lines.join("\n"));
}
