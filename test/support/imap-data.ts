// A small reader of IMAP response data (RFC 3501 §4, §9): atoms, NIL, quoted strings,
// literals and parenthesized lists, so tests can compare answers "as parsed IMAP data":
// a quoted string and a literal with the same bytes are the same value.

export type ImapData =
  | { readonly kind: "nil" }
  | { readonly kind: "atom"; readonly text: string }
  | { readonly kind: "string"; readonly bytes: Buffer }
  | { readonly kind: "list"; readonly items: readonly ImapData[] };

const SP = 0x20;
const CR = 0x0d;
const LF = 0x0a;

export class ImapDataReader {
  constructor(
    readonly buf: Buffer,
    public pos = 0,
  ) {}

  private fail(what: string): never {
    const near = this.buf.toString("latin1", this.pos, this.pos + 40);
    throw new Error(`IMAP data: ${what} at ${this.pos} near ${JSON.stringify(near)}`);
  }

  expect(text: string): void {
    if (this.buf.toString("latin1", this.pos, this.pos + text.length) !== text) this.fail(`expected ${JSON.stringify(text)}`);
    this.pos += text.length;
  }

  skipSpaces(): void {
    while (this.buf[this.pos] === SP) this.pos++;
  }

  readValue(): ImapData {
    const c = this.buf[this.pos];
    if (c === 0x28) return this.readList();
    if (c === 0x22) return this.readQuoted();
    if (c === 0x7b) return this.readLiteral();
    const text = this.readAtomText();
    return text.toUpperCase() === "NIL" ? { kind: "nil" } : { kind: "atom", text };
  }

  private readList(): ImapData {
    this.pos++;
    const items: ImapData[] = [];
    for (;;) {
      this.skipSpaces();
      if (this.buf[this.pos] === 0x29) break;
      if (this.pos >= this.buf.length) this.fail("unterminated list");
      items.push(this.readValue());
    }
    this.pos++;
    return { kind: "list", items };
  }

  private readQuoted(): ImapData {
    const bytes: number[] = [];
    for (this.pos++; this.buf[this.pos] !== 0x22; this.pos++) {
      if (this.pos >= this.buf.length) this.fail("unterminated quoted string");
      if (this.buf[this.pos] === 0x5c) this.pos++;
      bytes.push(this.buf[this.pos]!);
    }
    this.pos++;
    return { kind: "string", bytes: Buffer.from(bytes) };
  }

  private readLiteral(): ImapData {
    const close = this.buf.indexOf("}\r\n", this.pos);
    if (close < 0) this.fail("bad literal");
    const size = Number(this.buf.toString("latin1", this.pos + 1, close));
    const start = close + 3;
    this.pos = start + size;
    return { kind: "string", bytes: Buffer.from(this.buf.subarray(start, start + size)) };
  }

  private readAtomText(): string {
    const start = this.pos;
    while (this.pos < this.buf.length && ![SP, CR, LF, 0x28, 0x29, 0x22, 0x7b].includes(this.buf[this.pos]!)) this.pos++;
    if (this.pos === start) this.fail("expected a value");
    return this.buf.toString("latin1", start, this.pos);
  }

  /** A FETCH data item name, such as BODY[HEADER.FIELDS (FROM TO)]<0>. */
  readItemName(): string {
    const start = this.pos;
    while (this.pos < this.buf.length && ![SP, 0x5b, 0x29].includes(this.buf[this.pos]!)) this.pos++;
    if (this.buf[this.pos] === 0x5b) this.pos = this.buf.indexOf("]", this.pos) + 1;
    if (this.buf[this.pos] === 0x3c) this.pos = this.buf.indexOf(">", this.pos) + 1;
    return this.buf.toString("latin1", start, this.pos);
  }
}

/** One value that is the whole of `data`. */
export function parseImapData(data: string | Buffer): ImapData {
  const reader = new ImapDataReader(Buffer.isBuffer(data) ? data : Buffer.from(data, "utf8"));
  const value = reader.readValue();
  if (reader.pos !== reader.buf.length) throw new Error(`IMAP data: trailing bytes after value in ${JSON.stringify(String(data))}`);
  return value;
}

/** "* n FETCH (name value ...)" at the reader's position, through its CRLF. */
export function readFetchResponse(reader: ImapDataReader): Map<string, ImapData> {
  reader.expect("* ");
  while (reader.buf[reader.pos] !== SP) reader.pos++;
  reader.expect(" FETCH (");
  const items = new Map<string, ImapData>();
  while (reader.buf[reader.pos] !== 0x29) {
    reader.skipSpaces();
    const name = reader.readItemName();
    reader.skipSpaces();
    items.set(name, reader.readValue());
  }
  reader.expect(")\r\n");
  return items;
}

/** A plain JS form for assert.deepStrictEqual: NIL is null, strings are byte (latin1) strings. */
export function comparable(value: ImapData): unknown {
  switch (value.kind) {
    case "nil":
      return null;
    case "atom":
      return { atom: value.text };
    case "string":
      return value.bytes.toString("latin1");
    case "list":
      return value.items.map(comparable);
  }
}
