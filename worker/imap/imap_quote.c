/*
 * Strings in IMAP responses, for the worker and the session: an atom
 * when the text allows it, a quoted string when it holds no CR, LF,
 * NUL (and 8-bit only when the client enabled UTF-8), else a literal.
 * And the one rule about mailbox names every command shares: INBOX is
 * INBOX in any case (RFC 3501/9051 section 5.1).
 */
#include <string.h>
#include <strings.h>

#include "imap_lex.h"
#include "mutf7.h"

/* Longer strings go as literals: easier on the client's line reader. */
#define QUOTED_MAX	1024

int
imap_is_atom(const char *s, size_t len)
{
	size_t	i;

	if (len == 0)
		return 0;
	for (i = 0; i < len; i++)
		if (!imap_atom_char((unsigned char)s[i]))
			return 0;
	return 1;
}

/* string = quoted / literal; `utf8' says the client takes UTF-8. */
int
imap_write_string(struct buf *b, const char *s, size_t len, int utf8)
{
	size_t	i, run;
	int	quote = len <= QUOTED_MAX, eight = 0;

	for (i = 0; quote && i < len; i++) {
		if (s[i] == '\0' || s[i] == '\r' || s[i] == '\n')
			quote = 0;
		else if ((unsigned char)s[i] >= 0x80)
			eight = 1;
	}
	if (quote && eight && (!utf8 || !utf8_valid(s, len)))
		quote = 0;
	if (!quote) {
		if (buf_addf(b, "{%zu}\r\n", len) == -1)
			return -1;
		return buf_add(b, s, len);
	}
	if (buf_add(b, "\"", 1) == -1)
		return -1;
	for (i = 0; i < len; i += run) {
		if (s[i] == '"' || s[i] == '\\') {
			if (buf_add(b, "\\", 1) == -1 ||
			    buf_add(b, s + i, 1) == -1)
				return -1;
			run = 1;
			continue;
		}
		for (run = 0; i + run < len && s[i + run] != '"' &&
		    s[i + run] != '\\'; run++)
			;
		if (buf_add(b, s + i, run) == -1)
			return -1;
	}
	return buf_add(b, "\"", 1);
}

/* astring: an atom if it is one (but never NIL, which reads as nil). */
int
imap_write_astring(struct buf *b, const char *s, size_t len, int utf8)
{
	if (imap_is_atom(s, len) &&
	    !(len == 3 && strncasecmp(s, "NIL", 3) == 0))
		return buf_add(b, s, len);
	return imap_write_string(b, s, len, utf8);
}

/* nstring: NULL is NIL. */
int
imap_write_nstring(struct buf *b, const char *s, size_t len, int utf8)
{
	if (s == NULL)
		return buf_add(b, "NIL", 3);
	return imap_write_string(b, s, len, utf8);
}

int
imap_mailbox_is_inbox(const char *name)
{
	return strcasecmp(name, "INBOX") == 0;
}

/* "inbox" and "InBoX" are INBOX; any other name is kept as sent. */
const char *
imap_mailbox_canon(const char *name)
{
	return imap_mailbox_is_inbox(name) ? "INBOX" : name;
}
