// Settings kept as JSON by the store and read through a zod schema (login settings of issue 6,
// mail-flow settings of issue 7): a missing key is its default, and a change that breaks the
// schema becomes one MoatError naming the first bad key.
import type { z } from "zod";
import { MoatError } from "../shared/errors.js";
import { deepFreeze } from "../shared/frozen.js";

/**
 * What each schema made of each stored object. The store hands out one frozen object per
 * distinct settings text (store/repositories/settings-json.ts), so a hit is the same settings
 * and the schema need not run again on every message; the result is frozen as it is shared.
 */
const validatedFrom = new WeakMap<object, WeakMap<z.ZodType, unknown>>();

/** Each schema's defaults (what an absent row reads as), parsed once. */
const defaultsOf = new WeakMap<z.ZodType, unknown>();

export function readSettings<S extends z.ZodType>(schema: S, stored: unknown): z.output<S> {
  if (stored === null || stored === undefined) {
    if (!defaultsOf.has(schema)) defaultsOf.set(schema, deepFreeze(schema.parse({})));
    return defaultsOf.get(schema) as z.output<S>;
  }
  if (typeof stored !== "object" || !Object.isFrozen(stored)) return schema.parse(stored);
  let bySchema = validatedFrom.get(stored);
  if (!bySchema) validatedFrom.set(stored, (bySchema = new WeakMap()));
  if (!bySchema.has(schema)) bySchema.set(schema, deepFreeze(schema.parse(stored)));
  return bySchema.get(schema) as z.output<S>;
}

/** Validates through the schema; names the first bad key in the error. */
export function validated<T>(parse: () => T): T {
  try {
    return parse();
  } catch (err) {
    const issue = (err as { issues?: Array<{ path: PropertyKey[]; message: string }> }).issues?.[0];
    if (issue) throw new MoatError("invalid_input", `${issue.path.map(String).join(".") || "settings"}: ${issue.message}`);
    throw err;
  }
}
