// What the scripts service's refusals become on the wire (RFC 5804 §1.3): a missing script is
// NONEXISTENT, a compile error is NO with one "line L, column C: message" per problem, a
// forwarding ban is NO with the service's sentence; anything unexpected is logged and answered
// TRYLATER, never with internal text.
import { isMoatError } from "../../../shared/errors.js";
import { no } from "../codec/response.js";
import type { ScriptProblem, SessionContext } from "../context.js";

/** "line L, column C: message", one per problem (the same text `moat sieve put` prints). */
export function problemText(problems: readonly ScriptProblem[]): string {
  return problems.map((p) => `line ${p.line}, column ${p.column}: ${p.message}`).join("\n");
}

export function answerFailure(ctx: SessionContext, error: unknown): void {
  if (isMoatError(error, "sieve_script_not_found")) return ctx.send(no("There is no script by that name", "NONEXISTENT"));
  if (isMoatError(error, "sieve_invalid") || isMoatError(error, "forwarding_refused") || isMoatError(error, "invalid_input")) return ctx.send(no(error.message));
  ctx.log.error({ err: error }, "ManageSieve command failed");
  ctx.send(no("Temporary failure; try again later", "TRYLATER"));
}

/** Runs a service call, answering its refusal; true when it succeeded. */
export async function attempt(ctx: SessionContext, call: () => Promise<unknown>): Promise<boolean> {
  try {
    await call();
    return true;
  } catch (error) {
    answerFailure(ctx, error);
    return false;
  }
}
