#! /usr/bin/env atf-sh
# The service scripts of etc/: the LSB init script run for real against
# a private posternd (its settings from a defaults file that
# POSTERN_DEFAULTS names): status, start, start again, reload (through
# posternctl and by HUP), a reload and a start refusing a broken
# configuration, restart, stop, a master killed under it, with the exit
# codes the LSB gives; and the rc.subr script: sh -n, shellcheck, and
# its variables and configtest under a stand-in rc.subr.

. "$(atf_get_srcdir)/postern.subr"
. "$(atf_get_srcdir)/admin.subr"

# initd_setup: $T/initd (the script from the source tree) and
# $T/default (its settings); $INITD runs it in the test's environment.
initd_setup()
{
	src=$(admin_src)
	cp "$src/etc/init.d/posternd" "$T/initd"
	chmod 755 "$T/initd"
	cat > "$T/default" <<EOF
# Written by t_initd for the test's posternd.
DAEMON="$POSTERN_BIN/posternd"
DAEMON_OPTS="-f $T/postern.conf"
EOF
	INITD="$T/initd_env"
	# Not redirected to systemctl on a systemd host.
	cat > "$INITD" <<EOF
#!/bin/sh
exec env POSTERN_DEFAULTS="$T/default" _SYSTEMCTL_SKIP_REDIRECT=1 \
    "$T/initd" "\$@"
EOF
	chmod 755 "$INITD"
}

# Stop whatever the init script started, even when the test failed (a
# daemon of postern_start is postern_cleanup's).
initd_cleanup()
{
	postern_load || return 0
	if [ -x "$T/initd_env" ]; then
		"$T/initd_env" stop >/dev/null 2>&1
	fi
	if [ ! -f "$T/posternd.pid.bg" ] && [ -f "$T/posternd.pid" ]; then
		pid=$(cat "$T/posternd.pid")
		kill -TERM "$pid" 2>/dev/null && admin_wait_gone "$pid"
	fi
	postern_cleanup
}

# wait_greeting TEXT: up to 15 s, for a reload by HUP to take.
wait_greeting()
{
	i=0
	while [ "$("$PROBE" "$POP3_PORT")" != "$1" ]; do
		i=$((i + 1))
		[ $i -lt 150 ] || atf_fail "greeting is not \"$1\""
		sleep 0.1
	done
}

atf_test_case lsb cleanup
lsb_head()
{
	atf_set "descr" "The LSB init script starts, reports, reloads, " \
	    "restarts and stops posternd with the LSB's exit codes, and " \
	    "refuses to start or reload a broken configuration"
	atf_set "require.user" "root"
	atf_set "require.progs" "start-stop-daemon"
	atf_set "require.files" "/lib/lsb/init-functions"
}
lsb_body()
{
	postern_setup
	admin_py
	admin_tools
	initd_setup

	atf_check -s exit:3 -o match:"posternd is not running" "$INITD" status
	atf_check -s exit:7 -o ignore "$INITD" reload
	atf_check -o ignore "$INITD" start
	# Ready when start returns: pid file, control socket, listeners.
	atf_check -s exit:0 test -f "$T/posternd.pid"
	pid=$(cat "$T/posternd.pid")
	atf_check -s exit:0 test -S "$T/posternd.sock"
	atf_check -o inline:"+OK postern POP3 server ready.\n" "$PROBE" "$POP3_PORT"
	atf_check -o match:"posternd is running" "$INITD" status
	# The pid file is the master's, not a child's.
	atf_check_equal "$pid" "$(ps -o pid= -p "$pid" | tr -d ' ')"
	atf_check -o match:"posternd" ps -o args= -p "$pid"
	# Started twice: still one, still 0.
	atf_check -o ignore "$INITD" start
	atf_check_equal "$pid" "$(cat "$T/posternd.pid")"
	atf_check -o match:"configuration OK" "$INITD" configtest

	# reload through posternctl: done when it returns.
	POP3_EXTRA='	banner "Reloaded by the init script"'
	postern_write_conf
	atf_check -o ignore "$INITD" reload
	atf_check -o inline:"+OK Reloaded by the init script\n" "$PROBE" "$POP3_PORT"
	atf_check -o match:"^reloads	-	1$" \
	    "$POSTERN_BIN/posternctl" -s "$T/posternd.sock" -t show stats
	# force-reload, and by HUP when posternctl is not at hand.
	POP3_EXTRA='	banner "Reloaded by HUP"'
	postern_write_conf
	atf_check -o ignore env POSTERNCTL= "$INITD" force-reload
	wait_greeting "+OK Reloaded by HUP"
	atf_check_equal "$pid" "$(cat "$T/posternd.pid")"

	# A broken file: the reload is refused before posternd sees it.
	cp "$T/postern.conf" good.conf
	echo "max-connections lots" >> "$T/postern.conf"
	atf_check -s exit:6 -o ignore -e match:"postern.conf:[0-9]+: " \
	    "$INITD" reload
	atf_check -s exit:6 -o ignore -e match:"postern.conf:[0-9]+: " \
	    "$INITD" restart
	atf_check -s exit:6 -e match:"postern.conf:[0-9]+: " \
	    "$INITD" configtest
	atf_check -o match:"posternd is running" "$INITD" status
	atf_check_equal "$pid" "$(cat "$T/posternd.pid")"
	atf_check -o inline:"+OK Reloaded by HUP\n" "$PROBE" "$POP3_PORT"
	cp good.conf "$T/postern.conf"

	atf_check -o ignore "$INITD" restart
	npid=$(cat "$T/posternd.pid")
	[ "$npid" != "$pid" ] || atf_fail "restart kept pid $pid"
	admin_wait_gone "$pid" || atf_fail "restart left pid $pid running"
	atf_check -o inline:"+OK Reloaded by HUP\n" "$PROBE" "$POP3_PORT"
	atf_check -o ignore "$INITD" try-restart
	pid=$(cat "$T/posternd.pid")

	atf_check -o ignore "$INITD" stop
	admin_alive "$pid" && atf_fail "stop left pid $pid running"
	atf_check -s exit:1 test -e "$T/posternd.pid"
	atf_check -s exit:1 test -e "$T/posternd.sock"
	atf_check -o inline:"refused\n" "$PROBE" "$POP3_PORT"
	atf_check -s exit:3 -o ignore "$INITD" status
	atf_check -o ignore "$INITD" stop
	atf_check -o ignore "$INITD" try-restart
	atf_check -s exit:3 -o ignore "$INITD" status

	# A broken configuration does not start.
	echo "listen on nowhere" >> "$T/postern.conf"
	atf_check -s exit:6 -o ignore -e match:"postern.conf:[0-9]+: " \
	    "$INITD" start
	atf_check -s exit:3 -o ignore "$INITD" status
	atf_check -o inline:"refused\n" "$PROBE" "$POP3_PORT"
	cp good.conf "$T/postern.conf"

	# Nor does one whose port someone else holds; start says so.
	postern_hold_port "$POP3_PORT" 30
	atf_check -s exit:1 -o ignore -e match:"cannot open listeners" \
	    "$INITD" start
	kill $HOLDER
	wait $HOLDER 2>/dev/null
	atf_check -s exit:3 -o ignore "$INITD" status

	# A master that died under the script: status 1, start recovers.
	atf_check -o ignore "$INITD" start
	pid=$(cat "$T/posternd.pid")
	kill -KILL "$pid"
	admin_wait_reaped "$pid" || atf_fail "posternd survived KILL"
	atf_check -s exit:1 -o match:"posternd is not running" "$INITD" status
	atf_check -o ignore "$INITD" start
	atf_check -o match:"posternd is running" "$INITD" status
	atf_check -o inline:"+OK Reloaded by HUP\n" "$PROBE" "$POP3_PORT"
	atf_check -o ignore "$INITD" stop
	atf_check -s exit:3 -o ignore "$INITD" status

	atf_check -s exit:2 -e match:"^Usage: " "$INITD" frobnicate
}
lsb_cleanup()
{
	[ -f holder.pid ] && kill "$(cat holder.pid)" 2>/dev/null
	initd_cleanup
}

atf_test_case lsb_install_paths cleanup
lsb_install_paths_head()
{
	atf_set "descr" "The init script without posternd exits 5 (status " \
	    "4); PIDFILE in the defaults file wins over the configuration's"
	atf_set "require.user" "root"
	atf_set "require.progs" "start-stop-daemon"
	atf_set "require.files" "/lib/lsb/init-functions"
}
lsb_install_paths_body()
{
	postern_setup
	admin_py
	admin_tools
	initd_setup
	atf_check -s exit:5 env POSTERN_DEFAULTS=/nonexistent \
	    DAEMON=/nonexistent/posternd "$T/initd" start
	atf_check -s exit:4 env POSTERN_DEFAULTS=/nonexistent \
	    DAEMON=/nonexistent/posternd "$T/initd" status
	# PIDFILE in the defaults file is where the script looks.
	postern_start
	atf_check -o match:"posternd is running" "$INITD" status
	echo "PIDFILE=\"$T/elsewhere.pid\"" >> "$T/default"
	atf_check -s exit:3 -o ignore "$INITD" status
}
lsb_install_paths_cleanup()
{
	initd_cleanup
}

atf_test_case rcd_syntax
rcd_syntax_head()
{
	atf_set "descr" "sh -n on the rc.d, init.d and install scripts"
}
rcd_syntax_body()
{
	src=$(admin_src)
	for s in etc/rc.d/posternd etc/init.d/posternd etc/install.sh; do
		atf_check sh -n "$src/$s"
		atf_check dash -n "$src/$s"
	done
}

atf_test_case rcd_shellcheck
rcd_shellcheck_head()
{
	atf_set "descr" "shellcheck finds nothing in the rc.d, init.d and " \
	    "install scripts"
	atf_set "require.progs" "shellcheck"
}
rcd_shellcheck_body()
{
	src=$(admin_src)
	for s in etc/rc.d/posternd etc/init.d/posternd etc/install.sh; do
		atf_check -o empty shellcheck -s sh "$src/$s"
	done
}

atf_test_case rcd_subr cleanup
rcd_subr_head()
{
	atf_set "descr" "The rc.subr script under a stand-in rc.subr: its " \
	    "variables, configtest passing posternd_flags to posternd -n, " \
	    "a broken configuration stopping start"
	atf_set "require.user" "root"
}
rcd_subr_body()
{
	postern_setup
	src=$(admin_src)
	# Just enough of rc.subr to see what the script hands it.
	cat > "$T/rc.subr" <<EOF
load_rc_config() { . "$T/rc.conf"; }
run_rc_command()
{
	case \$1 in
	describe)
		printf '%s\n' "name=\$name" "rcvar=\$rcvar" \\
		    "command=\$command" "pidfile=\$pidfile" \\
		    "extra_commands=\$extra_commands" \\
		    "sig_reload=\$sig_reload" \\
		    "enable=\$posternd_enable" "flags=\$posternd_flags"
		;;
	configtest)
		\$configtest_cmd
		;;
	start)
		\$start_precmd || return 1
		echo "would run \$command \$posternd_flags"
		;;
	esac
}
EOF
	sed -e "s|/etc/rc.subr|$T/rc.subr|" \
	    -e "s|/usr/local/sbin/posternd|$POSTERN_BIN/posternd|" \
	    "$src/etc/rc.d/posternd" > "$T/rcd"
	: > "$T/rc.conf"
	atf_check -o inline:"name=posternd\nrcvar=posternd_enable\ncommand=$POSTERN_BIN/posternd\npidfile=/run/posternd.pid\nextra_commands=reload configtest\nsig_reload=HUP\nenable=NO\nflags=\n" \
	    sh "$T/rcd" describe
	cat > "$T/rc.conf" <<EOF
posternd_enable="YES"
posternd_flags="-f $T/postern.conf"
EOF
	atf_check -o match:"^enable=YES$" -o match:"^flags=-f $T/postern.conf$" \
	    sh "$T/rcd" describe
	atf_check -o match:"Checking posternd configuration" \
	    -e match:"configuration OK" sh "$T/rcd" configtest
	atf_check -o match:"would run $POSTERN_BIN/posternd -f $T/postern.conf" \
	    -e ignore sh "$T/rcd" start
	echo "bogus-setting 1" >> "$T/postern.conf"
	atf_check -s exit:1 -o match:"Checking posternd configuration" \
	    -e match:"postern.conf:[0-9]+: " sh "$T/rcd" start
}
rcd_subr_cleanup()
{
	postern_cleanup
}

atf_init_test_cases()
{
	atf_add_test_case lsb
	atf_add_test_case lsb_install_paths
	atf_add_test_case rcd_syntax
	atf_add_test_case rcd_shellcheck
	atf_add_test_case rcd_subr
}
