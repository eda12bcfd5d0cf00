"""Python's poplib against Moat's POP3 server (driven by clients.test.ts).

usage: poplib_client.py PORT MODE STEP...
  MODE: plain | stls | ssl
  STEP: user:NAME  pass:PASSWORD  auth:NAME:PASSWORD (AUTH PLAIN)  stat  list  uidl
        retr:N  top:N:LINES  dele:N  rset  noop  capa  quit  drop (close without QUIT)
Prints one JSON list with one entry per step: the reply (and lines), or {"error": reply}.
"""
import base64
import json
import poplib
import socket
import ssl
import sys


def context():
    ctx = ssl.create_default_context()
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    return ctx


def text(value):
    return value.decode("latin1") if isinstance(value, bytes) else value


def run(client, step):
    name, _, arg = step.partition(":")
    if name == "user":
        return text(client.user(arg))
    if name == "pass":
        return text(client.pass_(arg))
    if name == "auth":
        user, _, password = arg.partition(":")
        token = base64.b64encode(f"\0{user}\0{password}".encode()).decode()
        return text(client._shortcmd(f"AUTH PLAIN {token}"))
    if name == "stat":
        return list(client.stat())
    if name in ("list", "uidl"):
        resp, lines, _ = getattr(client, name)()
        return {"resp": text(resp), "lines": [text(l) for l in lines]}
    if name in ("retr", "top"):
        args = [int(a) for a in arg.split(":")]
        resp, lines, octets = getattr(client, name)(*args)
        return {"resp": text(resp), "message": "\r\n".join(text(l) for l in lines), "octets": octets}
    if name == "dele":
        return text(client.dele(int(arg)))
    if name == "rset":
        return text(client.rset())
    if name == "noop":
        return text(client.noop())
    if name == "capa":
        return sorted(client.capa().keys())
    if name == "quit":
        return text(client.quit())
    if name == "drop":
        client.sock.shutdown(socket.SHUT_RDWR)
        client.sock.close()
        return "dropped"
    raise SystemExit(f"unknown step {step}")


def main():
    port, mode, steps = int(sys.argv[1]), sys.argv[2], sys.argv[3:]
    if mode == "ssl":
        client = poplib.POP3_SSL("127.0.0.1", port, timeout=10, context=context())
    else:
        client = poplib.POP3("127.0.0.1", port, timeout=10)
    out = [{"greeting": text(client.getwelcome())}]
    if mode == "stls":
        out.append(text(client.stls(context=context())))
    for step in steps:
        try:
            out.append(run(client, step))
        except poplib.error_proto as e:
            out.append({"error": text(e.args[0])})
        if step == "drop":
            break
    print(json.dumps(out))


if __name__ == "__main__":
    main()
