/*
 * Text in a declared charset to UTF-8, for the IMAP session process
 * (SEARCH compares in UTF-8; RFC 2231 parameters are returned in it).
 * us-ascii and utf-8 are read as UTF-8 with stray bytes taken as
 * windows-1252 (mail mislabels both often); iso-8859-1 is read as
 * windows-1252 as browsers do (C1 controls never occur in real text);
 * anything else goes through iconv(3).  Conversion streams: a
 * sequence split between two calls is held until the next.
 */
#include <errno.h>
#include <iconv.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "buf.h"
#include "mime.h"
#include "mime_local.h"

#define CONV_UTF8	0
#define CONV_1252	1
#define CONV_ICONV	2

#define OUTCHUNK	1024

struct mime_conv {
	int		 kind;
	iconv_t		 cd;
	unsigned char	 pend[16];
	size_t		 npend;
};

static const unsigned short cp1252[32] = {
	0x20ac, 0x0081, 0x201a, 0x0192, 0x201e, 0x2026, 0x2020, 0x2021,
	0x02c6, 0x2030, 0x0160, 0x2039, 0x0152, 0x008d, 0x017d, 0x008f,
	0x0090, 0x2018, 0x2019, 0x201c, 0x201d, 0x2022, 0x2013, 0x2014,
	0x02dc, 0x2122, 0x0161, 0x203a, 0x0153, 0x009d, 0x017e, 0x0178
};

static const char *const utf8_names[] = {
	"utf-8", "utf8", "us-ascii", "ascii", "us", "ansi_x3.4-1968",
	"iso646-us", "x-unknown", "unknown-8bit", "unknown", NULL
};
static const char *const latin_names[] = {
	"iso-8859-1", "iso8859-1", "iso_8859-1", "latin1", "l1", "cp819",
	"iso-ir-100", "windows-1252", "cp1252", "x-cp1252", "ms-ansi", NULL
};
/* Labels glibc does not know, or knows as a smaller set. */
static const char *const aliases[][2] = {
	{ "ks_c_5601-1987", "CP949" },
	{ "ks_c_5601", "CP949" },
	{ "euc-kr", "CP949" },
	{ "gb2312", "GBK" },
	{ "x-gbk", "GBK" },
	{ "x-sjis", "SHIFT_JIS" },
	{ "shift-jis", "SHIFT_JIS" },
	{ "x-mac-roman", "MACINTOSH" },
	{ NULL, NULL }
};

static int	kind_of(const char *, const char **);
static int	in_list(const char *const *, const char *);
static int	plain_name(const char *);
static int	out_cp(unsigned int, unsigned char *, size_t *, mime_out_fn,
		    void *);
static int	flush(unsigned char *, size_t *, mime_out_fn, void *);
static int	feed_utf8(struct mime_conv *, const unsigned char *, size_t,
		    int, mime_out_fn, void *);
static int	feed_iconv(struct mime_conv *, const unsigned char *, size_t,
		    mime_out_fn, void *);
static int	to_buf(void *, const void *, size_t);

/*
 * Names iconv is asked about: letters, digits and the punctuation of
 * registered charset names, nothing that could look like a path.
 */
static int
plain_name(const char *s)
{
	static const char	ok[] = "abcdefghijklmnopqrstuvwxyz"
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.:+()";
	size_t			n;

	for (n = 0; s[n] != '\0'; n++)
		if (n >= 64 || strchr(ok, s[n]) == NULL)
			return 0;
	return n > 0;
}

static int
in_list(const char *const *l, const char *s)
{
	for (; *l != NULL; l++)
		if (strcasecmp(*l, s) == 0)
			return 1;
	return 0;
}

/* How to read a charset; for iconv, *ic is the name to give it. */
static int
kind_of(const char *cs, const char **ic)
{
	size_t	i;

	*ic = cs;
	if (in_list(utf8_names, cs))
		return CONV_UTF8;
	if (in_list(latin_names, cs))
		return CONV_1252;
	for (i = 0; aliases[i][0] != NULL; i++)
		if (strcasecmp(aliases[i][0], cs) == 0)
			*ic = aliases[i][1];
	return CONV_ICONV;
}

int
mime_charset_known(const char *cs)
{
	const char	*ic;
	iconv_t		 cd;

	if (kind_of(cs, &ic) != CONV_ICONV)
		return 1;
	if (!plain_name(ic) || (cd = iconv_open("UTF-8", ic)) == (iconv_t)-1)
		return 0;
	iconv_close(cd);
	return 1;
}

/* A converter from cs; an unknown charset reads as us-ascii. */
struct mime_conv *
mime_conv_open(const char *cs)
{
	struct mime_conv	*c;
	const char		*ic;

	if ((c = calloc(1, sizeof(*c))) == NULL)
		return NULL;
	c->kind = kind_of(cs == NULL ? "us-ascii" : cs, &ic);
	if (c->kind == CONV_ICONV && (!plain_name(ic) ||
	    (c->cd = iconv_open("UTF-8", ic)) == (iconv_t)-1))
		c->kind = CONV_UTF8;
	return c;
}

void
mime_conv_close(struct mime_conv *c)
{
	if (c == NULL)
		return;
	if (c->kind == CONV_ICONV)
		iconv_close(c->cd);
	free(c);
}

/* The UTF-8 form of cp into u (room for 4); its length. */
size_t
mime_utf8_encode(unsigned int cp, unsigned char *u)
{
	if (cp < 0x80) {
		u[0] = cp;
		return 1;
	}
	if (cp < 0x800) {
		u[0] = 0xc0 | cp >> 6;
		u[1] = 0x80 | (cp & 0x3f);
		return 2;
	}
	if (cp < 0x10000) {
		u[0] = 0xe0 | cp >> 12;
		u[1] = 0x80 | (cp >> 6 & 0x3f);
		u[2] = 0x80 | (cp & 0x3f);
		return 3;
	}
	u[0] = 0xf0 | cp >> 18;
	u[1] = 0x80 | (cp >> 12 & 0x3f);
	u[2] = 0x80 | (cp >> 6 & 0x3f);
	u[3] = 0x80 | (cp & 0x3f);
	return 4;
}

/* The code point of a windows-1252 octet. */
unsigned int
mime_cp1252(unsigned char c)
{
	return c >= 0x80 && c < 0xa0 ? cp1252[c - 0x80] : c;
}

/*
 * The UTF-8 sequence at s: its length with *cp set, 0 when it is not
 * valid UTF-8 (overlong, surrogate, beyond U+10FFFF), (size_t)-1 when
 * it is a valid start cut short by the end of the n bytes.
 */
size_t
mime_utf8_seq(const unsigned char *s, size_t n, unsigned int *cp)
{
	unsigned int	c = s[0], v, min;
	size_t		len, i;

	if (c < 0x80) {
		*cp = c;
		return 1;
	}
	if (c >= 0xc2 && c <= 0xdf) {
		len = 2;
		v = c & 0x1f;
		min = 0x80;
	} else if (c >= 0xe0 && c <= 0xef) {
		len = 3;
		v = c & 0x0f;
		min = 0x800;
	} else if (c >= 0xf0 && c <= 0xf4) {
		len = 4;
		v = c & 0x07;
		min = 0x10000;
	} else
		return 0;
	for (i = 1; i < len; i++) {
		if (i >= n)
			return (size_t)-1;
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		v = v << 6 | (s[i] & 0x3f);
		/* Reject overlong forms and surrogates as early as seen. */
		if (i == 1 && len == 3 && ((c == 0xe0 && s[1] < 0xa0) ||
		    (c == 0xed && s[1] >= 0xa0)))
			return 0;
		if (i == 1 && len == 4 && ((c == 0xf0 && s[1] < 0x90) ||
		    (c == 0xf4 && s[1] >= 0x90)))
			return 0;
	}
	if (v < min || v > 0x10ffff)
		return 0;
	*cp = v;
	return len;
}

static int
flush(unsigned char *o, size_t *no, mime_out_fn out, void *arg)
{
	int	r = 0;

	if (*no > 0)
		r = out(arg, o, *no);
	*no = 0;
	return r;
}

static int
out_cp(unsigned int cp, unsigned char *o, size_t *no, mime_out_fn out,
    void *arg)
{
	if (*no + 4 > OUTCHUNK && flush(o, no, out, arg) == -1)
		return -1;
	*no += mime_utf8_encode(cp, o + *no);
	return 0;
}

/* UTF-8 passes; bytes that are not UTF-8 are windows-1252. */
static int
feed_utf8(struct mime_conv *c, const unsigned char *s, size_t n, int last,
    mime_out_fn out, void *arg)
{
	unsigned char	o[OUTCHUNK];
	unsigned int	cp;
	size_t		no = 0, i = 0, k, run;

	while (i < n) {
		if (s[i] < 0x80) {
			for (run = i; run < n && s[run] < 0x80 &&
			    no + (run - i) < OUTCHUNK; run++)
				;
			memcpy(o + no, s + i, run - i);
			no += run - i;
			i = run;
			if (no == OUTCHUNK && flush(o, &no, out, arg) == -1)
				return -1;
			continue;
		}
		k = mime_utf8_seq(s + i, n - i, &cp);
		if (k == (size_t)-1 && !last) {
			memcpy(c->pend, s + i, n - i);
			c->npend = n - i;
			break;
		}
		if (k == 0 || k == (size_t)-1) {
			cp = mime_cp1252(s[i]);
			k = 1;
		}
		if (out_cp(cp, o, &no, out, arg) == -1)
			return -1;
		i += k;
	}
	return flush(o, &no, out, arg);
}

static int
feed_iconv(struct mime_conv *c, const unsigned char *s, size_t n,
    mime_out_fn out, void *arg)
{
	char	 o[OUTCHUNK], *in = (char *)s, *op;
	size_t	 inleft = n, oleft;

	while (inleft > 0) {
		op = o;
		oleft = sizeof(o);
		if (iconv(c->cd, &in, &inleft, &op, &oleft) != (size_t)-1 ||
		    errno == E2BIG) {
			if (out(arg, o, op - o) == -1)
				return -1;
			continue;
		}
		if (op > o && out(arg, o, op - o) == -1)
			return -1;
		if (errno == EINVAL && inleft < sizeof(c->pend)) {
			memcpy(c->pend, in, inleft);
			c->npend = inleft;
			return 0;
		}
		/* Not in the charset: U+FFFD, and on. */
		if (out(arg, "\xef\xbf\xbd", 3) == -1)
			return -1;
		in++;
		inleft--;
	}
	return 0;
}

/* Convert n more bytes; out() gets UTF-8 and may fail with -1. */
int
mime_conv_feed(struct mime_conv *c, const void *data, size_t n,
    mime_out_fn out, void *arg)
{
	unsigned char		 join[32];
	const unsigned char	*s = data;
	size_t			 take, had;
	int			 r;

	if (c->npend > 0) {
		/* Complete the held sequence from the new bytes first. */
		had = c->npend;
		take = n < sizeof(join) - had ? n : sizeof(join) - had;
		memcpy(join, c->pend, had);
		memcpy(join + had, s, take);
		c->npend = 0;
		r = c->kind == CONV_ICONV ?
		    feed_iconv(c, join, had + take, out, arg) :
		    feed_utf8(c, join, had + take, 0, out, arg);
		if (r == -1)
			return -1;
		if (c->npend > take) {
			if (take == n)
				return 0;	/* still short: keep it */
			/* No charset has sequences this long. */
			c->npend = 0;
			if (out(arg, "\xef\xbf\xbd", 3) == -1)
				return -1;
		}
		/* What is held now came from s: read it again from s. */
		s += take - c->npend;
		n -= take - c->npend;
		c->npend = 0;
	}
	if (c->kind == CONV_ICONV)
		return feed_iconv(c, s, n, out, arg);
	if (c->kind == CONV_1252) {
		unsigned char	o[OUTCHUNK];
		size_t		no = 0, i;

		for (i = 0; i < n; i++) {
			if (s[i] < 0x80) {
				if (no == OUTCHUNK &&
				    flush(o, &no, out, arg) == -1)
					return -1;
				o[no++] = s[i];
			} else if (out_cp(mime_cp1252(s[i]), o, &no, out,
			    arg) == -1)
				return -1;
		}
		return flush(o, &no, out, arg);
	}
	return feed_utf8(c, s, n, 0, out, arg);
}

/* The end of the text: a held partial sequence is not UTF-8. */
int
mime_conv_finish(struct mime_conv *c, mime_out_fn out, void *arg)
{
	char	o[OUTCHUNK], *op = o;
	size_t	n = c->npend, oleft = sizeof(o);

	c->npend = 0;
	if (c->kind == CONV_ICONV) {
		if (n > 0 && out(arg, "\xef\xbf\xbd", 3) == -1)
			return -1;
		(void)iconv(c->cd, NULL, NULL, &op, &oleft);
		if (op > o && out(arg, o, op - o) == -1)
			return -1;
		(void)iconv(c->cd, NULL, NULL, NULL, NULL);
		return 0;
	}
	return feed_utf8(c, c->pend, n, 1, out, arg);
}

static int
to_buf(void *arg, const void *data, size_t n)
{
	return buf_add(arg, data, n);
}

/*
 * Append the UTF-8 form of n bytes in charset cs to b (NUL-terminated;
 * an unknown charset reads as us-ascii).  Returns 0, -1 out of memory.
 */
int
mime_to_utf8(struct buf *b, const char *cs, const void *data, size_t n)
{
	struct mime_conv	*c;
	int			 r;

	if ((c = mime_conv_open(cs)) == NULL)
		return -1;
	r = mime_conv_feed(c, data, n, to_buf, b);
	if (r == 0)
		r = mime_conv_finish(c, to_buf, b);
	mime_conv_close(c);
	if (r == 0)
		r = buf_add(b, "", 0);
	return r;
}
