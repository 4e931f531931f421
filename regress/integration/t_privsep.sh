#! /usr/bin/env atf-sh
# Privilege separation of the real posternd, read from /proc: the
# pre-login workers (postern-worker on a plain port, postern-tlsworker
# on a TLS port and after STLS) run as `user' (nobody here) with no
# other group, chrooted to the empty directory, no capabilities, in a
# seccomp filter; the session runs as the mail user (uid, gid,
# supplementary groups, home); the TLS relay stays the unprivileged
# TLS worker; a clear-text login leaves no worker behind.

. "$(atf_get_srcdir)/postern.subr"

write_helpers()
{
	cat > procs.py <<'PYEOF'
import os
from poptest import *

def status(pid):
    out = {}
    with open("/proc/%d/status" % pid) as f:
        for l in f:
            k, v = l.split(":", 1)
            out[k] = v.split()
    return out

def title(pid):
    with open("/proc/%d/cmdline" % pid, "rb") as f:
        return f.read().replace(b"\0", b" ").decode().strip()

def check_ids(pid, uid, gid, groups, what):
    st = status(pid)
    expect_eq(st["Uid"], [str(uid)] * 4, what + " Uid (real, eff, saved, fs)")
    expect_eq(st["Gid"], [str(gid)] * 4, what + " Gid (real, eff, saved, fs)")
    expect_eq(sorted(int(g) for g in st["Groups"]), sorted(groups),
              what + " supplementary groups")
    for cap in ("CapInh", "CapPrm", "CapEff", "CapAmb"):
        expect_eq(int(st[cap][0], 16), 0, what + " " + cap)
    return st

def check_worker(pid, what):
    """The unprivileged worker: nobody, chrooted, sandboxed."""
    st = check_ids(pid, 65534, 65534, [65534], what)
    expect_eq(os.readlink("/proc/%d/root" % pid), os.path.join(T, "empty"),
              what + " root directory")
    expect_eq(os.readlink("/proc/%d/cwd" % pid), os.path.join(T, "empty"),
              what + " working directory")
    expect_eq(st["Seccomp"], ["2"], what + " seccomp mode (filter)")
    expect_eq(st["NoNewPrivs"], ["1"], what + " no_new_privs")
    # Besides stdin, stdout and stderr (the log, with posternd -d),
    # only sockets are open: the client, the master channel and the
    # relay's socketpair.  No file of the master leaks in.
    fds = os.listdir("/proc/%d/fd" % pid)
    for fd in fds:
        if int(fd) <= 2:
            continue
        target = os.readlink("/proc/%d/fd/%s" % (pid, fd))
        check(target.startswith("socket:") or target.startswith("/dev/null")
              or target.startswith("pipe:") or target.startswith("anon_inode:"),
              "%s has fd %s open on %s" % (what, fd, target))

def program(pid):
    """The worker program a process runs, from its title."""
    return title(pid).split(":", 1)[0]
PYEOF
}

atf_test_case worker cleanup
worker_head()
{
	atf_set "descr" "The pre-login workers run as user, chrooted, in" \
	    "seccomp: postern-worker before STLS, postern-tlsworker after" \
	    "it and on the TLS port"
	atf_set "require.user" "root"
}
worker_body()
{
	postern_setup
	postern_start
	write_helpers
	cat > c.py <<'PYEOF'
from procs import *
def run():
    c = Client()
    pid = one_child("pre-login")
    check("pop3 pre-login [127.0.0.1]" in title(pid), "title %r" % title(pid))
    expect_eq(program(pid), "postern-worker", "plain port's worker")
    check_worker(pid, "pre-login worker")
    c.stls()
    # A fresh TLS worker goes on with the connection; the plain one ends.
    tls = one_child("pre-login")
    check(tls != pid, "the same worker after STLS")
    expect_eq(program(tls), "postern-tlsworker", "worker after STLS")
    check_worker(tls, "TLS worker after STLS")
    c.expect("USER alice", "+OK")
    check_worker(tls, "TLS worker after USER")
    c.close()
    c = Client(tls=True)
    pid = one_child("pre-login")
    expect_eq(program(pid), "postern-tlsworker", "TLS port's worker")
    check_worker(pid, "worker on the TLS port")
    c.close()
main(run)
PYEOF
	atf_check -o inline:"ok\n" "$T/py" c.py
	# The master and postern-auth stay root; postern-auth is outside
	# the chroot.
	atf_check -o match:"^Uid:	0	0	0	0" cat /proc/$(postern_pid)/status
	auth=$(postern_procs postern-auth)
	atf_check -o match:"^Uid:	0	0	0	0" cat /proc/$auth/status
	atf_check -o inline:"/\n" readlink /proc/$auth/root
	postern_check_log
}
worker_cleanup()
{
	postern_cleanup
}

atf_test_case session_tls cleanup
session_tls_head()
{
	atf_set "descr" "After a TLS login the session runs as the mail user" \
	    "and the relay stays the unprivileged worker"
	atf_set "require.user" "root"
}
session_tls_body()
{
	postern_setup
	postern_start
	write_helpers
	cat > c.py <<'PYEOF'
from procs import *
def run():
    for user, uid in (("alice", 2001), ("bob", 2002)):
        c = login(user)
        pid = one_child("postern-session: pop3 %s [127.0.0.1]" % user)
        check_ids(pid, uid, uid, [uid], "session of " + user)
        expect_eq(os.readlink("/proc/%d/cwd" % pid),
                  os.path.join(T, "home", user), "session cwd")
        expect_eq(os.readlink("/proc/%d/root" % pid), "/", "session root")
        relay = one_child("pop3 tls-relay %s [127.0.0.1]" % user)
        check_worker(relay, "TLS relay of " + user)
        check(not children("pre-login"), "no pre-login worker is left")
        c.expect("STAT", "+OK 0 0")
        c.expect("QUIT", "+OK Logging out.")
        wait_for(lambda: not children("postern-session") and
                 not children("tls-relay"), "the session and relay to end")
    # STLS: the same.
    c = Client()
    c.stls()
    c.login("carol", "carolpw")
    check_ids(one_child("pop3 carol"), 2003, 2003, [2003], "session (STLS)")
    check_worker(one_child("tls-relay carol"), "relay (STLS)")
    c.expect("QUIT", "+OK Logging out.")
main(run)
PYEOF
	atf_check -o inline:"ok\n" "$T/py" c.py
	postern_check_log
}
session_tls_cleanup()
{
	postern_cleanup
}

atf_test_case session_plain cleanup
session_plain_head()
{
	atf_set "descr" "After a clear-text login the socket is handed over" \
	    "and no worker stays"
	atf_set "require.user" "root"
}
session_plain_body()
{
	postern_setup
	POP3_EXTRA="	login-type plaintext-login"
	postern_write_conf
	postern_start
	write_helpers
	cat > c.py <<'PYEOF'
from procs import *
def run():
    c = Client()
    c.login("alice", "alicepw")
    pid = one_child("postern-session: pop3 alice")
    check_ids(pid, 2001, 2001, [2001], "session")
    wait_for(lambda: not children("postern-worker"), "the worker to exit")
    # The session holds the client's TCP socket itself.
    port = c.sock.getsockname()[1]
    inodes = set()
    for fd in os.listdir("/proc/%d/fd" % pid):
        t = os.readlink("/proc/%d/fd/%s" % (pid, fd))
        if t.startswith("socket:["):
            inodes.add(t[8:-1])
    found = False
    with open("/proc/net/tcp") as f:
        for l in list(f)[1:]:
            x = l.split()
            if int(x[1].split(":")[1], 16) != 0 and x[9] in inodes and \
                    int(x[2].split(":")[1], 16) == port:
                found = True
    check(found, "the session holds the client connection")
    c.expect("QUIT", "+OK Logging out.")
main(run)
PYEOF
	atf_check -o inline:"ok\n" "$T/py" c.py
	postern_check_log
}
session_plain_cleanup()
{
	postern_cleanup
}

atf_test_case session_groups cleanup
session_groups_head()
{
	atf_set "descr" "A virtual user named like a system account gets" \
	    "that account's supplementary groups"
	atf_set "require.user" "root"
	atf_set "require.progs" "useradd userdel groupadd groupdel"
}
session_groups_body()
{
	postern_setup
	# A system account with one supplementary group, and a passwd-file
	# line with the same name and uid.
	n=ptg$$
	uid=$(awk -F: 'BEGIN { u = 3100 } { used[$3] = 1 }
	    END { while (u in used) u++; print u }' /etc/passwd)
	gid=$(awk -F: 'BEGIN { g = 3100 } { used[$3] = 1 }
	    END { while (g in used) g++; print g }' /etc/group)
	echo "$n" > "$(pwd)/sysuser"
	groupadd -g "$gid" "${n}x" || atf_fail "groupadd"
	useradd -M -N -g "${n}x" -G "${n}x" -u "$uid" -s /usr/sbin/nologin \
	    -d "$T/home/$n" "$n" || atf_fail "useradd"
	usermod -a -G nogroup "$n" || atf_fail "usermod"
	h="$T/home/$n"
	mkdir -p "$h/Maildir/cur" "$h/Maildir/new" "$h/Maildir/tmp"
	chown -R "$uid:$gid" "$h"
	chmod 700 "$h"
	echo "$n:$(openssl passwd -6 secretpw):$uid:$gid::$h::" >> "$T/passwd"
	postern_start
	write_helpers
	cat > c.py <<PYEOF
from procs import *
def run():
    c = login("$n", "secretpw")
    pid = one_child("postern-session: pop3 $n")
    check_ids(pid, $uid, $gid, [$gid, 65534], "session")
    c.expect("QUIT", "+OK Logging out.")
main(run)
PYEOF
	atf_check -o inline:"ok\n" "$T/py" c.py
	postern_check_log
}
session_groups_cleanup()
{
	if [ -f sysuser ]; then
		n=$(cat sysuser)
		userdel "$n" 2>/dev/null
		groupdel "${n}x" 2>/dev/null
	fi
	postern_cleanup
}

atf_init_test_cases()
{
	atf_add_test_case worker
	atf_add_test_case session_tls
	atf_add_test_case session_plain
	atf_add_test_case session_groups
}
