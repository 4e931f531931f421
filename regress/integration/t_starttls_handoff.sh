#! /usr/bin/env atf-sh
# STARTTLS (IMAP) and STLS (POP3) through the real daemon, where the
# plain port's postern-worker, which maps no TLS code, hands the
# connection to the master and a fresh postern-tlsworker answers the
# command and goes on with it: a login after the switch works and the
# log shows one connection id throughout; login-timeout keeps counting
# from the greeting and max-auth-attempts keeps counting failures across
# the switch; plaintext pipelined after the command is never executed;
# a second STARTTLS is refused; a client that never starts its
# handshake is let go at the handshake timeout.

. "$(atf_get_srcdir)/postern.subr"
. "$(atf_get_srcdir)/imap.subr"

# handoff.py, for the cases: raw line clients of both protocols on the
# plain ports, that can start TLS, and the log lines of a connection.
write_helpers()
{
	cat > handoff.py <<'PYEOF'
import os, re, socket, ssl, time
from imaptest import *

PPORT = int(open(T + "/pop3_port").read())

class Conn:
    """A line client on a plain port that can start TLS."""

    def __init__(self, port):
        self.s = socket.create_connection((HOST, port), TIMEOUT)
        self.port = self.s.getsockname()[1]
        self.buf = b""
        self.greeting = self.line()
        self.greeted = time.monotonic()

    def line(self):
        while b"\r\n" not in self.buf:
            d = self.s.recv(65536)
            if not d:
                raise Failure("closed by the server after %r" % self.buf)
            self.buf += d
        i = self.buf.index(b"\r\n") + 2
        line, self.buf = self.buf[:i], self.buf[i:]
        return line

    def send(self, data):
        self.s.sendall(data)

    def cmd(self, line):
        self.send(line + b"\r\n")
        return self.line()

    def starttls(self):
        check(self.buf == b"", "data before the handshake: %r" % self.buf)
        self.s = tls_context().wrap_socket(self.s, server_hostname=HOST)

    def eof_after(self, limit):
        """Seconds from now until the server closes (reading what it
        still sends into buf), or a Failure after limit seconds."""
        start = time.monotonic()
        self.s.settimeout(limit)
        try:
            while True:
                d = self.s.recv(65536)
                if not d:
                    break
                self.buf += d
        except socket.timeout:
            raise Failure("still open after %ds" % limit)
        except (ConnectionResetError, ssl.SSLError):
            pass
        return time.monotonic() - start

    def close(self):
        try:
            self.s.close()
        except OSError:
            pass

def imap(tag=b"s"):
    """An IMAP connection after STARTTLS."""
    c = Conn(IPORT)
    check(c.greeting.startswith(b"* OK [CAPABILITY ") and
          b" STARTTLS" in c.greeting, c.greeting)
    expect_eq(c.cmd(tag + b" STARTTLS"),
              tag + b" OK Begin TLS negotiation now.\r\n", "STARTTLS")
    c.starttls()
    return c

def pop3():
    """A POP3 connection after STLS."""
    c = Conn(PPORT)
    check(c.greeting.startswith(b"+OK"), c.greeting)
    expect_eq(c.cmd(b"STLS"), b"+OK Begin TLS negotiation.\r\n", "STLS")
    c.starttls()
    return c

def log():
    with open(T + "/log", "rb") as f:
        return f.read().decode("latin-1")

def wait_log(pattern, what):
    """The first match of pattern in the log, waiting for it."""
    found = []
    def seen():
        m = re.search(pattern, log(), re.M)
        if m:
            found.append(m)
        return m is not None
    wait_for(seen, what)
    return found[0]

def conn_id(c):
    """The master's id of a client's connection, from its connect line."""
    m = wait_log(r"connect: id=(\d+) proto=\w+ addr=127\.0\.0\.1 port=%d "
                 % c.port, "the connect line")
    return m.group(1)

def wait_for(pred, what, timeout=15.0):
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if pred():
            return
        time.sleep(0.05)
    raise Failure("timed out waiting for " + what)
PYEOF
}

atf_test_case login cleanup
login_head()
{
	atf_set "descr" "A login after STARTTLS and after STLS works, under" \
	    "the connection id it was accepted with"
	atf_set "require.user" "root"
}
login_body()
{
	imap_setup
	imap_start
	write_helpers
	cat > c.py <<'PYEOF'
from handoff import *

def one_id(c, proto, user, logout):
    cid = conn_id(c)
    wait_log(r"^.*disconnect: id=%s proto=%s addr=127\.0\.0\.1 "
             r"user=\"%s\" tls=TLSv1\.[23] cipher=\S+ " % (cid, proto, user),
             "the disconnect line")
    lines = [l for l in log().splitlines() if "id=%s " % cid in l or
             "id=%s:" % cid in l]
    for what in (r"connect: id=%s proto=%s " % (cid, proto),
                 r"tls: id=%s addr=127\.0\.0\.1 version=TLSv1\.[23] " % cid,
                 r"login: id=%s proto=%s addr=127\.0\.0\.1 user=\"%s\" "
                 r"mech=PLAIN tls=TLSv1\.[23] cipher=" % (cid, proto, user),
                 r"%s: id=%s " % (logout, cid)):
        check([l for l in lines if re.search(what, l)],
              "no %r in %r" % (what, lines))
    # No other connection was opened for it.
    expect_eq(len(re.findall(r"connect: id=\d+ proto=%s addr=127\.0\.0\.1 "
                             r"port=%d " % (proto, c.port), log())), 1,
              "connect lines")

c = imap(b"a1")
r = c.cmd(b"b CAPABILITY")
check(r.startswith(b"* CAPABILITY ") and b"STARTTLS" not in r and
      b"LOGINDISABLED" not in r and b"AUTH=PLAIN" in r, r)
expect_eq(c.line(), b"b OK Capability completed.\r\n", "CAPABILITY")
check(c.cmd(b"c LOGIN alice alicepw").startswith(b"c OK "), "login")
check(c.cmd(b"d SELECT INBOX").startswith(b"* "), "select")
while not c.line().startswith(b"d OK "):
    pass
check(c.cmd(b"e LOGOUT").startswith(b"* BYE"), "logout")
c.close()
one_id(c, "imap", "alice", "logout")

c = pop3()
capa = c.cmd(b"CAPA")
expect_eq(capa, b"+OK Capability list follows\r\n", "CAPA")
caps = []
while True:
    l = c.line()
    if l == b".\r\n":
        break
    caps.append(l)
check(b"STLS\r\n" not in caps and b"USER\r\n" in caps, caps)
expect_eq(c.cmd(b"USER bob"), b"+OK\r\n", "USER")
expect_eq(c.cmd(b"PASS bobpw"), b"+OK Logged in.\r\n", "PASS")
expect_eq(c.cmd(b"STAT"), b"+OK 0 0\r\n", "STAT")
expect_eq(c.cmd(b"QUIT"), b"+OK Logging out.\r\n", "QUIT")
c.close()
one_id(c, "pop3", "bob", "logout")
print("ok")
PYEOF
	atf_check -o inline:"ok\n" "$T/ipy" c.py
	postern_check_log
}
login_cleanup()
{
	. "$(atf_get_srcdir)/postern.subr"
	postern_cleanup
}

atf_test_case login_timeout cleanup
login_timeout_head()
{
	atf_set "descr" "login-timeout counts from the greeting across" \
	    "STARTTLS and STLS"
	atf_set "require.user" "root"
}
login_timeout_body()
{
	imap_setup "login-timeout 4s"
	imap_start
	write_helpers
	cat > c.py <<'PYEOF'
from handoff import *

def late(c, bye):
    """STARTTLS 3 s into a 4 s login-timeout: the TLS side says goodbye
    about 1 s later, not 4."""
    t = c.greeted
    expect_eq(c.line(), bye, "goodbye")
    c.eof_after(5)
    took = time.monotonic() - t
    check(3.8 <= took <= 5.5, "closed %.1fs after the greeting" % took)

ci = Conn(IPORT)
cp = Conn(PPORT)
time.sleep(3)
expect_eq(ci.cmd(b"s STARTTLS"), b"s OK Begin TLS negotiation now.\r\n",
          "STARTTLS")
ci.starttls()
expect_eq(cp.cmd(b"STLS"), b"+OK Begin TLS negotiation.\r\n", "STLS")
cp.starttls()
late(ci, b"* BYE Autologout; idle for too long\r\n")
late(cp, b"-ERR Disconnected for inactivity.\r\n")
print("ok")
PYEOF
	atf_check -o inline:"ok\n" "$T/ipy" c.py
	postern_check_log
}
login_timeout_cleanup()
{
	. "$(atf_get_srcdir)/postern.subr"
	postern_cleanup
}

atf_test_case auth_attempts cleanup
auth_attempts_head()
{
	atf_set "descr" "max-auth-attempts counts the failures before and" \
	    "after STARTTLS and STLS together"
	atf_set "require.user" "root"
}
auth_attempts_body()
{
	imap_setup "login-type plaintext-login" "max-auth-attempts 3" \
	    "failure-delay 0"
	imap_start
	write_helpers
	cat > c.py <<'PYEOF'
from handoff import *

NO = b" NO [AUTHENTICATIONFAILED] Authentication failed.\r\n"
c = Conn(IPORT)
for t in (b"a", b"b"):
    expect_eq(c.cmd(t + b" LOGIN alice wrong"), t + NO, "in the clear")
expect_eq(c.cmd(b"s STARTTLS"), b"s OK Begin TLS negotiation now.\r\n",
          "STARTTLS")
c.starttls()
expect_eq(c.cmd(b"c LOGIN alice wrong"), b"c" + NO, "under TLS")
expect_eq(c.line(), b"* BYE Too many invalid authentication attempts.\r\n",
          "the third failure ends it")
c.eof_after(5)

FAIL = b"-ERR [AUTH] Authentication failed.\r\n"
c = Conn(PPORT)
expect_eq(c.cmd(b"USER bob"), b"+OK\r\n", "USER")
expect_eq(c.cmd(b"PASS wrong"), FAIL, "in the clear")
expect_eq(c.cmd(b"STLS"), b"+OK Begin TLS negotiation.\r\n", "STLS")
c.starttls()
for i in range(2):
    expect_eq(c.cmd(b"USER bob"), b"+OK\r\n", "USER")
    expect_eq(c.cmd(b"PASS wrong"), FAIL, "under TLS")
expect_eq(c.line(), b"-ERR [AUTH] Too many authentication failures.\r\n",
          "the third failure ends it")
c.eof_after(5)

# Failures before the switch do not stop a good login after it.
c = Conn(IPORT)
expect_eq(c.cmd(b"a LOGIN carol wrong"), b"a" + NO, "in the clear")
expect_eq(c.cmd(b"s STARTTLS"), b"s OK Begin TLS negotiation now.\r\n",
          "STARTTLS")
c.starttls()
check(c.cmd(b"b LOGIN carol carolpw").startswith(b"b OK "), "login")
c.close()
print("ok")
PYEOF
	atf_check -o inline:"ok\n" "$T/ipy" c.py
	postern_check_log
}
auth_attempts_cleanup()
{
	. "$(atf_get_srcdir)/postern.subr"
	postern_cleanup
}

atf_test_case pipelined cleanup
pipelined_head()
{
	atf_set "descr" "Plaintext sent with STARTTLS or STLS in the same" \
	    "packet is never executed, in the clear or under TLS"
	atf_set "require.user" "root"
}
pipelined_body()
{
	imap_setup "login-type plaintext-login"
	imap_start
	write_helpers
	cat > c.py <<'PYEOF'
from handoff import *

c = Conn(IPORT)
c.send(b"s STARTTLS\r\nx LOGIN alice alicepw\r\ny LOGOUT\r\n")
expect_eq(c.line(), b"s OK Begin TLS negotiation now.\r\n", "STARTTLS")
c.starttls()
# The first answer under TLS is to the first command sent under TLS.
expect_eq(c.cmd(b"n NOOP"), b"n OK NOOP completed.\r\n", "NOOP")
r = c.cmd(b"c CAPABILITY")
check(r.startswith(b"* CAPABILITY "), r)
expect_eq(c.line(), b"c OK Capability completed.\r\n", "not logged in")
c.close()

c = Conn(PPORT)
c.send(b"STLS\r\nUSER alice\r\nPASS alicepw\r\n")
expect_eq(c.line(), b"+OK Begin TLS negotiation.\r\n", "STLS")
c.starttls()
expect_eq(c.cmd(b"PASS alicepw"), b"-ERR No user name given.\r\n",
          "the USER before was dropped")
expect_eq(c.cmd(b"NOOP"), b"-ERR [AUTH] Not logged in.\r\n", "NOOP")
c.close()
check(not re.search(r'login: .*user="alice"', log()), "alice logged in")
print("ok")
PYEOF
	atf_check -o inline:"ok\n" "$T/ipy" c.py
	postern_check_log
}
pipelined_cleanup()
{
	. "$(atf_get_srcdir)/postern.subr"
	postern_cleanup
}

atf_test_case twice cleanup
twice_head()
{
	atf_set "descr" "A second STARTTLS or STLS is refused, and the" \
	    "connection goes on under TLS"
	atf_set "require.user" "root"
}
twice_body()
{
	imap_setup
	imap_start
	write_helpers
	cat > c.py <<'PYEOF'
from handoff import *

c = imap()
expect_eq(c.cmd(b"t STARTTLS"), b"t BAD TLS is already active.\r\n",
          "second STARTTLS")
check(c.cmd(b"l LOGIN alice alicepw").startswith(b"l OK "), "login")
c.close()

c = pop3()
expect_eq(c.cmd(b"STLS"), b"-ERR TLS is already active.\r\n", "second STLS")
expect_eq(c.cmd(b"USER alice"), b"+OK\r\n", "USER")
expect_eq(c.cmd(b"PASS alicepw"), b"+OK Logged in.\r\n", "PASS")
c.close()
print("ok")
PYEOF
	atf_check -o inline:"ok\n" "$T/ipy" c.py
	postern_check_log
}
twice_cleanup()
{
	. "$(atf_get_srcdir)/postern.subr"
	postern_cleanup
}

atf_test_case no_handshake cleanup
no_handshake_head()
{
	atf_set "descr" "A client that asks for STARTTLS or STLS and then" \
	    "never starts the handshake is closed at the handshake timeout"
	atf_set "require.user" "root"
	atf_set "timeout" "200"
}
no_handshake_body()
{
	imap_setup
	imap_start
	write_helpers
	cat > c.py <<'PYEOF'
from handoff import *

ci = Conn(IPORT)
expect_eq(ci.cmd(b"s STARTTLS"), b"s OK Begin TLS negotiation now.\r\n",
          "STARTTLS")
cp = Conn(PPORT)
expect_eq(cp.cmd(b"STLS"), b"+OK Begin TLS negotiation.\r\n", "STLS")
t = time.monotonic()
for c in (ci, cp):
    c.eof_after(90)
    took = time.monotonic() - t
    check(55 <= took <= 75, "closed after %.1fs" % took)
    expect_eq(c.buf, b"", "sent in the clear")
wait_log(r"TLS handshake timed out[\s\S]*TLS handshake timed out",
         "two timeouts logged")
print("ok")
PYEOF
	atf_check -o inline:"ok\n" "$T/ipy" c.py
	postern_check_log
}
no_handshake_cleanup()
{
	. "$(atf_get_srcdir)/postern.subr"
	postern_cleanup
}

atf_test_case no_tls_mapped cleanup
no_tls_mapped_head()
{
	atf_set "descr" "A plain port's pre-login worker has no TLS library" \
	    "mapped; the TLS worker that takes over after STARTTLS has"
	atf_set "require.user" "root"
}
no_tls_mapped_body()
{
	imap_setup
	imap_start
	write_helpers
	cat > c.py <<'PYEOF'
from handoff import *
from poptest import children, one_child

def libs(pid):
    with open("/proc/%d/maps" % pid) as f:
        return set(os.path.basename(l.split()[-1]) for l in f
                   if len(l.split()) >= 6)

def tls_libs(pid):
    return sorted(l for l in libs(pid) if l.startswith("libssl") or
                  l.startswith("libcrypto"))

ci = Conn(IPORT)
cp = Conn(PPORT)
for proto in ("imap", "pop3"):
    pid = one_child("postern-worker: %s pre-login" % proto)
    expect_eq(tls_libs(pid), [], "TLS libraries of the %s worker" % proto)
    check([l for l in libs(pid) if l.startswith("libc.")], "libc seen")
expect_eq(ci.cmd(b"s STARTTLS"), b"s OK Begin TLS negotiation now.\r\n",
          "STARTTLS")
ci.starttls()
pid = one_child("postern-tlsworker: imap pre-login")
check(tls_libs(pid), "no TLS library in the TLS worker")
check(not children("postern-worker: imap"), "the plain worker stayed")
ci.close()
cp.close()
print("ok")
PYEOF
	atf_check -o inline:"ok\n" env PORT="$POP3_PORT" PORTS="$POP3S_PORT" \
	    "$T/ipy" c.py
	postern_check_log
}
no_tls_mapped_cleanup()
{
	. "$(atf_get_srcdir)/postern.subr"
	postern_cleanup
}

atf_init_test_cases()
{
	atf_add_test_case login
	atf_add_test_case login_timeout
	atf_add_test_case auth_attempts
	atf_add_test_case pipelined
	atf_add_test_case twice
	atf_add_test_case no_handshake
	atf_add_test_case no_tls_mapped
}
