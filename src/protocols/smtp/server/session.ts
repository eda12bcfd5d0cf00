// One SMTP session (RFC 5321 §4.1, §4.3): greet, then read one command at a time, dispatch
// it to its command module if it is valid in the current state, and answer. The transaction
// state lives here; policy lives in MailFlow and authenticate(), reached through the context.
import type net from "node:net";
import tls from "node:tls";
import type { Logger } from "pino";
import type { MailFlow, Origin, TlsFacts, Verdict } from "../../../core/flow/types.js";
import type { Address } from "../../../mail/address.js";
import { randomId } from "../../../shared/ids.js";
import type { SessionIo } from "../../net/mail-server.js";
import { SessionInput, type InputEnd } from "../../net/session-input.js";
import { endSocket, ReplyWriter } from "../../net/session-output.js";
import { startTls } from "../../net/starttls.js";
import type { DataReader } from "./codec/data-reader.js";
import { commandLineLimit, maxSaslLine } from "./codec/line.js";
import { formatReply, reply, type Reply } from "./codec/reply.js";
import { dispatch } from "./commands/index.js";
import type { SessionConfig, SessionContext, SessionState, Transaction } from "./context.js";
import { flowFailed } from "./replies.js";

export class SmtpSession implements SessionContext {
  readonly log: Logger;
  readonly ip: string;
  readonly id = randomId(9);
  greeting: SessionContext["greeting"] = null;
  user: { readonly userId: number; readonly address: Address } | null = null;
  transaction: Transaction | null = null;
  authFailures = 0;
  private junkCount = 0;
  private socket: net.Socket;
  private input: SessionInput;
  private readonly out: ReplyWriter;
  private tlsFacts: TlsFacts | null;
  private isSecure: boolean;
  private ended = false;

  /** When the connection must end however active; the input made again after STARTTLS keeps it. */
  private readonly endsAt: number;

  constructor(
    readonly config: SessionConfig,
    private readonly io: SessionIo,
    logger: Logger,
  ) {
    this.socket = io.socket;
    this.ip = io.ip;
    this.isSecure = io.secure;
    this.tlsFacts = io.socket instanceof tls.TLSSocket ? tlsFactsOf(io.socket) : null;
    this.log = logger.child({ session: this.id, ip: io.ip });
    this.endsAt = Date.now() + config.limits.max_session_seconds * 1000;
    this.input = this.newInput(io.socket);
    this.out = new ReplyWriter(io.socket, () => this.input.buffered);
  }

  get secure(): boolean {
    return this.isSecure;
  }

  get tls(): TlsFacts | null {
    return this.tlsFacts;
  }

  get state(): SessionState {
    if (this.greeting === null) return "initial";
    if (this.transaction === null) return "ready";
    return this.transaction.recipients.length === 0 ? "mail" : "rcpt";
  }

  /** Runs the session to its end; never rejects. */
  async run(): Promise<void> {
    this.log.debug({ tls: this.tlsFacts?.protocol ?? null }, "smtp session start");
    // RFC 5321 §4.3.1: greet at once. No pre-greeting delay (decision 0004).
    this.send(reply(220, undefined, `${this.config.hostname} ESMTP Moat`));
    try {
      while (!this.ended) {
        if (!(await this.out.drained(this.idleMs)) || this.ended) break;
        const read = await this.input.readLine(commandLineLimit);
        if (read.kind === "line") await dispatch(this, read.line, read.bareLf);
        else this.onNoLine(read.kind);
      }
    } catch (err) {
      this.log.error({ err }, "smtp session failed");
      this.close(reply(421, "4.3.0", `${this.config.hostname} Internal error, closing connection`));
    }
    this.log.debug("smtp session end");
  }

  private onNoLine(kind: "too_long" | InputEnd): void {
    if (kind === "too_long") this.junk(reply(500, "5.5.2", "Line too long"));
    else if (kind === "timeout") this.close(reply(421, "4.4.2", `${this.config.hostname} Idle timeout, closing connection`));
    else if (kind === "expired") this.close(reply(421, "4.4.2", `${this.config.hostname} Session too long, closing connection`));
    else if (kind === "closing") this.close(reply(421, "4.3.2", `${this.config.hostname} Service shutting down, closing connection`));
    else this.end();
  }

  /**
   * RFC 2920 §3.1: while the client's pipelined commands are already here, their replies are
   * held and leave together (one write instead of one per command) when we next wait for the
   * client — never later, so a client waiting for them is never kept waiting.
   */
  send(r: Reply): void {
    if (this.ended) return;
    this.out.write(formatReply(r));
  }

  close(r: Reply): void {
    this.send(r);
    this.end();
  }

  junk(r: Reply): void {
    this.junkCount++;
    if (this.junkCount > this.config.limits.max_junk_commands) {
      this.log.info({ errors: this.junkCount }, "too many invalid commands; closing");
      this.close(reply(421, "4.7.0", `${this.config.hostname} Too many errors, closing connection`));
    } else {
      this.send(r);
    }
  }

  origin(): Origin {
    const facts = {
      ip: this.ip,
      helo: this.greeting?.name ?? "",
      tls: this.tlsFacts,
      listener: this.config.role === "mx" ? ("smtp" as const) : this.config.role,
      sessionId: this.id,
    };
    return this.user === null ? { kind: "mx", ...facts } : { kind: "submission", userId: this.user.userId, user: this.user.address, ...facts };
  }

  async askFlow(call: (flow: MailFlow, origin: Origin) => Promise<Verdict>): Promise<Verdict | null> {
    try {
      return await call(this.config.flow, this.origin());
    } catch (err) {
      this.log.error({ err }, "mail flow failed; answering 451");
      this.send(flowFailed);
      return null;
    }
  }

  async readSaslLine(): Promise<string | null> {
    const read = await this.input.readLine(maxSaslLine);
    if (read.kind === "line") return read.line.toString("latin1");
    // RFC 4954 §4: the exact reply for a response over the limit.
    if (read.kind === "too_long") this.send(reply(500, "5.5.6", "Authentication Exchange line is too long"));
    else this.onNoLine(read.kind);
    return null;
  }

  async readData(reader: DataReader): Promise<boolean> {
    const result = await this.input.readWith((bytes) => reader.push(bytes));
    if (result === "data") return true;
    if (result === "timeout" || result === "expired") this.onNoLine(result);
    else this.end();
    return false;
  }

  async startTls(): Promise<void> {
    const secureContext = this.io.secureContext;
    if (secureContext === null) return;
    const reply220 = formatReply(reply(220, "2.0.0", "Ready to start TLS"));
    const secure = await startTls({ socket: this.socket, input: this.input, out: this.out, reply: reply220, secureContext: secureContext(), log: this.log });
    if (secure === null) return void (this.ended = true);
    this.socket = secure;
    this.out.socket = secure;
    this.input = this.newInput(secure);
    // RFC 3207 §4.2: discard everything learnt from the client before TLS, EHLO included.
    this.tlsFacts = tlsFactsOf(this.socket as tls.TLSSocket);
    this.isSecure = true;
    this.greeting = null;
    this.transaction = null;
    this.user = null;
    this.log.debug({ tls: this.tlsFacts.protocol }, "STARTTLS done");
  }

  private get idleMs(): number {
    return this.config.limits.idle_timeout_seconds * 1000;
  }

  private newInput(socket: net.Socket): SessionInput {
    return new SessionInput(socket, { idleMs: this.idleMs, closing: this.io.closing, beforeWait: () => this.out.flush(), endsAt: this.endsAt });
  }

  private end(): void {
    if (this.ended) return;
    this.ended = true;
    this.input.detach();
    endSocket(this.socket);
  }
}

function tlsFactsOf(socket: tls.TLSSocket): TlsFacts {
  return { protocol: socket.getProtocol() ?? "unknown", cipher: socket.getCipher()?.standardName ?? "unknown" };
}
