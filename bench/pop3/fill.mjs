// Fills maildrops for bench/pop3/run.sh with the same generated messages for Moat and Dovecot.
//   node fill.mjs moat DATA_DIR COUNT user@example.com…   (through Moat's own mailbox operations)
//   node fill.mjs maildir COUNT DIR…                      (Dovecot: files in DIR/Maildir/new)
// Messages are ~5 KB of text with a dotted line (byte-stuffing costs something), fixed seed.
import fs from "node:fs";
import path from "node:path";

function message(i) {
  const lines = [];
  for (let n = 0; n < 70; n++) lines.push(`${n % 17 === 0 ? "." : ""}Line ${n} of message ${i}: the quick brown fox jumps over the lazy dog.`);
  return Buffer.from(
    `From: Bench <bench@sender.example>\r\nTo: user@example.com\r\nSubject: POP3 bench ${i}\r\n` +
      `Date: Thu, 26 Nov 2026 12:00:00 +0000\r\nMessage-ID: <pop3-bench-${i}@sender.example>\r\n\r\n${lines.join("\r\n")}\r\n`,
  );
}

const [kind, ...rest] = process.argv.slice(2);
if (kind === "moat") {
  const [dataDir, count, ...users] = rest;
  const root = process.env.MOAT_ROOT ?? process.cwd();
  const { openMoat } = await import(path.join(root, "dist/app.js"));
  const { loadSettings } = await import(path.join(root, "dist/config/load.js"));
  const { createLogger } = await import(path.join(root, "dist/shared/logger.js"));
  const moat = await openMoat(loadSettings({ dataDir }), createLogger({ level: "warn", pretty: false, destination: 2, sync: true }));
  try {
    for (const address of users) {
      const user = await moat.accounts.getUser(address);
      for (let i = 0; i < Number(count); i++) await moat.mailboxes.append(user.id, "INBOX", message(i));
    }
  } finally {
    await moat.close();
  }
} else if (kind === "maildir") {
  const [count, ...dirs] = rest;
  for (const dir of dirs) {
    const box = path.join(dir, "Maildir");
    fs.rmSync(box, { recursive: true, force: true });
    for (const sub of ["new", "cur", "tmp"]) fs.mkdirSync(path.join(box, sub), { recursive: true });
    for (let i = 0; i < Number(count); i++) fs.writeFileSync(path.join(box, "new", `${1764000000 + i}.M${i}P1.bench`), message(i));
  }
} else {
  console.error("usage: fill.mjs moat DATA COUNT users… | fill.mjs maildir COUNT dirs…");
  process.exit(2);
}
