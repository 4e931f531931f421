#!/usr/bin/env atf-sh
#
# Runs each libFuzzer harness of regress/fuzz for ten seconds on a copy
# of its seed corpus, so that `make check' fuzzes every parser a little
# on each run.  The harnesses are built by `make fuzz'; POSTERN_FUZZ_DIR
# names the directory that holds them ($(B)/fuzz) and POSTERN_SRC the
# source tree, whose regress/fuzz/corpus/<target> holds the seeds.  A
# case is skipped when its harness is not built.  A crash, leak, hang
# or sanitizer report fails the case; the input that caused it is kept
# under $POSTERN_FUZZ_DIR/crashes/<target>/ (or, if that cannot be
# written, the case's work directory) and its path printed.  Run by
# Kyua from regress/fuzz.

FUZZ_SECONDS=10

# fuzz_run target: the body shared by every case.
fuzz_run()
{
	target=$1

	[ -n "${POSTERN_FUZZ_DIR}" ] ||
	    atf_skip "POSTERN_FUZZ_DIR is not set (see make fuzz)"
	bin=${POSTERN_FUZZ_DIR}/${target}
	[ -x "${bin}" ] || atf_skip "${bin} is not built (make fuzz)"
	[ -n "${POSTERN_SRC}" ] || atf_fail "POSTERN_SRC is not set"
	seeds=${POSTERN_SRC}/regress/fuzz/corpus/${target}
	[ -d "${seeds}" ] || atf_fail "no seed corpus at ${seeds}"

	work=$(pwd)
	mkdir corpus artifacts || atf_fail "cannot make directories in ${work}"
	cp "${seeds}"/* corpus/ || atf_fail "cannot copy ${seeds}"

	# UB must stop the run, not scroll past; the caller's options win.
	ubsan=halt_on_error=1:print_stacktrace=1
	UBSAN_OPTIONS=${ubsan}${UBSAN_OPTIONS:+:${UBSAN_OPTIONS}}
	export UBSAN_OPTIONS

	rc=0
	"${bin}" -max_total_time=${FUZZ_SECONDS} -rss_limit_mb=1024 \
	    -timeout=10 -print_final_stats=1 \
	    -artifact_prefix="${work}/artifacts/" corpus >fuzz.log 2>&1 ||
	    rc=$?
	if [ ${rc} -eq 0 ]; then
		grep -E '^(Done|stat::number_of_executed_units)' fuzz.log
		return 0
	fi

	# Keep the reproducers where they outlive this work directory.
	keep=${POSTERN_FUZZ_DIR}/crashes/${target}
	if ! mkdir -p "${keep}" 2>/dev/null || [ ! -w "${keep}" ]; then
		keep=${work}/artifacts
	fi
	found=
	for f in "${work}"/artifacts/*; do
		[ -f "${f}" ] || continue
		[ "${keep}" = "${work}/artifacts" ] || cp "${f}" "${keep}/"
		path=${keep}/$(basename "${f}")
		echo "reproducer: ${path}" >&2
		echo "  rerun with: ${bin} ${path}" >&2
		found="${found} ${path}"
	done
	tail -n 60 fuzz.log >&2
	if [ -n "${found}" ]; then
		atf_fail "${target} failed (exit ${rc}); reproducer:${found}"
	fi
	atf_fail "${target} failed (exit ${rc}), no reproducer; see stderr"
}

atf_test_case pop3_parse
pop3_parse_head()
{
	atf_set "descr" "fuzz the POP3 command parser (fuzz_pop3_parse)"
	atf_set "timeout" "120"
}
pop3_parse_body()
{
	fuzz_run fuzz_pop3_parse
}

atf_test_case base64
base64_head()
{
	atf_set "descr" "fuzz the strict base64 codec (fuzz_base64)"
	atf_set "timeout" "120"
}
base64_body()
{
	fuzz_run fuzz_base64
}

atf_test_case msg
msg_head()
{
	atf_set "descr" "fuzz the inter-process message reader (fuzz_msg)"
	atf_set "timeout" "120"
}
msg_body()
{
	fuzz_run fuzz_msg
}

atf_test_case imap_parse
imap_parse_head()
{
	atf_set "descr" "fuzz the IMAP command parser (fuzz_imap_parse)"
	atf_set "timeout" "120"
}
imap_parse_body()
{
	fuzz_run fuzz_imap_parse
}

atf_test_case mime
mime_head()
{
	atf_set "descr" "fuzz the MIME parser, ENVELOPE, BODYSTRUCTURE (fuzz_mime)"
	atf_set "timeout" "120"
}
mime_body()
{
	fuzz_run fuzz_mime
}

atf_init_test_cases()
{
	atf_add_test_case pop3_parse
	atf_add_test_case base64
	atf_add_test_case msg
	atf_add_test_case imap_parse
	atf_add_test_case mime
}
