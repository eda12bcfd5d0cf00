// What outbound delivery needs from persistence: the queue of messages for remote recipients,
// with one state per recipient, and the DKIM keys of our domains. Part of the Store port.
import type { Address, DomainName } from "../../mail/address.js";
import type { EpochMs } from "../accounts/types.js";

/**
 * queued: waiting for its next attempt · delivering: claimed by a runner (until its lease ends)
 * · delivered: the remote server accepted it · failed: refused or given up, no DSN sent (the
 * message had the null sender) · bounced: refused or given up, and a DSN went to the sender.
 */
export type OutboundStatus = "queued" | "delivering" | "delivered" | "failed" | "bounced";
export const outboundStatuses: readonly OutboundStatus[] = ["queued", "delivering", "delivered", "failed", "bounced"];

/** Where the message entered (flow Origin kind). */
export type OutboundOriginKind = "mx" | "submission" | "system";

export interface NewOutboundMessage {
  /** SHA-256 of the message bytes in the blob store, already stored. */
  readonly blobHash: string;
  readonly size: number;
  /** null is the null reverse-path "<>": a bounce, which never gets a bounce itself. */
  readonly mailFrom: Address | null;
  readonly recipients: readonly Address[];
  readonly originKind: OutboundOriginKind;
  /** The flow's trace / queue id of the message, to link queue rows to the trace. */
  readonly envelopeId: string | null;
  readonly isBounce: boolean;
  readonly smtpUtf8: boolean;
  readonly body8bit: boolean;
  /** Also the first attempt's due time and the start of the give-up clock. */
  readonly now: EpochMs;
}

export interface OutboundMessage {
  readonly id: number;
  readonly blobHash: string;
  readonly size: number;
  readonly mailFrom: Address | null;
  /** The domain of mailFrom (null for the null sender). */
  readonly fromDomain: DomainName | null;
  readonly originKind: OutboundOriginKind;
  readonly envelopeId: string | null;
  readonly isBounce: boolean;
  /** blobHash names bytes that already carry our DKIM-Signature (signed once, on the first try). */
  readonly dkimSigned: boolean;
  readonly smtpUtf8: boolean;
  readonly body8bit: boolean;
  readonly createdAt: EpochMs;
}

export interface OutboundRecipient {
  readonly id: number;
  readonly messageId: number;
  readonly address: Address;
  readonly domain: DomainName;
  readonly status: OutboundStatus;
  readonly attempts: number;
  /** queued: when it is due; delivering: when its claim lapses. */
  readonly nextAttemptAt: EpochMs;
  readonly lastError: string | null;
  readonly lastAttemptAt: EpochMs | null;
  readonly deliveredAt: EpochMs | null;
}

export interface OutboundQuery {
  readonly status?: OutboundStatus;
  readonly messageId?: number;
  /** Only recipients with an id below this (keyset pagination, newest first). */
  readonly beforeId?: number;
  readonly limit: number;
}

export interface OutboundRepository {
  /** Adds the message and one queued recipient per address, due at `now`. Use in a transaction. */
  enqueue(message: NewOutboundMessage): Promise<{ message: OutboundMessage; recipients: OutboundRecipient[] }>;
  /**
   * Atomically moves up to `limit` due queued recipients to delivering, their claim lasting
   * until `leaseUntil`, and returns them oldest due first. Two runners (two nodes on
   * PostgreSQL) never get the same recipient.
   */
  claimDue(now: EpochMs, limit: number, leaseUntil: EpochMs): Promise<OutboundRecipient[]>;
  findMessage(id: number): Promise<OutboundMessage | undefined>;
  /**
   * The four results of an attempt. Each counts the attempt and applies only to a recipient
   * still delivering; false when it was not (its claim lapsed and someone else took it).
   */
  markDelivered(recipientId: number, now: EpochMs): Promise<boolean>;
  markDeferred(recipientId: number, now: EpochMs, next: EpochMs, error: string): Promise<boolean>;
  markFailed(recipientId: number, now: EpochMs, error: string, status: "failed" | "bounced"): Promise<boolean>;
  /** Records the signed copy of the message; false when another runner signed it first. */
  setSignedBlob(messageId: number, blobHash: string, size: number): Promise<boolean>;
  /** Newest first. */
  list(query: OutboundQuery): Promise<OutboundRecipient[]>;
  counts(): Promise<Record<OutboundStatus, number>>;
  /** The earliest next_attempt_at of a queued recipient, for the runner's next wake-up. */
  nextDue(): Promise<EpochMs | undefined>;
  /**
   * Returns recipients whose claim lapsed by `now` (their runner crashed or hung) to queued,
   * due at once; returns how many. `all`: every delivering recipient, lease or not — only for
   * a runner that knows it is the queue's sole user (one node, at start-up).
   */
  recoverStale(now: EpochMs, all?: boolean): Promise<number>;
  /** Makes every waiting recipient due now (an admin's "flush the queue"); returns how many. */
  retryNow(now: EpochMs): Promise<number>;
  /** Deletes messages created before the cut-off whose recipients are all final; returns how many. */
  prune(olderThan: EpochMs): Promise<number>;
}

export interface DkimKey {
  readonly domainId: number;
  readonly domain: DomainName;
  readonly selector: string;
  /** The PKCS#8 PEM private key, sealed (ports/sealer.ts), or plain in rows from before sealing. */
  readonly privateKeySealed: string;
  /** Base64 of the DER SubjectPublicKeyInfo: the p= tag of the DNS record. */
  readonly publicKeyB64: string;
  readonly createdAt: EpochMs;
}

export interface DkimKeyRepository {
  /** Adds a key; false when the domain already has a key with that selector. */
  create(key: { domainId: number; selector: string; privateKeySealed: string; publicKeyB64: string; now: EpochMs }): Promise<boolean>;
  /** Replaces a plain private key from before sealing with its sealed form. */
  reseal(domainId: number, selector: string, privateKeySealed: string): Promise<void>;
  /** The domain's newest key. */
  findForDomain(domain: DomainName): Promise<DkimKey | undefined>;
  /** Every key of the domain, newest first. */
  list(domainId: number): Promise<DkimKey[]>;
}
