// Who the audit log names for a change made with the `moat` command: the OS user running it
// ("cli:root"), or "cli" when the system cannot say.
import os from "node:os";
import type { Actor } from "../core/security/audit.js";

export function cliActor(): Actor {
  try {
    return { kind: "admin", name: `cli:${os.userInfo().username}` };
  } catch {
    return { kind: "admin", name: "cli" };
  }
}
