/*
 * Modified UTF-7 <-> UTF-8 for IMAP mailbox names (RFC 3501 5.1.3),
 * run by the session on every mailbox name an IMAP4rev1 client sends
 * or receives, and strict UTF-8 validation (RFC 3629) for the parser.
 *
 * Decoding is strict, because two spellings of one name would be two
 * mailboxes on disk: printable ASCII must stand for itself, "&" is
 * only "&-", a shifted run is non-empty modified base64 ("," for "/")
 * ending in "-", its UTF-16 has no unpaired surrogates, its unused
 * bits are zero, two shifted runs never touch, and U+0000 is refused.
 */
#include <errno.h>
#include <stdint.h>
#include <string.h>

#include "mutf7.h"

static const char b64chars[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+,";

static int	b64val(int);
static int	utf8_next(const unsigned char *, size_t, size_t *,
		    uint32_t *);
static int	put_utf8(struct buf *, uint32_t);
static int	put_bits(struct buf *, uint32_t *, int *, uint32_t, int);
static int	end_shift(struct buf *, uint32_t, int);

/* The length of a valid UTF-8 sequence at s, or 0 (RFC 3629 section 4). */
static int
utf8_next(const unsigned char *s, size_t left, size_t *used, uint32_t *cp)
{
	unsigned char	c = s[0];
	unsigned char	lo = 0x80, hi = 0xbf;
	size_t		n, i;
	uint32_t	v;

	if (c < 0x80) {
		*used = 1;
		*cp = c;
		return 1;
	}
	if (c >= 0xc2 && c <= 0xdf) {
		n = 2;
		v = c & 0x1f;
	} else if (c >= 0xe0 && c <= 0xef) {
		n = 3;
		v = c & 0x0f;
		if (c == 0xe0)
			lo = 0xa0;	/* overlong */
		else if (c == 0xed)
			hi = 0x9f;	/* surrogates */
	} else if (c >= 0xf0 && c <= 0xf4) {
		n = 4;
		v = c & 0x07;
		if (c == 0xf0)
			lo = 0x90;	/* overlong */
		else if (c == 0xf4)
			hi = 0x8f;	/* above U+10FFFF */
	} else
		return 0;
	if (left < n)
		return 0;
	for (i = 1; i < n; i++) {
		if (s[i] < lo || s[i] > hi)
			return 0;
		lo = 0x80;
		hi = 0xbf;
		v = (v << 6) | (s[i] & 0x3f);
	}
	*used = n;
	*cp = v;
	return 1;
}

int
utf8_valid(const char *s, size_t len)
{
	const unsigned char	*p = (const unsigned char *)s;
	size_t			 i = 0, n;
	uint32_t		 cp;

	while (i < len) {
		if (!utf8_next(p + i, len - i, &n, &cp))
			return 0;
		i += n;
	}
	return 1;
}

static int
b64val(int c)
{
	const char	*p;

	if (c == '\0' || (p = strchr(b64chars, c)) == NULL)
		return -1;
	return (int)(p - b64chars);
}

static int
put_utf8(struct buf *out, uint32_t cp)
{
	unsigned char	u[4];
	size_t		n;

	if (cp < 0x80) {
		u[0] = cp;
		n = 1;
	} else if (cp < 0x800) {
		u[0] = 0xc0 | (cp >> 6);
		u[1] = 0x80 | (cp & 0x3f);
		n = 2;
	} else if (cp < 0x10000) {
		u[0] = 0xe0 | (cp >> 12);
		u[1] = 0x80 | ((cp >> 6) & 0x3f);
		u[2] = 0x80 | (cp & 0x3f);
		n = 3;
	} else {
		u[0] = 0xf0 | (cp >> 18);
		u[1] = 0x80 | ((cp >> 12) & 0x3f);
		u[2] = 0x80 | ((cp >> 6) & 0x3f);
		u[3] = 0x80 | (cp & 0x3f);
		n = 4;
	}
	if (out == NULL)
		return 0;
	return buf_add(out, u, n);
}

/*
 * Decode modified UTF-7 into UTF-8, appended to out (NULL: only
 * check).  Returns 0, or -1 with errno EINVAL (not canonical modified
 * UTF-7) or ENOMEM.
 */
int
mutf7_decode(const char *in, size_t len, struct buf *out)
{
	const unsigned char	*p = (const unsigned char *)in;
	size_t			 i = 0, start;
	uint32_t		 bits, u, hi;
	int			 nbits, v, shifted = 0;

	while (i < len) {
		if (p[i] < 0x20 || p[i] > 0x7e)
			goto bad;
		if (p[i] != '&') {
			if (out != NULL && buf_add(out, p + i, 1) == -1)
				return -1;
			i++;
			shifted = 0;
			continue;
		}
		i++;
		if (i < len && p[i] == '-') {
			if (out != NULL && buf_add(out, "&", 1) == -1)
				return -1;
			i++;
			shifted = 0;
			continue;
		}
		/* "&AGE-&AGE-" is "&AGEAYQ-" spelled twice. */
		if (shifted)
			goto bad;
		bits = 0;
		nbits = 0;
		hi = 0;
		start = i;
		for (; i < len && p[i] != '-'; i++) {
			if ((v = b64val(p[i])) == -1)
				goto bad;
			bits = (bits << 6) | (uint32_t)v;
			nbits += 6;
			if (nbits < 16)
				continue;
			nbits -= 16;
			u = (bits >> nbits) & 0xffff;
			bits &= (1U << nbits) - 1;
			if (hi != 0) {
				if (u < 0xdc00 || u > 0xdfff)
					goto bad;
				u = 0x10000 + ((hi - 0xd800) << 10) +
				    (u - 0xdc00);
				hi = 0;
			} else if (u >= 0xd800 && u <= 0xdbff) {
				hi = u;
				continue;
			} else if (u >= 0xdc00 && u <= 0xdfff)
				goto bad;
			else if (u == 0 || (u >= 0x20 && u <= 0x7e))
				goto bad;
			if (put_utf8(out, u) == -1)
				return -1;
		}
		if (i == len || i == start || hi != 0)
			goto bad;
		/* Whole characters only, and the padding bits zero. */
		if (nbits >= 6 || bits != 0)
			goto bad;
		i++;
		shifted = 1;
	}
	return 0;
 bad:
	errno = EINVAL;
	return -1;
}

/* Push n bits of v and write out every complete sextet. */
static int
put_bits(struct buf *out, uint32_t *bits, int *nbits, uint32_t v, int n)
{
	char	c;

	*bits = (*bits << n) | v;
	*nbits += n;
	while (*nbits >= 6) {
		*nbits -= 6;
		c = b64chars[(*bits >> *nbits) & 0x3f];
		if (buf_add(out, &c, 1) == -1)
			return -1;
	}
	*bits &= (1U << *nbits) - 1;
	return 0;
}

/* The last bits, zero-padded to a sextet, and the "-" that ends a shift. */
static int
end_shift(struct buf *out, uint32_t bits, int nbits)
{
	char	c;

	if (nbits > 0) {
		c = b64chars[(bits << (6 - nbits)) & 0x3f];
		if (buf_add(out, &c, 1) == -1)
			return -1;
	}
	return buf_add(out, "-", 1);
}

/*
 * Encode UTF-8 as modified UTF-7, appended to out.  Returns 0, or -1
 * with errno EINVAL (invalid UTF-8, or a NUL) or ENOMEM.
 */
int
mutf7_encode(const char *in, size_t len, struct buf *out)
{
	const unsigned char	*p = (const unsigned char *)in;
	size_t			 i = 0, n;
	uint32_t		 cp, bits = 0;
	int			 nbits = 0, shifted = 0;

	while (i < len) {
		if (!utf8_next(p + i, len - i, &n, &cp) || cp == 0) {
			errno = EINVAL;
			return -1;
		}
		i += n;
		if (cp >= 0x20 && cp <= 0x7e) {
			if (shifted) {
				if (end_shift(out, bits, nbits) == -1)
					return -1;
				shifted = 0;
				bits = 0;
				nbits = 0;
			}
			if (buf_add(out, cp == '&' ? "&-" : (char *)&p[i - 1],
			    cp == '&' ? 2 : 1) == -1)
				return -1;
			continue;
		}
		if (!shifted) {
			if (buf_add(out, "&", 1) == -1)
				return -1;
			shifted = 1;
		}
		if (cp >= 0x10000) {
			cp -= 0x10000;
			if (put_bits(out, &bits, &nbits,
			    0xd800 | (cp >> 10), 16) == -1 ||
			    put_bits(out, &bits, &nbits,
			    0xdc00 | (cp & 0x3ff), 16) == -1)
				return -1;
		} else if (put_bits(out, &bits, &nbits, cp, 16) == -1)
			return -1;
	}
	if (shifted)
		return end_shift(out, bits, nbits);
	return 0;
}
