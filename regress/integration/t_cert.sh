#! /usr/bin/env atf-sh
# Certificates through the real daemon and posternctl: the lifecycle of
# replacing the self-signed default with a CA-signed certificate bound
# by thumbprint (sessions in progress keep theirs), SNI choosing among
# the certificates bound to a service, expired and unreadable
# certificates refused at start and at reload, imports refused for a
# wrong key, a chain out of order or an expired certificate, and
# binding while the daemon is down.

. "$(atf_get_srcdir)/postern.subr"
. "$(atf_get_srcdir)/cert.subr"

# bind_expired: a certificate that expired in 2020 (ca/old.crt, for
# old.example.test, from a new test CA in ca/) in the store, bound to
# pop3, as if imported while it was valid.
bind_expired()
{
	cert_ca ca
	cert_issue ca inter old old.example.test "DNS:old.example.test" ec \
	    20200101000000Z 20200201000000Z
	cp ca/old.crt ca/old.key "$T/certs/"
	chmod 600 "$T/certs/old.key"
	echo "pop3 $(cert_sha256_hex ca/old.crt)" > "$T/certs/bindings"
}

atf_test_case lifecycle cleanup
lifecycle_head()
{
	atf_set "descr" "Self-signed default, import a CA-signed one, bind " \
	    "it to pop3 by thumbprint, reload; new clients see it, an " \
	    "open session goes on; an imap binding is recorded"
	atf_set "require.user" "root"
}
lifecycle_body()
{
	postern_setup
	cert_tools
	postern_start
	cert_ca ca
	cert_issue ca inter localhost localhost "DNS:localhost,IP:127.0.0.1"

	old=$(cert_sha1 "$T/certs/default.crt")
	atf_check -o inline:"$old\n" "$PEER" "$POP3S_PORT"
	atf_check -o match:"^default	.*	$old	[0-9A-F:]+	pop3\$" \
	    "$CTL" -t cert list
	atf_check -o match:'"name": "default", .*"services": "pop3"' \
	    "$CTL" -j cert list
	atf_check -o match:"^NAME +SUBJECT +NAMES +ISSUER +NOT-AFTER +STATUS" \
	    -o match:"^default +CN=localhost,O=postern self-signed +DNS:localhost,IP:127.0.0.1,IP:::1 " \
	    "$CTL" cert list

	# Import it with its intermediate.
	new=$(cert_sha1 ca/localhost.crt)
	atf_check -o match:"^imported localhost\$" -o match:"SHA-1   $new" \
	    "$CTL" cert import ca/localhost.crt ca/localhost.key ca/inter.crt
	atf_check -o inline:"600\n" stat -c %a "$T/certs/localhost.key"
	atf_check -o inline:"2\n" grep -c "BEGIN CERTIFICATE" \
	    "$T/certs/localhost.crt"
	# name subject names issuer not-after status key sha1 sha256 services
	row="^localhost	CN=localhost	DNS:localhost,IP:127.0.0.1"
	row="$row	CN=postern test intermediate	20[0-9-]+T[0-9:]+Z	ok"
	row="$row	EC P-256	$new	[0-9A-F:]{95}	\$"
	atf_check -o match:"$row" "$CTL" -t cert list
	# Imported is not bound: nothing changed yet.
	atf_check -o inline:"$old\n" "$PEER" "$POP3S_PORT"

	# A session opened before the change.
	"$SESSION" "$POP3S_PORT" s1 > s1.out &
	spid=$!
	cert_wait_file s1.ready

	# Bound by a prefix of its SHA-1, lowercase, with colons.
	prefix=$(echo "$new" | cut -c1-11 | tr A-F a-f)
	atf_check -o match:"^pop3: localhost, its default certificate\$" \
	    -o match:"^posternd: " "$CTL" cert use "$prefix" pop3
	atf_check -o inline:"$new\n" "$PEER" "$POP3S_PORT"
	atf_check -o inline:"$new\n" "$PEER_STLS" "$POP3_PORT"
	# A client trusting only the root verifies chain and name.
	atf_check "$VERIFY" "$POP3S_PORT" ca/root.crt localhost
	atf_check -o match:"^localhost	.*	pop3\$" -o match:"^default	.*	\$" \
	    "$CTL" -t cert list

	# The session from before keeps its certificate and works.
	touch s1.go
	wait $spid || atf_fail "the session opened before the reload failed"
	atf_check -o inline:"$old session ok\n" cat s1.out

	# imap is not served by this build: the binding is recorded for
	# when it is, and pop3's stays.
	hex=$(cert_sha256_hex ca/localhost.crt)
	atf_check -o match:"^imap: localhost, its default certificate\$" \
	    -o match:"^note: imap is not enabled" \
	    "$CTL" cert use "$(cert_sha256 ca/localhost.crt)" imap
	atf_check -o match:"^pop3 $hex\$" -o match:"^imap $hex\$" \
	    cat "$T/certs/bindings"
	atf_check -o match:"^localhost	.*	pop3, imap \(not enabled\)\$" \
	    "$CTL" -t cert list
	atf_check -o inline:"$new\n" "$PEER" "$POP3S_PORT"

	# Back to the default, by its whole SHA-256 without colons.
	atf_check -o match:"^pop3: default, its default certificate\$" \
	    "$CTL" cert use "$(cert_sha256_hex "$T/certs/default.crt")" pop3
	atf_check -o inline:"$old\n" "$PEER" "$POP3S_PORT"
	atf_check -o match:"^imap $hex\$" cat "$T/certs/bindings"
}
lifecycle_cleanup()
{
	. "$(atf_get_srcdir)/postern.subr"
	postern_cleanup
}

atf_test_case sni cleanup
sni_head()
{
	atf_set "descr" "Two certificates bound to pop3: the client's " \
	    "server name picks one, wildcards per RFC 6125, RSA and EC keys, " \
	    "TLS 1.2 and 1.3"
	atf_set "require.user" "root"
}
sni_body()
{
	postern_setup
	cert_tools
	postern_start
	cert_sni_pair
	a=$SNI_A
	b=$SNI_B
	atf_check -o ignore "$CTL" cert use "$a" pop3
	atf_check -o match:"^pop3: wild, chosen by SNI host name\$" \
	    "$CTL" cert use "$b" pop3 sni
	atf_check -o match:"^localhost	.*	pop3\$" \
	    -o match:"^wild	.*	RSA 2048	.*	pop3 \(sni\)\$" \
	    "$CTL" -t cert list

	for v in TLSv1_2 TLSv1_3; do
		atf_check -o inline:"$a\n" "$PEER" "$POP3S_PORT" localhost $v
		atf_check -o inline:"$b\n" "$PEER" "$POP3S_PORT" \
		    mail.example.test $v
		atf_check -o inline:"$b\n" "$PEER" "$POP3S_PORT" \
		    IMAP.Example.Test $v
		# A wildcard stands for one whole label only.
		atf_check -o inline:"$a\n" "$PEER" "$POP3S_PORT" \
		    a.b.example.test $v
		atf_check -o inline:"$a\n" "$PEER" "$POP3S_PORT" \
		    example.test $v
		atf_check -o inline:"$a\n" "$PEER" "$POP3S_PORT" \
		    other.invalid $v
		atf_check -o inline:"$a\n" "$PEER" "$POP3S_PORT" "" $v
	done
	atf_check "$VERIFY" "$POP3S_PORT" ca/root.crt imap.example.test
	atf_check "$VERIFY" "$POP3S_PORT" ca/root.crt localhost

	# Unbound, the other becomes the default.
	atf_check -o match:"^pop3: localhost removed" \
	    "$CTL" cert unuse "$a" pop3
	atf_check -o inline:"$b\n" "$PEER" "$POP3S_PORT" localhost
	atf_check -o inline:"$b\n" "$PEER" "$POP3S_PORT" ""
}
sni_cleanup()
{
	. "$(atf_get_srcdir)/postern.subr"
	postern_cleanup
}

atf_test_case expired_start cleanup
expired_start_head()
{
	atf_set "descr" "An expired or unreadable certificate, bound in the " \
	    "store or named in postern.conf, stops posternd from starting " \
	    "and the error names the file"
	atf_set "require.user" "root"
}
expired_start_body()
{
	postern_setup
	cert_tools
	bind_expired
	atf_check -s not-exit:0 -o ignore \
	    -e match:"$T/certs/old.crt: certificate has expired \(on 2020-02-01" \
	    -e match:"cannot load certificates" \
	    timeout 30 "$POSTERN_BIN/posternd" -d -f "$T/postern.conf"

	# A binding to a certificate that is not in the store.
	echo "pop3 $(cert_sha256_hex ca/inter.crt)" > "$T/certs/bindings"
	msg="$T/certs/bindings: pop3 is bound to the certificate with"
	msg="$msg SHA-256 $(cert_sha256 ca/inter.crt), which no readable"
	atf_check -s not-exit:0 -o ignore -e match:"$msg certificate" \
	    timeout 30 "$POSTERN_BIN/posternd" -d -f "$T/postern.conf"

	# The same certificate named in postern.conf; and a missing file.
	rm "$T/certs/bindings"
	POP3_EXTRA='certificate "old.crt" key "old.key"' postern_write_conf
	atf_check -s not-exit:0 -o ignore \
	    -e match:"$T/certs/old.crt: certificate has expired" \
	    timeout 30 "$POSTERN_BIN/posternd" -d -f "$T/postern.conf"
	POP3_EXTRA='certificate "gone.crt" key "old.key"' postern_write_conf
	atf_check -s not-exit:0 -o ignore \
	    -e match:"$T/certs/gone.crt: cannot read certificate" \
	    timeout 30 "$POSTERN_BIN/posternd" -d -f "$T/postern.conf"

	# posternctl does not bind what posternd would refuse.
	postern_write_conf
	atf_check -s exit:1 -e match:"old.crt cannot be used: .*expired" \
	    "$CTL" cert use "$(cert_sha1 ca/old.crt)" pop3
	atf_check -s exit:1 test -e "$T/certs/bindings"
}
expired_start_cleanup()
{
	. "$(atf_get_srcdir)/postern.subr"
	postern_cleanup
}

atf_test_case reload_keeps cleanup
reload_keeps_head()
{
	atf_set "descr" "A reload that meets an expired certificate logs " \
	    "the file, fails, and the running certificate stays"
	atf_set "require.user" "root"
}
reload_keeps_body()
{
	postern_setup
	cert_tools
	postern_start
	old=$(cert_sha1 "$T/certs/default.crt")
	bind_expired
	atf_check -s exit:1 -e match:"certificate could not be loaded" \
	    "$CTL" reload
	atf_check -o match:"$T/certs/old.crt: certificate has expired" \
	    -o match:"reload: .*keeping the running configuration" cat "$T/log"
	atf_check -o inline:"$old\n" "$PEER" "$POP3S_PORT"

	# SIGHUP the same way.
	kill -HUP "$(postern_pid)"
	i=0
	while [ "$(grep -c "keeping the running" "$T/log")" -lt 2 ]; do
		i=$((i + 1))
		[ $i -gt 300 ] && atf_fail "no second failed reload in the log"
		sleep 0.05
	done
	atf_check -o inline:"$old\n" "$PEER" "$POP3S_PORT"
	rm "$T/certs/bindings"
	atf_check -o match:"reloaded" "$CTL" reload
	atf_check -o inline:"$old\n" "$PEER" "$POP3S_PORT"
}
reload_keeps_cleanup()
{
	. "$(atf_get_srcdir)/postern.subr"
	postern_cleanup
}

atf_test_case bad_import cleanup
bad_import_head()
{
	atf_set "descr" "cert import refuses a key that does not match, a " \
	    "chain out of order, an expired or weak certificate, a taken " \
	    "name, and stores nothing for them"
	atf_set "require.user" "root"
}
bad_import_body()
{
	postern_setup
	cert_tools
	cert_ca ca
	cert_issue ca inter good localhost "DNS:localhost"
	cert_issue ca inter other localhost "DNS:localhost"
	cert_issue ca inter old old.example.test "DNS:old.example.test" ec \
	    20200101000000Z 20200201000000Z
	cert_issue ca inter weak weak.example.test "DNS:weak.example.test" \
	    rsa1024

	atf_check -s exit:1 -e match:"refused: the key does not match" \
	    "$CTL" cert import ca/good.crt ca/other.key
	cat ca/root.crt ca/inter.crt > badchain.pem
	atf_check -s exit:1 -e match:"refused: the chain is out of order" \
	    "$CTL" cert import ca/good.crt ca/good.key badchain.pem
	atf_check -s exit:1 -e match:"refused: the chain is out of order" \
	    "$CTL" cert import ca/good.crt ca/good.key ca/root.crt
	atf_check -s exit:1 \
	    -e match:"refused: the certificate CN=old.example.test expired on 2020-02-01" \
	    "$CTL" cert import ca/old.crt ca/old.key ca/inter.crt
	atf_check -s exit:1 -e match:"refused: the RSA key has 1024 bits" \
	    "$CTL" cert import ca/weak.crt ca/weak.key
	atf_check -s exit:1 -e match:"no PEM certificate" \
	    "$CTL" cert import ca/good.key ca/good.key
	atf_check -s exit:1 -e match:"no PEM private key" \
	    "$CTL" cert import ca/good.crt ca/good.crt
	atf_check -s exit:1 -e match:"nonexistent" \
	    "$CTL" cert import nonexistent ca/good.key
	atf_check -o empty ls -A "$T/certs"

	atf_check -o match:"^imported localhost\$" \
	    "$CTL" cert import ca/good.crt ca/good.key ca/inter.crt
	atf_check -s exit:1 -e match:"already in the store as localhost" \
	    "$CTL" cert import ca/good.crt ca/good.key
	atf_check -s exit:1 -e match:"localhost is taken" \
	    "$CTL" cert import ca/other.crt ca/other.key
	atf_check -s exit:1 -e match:"cannot name it in the store" \
	    "$CTL" cert import ca/other.crt ca/other.key name ../evil
	atf_check -o match:"^imported other-localhost\$" \
	    "$CTL" cert import ca/other.crt ca/other.key name other-localhost
	ls -A "$T/certs" > stored
	printf '%s\n' localhost.crt localhost.key other-localhost.crt \
	    other-localhost.key > expected
	atf_check cmp stored expected
}
bad_import_cleanup()
{
	. "$(atf_get_srcdir)/postern.subr"
	postern_cleanup
}

atf_test_case not_running cleanup
not_running_head()
{
	atf_set "descr" "cert new and cert use without a running daemon: " \
	    "the binding is kept and used at start; thumbprints as pasted " \
	    "from openssl; bad thumbprints and services"
	atf_set "require.user" "root"
}
not_running_body()
{
	postern_setup
	cert_tools
	atf_check -o match:"^made self-signed mail.example.test\$" \
	    "$CTL" cert new host mail.example.test key rsa2048 \
	    names localhost,192.0.2.7
	crt="$T/certs/mail.example.test.crt"
	atf_check -o match:"DNS:mail.example.test, DNS:localhost, IP Address:192.0.2.7" \
	    openssl x509 -in "$crt" -noout -ext subjectAltName
	atf_check -o inline:"600\n" stat -c %a "$T/certs/mail.example.test.key"
	atf_check -s exit:1 -e match:"mail.example.test is taken" \
	    "$CTL" cert new host mail.example.test
	atf_check -s exit:1 -e match:"key types are" \
	    "$CTL" cert new x key dsa
	atf_check -o match:"^made self-signed short\$" \
	    "$CTL" cert new short days 10
	atf_check -o match:"^short	.*	expires in (9|10) days	EC P-256	" \
	    "$CTL" -t cert list

	fp=$(openssl x509 -in "$crt" -noout -fingerprint -sha256)
	atf_check -o match:"^pop3: mail.example.test, its default certificate\$" \
	    -o match:"^posternd is not running" "$CTL" cert use "$fp" pop3
	atf_check -o match:"^pop3 $(cert_sha256_hex "$crt")\$" \
	    cat "$T/certs/bindings"

	atf_check -s exit:1 -e match:"is not a thumbprint" \
	    "$CTL" cert use xyz pop3
	atf_check -s exit:1 -e match:"is not a thumbprint" \
	    "$CTL" cert use 12 pop3
	atf_check -s exit:1 -e match:"has the thumbprint" \
	    "$CTL" cert use 0000000000000000000000000000000000000000 pop3
	atf_check -s exit:1 -e match:"unknown service \"smtp\"" \
	    "$CTL" cert use "$fp" smtp
	atf_check -s exit:1 -e match:"not bound to any of those services" \
	    "$CTL" cert unuse "$fp" submission

	postern_start
	atf_check -o inline:"$(cert_sha1 "$crt")\n" "$PEER" "$POP3S_PORT"
	# default.crt is made only for a service that needs it.
	atf_check -s exit:1 test -e "$T/certs/default.crt"
}
not_running_cleanup()
{
	. "$(atf_get_srcdir)/postern.subr"
	postern_cleanup
}

atf_test_case conf_wins cleanup
conf_wins_head()
{
	atf_set "descr" "A certificate named in postern.conf wins over the " \
	    "store's binding, and cert list and cert use say so"
	atf_set "require.user" "root"
}
conf_wins_body()
{
	postern_setup
	cert_tools
	cert_ca ca
	cert_issue ca inter localhost localhost "DNS:localhost"
	cert_issue ca inter conf conf.example.test "DNS:conf.example.test"
	atf_check -o ignore "$CTL" cert import ca/localhost.crt \
	    ca/localhost.key
	POP3_EXTRA="certificate \"$(pwd)/ca/conf.crt\" key \"$(pwd)/ca/conf.key\"" \
	    postern_write_conf
	chmod 600 ca/conf.key
	atf_check -o match:"^note: postern.conf names a certificate for pop3" \
	    "$CTL" cert use "$(cert_sha1 ca/localhost.crt)" pop3
	atf_check -o match:"^localhost	.*	pop3 \(postern.conf overrides\)\$" \
	    -o match:"^$(pwd)/ca/conf.crt	CN=conf.example.test	.*	pop3 \(postern.conf\)\$" \
	    "$CTL" -t cert list
	postern_start
	atf_check -o inline:"$(cert_sha1 ca/conf.crt)\n" \
	    "$PEER" "$POP3S_PORT"
}
conf_wins_cleanup()
{
	. "$(atf_get_srcdir)/postern.subr"
	postern_cleanup
}

atf_init_test_cases()
{
	atf_add_test_case lifecycle
	atf_add_test_case sni
	atf_add_test_case expired_start
	atf_add_test_case reload_keeps
	atf_add_test_case bad_import
	atf_add_test_case not_running
	atf_add_test_case conf_wins
}
