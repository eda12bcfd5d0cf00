// Which network an address belongs to: its autonomous system number and the name its operator
// registered (issue 8: login records say "AS3320 Deutsche Telekom AG", and the anomaly rules
// notice a new network). Synchronous for the same reason as GeoIp: an in-memory search, cheap
// enough to run inside every login.

export interface AsnInfo {
  readonly asn: number;
  /** The operator's name as the registry has it, e.g. "Google LLC". */
  readonly org: string;
}

export interface AsnLookup {
  /** Null for an address no AS announces: private, loopback, reserved, unrouted, or not an address. */
  lookup(ip: string): AsnInfo | null;
}

/** The running server's table: loaded once, by open() at start or by the first public lookup. */
export interface AsnDatabase extends AsnLookup {
  /** Loads the table now (server start) rather than at the first public lookup; idempotent. */
  open(): void;
}
