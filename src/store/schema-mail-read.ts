// The table of migration 0016 (mail read paths, decision 0017), as Kysely sees it; part of
// Database (schema.ts).

/**
 * What FETCH ENVELOPE/BODYSTRUCTURE and SEARCH read of a stored body, apart from its bytes: in
 * message_bodies these columns came after inline_data (up to 256 KiB), and SQLite walks a
 * value's overflow pages to reach the columns after it, so a 1 KiB summary cost a read of the
 * whole message. One row per message_bodies row, written and removed with it.
 */
export interface MessageIndexTable {
  hash: string;
  /** The message's own header (through the blank line), for SEARCH HEADER; NULL in rows from before 0016. */
  header: Buffer | null;
  /** MessageSummary as JSON (MessageIndex without bodyText; with it in bodies stored before 0010). */
  index_json: string;
}

/** The decoded text SEARCH BODY/TEXT reads (up to 1 MiB): apart, so message_index rows stay small. */
export interface MessageTextTable {
  hash: string;
  /** MessageIndex.bodyText; NULL when it is inside index_json (bodies stored before 0010). */
  body_text: string | null;
}

export interface MailReadTables {
  message_index: MessageIndexTable;
  message_text: MessageTextTable;
}
