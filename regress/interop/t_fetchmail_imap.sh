#! /usr/bin/env atf-sh
# fetchmail over IMAP against the real posternd (POP3 is in
# ../integration/t_fetchmail.sh): STARTTLS on the plain port, made
# mandatory and checked against the certificate posternd made and its
# fingerprint, and implicit TLS; with keep (messages stay, marked
# \Seen, and are not fetched again) and without (they are deleted and
# expunged).  Messages with dot lines, 8-bit text and a large body must
# arrive intact.  Exit status 0 when mail was fetched, 1 when none.

. "$(atf_get_srcdir)/../integration/postern.subr"
. "$(atf_get_srcdir)/../integration/imap.subr"
. "$(atf_get_srcdir)/interop.subr"

# fim_rc MODE KEEP: the rc file for starttls|tls, keep|nokeep, and
# ./fetch to run fetchmail with it.
fim_rc()
{
	case $1 in
	starttls)	postern_fetchmail_rc imap "$IMAP_PORT" "" "$2" ;;
	tls)		postern_fetchmail_rc imap "$IMAPS_PORT" ssl "$2" ;;
	esac
}

fim_test()
{
	interop_version fetchmail fetchmail --version
	interop_setup
	printf 'Subject: one\nMessage-ID: <one@x>\n\nfirst message\n' > m1
	printf 'Subject: two\nMessage-ID: <two@x>\n\nsecond\n.with a dot\n.\n' \
	    > m2
	printf 'Subject: =?UTF-8?Q?Gr=C3=BC=C3=9Fe?=\nMessage-ID: <three@x>\n'\
'Content-Type: text/plain; charset=utf-8\nContent-Transfer-Encoding: 8bit\n'\
'\nGr\303\274\303\237e aus K\303\266ln\n' > m3
	{
		printf 'Subject: large\nMessage-ID: <four@x>\n\n'
		postern_lines 4000 'line %05d of a large message, some text\n'
	} > m4
	for m in m1 m2 m3 m4; do
		postern_deliver alice $m > /dev/null
	done
	imap_start
	SRV="$T/home/alice/Maildir"
	fim_rc "$1" "$2"
	n=$(interop_login_count)
	atf_check -s exit:0 -o save:log1 -e save:err1 ./fetch
	cat log1 err1
	atf_check -o match:"4 messages for alice" cat log1 err1
	atf_check -o match:"fingerprints match" cat log1 err1
	if [ "$1" = starttls ]; then
		atf_check -o match:"STARTTLS" cat log1 err1
	fi
	atf_check -o inline:"4\n" grep -c "^Message-ID: " out
	atf_check -o match:"^first message$" cat out
	atf_check -o match:"^\.with a dot$" cat out
	atf_check -o match:"^Gr.*ln$" grep -a "aus K" out
	atf_check -o match:"^line 03999 " cat out
	atf_check -o inline:"4000\n" grep -c "^line " out
	postern_wait_log "logout: id=" $((n + 1))
	if [ "$2" = keep ]; then
		atf_check -o match:"^ *4$" sh -c "find $SRV/new $SRV/cur \
		    -type f | wc -l"
		cat > c.py <<'PYEOF'
from imaptest import *
m = imaps("alice")
m.select("INBOX", readonly=True)
expect_eq(ok(m.search(None, "UNSEEN")), [b""], "unseen")
expect_eq(ok(m.search(None, "DELETED")), [b""], "deleted")
m.logout()
print("ok")
PYEOF
		atf_check -o inline:"ok\n" "$T/ipy" c.py
		# Seen ones are not fetched again; a new one is.
		atf_check -s exit:1 -o ignore -e ignore ./fetch
		printf 'Subject: five\nMessage-ID: <five@x>\n\nfifth\n' > m5
		postern_deliver alice m5 > /dev/null
		atf_check -s exit:0 -o save:log2 -e save:err2 ./fetch
		atf_check -o match:"5 messages \(4 seen\) for alice" \
		    cat log2 err2
		atf_check -o inline:"5\n" grep -c "^Message-ID: " out
		atf_check -o match:"^fifth$" cat out
	else
		atf_check -o match:"^ *0$" sh -c "find $SRV/new $SRV/cur \
		    -type f | wc -l"
		atf_check -o match:"expunge=[1-9]" \
		    sh -c "grep 'logout: id=' '$T/log' | tail -n 1"
		atf_check -s exit:1 -o match:"No mail for alice" -e ignore \
		    ./fetch
	fi
	postern_check_log
}

atf_test_case starttls_keep cleanup
starttls_keep_head()
{
	atf_set "descr" "fetchmail over IMAP with STARTTLS, keep"
	atf_set "require.user" "root"
	atf_set "require.progs" "fetchmail"
}
starttls_keep_body()
{
	fim_test starttls keep
}
starttls_keep_cleanup()
{
	. "$(atf_get_srcdir)/../integration/postern.subr"
	postern_cleanup
}

atf_test_case starttls_nokeep cleanup
starttls_nokeep_head()
{
	atf_set "descr" "fetchmail over IMAP with STARTTLS, deleting"
	atf_set "require.user" "root"
	atf_set "require.progs" "fetchmail"
}
starttls_nokeep_body()
{
	fim_test starttls nokeep
}
starttls_nokeep_cleanup()
{
	. "$(atf_get_srcdir)/../integration/postern.subr"
	postern_cleanup
}

atf_test_case tls_keep cleanup
tls_keep_head()
{
	atf_set "descr" "fetchmail over IMAPS, keep"
	atf_set "require.user" "root"
	atf_set "require.progs" "fetchmail"
}
tls_keep_body()
{
	fim_test tls keep
}
tls_keep_cleanup()
{
	. "$(atf_get_srcdir)/../integration/postern.subr"
	postern_cleanup
}

atf_test_case tls_nokeep cleanup
tls_nokeep_head()
{
	atf_set "descr" "fetchmail over IMAPS, deleting"
	atf_set "require.user" "root"
	atf_set "require.progs" "fetchmail"
}
tls_nokeep_body()
{
	fim_test tls nokeep
}
tls_nokeep_cleanup()
{
	. "$(atf_get_srcdir)/../integration/postern.subr"
	postern_cleanup
}

atf_init_test_cases()
{
	atf_add_test_case starttls_keep
	atf_add_test_case starttls_nokeep
	atf_add_test_case tls_keep
	atf_add_test_case tls_nokeep
}
