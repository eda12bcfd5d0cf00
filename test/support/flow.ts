// The mail-flow pipeline over a real store, for core tests of its stages: addresses, origins,
// envelopes, and a domain with users, the pipeline, the flow settings and a folder reader.
import type { TestContext } from "node:test";
import { FlowSettingsService } from "../../src/core/flow/flow-settings-service.js";
import { createMailFlow } from "../../src/core/flow/pipeline.js";
import { InProcessMailboxEvents, publishDeliveries } from "../../src/core/mailstore/events.js";
import type { Envelope, Origin } from "../../src/core/flow/types.js";
import type { Store } from "../../src/core/ports/store.js";
import { AuditLog, type Actor } from "../../src/core/security/audit.js";
import { parseAddress, type Address } from "../../src/mail/address.js";
import { TestClock } from "./clock.js";
import { coreFor } from "./core.js";
import { zoneResolver } from "./dns.js";

export const addr = (s: string): Address => {
  const p = parseAddress(s);
  if (!p.ok) throw new Error(p.error);
  return p.value;
};
export const sessionFacts = { ip: "203.0.113.5", helo: "mail.sender.example", tls: null, sessionId: "S1" } as const;
export const mx: Origin = { kind: "mx", listener: "smtp", ...sessionFacts };
export const env = (from: string | null, ...to: string[]): Envelope => ({ mailFrom: from === null ? null : addr(from), recipients: to.map(addr), smtpUtf8: false, body: "8BITMIME" });
export const flowAdmin: Actor = { kind: "admin", name: "root" };

/**
 * example.com with these users (by local part), the pipeline (remote mail discarded) and its
 * settings. The pipeline publishes what it delivers on `events`, as the server's does.
 */
export async function flowDomain(t: TestContext, store: Store, names: readonly string[]) {
  const clock = new TestClock();
  const { accounts, mailstore, blobs } = coreFor(t, store, clock);
  await accounts.addDomain("example.com");
  const users = Object.fromEntries(await Promise.all(names.map(async (n) => [n, await accounts.addUser({ address: `${n}@example.com`, password: "a-long-password-1" })] as const)));
  const events = new InProcessMailboxEvents();
  const announced = publishDeliveries(store, mailstore, events);
  const flow = createMailFlow({ store: announced.store, mailstore: announced.mailstore, clock, dns: zoneResolver({}), hostname: "mx.example.com", maxMessageBytes: 100_000, maxReceivedHeaders: 5, enqueueRemote: async () => {} });
  const audit = new AuditLog(store, clock);
  const settings = new FlowSettingsService(store, accounts, audit, clock);
  /** The messages in a user's folder, oldest first; none when the folder does not exist. */
  const folder = async (name: string, box = "INBOX") => {
    const found = await store.mailboxes.findByName(users[name]!.id, box);
    if (!found) return [];
    const rows = await store.messages.list(found.id);
    return Promise.all(rows.map(async (r) => (await mailstore.read(r.bodyHash))!.toString("utf8")));
  };
  const submission = (name: string): Origin => ({ kind: "submission", userId: users[name]!.id, user: addr(`${name}@example.com`), listener: "submission", ...sessionFacts });
  return { store, clock, accounts, mailstore, blobs, flow, audit, settings, folder, submission, users, events };
}
