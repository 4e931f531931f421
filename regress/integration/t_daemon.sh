#! /usr/bin/env atf-sh
# posternd without -d: the command returns only once the daemon serves
# (pid file written, listeners and control socket answering), with
# status 0; a start that fails after going to the background returns
# 1 and leaves no pid file.

. "$(atf_get_srcdir)/postern.subr"

# Stop a daemon started in the background (its pid from the pid file).
daemon_cleanup()
{
	postern_load || return 0
	if [ -f "$T/posternd.pid" ]; then
		pid=$(cat "$T/posternd.pid")
		kill -TERM "$pid" 2>/dev/null
		i=0
		while kill -0 "$pid" 2>/dev/null && [ $i -lt 100 ]; do
			sleep 0.1
			i=$((i + 1))
		done
	fi
	postern_cleanup
}

atf_test_case ready cleanup
ready_head()
{
	atf_set "descr" "Returns when serving: pid file, control socket and" \
	    "listener all answer at once"
	atf_set "require.user" "root"
}
ready_body()
{
	postern_setup
	atf_check -s exit:0 -o empty -e empty \
	    "$POSTERN_BIN/posternd" -f "$T/postern.conf"
	# No waiting: each must hold the moment the command returned.
	atf_check -s exit:0 test -s "$T/posternd.pid"
	pid=$(cat "$T/posternd.pid")
	atf_check -s exit:0 kill -0 "$pid"
	atf_check -s exit:0 -o match:"^uptime_seconds" \
	    "$POSTERN_BIN/posternctl" -s "$T/posternd.sock" show stats
	atf_check -s exit:0 -o match:"^\+OK" $PY -c "
import socket
s = socket.create_connection(('127.0.0.1', $POP3_PORT), 5)
print(s.recv(512).decode().strip())"
	# The daemon left the caller's session and directory.
	atf_check -s exit:0 -o inline:"/\n" readlink "/proc/$pid/cwd"
	[ "$(ps -o sid= -p "$pid" | tr -d ' ')" = "$pid" ] ||
	    atf_fail "posternd is not a session leader"
}
ready_cleanup()
{
	daemon_cleanup
}

atf_test_case late_failure cleanup
late_failure_head()
{
	atf_set "descr" "A failure after going to the background gives" \
	    "status 1 and a message, and removes the pid file"
	atf_set "require.user" "root"
}
late_failure_body()
{
	# The control socket is opened in the background process.
	postern_setup "control-socket \"$T/missing/posternd.sock\""
	sed -i '/^control-socket "[^"]*posternd.sock"$/{
		/missing/!d
	}' "$T/postern.conf"
	atf_check -s exit:1 -o empty -e match:"stopped while starting" \
	    "$POSTERN_BIN/posternd" -f "$T/postern.conf"
	atf_check -s exit:1 test -e "$T/posternd.pid"
}
late_failure_cleanup()
{
	daemon_cleanup
}

atf_init_test_cases()
{
	atf_add_test_case ready
	atf_add_test_case late_failure
}
