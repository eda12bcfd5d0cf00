// Named places where a test can make the process die at once (SIGKILL, no clean-up), to prove
// that "250 after DATA" survives a crash at every step (test plan B8, FLT-01/04/05).
// Inert unless MOAT_FAILPOINTS names the point, e.g. MOAT_FAILPOINTS=flow.before_commit.
const armed = new Set((process.env.MOAT_FAILPOINTS ?? "").split(",").map((s) => s.trim()).filter(Boolean));

export type FailPoint =
  | "flow.after_blob" // the large body is in the blob store, no row yet
  | "flow.before_commit" // rows written inside the transaction, not committed
  | "flow.after_commit"; // committed, the client not yet told

export function failpoint(name: FailPoint): void {
  if (armed.size > 0 && armed.has(name)) process.kill(process.pid, "SIGKILL");
}
