// Fixed DNS answers from a JSON file, checked before the real resolvers: tests and closed
// networks (no internet DNS) answer MX, A and TXT lookups without a DNS server.
//
//   { "example.org MX": [{"exchange": "mx.example.org", "priority": 10}],
//     "example.org TXT": [["v=spf1 -all"]],
//     "mx.example.org A": ["127.0.0.1"],
//     "*": "nxdomain" }
//
// A name that appears in the file owns all its types: asking it for a type the file does not
// list is ENODATA, never a question to the internet (a half-fixed name would mix answers).
// "*": "nxdomain" makes every other name ENOTFOUND; without it, other names go to the resolvers.
import fs from "node:fs";
import type { RecordType } from "../../core/ports/dns.js";
import { MoatError } from "../../shared/errors.js";

const types: readonly RecordType[] = ["A", "AAAA", "MX", "TXT", "PTR", "CNAME"];

export interface Zone {
  /** Lower-case name without the trailing dot → type → answers in node's shapes. */
  readonly names: ReadonlyMap<string, ReadonlyMap<RecordType, readonly unknown[]>>;
  /** Names not in the zone are ENOTFOUND instead of going to the resolvers. */
  readonly closed: boolean;
}

export const emptyZone: Zone = { names: new Map(), closed: false };

export function normalizeName(name: string): string {
  return name.trim().toLowerCase().replace(/\.$/, "");
}

function bad(file: string, key: string, why: string): MoatError {
  return new MoatError("config_invalid", `dns.zone_file ${file}: "${key}": ${why}`);
}

/** Checks one entry and brings it to node's answer shape. */
function answers(file: string, key: string, type: RecordType, value: unknown): unknown[] {
  if (!Array.isArray(value)) throw bad(file, key, "expected a list of answers");
  return value.map((v: unknown) => {
    switch (type) {
      case "MX": {
        const mx = v as { exchange?: unknown; priority?: unknown };
        if (typeof mx !== "object" || mx === null || typeof mx.exchange !== "string" || typeof mx.priority !== "number") {
          throw bad(file, key, 'expected {"exchange": "host", "priority": 10}');
        }
        return { exchange: mx.exchange, priority: mx.priority };
      }
      case "TXT":
        // node gives each TXT record as its list of strings; a plain string is one of one.
        if (typeof v === "string") return [v];
        if (Array.isArray(v) && v.every((s) => typeof s === "string")) return v;
        throw bad(file, key, "expected strings or lists of strings");
      default:
        if (typeof v !== "string") throw bad(file, key, "expected strings");
        return v;
    }
  });
}

export function parseZone(json: unknown, file = "zone"): Zone {
  if (typeof json !== "object" || json === null || Array.isArray(json)) throw bad(file, "", "expected a JSON object");
  const names = new Map<string, Map<RecordType, unknown[]>>();
  let closed = false;
  for (const [key, value] of Object.entries(json as Record<string, unknown>)) {
    if (key === "*") {
      if (value !== "nxdomain") throw bad(file, key, 'the only wildcard setting is "nxdomain"');
      closed = true;
      continue;
    }
    const match = /^(\S+)\s+(\S+)$/.exec(key.trim());
    const type = match?.[2]?.toUpperCase() as RecordType | undefined;
    if (!match || type === undefined || !types.includes(type)) throw bad(file, key, `expected "name TYPE" with TYPE one of ${types.join(", ")}`);
    const name = normalizeName(match[1]!);
    const byType = names.get(name) ?? new Map<RecordType, unknown[]>();
    byType.set(type, answers(file, key, type, value));
    names.set(name, byType);
  }
  return { names, closed };
}

export function loadZone(file: string): Zone {
  let text: string;
  try {
    text = fs.readFileSync(file, "utf8");
  } catch (err) {
    throw new MoatError("config_invalid", `dns.zone_file ${file} cannot be read`, { cause: err });
  }
  try {
    return parseZone(JSON.parse(text) as unknown, file);
  } catch (err) {
    if (err instanceof MoatError) throw err;
    throw new MoatError("config_invalid", `dns.zone_file ${file} is not valid JSON`, { cause: err });
  }
}

/** The zone's answer: records, a node-style error, or undefined to ask the resolvers. */
export function lookupZone(zone: Zone, name: string, type: RecordType): unknown[] | Error | undefined {
  const byType = zone.names.get(normalizeName(name));
  if (byType === undefined) return zone.closed ? dnsError("ENOTFOUND", type, name) : undefined;
  const records = byType.get(type);
  if (records === undefined || records.length === 0) return dnsError("ENODATA", type, name);
  // A copy, so a caller that sorts or edits the answer cannot change the zone.
  return records.map((r) => (Array.isArray(r) ? [...(r as unknown[])] : typeof r === "object" && r !== null ? { ...r } : r));
}

/**
 * An Error shaped like node's DNS errors (code, syscall "queryMx", hostname), which mailauth
 * reads. Without a stack: it is an answer, not a fault, and capturing one cost more than the
 * rest of a lookup (mailauth asks several names per inbound message).
 */
export function dnsError(code: string, type: RecordType, hostname: string): Error {
  const syscall = `query${type[0]}${type.slice(1).toLowerCase()}`;
  const limit = Error.stackTraceLimit;
  Error.stackTraceLimit = 0;
  try {
    return Object.assign(new Error(`${syscall} ${code} ${hostname}`), { code, syscall, hostname });
  } finally {
    Error.stackTraceLimit = limit;
  }
}
