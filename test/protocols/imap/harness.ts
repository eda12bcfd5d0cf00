// Test harness for the IMAP server: a real store (SQLite in a temporary folder, or the store a
// forEachDialect suite opens, so the same tests run on PostgreSQL), the real core
// (accounts, authenticate(), mailbox operations, the in-process events bus) and the server on
// 127.0.0.1 port 0. behindProxy makes 127.0.0.1 a trusted proxy, so a raw client can present
// a remote address with a PROXY v1 header.
import assert from "node:assert/strict";
import path from "node:path";
import type { TestContext } from "node:test";
import { pino } from "pino";
import { createAuthenticator } from "../../../src/core/auth/authenticate.js";
import { InProcessMailboxEvents } from "../../../src/core/mailstore/events.js";
import { MailboxOperations } from "../../../src/core/mailstore/operations.js";
import type { Store } from "../../../src/core/ports/store.js";
import { encodeProxyV1 } from "../../../src/protocols/net/proxy-protocol.js";
import type { ImapBackend, ImapLimits } from "../../../src/protocols/imap/backend.js";
import { startImapServer, type ImapServer } from "../../../src/protocols/imap/server.js";
import { CidrSet } from "../../../src/shared/ip.js";
import { openStore } from "../../../src/store/open.js";
import { TestClock } from "../../support/clock.js";
import { coreFor } from "../../support/core.js";
import type { CertPair } from "../../support/self-signed.js";
import type { OpenTestStore } from "../../support/stores.js";
import { tempDir } from "../../support/temp.js";
import { connectTcp, wire, type WireClient } from "../../support/wire.js";

export const alice = { address: "alice@example.com", password: "correct horse battery" };

export interface ImapTestServer {
  readonly server: ImapServer;
  readonly port: number;
  readonly backend: ImapBackend;
  readonly userId: number;
  readonly store: Store;
  readonly clock: TestClock;
  /**
   * How often the server loaded a stored index or text, or raw bytes (SEARCH must not for row-only
   * keys), per message; of the raw reads, `whole` are of whole messages, `headers` of kept headers.
   */
  readonly reads: { index: number; raw: number; whole: number; headers: number };
}

export interface ImapTestOptions {
  readonly limits?: Partial<ImapLimits>;
  readonly tls?: CertPair;
  readonly behindProxy?: boolean;
  /** The store to serve (a forEachDialect opener); SQLite in a temporary folder when absent. */
  readonly open?: OpenTestStore;
  /** alice's storage quota in bytes (0, the default, is none). */
  readonly quotaBytes?: number;
}

export async function startTestImap(t: TestContext, opts: ImapTestOptions = {}): Promise<ImapTestServer> {
  const store = opts.open ? await opts.open(t) : await openStore({ sqlitePath: path.join(tempDir(t), "moat.db") });
  if (!opts.open) t.after(() => store.close());
  const clock = new TestClock();
  const { accounts, blobs, passwords } = coreFor(t, store, clock);
  await accounts.addDomain("example.com");
  const user = await accounts.addUser({ address: alice.address, password: alice.password, quotaBytes: opts.quotaBytes });
  const events = new InProcessMailboxEvents();
  const mailboxes = new MailboxOperations(store, blobs, clock, events);
  const reads = { index: 0, raw: 0, whole: 0, headers: 0 };
  const readRaw = mailboxes.read.bind(mailboxes);
  mailboxes.read = (m) => {
    reads.raw++;
    reads.whole++;
    return readRaw(m);
  };
  const readMany = mailboxes.readMany.bind(mailboxes);
  mailboxes.readMany = (messages) => {
    reads.raw += messages.length;
    reads.whole += messages.length;
    return readMany(messages);
  };
  const throttle = { failureDelayMs: 0, maxFailureDelayMs: 0, blockAfterFailures: 100, blockMs: 60_000, windowMs: 60_000 };
  const backend: ImapBackend = {
    authenticate: createAuthenticator({ store, clock, passwords, throttle }),
    mailboxes,
    events,
    bodies: {
      getSummary: (hash) => {
        reads.index++;
        return store.messages.getSummary(hash);
      },
      getSummaries: (hashes) => {
        reads.index += hashes.length;
        return store.messages.getSummaries(hashes);
      },
      getBodyText: (hash) => {
        reads.index++;
        return store.messages.getBodyText(hash);
      },
      getBodyTexts: (hashes) => {
        reads.index += hashes.length;
        return store.messages.getBodyTexts(hashes);
      },
      // The header bytes SEARCH HEADER reads: a read of the message, if only its first bytes.
      getHeaders: (hashes) => {
        reads.raw += hashes.length;
        reads.headers += hashes.length;
        return store.messages.getHeaders(hashes);
      },
      getPrefixes: (hashes, length) => {
        reads.raw += hashes.length;
        return store.messages.getPrefixes(hashes, length);
      },
    },
  };
  const server = await startImapServer({
    implicitTls: false,
    host: "127.0.0.1",
    port: 0,
    hostname: "imap.example.com",
    tls: opts.tls,
    trustedProxies: opts.behindProxy ? CidrSet.parse(["127.0.0.1/32"]) : undefined,
    backend,
    limits: opts.limits,
    logger: pino({ level: "silent" }),
    closeGraceMs: 0,
  });
  t.after(() => server.close(0));
  return { server, port: server.port, backend, userId: user.id, store, clock, reads };
}

/** A transcript client over a raw socket: send a tagged command, wait for its tagged reply. */
export class RawImap {
  private offset = 0;
  constructor(readonly wire: WireClient) {}

  static async connect(port: number, remoteIp?: string): Promise<RawImap> {
    const socket = await connectTcp(port);
    if (remoteIp !== undefined) socket.write(encodeProxyV1({ address: remoteIp, port: 40000 }, { address: "127.0.0.1", port }));
    const client = new RawImap(wire(socket));
    await client.read((text) => text.includes("\r\n"));
    return client;
  }

  /** A connected client logged in as alice (tag "l0"). */
  static async login(port: number): Promise<RawImap> {
    const client = await RawImap.connect(port);
    const reply = await client.cmd("l0", `LOGIN ${alice.address} "${alice.password}"`);
    if (!/^l0 OK/m.test(reply)) throw new Error(`login failed: ${reply}`);
    return client;
  }

  /** Everything received since the last read, once `done` holds for it. */
  async read(done: (text: string) => boolean): Promise<string> {
    const text = await this.wire.until((all) => done(all.slice(this.offset)));
    const out = text.slice(this.offset);
    this.offset = text.length;
    return out;
  }

  /** Sends `line` and returns everything up to the tagged reply of `tag`. */
  async cmd(tag: string, line: string): Promise<string> {
    return this.send(`${tag} ${line}\r\n`, tag);
  }

  /** Sends raw bytes (a literal, IDLE's DONE) and returns everything up to the tagged reply of `tag`. */
  async send(data: string, tag: string): Promise<string> {
    await this.wire.write(data);
    return this.read((text) => new RegExp(`(^|\\r\\n)${tag} (OK|NO|BAD)[^\\r]*\\r\\n`).test(text));
  }
}

/**
 * Sends each [command, answer] (tags prefix0, prefix1, …) and checks that the reply holds
 * the response `line` makes of the tag and the answer, matched from the start of a line.
 */
export async function expectEach(c: RawImap, prefix: string, cases: readonly (readonly [string, string])[], line: (tag: string, answer: string) => string): Promise<void> {
  for (const [i, [command, answer]] of cases.entries()) {
    const tag = `${prefix}${i}`;
    assert.match(await c.cmd(tag, command), new RegExp(`^${line(tag, answer)}\\r\\n`, "m"), command);
  }
}

/** The regular expression of an untagged SEARCH (with an optional MODSEQ) or ESEARCH answer. */
export const searchLine = (_tag: string, answer: string) => `\\* SEARCH${answer === "" ? "" : ` ${answer}`}( \\(MODSEQ \\d+\\))?`;
export const esearchLine = (tag: string, answer: string) => `\\* ESEARCH \\(TAG "${tag}"\\)${answer === "" ? "" : ` ${answer}`}`;

export function message(subject: string, body = "Hello there.\r\n", extra = ""): Buffer {
  return Buffer.from(`From: Bob <bob@example.net>\r\nTo: Alice <alice@example.com>\r\nSubject: ${subject}\r\nDate: Thu, 26 Nov 2026 12:00:00 +0000\r\nMessage-ID: <${subject.replace(/\W/g, "")}@example.net>\r\n${extra}\r\n${body}`);
}
