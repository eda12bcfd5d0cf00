// The [imap] settings section (it governs imaps too) as the IMAP server's limits; the APPEND
// limit is mail.max_message_bytes, the one message size every channel shares.
import type { Settings } from "../../config/schema.js";
import type { ImapLimits } from "./backend.js";

export function imapLimitsFrom(settings: Pick<Settings, "imap" | "mail">): ImapLimits {
  const imap = settings.imap;
  return {
    maxMessageBytes: settings.mail.max_message_bytes,
    idleTimeoutMs: imap.idle_timeout_seconds * 1000,
    preLoginIdleTimeoutMs: imap.login_timeout_seconds * 1000,
    maxCommandsBeforeLogin: imap.max_commands_before_login,
    maxInvalidCommands: imap.max_invalid_commands,
    maxAuthFailures: imap.max_auth_failures,
    maxConnectionsPerIp: imap.max_connections_per_ip,
    idleKeepaliveMs: imap.idle_keepalive_seconds * 1000,
    maxLineBytes: imap.max_line_bytes,
    maxCommandBytes: imap.max_command_bytes,
  };
}
