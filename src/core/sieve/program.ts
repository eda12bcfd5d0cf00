// The checked form of a script that the interpreter runs: every argument typed, every tag
// resolved, every extension present. Produced by validate.ts; never built by hand elsewhere.
import type { Position } from "./parser.js";
import type { CompiledSieve, SieveVacation } from "./types.js";

export type ComparatorName = "i;octet" | "i;ascii-casemap" | "i;ascii-numeric";
export type RelationalOp = "gt" | "ge" | "lt" | "le" | "eq" | "ne";

export type MatchType =
  | { readonly kind: "is" }
  | { readonly kind: "contains" }
  | { readonly kind: "matches" }
  /** RFC 5231 :value / :count with their relational operator. */
  | { readonly kind: "value"; readonly op: RelationalOp }
  | { readonly kind: "count"; readonly op: RelationalOp };

export interface Match {
  readonly comparator: ComparatorName;
  readonly type: MatchType;
  readonly keys: readonly string[];
}

export type AddressPart = "all" | "localpart" | "domain";

export type BodyTransform = { readonly kind: "raw" } | { readonly kind: "text" } | { readonly kind: "content"; readonly types: readonly string[] };

export type Test =
  | { readonly kind: "address"; readonly headers: readonly string[]; readonly part: AddressPart; readonly match: Match }
  | { readonly kind: "envelope"; readonly parts: readonly ("from" | "to")[]; readonly part: AddressPart; readonly match: Match }
  | { readonly kind: "header"; readonly headers: readonly string[]; readonly match: Match }
  | { readonly kind: "exists"; readonly headers: readonly string[] }
  | { readonly kind: "size"; readonly over: boolean; readonly limit: number }
  | { readonly kind: "allof" | "anyof"; readonly tests: readonly Test[] }
  | { readonly kind: "not"; readonly test: Test }
  | { readonly kind: "constant"; readonly value: boolean }
  | { readonly kind: "body"; readonly transform: BodyTransform; readonly match: Match }
  | { readonly kind: "hasflag"; readonly match: Match }
  | { readonly kind: "mailboxexists"; readonly mailboxes: readonly string[] };

export interface Branch {
  readonly test: Test;
  readonly body: readonly Command[];
}

export type Command = Position &
  (
    | { readonly kind: "if"; readonly branches: readonly Branch[]; readonly otherwise: readonly Command[] | null }
    | { readonly kind: "stop" }
    /** flags null: use the internal flag set (RFC 5232 §5). */
    | { readonly kind: "keep"; readonly flags: readonly string[] | null }
    | { readonly kind: "discard" }
    | { readonly kind: "redirect"; readonly address: string; readonly copy: boolean }
    | { readonly kind: "fileinto"; readonly mailbox: string; readonly flags: readonly string[] | null; readonly copy: boolean; readonly create: boolean }
    | { readonly kind: "reject"; readonly reason: string; readonly ereject: boolean }
    | { readonly kind: "vacation"; readonly vacation: SieveVacation }
    | { readonly kind: "flags"; readonly op: "set" | "add" | "remove"; readonly flags: readonly string[] }
  );

/** Run-time limits carried from compile time. */
export interface RunLimits {
  readonly maxRedirects: number;
  readonly maxActions: number;
}

const programKey = Symbol("sieve program");

/** A compiled script: what delivery may read, plus the program kept out of its sight. */
export class CompiledScript implements CompiledSieve {
  readonly [programKey]: { readonly commands: readonly Command[]; readonly limits: RunLimits };

  constructor(
    readonly redirectTargets: readonly string[],
    readonly requires: readonly string[],
    commands: readonly Command[],
    limits: RunLimits,
  ) {
    this[programKey] = { commands, limits };
  }
}

/** The program of a script compiled by compileSieve, or null for any other object. */
export function programOf(script: CompiledSieve): { readonly commands: readonly Command[]; readonly limits: RunLimits } | null {
  return script instanceof CompiledScript ? script[programKey] : null;
}
