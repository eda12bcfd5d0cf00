// Inbound sender authentication reads the body only when a signature covers it: unsigned
// mail is checked on its header alone with the same verdicts, and a DKIM signature is still
// verified against the body (a changed body fails it).
import assert from "node:assert/strict";
import crypto from "node:crypto";
import { describe, it } from "node:test";
import { authenticate } from "mailauth";
import { dkimSign } from "mailauth/lib/dkim/sign.js";
import { authInput, verifyInbound } from "../../src/core/flow/inbound-auth.js";
import { zoneResolver } from "../support/dns.js";

const header = "From: x@sender.example\r\nTo: alice@example.com\r\nSubject: Hi\r\nMessage-ID: <m1@sender.example>\r\n\r\n";
const unsigned = Buffer.from(`${header}Hello there.\r\n.leading dot\r\n`);
const opts = { ip: "203.0.113.5", helo: "mail.sender.example", sender: "x@sender.example", hostname: "mx.example.com" };

async function signed(body: string) {
  const { privateKey, publicKey } = crypto.generateKeyPairSync("rsa", { modulusLength: 2048 });
  const key = { signingDomain: "sender.example", selector: "s1", privateKey: privateKey.export({ type: "pkcs8", format: "pem" }), algorithm: "rsa-sha256", canonicalization: "relaxed/relaxed" };
  const message = Buffer.from(`${header}${body}`);
  const result = await dkimSign(message, { ...key, signatureData: [key] });
  const record = `v=DKIM1; k=rsa; p=${publicKey.export({ type: "spki", format: "der" }).toString("base64")}`;
  return { message: Buffer.concat([Buffer.from(result.signatures), message]), zone: { "s1._domainkey.sender.example TXT": [[record]] } };
}

describe("inbound authentication input", () => {
  it("gives mailauth the header alone when nothing signs the body", () => {
    assert.equal(authInput(unsigned).toString(), header);
    const arc = Buffer.from(`ARC-Message-Signature: i=1; a=rsa-sha256\r\n${unsigned.toString()}`);
    assert.equal(authInput(arc), arc);
    const dkim = Buffer.from(`Subject: x\r\ndkim-signature : v=1\r\n\r\nbody\r\n`);
    assert.equal(authInput(dkim), dkim);
    const noBody = Buffer.from("Subject: x\r\n");
    assert.equal(authInput(noBody), noBody);
  });

  it("reaches the same verdicts and header on the header alone as on the whole unsigned message", async () => {
    const resolver = zoneResolver({ "sender.example TXT": [["v=spf1 ip4:203.0.113.5 -all"]], "_dmarc.sender.example TXT": [["v=DMARC1; p=reject"]] });
    const ours = await verifyInbound(unsigned, { ...opts, resolver });
    const whole = (await authenticate(unsigned, { ...opts, mta: opts.hostname, resolver: resolver as never, disableBimi: true, trustReceived: false })) as unknown as { headers: string };
    assert.equal(ours.headers, whole.headers.replace(/\r?\n/g, "\r\n"));
    assert.deepEqual(ours.summary, { spf: "pass", dkim: "none", dmarc: "pass", arc: "none" });
  });

  it("still checks a DKIM signature against the body", async () => {
    const { message, zone } = await signed("Hello there.\r\n");
    const pass = await verifyInbound(message, { ...opts, resolver: zoneResolver(zone) });
    // Failed once in CI (2026-11-27) and never since: keep what failed, to see why if it returns.
    assert.equal(pass.summary.dkim, "pass", `an untampered signed message did not verify:\n${message.toString()}\n${pass.headers}\n${zone["s1._domainkey.sender.example TXT"][0]![0]}`);
    const tampered = Buffer.from(message.toString().replace("Hello there.", "Hello thar."));
    const fail = await verifyInbound(tampered, { ...opts, resolver: zoneResolver(zone) });
    // mailauth calls a body hash mismatch "neutral" (RFC 6376 §6.3 leaves the word to us).
    assert.equal(fail.summary.dkim, "neutral");
    assert.match(fail.headers, /body hash did not verify/);
  });
});
