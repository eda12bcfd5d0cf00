// What the IMAP session needs from the rest of Moat, passed in by the composition root so
// protocols/ never reaches into store/: the one authenticate(), the shared mailbox
// operations, the change events (IDLE, other sessions' changes) and the index stored at
// delivery (ENVELOPE, BODYSTRUCTURE, BODY[section] offsets, search text).
import type { Authenticate } from "../../core/auth/authenticate.js";
import type { MailboxEvents } from "../../core/mailstore/events.js";
import type { MailboxOperations } from "../../core/mailstore/operations.js";
import type { MessageRepository } from "../../core/ports/mailstore.js";

export interface ImapBackend {
  readonly authenticate: Authenticate;
  readonly mailboxes: MailboxOperations;
  readonly events: MailboxEvents;
  /** A stored body's summary (FETCH) and search text (SEARCH) by its hash; undefined when the row is gone. */
  readonly bodies: Pick<MessageRepository, "getSummary" | "getSummaries" | "getBodyText" | "getBodyTexts" | "getHeaders" | "getPrefixes">;
}

export interface ImapLimits {
  /** APPEND literal limit (mail.max_message_bytes), refused before reading with NO [TOOBIG]. */
  readonly maxMessageBytes: number;
  /** RFC 3501 §5.4: at least 30 minutes once logged in. */
  readonly idleTimeoutMs: number;
  /** Before login a silent client holds a socket for nothing: one minute. */
  readonly preLoginIdleTimeoutMs: number;
  /** Commands allowed before login; past it BYE (stops using the port as a free parser). */
  readonly maxCommandsBeforeLogin: number;
  /** BAD answers before BYE (a client speaking another protocol, or fuzzing). */
  readonly maxInvalidCommands: number;
  /** Failed LOGIN/AUTHENTICATE on one connection before BYE. */
  readonly maxAuthFailures: number;
  readonly maxConnectionsPerIp: number;
  /** During IDLE, "* OK Still here" this often (Dovecot imap_idle_notify_interval: 2 min), so NATs keep the flow and a dead peer shows. */
  readonly idleKeepaliveMs: number;
  /** A command line outside literals (test plan IMAP-11; Dovecot imap_max_line_length 64 KiB). */
  readonly maxLineBytes: number;
  /** A whole command with its literals, APPEND's message excepted (IMAP-12); also caps any other literal. */
  readonly maxCommandBytes: number;
}

export const defaultImapLimits: ImapLimits = {
  maxMessageBytes: 25 * 1024 * 1024,
  idleTimeoutMs: 30 * 60_000,
  preLoginIdleTimeoutMs: 60_000,
  maxCommandsBeforeLogin: 20,
  maxInvalidCommands: 20,
  maxAuthFailures: 3,
  maxConnectionsPerIp: 50,
  idleKeepaliveMs: 2 * 60_000,
  maxLineBytes: 64 * 1024,
  maxCommandBytes: 64 * 1024,
};
