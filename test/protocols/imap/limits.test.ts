// IMAP limits: set in the [imap] settings section and obeyed by the server they configure:
// command line length (IMAP-11), whole-command size over many literals (IMAP-12) and commands
// before login (IMAP-04). The idle timers before and after login (RFC 3501 §5.4, IMAP-05) end
// the session with BYE, IDLE sends keepalives (IMAP-21), and an autologout under 30 minutes is
// refused at boot.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { settingsSchema } from "../../../src/config/schema.js";
import { imapLimitsFrom } from "../../../src/protocols/imap/settings.js";
import { RawImap, startTestImap } from "./harness.js";

describe("IMAP limits from the settings", () => {
  it("has a default per key and refuses an autologout under 30 minutes", () => {
    const imap = settingsSchema(false).parse({}).imap;
    assert.equal(imap.idle_timeout_seconds, 1800);
    assert.equal(imap.max_line_bytes, 64 * 1024);
    assert.throws(() => settingsSchema(false).parse({ imap: { idle_timeout_seconds: 600 } }));
    assert.throws(() => settingsSchema(false).parse({ imap: { max_line_size: 10 } }), /max_line_size/);
  });

  it("are obeyed by the server they configure", async (t) => {
    const settings = settingsSchema(false).parse({ imap: { max_line_bytes: 2048, max_command_bytes: 4096, max_commands_before_login: 3 } });
    const { port } = await startTestImap(t, { limits: imapLimitsFrom(settings) });
    const c = await RawImap.connect(port);
    assert.match(await c.cmd("a1", `NOOP ${"x".repeat(2100)}`), /^a1 BAD Command line too long/m);
    assert.match(await c.cmd("a2", "NOOP"), /^a2 OK/m);
    // 5 literals of 1000 bytes: each is under the line cap, together over the command cap.
    const literals = Array.from({ length: 5 }, () => `{1000+}\r\n${"y".repeat(1000)}`).join(" ");
    assert.match(await c.send(`a3 ID ("a" ${literals})\r\n`, "a3"), /^a3 BAD \[LIMIT\]/m);
    // Commands the reader refused (a1, a3) count as invalid, not toward the login allowance.
    assert.match(await c.cmd("a4", "NOOP"), /^a4 OK/m);
    assert.match(await c.cmd("a5", "NOOP"), /^a5 OK/m);
    await c.wire.write("a6 NOOP\r\n");
    await c.wire.closed;
    assert.match(c.wire.text, /\* BYE Too many commands before login\r\n$/);
  });
});

describe("IMAP idle timers", () => {
  it("closes a silent client before login, and logs out a silent logged-in one", async (t) => {
    const { port } = await startTestImap(t, { limits: { preLoginIdleTimeoutMs: 200, idleTimeoutMs: 400 } });
    const anonymous = await RawImap.connect(port);
    await anonymous.wire.closed;
    assert.match(anonymous.wire.text, /\* BYE Autologout; idle for too long\r\n$/);
    const started = Date.now();
    const user = await RawImap.login(port);
    await user.cmd("a1", "SELECT INBOX");
    await user.wire.closed;
    assert.ok(Date.now() - started >= 400, "not before the logged-in timeout");
    assert.match(user.wire.text, /a1 OK[^\r]*\r\n\* BYE Autologout; idle for too long\r\n$/);
  });

  it("sends a keepalive line during IDLE and ends IDLE cleanly on DONE", async (t) => {
    const { port } = await startTestImap(t, { limits: { idleKeepaliveMs: 50 } });
    const c = await RawImap.login(port);
    await c.cmd("a1", "SELECT INBOX");
    await c.wire.write("a2 IDLE\r\n");
    assert.match(await c.read((text) => (text.match(/\* OK Still here\r\n/g) ?? []).length >= 2), /^\+ idling\r\n\* OK Still here\r\n\* OK Still here\r\n/);
    assert.match(await c.send("DONE\r\n", "a2"), /a2 OK IDLE terminated\r\n$/);
    assert.match(await c.cmd("a3", "NOOP"), /^a3 OK/m);
  });
});
