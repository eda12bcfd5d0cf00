// Who reads a domain's admin alerts: its domain administrators, or when it has none the install's
// administrators, so a high-severity event always reaches someone who can act on it.
import type { User } from "../../accounts/types.js";
import type { Store } from "../../ports/store.js";

export async function alertAdmins(store: Store, domainId: number | null): Promise<User[]> {
  const active = (users: readonly User[], role: User["role"]) => users.filter((u) => u.role === role && u.status === "active");
  if (domainId !== null) {
    const own = active(await store.users.list(domainId), "domain_admin");
    if (own.length > 0) return own;
  }
  return active(await store.users.list(), "admin");
}
