// What a delivery-plan stage (admin rules, external warning, user rules) is given: the facts of
// the message, decided once, and the few tools a stage may use. Stages edit the DeliveryPlan
// (copies.ts); the pipeline stores it.
import type { Address } from "../../mail/address.js";
import type { EpochMs } from "../accounts/types.js";
import type { PreparedBody } from "../mailstore/service.js";
import type { Store } from "../ports/store.js";
import type { Logger } from "../../shared/logger.js";
import type { Company } from "./company.js";
import type { HeldMessage, HoldKind } from "./held.js";
import type { InboundAuth } from "./inbound-auth.js";
import type { Notice } from "./notice.js";
import type { TraceLog } from "./trace.js";
import type { Envelope, Origin, Verdict } from "./types.js";

export interface StageContext {
  /** The queue id of this message (250 reply, Received header, trace). */
  readonly id: string;
  readonly origin: Origin;
  readonly envelope: Envelope;
  /** The message as accepted (our Received header on top), before any copy's edits. */
  readonly message: Buffer;
  /** The same message hashed and indexed once: MIME structure, subject, decoded text. */
  readonly body: PreparedBody;
  /** SPF/DKIM/DMARC/ARC results of mail from the internet; null for other origins and releases. */
  readonly auth: InboundAuth["summary"] | null;
  readonly company: Company;
  readonly trace: TraceLog;
  readonly now: EpochMs;
}

export interface StageTools {
  readonly store: Omit<Store, "transaction" | "close"> & Pick<Store, "transaction">;
  readonly hostname: string;
  readonly logger?: Logger;
  /** Keeps the message durably for deciders (an admin's quarantine); the trace entry is the caller's. */
  hold(ctx: StageContext, hold: { kind: HoldKind; recipients: readonly Address[]; rule: string; deciders: readonly Address[] }): Promise<HeldMessage>;
  /** Sends mail the server writes (a notice, an auto-reply) through the pipeline as origin system. */
  send(envelope: Envelope, message: Buffer): Promise<Verdict>;
  /** A plain-text notice from the domain's postmaster, through send(). */
  notice(notice: Notice): Promise<Verdict>;
}
