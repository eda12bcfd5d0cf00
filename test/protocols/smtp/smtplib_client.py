"""Python's smtplib against Moat's SMTP session (driven by clients.test.ts).

usage: smtplib_client.py submission PORT REMOTE_IP USER PASSWORD
       smtplib_client.py pipelined PORT
Prints one JSON object with what the client saw; exits non-zero on an unexpected reply.
"""
import json
import smtplib
import ssl
import sys


class ProxySMTP(smtplib.SMTP):
    """Sends a PROXY v1 header first, so the server sees REMOTE_IP (not loopback)."""

    remote_ip = "203.0.113.9"

    def _get_socket(self, host, port, timeout):
        sock = super()._get_socket(host, port, timeout)
        sock.sendall(f"PROXY TCP4 {self.remote_ip} 127.0.0.1 40000 {port}\r\n".encode())
        return sock


def submission(port, remote_ip, user, password):
    ProxySMTP.remote_ip = remote_ip
    with ProxySMTP("127.0.0.1", port, timeout=10) as s:
        s.ehlo("python.example")
        auth_before_tls = s.has_extn("auth")
        context = ssl.create_default_context()
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
        s.starttls(context=context)
        s.ehlo("python.example")
        login = s.login(user, password)
        message = "From: {0}\r\nTo: friend@elsewhere.example\r\nSubject: from python\r\n\r\n.leading dot\r\nbye\r\n".format(user)
        refused = s.sendmail(user, ["friend@elsewhere.example"], message)
        return {"authBeforeTls": auth_before_tls, "login": login[0], "refused": refused, "tls": s.sock.version()}


def pipelined(port):
    with smtplib.SMTP("127.0.0.1", port, timeout=10) as s:
        s.ehlo("python.example")
        if not s.has_extn("pipelining"):
            raise SystemExit("PIPELINING not advertised")
        s.send("MAIL FROM:<py@remote.example>\r\nRCPT TO:<bob@example.com>\r\nRCPT TO:<nobody@example.com>\r\nRCPT TO:<carol@example.com>\r\nDATA\r\n")
        codes = [s.getreply()[0] for _ in range(5)]
        body = smtplib.quotedata("Subject: pipelined\r\n\r\n.dot line\r\n.\r\nend\r\n")
        s.send(body + ".\r\n")
        codes.append(s.getreply()[0])
        return {"codes": codes}


if __name__ == "__main__":
    mode, port = sys.argv[1], int(sys.argv[2])
    result = submission(port, *sys.argv[3:6]) if mode == "submission" else pipelined(port)
    print(json.dumps(result))
