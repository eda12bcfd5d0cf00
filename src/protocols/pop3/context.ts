// What a POP3 command sees of its session, and what each command declares: the state it is
// valid in (RFC 1939 §3). A TRANSACTION command is handed the maildrop, so no command can
// reach one before login or after it has been closed.
import type { Logger } from "pino";
import type { Authenticate } from "../../core/auth/authenticate.js";
import type { Maildrop } from "../../core/maildrop/maildrop.js";
import type { MaildropService } from "../../core/maildrop/service.js";
import type { Pop3Command } from "./codec/command.js";

/** What POP3 needs from the rest of Moat, passed in by the composition root. */
export interface Pop3Backend {
  readonly authenticate: Authenticate;
  readonly maildrops: MaildropService;
}

export interface Pop3Limits {
  /** RFC 1939 §3: an autologout timer, if any, of at least 10 minutes. */
  readonly idleTimeoutMs: number;
  /** Failed logins on one connection before it is closed. */
  readonly maxAuthFailures: number;
  /** Unknown, malformed or out-of-state commands before the connection is closed. */
  readonly maxInvalidCommands: number;
  readonly maxConnectionsPerIp: number;
}

export const defaultPop3Limits: Pop3Limits = {
  idleTimeoutMs: 10 * 60_000,
  maxAuthFailures: 3,
  maxInvalidCommands: 10,
  maxConnectionsPerIp: 50,
};

export type SessionState =
  /** AUTHORIZATION; `user` is the name given by USER, waiting for PASS. */
  | { readonly kind: "authorization"; readonly user: string | null }
  | { readonly kind: "transaction"; readonly maildrop: Maildrop }
  /** QUIT answered, or the session is closing. */
  | { readonly kind: "ended" };

export interface SessionContext {
  readonly state: SessionState;
  readonly ip: string;
  /** TLS, or a loopback client: where plaintext credentials may be sent (decision 0003). */
  readonly secure: boolean;
  readonly startTlsAvailable: boolean;
  readonly backend: Pop3Backend;
  readonly log: Logger;
  send(data: string | Buffer): void;
  /** Answers a bad command; too many of them close the connection. */
  invalid(reply: string): void;
  /** Sends the last reply and closes (without UPDATE). */
  close(reply: string): void;
  /** USER: remembers the name for PASS (null forgets it). */
  expectPassword(user: string | null): void;
  /** A SASL continuation line; null when the session ended or the line was refused (answered). */
  readSaslLine(): Promise<string | null>;
  startTls(): Promise<void>;
  /** After authenticate(): the maildrop is open, the session is in TRANSACTION. */
  enterTransaction(maildrop: Maildrop): void;
  /** Counts a failed login; too many close the connection. */
  authFailed(): void;
}

export type CommandHandler =
  | { readonly state: "authorization"; handle(ctx: SessionContext, command: Pop3Command): Promise<void> | void }
  | { readonly state: "transaction"; handle(ctx: SessionContext, maildrop: Maildrop, command: Pop3Command): Promise<void> | void }
  | { readonly state: "any"; handle(ctx: SessionContext, command: Pop3Command): Promise<void> | void };
