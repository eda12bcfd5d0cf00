// Shared helpers for the IMAP codec tests: run wire bytes through the reader and show events
// as plain values (strings instead of Buffers) so tables compare with deepEqual.
import { ImapParseError } from "../../../src/protocols/imap/codec/codes.js";
import type { ImapArg, ImapCommand } from "../../../src/protocols/imap/codec/lexer.js";
import { CommandReader, defaultReaderLimits, type ReaderEvent, type ReaderLimits } from "../../../src/protocols/imap/codec/reader.js";

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
    case "continue":
      return { continue: `${event.tag} ${event.size}` };
    case "bad":
      return { bad: `${event.tag} ${event.text}` };
    case "too-big":
      return { tooBig: `${event.tag} ${event.name} ${event.size} ${event.sync ? "sync" : "nonsync"} ${event.reason}` };
    case "fatal":
      return { fatal: event.text };
  }
}

/** Feeds `input` in chunks of `chunk` bytes, draining events after each push. */
export function readEvents(input: Buffer | string, chunk = Infinity, limits: Partial<ReaderLimits> = {}): Plain[] {
  const bytes = typeof input === "string" ? Buffer.from(input, "latin1") : input;
  const reader = new CommandReader({ ...defaultReaderLimits, ...limits });
  const events: Plain[] = [];
  const step = Number.isFinite(chunk) ? chunk : bytes.length || 1;
  for (let i = 0; i < bytes.length; i += step) {
    reader.push(bytes.subarray(i, i + step));
    for (let e = reader.next(); e !== null; e = reader.next()) events.push(plainEvent(e));
  }
  return events;
}

/** The one command a line makes (non-synchronising literals allowed); a reader BAD is thrown as ImapParseError. */
export function command(wire: string): ImapCommand {
  const reader = new CommandReader(defaultReaderLimits);
  reader.push(Buffer.from(`${wire}\r\n`, "utf8"));
  for (let e = reader.next(); e !== null; e = reader.next()) {
    if (e.kind === "command") return e.command;
    if (e.kind === "bad") throw new ImapParseError(e.text);
    if (e.kind !== "continue") throw new Error(`not a command: ${JSON.stringify(plainEvent(e))}`);
  }
  throw new Error("incomplete command");
}
