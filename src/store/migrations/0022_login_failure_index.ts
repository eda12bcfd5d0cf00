// The success-after-failures rule counts an account's failed logins of the last minutes on
// every successful login that may follow failures (core/security/anomalies/detector.ts). On
// (user_id, at) that count walked every record of the window, successes too: an IMAP client
// that logs in a hundred times a minute made each login scan thousands of rows (0.75 ms a
// login in bench/imap after a burst of failures). (user_id, result, at) answers it from the
// failures alone. It replaces the old index, whose only reader this was: no extra index page
// per login record.
import type { Kysely, Migration } from "kysely";

export function loginFailureIndex(): Migration {
  return {
    async up(db: Kysely<unknown>): Promise<void> {
      await db.schema.dropIndex("login_records_user_at_idx").execute();
      await db.schema.createIndex("login_records_user_result_at_idx").on("login_records").columns(["user_id", "result", "at"]).execute();
    },
  };
}
