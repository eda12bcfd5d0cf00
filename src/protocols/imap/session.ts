// One IMAP4rev1 session (RFC 3501 §3, §5): greet, then read one command at a time, dispatch it
// to its command module if valid in the current state, report the selected mailbox's changes,
// and answer. Limits (commands before login, invalid commands, failed logins, idle time) end
// the session with BYE (§7.1.5), never a crash or a hang.
import { randomBytes } from "node:crypto";
import type net from "node:net";
import type { Logger } from "pino";
import { isMoatError } from "../../shared/errors.js";
import type { SessionIo } from "../net/mail-server.js";
import { SessionInput, type InputEnd } from "../net/session-input.js";
import { endSocket, ReplyWriter } from "../net/session-output.js";
import { startTls } from "../net/starttls.js";
import type { ImapBackend, ImapLimits } from "./backend.js";
import { ImapParseError, type ResponseCode } from "./codec/codes.js";
import type { ImapCommand } from "./codec/lexer.js";
import { defaultReaderLimits, type ReaderLimits } from "./codec/reader.js";
import { tagged, untagged, untaggedStatus } from "./codec/response.js";
import { formatSequenceSet } from "./codec/sequence.js";
import { CommandInput } from "./command-input.js";
import { commands } from "./commands/index.js";
import type { ImapUser, Reply, SessionContext, SessionState } from "./context.js";
import { flagsItem } from "./fetch-items.js";
import { newKeywords } from "./mailbox-flags.js";
import { MAX_UID, toUidSet, type MailboxView } from "./view.js";

export interface SessionConfig {
  readonly hostname: string;
  readonly backend: ImapBackend;
  readonly limits: ImapLimits;
}
/** What every session offers; LITERAL+ (RFC 7888): the reader skips a refused non-synchronising literal. */
const staticCapabilities = [
  "IMAP4rev1", "LITERAL+", "SASL-IR", "ID", "ENABLE", "IDLE", "NAMESPACE", "UIDPLUS", "MOVE", "UNSELECT", "CONDSTORE", "QRESYNC",
  "SPECIAL-USE", "CHILDREN", "LIST-EXTENDED", "QUOTA", "QUOTA=RES-STORAGE", "MULTIAPPEND", "ESEARCH",
];
/** Where EXPUNGE may not be sent: the numbers the client just used must stay valid (§7.4.1). */
const noExpungeDuring = new Set(["FETCH", "STORE", "SEARCH"]);

export class ImapSession implements SessionContext {
  /** Made when first used (see log): most sessions log nothing at the levels servers run at. */
  private sessionLog: Logger | undefined;
  readonly enabled = new Set<string>();
  state: SessionState = "not-authenticated";
  user: ImapUser | null = null;
  clientId: string | undefined;
  selected: MailboxView | null = null;
  secure: boolean;
  tls: boolean;
  private socket: net.Socket;
  private input: SessionInput;
  private commandInput: CommandInput;
  private readonly out: ReplyWriter;
  private readonly readerLimits: ReaderLimits;
  private ended = false;
  private commandsBeforeLogin = 0;
  private invalid = 0;
  private authFailures = 0;
  private live = false;

  constructor(
    private readonly config: SessionConfig,
    private readonly io: SessionIo,
    private readonly baseLog: Logger,
  ) {
    this.socket = io.socket;
    this.secure = io.secure;
    this.tls = io.tls;
    const { maxMessageBytes, maxLineBytes, maxCommandBytes } = config.limits;
    this.readerLimits = {
      ...defaultReaderLimits,
      maxLine: maxLineBytes,
      maxCommand: maxCommandBytes,
      maxLiteral: (name: string | null) => (name === "APPEND" ? maxMessageBytes : maxCommandBytes),
    };
    this.input = this.newInput(io.socket, config.limits.preLoginIdleTimeoutMs);
    this.commandInput = new CommandInput(this.input, this.readerLimits);
    // Untagged data written during IDLE, while we wait for DONE, leaves at once; replies to
    // pipelined commands leave together, and so do a command's untagged lines and its reply.
    this.out = new ReplyWriter(io.socket, () => this.input.buffered && !this.input.waiting, true);
    this.socket.on("error", (err) => this.log.debug({ err: err.message }, "socket error"));
  }

  /**
   * The session's logger, with its id, the client address and, once logged in, the account.
   * A pino child and a random id per connection were a visible part of a login-per-connection
   * client's CPU (decision 0031), so both wait for the first line logged.
   */
  get log(): Logger {
    this.sessionLog ??= this.baseLog.child({ session: randomBytes(9).toString("base64url"), ip: this.io.ip, ...(this.user ? { userId: this.user.userId } : {}) });
    return this.sessionLog;
  }

  get backend(): ImapBackend {
    return this.config.backend;
  }
  get limits(): ImapLimits {
    return this.config.limits;
  }
  get hostname(): string {
    return this.config.hostname;
  }
  get ip(): string {
    return this.io.ip;
  }
  get startTlsAvailable(): boolean {
    return this.io.secureContext !== null && !this.tls;
  }

  capabilities(): string[] {
    const caps = [...staticCapabilities, `APPENDLIMIT=${this.limits.maxMessageBytes}`];
    if (this.state === "not-authenticated") {
      if (this.startTlsAvailable) caps.push("STARTTLS");
      caps.push(this.secure ? "AUTH=PLAIN" : "LOGINDISABLED");
    }
    return caps;
  }

  async run(): Promise<void> {
    this.send(untaggedStatus("OK", `${this.hostname} Moat IMAP4rev1 ready`, { code: "CAPABILITY", capabilities: this.capabilities() }));
    while (!this.ended) {
      const event = await this.commandInput.next(() => this.send("+ Ready for literal data\r\n"));
      if (this.ended) break;
      switch (event.kind) {
        case "end":
          this.inputEnded(event.why);
          break;
        case "bad":
          this.answer(event.tag, { status: "BAD", text: event.text, code: event.code });
          break;
        case "too-big":
          if (event.name === "APPEND" && event.reason === "literal") this.answer(event.tag, { status: "NO", text: "Message too big", code: { code: "TOOBIG" } });
          else this.answer(event.tag, { status: "BAD", text: "Literal too big", code: { code: "LIMIT" } });
          break;
        case "fatal":
          this.bye(event.text);
          break;
        case "command":
          await this.execute(event.command);
          break;
      }
      if (!(await this.drained())) break;
    }
    this.selected?.close();
  }

  private async execute(command: ImapCommand): Promise<void> {
    if (this.state === "not-authenticated" && ++this.commandsBeforeLogin > this.limits.maxCommandsBeforeLogin) {
      return this.bye("Too many commands before login");
    }
    const handler = commands.get(command.name);
    let reply: Reply | void;
    if (handler === undefined) reply = { status: "BAD", text: "Unknown command" };
    else if (command.uid && handler.uid !== true) reply = { status: "BAD", text: `UID ${command.name} is not a command` };
    else if (!handler.states.includes(this.state)) reply = { status: "BAD", text: `${command.name} is not allowed in this state` };
    else {
      try {
        reply = await handler.handle(this, command);
      } catch (err) {
        reply = this.errorReply(err, command);
      }
    }
    if (reply === undefined || this.ended) return;
    if (this.selected !== null) await this.sync(command.uid || !noExpungeDuring.has(command.name));
    this.answer(command.tag, reply);
  }

  private errorReply(err: unknown, command: ImapCommand): Reply {
    if (err instanceof ImapParseError) return { status: err.status, text: err.message, code: err.code };
    if (isMoatError(err)) {
      switch (err.code) {
        case "mailbox_not_found":
          return { status: "NO", text: "No such mailbox", code: { code: "NONEXISTENT" } };
        case "mailbox_exists":
          return { status: "NO", text: "Mailbox already exists", code: { code: "ALREADYEXISTS" } };
        case "over_quota":
          return { status: "NO", text: "Over quota", code: { code: "OVERQUOTA" } };
        case "mailbox_not_empty":
          // RFC 3501 §6.3.4: a \Noselect name that still has children cannot be deleted (RFC 5530).
          return { status: "NO", text: "Delete the child mailboxes first", code: { code: "HASCHILDREN" } };
        case "mailbox_protected":
        case "invalid_input":
          return { status: "NO", text: err.message, code: { code: "CANNOT" } };
        default:
          break;
      }
    }
    this.log.error({ err, command: command.name }, "IMAP command failed");
    return { status: "NO", text: "Internal error", code: { code: "SERVERBUG" } };
  }

  private answer(tag: string | null, reply: Reply): void {
    this.send(tagged(tag, reply.status, reply.text, reply.code ?? null));
    if (reply.status === "BAD" && ++this.invalid >= this.limits.maxInvalidCommands) this.bye("Too many invalid commands");
  }

  send(data: string | Buffer): void {
    if (this.ended) return;
    this.out.write(data);
  }

  /** A raw line: IDLE's DONE, an AUTHENTICATE response (RFC 3501 §6.2.2, §6.3.13). */
  async readLine(): Promise<Buffer | "too-long" | null> {
    const read = await this.input.readLine(this.readerLimits.maxLine);
    if (read.kind === "line") return read.line;
    if (read.kind === "too_long") return "too-long";
    this.inputEnded(read.kind);
    return null;
  }

  private inputEnded(why: InputEnd): void {
    if (why === "timeout") this.bye("Autologout; idle for too long");
    else if (why === "closing") this.bye("Server shutting down", { code: "UNAVAILABLE" });
    else this.end();
  }

  /** RFC 3501 §6.2.1; what the client pipelined after STARTTLS is dropped (net/starttls.ts). */
  async startTls(tag: string): Promise<void> {
    const secureContext = this.io.secureContext;
    if (secureContext === null) return;
    const reply = tagged(tag, "OK", "Begin TLS negotiation now");
    const secure = await startTls({ socket: this.socket, input: this.input, out: this.out, reply, secureContext: secureContext(), log: this.log });
    if (secure === null) return this.end();
    this.socket = secure;
    this.socket.on("error", (err) => this.log.debug({ err: err.message }, "socket error"));
    this.out.socket = this.socket;
    this.input = this.newInput(this.socket, this.limits.preLoginIdleTimeoutMs);
    this.commandInput = new CommandInput(this.input, this.readerLimits);
    this.tls = true;
    this.secure = true;
  }

  loggedIn(user: ImapUser): void {
    this.user = user;
    this.state = "authenticated";
    this.input.idleMs = this.limits.idleTimeoutMs;
    if (this.sessionLog) this.sessionLog = this.sessionLog.child({ userId: user.userId });
  }

  authFailed(): void {
    if (++this.authFailures >= this.limits.maxAuthFailures) this.bye("Too many failed logins");
  }

  select(view: MailboxView | null): void {
    this.selected?.close();
    this.selected = view;
    if (view !== null) view.listen((id, listener) => this.backend.events.subscribe(id, listener));
    if (this.state !== "logout") this.state = view === null ? "authenticated" : "selected";
  }

  async sync(expunges: boolean): Promise<void> {
    const view = this.selected;
    if (view === null || this.user === null) return;
    if (expunges && view.pendingExpunge.size > 0) this.reportExpunges(view, [...view.pendingExpunge]);
    if (view.pendingExists.size > 0) await this.reportNewMail(view, this.user.userId);
    if (view.pendingFlags.size > 0) await this.reportFlagChanges(view, this.user.userId);
  }

  /**
   * EXISTS (and RECENT) for mail that arrived. The first session to report a new message takes
   * its \Recent (RFC 3501 §2.3.2): the claim is atomic in the store, so no two sessions share it.
   */
  private async reportNewMail(view: MailboxView, userId: number): Promise<void> {
    view.pendingExists.clear();
    const fresh = await this.backend.mailboxes.messages(userId, view.name, [[view.lastUid + 1, MAX_UID]]);
    let added = 0;
    for (const m of fresh) if (view.add(m)) added++;
    if (added === 0) return;
    if (!view.readOnly) view.claimRecent(await this.backend.mailboxes.claimRecent(userId, view.name));
    this.sendIfAny(newKeywords(view));
    this.send(untagged(`${view.exists} EXISTS`));
    this.send(untagged(`${view.recentCount} RECENT`));
  }

  /** FETCH FLAGS for messages whose flags another session changed (§7.4.2). */
  private async reportFlagChanges(view: MailboxView, userId: number): Promise<void> {
    const uids = [...view.pendingFlags].filter((uid) => view.seqOf(uid) > 0);
    view.pendingFlags.clear();
    if (uids.length === 0) return;
    const rows = await this.backend.mailboxes.messages(userId, view.name, toUidSet(uids));
    const changed = rows.filter((m) => {
      const known = view.flags.get(m.uid);
      return view.seqOf(m.uid) > 0 && (known === undefined || !sameSet(known, m.flags));
    });
    for (const m of changed) view.setFlags(m.uid, m.flags);
    this.sendIfAny(newKeywords(view));
    for (const m of changed) {
      const modseq = this.enabled.has("CONDSTORE") ? ` MODSEQ (${m.modseq})` : "";
      this.send(untagged(`${view.seqOf(m.uid)} FETCH (FLAGS ${flagsItem(view, m.uid, m.flags)} UID ${m.uid}${modseq})`));
    }
  }

  private sendIfAny(data: string): void {
    if (data !== "") this.send(data);
  }

  async condstoreUsed(): Promise<void> {
    if (this.enabled.has("CONDSTORE")) return;
    this.enabled.add("CONDSTORE");
    const view = this.selected;
    if (view === null || this.user === null) return;
    const box = await this.backend.mailboxes.get(this.user.userId, view.name);
    this.send(untaggedStatus("OK", "Highest", { code: "HIGHESTMODSEQ", value: BigInt(box.highestModseq) }));
  }

  /** EXPUNGE responses (or VANISHED under QRESYNC, RFC 7162 §3.2.10) for UIDs leaving the view. */
  reportExpunges(view: MailboxView, uids: readonly number[]): void {
    const gone: number[] = [];
    for (const uid of uids) {
      const seq = view.remove(uid);
      if (seq === 0) continue;
      gone.push(uid);
      if (!this.enabled.has("QRESYNC")) this.send(untagged(`${seq} EXPUNGE`));
    }
    if (gone.length > 0 && this.enabled.has("QRESYNC")) this.send(untagged(`VANISHED ${formatSequenceSet(gone)}`));
  }

  expunged(uids: readonly number[]): void {
    if (this.selected !== null) this.reportExpunges(this.selected, uids);
  }

  liveUpdates(): () => void {
    const view = this.selected;
    if (view === null) return () => {};
    this.live = true;
    const flush = () => {
      if (!this.live) return;
      this.sync(true).catch((err: unknown) => this.log.warn({ err }, "IDLE update failed"));
    };
    view.onChange = flush;
    flush();
    return () => {
      this.live = false;
      view.onChange = null;
    };
  }

  close(): void {
    this.state = "logout";
    this.end();
  }

  bye(text: string, code: ResponseCode | null = null): void {
    if (this.ended) return;
    this.send(untaggedStatus("BYE", text, code));
    this.state = "logout";
    this.end();
  }

  private newInput(socket: net.Socket, idleMs: number): SessionInput {
    return new SessionInput(socket, { idleMs, closing: this.io.closing, beforeWait: () => this.out.flush() });
  }

  /** Waits while the client is not reading our responses: no more input until it does. */
  private async drained(): Promise<boolean> {
    if (!(await this.out.drained(this.limits.idleTimeoutMs))) this.ended = true;
    return !this.ended;
  }

  private end(): void {
    if (this.ended) return;
    this.ended = true;
    this.live = false;
    this.out.flush();
    this.input.detach();
    endSocket(this.socket);
  }
}

function sameSet(a: readonly string[], b: readonly string[]): boolean {
  const set = new Set(a.map((f) => f.toLowerCase()));
  return a.length === b.length && b.every((f) => set.has(f.toLowerCase()));
}
