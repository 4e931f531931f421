#! /usr/bin/env atf-sh
# The exact bytes of RETR and TOP against the Maildir files, through
# the real posternd: LF becomes CRLF, a CRLF already in the file and a
# bare CR go out as they are, lines starting with a dot are stuffed, a
# last line without a newline gets one (framing, not counted), and the
# sizes STAT and LIST announce are exactly the message octets RETR
# sends, for every kind of message, at the boundaries of the server's
# read buffer too.

. "$(atf_get_srcdir)/postern.subr"

# The model: written from RFC 1939 and store/crlf.c's definition, not
# from the server's code.
write_model()
{
	cat > model.py <<'PYEOF'
import os, re
from poptest import *

CHUNK = 32768

def wire(data):
    """A message file as the client receives it: each LF not preceded
    by CR becomes CRLF, every other byte goes out as it is."""
    return re.sub(rb"(?<!\r)\n", b"\r\n", data)

def retr_bytes(data):
    """What follows "+OK n octets\\r\\n": the dot-stuffed message, a CRLF
    when it does not end with a line end, and the terminating dot."""
    w = wire(data)
    stuffed = re.sub(rb"(^|\n)\.", rb"\1..", w)
    if w and not w.endswith(b"\n"):
        stuffed += b"\r\n"
    return stuffed + b".\r\n"

MESSAGES = [
    ("plain", b"From: a@example.org\nSubject: plain\n\nline one\nline two\n"),
    ("dots", b"Subject: dots\n\n.\n..\n.leading\nmiddle . dot\n. \n.\n"),
    ("only-dot", b"Subject: only a dot\n\nbefore\n.\nafter\n"),
    ("no-final-newline", b"Subject: no newline\n\nlast line"),
    ("no-final-newline-dot", b"Subject: x\n\n.last"),
    ("bare-cr", b"Subject: bare\r CR\n\na\rb\n\r\nc\r\rd\n\r"),
    ("crlf-already", b"Subject: crlf\r\n\r\nwindows\r\nmixed\nend\r\n"),
    ("empty-body", b"Subject: empty body\n\n"),
    ("header-only", b"Subject: header only\n"),
    ("empty", b""),
    ("one-byte", b"x"),
    ("blank-lines", b"\n\n\n"),
    ("binary", bytes(b for b in range(256) if b != 0) + b"\n"),
    ("cr-at-chunk-end", b"X" * (CHUNK - 1) + b"\r\n" + b"tail\n"),
    ("lf-at-chunk-start", b"Y" * CHUNK + b"\nnext\n"),
    ("dot-at-chunk-start", b"Z" * (CHUNK - 1) + b"\n.dot\n"),
    ("dot-at-chunk-start-2", b"Z" * (2 * CHUNK - 1) + b"\n.\n"),
    ("crlf-across-chunk", b"W" * (CHUNK - 2) + b"\r\n\n" + b"." * 10 + b"\n"),
    ("long-lines", (b"L" * 5000 + b"\n") * 40),
    ("many-short-lines", b"Subject: many\n\n" + b".\n" * 70000),
    ("large", b"Subject: large\n\n" +
     b"".join(b"%07d some text to make a line of a large message\n" % i
              for i in range(40000))),
]
PYEOF
}

# retr_check plain|tls: every message of MESSAGES through RETR.
retr_check()
{
	postern_setup
	# Clear-text logins: the plain port hands the socket itself over.
	POP3_EXTRA="	login-type plaintext-login"
	postern_write_conf
	postern_start
	write_model
	cat > c.py <<'PYEOF'
import sys
from model import *

def run():
    for name, data in MESSAGES:
        deliver("alice", data)
    if sys.argv[1] == "tls":
        c = login()
    else:
        c = Client()
        c.login("alice", "alicepw")
    n = len(MESSAGES)
    total = sum(len(wire(d)) for _, d in MESSAGES)
    c.expect("STAT", "+OK %d %d" % (n, total))
    c.expect("LIST", "+OK %d messages (%d octets)" % (n, total))
    sizes = c.multi()
    for i, (name, data) in enumerate(MESSAGES, 1):
        size = len(wire(data))
        expect_eq(sizes[i - 1], "%d %d" % (i, size), "LIST line of " + name)
        c.expect("LIST %d" % i, "+OK %d %d" % (i, size))
        c.expect("RETR %d" % i, "+OK %d octets" % size)
        try:
            got = c.rawmulti()
        except EOFError:
            raise Failure("connection lost during RETR %d (%s, %d octets)"
                          % (i, name, size))
        expect_eq(got, retr_bytes(data), "RETR of " + name)
    c.expect("QUIT", "+OK Logging out.")
    # RETR marked every message seen, and changed none of them.
    files = maildir_files("alice")
    expect_eq(sorted(files.values()), sorted(d for _, d in MESSAGES),
              "file contents after the session")
    for f in files:
        check(f.startswith("cur/") and f.endswith(":2,S"),
              "retrieved message not marked seen: " + f)

main(run)
PYEOF
	atf_check -o inline:"ok\n" "$T/py" c.py "$1"
	atf_check -s exit:1 grep -q "octets sent" "$T/log"
	postern_check_log
}

atf_test_case retr_bytes_plain cleanup
retr_bytes_plain_head()
{
	atf_set "descr" "RETR sends exactly the file in CRLF, dot-stuffed;" \
	    "LIST and STAT give the octets RETR sends (clear text)"
	atf_set "require.user" "root"
}
retr_bytes_plain_body()
{
	retr_check plain
}
retr_bytes_plain_cleanup()
{
	postern_cleanup
}

atf_test_case retr_bytes_tls cleanup
retr_bytes_tls_head()
{
	atf_set "descr" "RETR sends exactly the file in CRLF, dot-stuffed;" \
	    "LIST and STAT give the octets RETR sends (through the TLS relay)"
	atf_set "require.user" "root"
}
retr_bytes_tls_body()
{
	retr_check tls
}
retr_bytes_tls_cleanup()
{
	postern_cleanup
}

atf_test_case top_bytes cleanup
top_bytes_head()
{
	atf_set "descr" "TOP sends the header, the blank line and n body lines"
	atf_set "require.user" "root"
}
top_bytes_body()
{
	postern_setup
	postern_start
	write_model
	cat > c.py <<'PYEOF'
from model import *

def top(data, n):
    """RFC 1939 TOP: the header, the blank line, then n body lines."""
    lines = wire(data).split(b"\r\n")
    if not wire(data).endswith(b"\r\n"):
        last = lines.pop()
    else:
        lines.pop()
        last = None
    out = []
    i = 0
    while i < len(lines) and lines[i] != b"":
        out.append(lines[i])
        i += 1
    body = lines[i + 1:] if i < len(lines) else []
    if i < len(lines):
        out.append(b"")
    body = body + ([last] if last is not None else [])
    if i == len(lines) and last is not None:
        out.append(last)       # all header, no final newline
        body = []
    out += body[:n]
    text = b"".join(re.sub(rb"^\.", b"..", l) + b"\r\n" for l in out)
    return text + b".\r\n"

CASES = [
    b"Subject: t\nX: y\n\nb1\n.b2\nb3\n",
    b"Subject: t\r\n\r\nb1\r\nb2\r\n",
    b"Subject: t\n\nb1\nno final newline",
    b"Subject: header only, no blank line\nX: y\n",
    b"Subject: t\n\n\n\nafter blank body lines\n",
]

def run():
    for data in CASES:
        deliver("alice", data)
    c = login()
    for i, data in enumerate(CASES, 1):
        for n in (0, 1, 2, 3, 100):
            c.expect("TOP %d %d" % (i, n), "+OK Top of message follows")
            expect_eq(c.rawmulti(), top(data, n), "TOP %d %d" % (i, n))
    c.expect("QUIT", "+OK Logging out.")
    # TOP does not mark messages seen.
    for f in maildir_files("alice"):
        check(not f.endswith(":2,S"), "TOP marked %s seen" % f)

main(run)
PYEOF
	atf_check -o inline:"ok\n" "$T/py" c.py
	postern_check_log
}
top_bytes_cleanup()
{
	postern_cleanup
}

atf_init_test_cases()
{
	atf_add_test_case retr_bytes_plain
	atf_add_test_case retr_bytes_tls
	atf_add_test_case top_bytes
}
