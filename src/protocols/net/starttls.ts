// STARTTLS (SMTP, RFC 3207) and STLS (POP3, RFC 2595) in the middle of a session, one way for
// every protocol. Whatever the client sent after the command arrived in plaintext and must not
// run as if it came over TLS (CVE-2011-0411; test plan SMTP STARTTLS cases, POP-02): it is
// dropped, as Postfix does. The "go ahead" reply leaves in plaintext before TLS takes over.
import type net from "node:net";
import type tls from "node:tls";
import type { Logger } from "pino";
import { untrusted } from "../../shared/logger.js";
import type { SessionInput } from "./session-input.js";
import type { ReplyWriter } from "./session-output.js";
import { upgradeToTls } from "./tls.js";

export interface StartTlsStep {
  readonly socket: net.Socket;
  readonly input: SessionInput;
  readonly out: ReplyWriter;
  /** The protocol's "begin TLS now" reply, with its CRLF. */
  readonly reply: string;
  readonly secureContext: tls.SecureContext;
  readonly log: Logger;
}

/** The TLS socket, or null when the client left or the handshake failed (the session ends). */
export async function startTls(step: StartTlsStep): Promise<tls.TLSSocket | null> {
  const { socket, log } = step;
  step.out.flush();
  const injected = step.input.detach();
  if (injected.length > 0) log.warn({ bytes: injected.length, sample: untrusted(injected.subarray(0, 64).toString("latin1"), 100) }, "pipelined data after STARTTLS discarded");
  await new Promise<void>((resolve) => socket.write(step.reply, () => resolve()));
  if (socket.destroyed) return null;
  try {
    return await upgradeToTls(socket, step.secureContext);
  } catch (err) {
    log.info({ err: (err as Error).message }, "STARTTLS handshake failed");
    return null;
  }
}
