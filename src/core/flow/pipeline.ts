// The one mail-flow pipeline (DESIGN.md "Mail flow"). Every message — from the internet, from
// a user, or written by the server — enters process(); checkSender/checkRecipient let the SMTP
// session refuse early. Stages run in order; the policy stages of issue 7 slot in between
// sender checks and delivery. process() resolves "accept" only after one committed transaction
// holds the message for every local recipient and every remote one in the outbound queue.
import { domainOf, type Address } from "../../mail/address.js";
import { failpoint } from "../../shared/failpoints.js";
import { randomId } from "../../shared/ids.js";
import type { Logger } from "../../shared/logger.js";
import type { LocalTarget, MailStore, PreparedBody } from "../mailstore/service.js";
import type { Clock } from "../ports/clock.js";
import type { DnsResolver } from "../ports/dns.js";
import type { Store } from "../ports/store.js";
import { verifyInbound, type DmarcAction } from "./inbound-auth.js";
import { expandRecipients, resolveAddress } from "./recipients.js";
import { senderOwned, headerFromOwned } from "./sender-rules.js";
import { countReceived, receivedHeader, stripOwnAuthResults } from "./trace-headers.js";
import type { Envelope, MailFlow, Origin, Verdict } from "./types.js";

type Tx = Omit<Store, "transaction" | "close">;

/** Hands remote recipients to the outbound queue inside the delivery transaction. */
export type EnqueueRemote = (
  tx: Tx,
  job: { body: PreparedBody; mailFrom: Address | null; recipients: readonly Address[]; origin: Origin; envelope: Envelope; id: string },
) => Promise<void>;

export interface MailFlowDeps {
  readonly store: Store;
  readonly mailstore: MailStore;
  readonly clock: Clock;
  readonly dns: DnsResolver;
  readonly hostname: string;
  readonly maxMessageBytes: number;
  readonly maxReceivedHeaders: number;
  readonly enqueueRemote: EnqueueRemote;
  /** Called after a commit that queued remote mail, so delivery starts at once. */
  readonly onQueued?: () => void;
  readonly logger?: Logger;
}

const accept = (id?: string): Verdict => (id === undefined ? { kind: "accept" } : { kind: "accept", id });
const reject = (reason: Extract<Verdict, { kind: "reject" }>["reason"], text: string): Verdict => ({ kind: "reject", reason, text });
const tempfail = (reason: Extract<Verdict, { kind: "tempfail" }>["reason"], text: string): Verdict => ({ kind: "tempfail", reason, text });

export function newMessageId(): string {
  return randomId(9).toUpperCase().replace(/[-_]/g, "X");
}

export function createMailFlow(deps: MailFlowDeps): MailFlow {
  const { store } = deps;

  async function checkSender(origin: Origin, mailFrom: Address | null, declaredSize: number | undefined): Promise<Verdict> {
    if (declaredSize !== undefined && declaredSize > deps.maxMessageBytes) {
      return reject("too_large", `Message size exceeds the limit of ${deps.maxMessageBytes} bytes`);
    }
    if (origin.kind === "submission" && !(await senderOwned(store, origin.userId, mailFrom))) {
      return reject("sender_not_owned", `Sender address rejected: ${mailFrom ?? "<>"} is not an address of ${origin.user}`);
    }
    return accept();
  }

  async function checkRecipient(origin: Origin, _mailFrom: Address | null, recipient: Address): Promise<Verdict> {
    const found = await resolveAddress(store, recipient);
    if (found.kind === "unknown") return reject("unknown_recipient", `Recipient address rejected: ${recipient}: no such user here`);
    if (found.kind === "remote") {
      // No open relay, ever: only our own authenticated users send outward.
      return origin.kind === "mx" ? reject("relay_denied", `Relay access denied: ${domainOf(recipient)} is not hosted here`) : accept();
    }
    if (found.kind === "user") {
      if (found.user.quotaBytes > 0 && (await store.quota.usage(found.user.id)) >= found.user.quotaBytes) {
        return tempfail("over_quota", `Mailbox of ${recipient} is full`);
      }
    }
    return accept();
  }

  /** Sender checks: loop, size, authentication (MX) or From ownership (submission). */
  async function senderStage(origin: Origin, envelope: Envelope, message: Buffer): Promise<{ verdict: Verdict } | { message: Buffer; dmarc: DmarcAction }> {
    if (message.length > deps.maxMessageBytes) return { verdict: reject("too_large", "Message too big") };
    if (countReceived(message) > deps.maxReceivedHeaders) return { verdict: reject("mail_loop", "Too many Received headers: mail loop") };
    if (origin.kind === "submission") {
      if (!(await headerFromOwned(store, origin.userId, message))) {
        return { verdict: reject("sender_not_owned", `From header rejected: not an address of ${origin.user}`) };
      }
      return { message, dmarc: "none" };
    }
    if (origin.kind !== "mx") return { message, dmarc: "none" };
    const cleaned = stripOwnAuthResults(message, deps.hostname);
    const auth = await verifyInbound(cleaned, { ip: origin.ip, helo: origin.helo, sender: envelope.mailFrom, hostname: deps.hostname, resolver: deps.dns });
    deps.logger?.info({ session: origin.sessionId, ...auth.summary }, "inbound authentication");
    if (auth.dmarcAction === "reject") {
      return { verdict: reject("dmarc_reject", "Message rejected: the sender's domain publishes DMARC p=reject and the message failed it") };
    }
    return { message: Buffer.concat([Buffer.from(auth.headers, "latin1"), cleaned]), dmarc: auth.dmarcAction };
  }

  async function deliveryStage(origin: Origin, envelope: Envelope, message: Buffer, dmarc: DmarcAction, id: string): Promise<Verdict> {
    const expansion = await expandRecipients(store, envelope.recipients);
    if (origin.kind === "mx" && expansion.remote.length > 0) {
      // An alias or group of ours pointing outside: forwarding, allowed for admin-made lists.
      deps.logger?.info({ id, remote: expansion.remote.length }, "forwarding to remote members");
    }
    const body = await deps.mailstore.prepare(message);
    failpoint("flow.after_blob");
    const folder = dmarc === "quarantine" ? "\\Junk" : null;
    const targets: LocalTarget[] = [];
    for (const user of expansion.users) {
      // The INBOX came with the recipient's lookup; another folder (or none found) is asked for.
      const known = folder ? undefined : expansion.inboxes.get(user.id);
      if (known !== undefined) {
        targets.push({ userId: user.id, mailboxId: known });
        continue;
      }
      const box = folder ? await store.mailboxes.findSpecial(user.id, folder) : await store.mailboxes.findByName(user.id, "INBOX");
      const inbox = box ?? (await store.mailboxes.findByName(user.id, "INBOX"));
      if (inbox) targets.push({ userId: user.id, mailboxId: inbox.id });
    }
    await store.transaction(async (tx) => {
      await deps.mailstore.deliver(tx, body, targets);
      if (expansion.remote.length > 0) {
        await deps.mailstore.keep(tx, body);
        await deps.enqueueRemote(tx, { body, mailFrom: envelope.mailFrom, recipients: expansion.remote, origin, envelope, id });
      }
      failpoint("flow.before_commit");
      // Group commit: deliveries committing together share one flush to disk, off the event
      // loop; this still resolves only once the message is on stable storage (ports/store.ts).
    }, { group: true });
    failpoint("flow.after_commit");
    if (expansion.remote.length > 0) deps.onQueued?.();
    deps.logger?.info({ id, local: targets.length, remote: expansion.remote.length, dropped: expansion.dropped.length, size: body.size }, "message accepted");
    return accept(id);
  }

  async function process(origin: Origin, envelope: Envelope, message: Buffer): Promise<Verdict> {
    const id = newMessageId();
    try {
      const checked = await senderStage(origin, envelope, message);
      if ("verdict" in checked) return checked.verdict;
      const received = receivedHeader(origin, { hostname: deps.hostname, id, recipients: envelope.recipients, date: new Date(deps.clock.now()) });
      const stamped = Buffer.concat([Buffer.from(received, "latin1"), checked.message]);
      return await deliveryStage(origin, envelope, stamped, checked.dmarc, id);
    } catch (err) {
      // A store or lookup failure is temporary for the sender: never 5xx, never a silent drop.
      deps.logger?.error({ err, id }, "message processing failed");
      return tempfail("unavailable", "Temporary failure storing the message; try again later");
    }
  }

  return { checkSender, checkRecipient, process };
}
