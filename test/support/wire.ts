// Raw socket clients for tests: connect, keep everything the server sends, and wait for a
// condition or for the close event instead of sleeping.
import net from "node:net";
import tls from "node:tls";

export interface WireClient {
  readonly socket: net.Socket;
  /** Everything received so far, as latin1 text. */
  readonly text: string;
  /** Resolves once the server's bytes satisfy `check`; rejects if the connection closes first. */
  until(check: (text: string) => boolean): Promise<string>;
  /** Resolves when the connection is closed (by either side). */
  readonly closed: Promise<void>;
  write(data: string | Buffer): Promise<void>;
}

export function wire(socket: net.Socket): WireClient {
  let text = "";
  let isClosed = false;
  let wake: (() => void)[] = [];
  const notify = () => {
    const pending = wake;
    wake = [];
    for (const fn of pending) fn();
  };
  socket.on("data", (chunk: Buffer) => {
    text += chunk.toString("latin1");
    notify();
  });
  socket.on("error", () => {}); // a reset shows up as 'close', which the tests wait for
  const closed = new Promise<void>((resolve) => {
    socket.once("close", () => {
      isClosed = true;
      notify();
      resolve();
    });
  });
  return {
    socket,
    get text() {
      return text;
    },
    closed,
    async until(check) {
      while (!check(text)) {
        if (isClosed) throw new Error(`connection closed; received ${JSON.stringify(text)}`);
        await new Promise<void>((resolve) => wake.push(resolve));
      }
      return text;
    },
    write(data) {
      return new Promise((resolve, reject) => socket.write(data, (err) => (err ? reject(err) : resolve())));
    },
  };
}

/** A plain TCP connection to 127.0.0.1:port, resolved once connected. */
export function connectTcp(port: number, host = "127.0.0.1"): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host, port });
    socket.once("connect", () => {
      socket.off("error", reject);
      resolve(socket);
    });
    socket.once("error", reject);
  });
}

/** TLS to port, or over an existing socket (after a PROXY header); the test cert is self-signed. */
export function connectTls(target: number | net.Socket, opts: { alpn?: string[] } = {}): Promise<tls.TLSSocket> {
  return new Promise((resolve, reject) => {
    const base = { rejectUnauthorized: false, servername: "localhost", ...(opts.alpn ? { ALPNProtocols: opts.alpn } : {}) };
    const socket = typeof target === "number" ? tls.connect({ ...base, host: "127.0.0.1", port: target }) : tls.connect({ ...base, socket: target });
    socket.once("secureConnect", () => {
      socket.off("error", reject);
      resolve(socket);
    });
    socket.once("error", reject);
  });
}
