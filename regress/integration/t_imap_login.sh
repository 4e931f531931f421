#! /usr/bin/env atf-sh
# IMAP before login through the real daemon, with python3 imaplib:
# LOGINDISABLED and PRIVACYREQUIRED in the clear under the default
# login-type, STARTTLS, implicit TLS, LOGIN, AUTHENTICATE PLAIN with
# and without SASL-IR, RFC 5530 failure codes, the failure limit, and
# LOGIN in the clear where login-type allows it.

. "$(atf_get_srcdir)/postern.subr"
. "$(atf_get_srcdir)/imap.subr"

atf_test_case starttls cleanup
starttls_head()
{
	atf_set "descr" "LOGINDISABLED in the clear, STARTTLS, then LOGIN"
	atf_set "require.user" "root"
}
starttls_body()
{
	imap_setup
	imap_start
	cat > c.py <<'PYEOF'
import imaplib
from imaptest import *
m = imaplib.IMAP4(HOST, IPORT, timeout=TIMEOUT)
caps = m.capabilities
check("LOGINDISABLED" in caps and "STARTTLS" in caps, caps)
check("AUTH=PLAIN" not in caps and "IMAP4REV2" in caps, caps)
try:
    m.login("alice", "alicepw")
    raise Failure("LOGIN in the clear worked")
except imaplib.IMAP4.error as e:
    check("[PRIVACYREQUIRED]" in str(e), str(e))
m.starttls(ssl_context=tls_context())
caps = m.capabilities
check("LOGINDISABLED" not in caps and "STARTTLS" not in caps, caps)
check("AUTH=PLAIN" in caps and "AUTH=LOGIN" in caps, caps)
typ, data = m.login("alice", "alicepw")
check(typ == "OK" and b"[CAPABILITY IMAP4rev1" in data[0], data)
caps = ok(m.capability())[0].split()
check(b"IDLE" in caps and b"UIDPLUS" in caps and b"MOVE" in caps, caps)
check(b"STARTTLS" not in caps and b"AUTH=PLAIN" not in caps, caps)
expect_eq(ok(m.select("INBOX")), [b"0"], "select")
m.logout()
print("ok")
PYEOF
	atf_check -o inline:"ok\n" "$T/ipy" c.py
	postern_wait_log 'login: id=' 1
	postern_wait_log 'logout: id=' 1
	atf_check -o match:'proto=imap' grep 'logout: id=' "$T/log"
}
starttls_cleanup()
{
	. "$(atf_get_srcdir)/postern.subr"
	postern_cleanup
}

atf_test_case implicit_tls cleanup
implicit_tls_head()
{
	atf_set "descr" "AUTHENTICATE PLAIN over implicit TLS, SASL-IR, failures"
	atf_set "require.user" "root"
}
implicit_tls_body()
{
	imap_setup
	imap_start
	cat > c.py <<'PYEOF'
import base64, imaplib
from imaptest import *
m = imaps()
check("AUTH=PLAIN" in m.capabilities, m.capabilities)
check("STARTTLS" not in m.capabilities, m.capabilities)
try:
    m.authenticate("PLAIN", lambda c: b"\0alice\0wrong")
    raise Failure("a wrong password worked")
except imaplib.IMAP4.error as e:
    check("[AUTHENTICATIONFAILED]" in str(e), str(e))
ok(m.authenticate("PLAIN", lambda c: b"\0alice\0alicepw"), "authenticate")
ok(m.noop())
m.logout()
# SASL-IR (RFC 4959), and a cancelled exchange.
r = Raw()
ir = base64.b64encode(b"\0bob\0bobpw")
r.send(b"a AUTHENTICATE PLAIN\r\n")
expect_eq(r.line(), b"+ \r\n", "challenge")
r.send(b"*\r\n")
expect_eq(r.line(), b"a BAD Authentication cancelled.\r\n", "cancel")
r.send(b"b AUTHENTICATE PLAIN " + ir + b"\r\n")
line = r.line()
check(line.startswith(b"b OK [CAPABILITY IMAP4rev1 "), line)
check(line.endswith(b"] Logged in\r\n"), line)
expect_eq(r.cmd(b"c LOGIN bob bobpw"), [b"c BAD Already authenticated\r\n"])
r.close()
print("ok")
PYEOF
	atf_check -o inline:"ok\n" "$T/ipy" c.py
}
implicit_tls_cleanup()
{
	. "$(atf_get_srcdir)/postern.subr"
	postern_cleanup
}

atf_test_case failures cleanup
failures_head()
{
	atf_set "descr" "Too many failed logins end the connection with BYE"
	atf_set "require.user" "root"
}
failures_body()
{
	imap_setup
	imap_start
	cat > c.py <<'PYEOF'
from imaptest import *
r = Raw()
for t in (b"a", b"b", b"c"):
    out = r.cmd(t + b" LOGIN alice nope")
    expect_eq(out, [t + b" NO [AUTHENTICATIONFAILED] Authentication "
                    b"failed.\r\n"], "failure")
expect_eq(r.f.readline(), b"* BYE Too many invalid authentication "
          b"attempts.\r\n", "bye")
expect_eq(r.f.readline(), b"", "closed")
print("ok")
PYEOF
	atf_check -o inline:"ok\n" "$T/ipy" c.py
}
failures_cleanup()
{
	. "$(atf_get_srcdir)/postern.subr"
	postern_cleanup
}

atf_test_case plaintext_login cleanup
plaintext_login_head()
{
	atf_set "descr" "login-type plaintext-login allows LOGIN in the clear"
	atf_set "require.user" "root"
}
plaintext_login_body()
{
	IMAP_EXTRA="	login-type plaintext-login"
	imap_setup
	imap_start
	cat > c.py <<'PYEOF'
import imaplib
from imaptest import *
m = imaplib.IMAP4(HOST, IPORT, timeout=TIMEOUT)
check("LOGINDISABLED" not in m.capabilities, m.capabilities)
check("AUTH=PLAIN" in m.capabilities, m.capabilities)
ok(m.login("carol", "carolpw"))
ok(m.select("INBOX"))
m.logout()
print("ok")
PYEOF
	atf_check -o inline:"ok\n" "$T/ipy" c.py
}
plaintext_login_cleanup()
{
	. "$(atf_get_srcdir)/postern.subr"
	postern_cleanup
}

atf_test_case id_long_values cleanup
id_long_values_head()
{
	atf_set "descr" "IMAP ID before login with fields and values longer" \
	    "than what their log copies hold, and full of bytes to escape:" \
	    "the worker answers and goes on (under ASan: nothing written" \
	    "past a buffer, as libbsd's strnvis did when it truncated)"
	atf_set "require.user" "root"
}
id_long_values_body()
{
	imap_setup
	imap_start
	cat > c.py <<'PYEOF'
import imaplib
from imaptest import *
for field, value in (("f" * 30, "x" * 300), ("f" * 30, "\\\\" * 200),
                     ("\\\\" * 30, "\x01" * 100)):
    m = imaplib.IMAP4(HOST, IPORT, timeout=TIMEOUT)
    typ, data = m.xatom("ID", '("%s" "%s" "b" "\x7f")' % (field, value))
    check(typ == "OK", (typ, data))
    typ, data = m.noop()
    check(typ == "OK", (typ, data))
    m.logout()
print("ok")
PYEOF
	atf_check -o inline:"ok\n" "$T/ipy" c.py
}
id_long_values_cleanup()
{
	. "$(atf_get_srcdir)/postern.subr"
	postern_cleanup
}

atf_init_test_cases()
{
	atf_add_test_case starttls
	atf_add_test_case implicit_tls
	atf_add_test_case failures
	atf_add_test_case plaintext_login
	atf_add_test_case id_long_values
}
