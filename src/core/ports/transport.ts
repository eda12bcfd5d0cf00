// Outbound SMTP as a port: core's delivery runner decides where and what to send; an adapter
// (protocols/smtp/client) speaks the protocol. Tests hand in a fake to fail a delivery on cue.

export interface SmtpSendRequest {
  /** What to connect to: an IP address (core resolves names through its DnsResolver). */
  readonly host: string;
  readonly port: number;
  /**
   * The name the certificate must carry when TLS is required, and the SNI name (the MX or
   * relay host name). Absent when the destination was given as an IP address.
   */
  readonly servername?: string | undefined;
  /** Refuse to send unless STARTTLS succeeds with a verified certificate. */
  readonly requireTls: boolean;
  /** from "" is the null reverse-path "<>" of bounces. */
  readonly envelope: { readonly from: string; readonly to: readonly string[] };
  /** The whole message; the transport sends it with CRLF line ends only, dot-stuffed. */
  readonly message: Buffer;
  /** Our name for EHLO. */
  readonly hostname: string;
  /** RFC 6152: announce BODY=8BITMIME when the server offers it. */
  readonly body8bit?: boolean | undefined;
}

export interface RecipientResult {
  readonly recipient: string;
  readonly accepted: boolean;
  /** A 5xx reply: retrying will not help. Only meaningful when not accepted. */
  readonly permanent: boolean;
  /** The SMTP reply code, or 0 when no reply was had (connection lost, timeout). */
  readonly code: number;
  /** The server's reply, or our description of why there was none. */
  readonly response: string;
}

export interface SmtpSendResult {
  /**
   * false when no SMTP transaction was started on this host (connection refused or lost,
   * greeting refused, TLS required but unavailable): the caller tries the next MX host
   * (RFC 5321 §5.1). Every recipient is then a temporary failure.
   */
  readonly connected: boolean;
  /** Whether the message travelled over TLS. */
  readonly tls: boolean;
  /** One per envelope recipient, in envelope order. */
  readonly recipients: readonly RecipientResult[];
}

export interface SmtpTransport {
  /** Never rejects for what the remote side does; failures come back as results. */
  send(request: SmtpSendRequest): Promise<SmtpSendResult>;
}
