/*
 * Unit tests for lib/compat, the libbsd functions the per-connection
 * programs link in place of libbsd, each against libbsd's own, which
 * this program links too (the Makefile builds the compat objects a
 * second time with their names prefixed compat_).  strnvis() for every
 * byte under every combination of the flags it knows, and for random
 * strings into every buffer size with the flags the tree uses;
 * strlcpy() and strlcat() on random strings and sizes; strtonum() on
 * edge cases and random numbers; getopt() on argument vectors, optreset
 * included.  Where libbsd 0.11 departs from what its functions document
 * (strnvis writing one byte past a buffer it fills, strtonum leaving
 * errno alone), the cases say so and test the documented behaviour.
 * Run by Kyua from regress/unit.
 */
#include <errno.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <vis.h>

#include <atf-c.h>

#include "compat/compat.h"

size_t		compat_strlcpy(char *, const char *, size_t);
size_t		compat_strlcat(char *, const char *, size_t);
long long	compat_strtonum(const char *, long long, long long,
		    const char **);
void		compat_freezero(void *, size_t);
int		compat_strnvis(char *, const char *, size_t, int);
int		compat_bsd_getopt(int, char * const [], const char *);
extern int	compat_optreset;

#define GUARD		16
#define GUARDBYTE	0xa5
#define MAXSTR		48
#define BIG		(4 * MAXSTR + 1)

static const int tree_flags[] = {
	VIS_SAFE | VIS_CSTYLE | VIS_OCTAL,		/* log_safe() */
	VIS_SAFE | VIS_CSTYLE | VIS_OCTAL | VIS_DQ,	/* request_vis() */
	VIS_TAB | VIS_NL | VIS_CSTYLE | VIS_OCTAL,	/* control's field() */
};

static uint64_t	rng_state;

static void	rng_seed(uint64_t);
static uint32_t	rng(uint32_t);
static size_t	random_string(char *, size_t, int);
static int	next_flags(int);
static void	vis_compare(const char *, int);
static void	vis_truncated(const char *, int);
static const char *show(const char *);
static void	getopt_compare(int, char **, const char *);

/* A fixed sequence, so a failure can be replayed. */
static void
rng_seed(uint64_t seed)
{
	rng_state = seed;
}

static uint32_t
rng(uint32_t n)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return (uint32_t)(rng_state >> 32) % n;
}

/* Up to max - 1 bytes, no NUL; mostly_ascii makes the others rarer. */
static size_t
random_string(char *s, size_t max, int mostly_ascii)
{
	size_t	len, i;

	len = rng(max);
	for (i = 0; i < len; i++) {
		if (mostly_ascii && rng(4) != 0)
			s[i] = (char)(' ' + rng(0x7f - ' '));
		else
			s[i] = (char)(1 + rng(255));
	}
	s[len] = '\0';
	return len;
}

/* The subsets of COMPAT_VIS_FLAGS, 0 first; 0 again after the last. */
static int
next_flags(int f)
{
	return (f - COMPAT_VIS_FLAGS) & COMPAT_VIS_FLAGS;
}

/* Printable for a failure message: one of two static buffers in turn. */
static const char *
show(const char *s)
{
	static char	bufs[2][4 * BIG + 1];
	static int	turn;
	char		*buf = bufs[turn++ & 1];
	size_t		i, o = 0;

	for (i = 0; s[i] != '\0' && o + 5 < sizeof(bufs[0]); i++) {
		if (s[i] >= ' ' && s[i] < 0x7f)
			buf[o++] = s[i];
		else
			o += (size_t)snprintf(buf + o, sizeof(bufs[0]) - o,
			    "<%02x>", (unsigned char)s[i]);
	}
	buf[o] = '\0';
	return buf;
}

/* Both encodings of src in a buffer large enough. */
static void
vis_compare(const char *src, int flag)
{
	char	want[BIG], got[BIG];
	int	rw, rg;

	rw = strnvis(want, src, sizeof(want), flag);
	rg = compat_strnvis(got, src, sizeof(got), flag);
	ATF_REQUIRE_MSG(rw >= 0 && (size_t)rw < sizeof(want),
	    "libbsd gave %d for %s", rw, show(src));
	if (rg != rw || strcmp(got, want) != 0) {
		atf_tc_fail_nonfatal("flags %#x, src %s: libbsd %d \"%s\"",
		    flag, show(src), rw, show(want));
		atf_tc_fail("flags %#x, src %s: compat %d \"%s\"", flag,
		    show(src), rg, show(got));
	}
}

/*
 * src into every buffer size from 0 to one past its encoding.  libbsd
 * writes up to dlen + 1 bytes, so its buffer has room for that; ours
 * must match libbsd's bytes below dlen - 1, end in a NUL inside the
 * buffer and leave the guard after it alone.
 */
static void
vis_truncated(const char *src, int flag)
{
	char	full[BIG], lb[BIG + 1], ours[BIG + GUARD];
	size_t	elen, dlen, k, i;
	int	rl, ro;

	elen = (size_t)strnvis(full, src, sizeof(full), flag);
	for (dlen = 0; dlen <= elen + 1; dlen++) {
		memset(lb, GUARDBYTE, sizeof(lb));
		memset(ours, GUARDBYTE, sizeof(ours));
		rl = strnvis(lb, src, dlen, flag);
		ro = compat_strnvis(ours, src, dlen, flag);
		ATF_REQUIRE_EQ_MSG(ro, rl, "flags %#x, src %s, dlen %zu",
		    flag, show(src), dlen);
		for (i = dlen; i < dlen + GUARD; i++)
			ATF_REQUIRE_MSG((unsigned char)ours[i] == GUARDBYTE,
			    "flags %#x, src %s, dlen %zu: byte %zu written",
			    flag, show(src), dlen, i);
		if (dlen == 0)
			continue;
		k = elen < dlen - 1 ? elen : dlen - 1;
		ATF_REQUIRE_MSG(memcmp(ours, full, k) == 0 && ours[k] == '\0',
		    "flags %#x, src %s, dlen %zu: \"%s\"", flag, show(src),
		    dlen, show(ours));
		ATF_REQUIRE_MSG(memcmp(ours, lb, k) == 0,
		    "flags %#x, src %s, dlen %zu: libbsd differs", flag,
		    show(src), dlen);
	}
}

ATF_TC_WITHOUT_HEAD(strnvis_every_byte);
ATF_TC_BODY(strnvis_every_byte, tc)
{
	char	s[3];
	int	f, c;

	f = 0;
	do {
		for (c = 1; c < 256; c++) {
			s[0] = (char)c;
			s[1] = '\0';
			vis_compare(s, f);
			/* What follows must not change how c is encoded. */
			s[1] = '0';
			s[2] = '\0';
			vis_compare(s, f);
		}
		f = next_flags(f);
	} while (f != 0);
}

ATF_TC_WITHOUT_HEAD(strnvis_random_all_flags);
ATF_TC_BODY(strnvis_random_all_flags, tc)
{
	char	s[MAXSTR];
	int	f, i;

	rng_seed(0x9e3779b97f4a7c15ULL);
	f = 0;
	do {
		for (i = 0; i < 60; i++) {
			random_string(s, sizeof(s), i & 1);
			vis_compare(s, f);
		}
		f = next_flags(f);
	} while (f != 0);
}

ATF_TC_WITHOUT_HEAD(strnvis_truncation);
ATF_TC_BODY(strnvis_truncation, tc)
{
	char	s[MAXSTR];
	size_t	t;
	int	i;

	rng_seed(0x243f6a8885a308d3ULL);
	for (t = 0; t < sizeof(tree_flags) / sizeof(tree_flags[0]); t++) {
		for (i = 0; i < 400; i++) {
			random_string(s, sizeof(s), i & 1);
			vis_truncated(s, tree_flags[t]);
		}
		vis_truncated("", tree_flags[t]);
		vis_truncated("\\\"\x01\xff\t\n\r", tree_flags[t]);
	}
}

/* What log_safe() does to a long client string in a small buffer. */
ATF_TC_WITHOUT_HEAD(strnvis_stays_inside);
ATF_TC_BODY(strnvis_stays_inside, tc)
{
	char	*b;

	ATF_REQUIRE((b = malloc(8)) != NULL);
	ATF_CHECK_EQ(compat_strnvis(b, "0123456789", 8,
	    VIS_SAFE | VIS_CSTYLE | VIS_OCTAL), 8);
	ATF_CHECK_STREQ(b, "0123456");
	ATF_CHECK_EQ(compat_strnvis(b, "ab\x01", 8,
	    VIS_SAFE | VIS_CSTYLE | VIS_OCTAL), 6);
	ATF_CHECK_STREQ(b, "ab\\001");
	/* Cut inside an escape, as libbsd cuts it. */
	ATF_CHECK_EQ(compat_strnvis(b, "abcd\x01", 8,
	    VIS_SAFE | VIS_CSTYLE | VIS_OCTAL), 8);
	ATF_CHECK_STREQ(b, "abcd\\00");
	free(b);
	/* dlen 0: nothing written at all. */
	ATF_CHECK_EQ(compat_strnvis(NULL, "abc", 0, VIS_SAFE), 0);
}

ATF_TC_WITHOUT_HEAD(strnvis_unknown_flags);
ATF_TC_BODY(strnvis_unknown_flags, tc)
{
	static const int	 bad[] = { VIS_NOSLASH, VIS_HTTPSTYLE,
	    VIS_MIMESTYLE, VIS_GLOB, VIS_SHELL, VIS_SAFE | VIS_GLOB };
	char			 b[16];
	size_t			 i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		memset(b, 'x', sizeof(b));
		errno = 0;
		ATF_CHECK_EQ(compat_strnvis(b, "a*b", sizeof(b), bad[i]), -1);
		ATF_CHECK_EQ(errno, EINVAL);
		ATF_CHECK_STREQ(b, "");
	}
	ATF_CHECK_EQ(compat_strnvis(NULL, "a", 0, VIS_HTTPSTYLE), -1);
}

/* libbsd's sets EILSEQ on 8-bit input; a log_warn() argument must not. */
ATF_TC_WITHOUT_HEAD(strnvis_keeps_errno);
ATF_TC_BODY(strnvis_keeps_errno, tc)
{
	char	b[32];

	errno = EACCES;
	ATF_CHECK_EQ(compat_strnvis(b, "caf\xc3\xa9", sizeof(b),
	    VIS_SAFE | VIS_CSTYLE | VIS_OCTAL), 11);
	ATF_CHECK_STREQ(b, "caf\\303\\251");
	ATF_CHECK_EQ(errno, EACCES);
}

ATF_TC_WITHOUT_HEAD(strlcpy_random);
ATF_TC_BODY(strlcpy_random, tc)
{
	char	src[MAXSTR], a[MAXSTR + GUARD], b[MAXSTR + GUARD];
	size_t	siz, ra, rb;
	int	i;

	rng_seed(0xb7e151628aed2a6aULL);
	for (i = 0; i < 5000; i++) {
		random_string(src, sizeof(src), 1);
		siz = rng(MAXSTR);
		memset(a, GUARDBYTE, sizeof(a));
		memset(b, GUARDBYTE, sizeof(b));
		ra = strlcpy(a, src, siz);
		rb = compat_strlcpy(b, src, siz);
		ATF_REQUIRE_EQ(rb, ra);
		ATF_REQUIRE_EQ(rb, strlen(src));
		ATF_REQUIRE(memcmp(a, b, sizeof(a)) == 0);
	}
}

/* dst sometimes has no NUL within siz: nothing is appended then. */
ATF_TC_WITHOUT_HEAD(strlcat_random);
ATF_TC_BODY(strlcat_random, tc)
{
	char	src[MAXSTR], a[2 * MAXSTR + GUARD], b[2 * MAXSTR + GUARD];
	size_t	siz, ra, rb, dl;
	int	i;

	rng_seed(0x452821e638d01377ULL);
	for (i = 0; i < 5000; i++) {
		memset(a, GUARDBYTE, sizeof(a));
		dl = random_string(a, MAXSTR, 1);
		if (rng(4) == 0)
			a[dl] = 'z';
		memcpy(b, a, sizeof(b));
		random_string(src, sizeof(src), 1);
		siz = rng(2 * MAXSTR);
		ra = strlcat(a, src, siz);
		rb = compat_strlcat(b, src, siz);
		ATF_REQUIRE_EQ(rb, ra);
		ATF_REQUIRE(memcmp(a, b, sizeof(a)) == 0);
	}
	strlcpy(a, "abc", sizeof(a));
	ATF_CHECK_EQ(compat_strlcat(a, "defg", 6), 7);
	ATF_CHECK_STREQ(a, "abcde");
	ATF_CHECK_EQ(compat_strlcat(a, "x", 3), 3 + 1);
	ATF_CHECK_STREQ(a, "abcde");
}

ATF_TC_WITHOUT_HEAD(strtonum_libbsd);
ATF_TC_BODY(strtonum_libbsd, tc)
{
	static const char	*in[] = { "0", "12", " 12", "+12", "-5", "",
	    " ", "x", "12x", "12 ", "0x10", "010", "\t-3", "-0", "--1",
	    "9223372036854775807", "9223372036854775808",
	    "-9223372036854775808", "-9223372036854775809",
	    "99999999999999999999999", "4294967295", "4294967296" };
	static const long long	 range[][2] = { { 0, 50 }, { -10, 10 },
	    { 5, 6 }, { 0, LLONG_MAX }, { LLONG_MIN, LLONG_MAX },
	    { LLONG_MIN, -1 }, { 0, UINT32_MAX } };
	const char		*ea, *eb;
	char			 s[32];
	long long		 va, vb;
	size_t			 i, j;
	int			 k;

	for (i = 0; i < sizeof(in) / sizeof(in[0]); i++)
		for (j = 0; j < sizeof(range) / sizeof(range[0]); j++) {
			va = strtonum(in[i], range[j][0], range[j][1], &ea);
			vb = compat_strtonum(in[i], range[j][0], range[j][1],
			    &eb);
			ATF_CHECK_EQ_MSG(vb, va, "\"%s\" in %lld..%lld", in[i],
			    range[j][0], range[j][1]);
			ATF_CHECK_MSG((ea == NULL && eb == NULL) ||
			    (ea != NULL && eb != NULL && strcmp(ea, eb) == 0),
			    "\"%s\" in %lld..%lld: libbsd %s, compat %s",
			    in[i], range[j][0], range[j][1],
			    ea ? ea : "ok", eb ? eb : "ok");
		}
	rng_seed(0x13198a2e03707344ULL);
	for (k = 0; k < 20000; k++) {
		(void)snprintf(s, sizeof(s), "%s%u%u", rng(3) ? "" : "-",
		    rng(UINT32_MAX), rng(1000));
		j = rng(sizeof(range) / sizeof(range[0]));
		va = strtonum(s, range[j][0], range[j][1], &ea);
		vb = compat_strtonum(s, range[j][0], range[j][1], &eb);
		ATF_REQUIRE_EQ_MSG(vb, va, "%s", s);
		ATF_REQUIRE_MSG((ea == NULL && eb == NULL) || (ea != NULL &&
		    eb != NULL && strcmp(ea, eb) == 0),
		    "\"%s\" in %lld..%lld: libbsd %s, compat %s", s,
		    range[j][0], range[j][1], ea ? ea : "ok", eb ? eb : "ok");
	}
}

/*
 * What OpenBSD documents and libbsd 0.11 does not do: errno EINVAL or
 * ERANGE on failure, minval > maxval "invalid", and a number below
 * minval "too small" when minval == maxval.
 */
ATF_TC_WITHOUT_HEAD(strtonum_documented);
ATF_TC_BODY(strtonum_documented, tc)
{
	const char	*e;

	errno = EACCES;
	ATF_CHECK_EQ(compat_strtonum("42", 0, 100, &e), 42);
	ATF_CHECK(e == NULL);
	ATF_CHECK_EQ(errno, EACCES);
	ATF_CHECK_EQ(compat_strtonum("42x", 0, 100, &e), 0);
	ATF_CHECK_STREQ(e, "invalid");
	ATF_CHECK_EQ(errno, EINVAL);
	ATF_CHECK_EQ(compat_strtonum("-1", 0, 100, &e), 0);
	ATF_CHECK_STREQ(e, "too small");
	ATF_CHECK_EQ(errno, ERANGE);
	ATF_CHECK_EQ(compat_strtonum("101", 0, 100, &e), 0);
	ATF_CHECK_STREQ(e, "too large");
	ATF_CHECK_EQ(errno, ERANGE);
	ATF_CHECK_EQ(compat_strtonum("5", 10, 1, &e), 0);
	ATF_CHECK_STREQ(e, "invalid");
	ATF_CHECK_EQ(errno, EINVAL);
	/* libbsd has this one "too large". */
	ATF_CHECK_EQ(compat_strtonum("0", 5, 5, &e), 0);
	ATF_CHECK_STREQ(e, "too small");
	ATF_CHECK_EQ(compat_strtonum("5", 5, 5, &e), 5);
	ATF_CHECK(e == NULL);
	ATF_CHECK_EQ(compat_strtonum(NULL, 0, 1, &e), 0);
	ATF_CHECK_STREQ(e, "invalid");
	errno = 0;
	ATF_CHECK_EQ(compat_strtonum("7", 0, 10, NULL), 7);
	ATF_CHECK_EQ(compat_strtonum("70", 0, 10, NULL), 0);
	ATF_CHECK_EQ(errno, ERANGE);
}

ATF_TC_WITHOUT_HEAD(freezero_any);
ATF_TC_BODY(freezero_any, tc)
{
	char	*p;

	compat_freezero(NULL, 0);
	compat_freezero(NULL, 64);
	ATF_REQUIRE((p = strdup("a password")) != NULL);
	compat_freezero(p, strlen(p) + 1);
	ATF_REQUIRE((p = malloc(1)) != NULL);
	compat_freezero(p, 0);
}

/*
 * One getopt loop with libbsd's bsd_getopt() and one with ours, each on
 * its own copy of argv (glibc moves operands behind the options): the
 * same options, arguments, optind and final order.  Then both again
 * after optreset.  glibc sets optopt only for an error and keeps it
 * across runs, so it is compared only then.
 */
#define REPORTED(ch)	((ch) == '?' || (ch) == ':' ? optopt : 0)

/*
 * One pass of a getopt over argv: what it returned, where optind was,
 * and the arguments, as text in r.  pass 0 starts afresh (optind 0),
 * pass 1 again with optreset.
 */
static size_t
getopt_run(int (*fn)(int, char * const *, const char *), int *reset,
    int argc, char **argv, const char *opts, int pass, char *r, size_t rlen)
{
	size_t	l = 0;
	int	ch;

	if (pass == 0)
		optind = 0;
	else {
		*reset = 1;
		optind = 1;
	}
	while ((ch = fn(argc, argv, opts)) != -1)
		l += (size_t)snprintf(r + l, rlen - l, "%c/%d/%d/%s ", ch,
		    REPORTED(ch), optind, optarg ? optarg : "-");
	l += (size_t)snprintf(r + l, rlen - l, "end %d", optind);
	return l;
}

static void
getopt_compare(int argc, char **argv, const char *opts)
{
	char	*va[16], *vb[16], ra[256], rb[256];
	size_t	 la, lb;
	int	 pass, i;

	ATF_REQUIRE(argc < 16);
	memcpy(va, argv, (argc + 1) * sizeof(*argv));
	memcpy(vb, argv, (argc + 1) * sizeof(*argv));
	opterr = 0;
	for (pass = 0; pass < 2; pass++) {
		la = getopt_run(bsd_getopt, &optreset, argc, va, opts, pass,
		    ra, sizeof(ra));
		lb = getopt_run(compat_bsd_getopt, &compat_optreset, argc, vb,
		    opts, pass, rb, sizeof(rb));
		ATF_REQUIRE(la < sizeof(ra) && lb < sizeof(rb));
		ATF_CHECK_STREQ_MSG(rb, ra, "%s pass %d", opts, pass);
		for (i = 0; i < argc; i++)
			ATF_CHECK_STREQ(vb[i], va[i]);
	}
	ATF_CHECK_EQ(compat_optreset, 0);
}

ATF_TC_WITHOUT_HEAD(getopt_libbsd);
ATF_TC_BODY(getopt_libbsd, tc)
{
	char	*v1[] = { "p", "-d", "a", "-v", "-f", NULL };
	char	*v2[] = { "p", "-dv", "-fx", "--", "-d", NULL };
	char	*v3[] = { "p", "-x", "-f", NULL };
	char	*v4[] = { "p", NULL };
	char	*v5[] = { "p", "-", "-d", "-f", "arg", "b", NULL };
	char	*v6[] = { "p", "-dvd", "-v", NULL };

	getopt_compare(5, v1, "df:v");
	getopt_compare(5, v1, ":df:v");
	getopt_compare(5, v2, "df:v");
	getopt_compare(3, v3, "df:v");
	getopt_compare(3, v3, ":df:v");
	getopt_compare(1, v4, "d");
	getopt_compare(6, v5, "df:v");
	getopt_compare(6, v5, "+df:v");
	getopt_compare(3, v6, "dv");
	getopt_compare(3, v6, "d");
}

ATF_TP_ADD_TCS(tp)
{
	ATF_TP_ADD_TC(tp, strnvis_every_byte);
	ATF_TP_ADD_TC(tp, strnvis_random_all_flags);
	ATF_TP_ADD_TC(tp, strnvis_truncation);
	ATF_TP_ADD_TC(tp, strnvis_stays_inside);
	ATF_TP_ADD_TC(tp, strnvis_unknown_flags);
	ATF_TP_ADD_TC(tp, strnvis_keeps_errno);
	ATF_TP_ADD_TC(tp, strlcpy_random);
	ATF_TP_ADD_TC(tp, strlcat_random);
	ATF_TP_ADD_TC(tp, strtonum_libbsd);
	ATF_TP_ADD_TC(tp, strtonum_documented);
	ATF_TP_ADD_TC(tp, freezero_any);
	ATF_TP_ADD_TC(tp, getopt_libbsd);
	return atf_no_error();
}
