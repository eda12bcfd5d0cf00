// Test harness for the POP3 server: a real store (SQLite in a temporary folder, or the store a
// forEachDialect suite opens, so the same tests run on PostgreSQL), the real core (accounts,
// authenticate(), mailbox operations and events, maildrops with their lock, POP3 settings),
// the POP3 server on 127.0.0.1 port 0 and, on the same core, the IMAP server (to see what IMAP
// sessions see). behindProxy makes 127.0.0.1 a trusted proxy, so a client can present a
// remote (not loopback, so not secure) address with a PROXY v1 header.
import path from "node:path";
import type { TestContext } from "node:test";
import { pino } from "pino";
import { createAuthenticator } from "../../../src/core/auth/authenticate.js";
import { LiveSessions } from "../../../src/core/security/live-sessions.js";
import { InProcessMaildropLocks } from "../../../src/core/maildrop/lock.js";
import { MaildropService } from "../../../src/core/maildrop/service.js";
import { Pop3SettingsService } from "../../../src/core/maildrop/settings.js";
import { InProcessMailboxEvents } from "../../../src/core/mailstore/events.js";
import { MailboxOperations } from "../../../src/core/mailstore/operations.js";
import type { Store } from "../../../src/core/ports/store.js";
import { startImapServer } from "../../../src/protocols/imap/server.js";
import { encodeProxyV1 } from "../../../src/protocols/net/proxy-protocol.js";
import { startPop3Server, type Pop3Limits } from "../../../src/protocols/pop3/server.js";
import { CidrSet } from "../../../src/shared/ip.js";
import { openStore } from "../../../src/store/open.js";
import { TestClock } from "../../support/clock.js";
import { coreFor } from "../../support/core.js";
import type { CertPair } from "../../support/self-signed.js";
import type { OpenTestStore } from "../../support/stores.js";
import { tempDir } from "../../support/temp.js";
import { connectTcp, wire, type WireClient } from "../../support/wire.js";

export const password = "correct horse battery";
/** alice reads mail; carol is suspended; dave is the one the throttle tests lock out. */
export const users = { alice: "alice@example.com", carol: "carol@example.com", dave: "dave@example.com" } as const;

export interface Pop3TestServer {
  readonly port: number;
  readonly imapPort: number;
  readonly store: Store;
  readonly mailboxes: MailboxOperations;
  readonly settings: Pop3SettingsService;
  /** The sessions authenticate() registered (revoking a credential ends them). */
  readonly live: LiveSessions;
  readonly aliceId: number;
  /** Puts a message in alice's INBOX (or `folder`); returns its UID. */
  deliver(raw: Buffer | string, folder?: string): Promise<number>;
}

export interface Pop3TestOptions {
  readonly limits?: Partial<Pop3Limits>;
  readonly tls?: CertPair;
  readonly implicitTls?: boolean;
  readonly behindProxy?: boolean;
  readonly open?: OpenTestStore;
  /** Failed logins of one account+network before the throttle blocks it. */
  readonly blockAfterFailures?: number;
}

export async function startTestPop3(t: TestContext, opts: Pop3TestOptions = {}): Promise<Pop3TestServer> {
  const store = opts.open ? await opts.open(t) : await openStore({ sqlitePath: path.join(tempDir(t), "moat.db") });
  if (!opts.open) t.after(() => store.close());
  const clock = new TestClock();
  const { accounts, blobs, passwords } = coreFor(t, store, clock);
  await accounts.addDomain("example.com");
  const alice = await accounts.addUser({ address: users.alice, password });
  await accounts.addUser({ address: users.carol, password });
  await accounts.setStatus(users.carol, "suspended");
  await accounts.addUser({ address: users.dave, password });
  const events = new InProcessMailboxEvents();
  const mailboxes = new MailboxOperations(store, blobs, clock, events);
  const throttle = { failureDelayMs: 0, maxFailureDelayMs: 0, blockAfterFailures: opts.blockAfterFailures ?? 100, blockMs: 60_000, windowMs: 60_000 };
  const live = new LiveSessions();
  const authenticate = createAuthenticator({ store, clock, passwords, throttle, liveSessions: live });
  const logger = pino({ level: "silent" });
  const trustedProxies = opts.behindProxy ? CidrSet.parse(["127.0.0.1/32"]) : undefined;
  const server = await startPop3Server({
    implicitTls: opts.implicitTls ?? false,
    host: "127.0.0.1",
    port: 0,
    hostname: "pop.example.com",
    tls: opts.tls,
    trustedProxies,
    backend: { authenticate, maildrops: new MaildropService(store, mailboxes, new InProcessMaildropLocks()) },
    limits: opts.limits,
    logger,
    closeGraceMs: 0,
  });
  t.after(() => server.close(0));
  const imap = await startImapServer({
    implicitTls: false,
    host: "127.0.0.1",
    port: 0,
    hostname: "imap.example.com",
    backend: { authenticate, mailboxes, events, bodies: store.messages },
    logger,
    closeGraceMs: 0,
  });
  t.after(() => imap.close(0));
  return {
    port: server.port,
    imapPort: imap.port,
    store,
    mailboxes,
    settings: new Pop3SettingsService(store, accounts),
    live,
    aliceId: alice.id,
    deliver: async (raw, folder = "INBOX") => (await mailboxes.append(alice.id, folder, Buffer.from(raw))).uid,
  };
}

/** A transcript client over a raw socket: one line in, one reply (or multi-line reply) out. */
export class RawPop3 {
  private offset = 0;
  constructor(readonly wire: WireClient) {}

  /** Connects and reads the greeting; `remoteIp` sends a PROXY header first (behindProxy). */
  static async connect(port: number, remoteIp?: string): Promise<RawPop3> {
    const socket = await connectTcp(port);
    if (remoteIp !== undefined) socket.write(encodeProxyV1({ address: remoteIp, port: 40000 }, { address: "127.0.0.1", port }));
    const client = new RawPop3(wire(socket));
    await client.line();
    return client;
  }

  /** The next reply line. */
  async line(): Promise<string> {
    return this.read((text) => text.indexOf("\r\n"));
  }

  /** The next multi-line reply, up to and with its "." line. */
  async multiline(): Promise<string> {
    return this.read((text) => {
      if (text.startsWith("-ERR")) return text.indexOf("\r\n");
      const end = text.indexOf("\r\n.\r\n");
      return end < 0 ? -1 : end + 3;
    });
  }

  /** Sends a line and returns the one-line reply. */
  async cmd(line: string): Promise<string> {
    await this.wire.write(`${line}\r\n`);
    return this.line();
  }

  /** Sends a line and returns the multi-line reply. */
  async cmdMulti(line: string): Promise<string> {
    await this.wire.write(`${line}\r\n`);
    return this.multiline();
  }

  async login(user: string = users.alice, pass: string = password): Promise<string> {
    await this.cmd(`USER ${user}`);
    return this.cmd(`PASS ${pass}`);
  }

  /** Everything the server sent after what was read. */
  get unread(): string {
    return this.wire.text.slice(this.offset);
  }

  /** Resolves once the server has closed the connection. */
  get closed(): Promise<void> {
    return this.wire.closed;
  }

  drop(): void {
    this.wire.socket.destroy();
  }

  private async read(end: (text: string) => number): Promise<string> {
    let found = "";
    await this.wire.until((text) => {
      const rest = text.slice(this.offset);
      const at = end(rest);
      if (at < 0) return false;
      found = rest.slice(0, at + 2);
      return true;
    });
    this.offset += found.length;
    return found;
  }
}

export function message(subject: string, body = "Hello there.\r\n"): string {
  return `From: Bob <bob@example.net>\r\nTo: Alice <alice@example.com>\r\nSubject: ${subject}\r\nDate: Thu, 26 Nov 2026 12:00:00 +0000\r\nMessage-ID: <${subject.replace(/\W/g, "")}@example.net>\r\n\r\n${body}`;
}
