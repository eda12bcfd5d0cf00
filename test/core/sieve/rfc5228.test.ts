// The examples of RFC 5228 §§2-5 and its extended example (§9), run against messages.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { actions, compile, message, run, simple } from "./sieve-support.js";

const coyote = simple({ From: "coyote@desert.example.org", To: "roadrunner@acme.example.com", Subject: "I have a present for you" });

describe("RFC 5228 base language", () => {
  it("§3.1 if/elsif/else: the first true branch runs, else when none", () => {
    const script = `require "fileinto";
      if header :contains "from" "coyote" {
          discard;
      } elsif header :contains ["subject"] ["$$$"] {
          discard;
      } else {
          fileinto "INBOX";
      }`;
    assert.deepEqual(actions(script, coyote), ["discard"]);
    assert.deepEqual(actions(script, simple({ From: "a@b.example", Subject: "win $$$ now" })), ["discard"]);
    // fileinto "INBOX" is the same as the keep it replaces.
    assert.deepEqual(actions(script, simple({ From: "a@b.example", Subject: "hello" })), ["fileinto INBOX"]);
  });

  it("§2.4.2 multi-line strings: dot-stuffing removed, CRLF line ends", () => {
    const script = 'require "reject";\nreject text:\n..a line with a dot\nsecond # not a comment\n.\n;';
    const outcome = run(script, coyote);
    assert.deepEqual(outcome.actions, [{ kind: "reject", reason: ".a line with a dot\r\nsecond # not a comment\r\n", ereject: false }]);
  });

  it("§2.4.2 quoted strings: \\\\ and \\\" escapes, other backslashes dropped, may span lines", () => {
    const script = 'require "reject";\nreject "a \\"quote\\" and \\\\ and \\q\nnext";';
    assert.deepEqual(run(script, coyote).actions, [{ kind: "reject", reason: 'a "quote" and \\ and q\r\nnext', ereject: false }]);
  });

  it("§2.3 comments: hash to end of line, bracketed across lines", () => {
    const script = "# a comment\n/* a\n * bracketed { comment } */ if /* inline */ true { discard; } # trailing";
    assert.deepEqual(actions(script, coyote), ["discard"]);
  });

  it("§2.4.1 numbers: K, M and G multiply by 2^10, 2^20, 2^30", () => {
    const big = message(`Subject: x\n\n${"a".repeat(2000)}\n`);
    assert.deepEqual(actions("if size :over 1K { discard; }", big), ["discard"]);
    assert.deepEqual(actions("if size :under 1k { discard; }", big), ["keep"]);
    assert.deepEqual(actions("if size :under 1M { discard; }", big), ["discard"]);
    assert.deepEqual(actions("if size :under 1G { discard; }", big), ["discard"]);
    assert.deepEqual(actions("if size :over 2001 { discard; }", big), ["discard"]);
  });

  it("§2.6.2 tagged arguments in any order", () => {
    const m = simple({ From: "Tim <TIM@example.com>" });
    assert.deepEqual(actions('if address :is :all :comparator "i;ascii-casemap" "from" "tim@example.com" { discard; }', m), ["discard"]);
    assert.deepEqual(actions('if address :comparator "i;ascii-casemap" :all :is "from" "tim@example.com" { discard; }', m), ["discard"]);
    assert.deepEqual(actions('if address :all :comparator "i;octet" :is "from" "tim@example.com" { discard; }', m), ["keep"]);
  });

  it("§2.4.2.4 encoded-character: ${hex:} and ${unicode:} decoded only when required", () => {
    const dollars = simple({ Subject: "win $$$" });
    const script = 'require "encoded-character";\nif header :contains "Subject" "$${hex:24 24}" { discard; }';
    assert.deepEqual(actions(script, dollars), ["discard"]);
    assert.deepEqual(actions('if header :contains "Subject" "$${hex:24 24}" { discard; }', dollars), ["keep"]);
    const smile = simple({ Subject: "=?utf-8?q?hi_=E2=98=BA?=" });
    assert.deepEqual(actions('require "encoded-character";\nif header :is "Subject" "hi ${unicode:263a}" { discard; }', smile), ["discard"]);
    // Not the grammar: left as written.
    assert.deepEqual(actions('require "encoded-character";\nif header :is "Subject" "${hex:zz}" { discard; }', simple({ Subject: "${hex:zz}" })), ["discard"]);
  });

  it("§2.10.2 implicit keep: kept when no action cancels it", () => {
    assert.deepEqual(actions("if false { discard; }", coyote), ["keep"]);
    assert.deepEqual(actions("", coyote), ["keep"]);
  });

  it("§2.10.3 duplicate fileinto and redirect collapse into one action", () => {
    const script = `require "fileinto";
      fileinto "lists"; fileinto "lists"; redirect "bart@example.com"; redirect "Bart@Example.com";`;
    assert.deepEqual(actions(script, coyote), ["fileinto lists", "redirect bart@example.com"]);
    assert.deepEqual(actions("keep; keep;", coyote), ["keep"]);
  });

  it("§2.10.3 keep and fileinto \"INBOX\" store once; their flags are merged", () => {
    assert.deepEqual(actions('require ["fileinto", "imap4flags"]; keep :flags "a"; fileinto :flags "b" "inbox";', coyote), ["keep a b"]);
    assert.deepEqual(actions('require ["fileinto", "imap4flags"]; fileinto :flags "b" "INBOX"; keep :flags "a";', coyote), ["fileinto INBOX [b a]"]);
    // fileinto :copy "INBOX" and the implicit keep are one delivery, not two.
    assert.deepEqual(actions('require ["fileinto", "copy", "imap4flags"]; addflag "x"; fileinto :copy :flags "y" "INBOX";', coyote), ["fileinto INBOX [y x]"]);
  });

  it("§3.2 require: the base comparators may be required; a byte order mark is ignored", () => {
    assert.deepEqual(actions('\uFEFFrequire ["comparator-i;octet", "comparator-i;ascii-casemap"]; discard;', coyote), ["discard"]);
    assert.deepEqual(compile('require "fileinto"; require ["envelope", "fileinto"];').requires, ["fileinto", "envelope"]);
  });

  it("§3.3 stop ends the script; the implicit keep still applies", () => {
    assert.deepEqual(actions("stop; discard;", coyote), ["keep"]);
    assert.deepEqual(actions('require "fileinto"; if true { fileinto "a"; stop; } fileinto "b";', coyote), ["fileinto a"]);
  });

  it("§4.1 fileinto cancels the implicit keep", () => {
    const script = 'require "fileinto";\nif header :contains ["from"] "coyote" {\n   fileinto "INBOX.harassment";\n}';
    assert.deepEqual(actions(script, coyote), ["fileinto INBOX.harassment"]);
  });

  it("§4.2 redirect cancels the implicit keep; its literal address is a redirect target", () => {
    assert.deepEqual(actions('redirect "bart@example.com";', coyote), ["redirect bart@example.com"]);
    const script = compile('if true { redirect "Bart <bart@example.com>"; } else { redirect "lisa@example.com"; }');
    assert.deepEqual(script.redirectTargets, ["bart@example.com", "lisa@example.com"]);
  });

  it("§4.3 keep and §4.4 discard: discard only cancels the implicit keep", () => {
    assert.deepEqual(actions('if header :contains ["from"] ["idiot@example.com"] { discard; }', simple({ From: "idiot@example.com" })), ["discard"]);
    assert.deepEqual(actions("discard; keep;", coyote), ["discard", "keep"]);
  });

  it("§5.1 address with :all, :localpart, :domain", () => {
    const m = simple({ From: '"Tim Showalter" <tim@example.com>', To: "a@x.example, Group: b@y.example, \"c d\"@z.example;" });
    assert.deepEqual(actions('if address :is :all "from" "tim@example.com" { discard; }', m), ["discard"]);
    assert.deepEqual(actions('if address :localpart :is "from" "tim" { discard; }', m), ["discard"]);
    assert.deepEqual(actions('if address :domain :is "from" "EXAMPLE.com" { discard; }', m), ["discard"]);
    assert.deepEqual(actions('if address :is "from" "Tim Showalter" { discard; }', m), ["keep"]);
    // Group syntax and quoted local parts.
    assert.deepEqual(actions('if address :localpart :is "to" "c d" { discard; }', m), ["discard"]);
    assert.deepEqual(actions('if address :domain :is "to" "y.example" { discard; }', m), ["discard"]);
    assert.deepEqual(actions('if address :is "to" "Group" { discard; }', m), ["keep"]);
  });

  it("§5.2 allof, §5.3 anyof, §5.8 not", () => {
    const m = simple({ From: "Cynthia <c@example.com>", Subject: "about Fred" });
    assert.deepEqual(actions('if allof (header :contains "From" "Cynthia", header :contains "Subject" "Fred") { discard; }', m), ["discard"]);
    assert.deepEqual(actions('if allof (header :contains "From" "Cynthia", header :contains "Subject" "Bob") { discard; }', m), ["keep"]);
    assert.deepEqual(actions('if anyof (false, header :contains "Subject" "Fred") { discard; }', m), ["discard"]);
    assert.deepEqual(actions('if not anyof (false, false) { discard; }', m), ["discard"]);
  });

  it("§5.4 envelope: from and to, the null reverse-path as \"\"", () => {
    const m = simple({ From: "x@y.example" }, "Hi\n", { from: "tim@example.com", to: "me+lists@example.com" });
    assert.deepEqual(actions('require "envelope";\nif envelope :all :is "from" "tim@example.com" { discard; }', m), ["discard"]);
    assert.deepEqual(actions('require "envelope";\nif envelope :localpart :is "to" "me+lists" { discard; }', m), ["discard"]);
    const bounce = simple({ From: "MAILER-DAEMON@example.net" }, "Hi\n", { from: "" });
    assert.deepEqual(actions('require "envelope";\nif envelope :is "from" "" { discard; }', bounce), ["discard"]);
  });

  it("§5.5 exists: true only when every named header exists", () => {
    const m = simple({ From: "a@b.example", Date: "Tue, 1 Apr 1997 09:06:31 -0800" });
    assert.deepEqual(actions('if exists ["From","Date"] { discard; }', m), ["discard"]);
    assert.deepEqual(actions('if exists ["From","X-Nope"] { discard; }', m), ["keep"]);
  });

  it("§5.7 header: unfolded and RFC 2047-decoded values", () => {
    const m = message("Subject: =?iso-8859-1?q?caf=E9?=\n and more\nFrom: a@b.example\n\nbody\n");
    assert.deepEqual(actions('if header :is "subject" "café and more" { discard; }', m), ["discard"]);
    assert.deepEqual(actions('if header :contains "X-Missing" "" { discard; }', m), ["keep"]);
  });

  it("§5.9 size :over and :under", () => {
    assert.deepEqual(actions("if size :over 500K { discard; }", coyote), ["keep"]);
    assert.deepEqual(actions("if size :under 500K { discard; }", coyote), ["discard"]);
  });

  it("§9 the extended example", () => {
    const script = `#
# Example Sieve Filter
# Declare any optional features or extension used by the script
#
require ["fileinto"];

#
# Handle messages from known mailing lists
# Move messages from IETF filter discussion list to filter mailbox
#
if header :is "Sender" "owner-ietf-mta-filters@imc.org"
        {
        fileinto "filter";  # move to "filter" mailbox
        }
#
# Keep all messages to or from people in my company
#
elsif address :DOMAIN :is ["From", "To"] "example.com"
        {
        keep;               # keep in "In" mailbox
        }

#
# Try and catch unsolicited email.  If a message is not to me,
# or it contains a subject known to be spam, file it away.
#
elsif anyof (NOT address :all :contains
               ["To", "Cc", "Bcc"] "me@example.com",
             header :matches "subject"
               ["*make*money*fast*", "*university*dipl*mas*"])
        {
        fileinto "spam";   # move to "spam" mailbox
        }
else
        {
        # Move all other (non-company) mail to "personal"
        # mailbox.
        fileinto "personal";
        }
`;
    const list = simple({ Sender: "owner-ietf-mta-filters@imc.org", From: "x@y.example", To: "me@example.com" });
    assert.deepEqual(actions(script, list), ["fileinto filter"]);
    assert.deepEqual(actions(script, simple({ From: "boss@example.com", To: "me@example.com" })), ["keep"]);
    assert.deepEqual(actions(script, simple({ From: "x@y.example", To: "you@other.example" })), ["fileinto spam"]);
    const viaList = { From: "x@y.example", To: "list@lists.example.net", Cc: "Me <me@example.com>" };
    assert.deepEqual(actions(script, simple({ ...viaList, Subject: "Make lots of MONEY fast" })), ["fileinto spam"]);
    assert.deepEqual(actions(script, simple({ ...viaList, Subject: "lunch?" })), ["fileinto personal"]);
  });
});
