// What MailStore.prepare() makes of a message (service.ts, which exports it too), in a file of
// its own so that helpers service.ts calls (shared-body.ts) can name it without an import cycle.
import type { MessageIndex } from "../../mail/mime/index-message.js";

/** A message ready to be written: hashed, indexed, and (when large) already in the blob store. */
export interface PreparedBody {
  readonly hash: string;
  readonly size: number;
  readonly inline: Buffer | null;
  readonly index: MessageIndex;
  /** The message's own header through the blank line (SEARCH HEADER reads it); null when over headerKeepLimit (mail/mime/kept-header.ts). */
  readonly header: Buffer | null;
  /** Set by prepareWithHeader: this body is X- fields put on top of another prepared message. */
  readonly onTop?: FieldsOnTop;
}

/** A body's bytes as X- fields on top of a message, and that message's index (this body's is prefixedIndex(of, fields.length)). */
export interface FieldsOnTop {
  readonly fields: Buffer;
  readonly below: Buffer;
  readonly of: MessageIndex;
}

/**
 * The message all of `body`'s bytes below its fields on top are, by its index, and how many
 * bytes of fields lie on top of it. Two bodies with the same `of` differ only by those fields.
 */
export function originOf(body: PreparedBody): { readonly of: MessageIndex; readonly top: number } {
  return body.onTop ? { of: body.onTop.of, top: body.onTop.fields.length } : { of: body.index, top: 0 };
}
