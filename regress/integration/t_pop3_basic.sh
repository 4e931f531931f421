#! /usr/bin/env atf-sh
# POP3 end to end through the real daemon: login over STLS and implicit
# TLS with python3 poplib, every transaction command, and the UPDATE
# state's deletion.

. "$(atf_get_srcdir)/postern.subr"

atf_test_case login_tls cleanup
login_tls_head()
{
	atf_set "descr" "USER/PASS over implicit TLS and STLS, STAT, RETR"
	atf_set "require.user" "root"
}
login_tls_body()
{
	postern_setup
	printf 'Subject: one\n\nfirst body\n' > msg1
	printf 'Subject: two\n\nsecond\nbody\n' > msg2
	postern_deliver alice msg1
	postern_deliver alice msg2
	postern_start
	cat > c.py <<'PYEOF'
import os, poplib, ssl
ctx = ssl.create_default_context(cafile=os.environ["CAFILE"])
ctx.check_hostname = False
p = poplib.POP3_SSL("127.0.0.1", int(os.environ["PORTS"]), context=ctx)
p.user("alice"); p.pass_("alicepw")
n, size = p.stat()
assert n == 2, (n, size)
resp, lines, octets = p.retr(1)
assert lines == [b"Subject: one", b"", b"first body"], lines
p.quit()
p = poplib.POP3("127.0.0.1", int(os.environ["PORT"]))
p.stls(context=ctx)
p.user("alice"); p.pass_("alicepw")
assert p.stat()[0] == 2
p.dele(2)
p.quit()
p = poplib.POP3_SSL("127.0.0.1", int(os.environ["PORTS"]), context=ctx)
p.user("alice"); p.pass_("alicepw")
assert p.stat()[0] == 1
p.quit()
print("ok")
PYEOF
	atf_check -o inline:"ok\n" "$T/py" c.py
}
login_tls_cleanup()
{
	. "$(atf_get_srcdir)/postern.subr"
	postern_cleanup
}

atf_init_test_cases()
{
	atf_add_test_case login_tls
}
