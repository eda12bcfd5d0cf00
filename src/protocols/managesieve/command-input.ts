// Reading ManageSieve commands through the shared session input (net/session-input.ts): lines
// with the line cap, literals as exactly their announced octets once their size has been
// judged against the budget (the script size limit, so a larger script is refused before a
// byte of it is read), and what a refused command still sends dropped unread: a client sends
// its {n+} literal whatever we answer (RFC 5804 §4; RFC 7888 §4 for IMAP's same rule).
import type { InputEnd, SessionInput } from "../net/session-input.js";
import { literalMarker, scanLine, type Token } from "./codec/command.js";
import { bye, no } from "./codec/response.js";

export type TokensRead =
  | { readonly kind: "tokens"; readonly tokens: Token[] }
  /** Answered with `reply`; `fatal`: the session ends after it. */
  | { readonly kind: "refused"; readonly reply: string; readonly fatal: boolean }
  | { readonly kind: "end"; readonly why: InputEnd };

export interface CommandInputLimits {
  readonly maxLineBytes: number;
  /**
   * A refused literal up to this size is read and dropped; one announced larger ends the
   * session, as dropping gigabytes would only tie the connection up.
   */
  readonly maxSkipBytes: number;
}

export class CommandInput {
  /** The rest of a refused command, dropped before the next one is read: a literal's octets, or the rest of a line. */
  private leftover: number | "line" | null = null;

  constructor(
    private readonly input: SessionInput,
    private readonly limits: CommandInputLimits,
  ) {}

  /** Every token of the next command (or SASL response), literals included, up to `literalBudget` octets of literals. */
  async read(literalBudget: number): Promise<TokensRead> {
    const dropped = await this.dropLeftover();
    if (dropped !== null) return dropped;
    const tokens: Token[] = [];
    let continuation = false;
    let left = literalBudget;
    for (;;) {
      const read = await this.input.readLine(this.limits.maxLineBytes);
      if (read.kind === "too_long") {
        this.leftover = "line";
        return { kind: "refused", reply: no(`Line too long (at most ${this.limits.maxLineBytes} octets outside literals)`), fatal: false };
      }
      if (read.kind !== "line") return this.ended(read.kind);
      const scan = scanLine(read.line, tokens, continuation);
      if (scan.kind === "done") return { kind: "tokens", tokens };
      if (scan.kind === "error") {
        const marker = literalMarker(read.line);
        return marker === null ? { kind: "refused", reply: no(scan.message), fatal: false } : this.refuseLiteral(marker.size, no(scan.message));
      }
      if (scan.size > left) return this.refuseLiteral(scan.size, no(`Too large: at most ${literalBudget} octets`, "QUOTA/MAXSIZE"));
      left -= scan.size;
      const bytes = await this.input.readBytes(scan.size);
      if (bytes.kind !== "bytes") return this.ended(bytes.kind);
      tokens.push({ kind: "string", value: bytes.bytes });
      continuation = true;
    }
  }

  private refuseLiteral(size: number, reply: string): TokensRead {
    if (size > this.limits.maxSkipBytes) return { kind: "refused", reply: bye("Literal too large; closing"), fatal: true };
    this.leftover = size;
    return { kind: "refused", reply, fatal: false };
  }

  /** Drops a refused literal, then the rest of its line, and again while that line announces another. */
  private async dropLeftover(): Promise<TokensRead | null> {
    while (this.leftover !== null) {
      if (typeof this.leftover === "number") {
        const skipped = await this.input.skipBytes(this.leftover);
        if (skipped !== "data") return this.ended(skipped);
      }
      this.leftover = null;
      const line = await this.input.discardLine();
      if (line.kind !== "discarded") return this.ended(line.kind);
      const marker = literalMarker(line.tail);
      if (marker === null) break;
      if (marker.size > this.limits.maxSkipBytes) return { kind: "refused", reply: bye("Literal too large; closing"), fatal: true };
      this.leftover = marker.size;
    }
    return null;
  }

  private ended(why: InputEnd): TokensRead {
    this.leftover = null;
    return { kind: "end", why };
  }
}
