#! /usr/bin/env atf-sh
# Every POP3 command of RFC 1939, 2449, 2595 and 5034 in each state,
# through the real posternd over raw sockets, with the exact answers:
# the greeting, USER/PASS, AUTH PLAIN and LOGIN (initial responses,
# bad base64, cancellation), the transaction commands, commands in the
# wrong state, bad input, pipelining and the login timeout.

. "$(atf_get_srcdir)/postern.subr"

# Three messages for alice: 22, 32 and 30 octets on the wire.
deliver_three()
{
	printf 'Subject: a\n\nbody a\n' > ma
	printf 'Subject: b\nX: y\n\nl1\nl2\nl3\n' > mb
	printf 'Subject: c\n\n.\n..\n.x\nend\n' > mc
	postern_deliver alice ma
	postern_deliver alice mb
	postern_deliver alice mc
}

atf_test_case prelogin cleanup
prelogin_head()
{
	atf_set "descr" "Greeting and every command before login, without TLS"
	atf_set "require.user" "root"
}
prelogin_body()
{
	postern_setup
	postern_start
	cat > c.py <<'PYEOF'
from poptest import *

def run():
    c = Client()
    expect_eq(c.greeting, "+OK postern POP3 server ready.", "greeting")
    c.expect("FOO", "-ERR Unknown command.")
    c.expect("", "-ERR Empty command.")
    c.expect("   ", "-ERR Empty command.")
    # Transaction commands need a login.
    for cmd in ("STAT", "LIST", "LIST 1", "RETR 1", "TOP 1 1", "DELE 1",
                "UIDL", "RSET", "NOOP"):
        c.expect(cmd, "-ERR [AUTH] Not logged in.")
    c.expect("APOP alice 0123456789abcdef0123456789abcdef",
             "-ERR APOP is not supported.")
    # login-type secure: no clear-text password without TLS.
    c.expect("USER", "-ERR Usage: USER name")
    c.expect("USER alice", "-ERR [AUTH] Plaintext authentication "
             "disallowed on non-secure (SSL/TLS) connections.")
    c.expect("PASS alicepw", "-ERR No user name given.")
    c.expect("AUTH PLAIN " + b64("\0alice\0alicepw"),
             "-ERR [AUTH] Plaintext authentication disallowed on "
             "non-secure (SSL/TLS) connections.")
    c.expect("AUTH LOGIN", "-ERR [AUTH] Plaintext authentication "
             "disallowed on non-secure (SSL/TLS) connections.")
    c.expect("AUTH CRAM-MD5", "-ERR Unsupported authentication mechanism.")
    c.expect("AUTH PLAIN x y", "-ERR Usage: AUTH mechanism "
             "[initial-response]")
    # The old AUTH listing offers nothing before TLS.
    c.expect("AUTH", "+OK")
    expect_eq(c.multi(), [], "AUTH listing before TLS")
    # Keywords are case-insensitive.
    c.expect("noop", "-ERR [AUTH] Not logged in.")
    c.expect("quit", "+OK Bye.")
    check(c.at_eof(), "closed after QUIT")

main(run)
PYEOF
	atf_check -o inline:"ok\n" "$T/py" c.py
	postern_check_log
}
prelogin_cleanup()
{
	postern_cleanup
}

atf_test_case user_pass cleanup
user_pass_head()
{
	atf_set "descr" "USER/PASS: right and wrong passwords, unknown" \
	    "users, the failure delay and max-auth-attempts"
	atf_set "require.user" "root"
}
user_pass_body()
{
	postern_setup "failure-delay-max 2s"
	deliver_three
	postern_start
	cat > c.py <<'PYEOF'
import time
from poptest import *

def timed(c, line, want):
    t = time.time()
    c.expect(line, want)
    return time.time() - t

def run():
    c = Client()
    c.stls()
    c.expect("PASS alicepw", "-ERR No user name given.")
    c.expect("USER alice", "+OK")
    c.expect("PASS", "-ERR Usage: PASS password")
    d = timed(c, "PASS wrong", "-ERR [AUTH] Authentication failed.")
    check(d >= 0.9, "failure answered after the delay (%.2fs)" % d)
    # USER must come again after a failed PASS.
    c.expect("PASS alicepw", "-ERR No user name given.")
    c.expect("USER nosuchuser", "+OK")
    d = timed(c, "PASS whatever", "-ERR [AUTH] Authentication failed.")
    check(d >= 0.9, "unknown user answered after the delay (%.2fs)" % d)
    # Two failures so far: the third attempt may still succeed.
    c.expect("USER alice", "+OK")
    c.expect("PASS alicepw", "+OK Logged in.")
    c.expect("STAT", "+OK 3 84")
    c.expect("QUIT", "+OK Logging out.")
    check(c.at_eof(), "closed after QUIT")

    # The third failure on one connection ends it (max-auth-attempts 3).
    c = Client(tls=True)
    for i in range(3):
        c.expect("USER alice", "+OK")
        c.expect("PASS wrong%d" % i, "-ERR [AUTH] Authentication failed.")
    expect_eq(c.line(), "-ERR [AUTH] Too many authentication failures.",
              "after the third failure")
    check(c.at_eof(), "closed after too many failures")

main(run)
PYEOF
	atf_check -o inline:"ok\n" "$T/py" c.py
	atf_check -o match:'auth failed: id=[0-9]+ proto=pop3 addr=127.0.0.1 user="alice" mech=' \
	    cat "$T/log"
	atf_check -o match:'auth failed: .* user="nosuchuser"' cat "$T/log"
	atf_check -s exit:1 grep -q -e "alicepw" -e "wrong0" "$T/log"
	postern_check_log
}
user_pass_cleanup()
{
	postern_cleanup
}

atf_test_case auth_plain cleanup
auth_plain_head()
{
	atf_set "descr" "AUTH PLAIN with and without initial response"
	atf_set "require.user" "root"
}
auth_plain_body()
{
	postern_setup "failure-delay-max 2s"
	deliver_three
	postern_start
	cat > c.py <<'PYEOF'
from poptest import *

def run():
    # With an initial response (RFC 5034).
    c = Client(tls=True)
    c.expect("AUTH", "+OK")
    expect_eq(c.multi(), ["PLAIN", "LOGIN"], "AUTH listing under TLS")
    c.expect("AUTH PLAIN " + b64("\0alice\0alicepw"), "+OK Logged in.")
    c.expect("STAT", "+OK 3 84")
    c.expect("QUIT", "+OK Logging out.")

    # Without: an empty challenge, then the response; the mechanism
    # name is case-insensitive; the authorization identity may be the
    # user itself.
    c = Client()
    c.stls()
    c.expect("auth plain", "+ ")
    c.expect(b64("alice\0alice\0alicepw"), "+OK Logged in.")
    c.expect("STAT", "+OK 3 84")
    c.expect("QUIT", "+OK Logging out.")

    # Failures: wrong password, another authorization identity, an
    # empty initial response ("=").
    c = Client(tls=True)
    c.expect("AUTH PLAIN " + b64("\0alice\0wrong"),
             "-ERR [AUTH] Authentication failed.")
    c.expect("AUTH PLAIN " + b64("bob\0alice\0alicepw"),
             "-ERR [AUTH] Authentication failed.")
    c.close()
    c = Client(tls=True)
    c.expect("AUTH PLAIN =", "-ERR Invalid authentication data.")
    c.expect("AUTH PLAIN", "+ ")
    c.expect("", "-ERR Invalid authentication data.")
    c.close()

main(run)
PYEOF
	atf_check -o inline:"ok\n" "$T/py" c.py
	atf_check -o match:'auth ok: id=[0-9]+ proto=pop3 addr=127.0.0.1 user="alice" mech=PLAIN backend=passwd-file' \
	    cat "$T/log"
	postern_check_log
}
auth_plain_cleanup()
{
	postern_cleanup
}

atf_test_case auth_login cleanup
auth_login_head()
{
	atf_set "descr" "AUTH LOGIN with and without initial response"
	atf_set "require.user" "root"
}
auth_login_body()
{
	postern_setup "failure-delay-max 2s"
	deliver_three
	postern_start
	cat > c.py <<'PYEOF'
from poptest import *

def run():
    c = Client(tls=True)
    c.expect("AUTH LOGIN", "+ " + b64("Username:"))
    c.expect(b64("alice"), "+ " + b64("Password:"))
    c.expect(b64("alicepw"), "+OK Logged in.")
    c.expect("STAT", "+OK 3 84")
    c.expect("QUIT", "+OK Logging out.")

    c = Client()
    c.stls()
    c.expect("AUTH LOGIN " + b64("alice"), "+ " + b64("Password:"))
    c.expect(b64("alicepw"), "+OK Logged in.")
    c.expect("QUIT", "+OK Logging out.")

    c = Client(tls=True)
    c.expect("AUTH LOGIN " + b64("alice"), "+ " + b64("Password:"))
    c.expect(b64("bad"), "-ERR [AUTH] Authentication failed.")
    # The connection goes on after a failure.
    c.expect("AUTH LOGIN " + b64("alice"), "+ " + b64("Password:"))
    c.expect(b64("alicepw"), "+OK Logged in.")
    c.expect("QUIT", "+OK Logging out.")

main(run)
PYEOF
	atf_check -o inline:"ok\n" "$T/py" c.py
	atf_check -o match:'auth ok: .* user="alice" mech=LOGIN' cat "$T/log"
	postern_check_log
}
auth_login_cleanup()
{
	postern_cleanup
}

atf_test_case auth_errors cleanup
auth_errors_head()
{
	atf_set "descr" "AUTH with bad base64, cancelled with *, unknown" \
	    "mechanisms"
	atf_set "require.user" "root"
}
auth_errors_body()
{
	postern_setup "failure-delay-max 2s"
	postern_start
	cat > c.py <<'PYEOF'
from poptest import *

def run():
    c = Client(tls=True)
    # Bad base64 in the initial response: refused by the worker, not
    # a failed login.
    c.expect("AUTH PLAIN !!!!", "-ERR Invalid base64 data in initial "
             "response.")
    c.expect("AUTH PLAIN AGFsaWNl=AGFsaWNlcHc",
             "-ERR Invalid base64 data in initial response.")
    # Cancelled with "*" at each step.
    c.expect("AUTH PLAIN", "+ ")
    c.expect("*", "-ERR Authentication cancelled.")
    c.expect("AUTH LOGIN", "+ " + b64("Username:"))
    c.expect("*", "-ERR Authentication cancelled.")
    c.expect("AUTH LOGIN " + b64("alice"), "+ " + b64("Password:"))
    c.expect("*", "-ERR Authentication cancelled.")
    # Mechanisms postern does not offer.
    c.expect("AUTH CRAM-MD5", "-ERR Unsupported authentication mechanism.")
    c.expect("AUTH X" + "Y" * 100, "-ERR Unsupported authentication "
             "mechanism.")
    c.expect("AUTH PLAIN a b", "-ERR Usage: AUTH mechanism "
             "[initial-response]")
    # None of that counted as a failure: a login still works.
    c.expect("AUTH PLAIN " + b64("\0alice\0alicepw"), "+OK Logged in.")
    c.expect("QUIT", "+OK Logging out.")

    # Bad base64 in a response is a protocol error.
    c = Client(tls=True)
    c.expect("AUTH LOGIN", "+ " + b64("Username:"))
    c.expect("%%%", "-ERR Invalid authentication data.")
    c.expect("AUTH PLAIN", "+ ")
    c.expect("AGFs aWNl", "-ERR Invalid authentication data.")
    c.expect("NOOP", "-ERR [AUTH] Not logged in.")
    c.close()

main(run)
PYEOF
	atf_check -o inline:"ok\n" "$T/py" c.py
	postern_check_log
}
auth_errors_cleanup()
{
	postern_cleanup
}

atf_test_case transaction cleanup
transaction_head()
{
	atf_set "descr" "STAT, LIST, RETR, TOP, UIDL, DELE, RSET, NOOP, QUIT" \
	    "with their exact answers"
	atf_set "require.user" "root"
}
transaction_body()
{
	postern_setup
	deliver_three
	postern_start
	cat > c.py <<'PYEOF'
import re
from poptest import *

def run():
    c = login()
    c.expect("STAT", "+OK 3 84")
    c.expect("LIST", "+OK 3 messages (84 octets)")
    expect_eq(c.multi(), ["1 22", "2 32", "3 30"], "LIST")
    c.expect("LIST 2", "+OK 2 32")
    c.expect("LIST 01", "+OK 1 22")
    c.expect("LIST 4", "-ERR No such message")
    for bad in ("LIST 0", "LIST x", "LIST -1", "LIST +1", "LIST 99999999999"):
        c.expect(bad, "-ERR Invalid message number")
    c.expect("LIST 1 2", "-ERR Too many arguments")
    c.expect("UIDL", "+OK Unique-ID list follows")
    uidls = c.multi()
    expect_eq([u.split(" ")[0] for u in uidls], ["1", "2", "3"], "UIDL")
    ids = [u.split(" ", 1)[1] for u in uidls]
    expect_eq(len(set(ids)), 3, "UIDLs unique")
    for u in ids:
        # RFC 1939: 1 to 70 characters in the range 0x21 to 0x7E.
        check(re.fullmatch(r"[\x21-\x7e]{1,70}", u), "UIDL syntax %r" % u)
    c.expect("UIDL 3", "+OK 3 " + ids[2])
    c.expect("UIDL 4", "-ERR No such message")

    c.expect("RETR 1", "+OK 22 octets")
    expect_eq(c.rawmulti(), b"Subject: a\r\n\r\nbody a\r\n.\r\n", "RETR 1")
    c.expect("RETR 3", "+OK 30 octets")
    expect_eq(c.rawmulti(),
              b"Subject: c\r\n\r\n..\r\n...\r\n..x\r\nend\r\n.\r\n",
              "RETR 3 (dot-stuffed)")
    c.expect("RETR", "-ERR Missing argument")
    c.expect("RETR 1 2", "-ERR Too many arguments")
    c.expect("RETR 9", "-ERR No such message")

    c.expect("TOP 2 0", "+OK Top of message follows")
    expect_eq(c.rawmulti(), b"Subject: b\r\nX: y\r\n\r\n.\r\n", "TOP 2 0")
    c.expect("TOP 2 2", "+OK Top of message follows")
    expect_eq(c.rawmulti(), b"Subject: b\r\nX: y\r\n\r\nl1\r\nl2\r\n.\r\n",
              "TOP 2 2")
    c.expect("TOP 2 99", "+OK Top of message follows")
    expect_eq(c.multi(), ["Subject: b", "X: y", "", "l1", "l2", "l3"],
              "TOP 2 99")
    c.expect("TOP 3 1", "+OK Top of message follows")
    expect_eq(c.rawmulti(), b"Subject: c\r\n\r\n..\r\n.\r\n",
              "TOP 3 1 (dot-stuffed)")
    c.expect("TOP 1", "-ERR Missing argument")
    c.expect("TOP 1 x", "-ERR Invalid number of lines")
    c.expect("TOP 1 -1", "-ERR Invalid number of lines")
    c.expect("TOP 9 1", "-ERR No such message")

    c.expect("DELE 2", "+OK Message 2 deleted")
    c.expect("DELE 2", "-ERR Message 2 already deleted")
    for cmd in ("RETR 2", "TOP 2 1", "LIST 2", "UIDL 2"):
        c.expect(cmd, "-ERR Message 2 already deleted")
    c.expect("STAT", "+OK 2 52")
    c.expect("LIST", "+OK 2 messages (52 octets)")
    expect_eq(c.multi(), ["1 22", "3 30"], "LIST after DELE")
    c.expect("UIDL", "+OK Unique-ID list follows")
    expect_eq(c.multi(), ["1 " + ids[0], "3 " + ids[2]], "UIDL after DELE")
    c.expect("DELE", "-ERR Missing argument")
    c.expect("DELE 4", "-ERR No such message")
    c.expect("RSET", "+OK Maildrop has 3 messages (84 octets)")
    c.expect("STAT", "+OK 3 84")
    c.expect("RSET x", "-ERR Too many arguments")
    c.expect("NOOP", "+OK")
    c.expect("NOOP x", "-ERR Too many arguments")
    c.expect("STAT x", "-ERR Too many arguments")
    c.expect("stat", "+OK 3 84")
    c.expect("QUIT x", "-ERR Too many arguments")
    c.expect("QUIT", "+OK Logging out.")
    check(c.at_eof(), "closed after QUIT")

    # Nothing was deleted (RSET), and the numbering is the same.
    c = login()
    c.expect("STAT", "+OK 3 84")
    c.expect("UIDL", "+OK Unique-ID list follows")
    expect_eq(c.multi(), uidls, "UIDL in the next session")
    c.expect("QUIT", "+OK Logging out.")

main(run)
PYEOF
	atf_check -o inline:"ok\n" "$T/py" c.py
	atf_check -o match:'logout: id=[0-9]+ user="alice" addr=127.0.0.1 proto=pop3 in=[0-9]+ out=[0-9]+ retr=2 dele=0' \
	    cat "$T/log"
	postern_check_log
}
transaction_cleanup()
{
	postern_cleanup
}

atf_test_case wrong_state cleanup
wrong_state_head()
{
	atf_set "descr" "Login commands after login, with exact answers"
	atf_set "require.user" "root"
}
wrong_state_body()
{
	postern_setup
	postern_start
	cat > c.py <<'PYEOF'
from poptest import *

def run():
    c = login()
    for cmd in ("USER alice", "PASS alicepw", "AUTH PLAIN", "AUTH",
                "APOP alice 0123456789abcdef0123456789abcdef", "STLS"):
        c.expect(cmd, "-ERR Already authenticated")
    c.expect("FOO", "-ERR Unknown command")
    c.expect("STAT", "+OK 0 0")
    c.expect("LIST", "+OK 0 messages (0 octets)")
    expect_eq(c.multi(), [], "LIST of an empty maildrop")
    c.expect("LIST 1", "-ERR No such message")
    c.expect("QUIT", "+OK Logging out.")

main(run)
PYEOF
	atf_check -o inline:"ok\n" "$T/py" c.py
	postern_check_log
}
wrong_state_cleanup()
{
	postern_cleanup
}

atf_test_case bad_input cleanup
bad_input_head()
{
	atf_set "descr" "Over-long lines, binary garbage and abrupt ends," \
	    "before and after login"
	atf_set "require.user" "root"
}
bad_input_body()
{
	postern_setup
	deliver_three
	postern_start
	cat > c.py <<'PYEOF'
import socket
from poptest import *

def garbage(c, after_login):
    dot = "" if after_login else "."
    # RFC 2449: commands are at most 255 octets.
    c.expect("NOOP " + "x" * 300, "-ERR Line too long" + dot)
    c.expect("X" * 20000, "-ERR Line too long" + dot)
    c.expect("A" * 200000, "-ERR Line too long" + dot)
    c.send(b"NO\x00OP\r\n")
    expect_eq(c.line(), "-ERR Invalid characters in command" + dot, "NUL")
    c.send(b"\x01\x02\x03\x1b[0m\r\n")
    expect_eq(c.line(), "-ERR Invalid characters in command" + dot,
              "control characters")
    c.send(b"\xff\xfe\xfd\r\n")
    expect_eq(c.line(), "-ERR Unknown command" + dot, "8-bit bytes")
    # A bare LF ends a line too.
    c.send(b"FOO\n")
    expect_eq(c.line(), "-ERR Unknown command" + dot, "LF-terminated")

def run():
    c = Client()
    garbage(c, False)
    c.stls()
    garbage(c, False)
    c.login("alice", "alicepw")
    garbage(c, True)
    c.expect("STAT", "+OK 3 84")
    c.expect("QUIT", "+OK Logging out.")

    # Abrupt ends: half a line, half a TLS handshake, random bytes.
    for data in (b"USER ali", b"\x16\x03\x01\x00\xff\x01",
                 bytes(range(256)) * 64):
        s = socket.create_connection((HOST, PORT), TIMEOUT)
        s.recv(100)
        s.sendall(data)
        s.close()
        s = socket.create_connection((HOST, PORTS), TIMEOUT)
        s.sendall(data)
        s.close()
    c = login()
    c.send(b"STAT\r\nRETR 1\r\nRETR 2")
    c.close()
    # And everything still works.
    c = login(tls=False)
    c.expect("STAT", "+OK 3 84")
    c.expect("QUIT", "+OK Logging out.")

main(run)
PYEOF
	atf_check -o inline:"ok\n" "$T/py" c.py
	atf_check -s exit:1 grep -q "killed by signal" "$T/log"
	postern_check_log
}
bad_input_cleanup()
{
	postern_cleanup
}

atf_test_case pipelining cleanup
pipelining_head()
{
	atf_set "descr" "Several commands in one write, across the login" \
	    "and TLS hand-over"
	atf_set "require.user" "root"
}
pipelining_body()
{
	postern_setup
	POP3_EXTRA="	login-type plaintext-login"
	postern_write_conf
	deliver_three
	postern_start
	cat > c.py <<'PYEOF'
from poptest import *

def session(c, tag):
    c.send("CAPA\r\nUSER alice\r\nPASS alicepw\r\nSTAT\r\nLIST\r\n"
           "RETR 1\r\nDELE 1\r\nUIDL 1\r\nNOOP\r\nRSET\r\nQUIT\r\n")
    expect_eq(c.line(), "+OK Capability list follows", tag + " CAPA")
    check("PIPELINING" in c.multi(), tag + " PIPELINING announced")
    expect_eq(c.line(), "+OK", tag + " USER")
    expect_eq(c.line(), "+OK Logged in.", tag + " PASS")
    expect_eq(c.line(), "+OK 3 84", tag + " STAT")
    expect_eq(c.line(), "+OK 3 messages (84 octets)", tag + " LIST")
    expect_eq(c.multi(), ["1 22", "2 32", "3 30"], tag + " LIST")
    expect_eq(c.line(), "+OK 22 octets", tag + " RETR")
    expect_eq(c.rawmulti(), b"Subject: a\r\n\r\nbody a\r\n.\r\n",
              tag + " RETR")
    expect_eq(c.line(), "+OK Message 1 deleted", tag + " DELE")
    expect_eq(c.line(), "-ERR Message 1 already deleted", tag + " UIDL")
    expect_eq(c.line(), "+OK", tag + " NOOP")
    expect_eq(c.line(), "+OK Maildrop has 3 messages (84 octets)",
              tag + " RSET")
    expect_eq(c.line(), "+OK Logging out.", tag + " QUIT")
    check(c.at_eof(), tag + " closed after QUIT")

def run():
    # In clear text: the worker hands the socket itself over, with
    # what it had read past PASS.
    session(Client(), "plain")
    # Over implicit TLS and after STLS: the worker stays as the relay.
    session(Client(tls=True), "tls")
    c = Client()
    c.stls()
    session(c, "stls")
    # After the login, in the session.
    c = login()
    c.send("STAT\r\nLIST 2\r\nTOP 2 0\r\nNOOP\r\n")
    expect_eq(c.line(), "+OK 3 84", "STAT")
    expect_eq(c.line(), "+OK 2 32", "LIST 2")
    expect_eq(c.line(), "+OK Top of message follows", "TOP")
    expect_eq(c.multi(), ["Subject: b", "X: y", ""], "TOP")
    expect_eq(c.line(), "+OK", "NOOP")
    # Many small commands in one write, more than one buffer of answers.
    c.send("NOOP\r\n" * 5000 + "RETR 3\r\n" * 200)
    for i in range(5000):
        expect_eq(c.line(), "+OK", "NOOP %d" % i)
    for i in range(200):
        expect_eq(c.line(), "+OK 30 octets", "RETR %d" % i)
        c.multi()
    c.expect("QUIT", "+OK Logging out.")

main(run)
PYEOF
	atf_check -o inline:"ok\n" "$T/py" c.py
	postern_check_log
}
pipelining_cleanup()
{
	postern_cleanup
}

atf_test_case login_timeout cleanup
login_timeout_head()
{
	atf_set "descr" "A client that does not log in in time is told so" \
	    "and disconnected"
	atf_set "require.user" "root"
}
login_timeout_body()
{
	postern_setup
	POP3_EXTRA="	login-timeout 2s"
	postern_write_conf
	postern_start
	cat > c.py <<'PYEOF'
import time
from poptest import *

def run():
    t = time.time()
    c = Client()
    c.expect("NOOP", "-ERR [AUTH] Not logged in.")
    expect_eq(c.line(), "-ERR Disconnected for inactivity.", "timeout")
    check(c.at_eof(), "closed after the timeout")
    d = time.time() - t
    check(1.5 < d < 6, "login timeout of 2s took %.1fs" % d)
    c = Client(tls=True)
    expect_eq(c.line(), "-ERR Disconnected for inactivity.", "TLS timeout")
    check(c.at_eof(), "closed after the timeout")

main(run)
PYEOF
	atf_check -o inline:"ok\n" "$T/py" c.py
	postern_check_log
}
login_timeout_cleanup()
{
	postern_cleanup
}

atf_init_test_cases()
{
	atf_add_test_case prelogin
	atf_add_test_case user_pass
	atf_add_test_case auth_plain
	atf_add_test_case auth_login
	atf_add_test_case auth_errors
	atf_add_test_case transaction
	atf_add_test_case wrong_state
	atf_add_test_case bad_input
	atf_add_test_case pipelining
	atf_add_test_case login_timeout
}
