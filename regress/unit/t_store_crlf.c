/*
 * Unit tests for store/crlf.c: the CRLF size announced for a message
 * and the bytes streamed for it (POP3 RETR and TOP), on inputs that
 * break naive converters.
 */
#include <sys/types.h>

#include <atf-c.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "buf.h"
#include "store.h"

/* The definition, one byte at a time, to hold the real code to. */
static void
model(const unsigned char *in, size_t len, int dotstuff, struct buf *out,
    uint64_t *size)
{
	size_t	i;
	int	bol = 1, prev_cr = 0;

	*size = 0;
	for (i = 0; i < len; i++) {
		if (bol && dotstuff && in[i] == '.')
			buf_add(out, ".", 1);
		if (in[i] == '\n' && !prev_cr) {
			buf_add(out, "\r", 1);
			(*size)++;
		}
		buf_add(out, &in[i], 1);
		(*size)++;
		bol = in[i] == '\n';
		prev_cr = in[i] == '\r';
	}
	if (!bol)
		buf_add(out, "\r\n", 2);
}

static int
collect(void *arg, const void *data, size_t len)
{
	return buf_add(arg, data, len);
}

static int
file_with(const void *data, size_t len)
{
	int	fd;

	fd = open("msg", O_RDWR | O_CREAT | O_TRUNC, 0600);
	ATF_REQUIRE(fd != -1);
	ATF_REQUIRE(write(fd, data, len) == (ssize_t)len);
	ATF_REQUIRE(lseek(fd, 0, SEEK_SET) == 0);
	return fd;
}

/* Size, RETR-style copy and the model must all agree. */
static void
check_data(const void *data, size_t len, const char *expect, size_t elen,
    uint64_t esize)
{
	struct buf	out, mout;
	uint64_t	size, counted, msize;
	int		fd;

	buf_init(&out);
	buf_init(&mout);
	fd = file_with(data, len);
	ATF_REQUIRE(store_crlf_size(fd, &size) == 0);
	ATF_CHECK_EQ(size, esize);
	ATF_REQUIRE(lseek(fd, 0, SEEK_SET) == 0);
	ATF_REQUIRE(store_crlf_copy(fd, CRLF_DOTSTUFF | CRLF_ENDLINE, 0,
	    collect, &out, &counted) == 0);
	ATF_CHECK_EQ(counted, esize);
	if (expect != NULL) {
		ATF_CHECK_EQ(out.len, elen);
		ATF_CHECK(out.len == elen &&
		    (elen == 0 || memcmp(out.data, expect, elen) == 0));
	}
	model(data, len, 1, &mout, &msize);
	ATF_CHECK_EQ(msize, esize);
	ATF_CHECK(out.len == mout.len &&
	    (out.len == 0 || memcmp(out.data, mout.data, out.len) == 0));
	close(fd);
	buf_free(&out);
	buf_free(&mout);
}

#define CHECK(in, exp, size) \
	check_data((in), sizeof(in) - 1, (exp), sizeof(exp) - 1, (size))

ATF_TC_WITHOUT_HEAD(empty);
ATF_TC_BODY(empty, tc)
{
	CHECK("", "", 0);
}

ATF_TC_WITHOUT_HEAD(no_final_newline);
ATF_TC_BODY(no_final_newline, tc)
{
	CHECK("abc", "abc\r\n", 3);
	CHECK("a\nb", "a\r\nb\r\n", 4);
}

ATF_TC_WITHOUT_HEAD(bare_cr);
ATF_TC_BODY(bare_cr, tc)
{
	CHECK("a\rb\n", "a\rb\r\n", 5);
	CHECK("\r", "\r\r\n", 1);
	CHECK("a\r\r\n", "a\r\r\n", 4);
	CHECK("\r\r\r", "\r\r\r\r\n", 3);
}

ATF_TC_WITHOUT_HEAD(crlf_present);
ATF_TC_BODY(crlf_present, tc)
{
	CHECK("a\r\nb\r\n", "a\r\nb\r\n", 6);
	CHECK("a\r\nb\n", "a\r\nb\r\n", 6);
	CHECK("\n\n", "\r\n\r\n", 4);
}

ATF_TC_WITHOUT_HEAD(dots);
ATF_TC_BODY(dots, tc)
{
	CHECK(".\n", "..\r\n", 3);
	CHECK("..\n", "...\r\n", 4);
	CHECK("a\n.\n..\n.x\nx.\n", "a\r\n..\r\n...\r\n..x\r\nx.\r\n", 18);
	CHECK(".", "..\r\n", 1);
	CHECK("\r\n.\r\n", "\r\n..\r\n", 5);
	/* A '.' after a bare CR does not start a line. */
	CHECK("a\r.\n", "a\r.\r\n", 5);
}

ATF_TC_WITHOUT_HEAD(nul_bytes);
ATF_TC_BODY(nul_bytes, tc)
{
	static const char	in[] = "a\0b\n\0";
	static const char	exp[] = "a\0b\r\n\0\r\n";

	check_data(in, sizeof(in) - 1, exp, sizeof(exp) - 1, 6);
}

ATF_TC_WITHOUT_HEAD(long_line);
ATF_TC_BODY(long_line, tc)
{
	size_t	n = 300000;
	char	*in, *exp;

	in = malloc(n + 1);
	exp = malloc(n + 3);
	ATF_REQUIRE(in != NULL && exp != NULL);
	memset(in, 'x', n);
	in[0] = '.';
	in[n] = '\n';
	exp[0] = '.';
	memcpy(exp + 1, in, n);
	memcpy(exp + 1 + n, "\r\n", 2);
	check_data(in, n + 1, exp, n + 3, n + 2);
	free(in);
	free(exp);
}

/* CR, LF and '.' around the reader's chunk boundaries. */
ATF_TC_WITHOUT_HEAD(chunk_edges);
ATF_TC_BODY(chunk_edges, tc)
{
	static const char	*tails[] = { "\r\n.x\n", "\n.\n", "\r\r\n",
				    "\n\n.", "\r" };
	size_t			 n, t, len;
	char			*in;
	uint64_t		 size;
	struct buf		 tmp;

	in = malloc(70000);
	ATF_REQUIRE(in != NULL);
	for (n = 32760; n <= 32770; n++) {
		for (t = 0; t < sizeof(tails) / sizeof(tails[0]); t++) {
			memset(in, 'y', n);
			len = strlen(tails[t]);
			memcpy(in + n, tails[t], len);
			buf_init(&tmp);
			model((unsigned char *)in, n + len, 1, &tmp, &size);
			check_data(in, n + len, (char *)tmp.data, tmp.len,
			    size);
			buf_free(&tmp);
		}
	}
	free(in);
}

ATF_TC_WITHOUT_HEAD(random_inputs);
ATF_TC_BODY(random_inputs, tc)
{
	static const char	 alpha[] = "\r\n.a\0";
	unsigned char		*in;
	size_t			 i, len, round;
	uint64_t		 size;
	struct buf		 tmp;

	srandom(1);
	in = malloc(100000);
	ATF_REQUIRE(in != NULL);
	for (round = 0; round < 200; round++) {
		len = random() % (round < 150 ? 40 : 100000);
		for (i = 0; i < len; i++)
			in[i] = alpha[random() % 5];
		buf_init(&tmp);
		model(in, len, 1, &tmp, &size);
		check_data(in, len, (char *)tmp.data, tmp.len, size);
		buf_free(&tmp);
	}
	free(in);
}

ATF_TC_WITHOUT_HEAD(count_incremental);
ATF_TC_BODY(count_incremental, tc)
{
	static const char	in[] = "a\r\nb\nc\r\rd\n\n\r";
	struct crlf_count	c1, c2;
	size_t			i;

	crlf_count_init(&c1);
	crlf_count_add(&c1, in, sizeof(in) - 1);
	crlf_count_init(&c2);
	for (i = 0; i < sizeof(in) - 1; i++)
		crlf_count_add(&c2, in + i, 1);
	ATF_CHECK_EQ(c1.size, 15);
	ATF_CHECK_EQ(c2.size, c1.size);
}

/* Without CRLF_ENDLINE (IMAP literals) nothing is added at the end. */
ATF_TC_WITHOUT_HEAD(no_endline);
ATF_TC_BODY(no_endline, tc)
{
	struct buf	out;
	uint64_t	counted;
	int		fd;

	buf_init(&out);
	fd = file_with(".abc", 4);
	ATF_REQUIRE(store_crlf_copy(fd, 0, 0, collect, &out, &counted) == 0);
	ATF_CHECK_EQ(counted, 4);
	ATF_CHECK(out.len == 4 && memcmp(out.data, ".abc", 4) == 0);
	close(fd);
	buf_free(&out);
}

static void
check_top(const char *in, uint64_t lines, const char *expect)
{
	struct buf	out;
	int		fd;

	buf_init(&out);
	fd = file_with(in, strlen(in));
	ATF_REQUIRE(store_crlf_copy(fd, CRLF_TOP | CRLF_DOTSTUFF |
	    CRLF_ENDLINE, lines, collect, &out, NULL) == 0);
	buf_add(&out, "", 1);
	ATF_CHECK_STREQ_MSG((char *)out.data, expect, "TOP %llu of %s",
	    (unsigned long long)lines, in);
	close(fd);
	buf_free(&out);
}

ATF_TC_WITHOUT_HEAD(top);
ATF_TC_BODY(top, tc)
{
	const char	*m = "H: 1\nH: 2\n\nb1\n.b2\nb3\n";

	check_top(m, 0, "H: 1\r\nH: 2\r\n\r\n");
	check_top(m, 1, "H: 1\r\nH: 2\r\n\r\nb1\r\n");
	check_top(m, 2, "H: 1\r\nH: 2\r\n\r\nb1\r\n..b2\r\n");
	check_top(m, 3, "H: 1\r\nH: 2\r\n\r\nb1\r\n..b2\r\nb3\r\n");
	check_top(m, 99, "H: 1\r\nH: 2\r\n\r\nb1\r\n..b2\r\nb3\r\n");
	/* CRLF blank line; body without a final newline. */
	check_top("H\r\n\r\nb1\r\nb2", 0, "H\r\n\r\n");
	check_top("H\r\n\r\nb1\r\nb2", 5, "H\r\n\r\nb1\r\nb2\r\n");
	/* No blank line: all of it is header. */
	check_top("H: 1\nH: 2", 0, "H: 1\r\nH: 2\r\n");
	check_top("H: 1\nH: 2\n", 3, "H: 1\r\nH: 2\r\n");
	/* A message that starts with its blank line has no header. */
	check_top("\nbody\n", 0, "\r\n");
	/* "\r\r\n" is not a blank line. */
	check_top("H\n\r\r\nb\n\nc\n", 0, "H\r\n\r\r\nb\r\n\r\n");
	check_top("", 3, "");
}

ATF_TP_ADD_TCS(tp)
{
	ATF_TP_ADD_TC(tp, empty);
	ATF_TP_ADD_TC(tp, no_final_newline);
	ATF_TP_ADD_TC(tp, bare_cr);
	ATF_TP_ADD_TC(tp, crlf_present);
	ATF_TP_ADD_TC(tp, dots);
	ATF_TP_ADD_TC(tp, nul_bytes);
	ATF_TP_ADD_TC(tp, long_line);
	ATF_TP_ADD_TC(tp, chunk_edges);
	ATF_TP_ADD_TC(tp, random_inputs);
	ATF_TP_ADD_TC(tp, count_incremental);
	ATF_TP_ADD_TC(tp, no_endline);
	ATF_TP_ADD_TC(tp, top);
	return atf_no_error();
}
