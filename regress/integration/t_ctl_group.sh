#! /usr/bin/env atf-sh
# control-group: the control socket shared with a group (mode 0660),
# whose members, by their gid or by the group database, may run the
# read-only commands (show settings, sessions, stats) and nothing
# else; everyone else is refused by the socket's mode and again by the
# daemon; reload changes the group or takes it away; a group that does
# not exist is a configuration error.  Real accounts and groups are
# made with groupadd and useradd and removed by the cleanup.

. "$(atf_get_srcdir)/postern.subr"
. "$(atf_get_srcdir)/admin.subr"

# accounts: the control group $G, another group $O, a member $M (its
# primary group is $O, $G a supplementary one) and an outsider $X.
accounts()
{
	G=pcg$$
	O=pco$$
	M=pcm$$
	X=pcx$$
	GID=$(admin_groupadd "$G")
	OID=$(admin_groupadd "$O")
	MUID=$(admin_useradd "$M" "$O" "$G")
	XUID=$(admin_useradd "$X" "$O")
}

atf_test_case members cleanup
members_head()
{
	atf_set "descr" "Members of the control-group run show settings, " \
	    "show sessions and show stats but not reload, kick or log; " \
	    "others are refused"
	atf_set "require.user" "root"
	atf_set "require.progs" "setpriv groupadd groupdel useradd userdel"
}
members_body()
{
	postern_setup
	admin_tools
	accounts
	postern_write_conf "control-group \"$G\""
	postern_start
	atf_check -o match:"^srw-rw---- +[0-9]+ root +$G " \
	    ls -l "$T/posternd.sock"

	# An open session for show sessions and kick to see.
	cat > hold.py <<'PYEOF'
import os, time
from poptest import *
def run():
    c = login("alice")
    open("ready", "w").close()
    wait_for(lambda: os.path.exists("go"), "go", 60)
    c.expect("NOOP", "+OK")
    c.expect("QUIT", "+OK Logging out.")
main(run)
PYEOF
	postern_client_bg "$T/py" hold.py 300 "no session"

	# A member through the group database.
	atf_check -o match:"^ID +PROTO +STATE +USER" \
	    -o match:" session +alice +127\.0\.0\.1 " \
	    "$CTL_AS" "$M" "$O" init show sessions
	atf_check -o match:'"user": "alice"' "$CTL_AS" "$M" "$O" init \
	    -j show sessions
	atf_check -o match:"^logins	pop3	1$" "$CTL_AS" "$M" "$O" init \
	    -t show stats
	atf_check -o match:"^global	control-group	$G$" \
	    "$CTL_AS" "$M" "$O" init -t show settings
	atf_check -o match:"^pop3	login-type	secure$" \
	    "$CTL_AS" "$M" "$O" init -t show settings pop3
	# Through the configuration file too, as an administrator would.
	atf_check -o match:"^logins	pop3	1$" "$AS" "$M" "$O" init \
	    "$POSTERN_BIN/posternctl" -f "$T/postern.conf" -t show stats
	for cmd in "reload" "kick alice" "log verbose" "log brief"; do
		# shellcheck disable=SC2086
		atf_check -s exit:1 -o empty \
		    -e match:"^posternctl: ${cmd%% *}.*: permission denied: root only" \
		    "$CTL_AS" "$M" "$O" init $cmd
	done
	atf_check -o match:"control: uid $MUID may not run \"reload\": root only" \
	    -o match:"control: uid $MUID may not run \"kick\": root only" \
	    -o match:"control: uid $MUID may not run \"log verbose\": root only" \
	    cat "$T/log"
	# Nothing happened: no reload, the session is there and works.
	atf_check -o match:"^reloads	-	0$" "$CTL" -t show stats
	atf_check -o not-match:"kick:" cat "$T/log"

	# A process whose own gid is the group's is a member as well.
	atf_check -o match:"^logins	pop3	1$" \
	    "$CTL_AS" "$X" "$GID" none -t show stats
	atf_check -s exit:1 -e match:"permission denied: root only" \
	    "$CTL_AS" "$X" "$GID" none reload

	# The outsider: the socket's mode keeps it out...
	atf_check -s exit:1 -o empty -e match:"Permission denied" \
	    "$CTL_AS" "$X" "$O" init show stats
	atf_check -s exit:1 -o empty -e match:"Permission denied" \
	    "$CTL_AS" nobody nogroup none show sessions
	# ...and so does the daemon, whatever the mode says.  A group the
	# process has but the group database does not give the user is
	# not membership: the daemon cannot see a peer's supplementary
	# groups, only its uid and gid.
	chmod 666 "$T/posternd.sock"
	atf_check -s not-exit:0 -o empty -e not-match:"^$" \
	    "$CTL_AS" "$X" "$O" init show stats
	atf_check -s not-exit:0 -o empty -e not-match:"^$" \
	    "$CTL_AS" "$X" "$O" "$GID" show stats
	atf_check -o match:"control: connection from uid $XUID refused" \
	    cat "$T/log"

	# root may still do everything.
	atf_check -o match:"reloaded" "$CTL" reload
	touch go
	postern_client_done hold.py
	postern_check_log
}
members_cleanup()
{
	admin_accounts_cleanup
	postern_cleanup
}

atf_test_case reload_group cleanup
reload_group_head()
{
	atf_set "descr" "A reload gives the socket to a new control-group, " \
	    "and takes it back with control-group none; a group that does " \
	    "not exist fails the reload and changes nothing"
	atf_set "require.user" "root"
	atf_set "require.progs" "setpriv groupadd groupdel useradd userdel"
}
reload_group_body()
{
	postern_setup
	admin_tools
	accounts
	postern_start
	atf_check -o match:"^srw------- +[0-9]+ root +root " \
	    ls -l "$T/posternd.sock"
	atf_check -o match:"^global	control-group	none$" \
	    "$CTL" -t show settings
	atf_check -s exit:1 -e match:"Permission denied" \
	    "$CTL_AS" "$M" "$O" init show stats

	postern_write_conf "control-group \"$G\""
	atf_check -o match:"reloaded" "$CTL" reload
	atf_check -o match:"^srw-rw---- +[0-9]+ root +$G " \
	    ls -l "$T/posternd.sock"
	atf_check -o match:"^reloads	-	1$" "$CTL_AS" "$M" "$O" init \
	    -t show stats

	# A group that is not there: the reload fails as a whole.
	postern_write_conf "control-group \"nosuch$$\"" \
	    "max-connections 77"
	atf_check -s exit:1 -e match:"reload failed" "$CTL" reload
	atf_check -o match:"postern.conf:[0-9]+: control-group \"nosuch$$\": no such group" \
	    cat "$T/log"
	atf_check -o match:"^global	max-connections	2000$" \
	    "$CTL_AS" "$M" "$O" init -t show settings
	atf_check -o match:"^srw-rw---- +[0-9]+ root +$G " \
	    ls -l "$T/posternd.sock"

	# Taken back: root's alone again, and the daemon agrees.
	postern_write_conf "control-group none"
	atf_check -o match:"reloaded" "$CTL" reload
	atf_check -o match:"^srw------- +[0-9]+ root +root " \
	    ls -l "$T/posternd.sock"
	chmod 666 "$T/posternd.sock"
	atf_check -s not-exit:0 -o empty -e not-match:"^$" \
	    "$CTL_AS" "$M" "$O" init show stats
	atf_check -o match:"control: connection from uid $MUID refused" \
	    cat "$T/log"
	postern_check_log
}
reload_group_cleanup()
{
	admin_accounts_cleanup
	postern_cleanup
}

atf_test_case config_errors cleanup
config_errors_head()
{
	atf_set "descr" "posternd -n: control-group with a group that does " \
	    "not exist, an empty name, inside a protocol block"
	atf_set "require.user" "root"
}
config_errors_body()
{
	postern_setup "control-group \"nosuch$$\""
	admin_tools
	atf_check -s exit:1 \
	    -e match:"postern.conf:[0-9]+: control-group \"nosuch$$\": no such group" \
	    "$POSTERN_BIN/posternd" -n -f "$T/postern.conf"
	postern_write_conf 'control-group ""'
	atf_check -s exit:1 -e match:"postern.conf:[0-9]+: control-group must not be empty" \
	    "$POSTERN_BIN/posternd" -n -f "$T/postern.conf"
	POP3_EXTRA='	control-group "root"' postern_write_conf
	atf_check -s exit:1 -e match:"postern.conf:[0-9]+: .*control-group.*global" \
	    "$POSTERN_BIN/posternd" -n -f "$T/postern.conf"
	postern_write_conf 'control-group "root"'
	atf_check -o match:'^control-group "root"$' -e ignore \
	    "$POSTERN_BIN/posternd" -n -f "$T/postern.conf"
	postern_write_conf
	atf_check -o match:'^control-group none$' -e ignore \
	    "$POSTERN_BIN/posternd" -n -f "$T/postern.conf"
}
config_errors_cleanup()
{
	postern_cleanup
}

atf_init_test_cases()
{
	atf_add_test_case members
	atf_add_test_case reload_group
	atf_add_test_case config_errors
}
