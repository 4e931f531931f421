#! /usr/bin/env atf-sh
# fetchmail, a real POP3 client, against the real posternd: over STLS
# and over implicit TLS, checking the self-signed certificate against
# the file posternd made and its fingerprint (fetchmail 6.4 pins MD5
# fingerprints); with keep (UIDL tracking, nothing deleted) and without
# (messages deleted at QUIT).  Exit status 0 when mail was fetched, 1
# when there was none.

. "$(atf_get_srcdir)/postern.subr"

# fetchmail_rc MODE KEEP: the rc file for stls|tls, keep|nokeep, and
# ./fetch; $FP, when set, is the fingerprint to pin instead.
fetchmail_rc()
{
	case $1 in
	stls)	postern_fetchmail_rc pop3 "$POP3_PORT" "" "$2" "${FP:-}" ;;
	tls)	postern_fetchmail_rc pop3 "$POP3S_PORT" ssl "$2" "${FP:-}" ;;
	esac
}

fetchmail_test()
{
	fetchmail --version 2>/dev/null | head -n 1
	postern_setup
	printf 'Subject: one\n\nfirst message\n' > m1
	printf 'Subject: two\n\nsecond message\n.with a dot\n' > m2
	postern_deliver alice m1
	postern_deliver alice m2
	postern_start
	fetchmail_rc "$1" "$2"
	cat rc
	atf_check -s exit:0 -o save:log1 -e ignore ./fetch
	cat log1
	atf_check -o match:"2 messages for alice" cat log1
	atf_check -o match:"fingerprints match" cat log1
	atf_check -o match:"^first message$" cat out
	atf_check -o match:"^\.with a dot$" cat out
	atf_check -o inline:"2\n" grep -c "^Subject: " out
	if [ "$2" = keep ]; then
		atf_check -o match:"^ *2$" sh -c "find $T/home/alice/Maildir/new \
		    $T/home/alice/Maildir/cur -type f | wc -l"
		# UIDL tracking: nothing new.
		atf_check -s exit:1 -o ignore -e ignore ./fetch
		printf 'Subject: three\n\nthird message\n' > m3
		postern_deliver alice m3
		atf_check -s exit:0 -o save:log2 -e ignore ./fetch
		atf_check -o match:"3 messages \(2 seen\) for alice" cat log2
		atf_check -o match:"^third message$" cat out
		atf_check -o inline:"3\n" grep -c "^Subject: " out
	else
		atf_check -o match:"^ *0$" sh -c "find $T/home/alice/Maildir/new \
		    $T/home/alice/Maildir/cur -type f | wc -l"
		atf_check -s exit:1 -o match:"No mail for alice" -e ignore ./fetch
	fi
	postern_check_log
}

atf_test_case stls_keep cleanup
stls_keep_head()
{
	atf_set "descr" "fetchmail over STLS with keep"
	atf_set "require.user" "root"
	atf_set "require.progs" "fetchmail"
}
stls_keep_body()
{
	fetchmail_test stls keep
}
stls_keep_cleanup()
{
	postern_cleanup
}

atf_test_case stls_nokeep cleanup
stls_nokeep_head()
{
	atf_set "descr" "fetchmail over STLS, deleting what it fetched"
	atf_set "require.user" "root"
	atf_set "require.progs" "fetchmail"
}
stls_nokeep_body()
{
	fetchmail_test stls nokeep
}
stls_nokeep_cleanup()
{
	postern_cleanup
}

atf_test_case tls_keep cleanup
tls_keep_head()
{
	atf_set "descr" "fetchmail over implicit TLS with keep"
	atf_set "require.user" "root"
	atf_set "require.progs" "fetchmail"
}
tls_keep_body()
{
	fetchmail_test tls keep
}
tls_keep_cleanup()
{
	postern_cleanup
}

atf_test_case tls_nokeep cleanup
tls_nokeep_head()
{
	atf_set "descr" "fetchmail over implicit TLS, deleting what it fetched"
	atf_set "require.user" "root"
	atf_set "require.progs" "fetchmail"
}
tls_nokeep_body()
{
	fetchmail_test tls nokeep
}
tls_nokeep_cleanup()
{
	postern_cleanup
}

atf_test_case wrong_fingerprint cleanup
wrong_fingerprint_head()
{
	atf_set "descr" "fetchmail with another fingerprint refuses the" \
	    "server and sends no password"
	atf_set "require.user" "root"
	atf_set "require.progs" "fetchmail"
}
wrong_fingerprint_body()
{
	postern_setup
	printf 'Subject: one\n\nfirst message\n' > m1
	postern_deliver alice m1
	postern_start
	for mode in stls tls; do
		FP="00:11:22:33:44:55:66:77:88:99:AA:BB:CC:DD:EE:FF" \
		    fetchmail_rc $mode keep
		atf_check -s not-exit:0 -o save:err -e save:err2 ./fetch
		atf_check -o match:"fingerprints do not match" cat err err2
		atf_check -s exit:1 test -e out
	done
	atf_check -s exit:1 grep -q "login:" "$T/log"
	postern_check_log
}
wrong_fingerprint_cleanup()
{
	postern_cleanup
}

atf_test_case large cleanup
large_head()
{
	atf_set "descr" "fetchmail over implicit TLS and STLS fetches a" \
	    "message of 300 KB intact"
	atf_set "require.user" "root"
	atf_set "require.progs" "fetchmail"
}
large_body()
{
	postern_setup
	{
		printf 'Subject: large\n\n'
		postern_lines 5000 \
		    'line %05d of a large message, with some text to fill it up\n'
	} > big
	postern_start
	for mode in tls stls; do
		postern_deliver alice big
		rm -f out
		fetchmail_rc $mode nokeep
		atf_check -s exit:0 -o save:log -e ignore ./fetch
		atf_check -o match:"1 message for alice" cat log
		# The body arrived intact (fetchmail adds to the header).
		sed '1,/^$/d' out > got
		sed '1,/^$/d' big > want
		atf_check -o match:"^ *5000 " wc -l want
		atf_check -s exit:0 cmp got want
	done
	postern_check_log
}
large_cleanup()
{
	postern_cleanup
}

atf_init_test_cases()
{
	atf_add_test_case stls_keep
	atf_add_test_case stls_nokeep
	atf_add_test_case tls_keep
	atf_add_test_case tls_nokeep
	atf_add_test_case wrong_fingerprint
	atf_add_test_case large
}
