// DKIM (RFC 6376) for mail leaving the server: one 2048-bit RSA key per hosted domain, made
// when the domain is added (or on first need for a domain added before keys existed), the DNS
// record the admin publishes, and the signature added before a message goes out.
//
// The signing domain is the domain of the From header when we hold its key, so DMARC sees an
// aligned signature; otherwise the envelope sender's domain, which still vouches for the hop.
//
// Private keys are stored sealed (ports/sealer.ts, decision 0011) and opened only to sign.
import crypto from "node:crypto";
import { promisify } from "node:util";
import { parseDomain, type DomainName } from "../../mail/address.js";
import { MoatError } from "../../shared/errors.js";
import { loadOnFirstUse } from "../../shared/load-on-first-use.js";
import type { Domain } from "../accounts/types.js";
import type { Clock } from "../ports/clock.js";
import type { DkimKey } from "../ports/queue.js";
import type { SecretSealer } from "../ports/sealer.js";
import type { Store } from "../ports/store.js";
import { headerSection } from "./dsn.js";

const generateKeyPair = promisify(crypto.generateKeyPair);
const mailauthSigner = loadOnFirstUse(() => import("mailauth/lib/dkim/sign.js"));

/** 2048 bits: what RFC 8301 asks verifiers to accept and what fits one DNS record comfortably. */
const KEY_BITS = 2048;

export interface DkimDnsRecord {
  /** "<selector>._domainkey.<domain>" */
  readonly name: string;
  readonly type: "TXT";
  /** "v=DKIM1; k=rsa; p=…" */
  readonly value: string;
  /** The value split into the ≤255-byte strings one TXT record is made of (RFC 1035 §3.3.14). */
  readonly strings: readonly string[];
}

export function dnsRecordFor(domain: DomainName, key: Pick<DkimKey, "selector" | "publicKeyB64">): DkimDnsRecord {
  const value = `v=DKIM1; k=rsa; p=${key.publicKeyB64}`;
  const strings: string[] = [];
  for (let i = 0; i < value.length; i += 255) strings.push(value.slice(i, i + 255));
  return { name: `${key.selector}._domainkey.${domain}`, type: "TXT", value, strings };
}

export async function generateDkimKeyPair(): Promise<{ privateKeyPem: string; publicKeyB64: string }> {
  const { privateKey, publicKey } = await generateKeyPair("rsa", {
    modulusLength: KEY_BITS,
    publicKeyEncoding: { type: "spki", format: "der" },
    privateKeyEncoding: { type: "pkcs8", format: "pem" },
  });
  return { privateKeyPem: privateKey, publicKeyB64: publicKey.toString("base64") };
}

/** The domain of the first address in the From header, if it parses. */
export function fromHeaderDomain(message: Buffer): DomainName | undefined {
  const unfolded = headerSection(message).toString("latin1").replace(/\r\n[ \t]+/g, " ");
  const from = /^from[ \t]*:(.*)$/im.exec(unfolded)?.[1];
  if (from === undefined) return undefined;
  const angle = /<([^<>]*)>/.exec(from);
  const addr = (angle ? angle[1]! : from).trim();
  const at = addr.lastIndexOf("@");
  if (at < 0) return undefined;
  const parsed = parseDomain(addr.slice(at + 1).replace(/[\s,;>].*$/, ""));
  return parsed.ok ? parsed.value : undefined;
}

export interface DkimSigner {
  /**
   * The message with a DKIM-Signature prepended, or undefined when we hold no key for its
   * From domain or envelope sender domain. `message` must already have CRLF line ends.
   */
  sign(message: Buffer, envelopeDomain: DomainName | null): Promise<Buffer | undefined>;
}

export class DkimService implements DkimSigner {
  constructor(
    private readonly store: Store,
    private readonly clock: Clock,
    /** The [dkim] selector for new keys. */
    private readonly selector: string,
    private readonly sealer: SecretSealer,
  ) {}

  /** The domain's key, generated and stored first if it has none. Safe to call concurrently. */
  async ensureKey(domain: Domain): Promise<DkimKey> {
    const existing = await this.store.dkimKeys.findForDomain(domain.name);
    if (existing) return existing;
    const { privateKeyPem, publicKeyB64 } = await generateDkimKeyPair();
    const privateKeySealed = this.sealer.seal(privateKeyPem, sealContext(domain.name, this.selector));
    // A concurrent call may have stored one first (create() then returns false): theirs wins.
    await this.store.dkimKeys.create({ domainId: domain.id, selector: this.selector, privateKeySealed, publicKeyB64, now: this.clock.now() });
    const key = await this.store.dkimKeys.findForDomain(domain.name);
    if (!key) throw new MoatError("internal", `the DKIM key of ${domain.name} was not stored`);
    return key;
  }

  /** The TXT record to publish for a hosted domain (making its key if needed). */
  async dnsRecord(name: string): Promise<DkimDnsRecord> {
    const parsed = parseDomain(name);
    if (!parsed.ok) throw new MoatError("invalid_domain", parsed.error);
    const domain = await this.store.domains.findByName(parsed.value);
    if (!domain) throw new MoatError("domain_not_found", `no domain ${name} on this server`);
    return dnsRecordFor(domain.name, await this.ensureKey(domain));
  }

  async sign(message: Buffer, envelopeDomain: DomainName | null): Promise<Buffer | undefined> {
    const fromDomain = fromHeaderDomain(message);
    let key = fromDomain ? await this.store.dkimKeys.findForDomain(fromDomain) : undefined;
    if (!key && envelopeDomain && envelopeDomain !== fromDomain) key = await this.store.dkimKeys.findForDomain(envelopeDomain);
    if (!key) return undefined;
    const signature = {
      signingDomain: key.domain,
      selector: key.selector,
      privateKey: await this.#privateKey(key),
      algorithm: "rsa-sha256",
      // relaxed/relaxed survives the header refolding and whitespace changes relays make.
      canonicalization: "relaxed/relaxed",
    };
    // mailauth signs what `signatureData` lists (its top-level key fields are not read).
    const { dkimSign } = await mailauthSigner();
    const result = await dkimSign(message, { ...signature, signatureData: [signature], signTime: new Date(this.clock.now()) });
    if (result.errors.length > 0 || result.signatures.trim() === "") {
      throw new MoatError("internal", `DKIM signing for ${key.domain} failed`, { cause: result.errors[0] });
    }
    return Buffer.concat([Buffer.from(result.signatures, "utf8"), message]);
  }

  /** The key in the clear, for one signature; a key stored before sealing is sealed now. */
  async #privateKey(key: DkimKey): Promise<string> {
    const context = sealContext(key.domain, key.selector);
    if (this.sealer.isSealed(key.privateKeySealed)) return this.sealer.open(key.privateKeySealed, context);
    await this.store.dkimKeys.reseal(key.domainId, key.selector, this.sealer.seal(key.privateKeySealed, context));
    return key.privateKeySealed;
  }
}

/** What a sealed key is bound to: its row cannot be moved to another domain or selector. */
const sealContext = (domain: DomainName, selector: string) => `dkim:${domain}:${selector}`;
