// The AsnLookup port over the AS ranges shipped in the npm package @ip-location-db/asn
// (RouteViews and DB-IP data, CC BY 4.0), found through node's module resolution and never
// downloaded, like the GeoIP data (decision 0015).
//
// The package's "-num" CSVs ("start,end,asn,org", addresses as decimal integers, sorted by
// start, ranges disjoint) are read once into typed arrays: IPv4 bounds as Uint32Array, IPv6
// bounds as four 32-bit words each, operator names deduplicated (about 80,000 names for
// 515,000 ranges). A lookup is one binary search: no objects per range, little garbage, and
// no cache needed. Load time and memory are in decision 0024.
import fs from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import type { AsnDatabase, AsnInfo } from "../../core/ports/asn.js";
import { MoatError } from "../../shared/errors.js";
import { parseIp, type IpAddress } from "../../shared/ip.js";

const dataPackage = "@ip-location-db/asn";

/** The folder of the installed data package, by node's resolution from this file. */
export function asnFolder(): string {
  const require = createRequire(import.meta.url);
  try {
    return path.dirname(require.resolve(`${dataPackage}/package.json`));
  } catch (err) {
    throw new MoatError("config_invalid", `the ASN data package ${dataPackage} is not installed`, { cause: err });
  }
}

/** ipaddr.js ranges no AS announces on the public internet: answered null without the table. */
const notRouted = new Set(["private", "uniqueLocal", "carrierGradeNat", "loopback", "linkLocal", "multicast", "unspecified", "broadcast", "reserved", "benchmarking"]);

interface Family {
  /** IPv4: one word per bound; IPv6: four (most significant first). */
  readonly starts: Uint32Array;
  readonly ends: Uint32Array;
  readonly asns: Uint32Array;
  readonly orgIds: Uint32Array;
}

interface Table {
  readonly v4: Family;
  readonly v6: Family;
  readonly orgs: readonly string[];
}

const comma = 0x2c;
const newline = 0x0a;
const quote = 0x22;

/**
 * The operator name of bytes [from, to): its own string (not a slice of the whole file's text,
 * which would keep the 20 MB text alive), unquoted ("Cloudflare, Inc.", "" for a quote).
 */
function orgName(data: Buffer, from: number, to: number): string {
  if (data[to - 1] === 0x0d) to--;
  if (to - from >= 2 && data[from] === quote && data[to - 1] === quote) return data.toString("utf8", from + 1, to - 1).replaceAll('""', '"');
  return data.toString("utf8", from, to);
}

/**
 * Reads the decimal at `from` (up to the next comma) into `width` 32-bit words at `into[at]`,
 * most significant first, without a string or a BigInt per number (half a million of each
 * made loading three times slower). IPv6 numbers go through eight 16-bit limbs, so every step
 * stays exact in a double. Returns the index of the comma, or -1 when the field is not digits.
 */
function readNumber(data: Buffer, from: number, into: Uint32Array, at: number, width: number): number {
  if (width === 1) {
    let n = 0;
    let i = from;
    for (; data[i]! >= 0x30 && data[i]! <= 0x39; i++) n = n * 10 + data[i]! - 0x30;
    into[at] = n;
    return i > from && data[i] === comma ? i : -1;
  }
  const limbs = [0, 0, 0, 0, 0, 0, 0, 0];
  let i = from;
  // Four digits at a time: limbs × 10^4 + chunk stays below 2^31.
  while (data[i]! >= 0x30 && data[i]! <= 0x39) {
    let chunk = 0;
    let scale = 1;
    for (let k = 0; k < 4 && data[i]! >= 0x30 && data[i]! <= 0x39; k++, i++) {
      chunk = chunk * 10 + data[i]! - 0x30;
      scale *= 10;
    }
    let carry = chunk;
    for (let l = 7; l >= 0; l--) {
      const v = limbs[l]! * scale + carry;
      limbs[l] = v & 0xffff;
      carry = v >>> 16;
    }
  }
  for (let w = 0; w < 4; w++) into[at + w] = ((limbs[w * 2]! << 16) | limbs[w * 2 + 1]!) >>> 0;
  return i > from && data[i] === comma ? i : -1;
}

/** -1, 0 or 1: the `width`-word number at `at` against the key. */
function compare(words: Uint32Array, at: number, key: Uint32Array, width: number): number {
  for (let i = 0; i < width; i++) {
    const x = words[at + i]!;
    const y = key[i]!;
    if (x !== y) return x < y ? -1 : 1;
  }
  return 0;
}

function countLines(data: Buffer): number {
  let lines = 1;
  for (let at = data.indexOf(newline); at >= 0; at = data.indexOf(newline, at + 1)) lines++;
  return lines;
}

function loadFamily(file: string, width: 1 | 4, orgIndex: Map<string, number>, orgs: string[]): Family {
  let data: Buffer;
  try {
    data = fs.readFileSync(file);
  } catch (err) {
    throw new MoatError("config_invalid", `cannot read the ASN table ${file}`, { cause: err });
  }
  const lines = countLines(data);
  const starts = new Uint32Array(lines * width);
  const ends = new Uint32Array(lines * width);
  const asns = new Uint32Array(lines);
  const orgIds = new Uint32Array(lines);
  let n = 0;
  let lastOrg: [number, number] = [0, 0];
  for (let from = 0; from < data.length; ) {
    let to = data.indexOf(newline, from);
    if (to < 0) to = data.length;
    const a = readNumber(data, from, starts, n * width, width);
    const b = a < 0 ? -1 : readNumber(data, a + 1, ends, n * width, width);
    const c = b < 0 ? -1 : readNumber(data, b + 1, asns, n, 1);
    if (c >= 0 && c < to) {
      // The binary search needs ascending starts; the package promises them, this checks it.
      if (n > 0 && compare(starts, (n - 1) * width, starts.subarray(n * width, n * width + width), width) >= 0) {
        throw new MoatError("config_invalid", `the ASN table ${file} is not sorted at line ${n + 1}`);
      }
      // Neighbouring ranges mostly share an operator: compare bytes before making a string.
      const same = n > 0 && data.compare(data, c + 1, to, lastOrg[0], lastOrg[1]) === 0;
      orgIds[n] = same ? orgIds[n - 1]! : orgId(orgName(data, c + 1, to), orgIndex, orgs);
      lastOrg = [c + 1, to];
      n++;
    }
    from = to + 1;
  }
  // Trimmed copies, so the arrays sized by line count go with the file's bytes.
  return { starts: starts.slice(0, n * width), ends: ends.slice(0, n * width), asns: asns.slice(0, n), orgIds: orgIds.slice(0, n) };
}

function orgId(org: string, orgIndex: Map<string, number>, orgs: string[]): number {
  let id = orgIndex.get(org);
  if (id === undefined) {
    id = orgs.push(org) - 1;
    orgIndex.set(org, id);
  }
  return id;
}

/** The range holding the key: the last start ≤ key, if its end ≥ key. */
function find(family: Family, key: Uint32Array, width: number): number {
  let lo = 0;
  let hi = family.asns.length - 1;
  let found = -1;
  while (lo <= hi) {
    const mid = (lo + hi) >>> 1;
    if (compare(family.starts, mid * width, key, width) <= 0) {
      found = mid;
      lo = mid + 1;
    } else hi = mid - 1;
  }
  return found >= 0 && compare(family.ends, found * width, key, width) >= 0 ? found : -1;
}

function keyOf(addr: IpAddress): { key: Uint32Array; width: 1 | 4 } {
  const bytes = addr.toByteArray();
  const width = addr.kind() === "ipv4" ? 1 : 4;
  const key = new Uint32Array(width);
  for (let i = 0; i < width; i++) key[i] = ((bytes[i * 4]! << 24) | (bytes[i * 4 + 1]! << 16) | (bytes[i * 4 + 2]! << 8) | bytes[i * 4 + 3]!) >>> 0;
  return { key, width };
}

export function createAsnTable(folder: string = asnFolder()): AsnDatabase {
  let table: Table | undefined;
  const open = (): Table => {
    if (table) return table;
    const orgIndex = new Map<string, number>();
    const orgs: string[] = [];
    const v4 = loadFamily(path.join(folder, "asn-ipv4-num.csv"), 1, orgIndex, orgs);
    const v6 = loadFamily(path.join(folder, "asn-ipv6-num.csv"), 4, orgIndex, orgs);
    return (table = { v4, v6, orgs });
  };
  return {
    open: () => void open(),
    lookup(ip: string): AsnInfo | null {
      // parseIp maps ::ffff:a.b.c.d to IPv4, so a dual-stack socket's client is looked up as IPv4.
      const addr = parseIp(ip);
      if (addr === null || notRouted.has(addr.range())) return null;
      const { v4, v6, orgs } = open();
      const { key, width } = keyOf(addr);
      const family = width === 1 ? v4 : v6;
      const at = find(family, key, width);
      return at < 0 ? null : { asn: family.asns[at]!, org: orgs[family.orgIds[at]!]! };
    },
  };
}
