// The actions a run collects (RFC 5228 §2.10): implicit keep bookkeeping, duplicate
// collapsing (§2.10.3), the reject/ereject rules of RFC 5429 §2.1 and the per-run limits.
// Every rule breach throws SieveRuntimeError; the interpreter then falls back to keep.
import { unionFlags } from "./flags.js";
import type { Position } from "./parser.js";
import type { RunLimits } from "./program.js";
import type { SieveAction, SieveVacation } from "./types.js";

export class SieveRuntimeError extends Error {
  constructor(at: Position, message: string) {
    super(`line ${at.line}, column ${at.column}: ${message}`);
  }
}

type Mutable<T> = { -readonly [K in keyof T]: T[K] };
type KeepAction = Mutable<Extract<SieveAction, { kind: "keep" }>>;
type FileintoAction = Mutable<Extract<SieveAction, { kind: "fileinto" }>>;
type RedirectAction = Mutable<Extract<SieveAction, { kind: "redirect" }>>;
type Entry = KeepAction | FileintoAction | RedirectAction | Exclude<SieveAction, { kind: "keep" | "fileinto" | "redirect" }>;

const isInbox = (mailbox: string): boolean => mailbox.toUpperCase() === "INBOX";

export class ActionSet {
  private readonly entries: Entry[] = [];
  /** Cancelled by keep, discard, fileinto and redirect without :copy, reject (RFC 5228 §2.10.2). */
  private implicitKeep = true;

  constructor(private readonly limits: RunLimits) {}

  private find<K extends SieveAction["kind"]>(kind: K, where: (a: Extract<Entry, { kind: K }>) => boolean = () => true): Extract<Entry, { kind: K }> | undefined {
    return this.entries.find((a): a is Extract<Entry, { kind: K }> => a.kind === kind && where(a as Extract<Entry, { kind: K }>));
  }

  private add(at: Position, action: SieveAction): void {
    if (this.entries.length >= this.limits.maxActions) throw new SieveRuntimeError(at, `too many actions (at most ${this.limits.maxActions})`);
    this.entries.push(action);
  }

  /** RFC 5429 §2.1: reject/ereject may not run with keep, fileinto, redirect or vacation. */
  private refuseWithReject(at: Position, what: string): void {
    if (this.find("reject") !== undefined) throw new SieveRuntimeError(at, `${what} cannot be used with reject`);
  }

  keep(at: Position, flags: readonly string[]): void {
    this.refuseWithReject(at, "keep");
    this.implicitKeep = false;
    // keep and fileinto "INBOX" store the same message twice: they are one action (§2.10.3).
    const same = this.find("keep") ?? this.find("fileinto", (f) => isInbox(f.mailbox));
    if (same !== undefined) same.flags = unionFlags(same.flags, flags);
    else this.add(at, { kind: "keep", flags: [...flags] });
  }

  fileinto(at: Position, mailbox: string, flags: readonly string[], copy: boolean, create: boolean): void {
    this.refuseWithReject(at, "fileinto");
    if (!copy) this.implicitKeep = false;
    const same = this.find("fileinto", (f) => f.mailbox === mailbox || (isInbox(mailbox) && isInbox(f.mailbox))) ?? (isInbox(mailbox) ? this.find("keep") : undefined);
    if (same === undefined) this.add(at, { kind: "fileinto", mailbox, flags: [...flags], create });
    else {
      same.flags = unionFlags(same.flags, flags);
      if (same.kind === "fileinto") same.create ||= create;
    }
  }

  redirect(at: Position, address: string, copy: boolean): void {
    this.refuseWithReject(at, "redirect");
    if (!copy) this.implicitKeep = false;
    const same = this.find("redirect", (r) => r.address.toLowerCase() === address.toLowerCase());
    if (same !== undefined) {
      same.copy &&= copy;
      return;
    }
    const redirects = this.entries.filter((a) => a.kind === "redirect").length;
    if (redirects >= this.limits.maxRedirects) throw new SieveRuntimeError(at, `too many redirects (at most ${this.limits.maxRedirects})`);
    this.add(at, { kind: "redirect", address, copy });
  }

  discard(at: Position): void {
    this.implicitKeep = false;
    if (this.find("discard") === undefined) this.add(at, { kind: "discard" });
  }

  reject(at: Position, reason: string, ereject: boolean): void {
    if (this.find("reject") !== undefined) throw new SieveRuntimeError(at, "only one reject or ereject per message");
    const clash = this.entries.find((a) => a.kind === "keep" || a.kind === "fileinto" || a.kind === "redirect" || a.kind === "vacation");
    if (clash !== undefined) throw new SieveRuntimeError(at, `${ereject ? "ereject" : "reject"} cannot be used with ${clash.kind}`);
    this.implicitKeep = false;
    this.add(at, { kind: "reject", reason, ereject });
  }

  vacation(at: Position, vacation: SieveVacation): void {
    this.refuseWithReject(at, "vacation");
    // One auto-reply per message; a second vacation is an error, as in Pigeonhole.
    if (this.find("vacation") !== undefined) throw new SieveRuntimeError(at, "only one vacation per message");
    this.add(at, { kind: "vacation", vacation });
  }

  /** The final actions, the implicit keep (with the final internal flags) added if it stands. */
  finish(flags: readonly string[]): SieveAction[] {
    const inbox = this.find("fileinto", (f) => isInbox(f.mailbox));
    if (this.implicitKeep && inbox !== undefined) inbox.flags = unionFlags(inbox.flags, flags);
    const out: SieveAction[] = this.entries.map((a) => ("flags" in a ? { ...a, flags: [...a.flags] } : a));
    if (this.implicitKeep && inbox === undefined && this.find("keep") === undefined) out.push({ kind: "keep", flags: [...flags] });
    return out;
  }
}
