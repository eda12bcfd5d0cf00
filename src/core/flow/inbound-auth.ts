// Sender authentication of mail from the internet: SPF, DKIM, DMARC and ARC with mailauth,
// DNS through our resolver port. The result is the header block to prepend
// (Authentication-Results, Received-SPF) and what DMARC asks us to do.
import { loadOnFirstUse } from "../../shared/load-on-first-use.js";
import type { DnsResolver } from "../ports/dns.js";

const mailauth = loadOnFirstUse(() => import("mailauth"));

export type DmarcAction = "none" | "quarantine" | "reject";

export interface InboundAuth {
  /** Header lines to prepend, CRLF-terminated. */
  readonly headers: string;
  readonly dmarcAction: DmarcAction;
  /** Short machine summary for logs and the stored message facts. */
  readonly summary: { spf: string; dkim: string; dmarc: string; arc: string };
}

interface MailauthResult {
  headers: string;
  spf?: { status?: { result?: string } } | false;
  dkim?: { results?: Array<{ status?: { result?: string } }> };
  dmarc?: { status?: { result?: string }; policy?: string } | false;
  arc?: { status?: { result?: string } };
}

/** Header fields whose check covers the body: DKIM-Signature, ARC-Message-Signature (RFC 8617). */
const bodySignature = /^(?:dkim-signature|arc-message-signature)[ \t]*:/im;

/**
 * What mailauth needs to read. SPF and DMARC look at the envelope and the header only; the
 * body matters only to a DKIM or ARC signature's body hash. Unsigned mail (most of it) is
 * therefore checked on its header alone, with the same verdicts, instead of streaming every
 * byte of the body through mailauth's canonicaliser: that was the larger part of its cost.
 */
export function authInput(message: Buffer): Buffer {
  const end = message.indexOf("\r\n\r\n");
  if (end < 0) return message;
  const header = message.subarray(0, end + 4);
  return bodySignature.test(header.toString("latin1")) ? message : header;
}

export async function verifyInbound(
  message: Buffer,
  opts: { ip: string; helo: string; sender: string | null; hostname: string; resolver: DnsResolver },
): Promise<InboundAuth> {
  const { authenticate } = await mailauth();
  const result = (await authenticate(authInput(message), {
    ip: opts.ip,
    helo: opts.helo,
    // A bounce (null sender) is checked as postmaster@helo, as RFC 7208 §2.4 says.
    sender: opts.sender ?? `postmaster@${opts.helo}`,
    mta: opts.hostname,
    resolver: opts.resolver as never,
    disableBimi: true,
    trustReceived: false,
  })) as unknown as MailauthResult;
  const dmarcResult = result.dmarc ? (result.dmarc.status?.result ?? "none") : "none";
  const policy = result.dmarc ? result.dmarc.policy : undefined;
  const dmarcAction: DmarcAction = dmarcResult === "fail" && (policy === "reject" || policy === "quarantine") ? policy : "none";
  return {
    headers: result.headers.replace(/\r?\n/g, "\r\n"),
    dmarcAction,
    summary: {
      spf: (result.spf && result.spf.status?.result) || "none",
      dkim: result.dkim?.results?.[0]?.status?.result ?? "none",
      dmarc: dmarcResult,
      arc: result.arc?.status?.result ?? "none",
    },
  };
}
