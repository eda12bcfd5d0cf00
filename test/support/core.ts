// Core services over a test store, as the composition root builds them.
import path from "node:path";
import { AccountService } from "../../src/core/accounts/service.js";
import type { PasswordHasher } from "../../src/core/auth/passwords.js";
import { createPasswordHasher } from "../../src/core/auth/passwords.js";
import { MailStore } from "../../src/core/mailstore/service.js";
import type { Clock } from "../../src/core/ports/clock.js";
import type { Store } from "../../src/core/ports/store.js";
import { createFsBlobStore } from "../../src/store/blobs/fs-blob-store.js";
import { tempDir } from "./temp.js";

export function coreFor(t: Parameters<typeof tempDir>[0], store: Store, clock: Clock, passwords: PasswordHasher = createPasswordHasher(4)) {
  const blobRoot = path.join(tempDir(t), "blobs");
  const blobs = createFsBlobStore(blobRoot);
  const mailstore = new MailStore(store, blobs, clock);
  const accounts = new AccountService(store, passwords, clock, mailstore);
  return { blobs, blobRoot, mailstore, accounts, passwords };
}
