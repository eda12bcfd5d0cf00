// Applies a copy's edits (copies.ts) to the message bytes. Rewrites inside the message come
// first; header fields go on top last, so a header a stage adds is the first thing a reader
// (and a DKIM verifier, which ignores unsigned fields) meets, above the original header.
import { insertBanner, tagSubject } from "../../mail/rewrite/index.js";
import type { CopyEdit } from "./copies.js";

export function applyEdits(message: Buffer, edits: readonly CopyEdit[]): Buffer {
  let out = message;
  for (const edit of edits) if (edit.kind === "banner") out = insertBanner(out, edit.text);
  for (const edit of edits) if (edit.kind === "subject_tag") out = tagSubject(out, edit.tag);
  const fields = edits.flatMap((edit) => (edit.kind === "header" ? [edit.field] : [])).join("");
  return fields === "" ? out : Buffer.concat([Buffer.from(fields, "utf8"), out]);
}
