// The message trace's search on both dialects: a recipient or subject with % or _ in it is
// matched literally (SQLite's LIKE has no escape character unless one is named).
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { MessageTrace } from "../../src/core/flow/trace.js";
import type { Address } from "../../src/mail/address.js";
import { forEachDialect } from "../support/stores.js";

const trace = (id: string, recipient: string, subject: string): MessageTrace => ({
  id,
  at: 1_000,
  origin: "mx",
  mailFrom: null,
  recipients: [recipient as Address],
  subject,
  messageId: "",
  size: 1,
  decision: "accepted",
  stages: [],
});

forEachDialect((dialect, open) => {
  describe(`message traces on ${dialect}`, () => {
    it("finds a recipient and a subject containing _ and % literally, and nothing by wildcard", async (t) => {
      const store = await open(t);
      await store.messageTraces.append(trace("A", "first_last@example.com", "50% off_now"));
      await store.messageTraces.append(trace("B", "firstXlast@example.com", "500 offXnow"));
      assert.deepEqual((await store.messageTraces.search({ to: "first_last@example.com", limit: 10 })).map((x) => x.id), ["A"]);
      assert.deepEqual((await store.messageTraces.search({ subject: "50% OFF_", limit: 10 })).map((x) => x.id), ["A"]);
      assert.deepEqual((await store.messageTraces.search({ to: "first%last@example.com", limit: 10 })).map((x) => x.id), []);
    });
  });
});
