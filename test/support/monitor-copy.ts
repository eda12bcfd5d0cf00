// A message as a monitoring copy meets it (decision 0027): multipart with an encoded subject,
// a line that POP3 dot-stuffs and a base64 part, plus the warning mark the recipient's copy gets
// and the header a supervisor's copy gets on top.
export const reportMessage = Buffer.from(
  [
    "Received: from mail.sender.example by mx.example.com; Thu, 26 Nov 2026 12:00:00 +0000",
    "From: Bob <bob@sender.example>",
    "To: Alice <alice@example.com>",
    "Subject: =?UTF-8?Q?Gr=C3=BC=C3=9Fe?= and the quarterly report",
    "Date: Thu, 26 Nov 2026 11:59:00 +0000",
    "Message-ID: <shared-1@sender.example>",
    "MIME-Version: 1.0",
    'Content-Type: multipart/mixed; boundary="b1"',
    "",
    "--b1",
    "Content-Type: text/plain; charset=utf-8",
    "",
    "Hello Alice, the figures are attached.",
    ".a line starting with a dot",
    "--b1",
    'Content-Type: text/csv; name="q3.csv"',
    "Content-Transfer-Encoding: base64",
    "",
    Buffer.from("quarter,revenue\nq3,1234\n").toString("base64"),
    "--b1--",
    "",
  ].join("\r\n"),
);

export const warningFields = 'X-Moat-External: advanced; name="Bob"; address="bob@sender.example"\r\nX-Policy: checked\r\n';
export const monitorFields = 'X-Moat-Monitor: rule="watch-alice"; direction=received; account="alice@example.com"\r\n';
