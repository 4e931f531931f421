/*
 * Case-insensitive substring search over UTF-8 for the IMAP session
 * process's SEARCH (RFC 3501 6.4.4, RFC 9051 6.4.4: "case-insensitive
 * substring").  Both sides are case folded with the simple folding of
 * Unicode's CaseFolding.txt for ASCII, Latin-1, Latin Extended-A,
 * most of Latin Extended-B and Additional, Greek, Cyrillic, Armenian
 * and the fullwidth Latin letters; other characters compare as they
 * are.  The match is Knuth-Morris-Pratt over the folded bytes, fed in
 * pieces, so a part's text is searched as it is decoded, in linear
 * time, without holding it.
 */
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "mime.h"
#include "mime_local.h"

struct chain {
	struct mime_conv	*cv;
	struct mime_match	*mt;
};

static unsigned int	fold_cp(unsigned int);
static void		step(struct mime_match *, unsigned char);
static size_t		next_cp(const unsigned char *, size_t, int,
			    unsigned int *);
static int		to_match(void *, const void *, size_t);
static int		to_conv(void *, const void *, size_t);

/* Greek letter forms that fold to another letter. */
static const unsigned short greek[][2] = {
	{ 0x3c2, 0x3c3 }, { 0x3d0, 0x3b2 }, { 0x3d1, 0x3b8 }, { 0x3d5, 0x3c6 },
	{ 0x3d6, 0x3c0 }, { 0x3f0, 0x3ba }, { 0x3f1, 0x3c1 }, { 0x3f5, 0x3b5 }
};

#define EVEN_UP(c, lo, hi)	((c) >= (lo) && (c) <= (hi) && !((c) & 1))
#define ODD_UP(c, lo, hi)	((c) >= (lo) && (c) <= (hi) && ((c) & 1))

static unsigned int
fold_cp(unsigned int c)
{
	size_t	i;

	if (c < 0x80)
		return c >= 'A' && c <= 'Z' ? c + 32 : c;
	if (c < 0x100) {
		if (c >= 0xc0 && c <= 0xde && c != 0xd7)
			return c + 32;
		return c == 0xb5 ? 0x3bc : c;
	}
	if (c <= 0x17f) {
		if (c == 0x130 || c == 0x131 || c == 0x138 || c == 0x149)
			return c;
		if (c == 0x178)
			return 0xff;
		if (c == 0x17f)
			return 's';
		if (ODD_UP(c, 0x139, 0x148) || ODD_UP(c, 0x179, 0x17e))
			return c + 1;
		if (EVEN_UP(c, 0x100, 0x137) || EVEN_UP(c, 0x14a, 0x177))
			return c + 1;
		return c;
	}
	if (c <= 0x24f) {
		if (c == 0x1c4 || c == 0x1c5)
			return 0x1c6;
		if (c == 0x1c7 || c == 0x1c8)
			return 0x1c9;
		if (c == 0x1ca || c == 0x1cb)
			return 0x1cc;
		if (c == 0x1f1 || c == 0x1f2)
			return 0x1f3;
		if (c == 0x1f4)
			return 0x1f5;
		if (ODD_UP(c, 0x1cd, 0x1dc) || EVEN_UP(c, 0x1de, 0x1ef) ||
		    EVEN_UP(c, 0x1f8, 0x21f) || EVEN_UP(c, 0x222, 0x233) ||
		    EVEN_UP(c, 0x246, 0x24f))
			return c + 1;
		return c;
	}
	if (c >= 0x370 && c <= 0x3ff) {
		if (c == 0x386)
			return 0x3ac;
		if (c >= 0x388 && c <= 0x38a)
			return c + 37;
		if (c == 0x38c)
			return 0x3cc;
		if (c == 0x38e || c == 0x38f)
			return c + 63;
		if ((c >= 0x391 && c <= 0x3a1) || (c >= 0x3a3 && c <= 0x3ab))
			return c + 32;
		for (i = 0; i < sizeof(greek) / sizeof(greek[0]); i++)
			if (greek[i][0] == c)
				return greek[i][1];
		return EVEN_UP(c, 0x3d8, 0x3ef) ? c + 1 : c;
	}
	if (c >= 0x400 && c <= 0x52f) {
		if (c <= 0x40f)
			return c + 80;
		if (c <= 0x42f)
			return c + 32;
		if (c == 0x4c0)
			return 0x4cf;
		if (EVEN_UP(c, 0x460, 0x481) || EVEN_UP(c, 0x48a, 0x4bf) ||
		    ODD_UP(c, 0x4c1, 0x4ce) || EVEN_UP(c, 0x4d0, 0x52f))
			return c + 1;
		return c;
	}
	if (c >= 0x531 && c <= 0x556)
		return c + 48;
	if (c >= 0x1e00 && c <= 0x1eff) {
		if (c == 0x1e9b)
			return 0x1e61;
		if (c == 0x1e9e)
			return 0xdf;
		if (EVEN_UP(c, 0x1e00, 0x1e95) || EVEN_UP(c, 0x1ea0, 0x1eff))
			return c + 1;
		return c;
	}
	if (c == 0x2126)
		return 0x3c9;
	if (c == 0x212a)
		return 'k';
	if (c == 0x212b)
		return 0xe5;
	if (c >= 0xff21 && c <= 0xff3a)
		return c + 32;
	return c;
}

/*
 * The code point at s (a byte that is not UTF-8 counts as
 * windows-1252); 0 when a sequence is cut short and more may come.
 */
static size_t
next_cp(const unsigned char *s, size_t n, int more, unsigned int *cp)
{
	size_t	k;

	k = mime_utf8_seq(s, n, cp);
	if (k == (size_t)-1 && more)
		return 0;
	if (k == 0 || k == (size_t)-1) {
		*cp = mime_cp1252(s[0]);
		k = 1;
	}
	return k;
}

/* Append the case-folded UTF-8 form of n bytes to b. */
int
mime_fold(struct buf *b, const void *data, size_t n)
{
	const unsigned char	*s = data;
	unsigned char		 u[4];
	unsigned int		 cp;
	size_t			 i, k;

	for (i = 0; i < n; i += k) {
		k = next_cp(s + i, n - i, 0, &cp);
		if (buf_add(b, u, mime_utf8_encode(fold_cp(cp), u)) == -1)
			return -1;
	}
	return buf_add(b, "", 0);
}

/* Ready to look for needle (UTF-8) in what mime_match_feed() gets. */
int
mime_match_init(struct mime_match *mt, const void *needle, size_t n)
{
	struct buf	f;
	size_t		i, k;

	memset(mt, 0, sizeof(*mt));
	buf_init(&f);
	if (mime_fold(&f, needle, n) == -1) {
		buf_free(&f);
		return -1;
	}
	mt->needle = f.data;
	mt->len = f.len;
	if (mt->len == 0) {
		mt->found = 1;
		return 0;
	}
	if ((mt->fail = reallocarray(NULL, mt->len, sizeof(size_t))) == NULL) {
		mime_match_free(mt);
		return -1;
	}
	mt->fail[0] = 0;
	for (i = 1, k = 0; i < mt->len; i++) {
		while (k > 0 && mt->needle[i] != mt->needle[k])
			k = mt->fail[k - 1];
		if (mt->needle[i] == mt->needle[k])
			k++;
		mt->fail[i] = k;
	}
	return 0;
}

/* Search again from the start of a new text. */
void
mime_match_reset(struct mime_match *mt)
{
	mt->state = 0;
	mt->npend = 0;
	mt->found = mt->len == 0;
}

void
mime_match_free(struct mime_match *mt)
{
	free(mt->needle);
	free(mt->fail);
	memset(mt, 0, sizeof(*mt));
}

static void
step(struct mime_match *mt, unsigned char c)
{
	while (mt->state > 0 && mt->needle[mt->state] != c)
		mt->state = mt->fail[mt->state - 1];
	if (mt->needle[mt->state] == c)
		mt->state++;
	if (mt->state == mt->len) {
		mt->found = 1;
		mt->state = mt->fail[mt->len - 1];
	}
}

/* The next bytes of the text; returns 1 once the needle was seen. */
int
mime_match_feed(struct mime_match *mt, const void *data, size_t n)
{
	const unsigned char	*s = data;
	unsigned char		 u[4], join[8];
	unsigned int		 cp;
	size_t			 i = 0, k, j, had, take, ul;

	if (mt->found)
		return 1;
	while (mt->npend > 0) {
		/* A sequence split by the caller: finish it first. */
		had = mt->npend;
		take = n < sizeof(join) - had ? n : sizeof(join) - had;
		memcpy(join, mt->pend, had);
		memcpy(join + had, s, take);
		mt->npend = 0;
		if ((k = next_cp(join, had + take, take == n, &cp)) == 0) {
			memcpy(mt->pend, join, had + take);
			mt->npend = had + take;
			return 0;
		}
		ul = mime_utf8_encode(fold_cp(cp), u);
		for (j = 0; j < ul; j++)
			step(mt, u[j]);
		if (k < had) {
			/* Held bytes that were no sequence: look again. */
			memmove(mt->pend, join + k, had - k);
			mt->npend = had - k;
			continue;
		}
		i = k - had;
	}
	for (; i < n && !mt->found; i += k) {
		if ((k = next_cp(s + i, n - i, 1, &cp)) == 0) {
			memcpy(mt->pend, s + i, n - i);
			mt->npend = n - i;
			break;
		}
		ul = mime_utf8_encode(fold_cp(cp), u);
		for (j = 0; j < ul; j++)
			step(mt, u[j]);
	}
	return mt->found;
}

/* One-shot: is needle in hay?  1, 0, or -1 out of memory. */
int
mime_match_text(const void *needle, size_t nlen, const void *hay,
    size_t hlen)
{
	struct mime_match	mt;
	int			r;

	if (mime_match_init(&mt, needle, nlen) == -1)
		return -1;
	mime_match_feed(&mt, hay, hlen);
	r = mt.found;
	mime_match_free(&mt);
	return r;
}

static int
to_match(void *arg, const void *data, size_t n)
{
	struct mime_match	*mt = arg;

	return mime_match_feed(mt, data, n) ? -1 : 0;
}

static int
to_conv(void *arg, const void *data, size_t n)
{
	struct chain	*c = arg;

	return mime_conv_feed(c->cv, data, n, to_match, c->mt);
}

/*
 * Search the text of a part: its body transfer-decoded (as it stands
 * when the encoding is unknown), converted from its charset to UTF-8.
 * The matcher is reset first.  Returns 1 found, 0 not, -1 out of
 * memory.
 */
int
mime_part_search(const struct mime_msg *m, const struct mime_part *pt,
    struct mime_match *mt)
{
	struct mime_ctype	 ct;
	struct mime_dec		 d;
	struct chain		 c;
	const char		*cs = NULL;
	enum mime_cte		 cte;

	mime_match_reset(mt);
	if (mt->found)
		return 1;
	if (mime_part_ctype(m, pt, &ct) == -1)
		return -1;
	if ((pt->flags & MIME_PF_TEXT) && ct.type != NULL)
		cs = mime_ctype_param(&ct, "charset");
	c.cv = mime_conv_open(cs);
	mime_ctype_free(&ct);
	if (c.cv == NULL)
		return -1;
	c.mt = mt;
	cte = mime_part_cte(m, pt);
	mime_dec_init(&d, cte == MIME_CTE_UNKNOWN ? MIME_CTE_BINARY : cte, 0);
	if (mime_dec_feed(&d, m->data + pt->body.raw,
	    pt->end.raw - pt->body.raw, to_conv, &c) == 0 &&
	    mime_dec_finish(&d, to_conv, &c) == 0)
		(void)mime_conv_finish(c.cv, to_match, mt);
	mime_conv_close(c.cv);
	return mt->found;
}
