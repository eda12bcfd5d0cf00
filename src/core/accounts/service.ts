// Account administration: domains, users, aliases and mail groups. Every admin surface (the
// `moat` command now, the web console later) calls these, so the rules live in one place:
// addresses are canonical, one address names one thing, users belong to a hosted domain.
import { domainOf, parseAddress, parseDomain, type Address, type DomainName } from "../../mail/address.js";
import { MoatError } from "../../shared/errors.js";
import type { Clock } from "../ports/clock.js";
import type { Store } from "../ports/store.js";
import { checkPasswordShape, type PasswordHasher } from "../auth/passwords.js";
import type { MailStore } from "../mailstore/service.js";
import { actorName, type Actor } from "../security/audit.js";
import type { Alias, Domain, GroupMember, MailGroup, Role, User, UserStatus } from "./types.js";
import { revokeRememberedBrowsers } from "../auth/two-factor/remembered-browsers.js";

export interface NewUserInput {
  readonly address: string;
  readonly password: string;
  readonly displayName?: string | undefined;
  readonly role?: Role | undefined;
  readonly quotaBytes?: number | undefined;
}

function address(input: string): Address {
  const parsed = parseAddress(input);
  if (!parsed.ok) throw new MoatError("invalid_address", parsed.error);
  return parsed.value;
}

function domainName(input: string): DomainName {
  const parsed = parseDomain(input);
  if (!parsed.ok) throw new MoatError("invalid_domain", parsed.error);
  return parsed.value;
}

/** What other services do when accounts change, injected so accounts/ imports none of them. */
export interface AccountHooks {
  /** After a domain is added, e.g. make its DKIM key (delivery/dkim.ts DkimService.ensureKey). */
  readonly onDomainAdded?: (domain: Domain) => Promise<unknown>;
  /** After a user is added, e.g. give them their domain's default protocol switches (issue 6). */
  readonly onUserAdded?: (user: User) => Promise<unknown>;
  /** After a password change revoked client security passwords: end the sessions they opened. */
  readonly onAppPasswordsRevoked?: (user: User, ids: readonly number[]) => void;
  /** The domain's password policy (issue 6, item 5): throws invalid_password with every reason. */
  readonly checkPassword?: (subject: PasswordSubject, password: string) => Promise<void>;
}

/** Whose password is being set, for the policy: a new account has no id and no current hash yet. */
export interface PasswordSubject {
  readonly domainId: number;
  readonly address: Address;
  readonly displayName: string;
  readonly user: Pick<User, "id" | "passwordHash"> | null;
}

/** Previous hashes kept besides the current one: "no reuse of the last 5 passwords". */
const previousPasswordsKept = 4;

export class AccountService {
  constructor(
    private readonly store: Store,
    private readonly passwords: PasswordHasher,
    private readonly clock: Clock,
    private readonly mailstore: MailStore,
    private readonly hooks: AccountHooks = {},
  ) {}

  async addDomain(name: string): Promise<Domain> {
    const domain = domainName(name);
    if (await this.store.domains.findByName(domain)) throw new MoatError("domain_exists", `the domain ${domain} already exists`);
    const created = await this.store.domains.create(domain, this.clock.now());
    await this.hooks.onDomainAdded?.(created);
    return created;
  }

  listDomains(): Promise<Domain[]> {
    return this.store.domains.list();
  }

  async getDomain(name: string): Promise<Domain> {
    const domain = await this.store.domains.findByName(domainName(name));
    if (!domain) throw new MoatError("domain_not_found", `no domain ${name} on this server`);
    return domain;
  }

  /** Refuses a domain that still has addresses unless `force`, which removes them too. */
  async removeDomain(name: string, opts: { force?: boolean } = {}): Promise<void> {
    const domain = await this.getDomain(name);
    const count = await this.store.domains.countAddresses(domain.id);
    if (count > 0 && !opts.force) {
      throw new MoatError("domain_not_empty", `the domain ${domain.name} still has ${count} users, aliases or groups (use --force to remove them too)`);
    }
    await this.store.domains.remove(domain.id);
  }

  async addUser(input: NewUserInput): Promise<User> {
    const addr = address(input.address);
    const domain = await this.domainFor(addr);
    await this.assertFree(addr);
    checkPasswordShape(input.password);
    await this.hooks.checkPassword?.({ domainId: domain.id, address: addr, displayName: (input.displayName ?? "").trim(), user: null }, input.password);
    if (input.quotaBytes !== undefined && (!Number.isSafeInteger(input.quotaBytes) || input.quotaBytes < 0)) {
      throw new MoatError("invalid_input", "the quota must be a whole number of bytes, 0 for none");
    }
    const passwordHash = await this.passwords.hash(input.password);
    // The user and their folders exist together or not at all.
    const created = await this.store.transaction(async (tx) => {
      const user = await tx.users.create({
        domainId: domain.id,
        address: addr,
        displayName: (input.displayName ?? "").trim(),
        role: input.role ?? "user",
        quotaBytes: input.quotaBytes ?? 0,
        passwordHash,
        now: this.clock.now(),
      });
      await this.mailstore.createDefaultMailboxes(tx, user.id);
      return user;
    });
    await this.hooks.onUserAdded?.(created);
    return created;
  }

  async getUser(input: string): Promise<User> {
    const user = await this.store.users.findByAddress(address(input));
    if (!user) throw new MoatError("user_not_found", `no user ${input} on this server`);
    return user;
  }

  async listUsers(domain?: string): Promise<User[]> {
    return this.store.users.list(domain === undefined ? undefined : (await this.getDomain(domain)).id);
  }

  /**
   * Sets the password and, in the same transaction, revokes every client security password of
   * the account (as Google does: whoever changes a stolen password must not leave the thief's
   * client working). Returns how many were revoked. `temporary`: an admin's reset — the user
   * must choose a password at the next web login, and no protocol login takes this one.
   * Every web session of the account ends too, but `keepWebSession`: the one of a user
   * changing their own password (issue 6 item 7).
   */
  async setPassword(
    input: string,
    password: string,
    actor?: Actor,
    opts: { temporary?: boolean; keepWebSession?: number } = {},
  ): Promise<{ revokedAppPasswords: number; revokedWebSessions: number }> {
    const temporary = opts.temporary === true;
    const user = await this.getUser(input);
    checkPasswordShape(password);
    await this.hooks.checkPassword?.({ domainId: user.domainId, address: user.address, displayName: user.displayName, user }, password);
    const hash = await this.passwords.hash(password);
    const { revoked, webSessions } = await this.store.transaction(async (tx) => {
      await tx.users.setPassword(user.id, hash, this.clock.now(), temporary);
      await tx.passwordHistory.add(user.id, user.passwordHash, this.clock.now(), previousPasswordsKept);
      const ids = await tx.appPasswords.removeAllForUser(user.id);
      const sessions = await tx.webSessions.removeAllForUser(user.id, opts.keepWebSession);
      // A remembered browser skips the second factor: a new password forgets them all (decision 0013).
      await revokeRememberedBrowsers(tx, user.id);
      // The audit log says who changed it and what went with it, never the password.
      if (actor) {
        const before = { appPasswords: ids.length, ...(sessions > 0 ? { webSessions: sessions } : {}) };
        const change = { action: "user.password", target: user.address, before, after: { appPasswords: 0, ...(temporary ? { temporary } : {}) } };
        await tx.audit.append({ at: this.clock.now(), actor: actorName(actor), ...change });
      }
      return { revoked: ids, webSessions: sessions };
    });
    if (revoked.length > 0) this.hooks.onAppPasswordsRevoked?.(user, revoked);
    return { revokedAppPasswords: revoked.length, revokedWebSessions: webSessions };
  }

  async setStatus(input: string, status: UserStatus): Promise<User> {
    const user = await this.getUser(input);
    await this.store.users.setStatus(user.id, status);
    return { ...user, status };
  }

  async removeUser(input: string): Promise<void> {
    await this.store.users.remove((await this.getUser(input)).id);
  }

  async addAlias(aliasAddress: string, targetAddress: string): Promise<Alias> {
    const addr = address(aliasAddress);
    const target = address(targetAddress);
    const domain = await this.domainFor(addr);
    if (addr === target) throw new MoatError("invalid_input", "an alias cannot point to itself");
    await this.assertFree(addr);
    return this.store.aliases.create({ domainId: domain.id, address: addr, target, now: this.clock.now() });
  }

  async listAliases(domain?: string): Promise<Alias[]> {
    return this.store.aliases.list(domain === undefined ? undefined : (await this.getDomain(domain)).id);
  }

  async removeAlias(input: string): Promise<void> {
    const alias = await this.store.aliases.findByAddress(address(input));
    if (!alias) throw new MoatError("alias_not_found", `no alias ${input} on this server`);
    await this.store.aliases.remove(alias.id);
  }

  async addGroup(groupAddress: string, name?: string): Promise<MailGroup> {
    const addr = address(groupAddress);
    const domain = await this.domainFor(addr);
    await this.assertFree(addr);
    return this.store.groups.create({ domainId: domain.id, address: addr, name: (name ?? "").trim(), now: this.clock.now() });
  }

  async getGroup(input: string): Promise<MailGroup> {
    const group = await this.store.groups.findByAddress(address(input));
    if (!group) throw new MoatError("group_not_found", `no group ${input} on this server`);
    return group;
  }

  async listGroups(domain?: string): Promise<MailGroup[]> {
    return this.store.groups.list(domain === undefined ? undefined : (await this.getDomain(domain)).id);
  }

  async removeGroup(input: string): Promise<void> {
    await this.store.groups.remove((await this.getGroup(input)).id);
  }

  /**
   * Adds all or none: every member is checked first and the inserts share one transaction.
   * A member is one of our users, or an address outside every domain we host.
   */
  async addMembers(groupInput: string, memberInputs: readonly string[]): Promise<GroupMember[]> {
    const group = await this.getGroup(groupInput);
    const members: GroupMember[] = [];
    for (const input of memberInputs) members.push(await this.memberFor(address(input)));
    await this.store.transaction(async (tx) => {
      for (const member of members) await tx.groups.addMember(group.id, member);
    });
    return members;
  }

  private async memberFor(addr: Address): Promise<GroupMember> {
    const user = await this.store.users.findByAddress(addr);
    if (user) return { kind: "user", userId: user.id, address: addr };
    if (await this.store.domains.findByName(domainOf(addr))) {
      throw new MoatError("user_not_found", `${addr} is in a domain of this server but is not a user`);
    }
    return { kind: "external", address: addr };
  }

  async removeMember(groupInput: string, memberInput: string): Promise<void> {
    const group = await this.getGroup(groupInput);
    if (!(await this.store.groups.removeMember(group.id, address(memberInput)))) {
      throw new MoatError("member_not_found", `${memberInput} is not a member of ${group.address}`);
    }
  }

  async listMembers(groupInput: string): Promise<GroupMember[]> {
    return this.store.groups.listMembers((await this.getGroup(groupInput)).id);
  }

  private async domainFor(addr: Address): Promise<Domain> {
    const domain = await this.store.domains.findByName(domainOf(addr));
    if (!domain) throw new MoatError("domain_not_found", `the domain ${domainOf(addr)} is not hosted here (add it with: moat domain add ${domainOf(addr)})`);
    return domain;
  }

  /** One address names at most one user, alias or group. */
  private async assertFree(addr: Address): Promise<void> {
    const [user, alias, group] = await Promise.all([
      this.store.users.findByAddress(addr),
      this.store.aliases.findByAddress(addr),
      this.store.groups.findByAddress(addr),
    ]);
    const holder = user ? "a user" : alias ? "an alias" : group ? "a group" : undefined;
    if (holder) throw new MoatError("address_taken", `${addr} is already ${holder}`);
  }
}
