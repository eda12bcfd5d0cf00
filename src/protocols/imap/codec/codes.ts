// IMAP response codes (RFC 3501 §7.1, RFC 5530, RFC 4315 UIDPLUS, RFC 7162 CONDSTORE, RFC 7888
// LITERAL+/TOOBIG via RFC 4469, RFC 2087/9208 QUOTA) and the one error the codec throws. The
// codec never answers the client itself: a parse error carries the status (BAD or NO) and the
// code, and the session turns it into the tagged reply.

/** A response code; the ones with data carry it typed so the wire form is written in one place. */
export type ResponseCode =
  | {
      readonly code:
        | "ALERT" | "PARSE" | "READ-ONLY" | "READ-WRITE" | "TRYCREATE" | "NOMODSEQ" | "UIDNOTSTICKY"
        | "OVERQUOTA" | "AUTHENTICATIONFAILED" | "AUTHORIZATIONFAILED" | "EXPIRED" | "PRIVACYREQUIRED"
        | "CONTACTADMIN" | "NOPERM" | "INUSE" | "EXPUNGEISSUED" | "CORRUPTION" | "SERVERBUG" | "CLIENTBUG"
        | "UNAVAILABLE" | "CANNOT" | "NONEXISTENT" | "ALREADYEXISTS" | "LIMIT" | "TOOBIG" | "CLOSED"
        | "HASCHILDREN";
    }
  | { readonly code: "UIDNEXT" | "UIDVALIDITY" | "UNSEEN"; readonly value: number }
  | { readonly code: "HIGHESTMODSEQ"; readonly value: bigint }
  | { readonly code: "PERMANENTFLAGS"; readonly flags: readonly string[] }
  | { readonly code: "CAPABILITY"; readonly capabilities: readonly string[] }
  | { readonly code: "BADCHARSET"; readonly charsets: readonly string[] }
  /** RFC 4315 §3: APPENDUID uidvalidity uid-set (a set only with MULTIAPPEND). */
  | { readonly code: "APPENDUID"; readonly uidValidity: number; readonly uids: readonly number[] }
  /** RFC 4315 §3: COPYUID uidvalidity source-set dest-set, the sets in matching order. */
  | { readonly code: "COPYUID"; readonly uidValidity: number; readonly source: readonly number[]; readonly dest: readonly number[] }
  /** RFC 7162 §3.1.3: MODIFIED with the UIDs (or numbers) a conditional STORE did not change. */
  | { readonly code: "MODIFIED"; readonly set: readonly number[] };

/** The charsets SEARCH accepts (RFC 3501 §6.4.4 requires US-ASCII; RFC 6855 implies UTF-8). */
export const searchCharsets: readonly string[] = ["UTF-8", "US-ASCII"];

/**
 * A command the codec refuses. `status` is the tagged reply: BAD for syntax (RFC 3501 §7.1.3),
 * NO for well-formed requests the server will not honour ([BADCHARSET], [CANNOT], [LIMIT]).
 */
export class ImapParseError extends Error {
  readonly status: "BAD" | "NO";
  readonly code: ResponseCode | null;

  constructor(text: string, status: "BAD" | "NO" = "BAD", code: ResponseCode | null = null) {
    super(text);
    this.name = "ImapParseError";
    this.status = status;
    this.code = code;
  }
}

export function bad(text: string, code: ResponseCode | null = null): ImapParseError {
  return new ImapParseError(text, "BAD", code);
}

export function refuse(text: string, code: ResponseCode): ImapParseError {
  return new ImapParseError(text, "NO", code);
}
