// The abnormal-login rules (issue 8 item 2, decision 0026) as pure functions: an observation,
// what the account's profile knew before it, and the domain's lists in; findings out. No store,
// no clock: the detector reads and writes, these decide, and tests replay sequences of logins
// through them alone.
//
// Place rules need a place: a login from a private, loopback or unplaceable address raises none
// of them (nothing is known of it), while the channel and failure rules still apply.
import type { LoginRecord } from "../../auth/types.js";
import { distanceKm, speedKmh } from "./distance.js";
import { cityKey, seenOf, type LoginProfile, type Seen } from "./profile.js";
import { channelName, countryName, placeName, sentences } from "./sentences.js";
import type { AnomalySettings, Finding, LoginObservation } from "./types.js";

export interface SuccessContext {
  readonly settings: AnomalySettings;
  /** The domain's lists (ISO codes, upper case): logins from these raise an event… */
  readonly unexpectedCountries: readonly string[];
  /** …and, when not empty, logins from any country not in it. */
  readonly expectedCountries: readonly string[];
  /** Failures against the account in failureWindowMs before this success (0 when not counted). */
  readonly recentFailures: number;
}

const dayMs = 86_400_000;
const iso = (at: number) => new Date(at).toISOString();

/** What every finding of a login tells in its detail. */
export function loginFacts(r: LoginRecord): Record<string, unknown> {
  return { at: iso(r.at), ip: r.ip, channel: channelName(r.channel), country: r.country, countryName: r.country === null ? null : countryName(r.country), region: r.region, city: r.city, asn: r.asn, asOrg: r.asOrg };
}

/** Still learning: no success yet, or the first less than learningMs ago. Place, network and channel novelty are not news then. */
export function isLearning(profile: LoginProfile, at: number, settings: AnomalySettings): boolean {
  return profile.firstAt === null || at - profile.firstAt < settings.learningMs;
}

/**
 * Familiar: used on familiarAfterDays distinct days, or already during the learning period —
 * what the account did while learning is its baseline, so a user who signs in once a week is
 * not told about their own country when learning ends.
 */
export function isFamiliar(entry: Seen | undefined, profile: LoginProfile, settings: AnomalySettings): boolean {
  if (entry === undefined) return false;
  return entry.days >= settings.familiarAfterDays || (profile.firstAt !== null && entry.firstAt < profile.firstAt + settings.learningMs);
}

type Rule = (o: LoginObservation, p: LoginProfile, c: SuccessContext, learning: boolean) => Finding | null;

const unfamiliarCountry: Rule = ({ record: r }, p, { settings }, learning) => {
  if (learning || r.country === null) return null;
  const seen = seenOf(p.countries, r.country);
  if (isFamiliar(seen, p, settings)) return null;
  const days = seen?.days ?? 0;
  return { rule: "unfamiliar_country", severity: "medium", key: `unfamiliar_country:${r.country}`, summary: sentences.unfamiliarCountry(r, days > 0), detail: { ...loginFacts(r), daysSeen: days } };
};

const unfamiliarCity: Rule = ({ record: r }, p, { settings }, learning) => {
  if (learning || r.country === null || r.city === null) return null;
  if (!isFamiliar(seenOf(p.countries, r.country), p, settings)) return null; // the country's own event says it
  const key = cityKey(r.country, r.region, r.city);
  const seen = seenOf(p.cities, key);
  if (isFamiliar(seen, p, settings)) return null;
  const days = seen?.days ?? 0;
  return { rule: "unfamiliar_city", severity: "low", key: `unfamiliar_city:${key}`, summary: sentences.unfamiliarCity(r, days > 0), detail: { ...loginFacts(r), daysSeen: days } };
};

const newNetwork: Rule = ({ record: r }, p, _c, learning) => {
  if (learning || r.asn === null || seenOf(p.networks, String(r.asn)) !== undefined) return null;
  return { rule: "new_network", severity: "low", key: `new_network:${r.asn}`, summary: sentences.newNetwork(r), detail: loginFacts(r) };
};

/** Also while learning: a stolen password is often used at once, from far away. */
const impossibleTravel: Rule = ({ record: r, coordinates }, p, { settings }) => {
  const last = p.last;
  if (last === null || coordinates === null || r.country === null) return null;
  const km = distanceKm(last, coordinates);
  const elapsedMs = r.at - last.at;
  const kmh = speedKmh(km, elapsedMs);
  if (km < settings.travelMinKm || kmh <= settings.travelKmh) return null;
  const previous = placeName(last)!;
  return {
    rule: "impossible_travel",
    severity: "high",
    key: `impossible_travel:${r.country}`,
    summary: sentences.impossibleTravel(r, km, previous, Math.max(0, elapsedMs)),
    detail: { ...loginFacts(r), km: Math.round(km), kmh: Number.isFinite(kmh) ? Math.round(kmh) : null, previous: { at: iso(last.at), country: last.country, city: last.city, place: previous } },
  };
};

/** "The first POP3 login of a webmail-only user": only once the account has a history to compare with. */
const unusedChannel: Rule = ({ record: r }, p, { settings }, learning) => {
  if (learning) return null;
  const lastAt = p.channels[r.channel];
  if (lastAt !== undefined && r.at - lastAt <= settings.unusedChannelMs) return null;
  const days = lastAt === undefined ? null : Math.floor((r.at - lastAt) / dayMs);
  return { rule: "unused_channel", severity: "low", key: `unused_channel:${r.channel}`, summary: sentences.unusedChannel(r, days), detail: { ...loginFacts(r), lastUsed: lastAt === undefined ? null : iso(lastAt) } };
};

const successAfterFailures: Rule = ({ record: r }, _p, { settings, recentFailures }) => {
  if (recentFailures < settings.failuresBeforeSuccess) return null;
  return {
    rule: "success_after_failures",
    severity: "high",
    key: "success_after_failures",
    summary: sentences.successAfterFailures(r, recentFailures, settings.failureWindowMs),
    detail: { ...loginFacts(r), failures: recentFailures, windowMinutes: settings.failureWindowMs / 60_000 },
  };
};

/** The domain's own lists; also while learning: the admin said so. */
const unexpectedCountry: Rule = ({ record: r }, _p, { unexpectedCountries, expectedCountries }) => {
  const c = r.country;
  if (c === null || !(unexpectedCountries.includes(c) || (expectedCountries.length > 0 && !expectedCountries.includes(c)))) return null;
  return { rule: "unexpected_country", severity: "high", key: `unexpected_country:${c}`, summary: sentences.unexpectedCountry(r), detail: loginFacts(r) };
};

const successRules: readonly Rule[] = [unexpectedCountry, impossibleTravel, successAfterFailures, unfamiliarCountry, unfamiliarCity, newNetwork, unusedChannel];

/** The findings of a successful login, judged against the profile as it was before this login. */
export function successFindings(observation: LoginObservation, profile: LoginProfile, context: SuccessContext): Finding[] {
  const learning = isLearning(profile, observation.record.at, context.settings);
  const findings: Finding[] = [];
  for (const rule of successRules) {
    const finding = rule(observation, profile, context, learning);
    if (finding !== null) findings.push(finding);
  }
  return findings;
}

/** The failure that made `failures` failures against one account within the burst window. */
export function accountBurstFinding(name: string, failures: number, last: LoginRecord, settings: AnomalySettings): Finding {
  return {
    rule: "account_failure_burst",
    severity: "medium",
    key: "account_failure_burst",
    summary: sentences.accountBurst(name, failures, settings.burstWindowMs, last),
    detail: { ...loginFacts(last), failures, windowMinutes: settings.burstWindowMs / 60_000 },
  };
}

/** The failure that made `failures` failures from one address, on `names` distinct names, within the burst window. */
export function ipBurstFinding(failures: number, names: number, last: LoginRecord, settings: AnomalySettings): Finding {
  return {
    rule: "ip_failure_burst",
    severity: "medium",
    key: "ip_failure_burst",
    summary: sentences.ipBurst(last.ip, placeName(last), failures, names, settings.burstWindowMs),
    detail: { ...loginFacts(last), failures, names, windowMinutes: settings.burstWindowMs / 60_000 },
  };
}
