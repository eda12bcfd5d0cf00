// One POP3 session (RFC 1939 §3): greet, then read one command at a time and dispatch it to
// its command module when valid in the current state. AUTHORIZATION → TRANSACTION at login;
// QUIT in TRANSACTION is the UPDATE state (the maildrop's commit). Any other end — a dropped
// connection, the idle timer, a shutdown, too many errors — closes the maildrop unchanged
// (RFC 1939 §6) and releases its lock. Limits are answered with -ERR, never a crash or hang.
import { randomBytes } from "node:crypto";
import type net from "node:net";
import type { Logger } from "pino";
import type { Maildrop } from "../../core/maildrop/maildrop.js";
import type { SessionIo } from "../net/mail-server.js";
import { SessionInput, type InputEnd } from "../net/session-input.js";
import { endSocket, ReplyWriter } from "../net/session-output.js";
import { startTls } from "../net/starttls.js";
import { commandLineLimit, maxCredentialLine, parseCommand } from "./codec/command.js";
import { err, ok } from "./codec/reply.js";
import { dispatch } from "./commands/index.js";
import type { Pop3Backend, Pop3Limits, SessionContext, SessionState } from "./context.js";

export interface SessionConfig {
  readonly hostname: string;
  readonly backend: Pop3Backend;
  readonly limits: Pop3Limits;
}

export class Pop3Session implements SessionContext {
  log: Logger;
  state: SessionState = { kind: "authorization", user: null };
  secure: boolean;
  private tls: boolean;
  private socket: net.Socket;
  private input: SessionInput;
  private readonly out: ReplyWriter;
  private invalidCount = 0;
  private authFailures = 0;

  constructor(
    private readonly config: SessionConfig,
    private readonly io: SessionIo,
    logger: Logger,
  ) {
    this.log = logger.child({ session: randomBytes(6).toString("base64url"), ip: io.ip });
    this.socket = io.socket;
    this.secure = io.secure;
    this.tls = io.tls;
    this.input = this.newInput(io.socket);
    this.out = new ReplyWriter(io.socket, () => this.input.buffered);
    this.socket.on("error", (error) => this.log.debug({ err: error.message }, "socket error"));
  }

  get backend(): Pop3Backend {
    return this.config.backend;
  }
  get ip(): string {
    return this.io.ip;
  }
  get startTlsAvailable(): boolean {
    return this.io.secureContext !== null && !this.tls;
  }

  private get ended(): boolean {
    return this.state.kind === "ended";
  }

  /** Runs the session to its end; never rejects. */
  async run(): Promise<void> {
    this.send(ok(`${this.config.hostname} Moat POP3 ready`));
    try {
      while (!this.ended) {
        // Awaited only when the client has not taken our last reply yet, and a command only
        // when it has to wait (a body not read ahead, a login): no promise per RETR otherwise.
        if (this.socket.writableNeedDrain && !(await this.out.drained(this.config.limits.idleTimeoutMs))) break;
        const read = await this.input.readLine(commandLineLimit);
        if (this.ended) break;
        if (read.kind === "line") {
          const pending = this.execute(read.line);
          if (pending !== undefined) await pending;
        } else if (read.kind === "too_long") this.invalid(err("Line too long"));
        else this.inputEnded(read.kind);
      }
    } catch (error) {
      this.log.error({ err: error }, "POP3 session failed");
      this.close(err("Internal error", "SYS/TEMP"));
    } finally {
      // Whatever the way out, the lock goes (end() closes the maildrop); only QUIT committed.
      this.end();
    }
  }

  private execute(line: Buffer): Promise<void> | void {
    const parsed = parseCommand(line);
    if (!parsed.ok) return this.invalid(err(parsed.error));
    const { command } = parsed;
    const handler = dispatch(command.keyword);
    if (handler === undefined) return this.invalid(err("Unknown command"));
    const state = this.state;
    if (handler.state === "any") return handler.handle(this, command);
    if (handler.state === "authorization" && state.kind === "authorization") return handler.handle(this, command);
    if (handler.state === "transaction" && state.kind === "transaction") return handler.handle(this, state.maildrop, command);
    this.invalid(err(`${command.keyword} is not allowed in this state`));
  }

  private inputEnded(why: InputEnd): void {
    if (why === "timeout") this.close(err("Autologout; idle for too long"));
    else if (why === "closing") this.close(err("Server shutting down", "SYS/TEMP"));
    else this.end();
  }

  send(data: string | Buffer): void {
    if (this.state.kind === "ended") return;
    this.out.write(data);
  }

  invalid(reply: string): void {
    this.send(reply);
    if (++this.invalidCount >= this.config.limits.maxInvalidCommands) {
      this.log.info({ invalid: this.invalidCount }, "too many invalid commands; closing");
      this.close(err("Too many invalid commands"));
    }
  }

  close(reply: string): void {
    this.send(reply);
    this.end();
  }

  expectPassword(user: string | null): void {
    if (this.state.kind === "authorization") this.state = { kind: "authorization", user };
  }

  enterTransaction(maildrop: Maildrop): void {
    if (this.state.kind !== "authorization") return maildrop.close();
    this.state = { kind: "transaction", maildrop };
  }

  authFailed(): void {
    if (++this.authFailures < this.config.limits.maxAuthFailures) return;
    this.log.info({ failures: this.authFailures }, "too many failed logins; closing");
    this.end();
  }

  async readSaslLine(): Promise<string | null> {
    const read = await this.input.readLine(maxCredentialLine);
    if (read.kind === "line") return read.line.toString("latin1");
    if (read.kind === "too_long") this.invalid(err("Authentication response too long"));
    else this.inputEnded(read.kind);
    return null;
  }

  async startTls(): Promise<void> {
    const secureContext = this.io.secureContext;
    if (secureContext === null) return;
    const reply = ok("Begin TLS negotiation now");
    const secure = await startTls({ socket: this.socket, input: this.input, out: this.out, reply, secureContext: secureContext(), log: this.log });
    if (secure === null) return this.end();
    this.socket = secure;
    this.socket.on("error", (error) => this.log.debug({ err: error.message }, "socket error"));
    this.out.socket = this.socket;
    this.input = this.newInput(this.socket);
    // RFC 2595 §4: forget what the client said before TLS (a USER name).
    this.state = { kind: "authorization", user: null };
    this.tls = true;
    this.secure = true;
  }

  private newInput(socket: net.Socket): SessionInput {
    return new SessionInput(socket, { idleMs: this.config.limits.idleTimeoutMs, closing: this.io.closing, beforeWait: () => this.out.flush() });
  }

  private end(): void {
    if (this.state.kind === "ended") return;
    if (this.state.kind === "transaction") this.state.maildrop.close();
    this.state = { kind: "ended" };
    this.out.flush();
    this.input.detach();
    endSocket(this.socket);
  }
}
