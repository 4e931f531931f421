#! /usr/bin/env atf-sh
# posternctl against the real posternd: show settings (table, JSON,
# TSV), show sessions while clients are connected, show stats counting
# what the test did, reload, kick, log verbose|brief, and the control
# socket refusing anyone but root.

. "$(atf_get_srcdir)/postern.subr"

ctl()
{
	echo "$POSTERN_BIN/posternctl -s $T/posternd.sock"
}

atf_test_case settings cleanup
settings_head()
{
	atf_set "descr" "show settings as a table, as JSON and as TSV"
	atf_set "require.user" "root"
}
settings_body()
{
	postern_setup "max-connections 1234"
	postern_start
	atf_check -s exit:0 -o save:table $(ctl) show settings
	atf_check -o match:"^SCOPE +SETTING +VALUE" head -n 1 table
	atf_check -o match:"^global +max-connections +1234$" cat table
	atf_check -o match:"^pop3 +listen +on 127.0.0.1 port $POP3S_PORT tls$" \
	    cat table
	atf_check -s exit:0 -o save:tsv $(ctl) -t show settings
	atf_check -o inline:"scope	setting	value\n" head -n 1 tsv
	atf_check -o match:"^pop3	max-connections-per-ip	20$" cat tsv
	atf_check -o match:"^global	hostname	localhost$" cat tsv
	# Same rows in each format.
	atf_check_equal "$(($(wc -l < table) - 1))" "$(($(wc -l < tsv) - 1))"
	atf_check -s exit:0 -o save:json $(ctl) -j show settings pop3
	cat > j.py <<'PYEOF'
import json, sys
from poptest import *
def run():
    rows = json.load(open("json"))
    check(isinstance(rows, list) and rows, "a JSON array")
    for r in rows:
        expect_eq(sorted(r), ["scope", "setting", "value"], "row keys")
        check(r["scope"] in ("global", "pop3"), "scope %r" % r["scope"])
    get = lambda scope, k: [r["value"] for r in rows
                            if r["scope"] == scope and r["setting"] == k]
    expect_eq([str(v) for v in get("global", "max-connections")], ["1234"],
              "global max-connections")
    expect_eq([str(v) for v in get("pop3", "max-connections")], ["1234"],
              "inherited by pop3")
    expect_eq(get("global", "user"), ["nobody"], "user")
    expect_eq(sorted(get("pop3", "listen")),
              sorted(["on 127.0.0.1 port %d" % PORT,
                      "on 127.0.0.1 port %d tls" % PORTS]), "listeners")
    expect_eq(get("pop3", "login-type"), ["secure"], "login-type")
main(run)
PYEOF
	atf_check -o inline:"ok\n" "$T/py" j.py
	atf_check -s not-exit:0 -o ignore -e match:"unknown protocol|usage" \
	    $(ctl) show settings gopher
	postern_check_log
}
settings_cleanup()
{
	postern_cleanup
}

atf_test_case sessions_stats cleanup
sessions_stats_head()
{
	atf_set "descr" "show sessions lists connected clients; show stats" \
	    "counts the test's connections, logins and failures"
	atf_set "require.user" "root"
}
sessions_stats_body()
{
	postern_setup "failure-delay-max 1s"
	postern_start
	$(ctl) -t show stats > stats0 || atf_fail "show stats"
	cat > c.py <<'PYEOF'
import json, os, subprocess
from poptest import *

CTL = [os.environ["POSTERN_BIN"] + "/posternctl", "-s",
       os.path.join(T, "posternd.sock")]

def ctl_json(*args):
    out = subprocess.run(CTL + ["-j"] + list(args), check=True,
                         capture_output=True, text=True).stdout
    return json.loads(out)

def stats():
    return {(r["counter"], r["protocol"]): int(r["value"])
            for r in ctl_json("show", "stats")}

def run():
    wait_idle()     # the start-up probes are gone
    s0 = stats()
    a = login("alice")
    b = Client()
    b.stls()
    b.login("bob", "bobpw")
    p = Client()            # before login
    rows = ctl_json("show", "sessions")
    by_user = {r["user"]: r for r in rows}
    for u, c in (("alice", a), ("bob", b)):
        r = by_user.get(u)
        check(r is not None, "no row for %s in %r" % (u, rows))
        expect_eq(r["state"], "session", u + " state")
        expect_eq(r["proto"], "pop3", u + " proto")
        expect_eq(r["address"], "127.0.0.1", u + " address")
        expect_eq(int(r["port"]), c.sock.getsockname()[1], u + " port")
        check(str(r["tls"]).startswith("TLSv1."), u + " tls %r" % r["tls"])
    pre = [r for r in rows if r["state"] == "pre-login"]
    expect_eq(len(pre), 1, "one client before login")
    expect_eq(int(pre[0]["port"]), p.sock.getsockname()[1], "its port")
    expect_eq(str(pre[0]["tls"]), "-", "no TLS yet")
    # One wrong password.
    p.stls()
    p.expect("USER carol", "+OK")
    p.expect("PASS wrong", "-ERR [AUTH] Authentication failed.")
    s1 = stats()
    d = lambda k, proto="pop3": s1[(k, proto)] - s0.get((k, proto), 0)
    expect_eq(d("connections_accepted"), 3, "connections accepted")
    expect_eq(d("logins"), 2, "logins")
    expect_eq(s1[("sessions_now", "pop3")], 2, "sessions now")
    expect_eq(s1[("connections_now", "pop3")], 3, "connections now")
    expect_eq(d("login_failures_credentials", "-"), 1, "failed logins")
    a.expect("QUIT", "+OK Logging out.")
    b.expect("QUIT", "+OK Logging out.")
    p.close()
    def gone():
        s = stats()
        return s[("connections_now", "pop3")] == 0 and \
            s[("sessions_now", "pop3")] == 0
    wait_for(gone, "the counts to drop")
    expect_eq([r for r in ctl_json("show", "sessions")], [], "no sessions")
main(run)
PYEOF
	atf_check -o inline:"ok\n" env POSTERN_BIN="$POSTERN_BIN" "$T/py" c.py
	# The table has a header and one row per connection.
	atf_check -o match:"^ID +PROTO +STATE +USER +ADDRESS" $(ctl) show sessions
	postern_check_log
}
sessions_stats_cleanup()
{
	postern_cleanup
}

atf_test_case reload cleanup
reload_head()
{
	atf_set "descr" "reload applies a good file and refuses a bad one"
	atf_set "require.user" "root"
}
reload_body()
{
	postern_setup
	postern_start
	POP3_EXTRA='	banner "After reload"'
	postern_write_conf
	atf_check -s exit:0 -o match:"reloaded" $(ctl) reload
	postern_check_greeting "After reload"
	echo "bogus-setting" >> "$T/postern.conf"
	atf_check -s not-exit:0 -o ignore -e match:"reload failed" \
	    $(ctl) reload
	atf_check -o match:"$T/postern.conf:[0-9]+: " cat "$T/log"
	postern_check_greeting "After reload"
	atf_check -o match:"^reloads	-	2$" $(ctl) -t show stats
	atf_check -o match:"^reload_failures	-	1$" $(ctl) -t show stats
	postern_check_log
}
reload_cleanup()
{
	postern_cleanup
}

atf_test_case kick cleanup
kick_head()
{
	atf_set "descr" "kick USER ends that user's sessions, kick ID one" \
	    "connection; the client is told or disconnected"
	atf_set "require.user" "root"
}
kick_body()
{
	postern_setup
	postern_start
	cat > c.py <<'PYEOF'
import json, os, subprocess
from poptest import *

CTL = [os.environ["POSTERN_BIN"] + "/posternctl", "-s",
       os.path.join(T, "posternd.sock")]

def ended(c, who):
    try:
        line = c.line()
        check(line.startswith("-ERR [SYS/TEMP] "), "%s got %r" % (who, line))
    except (EOFError, ConnectionResetError):
        pass
    check(c.at_eof(), who + " disconnected")

def run():
    a = login("alice")
    b = login("bob", tls=False)
    r = subprocess.run(CTL + ["kick", "alice"], capture_output=True,
                       text=True)
    expect_eq(r.returncode, 0, "kick alice: " + r.stderr)
    ended(a, "alice")
    b.expect("NOOP", "+OK")
    wait_for(lambda: not children("pop3 alice"), "alice's session to end")
    # By connection id.
    rows = json.loads(subprocess.run(CTL + ["-j", "show", "sessions"],
                                     check=True, capture_output=True,
                                     text=True).stdout)
    expect_eq(len(rows), 1, "sessions left")
    r = subprocess.run(CTL + ["kick", str(rows[0]["id"])],
                       capture_output=True, text=True)
    expect_eq(r.returncode, 0, "kick id: " + r.stderr)
    ended(b, "bob")
    # Nobody to kick.
    r = subprocess.run(CTL + ["kick", "carol"], capture_output=True,
                       text=True)
    check(r.returncode != 0, "kick of a user without sessions fails")
    # A kicked POP3 session deletes nothing: it had no QUIT.
    c = login("alice")
    c.expect("QUIT", "+OK Logging out.")
main(run)
PYEOF
	atf_check -o inline:"ok\n" env POSTERN_BIN="$POSTERN_BIN" "$T/py" c.py
	atf_check -o match:"kick: id=[0-9]+ proto=pop3 addr=127.0.0.1" \
	    cat "$T/log"
	postern_check_log
}
kick_cleanup()
{
	postern_cleanup
}

atf_test_case log_level cleanup
log_level_head()
{
	atf_set "descr" "log verbose adds debugging messages, log brief" \
	    "removes them"
	atf_set "require.user" "root"
}
log_level_body()
{
	postern_setup
	postern_start
	atf_check -s exit:0 -o match:"verbos" $(ctl) log verbose
	# Restarting postern-auth logs a debugging line in the master.
	kill -KILL "$(postern_procs postern-auth)"
	postern_wait_log "postern-auth started, pid"
	sleep 2.1
	atf_check -s exit:0 -o match:"brief" $(ctl) log brief
	kill -KILL "$(postern_procs postern-auth)"
	postern_wait_log "restarting it" 2
	i=0
	while [ -z "$(postern_procs postern-auth)" ] && [ $i -lt 100 ]; do
		sleep 0.05
		i=$((i + 1))
	done
	sleep 0.5
	atf_check -o inline:"1\n" grep -c "postern-auth started, pid" "$T/log"
	atf_check -s not-exit:0 -o ignore -e ignore $(ctl) log loud
	postern_check_log
}
log_level_cleanup()
{
	postern_cleanup
}

atf_test_case not_root cleanup
not_root_head()
{
	atf_set "descr" "Only root may use the control socket"
	atf_set "require.user" "root"
	atf_set "require.progs" "setpriv"
}
not_root_body()
{
	postern_setup
	postern_start
	atf_check -o match:"^srw------- +[0-9]+ root +root " \
	    ls -l "$T/posternd.sock"
	for cmd in "show stats" "show sessions" "reload" "kick alice"; do
		atf_check -s not-exit:0 -o empty -e match:"Permission denied" \
		    setpriv --reuid=65534 --regid=65534 --clear-groups \
		    $(ctl) $cmd
	done
	# Even with the socket's mode opened up, the daemon checks the
	# peer's credentials.
	chmod 666 "$T/posternd.sock"
	atf_check -s not-exit:0 -o empty -e not-match:"^$" \
	    setpriv --reuid=65534 --regid=65534 --clear-groups $(ctl) reload
	atf_check -o match:"control: connection from uid 65534 refused" \
	    cat "$T/log"
	atf_check -o match:"^reloads	-	0$" $(ctl) -t show stats
	postern_check_log
}
not_root_cleanup()
{
	postern_cleanup
}

atf_init_test_cases()
{
	atf_add_test_case settings
	atf_add_test_case sessions_stats
	atf_add_test_case reload
	atf_add_test_case kick
	atf_add_test_case log_level
	atf_add_test_case not_root
}
