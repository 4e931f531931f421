#!/bin/sh
# Install the Debian packages postern needs: `build' for building and
# running it, `check' for that plus everything the test suite drives.
# Called by `make run' and `make check'; safe to run again.
set -e

build_pkgs="make gcc libc6-dev pkg-config bison libssl-dev libpam0g-dev \
libbsd-dev libkrb5-dev libevent-dev libseccomp-dev libcrypt-dev openssl \
mandoc"
check_pkgs="$build_pkgs kyua atf-sh libatf-dev libpam-wrapper libnss-wrapper \
krb5-kdc krb5-admin-server krb5-user python3 python3-gssapi clang-14 \
libclang-rt-14-dev isync fetchmail neomutt mutt swaks libio-socket-ssl-perl \
libnet-ssleay-perl libauthen-sasl-perl iproute2 procps passwd sqlite3 \
util-linux"

case "$1" in
build)	pkgs=$build_pkgs ;;
check)	pkgs=$check_pkgs ;;
*)	echo "usage: $0 build|check" >&2; exit 1 ;;
esac

missing=
for p in $pkgs; do
	if ! dpkg-query -W -f '${Status}\n' "$p" 2>/dev/null |
	    grep -q 'install ok installed'; then
		missing="$missing $p"
	fi
done
[ -z "$missing" ] && exit 0

if [ "$(id -u)" != 0 ]; then
	echo "postern: these packages are missing:$missing" >&2
	echo "postern: run this as root to install them" >&2
	exit 1
fi
echo "postern: installing$missing"
export DEBIAN_FRONTEND=noninteractive
apt-get update -q
apt-get install -y -q --no-install-recommends -o DPkg::Lock::Timeout=300 \
    $missing
