// The command table: each keyword and the module that serves it. APOP is deliberately absent
// (it needs the plaintext password on the server; RFC 1939 §7), so it is an unknown command.
import type { CommandHandler } from "../context.js";
import { auth } from "./auth.js";
import { capa } from "./capa.js";
import { dele } from "./dele.js";
import { list, uidl } from "./list.js";
import { quit } from "./quit.js";
import { retr, top } from "./retr.js";
import { noop, rset, stat } from "./stat.js";
import { stls } from "./stls.js";
import { pass, user } from "./user.js";

const commands = new Map<string, CommandHandler>([
  ["CAPA", capa],
  ["USER", user],
  ["PASS", pass],
  ["AUTH", auth],
  ["STLS", stls],
  ["QUIT", quit],
  ["STAT", stat],
  ["LIST", list],
  ["UIDL", uidl],
  ["RETR", retr],
  ["TOP", top],
  ["DELE", dele],
  ["NOOP", noop],
  ["RSET", rset],
]);

export function dispatch(keyword: string): CommandHandler | undefined {
  return commands.get(keyword);
}
