// The second factor inside authenticate() (DESIGN.md step 6 for web and API, decision 0013).
// First step: a right main password on an account with a second factor answers
// `second_factor_required` with a ticket (and the WebAuthn options when it has passkeys),
// unless the browser was remembered. Second step: the ticket and a proof, no password.
// An account without a second factor whose domain requires one passes until its grace period
// ends, and then only to enrol.
import type { EpochMs, User } from "../../accounts/types.js";
import type { DomainLoginSettings } from "../login-settings.js";
import { MoatError } from "../../../shared/errors.js";
import type { SecretSealer } from "../../ports/sealer.js";
import type { AppPasswordKeySource } from "../app-password-secret.js";
import type { Channel, LoginContext, PendingSecondFactor, PhoneCodeCheck, SecondFactorKind, SecondFactorProof } from "../types.js";
import { authenticationOptions, webAuthnSettings, type WebAuthnSettings } from "./passkeys.js";
import { factorsOf, methodsOf, verifyProof, type ProofDeps } from "./proofs.js";
import { isRememberedBrowser, rememberBrowser } from "./remembered-browsers.js";
import { requirementFor } from "./requirement.js";
import { TicketBook, type Ticket } from "./tickets.js";
import type { Store } from "../../ports/store.js";

type Stale = Ticket["stale"];

export interface SecondFactorLoginDeps extends ProofDeps {
  readonly store: Store;
}

export type FirstStep =
  | { readonly kind: "pass"; readonly remembered: boolean; readonly mustEnrol: boolean }
  | { readonly kind: "pending"; readonly pending: PendingSecondFactor };

export type SecondStep =
  | { readonly ok: true; readonly kind: SecondFactorKind; readonly label: string; readonly rememberedBrowser?: { token: string; expiresAt: EpochMs } }
  | { readonly ok: false };

export class SecondFactorLogin {
  /** `tickets`: shared with TwoFactorService.sendLoginSmsCode, which reads a ticket without spending it. */
  constructor(
    private readonly deps: SecondFactorLoginDeps,
    private readonly tickets = new TicketBook(),
  ) {}

  /** Whether the account has a confirmed second factor: then its main password never works over IMAP/POP3/SMTP. */
  async enrolled(userId: number): Promise<boolean> {
    const [account, passkeys] = await Promise.all([this.deps.store.twoFactor.account(userId), this.deps.store.twoFactor.passkeys(userId)]);
    return (account?.totpSealed ?? null) !== null || passkeys.length > 0;
  }

  /** After a right main password and the account's own rules, on web or API. */
  async afterPassword(user: User, domain: DomainLoginSettings, channel: Channel, context: LoginContext, stale: Stale, now: EpochMs): Promise<FirstStep> {
    // Most accounts have no second factor: two reads tell, before the full list of factors.
    if (!(await this.enrolled(user.id))) {
      const { enrolBy } = await requirementFor(this.deps.store, domain, user, now);
      return { kind: "pass", remembered: false, mustEnrol: enrolBy !== null && now >= enrolBy };
    }
    const factors = await factorsOf(this.deps, user.id);
    if (channel === "web" && (await isRememberedBrowser(this.deps.store, user.id, context.rememberedBrowser, now))) {
      return { kind: "pass", remembered: true, mustEnrol: false };
    }
    const webauthn = factors.passkeys.length > 0 ? await authenticationOptions(this.deps.webauthn, factors.passkeys) : undefined;
    const methods = methodsOf(factors);
    const ticket = this.tickets.issue(
      { userId: user.id, channel, ip: context.ip, methods, webauthnChallenge: webauthn?.challenge, stale, passwordChangedAt: user.passwordChangedAt },
      now,
    );
    return { kind: "pending", pending: { ticket: ticket.id, expiresAt: ticket.expiresAt, methods, ...(webauthn ? { webauthn } : {}) } };
  }

  /** The live ticket of the second step; a password changed since the first step voids it. */
  ticket(id: string, user: User, channel: Channel, ip: string, now: EpochMs): Ticket | undefined {
    return this.tickets.live(id, user, channel, ip, now);
  }

  /** The ticket is spent without a proof (the account was refused meanwhile). */
  void(ticket: Ticket): void {
    this.tickets.spend(ticket);
  }

  /** Checks the proof; a right one spends the ticket and, if asked on the web, remembers the browser. */
  async prove(ticket: Ticket, proof: SecondFactorProof, context: LoginContext, now: EpochMs): Promise<SecondStep> {
    const outcome = ticket.methods.includes(proof.kind) ? await verifyProof(this.deps, ticket.userId, proof, now, ticket.webauthnChallenge) : { ok: false as const };
    if (!outcome.ok) {
      this.tickets.wrong(ticket);
      return outcome;
    }
    this.tickets.spend(ticket);
    const remember = ticket.channel === "web" && context.rememberBrowser === true;
    return { ...outcome, ...(remember ? { rememberedBrowser: await rememberBrowser(this.deps.store, ticket.userId, context.userAgent ?? context.clientId, now) } : {}) };
  }
}

/** A sealer for a composition that gave none: an account with TOTP then cannot finish a login (closed, not open). */
const noSealer = {
  seal(): string {
    throw new MoatError("config_invalid", "two-factor login has no sealing key (keys/two-factor-sealing.key)");
  },
  open(): string {
    throw new MoatError("config_invalid", "two-factor login has no sealing key (keys/two-factor-sealing.key)");
  },
  isSealed: () => true,
};

export interface SecondFactorLoginOptions {
  readonly store: Store;
  readonly sealer?: SecretSealer | undefined;
  readonly key?: AppPasswordKeySource | undefined;
  readonly webauthn?: WebAuthnSettings | undefined;
  readonly phoneCodes?: PhoneCodeCheck | undefined;
  /** The login tickets, when another service must see them too (the SMS code of the second step). */
  readonly tickets?: TicketBook | undefined;
}

/** What authenticate() builds from its deps; missing keys fail closed (no second factor verifies). */
export function createSecondFactorLogin(options: SecondFactorLoginOptions): SecondFactorLogin {
  return new SecondFactorLogin({
    store: options.store,
    sealer: options.sealer ?? noSealer,
    key:
      options.key ??
      (() => {
        throw new MoatError("config_invalid", "two-factor login has no key for recovery codes");
      }),
    webauthn: options.webauthn ?? webAuthnSettings("https://localhost"),
    phoneCodes: options.phoneCodes,
  }, options.tickets);
}
