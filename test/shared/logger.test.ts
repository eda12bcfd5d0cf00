import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import { describe, it } from "node:test";
import { createLogger, untrusted } from "../../src/shared/logger.js";
import { tempDir } from "../support/temp.js";

describe("logger", () => {
  it("writes one JSON line per event and never a password, secret or token", async (t) => {
    const file = path.join(tempDir(t), "log.jsonl");
    const logger = createLogger({ level: "info", pretty: false, destination: file, sync: true });
    logger.info({ password: "hunter2-hunter2", user: { secret: "s3cret-value" }, token: "tok-123", authorization: "Basic abc" }, "login");
    logger.debug("below the level");
    const text = fs.readFileSync(file, "utf8");
    const lines = text.trim().split("\n");
    assert.equal(lines.length, 1);
    const entry = JSON.parse(lines[0]!) as Record<string, unknown>;
    assert.equal(entry.msg, "login");
    for (const secret of ["hunter2-hunter2", "s3cret-value", "tok-123", "Basic abc"]) assert.ok(!text.includes(secret), secret);
    assert.equal(entry.password, "[redacted]");
  });

  it("escapes control characters and caps the length of untrusted text", () => {
    assert.equal(untrusted("a\r\nb\u0000c"), "a\\x0d\\x0ab\\x00c");
    assert.equal(untrusted("x".repeat(300)).length, 257);
  });
});
