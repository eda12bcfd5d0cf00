// The FLAGS and PERMANENTFLAGS of a selected mailbox (RFC 3501 §7.2.6, §7.1): the system flags
// and every keyword in use, and "\*" because any new keyword may be stored. When a keyword
// first appears (a STORE, another session, new mail) both are sent again, before any FETCH
// that carries it, so clients that keep a keyword list (Thunderbird tags) learn of it.
import { formatFlags, untagged, untaggedStatus } from "./codec/response.js";
import type { MailboxView } from "./view.js";

export const systemFlags = ["\\Answered", "\\Flagged", "\\Deleted", "\\Seen", "\\Draft"];

/** The untagged FLAGS and OK [PERMANENTFLAGS] lines for the view (none stored when read-only). */
export function mailboxFlags(view: MailboxView): string {
  const flags = [...systemFlags, ...view.keywords];
  return (
    untagged(`FLAGS ${formatFlags(flags)}`) +
    untaggedStatus("OK", view.readOnly ? "No permanent flags permitted" : "Flags permitted", { code: "PERMANENTFLAGS", flags: view.readOnly ? [] : [...flags, "\\*"] })
  );
}

/** The same lines when a keyword appeared since they were last sent, else "". */
export function newKeywords(view: MailboxView): string {
  return view.takeKeywordsGrew() ? mailboxFlags(view) : "";
}
