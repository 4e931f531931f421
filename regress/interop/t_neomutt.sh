#! /usr/bin/env atf-sh
# neomutt, and mutt where it is installed, against the real posternd
# over IMAPS, driven under a pty by script(1) with pushed keys: it
# lists the INBOX, shows a message (\Seen), flags one (\Flagged),
# deletes one and saves one to the Archive folder (both expunged from
# the INBOX at sync), then quits.  The server side is checked with
# imaplib afterwards, message by message.

. "$(atf_get_srcdir)/../integration/postern.subr"
. "$(atf_get_srcdir)/../integration/imap.subr"
. "$(atf_get_srcdir)/interop.subr"

# mutt_test PROGRAM: the whole session with neomutt or mutt.
mutt_test()
{
	interop_version "$1" "$1" -v
	interop_setup
	for i in 1 2 3 4 5; do
		printf 'From: Sender %s <s%s@example.org>\n' $i $i > m$i
		printf 'Subject: message %s\nMessage-ID: <n%s@example.org>\n' \
		    $i $i >> m$i
		printf 'Date: Mon, 1 Jan 2024 1%s:00:00 +0000\n\n' $i >> m$i
		printf 'body of message %s\n' $i >> m$i
		postern_deliver alice m$i > /dev/null
		sleep 0.01
	done
	imap_start
	mkdir -p home
	cat > muttrc <<EOF
set folder="imaps://alice@localhost:$IMAPS_PORT/"
set spoolfile="+INBOX"
set imap_pass="alicepw"
set ssl_ca_certificates_file="$T/certs/default.crt"
set certificate_file="$(pwd)/home/certificates"
set ssl_force_tls=yes
set header_cache="" message_cachedir=""
set sort=mailbox-order resolve=no
set delete=yes quit=yes move=no confirmappend=no confirmcreate=no
set mark_old=no wait_key=no beep=no pager_stop=yes
set record="" postponed="+Drafts"
set imap_check_subscribed=no
EOF
	# Show 1, flag 2, delete 3, save 4 to Archive, sync, quit.
	keys='<display-message><exit><next-entry><flag-message><next-entry>'
	keys="$keys<delete-message><next-entry><save-message>=Archive<enter>"
	keys="$keys<sync-mailbox><quit>"
	cat > run <<EOF
#!/bin/sh
HOME="$(pwd)/home" TERM=xterm COLUMNS=100 LINES=30 exec timeout 60 \\
    script -qec "$1 -n -F '$(pwd)/muttrc' -e \\"push '$keys'\\"" /dev/null
EOF
	chmod 755 run
	atf_check -o save:screen -e ignore ./run
	# Its last screen: the index after the sync.  (The keys come faster
	# than it draws, so the pager never shows: \Seen below says that
	# the message was read.)
	atf_check -o match:"Msgs:3 New:2 Flag:1" cat -v screen
	cat > c.py <<'PYEOF'
import re
from imaptest import *


def listing(m, box):
    ok(m.select(box, readonly=True), box)
    data = ok(m.fetch("1:*", "(FLAGS BODY.PEEK[HEADER.FIELDS "
                      "(MESSAGE-ID)])"))
    out = []
    for d in data:
        if isinstance(d, tuple):
            flags = re.search(rb"FLAGS \(([^)]*)\)", d[0]).group(1)
            mid = re.search(rb"<(n\d)@", d[1]).group(1)
            # EXAMINE shows what no session claimed yet as \Recent.
            flags = b" ".join(f for f in flags.split() if f != b"\\Recent")
            out.append((mid.decode(), flags.decode()))
    return out


m = imaps("alice")
expect_eq(listing(m, "INBOX"), [("n1", "\\Seen"), ("n2", "\\Flagged"),
                                ("n5", "")], "INBOX")
expect_eq(listing(m, "Archive"), [("n4", "")], "Archive")
for box in ("Trash", "Drafts", "Sent"):
    expect_eq(ok(m.select(box, readonly=True)), [b"0"], box)
m.logout()
print("ok")
PYEOF
	atf_check -o inline:"ok\n" "$T/ipy" c.py
	postern_check_log
}

atf_test_case neomutt cleanup
neomutt_head()
{
	atf_set "descr" "neomutt reads, flags, deletes and saves over IMAPS"
	atf_set "require.user" "root"
	atf_set "require.progs" "neomutt script"
}
neomutt_body()
{
	mutt_test neomutt
}
neomutt_cleanup()
{
	. "$(atf_get_srcdir)/../integration/postern.subr"
	postern_cleanup
}

atf_test_case mutt cleanup
mutt_head()
{
	atf_set "descr" "mutt reads, flags, deletes and saves over IMAPS"
	atf_set "require.user" "root"
	atf_set "require.progs" "mutt script"
}
mutt_body()
{
	mutt_test mutt
}
mutt_cleanup()
{
	. "$(atf_get_srcdir)/../integration/postern.subr"
	postern_cleanup
}

atf_init_test_cases()
{
	atf_add_test_case neomutt
	atf_add_test_case mutt
}
