#! /usr/bin/env atf-sh
# Kerberos logins end to end: a private realm with its KDC started in
# the test's directory, posternd accepting with a keytab, and a real
# GSSAPI client (python3-gssapi) doing RFC 4752 over POP3 AUTH GSSAPI,
# in the clear and under TLS, with and without an initial response and
# mutual authentication; then everything the server must refuse.

. "$(atf_get_srcdir)/auth.subr"

gssapi_head_common()
{
	atf_set "require.user" "root"
	atf_set "require.progs" "/usr/bin/python3 krb5kdc kdb5_util kadmin.local kinit"
}

# A server with the realm's keytab; extra global lines as arguments.
gssapi_server()
{
	auth_setup
	auth_krb_setup
	postern_write_conf "gssapi-keytab \"$T/krb/server.keytab\"" \
	    "access-file \"$T/access\"" "failure-delay-max 2s" "$@"
	auth_start
}

atf_test_case pop3_gssapi cleanup
pop3_gssapi_head()
{
	atf_set "descr" "AUTH GSSAPI over POP3 with a KDC of the test's own"
	gssapi_head_common
}
pop3_gssapi_body()
{
	gssapi_server
	printf 'Subject: kerberos\n\nhello\n' > msg
	postern_deliver alice msg > /dev/null
	cat > c.py <<'PYEOF'
import os, sys
sys.path.insert(0, os.environ["T"])
from authlib import *
# In the clear, under login-type secure: GSSAPI only.
p = Pop()
eq(p.sasl_line(), "SASL GSSAPI", "CAPA in the clear")
check("USER" not in p.capa(), "USER offered in the clear")
first, mechs = p.multi("AUTH")
eq(mechs, ["GSSAPI"], "bare AUTH in the clear")
login_ok(p.gssapi("alice"), "GSSAPI with mutual authentication")
check(p.cmd("STAT").startswith("+OK 1 "), "STAT as alice")
p.quit()
# The client's first token as initial response, no mutual auth: the
# server has no last token to send and offers the layer at once.
p = Pop()
login_ok(p.gssapi("alice", ir=True, mutual=False), "GSSAPI, IR")
p.quit()
# An authorization identity that is the user's own.
p = Pop()
login_ok(p.gssapi("alice", authzid=b"alice"), "authzid alice")
p.quit()
p = Pop()
login_ok(p.gssapi("alice", authzid=b"alice@TEST.REALM"),
         "authzid alice@TEST.REALM")
p.quit()
# After STLS and over implicit TLS: GSSAPI and the cleartext ones.
p = Pop()
p.stls()
eq(p.sasl_line(), "SASL GSSAPI PLAIN LOGIN", "CAPA after STLS")
login_ok(p.gssapi("alice", ir=True), "GSSAPI after STLS")
p.quit()
p = Pop(tls=True)
eq(p.sasl_line(), "SASL GSSAPI PLAIN LOGIN", "CAPA over TLS")
login_ok(p.gssapi("bob"), "GSSAPI over TLS, bob")
p.quit()
wait_log('user="alice" mech=GSSAPI backend=passwd-file', 5)
wait_log('user="bob" mech=GSSAPI backend=passwd-file')
PYEOF
	atf_check "$T/apy" c.py
	postern_check_log
}
pop3_gssapi_cleanup()
{
	. "$(atf_get_srcdir)/auth.subr"
	auth_cleanup
}

atf_test_case refusals cleanup
refusals_head()
{
	atf_set "descr" "tickets for another service, foreign authorization" \
	    "identities, unknown layers, unmapped or unknown principals," \
	    "access rules, cancellation"
	gssapi_head_common
}
refusals_body()
{
	gssapi_server
	printf 'user bob pop3 off\n' > "$T/access"
	cat > c.py <<'PYEOF'
import os, sys
sys.path.insert(0, os.environ["T"])
from authlib import *
gssapi_refusals(Pop, FAILED, "-ERR Invalid authentication data.")
# Cancelled at the first challenge; garbage; bad base64.
p = Pop()
r = p.cmd("AUTH GSSAPI")
eq(p.challenge(r), b"", "first challenge")
eq(p.cmd("*"), "-ERR Authentication cancelled.", "cancel")
r = p.cmd("AUTH GSSAPI " + b64("not a token"))
eq(r, FAILED, "garbage token")
eq(p.cmd("AUTH GSSAPI %%%"), "-ERR Invalid base64 data in initial response.",
   "bad base64")
p.quit()
wait_log('mech=GSSAPI reason="GSSAPI accept_sec_context: ')
# Still fine for alice.
p = Pop()
login_ok(p.gssapi("alice"), "alice after all that")
p.quit()
PYEOF
	atf_check "$T/apy" c.py
	postern_check_log
}
refusals_cleanup()
{
	. "$(atf_get_srcdir)/auth.subr"
	auth_cleanup
}

atf_test_case off cleanup
off_head()
{
	atf_set "descr" "without gssapi-keytab GSSAPI is neither offered nor" \
	    "accepted; with a keytab that is not there it fails for now"
	gssapi_head_common
}
off_body()
{
	auth_setup
	auth_krb_setup
	auth_start
	cat > c.py <<'PYEOF'
import os, sys
sys.path.insert(0, os.environ["T"])
from authlib import *
p = Pop()
eq(p.sasl_line(), None, "CAPA without a keytab, in the clear")
eq(p.cmd("AUTH GSSAPI"), "-ERR Unsupported authentication mechanism.",
   "AUTH GSSAPI without a keytab")
first, mechs = p.multi("AUTH")
eq(mechs, [], "bare AUTH")
p.quit()
p = Pop(tls=True)
eq(p.sasl_line(), "SASL PLAIN LOGIN", "CAPA without a keytab, TLS")
p.quit()
PYEOF
	atf_check "$T/apy" c.py
	postern_stop
	postern_write_conf "gssapi-keytab \"$T/krb/missing.keytab\""
	auth_start
	cat > d.py <<'PYEOF'
import os, sys
sys.path.insert(0, os.environ["T"])
from authlib import *
p = Pop()
eq(p.sasl_line(), "SASL GSSAPI", "CAPA with a keytab configured")
eq(p.gssapi("alice"), "-ERR [SYS/TEMP] Temporary authentication failure, "
   "try again later.", "GSSAPI with a missing keytab")
p.quit()
wait_log("missing.keytab")
PYEOF
	atf_check "$T/apy" d.py
	postern_check_log
}
off_cleanup()
{
	. "$(atf_get_srcdir)/auth.subr"
	auth_cleanup
}

atf_init_test_cases()
{
	atf_add_test_case pop3_gssapi
	atf_add_test_case refusals
	atf_add_test_case off
}
