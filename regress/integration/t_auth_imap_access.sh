#! /usr/bin/env atf-sh
# Who may log in, over IMAP and POP3 side by side on one running
# daemon: the access example of postern.conf(5) (field engineers get
# IMAP and no POP3, bob gets POP3 back) built with posternctl while
# posternd runs; root, a system account and a uid under a raised
# first-valid-uid refused over both protocols whatever the rules say;
# a refused IMAP user answered like a wrong password, after the same
# delay; and max-connections-per-user with NO [LIMIT] and -ERR [IN-USE].

. "$(atf_get_srcdir)/auth.subr"

# login.py PROTO USER PASSWORD ok|fail: one login, IMAP over implicit
# TLS (LOGIN and AUTHENTICATE PLAIN) or POP3 in the clear (USER/PASS).
write_login_py()
{
	cat > login.py <<'PYEOF'
import os, sys
sys.path.insert(0, os.environ["T"])
from authlib import *
proto, user, pw, want = sys.argv[1:5]
if proto == "imap":
    for how in ("LOGIN", "PLAIN"):
        m = Imap(tls=True)
        if how == "LOGIN":
            r = m.command_login(user, pw)
        else:
            r = m.plain(user, pw)
        what = "%s %s over IMAP" % (how, user)
        if want == "ok":
            imap_ok(r, what)
            check(m.cmd("SELECT INBOX").startswith("OK "), "SELECT")
        else:
            eq(r, IMAP_FAILED, what)
        m.logout()
else:
    p = Pop()
    r = p.userpass(user, pw)
    if want == "ok":
        login_ok(r, user + " over POP3")
        check(p.cmd("STAT").startswith("+OK "), "STAT")
    else:
        eq(r, FAILED, user + " over POP3")
    p.quit()
PYEOF
}

atf_test_case example cleanup
example_head()
{
	atf_set "descr" "posternctl access edits the rules of a running" \
	    "server: field engineers keep IMAP and lose POP3, bob gets" \
	    "POP3 back, carol loses IMAP; no restart"
	auth_head
}
example_body()
{
	auth_imap_setup
	auth_write_conf "access-file \"$T/access\"" \
	    "login-type plaintext-login" "failure-delay 0"
	auth_nss_setup "field-engineers:x:3000:alice,bob"
	printf '# site rules\ndefault all on\n' > "$T/access"
	write_login_py
	auth_start
	pid=$(postern_pid)

	for u in alice bob carol; do
		atf_check "$T/apy" login.py imap $u ${u}pw ok
		atf_check "$T/apy" login.py pop3 $u ${u}pw ok
	done

	atf_check -o ignore "$T/ctl" access group field-engineers imap on \
	    pop3 off
	for u in alice bob; do
		atf_check "$T/apy" login.py imap $u ${u}pw ok
		atf_check "$T/apy" login.py pop3 $u ${u}pw fail
	done
	atf_check "$T/apy" login.py imap carol carolpw ok
	atf_check "$T/apy" login.py pop3 carol carolpw ok
	atf_check -o ignore grep -F "proto=pop3 addr=127.0.0.1 user=\"alice\" mech=command reason=\"access denied by rule group field-engineers ($T/access:3)\"" "$T/log"

	atf_check -o ignore "$T/ctl" access user bob pop3 on
	atf_check "$T/apy" login.py pop3 bob bobpw ok
	atf_check "$T/apy" login.py imap bob bobpw ok
	atf_check "$T/apy" login.py pop3 alice alicepw fail
	atf_check "$T/apy" login.py imap alice alicepw ok

	# The other way round: one user without IMAP.
	atf_check -o ignore "$T/ctl" access user carol imap off
	atf_check "$T/apy" login.py imap carol carolpw fail
	atf_check "$T/apy" login.py pop3 carol carolpw ok
	atf_check -o ignore grep -F "proto=imap addr=127.0.0.1 user=\"carol\" mech=command reason=\"access denied by rule user carol ($T/access:5)\"" "$T/log"
	atf_check -o ignore grep -F "proto=imap addr=127.0.0.1 user=\"carol\" mech=PLAIN reason=\"access denied by rule user carol ($T/access:5)\"" "$T/log"

	atf_check -o inline:"user\tuid\timap\tpop3\tsubmission\timap-rule\tpop3-rule\tsubmission-rule
alice\t2001\ton\toff\ton\tgroup field-engineers (line 3)\tgroup field-engineers (line 3)\tdefault (line 2)
bob\t2002\ton\ton\ton\tgroup field-engineers (line 3)\tuser bob (line 4)\tdefault (line 2)
carol\t2003\toff\ton\ton\tuser carol (line 5)\tdefault (line 2)\tdefault (line 2)
" "$T/ctl" -t access show
	atf_check -o inline:"# site rules\ndefault all on\ngroup field-engineers imap on pop3 off\nuser bob pop3 on\nuser carol imap off\n" \
	    cat "$T/access"

	# Back to the group and the default: everything as at first but
	# POP3 for alice.
	atf_check -o ignore "$T/ctl" access user bob pop3 inherit
	atf_check -o ignore "$T/ctl" access user carol imap inherit
	atf_check "$T/apy" login.py pop3 bob bobpw fail
	atf_check "$T/apy" login.py imap carol carolpw ok
	atf_check -o ignore "$T/ctl" access group field-engineers pop3 on
	atf_check "$T/apy" login.py pop3 alice alicepw ok

	# The same daemon all along: no restart, no reload.
	auth_same_daemon "$pid"
	postern_check_log
}
example_cleanup()
{
	. "$(atf_get_srcdir)/auth.subr"
	auth_cleanup
}

atf_test_case root_and_system cleanup
root_and_system_head()
{
	atf_set "descr" "root, a uid below 1000 and one below a raised" \
	    "first-valid-uid are refused over IMAP and POP3 even when a" \
	    "rule allows them"
	auth_head
}
root_and_system_body()
{
	auth_imap_setup
	auth_write_conf "access-file \"$T/access\"" \
	    "login-type plaintext-login" "failure-delay 0" \
	    "first-valid-uid 2002"
	auth_add_user root rootpw 0 0
	auth_add_user sysacct sysacctpw 5 5
	auth_add_user daemon2 daemon2pw 999 999
	printf 'user root all on\nuser sysacct all on\nuser daemon2 all on\nuser alice all on\ndefault all on\n' \
	    > "$T/access"
	write_login_py
	auth_start
	for u in root sysacct daemon2 alice; do
		atf_check "$T/apy" login.py imap $u ${u}pw fail
		atf_check "$T/apy" login.py pop3 $u ${u}pw fail
	done
	atf_check "$T/apy" login.py imap bob bobpw ok
	atf_check "$T/apy" login.py pop3 carol carolpw ok
	cat > c.py <<'PYEOF'
import os, sys
sys.path.insert(0, os.environ["T"])
from authlib import *
# In the clear too, and with AUTHENTICATE LOGIN.
m = Imap()
eq(m.login("root", "rootpw"), IMAP_FAILED, "AUTHENTICATE LOGIN root")
m.logout()
wait_log('proto=imap addr=127.0.0.1 user="root" mech=command '
         'reason="root may not log in"')
wait_log('proto=imap addr=127.0.0.1 user="root" mech=LOGIN '
         'reason="root may not log in"')
wait_log('proto=pop3 addr=127.0.0.1 user="root" mech=command '
         'reason="root may not log in"')
for u in ("sysacct", "daemon2", "alice"):
    for proto, mech in (("imap", "command"), ("imap", "PLAIN"),
                        ("pop3", "command")):
        wait_log('proto=%s addr=127.0.0.1 user="%s" mech=%s '
                 'reason="system account"' % (proto, u, mech))
PYEOF
	atf_check "$T/apy" c.py
	atf_check -o match:"^root	0	off	off	off	root never logs in" \
	    "$T/ctl" -t access show root
	atf_check -o match:"^alice	2001	off	off	off	uid below first-valid-uid" \
	    "$T/ctl" -t access show alice
	atf_check -o match:"^bob	2002	on	on	on	" \
	    "$T/ctl" -t access show bob
	postern_check_log
}
root_and_system_cleanup()
{
	. "$(atf_get_srcdir)/auth.subr"
	auth_cleanup
}

atf_test_case same_answer cleanup
same_answer_head()
{
	atf_set "descr" "a user refused IMAP with the right password gets" \
	    "the answer and the delay of a wrong password, with LOGIN," \
	    "AUTHENTICATE PLAIN and AUTHENTICATE LOGIN"
	auth_head
}
same_answer_body()
{
	# A constant delay, so that every failure should take 1s.
	auth_imap_setup
	auth_write_conf "access-file \"$T/access\"" "failure-delay 1s" \
	    "failure-delay-max 1s"
	printf 'user bob imap off\n' > "$T/access"
	auth_start
	cat > c.py <<'PYEOF'
import os, sys
sys.path.insert(0, os.environ["T"])
from authlib import *
times = {}
ways = (("LOGIN", lambda m, u, p: m.command_login(u, p)),
        ("PLAIN", lambda m, u, p: m.plain(u, p)),
        ("AUTHENTICATE LOGIN", lambda m, u, p: m.login(u, p)))
for how, fn in ways:
    for what, user, pw in (("denied", "bob", "bobpw"),
                           ("wrong", "alice", "nope"),
                           ("denied, wrong", "bob", "nope"),
                           ("unknown", "nosuch", "nope")):
        m = Imap(tls=True)
        r, t = timed(fn, m, user, pw)
        eq(r, IMAP_FAILED, "%s: %s" % (how, what))
        times["%s: %s" % (how, what)] = t
        # The connection goes on the same way after either.
        eq(m.cmd("NOOP"), "OK NOOP completed.", "NOOP after " + what)
        m.logout()
m = Imap(tls=True)
r, t = timed(m.plain, "alice", "alicepw")
imap_ok(r, "alice")
check(t < 0.8, "a good login took %.2fs" % t)
m.logout()
# bob still has POP3.
p = Pop(tls=True)
login_ok(p.plain("bob", "bobpw"), "bob over POP3")
p.quit()
print(times)
for what, t in times.items():
    check(0.9 <= t <= 1.6, "%s took %.2fs" % (what, t))
spread = max(times.values()) - min(times.values())
check(spread < 0.3, "failures differ by %.2fs: %r" % (spread, times))
PYEOF
	atf_check -o ignore "$T/apy" c.py
	atf_check -o ignore grep -F 'proto=imap addr=127.0.0.1 user="bob" mech=PLAIN reason="access denied by rule user bob' "$T/log"
	atf_check -o ignore grep -F 'proto=imap addr=127.0.0.1 user="bob" mech=LOGIN reason="access denied by rule user bob' "$T/log"
	atf_check -o ignore grep -F 'proto=imap addr=127.0.0.1 user="bob" mech=command reason="access denied by rule user bob' "$T/log"
	postern_check_log
}
same_answer_cleanup()
{
	. "$(atf_get_srcdir)/auth.subr"
	auth_cleanup
}

atf_test_case per_user_limit cleanup
per_user_limit_head()
{
	atf_set "descr" "max-connections-per-user 2: a third login of the" \
	    "same user from the same address gets NO [LIMIT] over IMAP and" \
	    "-ERR [IN-USE] over POP3; another address is not counted"
	auth_head
}
per_user_limit_body()
{
	auth_imap_setup
	auth_wildcards
	auth_write_conf "max-connections-per-user 2" \
	    "login-type plaintext-login" "failure-delay 0"
	auth_start_wildcards
	cat > c.py <<'PYEOF'
import os, sys
sys.path.insert(0, os.environ["T"])
from authlib import *
WIMAP, WPOP = int(sys.argv[1]), int(sys.argv[2])
LIMIT = "NO [LIMIT] Too many connections for this user."
IN_USE = "-ERR [IN-USE] Too many connections for this user."


def imap(src="127.0.0.1", tls=False):
    m = Imap(port=None if tls else WIMAP, tls=tls, src=src,
             host=src if not tls else HOST)
    return m


def pop(src="127.0.0.1"):
    return Pop(port=WPOP, src=src, host=src)


a1 = imap()
imap_ok(a1.command_login("alice", "alicepw"), "first IMAP")
a2 = imap()
imap_ok(a2.plain("alice", "alicepw"), "second IMAP")
# The third, from the same address, whatever the protocol or mechanism.
m = imap()
eq(m.command_login("alice", "alicepw"), LIMIT, "third IMAP, LOGIN")
eq(m.plain("alice", "alicepw"), LIMIT, "third IMAP, PLAIN")
# Not a failure of the password: the connection stays usable.
eq(m.cmd("NOOP"), "OK NOOP completed.", "NOOP after [LIMIT]")
m.logout()
m = imap(tls=True)
eq(m.login("alice", "alicepw"), LIMIT, "third IMAP over TLS")
m.logout()
p = pop()
eq(p.userpass("alice", "alicepw"), IN_USE, "POP3 beside two IMAP")
p.quit()
# Another user, and alice from another address, are not concerned.
b = imap()
imap_ok(b.command_login("bob", "bobpw"), "bob")
o = imap(src="127.0.0.2")
imap_ok(o.command_login("alice", "alicepw"), "alice from 127.0.0.2")
o.logout()
# One session ends: one more may start, here POP3; then POP3 is the
# third again.
a2.logout()
# Counted down when the master sees the session end.
wait_log_re('disconnect: id=[0-9]+ proto=imap addr=127\\.0\\.0\\.1 '
            'user="alice" ')
p1 = pop()
login_ok(p1.userpass("alice", "alicepw"), "POP3 after a logout")
p = pop()
eq(p.userpass("alice", "alicepw"), IN_USE, "third, POP3")
p.quit()
m = imap()
eq(m.command_login("alice", "alicepw"), LIMIT, "third, IMAP")
m.logout()
# The session that was there all along works.
untagged, r = a1.cmd_all("SELECT INBOX")
check(r.startswith("OK "), "SELECT in the first session: %r" % r)
p1.quit()
a1.logout()
b.logout()
PYEOF
	atf_check "$T/apy" c.py "$WIMAP" "$WPOP"
	atf_check -o ignore grep -F 'proto=imap addr=127.0.0.1 user="alice" reason="max-connections-per-user 2 reached"' "$T/log"
	atf_check -o ignore grep -F 'proto=pop3 addr=127.0.0.1 user="alice" reason="max-connections-per-user 2 reached"' "$T/log"
	# A full house is no brute force: no failure line for it.
	atf_check -s exit:1 grep -F 'auth failed:' "$T/log"
	postern_check_log
}
per_user_limit_cleanup()
{
	. "$(atf_get_srcdir)/auth.subr"
	auth_cleanup
}

atf_init_test_cases()
{
	atf_add_test_case example
	atf_add_test_case root_and_system
	atf_add_test_case same_answer
	atf_add_test_case per_user_limit
}
