#! /usr/bin/env atf-sh
# Every way to log in to IMAP (the LOGIN command, AUTHENTICATE PLAIN
# with and without SASL-IR, AUTHENTICATE LOGIN, AUTHENTICATE GSSAPI
# against the test's own KDC) in the clear, after STARTTLS and over
# implicit TLS, under each login-type set in the imap block: the
# greeting and CAPABILITY must list exactly what is allowed
# (STARTTLS, LOGINDISABLED, AUTH=...), and each attempt must end as
# the login-type says, with the RFC 5530 code.  Then the SASL errors
# (cancellation, bad base64, empty and over-long responses, foreign
# authorization identities) and the GSSAPI refusals, over IMAP.

. "$(atf_get_srcdir)/auth.subr"

# mechs_run LOGIN-TYPE OTHER: LOGIN-TYPE in the imap block, OTHER as the
# global one, which POP3 must go on following.
mechs_run()
{
	auth_imap_setup
	auth_krb_setup
	IMAP_EXTRA="	login-type $1"
	auth_write_conf "login-type $2" "failure-delay 0" \
	    "gssapi-keytab \"$T/krb/server.keytab\""
	auth_start
	cat > c.py <<'PYEOF'
import os, sys
sys.path.insert(0, os.environ["T"])
from authlib import *
ltype, other = sys.argv[1], sys.argv[2]
BASE = "IMAP4rev1 IMAP4rev2 SASL-IR ID ENABLE IDLE LITERAL-".split()


def allowed(transport, lt=ltype):
    secured = transport != "clear"
    return secured or lt == "plaintext-login", secured or lt != "secure"


def want_caps(transport):
    command_ok, sasl_ok = allowed(transport)
    return (BASE + (["STARTTLS"] if transport == "clear" else []) +
            ([] if command_ok else ["LOGINDISABLED"]) + ["AUTH=GSSAPI"] +
            (["AUTH=PLAIN", "AUTH=LOGIN"] if sasl_ok else []))


# The global login-type still rules POP3.
p = Pop()
command_ok, sasl_ok = allowed("clear", other)
eq("USER" in p.capa(), command_ok, "POP3 USER under global %s" % other)
eq(p.sasl_line(), "SASL GSSAPI PLAIN LOGIN" if sasl_ok else "SASL GSSAPI",
   "POP3 SASL under global %s" % other)
p.quit()

for transport in ("clear", "starttls", "tls"):
    command_ok, sasl_ok = allowed(transport)
    where = "%s, %s" % (ltype, transport)

    def conn():
        m = Imap(tls=transport == "tls")
        if transport == "starttls":
            eq(m.greeting_caps, want_caps("clear"), "greeting (%s)" % where)
            eq(m.caps(), want_caps("clear"), "CAPABILITY before STARTTLS")
            m.starttls()
        return m

    m = conn()
    if transport != "starttls":
        eq(m.greeting_caps, want_caps(transport), "greeting (%s)" % where)
    eq(m.caps(), want_caps(transport), "CAPABILITY (%s)" % where)
    if transport != "clear":
        eq(m.cmd("STARTTLS"), "BAD TLS is already active.",
           "STARTTLS again (%s)" % where)
    m.logout()

    good = (
        ("LOGIN", command_ok,
         lambda m: m.command_login("alice", "alicepw")),
        ("PLAIN with SASL-IR", sasl_ok,
         lambda m: m.plain("alice", "alicepw")),
        ("PLAIN", sasl_ok, lambda m: m.plain("alice", "alicepw", ir=False)),
        ("PLAIN with authzid", sasl_ok,
         lambda m: m.plain("alice", "alicepw", authzid="alice")),
        ("AUTHENTICATE LOGIN", sasl_ok, lambda m: m.login("alice",
                                                          "alicepw")),
        ("GSSAPI", True, lambda m: m.gssapi("alice")),
        ("GSSAPI with SASL-IR", True, lambda m: m.gssapi("alice", ir=True)),
    )
    for what, ok, fn in good:
        m = conn()
        r = fn(m)
        what = "%s (%s)" % (what, where)
        if not ok:
            eq(r, IMAP_CLEAR, what)
            m.logout()
            continue
        imap_ok(r, what)
        # The session's capabilities: nothing of the login any more.
        caps = r[len("OK [CAPABILITY "):].split("]")[0].split()
        for c in caps:
            check(not c.startswith("AUTH=") and c not in
                  ("LOGINDISABLED", "STARTTLS"), "%s after %s" % (c, what))
        untagged, r = m.cmd_all("SELECT INBOX")
        check(r.startswith("OK [READ-WRITE]"), "SELECT after %s: %r" %
              (what, r))
        check("* 0 EXISTS" in untagged, "EXISTS after %s: %r" %
              (what, untagged))
        m.logout()

    bad = (
        ("LOGIN", command_ok, lambda m: m.command_login("alice", "nope")),
        ("PLAIN with SASL-IR", sasl_ok, lambda m: m.plain("alice", "nope")),
        ("PLAIN", sasl_ok, lambda m: m.plain("nosuch", "nope", ir=False)),
        ("AUTHENTICATE LOGIN", sasl_ok, lambda m: m.login("alice", "nope")),
        ("GSSAPI, unknown user", True, lambda m: m.gssapi("stranger")),
    )
    for what, ok, fn in bad:
        m = conn()
        eq(fn(m), IMAP_FAILED if ok else IMAP_CLEAR,
           "failing %s (%s)" % (what, where))
        m.logout()

wait_log('proto=imap addr=127.0.0.1 user="alice" mech=GSSAPI '
         'backend=passwd-file', 6)
wait_log('proto=imap addr=127.0.0.1 user="stranger" mech=GSSAPI '
         'reason="unknown user"', 3)
PYEOF
	atf_check "$T/apy" c.py "$1" "$2"
	postern_check_log
}

atf_test_case secure cleanup
secure_head()
{
	atf_set "descr" "imap login-type secure: passwords only inside TLS," \
	    "GSSAPI everywhere, LOGINDISABLED in the clear"
	auth_head $AUTH_KRB_PROGS
}
secure_body()
{
	mechs_run secure plaintext-login
}
secure_cleanup()
{
	. "$(atf_get_srcdir)/auth.subr"
	auth_cleanup
}

atf_test_case plaintext_auth cleanup
plaintext_auth_head()
{
	atf_set "descr" "imap login-type plaintext-auth: AUTHENTICATE PLAIN" \
	    "and LOGIN in the clear too, the LOGIN command only inside TLS"
	auth_head $AUTH_KRB_PROGS
}
plaintext_auth_body()
{
	mechs_run plaintext-auth secure
}
plaintext_auth_cleanup()
{
	. "$(atf_get_srcdir)/auth.subr"
	auth_cleanup
}

atf_test_case plaintext_login cleanup
plaintext_login_head()
{
	atf_set "descr" "imap login-type plaintext-login: everything in the" \
	    "clear"
	auth_head $AUTH_KRB_PROGS
}
plaintext_login_body()
{
	mechs_run plaintext-login plaintext-auth
}
plaintext_login_cleanup()
{
	. "$(atf_get_srcdir)/auth.subr"
	auth_cleanup
}

atf_test_case sasl_errors cleanup
sasl_errors_head()
{
	atf_set "descr" "AUTHENTICATE: cancellation, bad base64, empty and" \
	    "over-long responses, authorization identities, unknown" \
	    "mechanisms"
	auth_head
}
sasl_errors_body()
{
	auth_imap_setup
	auth_write_conf "failure-delay 0" "max-auth-attempts 100"
	auth_start
	cat > c.py <<'PYEOF'
import os, sys
sys.path.insert(0, os.environ["T"])
from authlib import *
INVALID = "BAD Invalid authentication data."
CANCEL = "BAD Authentication cancelled."
m = Imap(tls=True)
# Cancelled at each step, "*" being the whole line (RFC 9051 6.2.2).
sasl_cancels(m, CANCEL)
# Malformed base64 as initial response; then bad, empty and over-long
# responses.
r = m.start("PLAIN", "@@@@")
check(r.startswith("BAD ") and "base64" in r, "bad SASL-IR: %r" % r)
r = m.start("PLAIN", "%%%")
check(r.startswith("BAD "), "not even an atom: %r" % r)
r = m.start("PLAIN", "YWJj=")
check(r.startswith("BAD ") and "base64" in r, "bad padding in SASL-IR: %r"
      % r)
sasl_bad_responses(m, INVALID, "BAD ")
eq(m.cmd("NOOP"), "OK NOOP completed.", "NOOP after the long line")
# A malformed password still names its user in the log.
eq(m.command_login("carol", ""), INVALID, "LOGIN with an empty password")
eq(m.plain("carol", "p\0w"), INVALID, "NUL in the PLAIN password")
# Authorization identities.
eq(m.plain("alice", "alicepw", authzid="bob"), IMAP_FAILED, "authzid bob")
# Unknown and malformed mechanisms, LOGIN without its arguments.
eq(m.start("CRAM-MD5"), "NO Unsupported authentication mechanism.",
   "CRAM-MD5")
eq(m.start("X" * 40), "NO Unsupported authentication mechanism.",
   "long name")
check(m.cmd("LOGIN alice").startswith("BAD "), "LOGIN with one argument")
# Still usable, and the name is compared without regard to case.
imap_ok(m.plain("alice", "alicepw", authzid="alice"), "finally")
check(m.cmd("NOOP").startswith("OK "), "NOOP as alice")
m.logout()
# The cleartext ones are refused in the clear before any exchange.
m = Imap()
eq(m.start("plain"), IMAP_CLEAR, "plain in the clear")
eq(m.start("LOGIN", b64("alice")), IMAP_CLEAR, "LOGIN with IR in the clear")
eq(m.command_login("alice", "alicepw"), IMAP_CLEAR, "LOGIN in the clear")
eq(m.start("GSSAPI"), "NO Unsupported authentication mechanism.",
   "GSSAPI without a keytab")
m.logout()
wait_log('proto=imap addr=127.0.0.1 user="alice" mech=PLAIN '
         'reason="authorization identity differs"')
wait_log('mech=PLAIN reason="PLAIN message too long"')
wait_log('proto=imap addr=127.0.0.1 user="carol" mech=command '
         'reason="empty password"')
wait_log('proto=imap addr=127.0.0.1 user="carol" mech=PLAIN '
         'reason="NUL inside the PLAIN password"')
check('proto=imap addr=127.0.0.1 user="alice" mech=PLAIN '
      'backend=passwd-file' in log_text(), "alice's login in the log")
PYEOF
	atf_check "$T/apy" c.py
	postern_check_log
}
sasl_errors_cleanup()
{
	. "$(atf_get_srcdir)/auth.subr"
	auth_cleanup
}

atf_test_case gssapi cleanup
gssapi_head()
{
	atf_set "descr" "AUTHENTICATE GSSAPI end to end with a KDC of the" \
	    "test's own: variants that work, then everything to refuse"
	auth_head $AUTH_KRB_PROGS
}
gssapi_body()
{
	auth_imap_setup
	auth_krb_setup
	auth_write_conf "gssapi-keytab \"$T/krb/server.keytab\"" \
	    "access-file \"$T/access\"" "failure-delay 0" \
	    "max-auth-attempts 100"
	printf 'user bob imap off\n' > "$T/access"
	printf 'Subject: kerberos\n\nhello\n' > msg
	postern_deliver alice msg > /dev/null
	auth_start
	cat > c.py <<'PYEOF'
import os, sys
sys.path.insert(0, os.environ["T"])
from authlib import *
INVALID = "BAD Invalid authentication data."
ok_cases = (
    ("mutual authentication", dict()),
    ("SASL-IR, no mutual authentication", dict(ir=True, mutual=False)),
    ("SASL-IR, mutual authentication", dict(ir=True)),
    ("authzid alice", dict(authzid=b"alice")),
    ("authzid alice@TEST.REALM", dict(authzid=b"alice@TEST.REALM")),
)
for what, kw in ok_cases:
    for transport in ("clear", "starttls", "tls"):
        m = Imap(tls=transport == "tls")
        if transport == "starttls":
            m.starttls()
        imap_ok(m.gssapi("alice", **kw), "%s, %s" % (what, transport))
        untagged, r = m.cmd_all("EXAMINE INBOX")
        check("* 1 EXISTS" in untagged, "EXAMINE as alice: %r" % untagged)
        m.logout()
gssapi_refusals(Imap, IMAP_FAILED, INVALID, "proto=imap addr=127.0.0.1 ")
# bob's rule is about IMAP only.
p = Pop()
login_ok(p.gssapi("bob"), "bob over POP3")
p.quit()
m = Imap()
eq(m.challenge(m.start("GSSAPI")), b"", "first challenge")
eq(m.respond("*"), "BAD Authentication cancelled.", "cancel")
eq(m.start("GSSAPI", b64("not a token")), IMAP_FAILED, "garbage token")
r = m.start("GSSAPI", "@@@@")
check(r.startswith("BAD ") and "base64" in r, "bad base64: %r" % r)
imap_ok(m.gssapi("alice"), "alice after all that")
m.logout()
wait_log('mech=GSSAPI reason="GSSAPI accept_sec_context: ')
PYEOF
	atf_check "$T/apy" c.py
	postern_check_log
}
gssapi_cleanup()
{
	. "$(atf_get_srcdir)/auth.subr"
	auth_cleanup
}

atf_init_test_cases()
{
	atf_add_test_case secure
	atf_add_test_case plaintext_auth
	atf_add_test_case plaintext_login
	atf_add_test_case sasl_errors
	atf_add_test_case gssapi
}
