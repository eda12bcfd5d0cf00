// A server secret kept in a file of the data folder (decision 0010): made on first use with 32
// random bytes, readable by the Moat user only. Two processes starting at once (the server and
// a `moat` command) agree on one key: the file appears whole by a hard link, which fails when
// another process was first, and then the winner's key is read.
import { randomBytes } from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import { MoatError } from "../../shared/errors.js";

const keyBytes = 32;

function read(file: string): Buffer {
  const key = Buffer.from(fs.readFileSync(file, "utf8").trim(), "base64");
  if (key.length !== keyBytes) throw new MoatError("config_invalid", `${file} does not hold a ${keyBytes}-byte base64 key`);
  return key;
}

export function loadOrCreateKey(file: string): Buffer {
  if (fs.existsSync(file)) return read(file);
  fs.mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
  const tmp = `${file}.${process.pid}.${randomBytes(4).toString("hex")}.tmp`;
  fs.writeFileSync(tmp, `${randomBytes(keyBytes).toString("base64")}\n`, { mode: 0o600 });
  try {
    fs.linkSync(tmp, file);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== "EEXIST") throw err;
  } finally {
    fs.rmSync(tmp, { force: true });
  }
  return read(file);
}
