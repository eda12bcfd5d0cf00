// Content-Type and Content-Disposition values (RFC 2045 §5.1, RFC 2183 §2) with their
// parameters. BODYSTRUCTURE lists parameters the way Dovecot does, so clients see what they
// are used to: RFC 2231 continuations are merged, but an extended value stays in its
// charset'language'%XX form under the name "name*" (RFC 3501 leaves decoding to the client).
import { unquote } from "./rfc822-tokens.js";
import type { MimeParam } from "./types.js";

/** Parameters kept per header: real ones have a handful; millions are an attack. */
export const MAX_PARAMS = 1000;

const TSPECIALS = '()<>@,;:\\"/[]?=';

function isTokenChar(c: string): boolean {
  return c > " " && c !== "\x7f" && !TSPECIALS.includes(c);
}

class ValueCursor {
  i = 0;
  constructor(readonly s: string) {}

  /** Skips blanks and (nested) comments, RFC 5322 CFWS. */
  skipCfws(): void {
    let depth = 0;
    for (; this.i < this.s.length; this.i++) {
      const c = this.s[this.i]!;
      if (c === "\\" && depth > 0) this.i++;
      else if (c === "(") depth++;
      else if (c === ")" && depth > 0) depth--;
      else if (depth === 0 && c !== " " && c !== "\t") return;
    }
  }

  token(): string {
    const from = this.i;
    while (this.i < this.s.length && isTokenChar(this.s[this.i]!)) this.i++;
    return this.s.slice(from, this.i);
  }

  quoted(): string {
    const from = ++this.i;
    while (this.i < this.s.length && this.s[this.i] !== '"') this.i += this.s[this.i] === "\\" ? 2 : 1;
    const text = this.s.slice(from, Math.min(this.i, this.s.length));
    this.i++;
    return unquote(text);
  }

  /** An unquoted value: tolerant of tspecials such as "=" (boundary=----=_Part_1). */
  bareValue(): string {
    const from = this.i;
    while (this.i < this.s.length && !' \t;("'.includes(this.s[this.i]!)) this.i++;
    return this.s.slice(from, this.i);
  }

  skipTo(char: string): void {
    const next = this.s.indexOf(char, this.i);
    this.i = next < 0 ? this.s.length : next;
  }

  at(char: string): boolean {
    return this.s[this.i] === char;
  }
}

/** `; name=value` pairs in order, names lower-cased; malformed ones are skipped. */
function readParams(c: ValueCursor): MimeParam[] {
  const params: MimeParam[] = [];
  while (params.length < MAX_PARAMS) {
    c.skipCfws();
    if (c.i >= c.s.length) return params;
    if (!c.at(";")) c.skipTo(";");
    c.i++;
    c.skipCfws();
    const name = c.token().toLowerCase();
    c.skipCfws();
    if (name === "" || !c.at("=")) continue;
    c.i++;
    c.skipCfws();
    params.push([name, c.at('"') ? c.quoted() : c.bareValue()]);
  }
  return params;
}

interface StarParam {
  readonly key: string;
  readonly index: number;
  readonly extended: boolean;
  readonly value: string;
}

/** name*, name*N, name*N* (RFC 2231 §3-4); null when the name is not of that form. */
function starParam([name, value]: MimeParam): StarParam | null {
  const star = name.indexOf("*");
  if (star < 0) return null;
  const rest = name.slice(star + 1);
  const m = /^(\d*)(\*?)$/.exec(rest);
  if (m === null) return null;
  return { key: name.slice(0, star), index: Number(m[1] || "0"), extended: rest === "" || m[2] === "*", value };
}

function mergeGroup(group: readonly StarParam[]): MimeParam[] {
  const complete = group.every((p, i) => p.index === i);
  if (!complete) return group.map((p) => [`${p.key}*${p.index}${p.extended ? "*" : ""}`, p.value]);
  const extended = group.some((p) => p.extended);
  // A plain segment joined to extended ones is %-escaped so the whole stays one valid
  // extended value; a missing charset'language' prefix is supplied as ''.
  const prefix = extended && !group[0]!.extended ? "''" : "";
  const value = group.map((p) => (extended && !p.extended ? p.value.replace(/%/g, "%25") : p.value)).join("");
  return [[extended ? `${group[0]!.key}*` : group[0]!.key, prefix + value]];
}

/** Plain parameters first, then the RFC 2231 ones merged and sorted by name, as Dovecot does. */
export function mergeRfc2231(params: readonly MimeParam[]): MimeParam[] {
  const plain: MimeParam[] = [];
  const star: StarParam[] = [];
  for (const param of params) {
    const s = starParam(param);
    if (s === null) plain.push(param);
    else star.push(s);
  }
  star.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : a.index - b.index));
  const merged: MimeParam[] = [];
  for (let i = 0; i < star.length; ) {
    let j = i;
    while (j < star.length && star[j]!.key === star[i]!.key) j++;
    for (const param of mergeGroup(star.slice(i, j))) merged.push(param);
    i = j;
  }
  return plain.concat(merged);
}

export interface ContentType {
  readonly type: string;
  readonly subtype: string;
  /** Parameters as written (names lower-cased), before RFC 2231 merging. */
  readonly rawParams: readonly MimeParam[];
}

/** type "/" subtype *(";" parameter); null when there is no valid type/subtype. */
export function parseContentType(value: string): ContentType | null {
  const c = new ValueCursor(value);
  c.skipCfws();
  const type = c.token().toLowerCase();
  c.skipCfws();
  if (type === "" || !c.at("/")) return null;
  c.i++;
  c.skipCfws();
  const subtype = c.token().toLowerCase();
  if (subtype === "") return null;
  return { type, subtype, rawParams: readParams(c) };
}

/** disposition-type *(";" parameter) (RFC 2183 §2); null without a type token. */
export function parseDisposition(value: string): { type: string; rawParams: MimeParam[] } | null {
  const c = new ValueCursor(value);
  c.skipCfws();
  const type = c.token().toLowerCase();
  return type === "" ? null : { type, rawParams: readParams(c) };
}
