// Test peers for outbound delivery: a receiving SMTP server (smtp-server, the sink; not Moat's
// own server) that records what arrives and fails on cue, and an in-memory blob store.
import crypto from "node:crypto";
import type { TestContext } from "node:test";
import { SMTPServer, type SMTPServerOptions } from "smtp-server";
import { lookupZone, parseZone } from "../../../src/adapters/dns/zone.js";
import type { BlobRef, BlobStore } from "../../../src/core/ports/blobs.js";
import type { DnsResolver } from "../../../src/core/ports/dns.js";

export interface Received {
  readonly from: string;
  readonly to: string[];
  readonly raw: Buffer;
  readonly secure: boolean;
}

export interface Sink {
  readonly port: number;
  readonly received: Received[];
  /** true: every connection is refused with 421 (the server is "down"). */
  down: boolean;
  /** Reply for RCPT TO by address; absent: 250. */
  readonly rcptReplies: Map<string, { code: number; text: string }>;
  /** Reply after the data; absent: 250 (and the message is recorded). */
  dataReply: { code: number; text: string } | undefined;
  /** Resolves at the next message received. */
  next(): Promise<Received>;
}

function smtpError(code: number, text: string): Error {
  return Object.assign(new Error(text), { responseCode: code });
}

export async function startSink(t: TestContext, options: Partial<SMTPServerOptions> = {}): Promise<Sink> {
  const received: Received[] = [];
  const rcptReplies = new Map<string, { code: number; text: string }>();
  let waiters: Array<(r: Received) => void> = [];
  const state: { down: boolean; dataReply: { code: number; text: string } | undefined } = { down: false, dataReply: undefined };
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ["AUTH"],
    disableReverseLookup: true,
    logger: false,
    ...options,
    onConnect(_session, callback) {
      callback(state.down ? smtpError(421, "service not available") : undefined);
    },
    onRcptTo(rcpt, _session, callback) {
      const reply = rcptReplies.get(rcpt.address);
      callback(reply ? smtpError(reply.code, reply.text) : undefined);
    },
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on("data", (c: Buffer) => chunks.push(c));
      stream.on("end", () => {
        if (state.dataReply) return callback(smtpError(state.dataReply.code, state.dataReply.text));
        const message: Received = {
          from: session.envelope.mailFrom === false ? "" : session.envelope.mailFrom.address,
          to: session.envelope.rcptTo.map((r) => r.address),
          raw: Buffer.concat(chunks),
          secure: session.secure,
        };
        received.push(message);
        const ready = waiters;
        waiters = [];
        for (const w of ready) w(message);
        callback();
      });
    },
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  t.after(() => new Promise<void>((resolve) => server.close(() => resolve())));
  const address = server.server.address();
  if (address === null || typeof address === "string") throw new Error("sink did not bind");
  return {
    port: address.port,
    received,
    rcptReplies,
    get down() {
      return state.down;
    },
    set down(value: boolean) {
      state.down = value;
    },
    get dataReply() {
      return state.dataReply;
    },
    set dataReply(value) {
      state.dataReply = value;
    },
    next: () => new Promise<Received>((resolve) => waiters.push(resolve)),
  };
}

export class MemoryBlobStore implements BlobStore {
  readonly blobs = new Map<string, Buffer>();
  async put(data: Buffer): Promise<BlobRef> {
    const hash = crypto.createHash("sha256").update(data).digest("hex");
    this.blobs.set(hash, Buffer.from(data));
    return { hash, size: data.length };
  }
  async get(hash: string): Promise<Buffer> {
    const data = this.blobs.get(hash);
    if (!data) throw new Error(`no blob ${hash}`);
    return data;
  }
  async remove(hash: string): Promise<void> {
    this.blobs.delete(hash);
  }
}

/** DNS answers from a zone-file object (see src/adapters/dns/zone.ts); every other name is ENOTFOUND. */
export function fixedDns(zone: Record<string, unknown>): DnsResolver {
  const parsed = parseZone({ ...zone, "*": "nxdomain" });
  return async (name, type) => {
    const answer = lookupZone(parsed, name, type);
    if (answer instanceof Error) throw answer;
    return answer ?? [];
  };
}
