// Small factories for the store tests: canonical addresses and a domain with one of each
// kind of address in it.
import type { Address, DomainName } from "../../src/mail/address.js";
import { parseAddress, parseDomain } from "../../src/mail/address.js";
import type { Store } from "../../src/core/ports/store.js";
import type { Domain, User } from "../../src/core/accounts/types.js";

export const T0 = 1_700_000_000_000;

export function address(text: string): Address {
  const parsed = parseAddress(text);
  if (!parsed.ok) throw new Error(parsed.error);
  return parsed.value;
}

export function domainName(text: string): DomainName {
  const parsed = parseDomain(text);
  if (!parsed.ok) throw new Error(parsed.error);
  return parsed.value;
}

type Repos = Pick<Store, "users">;

export function addUser(store: Repos, domain: Domain, local: string, now = T0): Promise<User> {
  return store.users.create({
    domainId: domain.id,
    address: address(`${local}@${domain.name}`),
    displayName: local,
    role: "user",
    quotaBytes: 0,
    passwordHash: `$argon2id$fake$${local}`,
    now,
  });
}
