/*
 * IMAP strings for the session process's responses (RFC 3501 4.3,
 * RFC 9051 4.3): a quoted string when every octet may be quoted, a
 * literal otherwise (CR, LF, 8-bit octets unless the client accepts
 * UTF-8 and they are UTF-8, or a long value), NIL for nothing.  NUL
 * may not appear in either form and is dropped.
 */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "buf.h"
#include "mime.h"
#include "mime_local.h"

#define QUOTED_MAX	1024	/* longer values go as literals */

/*
 * What an ASCII octet asks of a string: 0 nothing, else one of these
 * (8-bit octets are looked at apart).
 */
#define C_NUL		1
#define C_ESC		2	/* quoted with a backslash */
#define C_EOL		3	/* CR, LF: only a literal */
static const unsigned char cls[128] = {
	[0x00] = C_NUL, ['"'] = C_ESC, ['\\'] = C_ESC, ['\r'] = C_EOL,
	['\n'] = C_EOL
};

/*
 * Append n octets at data as an IMAP string.  One pass decides the
 * form (and counts what quoting adds), one writes it: an ENVELOPE has
 * a dozen of these.
 */
int
mime_imap_string(struct buf *b, const void *data, size_t n, int flags)
{
	const unsigned char	*s = data;
	unsigned char		*o;
	unsigned int		 cp;
	size_t			 i, k, nul = 0, esc = 0;
	int			 quote = n <= QUOTED_MAX;

	for (i = 0; i < n; i++) {
		if (s[i] < 0x80) {
			switch (cls[s[i]]) {
			case C_NUL:
				nul++;
				break;
			case C_ESC:
				esc++;
				break;
			case C_EOL:
				quote = 0;
				break;
			default:
				break;
			}
			continue;
		}
		if (!quote)
			continue;
		/* 8-bit: only as UTF-8, and only when the client takes it. */
		if (!(flags & MIME_UTF8)) {
			quote = 0;
			continue;
		}
		k = mime_utf8_seq(s + i, n - i, &cp);
		if (k == 0 || k == (size_t)-1)
			quote = 0;
		else
			i += k - 1;
	}
	if (!quote) {
		if (buf_addf(b, "{%zu}\r\n", n - nul) == -1)
			return -1;
		if (nul == 0)
			return buf_add(b, s, n);
		if (buf_reserve(b, n - nul) == -1)
			return -1;
		o = b->data + b->len;
		for (i = 0; i < n; i++)
			if (s[i] != '\0')
				*o++ = s[i];
		b->len = (size_t)(o - b->data);
		*o = '\0';
		return 0;
	}
	if (buf_reserve(b, n - nul + esc + 2) == -1)
		return -1;
	o = b->data + b->len;
	*o++ = '"';
	if (nul == 0 && esc == 0) {
		memcpy(o, s, n);
		o += n;
	} else {
		for (i = 0; i < n; i++) {
			if (s[i] == '\0')
				continue;
			if (s[i] == '"' || s[i] == '\\')
				*o++ = '\\';
			*o++ = s[i];
		}
	}
	*o++ = '"';
	b->len = (size_t)(o - b->data);
	*o = '\0';
	return 0;
}

/* A C string, or NIL for NULL. */
int
mime_imap_nstring(struct buf *b, const char *s, int flags)
{
	if (s == NULL)
		return buf_add(b, "NIL", 3);
	return mime_imap_string(b, s, strlen(s), flags);
}

/* An atom when it can be one (ASTRING-CHAR, not "NIL"), else a string. */
int
mime_imap_astring(struct buf *b, const char *s, int flags)
{
	size_t	i, n = strlen(s);

	for (i = 0; i < n; i++)
		if ((unsigned char)s[i] <= ' ' || (unsigned char)s[i] >= 127 ||
		    strchr("(){%*\"\\", s[i]) != NULL)
			break;
	if (n > 0 && i == n && strcasecmp(s, "NIL") != 0)
		return buf_add(b, s, n);
	return mime_imap_string(b, s, n, flags);
}
