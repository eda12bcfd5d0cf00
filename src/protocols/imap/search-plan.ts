// Planning a SEARCH so that keys answered from the message rows (flags, keywords, UID and
// sequence sets, sizes, INTERNALDATE, MODSEQ) never load a body: AND and OR evaluate their
// cheap keys first, so "UNSEEN SUBJECT x" reads the index only of unseen messages, and a UID or
// sequence set at the top narrows the rows read to those it names.
import type { SearchKey } from "./codec/search.js";
import type { MailboxView } from "./view.js";

/** 0: the message row; 1: the stored index (decoded text, Date); 2: the raw header bytes. */
function cost(key: SearchKey): number {
  switch (key.op) {
    case "header":
    case "text":
      return 2;
    case "body":
      return 1;
    case "date":
      return key.field === "sent" ? 1 : 0;
    case "not":
      return cost(key.key);
    case "or":
      return Math.max(cost(key.left), cost(key.right));
    case "and":
      return Math.max(0, ...key.keys.map(cost));
    default:
      return 0;
  }
}

/** The same key with cheaper operands first (AND and OR are commutative and short-circuit). */
export function cheapFirst(key: SearchKey): SearchKey {
  switch (key.op) {
    case "not":
      return { op: "not", key: cheapFirst(key.key) };
    case "or": {
      const [left, right] = [cheapFirst(key.left), cheapFirst(key.right)];
      return cost(right) < cost(left) ? { op: "or", left: right, right: left } : { op: "or", left, right };
    }
    case "and":
      return { op: "and", keys: key.keys.map(cheapFirst).sort((a, b) => cost(a) - cost(b)) };
    default:
      return key;
  }
}

/**
 * The UIDs a message must be among to match, when the key (or an operand of a top-level AND)
 * is a UID or sequence set; null when any message may match.
 */
export function candidateUids(key: SearchKey, view: MailboxView): number[] | null {
  if (key.op === "uid" || key.op === "seq") return view.resolve(key.set, key.op === "uid");
  if (key.op !== "and") return null;
  let result: number[] | null = null;
  for (const operand of key.keys) {
    const uids = candidateUids(operand, view);
    if (uids === null) continue;
    const keep: Set<number> | null = result === null ? null : new Set(result);
    result = keep === null ? uids : uids.filter((uid) => keep.has(uid));
  }
  return result;
}
