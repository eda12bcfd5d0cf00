// Golden tests: Moat's ENVELOPE, BODYSTRUCTURE, BODY, RFC822.SIZE and BODY[section] answers
// for the messages of /work/shared/fixtures/mail, compared with Dovecot 2.3.19's recorded ones
// as parsed IMAP data (a quoted string and a literal with the same bytes are equal).
// Where Moat answers differently on purpose, the case is listed in DIFFERENCES with the RFC
// clause that allows (or asks for) Moat's answer.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { indexMessage, type MessageIndex } from "../../src/mail/mime/index-message.js";
import { formatBodyStructure, formatEnvelope } from "../../src/protocols/imap/codec/bodystructure.js";
import { parseSectionSpec, sectionBytes } from "../../src/protocols/imap/codec/section.js";
import { parseImapData } from "../support/imap-data.js";
import { assertSameAnswer, fixtureExchanges, fixtures, literal, loadMessage } from "../support/mail-fixtures.js";

/** Moat's answer to one data item, as IMAP data text (latin1 bytes). */
function moatAnswer(raw: Buffer, index: MessageIndex, item: string): string {
  if (item === "RFC822.SIZE") return String(index.size);
  if (item === "ENVELOPE") return Buffer.from(formatEnvelope(index.envelope)).toString("latin1");
  if (item === "BODYSTRUCTURE") return Buffer.from(formatBodyStructure(index.structure, true)).toString("latin1");
  if (item === "BODY") return Buffer.from(formatBodyStructure(index.structure, false)).toString("latin1");
  const m = /^BODY(?:\.PEEK)?\[(.*)\](?:<(\d+)\.(\d+)>)?$/.exec(item);
  assert.ok(m, `unsupported item ${item}`);
  const spec = parseSectionSpec(m[1]!);
  assert.ok(spec, `bad section ${m[1]}`);
  const bytes = sectionBytes(raw, index.structure, spec);
  if (m[2] === undefined) return literal(bytes);
  const start = Number(m[2]);
  return literal(bytes.subarray(start, start + Number(m[3])));
}

describe("MIME index and IMAP formatting match Dovecot's recorded answers", () => {
  for (const name of fixtures) {
    it(name, () => {
      const raw = loadMessage(name);
      const index = indexMessage(raw);
      assert.deepEqual(JSON.parse(JSON.stringify(index)), index, "the index is plain JSON");
      for (const { item, response } of fixtureExchanges(name)) {
        assertSameAnswer(name, item, response, parseImapData(Buffer.from(moatAnswer(raw, index, item), "latin1")));
      }
    });
  }
});
