#! /usr/bin/env atf-sh
# mbsync (isync) against the real posternd over IMAPS: a full pull of a
# 1,000-message Maildir with folders and flags into an empty local one,
# a full push of one into an empty account, and a two-way sync with
# changes on both sides in between (flags, deletions, new messages from
# the MTA, from APPEND and from the local side, a flag changed on both
# sides at once).  Each time both Maildirs must end with the same
# messages, bodies and flags, and a second run must find nothing to do.

. "$(atf_get_srcdir)/../integration/postern.subr"
. "$(atf_get_srcdir)/../integration/imap.subr"
. "$(atf_get_srcdir)/interop.subr"

# mbsync_setup USER SYNC: the daemon, an mbsyncrc for USER with the
# given Sync mode, and ./sync to run it.
mbsync_setup()
{
	interop_version mbsync mbsync --version
	interop_setup
	imap_start
	pw=$(echo "$POSTERN_USERS" | awk -v u="$1" '$1 == u { print $2 }')
	SRV="$T/home/$1/Maildir"
	LOC="$(pwd)/local/Maildir"
	mkdir -p "$LOC"
	cat > mbsyncrc <<EOF
FSync no

IMAPAccount server
Host localhost
Port $IMAPS_PORT
User $1
Pass $pw
SSLType IMAPS
CertificateFile $T/certs/default.crt

IMAPStore far
Account server

MaildirStore near
Inbox $LOC
SubFolders Maildir++

Channel both
Far :far:
Near :near:
Patterns *
Create Both
Expunge Both
SyncState *
Sync $2
EOF
	cat > sync <<EOF
#!/bin/sh
HOME="$(pwd)" exec timeout 100 mbsync -c "$(pwd)/mbsyncrc" -a
EOF
	chmod 755 sync
}

# Both sides the same, message for message.
mbsync_same()
{
	atf_check -o save:cmp "$T/ipy" "$(atf_get_srcdir)/maildirs.py" \
	    compare "$SRV" "$LOC"
	tail -n 1 cmp
	atf_check -o match:"^$1 messages in $2 folders: identical" tail -n 1 cmp
}

# A second run changes nothing on either side: the same files under the
# same names, and a session that stored, appended and expunged nothing.
mbsync_idempotent()
{
	n=$(interop_login_count)
	"$T/ipy" "$(atf_get_srcdir)/maildirs.py" names "$LOC" > loc.before
	"$T/ipy" "$(atf_get_srcdir)/maildirs.py" names "$SRV" |
	    sed 's/:2,.*//; s,/new/,/cur/,' > srv.before
	atf_check -o ignore -e ignore ./sync
	atf_check -o file:loc.before "$T/ipy" \
	    "$(atf_get_srcdir)/maildirs.py" names "$LOC"
	"$T/ipy" "$(atf_get_srcdir)/maildirs.py" names "$SRV" |
	    sed 's/:2,.*//; s,/new/,/cur/,' > srv.after
	atf_check -o file:srv.before cat srv.after
	postern_wait_log "logout: id=" $((n + 1))
	atf_check -o match:"store=0 append=0 copy=0 expunge=0" \
	    sh -c "grep 'logout: id=' '$T/log' | tail -n 1"
}

atf_test_case pull cleanup
pull_head()
{
	atf_set "descr" "mbsync pulls 1,000 messages in 5 folders over IMAPS"
	atf_set "require.user" "root"
	atf_set "require.progs" "mbsync"
}
pull_body()
{
	mbsync_setup alice Pull
	atf_check "$T/ipy" "$(atf_get_srcdir)/maildirs.py" generate "$SRV" \
	    1000 1 "$(interop_uid alice)"
	atf_check -o ignore -e ignore ./sync
	# The five generated folders and the five special-use ones.
	mbsync_same 1000 10
	mbsync_idempotent
	mbsync_same 1000 10
	postern_check_log
}
pull_cleanup()
{
	. "$(atf_get_srcdir)/../integration/postern.subr"
	postern_cleanup
}

atf_test_case push cleanup
push_head()
{
	atf_set "descr" "mbsync pushes 1,000 messages in 5 folders over IMAPS"
	atf_set "require.user" "root"
	atf_set "require.progs" "mbsync"
}
push_body()
{
	mbsync_setup bob Push
	atf_check "$T/ipy" "$(atf_get_srcdir)/maildirs.py" generate "$LOC" \
	    1000 2
	atf_check -o ignore -e ignore ./sync
	mbsync_same 1000 10
	mbsync_idempotent
	# The server answers for what it was given: every message once,
	# in order of arrival, its flags as IMAP flags.
	cat > c.py <<'PYEOF'
from imaptest import *
m = imaps("bob")
expect_eq(ok(m.select("Work.Projects", readonly=True)), [b"200"], "count")
data = ok(m.fetch("1:*", "(UID FLAGS)"))
expect_eq(len(data), 200, "fetch")
check(b"\\Seen" in b"".join(data), "no \\Seen")
m.logout()
print("ok")
PYEOF
	atf_check -o inline:"ok\n" "$T/ipy" c.py
	postern_check_log
}
push_cleanup()
{
	. "$(atf_get_srcdir)/../integration/postern.subr"
	postern_cleanup
}

atf_test_case incremental cleanup
incremental_head()
{
	atf_set "descr" "mbsync both ways after changes on both sides"
	atf_set "require.user" "root"
	atf_set "require.progs" "mbsync"
}
incremental_body()
{
	mbsync_setup carol All
	atf_check "$T/ipy" "$(atf_get_srcdir)/maildirs.py" generate "$SRV" \
	    500 3 "$(interop_uid carol)"
	atf_check "$T/ipy" "$(atf_get_srcdir)/maildirs.py" generate "$LOC" \
	    500 4
	atf_check -o ignore -e ignore ./sync
	mbsync_same 1000 10

	# Changes on both sides, and the state both must reach.
	cat > change.py <<'PYEOF'
import json
import sys
from maildirs import *
from imaptest import *

srv, loc = sys.argv[1], sys.argv[2]
owner = USERS["carol"][1]
model, problems = scan(srv)
check(not problems, problems)


def uid_of(m, mid):
    data = ok(m.uid("SEARCH", "HEADER", "Message-ID", "<%s>" % mid))
    check(len(data[0].split()) == 1, "%s: %r" % (mid, data))
    return data[0].decode()


m = imaps("carol")
# Server side, through IMAP: flags on, flags off, deletions, an APPEND.
ids = sorted(model["Work"])
ok(m.select("Work"))
for mid in ids[0:5]:
    ok(m.uid("STORE", uid_of(m, mid), "+FLAGS", "(\\Flagged \\Answered)"))
    model["Work"][mid] = ("".join(sorted(set(model["Work"][mid][0]) |
                                         set("FR"))), model["Work"][mid][1])
for mid in ids[5:10]:
    ok(m.uid("STORE", uid_of(m, mid), "FLAGS", "()"))
    model["Work"][mid] = ("", model["Work"][mid][1])
for mid in ids[10:15]:
    ok(m.uid("STORE", uid_of(m, mid), "+FLAGS", "(\\Deleted)"))
    del model["Work"][mid]
ok(m.expunge())
data = message("appended@example.org", "appended", 3)
ok(m.append("Work", "(\\Seen)", None, data.replace(b"\n", b"\r\n")))
model["Work"]["appended@example.org"] = ("S", digest(data))
# One message flagged on the server and read on the client.
both = ids[20]
ok(m.uid("STORE", uid_of(m, both), "+FLAGS", "(\\Flagged)"))
m.logout()
# The MTA delivers into the server's INBOX.
data = message("delivered@example.org", "delivered", 5)
put(srv, "INBOX", data, new=True, owner=owner)
model["INBOX"]["delivered@example.org"] = ("", digest(data))

# Client side, as a local reader would: renames, unlinks, new files.
lf = files(loc, "Lists")
lids = sorted(model["Lists"])
for mid in lids[0:5]:
    set_flags(lf[mid], "S")
    model["Lists"][mid] = ("S", model["Lists"][mid][1])
for mid in lids[5:10]:
    os.unlink(lf[mid])
    del model["Lists"][mid]
# Marked trashed: Expunge Both removes it on both sides.
set_flags(lf[lids[10]], "ST")
del model["Lists"][lids[10]]
f = files(loc, "Work")[both]
set_flags(f, set(model["Work"][both][0]) | set("S"))
model["Work"][both] = ("".join(sorted(set(model["Work"][both][0]) |
                                      set("FS"))), model["Work"][both][1])
for i, (new, flags) in enumerate(((True, ""), (False, "S"),
                                  (False, "FS"))):
    mid = "local%d@example.org" % i
    data = message(mid, "local", 4)
    put(loc, "Lists.postern", data, flags, new)
    model["Lists.postern"][mid] = (flags, digest(data))
with open("model.json", "w") as fh:
    json.dump(model, fh)
print("ok")
PYEOF
	atf_check -o inline:"ok\n" "$T/ipy" change.py "$SRV" "$LOC"
	atf_check -o ignore -e ignore ./sync
	# 1000 + 1 appended + 1 delivered + 3 local - 5 - 5 - 1 deleted.
	mbsync_same 994 10
	cat > model.py <<'PYEOF'
import json
import sys
from maildirs import *
from imaptest import *

with open("model.json") as fh:
    model = {f: {k: tuple(v) for k, v in msgs.items()}
             for f, msgs in json.load(fh).items()}
for root in sys.argv[1:]:
    got, problems = scan(root)
    check(not problems, problems)
    diff = compare(model, got, ("expected", root))
    check(not diff, "\n".join(diff[:20]))
print("ok")
PYEOF
	atf_check -o inline:"ok\n" "$T/ipy" model.py "$SRV" "$LOC"
	mbsync_idempotent
	atf_check -o inline:"ok\n" "$T/ipy" model.py "$SRV" "$LOC"
	postern_check_log
}
incremental_cleanup()
{
	. "$(atf_get_srcdir)/../integration/postern.subr"
	postern_cleanup
}

atf_init_test_cases()
{
	atf_add_test_case pull
	atf_add_test_case push
	atf_add_test_case incremental
}
