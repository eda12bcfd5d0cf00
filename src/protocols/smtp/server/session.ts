// One SMTP session (RFC 5321 §4.1, §4.3): greet, then read one command at a time, dispatch
// it to its command module if it is valid in the current state, and answer. The transaction
// state lives here; policy lives in MailFlow and authenticate(), reached through the context.
import type net from "node:net";
import tls from "node:tls";
import type { Logger } from "pino";
import type { MailFlow, Origin, TlsFacts, Verdict } from "../../../core/flow/types.js";
import type { Address } from "../../../mail/address.js";
import { randomId } from "../../../shared/ids.js";
import { untrusted } from "../../../shared/logger.js";
import { upgradeToTls } from "../../net/listener.js";
import type { DataReader } from "./codec/data-reader.js";
import { maxSaslLine } from "./codec/line.js";
import { formatReply, reply, type Reply } from "./codec/reply.js";
import { dispatch } from "./commands/index.js";
import type { SessionConfig, SessionContext, SessionState, Transaction } from "./context.js";
import { SocketInput } from "./input.js";
import { flowFailed } from "./replies.js";

export interface SessionIo {
  readonly socket: net.Socket;
  readonly ip: string;
  readonly secure: boolean;
  readonly closing: AbortSignal;
  /** The certificate for STARTTLS, when offered. */
  readonly secureContext: (() => tls.SecureContext) | null;
}

/** A client that neither reads our last reply nor closes is cut after this long. */
const lingerMs = 10_000;

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
  private input: SocketInput;
  private tlsFacts: TlsFacts | null;
  private isSecure: boolean;
  private ended = false;
  /** Replies are being held in the socket (cork) while pipelined commands are answered. */
  private corked = false;

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
    this.input = this.newInput(io.socket);
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
        if (this.socket.writableNeedDrain) this.flush(); // a held batch that big goes out first
        if (!(await this.drained())) break;
        const read = await this.input.readLine("command");
        if (read.kind === "line") await dispatch(this, read.line, read.bareLf);
        else this.onNoLine(read.kind);
      }
    } catch (err) {
      this.log.error({ err }, "smtp session failed");
      this.close(reply(421, "4.3.0", `${this.config.hostname} Internal error, closing connection`));
    }
    this.log.debug("smtp session end");
  }

  private onNoLine(kind: "too_long" | "eof" | "timeout" | "closing"): void {
    if (kind === "too_long") this.junk(reply(500, "5.5.2", "Line too long"));
    else if (kind === "timeout") this.close(reply(421, "4.4.2", `${this.config.hostname} Idle timeout, closing connection`));
    else if (kind === "closing") this.close(reply(421, "4.3.2", `${this.config.hostname} Service shutting down, closing connection`));
    else this.end();
  }

  /**
   * RFC 2920 §3.1: while the client's pipelined commands are already here, their replies are
   * held and leave together (one write instead of one per command) when we next wait for the
   * client — never later, so a client waiting for them is never kept waiting.
   */
  send(r: Reply): void {
    if (this.ended || this.socket.destroyed) return;
    if (!this.corked && this.input.buffered) {
      this.socket.cork();
      this.corked = true;
    }
    this.socket.write(formatReply(r));
  }

  private flush(): void {
    if (!this.corked) return;
    this.corked = false;
    this.socket.uncork();
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
    const result = await this.input.readData(reader);
    if (result === "data") return true;
    if (result === "timeout") this.onNoLine("timeout");
    else this.end();
    return false;
  }

  async startTls(): Promise<void> {
    const secureContext = this.io.secureContext;
    if (secureContext === null) return;
    // CVE-2011-0411: whatever the client sent after STARTTLS arrived in plaintext and must not
    // run as if it came over TLS. Postfix's fix, discarding it, is ours.
    this.flush();
    const injected = this.input.detach();
    if (injected.length > 0) this.log.warn({ bytes: injected.length, sample: untrusted(injected.subarray(0, 64).toString("latin1"), 100) }, "pipelined data after STARTTLS discarded");
    // The 220 must leave in plaintext before the TLS layer takes the socket over.
    await new Promise<void>((resolve) => this.socket.write(formatReply(reply(220, "2.0.0", "Ready to start TLS")), () => resolve()));
    if (this.socket.destroyed) return void (this.ended = true);
    try {
      const secure = await upgradeToTls(this.socket, secureContext());
      this.socket = secure;
      this.input = this.newInput(secure);
    } catch (err) {
      this.log.info({ err: (err as Error).message }, "STARTTLS handshake failed");
      this.ended = true;
      return;
    }
    // RFC 3207 §4.2: discard everything learnt from the client before TLS, EHLO included.
    this.tlsFacts = tlsFactsOf(this.socket as tls.TLSSocket);
    this.isSecure = true;
    this.greeting = null;
    this.transaction = null;
    this.user = null;
    this.log.debug({ tls: this.tlsFacts.protocol }, "STARTTLS done");
  }

  private newInput(socket: net.Socket): SocketInput {
    return new SocketInput(socket, this.config.limits.idle_timeout_seconds * 1000, this.io.closing, () => this.flush());
  }

  /** Waits while the client is not reading our replies (SMTP-39): no more input until it does. */
  private async drained(): Promise<boolean> {
    if (!this.socket.writableNeedDrain) return !this.ended;
    const socket = this.socket;
    const ok = await new Promise<boolean>((resolve) => {
      const timer = setTimeout(() => done(false), this.config.limits.idle_timeout_seconds * 1000);
      const onDrain = () => done(true);
      const onClose = () => done(false);
      const done = (value: boolean) => {
        clearTimeout(timer);
        socket.off("drain", onDrain);
        socket.off("close", onClose);
        resolve(value);
      };
      socket.on("drain", onDrain);
      socket.on("close", onClose);
    });
    if (!ok) {
      this.ended = true;
      socket.destroy();
    }
    return ok && !this.ended;
  }

  private end(): void {
    if (this.ended) return;
    this.ended = true;
    const socket = this.socket;
    this.input.detach();
    // Reading on (and dropping what comes) lets the client's FIN arrive, so the socket closes
    // now and frees its per-IP slot, instead of waiting for the linger timer.
    socket.resume();
    socket.end();
    const timer = setTimeout(() => socket.destroy(), lingerMs);
    timer.unref();
    socket.once("close", () => clearTimeout(timer));
  }
}

function tlsFactsOf(socket: tls.TLSSocket): TlsFacts {
  return { protocol: socket.getProtocol() ?? "unknown", cipher: socket.getCipher()?.standardName ?? "unknown" };
}
