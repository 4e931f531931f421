#!/bin/sh
# The benchmark of postern against Dovecot, run as root by `make bench'
# (never by `make check'): it installs Debian's Dovecot if missing
# (without starting or enabling the system's service), generates the
# users and Maildirs once (cached under the build directory), starts a
# private Dovecot and a private posternd on loopback high ports, each on
# its own copy of the same Maildirs and with the same certificate, runs
# every pbench scenario against both in the same run, and prints one
# table (scenario, postern, Dovecot, ratio), written also as CSV and a
# PNG chart in BUILD_DIR/bench.  Everything it started is stopped when
# it exits, however it exits.
#
# usage: bench.sh BUILD_DIR
# environment:
#	SIZE=default|small	data and durations (small: a quick check)
#	SCALE=1			also hold 10,000 idle IMAP sessions
#	RUNS=3			runs of each scenario (median and spread)
#	ONLY="id ..."		only these scenarios (ids as in the CSV)

set -u

die()
{
	echo "bench: $*" >&2
	exit 1
}

say()
{
	echo "bench: $*" >&2
}

[ $# -eq 1 ] || die "usage: bench.sh BUILD_DIR"
[ "$(id -u)" = 0 ] || die "run as root: the servers bind ports, change \
users and read the key"
B=$(cd "$1" && pwd) || die "no build directory $1"
SRC=$(cd "$(dirname "$0")" && pwd)
TOP=$(cd "$SRC/../.." && pwd)
BIN=$B/bin
OUT=$B/bench
PB=$OUT/pbench
PG=$OUT/pgen
RAW=$OUT/raw.txt
SIZE=${SIZE:-default}
SCALE=${SCALE:-0}
RUNS=${RUNS:-3}
ONLY=${ONLY:-}
VUID=5000	# the virtual users' uid and gid (pgen's default)

case $SIZE in
default)
	N_BIG=100000 N_POP=10000 N_MIXU=50 N_MIXM=200 N_USERS=1000
	N_SMALLM=10 LOGIN_D=10 MIX_D=30 IDLE_N=1000 N_NEW=100 ;;
small)
	N_BIG=10000 N_POP=1000 N_MIXU=50 N_MIXM=100 N_USERS=300
	N_SMALLM=5 LOGIN_D=3 MIX_D=5 IDLE_N=200 N_NEW=30 ;;
*)
	die "SIZE=$SIZE: default or small" ;;
esac
case $RUNS in
[1-9]) ;;
*) die "RUNS=$RUNS: 1 to 9" ;;
esac
SCALE_N=10000
if [ "$SCALE" = 1 ]; then
	PROCS=11000 CLIENTS=30000 MAXCONN=20000 NOFILE=262144
else
	PROCS=1200 CLIENTS=4000 MAXCONN=2000 NOFILE=65536
fi

for f in "$PB" "$PG" "$BIN/posternd" "$BIN/postern-auth" \
    "$BIN/postern-worker" "$BIN/postern-tlsworker" "$BIN/postern-session"; do
	[ -x "$f" ] || die "$f is missing: run make bench"
done

# ---- packages ----------------------------------------------------------

# Install what is missing.  A package's maintainer script must not start
# the system's Dovecot: a policy-rc.d that forbids it is put in place for
# the install when none is there, and whatever the install still started
# or enabled is stopped and disabled again.
install_deps()
{
	missing=
	for p in dovecot-imapd dovecot-pop3d gnuplot-nox; do
		dpkg-query -W -f '${Status}\n' "$p" 2>/dev/null |
		    grep -q 'install ok installed' || missing="$missing $p"
	done
	[ -z "$missing" ] && return 0
	had_dovecot=0
	[ -x /usr/sbin/dovecot ] && had_dovecot=1
	was_running=0
	dovecot_running && was_running=1
	say "installing$missing"
	ourpolicy=0
	if [ ! -e /usr/sbin/policy-rc.d ]; then
		printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d &&
		    chmod 755 /usr/sbin/policy-rc.d && ourpolicy=1
	fi
	DEBIAN_FRONTEND=noninteractive apt-get update -q >&2 &&
	DEBIAN_FRONTEND=noninteractive apt-get install -y -q \
	    --no-install-recommends -o DPkg::Lock::Timeout=300 $missing >&2
	rc=$?
	[ $ourpolicy = 1 ] && rm -f /usr/sbin/policy-rc.d
	[ $rc = 0 ] || die "apt-get install$missing failed"
	if [ $had_dovecot = 0 ]; then
		if [ -d /run/systemd/system ]; then
			systemctl disable --now dovecot.service \
			    dovecot.socket >/dev/null 2>&1
		fi
		if [ $was_running = 0 ] && dovecot_running; then
			say "stopping the system Dovecot the package started"
			/etc/init.d/dovecot stop >/dev/null 2>&1 ||
			    kill "$(cat /run/dovecot/master.pid)"
		fi
	fi
}

dovecot_running()
{
	[ -f /run/dovecot/master.pid ] &&
	    kill -0 "$(cat /run/dovecot/master.pid)" 2>/dev/null
}

# ---- data --------------------------------------------------------------

PGEN_ARGS="-b $N_BIG -p $N_POP -m $N_MIXU -M $N_MIXM -u $N_USERS \
-s $N_SMALLM -U $VUID -G $VUID"
DATA=$OUT/data/$SIZE

# The users, Maildirs and certificate, made once per size and kept: a
# data set whose parameters line differs from what pgen would write now
# is made again.
make_data()
{
	want=$("$PG" -q $PGEN_ARGS) || die "pgen -q failed"
	if [ "$(cat "$DATA/params" 2>/dev/null)" != "$want" ]; then
		say "generating the data set ($SIZE: $N_BIG + $N_POP messages, \
$N_MIXU + $N_USERS users) in $DATA"
		rm -rf "$DATA" "$DATA.tmp"
		mkdir -p "$OUT/data" || die "mkdir $OUT/data"
		"$PG" -o "$DATA.tmp" $PGEN_ARGS || die "pgen failed"
		mv "$DATA.tmp" "$DATA" || die "mv $DATA"
	else
		say "using the cached data set in $DATA"
	fi
	if [ ! -s "$DATA/cert.pem" ] || [ ! -s "$DATA/key.pem" ]; then
		openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 \
		    -nodes -keyout "$DATA/key.pem" -out "$DATA/cert.pem" \
		    -days 3650 -subj /CN=localhost \
		    -addext "subjectAltName=DNS:localhost,IP:127.0.0.1" \
		    >/dev/null 2>&1 || die "openssl req failed"
		chmod 600 "$DATA/key.pem"
	fi
	CERT=$DATA/cert.pem
	KEY=$DATA/key.pem
}

# ---- the servers -------------------------------------------------------

T=
P_PID=
D_PID=

# The pids of a process and all its descendants.
tree_pids()
{
	ps -e -o pid= -o ppid= | awk -v root="$1" '
	{ parent[$1] = $2; pids[++n] = $1 }
	END {
		inside[root] = 1; print root
		do {
			changed = 0
			for (i = 1; i <= n; i++) {
				p = pids[i]
				if (!(p in inside) && (parent[p] in inside)) {
					inside[p] = 1; print p; changed = 1
				}
			}
		} while (changed)
	}'
}

# Stop a server we started: TERM to its master, 20 s to go, then KILL to
# whatever of its tree is left.
stop_tree()
{
	[ -n "$1" ] || return 0
	kill -0 "$1" 2>/dev/null || { wait "$1" 2>/dev/null; return 0; }
	pids=$(tree_pids "$1")
	kill -TERM "$1" 2>/dev/null
	i=0
	while kill -0 "$1" 2>/dev/null && [ $i -lt 200 ]; do
		sleep 0.1
		i=$((i + 1))
	done
	for p in $pids; do
		kill -KILL "$p" 2>/dev/null
	done
	wait "$1" 2>/dev/null
	return 0
}

cleanup()
{
	rc=$?
	trap - EXIT INT TERM HUP
	stop_tree "$P_PID"
	stop_tree "$D_PID"
	if [ -n "$T" ]; then
		mkdir -p "$OUT/logs"
		cp "$T/postern/log" "$OUT/logs/postern.log" 2>/dev/null
		cp "$T/dovecot/log" "$OUT/logs/dovecot.log" 2>/dev/null
		cp "$T/dovecot/stderr" "$OUT/logs/dovecot.stderr" 2>/dev/null
		for p in $PORTS; do
			if "$PB" -s wait -p "$p" -d 0.1 2>/dev/null; then
				say "warning: port $p still answers"
				rc=1
			fi
		done
		case $T in
		/tmp/postern-bench.*) rm -rf "$T" ;;
		esac
	fi
	exit $rc
}

setup_servers()
{
	T=$(mktemp -d /tmp/postern-bench.XXXXXX) || die "mktemp"
	chmod 755 "$T"
	set -- $("$PB" -s ports -n 8)
	[ $# -eq 8 ] || die "no free ports"
	P_POP3=$1 P_POP3S=$2 P_IMAP=$3 P_IMAPS=$4
	D_POP3=$5 D_POP3S=$6 D_IMAP=$7 D_IMAPS=$8
	PORTS="$*"

	# Each server its own copy: hard links, so no message is stored
	# twice, while each server's index files, renames and deletions
	# stay in its own directories (Maildir files never change in
	# place).
	for s in postern dovecot; do
		mkdir -p "$T/$s" && chmod 755 "$T/$s" &&
		    cp -al "$DATA/home" "$T/$s/home" ||
		    die "copying the Maildirs for $s"
		sed "s|@HOME@|$T/$s/home|" "$DATA/passwd" > "$T/$s/passwd" ||
		    die "passwd for $s"
	done
	chmod 600 "$T/postern/passwd"
	chgrp dovecot "$T/dovecot/passwd" && chmod 640 "$T/dovecot/passwd" ||
	    die "passwd for dovecot"

	mkdir -p "$T/postern/libexec" "$T/postern/empty" "$T/postern/certs"
	chmod 700 "$T/postern/certs"
	for p in postern-auth postern-worker postern-tlsworker \
	    postern-session; do
		cp "$BIN/$p" "$T/postern/libexec/$p" || die "cp $p"
	done
	subst "$SRC/postern.conf.in" postern > "$T/postern/postern.conf"
	IMAP_NA=
	if ! "$BIN/posternd" -n -f "$T/postern/postern.conf" >/dev/null \
	    2>"$T/postern/check"; then
		IMAP_NA="posternd refuses the imap block: \
$(head -n 1 "$T/postern/check")"
		sed '/^imap {/,/^}/d' "$T/postern/postern.conf" \
		    > "$T/postern/conf.tmp" &&
		    mv "$T/postern/conf.tmp" "$T/postern/postern.conf"
		"$BIN/posternd" -n -f "$T/postern/postern.conf" >/dev/null \
		    2>"$T/postern/check" ||
		    die "posternd refuses its config: $(cat "$T/postern/check")"
	fi

	mkdir -p "$T/dovecot/run" "$T/dovecot/state"
	subst "$SRC/dovecot.conf.in" dovecot > "$T/dovecot/dovecot.conf"
	doveconf -c "$T/dovecot/dovecot.conf" -n >/dev/null \
	    2>"$T/dovecot/check" ||
	    die "Dovecot refuses its config: $(cat "$T/dovecot/check")"

	"$BIN/posternd" -d -f "$T/postern/postern.conf" \
	    >"$T/postern/log" 2>&1 &
	P_PID=$!
	dovecot -F -c "$T/dovecot/dovecot.conf" >"$T/dovecot/stderr" 2>&1 &
	D_PID=$!
	for p in $P_POP3 $P_POP3S; do
		"$PB" -s wait -p "$p" -d 20 ||
		    die "posternd does not listen: $(tail -n 5 "$T/postern/log")"
	done
	for p in $D_POP3 $D_POP3S $D_IMAP $D_IMAPS; do
		"$PB" -s wait -p "$p" -d 20 ||
		    die "Dovecot does not listen: $(tail -n 5 "$T/dovecot/log" \
"$T/dovecot/stderr")"
	done
	if [ -z "$IMAP_NA" ]; then
		for p in $P_IMAP $P_IMAPS; do
			"$PB" -s wait -p "$p" -d 20 ||
			    IMAP_NA="posternd does not listen for IMAP"
		done
	fi

	for s in postern dovecot; do
		probe "$s" pop3-probe "$(port "$s" pop3)" ||
		    die "$s: POP3 login fails: $PROBE"
	done
	probe dovecot imap-probe "$D_IMAP" ||
	    die "Dovecot: IMAP login fails: $PROBE"
	if [ -z "$IMAP_NA" ] && ! probe postern imap-probe "$P_IMAP"; then
		IMAP_NA="IMAP login and SELECT fail: $PROBE"
	fi
	[ -n "$IMAP_NA" ] && say "postern IMAP: n/a ($IMAP_NA)"
	return 0
}

# subst TEMPLATE SERVER: the template with the run's values.
subst()
{
	sed -e "s|@T@|$T|g" -e "s|@CERT@|$CERT|g" -e "s|@KEY@|$KEY|g" \
	    -e "s|@POP3@|$(port "$2" pop3)|g" \
	    -e "s|@POP3S@|$(port "$2" pop3s)|g" \
	    -e "s|@IMAP@|$(port "$2" imap)|g" \
	    -e "s|@IMAPS@|$(port "$2" imaps)|g" \
	    -e "s|@PROCS@|$PROCS|g" -e "s|@CLIENTS@|$CLIENTS|g" \
	    -e "s|@MAXCONN@|$MAXCONN|g" "$1"
}

# port SERVER PROTO
port()
{
	case $1:$2 in
	postern:pop3) echo "$P_POP3" ;;
	postern:pop3s) echo "$P_POP3S" ;;
	postern:imap) echo "$P_IMAP" ;;
	postern:imaps) echo "$P_IMAPS" ;;
	dovecot:pop3) echo "$D_POP3" ;;
	dovecot:pop3s) echo "$D_POP3S" ;;
	dovecot:imap) echo "$D_IMAP" ;;
	dovecot:imaps) echo "$D_IMAPS" ;;
	esac
}

# probe SERVER SCENARIO PORT: one login (and SELECT); $PROBE says why not.
probe()
{
	PROBE=$("$PB" -s "$2" -p "$3" -C "$CERT" -u u00000 -T 30 2>&1)
	case $PROBE in
	*"ok=1"*) return 0 ;;
	esac
	PROBE=$(echo "$PROBE" | sed -n 's/.*error="\([^"]*\)".*/\1/p')
	return 1
}

# ---- the scenarios -----------------------------------------------------

wanted()
{
	[ -z "$ONLY" ] && return 0
	case " $ONLY " in
	*" $1 "*) return 0 ;;
	esac
	return 1
}

# bench SERVER ID RUN LIMIT pbench-args...: one run, one raw line.
bench()
{
	srv=$1 id=$2 run=$3 limit=$4
	shift 4
	case $id in
	login-imap*|fetch*|search|newmail|mixed|idle*|scale)
		if [ "$srv" = postern ] && [ -n "$IMAP_NA" ]; then
			echo "$id $run $srv na $IMAP_NA" >> "$RAW"
			return
		fi ;;
	esac
	line=$(timeout -k 10 "$limit" "$PB" -L "$srv" -C "$CERT" "$@" \
	    2>>"$OUT/pbench.err" | grep '^result ' | tail -n 1)
	[ -n "$line" ] || line="result scenario=$id server=$srv failed=1 \
error=\"pbench gave no result within ${limit}s, see pbench.err\""
	echo "$id $run $srv $line" >> "$RAW"
	echo "  $id #$run $srv: ${line#result scenario=* server=* }" >&2
}

# Both servers, in turns: odd runs postern first, even runs Dovecot.
both()
{
	id=$1 run=$2
	shift 2
	if [ $((run % 2)) = 1 ]; then order="postern dovecot"
	else order="dovecot postern"; fi
	for s in $order; do
		"$@" "$s" "$id" "$run"
	done
}

pid_of()
{
	if [ "$1" = postern ]; then echo "$P_PID"; else echo "$D_PID"; fi
}

sc_login()	# SERVER ID RUN: login storm, id login-PROTO-plain|tls
{
	proto=${2#login-}
	proto=${proto%-*}
	tls=
	p=$proto
	case $2 in
	*-tls) tls=-t p=${proto}s ;;
	esac
	bench "$1" "$2" "$3" $((LOGIN_D + 60)) -s "$proto-login" $tls \
	    -p "$(port "$1" "$p")" -c 50 -d "$LOGIN_D" -U u%05d -N "$N_USERS"
	sleep 1
}

sc_fetch()	# first time: the servers' files in the Maildir removed
{
	if [ "$2" = fetch-cold ]; then
		find "$T/$1/home/big/Maildir" -maxdepth 1 -type f -delete
	fi
	bench "$1" "$2" "$3" 1800 -s imap-fetch -p "$(port "$1" imap)" \
	    -u big -T 900
}

sc_search()
{
	bench "$1" "$2" "$3" 1800 -s imap-search -p "$(port "$1" imap)" \
	    -u big -T 900
}

# New mail delivered one message at a time into the large mailbox, which
# a session has selected: the time until its NOOP reports it.  Run after
# the FETCH and SEARCH scenarios, which count the mailbox's messages.
sc_newmail()
{
	bench "$1" "$2" "$3" 600 -s imap-newmail -p "$(port "$1" imap)" \
	    -u big -m "$T/$1/home/big/Maildir" -n "$N_NEW" -T 60
}

sc_pop3()	# pop3-plain, pop3-tls
{
	tls= p=pop3
	[ "$2" = pop3-tls ] && tls=-t p=pop3s
	bench "$1" "$2" "$3" 1800 -s pop3-retr $tls -p "$(port "$1" $p)" \
	    -u pop -T 300
}

sc_mixed()
{
	bench "$1" "$2" "$3" $((MIX_D + 200)) -s imap-mixed \
	    -p "$(port "$1" imap)" -c "$N_MIXU" -U mix%03d -N "$N_MIXU" \
	    -d "$MIX_D"
	sleep 1
}

sc_idle()	# idle-plain, idle-tls, scale
{
	tls= p=imap n=$IDLE_N k=50
	[ "$2" = idle-tls ] && tls=-t p=imaps
	[ "$2" = scale ] && n=$SCALE_N k=100
	sleep 3		# let the last scenario's processes go
	bench "$1" "$2" "$3" 3600 -s imap-idle $tls -p "$(port "$1" $p)" \
	    -n "$n" -k "$k" -U u%05d -N "$N_USERS" -P "$(pid_of "$1")" \
	    -T 600
	sleep 3
}

# Run scenario ID with function FN on both servers, RUNS times.
scenario()
{
	id=$1 fn=$2 runs=${3:-$RUNS}
	wanted "$id" || return 0
	say "$id"
	r=1
	while [ $r -le "$runs" ]; do
		both "$id" "$r" "$fn"
		r=$((r + 1))
	done
}

run_all()
{
	: > "$RAW"
	: > "$OUT/pbench.err"
	# Both servers read the same files (hard links): read them all
	# once first, or whichever server goes first in the first run
	# pays the disk for both.
	say "reading the data set into the page cache"
	find "$DATA/home" -type f -exec cat {} + > /dev/null
	scenario login-imap-plain sc_login
	scenario login-imap-tls sc_login
	scenario login-pop3-plain sc_login
	scenario login-pop3-tls sc_login
	scenario fetch-cold sc_fetch
	scenario fetch-warm sc_fetch
	scenario search sc_search
	scenario newmail sc_newmail
	if wanted pop3-plain || wanted pop3-tls; then
		# untimed: each server's first look at the maildrop
		say "pop3 (warming up)"
		both pop3-warmup 0 sc_pop3
	fi
	scenario pop3-plain sc_pop3
	scenario pop3-tls sc_pop3
	scenario mixed sc_mixed
	scenario idle-plain sc_idle
	scenario idle-tls sc_idle
	[ "$SCALE" = 1 ] && scenario scale sc_idle 1
	return 0
}

# ---- the report --------------------------------------------------------

# raw-id key better unit target title (~: a detail of the row above;
# better "-": no ratio, the two numbers are not comparable as they are)
ROWS="login-imap-plain rate high logins/s 5 IMAP login storm, plain
login-imap-plain p99_ms low ms - ~p99 latency
login-imap-tls rate high logins/s 3 IMAP login storm, TLS
login-imap-tls p99_ms low ms - ~p99 latency
login-pop3-plain rate high logins/s 5 POP3 login storm, plain
login-pop3-plain p99_ms low ms - ~p99 latency
login-pop3-tls rate high logins/s 3 POP3 login storm, TLS
login-pop3-tls p99_ms low ms - ~p99 latency
fetch-cold seconds low s 2 FETCH 1:* large mailbox, first time
fetch-cold mbps high MB/s - ~throughput
fetch-warm seconds low s 2 FETCH 1:* large mailbox, warm
fetch-warm mbps high MB/s - ~throughput
search seconds low s - SEARCH TEXT, large mailbox
newmail p50_ms low ms - new mail noticed, large mailbox
newmail p99_ms low ms - ~p99 latency
pop3-plain mbps high MB/s 1 POP3 download, plain
pop3-tls mbps high MB/s 1 POP3 download, TLS
mixed rate high ops/s 1.5 mixed IMAP workload
mixed p99_ms low ms - ~p99 latency
idle-plain per_session_kb low kB - memory per idle session, plain
idle-tls per_session_kb low kB 2 memory per idle session, TLS
scale per_session_kb low kB - memory per idle session, 10,000 plain
scale pss_after_kb - kB - ~total memory (PSS)
scale noop_ok - sessions - ~sessions answering NOOP"

machine()
{
	cpu=$(awk -F': *' '/^model name/ { print $2; exit }' /proc/cpuinfo)
	mem=$(awk '/^MemTotal/ { printf "%.0f GiB", $2 / 1048576 }' \
	    /proc/meminfo)
	echo "$(nproc) cpu ($cpu), $mem, Linux $(uname -r)"
}

report()
{
	MACHINE=$(machine)
	pv=$(git -C "$TOP" describe --always --dirty 2>/dev/null || echo "?")
	dv=$(dovecot --version 2>/dev/null | awk '{ print $1 }')
	sum=$(awk '$1 == "big" { print $2 " messages, " \
	    int($3 / 1e6) " MB, " $4 " hits" }' "$DATA/summary")
	pop=$(awk '$1 == "pop" { print $2 " messages, " \
	    int($3 / 1e6) " MB" }' "$DATA/summary")
	{
		echo "postern $pv vs Dovecot $dv, $(date -u '+%Y-%m-%d %H:%M UTC')"
		echo "machine: $MACHINE; load average $LOAD_START at the \
start, $(cut -d' ' -f1-3 /proc/loadavg) at the end"
		echo "data: SIZE=$SIZE; large mailbox $sum; POP3 maildrop \
$pop; $N_MIXU mixed users of $N_MIXM; $N_USERS small users"
		echo "each cell: median of $RUNS runs +-half their range, in \
% of the median; ratio: times better for postern"
		echo
		echo "$ROWS" > "$OUT/rows.txt"
		awk -v rows="$OUT/rows.txt" -v raw="$RAW" \
		    -v csv="$OUT/results.csv" -v dat="$OUT/chart.dat" \
		    -v machine="$MACHINE" -f "$SRC/report.awk" </dev/null
		checks
	} > "$OUT/results.txt"
	cat "$OUT/results.txt"
	if command -v gnuplot >/dev/null && [ -s "$OUT/chart.dat" ]; then
		gnuplot -e "datafile='$OUT/chart.dat'; \
outfile='$OUT/results.png'; subtitle='$MACHINE, SIZE=$SIZE'" \
		    "$SRC/chart.gp" 2>>"$OUT/pbench.err" ||
		    say "gnuplot failed, see $OUT/pbench.err"
	fi
	say "wrote $OUT/results.txt, results.csv, results.png, raw.txt"
}

# Both servers must have seen the same mail.
checks()
{
	echo
	echo "checks:"
	want=$(awk '$1 == "big" { print $4 }' "$DATA/summary")
	for s in postern dovecot; do
		h=$(awk -v s="$s" '$1 == "search" && $3 == s' "$RAW" |
		    sed -n 's/.* hits=\([0-9]*\).*/\1/p' | sort -u | tr '\n' ' ')
		f=$(awk -v s="$s" '$1 ~ /^fetch/ && $3 == s' "$RAW" |
		    sed -n 's/.* messages=\([0-9]*\) fetched=\([0-9]*\).*/\1\/\2/p' |
		    sort -u | tr '\n' ' ')
		b=$(awk -v s="$s" '$1 ~ /^pop3-/ && $3 == s' "$RAW" |
		    sed -n 's/.* messages=\([0-9]*\) bytes=\([0-9]*\).*/\1:\2/p' |
		    sort -u | tr '\n' ' ')
		echo "  $s: SEARCH hits ${h:--} (generated: $want);" \
		    "FETCH messages/responses ${f:--}; POP3 messages:bytes received" \
		    "${b:--}"
	done
}

# ---- main --------------------------------------------------------------

LOAD_START=$(cut -d' ' -f1-3 /proc/loadavg)
install_deps
# As many descriptors as allowed, up to NOFILE (a container may cap the
# hard limit even for root: then the scale check says what it reached).
ulimit -Hn $NOFILE 2>/dev/null
hard=$(ulimit -Hn)
[ "$hard" = unlimited ] || [ "$hard" -ge $NOFILE ] || NOFILE=$hard
ulimit -Sn $NOFILE || die "cannot raise the descriptor limit to $NOFILE"
[ "$SCALE" = 1 ] && { ulimit -u unlimited 2>/dev/null || true; }
make_data
PORTS=
trap cleanup EXIT
trap 'exit 130' INT TERM HUP
setup_servers
say "postern pid $P_PID, Dovecot pid $D_PID; ports postern $P_POP3 \
$P_POP3S $P_IMAP $P_IMAPS, Dovecot $D_POP3 $D_POP3S $D_IMAP $D_IMAPS"
run_all
report
