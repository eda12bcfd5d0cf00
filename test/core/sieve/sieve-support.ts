// Helpers for the Sieve engine tests: messages from readable text, compile-or-fail, and the
// first compile problem of a bad script.
import assert from "node:assert/strict";
import { compileSieve, runSieve, sieveMessageOf, type CompiledSieve, type SieveMessage, type SieveOutcome, type SieveProblem } from "../../../src/core/sieve/index.js";

/** A message from lines of text (LF or CRLF), with CRLF line ends as on the wire. */
export function message(text: string, envelope: { from?: string; to?: string } = {}): SieveMessage {
  const raw = Buffer.from(text.replace(/\r?\n/g, "\r\n"));
  return sieveMessageOf(raw, { from: envelope.from ?? "sender@example.org", to: envelope.to ?? "me@example.com" });
}

export function compile(script: string, limits?: Parameters<typeof compileSieve>[1]): CompiledSieve {
  const result = compileSieve(script, limits);
  if (!result.ok) assert.fail(`script did not compile: ${JSON.stringify(result.errors)}`);
  return result.script;
}

/** The one problem of a script that must not compile. */
export function problem(script: string, limits?: Parameters<typeof compileSieve>[1]): SieveProblem {
  const result = compileSieve(script, limits);
  if (result.ok) assert.fail("script compiled but should not");
  assert.equal(result.errors.length, 1);
  return result.errors[0]!;
}

export function run(script: string, msg: SieveMessage): SieveOutcome {
  return runSieve(compile(script), msg);
}

/** The actions of a run that must not fail, as compact strings for easy comparison. */
export function actions(script: string, msg: SieveMessage): string[] {
  const outcome = run(script, msg);
  assert.equal(outcome.error, null);
  return outcome.actions.map((a) => {
    switch (a.kind) {
      case "keep": return a.flags.length > 0 ? `keep ${a.flags.join(" ")}` : "keep";
      case "fileinto": return `fileinto ${a.mailbox}${a.flags.length > 0 ? ` [${a.flags.join(" ")}]` : ""}${a.create ? " create" : ""}`;
      case "redirect": return `redirect ${a.address}${a.copy ? " copy" : ""}`;
      case "discard": return "discard";
      case "reject": return `${a.ereject ? "ereject" : "reject"} ${a.reason}`;
      case "vacation": return `vacation ${a.vacation.reason}`;
    }
  });
}

/** A plain message with these header lines and body. */
export function simple(headers: Record<string, string>, body = "Hello.\n", envelope: { from?: string; to?: string } = {}): SieveMessage {
  const head = Object.entries(headers).map(([k, v]) => `${k}: ${v}\n`).join("");
  return message(`${head}\n${body}`, envelope);
}
