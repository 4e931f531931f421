#! /usr/bin/env atf-sh
# postern-auth dying under the real posternd: the master logs it and
# starts a new one, logins in flight fail cleanly with a temporary
# error (never a hang or a dropped connection), logins during the
# restart pause fail the same way, and the next logins work.
#
# Only the postern-auth that is a child of this test's posternd is
# killed, found by its parent pid: other daemons on the machine are
# left alone.

. "$(atf_get_srcdir)/postern.subr"

TEMP="-ERR [SYS/TEMP] Temporary authentication failure, try again later."

atf_test_case kill_idle cleanup
kill_idle_head()
{
	atf_set "descr" "postern-auth killed while idle is logged and" \
	    "restarted; the next login works"
	atf_set "require.user" "root"
}
kill_idle_body()
{
	postern_setup
	postern_start
	atf_check -o inline:"ok\n" "$T/py" -c 'from poptest import *
main(lambda: login().expect("QUIT", "+OK Logging out."))'
	# Not SEGV: a sanitizer build would report the forged fault.
	for sig in KILL TERM USR1; do
		old=$(postern_procs "postern-auth")
		[ -n "$old" ] || atf_fail "no postern-auth"
		kill -$sig "$old"
		postern_wait_log "restarting it" $((${n:-0} + 1))
		n=$((${n:-0} + 1))
		# Wait for the new one (started after a pause when the old
		# one died young).
		i=0
		while new=$(postern_procs "postern-auth") &&
		    { [ -z "$new" ] || [ "$new" = "$old" ]; }; do
			i=$((i + 1))
			[ $i -lt 200 ] || atf_fail "postern-auth not restarted"
			sleep 0.05
		done
		atf_check -o inline:"ok\n" "$T/py" -c 'from poptest import *
def run():
    c = login()
    c.expect("STAT", "+OK 0 0")
    c.expect("QUIT", "+OK Logging out.")
main(run)'
	done
	atf_check -o match:"postern-auth killed by signal 9, restarting it" \
	    cat "$T/log"
	atf_check -o match:"postern-auth killed by signal 15, restarting it" \
	    cat "$T/log"
	atf_check -o match:"auth_restarts	-	3" \
	    "$POSTERN_BIN/posternctl" -s "$T/posternd.sock" -t show stats
	postern_check_log
}
kill_idle_cleanup()
{
	postern_cleanup
}

atf_test_case kill_inflight cleanup
kill_inflight_head()
{
	atf_set "descr" "A login in flight when postern-auth dies gets" \
	    "-ERR [SYS/TEMP]; so does one in the restart pause"
	atf_set "require.user" "root"
}
kill_inflight_body()
{
	# A long failure delay keeps a wrong password in postern-auth.
	postern_setup "failure-delay 8s" "failure-delay-max 8s"
	postern_start
	cat > c.py <<PYEOF
import os, signal, time
from poptest import *

TEMP = "$TEMP"

def auth_pid():
    return one_child("postern-auth")

def new_auth(old):
    found = []
    def seen():
        found[:] = [p for p in children("postern-auth") if p != old]
        return len(found) == 1
    wait_for(seen, "a new postern-auth")
    return found[0]

def run():
    # 1. A wrong password waits out the failure delay in postern-auth;
    #    killed meanwhile, the client is answered at once.
    c = Client(tls=True)
    c.expect("USER alice", "+OK")
    c.send("PASS wrong\r\n")
    time.sleep(0.5)
    old = auth_pid()
    t = time.time()
    os.kill(old, signal.SIGKILL)
    expect_eq(c.line(), TEMP, "login in flight")
    check(time.time() - t < 4, "answered without waiting out the delay")
    a = new_auth(old)
    # The connection is still usable, and a login works.
    c.login("alice", "alicepw")
    c.expect("QUIT", "+OK Logging out.")

    # 2. Killed again at once: it died young, so the master waits a
    #    second before the next start; a login in that pause fails
    #    with the temporary error, not a hang.
    os.kill(a, signal.SIGKILL)
    wait_for(lambda: not children("postern-auth"), "postern-auth to go")
    c = Client(tls=True)
    c.expect("USER alice", "+OK")
    t = time.time()
    got = c.cmd("PASS alicepw")
    check(time.time() - t < 4, "answered at once")
    if not children("postern-auth"):
        expect_eq(got, TEMP, "login while postern-auth is down")
    else:
        print("note: postern-auth was back before the login", file=sys.stderr)
    b = new_auth(a)
    c.login("alice", "alicepw")
    c.expect("QUIT", "+OK Logging out.")

main(run)
PYEOF
	atf_check -o inline:"ok\n" -e ignore "$T/py" c.py
	atf_check -o match:"postern-auth killed by signal 9, restarting it" \
	    cat "$T/log"
	postern_check_log
}
kill_inflight_cleanup()
{
	postern_cleanup
}

atf_test_case kill_mid_sasl cleanup
kill_mid_sasl_head()
{
	atf_set "descr" "postern-auth killed in the middle of a SASL" \
	    "exchange: the client's next response gets -ERR [SYS/TEMP]"
	atf_set "require.user" "root"
}
kill_mid_sasl_body()
{
	postern_setup
	postern_start
	cat > c.py <<PYEOF
import os, signal, time
from poptest import *

TEMP = "$TEMP"

def run():
    for mech, first, rest in (
            ("PLAIN", "+ ", [b64("\0alice\0alicepw")]),
            ("LOGIN", "+ " + b64("Username:"), [b64("alice"),
                                                 b64("alicepw")])):
        c = Client(tls=True)
        c.expect("AUTH " + mech, first)
        old = one_child("postern-auth")
        os.kill(old, signal.SIGKILL)
        wait_for(lambda: children("postern-auth") not in ([], [old]),
                 "postern-auth to restart")
        # The exchange died with postern-auth: whatever the client
        # sends next is answered with the temporary error (or, for a
        # second step, a new challenge is never sent).
        c.send(rest[0] + "\r\n")
        try:
            got = c.line()
        except (EOFError, ConnectionResetError):
            raise Failure("AUTH %s: connection dropped instead of a "
                          "temporary error" % mech)
        expect_eq(got, TEMP, "AUTH %s after postern-auth died" % mech)
        # The connection goes on, as after any failed login.
        try:
            c.expect("AUTH PLAIN " + b64("\0alice\0alicepw"),
                     "+OK Logged in.")
        except (EOFError, ConnectionResetError, ssl.SSLError):
            raise Failure("AUTH %s: connection dropped after the "
                          "temporary error" % mech)
        c.expect("QUIT", "+OK Logging out.")
        time.sleep(2.1)     # let the next death count as an old one

main(run)
PYEOF
	atf_check -o inline:"ok\n" "$T/py" c.py
	postern_check_log
}
kill_mid_sasl_cleanup()
{
	postern_cleanup
}

atf_init_test_cases()
{
	atf_add_test_case kill_idle
	atf_add_test_case kill_inflight
	atf_add_test_case kill_mid_sasl
}
