// A `moat` command loads only the libraries it uses. mailauth, @simplewebauthn/server,
// selfsigned, pg and qrcode are loaded on first use (shared/load-on-first-use.ts); a static
// import of one anywhere in the core brings its start-up cost back to every command (the CLI
// took 1.3 s to print its help with them, 0.7 s without).
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { describe, it } from "node:test";
import { cleanEnv, expectOk, moatBin, runMoat } from "../support/cli.js";
import { tempDir } from "../support/temp.js";

/** Packages (CommonJS, so in require.cache) that only the rarely used paths need. */
const loadedOnFirstUse = ["mailauth", "@peculiar/asn1-schema", "selfsigned", "pg", "qrcode"];

/** Runs the real command with a preload that prints, at exit, the packages it loaded. */
function loadedBy(args: string[], dir: string): Promise<{ code: number | null; packages: Set<string> }> {
  const preload = path.join(dir, "list-packages.cjs");
  fs.writeFileSync(
    preload,
    `process.on("exit", () => {
       const names = Object.keys(require.cache).flatMap((f) => { const m = /node_modules\\/((?:@[^/]+\\/)?[^/]+)/.exec(f); return m ? [m[1]] : []; });
       require("node:fs").writeFileSync(${JSON.stringify(path.join(dir, "packages.json"))}, JSON.stringify([...new Set(names)]));
     });`,
  );
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ["--require", preload, moatBin, ...args], { env: cleanEnv(), stdio: "ignore" });
    child.on("error", reject);
    child.on("exit", (code) => {
      const packages = new Set(JSON.parse(fs.readFileSync(path.join(dir, "packages.json"), "utf8")) as string[]);
      resolve({ code, packages });
    });
  });
}

describe("what a moat command loads", () => {
  it("opens the core without the libraries loaded on first use", async (t) => {
    const dir = tempDir(t);
    const data = path.join(dir, "data");
    expectOk(await runMoat(["--data", data, "init", "--domain", "example.com"]));
    const { code, packages } = await loadedBy(["--data", data, "user", "list"], dir);
    assert.equal(code, 0);
    // The store was opened: the detector sees what the command did load.
    assert.ok(packages.has("better-sqlite3"), [...packages].join(" "));
    for (const name of loadedOnFirstUse) assert.ok(!packages.has(name), `${name} was loaded by \`moat user list\``);
  });

  it("loads one when its path is taken: a new data folder gets its certificate from selfsigned", async (t) => {
    const dir = tempDir(t);
    const { code, packages } = await loadedBy(["--data", path.join(dir, "data"), "init", "--domain", "example.com"], dir);
    assert.equal(code, 0);
    assert.ok(packages.has("selfsigned"));
  });
});
