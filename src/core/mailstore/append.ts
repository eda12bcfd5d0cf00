// APPEND and MULTIAPPEND (RFC 3501 §6.3.11, RFC 3502): messages indexed on the way in like
// delivered mail, then stored in one transaction, so a MULTIAPPEND adds every message or none
// (§6.3.11 of RFC 3502: "If the server fails to append any message, none are appended").
import type { EpochMs } from "../accounts/types.js";
import type { BlobStore } from "../ports/blobs.js";
import type { Clock } from "../ports/clock.js";
import type { Mailbox, StoredMessage } from "../ports/mailstore.js";
import type { Store } from "../ports/store.js";
import { checkQuota, lockBox, removeReleased } from "./mutations.js";
import { cleanFlags } from "./names.js";
import type { MailStore, PreparedBody } from "./service.js";

export interface AppendInput {
  readonly raw: Buffer;
  readonly flags?: readonly string[];
  readonly internalDate?: EpochMs | undefined;
}

export interface AppendDeps {
  readonly store: Store;
  readonly blobs: BlobStore;
  readonly clock: Clock;
  readonly mailstore: MailStore;
}

/** Stores the messages in `name` (already canonical), in order; all or none. */
export async function appendAll(deps: AppendDeps, userId: number, name: string, inputs: readonly AppendInput[]): Promise<{ box: Mailbox; messages: StoredMessage[] }> {
  const flags = inputs.map((input) => cleanFlags(input.flags ?? []));
  const total = inputs.reduce((sum, input) => sum + input.raw.length, 0);
  // Refuse early, before hashing and (for a large message) writing the blob.
  await checkQuota(deps.store, userId, total);
  const bodies: PreparedBody[] = [];
  try {
    for (const input of inputs) bodies.push(await deps.mailstore.prepare(input.raw));
    const now = deps.clock.now();
    return await deps.store.transaction(async (tx) => {
      const box = await lockBox(tx, userId, name);
      await checkQuota(tx, userId, total);
      const messages: StoredMessage[] = [];
      for (const [i, body] of bodies.entries()) {
        await tx.messages.putBody({ hash: body.hash, size: body.size, inline: body.inline, index: body.index, header: body.header, now });
        messages.push(await tx.messages.append(box.id, { bodyHash: body.hash, size: body.size, flags: flags[i]!, internalDate: inputs[i]!.internalDate ?? now }));
      }
      await tx.quota.add(userId, total);
      return { box, messages };
    });
  } catch (err) {
    // A refused large message leaves no blob behind unless another row names the same bytes.
    await removeReleased(deps.store, deps.blobs, bodies.filter((b) => b.inline === null).map((b) => b.hash));
    throw err;
  }
}
