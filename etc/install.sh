#!/bin/sh
# The system part of `make install': the sample configuration (never
# over an existing one), the PAM service, the unprivileged user and the
# workers' empty chroot directory.
set -e
destdir=$1
sysconfdir=$2
sbindir=$3
src=$(cd "$(dirname "$0")" && pwd)

install -d "$destdir$sysconfdir" "$destdir$sysconfdir/certs"
chmod 700 "$destdir$sysconfdir/certs"
if [ ! -f "$destdir$sysconfdir/postern.conf" ]; then
	install -m 644 "$src/postern.conf" "$destdir$sysconfdir/postern.conf"
fi
if [ -f "$src/pam.d/postern" ] && [ ! -f "$destdir/etc/pam.d/postern" ]; then
	install -d "$destdir/etc/pam.d"
	install -m 644 "$src/pam.d/postern" "$destdir/etc/pam.d/postern"
fi
install -d -m 755 "$destdir/var/empty/postern"

# Accounts are only made on the running system, not in a staging tree.
if [ -z "$destdir" ] && [ "$(id -u)" = 0 ] &&
    ! getent passwd _postern >/dev/null; then
	useradd --system --no-create-home --home-dir /nonexistent \
	    --shell /usr/sbin/nologin _postern
fi

# The service script that fits this system, with the installed path.
fix() { sed "s|/usr/local/sbin|$sbindir|g" "$1"; }
if [ -d /run/systemd/system ]; then
	install -d "$destdir/etc/systemd/system"
	fix "$src/systemd/posternd.service" \
	    > "$destdir/etc/systemd/system/posternd.service"
	echo "installed /etc/systemd/system/posternd.service:" \
	    "systemctl enable --now posternd"
elif [ -f /etc/rc.subr ]; then
	install -d "$destdir/usr/local/etc/rc.d"
	fix "$src/rc.d/posternd" > "$destdir/usr/local/etc/rc.d/posternd"
	chmod 755 "$destdir/usr/local/etc/rc.d/posternd"
	echo "installed /usr/local/etc/rc.d/posternd:" \
	    "posternd_enable=YES in rc.conf"
else
	install -d "$destdir/etc/init.d"
	fix "$src/init.d/posternd" > "$destdir/etc/init.d/posternd"
	chmod 755 "$destdir/etc/init.d/posternd"
	echo "installed /etc/init.d/posternd: update-rc.d posternd defaults"
fi
