// Where a login came from, as its record keeps it (issue 8 item 1, decision 0024): looked up
// once, when the record is written, so a later GeoIP or ASN update never rewrites history and
// listing records needs no lookups. Both lookups are synchronous in-memory searches.
import type { AsnLookup } from "../ports/asn.js";
import type { GeoIp } from "../ports/geoip.js";
import type { LoginRecord } from "./types.js";
import type { Coordinates } from "../security/anomalies/types.js";

export type RecordPlace = Pick<LoginRecord, "network" | "country" | "region" | "city" | "asn" | "asOrg">;

/** What the record keeps, and the coordinates the anomaly rules use (not kept: decision 0024). */
export interface PlacedLogin {
  readonly stored: RecordPlace;
  readonly coordinates: Coordinates | null;
}

const nowhere: RecordPlace = { network: null, country: null, region: null, city: null, asn: null, asOrg: null };

/** Without a GeoIP database nothing is known, not even whether the address is private. */
export function recordPlace(ip: string, geoip: GeoIp | undefined, asn: AsnLookup | undefined): PlacedLogin {
  if (!geoip) return { stored: nowhere, coordinates: null };
  const place = geoip.lookup(ip);
  if (place.kind !== "public") return { stored: { ...nowhere, network: place.kind }, coordinates: null };
  const network = asn?.lookup(ip) ?? null;
  return {
    stored: {
      network: "public",
      country: place.country,
      region: place.region ?? null,
      city: place.city ?? null,
      asn: network?.asn ?? null,
      asOrg: network?.org ?? null,
    },
    coordinates: place.latitude !== undefined && place.longitude !== undefined ? { latitude: place.latitude, longitude: place.longitude } : null,
  };
}
