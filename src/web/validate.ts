// Request bodies and parameters are checked with zod; what fails is a 400 invalid_input that
// names the field, never a 500.
import type { z } from "zod";
import { MoatError } from "../shared/errors.js";

export function parseInput<T extends z.ZodType>(schema: T, value: unknown): z.infer<T> {
  const parsed = schema.safeParse(value ?? {});
  if (parsed.success) return parsed.data;
  const problems = parsed.error.issues.map((i) => (i.path.length > 0 ? `${i.path.join(".")}: ${i.message}` : i.message));
  throw new MoatError("invalid_input", problems.join("; "), { details: problems });
}

export const iso = (ms: number | null): string | null => (ms === null ? null : new Date(ms).toISOString());
