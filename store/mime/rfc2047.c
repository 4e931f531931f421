/*
 * RFC 2047 encoded-words in header values, decoded to UTF-8 for the
 * IMAP session process (SEARCH FROM/SUBJECT/HEADER, SORT).  Words
 * in a row with one charset are joined before conversion, since
 * senders split multi-byte characters between them; white space
 * between encoded-words goes (RFC 2047 6.2); a word in a charset we
 * cannot convert, or one that does not parse, stays as it was.
 * The RFC 2231 language suffix (charset*lang) is accepted.
 */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "buf.h"
#include "mime.h"
#include "mime_local.h"

#define CHARSET_MAX	64

struct word {
	size_t		 len;		/* of the whole =?...?= */
	char		 cs[CHARSET_MAX + 1];
	int		 enc;		/* 'B' or 'Q' */
	const char	*text;
	size_t		 tlen;
};

static int	parse_word(const char *, size_t, struct word *);
static int	decode_text(const struct word *, struct buf *);
static int	flush_run(struct buf *, const char *, struct buf *);

/*
 * "=?charset?B|Q?text?=" at s.  The text may not hold '?', which
 * bounds every attempt by the next '?' and keeps the scan linear.
 */
static int
parse_word(const char *s, size_t n, struct word *w)
{
	size_t	i = 2, cs;
	char	*star;

	if (n < 8 || s[0] != '=' || s[1] != '?')
		return 0;
	for (cs = i; i < n && s[i] != '?'; i++)
		if ((unsigned char)s[i] <= ' ' || i - cs >= CHARSET_MAX)
			return 0;
	if (i == cs || i + 2 >= n || s[i + 2] != '?')
		return 0;
	memcpy(w->cs, s + cs, i - cs);
	w->cs[i - cs] = '\0';
	if ((star = strchr(w->cs, '*')) != NULL)
		*star = '\0';
	if (w->cs[0] == '\0')
		return 0;
	w->enc = s[i + 1] & ~0x20;
	if (w->enc != 'B' && w->enc != 'Q')
		return 0;
	i += 3;
	w->text = s + i;
	for (; i < n && s[i] != '?'; i++)
		if (s[i] == '\r' || s[i] == '\n')
			return 0;
	if (i + 1 >= n || s[i + 1] != '=')
		return 0;
	w->tlen = (size_t)(s + i - w->text);
	w->len = i + 2;
	return 1;
}

/* The bytes of a word's text, forgiving bad base64 and stray '='. */
static int
decode_text(const struct word *w, struct buf *b)
{
	const char	*t = w->text;
	unsigned int	 acc = 0;
	unsigned char	 c;
	size_t		 i;
	int		 v, nacc = 0, h, l;

	for (i = 0; i < w->tlen; i++) {
		if (w->enc == 'Q') {
			c = t[i];
			if (c == '_')
				c = ' ';
			else if (c == '=' && i + 2 < w->tlen &&
			    (h = mime_hexval(t[i + 1])) != -1 &&
			    (l = mime_hexval(t[i + 2])) != -1) {
				c = h << 4 | l;
				i += 2;
			}
			if (buf_add(b, &c, 1) == -1)
				return -1;
			continue;
		}
		if ((v = mime_b64val((unsigned char)t[i])) == -1)
			continue;
		acc = acc << 6 | v;
		if (++nacc == 4) {
			c = acc >> 16;
			if (buf_add(b, &c, 1) == -1)
				return -1;
			c = acc >> 8;
			if (buf_add(b, &c, 1) == -1)
				return -1;
			c = acc;
			if (buf_add(b, &c, 1) == -1)
				return -1;
			nacc = 0;
			acc = 0;
		}
	}
	if (w->enc == 'B' && nacc >= 2) {
		c = acc >> (nacc == 2 ? 4 : 10);
		if (buf_add(b, &c, 1) == -1)
			return -1;
		if (nacc == 3) {
			c = acc >> 2;
			if (buf_add(b, &c, 1) == -1)
				return -1;
		}
	}
	return 0;
}

static int
flush_run(struct buf *out, const char *cs, struct buf *run)
{
	int	r = 0;

	if (run->len > 0) {
		/* mime_to_utf8 NUL-terminates; keep the length right. */
		r = mime_to_utf8(out, cs, run->data, run->len);
		buf_reset(run);
	}
	return r;
}

/*
 * Append the UTF-8 text of a header value with its encoded-words
 * decoded to out (NUL-terminated).  Bytes outside encoded-words are
 * taken as UTF-8, or windows-1252 where they are not.  Returns 0, -1
 * out of memory.
 */
int
mime_decode_words(struct buf *out, const void *data, size_t n)
{
	const char	*s = data;
	struct word	 w;
	struct buf	 run;
	char		 runcs[CHARSET_MAX + 1] = "";
	size_t		 i = 0, lit, ws;
	int		 r = -1;

	buf_init(&run);
	if (buf_add(out, "", 0) == -1)
		return -1;
	while (i < n) {
		if (parse_word(s + i, n - i, &w) &&
		    mime_charset_known(w.cs)) {
			if (strcasecmp(runcs, w.cs) != 0) {
				if (flush_run(out, runcs, &run) == -1)
					goto out;
				memcpy(runcs, w.cs, sizeof(runcs));
			}
			if (decode_text(&w, &run) == -1)
				goto out;
			i += w.len;
			/* White space up to the next encoded-word goes. */
			for (ws = i; ws < n && IS_LWSP((unsigned char)s[ws]);
			    ws++)
				;
			if (ws > i && ws < n &&
			    parse_word(s + ws, n - ws, &w) &&
			    mime_charset_known(w.cs))
				i = ws;
			continue;
		}
		if (flush_run(out, runcs, &run) == -1)
			goto out;
		/* Literal text up to the next "=?" that may start a word. */
		for (lit = i + 1; lit < n && !(s[lit] == '=' &&
		    lit + 1 < n && s[lit + 1] == '?'); lit++)
			;
		if (mime_to_utf8(out, "us-ascii", s + i, lit - i) == -1)
			goto out;
		i = lit;
	}
	if (flush_run(out, runcs, &run) == -1)
		goto out;
	r = buf_add(out, "", 0);
 out:
	buf_free(&run);
	return r;
}
