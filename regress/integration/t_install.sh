#! /usr/bin/env atf-sh
# make install into a DESTDIR, from the source tree (POSTERN_SRC) and
# the build tree the tests run (POSTERN_BIN's parent), without building
# anything: exactly the expected files with their modes, the programs
# as built, the man pages, the sample configuration and PAM file (kept
# as they are by a second install), the empty chroot, and the one
# service script that fits this system with the installed path in it.

. "$(atf_get_srcdir)/postern.subr"
. "$(atf_get_srcdir)/admin.subr"

# inst_tool: ./inst DESTDIR [make variables...] runs make install,
# with `all' taken as done (the tests run on a built tree).
inst_tool()
{
	cat > inst <<EOF
#!/bin/sh
d=\$1
shift
exec make -s -C "$(admin_src)" B="$(dirname "$POSTERN_BIN")" -o all \\
    install DESTDIR="\$d" "\$@"
EOF
	chmod 755 inst
}

# The service script install.sh picks on this system.
service_script()
{
	if [ -d /run/systemd/system ]; then
		echo etc/systemd/system/posternd.service
	elif [ -f /etc/rc.subr ]; then
		echo usr/local/etc/rc.d/posternd
	else
		echo etc/init.d/posternd
	fi
}

# listing DIR: every file and directory under DIR with its type and
# mode, sorted.
listing()
{
	(cd "$1" && find . -mindepth 1 -printf '%y %m %p\n' | sort -k 3)
}

atf_test_case destdir cleanup
destdir_head()
{
	atf_set "descr" "make install DESTDIR=: the files and modes, the " \
	    "programs and man pages as built, the service script that " \
	    "fits, with the install's path"
	atf_set "require.user" "root"
	atf_set "require.progs" "make"
}
destdir_body()
{
	src=$(admin_src)
	inst_tool
	d=$(pwd)/root
	atf_check -o save:out -e empty ./inst "$d"
	svc=$(service_script)
	atf_check -o match:"^installed /$svc" cat out

	# Exactly these, nothing else.
	{
		for dir in etc etc/pam.d etc/postern usr usr/local \
		    usr/local/libexec usr/local/share usr/local/share/man \
		    usr/local/share/man/man5 usr/local/share/man/man8 \
		    usr/local/sbin var var/empty var/empty/postern \
		    usr/local/libexec/postern; do
			echo "d 755 ./$dir"
		done
		echo "d 700 ./etc/postern/certs"
		echo "f 644 ./etc/postern/postern.conf"
		echo "f 644 ./etc/pam.d/postern"
		for p in posternd posternctl; do
			echo "f 755 ./usr/local/sbin/$p"
		done
		for p in postern-auth postern-worker postern-tlsworker \
		    postern-session; do
			echo "f 755 ./usr/local/libexec/postern/$p"
		done
		for m in "$src"/man/*.5; do
			echo "f 644 ./usr/local/share/man/man5/$(basename "$m")"
		done
		for m in "$src"/man/*.8; do
			echo "f 644 ./usr/local/share/man/man8/$(basename "$m")"
		done
		case $svc in
		etc/systemd/*)
			echo "d 755 ./etc/systemd"
			echo "d 755 ./etc/systemd/system"
			echo "f 644 ./$svc"
			;;
		usr/local/etc/*)
			echo "d 755 ./usr/local/etc"
			echo "d 755 ./usr/local/etc/rc.d"
			echo "f 755 ./$svc"
			;;
		*)
			echo "d 755 ./etc/init.d"
			echo "f 755 ./$svc"
			;;
		esac
	} | sort -k 3 > expected
	listing "$d" > got
	atf_check -o empty diff expected got

	# The programs are the ones built, the pages and files the sources.
	for p in posternd posternctl; do
		atf_check cmp "$POSTERN_BIN/$p" "$d/usr/local/sbin/$p"
	done
	for p in postern-auth postern-worker postern-tlsworker \
	    postern-session; do
		atf_check cmp "$POSTERN_BIN/$p" "$d/usr/local/libexec/postern/$p"
	done
	for m in "$src"/man/*.[58]; do
		s=${m##*.}
		atf_check cmp "$m" "$d/usr/local/share/man/man$s/${m##*/}"
	done
	atf_check cmp "$src/etc/postern.conf" "$d/etc/postern/postern.conf"
	atf_check cmp "$src/etc/pam.d/postern" "$d/etc/pam.d/postern"
	# The service script runs the installed posternd.
	atf_check -o match:"/usr/local/sbin/posternd" cat "$d/$svc"
	case $svc in
	*.service) ;;
	*) atf_check sh -n "$d/$svc" ;;
	esac
	# The sample configuration is a valid one.
	atf_check -o match:"^pop3 \{" -e match:"configuration OK" \
	    "$d/usr/local/sbin/posternd" -n -f "$d/etc/postern/postern.conf"
	# The installed pages read.
	if command -v mandoc >/dev/null; then
		for m in "$d"/usr/local/share/man/man[58]/*; do
			atf_check -o match:"^# NAME$" mandoc -Tmarkdown "$m"
		done
	fi
}
destdir_cleanup()
{
	rm -rf root
}

atf_test_case reinstall cleanup
reinstall_head()
{
	atf_set "descr" "A second make install replaces the programs and " \
	    "pages but keeps an edited postern.conf and PAM file"
	atf_set "require.user" "root"
	atf_set "require.progs" "make"
}
reinstall_body()
{
	inst_tool
	d=$(pwd)/root
	atf_check -o ignore ./inst "$d"
	echo "# edited by the administrator" >> "$d/etc/postern/postern.conf"
	echo "# edited too" >> "$d/etc/pam.d/postern"
	chmod 640 "$d/etc/postern/postern.conf"
	cp "$d/etc/postern/postern.conf" conf.before
	cp "$d/etc/pam.d/postern" pam.before
	echo "not a program" > "$d/usr/local/sbin/posternd"
	mkdir -p "$d/etc/postern/certs"
	echo key > "$d/etc/postern/certs/default.key"
	chmod 600 "$d/etc/postern/certs/default.key"

	atf_check -o ignore ./inst "$d"
	atf_check cmp conf.before "$d/etc/postern/postern.conf"
	atf_check cmp pam.before "$d/etc/pam.d/postern"
	atf_check -o inline:"640\n" stat -c %a "$d/etc/postern/postern.conf"
	atf_check cmp "$POSTERN_BIN/posternd" "$d/usr/local/sbin/posternd"
	atf_check -o inline:"key\n" cat "$d/etc/postern/certs/default.key"
	atf_check -o inline:"700\n" stat -c %a "$d/etc/postern/certs"
}
reinstall_cleanup()
{
	rm -rf root
}

atf_test_case prefix cleanup
prefix_head()
{
	atf_set "descr" "PREFIX=/usr and SYSCONFDIR: the files move and the " \
	    "service script names /usr/sbin/posternd"
	atf_set "require.user" "root"
	atf_set "require.progs" "make"
}
prefix_body()
{
	inst_tool
	d=$(pwd)/root
	atf_check -o ignore ./inst "$d" PREFIX=/usr \
	    SYSCONFDIR=/etc/postern-test
	svc=$(service_script)
	atf_check -s exit:0 test -x "$d/usr/sbin/posternd"
	atf_check -s exit:0 test -x "$d/usr/libexec/postern/postern-worker"
	atf_check -s exit:0 test -x "$d/usr/libexec/postern/postern-tlsworker"
	atf_check -s exit:0 test -f "$d/usr/share/man/man5/postern.conf.5"
	atf_check -s exit:0 test -f "$d/etc/postern-test/postern.conf"
	atf_check -o inline:"700\n" stat -c %a "$d/etc/postern-test/certs"
	atf_check -s exit:1 test -e "$d/usr/local/sbin"
	atf_check -o match:"/usr/sbin/posternd" \
	    -o not-match:"/usr/local/sbin" cat "$d/$svc"
}
prefix_cleanup()
{
	rm -rf root
}

atf_init_test_cases()
{
	atf_add_test_case destdir
	atf_add_test_case reinstall
	atf_add_test_case prefix
}
