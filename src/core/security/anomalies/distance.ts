// Great-circle distance between two GeoIP positions, for the impossible-travel rule. GeoIP
// places an address at its city's (or country's) centre, so kilometres here are approximate;
// the rule's travel_min_km absorbs that.
import type { Coordinates } from "./types.js";

/** Mean Earth radius (IUGG), km. */
const earthRadiusKm = 6371.0088;
const radians = (degrees: number) => (degrees * Math.PI) / 180;

/** Haversine distance in km: exact enough on a sphere at every distance, with no antipodal blow-up in practice. */
export function distanceKm(a: Coordinates, b: Coordinates): number {
  const dLat = radians(b.latitude - a.latitude);
  const dLon = radians(b.longitude - a.longitude);
  const h = Math.sin(dLat / 2) ** 2 + Math.cos(radians(a.latitude)) * Math.cos(radians(b.latitude)) * Math.sin(dLon / 2) ** 2;
  return 2 * earthRadiusKm * Math.asin(Math.min(1, Math.sqrt(h)));
}

/** km/h between two points `elapsedMs` apart; two places at the same moment are infinitely fast. */
export function speedKmh(km: number, elapsedMs: number): number {
  return elapsedMs <= 0 ? Infinity : km / (elapsedMs / 3_600_000);
}
