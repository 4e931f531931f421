#!/bin/sh
# Run the Kyua suite on each build tree given (the normal build, then
# the ASan+UBSan one) and end with the one line CI reads:
# "N passed, N failed", counted from Kyua's own results.
set -u

src=$(cd "$(dirname "$0")/.." && pwd)
export HOME=${HOME:-/root}
export UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1
export POSTERN_SRC="$src"
rc=0
total_p=0
total_f=0
dbdir=$(mktemp -d /tmp/postern-kyua.XXXXXX)

for b in "$@"; do
	name=$(basename "$b")
	db="$dbdir/$name.db"
	export POSTERN_BIN="$b/bin"
	if [ -d "$b/fuzz" ]; then
		export POSTERN_FUZZ_DIR="$b/fuzz"
	else
		unset POSTERN_FUZZ_DIR
	fi
	case "$name" in
	*san*)
		# Sanitized daemons under the wrappers' LD_PRELOAD.
		export ASAN_OPTIONS=detect_leaks=0:verify_asan_link_order=0:abort_on_error=1
		;;
	*)
		unset ASAN_OPTIONS
		;;
	esac
	echo "== kyua: $b"
	(cd "$b/regress" && kyua -v parallelism=4 test \
	    --results-file="$db") || rc=1
	counts=$(kyua db-exec --no-headers --results-file="$db" \
	    "SELECT result_type, count(*) FROM test_results GROUP BY result_type" |
	    awk -F, '$1=="passed"||$1=="expected_failure"||$1=="skipped"{p+=$2}
	        $1=="failed"||$1=="broken"{f+=$2}
	        END{printf "%d %d\n", p, f}')
	p=${counts% *}
	f=${counts#* }
	if [ "$f" -gt 0 ]; then
		kyua report --results-file="$db" --verbose \
		    --results-filter=failed,broken | tail -n 400
	fi
	echo "== $name: $p passed, $f failed"
	total_p=$((total_p + p))
	total_f=$((total_f + f))
done
rm -rf "$dbdir"
[ "$total_f" -gt 0 ] && rc=1
echo "$total_p passed, $total_f failed"
exit $rc
