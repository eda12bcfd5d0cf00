// Logging in with real email clients against servers on port 0: imapflow for IMAP, nodemailer
// for SMTP AUTH. Each returns "ok" or the server's refusal text, for tests of login rules.
import { ImapFlow } from "imapflow";
import nodemailer from "nodemailer";

/** `startTls`: upgrade first (any certificate), as a client off loopback must before it may log in. */
export async function imapLoginText(port: number, user: string, pass: string, host = "127.0.0.1", startTls = false): Promise<string> {
  const client = new ImapFlow({ host, port, secure: false, ...(startTls ? { tls: { rejectUnauthorized: false } } : {}), auth: { user, pass }, logger: false });
  client.on("error", () => {});
  try {
    await client.connect();
    await client.logout();
    return "ok";
  } catch (err) {
    const e = err as { responseText?: string; message: string };
    return e.responseText ?? e.message;
  }
}

/** SMTP AUTH with nodemailer (verify: EHLO, AUTH, QUIT). */
export async function smtpLoginText(port: number, user: string, pass: string, host = "127.0.0.1", startTls = false): Promise<string> {
  const tls = startTls ? { requireTLS: true, tls: { rejectUnauthorized: false } } : { ignoreTLS: true };
  const transport = nodemailer.createTransport({ host, port, secure: false, ...tls, auth: { user, pass } });
  try {
    await transport.verify();
    return "ok";
  } catch (err) {
    return String((err as { response?: string }).response ?? (err as Error).message);
  } finally {
    transport.close();
  }
}
