// What access policies (issue 6 item 4, decision 0015) need from persistence: one row per named
// policy of a domain. A login reads its domain's enabled policies whole, so lists are stored as
// they are read and never queried by element.
import type { Address } from "../../mail/address.js";
import type { EpochMs } from "../accounts/types.js";
import type { Channel } from "../auth/types.js";

/** allow: logins in scope are allowed only from a listed place; deny: refused from one. */
export type AccessPolicyMode = "allow" | "deny";

export interface AccessPolicyRule {
  readonly mode: AccessPolicyMode;
  /** Who: every account of the domain, or the listed accounts and the members of the listed groups. */
  readonly appliesTo: "all" | "listed";
  readonly users: readonly Address[];
  readonly groups: readonly Address[];
  /** Never decided by this policy. */
  readonly except: readonly Address[];
  /** Where: CIDR ranges in normal form, and ISO 3166-1 alpha-2 codes; a login matches either. */
  readonly ips: readonly string[];
  readonly countries: readonly string[];
  /** Which channels the policy decides; empty: all. */
  readonly channels: readonly Channel[];
}

export interface AccessPolicy extends AccessPolicyRule {
  readonly id: number;
  readonly domainId: number;
  readonly name: string;
  readonly enabled: boolean;
  readonly createdAt: EpochMs;
  readonly updatedAt: EpochMs;
  readonly updatedBy: string;
}

export type AccessPolicyInput = Omit<AccessPolicy, "id">;

export interface AccessPolicyRepository {
  /** Throws MoatError('invalid_input') when the domain already has a policy of this name. */
  create(policy: AccessPolicyInput): Promise<AccessPolicy>;
  /** Replaces every field but id, domain and name; undefined when there is no such policy. */
  update(id: number, policy: AccessPolicyInput): Promise<AccessPolicy | undefined>;
  find(domainId: number, name: string): Promise<AccessPolicy | undefined>;
  /** Ordered by name; enabled and disabled. */
  list(domainId?: number): Promise<AccessPolicy[]>;
  /** The enabled policies of a domain: what a login to it is decided by. */
  enabledFor(domainId: number): Promise<AccessPolicy[]>;
  remove(id: number): Promise<boolean>;
}
