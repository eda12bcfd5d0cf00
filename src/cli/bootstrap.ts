// `moat init`: a data folder ready to start — the config file, a self-signed TLS
// certificate for the listeners, the database, and the first admin with a random password.
import { randomInt } from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { openMoat } from "../app.js";
import { configFileName, loadSettings, type LoadedSettings } from "../config/load.js";
import { configTemplate } from "../config/template.js";
import { domainOf, parseAddress, parseDomain } from "../mail/address.js";
import { MoatError } from "../shared/errors.js";
import type { Logger } from "../shared/logger.js";

export interface InitResult {
  readonly dataDir: string;
  readonly admin: string;
  /** Shown once; only its hash is kept. */
  readonly password: string;
}

// No 0/O, 1/l/I: the password is read off a terminal and typed elsewhere.
const alphabet = "abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789";
export function randomPassword(length = 20): string {
  return Array.from({ length }, () => alphabet[randomInt(alphabet.length)]).join("");
}

export function isInitialised(dataDir: string): boolean {
  return fs.existsSync(path.join(dataDir, configFileName));
}

function defaultDomain(hostname: string): string {
  const parsed = parseDomain(hostname);
  return parsed.ok ? parsed.value : "localhost.localdomain";
}

async function writeCertificate(dataDir: string, loaded: LoadedSettings): Promise<void> {
  const certPath = path.resolve(dataDir, loaded.settings.tls.cert);
  const keyPath = path.resolve(dataDir, loaded.settings.tls.key);
  if (fs.existsSync(certPath) && fs.existsSync(keyPath)) return;
  const host = loaded.settings.server.hostname;
  const notAfter = new Date();
  notAfter.setFullYear(notAfter.getFullYear() + 2);
  // Loaded here: only the set-up of a new data folder makes a certificate.
  const { default: selfsigned } = await import("selfsigned");
  const pems = await selfsigned.generate([{ name: "commonName", value: host }], {
    keyType: "ec",
    algorithm: "sha256",
    notAfterDate: notAfter,
    extensions: [{ name: "subjectAltName", altNames: [{ type: 2, value: host }, { type: 2, value: "localhost" }, { type: 7, ip: "127.0.0.1" }] }],
  });
  fs.mkdirSync(path.dirname(certPath), { recursive: true, mode: 0o700 });
  fs.mkdirSync(path.dirname(keyPath), { recursive: true, mode: 0o700 });
  fs.writeFileSync(keyPath, pems.private, { mode: 0o600 });
  fs.writeFileSync(certPath, pems.cert, { mode: 0o644 });
}

export async function initDataFolder(
  opts: { dataDir: string; domain?: string | undefined; admin?: string | undefined },
  logger: Logger,
): Promise<InitResult> {
  if (isInitialised(opts.dataDir)) throw new MoatError("invalid_input", `${opts.dataDir} is already initialised`);
  // Validate everything the admin gave before writing anything.
  const domainInput = opts.domain ?? (opts.admin ? opts.admin.slice(opts.admin.lastIndexOf("@") + 1) : defaultDomain(os.hostname()));
  const domain = parseDomain(domainInput);
  if (!domain.ok) throw new MoatError("invalid_domain", domain.error);
  const admin = parseAddress(opts.admin ?? `admin@${domain.value}`);
  if (!admin.ok) throw new MoatError("invalid_address", admin.error);
  if (domainOf(admin.value) !== domain.value) throw new MoatError("invalid_input", `the admin ${admin.value} is not in the domain ${domain.value}`);

  fs.mkdirSync(opts.dataDir, { recursive: true, mode: 0o700 });
  const loaded = loadSettings({ dataDir: opts.dataDir });
  await writeCertificate(opts.dataDir, loaded);
  const moat = await openMoat(loaded, logger);
  const password = randomPassword();
  try {
    if (!(await moat.store.domains.findByName(domain.value))) await moat.accounts.addDomain(domain.value);
    await moat.accounts.addUser({ address: admin.value, password, role: "admin", displayName: "Administrator" });
  } finally {
    await moat.close();
  }
  // The config file last: its presence is what marks the folder as initialised.
  fs.writeFileSync(loaded.configPath, configTemplate(process.getuid?.() === 0), { mode: 0o600 });
  return { dataDir: opts.dataDir, admin: admin.value, password };
}
