// The one table from core's verdicts to SMTP replies (Haraka's rule: checks return verdicts
// from a closed set, only the connection turns them into codes). Codes follow RFC 5321 §4.2.2
// and the enhanced codes RFC 3463; each RefusalReason has a permanent (reject) and a
// temporary (tempfail) form. "unavailable" is 451 4.3.0 in both: a failed store or lookup is
// never a 5xx, or a sender would drop mail we could have taken later (test plan A1.10).
import type { RefusalReason, Verdict } from "../../../core/flow/types.js";
import { printable, reply, type Reply } from "./codec/reply.js";

type Code = readonly [code: number, enhanced: string, text: string];

const refusals: Record<RefusalReason, { readonly reject: Code; readonly tempfail: Code }> = {
  unknown_recipient: { reject: [550, "5.1.1", "Recipient address rejected: user unknown"], tempfail: [450, "4.1.1", "Recipient address temporarily unavailable"] },
  relay_denied: { reject: [554, "5.7.1", "Relay access denied"], tempfail: [451, "4.7.1", "Relay access temporarily denied"] },
  sender_not_owned: { reject: [553, "5.7.1", "Sender address rejected: not owned by user"], tempfail: [451, "4.7.1", "Sender address temporarily rejected"] },
  auth_required: { reject: [530, "5.7.0", "Authentication required"], tempfail: [454, "4.7.0", "Temporary authentication failure"] },
  bad_address: { reject: [553, "5.1.3", "Bad address syntax"], tempfail: [451, "4.1.3", "Address temporarily not accepted"] },
  dmarc_reject: { reject: [550, "5.7.1", "Rejected by the sender domain's DMARC policy"], tempfail: [451, "4.7.1", "DMARC check temporarily failed"] },
  too_large: { reject: [552, "5.3.4", "Message size exceeds fixed maximum message size"], tempfail: [452, "4.3.4", "Message too big for the system now"] },
  // RFC 5321 §4.5.3.1.10: too many recipients is 452 even though it is not going to change.
  too_many_recipients: { reject: [452, "4.5.3", "Too many recipients"], tempfail: [452, "4.5.3", "Too many recipients"] },
  mail_loop: { reject: [554, "5.4.6", "Mail loop detected"], tempfail: [450, "4.4.6", "Mail loop suspected"] },
  over_quota: { reject: [552, "5.2.2", "Mailbox full"], tempfail: [452, "4.2.2", "Mailbox full, try again later"] },
  policy: { reject: [550, "5.7.1", "Message refused by policy"], tempfail: [451, "4.7.1", "Message deferred by policy"] },
  unavailable: { reject: [451, "4.3.0", "Temporary failure, try again later"], tempfail: [451, "4.3.0", "Temporary failure, try again later"] },
};

export type FlowPhase = "mail" | "rcpt" | "data";

const accepted: Record<FlowPhase, Code> = {
  mail: [250, "2.1.0", "Sender ok"],
  rcpt: [250, "2.1.5", "Recipient ok"],
  data: [250, "2.0.0", "Ok: queued"],
};

/** The reply for a verdict at MAIL, RCPT or the end of DATA. The verdict's text is shown, cleaned. */
export function verdictReply(phase: FlowPhase, verdict: Verdict): Reply {
  if (verdict.kind === "accept") {
    const [code, enhanced, text] = accepted[phase];
    const id = verdict.id === undefined ? "" : printable(verdict.id, 64);
    return reply(code, enhanced, phase === "data" && id !== "" ? `${text} as ${id}` : text);
  }
  const [code, enhanced, fallback] = refusals[verdict.reason][verdict.kind];
  const text = printable(verdict.text);
  return reply(code, enhanced, text === "" ? fallback : text);
}

/** A thrown error from MailFlow: the sender retries later (A1.10: never 5xx, never a silent drop). */
export const flowFailed = reply(451, "4.3.0", "Temporary failure, try again later");

export const badSequence = reply(503, "5.5.1", "Bad sequence of commands");
export const tooLarge = reply(552, "5.3.4", "Message size exceeds fixed maximum message size");
export const tooManyRecipients = reply(452, "4.5.3", "Too many recipients");
