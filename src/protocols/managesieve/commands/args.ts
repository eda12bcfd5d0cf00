// The string arguments every ManageSieve command takes (RFC 5804 §2): quoted strings or
// literals, UTF-8. A wrong count, an atom where a string belongs, or invalid UTF-8 is a
// syntax error answered here.
import { textOf, type Token } from "../codec/command.js";
import type { SessionContext } from "../context.js";

/** Exactly `min`..`max` string arguments as text, or null (answered). */
export function stringArgs(ctx: SessionContext, args: readonly Token[], min: number, max: number, syntax: string): string[] | null {
  if (args.length < min || args.length > max || args.some((a) => a.kind !== "string")) {
    ctx.invalid(`Syntax: ${syntax}`);
    return null;
  }
  const texts = args.map((a) => (a.kind === "string" ? textOf(a.value) : null));
  if (texts.some((t) => t === null)) {
    ctx.invalid("Arguments must be UTF-8");
    return null;
  }
  return texts as string[];
}
