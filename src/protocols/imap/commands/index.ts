// The command table: every IMAP command this server knows, each from its own module.
import type { ImapCommandHandler } from "../context.js";
import { append } from "./append.js";
import { authenticate } from "./authenticate.js";
import { capability } from "./capability.js";
import { copy } from "./copy.js";
import { enable } from "./enable.js";
import { expunge } from "./expunge.js";
import { fetch } from "./fetch.js";
import { id } from "./id.js";
import { idle } from "./idle.js";
import { list, lsub } from "./list.js";
import { login } from "./login.js";
import { logout } from "./logout.js";
import { create, deleteBox, rename, subscribe } from "./mailboxes.js";
import { namespace } from "./namespace.js";
import { check, noop } from "./noop.js";
import { getQuota, getQuotaRoot, setQuota } from "./quota.js";
import { search } from "./search.js";
import { close, select } from "./select.js";
import { starttls } from "./starttls.js";
import { status } from "./status.js";
import { store } from "./store.js";

const all: readonly ImapCommandHandler[] = [
  capability, noop, check, logout, starttls, login, authenticate, id, enable, namespace,
  list, lsub, create, deleteBox, rename, subscribe, status, select, close,
  fetch, store, search, copy, expunge, append, idle, getQuotaRoot, getQuota, setQuota,
];

export const commands: ReadonlyMap<string, ImapCommandHandler> = new Map(all.flatMap((c) => c.names.map((name) => [name, c] as const)));
