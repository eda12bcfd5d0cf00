// The answer of a listener whose protocol service is not running: the protocol's own
// "temporarily unavailable" greeting, then close. Clients retry later instead of hanging,
// and an MTA keeps the mail queued (421 is a temporary failure, RFC 5321 §3.8).
import type { ConnectionHandler } from "./listener.js";

export type MailProtocol = "smtp" | "imap" | "pop3";

export function unavailableGreeting(protocol: MailProtocol, hostname: string): string {
  switch (protocol) {
    case "smtp":
      return `421 4.3.2 ${hostname} Service not available, closing transmission channel\r\n`;
    case "imap":
      return `* BYE [UNAVAILABLE] ${hostname} IMAP service not available\r\n`;
    case "pop3":
      return `-ERR [SYS/TEMP] ${hostname} POP3 service not available\r\n`;
  }
}

export function unavailableService(protocol: MailProtocol, hostname: string): ConnectionHandler {
  const greeting = unavailableGreeting(protocol, hostname);
  return (socket) => {
    socket.on("error", () => undefined);
    socket.end(greeting);
  };
}
