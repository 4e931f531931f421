#! /usr/bin/env atf-sh
# openssl s_client against the real posternd: TLS 1.0 and 1.1 refused
# by the server (the client is let to offer them: Debian's OpenSSL
# would not at its default security level), TLS 1.2 and 1.3 accepted,
# on the implicit-TLS ports 993 and 995 and after STARTTLS on 143 and
# STLS on 110; what each port says after the handshake; and the
# certificate served everywhere: the self-signed one posternd made,
# alone, valid for localhost, with the thumbprint posternctl shows.

. "$(atf_get_srcdir)/../integration/postern.subr"
. "$(atf_get_srcdir)/../integration/imap.subr"
. "$(atf_get_srcdir)/interop.subr"

# ossl_setup: the daemon, and ./client PORT MODE [s_client options]
# that says a goodbye once connected (MODE: tls, imap or pop3).
ossl_setup()
{
	interop_version openssl openssl version
	interop_setup
	imap_start
	cat > client <<EOF
#!/bin/sh
port=\$1
mode=\$2
shift 2
case \$mode in
tls)	st="" ;;
*)	st="-starttls \$mode" ;;
esac
case \$mode:\$port in
pop3:*|tls:$POP3S_PORT)	bye="QUIT" ;;
*)	bye="a LOGOUT" ;;
esac
printf '%s\r\n' "\$bye" | exec timeout 20 openssl s_client \\
    -connect 127.0.0.1:\$port \$st -servername localhost \\
    -CAfile "$T/certs/default.crt" -verify_hostname localhost \\
    -verify_return_error "\$@"
EOF
	chmod 755 client
}

# ossl_versions PORT MODE: 1.0 and 1.1 refused, 1.2 and 1.3 spoken.
ossl_versions()
{
	for v in tls1 tls1_1; do
		atf_check -s not-exit:0 -o ignore \
		    -e match:"alert protocol version" \
		    ./client "$1" "$2" -$v -cipher "DEFAULT@SECLEVEL=0"
	done
	for v in 1.2 1.3; do
		atf_check -o save:out -e ignore \
		    ./client "$1" "$2" -tls$(echo $v | tr . _)
		atf_check -o match:"^New, TLSv$v, Cipher is " cat out
		atf_check -o match:"Verify return code: 0 \(ok\)" cat out
	done
}

# ossl_upgraded PORT MODE INPUT: the lines INPUT (printf escapes)
# through openssl s_client -quiet after -starttls MODE (imap, pop3) on
# PORT; what the server answers in MODE.out.
ossl_upgraded()
{
	# shellcheck disable=SC2059
	printf "$3" > "$2.in"
	atf_check -o save:"$2.out" -e ignore sh -c "timeout 20 openssl \
	    s_client -quiet -connect 127.0.0.1:$1 -starttls $2 \
	    -CAfile '$T/certs/default.crt' -verify_return_error < $2.in"
}

atf_test_case versions cleanup
versions_head()
{
	atf_set "descr" "TLS 1.0/1.1 refused, 1.2/1.3 accepted on 993 and 995"
	atf_set "require.user" "root"
	atf_set "require.progs" "openssl"
}
versions_body()
{
	ossl_setup
	# The start-up probes of the two TLS ports fail their handshakes.
	postern_wait_log "TLS handshake failed" 2
	n=$(grep -c 'TLS handshake failed' "$T/log")
	ossl_versions "$IMAPS_PORT" tls
	ossl_versions "$POP3S_PORT" tls
	# The refusals were the server's, and logged.
	postern_wait_log "TLS handshake failed" $((n + 4))
	postern_check_log
}
versions_cleanup()
{
	. "$(atf_get_srcdir)/../integration/postern.subr"
	postern_cleanup
}

atf_test_case starttls cleanup
starttls_head()
{
	atf_set "descr" "STARTTLS on 143 and STLS on 110, versions and state"
	atf_set "require.user" "root"
	atf_set "require.progs" "openssl"
}
starttls_body()
{
	ossl_setup
	ossl_versions "$IMAP_PORT" imap
	ossl_versions "$POP3_PORT" pop3
	# After the upgrade: logins offered, STARTTLS no more.
	ossl_upgraded "$IMAP_PORT" imap 'a CAPABILITY\r\nb LOGOUT\r\n'
	atf_check -o match:"^\* CAPABILITY .*AUTH=PLAIN" cat imap.out
	atf_check -s exit:1 grep -q "STARTTLS\|LOGINDISABLED" imap.out
	atf_check -o match:"^b OK " cat imap.out
	ossl_upgraded "$POP3_PORT" pop3 'CAPA\r\nQUIT\r\n'
	atf_check -o match:"^USER" cat pop3.out
	atf_check -s exit:1 grep -q "^STLS" pop3.out
	atf_check -o match:"^\+OK" cat pop3.out
	postern_check_log
}
starttls_cleanup()
{
	. "$(atf_get_srcdir)/../integration/postern.subr"
	postern_cleanup
}

atf_test_case chain cleanup
chain_head()
{
	atf_set "descr" "The self-signed certificate, alone, on every listener"
	atf_set "require.user" "root"
	atf_set "require.progs" "openssl"
}
chain_body()
{
	ossl_setup
	want=$(openssl x509 -in "$T/certs/default.crt" -noout -sha256 \
	    -fingerprint | sed 's/.*=//')
	echo "default.crt SHA-256 $want"
	# posternctl names the same one, for both services.
	atf_check -o save:certs "$POSTERN_BIN/posternctl" -f "$T/postern.conf" \
	    cert list
	atf_check -o match:"$want +(imap, pop3|pop3, imap)$" cat certs
	for pm in "$IMAPS_PORT tls" "$POP3S_PORT tls" "$IMAP_PORT imap" \
	    "$POP3_PORT pop3"; do
		atf_check -o save:out -e ignore ./client $pm -showcerts
		atf_check -o match:"^Verify return code: 0 \(ok\)" \
		    sed 's/^ *//' out
		# One certificate: self-signed, nothing else sent.
		atf_check -o inline:"1\n" grep -c "BEGIN CERTIFICATE" out
		atf_check -o match:"s:O = postern self-signed, CN = localhost" \
		    cat out
		atf_check -o match:"i:O = postern self-signed, CN = localhost" \
		    cat out
		sed -n '/BEGIN CERT/,/END CERT/p' out > served.pem
		atf_check -o inline:"$want\n" sh -c "openssl x509 \
		    -in served.pem -noout -sha256 -fingerprint | sed 's/.*=//'"
	done
	# Another name is not one the certificate is for.
	atf_check -s not-exit:0 -o ignore -e ignore sh -c \
	    "printf 'a LOGOUT\r\n' | timeout 20 openssl s_client \
	    -connect 127.0.0.1:$IMAPS_PORT -CAfile '$T/certs/default.crt' \
	    -verify_hostname mail.example.org -verify_return_error"
	postern_check_log
}
chain_cleanup()
{
	. "$(atf_get_srcdir)/../integration/postern.subr"
	postern_cleanup
}

atf_init_test_cases()
{
	atf_add_test_case versions
	atf_add_test_case starttls
	atf_add_test_case chain
}
