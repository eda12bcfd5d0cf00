// Retry timing, bounce (DSN) structure, and line-end repair: the pure parts of delivery.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { simpleParser } from "mailparser";
import { afterTemporaryFailure, retryDelay, retryPolicyFromSettings } from "../../../src/core/delivery/backoff.js";
import { toCrlf } from "../../../src/core/delivery/crlf.js";
import { buildDsn, dsnStatus, headerSection } from "../../../src/core/delivery/dsn.js";
import { address } from "../../store/helpers.js";

const minute = 60_000;
const policy = retryPolicyFromSettings({ retry_first_minutes: 5, retry_max_minutes: 240, give_up_hours: 120 });
const T0 = Date.UTC(2026, 10, 26, 12, 0, 0);

describe("retry backoff", () => {
  it("waits 5 minutes, then doubles, capped at 4 hours", () => {
    assert.deepEqual([1, 2, 3, 4, 5, 6, 7, 8, 50].map((n) => retryDelay(policy, n) / minute), [5, 10, 20, 40, 80, 160, 240, 240, 240]);
  });

  it("gives up after 5 days, with the last retry at the deadline", () => {
    const deadline = T0 + 120 * 60 * minute;
    assert.deepEqual(afterTemporaryFailure(policy, { queuedAt: T0, failedAttempts: 1, now: T0 }), { kind: "retry", at: T0 + 5 * minute });
    assert.deepEqual(afterTemporaryFailure(policy, { queuedAt: T0, failedAttempts: 30, now: deadline - minute }), { kind: "retry", at: deadline });
    assert.deepEqual(afterTemporaryFailure(policy, { queuedAt: T0, failedAttempts: 31, now: deadline }), { kind: "give_up" });
  });
});

describe("line ends", () => {
  it("turns bare CR and bare LF into CRLF and leaves CRLF text untouched", () => {
    assert.equal(toCrlf(Buffer.from("a\nb\rc\r\nd\n\r.\n")).toString(), "a\r\nb\r\nc\r\nd\r\n\r\n.\r\n");
    const clean = Buffer.from("a\r\nb\r\n");
    assert.equal(toCrlf(clean), clean, "no copy when nothing changes");
    assert.equal(toCrlf(Buffer.from("\n\n")).toString(), "\r\n\r\n");
    assert.equal(toCrlf(Buffer.from("x\r")).toString(), "x\r\n");
  });
});

describe("delivery status notifications", () => {
  const original = Buffer.from("From: Alice <alice@example.com>\nTo: bob@remote.example\nSubject: Hello\nMessage-ID: <m1@example.com>\n\nsecret body\n");

  it("takes the status from the reply's enhanced code, else its class, else the fallback", () => {
    assert.equal(dsnStatus(550, "550 5.1.1 <bob@remote.example>: no such user", "5.0.0"), "5.1.1");
    assert.equal(dsnStatus(554, "554 go away", "5.0.0"), "5.0.0");
    assert.equal(dsnStatus(451, "451-4.7.1 greylisted\r\n451 4.7.1 try later", "4.4.7"), "4.7.1");
    assert.equal(dsnStatus(0, "connection refused", "4.4.7"), "4.4.7");
  });

  it("builds an RFC 3464 report to the sender, from MAILER-DAEMON, with the headers only", async () => {
    const dsn = buildDsn({
      reportingMta: "mx.example.com",
      originalMailFrom: address("alice@example.com"),
      envelopeId: "env-42",
      arrivalDate: T0,
      now: T0 + minute,
      original,
      token: "tok",
      failures: [
        { recipient: address("bob@remote.example"), status: "5.1.1", diagnostic: "550 5.1.1 no such user\r\nX-Injected: yes", remoteReply: true, remoteMta: "mx.remote.example", lastAttemptAt: T0 + minute },
        { recipient: address("carol@remote.example"), status: "4.4.7", diagnostic: "gave up", remoteReply: false, remoteMta: undefined, lastAttemptAt: T0 + minute },
      ],
    });
    assert.ok(dsn);
    assert.deepEqual(dsn.envelope, { mailFrom: null, recipients: ["alice@example.com"], smtpUtf8: false, body: "7BIT" });
    const text = dsn.message.toString();
    assert.ok(!/(^|[^\r])\n/.test(text), "CRLF only");
    assert.ok(!text.includes("secret body"), "the body is not returned");
    assert.ok(!/^X-Injected/m.test(text), "a remote reply cannot add a header line");
    assert.match(text, /^Auto-Submitted: auto-replied\r$/m);

    const parsed = await simpleParser(dsn.message);
    assert.equal(parsed.from?.value[0]?.address, "MAILER-DAEMON@mx.example.com");
    assert.equal(parsed.subject, "Undelivered Mail Returned to Sender");
    assert.match(String(parsed.headers.get("content-type") && (parsed.headers.get("content-type") as { value: string }).value), /multipart\/report/);
    assert.match(text, /Content-Type: multipart\/report; report-type=delivery-status; boundary="=_moat_dsn_tok"/);
    const status = /Content-Type: message\/delivery-status\r\n\r\n([\s\S]*?)\r\n--=_moat_dsn_tok/.exec(text)?.[1];
    assert.ok(status);
    const blocks = status.split("\r\n\r\n");
    assert.match(blocks[0]!, /^Reporting-MTA: dns; mx.example.com\r\nOriginal-Envelope-Id: env-42\r\nArrival-Date: Thu, 26 Nov 2026 12:00:00 \+0000$/);
    assert.match(blocks[1]!, /Final-Recipient: rfc822; bob@remote.example\r\nAction: failed\r\nStatus: 5.1.1\r\nRemote-MTA: dns; mx.remote.example\r\nDiagnostic-Code: smtp; 550 5.1.1 no such user X-Injected: yes/);
    assert.match(blocks[2]!, /Final-Recipient: rfc822; carol@remote.example\r\nAction: failed\r\nStatus: 4.4.7\r\nDiagnostic-Code: x-moat; gave up/);
    assert.match(text, /Content-Type: text\/rfc822-headers\r\nContent-Transfer-Encoding: 7bit\r\n\r\nFrom: Alice <alice@example.com>\r\nTo: bob@remote.example\r\nSubject: Hello\r\nMessage-ID: <m1@example.com>\r\n\r\n--=_moat_dsn_tok--\r\n$/);
  });

  it("is never built for a message with the null sender", () => {
    const failures = [{ recipient: address("bob@remote.example"), status: "5.1.1", diagnostic: "550", remoteReply: true, remoteMta: undefined, lastAttemptAt: T0 }];
    assert.equal(buildDsn({ reportingMta: "mx.example.com", originalMailFrom: null, envelopeId: null, arrivalDate: T0, now: T0, original, failures }), undefined);
  });

  it("uses the RFC 6533 global types when the headers carry UTF-8", () => {
    const dsn = buildDsn({
      reportingMta: "mx.example.com",
      originalMailFrom: address("alice@example.com"),
      envelopeId: null,
      arrivalDate: T0,
      now: T0,
      original: Buffer.from("Subject: Grüße\r\n\r\nbody"),
      failures: [{ recipient: address("bob@remote.example"), status: "5.0.0", diagnostic: "550 no", remoteReply: true, remoteMta: undefined, lastAttemptAt: T0 }],
    });
    assert.ok(dsn);
    assert.equal(dsn.envelope.body, "8BITMIME");
    assert.match(dsn.message.toString(), /report-type=global-delivery-status/);
    assert.match(dsn.message.toString(), /Content-Type: message\/global-headers\r\nContent-Transfer-Encoding: 8bit/);
    assert.equal(headerSection(Buffer.from("A: 1\n\nbody")).toString(), "A: 1\r\n");
  });
});
