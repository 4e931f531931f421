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
	atf_set "require.user" "root"
	atf_set "require.progs" "/usr/bin/python3"
	atf_set "timeout" "120"
}
growing_delay_body()
{
	auth_setup
	WPORT=$(postern_free_port)
	POP3_EXTRA="	listen on * port $WPORT"
	postern_write_conf "login-type plaintext-login" "failure-delay 1s" \
	    "failure-delay-max 4s" "max-auth-attempts 3"
	auth_start
	postern_wait_port "$WPORT" || atf_fail "no wildcard listener"
	cat > c.py <<'PYEOF'
import os, sys, threading
sys.path.insert(0, os.environ["T"])
from authlib import *
WPORT = int(sys.argv[1])
# 127.0.0.2 is up on lo and routes there.
results = {}

def other(n):
    time.sleep(0.5 + n)
    p = Pop(port=WPORT, src="127.0.0.2", host="127.0.0.2")
    r, t = timed(p.userpass, "bob" if n == 0 else "alice",
                 "bobpw" if n == 0 else "alicepw")
    results[n] = (r, t)
    p.quit()

threads = [threading.Thread(target=other, args=(n,)) for n in (0, 1, 2)]
for th in threads:
    th.start()
# The guesser, from 127.0.0.1, at alice.
p = Pop(port=WPORT, src="127.0.0.1")
times = []
for i in range(3):
    r, t = timed(p.userpass, "alice", "guess%d" % i)
    eq(r, FAILED, "guess %d" % i)
    times.append(t)
eq(p.line(), "-ERR [AUTH] Too many authentication failures.", "the end")
check(p.closed(), "the connection stays open")
print("delays", times)
for i, want in enumerate((1.0, 2.0, 4.0)):
    check(want - 0.1 <= times[i] <= want + 0.8,
          "guess %d answered after %.2fs, not about %.1fs" % (i, times[i],
                                                               want))
for th in threads:
    th.join()
# Meanwhile, from the other address: in at once, alice included.
for n, (r, t) in sorted(results.items()):
    login_ok(r, "login %d from 127.0.0.2" % n)
    check(t < 0.8, "login %d from 127.0.0.2 took %.2fs" % (n, t))
# The guesser's next connection starts at the cap.
p = Pop(port=WPORT, src="127.0.0.1")
r, t = timed(p.userpass, "carol", "guess")
eq(r, FAILED, "next guess")
check(t >= 3.9, "the next guess was answered after %.2fs" % t)
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
	atf_set "require.user" "root"
	atf_set "require.progs" "/usr/bin/python3"
	atf_set "timeout" "120"
}
unknown_user_body()
{
	auth_setup
	postern_write_conf "failure-delay 1s" "failure-delay-max 1s"
	auth_start
	cat > c.py <<'PYEOF'
import os, sys, statistics
sys.path.insert(0, os.environ["T"])
from authlib import *
delayed = sys.argv[1] == "1"
n = 2 if delayed else 9
t = {"known": [], "unknown": []}
for i in range(n):
    for what, user in (("known", "alice"), ("unknown", "nosuchuser%d" % i)):
        for mech in ("plain", "login"):
            p = Pop(tls=True)
            if mech == "plain":
                r, d = timed(p.plain, user, "wrong%d" % i)
            else:
                r, d = timed(p.login, user, "wrong%d" % i)
            eq(r, FAILED, "%s user, %s" % (what, mech))
            t[what].append(d)
            p.quit()
k, u = statistics.median(t["known"]), statistics.median(t["unknown"])
print("median known %.4fs unknown %.4fs" % (k, u))
if delayed:
    for d in t["known"] + t["unknown"]:
        check(0.9 <= d <= 1.6, "a failure took %.2fs" % d)
    check(abs(k - u) < 0.2, "known %.3fs, unknown %.3fs" % (k, u))
else:
    check(k < 0.5 and u < 0.5, "no delay, yet %.3fs and %.3fs" % (k, u))
    check(abs(k - u) < 0.1, "known %.3fs, unknown %.3fs" % (k, u))
PYEOF
	atf_check -o ignore "$T/apy" c.py 1
	atf_check -o ignore grep -F 'user="nosuchuser0" mech=PLAIN reason="unknown user" delay=1000ms' "$T/log"
	atf_check -o ignore grep -F 'user="alice" mech=LOGIN reason="wrong password" delay=1000ms' "$T/log"
	postern_stop
	postern_write_conf "failure-delay 0"
	auth_start
	atf_check -o ignore "$T/apy" c.py 0
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
