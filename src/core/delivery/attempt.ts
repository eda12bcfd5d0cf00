// One delivery attempt: the recipients of one message that share a destination, sent in one
// SMTP transaction. Resolves the route, tries its hosts in order until one holds a session
// (RFC 5321 §5.1: a host that cannot be reached or refuses the greeting is skipped), and
// returns one outcome per recipient. Writes nothing: outbound.ts records the outcomes.
import type { DomainName } from "../../mail/address.js";
import type { DnsResolver } from "../ports/dns.js";
import type { OutboundMessage, OutboundRecipient } from "../ports/queue.js";
import type { SmtpSendResult, SmtpTransport } from "../ports/transport.js";
import { resolveRoute, type RouteTable } from "./routes.js";

export interface AttemptOutcome {
  readonly recipient: OutboundRecipient;
  readonly accepted: boolean;
  readonly permanent: boolean;
  readonly code: number;
  /** The remote reply, or our reason when there was none. */
  readonly response: string;
  /** True when `response` came from a remote server. */
  readonly remoteReply: boolean;
  /** The host that answered (its name, else its address). */
  readonly remoteMta: string | undefined;
  /** Our RFC 3463 status when there was no remote reply (e.g. "5.1.10" for a null MX). */
  readonly status?: string | undefined;
}

export interface AttemptContext {
  readonly transport: SmtpTransport;
  readonly dns: DnsResolver;
  readonly routes: RouteTable;
  readonly requireTls: boolean;
  readonly hostname: string;
  readonly random: () => number;
  /** Stop trying further hosts after this time (keeps the attempt inside its claim's lease). */
  readonly deadline: number;
  readonly now: () => number;
}

export interface AttemptJob {
  readonly message: OutboundMessage;
  readonly recipients: readonly OutboundRecipient[];
  /** The destination domain (all recipients share its route). */
  readonly domain: DomainName;
  /** The bytes to send (CRLF, signed), or why there are none. */
  readonly bytes: Buffer | { readonly error: string };
}

/** The same local (no remote reply) outcome for every recipient of the job. */
function everyone(job: AttemptJob, permanent: boolean, code: number, status: string, response: string): AttemptOutcome[] {
  return job.recipients.map((recipient) => ({ recipient, accepted: false, permanent, code, status, response, remoteReply: false, remoteMta: undefined }));
}

function fromResult(job: AttemptJob, result: SmtpSendResult, remoteMta: string): AttemptOutcome[] {
  const byAddress = new Map(result.recipients.map((r) => [r.recipient, r]));
  return job.recipients.map((recipient) => {
    const r = byAddress.get(recipient.address);
    if (!r) return { recipient, accepted: false, permanent: false, code: 0, response: "no reply for this recipient", remoteReply: false, remoteMta };
    return { recipient, accepted: r.accepted, permanent: !r.accepted && r.permanent, code: r.code, response: r.response, remoteReply: r.code > 0, remoteMta };
  });
}

export async function attemptDelivery(job: AttemptJob, ctx: AttemptContext): Promise<AttemptOutcome[]> {
  // RFC 3463 X.3.0 "other or undefined mail system status": the fault is ours.
  if (!Buffer.isBuffer(job.bytes)) return everyone(job, false, 451, "4.3.0", job.bytes.error);
  const route = await resolveRoute(job.domain, ctx.routes, ctx.dns, ctx.random);
  if (route.kind === "fail") return everyone(job, route.permanent, route.code, route.status, route.reason);

  const failures: string[] = [];
  for (const hop of route.hops) {
    if (failures.length > 0 && ctx.now() >= ctx.deadline) break;
    const result = await ctx.transport.send({
      host: hop.address,
      port: hop.port,
      servername: hop.name,
      requireTls: ctx.requireTls,
      envelope: { from: job.message.mailFrom ?? "", to: job.recipients.map((r) => r.address) },
      message: job.bytes,
      hostname: ctx.hostname,
      body8bit: job.message.body8bit,
    });
    const remote = hop.name ?? hop.address;
    if (result.connected) return fromResult(job, result, remote);
    failures.push(`${remote}[${hop.address}]:${hop.port}: ${result.recipients[0]?.response ?? "no session"}`);
  }
  // No host held a session: temporary, whatever each said (the next attempt may reach one).
  // X.4.1: no answer from host.
  return everyone(job, false, 0, "4.4.1", `could not deliver to any host (${failures.join("; ")})`);
}
