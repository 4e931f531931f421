#! /usr/bin/env atf-sh
# Signals to the real posternd: HUP reloads the configuration (a new
# banner for new connections while a logged-in session goes on; a
# broken file is reported with file:line and the old settings kept;
# listeners added and removed), TERM and INT stop listening, end the
# sessions, remove the pidfile and exit 0.

. "$(atf_get_srcdir)/postern.subr"

# start_one_message: the daemon, with one message of 22 octets for alice.
start_one_message()
{
	postern_setup
	printf 'Subject: a\n\nbody a\n' > ma
	postern_deliver alice ma
	postern_start
}

atf_test_case hup_banner cleanup
hup_banner_head()
{
	atf_set "descr" "HUP with a new banner: new connections see it, a" \
	    "logged-in session goes on"
	atf_set "require.user" "root"
}
hup_banner_body()
{
	start_one_message
	# A client that stays logged in across the reload; it waits for
	# the file "go" before using its session again.
	cat > session.py <<'PYEOF'
import os, time
from poptest import *
def run():
    c = login()
    c.expect("STAT", "+OK 1 22")
    with open("ready", "w"):
        pass
    wait_for(lambda: os.path.exists("go"), "the reload", 30)
    c.expect("STAT", "+OK 1 22")
    c.expect("RETR 1", "+OK 22 octets")
    expect_eq(c.multi(), ["Subject: a", "", "body a"], "RETR after HUP")
    c.expect("QUIT", "+OK Logging out.")
main(run)
PYEOF
	postern_client_bg "$T/py" session.py 200 "no session"
	session=$(postern_procs "postern-session: pop3 alice")
	[ -n "$session" ] || atf_fail "no session process"

	POP3_EXTRA='	banner "Reloaded banner, hello"'
	postern_write_conf
	kill -HUP "$(postern_pid)"
	postern_wait_log "reload: configuration"
	atf_check -o inline:"ok\n" "$T/py" -c 'from poptest import *
def run():
    expect_eq(Client().greeting, "+OK Reloaded banner, hello", "plain")
    expect_eq(Client(tls=True).greeting, "+OK Reloaded banner, hello", "tls")
main(run)'
	# The same session process is still there, and still works.
	atf_check_equal "$session" \
	    "$(postern_procs "postern-session: pop3 alice")"
	touch go
	postern_client_done session.py
	# The master is the same process.
	atf_check -s exit:0 kill -0 "$(postern_pid)"
	postern_check_log
}
hup_banner_cleanup()
{
	postern_cleanup
}

atf_test_case hup_broken cleanup
hup_broken_head()
{
	atf_set "descr" "HUP with a broken configuration keeps the old one" \
	    "and logs the error with file:line"
	atf_set "require.user" "root"
}
hup_broken_body()
{
	postern_setup
	POP3_EXTRA='	banner "Old banner"'
	postern_write_conf
	postern_start
	postern_check_greeting "Old banner"
	cp "$T/postern.conf" good.conf
	# Line 3 of the file has an unknown keyword; a later line a bad
	# number.
	{
		sed -n 1,2p good.conf
		echo "no-such-setting 12"
		sed -n '3,$p' good.conf | sed 's/banner "Old banner"/banner "New"\
	max-connections many/'
	} > "$T/postern.conf"
	badline=$(grep -n "max-connections many" "$T/postern.conf" | cut -d: -f1)
	kill -HUP "$(postern_pid)"
	postern_wait_log "keeping the running configuration"
	atf_check -o match:"$T/postern.conf:3: " cat "$T/log"
	atf_check -o match:"$T/postern.conf:$badline: " cat "$T/log"
	atf_check -o inline:"ok\n" "$T/py" -c 'from poptest import *
def run():
    expect_eq(Client().greeting, "+OK Old banner", "plain")
    c = login()
    c.expect("QUIT", "+OK Logging out.")
main(run)'
	atf_check -s exit:0 kill -0 "$(postern_pid)"
	# Fixed, the next HUP applies it.
	sed 's/Old banner/Fixed banner/' good.conf > "$T/postern.conf"
	kill -HUP "$(postern_pid)"
	postern_wait_log "reload: configuration"
	postern_check_greeting "Fixed banner"
	postern_check_log
}
hup_broken_cleanup()
{
	postern_cleanup
}

atf_test_case hup_listeners cleanup
hup_listeners_head()
{
	atf_set "descr" "HUP binds added listeners and closes removed ones;" \
	    "a port in use keeps the old configuration"
	atf_set "require.user" "root"
}
hup_listeners_body()
{
	postern_setup
	postern_start
	extra=$(postern_free_port)
	POP3_EXTRA="	listen on 127.0.0.1 port $extra"
	postern_write_conf
	kill -HUP "$(postern_pid)"
	postern_wait_log "reload: configuration"
	atf_check -o inline:"ok\n" "$T/py" -c "from poptest import *
def run():
    c = Client(port=$extra)
    c.stls()
    c.login('alice', 'alicepw')
    c.expect('QUIT', '+OK Logging out.')
    Client().close()
main(run)"
	# Removed again: the port is closed, the others stay.
	POP3_EXTRA=""
	postern_write_conf
	kill -HUP "$(postern_pid)"
	postern_wait_log "reload: configuration" 2
	atf_check -o inline:"ok\n" "$T/py" -c "import socket
from poptest import *
def run():
    try:
        socket.create_connection((HOST, $extra), 5).close()
        raise Failure('removed listener still accepts')
    except ConnectionRefusedError:
        pass
    Client().close()
    Client(tls=True).close()
main(run)"
	# A port someone else holds: the reload fails as a whole.
	postern_hold_port "$extra" 20
	POP3_EXTRA="	listen on 127.0.0.1 port $extra
	banner \"Not applied\""
	postern_write_conf
	kill -HUP "$(postern_pid)"
	postern_wait_log "keeping the running configuration"
	kill $HOLDER
	postern_check_greeting "postern POP3 server ready."
	postern_check_log
}
hup_listeners_cleanup()
{
	[ -f holder.pid ] && kill "$(cat holder.pid)" 2>/dev/null
	postern_cleanup
}

# term_test SIGNAL: stop the daemon while a client is logged in and
# another is before login.
term_test()
{
	start_one_message
	cat > clients.py <<'PYEOF'
import os, time
from poptest import *
def run():
    a = login()
    a.expect("DELE 1", "+OK Message 1 deleted")
    b = Client()
    with open("ready", "w"):
        pass
    # The logged-in client is told, or its connection simply ends.
    try:
        line = a.line()
        check(line.startswith("-ERR [SYS/TEMP] "), "session got %r" % line)
    except (EOFError, ConnectionResetError):
        pass
    check(a.at_eof(), "session connection closed")
    check(b.at_eof(), "pre-login connection closed")
main(run)
PYEOF
	postern_client_bg "$T/py" clients.py 200 "no clients"
	atf_check -s exit:0 test -f "$T/posternd.pid"
	atf_check_equal "$(postern_pid)" "$(cat "$T/posternd.pid")"
	pid=$(postern_pid)
	kids=$(ps -o pid= --ppid "$pid" | tr '\n' ' ')
	start=$(date +%s)
	kill -"$1" "$pid"
	wait "$pid"
	rc=$?
	end=$(date +%s)
	rm -f "$T/posternd.pid.bg"
	atf_check_equal 0 "$rc"
	[ $((end - start)) -le 7 ] || atf_fail "took $((end - start))s to stop"
	wait $CLIENT
	crc=$?
	cat clients.out
	atf_check_equal 0 "$crc"
	atf_check -s exit:0 test ! -e "$T/posternd.pid"
	atf_check -s exit:0 test ! -e "$T/posternd.sock"
	# No child is left running (a zombie waiting for its new parent to
	# reap it is gone already), and nothing listens.
	for k in $kids; do
		i=0
		while st=$(ps -o stat= -p "$k") && [ "${st#Z}" = "$st" ]; do
			i=$((i + 1))
			if [ $i -gt 40 ]; then
				ps -o pid,stat,args -p "$k"
				atf_fail "child $k still running"
			fi
			sleep 0.05
		done
	done
	atf_check -o inline:"ok\n" "$T/py" -c 'import socket
from poptest import *
def run():
    for port in (PORT, PORTS):
        try:
            socket.create_connection((HOST, port), 5).close()
            raise Failure("still listening on %d" % port)
        except ConnectionRefusedError:
            pass
main(run)'
	# A session ended by the server does not delete: DELE had no QUIT.
	atf_check -o match:"^ *1$" sh -c "find $T/home/alice/Maildir/new \
	    $T/home/alice/Maildir/cur -type f | wc -l"
	atf_check -o match:"posternd exiting" cat "$T/log"
	postern_check_log
}

atf_test_case term cleanup
term_head()
{
	atf_set "descr" "TERM stops listening, ends sessions, removes the" \
	    "pidfile, exits 0"
	atf_set "require.user" "root"
}
term_body()
{
	term_test TERM
}
term_cleanup()
{
	postern_cleanup
}

atf_test_case int cleanup
int_head()
{
	atf_set "descr" "INT does what TERM does"
	atf_set "require.user" "root"
}
int_body()
{
	term_test INT
}
int_cleanup()
{
	postern_cleanup
}

atf_init_test_cases()
{
	atf_add_test_case hup_banner
	atf_add_test_case hup_broken
	atf_add_test_case hup_listeners
	atf_add_test_case term
	atf_add_test_case int
}
