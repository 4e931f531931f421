/*
 * strnvis() with OpenBSD's argument order, for the flags listed in
 * compat.h: what log_safe() and its kin use to make client text safe
 * for a log line.  Its output is libbsd's (0.11), byte for byte, in the
 * C locale the daemons run in, where every byte with the high bit set is
 * encoded.  Linked by every program.
 */
#include <errno.h>
#include <limits.h>

#include "compat.h"

static int	vis_added(unsigned char, int);
static int	vis_plain(unsigned char, int);
static char	vis_cletter(unsigned char);
static size_t	vis_encode(char *, unsigned char, int);

/*
 * Encodes src into dst, a buffer of dlen bytes, NUL terminated when dlen
 * is not 0.  Returns the length of the encoding, or dlen when it did not
 * fit, as libbsd does; truncation is a return value >= dlen.  Where
 * libbsd then writes dlen bytes of the encoding and a NUL one byte past
 * the buffer, this writes dlen - 1 bytes and the NUL, so the two agree
 * on every byte inside the buffer but the last.  An escape sequence may
 * be cut short at the end.  Unknown flags: "" and -1 with errno EINVAL.
 * errno is otherwise left alone (libbsd's sets EILSEQ on 8-bit input).
 */
int
strnvis(char *dst, const char *src, size_t dlen, int flag)
{
	const unsigned char	*s;
	char			 enc[4];
	size_t			 out, n, i;

	if ((flag & ~COMPAT_VIS_FLAGS) != 0) {
		if (dlen > 0)
			dst[0] = '\0';
		errno = EINVAL;
		return -1;
	}
	out = 0;
	for (s = (const unsigned char *)src; *s != '\0' && out < dlen; s++) {
		if (vis_plain(*s, flag)) {
			enc[0] = (char)*s;
			n = 1;
		} else
			n = vis_encode(enc, *s, flag);
		for (i = 0; i < n && out < dlen; i++, out++)
			if (out < dlen - 1)
				dst[out] = enc[i];
	}
	if (dlen > 0)
		dst[out < dlen ? out : dlen - 1] = '\0';
	if (out > INT_MAX) {
		errno = EOVERFLOW;
		return -1;
	}
	return (int)out;
}

/* The backslash, and what the flags add to the characters encoded. */
static int
vis_added(unsigned char c, int flag)
{
	return c == '\\' || (c == '"' && (flag & VIS_DQ)) ||
	    (c == ' ' && (flag & VIS_SP)) || (c == '\t' && (flag & VIS_TAB)) ||
	    (c == '\n' && (flag & VIS_NL));
}

/*
 * Copied as it is: printable ASCII, space, tab and newline, and under
 * VIS_SAFE also the bell, backspace and carriage return a terminal
 * handles harmlessly.
 */
static int
vis_plain(unsigned char c, int flag)
{
	if (vis_added(c, flag))
		return 0;
	if ((c >= ' ' && c < 0x7f) || c == '\t' || c == '\n')
		return 1;
	return (flag & VIS_SAFE) && (c == '\a' || c == '\b' || c == '\r');
}

/* The letter VIS_CSTYLE writes after the backslash, or NUL if none. */
static char
vis_cletter(unsigned char c)
{
	switch (c) {
	case '\a':
		return 'a';
	case '\b':
		return 'b';
	case '\t':
		return 't';
	case '\n':
		return 'n';
	case '\v':
		return 'v';
	case '\f':
		return 'f';
	case '\r':
		return 'r';
	case ' ':
		return 's';
	case '\\':
		return '\\';
	case '"':
		return '"';
	default:
		return '\0';
	}
}

/*
 * The escape for c, 2 to 4 bytes, not NUL terminated.  C style where it
 * has a letter for c; else octal for the backslash, the added characters
 * and both spaces (0x20, 0xa0), which the caret forms cannot show, and
 * for everything under VIS_OCTAL; else \^C for a control character and
 * \M- or \M^ in front of the low seven bits of a high one.
 */
static size_t
vis_encode(char *enc, unsigned char c, int flag)
{
	size_t	n;

	enc[0] = '\\';
	if ((flag & VIS_CSTYLE) && (enc[1] = vis_cletter(c)) != '\0')
		return 2;
	if (vis_added(c, flag) || (c & 0x7f) == ' ' || (flag & VIS_OCTAL)) {
		enc[1] = '0' + (c >> 6);
		enc[2] = '0' + ((c >> 3) & 07);
		enc[3] = '0' + (c & 07);
		return 4;
	}
	n = 1;
	if (c & 0x80) {
		enc[n++] = 'M';
		c &= 0x7f;
	}
	if (c == 0x7f) {
		enc[n++] = '^';
		enc[n++] = '?';
	} else if (c < ' ') {
		enc[n++] = '^';
		enc[n++] = c + '@';
	} else {
		enc[n++] = '-';
		enc[n++] = (char)c;
	}
	return n;
}
