// The mail-flow settings of a domain, an account and a mail group (issue 7), one schema each.
// As with login settings, the store keeps JSON and every read goes through these schemas: a
// missing key is its default, a stored value of the wrong shape fails loudly.
import { z } from "zod";
import { parseAddress, parseDomain } from "../../mail/address.js";
import { adminRulesSchema, spamScoreHeaderSchema } from "./admin-rules/schema.js";

/** Lower-case domain names, each checked. */
const domainNames = (max: number) =>
  z
    .array(z.string())
    .max(max)
    .transform((items, ctx) =>
      items.map((item) => {
        const parsed = parseDomain(item.trim().replace(/^@/, ""));
        if (!parsed.ok) ctx.addIssue({ code: "custom", message: `${item}: ${parsed.error}` });
        return parsed.ok ? (parsed.value as string) : item;
      }),
    );

/** Addresses or domains (a sender allow-list entry is either): "a@b.example" or "b.example". */
const sendersList = z
  .array(z.string())
  .max(1000)
  .transform((items, ctx) =>
    items.map((item) => {
      const text = item.trim().replace(/^@/, "");
      const parsed = text.includes("@") ? parseAddress(text) : parseDomain(text);
      if (!parsed.ok) ctx.addIssue({ code: "custom", message: `${item}: ${parsed.error}` });
      return parsed.ok ? (parsed.value as string) : item;
    }),
  );

export const externalWarningModes = ["off", "general", "advanced"] as const;
export type ExternalWarningMode = (typeof externalWarningModes)[number];

export const monitorDirections = ["sent", "received", "both"] as const;
export const monitorScopes = ["internal", "external", "both"] as const;

/** Email monitoring (issue 7 item 4): a supervisor gets a copy of what an account (or a group's members) sends or receives. */
export const monitorRuleSchema = z.object({
  /** Unique in the domain; names the folder by default and the X-Moat-Monitor header. */
  name: z.string().min(1).max(64).regex(/^[\w.@+-]+$/, "letters, digits and . _ - + @ only"),
  /** An account, or a mail group (its members). */
  target: z.string(),
  /** An account of ours. */
  supervisor: z.string(),
  /** The supervisor's folder that receives the copies. */
  folder: z.string().min(1).max(200),
  direction: z.enum(monitorDirections),
  /** Which mail: to or from inside the company, outside, or both. */
  scope: z.enum(monitorScopes),
  /** Active from (the moment it was made) until end, if any. */
  start: z.number().int(),
  end: z.number().int().nullable(),
});
export type MonitorRule = z.output<typeof monitorRuleSchema>;

export const domainFlowSettingsSchema = z.object({
  /**
   * "The company": every domain of the install unless the admin groups domains into
   * organisations; domains with the same name here are one company, unnamed ones another.
   */
  organisation: z.string().min(1).max(100).nullable().default(null),
  /** The default for the domain's accounts: may send only inside the company, and receive only from it. */
  internalOnly: z.boolean().default(false),
  /** An internal-only sender's mixed recipient list: deliver the internal ones (true) or refuse the message (false). */
  internalOnlyPartial: z.boolean().default(false),
  /** Mark mail from outside the company for its readers here (issue 7 item 7). */
  externalWarning: z.enum(externalWarningModes).default("off"),
  /** Sender domains (and their subdomains) never marked. */
  externalWarningAllow: domainNames(50).default([]),
  /** For third-party clients: this tag (e.g. "[External]") in front of a marked message's Subject; null = none. */
  externalWarningSubjectTag: z.string().trim().min(1).max(40).regex(/^[^\r\n]*$/, "one line").nullable().default(null),
  /** For third-party clients: the warning as a banner at the top of a marked message's text and HTML bodies. */
  externalWarningBanner: z.boolean().default(false),
  /** Automatic forwarding outside the company (Sieve redirect, forward setting; item 6). */
  autoForward: z.boolean().default(true),
  /**
   * Approval before sending (item 3): mail from each target — an account, or every member of
   * a mail group — waits for the auditor.
   */
  audits: z.array(z.object({ target: z.string(), auditor: z.string() })).max(1000).default([]),
  /** A hold (moderation or audit) nobody decides within this many hours… */
  holdTimeoutHours: z.number().int().min(1).max(24 * 90).default(72),
  /** …is rejected (the sender told) or released. */
  holdTimeoutAction: z.enum(["reject", "release"]).default("reject"),
  /** Recall (item 8): how long after sending a user may withdraw a message from internal recipients. */
  recallWindowDays: z.number().int().min(0).max(365).default(30),
  /** Withdraw only copies nobody has read (true), or read ones too. */
  recallUnreadOnly: z.boolean().default(true),
  /** Tell each recipient whose copy was withdrawn. */
  recallNotice: z.boolean().default(false),
  /** Monitoring rules for the domain's accounts and groups (ended ones stay, for the record). */
  monitors: z.array(monitorRuleSchema).max(500).default([]),
  /** Admin filter rules (item 5), in the order they run (admin-rules/schema.ts; `moat rule`). */
  rules: adminRulesSchema.default([]),
  /**
   * A spam-score header written by a filter in front of Moat (e.g. X-Spam-Score), read only
   * on mail from the internet; null: Moat has no score and spam-score conditions never match.
   */
  spamScoreHeader: spamScoreHeaderSchema.default(null),
});
export type DomainFlowSettings = z.output<typeof domainFlowSettingsSchema>;
export const defaultDomainFlowSettings: DomainFlowSettings = domainFlowSettingsSchema.parse({});

export const accountFlowSettingsSchema = z.object({
  /** Absent: the domain's default. */
  internalOnly: z.boolean().optional(),
  autoForward: z.boolean().optional(),
  /** The plain forward setting (item 6): every message also goes to these addresses… */
  forwardTo: z.array(z.string()).max(10).default([]),
  /** …and a copy stays in the mailbox unless this is false. */
  forwardKeep: z.boolean().default(true),
});
export type AccountFlowSettings = z.output<typeof accountFlowSettingsSchema>;

export const groupSenderModes = ["same-domain", "company", "members", "anyone", "allowlist", "members+allowlist"] as const;
export type GroupSenderMode = (typeof groupSenderModes)[number];

export const groupFlowSettingsSchema = z.object({
  /** Who may send to the group; the guide's default is the group's own domain. */
  senders: z.enum(groupSenderModes).default("same-domain"),
  /** Addresses and domains allowed by the allowlist modes (up to 1,000). */
  allow: sendersList.default([]),
  /** With moderators, mail to the group waits until one approves it. */
  moderators: z.array(z.string()).max(50).default([]),
  /** Moderators' own mail to the group is not held. */
  moderatorsExempt: z.boolean().default(true),
});
export type GroupFlowSettings = z.output<typeof groupFlowSettingsSchema>;

export { readSettings as readFlowSettings } from "../settings.js";
