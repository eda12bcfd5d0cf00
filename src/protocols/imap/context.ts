// What a command handler may see and do. Commands import this file (never session.ts), so
// each stays a small module declaring the states it is valid in, as WildDuck's imap-core
// commands do. A handler returns the tagged reply; the session first reports the changes
// other sessions made to the selected mailbox (RFC 3501 §5.2, §7.4.1), then sends it.
import type { Logger } from "pino";
import type { ResponseCode } from "./codec/codes.js";
import type { ImapCommand } from "./codec/lexer.js";
import type { Status } from "./codec/response.js";
import type { ImapBackend, ImapLimits } from "./backend.js";
import type { MailboxView } from "./view.js";

/** RFC 3501 §3: the four states. */
export type SessionState = "not-authenticated" | "authenticated" | "selected" | "logout";

export interface ImapUser {
  readonly userId: number;
  readonly address: string;
}

/** The tagged reply a command ends with. */
export interface Reply {
  readonly status: Status;
  readonly text: string;
  readonly code?: ResponseCode | null;
}

export interface SessionContext {
  readonly backend: ImapBackend;
  readonly limits: ImapLimits;
  readonly log: Logger;
  readonly hostname: string;
  /** The client's address (after a trusted PROXY header). */
  readonly ip: string;
  /** TLS, or a loopback client: where plaintext logins are accepted. */
  readonly secure: boolean;
  readonly tls: boolean;
  readonly startTlsAvailable: boolean;
  readonly state: SessionState;
  readonly user: ImapUser | null;
  /** From IMAP ID (RFC 2971), for the login record. */
  clientId: string | undefined;
  /** ENABLEd extensions (RFC 5161): CONDSTORE, QRESYNC. */
  readonly enabled: Set<string>;
  readonly selected: MailboxView | null;

  send(data: string | Buffer): void;
  capabilities(): string[];
  /** A raw client line (AUTHENTICATE responses, IDLE's DONE); null when the session is ending. */
  readLine(): Promise<Buffer | "too-long" | null>;
  /** Sends the tagged OK, drops pipelined plaintext and runs the TLS handshake. */
  startTls(tag: string): Promise<void>;
  loggedIn(user: ImapUser): void;
  /** Counts a failed login; past the limit the session says BYE. */
  authFailed(): void;
  select(view: MailboxView | null): void;
  /**
   * A CONDSTORE enabling command (FETCH MODSEQ, CHANGEDSINCE, UNCHANGEDSINCE, SEARCH MODSEQ) was
   * used: CONDSTORE is on from now, and the first time the mailbox's HIGHESTMODSEQ is sent (RFC 7162 §3.1).
   */
  condstoreUsed(): Promise<void>;
  /** Reports other sessions' changes to the selected mailbox; expunges only when allowed. */
  sync(expunges: boolean): Promise<void>;
  /** EXPUNGE (or VANISHED) responses for UIDs this session removed (EXPUNGE, MOVE). */
  expunged(uids: readonly number[]): void;
  /** Makes the session flush mailbox changes as they happen (IDLE) until the returned function is called. */
  liveUpdates(): () => void;
  /** Closes after what was sent (LOGOUT); no further command is read. */
  close(): void;
  /** BYE with this text, then close; no further command is read. */
  bye(text: string, code?: ResponseCode | null): void;
}

export interface ImapCommandHandler {
  /** Command names this handler serves (SELECT and EXAMINE share one). */
  readonly names: readonly string[];
  readonly states: readonly SessionState[];
  /** Whether the UID prefix is allowed (UID FETCH, UID STORE, …). */
  readonly uid?: boolean;
  handle(ctx: SessionContext, command: ImapCommand): Promise<Reply | void> | Reply | void;
}

export const anyState: readonly SessionState[] = ["not-authenticated", "authenticated", "selected"];
export const loggedIn: readonly SessionState[] = ["authenticated", "selected"];
export const selectedOnly: readonly SessionState[] = ["selected"];

export const ok = (text: string, code: ResponseCode | null = null): Reply => ({ status: "OK", text, code });
export const no = (text: string, code: ResponseCode | null = null): Reply => ({ status: "NO", text, code });
export const bad = (text: string, code: ResponseCode | null = null): Reply => ({ status: "BAD", text, code });
