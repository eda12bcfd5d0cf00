// Two-factor login for every surface (web routes, the `moat` command): enrolment of TOTP and
// passkeys, recovery codes, the status of an account, an admin's reset, and the domain's
// requirement. authenticate() asks the same tables through login-step.ts. Each change is
// written together with its audit entry (decision 0013).
import type { PublicKeyCredentialCreationOptionsJSON, PublicKeyCredentialRequestOptionsJSON } from "@simplewebauthn/server";
import { parseAddress, type Address } from "../../../mail/address.js";
import { MoatError } from "../../../shared/errors.js";
import type { AccountService } from "../../accounts/service.js";
import type { EpochMs, User } from "../../accounts/types.js";
import type { Clock } from "../../ports/clock.js";
import type { Store } from "../../ports/store.js";
import type { Passkey, TwoFactorRemoved } from "../../ports/two-factor.js";
import type { Actor, AuditLog } from "../../security/audit.js";
import { domainLoginSettingsSchema, readSettings, type DomainLoginSettings } from "../login-settings.js";
import type { LoginSettingsService } from "../login-settings-service.js";
import type { PasswordHasher } from "../passwords.js";
import type { Channel, SecondFactorKind, SecondFactorProof } from "../types.js";
import { authenticationOptions, ceremonyMs, registrationOptions, verifyRegistration } from "./passkeys.js";
import { factorsOf, hasSecondFactor, methodsOf, totpSealContext, verifyProof, type ProofDeps } from "./proofs.js";
import { generateRecoveryCodes, hashRecoveryCode, normaliseRecoveryCode } from "./recovery-codes.js";
import { revokeRememberedBrowsers } from "./remembered-browsers.js";
import { requirementFor } from "./requirement.js";
import type { TicketBook } from "./tickets.js";
import { matchTotp, newTotpSecret, totpEnrolment, type TotpEnrolment } from "./totp.js";

/**
 * A proof, given again, before a change to the account's second factors (removing one,
 * regenerating recovery codes, adding one when there is one already): the main password or a
 * second factor, so a session cookie alone (a browser left open) cannot change them.
 */
export interface FreshProof {
  readonly password?: string | undefined;
  readonly secondFactor?: SecondFactorProof | undefined;
}

export interface TwoFactorServiceDeps extends Omit<ProofDeps, "store"> {
  /** Checks the password of a FreshProof; without it only a second factor proves. */
  readonly passwords?: PasswordHasher | undefined;
  /** authenticate()'s login tickets, for the SMS code of the second step. */
  readonly loginTickets?: TicketBook | undefined;
}

export interface TwoFactorStatus {
  readonly address: Address;
  /** Two-factor login is on: a confirmed TOTP or at least one passkey. */
  readonly enabled: boolean;
  readonly totp: "off" | "pending" | "on";
  readonly passkeys: Passkey[];
  readonly recoveryCodesLeft: number;
  readonly rememberedBrowsers: number;
  /** A bound phone can answer as the fallback second factor. */
  readonly sms: boolean;
  readonly methods: SecondFactorKind[];
  /** The domain requires a second factor of this account; enrolBy ends its grace period. */
  readonly required: boolean;
  readonly enrolBy: EpochMs | null;
}

export interface RequirementChange {
  readonly required: DomainLoginSettings["twoFactorRequired"];
  readonly accounts?: readonly string[];
  readonly groups?: readonly string[];
  readonly graceDays?: number;
}

/** A WebAuthn ceremony waiting for the browser: its challenge, for one account. */
interface Ceremony {
  readonly challenge: string;
  readonly expiresAt: EpochMs;
}

const maxNameLength = 100;

export class TwoFactorService {
  private readonly registrations = new Map<number, Ceremony>();
  private readonly reauths = new Map<number, Ceremony>();

  constructor(
    private readonly store: Store,
    private readonly accounts: AccountService,
    private readonly audit: AuditLog,
    private readonly clock: Clock,
    private readonly deps: TwoFactorServiceDeps,
    private readonly settings: LoginSettingsService,
    /** The issuer authenticator apps show beside the account. */
    private readonly issuer = "Moat",
  ) {}

  private get proofDeps(): ProofDeps {
    return { ...this.deps, store: this.store };
  }

  private async user(userId: number): Promise<User> {
    const user = await this.store.users.findById(userId);
    if (!user) throw new MoatError("user_not_found");
    return user;
  }

  private self = (user: User): Actor => ({ kind: "user", userId: user.id, address: user.address });

  async status(address: string): Promise<TwoFactorStatus> {
    return this.listFactors((await this.accounts.getUser(address)).id);
  }

  async listFactors(userId: number): Promise<TwoFactorStatus> {
    const user = await this.user(userId);
    const now = this.clock.now();
    const [factors, account, browsers, domain] = await Promise.all([
      factorsOf(this.proofDeps, userId),
      this.store.twoFactor.account(userId),
      this.store.twoFactor.browsers(userId, now),
      this.store.loginSettings.getDomain(user.domainId),
    ]);
    const enabled = hasSecondFactor(factors);
    const requirement = await requirementFor(this.store, readSettings(domainLoginSettingsSchema, domain), user, now);
    return {
      address: user.address,
      enabled,
      totp: factors.totp ? "on" : account?.totpPendingSealed ? "pending" : "off",
      passkeys: factors.passkeys.map(({ publicKey: _p, counter: _c, ...p }) => p),
      recoveryCodesLeft: factors.recoveryCodesLeft,
      rememberedBrowsers: browsers.length,
      sms: factors.sms,
      methods: methodsOf(factors),
      required: requirement.required,
      enrolBy: enabled ? null : requirement.enrolBy,
    };
  }

  /** Whether the account has two-factor login on. */
  async enrolled(userId: number): Promise<boolean> {
    return hasSecondFactor(await factorsOf(this.proofDeps, userId));
  }

  /** A new secret, pending until confirmTotp() sees a right code from it; a confirmed one keeps working meanwhile. */
  async startTotpEnrolment(userId: number): Promise<TotpEnrolment> {
    const user = await this.user(userId);
    const secret = newTotpSecret();
    await this.store.twoFactor.setPendingTotp(userId, this.deps.sealer.seal(secret, totpSealContext(userId)), this.clock.now());
    return totpEnrolment(secret, user.address, this.issuer);
  }

  /**
   * Turns the pending secret on when the code is right. Returns ten new recovery codes, shown
   * once, when the account had none left (its first second factor).
   */
  async confirmTotp(userId: number, code: string, actor?: Actor): Promise<{ recoveryCodes: string[] | null }> {
    const user = await this.user(userId);
    const account = await this.store.twoFactor.account(userId);
    if (!account?.totpPendingSealed) throw new MoatError("invalid_input", "no authenticator app enrolment is in progress; start one first");
    const now = this.clock.now();
    const step = matchTotp(this.deps.sealer.open(account.totpPendingSealed, totpSealContext(userId)), code, now);
    if (step === null) throw new MoatError("invalid_second_factor", "the code is not right; check the time on the phone and try the next code");
    return this.store.transaction(async (tx) => {
      if (!(await tx.twoFactor.confirmTotp(userId, step, now))) throw new MoatError("invalid_input", "the enrolment was cancelled meanwhile");
      const recoveryCodes = await this.codesIfNone(tx, userId, now);
      await this.audit.record(actor ?? this.self(user), { action: "2fa.totp.enrol", target: user.address, before: { totp: account.totpSealed ? "on" : "off" }, after: { totp: "on" } }, tx);
      return { recoveryCodes };
    });
  }

  async removeTotp(userId: number, actor?: Actor): Promise<boolean> {
    const user = await this.user(userId);
    return this.store.transaction(async (tx) => {
      const removed = await tx.twoFactor.removeTotp(userId, this.clock.now());
      if (removed) await this.audit.record(actor ?? this.self(user), { action: "2fa.totp.remove", target: user.address, before: { totp: "on" }, after: { totp: "off" } }, tx);
      return removed;
    });
  }

  /** Ten new codes, shown once; the old ones stop working. */
  async regenerateRecoveryCodes(userId: number, actor?: Actor): Promise<string[]> {
    const user = await this.user(userId);
    return this.store.transaction(async (tx) => {
      const codes = await this.replaceCodes(tx, userId, this.clock.now());
      await this.audit.record(actor ?? this.self(user), { action: "2fa.recovery.regenerate", target: user.address, before: null, after: { recoveryCodes: codes.length } }, tx);
      return codes;
    });
  }

  /** Options for navigator.credentials.create(); the challenge is kept for verifyPasskeyRegistration(). */
  async registerPasskeyOptions(userId: number): Promise<PublicKeyCredentialCreationOptionsJSON> {
    const user = await this.user(userId);
    const options = await registrationOptions(this.deps.webauthn, user, await this.store.twoFactor.passkeys(userId));
    this.registrations.set(userId, { challenge: options.challenge, expiresAt: this.clock.now() + ceremonyMs });
    return options;
  }

  /** Checks the browser's RegistrationResponseJSON and keeps the passkey under a name. */
  async verifyPasskeyRegistration(userId: number, response: unknown, name: string, actor?: Actor): Promise<{ passkey: Passkey; recoveryCodes: string[] | null }> {
    const user = await this.user(userId);
    const label = name.trim();
    if (label === "" || label.length > maxNameLength || /\p{Cc}/u.test(label)) throw new MoatError("invalid_input", `the name must be 1 to ${maxNameLength} printable characters`);
    const now = this.clock.now();
    const ceremony = this.registrations.get(userId);
    this.registrations.delete(userId);
    if (!ceremony || ceremony.expiresAt <= now) throw new MoatError("invalid_input", "no passkey registration is in progress (or it took too long); start again");
    const credential = await verifyRegistration(this.deps.webauthn, response, ceremony.challenge);
    return this.store.transaction(async (tx) => {
      const passkey = await tx.twoFactor.addPasskey({ userId, name: label, ...credential, createdAt: now });
      const recoveryCodes = await this.codesIfNone(tx, userId, now);
      await this.audit.record(actor ?? this.self(user), { action: "2fa.passkey.add", target: user.address, before: null, after: { passkey: label } }, tx);
      return { passkey, recoveryCodes };
    });
  }

  async removePasskey(userId: number, name: string, actor?: Actor): Promise<Passkey> {
    const user = await this.user(userId);
    return this.store.transaction(async (tx) => {
      const removed = await tx.twoFactor.removePasskey(userId, name);
      if (!removed) throw new MoatError("invalid_input", `${user.address} has no passkey named ${JSON.stringify(name)}`);
      await this.audit.record(actor ?? this.self(user), { action: "2fa.passkey.remove", target: user.address, before: { passkey: name }, after: null }, tx);
      return removed;
    });
  }

  /**
   * What an action that needs the second factor again (creating a client security password)
   * shows the user: the methods, and WebAuthn options whose challenge checkProof() expects.
   */
  async proofOptions(userId: number): Promise<{ methods: SecondFactorKind[]; webauthn?: PublicKeyCredentialRequestOptionsJSON }> {
    const factors = await factorsOf(this.proofDeps, userId);
    if (factors.passkeys.length === 0) return { methods: methodsOf(factors) };
    const webauthn = await authenticationOptions(this.deps.webauthn, factors.passkeys);
    this.reauths.set(userId, { challenge: webauthn.challenge, expiresAt: this.clock.now() + ceremonyMs });
    return { methods: methodsOf(factors), webauthn };
  }

  /** True once for a right proof (used up like at login). */
  async checkProof(userId: number, proof: SecondFactorProof): Promise<boolean> {
    const now = this.clock.now();
    const ceremony = proof.kind === "webauthn" ? this.reauths.get(userId) : undefined;
    if (ceremony) this.reauths.delete(userId);
    const challenge = ceremony && ceremony.expiresAt > now ? ceremony.challenge : undefined;
    return (await verifyProof(this.proofDeps, userId, proof, now, challenge)).ok;
  }

  /**
   * A FreshProof for a change of the account's own second factors: each part given must be
   * right (wrong_password, invalid_second_factor), and one at least must be given.
   */
  async reauthenticate(userId: number, proof: FreshProof): Promise<void> {
    if (proof.password === undefined && proof.secondFactor === undefined) {
      throw new MoatError("invalid_second_factor", "prove it is you again: give the account password or a second factor");
    }
    if (proof.password !== undefined) {
      const user = await this.user(userId);
      if (!this.deps.passwords || !(await this.deps.passwords.verify(user.passwordHash, proof.password))) throw new MoatError("wrong_password");
    }
    if (proof.secondFactor !== undefined && !(await this.checkProof(userId, proof.secondFactor))) {
      throw new MoatError("invalid_second_factor", "the second factor is not right or was already used");
    }
  }

  /**
   * Refuses a user's own removal of their last second factor (TOTP, or a passkey by name)
   * while their domain requires one; an admin's resetAll() still may.
   */
  async keepRequiredFactor(userId: number, removing: { readonly totp: true } | { readonly passkey: string }): Promise<void> {
    const status = await this.listFactors(userId);
    if (!status.required) return;
    const totpLeft = status.totp === "on" && !("totp" in removing);
    const passkeysLeft = status.passkeys.filter((p) => !("passkey" in removing) || p.name !== removing.passkey).length;
    if (!totpLeft && passkeysLeft === 0) {
      throw new MoatError("invalid_input", "your domain requires two-factor login: add another second factor before removing this one");
    }
  }

  /**
   * The SMS fallback of a login's second step: sends a `second_factor` code to the bound phone
   * when the ticket is live for this account, channel and client address (it is not spent) and
   * offers "sms". False when nothing went (the caller answers alike either way); the phone
   * service's send limits apply.
   */
  async sendLoginSmsCode(identity: string, ticketId: string, channel: Channel, ip: string): Promise<boolean> {
    const { loginTickets, phoneCodes } = this.deps;
    const address = parseAddress(identity);
    if (!loginTickets || !phoneCodes || !address.ok) return false;
    const user = await this.store.users.findByAddress(address.value);
    if (!user || user.status !== "active") return false;
    const ticket = loginTickets.live(ticketId, user, channel, ip, this.clock.now());
    if (!ticket?.methods.includes("sms")) return false;
    return phoneCodes.send(user.id, "second_factor");
  }

  /** An admin's reset: TOTP, passkeys, recovery codes and remembered browsers go; the account logs in with its password alone. */
  async resetAll(address: string, actor: Actor): Promise<TwoFactorRemoved> {
    const user = await this.accounts.getUser(address);
    return this.store.transaction(async (tx) => {
      const removed = await tx.twoFactor.removeAll(user.id, this.clock.now());
      await this.audit.record(actor, { action: "2fa.reset", target: user.address, before: removed, after: null }, tx);
      return removed;
    });
  }

  /** Forgets the account's remembered browsers (also done by every password change). */
  revokeRememberedBrowsers(userId: number): Promise<number> {
    return revokeRememberedBrowsers(this.store, userId);
  }

  /** The domain's requirement; the grace period of each account it now covers starts now. */
  async setRequirement(domainName: string, change: RequirementChange, actor: Actor): Promise<DomainLoginSettings> {
    const canonical = (items: readonly string[] | undefined) => items?.map((a) => {
      const parsed = parseAddress(a);
      if (!parsed.ok) throw new MoatError("invalid_address", `${a}: ${parsed.error}`);
      return parsed.value;
    });
    const accounts = canonical(change.accounts);
    const groups = canonical(change.groups);
    const patch: Partial<DomainLoginSettings> = {
      twoFactorRequired: change.required,
      ...(accounts ? { twoFactorAccounts: accounts } : {}),
      ...(groups ? { twoFactorGroups: groups } : {}),
      ...(change.graceDays !== undefined ? { twoFactorGraceDays: change.graceDays } : {}),
    };
    const after = await this.settings.updateDomain(domainName, patch, actor);
    const now = this.clock.now();
    for (const user of await this.accounts.listUsers(domainName)) await requirementFor(this.store, after, user, now);
    return after;
  }

  private async codesIfNone(tx: Pick<Store, "twoFactor">, userId: number, now: EpochMs): Promise<string[] | null> {
    const left = (await tx.twoFactor.recoveryCodes(userId)).filter((c) => c.usedAt === null).length;
    return left > 0 ? null : this.replaceCodes(tx, userId, now);
  }

  private async replaceCodes(tx: Pick<Store, "twoFactor">, userId: number, now: EpochMs): Promise<string[]> {
    const key = this.deps.key();
    const codes = generateRecoveryCodes();
    await tx.twoFactor.replaceRecoveryCodes(userId, codes.map((c) => ({ hash: hashRecoveryCode(key, normaliseRecoveryCode(c)!), keyId: key.id })), now);
    return codes;
  }
}
