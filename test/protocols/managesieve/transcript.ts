// A raw ManageSieve client for transcript tests: write a command, wait for the response that
// must follow it (anchored at what has not been read yet), never sleeping.
import net from "node:net";
import { encodeProxyV1 } from "../../../src/protocols/net/proxy-protocol.js";
import { connectTcp, connectTls, wire, type WireClient } from "../../support/wire.js";

export class Transcript {
  private seen = 0;
  constructor(public client: WireClient) {}

  /**
   * Waits until the unread text matches `pattern` (anchor it with ^) and the line the match ends
   * in is complete; returns the match and reads past that line.
   */
  async expect(pattern: RegExp): Promise<string> {
    const rest = () => this.client.text.slice(this.seen);
    const lineEnd = (text: string): number | null => {
      const match = pattern.exec(text);
      if (match === null) return null;
      const end = match.index + match[0].length;
      if (match[0].endsWith("\n")) return end;
      const lf = text.indexOf("\n", end);
      return lf < 0 ? null : lf + 1;
    };
    await this.client.until(() => lineEnd(rest()) !== null);
    const text = rest();
    const match = pattern.exec(text)!;
    this.seen += lineEnd(text)!;
    return match[0];
  }

  async cmd(line: string | Buffer, response: RegExp): Promise<string> {
    await this.client.write(line);
    return this.expect(response);
  }

  /** STARTTLS: the OK in the clear, then the handshake on the same socket. */
  async startTls(): Promise<void> {
    await this.cmd("STARTTLS\r\n", /^OK "Begin TLS negotiation now"\r\n/);
    await this.upgrade();
  }

  /** The TLS handshake on this socket, once the server has said OK to STARTTLS. */
  async upgrade(): Promise<void> {
    this.client = wire(await connectTls(this.client.socket));
    this.seen = 0;
  }

  get unread(): string {
    return this.client.text.slice(this.seen);
  }
}

/** The greeting: every capability line, then OK. */
export const greeting = /^("[A-Z]+"( "[^"\r\n]*")?\r\n)+OK "Moat ManageSieve ready"\r\n/;

/** A loopback client (secure without TLS, as IMAP and POP3 treat it). */
export async function connectLoopback(port: number): Promise<Transcript> {
  const t = new Transcript(wire(await connectTcp(port)));
  await t.expect(greeting);
  return t;
}

/**
 * A client from 203.0.113.9 as the trusted proxy 127.0.0.2 (MOAT_TRUSTED_PROXIES) relays it:
 * not loopback, so PLAIN needs TLS first.
 */
export async function connectRemote(port: number): Promise<{ t: Transcript; greeting: string }> {
  const socket = await new Promise<net.Socket>((resolve, reject) => {
    const s = net.connect({ host: "127.0.0.1", port, localAddress: "127.0.0.2" });
    s.once("connect", () => resolve(s));
    s.once("error", reject);
  });
  socket.write(encodeProxyV1({ address: "203.0.113.9", port: 40000 }, { address: "127.0.0.1", port }));
  const t = new Transcript(wire(socket));
  return { t, greeting: await t.expect(greeting) };
}

export const plain = (user: string, password: string, authzid = "") => Buffer.from(`${authzid}\0${user}\0${password}`, "utf8").toString("base64");
