// `moat domain dkim DOMAIN`: the DNS record that publishes a hosted domain's DKIM key, made on
// first use and the same on every later call. Run in-process (runCli) on a temporary folder.
import assert from "node:assert/strict";
import crypto from "node:crypto";
import path from "node:path";
import { describe, it } from "node:test";
import { runCli } from "../../src/cli/main.js";
import { tempDir } from "../support/temp.js";

async function moat(...argv: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = "";
  let stderr = "";
  const code = await runCli(argv, { stdout: (t) => void (stdout += t), stdin: async () => "" }, (t) => void (stderr += t));
  return { code, stdout, stderr };
}

describe("moat domain dkim", () => {
  it("prints the selector's TXT record with a 2048-bit RSA key, stable across calls", async (t) => {
    const data = path.join(tempDir(t), "data");
    const init = await moat("--data", data, "--json", "init", "--domain", "example.com");
    assert.equal(init.code, 0, init.stderr);

    const json = await moat("--data", data, "--json", "domain", "dkim", "Example.COM");
    assert.equal(json.code, 0, json.stderr);
    const record = JSON.parse(json.stdout) as { name: string; type: string; value: string };
    assert.equal(record.name, "moat._domainkey.example.com");
    assert.equal(record.type, "TXT");
    const p = /^v=DKIM1; k=rsa; p=([A-Za-z0-9+/=]+)$/.exec(record.value)?.[1];
    assert.ok(p, record.value);
    const key = crypto.createPublicKey({ key: Buffer.from(p, "base64"), format: "der", type: "spki" });
    assert.equal(key.asymmetricKeyDetails?.modulusLength, 2048);

    const text = await moat("--data", data, "domain", "dkim", "example.com");
    assert.equal(text.code, 0, text.stderr);
    const strings = [...text.stdout.matchAll(/"([^"]*)"/g)].map((m) => m[1]!);
    assert.match(text.stdout, /^moat\._domainkey\.example\.com\. IN TXT "v=DKIM1; k=rsa; p=/);
    assert.ok(strings.length >= 2 && strings.every((s) => s.length <= 255), "split into ≤255-byte strings");
    assert.equal(strings.join(""), record.value, "the same key on every call");
  });

  it("refuses a domain this server does not host", async (t) => {
    const data = path.join(tempDir(t), "data");
    assert.equal((await moat("--data", data, "init", "--domain", "example.com")).code, 0);
    const run = await moat("--data", data, "domain", "dkim", "nowhere.example");
    assert.equal(run.code, 2);
    assert.match(run.stderr, /no domain nowhere\.example/);
  });
});
