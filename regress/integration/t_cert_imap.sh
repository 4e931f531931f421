#! /usr/bin/env atf-sh
# The certificate lifecycle of the issue with IMAP served beside POP3:
# start with the self-signed default; import a certificate signed by a
# test CA; bind it by thumbprint to imap only; reload; an implicit-TLS
# IMAP client (and a STARTTLS one) sees the new certificate while POP3
# clients see the old one; IMAP and POP3 sessions opened before the
# reload keep their certificate and keep working.  Then the other way:
# pop3 joins, imap goes back to the default, and SNI chooses among the
# certificates bound to imap.

. "$(atf_get_srcdir)/postern.subr"
. "$(atf_get_srcdir)/imap.subr"
. "$(atf_get_srcdir)/cert.subr"

atf_test_case lifecycle cleanup
lifecycle_head()
{
	atf_set "descr" "Self-signed default for both; a CA-signed " \
	    "certificate bound to imap only by thumbprint; after the reload " \
	    "IMAP clients see it and POP3 clients the old one; sessions " \
	    "from before go on"
	atf_set "require.user" "root"
}
lifecycle_body()
{
	imap_setup
	cert_tools
	cert_tools_imap
	printf 'Subject: before\r\n\r\nbody\r\n' > m1
	postern_deliver alice m1 > /dev/null
	imap_start
	cert_ca ca
	cert_issue ca inter localhost localhost "DNS:localhost,IP:127.0.0.1"

	# The self-signed default serves both.
	old=$(cert_sha1 "$T/certs/default.crt")
	atf_check -o inline:"$old\n" "$IPEER" "$IMAPS_PORT"
	atf_check -o inline:"$old\n" "$IPEER_STLS" "$IMAP_PORT"
	atf_check -o inline:"$old\n" "$PEER" "$POP3S_PORT"
	atf_check -o match:"^default	.*	$old	[0-9A-F:]+	(imap, pop3|pop3, imap)\$" \
	    "$CTL" -t cert list

	new=$(cert_sha1 ca/localhost.crt)
	atf_check -o match:"^imported localhost\$" \
	    "$CTL" cert import ca/localhost.crt ca/localhost.key ca/inter.crt
	atf_check -o inline:"$old\n" "$IPEER" "$IMAPS_PORT"

	# Sessions opened before the change, one of each.
	"$ISESSION" "$IMAPS_PORT" i1 > i1.out 2>&1 &
	ipid=$!
	"$SESSION" "$POP3S_PORT" p1 > p1.out 2>&1 &
	ppid=$!
	cert_wait_file i1.ready
	cert_wait_file p1.ready

	# Bound to imap only, by its SHA-1 without separators.
	atf_check -o match:"^imap: localhost, its default certificate\$" \
	    "$CTL" cert use "$(echo "$new" | tr -d :)" imap
	atf_check -o match:"^reloaded " "$CTL" reload
	atf_check -o inline:"$new\n" "$IPEER" "$IMAPS_PORT"
	atf_check -o inline:"$new\n" "$IPEER_STLS" "$IMAP_PORT"
	atf_check "$IVERIFY" "$IMAPS_PORT" ca/root.crt localhost
	atf_check -o inline:"$old\n" "$PEER" "$POP3S_PORT"
	atf_check -o inline:"$old\n" "$PEER_STLS" "$POP3_PORT"
	atf_check -o match:"^localhost	.*	$new	[0-9A-F:]+	imap\$" \
	    -o match:"^default	.*	$old	[0-9A-F:]+	pop3\$" \
	    "$CTL" -t cert list
	hex=$(cert_sha256_hex ca/localhost.crt)
	atf_check -o match:"^imap $hex\$" cat "$T/certs/bindings"
	atf_check -s exit:1 grep "^pop3 $hex" "$T/certs/bindings"
	# The sessions from before are there, with their TLS.
	atf_check -o match:"	imap	session	alice	127.0.0.1	[0-9]+	TLSv1\.[23]	" \
	    -o match:"	pop3	session	alice	127.0.0.1	[0-9]+	TLSv1\.[23]	" \
	    "$CTL" -t show sessions

	# They keep the certificate they began with, and work.
	touch i1.go p1.go
	wait $ipid || { cat i1.out; atf_fail "the IMAP session failed"; }
	wait $ppid || { cat p1.out; atf_fail "the POP3 session failed"; }
	atf_check -o inline:"$old session ok\n" cat i1.out
	atf_check -o inline:"$old session ok\n" cat p1.out
	# A session begun after the reload has the new one.
	touch i2.go
	atf_check -o inline:"$new session ok\n" "$ISESSION" "$IMAPS_PORT" i2
	postern_check_log
}
lifecycle_cleanup()
{
	. "$(atf_get_srcdir)/postern.subr"
	postern_cleanup
}

atf_test_case swap_and_sni cleanup
swap_and_sni_head()
{
	atf_set "descr" "pop3 joins the imported certificate, imap goes " \
	    "back to the default, and a second certificate bound to imap " \
	    "for SNI is chosen by host name"
	atf_set "require.user" "root"
}
swap_and_sni_body()
{
	imap_setup
	cert_tools
	cert_tools_imap
	imap_start
	cert_ca ca
	cert_issue ca inter localhost localhost "DNS:localhost"
	cert_issue ca inter mail mail.example.test "DNS:mail.example.test" rsa
	old=$(cert_sha1 "$T/certs/default.crt")
	a=$(cert_sha1 ca/localhost.crt)
	b=$(cert_sha1 ca/mail.crt)
	atf_check -o ignore "$CTL" cert import ca/localhost.crt \
	    ca/localhost.key ca/inter.crt
	atf_check -o ignore "$CTL" cert import ca/mail.crt ca/mail.key \
	    ca/inter.crt name mail
	atf_check -o match:"^imap: localhost, its default certificate\$" \
	    -o match:"^pop3: localhost, its default certificate\$" \
	    "$CTL" cert use "$a" imap,pop3
	atf_check -o inline:"$a\n" "$IPEER" "$IMAPS_PORT"
	atf_check -o inline:"$a\n" "$PEER" "$POP3S_PORT"
	# imap back to the default, by a unique lowercase prefix of its
	# SHA-256; pop3 keeps the imported one.
	prefix=$(cert_sha256_hex "$T/certs/default.crt" | cut -c1-12)
	atf_check -o match:"^imap: default, its default certificate\$" \
	    "$CTL" cert use "$prefix" imap
	atf_check -o inline:"$old\n" "$IPEER" "$IMAPS_PORT"
	atf_check -o inline:"$a\n" "$PEER" "$POP3S_PORT"
	# A second one for imap, chosen by SNI; pop3 does not see it.
	atf_check -o match:"^imap: mail, chosen by SNI host name\$" \
	    "$CTL" cert use "$b" imap sni
	atf_check -o inline:"$b\n" "$IPEER" "$IMAPS_PORT" mail.example.test
	atf_check -o inline:"$old\n" "$IPEER" "$IMAPS_PORT" localhost
	atf_check -o inline:"$old\n" "$IPEER" "$IMAPS_PORT" ""
	atf_check -o inline:"$a\n" "$PEER" "$POP3S_PORT" mail.example.test
	atf_check "$IVERIFY" "$IMAPS_PORT" ca/root.crt mail.example.test
	postern_check_log
}
swap_and_sni_cleanup()
{
	. "$(atf_get_srcdir)/postern.subr"
	postern_cleanup
}

atf_init_test_cases()
{
	atf_add_test_case lifecycle
	atf_add_test_case swap_and_sni
}
