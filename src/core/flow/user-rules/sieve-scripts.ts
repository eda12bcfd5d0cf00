// Each account's Sieve scripts (issue 7 item 6), for every surface (the `moat` command now,
// webmail or ManageSieve later), with ManageSieve's semantics (RFC 5804): several named
// scripts, at most one active; a script is checked before it is stored; the active one cannot
// be deleted; a replaced script keeps its active state. Every change is validated, written and
// recorded in the admin audit log in one transaction. A script that redirects outside the
// company is refused when the account may not forward there (forwarding-ban.ts); the refusal
// is logged for admins.
import type { Address } from "../../../mail/address.js";
import { MoatError } from "../../../shared/errors.js";
import type { AccountService } from "../../accounts/service.js";
import type { User } from "../../accounts/types.js";
import type { Clock } from "../../ports/clock.js";
import type { Store } from "../../ports/store.js";
import type { SieveScriptInfo, SieveScriptRow } from "../../ports/user-rules.js";
import type { Actor, AuditLog } from "../../security/audit.js";
import { compileSieve, DEFAULT_SIEVE_LIMITS, type CompiledSieve, type SieveProblem } from "../../sieve/index.js";
import { readCompany } from "../company.js";
import { attemptOf, autoForwardOn, outsideCompany, refusalText } from "./forwarding-ban.js";

/** RFC 5804 §1.6: at least 1 and at most 128 characters, no controls, no line or paragraph separators. */
const maxNameLength = 128;
/** Enough for any filter a person writes; a cap so one account cannot fill the database. */
export const maxScriptsPerAccount = 20;
export const maxScriptBytes = DEFAULT_SIEVE_LIMITS.maxBytes;

export function checkScriptName(name: string): string {
  const chars = [...name];
  // eslint-disable-next-line no-control-regex
  if (chars.length === 0 || chars.length > maxNameLength || /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/.test(name)) {
    throw new MoatError("invalid_input", `'${name}' is not a valid script name (1 to ${maxNameLength} characters, no control characters)`);
  }
  return name;
}

/** "line L, column C: message", one per problem. */
export function problemLines(problems: readonly SieveProblem[]): string[] {
  return problems.map((p) => `line ${p.line}, column ${p.column}: ${p.message}`);
}

/** Compiles or throws sieve_invalid with every problem, one per line. */
export function compiled(text: string): CompiledSieve {
  if (Buffer.byteLength(text, "utf8") > maxScriptBytes) throw new MoatError("sieve_invalid", `the script is larger than ${maxScriptBytes} bytes`);
  const result = compileSieve(text);
  if (!result.ok) {
    const lines = problemLines(result.errors);
    throw new MoatError("sieve_invalid", lines.join("\n"), { details: lines });
  }
  return result.script;
}

const infoOf = (r: SieveScriptInfo) => ({ name: r.name, active: r.active, size: r.size });

export class SieveScripts {
  constructor(
    private readonly store: Store,
    private readonly accounts: AccountService,
    private readonly audit: AuditLog,
    private readonly clock: Clock,
  ) {}

  /** The problems of a script, without storing it (ManageSieve CHECKSCRIPT); [] when it is valid. */
  check(text: string): readonly SieveProblem[] {
    if (Buffer.byteLength(text, "utf8") > maxScriptBytes) return [{ line: 1, column: 1, message: `the script is larger than ${maxScriptBytes} bytes` }];
    const result = compileSieve(text);
    return result.ok ? [] : result.errors;
  }

  async list(address: string): Promise<SieveScriptInfo[]> {
    const user = await this.accounts.getUser(address);
    return this.store.sieveScripts.list(user.id);
  }

  async get(address: string, name: string): Promise<SieveScriptRow> {
    const user = await this.accounts.getUser(address);
    return this.found(user, name);
  }

  /** Checks and stores a script (new, or replacing one of the same name); `activate` makes it the active one. */
  async put(address: string, name: string, text: string, actor: Actor, opts: { activate?: boolean } = {}): Promise<SieveScriptInfo> {
    const user = await this.accounts.getUser(address);
    checkScriptName(name);
    const script = compiled(text);
    const before = await this.store.sieveScripts.get(user.id, name);
    if (!before && (await this.store.sieveScripts.count(user.id)) >= maxScriptsPerAccount) {
      throw new MoatError("invalid_input", `${user.address} has ${maxScriptsPerAccount} scripts already; remove one first`);
    }
    const outside = await this.forwardingAllowed(user, name, script);
    const now = this.clock.now();
    const active = opts.activate === true || before?.active === true;
    await this.store.transaction(async (tx) => {
      await tx.sieveScripts.put(user.id, name, text, now);
      if (opts.activate === true) await tx.sieveScripts.setActive(user.id, name, now);
      // An allowed outside forward is on record too: admins list who forwards where.
      for (const target of outside) await tx.forwardingAttempts.append(attemptOf(user, target, { at: now, via: "sieve", phase: "save", outcome: "allowed", rule: name }));
      await this.audit.record(
        actor,
        { action: "user.sieve_script", target: user.address, before: before ? { ...infoOf(before), content: before.content } : null, after: { name, active, size: Buffer.byteLength(text, "utf8"), content: text } },
        tx,
      );
    });
    return { name, active, size: Buffer.byteLength(text, "utf8"), updatedAt: now };
  }

  /** Makes the script the one that runs on delivery (ManageSieve SETACTIVE); checked again, as the ban may have changed. */
  async activate(address: string, name: string, actor: Actor): Promise<void> {
    const user = await this.accounts.getUser(address);
    const row = await this.found(user, name);
    const outside = await this.forwardingAllowed(user, name, compiled(row.content));
    const previous = (await this.store.sieveScripts.list(user.id)).find((s) => s.active)?.name ?? null;
    const now = this.clock.now();
    await this.store.transaction(async (tx) => {
      await tx.sieveScripts.setActive(user.id, name, now);
      for (const target of outside) await tx.forwardingAttempts.append(attemptOf(user, target, { at: now, via: "sieve", phase: "save", outcome: "allowed", rule: name }));
      await this.audit.record(actor, { action: "user.sieve_active", target: user.address, before: { active: previous }, after: { active: name } }, tx);
    });
  }

  /** No script runs on delivery any more (ManageSieve SETACTIVE ""). */
  async deactivate(address: string, actor: Actor): Promise<void> {
    const user = await this.accounts.getUser(address);
    const previous = (await this.store.sieveScripts.list(user.id)).find((s) => s.active)?.name ?? null;
    if (previous === null) return;
    await this.store.transaction(async (tx) => {
      await tx.sieveScripts.setActive(user.id, null, this.clock.now());
      await this.audit.record(actor, { action: "user.sieve_active", target: user.address, before: { active: previous }, after: { active: null } }, tx);
    });
  }

  async rename(address: string, from: string, to: string, actor: Actor): Promise<void> {
    const user = await this.accounts.getUser(address);
    checkScriptName(to);
    await this.found(user, from);
    if (await this.store.sieveScripts.get(user.id, to)) throw new MoatError("invalid_input", `${user.address} already has a script named ${to}`);
    await this.store.transaction(async (tx) => {
      await tx.sieveScripts.rename(user.id, from, to, this.clock.now());
      await this.audit.record(actor, { action: "user.sieve_rename", target: user.address, before: { name: from }, after: { name: to } }, tx);
    });
  }

  /** RFC 5804 §2.10: the active script cannot be deleted; deactivate it first. */
  async remove(address: string, name: string, actor: Actor): Promise<void> {
    const user = await this.accounts.getUser(address);
    const row = await this.found(user, name);
    if (row.active) throw new MoatError("invalid_input", `${name} is the active script of ${user.address}; deactivate it first`);
    await this.store.transaction(async (tx) => {
      await tx.sieveScripts.remove(user.id, name);
      await this.audit.record(actor, { action: "user.sieve_script", target: user.address, before: { ...infoOf(row), content: row.content }, after: null }, tx);
    });
  }

  private async found(user: User, name: string): Promise<SieveScriptRow> {
    const row = await this.store.sieveScripts.get(user.id, name);
    if (!row) throw new MoatError("sieve_script_not_found", `${user.address} has no Sieve script named ${name}`);
    return row;
  }

  /**
   * The script's redirect targets outside the company, when the account may forward there;
   * throws forwarding_refused (each target logged as refused) when it may not.
   */
  private async forwardingAllowed(user: User, name: string, script: CompiledSieve): Promise<Address[]> {
    if (script.redirectTargets.length === 0) return [];
    const company = await readCompany(this.store);
    const outside = [...new Set(script.redirectTargets.filter((t) => outsideCompany(company, user.address, t)))];
    if (outside.length === 0 || (await autoForwardOn(this.store, user))) return outside as Address[];
    const at = this.clock.now();
    for (const target of outside) await this.store.forwardingAttempts.append(attemptOf(user, target, { at, via: "sieve", phase: "save", outcome: "refused", rule: name }));
    throw new MoatError("forwarding_refused", `script ${name}: ${refusalText(user, outside)}`);
  }
}
