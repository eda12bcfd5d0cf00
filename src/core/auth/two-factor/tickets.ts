// The ticket between the two steps of a web or API login: the first step (a right main
// password) leaves one, the second (the second factor) must bring it back. It is random,
// single use, bound to the account, the channel and the client address, lives five minutes and
// dies after five wrong proofs, so a stolen password alone never reaches a session and a ticket
// cannot be replayed from elsewhere. Kept in memory: with several nodes, the second step must
// reach the node of the first (sticky sessions), decision 0013.
import { randomBytes } from "node:crypto";
import type { EpochMs } from "../../accounts/types.js";
import type { Channel, SecondFactorKind } from "../types.js";

export const ticketMs = 5 * 60_000;
export const maxWrongProofs = 5;
/** Past this many live tickets the oldest go first: memory stays bounded under a flood. */
const maxTickets = 100_000;

export interface Ticket {
  readonly id: string;
  readonly userId: number;
  readonly channel: Channel;
  readonly ip: string;
  readonly expiresAt: EpochMs;
  readonly methods: readonly SecondFactorKind[];
  /** The WebAuthn challenge sent with the ticket, when the account has passkeys. */
  readonly webauthnChallenge: string | undefined;
  /** The step-7 verdict of the main password, which the second step cannot recompute without it. */
  readonly stale: "password_change_required" | "password_expired" | null;
  /** A password changed after the first step voids the ticket. */
  readonly passwordChangedAt: EpochMs;
  wrongProofs: number;
}

export class TicketBook {
  private readonly tickets = new Map<string, Ticket>();

  issue(fields: Omit<Ticket, "id" | "wrongProofs" | "expiresAt">, now: EpochMs): Ticket {
    this.prune(now);
    const ticket: Ticket = { ...fields, id: randomBytes(24).toString("base64url"), expiresAt: now + ticketMs, wrongProofs: 0 };
    this.tickets.set(ticket.id, ticket);
    return ticket;
  }

  /** The live ticket for exactly this account, channel and address; a mismatch voids it. */
  find(id: string, userId: number, channel: Channel, ip: string, now: EpochMs): Ticket | undefined {
    const ticket = this.tickets.get(id);
    if (!ticket) return undefined;
    if (ticket.expiresAt <= now || ticket.userId !== userId || ticket.channel !== channel || ticket.ip !== ip) {
      this.tickets.delete(id);
      return undefined;
    }
    return ticket;
  }

  /** find(), and a password changed since the first step voids the ticket too. */
  live(id: string, user: { readonly id: number; readonly passwordChangedAt: EpochMs }, channel: Channel, ip: string, now: EpochMs): Ticket | undefined {
    const ticket = this.find(id, user.id, channel, ip, now);
    if (ticket && ticket.passwordChangedAt !== user.passwordChangedAt) {
      this.spend(ticket);
      return undefined;
    }
    return ticket;
  }

  /** Counts a wrong proof; the fifth voids the ticket. */
  wrong(ticket: Ticket): void {
    ticket.wrongProofs += 1;
    if (ticket.wrongProofs >= maxWrongProofs) this.tickets.delete(ticket.id);
  }

  /** Single use: gone once it succeeded (or the account was refused meanwhile). */
  spend(ticket: Ticket): void {
    this.tickets.delete(ticket.id);
  }

  private prune(now: EpochMs): void {
    for (const [id, ticket] of this.tickets) {
      // Map order is insertion order: tickets expire in that order too.
      if (ticket.expiresAt > now && this.tickets.size < maxTickets) break;
      this.tickets.delete(id);
    }
  }
}
