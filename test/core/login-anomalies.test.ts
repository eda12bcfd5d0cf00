// Abnormal-login detection (issue 8 item 2, decision 0026) through the one authenticate(), with
// the real GeoLite2 and ASN tables, a test clock and the real store on SQLite and PostgreSQL:
// the detector hangs on onRecorded as app.ts wires it, and what it raised is read back from
// store.loginEvents. Repeats fold into one event with occurrences, new ones after the group
// window; bursts per account and per address are raised once per crossing; a success after
// failures; impossible travel with real places; a domain with alerts off raises nothing; the
// domain's unexpected and expected countries; the notices a new event starts with.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { createAsnTable } from "../../src/adapters/asn/index.js";
import { createGeoLite2 } from "../../src/adapters/geoip/index.js";
import { settingsSchema } from "../../src/config/schema.js";
import { createAuthenticator } from "../../src/core/auth/authenticate.js";
import type { Channel } from "../../src/core/auth/types.js";
import type { LoginEvent } from "../../src/core/ports/login-events.js";
import { LoginAnomalyDetector } from "../../src/core/security/anomalies/detector.js";
import { distanceKm } from "../../src/core/security/anomalies/distance.js";
import { anomalySettings } from "../../src/core/security/anomalies/settings.js";
import type { AnomalySettings, Coordinates } from "../../src/core/security/anomalies/types.js";
import { forEachDialect } from "../support/stores.js";
import { admin, countingHasher, ctx, PASSWORD, securityCore } from "./login-security-setup.js";

const geoip = createGeoLite2();
const asn = createAsnTable();
const shipped: AnomalySettings = anomalySettings(settingsSchema(false).shape.login_alerts.parse(undefined));
const minute = 60_000;
const hour = 60 * minute;
const day = 24 * hour;

const bracknell = "81.2.69.160"; // GB, AS20712
const plymouth = "2.125.160.216"; // GB, 262 km from Bracknell
const falkenstein = "88.198.0.1"; // DE, 924 km from Bracknell
const lagos = "41.58.0.1"; // NG, AS36923 SWIFT NETWORKS LIMITED
const tokyo = "202.12.27.33"; // JP
const moscow = "2a02:6b8::1"; // RU

function coordinatesOf(ip: string): Coordinates {
  const place = geoip.lookup(ip);
  assert.ok(place.kind === "public" && place.latitude !== undefined && place.longitude !== undefined);
  return { latitude: place.latitude, longitude: place.longitude! };
}

async function detecting(t: Parameters<typeof securityCore>[0], store: Parameters<typeof securityCore>[1], over: Partial<AnomalySettings> = {}) {
  const passwords = countingHasher();
  const core = await securityCore(t, store, { passwords, geoip });
  const raised: LoginEvent[] = [];
  const detector = new LoginAnomalyDetector({ store, clock: core.clock, settings: { ...shipped, ...over }, onRaised: (events) => raised.push(...events) });
  const authenticate = createAuthenticator({
    store,
    clock: core.clock,
    passwords,
    throttle: { failureDelayMs: 0, maxFailureDelayMs: 0, blockAfterFailures: 1000, blockMs: 60_000, windowMs: 3_600_000 },
    ...core.deps,
    ipBlock: { afterFailures: 1000, windowMs: day, blockMs: hour },
    asn,
    onRecorded: (observation) => detector.observe(observation),
  });
  /** One login, then the detector's work on it. */
  const login = async (ip: string, opts: { wrong?: boolean; name?: string; channel?: Channel } = {}) => {
    const result = await authenticate(opts.channel ?? "imap", opts.name ?? "alice@example.com", opts.wrong ? "wrong" : PASSWORD, ctx(ip, "IMAP LOGIN"));
    await detector.idle();
    assert.equal(result.ok, !opts.wrong, `${ip} ${opts.name ?? "alice"}`);
    return result;
  };
  /** Oldest first. */
  const events = async () => (await store.loginEvents.list({ limit: 100 })).reverse();
  const rules = async () => (await events()).map((e) => e.rule);
  const domain = (await store.domains.findByName("example.com" as never))!;
  return { ...core, detector, login, events, rules, raised, domain };
}

forEachDialect((dialect, open) => {
  describe(`abnormal-login detection on ${dialect}`, () => {
    it("folds repeats of a finding into one event with occurrences, tells the notifier once, and opens another after the group window", async (t) => {
      const { login, clock, events, raised, alice, domain } = await detecting(t, await open(t), { learningMs: 2 * day });
      for (let d = 0; d < 3; d++) {
        await login(bracknell);
        clock.advance(day);
      }
      assert.deepEqual(await events(), [], "learning, then the usual place");
      await login(lagos);
      clock.advance(hour);
      await login(lagos);
      clock.advance(2 * hour);
      await login("41.58.0.2");
      const [country, network, ...more] = await events();
      assert.deepEqual(more, []);
      assert.deepEqual(
        { ...country!, id: 0 },
        {
          id: 0,
          rule: "unfamiliar_country",
          severity: "medium",
          userId: alice.id,
          domainId: domain.id,
          identity: "alice@example.com",
          ip: lagos,
          groupKey: `user:${alice.id}:unfamiliar_country:NG`,
          summary: "New sign-in to alice@example.com from Lagos, Nigeria via IMAP (SWIFT NETWORKS LIMITED), a country this account has not used before.",
          detail: { ...country!.detail },
          firstAt: clock.now() - 3 * hour,
          lastAt: clock.now(),
          occurrences: 3,
          loginRecordId: country!.loginRecordId,
          state: "open",
          acknowledgedAt: null,
          acknowledgedBy: null,
          userNotice: "pending",
          userNoticeAt: null,
          adminNotice: "none",
          adminNoticeAt: null,
          webhook: "none",
          webhookAt: null,
          webhookAttempts: 0,
        },
      );
      assert.deepEqual(country!.detail, { at: new Date(clock.now() - 3 * hour).toISOString(), ip: lagos, channel: "IMAP", country: "NG", countryName: "Nigeria", region: "Lagos", city: "Lagos", asn: 36923, asOrg: "SWIFT NETWORKS LIMITED", daysSeen: 0 });
      assert.deepEqual([network!.rule, network!.severity, network!.occurrences], ["new_network", "low", 1], "the network is known from the second login on");
      assert.deepEqual(raised.map((e) => e.id), [country!.id, network!.id], "occurrences folded in are no news");

      clock.advance(day + minute); // the last occurrence is now older than group_hours
      await login(lagos);
      const later = (await events()).slice(2);
      assert.deepEqual(later.map((e) => [e.rule, e.occurrences]), [["unfamiliar_country", 1]], "Nigeria seen on one day so far: still unfamiliar, in an event of its own");
      assert.equal(raised.length, 3);
    });

    it("learns quietly, but a country becomes familiar only after familiar_after_days distinct days", async (t) => {
      const { login, clock, events } = await detecting(t, await open(t), { learningMs: day });
      await login(bracknell);
      clock.advance(day);
      for (let d = 0; d < 5; d++) {
        await login(tokyo);
        clock.advance(day);
      }
      await login(tokyo, { channel: "pop3" });
      const seen = (await events()).map((e) => [e.rule, e.occurrences]);
      assert.deepEqual(seen, [["unfamiliar_country", 3], ["new_network", 1], ["unused_channel", 1]], "Japan on days 1–3 (folded), familiar from day 4; POP3 never used before");
    });

    it("impossible travel between real places: just above travel_kmh, not just below, nor below travel_min_km", async (t) => {
      const { login, clock, events, domain } = await detecting(t, await open(t));
      const km = distanceKm(coordinatesOf(bracknell), coordinatesOf(falkenstein));
      const limitMs = Math.ceil((km / shipped.travelKmh) * hour);
      await login(bracknell);
      clock.advance(limitMs + 1000); // slower than 900 km/h
      await login(falkenstein);
      assert.deepEqual(await events(), []);
      clock.advance(limitMs - 1000); // faster
      await login(bracknell);
      clock.advance(minute);
      await login(plymouth); // 262 km in a minute: one place to the rule
      const [travel, ...more] = await events();
      assert.deepEqual(more, []);
      assert.deepEqual([travel!.rule, travel!.severity, travel!.adminNotice, travel!.domainId], ["impossible_travel", "high", "pending", domain.id], "high severity: the admins are told too, even while the account learns");
      assert.match(travel!.summary, /^Sign-in to alice@example\.com from Bracknell, United Kingdom via IMAP, 924 km from the sign-in 62 minutes earlier in Falkenstein, Germany: /);
    });

    it("raises an account's failure burst once per crossing, folding a later crossing into it", async (t) => {
      const { login, clock, events, raised, alice } = await detecting(t, await open(t), { accountBurstFailures: 3, ipBurstFailures: 50 });
      for (let i = 1; i <= 5; i++) await login(`198.51.100.${i}`, { wrong: true });
      let [burst, ...more] = await events();
      assert.deepEqual(more, []);
      assert.deepEqual([burst!.rule, burst!.severity, burst!.userId, burst!.identity, burst!.ip, burst!.occurrences, burst!.userNotice, burst!.adminNotice], ["account_failure_burst", "medium", alice.id, "alice@example.com", "198.51.100.3", 1, "pending", "none"]);
      assert.equal(burst!.summary, "3 failed sign-in attempts on alice@example.com within 10 minutes, the last from 198.51.100.3 via IMAP.");
      clock.advance(11 * minute); // quiet for longer than the window: the next run is a new crossing
      for (let i = 1; i <= 3; i++) await login(lagos, { wrong: true });
      [burst, ...more] = await events();
      assert.deepEqual([burst!.occurrences, more.length, raised.length], [2, 0, 1]);
      // A name that is no account has its own count (and nobody to mail).
      for (let i = 0; i < 3; i++) await login(bracknell, { wrong: true, name: "ghost@example.com" });
      const ghost = (await events())[1]!;
      assert.deepEqual([ghost.rule, ghost.userId, ghost.identity, ghost.groupKey, ghost.userNotice], ["account_failure_burst", null, "ghost@example.com", "name:ghost@example.com:account_failure_burst", "none"]);
    });

    it("raises an address's failure burst once, for the domain when every name was in it, for nobody's domain otherwise", async (t) => {
      const { login, events, accounts, domain } = await detecting(t, await open(t), { ipBurstFailures: 5 });
      await accounts.addDomain("example.org");
      for (let i = 0; i < 7; i++) await login(lagos, { wrong: true, name: `user${i % 4}@example.com` });
      const [burst, ...more] = await events();
      assert.deepEqual(more, []);
      assert.deepEqual([burst!.rule, burst!.userId, burst!.identity, burst!.domainId, burst!.groupKey, burst!.occurrences, burst!.detail.names], ["ip_failure_burst", null, null, domain.id, `ip:${lagos}:ip_failure_burst`, 1, 4]);
      assert.equal(burst!.summary, `5 failed sign-in attempts from ${lagos} (Lagos, Nigeria) within 10 minutes, on 4 account names.`);
      for (const name of ["a@example.com", "b@example.org", "c@example.com", "d@nowhere.test", "e@example.com"]) await login(moscow, { wrong: true, name });
      const [, mixed, ...none] = await events();
      assert.deepEqual([mixed!.ip, mixed!.domainId, none.length], [moscow, null, 0], "names in several domains: the operator's business");
    });

    it("a success after failures_before_success failures in the window is high severity; one fewer is nothing", async (t) => {
      const { login, clock, events, domain, store } = await detecting(t, await open(t));
      // Twice: while the detector has been up for less than the window (it must ask the store)
      // and after (on SQLite its memory answers when it saw no failure).
      for (const round of [1, 2]) {
        await login(bracknell);
        for (let i = 0; i < 4; i++) await login(lagos, { wrong: true });
        await login(bracknell);
        assert.deepEqual(await events(), [], `round ${round}: 4 failures`);
        await login(lagos, { wrong: true });
        clock.advance(minute);
        await login(bracknell);
        const [event, ...more] = await events();
        assert.deepEqual(more, []);
        assert.deepEqual([event!.rule, event!.severity, event!.adminNotice, event!.domainId, event!.detail.failures], ["success_after_failures", "high", "pending", domain.id, 5]);
        assert.equal(event!.summary, "Successful sign-in to alice@example.com from Bracknell, United Kingdom via IMAP after 5 failed attempts in the 30 minutes before.");
        await store.loginEvents.prune(clock.now() + 1);
        clock.advance(2 * hour);
      }
    });

    it("a domain with login alerts off raises nothing, while its accounts' profiles still learn", async (t) => {
      const { login, clock, events, security, store, alice } = await detecting(t, await open(t), { learningMs: 0, accountBurstFailures: 2, ipBurstFailures: 2 });
      await security.settings.updateDomain("example.com", { loginAlerts: "off", unexpectedCountries: ["NG"] }, admin);
      await login(bracknell);
      await login(lagos); // unexpected, impossible travel, new country and network
      for (let i = 0; i < 3; i++) await login(moscow, { wrong: true });
      await login(lagos);
      assert.deepEqual(await events(), []);
      const profile = (await store.loginProfiles.get(alice.id))?.data as { countries: Record<string, unknown> };
      assert.deepEqual(Object.keys(profile.countries).sort(), ["GB", "NG"]);
      await security.settings.updateDomain("example.com", { loginAlerts: "on" }, admin);
      clock.advance(day);
      await login(lagos);
      assert.deepEqual((await events()).map((e) => e.rule).sort(), ["unexpected_country", "unfamiliar_country"]);
    });

    it("the domain's unexpected and expected countries, and the notices a new event starts with", async (t) => {
      const { login, clock, events, security, accounts, domain } = await detecting(t, await open(t));
      await security.settings.updateDomain("example.com", { unexpectedCountries: ["NG"], loginAlertWebhook: "https://hooks.example.net/moat" }, admin);
      await security.settings.updateAccount("alice@example.com", { loginAlertMails: false }, admin);
      const bob = await accounts.addUser({ address: "bob@example.com", password: PASSWORD });
      await login(lagos); // the very first login: learning, but the domain said so
      await login(lagos, { name: "bob@example.com" });
      clock.advance(day);
      await login(bracknell, { name: "bob@example.com", channel: "pop3" });
      await security.settings.updateDomain("example.com", { unexpectedCountries: [], expectedCountries: ["GB", "NG"], loginAlertWebhook: "" }, admin);
      clock.advance(day);
      await login(lagos, { name: "bob@example.com" });
      clock.advance(day);
      await login(tokyo, { name: "bob@example.com" });
      const seen = (await events()).map((e) => [e.rule, e.identity, e.detail.country, e.userNotice, e.adminNotice, e.webhook, e.domainId === domain.id]);
      assert.deepEqual(seen, [
        ["unexpected_country", "alice@example.com", "NG", "skipped", "pending", "pending", true],
        ["unexpected_country", "bob@example.com", "NG", "pending", "pending", "pending", true],
        ["unexpected_country", "bob@example.com", "JP", "pending", "pending", "none", true],
      ]);
      assert.equal((await events())[2]!.userId, bob.id);
      assert.equal((await events())[2]!.summary, "Sign-in to bob@example.com from Japan via IMAP (WIDE Project), a country this domain does not expect sign-ins from.");
    });

    it("private and loopback addresses raise no place rule; the channel rule still applies; pending logins are ignored", async (t) => {
      const { login, clock, rules, store, alice, detector, domain } = await detecting(t, await open(t), { learningMs: day });
      await login("10.1.2.3");
      clock.advance(2 * day);
      await login("127.0.0.1", { channel: "pop3" });
      assert.deepEqual(await rules(), ["unused_channel"]);
      const profile = (await store.loginProfiles.get(alice.id))!.data as { countries: object; channels: object; last: unknown };
      assert.deepEqual([profile.countries, Object.keys(profile.channels).sort(), profile.last], [{}, ["imap", "pop3"], null]);
      // A right password waiting for its second factor is neither a success nor a failure.
      const record = await store.loginRecords.append({ at: clock.now(), identity: "alice@example.com", userId: alice.id, channel: "smtp", ip: lagos, clientId: null, method: "WEB PASSWORD", result: "pending", reason: "second_factor_required", country: "NG" });
      detector.observe({ record, coordinates: coordinatesOf(lagos), domainId: domain.id });
      await detector.idle();
      assert.deepEqual(await rules(), ["unused_channel"]);
      assert.deepEqual(Object.keys(((await store.loginProfiles.get(alice.id))!.data as { channels: object }).channels).sort(), ["imap", "pop3"]);
    });

    it("starts a profile afresh when its document does not read", async (t) => {
      const { login, store, alice, clock } = await detecting(t, await open(t));
      await store.loginProfiles.put(alice.id, { v: 99, countries: "many" }, clock.now());
      await login(bracknell);
      const profile = (await store.loginProfiles.get(alice.id))!.data as { v: number; firstAt: number; countries: object };
      assert.deepEqual([profile.v, profile.firstAt, Object.keys(profile.countries)], [1, clock.now(), ["GB"]]);
    });
  });
});
