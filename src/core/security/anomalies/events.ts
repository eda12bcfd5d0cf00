// A finding becomes an event to record (issue 8 items 2 and 3, decision 0026): its group key
// scoped to whom it concerns, and the notices it starts with — the user's mail unless the user
// turned alert mails off, the admins' mail for high severity in a domain of ours, the webhook
// when the domain has one.
import type { NewLoginEvent } from "../../ports/login-events.js";
import type { Finding } from "./types.js";

/** Whom a finding concerns, and the login that raised it. */
export interface EventSubject {
  /** "user:42", "name:bob@example.com" (a name that is no account), "ip:203.0.113.9": repeats fold within one scope. */
  readonly scope: string;
  readonly userId: number | null;
  readonly identity: string | null;
  readonly domainId: number | null;
  readonly ip: string;
  readonly at: number;
  readonly loginRecordId: number;
}

export interface NoticeChoices {
  /** The account's loginAlertMails (true when there is no account). */
  readonly userMails: boolean;
  /** The domain has a loginAlertWebhook. */
  readonly webhook: boolean;
}

export function toNewEvent(finding: Finding, subject: EventSubject, notices: NoticeChoices): NewLoginEvent {
  return {
    rule: finding.rule,
    severity: finding.severity,
    userId: subject.userId,
    domainId: subject.domainId,
    identity: subject.identity,
    ip: subject.ip,
    groupKey: `${subject.scope}:${finding.key}`,
    summary: finding.summary,
    detail: finding.detail,
    at: subject.at,
    loginRecordId: subject.loginRecordId,
    userNotice: subject.userId === null ? "none" : notices.userMails ? "pending" : "skipped",
    adminNotice: finding.severity === "high" && subject.domainId !== null ? "pending" : "none",
    webhook: notices.webhook ? "pending" : "none",
  };
}
