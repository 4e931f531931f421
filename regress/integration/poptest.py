# Shared by the Python parts of the atf-sh integration tests (run by
# the test programs through $T/py, never by the daemon): a raw POP3
# client over a plain socket, STLS or implicit TLS that checks every
# byte the server sends, and the pinning of the server's self-signed
# certificate by its SHA-256 fingerprint as openssl computes it.
#
# The daemon's coordinates come from the environment $T/py sets:
# PORT (plain and STLS), PORTS (implicit TLS), CAFILE (the certificate
# posternd made at first start) and T (the test's state directory).

import base64
import hashlib
import os
import socket
import ssl
import subprocess
import sys
import time

from checks import Failure, check, expect_eq

PORT = int(os.environ["PORT"])
PORTS = int(os.environ["PORTS"])
CAFILE = os.environ["CAFILE"]
T = os.environ["T"]
HOST = "127.0.0.1"
TIMEOUT = 15


def cert_sha256(path=CAFILE):
    """The certificate's SHA-256 fingerprint, lower-case hex, from openssl."""
    out = subprocess.run(["openssl", "x509", "-in", path, "-noout",
                          "-fingerprint", "-sha256"], check=True,
                         capture_output=True, text=True).stdout
    # "sha256 Fingerprint=AB:CD:..."
    return out.strip().split("=", 1)[1].replace(":", "").lower()


def tls_context():
    """Trust exactly the daemon's own certificate; names are checked too."""
    ctx = ssl.create_default_context(cafile=CAFILE)
    ctx.minimum_version = ssl.TLSVersion.TLSv1_2
    return ctx


def peer_sha256(sslsock):
    return hashlib.sha256(sslsock.getpeercert(binary_form=True)).hexdigest()


def check_pinned(sslsock, path=CAFILE):
    expect_eq(peer_sha256(sslsock), cert_sha256(path),
              "SHA-256 fingerprint of the server certificate")


def user_entry(user):
    """uid, gid and home of a user of the test's passwd-file."""
    with open(os.path.join(T, "passwd")) as f:
        for l in f:
            fields = l.rstrip("\n").split(":")
            if fields[0] == user:
                return int(fields[2]), int(fields[3]), fields[5]
    raise Failure("no user %s in the passwd-file" % user)


def maildir(user):
    return os.path.join(user_entry(user)[2], "Maildir")


_seq = [0]


def deliver(user, data):
    """Deliver a message as an MTA does: write it in tmp/, then rename
    it into new/.  Returns the file name."""
    uid, gid, home = user_entry(user)
    md = os.path.join(home, "Maildir")
    _seq[0] += 1
    now = time.time()
    name = "%d.M%06dP%dQ%d.test" % (int(now), int((now % 1) * 1e6),
                                     os.getpid(), _seq[0])
    tmp = os.path.join(md, "tmp", name)
    with open(tmp, "wb") as f:
        f.write(data)
    os.chown(tmp, uid, gid)
    os.rename(tmp, os.path.join(md, "new", name))
    return name


def maildir_files(user):
    """The message files of a user's INBOX, as {name: contents}."""
    out = {}
    md = maildir(user)
    for sub in ("new", "cur"):
        for n in os.listdir(os.path.join(md, sub)):
            with open(os.path.join(md, sub, n), "rb") as f:
                out[sub + "/" + n] = f.read()
    return out


def master_pid():
    with open(os.path.join(T, "posternd.pid.bg")) as f:
        return int(f.read())


def children(pattern):
    """pids of the daemon's children whose title contains pattern."""
    master = master_pid()
    out = []
    for d in os.listdir("/proc"):
        if not d.isdigit():
            continue
        try:
            with open("/proc/%s/stat" % d) as f:
                stat = f.read()
            with open("/proc/%s/cmdline" % d, "rb") as f:
                cmd = f.read().replace(b"\0", b" ").decode("latin-1")
        except OSError:
            continue
        ppid = int(stat[stat.rindex(")") + 2:].split()[1])
        if ppid == master and pattern in cmd:
            out.append(int(d))
    return out


def one_child(pattern, timeout=10.0):
    """The one child matching pattern, waiting for it to appear."""
    found = []

    def seen():
        found[:] = children(pattern)
        return len(found) == 1
    wait_for(seen, "one process matching %r" % pattern, timeout)
    return found[0]


def ctl(*args):
    """posternctl on the test's daemon; its standard output."""
    cmd = [os.path.join(os.environ["POSTERN_BIN"], "posternctl"), "-s",
           os.path.join(T, "posternd.sock")] + list(args)
    return subprocess.run(cmd, check=True, capture_output=True,
                          text=True).stdout


def connections_now():
    for l in ctl("-t", "show", "stats").splitlines():
        f = l.split("\t")
        if f[0] == "connections_now" and f[1] == "pop3":
            return int(f[2])
    raise Failure("no connections_now in show stats")


def wait_idle(n=0):
    """Wait until the master counts n POP3 connections."""
    wait_for(lambda: connections_now() == n, "%d connections counted" % n)


def log_text():
    with open(os.path.join(T, "log"), "rb") as f:
        return f.read().decode("latin-1")


def b64(data):
    if isinstance(data, str):
        data = data.encode()
    return base64.b64encode(data).decode()


class Client:
    """One POP3 connection; lines are str without their CRLF."""

    def __init__(self, port=None, tls=False, greeting=True,
                 timeout=TIMEOUT):
        if port is None:
            port = PORTS if tls else PORT
        self.sock = socket.create_connection((HOST, port), timeout)
        self.buf = b""
        self.tls = False
        if tls:
            self._wrap()
        self.greeting = None
        if greeting:
            self.greeting = self.line()
            check(self.greeting.startswith("+OK"),
                  "greeting: %r" % self.greeting)

    def _wrap(self):
        check(self.buf == b"", "data after the TLS request: %r" % self.buf)
        self.sock = tls_context().wrap_socket(self.sock,
                                              server_hostname=HOST)
        check_pinned(self.sock)
        self.tls = True

    def send(self, data):
        if isinstance(data, str):
            data = data.encode()
        self.sock.sendall(data)

    def fill(self):
        d = self.sock.recv(65536)
        if not d:
            raise EOFError("connection closed by the server")
        self.buf += d

    def rawline(self):
        """One line as bytes, CRLF included."""
        while b"\r\n" not in self.buf:
            self.fill()
        i = self.buf.index(b"\r\n") + 2
        line, self.buf = self.buf[:i], self.buf[i:]
        return line

    def line(self):
        return self.rawline()[:-2].decode("latin-1")

    def cmd(self, line):
        self.send(line + "\r\n")
        return self.line()

    def expect(self, line, want):
        """Send a command; its one-line answer must be exactly want."""
        got = self.cmd(line)
        expect_eq(got, want, "answer to %r" % line)
        return got

    def expect_prefix(self, line, want):
        got = self.cmd(line)
        check(got.startswith(want),
              "answer to %r: expected %r..., got %r" % (line, want, got))
        return got

    def multi(self):
        """The lines of a multi-line answer after its status line,
        dot-unstuffed, without the terminating dot."""
        out = []
        while True:
            l = self.line()
            if l == ".":
                return out
            if l.startswith("."):
                l = l[1:]
            out.append(l)

    def rawmulti(self):
        """The bytes of a multi-line answer, up to and including
        CRLF.CRLF, exactly as sent."""
        data = b""
        while True:
            l = self.rawline()
            data += l
            if l == b".\r\n":
                return data

    def capa(self):
        expect_eq(self.cmd("CAPA"), "+OK Capability list follows", "CAPA")
        return self.multi()

    def stls(self):
        self.expect("STLS", "+OK Begin TLS negotiation.")
        self._wrap()

    def login(self, user, password):
        self.expect("USER " + user, "+OK")
        self.expect("PASS " + password, "+OK Logged in.")

    def at_eof(self, timeout=TIMEOUT):
        """Whether the server closes the connection (without sending
        more than what is already buffered) within timeout."""
        self.sock.settimeout(timeout)
        try:
            while True:
                d = self.sock.recv(65536)
                if not d:
                    return True
                self.buf += d
        except socket.timeout:
            return False
        except (ConnectionResetError, ssl.SSLError):
            return True

    def close(self):
        try:
            self.sock.close()
        except OSError:
            pass


def login(user="alice", password=None, tls=True):
    """A logged-in client over implicit TLS (or STLS with tls=False)."""
    if password is None:
        password = user + "pw"
    if tls:
        c = Client(tls=True)
    else:
        c = Client()
        c.stls()
    c.login(user, password)
    return c


def wait_for(pred, what, timeout=10.0):
    end = time.time() + timeout
    while time.time() < end:
        if pred():
            return
        time.sleep(0.05)
    raise Failure("timed out waiting for " + what)


def main(fn):
    """Run a test function; print ok, or the failure and exit 1."""
    try:
        fn()
    except Failure as e:
        print("FAIL: %s" % e, file=sys.stderr)
        sys.exit(1)
    print("ok")
