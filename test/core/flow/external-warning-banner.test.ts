// The banner sentence follows the domain's warning mode: the sender's name (general), with the
// address too (advanced); nothing when the mode is off.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { Address } from "../../../src/mail/address.js";
import { warningBanner } from "../../../src/core/flow/external-warning.js";

const alice = { name: "Alice Outsider", address: "alice@partner.example" as Address };

describe("warningBanner", () => {
  it("names the sender per mode", () => {
    assert.equal(warningBanner("off", alice), "");
    assert.equal(warningBanner("general", alice), "This message came from outside your organisation: Alice Outsider. Be careful with links and attachments.");
    assert.equal(warningBanner("advanced", alice), "This message came from outside your organisation: Alice Outsider <alice@partner.example>. Be careful with links and attachments.");
  });

  it("falls back to the address, then to 'unknown sender', and cuts a huge name to one short line", () => {
    assert.match(warningBanner("general", { name: "", address: alice.address }), /organisation: alice@partner\.example\. Be/);
    assert.match(warningBanner("advanced", { name: "", address: null }), /organisation: unknown sender\. Be/);
    const long = warningBanner("general", { name: `A\r\nB ${"x".repeat(5000)}`, address: null });
    assert.ok(!/[\r\n]/.test(long) && long.length < 250);
  });
});
