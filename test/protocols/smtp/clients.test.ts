// Real clients against the session: nodemailer (submission with AUTH over STARTTLS, as a mail
// app sends) and Python's smtplib (submission, and a pipelined MX transaction).
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import path from "node:path";
import { after, before, describe, it } from "node:test";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import nodemailer from "nodemailer";
import type SMTPTransport from "nodemailer/lib/smtp-transport/index.js";
import { encodeProxyV1 } from "../../../src/protocols/net/proxy-protocol.js";
import { selfSignedCert, type CertPair } from "../../support/self-signed.js";
import { connectTcp } from "../../support/wire.js";
import { alice, startTestServer } from "./harness.js";

const run = promisify(execFile);
const script = path.join(path.dirname(fileURLToPath(import.meta.url)), "smtplib_client.py");
const remoteIp = "198.51.100.23";

let cert: CertPair;
before(() => {
  cert = selfSignedCert({ after });
});

describe("nodemailer", () => {
  it("submits over STARTTLS with AUTH PLAIN from a remote address", async (t) => {
    const { port, flow, auth } = await startTestServer(t, { role: "submission", tls: cert, behindProxy: true });
    const transport = nodemailer.createTransport({
      host: "127.0.0.1",
      port,
      requireTLS: true,
      tls: { rejectUnauthorized: false },
      auth: { user: alice.address, pass: alice.password },
      name: "nodemailer.example",
      // nodemailer's proxy hook: hand it a socket that has already sent our trusted PROXY header.
      getSocket: (_options, callback) => {
        connectTcp(port)
          .then((socket) => {
            socket.write(encodeProxyV1({ address: remoteIp, port: 41000 }, { address: "127.0.0.1", port }));
            callback(null, { connection: socket });
          })
          .catch((err: Error) => callback(err, null));
      },
    } satisfies SMTPTransport.Options);
    t.after(() => transport.close());

    const info = await transport.sendMail({
      from: alice.address,
      to: ["friend@elsewhere.example", "bob@example.com"],
      subject: "Quarterly numbers",
      text: "Hello.\n.\nA line with only a dot above.\n",
    });
    assert.match(info.response, /^250 2\.0\.0 Ok: queued as Q1/);
    assert.deepEqual(auth.calls.map((c) => [c.identity, c.context.ip, c.context.secure, c.context.method]), [[alice.address, remoteIp, true, "SMTP AUTH PLAIN"]]);
    const [stored] = flow.messages;
    assert.ok(stored?.origin.kind === "submission");
    assert.equal(stored.origin.helo, "nodemailer.example");
    assert.ok(stored.origin.tls !== null);
    assert.deepEqual(stored.envelope.recipients, ["friend@elsewhere.example", "bob@example.com"]);
    const text = stored.message.toString();
    assert.match(text, /^Subject: Quarterly numbers\r$/m);
    assert.match(text, /\r\n\.\r\nA line with only a dot above\./, "the dot line arrives unstuffed");
    assert.doesNotMatch(text.replace(/\r\n/g, ""), /\n/, "only CRLF line endings");
  });

  it("is refused by a submission server that gets no credentials", async (t) => {
    const { port, flow } = await startTestServer(t, { role: "submission", tls: cert });
    const transport = nodemailer.createTransport({ host: "127.0.0.1", port, tls: { rejectUnauthorized: false } });
    t.after(() => transport.close());
    await assert.rejects(transport.sendMail({ from: alice.address, to: "bob@example.com", text: "x" }), /530 5\.7\.0/);
    assert.equal(flow.messages.length, 0);
  });
});

describe("Python smtplib", () => {
  it("logs in after STARTTLS and sends a message (submission)", async (t) => {
    const { port, flow, auth } = await startTestServer(t, { role: "submission", tls: cert, behindProxy: true });
    const { stdout } = await run("python3", [script, "submission", String(port), remoteIp, alice.address, alice.password]);
    const result = JSON.parse(stdout) as { authBeforeTls: boolean; login: number; refused: object; tls: string };
    assert.deepEqual([result.authBeforeTls, result.login, result.refused], [false, 235, {}]);
    assert.match(result.tls, /^TLSv1\.[23]$/);
    assert.equal(auth.calls[0]?.context.ip, remoteIp);
    assert.equal(flow.messages.length, 1);
    assert.match(flow.messages[0]?.message.toString() ?? "", /\r\n\r\n\.leading dot\r\nbye\r\n$/);
  });

  it("pipelines MAIL, three RCPTs and DATA; replies come in order (RFC 2920)", async (t) => {
    const { port, flow } = await startTestServer(t);
    const { stdout } = await run("python3", [script, "pipelined", String(port)]);
    assert.deepEqual((JSON.parse(stdout) as { codes: number[] }).codes, [250, 250, 550, 250, 354, 250]);
    assert.equal(flow.messages.length, 1);
    assert.deepEqual(flow.messages[0]?.envelope.recipients, ["bob@example.com", "carol@example.com"]);
    assert.equal(flow.messages[0]?.message.toString(), "Subject: pipelined\r\n\r\n.dot line\r\n.\r\nend\r\n");
  });
});
