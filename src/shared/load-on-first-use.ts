// Heavy libraries loaded when first used instead of when the process starts. Every `moat`
// command opens the whole core to run one action, and a few libraries it rarely needs cost
// most of its start: mailauth with its BIMI certificate parser (~240 ms here, for inbound SMTP
// only), @simplewebauthn/server with its ASN.1 stack (~260 ms, passkeys only), selfsigned
// (~90 ms, `moat init` only), DKIM signing (outbound delivery) and the QR code writer
// (two-factor enrolment). The first caller waits for the import; later callers get the same
// module at the cost of one resolved promise.
export function loadOnFirstUse<T>(load: () => Promise<T>): () => Promise<T> {
  let loading: Promise<T> | undefined;
  return () => (loading ??= load());
}
