#! /usr/bin/env atf-sh
# The IMAP store's own files through the real daemon: a Maildir put in
# place by hand that postern has never seen (no UID list, no index), a
# folder moving from Dovecot, and damaged state files: postern-index
# overwritten with garbage, truncated (also under a session that has it
# mapped), flipped or taken from another folder; postern-uidlist torn,
# truncated, garbage, out of order or gone.  SELECT and FETCH ENVELOPE
# and BODYSTRUCTURE must stay right, and UIDVALIDITY must change only
# when the UIDs could not be kept.

. "$(atf_get_srcdir)/postern.subr"
. "$(atf_get_srcdir)/imap.subr"

# corpus.py: messages of every shape the index keeps (plain, nested
# multiparts, message/rfc822, 8-bit and encoded headers, no body, a
# missing boundary, a huge header, CRLF lines), put into a folder by
# hand, and FETCH helpers.
corpus_lib()
{
	cat > corpus.py <<'PYEOF'
import os
import re
import time
from imaptest import *

USER = "alice"
UID_N = USERS[USER][1]
MD = "%s/home/%s/Maildir" % (T, USER)
T0 = 1704103200			# 1-Jan-2024 10:00:00 +0000

MSGS = [
    ("plain", b"From: Alice Example <alice@example.org>\n"
     b"To: bob@example.org, \"Carol C.\" <carol@example.org>\n"
     b"Cc: team: dan@example.org, erin@example.org;\n"
     b"Subject: plain text\n"
     b"Date: Mon, 1 Jan 2024 10:00:00 +0000\n"
     b"Message-ID: <plain@example.org>\n"
     b"In-Reply-To: <earlier@example.org>\n"
     b"\n"
     b"line one\nline two\n"),
    ("mixed", b"From: bob@example.org\n"
     b"Subject: with attachment\n"
     b"Message-ID: <mixed@example.org>\n"
     b"MIME-Version: 1.0\n"
     b"Content-Type: multipart/mixed; boundary=\"b1\"\n"
     b"\n"
     b"preamble\n"
     b"--b1\n"
     b"Content-Type: text/plain; charset=utf-8\n"
     b"Content-Transfer-Encoding: quoted-printable\n"
     b"\n"
     b"caf=C3=A9\n"
     b"--b1\n"
     b"Content-Type: application/octet-stream; name=\"data.bin\"\n"
     b"Content-Transfer-Encoding: base64\n"
     b"Content-Disposition: attachment; filename=\"data.bin\"\n"
     b"\n"
     b"AAECAwQFBgc=\n"
     b"--b1--\n"
     b"epilogue\n"),
    ("nested", b"From: carol@example.org\n"
     b"Subject: nested\n"
     b"Message-ID: <nested@example.org>\n"
     b"MIME-Version: 1.0\n"
     b"Content-Type: multipart/mixed; boundary=outer\n"
     b"\n"
     b"--outer\n"
     b"Content-Type: multipart/alternative; boundary=inner\n"
     b"\n"
     b"--inner\n"
     b"Content-Type: text/plain\n"
     b"\n"
     b"plain part\n"
     b"--inner\n"
     b"Content-Type: text/html\n"
     b"\n"
     b"<p>html part</p>\n"
     b"--inner--\n"
     b"--outer\n"
     b"Content-Type: message/rfc822\n"
     b"\n"
     b"From: inner@example.org\n"
     b"Subject: forwarded\n"
     b"\n"
     b"forwarded body\n"
     b"--outer--\n"),
    ("eightbit", "From: =?UTF-8?Q?J=C3=BCrgen?= <j@example.org>\n"
     "Subject: Grüße aus Köln\n"
     "Message-ID: <eightbit@example.org>\n"
     "\n"
     "Grüße\n".encode()),
    ("noblank", b"From: x@example.org\n"
     b"Subject: no separator\n"
     b"Message-ID: <noblank@example.org>\n"),
    ("badboundary", b"From: y@example.org\n"
     b"Subject: bad boundary\n"
     b"Message-ID: <badboundary@example.org>\n"
     b"Content-Type: multipart/mixed; boundary=never\n"
     b"\n"
     b"--other\n"
     b"text\n"),
    ("hugeheader", b"From: z@example.org\n" +
     b"".join(b"Received: from h%d.example.org by mx.example.org; %s\n" %
              (i, b"x" * 60) for i in range(400)) +
     b"Subject: huge header\nMessage-ID: <hugeheader@example.org>\n\n"
     b"body\n"),
    ("crlf", b"From: w@example.org\r\nSubject: crlf\r\n"
     b"Message-ID: <crlf@example.org>\r\n\r\nbody\r\nmore\r\n"),
]


def folder_dir(folder):
    return MD if folder == "INBOX" else "%s/.%s" % (MD, folder)


def crlf(data):
    return data.replace(b"\r\n", b"\n").replace(b"\n", b"\r\n")


def put(folder, msgs=MSGS, tag="corpus"):
    """The messages as another program leaves them: every other one in
    new/, the rest in cur/ with \\Seen; no postern file anywhere."""
    d = folder_dir(folder)
    for s in ("", "/cur", "/new", "/tmp"):
        os.makedirs(d + s, exist_ok=True)
        os.chown(d + s, UID_N, UID_N)
    if folder != "INBOX":
        open(d + "/maildirfolder", "w").close()
        os.chown(d + "/maildirfolder", UID_N, UID_N)
    for i, (key, data) in enumerate(msgs):
        sub = "new" if i % 2 else "cur"
        p = "%s/%s/%d.M%dP1.%s%s" % (d, sub, T0 + i, i, tag,
                                     ":2,S" if sub == "cur" else "")
        with open(p, "wb") as fh:
            fh.write(data)
        os.chown(p, UID_N, UID_N)
        os.utime(p, (T0 + i * 60, T0 + i * 60))


def fetch_all(m, items="(UID RFC822.SIZE INTERNALDATE ENVELOPE "
              "BODYSTRUCTURE BODY)"):
    """Each message's FETCH response as one string of octets."""
    out = []
    for d in ok(m.fetch("1:*", items), "fetch"):
        piece = d[0] + d[1] if isinstance(d, tuple) else d
        if out and piece[:1] in (b" ", b")"):
            out[-1] += piece
        else:
            out.append(piece)
    return out


def no_uid(resp):
    return [re.sub(rb"^\d+ \(UID \d+ ", b"(", r) for r in resp]


def state(folder, readonly=True):
    """UIDVALIDITY, UIDNEXT and the FETCH responses of a fresh login."""
    m = imaps(USER)
    ok(m.select(folder, readonly=readonly), "select " + folder)
    uv = int(m.untagged_responses["UIDVALIDITY"][-1])
    nx = int(m.untagged_responses["UIDNEXT"][-1])
    resp = fetch_all(m)
    m.logout()
    return uv, nx, resp


def uid_map(resp):
    """UID -> Message-ID from FETCH responses with ENVELOPE."""
    r = {}
    for x in resp:
        u = re.search(rb"UID (\d+)", x)
        i = re.search(rb'"<([^>]+)>"\) BODYSTRUCTURE', x)
        check(u is not None and i is not None, x)
        r[int(u.group(1))] = i.group(1).decode()
    return r


def index_ok(folder):
    """Whether the folder's index is sound, once the session that was
    to write it at its close has had time to."""
    for _ in range(100):
        try:
            with open(folder_dir(folder) + "/postern-index", "rb") as fh:
                if fh.read(8) == b"PSTNIDX\n":
                    return True
        except FileNotFoundError:
            pass
        time.sleep(0.05)
    return False
PYEOF
}

index_setup()
{
	imap_setup
	imap_start
	corpus_lib
}

atf_test_case never_seen cleanup
never_seen_head()
{
	atf_set "descr" "A Maildir made by hand: UIDs, sizes, dates, MIME"
	atf_set "require.user" "root"
}
never_seen_body()
{
	index_setup
	cat > c.py <<'PYEOF'
import time
from corpus import *

put("INBOX")
put("Lists.corpus")
for d in (MD, folder_dir("Lists.corpus")):
    check(not any(n.startswith("postern-") for n in os.listdir(d)),
          "postern files before the first login")

m = imaps(USER)
lst = ok(m.list('""', "Lists*"))
expect_eq(lst, [b'(\\Noselect \\HasChildren) "." Lists',
                b'(\\HasNoChildren) "." Lists.corpus'], "list")
st = ok(m.status("Lists.corpus", "(MESSAGES RECENT UIDNEXT UNSEEN)"))
expect_eq(st, [b"Lists.corpus (MESSAGES 8 RECENT 8 UIDNEXT 9 UNSEEN 4)"],
          "status")
for folder in ("INBOX", "Lists.corpus"):
    expect_eq(ok(m.select(folder)), [b"8"], "select " + folder)
    expect_eq(m.untagged_responses["RECENT"], [b"8"], "recent")
    data = fetch_all(m, "(UID FLAGS RFC822.SIZE INTERNALDATE)")
    for i, (key, msg) in enumerate(MSGS):
        d = time.strftime("%d-%b-%Y %H:%M:%S +0000",
                          time.gmtime(T0 + i * 60)).lstrip("0")
        d = (" " + d) if len(d) == 25 else d
        flags = "\\Recent" if i % 2 else "\\Seen \\Recent"
        expect_eq(data[i], ('%d (UID %d FLAGS (%s) RFC822.SIZE %d '
                            'INTERNALDATE "%s")' %
                            (i + 1, i + 1, flags, len(crlf(msg)),
                             d)).encode(), key)
        body = ok(m.fetch(str(i + 1), "BODY.PEEK[]"))[0][1]
        expect_eq(body, crlf(msg), key + " BODY[]")

bs = fetch_all(m, "BODYSTRUCTURE")
expect_eq(bs[0], b'1 (BODYSTRUCTURE ("TEXT" "PLAIN" ("CHARSET" "US-ASCII") '
          b'NIL NIL "7BIT" 20 2 NIL NIL NIL NIL))', "plain")
expect_eq(bs[1], b'2 (BODYSTRUCTURE (("TEXT" "PLAIN" ("CHARSET" "utf-8") '
          b'NIL NIL "QUOTED-PRINTABLE" 9 1 NIL NIL NIL NIL)'
          b'("APPLICATION" "OCTET-STREAM" ("NAME" "data.bin") NIL NIL '
          b'"BASE64" 12 NIL ("ATTACHMENT" ("FILENAME" "data.bin")) NIL NIL)'
          b' "MIXED" ("BOUNDARY" "b1") NIL NIL NIL))', "mixed")
expect_eq(bs[2], b'3 (BODYSTRUCTURE ((("TEXT" "PLAIN" ("CHARSET" '
          b'"US-ASCII") NIL NIL "7BIT" 10 1 NIL NIL NIL NIL)'
          b'("TEXT" "HTML" ("CHARSET" "US-ASCII") NIL NIL "7BIT" 16 1 NIL '
          b'NIL NIL NIL) "ALTERNATIVE" ("BOUNDARY" "inner") NIL NIL NIL)'
          b'("MESSAGE" "RFC822" NIL NIL NIL "7BIT" 61 (NIL "forwarded" '
          b'((NIL NIL "inner" "example.org")) ((NIL NIL "inner" '
          b'"example.org")) ((NIL NIL "inner" "example.org")) NIL NIL NIL '
          b'NIL NIL) ("TEXT" "PLAIN" ("CHARSET" "US-ASCII") NIL NIL "7BIT" '
          b'14 1 NIL NIL NIL NIL) 4 NIL NIL NIL NIL) "MIXED" ("BOUNDARY" '
          b'"outer") NIL NIL NIL))', "nested")
expect_eq(bs[4], b'5 (BODYSTRUCTURE ("TEXT" "PLAIN" ("CHARSET" "US-ASCII") '
          b'NIL NIL "7BIT" 0 0 NIL NIL NIL NIL))', "no separator")
env = fetch_all(m, "ENVELOPE")
expect_eq(env[0], b'1 (ENVELOPE ("Mon, 1 Jan 2024 10:00:00 +0000" '
          b'"plain text" (("Alice Example" NIL "alice" "example.org")) '
          b'(("Alice Example" NIL "alice" "example.org")) (("Alice Example"'
          b' NIL "alice" "example.org")) ((NIL NIL "bob" "example.org")'
          b'("Carol C." NIL "carol" "example.org")) ((NIL NIL "team" NIL)'
          b'(NIL NIL "dan" "example.org")(NIL NIL "erin" "example.org")'
          b'(NIL NIL NIL NIL)) NIL "<earlier@example.org>" '
          b'"<plain@example.org>"))', "envelope")
check("Grüße aus Köln".encode() in env[3], env[3])
parts = ok(m.fetch("2", "(BODY.PEEK[1] BINARY.PEEK[1] BODY.PEEK[2.MIME])"))
expect_eq(parts[0][1], b"caf=C3=A9", "BODY[1]")
expect_eq(parts[1][1], "café".encode(), "BINARY[1]")
check(parts[2][1].startswith(b"Content-Type: application/octet-stream"),
      parts)
parts = ok(m.fetch("3", "(BODY.PEEK[2.HEADER] BODY.PEEK[1.2])"))
expect_eq(parts[0][1], b"From: inner@example.org\r\nSubject: forwarded\r\n"
          b"\r\n", "BODY[2.HEADER]")
expect_eq(parts[1][1], b"<p>html part</p>", "BODY[1.2]")
m.logout()
# The session leaves its UID list and index behind.
check(index_ok("Lists.corpus"), "no index written")
check(os.path.exists(folder_dir("Lists.corpus") + "/postern-uidlist"),
      "no UID list written")
print("ok")
PYEOF
	atf_check -o inline:"ok\n" "$T/ipy" c.py
}
never_seen_cleanup()
{
	. "$(atf_get_srcdir)/postern.subr"
	postern_cleanup
}

atf_test_case dovecot_import cleanup
dovecot_import_head()
{
	atf_set "descr" "A folder from Dovecot keeps its UIDVALIDITY and UIDs"
	atf_set "require.user" "root"
}
dovecot_import_body()
{
	index_setup
	cat > c.py <<'PYEOF'
from corpus import *

put("Old")
d = folder_dir("Old")
names = sorted(os.listdir(d + "/cur") + os.listdir(d + "/new"))
with open(d + "/dovecot-uidlist", "w") as fh:
    fh.write("3 V1234567 N500 G0123456789abcdef0123456789abcdef\n")
    for i, n in enumerate(names):
        fh.write("%d :%s\n" % (100 + 10 * i, n.split(":")[0]))
os.chown(d + "/dovecot-uidlist", UID_N, UID_N)
uv, nx, resp = state("Old")
expect_eq((uv, nx), (1234567, 500), "UIDVALIDITY and UIDNEXT")
expect_eq(sorted(uid_map(resp)), [100 + 10 * i for i in range(8)], "UIDs")
# A message Dovecot never numbered comes after them.
put("Old", [("late", b"Message-ID: <late@example.org>\n\nlate\n")], "late")
uv2, nx2, resp2 = state("Old")
expect_eq((uv2, nx2), (1234567, 501), "after a new message")
expect_eq(uid_map(resp2)[500], "late@example.org", "new UID")
print("ok")
PYEOF
	atf_check -o inline:"ok\n" "$T/ipy" c.py
}
dovecot_import_cleanup()
{
	. "$(atf_get_srcdir)/postern.subr"
	postern_cleanup
}

atf_test_case corrupt_index cleanup
corrupt_index_head()
{
	atf_set "descr" "postern-index garbage, truncated, flipped, foreign"
	atf_set "require.user" "root"
}
corrupt_index_body()
{
	index_setup
	cat > c.py <<'PYEOF'
from corpus import *

put("INBOX")
put("Other", list(reversed(MSGS)), "other")
cold = state("INBOX")
check(index_ok("INBOX"), "no index after the first FETCH")
warm = state("INBOX")
expect_eq(warm, cold, "warm FETCH")
state("Other")
ix = MD + "/postern-index"
size = os.path.getsize(ix)
check(size > 1000, "index of %d octets" % size)


def damage(name, fn):
    with open(ix, "r+b") as fh:
        fn(fh)
    got = state("INBOX")
    expect_eq(got[0], cold[0], name + ": UIDVALIDITY")
    expect_eq(got, cold, name)
    check(index_ok("INBOX"), name + ": index not rewritten")


def garbage(fh):
    fh.write(os.urandom(size))


def keep_header_garbage(fh):
    fh.seek(24)
    fh.write(os.urandom(os.path.getsize(ix) - 24))


def flip(fh):
    n = os.path.getsize(ix)
    for off in range(40, n, 97):
        fh.seek(off)
        b = fh.read(1)
        fh.seek(off)
        fh.write(bytes([b[0] ^ 0x55]))


damage("garbage", garbage)
damage("records garbage", keep_header_garbage)
damage("flipped octets", flip)
damage("truncated to half", lambda fh: fh.truncate(size // 2))
damage("truncated into a record", lambda fh: fh.truncate(37))
damage("truncated into the header", lambda fh: fh.truncate(10))
damage("empty", lambda fh: fh.truncate(0))


def foreign(fh):
    with open(folder_dir("Other") + "/postern-index", "rb") as o:
        data = o.read()
    fh.truncate(0)
    fh.write(data)


damage("another folder's index", foreign)

# Cut and overwritten in place under a session that has it mapped
# (nothing of postern's ever does that): the session lives on, and the
# next one has it all right again.  What the first one sends meanwhile
# may come from the damaged file: a record checked once is trusted for
# the life of the map.
for name, fn in (("cut to a page", lambda fh: fh.truncate(100)),
                 ("cut to nothing", lambda fh: fh.truncate(0)),
                 ("overwritten", lambda fh: fh.write(os.urandom(size)))):
    damage("before " + name, lambda fh: None)
    m = imaps(USER)
    m.select("INBOX", readonly=True)
    expect_eq(fetch_all(m), cold[2], "before " + name)
    with open(ix, "r+b") as fh:
        fn(fh)
    expect_eq(len(fetch_all(m)), len(cold[2]), name + " under the session")
    ok(m.noop(), name + ": NOOP")
    m.logout()
    expect_eq(state("INBOX"), cold, "after " + name)
with open(T + "/log") as fh:
    check("killed by signal" not in fh.read(), "a session died")
print("ok")
PYEOF
	atf_check -o inline:"ok\n" "$T/ipy" c.py
}
corrupt_index_cleanup()
{
	. "$(atf_get_srcdir)/postern.subr"
	postern_cleanup
}

atf_test_case corrupt_uidlist cleanup
corrupt_uidlist_head()
{
	atf_set "descr" "postern-uidlist torn, changed outside, garbage, gone"
	atf_set "require.user" "root"
}
corrupt_uidlist_body()
{
	index_setup
	cat > c.py <<'PYEOF'
from corpus import *

put("INBOX")
uv0, nx0, ref = state("INBOX")
ids0 = uid_map(ref)
ul = MD + "/postern-uidlist"
with open(ul, "rb") as fh:
    good = fh.read()
seen_uv = {uv0}


def write(data):
    with open(ul, "wb") as fh:
        fh.write(data)


# A torn record at the end (an APPEND cut short) is dropped: UIDs kept.
write(good + b"+9 T1704103200 :1704103999.M9P1.torn")
uv, nx, resp = state("INBOX")
expect_eq((uv, resp), (uv0, ref), "torn last record")

# Files removed and added by another program: the list still holds.
victim = [n for n in os.listdir(MD + "/cur") if ".M2P1." in n][0]
os.unlink(MD + "/cur/" + victim)
deliver(USER, b"Message-ID: <outside@example.org>\n\noutside\n")
uv, nx, resp = state("INBOX")
expect_eq(uv, uv0, "UIDVALIDITY after outside changes")
ids = uid_map(resp)
expect_eq({u: i for u, i in ids.items() if u < nx0},
          {u: i for u, i in ids0.items() if i != "nested@example.org"},
          "old UIDs")
expect_eq([i for u, i in ids.items() if u >= nx0], ["outside@example.org"],
          "new UID")
ref, ids0, nx0 = resp, ids, nx
with open(ul, "rb") as fh:
    good = fh.read()
lines = good.split(b"\n")


def rebuilt(name, data):
    """A list that cannot be trusted: every message stays, once, with
    its data, under a UIDVALIDITY never used before."""
    global ref
    if data is None:
        os.unlink(ul)
    else:
        write(data)
    uv, nx, resp = state("INBOX")
    check(uv not in seen_uv, "%s: UIDVALIDITY %d again" % (name, uv))
    check(uv > max(seen_uv), "%s: UIDVALIDITY went back" % name)
    seen_uv.add(uv)
    expect_eq(sorted(uid_map(resp).values()), sorted(ids0.values()),
              name + ": messages")
    expect_eq(sorted(no_uid(resp)), sorted(no_uid(ref)), name + ": data")
    # Stable from then on.
    expect_eq(state("INBOX")[:2], (uv, nx), name + ": second login")


rebuilt("garbage", os.urandom(len(good)))
with open(ul, "rb") as fh:
    good = fh.read()
lines = good.split(b"\n")
rebuilt("truncated in a record", good[:len(lines[0]) + 1 + 7])
with open(ul, "rb") as fh:
    good = fh.read()
lines = good.split(b"\n")
rebuilt("UIDs out of order", b"\n".join([lines[0], lines[2], lines[1]] +
                                        lines[3:]))
with open(ul, "rb") as fh:
    good = fh.read()
lines = good.split(b"\n")
rebuilt("a UID past UIDNEXT", b"\n".join(
    [lines[0]] + lines[1:-2] + [re.sub(rb"^\d+", b"99999", lines[-2])] +
    [b""]))
rebuilt("header only", b"postern-uidlist 1 V7 N\n")
rebuilt("gone", None)
print("ok")
PYEOF
	atf_check -o inline:"ok\n" "$T/ipy" c.py
}
corrupt_uidlist_cleanup()
{
	. "$(atf_get_srcdir)/postern.subr"
	postern_cleanup
}

atf_init_test_cases()
{
	atf_add_test_case never_seen
	atf_add_test_case dovecot_import
	atf_add_test_case corrupt_index
	atf_add_test_case corrupt_uidlist
}
