// The command table (RFC 5804 §2): each command name and the module that serves it.
import type { CommandHandler } from "../context.js";
import { authenticate } from "./authenticate.js";
import { capability } from "./capability.js";
import { deletescript } from "./deletescript.js";
import { getscript } from "./getscript.js";
import { havespace } from "./havespace.js";
import { listscripts } from "./listscripts.js";
import { checkscript, putscript } from "./putscript.js";
import { renamescript } from "./renamescript.js";
import { logout, noop, unauthenticate } from "./session-commands.js";
import { setactive } from "./setactive.js";
import { starttls } from "./starttls.js";

const commands = new Map<string, CommandHandler>([
  ["CAPABILITY", capability],
  ["STARTTLS", starttls],
  ["AUTHENTICATE", authenticate],
  ["LOGOUT", logout],
  ["NOOP", noop],
  ["UNAUTHENTICATE", unauthenticate],
  ["HAVESPACE", havespace],
  ["PUTSCRIPT", putscript],
  ["CHECKSCRIPT", checkscript],
  ["LISTSCRIPTS", listscripts],
  ["SETACTIVE", setactive],
  ["GETSCRIPT", getscript],
  ["DELETESCRIPT", deletescript],
  ["RENAMESCRIPT", renamescript],
]);

export function dispatch(name: string): CommandHandler | undefined {
  return commands.get(name);
}
