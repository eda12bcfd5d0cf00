// The abnormal-login rules alone (issue 8 item 2, decision 0026): recorded sequences of
// successful logins replayed through the pure rules and the profile's learning, with the
// thresholds of [login_alerts] as shipped. Each rule fires and does not fire; impossible travel
// just above and just below travel_kmh and below travel_min_km; the learning period;
// familiarity after familiar_after_days distinct days; a channel unused for 90 days; the
// in-memory failure windows. The places are what GeoLite2 and the ASN table of this build say
// of the addresses (see login-records-enriched.test.ts), so the distances are real ones.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { settingsSchema } from "../../src/config/schema.js";
import type { Channel, LoginRecord } from "../../src/core/auth/types.js";
import { BurstWindows, LastFailures } from "../../src/core/security/anomalies/bursts.js";
import { distanceKm } from "../../src/core/security/anomalies/distance.js";
import { emptyProfile, learn, maxEntries, readProfile, type LoginProfile } from "../../src/core/security/anomalies/profile.js";
import { profileTouchMs } from "../../src/core/security/anomalies/detector.js";
import { accountBurstFinding, ipBurstFinding, successFindings, type SuccessContext } from "../../src/core/security/anomalies/rules.js";
import { anomalySettings } from "../../src/core/security/anomalies/settings.js";
import type { AnomalySettings, Coordinates, LoginObservation } from "../../src/core/security/anomalies/types.js";

const settings: AnomalySettings = anomalySettings(settingsSchema(false).shape.login_alerts.parse(undefined));
const minute = 60_000;
const hour = 60 * minute;
const day = 24 * hour;
const start = Date.UTC(2026, 10, 2, 9);

interface Place {
  readonly ip: string;
  readonly country: string | null;
  readonly region: string | null;
  readonly city: string | null;
  readonly asn: number | null;
  readonly asOrg: string | null;
  readonly coordinates: Coordinates | null;
}
const at = (latitude: number, longitude: number): Coordinates => ({ latitude, longitude });
const places = {
  bracknell: { ip: "81.2.69.160", country: "GB", region: "England", city: "Bracknell", asn: 20712, asOrg: "Andrews & Arnold Ltd", coordinates: at(51.40359878540039, -0.7617999911308289) },
  bracknellSky: { ip: "2.125.160.216", country: "GB", region: "England", city: "Bracknell", asn: 5607, asOrg: "Sky UK Limited", coordinates: at(51.40359878540039, -0.7617999911308289) },
  plymouth: { ip: "2.125.160.216", country: "GB", region: "England", city: "Plymouth", asn: 5607, asOrg: "Sky UK Limited", coordinates: at(50.388099670410156, -4.132400035858154) },
  falkenstein: { ip: "88.198.0.1", country: "DE", region: "Saxony", city: "Falkenstein", asn: 24940, asOrg: "Hetzner Online GmbH", coordinates: at(50.477699279785156, 12.364899635314941) },
  lagos: { ip: "41.58.0.1", country: "NG", region: "Lagos", city: "Lagos", asn: 36923, asOrg: "SWIFT NETWORKS LIMITED", coordinates: at(6.447400093078613, 3.3903000354766846) },
  moscow: { ip: "2a02:6b8::1", country: "RU", region: null, city: null, asn: 13238, asOrg: "YANDEX LLC", coordinates: at(55.73860168457031, 37.6068000793457) },
  tokyo: { ip: "202.12.27.33", country: "JP", region: null, city: null, asn: 7500, asOrg: "WIDE Project", coordinates: at(35.689998626708984, 139.69000244140625) },
  office: { ip: "10.1.2.3", country: null, region: null, city: null, asn: null, asOrg: null, coordinates: null },
} satisfies Record<string, Place>;

let nextId = 1;
function observation(place: Place, when: number, channel: Channel = "imap", result: LoginRecord["result"] = "success"): LoginObservation {
  const { coordinates, ...where } = place;
  const record: LoginRecord = { id: nextId++, at: when, identity: "alice@example.com", userId: 7, channel, clientId: null, method: "IMAP LOGIN", result, reason: result === "success" ? "ok" : "invalid_credentials", network: place.country === null ? "private" : "public", appPasswordName: null, ...where };
  return { record, coordinates, domainId: 1 };
}

interface Step {
  readonly place: Place;
  readonly at: number;
  readonly channel?: Channel;
  readonly context?: Partial<SuccessContext>;
}

/** Replays successful logins as the detector does (rules on the profile as it was, then learning); the rules each step raised. */
function replay(steps: readonly Step[], profile: LoginProfile = emptyProfile(), s: AnomalySettings = settings): string[][] {
  return steps.map((step) => {
    const o = observation(step.place, step.at, step.channel);
    const findings = successFindings(o, profile, { settings: s, unexpectedCountries: [], expectedCountries: [], recentFailures: 0, ...step.context });
    learn(profile, o, profileTouchMs);
    return findings.map((f) => f.rule).sort();
  });
}

/** A profile that has learnt `days` days of IMAP logins from Bracknell, the last a day before `until`. */
function settled(until: number, days = 20): LoginProfile {
  const profile = emptyProfile();
  for (let d = days; d >= 1; d--) learn(profile, observation(places.bracknell, until - d * day), profileTouchMs);
  return profile;
}

describe("abnormal-login rules", () => {
  it("learn quietly at first: no new country, network or channel events while learning, but impossible travel and the domain's lists still count", () => {
    const steps: Step[] = [
      { place: places.bracknell, at: start },
      { place: places.lagos, at: start + 3 * day, channel: "pop3" },
      { place: places.tokyo, at: start + 3 * day + hour },
      { place: places.tokyo, at: start + 5 * day, context: { unexpectedCountries: ["JP"] } },
      { place: places.falkenstein, at: start + 13 * day + 23 * hour }, // the last hour of 14 learning days
      // Learning over: a new country and network are news now…
      { place: places.moscow, at: start + 15 * day },
      // …while Nigeria, seen on one day only but while learning, is part of the baseline.
      { place: places.lagos, at: start + 17 * day },
    ];
    assert.deepEqual(replay(steps), [[], [], ["impossible_travel"], ["unexpected_country"], [], ["new_network", "unfamiliar_country"], []]);
  });

  it("a country becomes familiar after familiar_after_days distinct days after learning; the same day twice is one", () => {
    const profile = settled(start);
    const steps = [0, 2 * hour, day, 2 * day, 3 * day, 4 * day].map((offset): Step => ({ place: places.lagos, at: start + 10 * hour + offset }));
    const fired = replay(steps, profile).map((rules) => rules.includes("unfamiliar_country"));
    assert.deepEqual(fired, [true, true, true, true, false, false], "days seen before: 0, 1 (same day), 1, 2, 3 (familiar), 4");
  });

  it("an unfamiliar city in a familiar country is a city event, not a country event", () => {
    const profile = settled(start);
    // 262 km from Bracknell (below travel_min_km), over a network the account has not used either.
    assert.deepEqual(replay([{ place: places.plymouth, at: start + 3 * hour }], profile), [["new_network", "unfamiliar_city"]]);
    assert.deepEqual(replay([{ place: places.bracknell, at: start + 4 * hour }], profile), [[]], "the usual city again");
  });

  it("a network never seen raises new_network once; seen since, it does not", () => {
    const profile = settled(start);
    assert.deepEqual(replay([{ place: places.bracknellSky, at: start + hour }, { place: places.bracknellSky, at: start + 2 * hour }], profile), [["new_network"], []]);
  });

  it("impossible travel: just above travel_kmh fires, just below does not, nor any speed below travel_min_km", () => {
    const km = distanceKm(places.bracknell.coordinates, places.falkenstein.coordinates);
    assert.ok(km > 900 && km < 950, `Bracknell–Falkenstein is ${km} km`);
    const limitMs = (km / settings.travelKmh) * hour;
    const profile = settled(start);
    const fired = replay(
      [
        { place: places.bracknell, at: start },
        { place: places.falkenstein, at: start + limitMs + 1000 }, // a second slower than 900 km/h allows
        { place: places.bracknell, at: start + 2 * limitMs }, // a second faster
        { place: places.plymouth, at: start + 2 * limitMs + minute }, // 262 km in a minute: below travel_min_km
        { place: places.lagos, at: start + 2 * limitMs + minute }, // the same moment, 5,000 km away
      ],
      profile,
    ).map((rules) => rules.includes("impossible_travel"));
    assert.deepEqual(fired, [false, false, true, false, true]);
  });

  it("says where from, how far and how soon", () => {
    const profile = settled(start);
    replay([{ place: places.bracknell, at: start }], profile);
    const [travel] = successFindings(observation(places.lagos, start + 40 * minute), profile, { settings, unexpectedCountries: [], expectedCountries: [], recentFailures: 0 }).filter((f) => f.rule === "impossible_travel");
    assert.equal(travel!.severity, "high");
    assert.equal(travel!.summary, "Sign-in to alice@example.com from Lagos, Nigeria via IMAP, 5,014 km from the sign-in 40 minutes earlier in Bracknell, United Kingdom: farther than anyone can travel in that time.");
    assert.deepEqual([travel!.detail.km, travel!.detail.kmh, travel!.detail.at], [5014, 7520, "2026-11-02T09:40:00.000Z"]);
  });

  it("a channel unused for unused_channel_days (or never) raises unused_channel, once the account has a history", () => {
    const profile = settled(start, 100);
    const steps: Step[] = [
      { place: places.bracknell, at: start, channel: "pop3" }, // never before
      { place: places.bracknell, at: start + hour, channel: "pop3" },
      { place: places.bracknell, at: start + 89 * day, channel: "pop3" },
      { place: places.bracknell, at: start + 180 * day, channel: "pop3" }, // 91 days after the last
      { place: places.office, at: start + 180 * day + hour, channel: "web" }, // a private address: no place rules, the channel rule still
    ];
    assert.deepEqual(replay(steps, profile), [["unused_channel"], [], [], ["unused_channel"], ["unused_channel"]]);
    const summary = successFindings(observation(places.bracknell, start + 400 * day, "smtp"), settled(start + 400 * day), { settings, unexpectedCountries: [], expectedCountries: [], recentFailures: 0 })[0]!.summary;
    assert.equal(summary, "Sign-in to alice@example.com via SMTP from Bracknell, United Kingdom, a way this account had never signed in before.");
  });

  it("a success after failures_before_success failures in the window is high severity; one fewer is nothing", () => {
    const profile = settled(start);
    assert.deepEqual(replay([{ place: places.bracknell, at: start, context: { recentFailures: 4 } }, { place: places.bracknell, at: start + minute, context: { recentFailures: 5 } }], profile), [[], ["success_after_failures"]]);
  });

  it("the domain's unexpected countries, and any country outside a non-empty expected list", () => {
    const profile = settled(start);
    const lists = { unexpectedCountries: ["NG", "RU"], expectedCountries: [] };
    assert.deepEqual(replay([{ place: places.bracknell, at: start, context: lists }], profile), [[]]);
    const later = start + 2 * day; // no travel
    assert.equal(replay([{ place: places.lagos, at: later, context: lists }], profile)[0]!.includes("unexpected_country"), true);
    const expected = { unexpectedCountries: [], expectedCountries: ["GB", "NG"] };
    assert.deepEqual(replay([{ place: places.lagos, at: later + hour, context: expected }, { place: places.tokyo, at: later + 30 * day, context: expected }, { place: places.office, at: later + 31 * day, context: expected }], profile).map((r) => r.includes("unexpected_country")), [false, true, false]);
  });

  it("the example sentence of an unfamiliar country", () => {
    const [country] = successFindings(observation(places.lagos, start), settled(start), { settings, unexpectedCountries: [], expectedCountries: [], recentFailures: 0 }).filter((f) => f.rule === "unfamiliar_country");
    assert.equal(country!.summary, "New sign-in to alice@example.com from Lagos, Nigeria via IMAP (SWIFT NETWORKS LIMITED), a country this account has not used before.");
    assert.equal(country!.key, "unfamiliar_country:NG");
    assert.equal(country!.severity, "medium");
  });
});

describe("the login profile", () => {
  it("keeps at most maxEntries networks, forgetting the least recently used", () => {
    const profile = emptyProfile();
    for (let i = 0; i < maxEntries + 10; i++) learn(profile, observation({ ...places.bracknell, asn: 64_500 + i }, start + i * day), profileTouchMs);
    assert.equal(Object.keys(profile.networks).length, maxEntries);
    assert.ok(!("64500" in profile.networks) && "64559" in profile.networks);
  });

  it("writes an unchanged place's time at most every few minutes, and any change at once", () => {
    const profile = emptyProfile();
    const changes = [0, minute, 4 * minute, 5 * minute, 6 * minute].map((offset) => learn(profile, observation(places.bracknell, start + offset), profileTouchMs));
    assert.deepEqual(changes, [true, false, false, true, false]);
    assert.equal(learn(profile, observation(places.bracknellSky, start + 7 * minute), profileTouchMs), true, "a new network");
    assert.equal(learn(profile, observation(places.bracknell, start + day), profileTouchMs), true, "a new day");
  });

  it("starts afresh from a document it cannot read", () => {
    assert.deepEqual(readProfile({ v: 2, whatever: true }), { profile: emptyProfile(), unreadable: true });
    assert.deepEqual(readProfile(undefined), { profile: emptyProfile(), unreadable: false });
    const profile = settled(start);
    assert.deepEqual(readProfile(JSON.parse(JSON.stringify(profile))), { profile, unreadable: false });
  });
});

describe("failure windows", () => {
  const failure = (when: number, name = "alice@example.com", domainId: number | null = 1) => ({ at: when, name, domainId });

  it("raise once when the count within the window reaches the threshold, again only after falling below", () => {
    const windows = new BurstWindows(3, 10 * minute);
    const crossings = [0, 1, 2, 3, 4, 20, 21, 22].map((m) => windows.add("user:7", failure(start + m * minute))?.length ?? 0);
    assert.deepEqual(crossings, [0, 0, 3, 0, 0, 0, 0, 3], "minutes 0–4: one burst; after a quiet 16 minutes, another");
    assert.equal(windows.add("user:8", failure(start + 22 * minute)), null, "each key its own window");
  });

  it("keep at most maxKeys keys, the least recently failed dropped", () => {
    const windows = new BurstWindows(2, 10 * minute, 3);
    for (const key of ["a", "b", "c", "a", "d"]) windows.add(key, failure(start));
    assert.equal(windows.size, 3);
    assert.equal(windows.add("a", failure(start + minute))?.length, undefined, "a's third failure: raised already at its second");
    assert.equal(windows.add("b", failure(start + minute)), null, "b was forgotten: its count starts again");
  });

  it("say a success may follow failures only when memory cannot tell otherwise", () => {
    const memory = new LastFailures(start, 2);
    assert.equal(memory.maybeSince(7, start - minute), true, "before the process started: unknown");
    assert.equal(memory.maybeSince(7, start), false);
    memory.note(7, start + minute);
    assert.equal(memory.maybeSince(7, start), true);
    assert.equal(memory.maybeSince(8, start), false);
    memory.note(8, start + 2 * minute);
    memory.note(9, start + 3 * minute); // 7 forgotten: failures up to its last are no longer known
    assert.equal(memory.maybeSince(10, start + minute), true);
    assert.equal(memory.maybeSince(10, start + minute + 1), false);
  });

  it("take the store's count of none before the start as the answer for that account, not another's, until memory forgets", () => {
    const memory = new LastFailures(start, 2);
    const before = start - 30 * minute;
    assert.equal(memory.maybeSince(7, before), true, "before the start: the store must be asked");
    memory.noneStored(7, before, memory.covered);
    assert.equal(memory.maybeSince(7, before), false, "asked once: no failure before the start");
    assert.equal(memory.maybeSince(7, before + minute), false, "a later window is part of the one counted");
    assert.equal(memory.maybeSince(7, before - minute), true, "an earlier one is not");
    assert.equal(memory.maybeSince(8, before), true, "another account is not answered for");
    memory.note(7, start + minute);
    assert.equal(memory.maybeSince(7, before), true, "a failure since: memory says maybe");
    assert.equal(memory.maybeSince(7, start + 2 * minute), false);
    // A count answered after memory forgot an account is not kept: that account's failures
    // since the count began may be the store's alone.
    const asked = memory.covered;
    memory.note(8, start + 2 * minute);
    memory.note(9, start + 3 * minute); // 7 forgotten: coveredFrom moves past its failure
    memory.noneStored(9, before, asked);
    assert.equal(memory.maybeSince(9, before), true, "memory forgot in between: asked again");
    assert.equal(memory.maybeSince(7, before), true, "7 forgotten: its stored answer too");
  });

  it("word bursts for people", () => {
    const last = observation(places.lagos, start, "imap", "failure").record;
    assert.equal(accountBurstFinding("alice@example.com", 10, last, settings).summary, "10 failed sign-in attempts on alice@example.com within 10 minutes, the last from Lagos, Nigeria via IMAP.");
    assert.equal(ipBurstFinding(20, 7, last, settings).summary, "20 failed sign-in attempts from 41.58.0.1 (Lagos, Nigeria) within 10 minutes, on 7 account names.");
  });
});

describe("distance", () => {
  it("is the great-circle distance", () => {
    // Paris–London, a textbook 343–344 km; and nothing between a place and itself.
    assert.equal(Math.round(distanceKm(at(48.8566, 2.3522), at(51.5074, -0.1278))), 344);
    assert.equal(distanceKm(places.lagos.coordinates, places.lagos.coordinates), 0);
  });
});
