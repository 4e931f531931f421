#! /usr/bin/env atf-sh
# Listeners across a reload, with IMAP and POP3 served: a port added, a
# port removed, a port moved elsewhere and a port kept, with sessions
# open on the kept and on the removed one and a client still before
# login on the moved one.  The kept listening sockets are the same
# sockets (never closed and rebound); the sessions and the client go
# on; new connections get the new settings.  A listener that changes
# only its kind (implicit TLS or not) keeps its port.  A reload that
# cannot bind changes nothing.  (t_signals covers adding and removing
# a POP3 port by SIGHUP.)

. "$(atf_get_srcdir)/postern.subr"
. "$(atf_get_srcdir)/imap.subr"
. "$(atf_get_srcdir)/admin.subr"

# write_conf POP3-LINES IMAP-LINES [GLOBAL-LINE ...]: the test's
# configuration with these two blocks.
write_conf()
{
	w_pop3=$1
	w_imap=$2
	shift 2
	postern_write_conf "$@"
	sed -i '/^pop3 {$/,$d' "$T/postern.conf"
	{
		echo "pop3 {"
		printf '%s\n' "$w_pop3"
		echo "}"
		echo "imap {"
		printf '%s\n' "$w_imap"
		echo "}"
	} >> "$T/postern.conf"
}

# rl_setup: imap_setup with the administration tools, the ports of the
# daemon by short names: P1 and P2 (POP3, plain and implicit TLS), I1
# and I2 (IMAP).
rl_setup()
{
	imap_setup
	admin_py
	admin_tools
	P1=$POP3_PORT
	P2=$POP3S_PORT
	I1=$IMAP_PORT
	I2=$IMAPS_PORT
}

# rl_start: start the daemon on the four ports of rl_setup.
rl_start()
{
	write_conf "	listen on 127.0.0.1 port $P1
	listen on 127.0.0.1 port $P2 tls" \
	    "	listen on 127.0.0.1 port $I1
	listen on 127.0.0.1 port $I2 tls"
	imap_start
}

atf_test_case add_remove_keep cleanup
add_remove_keep_head()
{
	atf_set "descr" "posternctl reload adds a POP3 port, removes " \
	    "another, moves the plain IMAP port and keeps the IMAP TLS and " \
	    "plain POP3 sockets; sessions on kept and removed ports and a " \
	    "client before login on the moved one go on"
	atf_set "require.user" "root"
}
add_remove_keep_body()
{
	rl_setup
	printf 'Subject: kept\r\n\r\nbody\r\n' > m1
	postern_deliver alice m1 > /dev/null
	postern_deliver carol m1 > /dev/null
	P3=$(postern_free_port)
	I3=$(postern_free_port)
	rl_start
	ino_p1=$(admin_listen_inode "$P1")
	ino_i2=$(admin_listen_inode "$I2")
	[ -n "$ino_p1" ] && [ -n "$ino_i2" ] || atf_fail "no listening sockets"

	cat > hold.py <<'PYEOF'
import os
from admintest import *
def run():
    a = imap_login(IPORTS, "alice", tls=True)   # kept listener
    b = pop3_login(PORTS, "carol", tls=True)    # removed listener
    c = Raw(IPORT)                              # moved listener
    check(c.greeting.startswith(b"* OK"), "greeting %r" % c.greeting)
    open("ready", "w").close()
    wait_for(lambda: os.path.exists("go"), "go", 60)
    r = a.imap(b"a1", b"SELECT INBOX")
    check(b"* 1 EXISTS" in r, "alice's INBOX %r" % r)
    a.imap(b"a2", b"FETCH 1 BODY.PEEK[HEADER.FIELDS (SUBJECT)]")
    a.imap(b"a3", b"LOGOUT")
    check(b.pop3(b"STAT")[0].startswith(b"+OK 1 "), "carol's STAT")
    b.pop3(b"RETR 1", multi=True)
    b.pop3(b"QUIT")
    c.imap(b"c1", b"STARTTLS")
    c.starttls()
    c.imap(b"c2", b"LOGIN bob bobpw")
    c.imap(b"c3", b"SELECT INBOX")
    c.imap(b"c4", b"LOGOUT")
main(run)
PYEOF
	postern_client_bg "$T/apy" hold.py 300 "no ready"
	echo $CLIENT > hold.pid

	write_conf "	listen on 127.0.0.1 port $P1
	listen on 127.0.0.1 port $P3
	banner \"POP3 after the reload\"" \
	    "	listen on 127.0.0.1 port $I3
	listen on 127.0.0.1 port $I2 tls
	banner \"IMAP after the reload\""
	atf_check -o match:"^reloaded " "$CTL" reload

	# Kept: the very same sockets, with the new settings.
	atf_check_equal "$ino_p1" "$(admin_listen_inode "$P1")"
	atf_check_equal "$ino_i2" "$(admin_listen_inode "$I2")"
	atf_check -o inline:"+OK POP3 after the reload\n" "$PROBE" "$P1"
	atf_check -o match:"^\* OK \[CAPABILITY .*\] IMAP after the reload$" \
	    "$PROBE" "$I2" tls
	# Added and moved: listening.  Removed and moved away: closed.
	atf_check -o inline:"+OK POP3 after the reload\n" "$PROBE" "$P3"
	atf_check -o match:"^\* OK \[CAPABILITY .*\] IMAP after the reload$" \
	    "$PROBE" "$I3"
	atf_check -o inline:"refused\n" "$PROBE" "$P2" tls
	atf_check -o inline:"refused\n" "$PROBE" "$I1"
	atf_check -o match:"listening on 127.0.0.1 port $P3 for pop3$" \
	    -o match:"listening on 127.0.0.1 port $I3 for imap$" \
	    -o match:"reload: configuration $T/postern.conf in effect" \
	    cat "$T/log"
	# The three connections from before are all still there.
	atf_check -o match:"	alice	127.0.0.1	" \
	    -o match:"	carol	127.0.0.1	" \
	    -o match:"^[0-9]+	imap	pre-login	-	127.0.0.1	" \
	    "$CTL" -t show sessions

	touch go
	postern_client_done hold.py
	postern_check_log
}
add_remove_keep_cleanup()
{
	[ -f hold.pid ] && kill "$(cat hold.pid)" 2>/dev/null
	postern_cleanup
}

atf_test_case change_kind cleanup
change_kind_head()
{
	atf_set "descr" "A port that turns from plain to implicit TLS, and " \
	    "one that moves from pop3 to imap, are taken over by the reload"
	atf_set "require.user" "root"
}
change_kind_body()
{
	# A port that changes kind or protocol keeps its socket: binding it
	# anew while the old one still listens would fail the reload.
	rl_setup
	P3=$(postern_free_port)
	write_conf "	listen on 127.0.0.1 port $P1
	listen on 127.0.0.1 port $P2 tls
	listen on 127.0.0.1 port $P3" \
	    "	listen on 127.0.0.1 port $I1
	listen on 127.0.0.1 port $I2 tls"
	imap_start
	atf_check -o match:"^\+OK " "$PROBE" "$P3"
	# P3 becomes implicit TLS; P2 moves from pop3 to imap.
	write_conf "	listen on 127.0.0.1 port $P1
	listen on 127.0.0.1 port $P3 tls" \
	    "	listen on 127.0.0.1 port $I1
	listen on 127.0.0.1 port $I2 tls
	listen on 127.0.0.1 port $P2 tls"
	atf_check -o match:"^reloaded " "$CTL" reload
	atf_check -o match:"^\+OK " "$PROBE" "$P3" tls
	atf_check -o match:"^\* OK " "$PROBE" "$P2" tls
	postern_check_log
}
change_kind_cleanup()
{
	postern_cleanup
}

atf_test_case bind_fails cleanup
bind_fails_head()
{
	atf_set "descr" "A reload that cannot bind a new port changes " \
	    "nothing: the ports it would have removed stay open, the kept " \
	    "sockets are the same, the settings are the old ones"
	atf_set "require.user" "root"
}
bind_fails_body()
{
	rl_setup
	HELD=$(postern_free_port)
	rl_start
	ino_p1=$(admin_listen_inode "$P1")
	postern_hold_port "$HELD" 60
	postern_wait_file held 300 "no held" hold.out

	write_conf "	listen on 127.0.0.1 port $P1
	listen on 127.0.0.1 port $HELD
	banner \"Not applied\"" \
	    "	listen on 127.0.0.1 port $I2 tls"
	atf_check -s exit:1 -e match:"reload failed: a listener could not be opened" \
	    "$CTL" reload
	atf_check -o match:"bind 127.0.0.1 port $HELD: Address already in use" \
	    cat "$T/log"
	atf_check_equal "$ino_p1" "$(admin_listen_inode "$P1")"
	atf_check -o inline:"+OK postern POP3 server ready.\n" "$PROBE" "$P1"
	atf_check -o match:"^\+OK postern POP3 server ready\.$" "$PROBE" "$P2" tls
	atf_check -o match:"^\* OK " "$PROBE" "$I1"
	atf_check -o match:"^reload_failures	-	1$" "$CTL" -t show stats
	postern_check_log
}
bind_fails_cleanup()
{
	[ -f holder.pid ] && kill "$(cat holder.pid)" 2>/dev/null
	postern_cleanup
}

atf_init_test_cases()
{
	atf_add_test_case add_remove_keep
	atf_add_test_case change_kind
	atf_add_test_case bind_fails
}
