#! /usr/bin/env atf-sh
# The IMAP session through the real daemon, with python3 imaplib over
# implicit TLS: SELECT, FETCH, STORE, SEARCH, APPEND, COPY, MOVE,
# EXPUNGE, LIST, STATUS and the mailbox commands, and IMAP4rev2.

. "$(atf_get_srcdir)/postern.subr"
. "$(atf_get_srcdir)/imap.subr"

atf_test_case messages cleanup
messages_head()
{
	atf_set "descr" "SELECT, FETCH, STORE, SEARCH, APPEND, COPY, MOVE, EXPUNGE"
	atf_set "require.user" "root"
}
messages_body()
{
	imap_setup
	printf 'From: Bob <bob@example.org>\nSubject: first\n\nfirst body\n' \
	    > m1
	printf 'From: Carol <carol@example.org>\nSubject: second\n\nsecond\n' \
	    > m2
	postern_deliver alice m1 > /dev/null
	postern_deliver alice m2 > /dev/null
	imap_start
	cat > c.py <<'PYEOF'
import re
from imaptest import *
m = imaps("alice")
expect_eq(ok(m.select("INBOX")), [b"2"], "select")
expect_eq(m.untagged_responses.get("RECENT"), [b"2"], "recent")
data = ok(m.fetch("1:*", "(UID FLAGS RFC822.SIZE)"))
expect_eq(data, [b"1 (UID 1 FLAGS (\\Recent) RFC822.SIZE 59)",
                 b"2 (UID 2 FLAGS (\\Recent) RFC822.SIZE 60)"], "fetch")
data = ok(m.fetch("1", "(BODY.PEEK[HEADER.FIELDS (SUBJECT)] BODY[TEXT])"))
expect_eq(data[0][1], b"Subject: first\r\n\r\n", "header")
expect_eq(data[1][1], b"first body\r\n", "text")
check(b"FLAGS (\\Seen \\Recent)" in data[2], data)
data = ok(m.fetch("2", "ENVELOPE"))
check(b'"second" (("Carol" NIL "carol" "example.org"))' in data[0], data)
expect_eq(ok(m.search(None, "FROM", "carol")), [b"2"], "search from")
expect_eq(ok(m.search(None, "UNSEEN")), [b"2"], "search unseen")
expect_eq(ok(m.uid("SEARCH", "BODY", "BODY")), [b"1"], "uid search")
data = ok(m.store("2", "+FLAGS", "(\\Flagged $work)"))
expect_eq(data, [b"2 (FLAGS (\\Flagged $work \\Recent))"], "store")
typ, data = m.append("INBOX", "(\\Seen)", '"01-Feb-2024 10:00:00 +0000"',
                     b"Subject: third\r\n\r\nthird\r\n")
check(typ == "OK" and re.match(rb"\[APPENDUID \d+ 3\]", data[0]), data)
ok(m.noop())
data = ok(m.fetch("3", "(INTERNALDATE FLAGS)"))
check(b'INTERNALDATE "' in data[0] and b"\\Seen" in data[0], data)
typ, data = m.copy("1:3", "Archive")
check(typ == "OK" and re.search(rb"\[COPYUID \d+ 1:3 1:3\]", data[0]),
      data)
typ, data = m.copy("1", "Nonexistent")
check(typ == "NO" and b"[TRYCREATE]" in data[0], data)
typ, data = m._simple_command("MOVE", "1", "Trash")
check(typ == "OK", data)
expect_eq(m.untagged_responses.pop("EXPUNGE", None), [b"1"],
          "move expunge")
ok(m.store("1", "+FLAGS.SILENT", "\\Deleted"))
typ, data = m.expunge()
expect_eq(data, [b"1"], "expunge")
data = ok(m.status("Archive", "(MESSAGES UNSEEN UIDNEXT SIZE)"))
check(re.search(rb"MESSAGES 3 UIDNEXT 4 UNSEEN 1 SIZE \d+", data[0]), data)
data = ok(m.status("INBOX", "(MESSAGES)"))
expect_eq(data, [b"INBOX (MESSAGES 1)"], "status inbox")
ok(m.close())
m.logout()
print("ok")
PYEOF
	atf_check -o inline:"ok\n" "$T/ipy" c.py
}
messages_cleanup()
{
	. "$(atf_get_srcdir)/postern.subr"
	postern_cleanup
}

atf_test_case mailboxes cleanup
mailboxes_head()
{
	atf_set "descr" "LIST, LSUB, CREATE, RENAME, DELETE, SUBSCRIBE, special use"
	atf_set "require.user" "root"
}
mailboxes_body()
{
	imap_setup
	imap_start
	cat > c.py <<'PYEOF'
from imaptest import *
m = imaps("bob")
data = ok(m.list())
expect_eq(data, [b'(\\HasNoChildren) "." INBOX',
                 b'(\\HasNoChildren \\Archive) "." Archive',
                 b'(\\HasNoChildren \\Drafts) "." Drafts',
                 b'(\\HasNoChildren \\Junk) "." Junk',
                 b'(\\HasNoChildren \\Sent) "." Sent',
                 b'(\\HasNoChildren \\Trash) "." Trash'], "list")
ok(m.create("Projects.2024"))
ok(m.create("Caf&AOk-"))
data = ok(m.list('""', "Projects*"))
expect_eq(data, [b'(\\HasChildren) "." Projects',
                 b'(\\HasNoChildren) "." Projects.2024'], "list tree")
ok(m.rename("Projects", "Old"))
ok(m.delete("Old.2024"))
expect_eq(ok(m.list('""', "Old*")), [b'(\\HasNoChildren) "." Old'],
          "after rename")
typ, data = m.delete("Nonexistent")
check(typ == "NO" and b"[NONEXISTENT]" in data[0], data)
typ, data = m.create("Old")
check(typ == "NO" and b"[ALREADYEXISTS]" in data[0], data)
ok(m.subscribe("Caf&AOk-"))
data = ok(m.lsub('""', "*"))
check(b'() "." Caf&AOk-' in data and b'() "." INBOX' in data, data)
typ, data = m._simple_command("LIST", '""', "%", "RETURN",
                              "(SPECIAL-USE STATUS (MESSAGES))")
check(typ == "OK", data)
st = m.untagged_responses.get("STATUS")
check(st is not None and b"Trash (MESSAGES 0)" in st, st)
typ, data = m._simple_command("NAMESPACE")
expect_eq(m.untagged_responses.get("NAMESPACE"), [b'(("" ".")) NIL NIL'],
          "namespace")
m.logout()
print("ok")
PYEOF
	atf_check -o inline:"ok\n" "$T/ipy" c.py
}
mailboxes_cleanup()
{
	. "$(atf_get_srcdir)/postern.subr"
	postern_cleanup
}

atf_test_case rev2 cleanup
rev2_head()
{
	atf_set "descr" "ENABLE IMAP4rev2: UTF-8 names, ESEARCH, no \\Recent"
	atf_set "require.user" "root"
}
rev2_body()
{
	imap_setup
	printf 'Subject: hi\n\nbody\n' > m1
	postern_deliver carol m1 > /dev/null
	imap_start
	cat > c.py <<'PYEOF'
from imaptest import *
r = Raw("carol")
expect_eq(r.cmd(b"a ENABLE IMAP4rev2"),
          [b"* ENABLED IMAP4rev2\r\n", b"a OK ENABLE completed.\r\n"])
out = r.cmd(b"b SELECT INBOX")
check(b"* LIST (\\HasNoChildren) \".\" INBOX\r\n" in out, out)
check(not any(l.endswith(b" RECENT\r\n") for l in out), out)
expect_eq(r.cmd(b"c SEARCH ALL"), [b'* ESEARCH (TAG "c") ALL 1\r\n',
                                  b"c OK SEARCH completed.\r\n"])
expect_eq(r.cmd(b"d FETCH 1 FLAGS"), [b"* 1 FETCH (FLAGS ())\r\n",
                                     b"d OK FETCH completed.\r\n"])
expect_eq(r.cmd("e CREATE \"Bücher\"".encode()),
          [b"e OK CREATE completed.\r\n"])
expect_eq(r.cmd(b'f LIST "" B*'),
          ['* LIST (\\HasNoChildren) "." "Bücher"\r\n'.encode(),
           b"f OK LIST completed.\r\n"])
out = r.cmd("g SELECT \"Bücher\"".encode())
check(out[0] == b"* OK [CLOSED] Previous mailbox is now closed.\r\n", out)
r.close()
# An IMAP4rev1 client sees the same name in modified UTF-7.
m = imaps("carol")
check(b'(\\HasNoChildren) "." B&APw-cher' in ok(m.list()), "mutf7")
m.logout()
print("ok")
PYEOF
	atf_check -o inline:"ok\n" "$T/ipy" c.py
}
rev2_cleanup()
{
	. "$(atf_get_srcdir)/postern.subr"
	postern_cleanup
}

atf_init_test_cases()
{
	atf_add_test_case messages
	atf_add_test_case mailboxes
	atf_add_test_case rev2
}
