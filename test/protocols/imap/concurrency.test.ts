// Concurrent sessions on one mailbox (test plan IMAP-25, imaptest's state checks): several raw
// clients run random STORE, APPEND, COPY, MOVE and EXPUNGE at once; afterwards every session,
// and a fresh one, must agree on the UIDs, flags and MODSEQs, and each message that arrived
// during the run must be \Recent in exactly one session. On SQLite and PostgreSQL.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { forEachDialect } from "../../support/stores.js";
import { message, RawImap, startTestImap } from "./harness.js";

/** A small deterministic generator, so a failure can be replayed. */
function random(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state * 1103515245 + 12345) % 2147483648;
    return state / 2147483648;
  };
}

type Snapshot = Map<number, { seq: number; flags: string; modseq: string; recent: boolean }>;

/** UID → sequence number, flags (without \Recent), MODSEQ and whether this session holds \Recent. */
function snapshot(reply: string): Snapshot {
  const out: Snapshot = new Map();
  for (const m of reply.matchAll(/^\* (\d+) FETCH \(UID (\d+) FLAGS \(([^)]*)\) MODSEQ \((\d+)\)\)\r$/gm)) {
    const flags = m[3]!.split(" ").filter((f) => f !== "" && f !== "\\Recent").sort().join(" ");
    out.set(Number(m[2]), { seq: Number(m[1]), flags, modseq: m[4]!, recent: m[3]!.includes("\\Recent") });
  }
  return out;
}

async function randomWork(c: RawImap, name: string, steps: number, rnd: () => number): Promise<void> {
  const flags = ["\\Seen", "\\Flagged", "\\Answered", "$Work", "$Later"];
  for (let i = 0; i < steps; i++) {
    const tag = `${name}${i}`;
    const seq = 1 + Math.floor(rnd() * 6);
    const flag = flags[Math.floor(rnd() * flags.length)]!;
    const op = rnd();
    let command: string;
    if (op < 0.35) command = `STORE ${seq} ${rnd() < 0.6 ? "+" : "-"}FLAGS (${flag})`;
    else if (op < 0.5) command = `UID STORE ${seq}:* +FLAGS.SILENT (${flag})`;
    else if (op < 0.65) {
      const raw = message(`${name} ${i}`).toString("latin1");
      await c.send(`${tag} APPEND INBOX {${raw.length}+}\r\n${raw}\r\n`, tag);
      continue;
    } else if (op < 0.72) command = `COPY ${seq} Archive`;
    else if (op < 0.8) command = `MOVE ${seq} Trash`;
    else if (op < 0.9) command = `STORE ${seq} +FLAGS.SILENT (\\Deleted)`;
    else command = rnd() < 0.5 ? "EXPUNGE" : "NOOP";
    assert.match(await c.cmd(tag, command), new RegExp(`^${tag} (OK|NO) `, "m"), command);
  }
}

forEachDialect((_dialect, open) => {
  describe("concurrent sessions on one mailbox", () => {
    it("keeps an expunged message's number, UID and flags until the session is told (imaptest's expunge scripts)", async (t) => {
      const { port, backend, userId } = await startTestImap(t, { open });
      for (let i = 1; i <= 5; i++) await backend.mailboxes.append(userId, "INBOX", message(`E${i}`));
      const [one, two] = [await RawImap.login(port), await RawImap.login(port)];
      await one.cmd("a0", "SELECT INBOX");
      await two.cmd("b0", "SELECT INBOX");
      await two.cmd("b1", "STORE 4 +FLAGS (\\Answered)");
      await one.cmd("a1", "STORE 1,3 +FLAGS (\\Deleted)");
      assert.match(await one.cmd("a2", "EXPUNGE"), /^\* 1 EXPUNGE\r\n\* 2 EXPUNGE\r\na2 OK/m);
      // Session two was not told yet: its numbers still hold, also for the expunged messages.
      assert.match(await two.cmd("b2", "FETCH 1:4 (UID FLAGS)"), /^\* 1 FETCH \(UID 1 FLAGS \(\)\)\r\n\* 2 FETCH \(UID 2 FLAGS \(\)\)\r\n\* 3 FETCH \(UID 3 FLAGS \(\)\)\r\n\* 4 FETCH \(UID 4 FLAGS \(\\Answered\)\)\r\nb2 OK/m);
      // A UID command may report the expunges (RFC 3501 §7.4.1), after its own answers.
      assert.match(await two.cmd("b3", "UID FETCH 2,4 UID"), /^\* 2 FETCH \(UID 2\)\r\n\* 4 FETCH \(UID 4\)\r\n\* 1 EXPUNGE\r\n\* 2 EXPUNGE\r\nb3 OK/m);
      await one.cmd("a3", "STORE 1 +FLAGS (\\Deleted)");
      await one.cmd("a4", "EXPUNGE");
      assert.match(await two.cmd("b4", "UID STORE 4 FLAGS (\\Seen)"), /^\* 2 FETCH \(FLAGS \(\\Seen\) UID 4\)\r\n\* 1 EXPUNGE\r\nb4 OK/m);
      await one.cmd("a5", "STORE 1 +FLAGS (\\Deleted)");
      await one.cmd("a6", "EXPUNGE");
      assert.match(await two.cmd("b5", "CHECK"), /^\* 1 EXPUNGE\r\nb5 OK/m);
      assert.match(await two.cmd("b6", "FETCH 1 UID"), /^\* 1 FETCH \(UID 5\)\r\n/m);
    });

    it("agree on UIDs, flags and MODSEQs, and give each new message's \\Recent to one session", async (t) => {
      const { port, backend, userId } = await startTestImap(t, { open });
      for (let i = 1; i <= 6; i++) await backend.mailboxes.append(userId, "INBOX", message(`Seed ${i}`));
      const names = ["a", "b", "c", "d", "e"];
      const sessions = await Promise.all(names.map(() => RawImap.login(port)));
      // The seed messages go to the first session; later ones to whoever reports them first.
      for (const [i, s] of sessions.entries()) await s.cmd(`s${i}`, "SELECT INBOX (CONDSTORE)");
      await Promise.all(sessions.map((s, i) => randomWork(s, names[i]!, 40, random(1000 + i))));

      const views: Snapshot[] = [];
      for (const [i, s] of sessions.entries()) {
        await s.cmd(`z${i}`, "NOOP");
        views.push(snapshot(await s.cmd(`y${i}`, "FETCH 1:* (UID FLAGS MODSEQ)")));
      }
      const fresh = await RawImap.login(port);
      const truth = snapshot(await fresh.cmd("x1", "EXAMINE INBOX (CONDSTORE)").then(() => fresh.cmd("x2", "FETCH 1:* (UID FLAGS MODSEQ)")));
      assert.ok(truth.size > 0);
      const strip = (v: Snapshot) => [...v].map(([uid, m]) => `${m.seq}:${uid} ${m.flags} ${m.modseq}`);
      for (const [i, view] of views.entries()) assert.deepEqual(strip(view), strip(truth), `session ${names[i]} disagrees with the mailbox`);
      for (const uid of truth.keys()) {
        const holders = views.filter((v) => v.get(uid)?.recent).length;
        assert.equal(holders, 1, `UID ${uid} is \\Recent in ${holders} sessions`);
      }
    });
  });
});
