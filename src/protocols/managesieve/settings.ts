// The [managesieve] settings as the server's limits, and what the server needs of Moat: the one
// authenticate(), the users' scripts service with its limits, and the compiler's extensions.
import type { Settings } from "../../config/schema.js";
import type { Authenticate } from "../../core/auth/authenticate.js";
import { maxScriptBytes, maxScriptsPerAccount } from "../../core/flow/user-rules/sieve-scripts.js";
import { DEFAULT_SIEVE_LIMITS } from "../../core/sieve/index.js";
import { sieveExtensions } from "../../core/sieve/types.js";
import type { ManageSieveBackend, ManageSieveLimits, SieveScriptService } from "./context.js";

export function manageSieveLimitsFrom(settings: Pick<Settings, "managesieve">): Partial<ManageSieveLimits> {
  const conf = settings.managesieve;
  return {
    idleTimeoutMs: conf.idle_timeout_seconds * 1000,
    loginTimeoutMs: conf.login_timeout_seconds * 1000,
    maxAuthFailures: conf.max_auth_failures,
    maxInvalidCommands: conf.max_invalid_commands,
    maxConnectionsPerIp: conf.max_connections_per_ip,
  };
}

export function manageSieveBackend(authenticate: Authenticate, scripts: SieveScriptService): ManageSieveBackend {
  return {
    authenticate,
    scripts,
    extensions: sieveExtensions,
    maxScriptBytes,
    maxScripts: maxScriptsPerAccount,
    maxRedirects: DEFAULT_SIEVE_LIMITS.maxRedirects,
  };
}
