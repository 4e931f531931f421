#! /usr/bin/env atf-sh
# The brute-force defence over IMAP through the real daemon: wrong
# passwords from one address, by any mechanism, are answered later and
# later and the connection ends with BYE after max-auth-attempts,
# while a client at another address (127.0.0.2, on a wildcard
# listener) still logs in at once; a wrong password for a user who
# exists takes as long, and is answered the same, as any password for
# a user who does not; and every failure line, of IMAP and POP3, is
# matched by the fail2ban expression of postern-auth(8), with the
# client's real address, whatever the user name holds.

. "$(atf_get_srcdir)/auth.subr"

atf_test_case growing_delay cleanup
growing_delay_head()
{
	atf_set "descr" "the failure delay doubles per address, BYE after" \
	    "max-auth-attempts, another address logs in promptly"
	auth_head
}
growing_delay_body()
{
	auth_imap_setup
	auth_brute_start IMAP_EXTRA auth_write_conf
	cat > c.py <<'PYEOF'
import os, sys
sys.path.insert(0, os.environ["T"])
from authlib import *
WPORT = int(sys.argv[1])

def other(n):
    m = Imap(port=WPORT, src="127.0.0.2", host="127.0.0.2")
    user = "bob" if n == 0 else "alice"
    r = timed(m.command_login if n != 1 else m.plain, user, user + "pw")
    m.logout()
    return r

others = OtherAddress(other)
# The guesser, from 127.0.0.1, at alice, a mechanism at a time.
m = Imap(port=WPORT, src="127.0.0.1")
guessed_out(m, [m.command_login, m.plain, m.login], IMAP_FAILED,
            "* BYE Too many invalid authentication attempts.")
# Meanwhile, from the other address: in at once, alice included.
others.check(imap_ok)
# The guesser's next connection starts at the cap, for another user
# too, and so does POP3 from that address.
m = Imap(port=WPORT, src="127.0.0.1")
capped_guess(m.command_login, "carol", IMAP_FAILED, "next guess")
m.logout()
p = Pop()
capped_guess(p.userpass, "bob", FAILED, "POP3 guess")
p.quit()
for mech, d in (("command", 1000), ("PLAIN", 2000), ("LOGIN", 4000)):
    wait_log('proto=imap addr=127.0.0.1 user="alice" mech=%s '
             'reason="wrong password" delay=%dms' % (mech, d))
wait_log('proto=imap addr=127.0.0.1 user="carol" mech=command '
         'reason="wrong password" delay=4000ms')
wait_log('proto=pop3 addr=127.0.0.1 user="bob" mech=command '
         'reason="wrong password" delay=4000ms')
wait_log('proto=imap addr=127.0.0.2 user="alice" mech=PLAIN '
         'backend=passwd-file')
PYEOF
	atf_check -o ignore "$T/apy" c.py "$WPORT"
	postern_check_log
}
growing_delay_cleanup()
{
	. "$(atf_get_srcdir)/auth.subr"
	auth_cleanup
}

atf_test_case hangup cleanup
hangup_head()
{
	atf_set "descr" "guesses whose client hangs up without waiting for" \
	    "the answer are logged and counted all the same, over IMAP" \
	    "and POP3; pipelined guesses stop at max-auth-attempts"
	auth_head
}
hangup_body()
{
	auth_imap_setup
	auth_write_conf "login-type plaintext-login" "failure-delay 1s" \
	    "failure-delay-max 4s" "max-auth-attempts 3"
	auth_start
	cat > c.py <<'PYEOF'
import os, sys
sys.path.insert(0, os.environ["T"])
from authlib import *
# Fire and forget: the guess is sent, the connection closed at once.
m = Imap()
m.send("a LOGIN alice guess0")
m.sock.close()
wait_log('proto=imap addr=127.0.0.1 user="alice" mech=command '
         'reason="wrong password" delay=1000ms')
p = Pop()
p.send("USER bob")
p.send("PASS guess1")
time.sleep(0.2)
p.sock.close()
wait_log('proto=pop3 addr=127.0.0.1 user="bob" mech=command '
         'reason="wrong password" delay=2000ms')
# The next one waits as the third failure of the address does.
m = Imap()
r, t = timed(m.command_login, "carol", "guess2")
eq(r, IMAP_FAILED, "third guess")
check(3.9 <= t <= 4.8, "the third guess was answered after %.2fs" % t)
m.logout()
PYEOF
	atf_check "$T/apy" c.py
	postern_stop
	auth_write_conf "login-type plaintext-login" "failure-delay 0" \
	    "max-auth-attempts 3"
	auth_start
	cat > d.py <<'PYEOF'
import os, sys
sys.path.insert(0, os.environ["T"])
from authlib import *
before = log_text().count("auth failed: ")
# Five guesses in one write: three are tried, then BYE; the rest are
# never read.
m = Imap()
m.sock.sendall(b"".join(b"g%d LOGIN bob guess%d\r\n" % (i, i)
                        for i in range(5)))
for i in range(3):
    eq(m.line(), "g%d NO [AUTHENTICATIONFAILED] Authentication failed." % i,
       "guess %d" % i)
eq(m.line(), "* BYE Too many invalid authentication attempts.", "BYE")
check(m.closed(), "the connection stays open")
time.sleep(0.5)
eq(log_text().count("auth failed: ") - before, 3, "failures logged")
PYEOF
	atf_check "$T/apy" d.py
	postern_check_log
}
hangup_cleanup()
{
	. "$(atf_get_srcdir)/auth.subr"
	auth_cleanup
}

atf_test_case unknown_user cleanup
unknown_user_head()
{
	atf_set "descr" "IMAP: wrong password and unknown user, same answer," \
	    "same time, with and without a failure delay"
	auth_head
}
unknown_user_body()
{
	auth_imap_setup
	auth_write_conf "failure-delay 1s" "failure-delay-max 1s"
	auth_start
	cat > c.py <<'PYEOF'
import os, sys
sys.path.insert(0, os.environ["T"])
from authlib import *
delayed = sys.argv[1] == "1"
same_time(lambda: Imap(tls=True), ("command_login", "plain", "login"),
          IMAP_FAILED, 1 if delayed else 6, delayed)
PYEOF
	auth_delay_and_none c.py auth_write_conf \
	    'proto=imap addr=127.0.0.1 user="nosuchuser0" mech=command reason="unknown user" delay=1000ms' \
	    'proto=imap addr=127.0.0.1 user="alice" mech=LOGIN reason="wrong password" delay=1000ms'
	postern_check_log
}
unknown_user_cleanup()
{
	. "$(atf_get_srcdir)/auth.subr"
	auth_cleanup
}

atf_test_case fail2ban cleanup
fail2ban_head()
{
	atf_set "descr" "every failure line of IMAP and POP3 matches the" \
	    "documented fail2ban expression (grep -E) with the real client" \
	    "address, user names that imitate a log line included"
	auth_head
}
fail2ban_body()
{
	auth_imap_setup
	auth_krb_setup
	auth_wildcards
	auth_write_conf "login-type plaintext-login" "failure-delay 0" \
	    "max-auth-attempts 100" "access-file \"$T/access\"" \
	    "gssapi-keytab \"$T/krb/server.keytab\""
	printf 'user bob imap off\n' > "$T/access"
	auth_start_wildcards
	cat > c.py <<'PYEOF'
import os, sys
sys.path.insert(0, os.environ["T"])
from authlib import *
WIMAP, WPOP = int(sys.argv[1]), int(sys.argv[2])
# Names that try to end the user field and start a line of their own.
FORGED = ('x" addr=6.6.6.6 user="y',
          'z\r\nauth: auth failed: id=1 proto=imap addr=6.6.6.6 user=',
          "\\\" addr=6.6.6.6")
expected = []

def failures(src):
    """Failures of every kind from src; how many lines they log."""
    m = Imap(port=WIMAP, src=src, host=src)
    eq(m.command_login("alice", "nope"), IMAP_FAILED, "wrong password")
    eq(m.plain("nosuch", "nope"), IMAP_FAILED, "unknown user")
    eq(m.login("bob", "bobpw"), IMAP_FAILED, "denied by a rule")
    eq(m.plain("alice", "alicepw", authzid="bob"), IMAP_FAILED, "authzid")
    eq(m.start("PLAIN", "="), "BAD Invalid authentication data.", "empty")
    eq(m.gssapi("stranger"), IMAP_FAILED, "unknown principal")
    eq(m.gssapi("alice", service="pop"), IMAP_FAILED, "pop ticket")
    eq(m.command_login(FORGED[0], "nope"), IMAP_FAILED, "forged 0")
    eq(m.literal_login(FORGED[1], "nope"), "BAD Invalid authentication "
       "data.", "forged 1, a line break in the name")
    eq(m.command_login(FORGED[2], "nope"), IMAP_FAILED, "forged 2")
    # Abandoned (cancelled) and refused without TLS: nothing logged.
    eq(m.challenge(m.start("PLAIN")), b"", "PLAIN challenge")
    eq(m.respond("*"), "BAD Authentication cancelled.", "cancel")
    m.logout()
    p = Pop(port=WPOP, src=src, host=src)
    eq(p.userpass("carol", "nope"), FAILED, "POP3 wrong password")
    eq(p.login("nosuch", "nope"), FAILED, "POP3 unknown user")
    eq(p.gssapi("stranger"), FAILED, "POP3 unknown principal")
    p.quit()
    return 13

n1 = failures("127.0.0.1")
n2 = failures("127.0.0.2")
# Logins that work log no failure.
m = Imap(port=WIMAP, src="127.0.0.2", host="127.0.0.2")
imap_ok(m.gssapi("alice"), "alice")
m.logout()
wait_log("auth failed: ", n1 + n2)
wait_log('proto=imap addr=127.0.0.2 user="alice" mech=GSSAPI backend=')
print(n1, n2)
PYEOF
	atf_check -o inline:"13 13\n" "$T/apy" c.py "$WIMAP" "$WPOP"
	auth_f2b_hosts > hosts || atf_fail "the fail2ban check failed"
	atf_check -o inline:"13\n" grep -c -x -F 127.0.0.1 hosts
	atf_check -o inline:"13\n" grep -c -x -F 127.0.0.2 hosts
	atf_check -s exit:1 grep -v -x -F -e 127.0.0.1 -e 127.0.0.2 hosts
	# The forged names are in the log, escaped, on the failure lines.
	atf_check -o match:'user="x\\" addr=6.6.6.6 user=\\"y"' \
	    grep -F 'auth failed: ' "$T/log"
	atf_check -o match:'user="" mech=command reason="control character in user name"' \
	    grep -F 'auth failed: ' "$T/log"
	atf_check -s exit:1 grep -E '^auth: auth failed: ' "$T/log"
	postern_check_log
}
fail2ban_cleanup()
{
	. "$(atf_get_srcdir)/auth.subr"
	auth_cleanup
}

atf_init_test_cases()
{
	atf_add_test_case growing_delay
	atf_add_test_case hangup
	atf_add_test_case unknown_user
	atf_add_test_case fail2ban
}
