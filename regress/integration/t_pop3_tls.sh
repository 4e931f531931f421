#! /usr/bin/env atf-sh
# TLS through the real posternd: python3 poplib over STLS and over
# implicit TLS, each pinning the self-signed certificate by the SHA-256
# fingerprint openssl computes from the file; the certificate and key
# made at first start (key mode 0600, owned by root) and reused on the
# next start; what CAPA and STLS say before and after TLS.

. "$(atf_get_srcdir)/postern.subr"

atf_test_case poplib_tls cleanup
poplib_tls_head()
{
	atf_set "descr" "poplib over STLS and implicit TLS, certificate" \
	    "pinned by its SHA-256 fingerprint"
	atf_set "require.user" "root"
}
poplib_tls_body()
{
	postern_setup
	printf 'Subject: one\n\nfirst body\n' > msg1
	printf 'Subject: two\n\nsecond\n.dotted\n' > msg2
	postern_deliver alice msg1
	postern_deliver alice msg2
	postern_start
	cat > c.py <<'PYEOF'
import poplib, socket
from poptest import *

def run():
    fp = cert_sha256()
    # Implicit TLS.
    p = poplib.POP3_SSL(HOST, PORTS, context=tls_context())
    check_pinned(p.sock)
    expect_eq(p.getwelcome(), b"+OK postern POP3 server ready.", "greeting")
    p.user("alice")
    p.pass_("alicepw")
    expect_eq(p.stat(), (2, 61), "STAT")
    resp, lines, octets = p.retr(1)
    expect_eq(lines, [b"Subject: one", b"", b"first body"], "RETR 1")
    expect_eq(octets, 28, "octets of RETR 1")
    resp, lines, octets = p.retr(2)
    expect_eq(lines, [b"Subject: two", b"", b"second", b".dotted"],
              "RETR 2 (dot-stuffing undone by poplib)")
    expect_eq(p.quit(), b"+OK Logging out.", "QUIT")
    # STLS on the plain port.
    p = poplib.POP3(HOST, PORT)
    caps = p.capa()
    check("STLS" in caps, "STLS offered before TLS: %r" % caps)
    check("USER" not in caps, "USER offered without TLS: %r" % caps)
    p.stls(context=tls_context())
    check_pinned(p.sock)
    caps = p.capa()
    check("STLS" not in caps, "STLS offered after TLS: %r" % caps)
    check("USER" in caps, "USER not offered after TLS: %r" % caps)
    expect_eq(caps.get("SASL"), ["PLAIN", "LOGIN"], "SASL after TLS")
    p.user("alice")
    p.pass_("alicepw")
    expect_eq(p.stat()[0], 2, "STAT over STLS")
    expect_eq(p.uidl()[0][:3], b"+OK", "UIDL")
    p.quit()
    # A certificate other than the pinned one is refused by the pin.
    s = socket.create_connection((HOST, PORTS), TIMEOUT)
    ctx = tls_context()
    ss = ctx.wrap_socket(s, server_hostname=HOST)
    check(peer_sha256(ss) == fp, "same certificate on every connection")
    ss.close()

main(run)
PYEOF
	atf_check -o inline:"ok\n" "$T/py" c.py
	postern_check_log
}
poplib_tls_cleanup()
{
	postern_cleanup
}

atf_test_case selfsigned cleanup
selfsigned_head()
{
	atf_set "descr" "The self-signed certificate is made at first start" \
	    "(key 0600, root) and reused by the next start"
	atf_set "require.user" "root"
}
selfsigned_body()
{
	postern_setup
	atf_check -s exit:0 test ! -e "$T/certs/default.crt"
	postern_start
	atf_check -s exit:0 test -f "$T/certs/default.crt"
	atf_check -s exit:0 test -f "$T/certs/default.key"
	atf_check -o inline:"600 0 0\n" stat -c "%a %u %g" "$T/certs/default.key"
	# The certificate names the configured host name and is valid now.
	atf_check -o match:"CN *= *localhost" \
	    openssl x509 -in "$T/certs/default.crt" -noout -subject
	atf_check -o ignore openssl x509 -in "$T/certs/default.crt" -noout \
	    -checkend 86400
	# The key is the certificate's.
	openssl x509 -in "$T/certs/default.crt" -noout -pubkey > pub1
	openssl pkey -in "$T/certs/default.key" -pubout > pub2
	atf_check -s exit:0 cmp pub1 pub2
	fp1=$(openssl x509 -in "$T/certs/default.crt" -noout -fingerprint \
	    -sha256)
	cp "$T/certs/default.crt" crt1
	cp "$T/certs/default.key" key1
	cat > fp.py <<'PYEOF'
from poptest import *
def run():
    c = Client(tls=True)       # checks the pin against the file
    c.expect("QUIT", "+OK Bye.")
    c = Client()
    c.stls()
    c.expect("QUIT", "+OK Bye.")
main(run)
PYEOF
	atf_check -o inline:"ok\n" "$T/py" fp.py
	atf_check -o match:"created self-signed certificate" cat "$T/log"

	postern_stop
	: > "$T/log"
	postern_start
	atf_check -s exit:0 cmp crt1 "$T/certs/default.crt"
	atf_check -s exit:0 cmp key1 "$T/certs/default.key"
	atf_check -o inline:"600 0 0\n" stat -c "%a %u %g" "$T/certs/default.key"
	fp2=$(openssl x509 -in "$T/certs/default.crt" -noout -fingerprint \
	    -sha256)
	atf_check_equal "$fp1" "$fp2"
	atf_check -o inline:"ok\n" "$T/py" fp.py
	atf_check -s exit:1 grep -q "created self-signed certificate" "$T/log"
	postern_check_log
}
selfsigned_cleanup()
{
	postern_cleanup
}

atf_test_case stls_states cleanup
stls_states_head()
{
	atf_set "descr" "STLS and CAPA before and after TLS, on both ports"
	atf_set "require.user" "root"
}
stls_states_body()
{
	postern_setup
	postern_start
	cat > c.py <<'PYEOF'
from poptest import *

BASE = ["TOP", "UIDL", "RESP-CODES", "AUTH-RESP-CODE", "PIPELINING"]
TAIL = ["EXPIRE NEVER", "IMPLEMENTATION postern"]

def run():
    c = Client()
    expect_eq(c.greeting, "+OK postern POP3 server ready.", "greeting")
    # login-type secure: no USER, no SASL before TLS.
    expect_eq(c.capa(), BASE + ["STLS"] + TAIL, "CAPA before STLS")
    c.expect("STLS x", "-ERR STLS takes no argument.")
    c.stls()
    expect_eq(c.capa(), BASE + ["USER", "SASL PLAIN LOGIN"] + TAIL,
              "CAPA after STLS")
    c.expect("STLS", "-ERR TLS is already active.")
    c.expect("CAPA x", "-ERR CAPA takes no argument.")
    c.login("alice", "alicepw")
    expect_eq(c.capa(), BASE + TAIL, "CAPA after login")
    c.expect("STLS", "-ERR Already authenticated")
    c.expect("QUIT", "+OK Logging out.")
    check(c.at_eof(), "connection closed after QUIT")

    c = Client(tls=True)
    expect_eq(c.capa(), BASE + ["USER", "SASL PLAIN LOGIN"] + TAIL,
              "CAPA on the implicit-TLS port")
    c.expect("STLS", "-ERR TLS is already active.")
    c.expect("QUIT", "+OK Bye.")
    check(c.at_eof(), "connection closed after QUIT")

    # Commands sent in clear text behind STLS are thrown away, not
    # run inside TLS (RFC 2595 section 3.1; the STARTTLS command
    # injection of CVE-2011-0411).
    c = Client()
    c.send("STLS\r\nUSER alice\r\n")
    expect_eq(c.line(), "+OK Begin TLS negotiation.", "STLS")
    c._wrap()
    c.expect("NOOP", "-ERR [AUTH] Not logged in.")
    c.expect("PASS alicepw", "-ERR No user name given.")
    c.close()

    # A client that asks for STLS and then speaks clear text is
    # dropped, not answered.
    c = Client()
    c.expect("STLS", "+OK Begin TLS negotiation.")
    c.send("USER alice\r\n")
    check(c.at_eof(), "connection closed after a failed handshake")

main(run)
PYEOF
	atf_check -o inline:"ok\n" "$T/py" c.py
	# The server is still there.
	atf_check -o inline:"ok\n" "$T/py" -c 'from poptest import *
main(lambda: login().expect("QUIT", "+OK Logging out."))'
	postern_check_log
}
stls_states_cleanup()
{
	postern_cleanup
}

atf_init_test_cases()
{
	atf_add_test_case poplib_tls
	atf_add_test_case selfsigned
	atf_add_test_case stls_states
}
