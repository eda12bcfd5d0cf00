// A throw-away self-signed certificate for TLS tests (CN=localhost, valid one day), made with
// the openssl command line so no test depends on a checked-in key.
import { execFileSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { tempDir } from "./temp.js";

export interface CertPair {
  cert: string;
  key: string;
}

export function selfSignedCert(t: { after(fn: () => void): void }): CertPair {
  const dir = tempDir(t, "moat-cert-");
  const certPath = path.join(dir, "cert.pem");
  const keyPath = path.join(dir, "key.pem");
  execFileSync(
    "openssl",
    ["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-days", "1"]
      .concat(["-subj", "/CN=localhost", "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1"])
      .concat(["-keyout", keyPath, "-out", certPath]),
    { stdio: "ignore" },
  );
  return { cert: fs.readFileSync(certPath, "utf8"), key: fs.readFileSync(keyPath, "utf8") };
}
