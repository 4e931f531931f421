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

static int	quotable(const unsigned char *, size_t, int);

static int
quotable(const unsigned char *s, size_t n, int flags)
{
	unsigned int	cp;
	size_t		i, k;

	if (n > QUOTED_MAX)
		return 0;
	for (i = 0; i < n; i++) {
		if (s[i] == '\r' || s[i] == '\n')
			return 0;
		if (s[i] < 0x80)
			continue;
		if (!(flags & MIME_UTF8))
			return 0;
		k = mime_utf8_seq(s + i, n - i, &cp);
		if (k == 0 || k == (size_t)-1)
			return 0;
		i += k - 1;
	}
	return 1;
}

/* Append n octets at data as an IMAP string. */
int
mime_imap_string(struct buf *b, const void *data, size_t n, int flags)
{
	const unsigned char	*s = data;
	size_t			 i, nul = 0, run;

	for (i = 0; i < n; i++)
		nul += s[i] == '\0';
	if (quotable(s, n, flags)) {
		if (buf_add(b, "\"", 1) == -1)
			return -1;
		for (i = 0; i < n; i = run) {
			for (run = i; run < n && s[run] != '"' &&
			    s[run] != '\\' && s[run] != '\0'; run++)
				;
			if (buf_add(b, s + i, run - i) == -1)
				return -1;
			if (run == n)
				break;
			if (s[run] != '\0' && (buf_add(b, "\\", 1) == -1 ||
			    buf_add(b, s + run, 1) == -1))
				return -1;
			run++;
		}
		return buf_add(b, "\"", 1);
	}
	if (buf_addf(b, "{%zu}\r\n", n - nul) == -1)
		return -1;
	for (i = 0; i < n; i = run + 1) {
		for (run = i; run < n && s[run] != '\0'; run++)
			;
		if (buf_add(b, s + i, run - i) == -1)
			return -1;
	}
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
