// Reads a PROXY protocol header off a freshly accepted socket and leaves every byte after it
// in the socket for the protocol (or the TLS handshake). Only called for connections from a
// trusted proxy: an untrusted peer's bytes are never looked at here.
import type net from "node:net";
import { parseProxyHeader, proxyV2DefaultMaxLength, type ProxyErrorCode, type ProxyHeader } from "./proxy-protocol.js";

export interface ReadProxyOptions {
  /** HAProxy sends the header with the first packet; a proxy that is silent this long is broken. */
  timeoutMs: number;
  /** Cap on a v2 header, see proxyV2DefaultMaxLength. */
  maxLength?: number;
  /**
   * The header may be absent (HTTP, where a trusted reverse proxy may send X-Forwarded-For
   * instead): bytes that cannot start a header, or silence until the timeout, are put back
   * and reported as "absent". A header that starts right but is broken is still an error.
   */
  optional?: boolean;
}

export type ReadProxyResult =
  | { status: "done"; header: ProxyHeader }
  | { status: "absent" }
  | { status: "error"; code: ProxyErrorCode | "timeout" | "closed"; message: string };

export function readProxyHeader(socket: net.Socket, opts: ReadProxyOptions): Promise<ReadProxyResult> {
  const maxLength = opts.maxLength ?? proxyV2DefaultMaxLength;
  return new Promise((resolve) => {
    let buffered: Buffer = Buffer.alloc(0);
    let settled = false;

    const finish = (result: ReadProxyResult) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      socket.off("readable", onReadable);
      socket.off("end", onEnd);
      socket.off("close", onEnd);
      resolve(result);
    };

    // Paused mode: read() what has arrived, so nothing is consumed past the header.
    function onReadable() {
      let chunk: Buffer | null;
      while (!settled && (chunk = socket.read() as Buffer | null) !== null) {
        buffered = buffered.length === 0 ? chunk : Buffer.concat([buffered, chunk]);
        const result = parseProxyHeader(buffered, { maxLength });
        if (result.status === "incomplete") continue;
        if (result.status === "done") {
          // The client's first bytes arrived with the header: give them back to the stream.
          if (buffered.length > result.header.length) socket.unshift(buffered.subarray(result.header.length));
          finish(result);
        } else if (opts.optional && result.code === "not_proxy") {
          giveBack();
        } else {
          finish({ status: "error", code: result.code, message: result.message });
        }
      }
    }
    function giveBack() {
      if (buffered.length > 0) socket.unshift(buffered);
      finish({ status: "absent" });
    }
    function onEnd() {
      finish({ status: "error", code: "closed", message: "connection closed before a complete PROXY header" });
    }

    const timer = setTimeout(() => {
      if (opts.optional) giveBack();
      else finish({ status: "error", code: "timeout", message: `no complete PROXY header within ${opts.timeoutMs} ms` });
    }, opts.timeoutMs);
    socket.on("readable", onReadable);
    socket.once("end", onEnd);
    socket.once("close", onEnd);
    onReadable();
  });
}
