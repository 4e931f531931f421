#! /usr/bin/env atf-sh
# Logins through the real PAM stack of the machine: the test creates a
# system user with useradd and chpasswd and a PAM service file for
# pam_unix, logs in over TLS through the real posternd, and removes
# both in its cleanup, whatever happened.  Also: root and accounts
# below first-valid-uid are refused even with the right password.

. "$(atf_get_srcdir)/postern.subr"

# A free uid from $1 up, or a free system uid below 1000 with "system".
free_uid()
{
	u=$1
	while getent passwd "$u" > /dev/null || getent group "$u" > /dev/null
	do
		u=$((u + 1))
	done
	echo "$u"
}

# make_user NAME UID PASSWORD: a real account with home and Maildir.
make_user()
{
	echo "$1" >> "$(pwd)/made_users"
	useradd -M -U -s /usr/sbin/nologin -u "$2" -d "$T/home/$1" "$1" ||
	    atf_fail "useradd $1"
	echo "$1:$3" | chpasswd || atf_fail "chpasswd $1"
	h="$T/home/$1"
	mkdir -p "$h/Maildir/cur" "$h/Maildir/new" "$h/Maildir/tmp"
	chown -R "$2:$(id -g "$1")" "$h"
	chmod 700 "$h"
}

# The PAM service, named after the test's process so that runs do not
# share it.
make_pam()
{
	svc="postern-test-$$"
	echo "/etc/pam.d/$svc" > "$(pwd)/pam_file"
	cat > "/etc/pam.d/$svc" <<EOF
# Made by postern's t_pam_real test; removed by its cleanup.
auth	required	pam_unix.so nodelay
account	required	pam_unix.so
EOF
	echo "$svc"
}

pam_cleanup()
{
	if [ -f made_users ]; then
		while read -r u; do
			userdel "$u" 2>/dev/null
			getent group "$u" > /dev/null && groupdel "$u" 2>/dev/null
		done < made_users
	fi
	[ -f pam_file ] && rm -f "$(cat pam_file)"
	postern_cleanup
}

atf_test_case pam_login cleanup
pam_login_head()
{
	atf_set "descr" "A real user made with useradd logs in through" \
	    "pam_unix over TLS, retrieves a message, and is removed"
	atf_set "require.user" "root"
	atf_set "require.progs" "useradd userdel chpasswd"
}
pam_login_body()
{
	postern_setup
	svc=$(make_pam)
	name="pt$$"
	uid=$(free_uid 4100)
	make_user "$name" "$uid" 'Real-PAM pw 1'
	usermod -a -G nogroup "$name" || atf_fail "usermod"
	gid=$(id -g "$name")
	# PAM only: the passwd-file is left out.
	sed -i "s|^auth passwd-file .*|auth pam \"$svc\"|" "$T/postern.conf"
	atf_check -o match:"auth pam \"$svc\"" cat "$T/postern.conf"
	md="$T/home/$name/Maildir"
	printf 'Subject: for a real user\n\nhello %s\n' "$name" > "$md/tmp/m1"
	chown "$uid:$gid" "$md/tmp/m1"
	mv "$md/tmp/m1" "$md/new/1.M1P1.test"
	postern_start
	cat > c.py <<PYEOF
import poplib
from poptest import *
def run():
    p = poplib.POP3_SSL(HOST, PORTS, context=tls_context())
    check_pinned(p.sock)
    p.user("$name")
    p.pass_("Real-PAM pw 1")
    resp, lines, octets = p.retr(1)
    expect_eq(lines, [b"Subject: for a real user", b"", b"hello $name"],
              "RETR")
    pid = one_child("postern-session: pop3 $name")
    with open("/proc/%d/status" % pid) as f:
        st = dict(l.split(":", 1) for l in f)
    expect_eq(st["Uid"].split(), ["$uid"] * 4, "session uid")
    expect_eq(st["Gid"].split(), ["$gid"] * 4, "session gid")
    expect_eq(sorted(st["Groups"].split()), sorted(["$gid", "65534"]),
              "session groups")
    p.quit()
    # A wrong password, and STLS with AUTH PLAIN.
    c = Client(tls=True)
    c.expect("USER $name", "+OK")
    c.expect("PASS wrong", "-ERR [AUTH] Authentication failed.")
    c.close()
    c = Client()
    c.stls()
    c.expect("AUTH PLAIN " + b64("\0$name\0Real-PAM pw 1"), "+OK Logged in.")
    c.expect("STAT", "+OK 1 %d" % len(b"Subject: for a real user\r\n\r\nhello $name\r\n"))
    c.expect("QUIT", "+OK Logging out.")
main(run)
PYEOF
	atf_check -o inline:"ok\n" "$T/py" c.py
	atf_check -o match:"auth ok: id=[0-9]+ proto=pop3 addr=127.0.0.1 user=\"$name\" mech=PLAIN backend=pam" \
	    cat "$T/log"
	atf_check -o match:"auth failed: id=[0-9]+ proto=pop3 addr=127.0.0.1 user=\"$name\"" \
	    cat "$T/log"
	atf_check -s exit:1 grep -q "Real-PAM" "$T/log"
	postern_check_log
}
pam_login_cleanup()
{
	pam_cleanup
}

atf_test_case pam_low_uid cleanup
pam_low_uid_head()
{
	atf_set "descr" "A real system account below first-valid-uid is" \
	    "refused through PAM even with the right password"
	atf_set "require.user" "root"
	atf_set "require.progs" "useradd userdel chpasswd"
}
pam_low_uid_body()
{
	postern_setup
	svc=$(make_pam)
	name="ps$$"
	uid=$(free_uid 900)
	[ "$uid" -lt 1000 ] || atf_skip "no free uid below 1000"
	make_user "$name" "$uid" 'Sys-PAM pw 2'
	sed -i "s|^auth passwd-file .*|auth pam \"$svc\"|" "$T/postern.conf"
	postern_start
	cat > c.py <<PYEOF
from poptest import *
def run():
    c = Client(tls=True)
    c.expect("USER $name", "+OK")
    c.expect("PASS Sys-PAM pw 2", "-ERR [AUTH] Authentication failed.")
    c.close()
main(run)
PYEOF
	atf_check -o inline:"ok\n" "$T/py" c.py
	atf_check -o match:"auth failed: .* user=\"$name\"" cat "$T/log"
	atf_check -s exit:1 grep -q "postern-session: pop3 $name" "$T/log"
	postern_check_log
}
pam_low_uid_cleanup()
{
	pam_cleanup
}

atf_test_case system_uids cleanup
system_uids_head()
{
	atf_set "descr" "uid 0 and a uid below first-valid-uid are refused" \
	    "with the right password; first-valid-uid moves the line"
	atf_set "require.user" "root"
}
system_uids_body()
{
	postern_setup "failure-delay-max 1s"
	for u in "rootish:0" "lowuid:500" "justbelow:999" "justabove:1000"; do
		n=${u%%:*}
		id=${u#*:}
		mkdir -p "$T/home/$n"
		chown "$id:$id" "$T/home/$n"
		echo "$n:$(openssl passwd -6 rightpw):$id:$id::$T/home/$n::" \
		    >> "$T/passwd"
	done
	postern_start
	cat > c.py <<'PYEOF'
import sys
from poptest import *
def attempt(user):
    c = Client(tls=True)
    c.expect("USER " + user, "+OK")
    got = c.cmd("PASS rightpw")
    c.close()
    return got
def run():
    refused = sys.argv[1].split(",")
    allowed = sys.argv[2].split(",") if len(sys.argv) > 2 else []
    for u in refused:
        expect_eq(attempt(u), "-ERR [AUTH] Authentication failed.", u)
    for u in allowed:
        expect_eq(attempt(u), "+OK Logged in.", u)
main(run)
PYEOF
	atf_check -o inline:"ok\n" "$T/py" c.py rootish,lowuid,justbelow justabove
	atf_check -o match:'auth failed: .* user="rootish"' cat "$T/log"
	atf_check -o match:'auth failed: .* user="lowuid"' cat "$T/log"
	atf_check -s exit:1 grep -q "pop3 rootish" "$T/log"
	# first-valid-uid 400 lets uid 500 in, never uid 0.
	postern_restart "failure-delay-max 1s" "first-valid-uid 400"
	atf_check -o inline:"ok\n" "$T/py" c.py rootish lowuid,justbelow
	postern_restart "failure-delay-max 1s" "first-valid-uid 0"
	atf_check -o inline:"ok\n" "$T/py" c.py rootish lowuid
	postern_check_log
}
system_uids_cleanup()
{
	postern_cleanup
}

atf_init_test_cases()
{
	atf_add_test_case pam_login
	atf_add_test_case pam_low_uid
	atf_add_test_case system_uids
}
