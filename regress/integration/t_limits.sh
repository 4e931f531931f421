#! /usr/bin/env atf-sh
# Connection limits, enforced by the real posternd's master before a
# worker reads anything: max-connections-per-ip (default 20, trusted
# networks exempt) and max-connections; a client over a limit gets one
# "-ERR [SYS/TEMP] ..." line and is closed (nothing on implicit-TLS
# ports); the counts drop when connections end, however they end.

. "$(atf_get_srcdir)/postern.subr"

# Shared by the cases: open N connections and keep them, check the
# refusal, free some, and see that the count went down.
write_helpers()
{
	cat > limits.py <<'PYEOF'
import os, signal, socket, ssl
from poptest import *

REFUSAL = b"-ERR [SYS/TEMP] Too many connections, try again later.\r\n"

def hold(n, tls=False):
    """n connections, each greeted (so the master counted it)."""
    return [Client(tls=tls) for _ in range(n)]

def refused(port=PORT):
    """A connection the master refuses: the one line, then the end."""
    s = socket.create_connection((HOST, port), TIMEOUT)
    data = b""
    while True:
        d = s.recv(4096)
        if not d:
            break
        data += d
    s.close()
    return data

def refused_tls():
    """On an implicit-TLS port the refusal is a close without a line."""
    s = socket.create_connection((HOST, PORTS), TIMEOUT)
    try:
        tls_context().wrap_socket(s, server_hostname=HOST)
    except (ssl.SSLError, ConnectionResetError, OSError):
        return True
    return False

def accepted(tries=100):
    """A new connection that is greeted, retrying for a while: the
    master learns of ended connections asynchronously.  Returns the
    client, still connected."""
    for _ in range(tries):
        c = Client(greeting=False)
        try:
            line = c.rawline()
        except EOFError:
            line = b""
        if line.startswith(b"+OK"):
            return c
        check(line in (REFUSAL, b""), "unexpected %r" % line)
        c.close()
        time.sleep(0.1)
    raise Failure("no connection accepted")

def close_all(cs):
    for c in cs:
        c.close()
PYEOF
}

atf_test_case per_ip cleanup
per_ip_head()
{
	atf_set "descr" "The 21st connection from one address is refused" \
	    "with -ERR [SYS/TEMP]; closing connections frees the count"
	atf_set "require.user" "root"
}
per_ip_body()
{
	postern_setup
	postern_start
	write_helpers
	cat > c.py <<'PYEOF'
from limits import *
def run():
    wait_idle()     # the start-up probes are gone
    # Counted across both listeners of the address.
    cs = hold(15) + hold(5, tls=True)
    expect_eq(refused(), REFUSAL, "the 21st connection")
    check(refused_tls(), "the 22nd, on the TLS port, is closed")
    expect_eq(refused(), REFUSAL, "the 23rd connection")
    # Those held still work.
    cs[0].expect("NOOP", "-ERR [AUTH] Not logged in.")
    cs[19].expect("NOOP", "-ERR [AUTH] Not logged in.")
    # Logged-in sessions count as well.
    cs[0].stls()
    cs[0].login("alice", "alicepw")
    cs[19].login("bob", "bobpw")
    expect_eq(refused(), REFUSAL, "after logins")
    # Free three: three more fit, not four.
    close_all(cs[:3])
    cs = cs[3:] + [accepted()] + hold(2)
    expect_eq(refused(), REFUSAL, "the 21st again")
    close_all(cs)
    # All gone: 20 again.
    cs = [accepted()] + hold(19)
    expect_eq(refused(), REFUSAL, "the 21st, third time")
    close_all(cs)
main(run)
PYEOF
	atf_check -o inline:"ok\n" "$T/py" c.py
	atf_check -o match:'refused: proto=pop3 addr=127.0.0.1 port=[0-9]+ reason="max-connections-per-ip 20 reached"' \
	    cat "$T/log"
	postern_check_log
}
per_ip_cleanup()
{
	postern_cleanup
}

atf_test_case trusted cleanup
trusted_head()
{
	atf_set "descr" "Addresses in trusted-networks are exempt from" \
	    "max-connections-per-ip"
	atf_set "require.user" "root"
}
trusted_body()
{
	postern_setup "trusted-networks 127.0.0.1"
	postern_start
	write_helpers
	cat > c.py <<'PYEOF'
from limits import *
def run():
    wait_idle()     # the start-up probes are gone
    cs = hold(30) + hold(5, tls=True)
    for c in (cs[0], cs[29], cs[34]):
        c.expect("NOOP", "-ERR [AUTH] Not logged in.")
    close_all(cs)
main(run)
PYEOF
	atf_check -o inline:"ok\n" "$T/py" c.py
	atf_check -s exit:1 grep -q "refused:" "$T/log"
	# The same through a network and a block.
	postern_restart "trusted-networks { 10.0.0.0/8, 127.0.0.0/8 }"
	atf_check -o inline:"ok\n" "$T/py" c.py
	atf_check -s exit:1 grep -q "refused:" "$T/log"
	# An untrusted network does not cover 127.0.0.1.
	postern_restart "trusted-networks 127.0.0.2/32"
	atf_check -o inline:"ok\n" "$T/py" -c 'from limits import *
def run():
    wait_idle()     # the start-up probes are gone
    cs = hold(20)
    expect_eq(refused(), REFUSAL, "the 21st")
    close_all(cs)
main(run)'
	postern_check_log
}
trusted_cleanup()
{
	postern_cleanup
}

atf_test_case max_connections cleanup
max_connections_head()
{
	atf_set "descr" "max-connections 3 refuses the 4th connection," \
	    "trusted or not"
	atf_set "require.user" "root"
}
max_connections_body()
{
	postern_setup "trusted-networks 127.0.0.1"
	POP3_EXTRA="	max-connections 3"
	postern_write_conf "trusted-networks 127.0.0.1"
	postern_start
	write_helpers
	cat > c.py <<'PYEOF'
from limits import *
def run():
    wait_idle()     # the start-up probes are gone
    cs = hold(2) + hold(1, tls=True)
    expect_eq(refused(), REFUSAL, "the 4th connection")
    check(refused_tls(), "the 5th, on the TLS port")
    cs[0].stls()
    cs[0].login("alice", "alicepw")
    expect_eq(refused(), REFUSAL, "with a session")
    cs[0].expect("QUIT", "+OK Logging out.")
    cs = cs[1:] + [accepted()]
    expect_eq(refused(), REFUSAL, "the 4th again")
    cs[1].close()
    cs = [cs[0], cs[2], accepted()]
    expect_eq(refused(), REFUSAL, "the 4th after a close")
    close_all(cs)
main(run)
PYEOF
	atf_check -o inline:"ok\n" "$T/py" c.py
	atf_check -o match:'refused: proto=pop3 addr=127.0.0.1 port=[0-9]+ reason="max-connections 3 reached"' \
	    cat "$T/log"
	postern_check_log
}
max_connections_cleanup()
{
	postern_cleanup
}

atf_test_case killed cleanup
killed_head()
{
	atf_set "descr" "Counts drop when workers (also after STLS), relays" \
	    "and sessions are killed with SIGKILL"
	atf_set "require.user" "root"
}
killed_body()
{
	postern_setup
	POP3_EXTRA="	max-connections 3
	login-type plaintext-login"
	postern_write_conf
	postern_start
	write_helpers
	cat > c.py <<'PYEOF'
from limits import *

def kill_all(pattern, n, cs, what):
    """SIGKILL the n processes matching pattern; each client of cs
    sees the end of its connection to the killed what."""
    pids = children(pattern)
    expect_eq(len(pids), n, "processes matching %r" % pattern)
    for p in pids:
        os.kill(p, signal.SIGKILL)
    for c in cs:
        check(c.at_eof(), "client of a killed " + what)

def logged_in(cs):
    """alice, bob and carol logged in on the three clients cs."""
    for c, u in zip(cs, ("alice", "bob", "carol")):
        c.login(u, u + "pw")
    return cs

def all_ended():
    wait_for(lambda: not children("postern-session") and
             not children("postern-worker") and
             not children("postern-tlsworker"), "all children to end")

def run():
    wait_idle()     # the start-up probes are gone
    # Pre-login workers.
    cs = hold(3)
    expect_eq(refused(), REFUSAL, "the 4th")
    kill_all("pre-login", 3, cs, "worker")
    cs = [accepted()] + hold(2)
    expect_eq(refused(), REFUSAL, "the 4th again")
    close_all(cs)
    # A TLS worker after STLS: the connection's slot is the same one.
    wait_idle()
    cs = hold(3)
    cs[0].stls()
    expect_eq(refused(), REFUSAL, "the 4th after STLS")
    kill_all("postern-tlsworker", 1, cs[:1], "TLS worker")
    cs = cs[1:] + [accepted()]
    expect_eq(refused(), REFUSAL, "the 4th after the TLS worker")
    close_all(cs)
    wait_idle()
    # Sessions: clear text (no relay) and TLS (relay).
    cs = logged_in([accepted(), Client(tls=True), Client(tls=True)])
    expect_eq(refused(), REFUSAL, "with three sessions")
    kill_all("postern-session", 3, cs, "session")
    # TLS relays.
    accepted().close()
    all_ended()
    cs = logged_in([Client(tls=True) for u in range(3)])
    kill_all("tls-relay", 3, cs, "relay")
    cs = [accepted()] + hold(2)
    expect_eq(refused(), REFUSAL, "the 4th at the end")
    close_all(cs)
    all_ended()
main(run)
PYEOF
	atf_check -o inline:"ok\n" "$T/py" c.py
	i=0
	until postern_ctl -t show stats | grep -q "connections_now	pop3	0"
	do
		i=$((i + 1))
		[ $i -lt 100 ] || atf_fail "connections still counted"
		sleep 0.1
	done
	postern_check_log
}
killed_cleanup()
{
	postern_cleanup
}

atf_init_test_cases()
{
	atf_add_test_case per_ip
	atf_add_test_case trusted
	atf_add_test_case max_connections
	atf_add_test_case killed
}
