// Whom a security listing is about (issue 8), the same for login records and abnormal-login
// events: an address named by the operator, and which domain an administrator may read or act on. A domain admin reaches their own domain only — naming another
// reads as "no such domain", telling nothing of it; an install admin (role admin) reaches any
// domain, or every one when none is named; anyone else reaches nothing (domain_not_found).
import { parseAddress, parseDomain } from "../../mail/address.js";
import { MoatError } from "../../shared/errors.js";
import type { Domain, User } from "../accounts/types.js";
import type { Store } from "../ports/store.js";

export interface AdminScope {
  readonly viewer: User;
  /** The domain to read; "all" for an install admin who named none. */
  readonly domain: Domain | "all";
}

/** A domain of this server by name; invalid_domain or domain_not_found otherwise. */
export async function domainNamed(store: Store, name: string): Promise<Domain> {
  const parsed = parseDomain(name.trim());
  if (!parsed.ok) throw new MoatError("invalid_domain", parsed.error);
  const domain = await store.domains.findByName(parsed.value);
  if (!domain) throw new MoatError("domain_not_found", `no domain ${name} on this server`);
  return domain;
}

/**
 * An address as the operator typed it: the account's id when it is one, else the name itself
 * (attempts on names that match no account are kept as given).
 */
export async function accountOrName(store: Store, address: string): Promise<{ readonly userId: number } | { readonly identity: string }> {
  const parsed = parseAddress(address);
  if (!parsed.ok) throw new MoatError("invalid_address", parsed.error);
  const user = await store.users.findByAddress(parsed.value);
  return user ? { userId: user.id } : { identity: parsed.value };
}

export async function adminScope(store: Store, viewerId: number, domain: string | undefined): Promise<AdminScope> {
  const viewer = await store.users.findById(viewerId);
  if (viewer?.role === "admin") return { viewer, domain: domain === undefined ? "all" : await domainNamed(store, domain) };
  const own = viewer?.role === "domain_admin" ? await store.domains.findById(viewer.domainId) : undefined;
  if (!viewer || !own || (domain !== undefined && domain.trim().toLowerCase() !== own.name)) {
    throw new MoatError("domain_not_found", domain === undefined ? "no domain you administer" : `no domain ${domain} you administer`);
  }
  return { viewer, domain: own };
}
