/*
 * Unit tests for lib/io.c, the client-connection I/O of workers and
 * sessions, over socketpairs set non-blocking as worker.c sets the
 * client socket: line reading with CRLF and bare LF, the line limit
 * (a long line is discarded and the next one still read), lines split
 * across writes, exact-count reads mixed with lines, read and write
 * timeouts, end of file, large buffered output to a concurrent reader,
 * and what io_buffered reports after a pipelined burst.  Run by Kyua
 * from regress/unit.
 */
#include <sys/types.h>
#include <sys/socket.h>
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <atf-c.h>

#include "io.h"

#define BIGLINES	200000
#define BIGFMT		"%07u the quick brown fox\r\n"
#define BIGLINELEN	29

static void	 mkpair(int[2]);
static void	 writeall(int, const void *, size_t);
static void	 writestr(int, const char *);
static pid_t	 writer(int, const char **, size_t, int);
static void	 waitok(pid_t);
static double	 now(void);
static void	 expect_line(struct io *, size_t, const char *);
static unsigned char *pattern(size_t);

/* sv[0] is the server side, non-blocking like a worker's client fd. */
static void
mkpair(int sv[2])
{
	ATF_REQUIRE(socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == 0);
	ATF_REQUIRE(fcntl(sv[0], F_SETFL, O_NONBLOCK) == 0);
}

static void
writeall(int fd, const void *p, size_t n)
{
	ssize_t	r;

	while (n > 0) {
		if ((r = write(fd, p, n)) == -1) {
			if (errno == EINTR)
				continue;
			atf_tc_fail("write: %s", strerror(errno));
		}
		p = (const char *)p + r;
		n -= r;
	}
}

static void
writestr(int fd, const char *s)
{
	writeall(fd, s, strlen(s));
}

/*
 * A child that writes each chunk after a pause, so that the reader
 * sees them arrive in separate reads.
 */
static pid_t
writer(int fd, const char **chunks, size_t n, int pause_ms)
{
	pid_t	pid;
	size_t	i, len;
	ssize_t	r;
	const char *p;

	if ((pid = fork()) == -1)
		atf_tc_fail("fork: %s", strerror(errno));
	if (pid != 0)
		return pid;
	for (i = 0; i < n; i++) {
		if (pause_ms > 0)
			usleep(pause_ms * 1000);
		p = chunks[i];
		len = strlen(p);
		while (len > 0) {
			if ((r = write(fd, p, len)) == -1)
				_exit(1);
			p += r;
			len -= r;
		}
	}
	_exit(0);
}

static void
waitok(pid_t pid)
{
	int	status;

	ATF_REQUIRE(waitpid(pid, &status, 0) == pid);
	ATF_REQUIRE_MSG(WIFEXITED(status) && WEXITSTATUS(status) == 0,
	    "child failed, status %#x", status);
}

static double
now(void)
{
	struct timespec	ts;

	ATF_REQUIRE(clock_gettime(CLOCK_MONOTONIC, &ts) == 0);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void
expect_line(struct io *io, size_t max, const char *want)
{
	char	*line;
	size_t	 len;
	int	 r;

	r = io_getline(io, max, &line, &len);
	ATF_REQUIRE_EQ_MSG(r, IO_OK, "io_getline %d, expected \"%s\"", r,
	    want);
	ATF_CHECK_EQ_MSG(len, strlen(want), "length %zu for \"%s\"", len,
	    want);
	ATF_CHECK_STREQ(line, want);
}

/* Bytes a reader can check without sharing state with the writer. */
static unsigned char *
pattern(size_t n)
{
	unsigned char	*p;
	size_t		 i;

	if ((p = malloc(n)) == NULL)
		atf_tc_fail("malloc");
	for (i = 0; i < n; i++)
		p[i] = (i * 7 + i / 251) & 0xff;
	return p;
}

ATF_TC_WITHOUT_HEAD(getline_crlf_lf);
ATF_TC_BODY(getline_crlf_lf, tc)
{
	struct io	 io;
	int		 sv[2];
	char		*line;
	size_t		 len;

	mkpair(sv);
	io_init(&io, sv[0], 5);
	writestr(sv[1], "CAPA\r\nUSER bob\nPASS a b\r\n\r\n\nx\ry\r\n"
	    "tab\there\r\n");
	expect_line(&io, 255, "CAPA");
	expect_line(&io, 255, "USER bob");
	expect_line(&io, 255, "PASS a b");
	expect_line(&io, 255, "");
	expect_line(&io, 255, "");
	expect_line(&io, 255, "x\ry");		/* only a final CR goes */
	expect_line(&io, 255, "tab\there");

	/* A NUL inside a line is kept, and counted in its length. */
	writeall(sv[1], "a\0b\r\n", 5);
	ATF_REQUIRE_EQ(io_getline(&io, 255, &line, &len), IO_OK);
	ATF_CHECK_EQ(len, 3);
	ATF_CHECK(memcmp(line, "a\0b", 4) == 0);

	ATF_CHECK_EQ(io.bytes_in, 48);
	close(sv[1]);
	ATF_CHECK_EQ(io_getline(&io, 255, &line, &len), IO_EOF);
	ATF_CHECK_EQ(io_getline(&io, 255, &line, &len), IO_EOF);
	io_free(&io);
	close(sv[0]);
}

ATF_TC_WITHOUT_HEAD(getline_limit);
ATF_TC_BODY(getline_limit, tc)
{
	struct io	 io;
	int		 sv[2];
	char		*line;
	size_t		 len;

	mkpair(sv);
	io_init(&io, sv[0], 5);
	/* The limit counts the line without its terminator. */
	writestr(sv[1], "aaaaaaaaaaaaaaaa\r\n"	/* 16: fits */
	    "bbbbbbbbbbbbbbbb\n"			/* 16, bare LF: fits */
	    "ccccccccccccccccc\r\n"			/* 17: too long */
	    "next\r\n"
	    "ddddddddddddddddd\n"			/* 17, bare LF */
	    "after\r\n"
	    "eeeeeeeeeeeeeee\r\r\n");			/* 15 + CR: fits */
	expect_line(&io, 16, "aaaaaaaaaaaaaaaa");
	expect_line(&io, 16, "bbbbbbbbbbbbbbbb");
	ATF_CHECK_EQ(io_getline(&io, 16, &line, &len), IO_TOOLONG);
	expect_line(&io, 16, "next");
	ATF_CHECK_EQ(io_getline(&io, 16, &line, &len), IO_TOOLONG);
	expect_line(&io, 16, "after");
	expect_line(&io, 16, "eeeeeeeeeeeeeee\r");

	/* Two long lines in a row, then a good one. */
	writestr(sv[1], "xxxxxxxxxxxxxxxxxxxxxxxxxx\r\n"
	    "yyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyy\r\nok\r\n");
	ATF_CHECK_EQ(io_getline(&io, 16, &line, &len), IO_TOOLONG);
	ATF_CHECK_EQ(io_getline(&io, 16, &line, &len), IO_TOOLONG);
	expect_line(&io, 16, "ok");

	/* A zero limit still allows empty lines. */
	writestr(sv[1], "\r\n\nz\r\n");
	expect_line(&io, 0, "");
	expect_line(&io, 0, "");
	ATF_CHECK_EQ(io_getline(&io, 0, &line, &len), IO_TOOLONG);
	io_free(&io);
	close(sv[0]);
	close(sv[1]);
}

ATF_TC_WITHOUT_HEAD(getline_huge);
ATF_TC_BODY(getline_huge, tc)
{
	struct io	 io;
	int		 sv[2];
	char		*big, *line;
	const char	*chunks[3];
	size_t		 len;
	pid_t		 pid;

	/*
	 * Far more than a socket buffer holds, so the reader must throw
	 * the line away as it goes; its memory stays bounded.
	 */
	mkpair(sv);
	io_init(&io, sv[0], 10);
	if ((big = malloc(4 * 1024 * 1024 + 1)) == NULL)
		atf_tc_fail("malloc");
	memset(big, 'z', 4 * 1024 * 1024);
	big[4 * 1024 * 1024] = '\0';
	chunks[0] = "USER ";
	chunks[1] = big;
	chunks[2] = "\r\nSTAT\r\n";
	pid = writer(sv[1], chunks, 3, 0);
	ATF_CHECK_EQ(io_getline(&io, 255, &line, &len), IO_TOOLONG);
	ATF_CHECK_MSG(io.in.cap <= 64 * 1024, "input buffer grew to %zu",
	    io.in.cap);
	expect_line(&io, 255, "STAT");
	waitok(pid);
	ATF_CHECK_EQ(io.bytes_in, 5 + 4 * 1024 * 1024 + 8);
	free(big);
	io_free(&io);
	close(sv[0]);
	close(sv[1]);
}

ATF_TC_WITHOUT_HEAD(getline_split);
ATF_TC_BODY(getline_split, tc)
{
	static const char *chunks[] = {
		"US", "ER al", "ice\r", "\nPA", "SS se", "cret\r\n", "\r",
		"\n", "Q", "UIT", "\n",
	};
	struct io	io;
	int		sv[2];
	pid_t		pid;

	mkpair(sv);
	io_init(&io, sv[0], 10);
	pid = writer(sv[1], chunks, sizeof(chunks) / sizeof(chunks[0]), 20);
	expect_line(&io, 255, "USER alice");
	expect_line(&io, 255, "PASS secret");
	expect_line(&io, 255, "");
	expect_line(&io, 255, "QUIT");
	waitok(pid);
	io_free(&io);
	close(sv[0]);
	close(sv[1]);
}

ATF_TC_WITHOUT_HEAD(read_after_line);
ATF_TC_BODY(read_after_line, tc)
{
	struct io	io;
	int		sv[2];
	char		got[16];

	mkpair(sv);
	io_init(&io, sv[0], 5);
	writestr(sv[1], "A1 APPEND {5}\r\nhello world\r\nNEXT\r\n");
	expect_line(&io, 255, "A1 APPEND {5}");
	memset(got, 0, sizeof(got));
	ATF_REQUIRE_EQ(io_read(&io, got, 5), IO_OK);
	ATF_CHECK_STREQ(got, "hello");
	expect_line(&io, 255, " world");
	ATF_REQUIRE_EQ(io_read(&io, got, 0), IO_OK);
	memset(got, 0, sizeof(got));
	ATF_REQUIRE_EQ(io_read(&io, got, 3), IO_OK);
	ATF_CHECK_STREQ(got, "NEX");
	expect_line(&io, 255, "T");
	io_free(&io);
	close(sv[0]);
	close(sv[1]);
}

ATF_TC_WITHOUT_HEAD(read_large_literal);
ATF_TC_BODY(read_large_literal, tc)
{
	struct io	 io;
	int		 sv[2];
	unsigned char	*want, *got;
	char		*lit;
	const char	*chunks[3];
	size_t		 n = 300000, i;
	pid_t		 pid;

	/* The literal must not contain a NUL: the writer sends strings. */
	mkpair(sv);
	io_init(&io, sv[0], 10);
	want = pattern(n);
	for (i = 0; i < n; i++)
		if (want[i] == '\0')
			want[i] = 'N';
	if ((lit = malloc(n + 1)) == NULL || (got = malloc(n)) == NULL)
		atf_tc_fail("malloc");
	memcpy(lit, want, n);
	lit[n] = '\0';
	chunks[0] = "L {300000}\r\n";
	chunks[1] = lit;
	chunks[2] = "\r\nEND\r\n";
	pid = writer(sv[1], chunks, 3, 0);
	expect_line(&io, 255, "L {300000}");
	ATF_REQUIRE_EQ(io_read(&io, got, n), IO_OK);
	ATF_CHECK(memcmp(got, want, n) == 0);
	expect_line(&io, 255, "");
	expect_line(&io, 255, "END");
	waitok(pid);
	free(want);
	free(got);
	free(lit);
	io_free(&io);
	close(sv[0]);
	close(sv[1]);
}

ATF_TC_WITHOUT_HEAD(timeout);
ATF_TC_BODY(timeout, tc)
{
	struct io	 io;
	int		 sv[2];
	char		*line, got[4];
	size_t		 len;
	double		 t0, dt;

	mkpair(sv);
	io_init(&io, sv[0], 1);
	t0 = now();
	ATF_CHECK_EQ(io_getline(&io, 255, &line, &len), IO_TIMEOUT);
	dt = now() - t0;
	ATF_CHECK_MSG(dt >= 0.9 && dt < 5, "timed out after %.2fs", dt);

	/* A partial line is no line: still a timeout, and kept. */
	writestr(sv[1], "NO");
	ATF_CHECK_EQ(io_getline(&io, 255, &line, &len), IO_TIMEOUT);
	writestr(sv[1], "OP\r\n");
	expect_line(&io, 255, "NOOP");

	t0 = now();
	ATF_CHECK_EQ(io_read(&io, got, sizeof(got)), IO_TIMEOUT);
	dt = now() - t0;
	ATF_CHECK_MSG(dt >= 0.9 && dt < 5, "timed out after %.2fs", dt);
	io_free(&io);
	close(sv[0]);
	close(sv[1]);
}

ATF_TC_WITHOUT_HEAD(flush_timeout);
ATF_TC_BODY(flush_timeout, tc)
{
	struct io	 io;
	int		 sv[2];
	char		 chunk[4096];
	size_t		 total = 0;
	int		 r = IO_OK, i;

	/* A peer that never reads: the flush gives up, keeping the rest. */
	mkpair(sv);
	io_init(&io, sv[0], 1);
	memset(chunk, 'm', sizeof(chunk));
	for (i = 0; i < 1024 && r == IO_OK; i++) {
		r = io_write(&io, chunk, sizeof(chunk));
		total += sizeof(chunk);
	}
	if (r == IO_OK)
		r = io_flush(&io);
	ATF_CHECK_EQ(r, IO_TIMEOUT);
	ATF_CHECK(io.bytes_out > 0);
	ATF_CHECK_EQ(io.bytes_out + io.out.len, total);
	io_free(&io);
	close(sv[0]);
	close(sv[1]);
}

ATF_TC_WITHOUT_HEAD(eof);
ATF_TC_BODY(eof, tc)
{
	struct io	 io;
	int		 sv[2];
	char		*line, got[10];
	size_t		 len;

	mkpair(sv);
	io_init(&io, sv[0], 5);
	writestr(sv[1], "complete\r\npartial");
	close(sv[1]);
	expect_line(&io, 255, "complete");
	ATF_CHECK_EQ(io_getline(&io, 255, &line, &len), IO_EOF);
	ATF_CHECK_EQ(io_read(&io, got, sizeof(got)), IO_EOF);
	io_free(&io);
	close(sv[0]);

	/* A short read at end of file is end of file, not success. */
	mkpair(sv);
	io_init(&io, sv[0], 5);
	writestr(sv[1], "abc");
	close(sv[1]);
	ATF_CHECK_EQ(io_read(&io, got, sizeof(got)), IO_EOF);
	io_free(&io);
	close(sv[0]);
}

ATF_TC_WITHOUT_HEAD(write_closed_peer);
ATF_TC_BODY(write_closed_peer, tc)
{
	struct io	io;
	int		sv[2];

	/* EPIPE is an error, not a SIGPIPE that kills the worker. */
	mkpair(sv);
	io_init(&io, sv[0], 5);
	close(sv[1]);
	ATF_REQUIRE_EQ(io_puts(&io, "+OK bye\r\n"), IO_OK);
	ATF_CHECK_EQ(io_flush(&io), IO_ERR);
	io_free(&io);
	close(sv[0]);
}

ATF_TC_WITHOUT_HEAD(printf_large);
ATF_TC_BODY(printf_large, tc)
{
	struct io	 io;
	int		 sv[2];
	unsigned int	 i;
	pid_t		 pid;
	char		 line[BIGLINELEN + 1], *got;
	size_t		 n, total = (size_t)BIGLINES * BIGLINELEN + 7;
	ssize_t		 r;

	mkpair(sv);
	if ((pid = fork()) == -1)
		atf_tc_fail("fork");
	if (pid == 0) {
		/* The reader: check every byte, in order, then EOF. */
		close(sv[0]);
		if ((got = malloc(total + 1)) == NULL)
			_exit(2);
		n = 0;
		while ((r = read(sv[1], got + n, total + 1 - n)) > 0)
			n += r;
		if (r == -1 || n != total)
			_exit(3);
		for (i = 0; i < BIGLINES; i++) {
			(void)snprintf(line, sizeof(line), BIGFMT, i);
			if (memcmp(got + (size_t)i * BIGLINELEN, line,
			    BIGLINELEN) != 0)
				_exit(4);
		}
		if (memcmp(got + total - 7, ".\r\n", 3) != 0 ||
		    memcmp(got + total - 4, "end", 3) != 0 ||
		    got[total - 1] != '!')
			_exit(5);
		_exit(0);
	}
	close(sv[1]);
	ATF_REQUIRE_EQ(snprintf(line, sizeof(line), BIGFMT, 0u), BIGLINELEN);
	io_init(&io, sv[0], 10);
	for (i = 0; i < BIGLINES; i++)
		ATF_REQUIRE_EQ(io_printf(&io, BIGFMT, i), IO_OK);
	ATF_REQUIRE_EQ(io_puts(&io, ".\r\n"), IO_OK);
	ATF_REQUIRE_EQ(io_write(&io, "end!", 4), IO_OK);
	ATF_REQUIRE_EQ(io_flush(&io), IO_OK);
	ATF_CHECK_EQ(io.out.len, 0);
	ATF_CHECK_EQ(io.bytes_out, total);
	close(sv[0]);
	waitok(pid);
	io_free(&io);
}

ATF_TC_WITHOUT_HEAD(buffered_pipeline);
ATF_TC_BODY(buffered_pipeline, tc)
{
	struct io	io;
	int		sv[2];
	char		got[8];

	mkpair(sv);
	io_init(&io, sv[0], 5);
	ATF_CHECK_EQ(io_buffered(&io), 0);
	/* What a pipelining client sends at once (RFC 2449 PIPELINING). */
	writestr(sv[1], "CAPA\r\nUSER x\r\nPASS y\r\nSTAT\r\n");
	expect_line(&io, 255, "CAPA");
	ATF_CHECK_EQ(io_buffered(&io), 22);
	expect_line(&io, 255, "USER x");
	ATF_CHECK_EQ(io_buffered(&io), 14);
	expect_line(&io, 255, "PASS y");
	ATF_CHECK_EQ(io_buffered(&io), 6);
	ATF_CHECK_EQ(io_buffered(&io), 6);
	ATF_REQUIRE_EQ(io_read(&io, got, 2), IO_OK);
	ATF_CHECK_EQ(io_buffered(&io), 4);
	expect_line(&io, 255, "AT");
	ATF_CHECK_EQ(io_buffered(&io), 0);
	ATF_CHECK_EQ(io.bytes_in, 28);
	io_free(&io);
	close(sv[0]);
	close(sv[1]);
}

ATF_TP_ADD_TCS(tp)
{
	ATF_TP_ADD_TC(tp, getline_crlf_lf);
	ATF_TP_ADD_TC(tp, getline_limit);
	ATF_TP_ADD_TC(tp, getline_huge);
	ATF_TP_ADD_TC(tp, getline_split);
	ATF_TP_ADD_TC(tp, read_after_line);
	ATF_TP_ADD_TC(tp, read_large_literal);
	ATF_TP_ADD_TC(tp, timeout);
	ATF_TP_ADD_TC(tp, flush_timeout);
	ATF_TP_ADD_TC(tp, eof);
	ATF_TP_ADD_TC(tp, write_closed_peer);
	ATF_TP_ADD_TC(tp, printf_large);
	ATF_TP_ADD_TC(tp, buffered_pipeline);
	return atf_no_error();
}
