#! /usr/bin/env atf-sh
# Every way to log in to POP3 (USER/PASS, AUTH PLAIN with and without
# an initial response, AUTH LOGIN, AUTH GSSAPI) in the clear, after
# STLS and over implicit TLS, under each login-type: CAPA must offer
# exactly what is allowed, and each attempt must end as the login-type
# says.  Then the SASL errors: cancellation, malformed base64, empty
# and over-long responses, a foreign authorization identity.

. "$(atf_get_srcdir)/auth.subr"

# mechs_run LOGIN-TYPE
mechs_run()
{
	auth_setup
	auth_krb_setup
	postern_write_conf "login-type $1" \
	    "gssapi-keytab \"$T/krb/server.keytab\""
	auth_start
	cat > c.py <<'PYEOF'
import os, sys
sys.path.insert(0, os.environ["T"])
from authlib import *
ltype = sys.argv[1]
for transport in ("clear", "stls", "tls"):
    secured = transport != "clear"
    command_ok = secured or ltype == "plaintext-login"
    sasl_ok = secured or ltype != "secure"

    def conn():
        p = Pop(tls=transport == "tls")
        if transport == "stls":
            p.stls()
        return p

    where = "%s, %s" % (ltype, transport)
    p = conn()
    capa = p.capa()
    eq("USER" in capa, command_ok, "USER in CAPA (%s)" % where)
    eq("STLS" in capa, transport == "clear", "STLS in CAPA (%s)" % where)
    eq(p.sasl_line(), "SASL GSSAPI PLAIN LOGIN" if sasl_ok else
       "SASL GSSAPI", "SASL in CAPA (%s)" % where)
    first, listed = p.multi("AUTH")
    eq(listed, ["GSSAPI", "PLAIN", "LOGIN"] if sasl_ok else ["GSSAPI"],
       "bare AUTH (%s)" % where)
    p.quit()

    attempts = (
        ("USER/PASS", command_ok, lambda p: p.userpass("alice", "alicepw")),
        ("PLAIN with IR", sasl_ok, lambda p: p.plain("alice", "alicepw")),
        ("PLAIN", sasl_ok, lambda p: p.plain("alice", "alicepw", ir=False)),
        ("PLAIN with authzid", sasl_ok,
         lambda p: p.plain("alice", "alicepw", authzid="alice")),
        ("LOGIN", sasl_ok, lambda p: p.login("alice", "alicepw")),
        ("GSSAPI", True, lambda p: p.gssapi("alice")),
        ("GSSAPI with IR", True, lambda p: p.gssapi("alice", ir=True)),
    )
    for what, ok, fn in attempts:
        p = conn()
        r = fn(p)
        if ok:
            login_ok(r, "%s (%s)" % (what, where))
            check(p.cmd("STAT").startswith("+OK 0 "), "STAT after " + what)
        else:
            eq(r, CLEAR, "%s (%s)" % (what, where))
        p.quit()
PYEOF
	atf_check "$T/apy" c.py "$1"
	postern_check_log
}

atf_test_case secure cleanup
secure_head()
{
	atf_set "descr" "login-type secure: passwords only inside TLS," \
	    "GSSAPI everywhere"
	auth_head $AUTH_KRB_PROGS
}
secure_body()
{
	mechs_run secure
}
secure_cleanup()
{
	. "$(atf_get_srcdir)/auth.subr"
	auth_cleanup
}

atf_test_case plaintext_auth cleanup
plaintext_auth_head()
{
	atf_set "descr" "login-type plaintext-auth: SASL PLAIN and LOGIN" \
	    "in the clear too, USER/PASS only inside TLS"
	auth_head $AUTH_KRB_PROGS
}
plaintext_auth_body()
{
	mechs_run plaintext-auth
}
plaintext_auth_cleanup()
{
	. "$(atf_get_srcdir)/auth.subr"
	auth_cleanup
}

atf_test_case plaintext_login cleanup
plaintext_login_head()
{
	atf_set "descr" "login-type plaintext-login: everything in the clear"
	auth_head $AUTH_KRB_PROGS
}
plaintext_login_body()
{
	mechs_run plaintext-login
}
plaintext_login_cleanup()
{
	. "$(atf_get_srcdir)/auth.subr"
	auth_cleanup
}

atf_test_case sasl_errors cleanup
sasl_errors_head()
{
	atf_set "descr" "cancellation, bad base64, empty and over-long" \
	    "responses, authorization identities, unknown mechanisms"
	auth_head
}
sasl_errors_body()
{
	auth_setup
	postern_write_conf "failure-delay-max 1s" "max-auth-attempts 100"
	auth_start
	cat > c.py <<'PYEOF'
import os, sys
sys.path.insert(0, os.environ["T"])
from authlib import *
INVALID = "-ERR Invalid authentication data."
CANCEL = "-ERR Authentication cancelled."
p = Pop(tls=True)
sasl_cancels(p, CANCEL)
# Malformed base64 as initial response; then bad, empty and over-long
# responses.
eq(p.cmd("AUTH PLAIN %%%"), "-ERR Invalid base64 data in initial response.",
   "bad IR")
sasl_bad_responses(p, INVALID, "-ERR")
# Authorization identities.
eq(p.plain("alice", "alicepw", authzid="bob"), FAILED, "authzid bob")
# Unknown and malformed mechanisms.
eq(p.cmd("AUTH CRAM-MD5"), "-ERR Unsupported authentication mechanism.",
   "CRAM-MD5")
eq(p.cmd("AUTH " + "X" * 40), "-ERR Unsupported authentication mechanism.",
   "long name")
# Still usable.
login_ok(p.plain("alice", "alicepw", authzid="alice"), "finally")
p.quit()
wait_log('user="alice" mech=PLAIN reason="authorization identity differs"')
wait_log('reason="PLAIN message too long"')
PYEOF
	atf_check "$T/apy" c.py
	postern_check_log
}
sasl_errors_cleanup()
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
}
