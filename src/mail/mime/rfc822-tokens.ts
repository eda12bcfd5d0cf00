// A lexer for structured header values (RFC 5322 §3.2): atoms, quoted strings, comments,
// domain literals and single special characters. One pass, no backtracking: an unterminated
// quoted string or comment simply runs to the end of the value.

export type TokenKind = "atom" | "quoted" | "comment" | "literal" | "special";

export interface Token {
  readonly kind: TokenKind;
  /**
   * atom: the run of atext and dots (obs-phrase words and dot-atoms are one token);
   * quoted / comment: the content with quoting backslashes removed;
   * literal: the domain literal with its brackets; special: the one character.
   */
  readonly text: string;
}

// RFC 5322 §3.2.3 atext, plus "." (an obs-phrase word may contain dots) and 8-bit (RFC 6532).
function isAtomChar(code: number): boolean {
  if (code >= 0x80) return true;
  if (code <= 0x20 || code === 0x7f) return false;
  return !'()<>[]:;@\\,"'.includes(String.fromCharCode(code));
}

/** Removes the quoting backslashes of a quoted-pair (RFC 5322 §3.2.1). */
export function unquote(text: string): string {
  return text.includes("\\") ? text.replace(/\\([\s\S])/g, "$1") : text;
}

/** The end of a quoted string or comment opened before `from` (just past its closing char). */
function closingOf(value: string, from: number, open: string | null, close: string): number {
  let depth = 1;
  for (let i = from; i < value.length; i++) {
    const c = value[i];
    if (c === "\\") i++;
    else if (c === close && --depth === 0) return i;
    else if (c === open) depth++;
  }
  return value.length;
}

function readDelimited(value: string, from: number, open: string | null, close: string): { text: string; next: number } {
  const end = closingOf(value, from, open, close);
  return { text: unquote(value.slice(from, end)), next: end + 1 };
}

/** Tokens of a structured header value; blanks and line ends between tokens are dropped. */
export function tokenize(value: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < value.length) {
    const c = value[i]!;
    const code = value.charCodeAt(i);
    if (c === " " || c === "\t" || c === "\r" || c === "\n") {
      i++;
    } else if (c === "(") {
      const r = readDelimited(value, i + 1, "(", ")");
      tokens.push({ kind: "comment", text: r.text });
      i = r.next;
    } else if (c === '"') {
      const r = readDelimited(value, i + 1, null, '"');
      tokens.push({ kind: "quoted", text: r.text });
      i = r.next;
    } else if (c === "[") {
      const close = value.indexOf("]", i);
      const next = close < 0 ? value.length : close + 1;
      tokens.push({ kind: "literal", text: value.slice(i, next) });
      i = next;
    } else if (isAtomChar(code)) {
      let j = i + 1;
      while (j < value.length && isAtomChar(value.charCodeAt(j))) j++;
      tokens.push({ kind: "atom", text: value.slice(i, j) });
      i = j;
    } else {
      tokens.push({ kind: "special", text: c });
      i++;
    }
  }
  return tokens;
}
