// The account model: domains, users, aliases and mail groups. Every address is canonical
// (see mail/address.ts), and one address names at most one user, alias or group.
import type { Address, DomainName } from "../../mail/address.js";

export type Role = "user" | "domain_admin" | "admin";
export const roles: readonly Role[] = ["user", "domain_admin", "admin"];

export type UserStatus = "active" | "suspended";

/** Milliseconds since the Unix epoch. */
export type EpochMs = number;

export interface Domain {
  readonly id: number;
  readonly name: DomainName;
  readonly createdAt: EpochMs;
}

export interface User {
  readonly id: number;
  readonly domainId: number;
  readonly address: Address;
  readonly displayName: string;
  readonly status: UserStatus;
  readonly role: Role;
  /** 0 means no quota. */
  readonly quotaBytes: number;
  /** An argon2id PHC string; never leaves core. */
  readonly passwordHash: string;
  readonly passwordChangedAt: EpochMs;
  /** An admin set a temporary password: the user must choose one at the next web login. */
  readonly mustChangePassword: boolean;
  readonly createdAt: EpochMs;
}

export interface Alias {
  readonly id: number;
  readonly domainId: number;
  readonly address: Address;
  /** Where mail for the alias goes: a user, group or outside address. */
  readonly target: Address;
  readonly createdAt: EpochMs;
}

export interface MailGroup {
  readonly id: number;
  readonly domainId: number;
  readonly address: Address;
  readonly name: string;
  readonly createdAt: EpochMs;
}

/** A member is either one of our users (by id) or an outside address. */
export type GroupMember =
  | { readonly kind: "user"; readonly userId: number; readonly address: Address }
  | { readonly kind: "external"; readonly address: Address };
