// The Sieve grammar (RFC 5228 §8.2) into a syntax tree, before any meaning is checked:
//   commands = *command;  command = identifier arguments (";" / block);  block = "{" commands "}"
//   arguments = *argument [test / test-list];  argument = string-list / number / tag
//   test = identifier arguments;  test-list = "(" test *("," test) ")"
// Blocks and test lists nest at most `maxNesting` deep, so a hostile script cannot blow the
// stack of the recursive descent here or of the interpreter later.
import { SieveSyntaxError, type Token } from "./lexer.js";

export interface Position {
  readonly line: number;
  readonly column: number;
}

export type Argument =
  | (Position & { readonly kind: "tag"; readonly name: string })
  | (Position & { readonly kind: "number"; readonly value: number })
  | (Position & { readonly kind: "strings"; readonly values: readonly string[]; readonly list: boolean });

export interface TestNode extends Position {
  readonly name: string;
  readonly args: readonly Argument[];
  readonly tests: readonly TestNode[];
  /** True when the tests were written as a parenthesised test-list. */
  readonly testList: boolean;
}

export interface CommandNode extends Position {
  readonly name: string;
  readonly args: readonly Argument[];
  readonly tests: readonly TestNode[];
  readonly testList: boolean;
  /** The block's commands, or null when the command ended with ";". */
  readonly block: readonly CommandNode[] | null;
}

class Parser {
  private pos = 0;

  constructor(
    private readonly tokens: readonly Token[],
    private readonly maxNesting: number,
  ) {}

  private peek(): Token | undefined {
    return this.tokens[this.pos];
  }

  private isPunct(c: string): boolean {
    const t = this.peek();
    return t?.kind === "punct" && t.text === c;
  }

  private fail(message: string, at: Position | undefined = this.peek()): never {
    const last = this.tokens[this.tokens.length - 1];
    const where = at ?? last ?? { line: 1, column: 1 };
    throw new SieveSyntaxError(where.line, where.column, at === undefined ? `${message}, but the script ended` : message);
  }

  private expect(c: string, what: string): Token {
    if (!this.isPunct(c)) this.fail(`expected ${what}`);
    return this.tokens[this.pos++]!;
  }

  commands(depth: number): CommandNode[] {
    const out: CommandNode[] = [];
    while (this.peek() !== undefined && !this.isPunct("}")) out.push(this.command(depth));
    return out;
  }

  private command(depth: number): CommandNode {
    const name = this.peek();
    if (name?.kind !== "identifier") this.fail("expected a command name");
    this.pos++;
    // Tests nest on their own count, from the command's test at depth 1.
    const { args, tests, testList } = this.arguments(0);
    if (this.isPunct(";")) {
      this.pos++;
      return { name: name.text.toLowerCase(), line: name.line, column: name.column, args, tests, testList, block: null };
    }
    if (!this.isPunct("{")) this.fail(`expected ';' or '{' after '${name.text}'`);
    const open = this.peek()!;
    if (depth + 1 > this.maxNesting) this.fail(`blocks nested too deep (at most ${this.maxNesting})`, open);
    this.pos++;
    const block = this.commands(depth + 1);
    this.expect("}", "'}' to close the block");
    return { name: name.text.toLowerCase(), line: name.line, column: name.column, args, tests, testList, block };
  }

  private arguments(depth: number): { args: Argument[]; tests: TestNode[]; testList: boolean } {
    const args: Argument[] = [];
    for (;;) {
      const t = this.peek();
      if (t?.kind === "tag") args.push({ kind: "tag", name: t.text.toLowerCase(), line: t.line, column: t.column });
      else if (t?.kind === "number") args.push({ kind: "number", value: t.value, line: t.line, column: t.column });
      else if (t?.kind === "string") args.push({ kind: "strings", values: [t.text], list: false, line: t.line, column: t.column });
      else if (t !== undefined && this.isPunct("[")) {
        args.push(this.stringList());
        continue;
      } else break;
      this.pos++;
    }
    if (this.peek()?.kind === "identifier") return { args, tests: [this.test(depth + 1)], testList: false };
    if (this.isPunct("(")) return { args, tests: this.testList(depth + 1), testList: true };
    return { args, tests: [], testList: false };
  }

  private stringList(): Argument {
    const open = this.peek()!;
    this.pos++;
    const values: string[] = [];
    for (;;) {
      const t = this.peek();
      if (t?.kind !== "string") this.fail("expected a string in the string list");
      values.push(t.text);
      this.pos++;
      if (this.isPunct("]")) break;
      this.expect(",", "',' or ']' in the string list");
    }
    this.pos++;
    return { kind: "strings", values, list: true, line: open.line, column: open.column };
  }

  private test(depth: number): TestNode {
    const name = this.peek();
    if (name?.kind !== "identifier") this.fail("expected a test");
    if (depth > this.maxNesting) this.fail(`tests nested too deep (at most ${this.maxNesting})`, name);
    this.pos++;
    const { args, tests, testList } = this.arguments(depth);
    return { name: name.text.toLowerCase(), line: name.line, column: name.column, args, tests, testList };
  }

  private testList(depth: number): TestNode[] {
    this.pos++;
    const tests = [this.test(depth)];
    while (this.isPunct(",")) {
      this.pos++;
      tests.push(this.test(depth));
    }
    this.expect(")", "',' or ')' in the test list");
    return tests;
  }

  script(): CommandNode[] {
    const commands = this.commands(0);
    if (this.peek() !== undefined) this.fail("unexpected '}'");
    return commands;
  }
}

/** The command tree of a script; throws SieveSyntaxError at the first grammar error. */
export function parseScript(tokens: readonly Token[], maxNesting: number): CommandNode[] {
  return new Parser(tokens, maxNesting).script();
}
