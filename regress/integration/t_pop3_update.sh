#! /usr/bin/env atf-sh
# The POP3 maildrop's life through the real posternd: UIDLs stable
# across sessions and a daemon restart; DELE takes effect only in the
# UPDATE state after QUIT, never when the connection is closed or the
# session killed; mail delivered during a session stays out of it;
# one POP3 session per user at a time ([IN-USE]).

. "$(atf_get_srcdir)/postern.subr"

deliver_three()
{
	printf 'Subject: a\n\nbody a\n' > ma
	printf 'Subject: b\n\nbody b\n' > mb
	printf 'Subject: c\n\nbody c\n' > mc
	postern_deliver alice ma
	postern_deliver alice mb
	postern_deliver alice mc
}

atf_test_case uidl_restart cleanup
uidl_restart_head()
{
	atf_set "descr" "UIDLs stay the same across sessions and restarts" \
	    "and new messages get new ones"
	atf_set "require.user" "root"
}
uidl_restart_body()
{
	postern_setup
	deliver_three
	postern_start
	cat > uidl.py <<'PYEOF'
from poptest import *
def run():
    c = login()
    c.expect("UIDL", "+OK Unique-ID list follows")
    print("\n".join(c.multi()))
    c.expect("QUIT", "+OK Logging out.")
try:
    run()
except Failure as e:
    raise SystemExit("FAIL: %s" % e)
PYEOF
	"$T/py" uidl.py > uidl1 || atf_fail "UIDL failed"
	atf_check -o inline:"3\n" sh -c "cut -d' ' -f2 uidl1 | sort -u | wc -l"
	atf_check -o file:uidl1 "$T/py" uidl.py
	# RETR and QUIT move the messages to cur/ with the Seen flag: the
	# UIDLs do not change.
	atf_check -o inline:"ok\n" "$T/py" -c 'from poptest import *
def run():
    c = login()
    for i in (1, 2, 3):
        c.expect_prefix("RETR %d" % i, "+OK")
        c.multi()
    c.expect("QUIT", "+OK Logging out.")
main(run)'
	atf_check -o inline:"3\n" sh -c "ls $T/home/alice/Maildir/cur | grep -c ':2,S\$'"
	atf_check -o file:uidl1 "$T/py" uidl.py
	postern_stop
	postern_start
	atf_check -o file:uidl1 "$T/py" uidl.py
	# A new message gets a new UIDL; the old ones stay.
	printf 'Subject: d\n\nbody d\n' > md
	postern_deliver alice md
	"$T/py" uidl.py > uidl2 || atf_fail "UIDL failed"
	atf_check -o file:uidl1 head -n 3 uidl2
	atf_check -o inline:"4\n" sh -c "cut -d' ' -f2 uidl2 | sort -u | wc -l"
	atf_check -o match:"^4 " tail -n 1 uidl2
	# Deleting the first renumbers the rest; their UIDLs go with them.
	atf_check -o inline:"ok\n" "$T/py" -c 'from poptest import *
def run():
    c = login()
    c.expect("DELE 1", "+OK Message 1 deleted")
    c.expect("QUIT", "+OK Logging out.")
main(run)'
	postern_stop
	postern_start
	"$T/py" uidl.py > uidl3 || atf_fail "UIDL failed"
	tail -n 3 uidl2 | cut -d' ' -f2 > want
	atf_check -o file:want cut -d' ' -f2 uidl3
	postern_check_log
}
uidl_restart_cleanup()
{
	postern_cleanup
}

atf_test_case dele_quit cleanup
dele_quit_head()
{
	atf_set "descr" "DELE then QUIT removes the files; RETR marks Seen"
	atf_set "require.user" "root"
}
dele_quit_body()
{
	postern_setup
	deliver_three
	postern_start
	cat > c.py <<'PYEOF'
from poptest import *
def run():
    before = maildir_files("alice")
    c = login()
    c.expect("DELE 1", "+OK Message 1 deleted")
    c.expect("DELE 3", "+OK Message 3 deleted")
    c.expect_prefix("RETR 2", "+OK")
    c.multi()
    # Nothing happens before QUIT.
    expect_eq(maildir_files("alice"), before, "files before QUIT")
    c.expect("QUIT", "+OK Logging out.")
    check(c.at_eof(), "closed after QUIT")
    after = maildir_files("alice")
    expect_eq(list(after.values()), [b"Subject: b\n\nbody b\n"],
              "files after QUIT")
    name = list(after)[0]
    check(name.startswith("cur/") and name.endswith(":2,S"),
          "RETR marked the message seen: " + name)
    c = login()
    c.expect("STAT", "+OK 1 22")
    c.expect("QUIT", "+OK Logging out.")
main(run)
PYEOF
	atf_check -o inline:"ok\n" "$T/py" c.py
	atf_check -o match:'logout: id=[0-9]+ user="alice" .* retr=1 dele=2' \
	    cat "$T/log"
	postern_check_log
}
dele_quit_cleanup()
{
	postern_cleanup
}

atf_test_case dele_lost cleanup
dele_lost_head()
{
	atf_set "descr" "DELE then a closed connection or a killed session" \
	    "deletes nothing and marks nothing seen"
	atf_set "require.user" "root"
}
dele_lost_body()
{
	postern_setup
	deliver_three
	postern_start
	cat > c.py <<'PYEOF'
import os, signal
from poptest import *

def run():
    before = maildir_files("alice")
    # 1. The client closes the connection without QUIT (STLS, relay).
    c = login(tls=False)
    c.expect("DELE 1", "+OK Message 1 deleted")
    c.expect("DELE 2", "+OK Message 2 deleted")
    c.expect_prefix("RETR 3", "+OK")
    c.multi()
    c.close()
    wait_for(lambda: not children("pop3 alice"), "the session to end")
    expect_eq(maildir_files("alice"), before, "files after a closed "
              "connection")
    # 2. The session is killed with SIGKILL (implicit TLS).
    c = login()
    c.expect("DELE 1", "+OK Message 1 deleted")
    c.expect("DELE 3", "+OK Message 3 deleted")
    pid = one_child("postern-session: pop3 alice")
    os.kill(pid, signal.SIGKILL)
    check(c.at_eof(), "client sees the end of a killed session")
    wait_for(lambda: not children("pop3 alice"), "the session to go")
    expect_eq(maildir_files("alice"), before, "files after SIGKILL")
    # 3. The relay is killed with SIGKILL: the session loses its client.
    c = login()
    c.expect("DELE 2", "+OK Message 2 deleted")
    pid = one_child("tls-relay alice")
    os.kill(pid, signal.SIGKILL)
    check(c.at_eof(), "client sees the end of a killed relay")
    wait_for(lambda: not children("pop3 alice"), "the session to end")
    expect_eq(maildir_files("alice"), before, "files after a killed relay")
    # 4. The worker is killed in the middle of the login.
    c = Client(tls=True)
    pid = one_child("pre-login")
    os.kill(pid, signal.SIGKILL)
    check(c.at_eof(), "client sees the end of a killed worker")
    # Everything is still there, and the maildrop is not locked.
    c = login()
    c.expect("STAT", "+OK 3 66")
    c.expect("QUIT", "+OK Logging out.")

main(run)
PYEOF
	atf_check -o inline:"ok\n" "$T/py" c.py
	postern_check_log
}
dele_lost_cleanup()
{
	postern_cleanup
}

atf_test_case new_mail cleanup
new_mail_head()
{
	atf_set "descr" "Mail delivered during a session stays out of it"
	atf_set "require.user" "root"
}
new_mail_body()
{
	postern_setup
	deliver_three
	postern_start
	cat > c.py <<'PYEOF'
from poptest import *
def run():
    c = login()
    c.expect("STAT", "+OK 3 66")
    c.expect("UIDL", "+OK Unique-ID list follows")
    uidls = c.multi()
    deliver("alice", b"Subject: new\n\nnew mail\n")
    c.expect("STAT", "+OK 3 66")
    c.expect("LIST", "+OK 3 messages (66 octets)")
    expect_eq(c.multi(), ["1 22", "2 22", "3 22"], "LIST")
    c.expect("UIDL", "+OK Unique-ID list follows")
    expect_eq(c.multi(), uidls, "UIDL")
    c.expect("RETR 4", "-ERR No such message")
    c.expect("LIST 4", "-ERR No such message")
    c.expect("DELE 4", "-ERR No such message")
    c.expect("DELE 1", "+OK Message 1 deleted")
    c.expect("QUIT", "+OK Logging out.")
    # The next session has it, and not the deleted one.
    c = login()
    c.expect("STAT", "+OK 3 70")
    c.expect("RETR 3", "+OK 26 octets")
    expect_eq(c.multi(), ["Subject: new", "", "new mail"], "new message")
    c.expect("QUIT", "+OK Logging out.")
main(run)
PYEOF
	atf_check -o inline:"ok\n" "$T/py" c.py
	postern_check_log
}
new_mail_cleanup()
{
	postern_cleanup
}

atf_test_case in_use cleanup
in_use_head()
{
	atf_set "descr" "A second POP3 session of the same user gets [IN-USE]"
	atf_set "require.user" "root"
}
in_use_body()
{
	postern_setup
	deliver_three
	postern_start
	cat > c.py <<'PYEOF'
import os, signal
from poptest import *
def run():
    a = login()
    a.expect("DELE 1", "+OK Message 1 deleted")
    for tls in (True, False):
        b = Client(tls=True) if tls else Client()
        if not tls:
            b.stls()
        b.expect("USER alice", "+OK")
        got = b.cmd("PASS alicepw")
        check(got.startswith("-ERR [IN-USE] "), "second session: %r" % got)
        check(b.at_eof(), "second session closed")
    # Another user is not concerned.
    c = login("bob")
    c.expect("STAT", "+OK 0 0")
    c.expect("QUIT", "+OK Logging out.")
    # The first session went on undisturbed.
    a.expect("STAT", "+OK 2 44")
    a.expect("QUIT", "+OK Logging out.")
    # The lock goes with the session: after QUIT...
    a = login()
    a.expect("STAT", "+OK 2 44")
    # ... and after SIGKILL.
    os.kill(one_child("postern-session: pop3 alice"), signal.SIGKILL)
    check(a.at_eof(), "killed session closed")
    wait_for(lambda: not children("pop3 alice"), "the session to go")
    a = login()
    a.expect("STAT", "+OK 2 44")
    a.expect("QUIT", "+OK Logging out.")
main(run)
PYEOF
	atf_check -o inline:"ok\n" "$T/py" c.py
	postern_check_log
}
in_use_cleanup()
{
	postern_cleanup
}

atf_init_test_cases()
{
	atf_add_test_case uidl_restart
	atf_add_test_case dele_quit
	atf_add_test_case dele_lost
	atf_add_test_case new_mail
	atf_add_test_case in_use
}
