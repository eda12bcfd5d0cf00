// Shared helpers for the IMAP codec tests: run wire bytes through the reader (the shared
// session input and the command assembler) and show events as plain values (strings instead
// of Buffers) so tables compare with deepEqual.
import type net from "node:net";
import { PassThrough } from "node:stream";
import { SessionInput } from "../../../src/protocols/net/session-input.js";
import { CommandInput } from "../../../src/protocols/imap/command-input.js";
import { ImapParseError } from "../../../src/protocols/imap/codec/codes.js";
import type { ImapArg, ImapCommand } from "../../../src/protocols/imap/codec/lexer.js";
import { CommandAssembler, defaultReaderLimits, type ReaderEvent, type ReaderLimits } from "../../../src/protocols/imap/codec/reader.js";

export type Plain = string | null | Plain[] | { [k: string]: Plain };

/** An argument as plain data: atoms as text, strings as `"…"` (quoted) or `{…}` (literal), lists as arrays. */
export function plainArg(arg: ImapArg): Plain {
  if (arg.type === "atom") return arg.value;
  if (arg.type === "nil") return null;
  if (arg.type === "list") return arg.items.map(plainArg);
  const text = arg.value.toString("latin1");
  return arg.form === "quoted" ? `"${text}"` : arg.form === "literal" ? `{${text}}` : `~{${text}}`;
}

export function plainEvent(event: ReaderEvent): Plain {
  switch (event.kind) {
    case "command":
      return { command: `${event.command.tag} ${event.command.uid ? "UID " : ""}${event.command.name}`, args: event.command.args.map(plainArg) };
    case "bad":
      return { bad: `${event.tag} ${event.text}` };
    case "too-big":
      return { tooBig: `${event.tag} ${event.name} ${event.size} ${event.sync ? "sync" : "nonsync"} ${event.reason}` };
    case "fatal":
      return { fatal: event.text };
  }
}

/** A session input over an in-memory stream that has received `chunks` (each its own read) and, with `end`, ended. */
export function wireInput(chunks: readonly (Buffer | string)[], end = true): { stream: PassThrough; input: SessionInput } {
  const stream = new PassThrough();
  const input = new SessionInput(stream as unknown as net.Socket, { idleMs: 60_000, closing: new AbortController().signal });
  for (const chunk of chunks) stream.write(typeof chunk === "string" ? Buffer.from(chunk, "latin1") : chunk);
  if (end) stream.end();
  return { stream, input };
}

/** Feeds `input` in chunks of `chunk` bytes and reads commands until the input ends; "+" requests show as `continue`. */
export async function readEvents(input: Buffer | string, chunk = Infinity, limits: Partial<ReaderLimits> = {}): Promise<Plain[]> {
  const bytes = typeof input === "string" ? Buffer.from(input, "latin1") : input;
  const step = Number.isFinite(chunk) ? chunk : bytes.length || 1;
  const chunks: Buffer[] = [];
  for (let i = 0; i < bytes.length; i += step) chunks.push(bytes.subarray(i, i + step));
  const reader = new CommandInput(wireInput(chunks).input, { ...defaultReaderLimits, ...limits });
  const events: Plain[] = [];
  for (;;) {
    const event = await reader.next((tag, size) => events.push({ continue: `${tag} ${size}` }));
    if (event.kind === "end") return events;
    events.push(plainEvent(event));
    if (event.kind === "fatal") return events;
  }
}

/** The one command a line makes (literals included); a BAD is thrown as ImapParseError. */
export function command(wire: string): ImapCommand {
  const assembler = new CommandAssembler(defaultReaderLimits);
  let rest = Buffer.from(`${wire}\r\n`, "utf8");
  for (;;) {
    const lf = rest.indexOf(0x0a);
    if (lf < 0) throw new Error("incomplete command");
    let step = assembler.line(rest.subarray(0, lf > 0 && rest[lf - 1] === 0x0d ? lf - 1 : lf));
    rest = rest.subarray(lf + 1);
    while (step.kind === "literal") {
      const size = step.size;
      step = assembler.literal(rest.subarray(0, size));
      rest = rest.subarray(size);
    }
    if (step.kind === "line") continue;
    if (step.event.kind === "command") return step.event.command;
    if (step.event.kind === "bad") throw new ImapParseError(step.event.text);
    throw new Error(`not a command: ${JSON.stringify(plainEvent(step.event))}`);
  }
}
