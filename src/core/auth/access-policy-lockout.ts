// "A policy that would lock out every admin, or the admin saving it, is refused" (issue 6 item 4).
// Where an administrator will log in next is best guessed by where they last did: for each
// channel, the place of their last successful login (login records). A set of policies locks
// the domain out when every administrator who ever logged in is refused at every one of those
// places; administrators without a successful login give no evidence either way. The admin
// making the change is checked at the place they make it from, when there is one (the web
// console); the `moat` command is the local operator, whom no policy governs.
import type { Domain, User } from "../accounts/types.js";
import type { AccessPolicy } from "../ports/access-policies.js";
import type { GeoIp } from "../ports/geoip.js";
import type { Store } from "../ports/store.js";
import type { Actor } from "../security/audit.js";
import { loginPlace, refusingPolicy, type PolicySubject } from "./access-policies.js";
import { channels, type Channel } from "./types.js";

export interface AdminPlace {
  readonly ip: string;
  readonly channel: Channel;
}

const subjectOf = (store: Store, user: User): PolicySubject => ({ address: user.address, groups: () => store.loginSettings.groupsOfUser(user.id) });

/** Per channel, where the user last logged in successfully. */
async function lastPlaces(store: Store, userId: number): Promise<AdminPlace[]> {
  const places: AdminPlace[] = [];
  for (const channel of channels) {
    const [last] = await store.loginRecords.list({ userId, channel, result: "success", limit: 1 });
    if (last) places.push({ channel, ip: last.ip });
  }
  return places;
}

/** Why the policies would lock the domain's administrators out, or null when they would not. */
export async function findLockout(store: Store, geoip: GeoIp | undefined, domain: Domain, policies: readonly AccessPolicy[], actor: Actor, from: AdminPlace | undefined): Promise<string | null> {
  const refusedBy = (user: User, place: AdminPlace) => refusingPolicy(policies, subjectOf(store, user), loginPlace(place.channel, place.ip, geoip));

  if (actor.kind === "user" && from !== undefined) {
    const self = await store.users.findById(actor.userId);
    const policy = self && self.domainId === domain.id ? await refusedBy(self, from) : undefined;
    if (policy) return `it would lock you (${actor.address}) out: ${from.channel} from ${from.ip} is refused by "${policy.name}"`;
  }

  const admins = (await store.users.list(domain.id)).filter((u) => u.role !== "user" && u.status === "active");
  const lockedOut: string[] = [];
  for (const admin of admins) {
    const refused: string[] = [];
    const places = await lastPlaces(store, admin.id);
    for (const place of places) {
      const policy = await refusedBy(admin, place);
      if (!policy) return null; // this administrator still gets in from somewhere they use
      refused.push(`${place.channel} from ${place.ip} by "${policy.name}"`);
    }
    if (places.length > 0) lockedOut.push(`${admin.address} (${refused.join(", ")})`);
  }
  if (lockedOut.length === 0) return null;
  return `it would lock out every administrator of ${domain.name} who has logged in, at the places they last logged in from: ${lockedOut.join("; ")}`;
}
