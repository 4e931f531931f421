#! /usr/bin/env atf-sh
# Several IMAP sessions on one mailbox, with other programs changing
# the Maildir underneath, through the real daemon: every untagged
# response each session gets is checked, line by line.  EXISTS after
# NOOP and during IDLE; EXPUNGE from another session's EXPUNGE or MOVE
# only where RFC 3501 7.4.1 allows it (never at the end of FETCH,
# STORE, SEARCH or COPY by sequence number; at the end of their UID
# forms, NOOP and during IDLE); FETCH FLAGS for another session's
# STORE, .SILENT included, and for renames by other programs; FLAGS
# and PERMANENTFLAGS for a new keyword; the IMAP4rev1 RECENT rules.

. "$(atf_get_srcdir)/postern.subr"
. "$(atf_get_srcdir)/imap.subr"

# updlib.py: raw sessions whose every response is compared whole.
upd_lib()
{
	cat > updlib.py <<'PYEOF'
import glob
import os
import time
from imaptest import *

OK_NOOP = b"OK NOOP completed.\r\n"


class S(Raw):
    """A logged-in raw session; want() compares a command's lines."""

    def __init__(self, user, name):
        Raw.__init__(self, user)
        self.name = name
        self.n = 0

    def want(self, line, lines, what=""):
        self.n += 1
        tag = b"%s%d" % (self.name.encode(), self.n)
        out = self.cmd(tag + b" " + line)
        want = [l if l.startswith(b"*") else tag + b" " + l
                for l in lines]
        expect_eq(out, want, "%s: %s %s" % (self.name, what,
                                            line.decode(errors="replace")))
        return out

    def select(self, line):
        """SELECT or EXAMINE; the lines between the flags and UIDNEXT."""
        self.n += 1
        tag = b"%s%d" % (self.name.encode(), self.n)
        out = self.cmd(tag + b" " + line)
        check(out[-1].startswith(tag + b" OK "), out)
        return [l for l in out if l.endswith(b"EXISTS\r\n") or
                l.endswith(b"RECENT\r\n") or b"[UNSEEN" in l]

    def idle(self):
        self.n += 1
        self.idletag = b"%s%d" % (self.name.encode(), self.n)
        self.send(self.idletag + b" IDLE\r\n")
        expect_eq(self.line(), b"+ idling\r\n", self.name + ": IDLE")

    def expect(self, *lines):
        for l in lines:
            expect_eq(self.line(), l, self.name + ": during IDLE")

    def done(self):
        self.send(b"DONE\r\n")
        expect_eq(self.line(), self.idletag + b" OK IDLE terminated.\r\n",
                  self.name + ": DONE")


def uidvalidity(user, folder):
    m = imaps(user)
    v = ok(m.status(folder, "(UIDVALIDITY)"))[0].split()[-1][:-1]
    m.logout()
    return v


def msg(i):
    return b"From: t@example.org\nSubject: m%d\nMessage-ID: <m%d@x>\n\n" \
        b"body %d\n" % (i, i, i)


def md_files(user):
    md = "%s/home/%s/Maildir" % (T, user)
    return sorted(glob.glob(md + "/cur/*") + glob.glob(md + "/new/*"))
PYEOF
}

upd_setup()
{
	imap_setup
	imap_start
	upd_lib
}

atf_test_case recent cleanup
recent_head()
{
	atf_set "descr" "IMAP4rev1 RECENT: one claiming session, EXAMINE, rev2"
	atf_set "require.user" "root"
}
recent_body()
{
	upd_setup
	cat > c.py <<'PYEOF'
from updlib import *

deliver("alice", msg(1))
deliver("alice", msg(2))
a, b, c, d = S("alice", "a"), S("alice", "b"), S("alice", "c"), \
    S("alice", "d")
# The first read-write SELECT claims \Recent; nobody else sees it.
expect_eq(a.select(b"SELECT INBOX"), [b"* 2 EXISTS\r\n", b"* 2 RECENT\r\n",
          b"* OK [UNSEEN 1] First unseen.\r\n"], "a")
expect_eq(b.select(b"SELECT INBOX"), [b"* 2 EXISTS\r\n", b"* 0 RECENT\r\n",
          b"* OK [UNSEEN 1] First unseen.\r\n"], "b")
expect_eq(c.select(b"EXAMINE INBOX"), [b"* 2 EXISTS\r\n",
          b"* 0 RECENT\r\n", b"* OK [UNSEEN 1] First unseen.\r\n"], "c")
d.want(b"ENABLE IMAP4rev2", [b"* ENABLED IMAP4rev2\r\n",
                             b"OK ENABLE completed.\r\n"])
expect_eq(d.select(b"SELECT INBOX"), [b"* 2 EXISTS\r\n"], "d, rev2")

# A delivery: whoever syncs first of the read-write rev1 sessions
# claims it; the others count only their own.
deliver("alice", msg(3))
b.want(b"NOOP", [b"* 3 EXISTS\r\n", b"* 1 RECENT\r\n", OK_NOOP])
a.want(b"NOOP", [b"* 3 EXISTS\r\n", b"* 2 RECENT\r\n", OK_NOOP])
c.want(b"NOOP", [b"* 3 EXISTS\r\n", b"* 0 RECENT\r\n", OK_NOOP])
d.want(b"NOOP", [b"* 3 EXISTS\r\n", OK_NOOP])
a.want(b"FETCH 1:3 FLAGS", [b"* 1 FETCH (FLAGS (\\Recent))\r\n",
                            b"* 2 FETCH (FLAGS (\\Recent))\r\n",
                            b"* 3 FETCH (FLAGS ())\r\n",
                            b"OK FETCH completed.\r\n"])
b.want(b"FETCH 3 FLAGS", [b"* 3 FETCH (FLAGS (\\Recent))\r\n",
                          b"OK FETCH completed.\r\n"])
d.want(b"FETCH 3 FLAGS", [b"* 3 FETCH (FLAGS ())\r\n",
                          b"OK FETCH completed.\r\n"])

# STATUS counts what nobody has claimed yet; EXAMINE claims nothing.
e = S("alice", "e")
e.want(b"STATUS INBOX (MESSAGES RECENT)",
       [b"* STATUS INBOX (MESSAGES 3 RECENT 0)\r\n",
        b"OK STATUS completed.\r\n"])
deliver("alice", msg(4))
e.want(b"STATUS INBOX (MESSAGES RECENT)",
       [b"* STATUS INBOX (MESSAGES 4 RECENT 1)\r\n",
        b"OK STATUS completed.\r\n"])
# EXAMINE sees what nobody claimed as \Recent, and claims nothing.
c.want(b"NOOP", [b"* 4 EXISTS\r\n", b"* 1 RECENT\r\n", OK_NOOP])
e.want(b"STATUS INBOX (MESSAGES RECENT)",
       [b"* STATUS INBOX (MESSAGES 4 RECENT 1)\r\n",
        b"OK STATUS completed.\r\n"])
# A session in IDLE claims it as it arrives.
a.idle()
a.expect(b"* 4 EXISTS\r\n", b"* 3 RECENT\r\n")
deliver("alice", msg(5))
a.expect(b"* 5 EXISTS\r\n", b"* 4 RECENT\r\n")
a.done()
b.want(b"NOOP", [b"* 5 EXISTS\r\n", b"* 1 RECENT\r\n", OK_NOOP])
e.want(b"STATUS INBOX (MESSAGES RECENT)",
       [b"* STATUS INBOX (MESSAGES 5 RECENT 0)\r\n",
        b"OK STATUS completed.\r\n"])
# Claimed is claimed, even for the session that did it, on a new SELECT.
expect_eq(a.select(b"SELECT INBOX"), [b"* 5 EXISTS\r\n", b"* 0 RECENT\r\n",
          b"* OK [UNSEEN 1] First unseen.\r\n"], "a again")
# An APPEND is claimed by the first read-write session to see it.
b.want(b"APPEND INBOX (\\Seen) {7+}\r\nx: y\r\n\r\n",
       [b"* 6 EXISTS\r\n", b"* 2 RECENT\r\n",
        b"OK [APPENDUID %s 6] APPEND completed.\r\n" %
        uidvalidity("alice", "INBOX")])
a.want(b"NOOP", [b"* 6 EXISTS\r\n", b"* 0 RECENT\r\n", OK_NOOP])
for s in (a, b, c, d, e):
    s.close()
print("ok")
PYEOF
	atf_check -o inline:"ok\n" "$T/ipy" c.py
}
recent_cleanup()
{
	. "$(atf_get_srcdir)/postern.subr"
	postern_cleanup
}

atf_test_case expunge cleanup
expunge_head()
{
	atf_set "descr" "Others' EXPUNGEs only where RFC 3501 allows"
	atf_set "require.user" "root"
}
expunge_body()
{
	upd_setup
	cat > c.py <<'PYEOF'
from updlib import *

for i in range(1, 7):
    deliver("bob", msg(i))
uv_archive = uidvalidity("bob", "Archive")
uv_trash = uidvalidity("bob", "Trash")
a, b = S("bob", "a"), S("bob", "b")
a.select(b"SELECT INBOX")
b.select(b"SELECT INBOX")
b.want(b"STORE 2,4 +FLAGS.SILENT (\\Deleted)", [b"OK STORE completed.\r\n"])
b.want(b"EXPUNGE", [b"* 4 EXPUNGE\r\n", b"* 2 EXPUNGE\r\n",
                    b"OK EXPUNGE completed.\r\n"])

# By sequence number: no EXPUNGE may come, the numbers stay.
a.want(b"FETCH 1:6 UID", [b"* %d FETCH (UID %d)\r\n" % (i, i)
                          for i in range(1, 7)] +
       [b"OK FETCH completed.\r\n"])
a.want(b"FETCH 2 BODY.PEEK[TEXT]",
       [b"NO [EXPUNGEISSUED] Some of the messages no longer exist\r\n"])
a.want(b"STORE 5 +FLAGS (\\Seen)", [b"* 5 FETCH (FLAGS (\\Seen \\Recent))"
                                    b"\r\n", b"OK STORE completed.\r\n"])
a.want(b"STORE 4 +FLAGS (\\Seen)",
       [b"NO [EXPUNGEISSUED] Some of the messages no longer exist\r\n"])
a.want(b"SEARCH UNSEEN", [b"* SEARCH 1 3 6\r\n",
                          b"OK SEARCH completed.\r\n"])
a.want(b"COPY 6 Archive", [b"OK [COPYUID %s 6 1] COPY completed.\r\n" %
                           uv_archive])
a.want(b"CHECK", [b"* 4 EXPUNGE\r\n", b"* 2 EXPUNGE\r\n",
                  b"OK CHECK completed.\r\n"])
a.want(b"FETCH 1:* UID", [b"* 1 FETCH (UID 1)\r\n", b"* 2 FETCH (UID 3)\r\n",
                          b"* 3 FETCH (UID 5)\r\n", b"* 4 FETCH (UID 6)\r\n",
                          b"OK FETCH completed.\r\n"])

# The UID forms may carry them: after their own responses, with the
# numbers the client knew when it sent the command.
b.want(b"STORE 2 +FLAGS.SILENT (\\Deleted)",
       [b"* 3 FETCH (UID 5 FLAGS (\\Seen))\r\n", b"OK STORE completed.\r\n"])
b.want(b"EXPUNGE", [b"* 2 EXPUNGE\r\n", b"OK EXPUNGE completed.\r\n"])
a.want(b"UID FETCH 5:6 UID", [b"* 3 FETCH (UID 5)\r\n",
                              b"* 4 FETCH (UID 6)\r\n", b"* 2 EXPUNGE\r\n",
                              b"OK FETCH completed.\r\n"])
b.want(b"STORE 1 +FLAGS.SILENT (\\Deleted)", [b"OK STORE completed.\r\n"])
b.want(b"EXPUNGE", [b"* 1 EXPUNGE\r\n", b"OK EXPUNGE completed.\r\n"])
# (Answered from what the session knew when the command came: UID 1
# is still there for it, until the EXPUNGE that follows.)
a.want(b"UID SEARCH ALL", [b"* SEARCH 1 5 6\r\n", b"* 1 EXPUNGE\r\n",
                           b"OK SEARCH completed.\r\n"])
a.want(b"NOOP", [OK_NOOP])

# During IDLE: at once, and MOVE too.
for i in range(7, 10):
    deliver("bob", msg(i))
a.want(b"NOOP", [b"* 5 EXISTS\r\n", b"* 5 RECENT\r\n", OK_NOOP])
b.want(b"NOOP", [b"* 5 EXISTS\r\n", b"* 0 RECENT\r\n", OK_NOOP])
a.idle()
b.want(b"STORE 3 +FLAGS (\\Deleted)", [b"* 3 FETCH (FLAGS (\\Deleted))\r\n",
                                       b"OK STORE completed.\r\n"])
a.expect(b"* 3 FETCH (UID 7 FLAGS (\\Deleted \\Recent))\r\n")
b.want(b"EXPUNGE", [b"* 3 EXPUNGE\r\n", b"OK EXPUNGE completed.\r\n"])
a.expect(b"* 3 EXPUNGE\r\n")
c = S("bob", "c")
c.select(b"SELECT Trash")
b.want(b"MOVE 1 Trash", [b"* OK [COPYUID %s 5 1] Moved UIDs.\r\n" % uv_trash,
                         b"* 1 EXPUNGE\r\n", b"OK MOVE completed.\r\n"])
a.expect(b"* 1 EXPUNGE\r\n")
c.want(b"NOOP", [b"* 1 EXISTS\r\n", b"* 1 RECENT\r\n", OK_NOOP])
c.want(b"FETCH 1 (UID FLAGS)", [b"* 1 FETCH (UID 1 FLAGS (\\Seen \\Recent))"
                                b"\r\n",
                                b"OK FETCH completed.\r\n"])
a.done()
a.want(b"FETCH 1:* UID", [b"* 1 FETCH (UID 6)\r\n", b"* 2 FETCH (UID 8)\r\n",
                          b"* 3 FETCH (UID 9)\r\n",
                          b"OK FETCH completed.\r\n"])
# An outside program removing a file is an EXPUNGE like any other.
victim = None
for p in md_files("bob"):
    with open(p, "rb") as fh:
        if b"<m8@x>" in fh.read():
            victim = p
os.unlink(victim)
a.want(b"FETCH 2 UID", [b"* 2 FETCH (UID 8)\r\n",
                        b"OK FETCH completed.\r\n"])
a.want(b"NOOP", [b"* 2 EXPUNGE\r\n", OK_NOOP])
for s in (a, b, c):
    s.close()
print("ok")
PYEOF
	atf_check -o inline:"ok\n" "$T/ipy" c.py
}
expunge_cleanup()
{
	. "$(atf_get_srcdir)/postern.subr"
	postern_cleanup
}

atf_test_case flags cleanup
flags_head()
{
	atf_set "descr" "FETCH FLAGS for others' STORE and outside renames"
	atf_set "require.user" "root"
}
flags_body()
{
	upd_setup
	cat > c.py <<'PYEOF'
from updlib import *

for i in range(1, 4):
    deliver("carol", msg(i))
a, b = S("carol", "a"), S("carol", "b")
a.select(b"SELECT INBOX")
b.select(b"SELECT INBOX")
b.want(b"STORE 1 +FLAGS (\\Flagged)", [b"* 1 FETCH (FLAGS (\\Flagged))\r\n",
                                       b"OK STORE completed.\r\n"])
a.want(b"NOOP", [b"* 1 FETCH (UID 1 FLAGS (\\Flagged \\Recent))\r\n",
                 OK_NOOP])
# .SILENT keeps quiet only about the client's own change: a flag set
# by someone else meanwhile is reported with it.
b.want(b"STORE 1 +FLAGS.SILENT (\\Seen)", [b"OK STORE completed.\r\n"])
a.want(b"STORE 1 +FLAGS.SILENT (\\Answered)",
       [b"* 1 FETCH (FLAGS (\\Seen \\Answered \\Flagged \\Recent))\r\n",
        b"OK STORE completed.\r\n"])
a.want(b"STORE 1 +FLAGS.SILENT (\\Draft)", [b"OK STORE completed.\r\n"])
a.want(b"NOOP", [OK_NOOP])
b.want(b"NOOP", [b"* 1 FETCH (UID 1 FLAGS (\\Seen \\Answered \\Flagged "
                 b"\\Draft))\r\n", OK_NOOP])
b.want(b"STORE 1 -FLAGS.SILENT (\\Draft \\Answered)",
       [b"OK STORE completed.\r\n"])
a.want(b"UID STORE 1 +FLAGS.SILENT (\\Deleted)",
       [b"* 1 FETCH (UID 1 FLAGS (\\Seen \\Flagged \\Deleted \\Recent))"
        b"\r\n", b"OK STORE completed.\r\n"])
a.want(b"STORE 1 -FLAGS.SILENT (\\Deleted)", [b"OK STORE completed.\r\n"])
# Set and taken off again between two syncs: nothing changed for b.
b.want(b"NOOP", [OK_NOOP])

# A new keyword: FLAGS and PERMANENTFLAGS again, then the FETCH.
b.want(b"STORE 2 +FLAGS ($Work)", [
    b"* FLAGS (\\Answered \\Flagged \\Deleted \\Seen \\Draft $Work)\r\n",
    b"* OK [PERMANENTFLAGS (\\Answered \\Flagged \\Deleted \\Seen \\Draft "
    b"$Work \\*)] Flags permitted.\r\n",
    b"* 2 FETCH (FLAGS ($Work))\r\n", b"OK STORE completed.\r\n"])
a.want(b"NOOP", [
    b"* FLAGS (\\Answered \\Flagged \\Deleted \\Seen \\Draft $Work)\r\n",
    b"* OK [PERMANENTFLAGS (\\Answered \\Flagged \\Deleted \\Seen \\Draft "
    b"$Work \\*)] Flags permitted.\r\n",
    b"* 2 FETCH (UID 2 FLAGS ($Work \\Recent))\r\n", OK_NOOP])
# In IDLE too.
a.idle()
b.want(b"STORE 2 -FLAGS ($Work)", [b"* 2 FETCH (FLAGS ())\r\n",
                                   b"OK STORE completed.\r\n"])
a.expect(b"* 2 FETCH (UID 2 FLAGS (\\Recent))\r\n")
a.done()

# Another program renames files as other Maildir readers do: from new/
# to cur/ (no change a client can see), and with flags.
p3 = [p for p in md_files("carol") if "/new/" in p][-1]
base = os.path.basename(p3)
os.rename(p3, "%s/home/carol/Maildir/cur/%s:2," % (T, base))
a.want(b"NOOP", [OK_NOOP])
os.rename("%s/home/carol/Maildir/cur/%s:2," % (T, base),
          "%s/home/carol/Maildir/cur/%s:2,RS" % (T, base))
a.want(b"NOOP", [b"* 3 FETCH (UID 3 FLAGS (\\Seen \\Answered \\Recent))"
                 b"\r\n", OK_NOOP])
# A FETCH may answer from what the session knew when it started, as
# long as the change follows before the OK: the last word counts.
out = b.cmd(b"f FETCH 3 (UID FLAGS)")
expect_eq(out[-2:], [b"* 3 FETCH (UID 3 FLAGS (\\Seen \\Answered))\r\n",
                     b"f OK FETCH completed.\r\n"], "b: FETCH after rename")
check(len(out) <= 3, out)
a.close()
b.close()
print("ok")
PYEOF
	atf_check -o inline:"ok\n" "$T/ipy" c.py
}
flags_cleanup()
{
	. "$(atf_get_srcdir)/postern.subr"
	postern_cleanup
}

atf_test_case concurrent cleanup
concurrent_head()
{
	atf_set "descr" "Two sessions on one mailbox APPEND, STORE and" \
	    "UID EXPUNGE at random while the MTA delivers and another" \
	    "program renames files: in the end both see what a new session" \
	    "sees and what is on disk, every message once, no UID reused"
	atf_set "require.user" "root"
}
concurrent_body()
{
	upd_setup
	cat > c.py <<'PYEOF'
import random
import re
import threading
from updlib import *

OPS = 120
lock = threading.Lock()
errors = []
subjects = set()	# every message ever put in
expunged = set()	# UIDs a UID EXPUNGE was asked for and answered OK
names = {}		# UID -> subject, from every view any session had


def view(m):
    """UID -> (flags, subject) of the selected mailbox, noted in names."""
    # A message the other session expunged meanwhile: NO [EXPUNGEISSUED]
    # (RFC 2180 4.1.2), and the EXPUNGE comes with the next NOOP.
    for i in range(5):
        # What an earlier command left (imaplib keeps a NO's FETCHes).
        m.untagged_responses.clear()
        typ, data = m.uid("FETCH", "1:*",
                          "(FLAGS BODY.PEEK[HEADER.FIELDS (SUBJECT)])")
        if typ == "OK":
            break
        check(b"[EXPUNGEISSUED]" in data[0], data)
        ok(m.noop())
    check(typ == "OK", "FETCH: %s %r" % (typ, data))
    v = {}
    for item in data:
        if not isinstance(item, tuple):
            continue
        uid = int(re.search(rb"UID (\d+)", item[0]).group(1))
        flags = re.search(rb"FLAGS \(([^)]*)\)", item[0]).group(1)
        subj = item[1].strip().split(b": ", 1)[1].decode()
        check(uid not in v, "UID %d twice in one FETCH" % uid)
        # \Recent is each session's own.
        v[uid] = (frozenset(flags.split()) - {b"\\Recent"}, subj)
    with lock:
        for uid, (f, subj) in v.items():
            if names.setdefault(uid, subj) != subj:
                errors.append("UID %d was %s, now %s" %
                              (uid, names[uid], subj))
    return v


def session(name, seed, out):
    rnd = random.Random(seed)
    m = imaps("carol")
    ok(m.select("INBOX"))
    for i in range(OPS):
        op = rnd.random()
        if op < 0.3:
            subj = "%s-%d" % (name, i)
            with lock:
                subjects.add(subj)
            ok(m.append("INBOX", "(\\Seen)" if rnd.random() < 0.5 else
                        None, None, b"From: t@example.org\r\nSubject: " +
                        subj.encode() + b"\r\n\r\nbody\r\n"), "APPEND")
            continue
        v = view(m)
        if not v:
            continue
        uid = rnd.choice(sorted(v))
        if op < 0.8:
            flag = rnd.choice(["\\Flagged", "\\Answered", "\\Seen",
                               "$Work"])
            m.uid("STORE", str(uid), rnd.choice(["+FLAGS", "-FLAGS"]),
                  "(%s)" % flag)
        else:
            m.uid("STORE", str(uid), "+FLAGS.SILENT", "(\\Deleted)")
            if m.uid("EXPUNGE", str(uid))[0] == "OK":
                with lock:
                    expunged.add(uid)
    ok(m.noop())
    out.append(m)


def outside():
    md = "%s/home/carol/Maildir" % T
    rnd = random.Random(3)
    for i in range(60):
        subj = "mta-%d" % i
        with lock:
            subjects.add(subj)
        deliver("carol", b"From: t@example.org\nSubject: %s\n\nb\n" %
                subj.encode(), "%d.M%dP%d.mta" % (time.time(), i,
                                                  os.getpid()))
        # Another Maildir reader flags a message now and then.
        cur = glob.glob(md + "/cur/*:2,")
        if cur and rnd.random() < 0.3:
            p = rnd.choice(cur)
            try:
                os.rename(p, p + "F")
            except OSError:
                pass
        time.sleep(0.03)


done = []
ts = [threading.Thread(target=session, args=("a", 1, done)),
      threading.Thread(target=session, args=("b", 2, done)),
      threading.Thread(target=outside)]
for t in ts:
    t.start()
for t in ts:
    t.join()
check(len(done) == 2, "a session failed")

fresh = imaps("carol")
ok(fresh.select("INBOX"))
want = view(fresh)
for m in done:
    ok(m.noop())
    got = view(m)
    expect_eq(sorted(got.items()), sorted(want.items()), "a session's view")
    m.logout()
fresh.logout()
check(not errors, errors[:5])
gone = {names[u] for u in expunged if u in names}
have = [s for (f, s) in want.values()]
expect_eq(len(have), len(set(have)), "every message once")
expect_eq(sorted(have), sorted(subjects - gone), "the messages")
files = md_files("carol")
expect_eq(len(files), len(have), "files on disk")
print("ok")
PYEOF
	atf_check -o inline:"ok\n" "$T/ipy" c.py
}
concurrent_cleanup()
{
	. "$(atf_get_srcdir)/postern.subr"
	postern_cleanup
}

atf_init_test_cases()
{
	atf_add_test_case recent
	atf_add_test_case expunge
	atf_add_test_case flags
	atf_add_test_case concurrent
}
