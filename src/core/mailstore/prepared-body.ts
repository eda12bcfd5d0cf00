// What MailStore.prepare() makes of a message (service.ts, which exports it too), in a file of
// its own so that helpers service.ts calls (shared-body.ts) can name it without an import cycle.
import type { MessageIndex } from "../../mail/mime/index-message.js";

/** A message ready to be written: hashed, indexed, and (when large) already in the blob store. */
export interface PreparedBody {
  readonly hash: string;
  readonly size: number;
  readonly inline: Buffer | null;
  readonly index: MessageIndex;
  /** The message's own header through the blank line (SEARCH HEADER reads it); null when over headerKeepLimit (service.ts). */
  readonly header: Buffer | null;
  /** Bytes of X- fields prepareWithHeader put on top of a message whose index this one's is derived from. */
  readonly fieldsOnTop?: number;
}
