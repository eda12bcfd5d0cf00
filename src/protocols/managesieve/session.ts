// One ManageSieve session (RFC 5804 §2): greet with the capabilities, then read one command at
// a time and dispatch it to its command module when valid in the current state. Limits are
// answered with NO (a bad command, a line or literal too large) or BYE (too many of them, too
// many failed logins, silence, a literal too large to even drop), never a crash or a hang.
import { randomBytes } from "node:crypto";
import type net from "node:net";
import type { Logger } from "pino";
import type { SessionIo } from "../net/mail-server.js";
import { SessionInput, type InputEnd } from "../net/session-input.js";
import { endSocket, ReplyWriter } from "../net/session-output.js";
import { startTls } from "../net/starttls.js";
import { bye, no, ok } from "./codec/response.js";
import { CommandInput } from "./command-input.js";
import { capabilities } from "./commands/capability.js";
import { dispatch } from "./commands/index.js";
import type { Account, ManageSieveBackend, ManageSieveLimits, SessionContext, SessionState } from "./context.js";
import type { Token } from "./codec/command.js";

export interface SessionConfig {
  readonly backend: ManageSieveBackend;
  readonly limits: ManageSieveLimits;
}

/** A SASL response line: base64 of a PLAIN message with a 1024-character password fits easily. */
const maxSaslBytes = 16 * 1024;
/** Names and a script: the script limit, plus room for the name argument. */
const nameRoom = 4096;

export class ManageSieveSession implements SessionContext {
  log: Logger;
  state: SessionState = { kind: "unauthenticated" };
  secure: boolean;
  private tls: boolean;
  private socket: net.Socket;
  private input: SessionInput;
  private commands: CommandInput;
  private readonly out: ReplyWriter;
  private invalidCount = 0;
  private authFailures = 0;
  private untrack: (() => void) | undefined;

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
    this.commands = this.newCommands();
    this.out = new ReplyWriter(io.socket, () => this.input.buffered);
    this.socket.on("error", (error) => this.log.debug({ err: error.message }, "socket error"));
  }

  get backend(): ManageSieveBackend {
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
    this.send(this.capabilities());
    try {
      while (!this.ended) {
        if (!(await this.out.drained(this.config.limits.idleTimeoutMs))) break;
        this.input.idleMs = this.state.kind === "authenticated" ? this.config.limits.idleTimeoutMs : this.config.limits.loginTimeoutMs;
        const read = await this.commands.read(this.backend.maxScriptBytes + nameRoom);
        if (this.ended) break;
        if (read.kind === "tokens") await this.execute(read.tokens);
        else if (read.kind === "refused") this.refused(read.reply, read.fatal);
        else this.inputEnded(read.why);
      }
    } catch (error) {
      this.log.error({ err: error }, "ManageSieve session failed");
      this.close(bye("Internal error", "TRYLATER"));
    } finally {
      this.end();
    }
  }

  private async execute(tokens: readonly Token[]): Promise<void> {
    const [first, ...args] = tokens;
    if (first?.kind !== "atom") return this.invalid("Expected a command name");
    const name = first.value.toUpperCase();
    const handler = dispatch(name);
    if (handler === undefined) return this.invalid(`Unknown command ${name.slice(0, 32)}`);
    const state = this.state;
    if (handler.state === "any") return handler.handle(this, args);
    if (handler.state === "unauthenticated" && state.kind === "unauthenticated") return handler.handle(this, args);
    if (handler.state === "authenticated" && state.kind === "authenticated") return handler.handle(this, state.account, args);
    this.invalid(state.kind === "unauthenticated" ? `${name} needs a login first (AUTHENTICATE)` : `${name} is not allowed after login`);
  }

  private refused(reply: string, fatal: boolean): void {
    if (fatal) return this.close(reply);
    this.send(reply);
    this.countInvalid();
  }

  private inputEnded(why: InputEnd): void {
    if (why === "timeout") this.close(bye("Disconnected for inactivity"));
    else if (why === "closing") this.close(bye("Server shutting down", "TRYLATER"));
    else if (why === "expired") this.close(bye("Session too long"));
    else this.end();
  }

  capabilities(): string {
    return capabilities(this);
  }

  send(data: string): void {
    if (this.state.kind === "ended") return;
    this.out.write(data);
  }

  invalid(text: string): void {
    this.send(no(text));
    this.countInvalid();
  }

  private countInvalid(): void {
    if (++this.invalidCount < this.config.limits.maxInvalidCommands) return;
    this.log.info({ invalid: this.invalidCount }, "too many invalid commands; closing");
    this.close(bye("Too many invalid commands"));
  }

  close(reply: string): void {
    this.send(reply);
    this.end();
  }

  async readSaslResponse(): Promise<Buffer | "cancel" | null> {
    this.out.flush();
    const read = await this.commands.read(maxSaslBytes);
    if (read.kind === "refused") {
      this.refused(read.reply, read.fatal);
      return null;
    }
    if (read.kind === "end") {
      this.inputEnded(read.why);
      return null;
    }
    const [response, ...extra] = read.tokens;
    if (response?.kind !== "string" || extra.length > 0) {
      this.invalid("Expected one string as the SASL response");
      return null;
    }
    return response.value.toString("latin1") === "*" ? "cancel" : response.value;
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
    this.commands = this.newCommands();
    this.tls = true;
    this.secure = true;
    // RFC 5804 §2.2: the capabilities again, now that TLS may change them (SASL PLAIN appears).
    this.send(this.capabilities());
  }

  loggedIn(account: Account, untrack: (() => void) | undefined): void {
    if (this.state.kind !== "unauthenticated") return untrack?.();
    this.state = { kind: "authenticated", account };
    this.untrack = untrack;
  }

  /** UNAUTHENTICATE (RFC 5804 §2.14): back to the start, the credential no longer tied to this session. */
  loggedOut(): void {
    if (this.state.kind !== "authenticated") return;
    this.untrack?.();
    this.untrack = undefined;
    this.state = { kind: "unauthenticated" };
  }

  authFailed(): void {
    if (++this.authFailures < this.config.limits.maxAuthFailures) return;
    this.log.info({ failures: this.authFailures }, "too many failed logins; closing");
    this.close(bye("Too many failed logins"));
  }

  private newInput(socket: net.Socket): SessionInput {
    return new SessionInput(socket, { idleMs: this.config.limits.loginTimeoutMs, closing: this.io.closing, beforeWait: () => this.out.flush() });
  }

  private newCommands(): CommandInput {
    // A refused literal up to 16 times the script limit is dropped; a larger one ends the session.
    return new CommandInput(this.input, { maxLineBytes: this.config.limits.maxLineBytes, maxSkipBytes: 16 * (this.backend.maxScriptBytes + nameRoom) });
  }

  private end(): void {
    if (this.state.kind === "ended") return;
    this.untrack?.();
    this.state = { kind: "ended" };
    this.out.flush();
    this.input.detach();
    endSocket(this.socket);
  }
}
