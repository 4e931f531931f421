#! /usr/bin/env atf-sh
# TLS set up when it is needed, through the real daemon: on the plain
# ports the worker builds its TLS contexts only when the client asks
# for STARTTLS (IMAP) or STLS (POP3), chrooted and in its sandbox, with
# the same certificates (several, chosen by SNI) and the same OpenSSL
# configuration as the implicit-TLS ports; a setup that fails there
# gets the protocol's error and a log line, not a dead connection; and
# a TLS relay that has given its buffers back while quiet still carries
# large transfers both ways.

. "$(atf_get_srcdir)/postern.subr"
. "$(atf_get_srcdir)/imap.subr"
. "$(atf_get_srcdir)/cert.subr"

# lazy_tools: $TLSC MODE PORT [SERVERNAME [MIN [MAX]]] connects, starts
# TLS as MODE says (imap: STARTTLS, pop3: STLS, imaps and pop3s:
# implicit), asking for SERVERNAME by SNI (none when empty), within the
# TLS versions MIN and MAX (ssl.TLSVersion names); it uses the session
# once and prints the SHA-1 thumbprint of the certificate and the TLS
# version, or "no handshake".
lazy_tools()
{
	TLSC="$T/tlsc.py"
	cat > "$TLSC" <<EOF
#!$PY
import hashlib, socket, ssl, sys
mode, port = sys.argv[1], int(sys.argv[2])
name = sys.argv[3] if len(sys.argv) > 3 and sys.argv[3] else None
ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
ctx.check_hostname = False
ctx.verify_mode = ssl.CERT_NONE
if len(sys.argv) > 4:
    ctx.minimum_version = getattr(ssl.TLSVersion, sys.argv[4])
if len(sys.argv) > 5:
    ctx.maximum_version = getattr(ssl.TLSVersion, sys.argv[5])
s = socket.create_connection(("127.0.0.1", port), 10)
def line(sock):
    b = b""
    while not b.endswith(b"\r\n"):
        c = sock.recv(1)
        assert c, "eof after %r" % b
        b += c
    return b
if mode == "imap":
    assert line(s).startswith(b"* OK"), "greeting"
    s.sendall(b"s STARTTLS\r\n")
    r = line(s)
    assert r.startswith(b"s OK "), r
elif mode == "pop3":
    assert line(s).startswith(b"+OK"), "greeting"
    s.sendall(b"STLS\r\n")
    r = line(s)
    assert r.startswith(b"+OK "), r
try:
    t = ctx.wrap_socket(s, server_hostname=name)
except (ssl.SSLError, OSError):
    print("no handshake")
    sys.exit(0)
if mode == "imaps":
    assert line(t).startswith(b"* OK"), "greeting"
elif mode == "pop3s":
    assert line(t).startswith(b"+OK"), "greeting"
if mode in ("imap", "imaps"):
    t.sendall(b"n NOOP\r\n")
    r = line(t)
    assert r == b"n OK NOOP completed.\r\n", r
else:
    t.sendall(b"NOOP\r\n")
    r = line(t)
    assert r.startswith(b"-ERR"), r
h = hashlib.sha1(t.getpeercert(binary_form=True)).hexdigest().upper()
print(":".join(h[i:i + 2] for i in range(0, len(h), 2)), t.version())
EOF
	chmod 755 "$TLSC"
}

atf_test_case sni_starttls cleanup
sni_starttls_head()
{
	atf_set "descr" "Two certificates bound to imap and pop3: after " \
	    "STARTTLS and STLS the client's server name picks one, as on " \
	    "the implicit-TLS ports, in TLS 1.2 and 1.3, and a login " \
	    "after STARTTLS with the second one works"
	atf_set "require.user" "root"
}
sni_starttls_body()
{
	imap_setup
	cert_tools
	lazy_tools
	imap_start
	cert_sni_pair
	a=$SNI_A
	b=$SNI_B
	atf_check -o ignore "$CTL" cert use "$a" imap,pop3
	atf_check -o match:"^imap: wild, chosen by SNI host name\$" \
	    -o match:"^pop3: wild, chosen by SNI host name\$" \
	    "$CTL" cert use "$b" imap,pop3 sni

	for v in TLSv1_2 TLSv1_3; do
		for mp in imap:$IMAP_PORT pop3:$POP3_PORT \
		    imaps:$IMAPS_PORT pop3s:$POP3S_PORT; do
			m=${mp%%:*}
			p=${mp#*:}
			atf_check -o match:"^$a " "$TLSC" "$m" "$p" localhost \
			    "$v" "$v"
			atf_check -o match:"^$a " "$TLSC" "$m" "$p" "" \
			    "$v" "$v"
			atf_check -o match:"^$a " "$TLSC" "$m" "$p" \
			    other.invalid "$v" "$v"
			atf_check -o match:"^$b " "$TLSC" "$m" "$p" \
			    mail.example.test "$v" "$v"
			atf_check -o match:"^$b " "$TLSC" "$m" "$p" \
			    IMAP.Example.Test "$v" "$v"
		done
	done

	# A whole session after STARTTLS with the certificate SNI chose.
	cat > c.py <<'PYEOF'
import socket, ssl, sys
from imaptest import *
ctx = ssl.create_default_context(cafile=sys.argv[1])
s = socket.create_connection((HOST, IPORT), TIMEOUT)
f = s.makefile("rb")
check(f.readline().startswith(b"* OK"), "greeting")
s.sendall(b"s STARTTLS\r\n")
expect_eq(f.readline(), b"s OK Begin TLS negotiation now.\r\n", "STARTTLS")
t = ctx.wrap_socket(s, server_hostname="mail.example.test")
f = t.makefile("rb")
def cmd(line):
    tag = line.split(b" ")[0] + b" "
    t.sendall(line + b"\r\n")
    while True:
        r = f.readline()
        if r.startswith(tag):
            return r
check(cmd(b"a LOGIN alice alicepw").startswith(b"a OK "), "login")
check(cmd(b"b SELECT INBOX").startswith(b"b OK "), "select")
check(cmd(b"c LOGOUT").startswith(b"c OK "), "logout")
print("ok")
PYEOF
	atf_check -o inline:"ok\n" "$T/ipy" c.py "$(pwd)/ca/root.crt"
	postern_wait_log 'logout: id=' 1
	atf_check -s exit:1 grep -e "TLS setup failed" -e "fatal:" "$T/log"
	postern_check_log
}
sni_starttls_cleanup()
{
	. "$(atf_get_srcdir)/postern.subr"
	postern_cleanup
}

atf_test_case openssl_conf cleanup
openssl_conf_head()
{
	atf_set "descr" "OpenSSL's configuration file, read before the " \
	    "chroot, rules STARTTLS and STLS as it rules implicit TLS"
	atf_set "require.user" "root"
}
openssl_conf_body()
{
	imap_setup
	lazy_tools
	# No TLS 1.3 for any server that reads this file: postern sets a
	# minimum version itself, never a maximum.
	cat > "$T/openssl.cnf" <<'EOF'
openssl_conf = openssl_init
[openssl_init]
ssl_conf = ssl_sect
[ssl_sect]
system_default = system_default_sect
[system_default_sect]
MaxProtocol = TLSv1.2
EOF
	OPENSSL_CONF="$T/openssl.cnf"
	export OPENSSL_CONF
	imap_start
	# The clients below must not read it.
	unset OPENSSL_CONF
	for mp in imap:$IMAP_PORT pop3:$POP3_PORT imaps:$IMAPS_PORT \
	    pop3s:$POP3S_PORT; do
		m=${mp%%:*}
		p=${mp#*:}
		atf_check -o match:" TLSv1.2\$" "$TLSC" "$m" "$p" localhost
		atf_check -o inline:"no handshake\n" "$TLSC" "$m" "$p" \
		    localhost TLSv1_3
	done
	postern_check_log
}
openssl_conf_cleanup()
{
	. "$(atf_get_srcdir)/postern.subr"
	postern_cleanup
}

atf_test_case setup_failure cleanup
setup_failure_head()
{
	atf_set "descr" "TLS that cannot be set up at STARTTLS or STLS " \
	    "time: a tagged NO or -ERR and a log line, then no more " \
	    "STARTTLS or STLS offered, and the connection goes on"
	atf_set "require.user" "root"
}
setup_failure_body()
{
	# The master takes this cipher list, but the worker always adds
	# !kRSA (its keys can only sign), which leaves no cipher at all.
	imap_setup 'tls-ciphers "kRSA"' 'login-type plaintext-login'
	imap_start
	cat > c.py <<'PYEOF'
import os, socket
from imaptest import *

def client(port):
    s = socket.create_connection((HOST, port), TIMEOUT)
    return s, s.makefile("rb")

s, f = client(IPORT)
g = f.readline()
check(g.startswith(b"* OK [CAPABILITY ") and b" STARTTLS" in g, g)
s.sendall(b"a STARTTLS\r\n")
expect_eq(f.readline(), b"a NO TLS could not be started.\r\n", "STARTTLS")
s.sendall(b"b CAPABILITY\r\n")
c = f.readline()
check(c.startswith(b"* CAPABILITY ") and b"STARTTLS" not in c, c)
expect_eq(f.readline(), b"b OK Capability completed.\r\n", "CAPABILITY")
s.sendall(b"c STARTTLS\r\n")
expect_eq(f.readline(), b"c NO TLS is not available.\r\n", "again")
s.sendall(b"d LOGIN alice alicepw\r\n")
check(f.readline().startswith(b"d OK "), "LOGIN in the clear")
s.sendall(b"e LOGOUT\r\n")
expect_eq(f.readline(), b"* BYE Logging out\r\n", "LOGOUT")
s.close()

s, f = client(int(open(T + "/pop3_port").read()))
check(f.readline().startswith(b"+OK"), "greeting")
def capa():
    s.sendall(b"CAPA\r\n")
    lines = []
    while True:
        l = f.readline()
        if l == b".\r\n":
            return lines
        lines.append(l)
check(b"STLS\r\n" in capa(), "STLS offered")
s.sendall(b"STLS\r\n")
expect_eq(f.readline(), b"-ERR TLS could not be started.\r\n", "STLS")
check(b"STLS\r\n" not in capa(), "STLS still offered")
s.sendall(b"QUIT\r\n")
expect_eq(f.readline(), b"+OK Bye.\r\n", "QUIT")
s.close()

# On an implicit-TLS port the same failure ends the connection.
s, f = client(IPORTS)
expect_eq(f.read(), b"", "implicit TLS")
print("ok")
PYEOF
	atf_check -o inline:"ok\n" "$T/ipy" c.py
	postern_wait_log "TLS setup failed" 3
	postern_wait_log "no TLS for an implicit-TLS port"
	atf_check -o match:"no cipher match" cat "$T/log"
	postern_check_log
}
setup_failure_cleanup()
{
	. "$(atf_get_srcdir)/postern.subr"
	postern_cleanup
}

atf_test_case quiet_relay cleanup
quiet_relay_head()
{
	atf_set "descr" "A TLS relay that has been quiet (and so gave its " \
	    "buffers back) carries large messages both ways, after " \
	    "STARTTLS and after STLS"
	atf_set "require.user" "root"
}
quiet_relay_body()
{
	imap_setup
	imap_start
	cat > c.py <<'PYEOF'
import imaplib, os, time
from imaptest import *

def body(n, seed):
    lines = [b"Subject: big %d" % seed, b""]
    i = 0
    while sum(len(l) + 2 for l in lines) < n:
        lines.append(b"%08d line of message %d, filler filler filler" %
                     (i, seed))
        i += 1
    return b"\r\n".join(lines) + b"\r\n"

big = body(300 * 1024, 1)
deliver("alice", big)
m = imap_starttls("alice")
expect_eq(ok(m.select("INBOX")), [b"1"], "select")
# The relay compacts after a quiet second.
time.sleep(1.5)
typ, data = m.fetch("1", "(BODY.PEEK[])")
check(typ == "OK", (typ, data))
expect_eq(data[0][1], big, "fetched message")
time.sleep(1.5)
up = body(200 * 1024, 2)
ok(m.append("INBOX", None, None, up), "append")
time.sleep(1.5)
typ, data = m.fetch("2", "(BODY.PEEK[])")
check(typ == "OK", (typ, data))
expect_eq(data[0][1], up, "appended message")
m.logout()
print("ok")
PYEOF
	atf_check -o inline:"ok\n" "$T/ipy" c.py
	atf_check -o inline:"ok\n" "$T/py" -c '
import time
from poptest import *
def run():
    c = Client()
    c.stls()
    c.login("alice", "alicepw")
    time.sleep(1.5)
    c.send("RETR 1\r\n")
    first = c.line()
    check(first.startswith("+OK"), first)
    n = 0
    while c.line() != ".":
        n += 1
    check(n > 5000, "only %d lines" % n)
    time.sleep(1.5)
    c.expect("QUIT", "+OK Logging out.")
main(run)'
	postern_wait_log 'logout: id=' 2
	postern_check_log
}
quiet_relay_cleanup()
{
	. "$(atf_get_srcdir)/postern.subr"
	postern_cleanup
}

atf_init_test_cases()
{
	atf_add_test_case sni_starttls
	atf_add_test_case openssl_conf
	atf_add_test_case setup_failure
	atf_add_test_case quiet_relay
}
