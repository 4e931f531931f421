#! /usr/bin/env atf-sh
# IPv6 through the real posternd: `listen on ::1 port N' (plain and
# TLS) serves clients on the IPv6 loopback, addresses are logged in
# their IPv6 form, the self-signed certificate names ::1, and the
# per-address limit counts IPv6 clients.  Skipped on a machine
# without ::1.

. "$(atf_get_srcdir)/postern.subr"

require_ipv6()
{
	$PY -c 'import socket
s = socket.socket(socket.AF_INET6)
s.bind(("::1", 0))' 2>/dev/null || atf_skip "no ::1 on this machine"
}

atf_test_case loopback6 cleanup
loopback6_head()
{
	atf_set "descr" "listen on ::1: plain+STLS and implicit TLS logins"
	atf_set "require.user" "root"
}
loopback6_body()
{
	require_ipv6
	postern_setup
	P6=$(postern_free_port)
	P6S=$(postern_free_port)
	POP3_EXTRA="	listen on ::1 port $P6
	listen on ::1 port $P6S tls
	max-connections-per-ip 3"
	postern_write_conf
	postern_start
	printf 'Subject: six\n\nover IPv6\n' > m
	postern_deliver alice m
	cat > c.py <<PYEOF
import socket, ssl
from poptest import *

def client6(port, tls):
    s = socket.create_connection(("::1", port), TIMEOUT)
    if tls:
        ctx = tls_context()
        # The certificate names ::1 as well as 127.0.0.1.
        s = ctx.wrap_socket(s, server_hostname="::1")
        check_pinned(s)
    f = s.makefile("rb")
    return s, f

def cmd(s, f, line):
    s.sendall(line.encode() + b"\r\n")
    return f.readline().decode().rstrip("\r\n")

def run():
    s, f = client6($P6S, True)
    expect_eq(f.readline(), b"+OK postern POP3 server ready.\r\n", "greeting")
    expect_eq(cmd(s, f, "USER alice"), "+OK", "USER")
    expect_eq(cmd(s, f, "PASS alicepw"), "+OK Logged in.", "PASS")
    expect_eq(cmd(s, f, "STAT"), "+OK 1 27", "STAT")
    expect_eq(cmd(s, f, "QUIT"), "+OK Logging out.", "QUIT")
    s.close()
    # STLS on the plain IPv6 port.
    s, f = client6($P6, False)
    f.readline()
    expect_eq(cmd(s, f, "STLS"), "+OK Begin TLS negotiation.", "STLS")
    s = tls_context().wrap_socket(s, server_hostname="::1")
    check_pinned(s)
    f = s.makefile("rb")
    expect_eq(cmd(s, f, "USER alice"), "+OK", "USER")
    expect_eq(cmd(s, f, "PASS alicepw"), "+OK Logged in.", "PASS")
    expect_eq(cmd(s, f, "QUIT"), "+OK Logging out.", "QUIT")
    s.close()
    # The per-address limit (3 here) counts ::1; IPv4 is another
    # address.
    wait_idle()
    held = [client6($P6, False) for _ in range(3)]
    for s, f in held:
        check(f.readline().startswith(b"+OK"), "greeted")
    s, f = client6($P6, False)
    expect_eq(f.readline(), b"-ERR [SYS/TEMP] Too many connections, "
              b"try again later.\r\n", "the 4th from ::1")
    c = Client()
    c.close()
    for s, f in held:
        s.close()
main(run)
PYEOF
	atf_check -o inline:"ok\n" "$T/py" c.py
	atf_check -o match:"listening on ::1 port $P6 for pop3" cat "$T/log"
	atf_check -o match:"connect: id=[0-9]+ proto=pop3 addr=::1 port=[0-9]+ local=(::1|\[::1\]):$P6S tls=implicit" \
	    cat "$T/log"
	atf_check -o match:'login: id=[0-9]+ proto=pop3 addr=::1 user="alice"' \
	    cat "$T/log"
	atf_check -o match:'refused: proto=pop3 addr=::1 .*max-connections-per-ip 3' \
	    cat "$T/log"
	postern_check_log
}
loopback6_cleanup()
{
	postern_cleanup
}

atf_test_case wildcard6 cleanup
wildcard6_head()
{
	atf_set "descr" "listen on :: serves ::1; an IPv4 client of an IPv6" \
	    "socket is logged and counted as IPv4"
	atf_set "require.user" "root"
}
wildcard6_body()
{
	require_ipv6
	postern_setup
	P6=$(postern_free_port)
	POP3_EXTRA="	listen on :: port $P6"
	postern_write_conf
	postern_start
	cat > c.py <<PYEOF
import socket
from poptest import *
def run():
    s = socket.create_connection(("::1", $P6), TIMEOUT)
    expect_eq(s.makefile("rb").readline(),
              b"+OK postern POP3 server ready.\r\n", "greeting on ::1")
    s.close()
    # Whether :: also takes IPv4 depends on IPV6_V6ONLY; when it does,
    # the address must be logged as 127.0.0.1.
    try:
        s = socket.create_connection(("127.0.0.1", $P6), TIMEOUT)
        print("v4mapped")
        s.makefile("rb").readline()
        s.close()
    except ConnectionRefusedError:
        print("v6only")
main(run)
PYEOF
	atf_check -o save:out "$T/py" c.py
	atf_check -o match:"^ok$" cat out
	atf_check -o match:"connect: id=[0-9]+ proto=pop3 addr=::1 " cat "$T/log"
	if grep -q v4mapped out; then
		atf_check -s exit:1 grep -q "addr=::ffff:" "$T/log"
		atf_check -o match:"connect: id=[0-9]+ proto=pop3 addr=127.0.0.1 port=[0-9]+ local=127.0.0.1:$P6" \
		    cat "$T/log"
	fi
	postern_check_log
}
wildcard6_cleanup()
{
	postern_cleanup
}

atf_init_test_cases()
{
	atf_add_test_case loopback6
	atf_add_test_case wildcard6
}
