# Shared by the Python parts of the administration tests (run through
# $T/apy, which admin.subr writes; never by the daemon): posternctl's
# JSON answers, and byte-exact IMAP and POP3 clients over plain
# sockets, STARTTLS/STLS or implicit TLS that count what they send and
# receive, to hold `show sessions' and the logs to exact numbers.
#
# The daemon's coordinates come from the environment: PORT and PORTS
# (POP3 plain and implicit TLS), IPORT and IPORTS (IMAP), CAFILE, T
# (the state directory), POSTERN_BIN.

import hashlib
import json
import os
import socket
import ssl
import subprocess
import sys
import time

from checks import Failure, check, expect_eq

PORT = int(os.environ.get("PORT", "0"))
PORTS = int(os.environ.get("PORTS", "0"))
IPORT = int(os.environ.get("IPORT", "0"))
IPORTS = int(os.environ.get("IPORTS", "0"))
CAFILE = os.environ.get("CAFILE", "")
T = os.environ["T"]
BIN = os.environ["POSTERN_BIN"]
HOST = "127.0.0.1"
TIMEOUT = 15

USERS = {"alice": "alicepw", "bob": "bobpw", "carol": "carolpw"}


def wait_for(pred, what, timeout=10.0):
    """Poll pred until it is true; its last value, or a Failure."""
    end = time.time() + timeout
    while True:
        v = pred()
        if v:
            return v
        if time.time() > end:
            raise Failure("timed out waiting for " + what)
        time.sleep(0.05)


def ctl(*args):
    """posternctl on the test's socket: (exit status, stdout, stderr)."""
    r = subprocess.run([BIN + "/posternctl", "-s",
                        os.path.join(T, "posternd.sock")] + list(args),
                       capture_output=True, text=True)
    return r.returncode, r.stdout, r.stderr


def ctl_json(*args):
    rc, out, err = ctl("-j", *args)
    check(rc == 0, "posternctl %s: %s" % (" ".join(args), err))
    return json.loads(out)


def sessions():
    """show sessions, by connection id."""
    return {int(r["id"]): r for r in ctl_json("show", "sessions")}


def tls_context():
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    return ctx


class Raw:
    """
    A line client that counts the bytes of the protocol (inside TLS)
    both ways, so that a test can compare them with the server's.
    """

    def __init__(self, port, tls=False):
        self.s = socket.create_connection((HOST, port), TIMEOUT)
        if tls:
            self.s = tls_context().wrap_socket(self.s)
        self.buf = b""
        self.sent = 0
        self.received = 0
        self.greeting = self.line()

    def starttls(self):
        check(self.buf == b"", "input pending before TLS")
        self.s = tls_context().wrap_socket(self.s)

    def sha1(self):
        h = hashlib.sha1(self.s.getpeercert(binary_form=True)).hexdigest()
        h = h.upper()
        return ":".join(h[i:i + 2] for i in range(0, len(h), 2))

    def local_port(self):
        return self.s.getsockname()[1]

    def send(self, data):
        self.s.sendall(data)
        self.sent += len(data)

    def line(self):
        while b"\r\n" not in self.buf:
            d = self.s.recv(65536)
            if not d:
                raise Failure("connection closed; have %r" % self.buf)
            self.buf += d
        line, self.buf = self.buf.split(b"\r\n", 1)
        self.received += len(line) + 2
        return line

    def imap(self, tag, command):
        """An IMAP command; every line up to the tagged answer."""
        self.send(b"%s %s\r\n" % (tag, command))
        out = []
        while True:
            line = self.line()
            out.append(line)
            if line.startswith(tag + b" "):
                check(line.startswith(tag + b" OK"), "%s: %r" %
                      (command, line))
                return out

    def pop3(self, command, multi=False):
        """A POP3 command; its answer, and the lines of a multi-line one."""
        self.send(command + b"\r\n")
        first = self.line()
        check(first.startswith(b"+OK"), "%s: %r" % (command, first))
        out = [first]
        if multi:
            while True:
                line = self.line()
                out.append(line)
                if line == b".":
                    break
        return out

    def mark(self):
        """The counts now, to measure what follows."""
        return self.sent, self.received

    def close(self):
        try:
            self.s.close()
        except OSError:
            pass


def imap_login(port, user, tls=False, starttls=False):
    c = Raw(port, tls=tls)
    check(c.greeting.startswith(b"* OK"), "greeting %r" % c.greeting)
    if starttls:
        c.imap(b"s", b"STARTTLS")
        c.starttls()
    c.imap(b"l", b"LOGIN %s %s" % (user.encode(), USERS[user].encode()))
    return c


def pop3_login(port, user, tls=False, stls=False):
    c = Raw(port, tls=tls)
    check(c.greeting.startswith(b"+OK"), "greeting %r" % c.greeting)
    if stls:
        c.pop3(b"STLS")
        c.starttls()
    c.pop3(b"USER " + user.encode())
    c.pop3(b"PASS " + USERS[user].encode())
    return c


def main(fn):
    try:
        fn()
    except Failure as e:
        print("FAIL: %s" % e)
        sys.exit(1)
    print("ok")
