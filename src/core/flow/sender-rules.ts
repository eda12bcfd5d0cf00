// Which addresses an authenticated user may send as: their own, and aliases that point to
// them. (Sending as a group needs a "send as" permission: the mail-flow policy issue.)
import addressparser from "nodemailer/lib/addressparser/index.js";
import { parseAddress, type Address } from "../../mail/address.js";
import type { Store } from "../ports/store.js";
import { headerValues } from "./trace-headers.js";

type Repos = Omit<Store, "transaction" | "close">;

export async function senderOwned(store: Repos, userId: number, address: Address | null): Promise<boolean> {
  if (address === null) return false; // users do not send bounces
  const user = await store.users.findById(userId);
  if (!user) return false;
  if (user.address === address) return true;
  const alias = await store.aliases.findByAddress(address);
  return alias !== undefined && alias.target === user.address;
}

/** Every address in the From header(s) must be one the user owns (RFC 5322 allows several). */
export async function headerFromOwned(store: Repos, userId: number, message: Buffer): Promise<boolean> {
  const froms = headerValues(message, "from");
  if (froms.length === 0) return true; // no From: nothing to impersonate (the MUA's problem)
  const addresses = froms.flatMap((value) => flatten(addressparser(value)));
  if (addresses.length === 0) return false;
  for (const raw of addresses) {
    const parsed = parseAddress(raw);
    if (!parsed.ok || !(await senderOwned(store, userId, parsed.value))) return false;
  }
  return true;
}

type Parsed = ReturnType<typeof addressparser>;
function flatten(list: Parsed): string[] {
  return list.flatMap((entry) => ("group" in entry && entry.group ? flatten(entry.group as Parsed) : "address" in entry && entry.address ? [entry.address] : []));
}
