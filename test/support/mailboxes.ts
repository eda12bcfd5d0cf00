// Reads what landed in a user's folder, straight from the data folder of a running (or
// stopped) Moat — the IMAP server will be the way to look once it exists.
import path from "node:path";
import { openStore } from "../../src/store/open.js";
import { createFsBlobStore } from "../../src/store/blobs/fs-blob-store.js";
import { parseAddress } from "../../src/mail/address.js";

export async function folderMessages(data: string, address: string, folder = "INBOX"): Promise<string[]> {
  const store = await openStore({ sqlitePath: path.join(data, "moat.db") });
  try {
    const parsed = parseAddress(address);
    if (!parsed.ok) throw new Error(parsed.error);
    const user = await store.users.findByAddress(parsed.value);
    if (!user) throw new Error(`no user ${address}`);
    const box = await store.mailboxes.findByName(user.id, folder);
    if (!box) throw new Error(`no folder ${folder}`);
    const blobs = createFsBlobStore(path.join(data, "blobs"));
    const out: string[] = [];
    for (const m of await store.messages.list(box.id)) {
      const body = await store.messages.getBody(m.bodyHash);
      out.push((body?.inline ?? (await blobs.get(m.bodyHash))).toString("latin1"));
    }
    return out;
  } finally {
    await store.close();
  }
}
