// Running a compiled script against one message (RFC 5228 §2.10, §3-5): tests evaluated,
// actions collected in script order, "stop" ends the run, and any run-time error leaves
// only the implicit keep plus the error text (§2.10.6: "keep the message" is the safe default).
import { parseAddressList, parseEnvelopeAddress, type ParsedAddress } from "./address-list.js";
import { addFlag, flagList, removeFlags } from "./flags.js";
import { matchValues } from "./match.js";
import { programOf, type AddressPart, type Command, type Test } from "./program.js";
import { ActionSet, SieveRuntimeError } from "./result.js";
import type { CompiledSieve, SieveMessage, SieveOutcome } from "./types.js";

function partOf(address: ParsedAddress, part: AddressPart): string | null {
  if (!address.valid) return part === "all" ? address.text : null;
  if (part === "localpart") return address.localpart;
  if (part === "domain") return address.domain;
  return address.domain === "" ? address.localpart : `${address.localpart}@${address.domain}`;
}

function addressValues(addresses: readonly ParsedAddress[], part: AddressPart): string[] {
  const out: string[] = [];
  for (const a of addresses) {
    const value = partOf(a, part);
    if (value !== null) out.push(value);
  }
  return out;
}

class Run {
  readonly actions: ActionSet;
  /** The internal flag variable of RFC 5232 §3, starting empty. */
  flags: string[] = [];

  constructor(
    private readonly message: SieveMessage,
    limits: ConstructorParameters<typeof ActionSet>[0],
  ) {
    this.actions = new ActionSet(limits);
  }

  /** Header values for the address test: undecoded when the message offers them (see types.ts). */
  private addressHeader(name: string): readonly string[] {
    return this.message.rawHeader?.(name) ?? this.message.header(name);
  }

  test(test: Test): boolean {
    const m = this.message;
    switch (test.kind) {
      case "address": {
        const addresses = test.headers.flatMap((h) => this.addressHeader(h).flatMap(parseAddressList));
        return matchValues(test.match, addressValues(addresses, test.part));
      }
      case "envelope": {
        const paths = test.parts.map((p) => m.envelope[p]);
        // :count counts addresses, and the null reverse-path is none.
        const present = test.match.type.kind === "count" ? paths.filter((p) => p.trim() !== "" && p.trim() !== "<>") : paths;
        return matchValues(test.match, addressValues(present.map(parseEnvelopeAddress), test.part));
      }
      case "header":
        return matchValues(test.match, test.headers.flatMap((h) => m.header(h)));
      case "exists":
        return test.headers.every((h) => m.header(h).length > 0);
      case "size":
        return test.over ? m.size > test.limit : m.size < test.limit;
      case "allof":
        return test.tests.every((t) => this.test(t));
      case "anyof":
        return test.tests.some((t) => this.test(t));
      case "not":
        return !this.test(test.test);
      case "constant":
        return test.value;
      case "body":
        return matchValues(test.match, m.body(test.transform));
      case "hasflag": {
        // RFC 5232 §4: each flag is compared on its own; key strings may hold several flags.
        const keys = test.match.type.kind === "count" ? test.match.keys : test.match.keys.flatMap((k) => k.split(/\s+/).filter((f) => f !== ""));
        return matchValues({ ...test.match, keys }, this.flags);
      }
      case "mailboxexists":
        return test.mailboxes.every((name) => m.mailboxExists?.(name) ?? false);
    }
  }

  /** Runs a block; true when "stop" was reached. */
  block(commands: readonly Command[]): boolean {
    for (const command of commands) if (this.command(command)) return true;
    return false;
  }

  private command(c: Command): boolean {
    switch (c.kind) {
      case "if": {
        const branch = c.branches.find((b) => this.test(b.test));
        const body = branch?.body ?? c.otherwise;
        return body === null ? false : this.block(body);
      }
      case "stop":
        return true;
      case "keep":
        this.actions.keep(c, c.flags === null ? this.flags : flagList(c.flags));
        return false;
      case "fileinto":
        this.actions.fileinto(c, c.mailbox, c.flags === null ? this.flags : flagList(c.flags), c.copy, c.create);
        return false;
      case "redirect":
        this.actions.redirect(c, c.address, c.copy);
        return false;
      case "discard":
        this.actions.discard(c);
        return false;
      case "reject":
        this.actions.reject(c, c.reason, c.ereject);
        return false;
      case "vacation":
        this.actions.vacation(c, c.vacation);
        return false;
      case "flags":
        this.setFlags(c.op, c.flags);
        return false;
    }
  }

  private setFlags(op: "set" | "add" | "remove", names: readonly string[]): void {
    if (op === "set") this.flags = flagList(names);
    else if (op === "add") for (const f of flagList(names)) addFlag(this.flags, f);
    else this.flags = removeFlags(this.flags, names);
  }
}

const FALLBACK: SieveOutcome["actions"] = [{ kind: "keep", flags: [] }];

export function runSieve(script: CompiledSieve, message: SieveMessage): SieveOutcome {
  const program = programOf(script);
  if (program === null) return { actions: FALLBACK, error: "not a script compiled by compileSieve" };
  const run = new Run(message, program.limits);
  try {
    run.block(program.commands);
    return { actions: run.actions.finish(run.flags), error: null };
  } catch (error) {
    if (error instanceof SieveRuntimeError) return { actions: FALLBACK, error: error.message };
    // A failure inside the message accessors is still the script's run failing: keep the mail.
    return { actions: FALLBACK, error: `sieve run failed: ${error instanceof Error ? error.message : String(error)}` };
  }
}
