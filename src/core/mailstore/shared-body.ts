// A copy that is another stored body with different header fields on top (a monitoring copy
// beside the recipient's copy: decision 0027) is stored over that body: its row keeps the
// fields and points at the rest, and shares the other's search text, instead of a second
// message of the same bytes. The store puts the bytes back together for every reader.
//
// Its key is the base's hash, a dot and a digest of what lies on top, not a hash of its own
// bytes: the row, its index row and its messages' body_hash entries then sort next to the
// base's, in the B-tree pages the same delivery just wrote, instead of three more random pages
// per copy (what a 5 KB message costs to write is mostly those pages, not its bytes).
import { createHash } from "node:crypto";
import type { Store } from "../ports/store.js";
import { originOf, type PreparedBody } from "./prepared-body.js";

type Tx = Omit<Store, "transaction" | "close">;

/** The key of a body stored over `baseHash`: the same prefix over the same bytes is the same key. */
export function sharedKey(baseHash: string, baseOffset: number, prefix: Buffer): string {
  return `${baseHash}.${createHash("sha256").update(`${baseOffset}:`).update(prefix).digest("hex")}`;
}

/**
 * Writes `body` over the first of `bases` (bodies stored already, in this transaction) whose
 * bytes end with everything below body's fields on top, with the same search text, and returns
 * the key its message rows name. Null, writing nothing, when none fits: the caller stores the
 * body whole under its hash. `inserted(base)`: this transaction inserted the base's row whole
 * and inline, so the store need not check the row.
 *
 * When both are fields on top of one prepared message (the pipeline's usual case: the
 * recipient's copy with its marks, the supervisor's with X-Moat-Monitor), the row gets no index
 * of its own: the store derives it from the base's (decision 0038). Otherwise it gets its own.
 */
export async function putOver(tx: Tx, body: PreparedBody, bases: readonly PreparedBody[], now: number, inserted: (base: PreparedBody) => boolean = () => false): Promise<string | null> {
  const top = body.onTop;
  if (top === undefined) return null;
  const below = top.below;
  for (const base of bases) {
    const offset = base.size - below.length;
    if (base.inline === null || offset < 0 || base.index.bodyText !== top.of.bodyText || !base.inline.subarray(offset).equals(below)) continue;
    const prefix = top.fields;
    const hash = sharedKey(base.hash, offset, prefix);
    const origin = originOf(base);
    const derived = origin.of === top.of && origin.top === offset;
    const own = derived ? null : { index: body.index, header: body.header };
    if (await tx.messages.putSharedBody({ hash, size: body.size, prefix, baseHash: base.hash, baseOffset: offset, baseInserted: inserted(base), own, now })) return hash;
  }
  return null;
}
