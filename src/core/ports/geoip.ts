// Where an address is, from an offline database (issue 6 access policies by country; issue 8
// enriches login records with it). Synchronous: a lookup is a walk of an in-memory tree, cheap
// enough to run inside every login, and core never waits on a network for it.

/** What an address that is not on the public internet is, so no database can place it. */
export type NonPublicKind = "private" | "loopback" | "link-local" | "multicast" | "reserved";

export type GeoLocation =
  /** A public address the database places: `country` is ISO 3166-1 alpha-2, upper case. */
  | {
      readonly kind: "public";
      readonly country: string;
      /** First-level subdivision (state, province), as the database names it. */
      readonly region?: string;
      readonly city?: string;
      readonly latitude?: number;
      readonly longitude?: number;
      /** IANA time zone, e.g. "Europe/Berlin" (login-record anomaly rules: impossible travel, odd hours). */
      readonly timeZone?: string;
    }
  /** Private (RFC 1918, RFC 4193, CGNAT), loopback, link-local, multicast or reserved. */
  | { readonly kind: NonPublicKind }
  /** A public address the database does not place, or text that is not an address. */
  | { readonly kind: "unknown" };

export interface GeoIp {
  lookup(ip: string): GeoLocation;
}

/** The running server's GeoIp: a database loaded once, by open() at start or by the first lookup needing it. */
export interface GeoIpDatabase extends GeoIp {
  /** Loads the database now (server start) rather than at the first public lookup; idempotent. */
  open(): void;
  /** When the database was built, once loaded: how stale the answers may be. */
  builtAt(): Date | undefined;
}

/** The country of an address, or null when it has none (not public, or not in the database). */
export const countryOf = (geo: GeoIp, ip: string): string | null => {
  const place = geo.lookup(ip);
  return place.kind === "public" ? place.country : null;
};
