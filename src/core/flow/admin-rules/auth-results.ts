// The verdicts a stored message carries in the Authentication-Results header we wrote at
// delivery (RFC 8601), for the dry run: only a header with our own authserv-id counts, as any
// other may have been written by the sender (and ours replaced any forged one on the way in).
import { headerValues } from "../trace-headers.js";

export function ownAuthResults(message: Buffer, authservId: string): { spf: string; dkim: string; dmarc: string } | null {
  const id = authservId.toLowerCase();
  const ours = headerValues(message, "authentication-results").find((v) => (/^([^\s;]+)/.exec(v)?.[1] ?? "").toLowerCase() === id);
  if (ours === undefined) return null;
  const verdict = (method: string) => new RegExp(`(?:^|[;\\s])${method}=([a-z]+)`, "i").exec(ours)?.[1]?.toLowerCase() ?? "none";
  return { spf: verdict("spf"), dkim: verdict("dkim"), dmarc: verdict("dmarc") };
}
