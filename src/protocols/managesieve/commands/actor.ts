// Script changes made over ManageSieve are the account's own, recorded as such in the audit log.
import type { Actor } from "../../../core/security/audit.js";
import type { Account } from "../context.js";

export const actorOf = (account: Account): Actor => ({ kind: "user", userId: account.userId, address: account.address });
