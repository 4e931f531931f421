#! /usr/bin/env atf-sh
# The configuration file as the real posternd reads it: posternd -n
# names every error as FILE:LINE: and exits 1, and prints the
# effective settings (defaults included, in the file's own grammar)
# for a good file; posternd refuses to start with a broken file, with
# a missing user, or on a port already in use.

. "$(atf_get_srcdir)/postern.subr"

atf_test_case check_errors cleanup
check_errors_head()
{
	atf_set "descr" "posternd -n reports each error as FILE:LINE: and" \
	    "exits 1"
	atf_set "require.user" "root"
}
check_errors_body()
{
	postern_setup
	bad="$T/bad.conf"
	cat > "$bad" <<'EOF'
# line 1
user "nobody"
no-such-keyword 1
pop3 {
	listen on 127.0.0.1 port 99999
	max-connections 0
	idle-timeout 5m
	login-type sometimes
}
banner $undefined
max-connections-per-ip -3
banner "unterminated
EOF
	atf_check -s exit:1 -o empty -e save:err "$POSTERN_BIN/posternd" -n \
	    -f "$bad"
	cat err
	for l in 3 5 6 7 8 10 11 12; do
		atf_check -o ignore grep "^$bad:$l: " err
	done
	atf_check -o match:"^$bad:3: .*no-such-keyword" cat err
	atf_check -o match:"^$bad:5: .*99999" cat err
	atf_check -o match:"^$bad:7: .*idle-timeout" cat err
	atf_check -o match:"^$bad:10: .*undefined" cat err
	atf_check -s exit:1 grep -q "configuration OK" err

	# One error at a time, each on its own line.
	i=0
	while read -r want line; do
		i=$((i + 1))
		f="$T/one$i.conf"
		{ echo "# test $i"; echo "user \"nobody\""; printf '%s\n' "$line"; } \
		    | tr '|' '\n' > "$f"
		atf_check -s exit:1 -o empty -e match:"^$f:$want: " \
		    "$POSTERN_BIN/posternd" -n -f "$f"
	done <<'EOF'
3 pop3 {
6 pop3 {|listen on 127.0.0.1 port 110|}|pop3 {|}
7 imap {|listen on 127.0.0.1 port 143|}|pop3 {|listen on 127.0.0.1 port 143|}
4 failure-delay 10s|failure-delay-max 1s
3 trusted-networks 300.1.2.3
3 trusted-networks 10.0.0.0/40
3 include "/nonexistent/postern.conf"
3 login-timeout 0
4 pop3 {|expire sometimes|}
5 pop3 {|listen on 127.0.0.1 port 110|listen on 127.0.0.1 port 110|}
EOF
	# A missing file.
	atf_check -s exit:1 -o empty -e match:"$T/nonexistent.conf" \
	    "$POSTERN_BIN/posternd" -n -f "$T/nonexistent.conf"
}
check_errors_cleanup()
{
	postern_cleanup
}

atf_test_case refuse_start cleanup
refuse_start_head()
{
	atf_set "descr" "posternd refuses to start with a broken file, a" \
	    "missing user or a port in use"
	atf_set "require.user" "root"
}
refuse_start_body()
{
	postern_setup
	cp "$T/postern.conf" good.conf
	echo "max-connections lots" >> "$T/postern.conf"
	n=$(wc -l < "$T/postern.conf")
	atf_check -s exit:1 -o empty -e match:"^$T/postern.conf:$n: " \
	    timeout 20 "$POSTERN_BIN/posternd" -d -f "$T/postern.conf"
	# No pid is recorded by a daemon that did not start.
	atf_check -s exit:0 test ! -s "$T/posternd.pid"
	atf_check -o inline:"ok\n" "$T/py" -c 'import socket
from poptest import *
def run():
    try:
        socket.create_connection((HOST, PORT), 5).close()
        raise Failure("something listens")
    except ConnectionRefusedError:
        pass
main(run)'

	# A user that does not exist.
	sed 's/^user "nobody"/user "no-such-user-postern"/' good.conf > \
	    "$T/postern.conf"
	atf_check -s exit:1 -o empty -e match:"no-such-user-postern" \
	    timeout 20 "$POSTERN_BIN/posternd" -d -f "$T/postern.conf"
	# No pid is recorded by a daemon that did not start.
	atf_check -s exit:0 test ! -s "$T/posternd.pid"

	# A port in use.
	cp good.conf "$T/postern.conf"
	postern_hold_port "$POP3_PORT" 20
	atf_check -s exit:1 -o empty -e match:"$POP3_PORT" \
	    timeout 20 "$POSTERN_BIN/posternd" -d -f "$T/postern.conf"
	# No pid is recorded by a daemon that did not start.
	atf_check -s exit:0 test ! -s "$T/posternd.pid"
	kill "$(cat holder.pid)"
	wait
	# Good again: it starts.
	postern_start
	postern_check_log
}
refuse_start_cleanup()
{
	[ -f holder.pid ] && kill "$(cat holder.pid)" 2>/dev/null
	postern_cleanup
}

atf_test_case effective cleanup
effective_head()
{
	atf_set "descr" "posternd -n prints the effective settings, defaults" \
	    "and inherited values included, as a valid configuration"
	atf_set "require.user" "root"
}
effective_body()
{
	postern_setup
	cat >> "$T/postern.conf" <<'EOF'
greeting = "'Macro banner'"
banner $greeting
max-connections 77
EOF
	atf_check -s exit:0 -o save:eff -e match:"configuration OK" \
	    "$POSTERN_BIN/posternd" -n -f "$T/postern.conf"
	cat eff
	for want in 'user "nobody"' "chroot \"$T/empty\"" \
	    "pidfile \"$T/posternd.pid\"" "hostname \"localhost\"" \
	    "first-valid-uid 1000" "failure-delay 1s" "ipv6-prefix 64" \
	    "auth passwd-file \"$T/passwd\"" "tls-min-version tls1.2"; do
		atf_check -o ignore grep -F -x -e "$want" eff
	done
	# The pop3 block has the defaults and what it inherits.
	sed -n '/^pop3 {/,/^}/p' eff | sed 's/^	//' > pop3
	for want in "listen on 127.0.0.1 port $POP3_PORT" \
	    "listen on 127.0.0.1 port $POP3S_PORT tls" \
	    'banner "Macro banner"' "login-type secure" \
	    "max-connections 77" "max-connections-per-ip 20" \
	    "max-connections-per-user 10" "idle-timeout 10m" \
	    "max-auth-attempts 3" "expire never" "login-delay none"; do
		atf_check -o ignore grep -F -x -e "$want" pop3
	done
	# The output is itself a configuration that gives the same output.
	cp eff "$T/eff.conf"
	atf_check -s exit:0 -o save:eff2 -e ignore "$POSTERN_BIN/posternd" -n \
	    -f "$T/eff.conf"
	sed 1d eff > a
	sed 1d eff2 > b
	atf_check -s exit:0 diff a b
	# And posternd runs on it.
	cp "$T/eff.conf" "$T/postern.conf"
	postern_start
	postern_check_greeting "Macro banner"
	postern_check_log
}
effective_cleanup()
{
	postern_cleanup
}

atf_test_case idle_timeout_floor cleanup
idle_timeout_floor_head()
{
	atf_set "descr" "The POP3 idle timeout cannot be set below 10 minutes"
	atf_set "require.user" "root"
}
idle_timeout_floor_body()
{
	postern_setup "idle-timeout 9m"
	atf_check -s exit:1 -o empty -e match:"idle-timeout" \
	    "$POSTERN_BIN/posternd" -n -f "$T/postern.conf"
	POP3_EXTRA="	idle-timeout 599"
	postern_write_conf
	atf_check -s exit:1 -o empty -e match:"idle-timeout" \
	    "$POSTERN_BIN/posternd" -n -f "$T/postern.conf"
	POP3_EXTRA="	idle-timeout 600"
	postern_write_conf
	atf_check -s exit:0 -o match:"idle-timeout 10m" -e ignore \
	    "$POSTERN_BIN/posternd" -n -f "$T/postern.conf"
}
idle_timeout_floor_cleanup()
{
	postern_cleanup
}

atf_init_test_cases()
{
	atf_add_test_case check_errors
	atf_add_test_case refuse_start
	atf_add_test_case effective
	atf_add_test_case idle_timeout_floor
}
