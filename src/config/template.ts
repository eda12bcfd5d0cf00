// The commented config file `moat init` writes: every key with its doc line and its default,
// generated from the schema so the file can never drift from what is validated.
import type { z } from "zod";
import { settingsSchema } from "./schema.js";

type Wrapped = { _zod: { def: { innerType?: z.ZodType; type: string; shape?: Record<string, z.ZodType> } } };

function objectShape(section: z.ZodType): Record<string, z.ZodType> {
  let node = section as unknown as Wrapped;
  while (node._zod.def.innerType) node = node._zod.def.innerType as unknown as Wrapped;
  return node._zod.def.shape ?? {};
}

function tomlValue(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map((v) => JSON.stringify(v)).join(", ")}]`;
  return typeof value === "string" ? JSON.stringify(value) : String(value);
}

export function configTemplate(privileged: boolean): string {
  const schema = settingsSchema(privileged);
  const defaults = schema.parse({}) as Record<string, Record<string, unknown>>;
  const out = [
    "# Moat settings. Each key is shown commented out with its default: uncomment to change it.",
    "# Environment variables MOAT_<SECTION>_<KEY> (e.g. MOAT_IMAP_PORT) override this file.",
    "",
  ];
  for (const [section, node] of Object.entries(schema.shape)) {
    out.push(`[${section}]`);
    for (const [key, field] of Object.entries(objectShape(node as z.ZodType))) {
      if (field.description) out.push(`# ${field.description}`);
      const value = defaults[section]?.[key];
      out.push(value === undefined ? `# ${key} =` : `# ${key} = ${tomlValue(value)}`);
    }
    out.push("");
  }
  return out.join("\n");
}
