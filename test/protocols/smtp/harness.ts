// Test harness for the SMTP session: a real server on 127.0.0.1 port 0 with a small MailFlow
// and authenticate() that record what they were asked (core is tested on its own), a log
// capture, and a transcript client that reads whole replies (multi-line included).
import assert from "node:assert/strict";
import { Writable } from "node:stream";
import type { TestContext } from "node:test";
import { pino, type Logger } from "pino";
import type { Authenticate } from "../../../src/core/auth/authenticate.js";
import type { AuthResult, LoginContext } from "../../../src/core/auth/types.js";
import type { Envelope, MailFlow, Origin, Verdict } from "../../../src/core/flow/types.js";
import { domainOf, localPartOf, type Address } from "../../../src/mail/address.js";
import { encodeProxyV1 } from "../../../src/protocols/net/proxy-protocol.js";
import { startSmtpServer, type SmtpLimits, type SmtpServer, type SmtpServerOptions } from "../../../src/protocols/smtp/server/server.js";
import { CidrSet } from "../../../src/shared/ip.js";
import { connectTcp, connectTls, wire, type WireClient } from "../../support/wire.js";

export const localDomain = "example.com";
export const alice = { id: 7, address: "alice@example.com", password: "correct horse battery" };

export const testLimits: SmtpLimits = {
  max_message_bytes: 10_000,
  max_recipients: 100,
  bare_lf: "normalize",
  idle_timeout_seconds: 30,
  max_session_seconds: 600,
  max_connections_per_ip: 50,
  max_auth_failures: 3,
  max_junk_commands: 10,
};

export interface StoredMessage {
  readonly origin: Origin;
  readonly envelope: Envelope;
  readonly message: Buffer;
}

/**
 * Local recipients are @example.com; "nobody" is unknown, "later" is a temporary failure,
 * "broken" makes the directory throw (as does the sender broken@example.net). Other domains are refused as relaying from MX. A message
 * with "X-Fail: store" throws in process, as a failed write would.
 */
export class RecordingFlow implements MailFlow {
  readonly senders: (Address | null)[] = [];
  readonly recipients: Address[] = [];
  readonly messages: StoredMessage[] = [];

  async checkSender(origin: Origin, mailFrom: Address | null): Promise<Verdict> {
    this.senders.push(mailFrom);
    if (mailFrom === "broken@example.net") throw new Error("policy store unreachable");
    if (mailFrom === "blocked@example.net") return { kind: "reject", reason: "policy", text: "Sender blocked by policy\r\n250 fake" };
    if (origin.kind === "submission" && mailFrom !== origin.user) return { kind: "reject", reason: "sender_not_owned", text: "Sender address rejected: not owned by user" };
    return { kind: "accept" };
  }

  async checkRecipient(origin: Origin, _mailFrom: Address | null, recipient: Address): Promise<Verdict> {
    const local = localPartOf(recipient);
    if (local === "broken") throw new Error("directory unreachable");
    if (local === "later") return { kind: "tempfail", reason: "unavailable", text: "Try again later" };
    if (domainOf(recipient) !== localDomain && origin.kind === "mx") return { kind: "reject", reason: "relay_denied", text: "Relay access denied" };
    if (local === "nobody") return { kind: "reject", reason: "unknown_recipient", text: "No such user here" };
    this.recipients.push(recipient);
    return { kind: "accept" };
  }

  async process(origin: Origin, envelope: Envelope, message: Buffer): Promise<Verdict> {
    if (message.includes("X-Fail: store")) throw new Error("disk full");
    this.messages.push({ origin, envelope, message });
    return { kind: "accept", id: `Q${this.messages.length}` };
  }
}

export class RecordingAuth {
  readonly calls: { identity: string; secret: string; context: LoginContext }[] = [];
  /** When set, authenticate() throws it (a store failure). */
  failure: Error | null = null;
  readonly fn: Authenticate = async (channel, identity, secret, context): Promise<AuthResult> => {
    assert.equal(channel, "smtp");
    this.calls.push({ identity, secret, context });
    if (this.failure) throw this.failure;
    if (identity === "throttled@example.com") return { ok: false, reason: "throttled", publicMessage: "Too many failed logins; try again later", temporary: true };
    if (identity.toLowerCase() === alice.address && secret === alice.password) return { ok: true, userId: alice.id, address: alice.address };
    return { ok: false, reason: "invalid_credentials", publicMessage: "Authentication failed", temporary: false };
  };
}

export interface LogLine {
  level: number;
  msg: string;
  [key: string]: unknown;
}

export function captureLogger(): { logger: Logger; lines: LogLine[] } {
  const lines: LogLine[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _enc, done) {
      lines.push(JSON.parse(chunk.toString()) as LogLine);
      done();
    },
  });
  return { logger: pino({ level: "debug" }, sink), lines };
}

export interface TestServer {
  readonly server: SmtpServer;
  readonly port: number;
  readonly flow: RecordingFlow;
  readonly auth: RecordingAuth;
  readonly logs: LogLine[];
}

export type TestServerOptions = Partial<Omit<SmtpServerOptions, "limits">> & { limits?: Partial<SmtpLimits>; behindProxy?: boolean };

/** A server for one test, closed when it ends. behindProxy: 127.0.0.1 is a trusted proxy (clients use connectAs). */
export async function startTestServer(t: TestContext, opts: TestServerOptions = {}): Promise<TestServer> {
  const flow = new RecordingFlow();
  const auth = new RecordingAuth();
  const { logger, lines } = captureLogger();
  const { limits, behindProxy, ...rest } = opts;
  const server = await startSmtpServer({
    role: "mx",
    host: "127.0.0.1",
    port: 0,
    hostname: "mx.example.com",
    flow,
    authenticate: auth.fn,
    logger,
    closeGraceMs: 0,
    ...(behindProxy ? { trustedProxies: CidrSet.parse(["127.0.0.1/32"]) } : {}),
    ...rest,
    limits: { ...testLimits, ...limits },
  });
  t.after(() => server.close(0));
  return { server, port: server.port, flow, auth, logs: lines };
}

/** A transcript client: sends lines and reads whole replies in order. */
export class SmtpClient {
  private offset = 0;
  constructor(readonly wire: WireClient) {}

  /** Connects and reads the greeting. */
  static async connect(port: number): Promise<SmtpClient> {
    const client = new SmtpClient(wire(await connectTcp(port)));
    await client.expect("220 ");
    return client;
  }

  /** Connects through a trusted-proxy header so the server sees `ip` (not loopback, not secure). */
  static async connectAs(port: number, ip: string): Promise<SmtpClient> {
    const socket = await connectTcp(port);
    socket.write(encodeProxyV1({ address: ip, port: 40000 }, { address: "127.0.0.1", port }));
    const client = new SmtpClient(wire(socket));
    await client.expect("220 ");
    return client;
  }

  /** The next complete reply (all its lines). */
  async reply(): Promise<string> {
    let found = "";
    await this.wire.until((text) => {
      const end = replyEnd(text, this.offset);
      if (end < 0) return false;
      found = text.slice(this.offset, end);
      return true;
    });
    this.offset += found.length;
    return found;
  }

  async expect(prefix: string): Promise<string> {
    const r = await this.reply();
    assert.ok(r.startsWith(prefix), `expected a reply starting ${JSON.stringify(prefix)}, got ${JSON.stringify(r)}`);
    return r;
  }

  async write(data: string | Buffer): Promise<void> {
    await this.wire.write(data);
  }

  /** Sends one command line and checks the reply's start. */
  async cmd(line: string, prefix: string): Promise<string> {
    await this.write(`${line}\r\n`);
    return this.expect(prefix);
  }

  /** Everything received and not yet read as a reply. */
  get unread(): string {
    return this.wire.text.slice(this.offset);
  }

  /** TLS over this connection (after "220 Ready to start TLS"); a new client on the TLS socket. */
  async upgrade(): Promise<SmtpClient> {
    return new SmtpClient(wire(await connectTls(this.wire.socket)));
  }

  close(): void {
    this.wire.socket.destroy();
  }
}

/** Where the reply starting at `from` ends (after the CRLF of its "NNN " line), or -1. */
export function replyEnd(text: string, from: number): number {
  let pos = from;
  for (;;) {
    const eol = text.indexOf("\r\n", pos);
    if (eol < 0) return -1;
    if (/^\d{3}(?: |$)/.test(text.slice(pos, eol))) return eol + 2;
    pos = eol + 2;
  }
}

/** The replies in a transcript, as their first lines' codes: "250", "354", … */
export function codesOf(text: string): string[] {
  const codes: string[] = [];
  for (let pos = 0, end = replyEnd(text, 0); end > 0; pos = end, end = replyEnd(text, pos)) codes.push(text.slice(pos, pos + 3));
  return codes;
}
