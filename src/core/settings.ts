// Settings kept as JSON by the store and read through a zod schema (login settings of issue 6,
// mail-flow settings of issue 7): a missing key is its default, and a change that breaks the
// schema becomes one MoatError naming the first bad key.
import type { z } from "zod";
import { MoatError } from "../shared/errors.js";

export function readSettings<S extends z.ZodType>(schema: S, stored: unknown): z.output<S> {
  return schema.parse(stored ?? {});
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
