// What a command handler may see and do: the session's state and a few actions. Commands
// import this file only (never session.ts), so each stays a small module that declares the
// states it is valid in, as WildDuck's imap-core commands do.
import type { Logger } from "pino";
import type { Authenticate } from "../../../core/auth/authenticate.js";
import type { MailFlow, Origin, TlsFacts, Verdict } from "../../../core/flow/types.js";
import type { Address } from "../../../mail/address.js";
import type { DataReader } from "./codec/data-reader.js";
import type { Reply } from "./codec/reply.js";

/** mx: port 25, no AUTH. submission: 587 with STARTTLS. submissions: 465, implicit TLS (RFC 8314). */
export type SmtpRole = "mx" | "submission" | "submissions";

/** The [mail] settings the session enforces; the keys are the settings' own, so `settings.mail` fits. */
export interface SmtpLimits {
  readonly max_message_bytes: number;
  /** RFC 5321 §4.5.3.1.8: at least 100. */
  readonly max_recipients: number;
  readonly bare_lf: "normalize" | "reject";
  readonly idle_timeout_seconds: number;
  /** However active, a connection is closed after this long (slow drip, test plan SMTP-38). */
  readonly max_session_seconds: number;
  readonly max_connections_per_ip: number;
  readonly max_auth_failures: number;
  readonly max_junk_commands: number;
}

/**
 * initial: no EHLO/HELO yet (also right after STARTTLS, RFC 3207 §4.2); ready: greeted, no
 * transaction; mail: MAIL accepted; rcpt: at least one recipient accepted.
 */
export type SessionState = "initial" | "ready" | "mail" | "rcpt";

export interface Transaction {
  readonly mailFrom: Address | null;
  readonly declaredSize: number | undefined;
  readonly body: "7BIT" | "8BITMIME";
  readonly smtpUtf8: boolean;
  readonly recipients: Address[];
  /** Recipients refused by a mail-flow policy (not unknown ones): the pipeline may refuse the whole message for them. */
  readonly refusedRecipients: Address[];
}

export interface SessionConfig {
  readonly role: SmtpRole;
  readonly hostname: string;
  readonly limits: SmtpLimits;
  readonly flow: MailFlow;
  readonly authenticate: Authenticate;
  /** STARTTLS is offered when this is set and the connection is not TLS yet. */
  readonly startTlsAvailable: boolean;
}

export interface SessionContext {
  readonly config: SessionConfig;
  readonly log: Logger;
  readonly ip: string;
  /** TLS, or a loopback client (ConnectionInfo.secure): where AUTH may be used. */
  readonly secure: boolean;
  readonly tls: TlsFacts | null;
  readonly state: SessionState;
  greeting: { readonly kind: "helo" | "ehlo"; readonly name: string } | null;
  user: { readonly userId: number; readonly address: Address } | null;
  transaction: Transaction | null;
  authFailures: number;

  send(reply: Reply): void;
  /** Sends the reply, then closes the connection; no further command is read. */
  close(reply: Reply): void;
  /** An invalid or unknown command: counted, and past max_junk_commands answered 421 and closed. */
  junk(reply: Reply): void;
  /** The Origin for MailFlow, from the session's facts. */
  origin(): Origin;
  /** Calls MailFlow; a thrown error becomes 451 4.3.0 (never 5xx, A1.10) and null. */
  askFlow(call: (flow: MailFlow, origin: Origin) => Promise<Verdict>): Promise<Verdict | null>;
  /** The next SASL response line as text; null when the exchange cannot go on (already answered). */
  readSaslLine(): Promise<string | null>;
  /** Feeds DATA to the reader up to its terminator; false when the session ended first. */
  readData(reader: DataReader): Promise<boolean>;
  /** Answers 220, discards pipelined plaintext, runs the handshake and resets the session. */
  startTls(): Promise<void>;
}

export interface SmtpCommand {
  readonly verb: string;
  readonly states: readonly SessionState[];
  /** The reply when the command comes in another state; default "503 5.5.1 Bad sequence of commands". */
  readonly outOfState?: (state: SessionState) => Reply;
  handle(ctx: SessionContext, args: string): Promise<void> | void;
}
