// Compiling a script: size check, lexing, parsing, checking; every error a SieveProblem with
// the line and column it was found at. The limits stop a user from handing delivery a script
// that costs more than a filter should: 64 KiB of text, 15 levels of nesting, and per run at
// most 5 redirects (a forwarding loop or fan-out) and 100 actions.
import { SieveSyntaxError, tokenize } from "./lexer.js";
import { parseScript } from "./parser.js";
import { CompiledScript } from "./program.js";
import type { SieveCompileResult } from "./types.js";
import { checkScript } from "./validate.js";

export interface SieveLimits {
  /** Script size in UTF-8 bytes. */
  readonly maxBytes?: number;
  /** Depth of nested blocks, and of nested tests. */
  readonly maxNesting?: number;
  /** Actions one run may take. */
  readonly maxActions?: number;
}

export const DEFAULT_SIEVE_LIMITS = { maxBytes: 64 * 1024, maxNesting: 15, maxActions: 100, maxRedirects: 5 } as const;

/** Where the byte limit is crossed, as a line and column of the text. */
function positionOfByte(text: string, limit: number): { line: number; column: number } {
  let bytes = 0;
  let line = 1;
  let column = 1;
  for (const ch of text) {
    bytes += Buffer.byteLength(ch);
    if (bytes > limit) break;
    if (ch === "\n") [line, column] = [line + 1, 1];
    else column += ch.length;
  }
  return { line, column };
}

export function compileSieve(source: string, limits?: SieveLimits): SieveCompileResult {
  // Editors on some systems save UTF-8 with a byte order mark; it is no part of the script.
  const text = source.startsWith("\uFEFF") ? source.slice(1) : source;
  const maxBytes = limits?.maxBytes ?? DEFAULT_SIEVE_LIMITS.maxBytes;
  const maxNesting = limits?.maxNesting ?? DEFAULT_SIEVE_LIMITS.maxNesting;
  const maxActions = limits?.maxActions ?? DEFAULT_SIEVE_LIMITS.maxActions;
  if (Buffer.byteLength(text) > maxBytes) {
    const at = positionOfByte(text, maxBytes);
    return { ok: false, errors: [{ ...at, message: `script too long (at most ${maxBytes} bytes)` }] };
  }
  try {
    const { commands, requires, redirectTargets } = checkScript(parseScript(tokenize(text), maxNesting));
    const maxRedirects = Math.min(DEFAULT_SIEVE_LIMITS.maxRedirects, maxActions);
    return { ok: true, script: new CompiledScript(redirectTargets, requires, commands, { maxActions, maxRedirects }) };
  } catch (error) {
    if (error instanceof SieveSyntaxError) return { ok: false, errors: [{ line: error.line, column: error.column, message: error.message }] };
    throw error;
  }
}
