// The login-security settings of a domain and of an account (issue 6), one schema each. The
// store keeps them as JSON; every read goes through these schemas, so a missing key is its
// default and a stored value of the wrong shape fails loudly instead of weakening a rule.
import { z } from "zod";
import { CidrSet } from "../../shared/ip.js";
import { channels, clientProtocols } from "./types.js";

const channel = z.enum(channels as [string, ...string[]]).transform((c) => c as (typeof channels)[number]);
const protocol = z.enum(clientProtocols as [string, ...string[]]).transform((c) => c as (typeof clientProtocols)[number]);
const cidrList = z.array(z.string()).superRefine((entries, ctx) => {
  try {
    CidrSet.parse(entries);
  } catch (err) {
    ctx.addIssue({ code: "custom", message: err instanceof Error ? err.message : "expected CIDR ranges" });
  }
});
/** A plain word, or a /regular expression/ that must compile. */
const keyword = z
  .string()
  .min(1)
  .max(200)
  .superRefine((text, ctx) => {
    const regex = /^\/(.+)\/$/.exec(text);
    if (!regex) return;
    try {
      new RegExp(regex[1]!, "iu");
    } catch {
      ctx.addIssue({ code: "custom", message: `not a valid regular expression: ${text}` });
    }
  });
/** ISO 3166-1 alpha-2, stored upper case. */
const countryCode = z.string().regex(/^[A-Za-z]{2}$/, "expected a two-letter country code").transform((c) => c.toUpperCase());
/** Canonical addresses (core canonicalises before storing; see login-security.ts). */
const addresses = z.array(z.string());

export const domainLoginSettingsSchema = z.object({
  /** Off: every IMAP, POP3 and SMTP AUTH login of the domain is refused (protocol_disabled); web works. */
  thirdPartyClients: z.boolean().default(true),
  /** Service mailboxes that keep their clients when thirdPartyClients is off. */
  thirdPartyExemptAccounts: addresses.default([]),
  /** Company ranges from which clients keep working when thirdPartyClients is off. */
  thirdPartyExemptIps: cidrList.default([]),
  /** Client-kind restriction: the channels any account of the domain may log in on. */
  channels: z.array(channel).default([...channels]),
  /** IMAP/POP3/SMTP switches a new account starts with. */
  newAccountProtocols: z.array(protocol).default([...clientProtocols]),
  /** Forces "client security password required": on nobody, everybody, or the listed accounts and groups' members. */
  securityPasswords: z.enum(["off", "all", "listed"]).default("off"),
  securityPasswordAccounts: addresses.default([]),
  securityPasswordGroups: addresses.default([]),
  /** Never forced for these (the account's own switch still applies). */
  securityPasswordExcept: addresses.default([]),
  /** A client security password unused this long stops working; 0: never. */
  appPasswordExpiryDays: z.number().int().min(0).max(3650).default(180),
  /**
   * Password policy (issue 6, item 5; password-policy.ts), checked when a password is set.
   * Off until the domain's admin turns it on, so an install upgraded from before keeps working
   * as configured; the other keys are the policy's defaults once it is on.
   */
  passwordPolicy: z.enum(["off", "on"]).default("off"),
  passwordMinLength: z.number().int().min(8).max(1024).default(12),
  /** How many of lower case, upper case, digits and symbols a password needs (NIST: 0). */
  passwordClasses: z.number().int().min(0).max(4).default(0),
  /** zxcvbn-ts score floor, 0–4, with the user's name, address and domain as inputs. */
  passwordMinScore: z.number().int().min(0).max(4).default(3),
  /** Forbidden words (matched through substitutions like 0→o, @→a) or /regular expressions/. */
  passwordKeywords: z.array(keyword).max(500).default([]),
  /** A main password older than this must be changed; 0: never (NIST SP 800-63B's advice). */
  passwordMaxAgeDays: z.number().int().min(0).max(3650).default(0),
  /** Accounts the maximum age does not apply to (service mailboxes). */
  passwordMaxAgeExempt: addresses.default([]),
  /** Two-factor login (decision 0013) required of nobody, everybody, or the listed accounts and groups' members. */
  twoFactorRequired: z.enum(["off", "all", "listed"]).default("off"),
  twoFactorAccounts: addresses.default([]),
  twoFactorGroups: addresses.default([]),
  /** Days an account may still log in without a second factor once the requirement applies to it. */
  twoFactorGraceDays: z.number().int().min(0).max(365).default(14),
  /** Abnormal-login detection (issue 8, decision 0026): off, no rule runs for the domain's logins. */
  loginAlerts: z.enum(["off", "on"]).default("on"),
  /** ISO 3166-1 alpha-2 codes, upper case: a login from any of these raises a high-severity event. */
  unexpectedCountries: z.array(countryCode).max(300).default([]),
  /** When not empty, a login from any other country raises the same event. */
  expectedCountries: z.array(countryCode).max(300).default([]),
  /** Where new events are also POSTed as JSON (http or https); empty: nowhere. */
  loginAlertWebhook: z.string().max(2000).refine((u) => u === "" || /^https?:\/\/[^\s]+$/.test(u), "expected an http:// or https:// address").default(""),
  /** Signs each webhook body (HMAC-SHA256, X-Moat-Signature header) when not empty. */
  loginAlertWebhookSecret: z.string().max(200).default(""),
});

export const accountLoginSettingsSchema = z.object({
  imap: z.boolean().default(true),
  pop3: z.boolean().default(true),
  smtp: z.boolean().default(true),
  /** Client-kind restriction for this account. */
  channels: z.array(channel).default([...channels]),
  /** The account's own "client security password required" switch (the domain may force it on). */
  securityPasswordRequired: z.boolean().default(false),
  /** The user's own switch for alert mails about their logins (admins' alerts and the webhook stay). */
  loginAlertMails: z.boolean().default(true),
});

export type DomainLoginSettings = z.output<typeof domainLoginSettingsSchema>;
export type AccountLoginSettings = z.output<typeof accountLoginSettingsSchema>;

export const defaultDomainLoginSettings: DomainLoginSettings = domainLoginSettingsSchema.parse({});
export const defaultAccountLoginSettings: AccountLoginSettings = accountLoginSettingsSchema.parse({});

/** Reads a stored object (undefined: none stored) through its schema. */
export { readSettings } from "../settings.js";
