import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import { describe, it } from "node:test";
import { loadSettings } from "../../src/config/load.js";
import { configTemplate } from "../../src/config/template.js";
import { isMoatError } from "../../src/shared/errors.js";
import { tempDir } from "../support/temp.js";

function load(t: Parameters<typeof tempDir>[0], toml: string | null, env: Record<string, string> = {}, privileged = false) {
  const dir = tempDir(t);
  if (toml !== null) fs.writeFileSync(path.join(dir, "moat.toml"), toml);
  return loadSettings({ dataDir: dir, env, privileged });
}

function loadError(t: Parameters<typeof tempDir>[0], toml: string | null, env: Record<string, string> = {}): string {
  try {
    load(t, toml, env);
  } catch (err) {
    assert.ok(isMoatError(err, "config_invalid"), `expected config_invalid, got ${String(err)}`);
    return err.message;
  }
  assert.fail("expected the settings to be refused");
}

describe("settings", () => {
  it("defaults to unprivileged ports and SQLite when nothing is set", (t) => {
    const { settings } = load(t, null);
    assert.deepEqual(
      [settings.smtp.port, settings.submission.port, settings.submissions.port, settings.imap.port, settings.imaps.port, settings.pop3.port, settings.pop3s.port, settings.http.port],
      [2525, 2587, 2465, 1143, 1993, 1110, 1995, 8080],
    );
    assert.equal(settings.database.url, "");
    assert.deepEqual(settings.listen.trusted_proxies, []);
  });

  it("uses the standard ports when privileged", (t) => {
    const { settings } = load(t, null, {}, true);
    assert.deepEqual([settings.smtp.port, settings.submission.port, settings.imaps.port, settings.pop3s.port, settings.http.port], [25, 587, 993, 995, 443]);
    assert.equal(settings.http.tls, true);
  });

  it("reads the TOML file and lets MOAT_<SECTION>_<KEY> override it", (t) => {
    const { settings } = load(t, "[imap]\nport = 1500\n[smtp]\nport = 2600\n", {
      MOAT_IMAP_PORT: "0",
      MOAT_SUBMISSIONS_PORT: "4650",
      MOAT_LISTEN_HOST: "127.0.0.1",
      MOAT_TRUSTED_PROXIES: "10.0.0.0/8, 192.0.2.1",
      MOAT_DATABASE_URL: "postgres://u@h/db",
      MOAT_AUTH_BLOCK_AFTER_FAILURES: "5",
    });
    assert.equal(settings.imap.port, 0);
    assert.equal(settings.smtp.port, 2600);
    assert.equal(settings.submissions.port, 4650);
    assert.equal(settings.submission.port, 2587, "MOAT_SUBMISSIONS_PORT must not touch submission");
    assert.equal(settings.listen.host, "127.0.0.1");
    assert.deepEqual(settings.listen.trusted_proxies, ["10.0.0.0/8", "192.0.2.1"]);
    assert.equal(settings.database.url, "postgres://u@h/db");
    assert.equal(settings.auth.block_after_failures, 5);
  });

  it("names the key, the problem and the source of a bad environment value", (t) => {
    const message = loadError(t, null, { MOAT_IMAP_PORT: "abc" });
    assert.match(message, /^setting imap\.port: .*port.*\(got "abc"\) \[from MOAT_IMAP_PORT\]$/);
  });

  it("refuses a port out of range, with one line", (t) => {
    const message = loadError(t, "[pop3]\nport = 70000\n");
    assert.equal(message.split("\n").length, 1);
    assert.match(message, /^setting pop3\.port: a port is 0 to 65535 \[from .*moat\.toml\]$/);
  });

  it("lists every bad key, one line each", (t) => {
    const message = loadError(t, '[log]\nlevel = "loud"\n[smtp]\nprot = 25\n', { MOAT_DATABASE_URL: "mysql://x" });
    const lines = message.split("\n");
    assert.equal(lines.length, 3, message);
    assert.ok(lines.some((l) => l.startsWith("setting log.level:")));
    assert.ok(lines.some((l) => l.startsWith("setting smtp.prot: unknown setting")));
    assert.ok(lines.some((l) => l.startsWith("setting database.url: expected postgres://")));
  });

  it("refuses a file that is not TOML", (t) => {
    assert.match(loadError(t, "[imap\nport = 1"), /not valid TOML/);
  });

  it("ignores MOAT_ variables that name no section", (t) => {
    assert.equal(load(t, null, { MOAT_TEST_REQUIRE_PG: "1", MOAT_DATA_DIR: "/x" }).settings.imap.port, 1143);
  });

  it("writes a template that loads back to the defaults", (t) => {
    const fromTemplate = load(t, configTemplate(false)).settings;
    assert.deepEqual(fromTemplate, load(t, null).settings);
    assert.match(configTemplate(false), /# port = 1143/);
  });
});

describe("settings: trusted proxies", () => {
  it("refuses an entry that is not an address or CIDR, naming the key", (t) => {
    const message = loadError(t, null, { MOAT_TRUSTED_PROXIES: "10.0.0.0/8,not-an-ip" });
    assert.match(message, /^setting listen\.trusted_proxies: .*not-an-ip.* \[from MOAT_TRUSTED_PROXIES\]$/);
  });
});
