// Web sessions (issue 6 item 7, decision 0014): made by a successful web login, held by the
// browser as a random 256-bit token in a cookie (the store keeps only its SHA-256), ended by
// idleness, by age, by the user, by an admin, or by a password change. A login that must
// change its password or enrol a second factor gets a session restricted to doing that.
import { createHash, randomBytes } from "node:crypto";
import { untrusted } from "../../shared/logger.js";
import { MoatError } from "../../shared/errors.js";
import type { AccountService } from "../accounts/service.js";
import type { EpochMs, User } from "../accounts/types.js";
import type { Clock } from "../ports/clock.js";
import type { Store } from "../ports/store.js";
import type { SessionRestriction, WebSession } from "../ports/web-sessions.js";
import type { Actor, AuditLog } from "../security/audit.js";
import type { PasswordHasher } from "./passwords.js";
import type { AuthResult } from "./types.js";
import { describeUserAgent } from "./user-agent.js";

export interface WebSessionSettings {
  /** A session unused this long ends (OWASP: short for sensitive apps; a mail tab stays open all day). */
  readonly idleMs: number;
  /** A session ends this long after its login however active, so a stolen cookie does not live forever. */
  readonly absoluteMs: number;
}

const hour = 3_600_000;
export const defaultWebSessionSettings: WebSessionSettings = { idleMs: 12 * hour, absoluteMs: 14 * 24 * hour };
/** Last seen is written at most this often: one write a minute, not one per request. */
const touchEveryMs = 60_000;
/** Expired sessions of users who never come back are deleted at a login at most this often. */
const pruneEveryMs = 3_600_000;
/** Longer than any token we hand out (43 characters); refused before hashing. */
const maxTokenLength = 128;
const maxUserAgentLength = 256;

export type SuccessfulLogin = Extract<AuthResult, { ok: true }>;

/** The session of the request, with its account as it is now. */
export interface CurrentSession {
  readonly session: WebSession;
  readonly user: User;
}

export interface StartedSession extends CurrentSession {
  /** For the cookie; shown to the client once, never stored. */
  readonly token: string;
  /** When the session ends at the latest (its absolute lifetime). */
  readonly expiresAt: EpochMs;
}

export interface ListedWebSession {
  readonly id: number;
  readonly browser: string;
  readonly userAgent: string;
  readonly ip: string;
  readonly createdAt: EpochMs;
  readonly lastSeenAt: EpochMs;
  readonly secondFactor: WebSession["secondFactor"];
  readonly restriction: SessionRestriction;
  /** The session asking for the list. */
  readonly current: boolean;
}

export interface PasswordChanged {
  readonly revokedWebSessions: number;
  readonly revokedAppPasswords: number;
  /** What the current session may do now. */
  readonly restriction: SessionRestriction;
}

export const hashSessionToken = (token: string): string => createHash("sha256").update(token).digest("hex");

export const userActor = (user: Pick<User, "id" | "address">): Extract<Actor, { kind: "user" }> => ({ kind: "user", userId: user.id, address: user.address });

function restrictionOf(login: SuccessfulLogin): SessionRestriction {
  if (login.mustChangePassword !== undefined) return "change_password_only";
  return login.mustEnrolSecondFactor === true ? "enrol_second_factor_only" : "full";
}

export class WebSessionService {
  private lastPrune = Number.NEGATIVE_INFINITY;

  constructor(
    private readonly store: Store,
    private readonly clock: Clock,
    private readonly accounts: AccountService,
    private readonly audit: AuditLog,
    private readonly passwords: PasswordHasher,
    private readonly settings: WebSessionSettings = defaultWebSessionSettings,
  ) {}

  /** A session for a successful web login (authenticate() on channel "web"). */
  async start(login: SuccessfulLogin, client: { ip: string; userAgent?: string | undefined }): Promise<StartedSession> {
    const user = await this.store.users.findById(login.userId);
    if (!user) throw new MoatError("user_not_found");
    const now = this.clock.now();
    if (now - this.lastPrune >= pruneEveryMs) {
      this.lastPrune = now;
      await this.prune();
    }
    const token = randomBytes(32).toString("base64url");
    const session = await this.store.webSessions.create({
      userId: user.id,
      tokenHash: hashSessionToken(token),
      csrfToken: randomBytes(32).toString("base64url"),
      createdAt: now,
      lastSeenAt: now,
      ip: client.ip,
      userAgent: untrusted(client.userAgent ?? "", maxUserAgentLength),
      secondFactor: login.secondFactor ?? null,
      restriction: restrictionOf(login),
      mustEnrol: login.mustEnrolSecondFactor === true,
    });
    return { session, user, token, expiresAt: now + this.settings.absoluteMs };
  }

  /**
   * The live session holding this token, or undefined: unknown, expired (then deleted), or its
   * account suspended or gone. Marks it seen from `ip` (at most once a minute).
   */
  async resolve(token: string, ip: string): Promise<CurrentSession | undefined> {
    if (token === "" || token.length > maxTokenLength) return undefined;
    const found = await this.store.webSessions.findByTokenHash(hashSessionToken(token));
    if (!found) return undefined;
    const now = this.clock.now();
    const user = await this.store.users.findById(found.userId);
    if (this.expired(found, now) || !user || user.status !== "active") {
      await this.store.webSessions.remove(found.userId, found.id);
      return undefined;
    }
    if (now - found.lastSeenAt < touchEveryMs && found.ip === ip) return { session: found, user };
    await this.store.webSessions.touch(found.id, now, ip);
    return { session: { ...found, lastSeenAt: now, ip }, user };
  }

  /** The user's live sessions, newest first, `currentId` marked. */
  async list(userId: number, currentId?: number): Promise<ListedWebSession[]> {
    const now = this.clock.now();
    const sessions = (await this.store.webSessions.listForUser(userId)).filter((s) => !this.expired(s, now));
    return sessions.map((s) => ({
      id: s.id,
      browser: describeUserAgent(s.userAgent),
      userAgent: s.userAgent,
      ip: s.ip,
      createdAt: s.createdAt,
      lastSeenAt: s.lastSeenAt,
      secondFactor: s.secondFactor,
      restriction: s.restriction,
      current: s.id === currentId,
    }));
  }

  /** The user ends one of their sessions (the current one is logout). */
  async revoke(userId: number, id: number): Promise<void> {
    if (!(await this.store.webSessions.remove(userId, id))) throw new MoatError("session_not_found", `no session ${id}`);
  }

  /** Ends the session holding this token, if any (a browser logging in again replaces its session). */
  async endByToken(token: string): Promise<void> {
    if (token === "" || token.length > maxTokenLength) return;
    const found = await this.store.webSessions.findByTokenHash(hashSessionToken(token));
    if (found) await this.store.webSessions.remove(found.userId, found.id);
  }

  /** Ends every session of the user but `exceptId`; returns how many. */
  revokeAll(userId: number, exceptId?: number): Promise<number> {
    return this.store.webSessions.removeAllForUser(userId, exceptId);
  }

  /** An admin's view of a user's sessions. */
  async listFor(address: string): Promise<ListedWebSession[]> {
    return this.list((await this.accounts.getUser(address)).id);
  }

  /** An admin ends one session of a user, or all of them; audit-logged. Returns how many ended. */
  async revokeFor(address: string, which: number | "all", actor: Actor): Promise<number> {
    const user = await this.accounts.getUser(address);
    return this.store.transaction(async (tx) => {
      let ended: number;
      if (which === "all") ended = await tx.webSessions.removeAllForUser(user.id);
      else if (await tx.webSessions.remove(user.id, which)) ended = 1;
      else throw new MoatError("session_not_found", `${user.address} has no session ${which}`);
      const change = { action: "session.revoke", target: user.address, before: { sessions: which === "all" ? ended : [which] }, after: null };
      await this.audit.record(actor, change, tx);
      return ended;
    });
  }

  /**
   * The user changes their own password from a session: the current password again, then the
   * account's one password-change path (AccountService.setPassword: policy, history, every
   * client security password revoked), which here also ends every other web session. A
   * session restricted to this change is then free (or moves on to second-factor enrolment).
   */
  async changePassword(current: CurrentSession, currentPassword: string, newPassword: string): Promise<PasswordChanged> {
    const { session, user } = current;
    if (!(await this.passwords.verify(user.passwordHash, currentPassword))) throw new MoatError("wrong_password", "the current password is not right");
    if (newPassword === currentPassword) throw new MoatError("invalid_password", "the new password must differ from the current one", { details: ["it is the current password"] });
    const revoked = await this.accounts.setPassword(user.address, newPassword, userActor(user), { keepWebSession: session.id });
    const restriction: SessionRestriction = session.mustEnrol ? "enrol_second_factor_only" : "full";
    if (restriction !== session.restriction) await this.store.webSessions.setRestriction(session.id, restriction, session.mustEnrol);
    return { ...revoked, restriction };
  }

  /** The account enrolled a second factor: its sessions held for that are free now. */
  async secondFactorEnrolled(userId: number): Promise<void> {
    for (const s of await this.store.webSessions.listForUser(userId)) {
      if (s.mustEnrol || s.restriction === "enrol_second_factor_only") {
        await this.store.webSessions.setRestriction(s.id, s.restriction === "enrol_second_factor_only" ? "full" : s.restriction, false);
      }
    }
  }

  /** Deletes every expired session; returns how many. */
  prune(): Promise<number> {
    const now = this.clock.now();
    return this.store.webSessions.prune(now - this.settings.idleMs, now - this.settings.absoluteMs);
  }

  private expired(s: WebSession, now: EpochMs): boolean {
    return now - s.lastSeenAt >= this.settings.idleMs || now - s.createdAt >= this.settings.absoluteMs;
  }
}
