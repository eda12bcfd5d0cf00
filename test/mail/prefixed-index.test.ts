// The index of a message with X- fields on top, derived by shifting offsets, must be exactly
// what parsing the prefixed message gives — on every fixture, including malformed MIME.
import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import { describe, it } from "node:test";
import { indexMessage } from "../../src/mail/mime/index-message.js";
import { acceptsPrefix, onlyExtensionFields, prefixedIndex } from "../../src/mail/mime/prefixed-index.js";
import { FIXTURES } from "../support/mail-fixtures.js";

const dir = FIXTURES;
const fixtures = fs.existsSync(dir) ? fs.readdirSync(dir).filter((f) => f.endsWith(".eml")) : [];
const prefix = 'X-Moat-External: advanced; name="Eve"; address=eve@evil.example\r\nX-Moat-Monitor: rule="watch";\r\n\tdirection=received\r\n';

describe("prefixed index", () => {
  it("has fixtures to compare", () => assert.ok(fixtures.length >= 10, `fixtures in ${dir}`));

  for (const name of fixtures) {
    it(`equals a fresh parse for ${name}`, () => {
      const raw = fs.readFileSync(path.join(dir, name));
      const base = indexMessage(raw);
      if (!acceptsPrefix(raw, base)) return;
      assert.deepEqual(prefixedIndex(base, Buffer.byteLength(prefix)), indexMessage(Buffer.concat([Buffer.from(prefix), raw])));
    });
  }

  it("is refused for a message starting with white space or a blank line", () => {
    for (const raw of [Buffer.from(" folded: x\r\n\r\nbody\r\n"), Buffer.from("\r\nbody only\r\n")]) assert.equal(acceptsPrefix(raw, indexMessage(raw)), false);
    const normal = Buffer.from("Subject: hi\r\n\r\nbody\r\n");
    assert.equal(acceptsPrefix(normal, indexMessage(normal)), true);
  });

  it("takes only whole X- fields", () => {
    assert.equal(onlyExtensionFields(prefix), true);
    assert.equal(onlyExtensionFields("Subject: changed\r\n"), false);
    assert.equal(onlyExtensionFields("X-A: 1\r\nSubject: changed\r\n"), false);
    assert.equal(onlyExtensionFields("X-A: 1"), false);
    assert.equal(onlyExtensionFields(""), false);
  });
});
