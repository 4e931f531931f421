#! /usr/bin/env atf-sh
# postern-auth's login cache through the real daemon: a second login
# with the same password is answered from the cache (the log says so),
# a wrong password after it is still refused after the failure delay,
# a password changed in the passwd-file counts at once (the old one is
# refused, the new one works), an entry lives auth-cache-ttl and no
# longer, a reload with other auth settings forgets everything, and
# auth-cache-ttl 0 turns the cache off.

. "$(atf_get_srcdir)/auth.subr"

# cache_set_password USER PASSWORD: a new hash for USER, the file
# replaced as an editor would.
cache_set_password()
{
	h=$(openssl passwd -6 "$2")
	awk -F: -v u="$1" -v h="$h" 'BEGIN { OFS = ":" }
	    $1 == u { $2 = h } { print }' "$T/passwd" > "$T/passwd.new"
	chmod 600 "$T/passwd.new"
	mv "$T/passwd.new" "$T/passwd"
}

# cache_pylib: the Python helpers of these tests, in ./cachelib.py
# beside the scripts that import it.
cache_pylib()
{
	cat > cachelib.py <<'PYEOF'
import os, sys
sys.path.insert(0, os.environ["T"])
from authlib import *

OK_LINE = ('auth ok: id=%d proto=pop3 addr=127.0.0.1 user="%s" '
           'mech=command backend=passwd-file')


def login(user, pw):
    """USER/PASS on a new connection: the answer, the time it took and
    the connection id (of the greeting's log line)."""
    p = Pop()
    r, t = timed(p.userpass, user, pw)
    p.quit()
    return r, t


def ok_lines(user):
    """The log's success lines of user, in order: 'cached' or 'checked'."""
    out = []
    for l in log_text().splitlines():
        i = l.find("auth ok: ")
        if i == -1 or ('user="%s" ' % user) not in l:
            continue
        if l.endswith(" backend=passwd-file (cached)"):
            out.append("cached")
        elif l.endswith(" backend=passwd-file"):
            out.append("checked")
        else:
            raise Failure("odd success line %r" % l)
    return out


def expect_ok(user, pw, how, what):
    n = len(ok_lines(user))
    r, t = login(user, pw)
    login_ok(r, what)
    end = time.monotonic() + 10
    while len(ok_lines(user)) <= n and time.monotonic() < end:
        time.sleep(0.05)
    got = ok_lines(user)[n:]
    eq(got, [how], what + ": the log")
    return t


def expect_refused(user, pw, what):
    r, t = login(user, pw)
    eq(r, FAILED, what)
    # failure-delay 1s, and only one failure for this user just now.
    check(0.9 <= t <= 1.9, "%s: refused after %.2fs" % (what, t))
    return t
PYEOF
}

atf_test_case password_change cleanup
password_change_head()
{
	atf_set "descr" "a second login is answered from the cache; a" \
	    "wrong password still waits the failure delay; a changed" \
	    "password counts at once"
	auth_head openssl
}
password_change_body()
{
	auth_setup
	cache_pylib
	postern_write_conf "login-type plaintext-login" "failure-delay-max 1s"
	auth_start
	cat > c.py <<'PYEOF'
from cachelib import *
t1 = expect_ok("alice", "alicepw", "checked", "first login")
t2 = expect_ok("alice", "alicepw", "cached", "second login")
expect_ok("alice", "alicepw", "cached", "third login")
print("checked %.4fs, cached %.4fs" % (t1, t2))
# A cached success does not let a wrong password through faster.
expect_refused("alice", "alicepx", "wrong password after a cached login")
wait_log('user="alice" mech=command reason="wrong password" delay=1000ms')
# Nor is a failure remembered: the right one is still cached.
expect_ok("alice", "alicepw", "cached", "right password again")
# Another user has an entry of its own.
expect_ok("bob", "bobpw", "checked", "bob's first login")
PYEOF
	atf_check -o save:times "$T/apy" c.py
	cat times

	# The password is changed in the file, nothing else: the old one
	# is refused at once, the new one works, then from the cache.
	cache_set_password alice "n3w-pw"
	cat > d.py <<'PYEOF'
from cachelib import *
expect_refused("alice", "alicepw", "the old password after the change")
expect_ok("alice", "n3w-pw", "checked", "the new password")
expect_ok("alice", "n3w-pw", "cached", "the new password again")
expect_refused("alice", "alicepw", "the old password once more")
# bob's entry went with the file's version, not with bob's line.
expect_ok("bob", "bobpw", "checked", "bob after the file changed")
PYEOF
	atf_check "$T/apy" d.py
	atf_check -o match:'reason="wrong password" delay=1000ms' \
	    grep -F 'user="alice" mech=command reason="wrong password"' \
	    "$T/log"
	# The failure lines are what they always were, for fail2ban.
	auth_f2b_hosts > hosts
	atf_check -o inline:"3\n" grep -c -x 127.0.0.1 hosts
	postern_check_log
}
password_change_cleanup()
{
	. "$(atf_get_srcdir)/auth.subr"
	auth_cleanup
}

# reload_ttl TTL: reload with auth-cache-ttl TTL (and $POP3_EXTRA).
reload_ttl()
{
	postern_write_conf "login-type plaintext-login" "auth-cache-ttl $1"
	atf_check -o match:"^reloaded " "$T/ctl" reload
}

atf_test_case ttl_reload cleanup
ttl_reload_head()
{
	atf_set "descr" "an entry lives auth-cache-ttl; a reload with other" \
	    "auth settings forgets the cache, auth-cache-ttl 0 turns it off"
	auth_head openssl
}
ttl_reload_body()
{
	auth_setup
	cache_pylib
	postern_write_conf "login-type plaintext-login" "auth-cache-ttl 2s"
	auth_start
	cat > c.py <<'PYEOF'
from cachelib import *
expect_ok("alice", "alicepw", "checked", "first login")
expect_ok("alice", "alicepw", "cached", "second login")
time.sleep(2.2)
expect_ok("alice", "alicepw", "checked", "after the TTL")
expect_ok("alice", "alicepw", "cached", "cached again")
PYEOF
	atf_check "$T/apy" c.py

	# Other auth settings: the cache starts empty.
	reload_ttl 1m
	cat > d.py <<'PYEOF'
from cachelib import *
expect_ok("alice", "alicepw", "checked", "after the reload")
expect_ok("alice", "alicepw", "cached", "cached after the reload")
PYEOF
	atf_check "$T/apy" d.py

	# A reload that leaves the auth settings alone keeps it.
	POP3_EXTRA="	banner \"Other banner\""
	reload_ttl 1m
	cat > e.py <<'PYEOF'
from cachelib import *
expect_ok("alice", "alicepw", "cached", "after a reload of the banner")
PYEOF
	atf_check "$T/apy" e.py

	# Off.
	POP3_EXTRA=""
	reload_ttl 0
	cat > f.py <<'PYEOF'
from cachelib import *
for i in range(3):
    expect_ok("alice", "alicepw", "checked", "cache off, login %d" % i)
PYEOF
	atf_check "$T/apy" f.py
	atf_check -o match:"^global +auth-cache-ttl +0s$" "$T/ctl" show settings
	postern_check_log
}
ttl_reload_cleanup()
{
	. "$(atf_get_srcdir)/auth.subr"
	auth_cleanup
}

atf_init_test_cases()
{
	atf_add_test_case password_change
	atf_add_test_case ttl_reload
}
