// Stage 7 (issue 7 item 7): marks each local copy whose recipient domain asks for it. Mail is
// external when it comes from the internet, or from one of our domains in another
// organisation; the mark is a header (the webmail's banner), and for third-party clients,
// which do not show it, optionally a subject tag and a banner in the body.
import { domainOf, type Address } from "../../mail/address.js";
import type { DeliveryPlan } from "./copies.js";
import { exempt, visibleSender, warningBanner, warningHeader, type VisibleSender } from "./external-warning.js";
import type { StageContext } from "./stage.js";

export function externalWarningStage(ctx: StageContext, plan: DeliveryPlan): void {
  const { origin, envelope, message, company, trace } = ctx;
  if (origin.kind === "system") return;
  const senderDomain = origin.kind === "submission" ? domainOf(origin.user) : null;
  // Parsed for the first copy that is marked: a message no domain marks never has its From read here.
  let visible: VisibleSender | undefined;
  const senderOf = () => (visible ??= visibleSender(message));
  const marked: Address[] = [];
  for (const copy of plan.local) {
    const user = copy.user;
    if (senderDomain !== null && company.same(senderDomain, domainOf(user.address))) continue;
    const settings = company.settingsOf(user.domainId);
    if (settings.externalWarning === "off") continue;
    const sender = senderOf();
    if (exempt(settings.externalWarningAllow, envelope.mailFrom, sender)) continue;
    copy.edits.push({ kind: "header", field: warningHeader(settings.externalWarning, sender) });
    // These change the message's bytes (and break its DKIM signature for the reader's copy).
    if (settings.externalWarningSubjectTag !== null) copy.edits.push({ kind: "subject_tag", tag: settings.externalWarningSubjectTag });
    if (settings.externalWarningBanner) copy.edits.push({ kind: "banner", text: warningBanner(settings.externalWarning, sender) });
    marked.push(user.address);
  }
  if (marked.length > 0) trace.add({ stage: "external_warning", decision: "mark", recipients: marked, reason: "external_sender", text: "marked as mail from outside the company" });
}
