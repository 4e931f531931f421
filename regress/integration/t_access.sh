#! /usr/bin/env atf-sh
# The access rules through the real daemon: the example of
# postern.conf(5) (field engineers get IMAP and no POP3, bob gets POP3
# back) built with posternctl while posternd runs, each change counting
# at the next login without a restart; root and a system account
# refused whatever the rules say; a bad file refusing everyone until it
# is fixed; and a refused user answered like a wrong password, after
# the same delay.

. "$(atf_get_srcdir)/auth.subr"

atf_test_case example cleanup
example_head()
{
	atf_set "descr" "posternctl access edits the rules of a running" \
	    "server; POP3 denied, then allowed, without a restart"
	atf_set "require.user" "root"
	atf_set "require.progs" "/usr/bin/python3"
}
example_body()
{
	auth_setup
	postern_write_conf "access-file \"$T/access\"" \
	    "login-type plaintext-login" "failure-delay-max 2s"
	auth_nss_setup "field-engineers:x:3000:alice,bob"
	printf '# site rules\ndefault all on\n' > "$T/access"
	auth_start
	pid=$(postern_pid)

	cat > login.py <<'PYEOF'
import os, sys
sys.path.insert(0, os.environ["T"])
from authlib import *
# login.py USER PASSWORD ok|fail
p = Pop()
r = p.userpass(sys.argv[1], sys.argv[2])
if sys.argv[3] == "ok":
    login_ok(r, sys.argv[1])
else:
    eq(r, FAILED, sys.argv[1])
p.quit()
PYEOF
	for u in alice bob carol; do
		atf_check "$T/apy" login.py $u ${u}pw ok
	done

	atf_check -o inline:"rule\timap\tpop3\tsubmission\tfile\ngroup field-engineers\ton\toff\tinherit\t$T/access:3\n" \
	    "$T/ctl" -t access group field-engineers imap on pop3 off
	atf_check "$T/apy" login.py alice alicepw fail
	atf_check "$T/apy" login.py bob bobpw fail
	atf_check "$T/apy" login.py carol carolpw ok
	atf_check -o ignore grep -F "user=\"alice\" mech=command reason=\"access denied by rule group field-engineers ($T/access:3)\"" "$T/log"

	atf_check -o ignore "$T/ctl" access user bob pop3 on
	atf_check "$T/apy" login.py bob bobpw ok
	atf_check "$T/apy" login.py alice alicepw fail

	atf_check -o inline:"user\tuid\timap\tpop3\tsubmission\timap-rule\tpop3-rule\tsubmission-rule
alice\t2001\ton\toff\ton\tgroup field-engineers (line 3)\tgroup field-engineers (line 3)\tdefault (line 2)
bob\t2002\ton\ton\ton\tgroup field-engineers (line 3)\tuser bob (line 4)\tdefault (line 2)
carol\t2003\ton\ton\ton\tdefault (line 2)\tdefault (line 2)\tdefault (line 2)
" "$T/ctl" -t access show
	atf_check -o match:'"user": "bob", "uid": 2002, "imap": "on", "pop3": "on"' \
	    "$T/ctl" -j access show bob
	atf_check -o inline:"# site rules\ndefault all on\ngroup field-engineers imap on pop3 off\nuser bob pop3 on\n" \
	    cat "$T/access"

	# inherit gives bob back to his group.
	atf_check -o ignore "$T/ctl" access user bob pop3 inherit
	atf_check "$T/apy" login.py bob bobpw fail
	atf_check -o inline:"# site rules\ndefault all on\ngroup field-engineers imap on pop3 off\n" \
	    cat "$T/access"
	atf_check -s exit:1 -e match:'"sometimes" is not on, off' \
	    "$T/ctl" access user bob pop3 sometimes

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
	atf_set "descr" "root and a uid below first-valid-uid are refused" \
	    "even when a rule allows them"
	atf_set "require.user" "root"
	atf_set "require.progs" "/usr/bin/python3"
}
root_and_system_body()
{
	auth_setup
	postern_write_conf "access-file \"$T/access\"" \
	    "login-type plaintext-login" "failure-delay-max 2s"
	auth_add_user root rootpw 0 0
	auth_add_user sysacct syspw 5 5
	printf 'user root all on\nuser sysacct all on\ndefault all on\n' \
	    > "$T/access"
	auth_start
	cat > c.py <<'PYEOF'
import os, sys
sys.path.insert(0, os.environ["T"])
from authlib import *
for user, pw in (("root", "rootpw"), ("sysacct", "syspw")):
    p = Pop()
    eq(p.userpass(user, pw), FAILED, user)
    p.quit()
    p = Pop(tls=True)
    eq(p.plain(user, pw), FAILED, user + " over TLS")
    p.quit()
p = Pop()
login_ok(p.userpass("alice", "alicepw"), "alice")
p.quit()
wait_log('user="root" mech=command reason="root may not log in"')
wait_log('user="sysacct" mech=PLAIN reason="system account"')
PYEOF
	atf_check "$T/apy" c.py
	atf_check -o match:"^root	0	off	off	off	root never logs in" \
	    "$T/ctl" -t access show root
	atf_check -o match:"^sysacct	5	off	off	off	uid below first-valid-uid" \
	    "$T/ctl" -t access show sysacct
	atf_check -s exit:1 -e match:"no such user" "$T/ctl" access show nobody2
	postern_check_log
}
root_and_system_cleanup()
{
	. "$(atf_get_srcdir)/auth.subr"
	auth_cleanup
}

atf_test_case bad_file cleanup
bad_file_head()
{
	atf_set "descr" "a bad access file refuses every login, names the" \
	    "line, and is not edited; fixed, logins work again"
	atf_set "require.user" "root"
	atf_set "require.progs" "/usr/bin/python3"
}
bad_file_body()
{
	auth_setup
	postern_write_conf "access-file \"$T/access\"" \
	    "login-type plaintext-login" "failure-delay-max 2s"
	printf 'default all on\nuser bob pop3 sometimes\n' > "$T/access"
	auth_start
	cat > c.py <<'PYEOF'
import os, sys
sys.path.insert(0, os.environ["T"])
from authlib import *
p = Pop()
eq(p.userpass(sys.argv[1], sys.argv[1] + "pw"), sys.argv[2], "login")
p.quit()
PYEOF
	atf_check "$T/apy" c.py alice "-ERR [AUTH] Authentication failed."
	atf_check -o ignore grep -F "access file $T/access:2: pop3: \"sometimes\" is not on, off, allow or deny; every login is refused" "$T/log"
	atf_check -o ignore grep -F "reason=\"access file $T/access:2: " "$T/log"
	atf_check -s exit:1 -e match:"access:2: .*refuses every login" \
	    "$T/ctl" access show
	atf_check -s exit:1 -e match:"access:2: .*fix the file first" \
	    "$T/ctl" access user alice imap off
	printf 'default all on\nuser bob pop3 off\n' > "$T/access.new"
	mv "$T/access.new" "$T/access"
	atf_check "$T/apy" c.py alice "+OK Logged in."
	atf_check "$T/apy" c.py bob "-ERR [AUTH] Authentication failed."
	# A missing file allows everyone.
	rm "$T/access"
	atf_check "$T/apy" c.py bob "+OK Logged in."
	atf_check -o ignore grep -F "access file $T/access: missing" "$T/log"
	postern_check_log
}
bad_file_cleanup()
{
	. "$(atf_get_srcdir)/auth.subr"
	auth_cleanup
}

atf_test_case same_answer cleanup
same_answer_head()
{
	atf_set "descr" "a refused user with the right password gets the" \
	    "answer and the delay of a wrong password"
	atf_set "require.user" "root"
	atf_set "require.progs" "/usr/bin/python3"
}
same_answer_body()
{
	# A constant delay, so that every failure should take 1s.
	auth_setup
	postern_write_conf "access-file \"$T/access\"" "failure-delay 1s" \
	    "failure-delay-max 1s"
	printf 'user bob all off\n' > "$T/access"
	auth_start
	cat > c.py <<'PYEOF'
import os, sys
sys.path.insert(0, os.environ["T"])
from authlib import *
times = {}
for what, user, pw in (("denied", "bob", "bobpw"),
                       ("wrong", "alice", "nope"),
                       ("denied2", "bob", "bobpw"),
                       ("wrong2", "carol", "nope")):
    p = Pop(tls=True)
    r, t = timed(p.plain, user, pw)
    eq(r, FAILED, what)
    times[what] = t
    p.quit()
p = Pop(tls=True)
r, t = timed(p.plain, "alice", "alicepw")
login_ok(r, "alice")
check(t < 0.8, "a good login took %.2fs" % t)
print(times)
for what, t in times.items():
    check(0.9 <= t <= 1.6, "%s took %.2fs" % (what, t))
spread = max(times.values()) - min(times.values())
check(spread < 0.3, "failures differ by %.2fs: %r" % (spread, times))
PYEOF
	atf_check -o ignore "$T/apy" c.py
	atf_check -o ignore grep -F 'user="bob" mech=PLAIN reason="access denied by rule user bob' "$T/log"
	postern_check_log
}
same_answer_cleanup()
{
	. "$(atf_get_srcdir)/auth.subr"
	auth_cleanup
}

atf_init_test_cases()
{
	atf_add_test_case example
	atf_add_test_case root_and_system
	atf_add_test_case bad_file
	atf_add_test_case same_answer
}
