#! /usr/bin/env atf-sh
# The brute-force defence through the real daemon: wrong passwords
# from one address are answered later and later and the connection is
# closed after max-auth-attempts, while a client at another address
# (127.0.0.2, on a wildcard listener) still logs in at once; and a
# wrong password for a user who exists takes as long, and is answered
# the same, as any password for a user who does not.

. "$(atf_get_srcdir)/auth.subr"

atf_test_case growing_delay cleanup
growing_delay_head()
{
	atf_set "descr" "the failure delay doubles per address, the" \
	    "connection closes after max-auth-attempts, another address" \
	    "logs in promptly"
	auth_head
}
growing_delay_body()
{
	auth_setup
	auth_brute_start POP3_EXTRA postern_write_conf
	cat > c.py <<'PYEOF'
import os, sys
sys.path.insert(0, os.environ["T"])
from authlib import *
WPORT = int(sys.argv[1])
# 127.0.0.2 is up on lo and routes there.

def other(n):
    p = Pop(port=WPORT, src="127.0.0.2", host="127.0.0.2")
    r = timed(p.userpass, "bob" if n == 0 else "alice",
              "bobpw" if n == 0 else "alicepw")
    p.quit()
    return r

others = OtherAddress(other)
# The guesser, from 127.0.0.1, at alice.
p = Pop(port=WPORT, src="127.0.0.1")
guessed_out(p, [p.userpass] * 3, FAILED,
            "-ERR [AUTH] Too many authentication failures.")
# Meanwhile, from the other address: in at once, alice included.
others.check(login_ok)
# The guesser's next connection starts at the cap.
p = Pop(port=WPORT, src="127.0.0.1")
capped_guess(p.userpass, "carol", FAILED, "next guess")
p.quit()
for d in (1000, 2000, 4000):
    wait_log('addr=127.0.0.1 user="alice" mech=command '
             'reason="wrong password" delay=%dms' % d)
wait_log('addr=127.0.0.2 user="alice" mech=command backend=passwd-file')
PYEOF
	atf_check -o ignore "$T/apy" c.py "$WPORT"
	postern_check_log
}
growing_delay_cleanup()
{
	. "$(atf_get_srcdir)/auth.subr"
	auth_cleanup
}

atf_test_case unknown_user cleanup
unknown_user_head()
{
	atf_set "descr" "wrong password and unknown user: same answer, same" \
	    "time, with and without a failure delay"
	auth_head
}
unknown_user_body()
{
	auth_setup
	postern_write_conf "failure-delay 1s" "failure-delay-max 1s"
	auth_start
	cat > c.py <<'PYEOF'
import os, sys
sys.path.insert(0, os.environ["T"])
from authlib import *
delayed = sys.argv[1] == "1"
same_time(lambda: Pop(tls=True), ("plain", "login"), FAILED,
          2 if delayed else 9, delayed)
PYEOF
	auth_delay_and_none c.py postern_write_conf \
	    'user="nosuchuser0" mech=PLAIN reason="unknown user" delay=1000ms' \
	    'user="alice" mech=LOGIN reason="wrong password" delay=1000ms'
	postern_check_log
}
unknown_user_cleanup()
{
	. "$(atf_get_srcdir)/auth.subr"
	auth_cleanup
}

atf_init_test_cases()
{
	atf_add_test_case growing_delay
	atf_add_test_case unknown_user
}
