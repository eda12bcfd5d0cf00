// settingsJson (store/repositories/settings-json.ts): equal text, however it arrived, is one
// frozen object; different text of the same length is not confused with it; the kept texts
// are bounded, the oldest going first.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { settingsJson } from "../../src/store/repositories/settings-json.js";

/** The same characters in a new string, as the driver hands each row's text. */
const fresh = (text: string) => Buffer.from(text, "utf8").toString("utf8");

describe("settings JSON", () => {
  it("gives one frozen object for equal text and another for different text of the same length", () => {
    const a = settingsJson(fresh('{"rules":[{"name":"a1"}]}'));
    assert.ok(Object.isFrozen(a));
    assert.equal(settingsJson(fresh('{"rules":[{"name":"a1"}]}')), a);
    const b = settingsJson(fresh('{"rules":[{"name":"b2"}]}'));
    assert.notEqual(b, a);
    assert.deepEqual(b, { rules: [{ name: "b2" }] });
    assert.equal(settingsJson(fresh('{"rules":[{"name":"a1"}]}')), a, "the first is still kept beside the second");
    assert.deepEqual(settingsJson(fresh('{"é":1}')), { é: 1 });
  });

  it("keeps at most a thousand texts, forgetting the oldest first", () => {
    const first = settingsJson(fresh('{"n":-1}'));
    const recent = Array.from({ length: 1000 }, (_, n) => settingsJson(fresh(`{"n":${n}}`)));
    assert.equal(settingsJson(fresh('{"n":999}')), recent[999], "a recent one is kept");
    const again = settingsJson(fresh('{"n":-1}'));
    assert.notEqual(again, first, "the oldest was forgotten and parsed anew");
    assert.deepEqual(again, first);
  });
});
