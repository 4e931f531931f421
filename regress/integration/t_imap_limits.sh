#! /usr/bin/env atf-sh
# IMAP limits through the real daemon, before and after login: a line
# over the limit, literals over theirs (BAD / NO [TOOBIG], with and
# without LITERAL+), a command over its total size, too many
# arguments, nesting too deep; each refused with a clear response and
# the session going on, except a non-synchronizing APPEND too large to
# read and drop (BYE).  Then the login timeout, which counts from the
# connection whatever the client sends, and a logged-in session that
# still answers after a wait longer than it (the 30-minute autologout
# itself is checked as a configuration floor).

. "$(atf_get_srcdir)/postern.subr"
. "$(atf_get_srcdir)/imap.subr"

atf_test_case session_limits cleanup
session_limits_head()
{
	atf_set "descr" "Lines, literals, arguments and nesting over the limits"
	atf_set "require.user" "root"
}
session_limits_body()
{
	imap_start_one
	cat > c.py <<'PYEOF'
from imaptest import *

r = Raw("alice")
r.cmd(b"s SELECT INBOX")


def refused(name, data, want):
    r.send(data)
    expect_eq(r.line(), want, name)
    # The session goes on.
    expect_eq(r.cmd(b"n NOOP"), [b"n OK NOOP completed.\r\n"],
              name + ": NOOP after")


refused("line", b"a1 NOOP " + b"x" * 70000 + b"\r\n",
        b"* BAD [TOOBIG] Line too long\r\n")
refused("line of FETCH", b"a2 FETCH 1 (BODY[HEADER.FIELDS (" +
        b"X-Long " * 10000 + b")])\r\n", b"* BAD [TOOBIG] Line too long\r\n")
refused("literal", b"a3 SELECT {100000}\r\n",
        b"a3 BAD [TOOBIG] Literal too large\r\n")
refused("literal+", b"a4 SELECT {100000+}\r\n" + b"x" * 100000 + b"\r\n",
        b"a4 BAD [TOOBIG] Literal too large\r\n")
refused("command", b"a5 SEARCH" + b"".join(
    b" TEXT {60000+}\r\n" + b"y" * 60000 for i in range(5)) + b"\r\n",
    b"a5 BAD [TOOBIG] Literal too large\r\n")
refused("APPEND", b"a6 APPEND INBOX {70000000}\r\n",
        b"a6 NO [TOOBIG] Message too large (limit 67108864 octets)\r\n")
refused("arguments", b"a7 FETCH 1 (BODY[HEADER.FIELDS (" +
        b"A " * 12000 + b")])\r\n",
        b"a7 BAD Too many arguments (limit 10000)\r\n")
refused("sequence set", b"a8 FETCH " + b",".join(
    b"%d" % i for i in range(1, 12000)) + b" FLAGS\r\n",
    b"a8 BAD Too many ranges in sequence set\r\n")
refused("parentheses", b"a9 SEARCH " + b"(" * 40 + b"ALL" + b")" * 40 +
        b"\r\n", b"a9 BAD Parentheses nested too deeply (limit 32)\r\n")
refused("NOT", b"b1 SEARCH " + b"NOT " * 100 + b"ALL\r\n",
        b"b1 BAD Search keys nested too deeply (limit 64)\r\n")
refused("OR", b"b2 SEARCH " + b"OR ALL " * 100 + b"ALL\r\n",
        b"b2 BAD Search keys nested too deeply (limit 64)\r\n")
refused("flags", b"b3 STORE 1 +FLAGS (" + b"(" * 40 + b"\\Seen" +
        b")" * 40 + b")\r\n", b"b3 BAD Invalid characters in atom\r\n")

# Just under the limits is fine.
out = r.cmd(b"c1 SEARCH " + b"(" * 30 + b"ALL" + b")" * 30)
expect_eq(out, [b"* SEARCH 1\r\n", b"c1 OK SEARCH completed.\r\n"],
          "30 parentheses")
big = b"z" * 65000
out = r.cmd(b"c2 SEARCH TEXT {%d+}\r\n" % len(big) + big)
expect_eq(out, [b"* SEARCH\r\n", b"c2 OK SEARCH completed.\r\n"],
          "a literal under the limit")

# A non-synchronizing APPEND larger than the server will read and drop
# ends the connection with a reason.
r.send(b"d1 APPEND INBOX {70000000+}\r\n")
expect_eq(r.line(), b"* BYE [TOOBIG] Message too large (limit 67108864 "
          b"octets)\r\n", "BYE")
expect_eq(r.f.readline(), b"", "closed")
r.close()

# The mailbox is as it was.
m = imaps("alice")
expect_eq(ok(m.select("INBOX")), [b"1"], "messages")
m.logout()
print("ok")
PYEOF
	atf_check -o inline:"ok\n" "$T/ipy" c.py
}
session_limits_cleanup()
{
	. "$(atf_get_srcdir)/postern.subr"
	postern_cleanup
}

atf_test_case prelogin_limits cleanup
prelogin_limits_head()
{
	atf_set "descr" "Line and literal limits before login"
	atf_set "require.user" "root"
}
prelogin_limits_body()
{
	imap_setup
	imap_start
	cat > c.py <<'PYEOF'
from imaptest import *

r = Raw()
r.send(b"a LOGIN {100000}\r\n")
expect_eq(r.line(), b"a BAD [TOOBIG] Literal too large\r\n", "literal")
r.send(b"b NOOP " + b"x" * 70000 + b"\r\n")
expect_eq(r.line(), b"* BAD [TOOBIG] Line too long\r\n", "line")
r.send(b"c LOGIN alice " + b"(" * 100 + b"\r\n")
check(r.line().startswith(b"c BAD "), "nesting")
r.send(b"d AUTHENTICATE PLAIN\r\n")
expect_eq(r.line(), b"+ \r\n", "challenge")
r.send(b"A" * 70000 + b"\r\n")
line = r.line()
check(line.startswith(b"d BAD ") or line.startswith(b"d NO "), line)
out = r.cmd(b"e LOGIN alice alicepw")
check(out[-1].startswith(b"e OK "), out)
expect_eq(r.cmd(b"f NOOP"), [b"f OK NOOP completed.\r\n"], "logged in")
r.close()
print("ok")
PYEOF
	atf_check -o inline:"ok\n" "$T/ipy" c.py
}
prelogin_limits_cleanup()
{
	. "$(atf_get_srcdir)/postern.subr"
	postern_cleanup
}

atf_test_case timeouts cleanup
timeouts_head()
{
	atf_set "descr" "login-timeout counts from the connection only"
	atf_set "require.user" "root"
}
timeouts_body()
{
	IMAP_EXTRA="	login-timeout 2s"
	imap_setup
	imap_start
	cat > c.py <<'PYEOF'
import time
from imaptest import *

# Silent: BYE after about two seconds.
r = Raw()
t0 = time.time()
line = r.f.readline()
took = time.time() - t0
check(line.startswith(b"* BYE "), line)
check(1.5 < took < 6, "BYE after %.1f s" % took)
expect_eq(r.f.readline(), b"", "closed")
r.close()

# Busy but not logged in: the same.
r = Raw()
t0 = time.time()
out = []
while time.time() - t0 < 8:
    try:
        r.send(b"n NOOP\r\n")
        line = r.f.readline()
    except OSError:
        break
    if not line:
        break
    out.append(line)
    if line.startswith(b"* BYE"):
        break
    time.sleep(0.3)
took = time.time() - t0
check(out and out[-1].startswith(b"* BYE "), out[-3:])
check(took < 6, "NOOPs kept the login open for %.1f s" % took)
r.close()

# Logged in within the time: the session outlives it, idle or in IDLE.
r = Raw("alice")
r.cmd(b"s SELECT INBOX")
time.sleep(3)
expect_eq(r.cmd(b"a NOOP"), [b"a OK NOOP completed.\r\n"], "after a wait")
r.send(b"i IDLE\r\n")
expect_eq(r.line(), b"+ idling\r\n", "idle")
time.sleep(3)
r.send(b"DONE\r\n")
expect_eq(r.line(), b"i OK IDLE terminated.\r\n", "after IDLE")
expect_eq(r.cmd(b"b NOOP"), [b"b OK NOOP completed.\r\n"], "after IDLE")
r.close()
print("ok")
PYEOF
	atf_check -o inline:"ok\n" "$T/ipy" c.py

	# The autologout cannot be set below the RFC 3501 30 minutes.
	for t in 29m 1m; do
		sed "s/login-timeout 2s/idle-timeout $t/" "$T/postern.conf" \
		    > short.conf
		atf_check -s not-exit:0 -o ignore -e match:"idle-timeout $t" \
		    "$POSTERN_BIN/posternd" -n -f short.conf
	done
	sed "s/login-timeout 2s/idle-timeout 30m/" "$T/postern.conf" > ok.conf
	atf_check -o match:"idle-timeout 30m" -e ignore \
	    "$POSTERN_BIN/posternd" -n -f ok.conf
}
timeouts_cleanup()
{
	. "$(atf_get_srcdir)/postern.subr"
	postern_cleanup
}

atf_init_test_cases()
{
	atf_add_test_case session_limits
	atf_add_test_case prelogin_limits
	atf_add_test_case timeouts
}
