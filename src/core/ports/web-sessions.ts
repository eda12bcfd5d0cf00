// What web sessions need from persistence (issue 6, item 7; decision 0014). The store keeps
// only the SHA-256 of a session's token: a copy of the database logs no one in.
import type { EpochMs } from "../accounts/types.js";
import type { SecondFactorKind } from "../auth/types.js";

/**
 * What a session may do. A login whose password must change, or whose account must enrol a
 * second factor first, gets a session that may only do that (DESIGN.md, authenticate() step 7).
 */
export type SessionRestriction = "full" | "change_password_only" | "enrol_second_factor_only";
export const sessionRestrictions: readonly SessionRestriction[] = ["full", "change_password_only", "enrol_second_factor_only"];

export interface WebSession {
  readonly id: number;
  readonly userId: number;
  readonly createdAt: EpochMs;
  /** Updated at most once a minute, so a busy client does not write on every request. */
  readonly lastSeenAt: EpochMs;
  /** The client address last seen with this session. */
  readonly ip: string;
  /** Untrusted, escaped and truncated. */
  readonly userAgent: string;
  /** The second factor the login used, if any. */
  readonly secondFactor: SecondFactorKind | null;
  readonly restriction: SessionRestriction;
  /** The account must still enrol a second factor (kept while the password is changed first). */
  readonly mustEnrol: boolean;
  /** Sent back in a header by every unsafe request of this session (CSRF); useless without the cookie. */
  readonly csrfToken: string;
}

export interface NewWebSession extends Omit<WebSession, "id"> {
  /** Hex SHA-256 of the token the client holds. */
  readonly tokenHash: string;
}

export interface WebSessionRepository {
  create(session: NewWebSession): Promise<WebSession>;
  findByTokenHash(tokenHash: string): Promise<WebSession | undefined>;
  findById(id: number): Promise<WebSession | undefined>;
  touch(id: number, at: EpochMs, ip: string): Promise<void>;
  /** Newest first. */
  listForUser(userId: number): Promise<WebSession[]>;
  /** false when the user has no session with this id. */
  remove(userId: number, id: number): Promise<boolean>;
  /** Removes every session of the user but `exceptId`; returns how many. */
  removeAllForUser(userId: number, exceptId?: number): Promise<number>;
  setRestriction(id: number, restriction: SessionRestriction, mustEnrol: boolean): Promise<void>;
  /** Deletes sessions idle since before `idleBefore` or created before `createdBefore`; returns how many. */
  prune(idleBefore: EpochMs, createdBefore: EpochMs): Promise<number>;
}
