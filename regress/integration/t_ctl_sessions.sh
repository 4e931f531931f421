#! /usr/bin/env atf-sh
# show sessions and the logs, for IMAP as for POP3: every connection
# with its protocol, state, user, address, TLS protocol and cipher
# (implicit TLS, STARTTLS/STLS, none), and byte counts that are exact
# whenever the session waits for its client (IMAP IDLE included); the
# login and disconnect lines carry the TLS details, and the disconnect
# line the same counts as the session's own logout line.

. "$(atf_get_srcdir)/postern.subr"
. "$(atf_get_srcdir)/imap.subr"
. "$(atf_get_srcdir)/admin.subr"

atf_test_case tls_and_bytes cleanup
tls_and_bytes_head()
{
	atf_set "descr" "IMAP and POP3 sessions over implicit TLS and " \
	    "STARTTLS: show sessions has their TLS details and exact byte " \
	    "counts, the logs the same"
	atf_set "require.user" "root"
}
tls_and_bytes_body()
{
	imap_setup
	admin_py
	printf 'Subject: hello\r\n\r\nbody\r\n' > m1
	postern_deliver alice m1 > /dev/null
	postern_deliver carol m1 > /dev/null
	imap_start
	cat > s.py <<'PYEOF'
import re
from admintest import *

def counts(c):
    """What the session must have counted: all after the login line."""
    return c.sent - c.base[0], c.received - c.base[1]

def row_of(c, rows=None):
    rows = sessions() if rows is None else rows
    mine = [r for r in rows.values() if int(r["port"]) == c.local_port()]
    return mine[0] if len(mine) == 1 else None

def settled(c, what):
    """The row of c once its counts are exactly the client's."""
    def ok():
        r = row_of(c)
        if r is not None and (int(r["bytes_in"]), int(r["bytes_out"])) \
                == counts(c):
            return r
        return None
    try:
        return wait_for(ok, what, 10)
    except Failure:
        raise Failure("%s: row %r, client counts %r" % (what, row_of(c),
                                                         counts(c)))

def login_imap(port, user, **kw):
    c = Raw(port, tls=kw.get("tls", False))
    if kw.get("starttls"):
        c.imap(b"s", b"STARTTLS")
        c.starttls()
    recv = c.received
    c.send(b"l LOGIN %s %s\r\n" % (user.encode(), USERS[user].encode()))
    c.base = (c.sent, recv)
    while not c.line().startswith(b"l OK "):
        pass
    return c

def login_pop3(port, user, **kw):
    c = Raw(port, tls=kw.get("tls", False))
    if kw.get("stls"):
        c.pop3(b"STLS")
        c.starttls()
    c.pop3(b"USER " + user.encode())
    recv = c.received
    c.send(b"PASS " + USERS[user].encode() + b"\r\n")
    c.base = (c.sent, recv)
    check(c.line().startswith(b"+OK"), "PASS")
    return c

def run():
    a = login_imap(IPORTS, "alice", tls=True)
    b = login_imap(IPORT, "bob", starttls=True)
    c = login_pop3(PORTS, "carol", tls=True)
    d = login_pop3(PORT, "alice", stls=True)
    pre = Raw(IPORT)
    every = (("alice", "imap", a), ("bob", "imap", b), ("carol", "pop3", c),
             ("alice", "pop3", d))
    for user, proto, cl in every:
        r = settled(cl, "%s %s after login" % (user, proto))
        expect_eq(r["proto"], proto, user + " proto")
        expect_eq(r["state"], "session", user + " state")
        expect_eq(r["user"], user, user + " user")
        expect_eq(r["address"], "127.0.0.1", user + " address")
        check(str(r["tls"]) in ("TLSv1.2", "TLSv1.3"), "tls %r" % r["tls"])
        expect_eq(r["tls"], cl.s.version(), user + " tls version")
        expect_eq(r["cipher"], cl.s.cipher()[0], user + " cipher")
        check(re.match(r"^20\d\d-\d\d-\d\dT\d\d:\d\d:\d\dZ$", r["started"]),
              "started %r" % r["started"])
        check(int(r["bytes_out"]) > 0, user + " wrote nothing")
        cl.id = int(r["id"])
    r = row_of(pre)
    expect_eq((r["proto"], r["state"], r["user"], r["tls"], r["cipher"]),
              ("imap", "pre-login", "-", "-", "-"), "pre-login row")
    pre.imap(b"s", b"STARTTLS")
    pre.starttls()
    pre.imap(b"c", b"CAPABILITY")
    r = wait_for(lambda: row_of(pre)["tls"] != "-" and row_of(pre),
                 "TLS on the pre-login connection")
    expect_eq((r["state"], r["tls"], r["cipher"]),
              ("pre-login", pre.s.version(), pre.s.cipher()[0]),
              "pre-login row after STARTTLS")

    # Commands move the counts; they are exact once the session waits.
    a.imap(b"a1", b"SELECT INBOX")
    a.imap(b"a2", b"FETCH 1 (BODY.PEEK[] FLAGS)")
    settled(a, "alice imap after FETCH")
    b.imap(b"b1", b"LIST \"\" \"*\"")
    b.imap(b"b2", b"NOOP")
    settled(b, "bob imap after LIST")
    c.pop3(b"RETR 1", multi=True)
    settled(c, "carol pop3 after RETR")
    d.pop3(b"STAT")
    d.pop3(b"NOOP")
    settled(d, "alice pop3 after NOOP")

    # IDLE: waiting for the client inside IDLE counts as waiting.
    a.send(b"a3 IDLE\r\n")
    expect_eq(a.line(), b"+ idling", "IDLE")
    settled(a, "alice imap in IDLE")
    a.send(b"DONE\r\n")
    check(a.line().startswith(b"a3 OK"), "IDLE done")
    settled(a, "alice imap after IDLE")

    # Logged out, the logs have the same numbers.
    a.imap(b"a4", b"LOGOUT")
    b.imap(b"b3", b"LOGOUT")
    c.pop3(b"QUIT")
    d.pop3(b"QUIT")
    pre.close()
    final = {cl.id: counts(cl) for user, proto, cl in every}
    def all_gone():
        log = open(T + "/log", errors="replace").read()
        seen = {}
        for m in re.finditer(r"disconnect: id=(\d+) (.*)", log):
            seen[int(m.group(1))] = m.group(2)
        return seen if all(i in seen for i in final) else None
    seen = wait_for(all_gone, "the disconnect lines")
    log = open(T + "/log", errors="replace").read()
    for user, proto, cl in every:
        line = seen[cl.id]
        m = re.search(r'^proto=(\w+) addr=127\.0\.0\.1 user="(\w+)" '
                      r'tls=(\S+) cipher=(\S+) duration=\d+s '
                      r'in=(\d+) out=(\d+)$', line)
        check(m is not None, "disconnect line %r" % line)
        expect_eq(m.group(1, 2, 3, 4), (proto, user, cl.s.version(),
                                        cl.s.cipher()[0]),
                  "disconnect line %r" % line)
        expect_eq((int(m.group(5)), int(m.group(6))), final[cl.id],
                  "%s %s bytes in the disconnect line" % (user, proto))
        m = re.search(r"logout: id=%d user=\"%s\" addr=127\.0\.0\.1 "
                      r"proto=%s in=(\d+) out=(\d+)" % (cl.id, user, proto),
                      log)
        check(m is not None, "no logout line for %d" % cl.id)
        expect_eq((int(m.group(1)), int(m.group(2))), final[cl.id],
                  "%s %s bytes in the logout line" % (user, proto))
        m = re.search(r"login: id=%d proto=%s addr=127\.0\.0\.1 "
                      r"user=\"%s\" mech=\S+ tls=(\S+) cipher=(\S+)"
                      % (cl.id, proto, user), log)
        check(m is not None, "no login line for %d" % cl.id)
        expect_eq(m.group(1, 2), (cl.s.version(), cl.s.cipher()[0]),
                  "login line of %d" % cl.id)
    wait_for(lambda: sessions() == {}, "no sessions left")
main(run)
PYEOF
	atf_check -o inline:"ok\n" "$T/apy" s.py
	# The table: a header, then one row per connection.
	atf_check -o match:"^ID +PROTO +STATE +USER +ADDRESS +PORT +TLS +CIPHER +STARTED +BYTES_IN +BYTES_OUT$" \
	    "$POSTERN_BIN/posternctl" -s "$T/posternd.sock" show sessions
	postern_check_log
}
tls_and_bytes_cleanup()
{
	postern_cleanup
}

atf_test_case plaintext cleanup
plaintext_head()
{
	atf_set "descr" "An IMAP session without TLS (login-type " \
	    "plaintext-login): no TLS in show sessions and the logs, bytes " \
	    "counted all the same"
	atf_set "require.user" "root"
}
plaintext_body()
{
	IMAP_EXTRA="	login-type plaintext-login"
	imap_setup
	admin_py
	imap_start
	cat > p.py <<'PYEOF'
import re
from admintest import *
def run():
    c = Raw(IPORT)
    recv = c.received
    c.send(b"l LOGIN bob bobpw\r\n")
    base = (c.sent, recv)
    check(c.line().startswith(b"l OK "), "login")
    c.imap(b"a", b"SELECT INBOX")
    want = lambda: (c.sent - base[0], c.received - base[1])
    def row():
        rows = [r for r in ctl_json("show", "sessions")
                if int(r["port"]) == c.local_port()]
        if rows and (int(rows[0]["bytes_in"]),
                     int(rows[0]["bytes_out"])) == want():
            return rows[0]
        return None
    r = wait_for(row, "exact counts")
    expect_eq((r["state"], r["user"], r["tls"], r["cipher"]),
              ("session", "bob", "-", "-"), "row")
    cid = int(r["id"])
    c.imap(b"b", b"LOGOUT")
    c.close()
    def line():
        m = re.search(r"disconnect: id=%d proto=imap addr=127\.0\.0\.1 "
                      r"user=\"bob\" tls=no duration=\d+s in=(\d+) "
                      r"out=(\d+)" % cid,
                      open(T + "/log", errors="replace").read())
        return m
    m = wait_for(line, "the disconnect line")
    expect_eq((int(m.group(1)), int(m.group(2))), want(), "logged counts")
    check(re.search(r"login: id=%d proto=imap .* tls=no$" % cid,
                    open(T + "/log").read(), re.M), "login line tls=no")
main(run)
PYEOF
	atf_check -o inline:"ok\n" "$T/apy" p.py
	postern_check_log
}
plaintext_cleanup()
{
	postern_cleanup
}

atf_init_test_cases()
{
	atf_add_test_case tls_and_bytes
	atf_add_test_case plaintext
}
