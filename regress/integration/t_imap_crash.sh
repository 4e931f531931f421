#! /usr/bin/env atf-sh
# kill -9 of an IMAP session process in the middle of APPEND, COPY,
# MOVE, STORE and EXPUNGE on folders of 2,000 messages, through the
# real daemon; then a fresh login checks that no message was lost or
# doubled (by Message-ID, across the folders involved), that every UID
# a client saw before the kill still names the same message, that
# UIDVALIDITY stayed and UIDNEXT never went back, and that the next
# operation's UIDs are new ones.  The kill is timed by watching the
# folders' directories fill or empty, so it lands mid-operation.

. "$(atf_get_srcdir)/postern.subr"
. "$(atf_get_srcdir)/imap.subr"

# crashlib.py, shared by the cases' scripts: folder snapshots by UID
# and Message-ID, the invariants, and a kill timed by the file count
# of a directory.
crash_lib()
{
	cat > crashlib.py <<'PYEOF'
import os
import re
import select
import signal
import subprocess
import sys
import time
from imaptest import *

USER = "carol"
MD = "%s/home/%s/Maildir" % (T, USER)
MSGID = re.compile(rb"Message-ID: <([^>]*)>", re.I)
UIDRE = re.compile(rb"UID (\d+)")


def note(*a):
    print(*a, file=sys.stderr)


def folder_dir(name):
    return MD if name == "INBOX" else "%s/.%s" % (MD, name)


def generate(folder, n, tag):
    """n messages put into a folder's cur/ by hand, as a restore would."""
    uid = USERS[USER][1]
    d = folder_dir(folder) + "/cur"
    for i in range(n):
        p = "%s/1700000000.M%06dP%d.%s:2,%s" % (d, i, os.getpid(), tag,
                                               "S" if i % 3 == 0 else "")
        with open(p, "wb") as fh:
            fh.write(b"From: gen@example.org\nSubject: %s %d\n"
                     b"Message-ID: <%s.%d@example.org>\n\n%s\n" %
                     (tag.encode(), i, tag.encode(), i, b"x" * 600))
        os.chown(p, uid, uid)


def session_pid():
    """The one postern-session of USER (from its process title)."""
    ppid = open(T + "/posternd.pid.bg").read().strip()
    out = ""
    for _ in range(200):
        out = subprocess.run(["ps", "-o", "pid=,args=", "--ppid", ppid],
                             capture_output=True, text=True).stdout
        pids = [l.split()[0] for l in out.splitlines()
                if "session: imap %s " % USER in l]
        if len(pids) == 1:
            return int(pids[0])
        time.sleep(0.05)
    raise Failure("not one session process of %s: %r" % (USER, out))


def gone(pid):
    """Wait until the killed session is reaped by the master."""
    for _ in range(200):
        try:
            with open("/proc/%d/stat" % pid) as fh:
                if fh.read().split(") ")[1][0] == "Z":
                    time.sleep(0.05)
                    continue
        except OSError:
            return
        time.sleep(0.05)
    raise Failure("session %d still there" % pid)


def kill_session(pid, r):
    """SIGKILL the session pid, wait until it is reaped, close its
    client r."""
    os.kill(pid, signal.SIGKILL)
    gone(pid)
    r.close()


def first_select(*folders):
    """A session that selects the folders, so that they and their
    indexes exist before messages are generated into them."""
    m = imaps(USER)
    for f in folders:
        m.select(f)
    m.logout()


class Snap:
    """A folder as a client sees it: UIDVALIDITY, UIDNEXT, UID -> id."""

    def __init__(self, m, folder):
        self.folder = folder
        ok(m.select(folder, readonly=True), "examine " + folder)
        self.uv = int(m.untagged_responses["UIDVALIDITY"][-1])
        self.next = int(m.untagged_responses["UIDNEXT"][-1])
        data = ok(m.uid("FETCH", "1:*",
                        "(UID BODY.PEEK[HEADER.FIELDS (MESSAGE-ID)])"))
        self.uids = {}
        seen = []
        i = 0
        while i < len(data):
            item = data[i]
            i += 1
            if not isinstance(item, tuple):
                continue
            meta = item[0]
            if i < len(data) and isinstance(data[i], bytes):
                meta += data[i]
            u = UIDRE.search(meta)
            mid = MSGID.search(item[1])
            check(u is not None and mid is not None,
                  "%s: bad FETCH %r" % (folder, item))
            uid = int(u.group(1))
            seen.append(uid)
            self.uids[uid] = mid.group(1).decode()
        check(len(seen) == len(set(seen)), "%s: a UID twice" % folder)
        check(all(u < self.next for u in seen),
              "%s: a UID at or past UIDNEXT %d" % (folder, self.next))
        ok(m.unselect(), "unselect " + folder)

    def ids(self):
        return list(self.uids.values())


def snapshot(*folders):
    m = imaps(USER)
    s = [Snap(m, f) for f in folders]
    m.logout()
    return s


def kept(before, after):
    """Same UIDVALIDITY, UIDNEXT not back, old UIDs name the same."""
    expect_eq(after.uv, before.uv, before.folder + " UIDVALIDITY")
    check(after.next >= before.next, "%s: UIDNEXT %d went back to %d" %
          (before.folder, before.next, after.next))
    for uid, mid in after.uids.items():
        if uid in before.uids:
            expect_eq(mid, before.uids[uid], "%s UID %d" %
                      (before.folder, uid))
        else:
            check(uid >= before.next, "%s: new UID %d below UIDNEXT %d" %
                  (before.folder, uid, before.next))


def unique(snap):
    ids = snap.ids()
    check(len(ids) == len(set(ids)), "%s: a message twice" % snap.folder)


def count(d):
    return len(os.listdir(d))


def run_killed(line, cond, what, folder="INBOX"):
    """Select the folder, send a command, SIGKILL the session once
    cond() holds.  Returns whether the kill came before the command
    was answered."""
    r = Raw(USER)
    pid = session_pid()
    out = r.cmd(b"s SELECT " + folder.encode())
    check(out[-1].startswith(b"s OK "), out)
    r.send(line + b"\r\n")
    early = True
    t0 = time.time()
    while not cond():
        if select.select([r.s], [], [], 0)[0] or r.s.pending():
            early = False
            break
        if time.time() - t0 > 60:
            raise Failure("%s: never reached the kill point" % what)
    kill_session(pid, r)
    return early
PYEOF
}

crash_setup()
{
	imap_setup
	imap_start
	crash_lib
}

# crash_check: run c.py, which prints ok when all is well and notes on
# its standard error where each kill landed; show those.
crash_check()
{
	atf_check -o inline:"ok\n" -e save:notes "$T/ipy" c.py
	cat notes
}

atf_test_case append cleanup
append_head()
{
	atf_set "descr" "kill -9 in a large APPEND literal and just after it"
	atf_set "require.user" "root"
}
append_body()
{
	crash_setup
	cat > c.py <<'PYEOF'
import re
from crashlib import *

first_select("INBOX")
generate("INBOX", 50, "base")
(s0,) = snapshot("INBOX")
expect_eq(len(s0.uids), 50, "generated")

# In the middle of a 20 MB literal: nothing appears, nothing is used.
body = b"Message-ID: <big@example.org>\r\nSubject: big\r\n\r\n" + \
    (b"y" * 998 + b"\r\n") * 20000
r = Raw(USER)
pid = session_pid()
r.send(b"a APPEND INBOX {%d}\r\n" % len(body))
expect_eq(r.line(), b"+ Ready for literal data\r\n", "continuation")
r.send(body[:len(body) // 2])
tmp = MD + "/tmp"
t0 = time.time()
while not any(os.stat(tmp + "/" + n).st_size > 0 for n in os.listdir(tmp)):
    check(time.time() - t0 < 30, "no partial file in tmp/")
    time.sleep(0.01)
kill_session(pid, r)
(s1,) = snapshot("INBOX")
kept(s0, s1)
expect_eq(s1.uids, s0.uids, "after a cut literal")

# Just after the literal: the kill lands before, during or after the
# commit; the message is there at most once, under a new UID.
for i, delay in enumerate((0, 0.0005, 0.002, 0.005, 0.02, 0.1)):
    mid = "after%d@example.org" % i
    msg = b"Message-ID: <%s>\r\nSubject: after\r\n\r\n" % mid.encode() + \
        b"z" * 200000 + b"\r\n"
    r = Raw(USER)
    pid = session_pid()
    r.send(b"b APPEND INBOX {%d+}\r\n" % len(msg) + msg + b"\r\n")
    time.sleep(delay)
    kill_session(pid, r)
    (s2,) = snapshot("INBOX")
    kept(s1, s2)
    unique(s2)
    n = s2.ids().count(mid)
    check(n <= 1, "%s %d times" % (mid, n))
    note("append killed after %.4f s: %s" % (delay, "kept" if n else
                                              "not there"))
    s1 = s2

# Killed right after the tagged OK: the UID it named holds it.
r = Raw(USER)
pid = session_pid()
out = r.cmd(b"c APPEND INBOX {%d+}\r\n" % len(body) + body)
mo = re.match(rb"c OK \[APPENDUID (\d+) (\d+)\]", out[-1])
check(mo is not None, out)
kill_session(pid, r)
(s3,) = snapshot("INBOX")
kept(s1, s3)
expect_eq(int(mo.group(1)), s3.uv, "APPENDUID validity")
expect_eq(s3.uids.get(int(mo.group(2))), "big@example.org", "APPENDUID")

# The next APPEND gets a UID nobody had.
m = imaps(USER)
typ, data = m.append("INBOX", None, None,
                     b"Message-ID: <last@example.org>\r\n\r\nlast\r\n")
mo = re.search(rb"APPENDUID \d+ (\d+)", data[0])
check(typ == "OK" and mo is not None, data)
check(int(mo.group(1)) >= s3.next, "UID %s reused" % mo.group(1))
m.logout()
print("ok")
PYEOF
	crash_check
}
append_cleanup()
{
	. "$(atf_get_srcdir)/postern.subr"
	postern_cleanup
}

atf_test_case copy cleanup
copy_head()
{
	atf_set "descr" "kill -9 in COPY of 2,000 messages, linking, renaming"
	atf_set "require.user" "root"
}
copy_body()
{
	crash_setup
	cat > c.py <<'PYEOF'
import re
from crashlib import *

N = 2000
first_select("INBOX")
generate("INBOX", N, "copy")
src, dst = snapshot("INBOX", "Archive")
expect_eq(len(src.uids), N, "generated")
tmpd = folder_dir("Archive") + "/tmp"
curd = folder_dir("Archive") + "/cur"

# Twice: while the copies are linked into tmp/, and while they are
# renamed into cur/.
for phase, d in (("linking", tmpd), ("renaming", curd)):
    base = count(d)
    early = run_killed(b"k COPY 1:* Archive",
                       lambda: count(d) >= base + N * 2 // 5, phase)
    s1, d1 = snapshot("INBOX", "Archive")
    kept(src, s1)
    expect_eq(s1.uids, src.uids, "source after a killed COPY")
    kept(dst, d1)
    new = [d1.uids[u] for u in d1.uids if u not in dst.uids]
    check(len(new) == len(set(new)), "a copy twice")
    check(set(new) <= set(src.ids()), "a copy of nothing")
    for mid in set(d1.ids()):
        check(d1.ids().count(mid) <= dst.ids().count(mid) + 1,
              "%s copied twice" % mid)
    note("copy killed while %s (%s): %d of %d copies kept" %
         (phase, "mid-command" if early else "after it", len(new), N))
    dst = d1

# A full COPY now: every message once more, under UIDs never used.
m = imaps(USER)
m.select("INBOX")
typ, data = m.copy("1:*", "Archive")
check(typ == "OK", data)
mo = re.search(rb"COPYUID \d+ \S+ (\d+):(\d+)", data[0])
check(mo is not None and int(mo.group(1)) >= dst.next, data)
m.logout()
(d2,) = snapshot("Archive")
kept(dst, d2)
for mid in src.ids():
    check(d2.ids().count(mid) == dst.ids().count(mid) + 1, mid)
print("ok")
PYEOF
	crash_check
}
copy_cleanup()
{
	. "$(atf_get_srcdir)/postern.subr"
	postern_cleanup
}

atf_test_case move cleanup
move_head()
{
	atf_set "descr" "kill -9 in MOVE of 2,000 messages: each in one folder"
	atf_set "require.user" "root"
}
move_body()
{
	crash_setup
	cat > c.py <<'PYEOF'
from crashlib import *

N = 2000
first_select("INBOX", "Junk")
generate("INBOX", N, "move")
generate("Junk", 100, "junk")
src, dst = snapshot("INBOX", "Junk")
all_ids = src.ids() + dst.ids()
curd = folder_dir("Junk") + "/cur"

for attempt in range(2):
    base = count(curd)
    left = len(src.uids)
    early = run_killed(b"k MOVE 1:* Junk",
                       lambda: count(curd) >= base + left * 2 // 5,
                       "move")
    s1, d1 = snapshot("INBOX", "Junk")
    kept(src, s1)
    kept(dst, d1)
    check(set(s1.uids) <= set(src.uids), "source UIDs")
    check(set(dst.uids) <= set(d1.uids), "target lost messages")
    unique(s1)
    unique(d1)
    both = set(s1.ids()) & set(d1.ids())
    check(not both, "in both folders: %r" % sorted(both)[:5])
    expect_eq(sorted(s1.ids() + d1.ids()), sorted(all_ids),
              "messages after a killed MOVE")
    note("move killed (%s): %d moved, %d left" %
         ("mid-command" if early else "after it",
          len(d1.uids) - len(dst.uids), len(s1.uids)))
    src, dst = s1, d1

# The rest moves; then everything is in the target once.
m = imaps(USER)
m.select("INBOX")
typ, data = m._simple_command("MOVE", "1:*", "Junk")
check(typ == "OK", data)
m.logout()
s2, d2 = snapshot("INBOX", "Junk")
kept(dst, d2)
expect_eq(len(s2.uids), 0, "source after the last MOVE")
expect_eq(sorted(d2.ids()), sorted(all_ids), "target after the last MOVE")
print("ok")
PYEOF
	crash_check
}
move_cleanup()
{
	. "$(atf_get_srcdir)/postern.subr"
	postern_cleanup
}

atf_test_case expunge cleanup
expunge_head()
{
	atf_set "descr" "kill -9 during STORE and EXPUNGE of 2,000 messages"
	atf_set "require.user" "root"
}
expunge_body()
{
	crash_setup
	cat > c.py <<'PYEOF'
import re
from crashlib import *

N = 2000
first_select("INBOX")
generate("INBOX", N, "exp")
(s0,) = snapshot("INBOX")
curd = MD + "/cur"


def deleted():
    return sum(1 for n in os.listdir(curd) if "T" in n.split(":2,")[-1])


# STORE renames every file: killed midway, nothing is lost.
early = run_killed(b"k STORE 1:* +FLAGS.SILENT (\\Deleted)",
                   lambda: deleted() >= N * 2 // 5, "store")
(s1,) = snapshot("INBOX")
kept(s0, s1)
expect_eq(s1.uids, s0.uids, "after a killed STORE")
note("store killed (%s) with %d of %d flagged" %
     ("mid-command" if early else "after it", deleted(), N))

m = imaps(USER)
m.select("INBOX")
ok(m.store("1:*", "+FLAGS.SILENT", "\\Deleted"))
m.logout()

# EXPUNGE removes files one by one: what is left keeps its UIDs.
early = run_killed(b"k EXPUNGE", lambda: count(curd) <= N * 3 // 5,
                   "expunge")
(s2,) = snapshot("INBOX")
kept(s0, s2)
check(set(s2.uids) <= set(s0.uids), "new UIDs after EXPUNGE")
unique(s2)
note("expunge killed (%s) with %d of %d left" %
     ("mid-command" if early else "after it", len(s2.uids), N))

m = imaps(USER)
m.select("INBOX")
typ, data = m.expunge()
check(typ == "OK", data)
typ, data = m.append("INBOX", None, None,
                     b"Message-ID: <after@example.org>\r\n\r\nafter\r\n")
mo = re.search(rb"APPENDUID \d+ (\d+)", data[0])
check(typ == "OK" and mo is not None and int(mo.group(1)) >= s0.next, data)
m.logout()
(s3,) = snapshot("INBOX")
kept(s2, s3)
expect_eq(s3.ids(), ["after@example.org"], "after the last EXPUNGE")
print("ok")
PYEOF
	crash_check
}
expunge_cleanup()
{
	. "$(atf_get_srcdir)/postern.subr"
	postern_cleanup
}

atf_init_test_cases()
{
	atf_add_test_case append
	atf_add_test_case copy
	atf_add_test_case move
	atf_add_test_case expunge
}
