// The Sieve lexer (RFC 5228 §2, §8.1): identifiers, tags, numbers with K/M/G, quoted and
// multi-line strings, the punctuation of the grammar; hash and bracketed comments and white
// space are dropped. Every token carries its line and column (1-based) so that every error a
// user sees points at the place in the script.

export type TokenKind = "identifier" | "tag" | "number" | "string" | "punct";

export interface Token {
  readonly kind: TokenKind;
  /** identifier/tag: the name (tag without ":"); string: the value; punct: the character. */
  readonly text: string;
  /** number: the value, with the K/M/G multiplier applied. */
  readonly value: number;
  readonly line: number;
  readonly column: number;
}

export class SieveSyntaxError extends Error {
  constructor(
    readonly line: number,
    readonly column: number,
    message: string,
  ) {
    super(message);
  }
}

const PUNCT = "[](){},;";
const MULTIPLIER: Record<string, number> = { k: 1024, m: 1024 ** 2, g: 1024 ** 3 };

function isIdentStart(c: string): boolean {
  return (c >= "a" && c <= "z") || (c >= "A" && c <= "Z") || c === "_";
}

function isIdentChar(c: string): boolean {
  return isIdentStart(c) || (c >= "0" && c <= "9");
}

function isDigit(c: string | undefined): boolean {
  return c !== undefined && c >= "0" && c <= "9";
}

class Lexer {
  private pos = 0;
  private line = 1;
  private lineStart = 0;
  readonly tokens: Token[] = [];

  constructor(private readonly text: string) {}

  private get column(): number {
    return this.pos - this.lineStart + 1;
  }

  private fail(message: string, line = this.line, column = this.column): never {
    throw new SieveSyntaxError(line, column, message);
  }

  /** Moves past one character, keeping line and column right across CRLF and bare LF. */
  private advance(): void {
    if (this.text[this.pos] === "\n") {
      this.line++;
      this.lineStart = this.pos + 1;
    }
    this.pos++;
  }

  private push(kind: TokenKind, text: string, value: number, line: number, column: number): void {
    this.tokens.push({ kind, text, value, line, column });
  }

  run(): Token[] {
    const t = this.text;
    while (this.pos < t.length) {
      const c = t[this.pos]!;
      if (c === " " || c === "\t" || c === "\r" || c === "\n") this.advance();
      else if (c === "#") this.skipHashComment();
      else if (c === "/" && t[this.pos + 1] === "*") this.skipBracketComment();
      else if (c === '"') this.readQuoted();
      else if (isDigit(c)) this.readNumber();
      else if (c === ":") this.readTag();
      else if (isIdentStart(c)) this.readIdentifier();
      else if (PUNCT.includes(c)) {
        this.push("punct", c, 0, this.line, this.column);
        this.advance();
      } else this.fail(`unexpected character '${c}'`);
    }
    return this.tokens;
  }

  private skipHashComment(): void {
    while (this.pos < this.text.length && this.text[this.pos] !== "\n") this.pos++;
  }

  private skipBracketComment(): void {
    const [line, column] = [this.line, this.column];
    const end = this.text.indexOf("*/", this.pos + 2);
    if (end < 0) this.fail("unterminated comment (missing '*/')", line, column);
    while (this.pos < end + 2) this.advance();
  }

  private readWord(): string {
    const from = this.pos;
    while (this.pos < this.text.length && isIdentChar(this.text[this.pos]!)) this.pos++;
    return this.text.slice(from, this.pos);
  }

  private readIdentifier(): void {
    const [line, column] = [this.line, this.column];
    const word = this.readWord();
    if (word === "text" && this.text[this.pos] === ":") {
      this.pos++;
      this.readMultiline(line, column);
      return;
    }
    this.push("identifier", word, 0, line, column);
  }

  private readTag(): void {
    const [line, column] = [this.line, this.column];
    this.pos++;
    if (!isIdentStart(this.text[this.pos] ?? "")) this.fail("a tag needs a name after ':'", line, column);
    this.push("tag", this.readWord(), 0, line, column);
  }

  private readNumber(): void {
    const [line, column] = [this.line, this.column];
    const from = this.pos;
    while (isDigit(this.text[this.pos])) this.pos++;
    let value = Number(this.text.slice(from, this.pos));
    const suffix = this.text[this.pos]?.toLowerCase() ?? "";
    if (suffix in MULTIPLIER) {
      value *= MULTIPLIER[suffix]!;
      this.pos++;
    }
    const next = this.text[this.pos] ?? "";
    if (isIdentChar(next)) this.fail(`bad number '${this.text.slice(from, this.pos + 1)}' (digits, then K, M or G)`, line, column);
    // RFC 5228 §2.4.1 asks for at least 2^31; anything past 2^53 would lose precision.
    if (!Number.isSafeInteger(value)) this.fail("number too large", line, column);
    this.push("number", "", value, line, column);
  }

  /** RFC 5228 §2.4.2: backslash escapes "\\" and "\""; any other escaped char stands for itself. */
  private readQuoted(): void {
    const [line, column] = [this.line, this.column];
    this.pos++;
    let out = "";
    for (;;) {
      if (this.pos >= this.text.length) this.fail("unterminated string (missing '\"')", line, column);
      const c = this.text[this.pos]!;
      if (c === '"') break;
      if (c === "\\") {
        this.pos++;
        if (this.pos >= this.text.length) this.fail("unterminated string (missing '\"')", line, column);
      }
      out += this.text[this.pos];
      this.advance();
    }
    this.pos++;
    this.push("string", out.replace(/\r?\n/g, "\r\n"), 0, line, column);
  }

  /**
   * "text:" blanks (hash-comment / CRLF), then lines up to one holding just ".";
   * a line starting with "." loses that dot (dot-stuffing, RFC 5228 §2.4.2).
   */
  private readMultiline(line: number, column: number): void {
    const t = this.text;
    while (t[this.pos] === " " || t[this.pos] === "\t") this.pos++;
    if (t[this.pos] === "#") this.skipHashComment();
    if (t[this.pos] === "\r") this.pos++;
    if (t[this.pos] !== "\n") this.fail("'text:' must be followed by the end of the line");
    this.advance();
    const lines: string[] = [];
    for (;;) {
      if (this.pos >= t.length) this.fail("unterminated multi-line string (missing a line with '.')", line, column);
      const lf = t.indexOf("\n", this.pos);
      const end = lf < 0 ? t.length : lf;
      const text = t.slice(this.pos, end).replace(/\r$/, "");
      while (this.pos < end) this.pos++;
      if (lf >= 0) this.advance();
      else if (text !== ".") this.fail("unterminated multi-line string (missing a line with '.')", line, column);
      if (text === ".") break;
      lines.push(text.startsWith(".") ? text.slice(1) : text);
    }
    this.push("string", lines.map((l) => `${l}\r\n`).join(""), 0, line, column);
  }
}

/** The tokens of a script; throws SieveSyntaxError at the first lexical error. */
export function tokenize(text: string): Token[] {
  return new Lexer(text).run();
}
