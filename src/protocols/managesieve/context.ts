// What a ManageSieve command sees of its session, and what each command declares: the states
// it is valid in (RFC 5804 §2). An authenticated command is handed the logged-in account, so
// none can touch scripts before login. The scripts service is described here by the methods
// the commands use (core/flow/user-rules/sieve-scripts.ts implements them).
import type { Logger } from "pino";
import type { Authenticate } from "../../core/auth/authenticate.js";
import type { Actor } from "../../core/security/audit.js";
import type { Token } from "./codec/command.js";

/** A script's problem as the compiler reports it. */
export interface ScriptProblem {
  readonly line: number;
  readonly column: number;
  readonly message: string;
}

/** The Sieve scripts service, as ManageSieve uses it (SieveScripts in core). */
export interface SieveScriptService {
  check(text: string): readonly ScriptProblem[];
  list(address: string): Promise<ReadonlyArray<{ readonly name: string; readonly active: boolean; readonly size: number }>>;
  get(address: string, name: string): Promise<{ readonly name: string; readonly active: boolean; readonly content: string }>;
  put(address: string, name: string, text: string, actor: Actor, opts?: { activate?: boolean }): Promise<unknown>;
  activate(address: string, name: string, actor: Actor): Promise<void>;
  deactivate(address: string, actor: Actor): Promise<void>;
  rename(address: string, from: string, to: string, actor: Actor): Promise<void>;
  remove(address: string, name: string, actor: Actor): Promise<void>;
}

/** What ManageSieve needs from the rest of Moat, passed in by the composition root. */
export interface ManageSieveBackend {
  readonly authenticate: Authenticate;
  readonly scripts: SieveScriptService;
  /** The Sieve extensions the compiler supports (the SIEVE capability). */
  readonly extensions: readonly string[];
  /** The service's limits: the largest script (octets) and the most scripts an account may keep. */
  readonly maxScriptBytes: number;
  readonly maxScripts: number;
  /** Redirects one script may make (the MAXREDIRECTS capability). */
  readonly maxRedirects: number;
}

export interface ManageSieveLimits {
  /** A logged-in client silent this long is told BYE. */
  readonly idleTimeoutMs: number;
  /** Before login: a client silent this long is told BYE (a port scanner should not hold a socket). */
  readonly loginTimeoutMs: number;
  /** Failed logins on one connection before BYE. */
  readonly maxAuthFailures: number;
  /** Unknown, malformed or out-of-state commands before BYE. */
  readonly maxInvalidCommands: number;
  readonly maxConnectionsPerIp: number;
  /** The longest line outside literals; commands are short, scripts come as literals. */
  readonly maxLineBytes: number;
}

export const defaultManageSieveLimits: ManageSieveLimits = {
  idleTimeoutMs: 30 * 60_000,
  loginTimeoutMs: 60_000,
  maxAuthFailures: 3,
  maxInvalidCommands: 10,
  maxConnectionsPerIp: 20,
  maxLineBytes: 8192,
};

/** The logged-in account. */
export interface Account {
  readonly userId: number;
  readonly address: string;
}

export type SessionState = { readonly kind: "unauthenticated" } | { readonly kind: "authenticated"; readonly account: Account } | { readonly kind: "ended" };

export interface SessionContext {
  readonly state: SessionState;
  readonly ip: string;
  /** TLS, or a loopback client: where PLAIN may be used (decision 0003). */
  readonly secure: boolean;
  readonly startTlsAvailable: boolean;
  readonly backend: ManageSieveBackend;
  readonly log: Logger;
  send(data: string): void;
  /** Answers a bad command with NO; too many of them end the session with BYE. */
  invalid(text: string): void;
  /** Sends the last response and closes. */
  close(reply: string): void;
  /** A SASL response: one string, on a line (and literal) of its own. Null when already answered. */
  readSaslResponse(): Promise<Buffer | "cancel" | null>;
  startTls(): Promise<void>;
  loggedIn(account: Account, untrack: (() => void) | undefined): void;
  loggedOut(): void;
  /** Counts a failed login; too many end the session. */
  authFailed(): void;
  /** The capability lines for this session now. */
  capabilities(): string;
}

export type CommandHandler =
  | { readonly state: "unauthenticated"; handle(ctx: SessionContext, args: readonly Token[]): Promise<void> | void }
  | { readonly state: "authenticated"; handle(ctx: SessionContext, account: Account, args: readonly Token[]): Promise<void> | void }
  | { readonly state: "any"; handle(ctx: SessionContext, args: readonly Token[]): Promise<void> | void };
