// A monitoring copy stored over the recipient's body (decision 0027) reads over IMAP and POP3
// exactly as the same message stored whole: two servers, one holding the copy shared and one
// holding it whole, give the same answers byte for byte to FETCH (whole message, header, text,
// parts, partial ranges, sizes, ENVELOPE, BODYSTRUCTURE), SEARCH and POP3 STAT, LIST, RETR, TOP.
import assert from "node:assert/strict";
import { describe, it, type TestContext } from "node:test";
import { putOver } from "../../src/core/mailstore/shared-body.js";
import { MailStore, type PreparedBody } from "../../src/core/mailstore/service.js";
import type { Store } from "../../src/core/ports/store.js";
import { TestClock } from "../support/clock.js";
import { monitorFields, reportMessage, warningFields } from "../support/monitor-copy.js";
import { forEachDialect } from "../support/stores.js";
import { RawImap } from "./imap/harness.js";
import { RawPop3, startTestPop3, users } from "./pop3/harness.js";
import { createFsBlobStore } from "../../src/store/blobs/fs-blob-store.js";
import { tempDir } from "../support/temp.js";

const T0 = Date.UTC(2026, 10, 26, 12, 0, 0);
const imapCommands = [
  "FETCH 1 (UID FLAGS INTERNALDATE RFC822.SIZE ENVELOPE BODYSTRUCTURE)",
  "FETCH 1 (BODY.PEEK[] BODY.PEEK[HEADER] BODY.PEEK[TEXT] RFC822.HEADER)",
  "FETCH 1 (BODY.PEEK[1] BODY.PEEK[2] BODY.PEEK[2.MIME] BODY.PEEK[1.MIME])",
  "FETCH 1 (BODY.PEEK[HEADER.FIELDS (X-MOAT-MONITOR SUBJECT)] BODY.PEEK[HEADER.FIELDS.NOT (X-MOAT-MONITOR)])",
  "FETCH 1 (BODY.PEEK[]<0.40> BODY.PEEK[]<80.300> BODY.PEEK[TEXT]<5.20>)",
  'SEARCH HEADER X-Moat-Monitor "watch-alice"',
  "SEARCH BODY figures",
  "SEARCH TEXT watch-alice",
  "SEARCH SUBJECT quarterly LARGER 500",
  "SEARCH BODY nowhere",
];
const pop3Commands = ["STAT", "LIST", "LIST 1", "RETR 1", "TOP 1 0", "TOP 1 4"];

/** A server whose alice has the monitoring copy in her INBOX: over the recipient's body (`shared`) or whole. */
async function serverWithCopy(t: TestContext, open: (t: TestContext) => Promise<Store>, shared: boolean) {
  const server = await startTestPop3(t, { open });
  const store = server.store;
  const mailstore = new MailStore(store, createFsBlobStore(tempDir(t)), new TestClock());
  const original = await mailstore.prepare(reportMessage);
  const copy = await mailstore.prepareWithHeader(original, reportMessage, monitorFields);
  const inbox = async (address: string) => {
    const user = (await store.users.findByAddress(address as never))!;
    return { userId: user.id, mailboxId: (await store.mailboxes.findByName(user.id, "INBOX"))!.id };
  };
  const alice = await inbox(users.alice);
  const dave = await inbox(users.dave);
  await store.transaction(async (tx) => {
    if (shared) {
      // The recipient's copy (with the warning mark) in dave's INBOX is what alice's copy is stored over.
      const base: PreparedBody = await mailstore.prepareWithHeader(original, reportMessage, warningFields);
      await mailstore.deliver(tx, base, [dave]);
      const key = await putOver(tx, copy, [base], 0);
      assert.ok(key);
      await tx.messages.append(alice.mailboxId, { bodyHash: key, size: copy.size, flags: [], internalDate: T0 });
    } else {
      await tx.messages.putBody({ hash: copy.hash, size: copy.size, inline: copy.inline, index: copy.index, header: copy.header, now: 0 });
      await tx.messages.append(alice.mailboxId, { bodyHash: copy.hash, size: copy.size, flags: [], internalDate: T0 });
    }
  });
  return server;
}

async function transcripts(server: { port: number; imapPort: number }) {
  const imap = await RawImap.login(server.imapPort);
  await imap.cmd("s", "SELECT INBOX");
  const answers: string[] = [];
  for (const [i, command] of imapCommands.entries()) answers.push(await imap.cmd(`a${i}`, command));
  const pop = await RawPop3.connect(server.port);
  await pop.login();
  for (const command of pop3Commands) answers.push(command.startsWith("STAT") || command === "LIST 1" ? await pop.cmd(command) : await pop.cmdMulti(command));
  pop.drop();
  return answers;
}

forEachDialect((dialect, open) => {
  describe(`a monitoring copy stored over another body, read on ${dialect}`, () => {
    it("answers IMAP and POP3 byte for byte as the same message stored whole", async (t) => {
      const shared = await transcripts(await serverWithCopy(t, open, true));
      const whole = await transcripts(await serverWithCopy(t, open, false));
      for (const [i, command] of [...imapCommands, ...pop3Commands].entries()) {
        assert.match(shared[i]!, i < imapCommands.length ? new RegExp(`^a${i} OK`, "m") : /^\+OK/, command);
        assert.equal(shared[i], whole[i], command);
      }
      // And the answers are the copy: the header on top, the message below, found by SEARCH.
      const expected = Buffer.concat([Buffer.from(monitorFields), reportMessage]).toString("latin1");
      assert.ok(shared[1]!.includes(`BODY[] {${expected.length}}\r\n${expected}`), shared[1]);
      for (const i of [5, 6, 7, 8]) assert.match(shared[i]!, /^\* SEARCH 1\r\n/m, imapCommands[i]);
      assert.match(shared[9]!, /^\* SEARCH\r\n/m);
      assert.ok(shared[imapCommands.length + 3]!.includes(expected.replace("\r\n.a line", "\r\n..a line")), "RETR: the copy, dot-stuffed");
    });
  });
});
