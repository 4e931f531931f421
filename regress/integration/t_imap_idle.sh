#! /usr/bin/env atf-sh
# IMAP updates through the real daemon: IDLE woken by a message an MTA
# delivers into the Maildir from outside, and two sessions on one
# mailbox seeing each other's flag changes and expunges at the moments
# RFC 3501 7.4.1 allows.

. "$(atf_get_srcdir)/postern.subr"
. "$(atf_get_srcdir)/imap.subr"

atf_test_case idle_delivery cleanup
idle_delivery_head()
{
	atf_set "descr" "An outside delivery during IDLE gives * n EXISTS"
	atf_set "require.user" "root"
}
idle_delivery_body()
{
	imap_start_one
	cat > c.py <<'PYEOF'
import time
from imaptest import *
r = Raw("alice")
out = r.cmd(b"s SELECT INBOX")
check(b"* 1 EXISTS\r\n" in out, out)
r.send(b"i IDLE\r\n")
expect_eq(r.line(), b"+ idling\r\n", "idle")
time.sleep(0.2)
deliver("alice", b"Subject: two\n\ntwo\n")
expect_eq(r.line(), b"* 2 EXISTS\r\n", "exists")
expect_eq(r.line(), b"* 2 RECENT\r\n", "recent")
deliver("alice", b"Subject: three\n\nthree\n")
expect_eq(r.line(), b"* 3 EXISTS\r\n", "exists")
expect_eq(r.line(), b"* 3 RECENT\r\n", "recent")
r.send(b"DONE\r\n")
expect_eq(r.line(), b"i OK IDLE terminated.\r\n", "done")
expect_eq(r.cmd(b"f FETCH 3 BODY[TEXT]"),
          [b"* 3 FETCH (BODY[TEXT] {7}\r\n", b"three\r\n",
           b" FLAGS (\\Seen \\Recent))\r\n", b"f OK FETCH completed.\r\n"])
r.close()
print("ok")
PYEOF
	atf_check -o inline:"ok\n" "$T/ipy" c.py
}
idle_delivery_cleanup()
{
	. "$(atf_get_srcdir)/postern.subr"
	postern_cleanup
}

atf_test_case two_sessions cleanup
two_sessions_head()
{
	atf_set "descr" "Two sessions on one mailbox and an outside delivery"
	atf_set "require.user" "root"
}
two_sessions_body()
{
	imap_setup
	printf 'Subject: one\n\none\n' > m1
	printf 'Subject: two\n\ntwo\n' > m2
	postern_deliver bob m1 > /dev/null
	postern_deliver bob m2 > /dev/null
	imap_start
	cat > c.py <<'PYEOF'
from imaptest import *
a = Raw("bob")
b = Raw("bob")
a.cmd(b"a1 SELECT INBOX")
b.cmd(b"b1 SELECT INBOX")
b.send(b"b2 IDLE\r\n")
expect_eq(b.line(), b"+ idling\r\n", "idle")
expect_eq(a.cmd(b"a2 STORE 1 +FLAGS (\\Flagged)"),
          [b"* 1 FETCH (FLAGS (\\Flagged \\Recent))\r\n",
           b"a2 OK STORE completed.\r\n"])
expect_eq(b.line(), b"* 1 FETCH (UID 1 FLAGS (\\Flagged))\r\n", "flags")
a.cmd(b"a3 STORE 2 +FLAGS.SILENT (\\Deleted)")
expect_eq(b.line(), b"* 2 FETCH (UID 2 FLAGS (\\Deleted))\r\n", "deleted")
expect_eq(a.cmd(b"a4 EXPUNGE"), [b"* 2 EXPUNGE\r\n",
                                 b"a4 OK EXPUNGE completed.\r\n"])
expect_eq(b.line(), b"* 2 EXPUNGE\r\n", "expunge")
deliver("bob", b"Subject: three\n\nthree\n")
expect_eq(b.line(), b"* 2 EXISTS\r\n", "exists")
expect_eq(b.line(), b"* 1 RECENT\r\n", "recent")
b.send(b"DONE\r\n")
expect_eq(b.line(), b"b2 OK IDLE terminated.\r\n", "done")
# A sees the delivery at its next command; B claimed its \Recent
# first, A still has message 1's.
expect_eq(a.cmd(b"a5 NOOP"), [b"* 2 EXISTS\r\n", b"* 1 RECENT\r\n",
                             b"a5 OK NOOP completed.\r\n"])
# B expunges; A's FETCH by number must not see the EXPUNGE ...
b.cmd(b"b3 STORE 1 +FLAGS.SILENT (\\Deleted)")
b.cmd(b"b4 EXPUNGE")
out = a.cmd(b"a6 FETCH 2 UID")
expect_eq(out, [b"* 2 FETCH (UID 3)\r\n", b"a6 OK FETCH completed.\r\n"])
# ... but NOOP does.
expect_eq(a.cmd(b"a7 NOOP"), [b"* 1 EXPUNGE\r\n",
                             b"a7 OK NOOP completed.\r\n"])
a.close()
b.close()
print("ok")
PYEOF
	atf_check -o inline:"ok\n" "$T/ipy" c.py
}
two_sessions_cleanup()
{
	. "$(atf_get_srcdir)/postern.subr"
	postern_cleanup
}

atf_init_test_cases()
{
	atf_add_test_case idle_delivery
	atf_add_test_case two_sessions
}
