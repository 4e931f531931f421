# Shared by the Python parts of the IMAP integration tests (run by the
# test programs through $T/ipy, never by the daemon): imaplib
# connections to the test's posternd over STARTTLS or implicit TLS,
# a raw line client for what imaplib cannot do (IDLE, exact bytes),
# and delivery into a user's Maildir the way an MTA does it.
#
# The daemon's coordinates come from the environment $T/ipy sets:
# IPORT (plain and STARTTLS), IPORTS (implicit TLS), CAFILE (the
# certificate posternd made at first start) and T (the state
# directory).

import imaplib
import os
import socket
import ssl
import time

from checks import Failure, check, expect_eq

IPORT = int(os.environ["IPORT"])
IPORTS = int(os.environ["IPORTS"])
CAFILE = os.environ["CAFILE"]
T = os.environ["T"]
HOST = "127.0.0.1"
TIMEOUT = 15

USERS = {"alice": ("alicepw", 2001), "bob": ("bobpw", 2002),
         "carol": ("carolpw", 2003)}


def tls_context():
    ctx = ssl.create_default_context(cafile=CAFILE)
    ctx.check_hostname = False
    return ctx


def imaps(user=None):
    """An imaplib connection over implicit TLS, logged in if user."""
    m = imaplib.IMAP4_SSL(HOST, IPORTS, ssl_context=tls_context(),
                          timeout=TIMEOUT)
    if user is not None:
        m.login(user, USERS[user][0])
    return m


def imap_starttls(user=None):
    """An imaplib connection on the plain port after STARTTLS."""
    m = imaplib.IMAP4(HOST, IPORT, timeout=TIMEOUT)
    m.starttls(ssl_context=tls_context())
    if user is not None:
        m.login(user, USERS[user][0])
    return m


def ok(res, what=""):
    """The data of an imaplib result that must be OK."""
    typ, data = res
    if typ != "OK":
        raise Failure("%s: %s %r" % (what, typ, data))
    return data


class Raw:
    """Line-level IMAP over implicit TLS, for exact responses."""

    def __init__(self, user=None):
        s = socket.create_connection((HOST, IPORTS), TIMEOUT)
        self.s = tls_context().wrap_socket(s)
        self.f = self.s.makefile("rb")
        self.greeting = self.line()
        check(self.greeting.startswith(b"* OK "), "greeting %r" %
              self.greeting)
        if user is not None:
            r = self.cmd(b"L LOGIN %s %s" % (user.encode(),
                                             USERS[user][0].encode()))
            check(r[-1].startswith(b"L OK "), "login %r" % r)

    def line(self):
        line = self.f.readline()
        check(line.endswith(b"\r\n"), "line %r" % line)
        return line

    def send(self, data):
        self.s.sendall(data)

    def cmd(self, line):
        """Send a command; every line up to its tagged response."""
        tag = line.split(b" ")[0] + b" "
        self.send(line + b"\r\n")
        out = []
        while True:
            line = self.line()
            out.append(line)
            if line.startswith(tag):
                return out

    def close(self):
        try:
            self.s.close()
        except OSError:
            pass


def deliver(user, data, name=None):
    """Put a message into user's Maildir/new as an MTA would."""
    uid = USERS[user][1]
    md = "%s/home/%s/Maildir" % (T, user)
    if name is None:
        ts = time.time()
        name = "%d.M%06dP%d.outside" % (int(ts), int(ts * 1e6) % 1000000,
                                        os.getpid())
    tmp = "%s/tmp/%s" % (md, name)
    with open(tmp, "wb") as fh:
        fh.write(data)
    os.chown(tmp, uid, uid)
    os.rename(tmp, "%s/new/%s" % (md, name))
    return name
