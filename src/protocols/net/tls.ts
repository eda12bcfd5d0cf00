// Server-side TLS on an already accepted socket: implicit TLS (993, 995, 465, HTTPS) after the
// PROXY header has been read in the clear, and STARTTLS / STLS in the middle of a session.
// One function for both, so handshake timeouts and error handling cannot drift apart.
import type net from "node:net";
import tls from "node:tls";

/** Certificate material for a listener: options (built once) or a getter, so a renewed
 * certificate is picked up by the next connection without restarting the listener. */
export type TlsSource = tls.SecureContextOptions | (() => tls.SecureContext);

export function secureContextGetter(source: TlsSource): () => tls.SecureContext {
  if (typeof source === "function") return source;
  const context = tls.createSecureContext(source);
  return () => context;
}

export interface UpgradeOptions {
  /** A client that opens TCP and never finishes the handshake holds a socket; 10 s is plenty
   * for a real client on a slow link and short enough that idle sockets do not pile up. */
  handshakeTimeoutMs?: number;
  /** ALPN names offered (RFC 7301); e.g. ["http/1.1"] on HTTPS, ["imap"] on IMAPS. */
  alpnProtocols?: string[];
}

export const defaultHandshakeTimeoutMs = 10_000;

/**
 * Starts a server TLS handshake on `socket` and resolves with the TLS socket once it is
 * complete; rejects (and destroys the socket) on a handshake error, a close or the timeout.
 * For STARTTLS the caller must first stop reading the plain socket and drop any plaintext it
 * had buffered after the command, or a man in the middle could inject commands that appear to
 * arrive over TLS (CVE-2011-0411). Bytes still in the socket's own buffer (such as a
 * ClientHello that arrived with a PROXY header) are fed to TLS.
 */
export function upgradeToTls(socket: net.Socket, secureContext: tls.SecureContext, opts: UpgradeOptions = {}): Promise<tls.TLSSocket> {
  const secure = new tls.TLSSocket(socket, {
    isServer: true,
    secureContext,
    requestCert: false,
    rejectUnauthorized: false,
    ...(opts.alpnProtocols ? { ALPNProtocols: opts.alpnProtocols } : {}),
  });
  // A permanent listener: an ECONNRESET after the handshake must not crash the process when
  // the protocol has not attached its own yet. The socket still closes and emits 'close'.
  secure.on("error", () => {});
  // Destroying the TLS layer does not always close the TCP socket under it.
  secure.once("close", () => socket.destroy());

  return new Promise((resolve, reject) => {
    const timeoutMs = opts.handshakeTimeoutMs ?? defaultHandshakeTimeoutMs;
    const fail = (err: Error) => {
      cleanup();
      secure.destroy();
      socket.destroy();
      reject(err);
    };
    const onError = (err: Error) => fail(err);
    const onClose = () => fail(new Error("connection closed during the TLS handshake"));
    const onSecure = () => {
      cleanup();
      resolve(secure);
    };
    const timer = setTimeout(() => fail(new Error(`TLS handshake not finished within ${timeoutMs} ms`)), timeoutMs);
    function cleanup() {
      clearTimeout(timer);
      secure.off("error", onError);
      secure.off("close", onClose);
      secure.off("secure", onSecure);
    }
    secure.once("error", onError);
    secure.once("close", onClose);
    secure.once("secure", onSecure);
  });
}
