// The examples of the extension RFCs: vacation (5230, 6131), imap4flags (5232), body (5173),
// reject/ereject (5429), copy (3894), mailbox :create (5490), relational (5231).
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { actions, compile, message, run, simple } from "./sieve-support.js";
import type { SieveAction } from "../../../src/core/sieve/index.js";

const plain = simple({ From: "someone@example.org", To: "me@example.com", Subject: "hello" });

function vacationOf(script: string, msg = plain): Extract<SieveAction, { kind: "vacation" }>["vacation"] {
  const outcome = run(script, msg);
  assert.equal(outcome.error, null);
  const action = outcome.actions.find((a) => a.kind === "vacation");
  assert.ok(action?.kind === "vacation");
  return action.vacation;
}

describe("RFC 5230 vacation", () => {
  it("§4 examples: a reply alongside the implicit keep", () => {
    const script = `require "vacation";
      if header :contains "subject" "cyrus" {
          vacation "I'm out -- send mail to cyrus-bugs";
      } else {
          vacation "I'm out -- call me at +1 304 555 0123";
      }`;
    assert.deepEqual(actions(script, simple({ Subject: "cyrus bug" })), ["vacation I'm out -- send mail to cyrus-bugs", "keep"]);
    assert.deepEqual(actions(script, plain), ["vacation I'm out -- call me at +1 304 555 0123", "keep"]);
  });

  it("§4.1 :days and :addresses; default period 7 days", () => {
    const v = vacationOf(`require "vacation";
      vacation :days 23 :addresses ["tjs@example.edu", "ts4z@landru.example.edu"]
         "I'm away until October 19.  If it's an emergency, call 911, I guess." ;`);
    assert.equal(v.periodSeconds, 23 * 86400);
    assert.deepEqual(v.addresses, ["tjs@example.edu", "ts4z@landru.example.edu"]);
    assert.equal(vacationOf('require "vacation"; vacation "x";').periodSeconds, 7 * 86400);
    assert.equal(vacationOf('require "vacation"; vacation :days 0 "x";').periodSeconds, 86400);
  });

  it("§4 redirect or vacation by sender", () => {
    const script = `require "vacation";
      if header :contains "from" "boss@example.edu" {
          redirect "pleeb@isp.example.org";
      } else {
          vacation "Sorry, I'm away, I'll read your message when I get around to it.";
      }`;
    assert.deepEqual(actions(script, simple({ From: "boss@example.edu" })), ["redirect pleeb@isp.example.org"]);
    assert.equal(actions(script, plain).length, 2);
  });

  it("§6 example: a reply in the sender's language", () => {
    const script = `require "vacation";
      if header :contains ["accept-language", "content-language"] "en" {
          vacation "I am away this week.";
      } else {
          vacation "Estoy ausente esta semana.";
      }`;
    assert.deepEqual(actions(script, simple({ "Content-Language": "en-GB" })), ["vacation I am away this week.", "keep"]);
    assert.deepEqual(actions(script, simple({ "Accept-Language": "es" })), ["vacation Estoy ausente esta semana.", "keep"]);
  });

  it("§4.3 :subject, §4.4 :from, §4.5 :handle", () => {
    const script = `require "vacation";
      if address :matches "from" "*@ourdivision.example.com" {
          vacation :subject "Gone fishing" :from "hemingway@example.com" :handle "fishing"
              "Having lots of fun! Back in a day or two!";
      } else {
          vacation :subject "Je suis parti cette semaine" "Je lirai votre message quand je retourne.";
      }`;
    const near = vacationOf(script, simple({ From: "Pat <pat@ourdivision.example.com>" }));
    assert.deepEqual(near, { reason: "Having lots of fun! Back in a day or two!", mime: false, subject: "Gone fishing", from: "hemingway@example.com", addresses: [], periodSeconds: 7 * 86400, handle: "fishing" });
    const far = vacationOf(script);
    assert.equal(far.subject, "Je suis parti cette semaine");
    assert.equal(far.from, null);
    assert.equal(far.handle, null);
  });

  it("§4.6 :mime: the reason is a MIME entity, passed as written", () => {
    const v = vacationOf(`require "vacation";
vacation :mime text:
Content-Type: multipart/alternative; boundary=foo

--foo

I'm at the beach relaxing.  Mmmm, surf...

--foo
Content-Type: text/html; charset=us-ascii

<P>I'm at the <A HREF="beach.gif">beach</A> relaxing.
--foo--
.
;`);
    assert.equal(v.mime, true);
    assert.ok(v.reason.startsWith("Content-Type: multipart/alternative; boundary=foo\r\n\r\n--foo\r\n"));
    assert.ok(v.reason.endsWith("--foo--\r\n"));
  });

  it("RFC 6131 :seconds with require \"vacation-seconds\"", () => {
    assert.equal(vacationOf('require ["vacation", "vacation-seconds"]; vacation :seconds 0 "x";').periodSeconds, 0);
    assert.equal(vacationOf('require ["vacation", "vacation-seconds"]; vacation :seconds 3600 "x";').periodSeconds, 3600);
  });

  it("a second vacation in one run is a run-time error", () => {
    const outcome = run('require "vacation"; vacation "a"; vacation "b";', plain);
    assert.deepEqual(outcome.actions, [{ kind: "keep", flags: [] }]);
    assert.match(outcome.error ?? "", /line 1, column 35: only one vacation/);
  });
});

describe("RFC 5232 imap4flags", () => {
  it("setflag/addflag/removeflag set the flags of the implicit keep", () => {
    const big = message(`Subject: x\n\n${"a".repeat(600 * 1024)}\n`);
    const script = 'require "imap4flags";\nif size :over 500K {\n    setflag "\\\\Deleted";\n}';
    assert.deepEqual(actions(script, big), ["keep \\Deleted"]);
    assert.deepEqual(actions(script, plain), ["keep"]);
  });

  it("§7 example without variables: fileinto takes the internal flags, :flags overrides them", () => {
    const script = `require ["imap4flags", "fileinto"];
      if header :contains "from" "boss@frobnitzm.example.edu" {
          setflag "\\\\Flagged";
          fileinto "INBOX.From Boss";
      }
      if header :contains "Disposition-Notification-To" "mel@example.com" {
          addflag "$MDNRequired";
      }
      if header :contains "from" "imap@cac.washington.example.edu" {
          removeflag "$MDNRequired";
          fileinto "INBOX.imap-list";
      }`;
    assert.deepEqual(actions(script, simple({ From: "boss@frobnitzm.example.edu", "Disposition-Notification-To": "mel@example.com" })), [
      "fileinto INBOX.From Boss [\\Flagged]",
    ]);
    assert.deepEqual(actions(script, simple({ From: "x@y.example", "Disposition-Notification-To": "mel@example.com" })), ["keep $MDNRequired"]);
    assert.deepEqual(actions(script, simple({ From: "imap@cac.washington.example.edu" })), ["fileinto INBOX.imap-list"]);
    assert.deepEqual(actions('require ["imap4flags","fileinto"]; setflag "a"; fileinto :flags ["b c", "\\\\seen"] "x"; keep :flags "d";', plain), [
      "fileinto x [b c \\Seen]",
      "keep d",
    ]);
  });

  it("flags compare case-insensitively, split at blanks, invalid ones dropped", () => {
    assert.deepEqual(actions('require "imap4flags"; addflag ["\\\\SEEN A", "a", "\\\\Recent", "bad(flag"]; addflag "\\\\Answered"; removeflag "\\\\answered";', plain), [
      "keep \\Seen A",
    ]);
  });

  it("hasflag, with :count", () => {
    const base = 'require ["imap4flags", "relational", "comparator-i;ascii-numeric"]; addflag ["\\\\Seen", "Junk"];';
    assert.deepEqual(actions(`${base} if hasflag "junk" { discard; }`, plain), ["discard"]);
    assert.deepEqual(actions(`${base} if hasflag :is "\\\\Flagged junk" { discard; }`, plain), ["discard"]);
    assert.deepEqual(actions(`${base} if hasflag :contains "lag" { discard; }`, plain), ["keep \\Seen Junk"]);
    assert.deepEqual(actions(`${base} if hasflag :count "ge" :comparator "i;ascii-numeric" "2" { discard; }`, plain), ["discard"]);
    assert.deepEqual(actions(`${base} if hasflag :count "gt" :comparator "i;ascii-numeric" "2" { discard; }`, plain), ["keep \\Seen Junk"]);
  });

  it("the variable forms are refused: the variables extension is not offered", () => {
    const result = compile('require "imap4flags"; addflag "x";');
    assert.ok(result);
    assert.throws(() => compile('require "imap4flags"; addflag "flagvar" "x";'), /does not take a string here/);
  });
});

describe("RFC 5173 body", () => {
  const multipart = message(`From: a@b.example
Subject: plans
MIME-Version: 1.0
Content-Type: multipart/mixed; boundary="b1"

--b1
Content-Type: text/plain; charset=iso-8859-1
Content-Transfer-Encoding: quoted-printable

The missile coordinates are caf=E9.
--b1
Content-Type: text/html; charset=utf-8
Content-Transfer-Encoding: base64

${Buffer.from("<p>MAKE <b>MONEY</b> &amp; fast</p>").toString("base64")}
--b1
Content-Type: audio/mp3
Content-Transfer-Encoding: base64

SUQzBAAAAAAA
--b1--
`);

  it("§7 examples: :content \"text\" and \"audio/mp3\"", () => {
    const script = `require ["body", "fileinto"];
      if body :content "text" :contains ["missile", "coordinates"] { fileinto "secrets"; }
      if body :content "audio/mp3" :contains "" { fileinto "jukebox"; }`;
    assert.deepEqual(actions(script, multipart), ["fileinto secrets", "fileinto jukebox"]);
    assert.deepEqual(actions(script, simple({ Subject: "x" }, "nothing here\n")), ["keep"]);
  });

  it(":text decodes transfer encoding and charset and reduces HTML to text (the default)", () => {
    assert.deepEqual(actions('require "body"; if body :contains "café" { discard; }', multipart), ["discard"]);
    assert.deepEqual(actions('require "body"; if body :text :contains "MONEY & fast" { discard; }', multipart), ["discard"]);
    assert.deepEqual(actions('require "body"; if body :text :contains "<b>" { discard; }', multipart), ["keep"]);
  });

  it(":raw is the undecoded body; :content \"text/html\" is decoded but not reduced", () => {
    assert.deepEqual(actions('require "body"; if body :raw :contains "caf=E9" { discard; }', multipart), ["discard"]);
    assert.deepEqual(actions('require "body"; if body :raw :contains "café" { discard; }', multipart), ["keep"]);
    assert.deepEqual(actions('require "body"; if body :content "text/html" :contains "<b>MONEY</b>" { discard; }', multipart), ["discard"]);
    assert.deepEqual(actions('require "body"; if body :content "text/plain" :contains "MONEY" { discard; }', multipart), ["keep"]);
  });
});

describe("RFC 5429 reject and ereject", () => {
  it("§2.2 ereject example; reject cancels the implicit keep", () => {
    const script = 'require ["ereject"];\nif address "from" "someone.unwanted@example.com" {\n    ereject "I no longer accept mail from this address";\n}';
    assert.deepEqual(actions(script, simple({ From: "someone.unwanted@example.com" })), ["ereject I no longer accept mail from this address"]);
    assert.deepEqual(actions(script, plain), ["keep"]);
    assert.deepEqual(actions('require "reject"; reject text:\nGo away.\n.\n;', plain), ["reject Go away.\r\n"]);
  });

  it("§2.1 reject with keep, fileinto, redirect or vacation, or twice, is a run-time error", () => {
    const cases = [
      'require "reject"; keep; reject "no";',
      'require ["reject", "fileinto"]; reject "no"; fileinto "x";',
      'require ["reject", "copy"]; redirect :copy "a@b.example"; reject "no";',
      'require ["reject", "vacation"]; reject "no"; vacation "away";',
      'require ["reject", "ereject"]; reject "no"; ereject "no";',
    ];
    for (const script of cases) {
      const outcome = run(script, plain);
      assert.deepEqual(outcome.actions, [{ kind: "keep", flags: [] }], script);
      assert.match(outcome.error ?? "", /^line 1, column \d+: /, script);
    }
    // Exclusive branches compile and run fine.
    assert.deepEqual(actions('require ["reject", "fileinto"]; if false { fileinto "x"; } else { reject "no"; }', plain), ["reject no"]);
    assert.deepEqual(actions('require "reject"; discard; reject "no";', plain), ["discard", "reject no"]);
  });
});

describe("RFC 3894 copy and RFC 5490 :create", () => {
  it(":copy keeps the implicit keep", () => {
    assert.deepEqual(actions('require ["copy", "fileinto"]; fileinto :copy "incoming";', plain), ["fileinto incoming", "keep"]);
    assert.deepEqual(actions('require "copy"; redirect :copy "boss@example.com";', plain), ["redirect boss@example.com copy", "keep"]);
    // A copy and a move to the same address are one move.
    assert.deepEqual(actions('require "copy"; redirect :copy "boss@example.com"; redirect "boss@example.com";', plain), ["redirect boss@example.com"]);
  });

  it(":create asks delivery to create the mailbox", () => {
    assert.deepEqual(actions('require ["fileinto", "mailbox"]; fileinto :create "Lists/new";', plain), ["fileinto Lists/new create"]);
  });

  it("mailboxexists asks the message's mailboxExists; false for all when it is absent", () => {
    const script = 'require ["fileinto", "mailbox"]; if mailboxexists ["Lists", "Work"] { fileinto "Lists"; }';
    const withBoxes = { ...plain, mailboxExists: (name: string) => name === "Lists" || name === "Work" };
    assert.deepEqual(actions(script, withBoxes), ["fileinto Lists"]);
    assert.deepEqual(actions(script, { ...plain, mailboxExists: (name: string) => name === "Lists" }), ["keep"]);
    assert.deepEqual(actions(script, plain), ["keep"]);
  });
});

describe("RFC 5231 relational", () => {
  const script = `require ["relational", "comparator-i;ascii-numeric", "fileinto"];
    if header :value "lt" :comparator "i;ascii-numeric" ["x-priority"] ["3"] {
        fileinto "Priority";
    } elsif address :count "gt" :comparator "i;ascii-numeric" ["to"] ["5"] {
        fileinto "unimportant";
    } elsif address :value "gt" :all :comparator "i;ascii-casemap" ["from"] ["M"] {
        fileinto "From N-Z";
    } else {
        fileinto "From A-M";
    }
    if allof (address :count "eq" :comparator "i;ascii-numeric" ["to", "cc"] ["1"],
              address :all :comparator "i;ascii-casemap" ["to", "cc"] ["me@foo.example.com"]) {
        fileinto "Only me";
    }`;

  it("§6 example", () => {
    assert.deepEqual(actions(script, simple({ From: "coyote@desert.example.org", To: "me@foo.example.com", "X-Priority": "1" })), ["fileinto Priority", "fileinto Only me"]);
    const many = "a@x.example, b@x.example, c@x.example, d@x.example, e@x.example, f@x.example";
    assert.deepEqual(actions(script, simple({ From: "coyote@desert.example.org", To: many })), ["fileinto unimportant"]);
    assert.deepEqual(actions(script, simple({ From: "zed@example.org", To: "x@y.example" })), ["fileinto From N-Z"]);
    assert.deepEqual(actions(script, simple({ From: "alice@example.org", To: "x@y.example", Cc: "y@y.example" })), ["fileinto From A-M"]);
  });

  it(":value and :count need require \"relational\"", () => {
    assert.throws(() => compile('if header :count "eq" "to" "1" { discard; }'), /relational/);
  });
});
