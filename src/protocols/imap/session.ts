// One IMAP4rev1 session (RFC 3501 §3, §5): greet, then read one command at a time, dispatch it
// to its command module if valid in the current state, report the selected mailbox's changes,
// and answer. Limits (commands before login, invalid commands, failed logins, idle time) end
// the session with BYE (§7.1.5), never a crash or a hang.
import { randomBytes } from "node:crypto";
import type net from "node:net";
import type tls from "node:tls";
import type { Logger } from "pino";
import { isMoatError } from "../../shared/errors.js";
import { upgradeToTls } from "../net/listener.js";
import type { ImapBackend, ImapLimits } from "./backend.js";
import { ImapParseError, type ResponseCode } from "./codec/codes.js";
import type { ImapCommand } from "./codec/lexer.js";
import { defaultReaderLimits } from "./codec/reader.js";
import { tagged, untagged, untaggedStatus } from "./codec/response.js";
import { formatSequenceSet } from "./codec/sequence.js";
import { commands } from "./commands/index.js";
import type { ImapUser, Reply, SessionContext, SessionState } from "./context.js";
import { flagsItem } from "./fetch-items.js";
import { ImapInput } from "./input.js";
import { newKeywords } from "./mailbox-flags.js";
import { MAX_UID, toUidSet, type MailboxView } from "./view.js";

export interface SessionConfig {
  readonly hostname: string;
  readonly backend: ImapBackend;
  readonly limits: ImapLimits;
  /** The certificate for STARTTLS, when offered. */
  readonly secureContext: (() => tls.SecureContext) | null;
}

export interface SessionIo {
  readonly socket: net.Socket;
  readonly ip: string;
  readonly secure: boolean;
  readonly tls: boolean;
  readonly closing: AbortSignal;
}

/** A client that neither reads our last reply nor closes is cut after this long. */
const lingerMs = 10_000;
/** What every session offers; LITERAL+ (RFC 7888): the reader skips a refused non-synchronising literal. */
const staticCapabilities = [
  "IMAP4rev1", "LITERAL+", "SASL-IR", "ID", "ENABLE", "IDLE", "NAMESPACE", "UIDPLUS", "MOVE", "UNSELECT", "CONDSTORE", "QRESYNC",
  "SPECIAL-USE", "CHILDREN", "LIST-EXTENDED", "QUOTA", "QUOTA=RES-STORAGE", "MULTIAPPEND", "ESEARCH",
];
/** Where EXPUNGE may not be sent: the numbers the client just used must stay valid (§7.4.1). */
const noExpungeDuring = new Set(["FETCH", "STORE", "SEARCH"]);

export class ImapSession implements SessionContext {
  log: Logger;
  readonly id = randomBytes(9).toString("base64url");
  readonly enabled = new Set<string>();
  state: SessionState = "not-authenticated";
  user: ImapUser | null = null;
  clientId: string | undefined;
  selected: MailboxView | null = null;
  secure: boolean;
  tls: boolean;
  private socket: net.Socket;
  private input: ImapInput;
  private ended = false;
  private commandsBeforeLogin = 0;
  private invalid = 0;
  private authFailures = 0;
  private live = false;

  constructor(
    private readonly config: SessionConfig,
    private readonly io: SessionIo,
    logger: Logger,
  ) {
    this.log = logger.child({ session: this.id, ip: io.ip });
    this.socket = io.socket;
    this.secure = io.secure;
    this.tls = io.tls;
    this.input = this.newInput(io.socket);
    this.socket.on("error", (err) => this.log.debug({ err: err.message }, "socket error"));
    // A reply is often several writes (untagged data, then the tagged line): with Nagle on, the
    // later ones wait for the client's delayed ACK, about 40 ms per command.
    this.socket.setNoDelay(true);
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
    return this.config.secureContext !== null && !this.tls;
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
      const event = await this.input.next();
      if (this.ended) break;
      switch (event.kind) {
        case "end":
          if (event.why === "timeout") this.bye("Autologout; idle for too long");
          else if (event.why === "closing") this.bye("Server shutting down", { code: "UNAVAILABLE" });
          else this.end();
          break;
        case "continue":
          this.send("+ Ready for literal data\r\n");
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
          // RFC 5530: the mailbox has children and we keep no \Noselect placeholders.
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
    if (this.ended || this.socket.destroyed) return;
    this.socket.write(data);
  }

  async readLine(): Promise<Buffer | "too-long" | null> {
    const line = await this.input.readLine();
    if (Buffer.isBuffer(line) || line === "too-long") return line;
    if (line === "timeout") this.bye("Autologout; idle for too long");
    else if (line === "closing") this.bye("Server shutting down", { code: "UNAVAILABLE" });
    else this.end();
    return null;
  }

  async startTls(tag: string): Promise<void> {
    const secureContext = this.config.secureContext;
    if (secureContext === null) return;
    // CVE-2011-0411: what the client pipelined after STARTTLS came in plaintext; drop it.
    this.input.detach();
    await new Promise<void>((resolve) => this.socket.write(tagged(tag, "OK", "Begin TLS negotiation now"), () => resolve()));
    if (this.socket.destroyed) return this.end();
    try {
      this.socket = await upgradeToTls(this.socket, secureContext());
      this.socket.on("error", (err) => this.log.debug({ err: err.message }, "socket error"));
    } catch (err) {
      this.log.info({ err: (err as Error).message }, "STARTTLS handshake failed");
      this.ended = true;
      return;
    }
    this.input = this.newInput(this.socket);
    this.tls = true;
    this.secure = true;
  }

  loggedIn(user: ImapUser): void {
    this.user = user;
    this.state = "authenticated";
    this.input.timeoutMs = this.limits.idleTimeoutMs;
    this.log = this.log.child({ userId: user.userId });
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

  private newInput(socket: net.Socket): ImapInput {
    const { maxMessageBytes, maxLineBytes, maxCommandBytes } = this.config.limits;
    const limits = {
      ...defaultReaderLimits,
      maxLine: maxLineBytes,
      maxCommand: maxCommandBytes,
      maxLiteral: (name: string | null) => (name === "APPEND" ? maxMessageBytes : maxCommandBytes),
    };
    const timeout = this.user === null ? this.config.limits.preLoginIdleTimeoutMs : this.config.limits.idleTimeoutMs;
    return new ImapInput(socket, limits, this.io.closing, timeout);
  }

  /** Waits while the client is not reading our responses: no more input until it does. */
  private async drained(): Promise<boolean> {
    if (!this.socket.writableNeedDrain) return !this.ended;
    const socket = this.socket;
    const ok = await new Promise<boolean>((resolve) => {
      const timer = setTimeout(() => done(false), this.limits.idleTimeoutMs);
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
    this.live = false;
    const socket = this.socket;
    this.input.detach();
    socket.resume();
    socket.end();
    const timer = setTimeout(() => socket.destroy(), lingerMs);
    timer.unref();
    socket.once("close", () => clearTimeout(timer));
  }
}

function sameSet(a: readonly string[], b: readonly string[]): boolean {
  const set = new Set(a.map((f) => f.toLowerCase()));
  return a.length === b.length && b.every((f) => set.has(f.toLowerCase()));
}
