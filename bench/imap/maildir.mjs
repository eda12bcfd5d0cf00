#!/usr/bin/env node
// Writes the messages of a gen_mbox.py mbox into a Dovecot Maildir's cur/ the way Dovecot
// stores them itself (LF line ends, S= physical and W= CRLF size in the name), so Dovecot
// serves the same messages Moat got by APPEND without an LMTP round trip per message.
//   node maildir.mjs MBOX MAILDIR [LIMIT]
import fs from "node:fs";
import path from "node:path";
import { splitMbox } from "./mbox.mjs";

const [mbox, dir, limit] = process.argv.slice(2);
const messages = splitMbox(fs.readFileSync(mbox, "latin1")).slice(0, Number(limit ?? Infinity));
fs.rmSync(dir, { recursive: true, force: true });
for (const sub of ["cur", "new", "tmp"]) fs.mkdirSync(path.join(dir, sub), { recursive: true });
const t = 1700000000;
messages.forEach((m, i) => {
  const lf = Buffer.from(m.replace(/\r\n/g, "\n"), "latin1");
  const w = Buffer.byteLength(m, "latin1");
  // Names sort in delivery order, so Dovecot's UIDs follow the mbox order as Moat's do.
  fs.writeFileSync(path.join(dir, "cur", `${t + i}.M${i}P1.bench,S=${lf.length},W=${w}:2,`), lf);
});
console.log(messages.length);
