#!/bin/sh
# `make run': start postern in the foreground on its default settings
# with a demo account (user demo, password demo) whose mailbox holds a
# few messages.  The state lives in /var/lib/postern-demo, outside the
# source tree, so the demo user can reach it wherever the tree is.
# Ctrl-C stops it.
set -e

bindir=$1
state=${POSTERN_DEMO_DIR:-/var/lib/postern-demo}
demo_uid=61000
demo_gid=61000

if [ "$(id -u)" != 0 ]; then
	echo "make run: run this as root (postern binds ports 110, 143," \
	    "993 and 995)" >&2
	exit 1
fi

if ! getent passwd _postern >/dev/null; then
	useradd --system --no-create-home --home-dir /nonexistent \
	    --shell /usr/sbin/nologin _postern
fi

install -d -m 755 "$state" "$state/libexec" "$state/home"
install -d -m 700 "$state/certs"
# Copies the demo user can execute whatever the source tree's modes.
for p in postern-auth postern-worker postern-tlsworker postern-session; do
	install -m 755 "$bindir/$p" "$state/libexec/$p"
done

home=$state/home/demo
if [ ! -d "$home/Maildir" ]; then
	install -d -m 700 -o $demo_uid -g $demo_gid "$home" \
	    "$home/Maildir" "$home/Maildir/cur" "$home/Maildir/new" \
	    "$home/Maildir/tmp"
	now=$(date +%s)
	n=0
	for subject in "Welcome to postern" "Your mailbox works" \
	    "Try IMAP and POP3 over TLS"; do
		n=$((n + 1))
		f="$home/Maildir/new/$((now + n)).M${n}P$$.demo"
		cat > "$f" <<MSG
Return-Path: <postmaster@localhost>
From: postern <postmaster@localhost>
To: demo <demo@localhost>
Subject: $subject
Date: $(date -R)
Message-ID: <demo$n.$now@localhost>
MIME-Version: 1.0
Content-Type: text/plain; charset=utf-8

Hello demo,

this is sample message $n of 3 on your postern demo server.
Read it with any IMAP client on 127.0.0.1 port 143 (STARTTLS) or 993
(TLS), or fetch it with a POP3 client on port 110 (STLS) or 995 (TLS),
user "demo", password "demo".

-- 
postern
MSG
		chown $demo_uid:$demo_gid "$f"
	done
fi

if [ ! -f "$state/passwd" ]; then
	hash=$(openssl passwd -6 demo)
	echo "demo:{SHA512-CRYPT}$hash:$demo_uid:$demo_gid::$home::" \
	    > "$state/passwd"
	chmod 600 "$state/passwd"
fi

cat > "$state/postern.conf" <<CONF
# Written by \`make run'.  Everything not set here is postern's default:
# see postern.conf(5), or \`posternd -n -f $state/postern.conf'.
pidfile "$state/posternd.pid"
control-socket "$state/posternd.sock"
certificate-dir "$state/certs"
libexec-dir "$state/libexec"
auth passwd-file "$state/passwd"

pop3 {
	listen on 127.0.0.1 port 110
	listen on 127.0.0.1 port 995 tls
}

imap {
	listen on 127.0.0.1 port 143
	listen on 127.0.0.1 port 993 tls
}
CONF

cat <<MSG

postern demo: user "demo", password "demo"
  IMAP  127.0.0.1:143 (STARTTLS)   127.0.0.1:993 (TLS)
  POP3  127.0.0.1:110 (STLS)       127.0.0.1:995 (TLS)
  state in $state; the self-signed certificate is $state/certs/default.crt
  try:  openssl s_client -connect 127.0.0.1:993 -quiet
        openssl s_client -connect 127.0.0.1:995 -quiet
Ctrl-C stops the server.

MSG
exec "$bindir/posternd" -d -f "$state/postern.conf"
