// The SmtpTransport port over nodemailer's SMTP connection: one connection per send, EHLO
// with our host name, STARTTLS, one reply per recipient.
//
// TLS (RFC 3207): opportunistic by default, as MTAs do (RFC 7435): STARTTLS whenever the
// server offers it, without checking its certificate (an unverified channel still beats
// plaintext, and most MX certificates would fail a name check). With require_tls the session
// must be upgraded and the certificate must verify for the MX / relay host name.
//
// Line ends (security test plan SMTP-07): the message goes out with every bare CR and LF made
// CRLF (toCrlf), and nodemailer's DataStream dot-stuffs each line that starts with "." and
// ends the data with CRLF.CRLF, so the stored bytes cannot end DATA early at the receiver.
import SMTPConnection from "nodemailer/lib/smtp-connection/index.js";
import type { RecipientResult, SmtpSendRequest, SmtpSendResult, SmtpTransport } from "../../../core/ports/transport.js";
import { toCrlf } from "../../../core/delivery/crlf.js";

export interface SmtpClientOptions {
  /** TCP connect. Default 30 s. */
  readonly connectTimeoutMs?: number | undefined;
  /** The 220 greeting; RFC 5321 §4.5.3.2.1 asks for 5 minutes. Default 5 min. */
  readonly greetingTimeoutMs?: number | undefined;
  /** Silence from the server at any later point (RFC 5321 §4.5.3.2 allows up to 10 min). Default 5 min. */
  readonly socketTimeoutMs?: number | undefined;
  /** Extra trusted CAs for require_tls (tests, private PKI). */
  readonly ca?: string | Buffer | undefined;
}

type SmtpError = SMTPConnection.SMTPError & { recipient?: string; rejectedErrors?: SmtpError[] };

const EHLO_NAME = /^(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.?)+$|^\[[0-9A-Fa-f:.]+(?:IPv6:[0-9A-Fa-f:.]+)?\]$/;

/** The numeric reply of an error, parsed from the response when nodemailer did not. */
function replyCode(err: SmtpError): number {
  if (typeof err.responseCode === "number") return err.responseCode;
  const m = /^(\d{3})/.exec(err.response ?? "");
  return m ? Number(m[1]) : 0;
}

function describe(err: SmtpError): string {
  return (err.response ?? "").trim() || `${err.code ?? "error"}: ${err.message}`;
}

function result(req: SmtpSendRequest, connected: boolean, tls: boolean, each: (rcpt: string) => Omit<RecipientResult, "recipient">): SmtpSendResult {
  return { connected, tls, recipients: req.envelope.to.map((recipient) => ({ recipient, ...each(recipient) })) };
}

function failed(err: SmtpError): Omit<RecipientResult, "recipient"> {
  const code = replyCode(err);
  return { accepted: false, permanent: code >= 500 && code < 600, code, response: describe(err) };
}

export function createSmtpTransport(options: SmtpClientOptions = {}): SmtpTransport {
  async function session(req: SmtpSendRequest, message: Buffer, plaintextOnly: boolean): Promise<SmtpSendResult & { tlsFailed?: boolean }> {
    const conn = new SMTPConnection({
      host: req.host,
      port: req.port,
      secure: false,
      name: req.hostname,
      requireTLS: req.requireTls,
      opportunisticTLS: !req.requireTls,
      ignoreTLS: plaintextOnly,
      connectionTimeout: options.connectTimeoutMs ?? 30_000,
      greetingTimeout: options.greetingTimeoutMs ?? 300_000,
      socketTimeout: options.socketTimeoutMs ?? 300_000,
      logger: false,
      tls: {
        rejectUnauthorized: req.requireTls,
        minVersion: "TLSv1.2",
        ...(req.servername ? { servername: req.servername } : {}),
        ...(options.ca ? { ca: options.ca } : {}),
      },
    });
    // Every failure nodemailer reports after the start arrives as 'error' (then the socket
    // closes), and a pending callback may never run: each step races this promise.
    let tlsFailed = false;
    const broken = new Promise<SmtpError>((resolve) => {
      conn.on("error", (err: SmtpError) => {
        // A failed handshake surfaces as a socket error while nodemailer's (public, untyped)
        // `upgrading` flag is set; a refused STARTTLS command as ETLS.
        tlsFailed ||= err.code === "ETLS" || (conn as unknown as { upgrading?: boolean }).upgrading === true;
        resolve(err);
      });
      conn.once("end", () => resolve(Object.assign(new Error("connection closed"), { code: "ECONNECTION" })));
    });
    try {
      const opened = await Promise.race([new Promise<true>((resolve) => conn.connect(() => resolve(true))), broken]);
      if (opened !== true) {
        return { ...result(req, false, false, () => ({ ...failed(opened), permanent: false })), tlsFailed };
      }
      const tls = conn.secure;
      const sent = await Promise.race([
        new Promise<{ err: SmtpError | null; info?: SMTPConnection.SentMessageInfo }>((resolve) =>
          conn.send({ from: req.envelope.from, to: [...req.envelope.to], use8BitMime: req.body8bit === true }, message, (err, info) =>
            resolve({ err, info }),
          ),
        ),
        broken.then((err) => ({ err, info: undefined })),
      ]);
      if (sent.err === null && sent.info) {
        const info = sent.info;
        const rejected = new Map((info.rejectedErrors ?? []).map((e: SmtpError) => [e.recipient, e]));
        const response = (info.response ?? "").trim();
        return result(req, true, tls, (rcpt) => {
          const err = rejected.get(rcpt);
          if (err) return failed(err);
          return { accepted: true, permanent: false, code: Number(/^\d{3}/.exec(response)?.[0] ?? 250), response };
        });
      }
      const err: SmtpError = sent.err ?? Object.assign(new Error("no reply"), { code: "ECONNECTION" });
      // All recipients refused at RCPT: each has its own reply.
      const perRecipient = new Map((err.rejectedErrors ?? []).map((e): [string | undefined, SmtpError] => [e.recipient, e]));
      return result(req, true, tls, (rcpt) => failed(perRecipient.get(rcpt) ?? err));
    } finally {
      // QUIT is a courtesy: not waited for, and nothing if the connection never opened.
      try {
        conn.quit();
      } catch {
        conn.close();
      }
      setTimeout(() => conn.close(), 1_000).unref();
    }
  }

  return {
    async send(req: SmtpSendRequest): Promise<SmtpSendResult> {
      if (!EHLO_NAME.test(req.hostname)) {
        return result(req, false, false, () => ({ accepted: false, permanent: false, code: 0, response: `invalid EHLO name '${req.hostname}'` }));
      }
      const message = toCrlf(req.message);
      const first = await session(req, message, false);
      // A server whose STARTTLS handshake fails (old ciphers, broken certificate chain) gets
      // the message in plaintext, as Postfix does for opportunistic TLS; never under require_tls.
      if (!first.connected && first.tlsFailed && !req.requireTls) return session(req, message, true);
      const { tlsFailed: _unused, ...rest } = first;
      return rest;
    },
  };
}
