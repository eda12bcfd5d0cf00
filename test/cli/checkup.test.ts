// `moat checkup` on a temporary data folder: one JSON object per finding and a summary last;
// the printed fix commands, run as printed, close their findings (the native commands and
// `moat checkup --fix ID`); an account's checkup lists only its own; bad input exits 2.
import assert from "node:assert/strict";
import path from "node:path";
import { before, describe, it } from "node:test";
import { cliInProcess } from "../support/mail-e2e.js";
import { jsonLines } from "../support/cli.js";
import { tempDir } from "../support/temp.js";

let data = "";
const moat = (...args: string[]) => cliInProcess(data, args);
const ok = async (...args: string[]) => {
  const r = await moat(...args);
  assert.equal(r.code, 0, `moat ${args.join(" ")}: ${r.stderr}`);
  return r.stdout;
};
const findings = async (target: string) => jsonLines(await ok("--json", "checkup", target));
/** A printed fix as arguments: words, with '…' quoting as shellWord writes it. */
const argsOf = (fix: string) => (fix.match(/'[^']*'|\S+/g) ?? []).map((w) => w.replace(/^'(.*)'$/, "$1")).slice(1);

describe("moat checkup", () => {
  before(async () => {
    data = path.join(tempDir({ after: (fn: () => void) => process.on("exit", fn) }), "data");
    await ok("init", "--domain", "example.com");
    await ok("user", "add", "alice@example.com", "--password", "alice-password-1");
    await ok("user", "add", "bob@example.com", "--password", "bob-password-1");
    await ok("user", "set", "bob@example.com", "--forward", "home@elsewhere.example");
  });

  it("prints findings and a summary, and every printed fix closes its finding", async () => {
    const lines = await findings("example.com");
    const summary = lines.at(-1)!;
    assert.equal(summary.summary, true);
    assert.equal(summary.accounts, 3, "alice, bob and the admin account init makes");
    const list = lines.slice(0, -1);
    assert.equal(summary.findings, list.length);
    assert.equal(typeof summary.score, "number");
    for (const f of list) assert.deepEqual(Object.keys(f).sort(), ["fix", "id", "sentence", "severity", "subject"]);
    const ids = list.map((f) => f.id);
    for (const id of ["no-2fa:alice@example.com", "forward-outside:bob@example.com", "no-password-policy:example.com", "external-warning-off:example.com", "main-password-protocols:bob@example.com"]) assert.ok(ids.includes(id), id);
    for (const id of ["forward-outside:bob@example.com", "no-password-policy:example.com", "external-warning-off:example.com", "no-2fa:alice@example.com", "main-password-protocols:bob@example.com"]) {
      const fix = String(list.find((f) => f.id === id)!.fix);
      await ok(...argsOf(fix));
      assert.ok(!(await findings("example.com")).some((f) => f.id === id), `${fix} closed ${id}`);
    }
    const after = (await findings("example.com")).at(-1)!;
    assert.ok(Number(after.score) > Number(summary.score));
    const text = await ok("checkup", "example.com");
    assert.match(text, /^score \d+\/100 for example\.com \(3 accounts\)/m);
  });

  it("an account's checkup lists only its findings; --fix says what changed", async () => {
    const own = (await findings("alice@example.com")).slice(0, -1);
    assert.ok(own.length > 0 && own.every((f) => f.subject === "alice@example.com"));
    const id = String(own.find((f) => String(f.id).startsWith("main-password-protocols:"))!.id);
    assert.match(await ok("checkup", "--fix", id), /^fixed main-password-protocols:alice@example\.com: client security passwords are now required/);
  });

  it("bad input exits 2 and changes nothing", async () => {
    const before = await ok("--json", "audit", "list");
    for (const args of [["checkup", "nobody@example.com"], ["checkup", "nowhere.example"], ["checkup", "--fix", "no-2fa:nobody@example.com"], ["checkup", "--fix", "junk"]]) {
      const r = await moat(...args);
      assert.equal(r.code, 2, `${args.join(" ")}: ${r.stderr}`);
      assert.equal(r.stdout, "");
    }
    assert.equal(await ok("--json", "audit", "list"), before);
  });
});
