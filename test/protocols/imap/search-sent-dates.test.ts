// SENTBEFORE, SENTON and SENTSINCE compare the Date header's day as written, in its own zone,
// "disregarding time and timezone" (RFC 3501 §6.4.4): imaptest's search-date script, across the
// two daylight-saving changes of 2007 in EET/EEST. In UTC, "Sun, 25 Mar 2007 00:00:00 +0200" is
// the 24th; as written, and for SEARCH, it is the 25th.
import { describe, it } from "node:test";
import { expectEach, RawImap, searchLine, startTestImap } from "./harness.js";

const sent = [
  "Sat, 24 Mar 2007 23:00:00 +0200",
  "Sun, 25 Mar 2007 00:00:00 +0200",
  "Sun, 25 Mar 2007 01:00:00 +0200",
  "Sun, 25 Mar 2007 02:00:00 +0200",
  "Sun, 25 Mar 2007 04:00:00 +0300",
  "Sun, 25 Mar 2007 23:00:00 +0300",
  "Mon, 26 Mar 2007 00:00:00 +0300",
  "Sat, 27 Oct 2007 23:00:00 +0300",
  "Sun, 28 Oct 2007 00:00:00 +0300",
  "Sun, 28 Oct 2007 01:00:00 +0300",
  "Sun, 28 Oct 2007 02:00:00 +0300",
  "Sun, 28 Oct 2007 03:00:00 +0300",
  "Sun, 28 Oct 2007 03:00:00 +0200",
  "Sun, 28 Oct 2007 04:00:00 +0200",
  "Sun, 28 Oct 2007 23:00:00 +0200",
  "Mon, 29 Oct 2007 00:00:00 +0200",
];

describe("SEARCH by the Date header", () => {
  it("takes the day as written in the header's own zone (imaptest's search-date)", async (t) => {
    const { port, backend, userId } = await startTestImap(t);
    for (const [i, date] of sent.entries()) await backend.mailboxes.append(userId, "INBOX", Buffer.from(`From: bob@example.net\r\nSubject: D${i + 1}\r\nDate: ${date}\r\n\r\nbody\r\n`));
    const c = await RawImap.login(port);
    await c.cmd("a0", "SELECT INBOX");
    const cases: [string, string][] = [
      ["SEARCH SENTBEFORE 24-Mar-2007", ""],
      ["SEARCH SENTBEFORE 25-Mar-2007", "1"],
      ["SEARCH SENTBEFORE 26-Mar-2007", "1 2 3 4 5 6"],
      ["SEARCH SENTBEFORE 27-Mar-2007", "1 2 3 4 5 6 7"],
      ["SEARCH SENTON 23-Mar-2007", ""],
      ["SEARCH SENTON 24-Mar-2007", "1"],
      ["SEARCH SENTON 25-Mar-2007", "2 3 4 5 6"],
      ["SEARCH SENTON 26-Mar-2007", "7"],
      ["SEARCH 1:7 SENTSINCE 25-Mar-2007", "2 3 4 5 6 7"],
      ["SEARCH 1:7 SENTSINCE 26-Mar-2007", "7"],
      ["SEARCH 8:* SENTBEFORE 28-Oct-2007", "8"],
      ["SEARCH 8:* SENTBEFORE 29-Oct-2007", "8 9 10 11 12 13 14 15"],
      ["SEARCH 8:* SENTON 27-Oct-2007", "8"],
      ["SEARCH 8:* SENTON 28-Oct-2007", "9 10 11 12 13 14 15"],
      ["SEARCH 8:* SENTON 29-Oct-2007", "16"],
      ["SEARCH 8:* SENTSINCE 28-Oct-2007", "9 10 11 12 13 14 15 16"],
      ["SEARCH 8:* SENTSINCE 29-Oct-2007", "16"],
      ["SEARCH 8:* SENTSINCE 30-Oct-2007", ""],
    ];
    await expectEach(c, "s", cases, searchLine);
  });
});
