// gen_mbox.py's format: a "From " line, the CRLF message, one empty line (CRLF).
export function splitMbox(raw) {
  const parts = raw.split(/^From \S+ [A-Z][a-z]{2} [A-Z][a-z]{2} [ \d]\d \d\d:\d\d:\d\d \d{4}\r\n/m).slice(1);
  return parts.map((p) => p.replace(/\r\n$/, ""));
}
