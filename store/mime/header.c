/*
 * Header fields of one MIME entity, for the IMAP session process:
 * walking them as raw ranges (HEADER.FIELDS sends exactly these
 * bytes), their unfolded values (RFC 5322 2.2.3) bounded in length,
 * and the Content-Type that decides how the parser reads a body.
 */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "buf.h"
#include "mime.h"
#include "mime_local.h"

static size_t	line_end(const unsigned char *, size_t, size_t);
static int	valid_name(const unsigned char *, size_t);

void
mime_hdr_iter_init(struct mime_hdr_iter *it, const struct mime_msg *m,
    const struct mime_part *pt)
{
	it->msg = m;
	it->pos = pt->hdr.raw;
	it->end = pt->body.raw;
}

static size_t
line_end(const unsigned char *d, size_t pos, size_t end)
{
	const unsigned char	*nl;

	nl = memchr(d + pos, '\n', end - pos);
	return nl == NULL ? end : (size_t)(nl - d) + 1;
}

/* A field name: printable US-ASCII but colon (RFC 5322 3.6.8). */
static int
valid_name(const unsigned char *s, size_t n)
{
	size_t	i;

	if (n == 0)
		return 0;
	for (i = 0; i < n; i++)
		if (s[i] <= ' ' || s[i] >= 127 || s[i] == ':')
			return 0;
	return 1;
}

/*
 * The next field: its first line and the continuation lines after
 * it.  A line that is not "name:" (a broken header, or continuation
 * lines with nothing to continue) comes back with name_len 0, so that
 * HEADER.FIELDS.NOT still sends it.  Returns 0 at the blank line or
 * the end of the header.
 */
int
mime_hdr_next(struct mime_hdr_iter *it, struct mime_field *f)
{
	const unsigned char	*d = it->msg->data, *colon;
	size_t			 s = it->pos, le, e, n;

	if (s >= it->end)
		return 0;
	le = line_end(d, s, it->end);
	if (d[s] == '\n' || (d[s] == '\r' && s + 1 < it->end &&
	    d[s + 1] == '\n')) {
		it->pos = it->end;
		return 0;
	}
	memset(f, 0, sizeof(*f));
	f->start = s;
	if (!IS_WSP(d[s]) &&
	    (colon = memchr(d + s, ':', le - s)) != NULL) {
		n = (size_t)(colon - d) - s;
		while (n > 0 && IS_WSP(d[s + n - 1]))
			n--;
		if (valid_name(d + s, n)) {
			f->name = s;
			f->name_len = n;
			f->value = (size_t)(colon - d) + 1;
		}
	}
	if (f->name_len == 0)
		f->value = s;
	for (e = le; e < it->end && IS_WSP(d[e]); )
		e = line_end(d, e, it->end);
	f->end = e;
	it->pos = e;
	return 1;
}

int
mime_field_is(const struct mime_msg *m, const struct mime_field *f,
    const char *name)
{
	size_t	n = strlen(name);

	return f->name_len == n &&
	    strncasecmp((const char *)m->data + f->name, name, n) == 0;
}

/*
 * The unfolded value into b (reset first, NUL-terminated): line
 * breaks removed, leading and trailing white space trimmed, at most
 * MIME_FIELD_MAX bytes.  Returns 0, or -1 when out of memory.
 */
int
mime_field_value(const struct mime_msg *m, const struct mime_field *f,
    struct buf *b)
{
	const unsigned char	*d = m->data;
	size_t			 i = f->value, e = f->end, n;

	buf_reset(b);
	if (buf_reserve(b, 0) == -1)
		return -1;
	b->data[0] = '\0';
	while (i < e && IS_LWSP(d[i]))
		i++;
	while (e > i && IS_LWSP(d[e - 1]))
		e--;
	while (i < e && b->len < MIME_FIELD_MAX) {
		if (d[i] == '\r' && i + 1 < e && d[i + 1] == '\n') {
			i++;
			continue;
		}
		if (d[i] == '\n') {
			i++;
			continue;
		}
		for (n = i; n < e && d[n] != '\n' && d[n] != '\r'; n++)
			;
		if (n == i)
			n++;
		if (n - i > MIME_FIELD_MAX - b->len)
			n = i + (MIME_FIELD_MAX - b->len);
		if (buf_add(b, d + i, n - i) == -1)
			return -1;
		i = n;
	}
	return 0;
}

/*
 * The value of the first field called name in the part's header.
 * Returns 1, 0 when there is none, -1 when out of memory.
 */
int
mime_hdr_get(const struct mime_msg *m, const struct mime_part *pt,
    const char *name, struct buf *b)
{
	struct mime_hdr_iter	it;
	struct mime_field	f;

	mime_hdr_iter_init(&it, m, pt);
	while (mime_hdr_next(&it, &f))
		if (mime_field_is(m, &f, name))
			return mime_field_value(m, &f, b) == -1 ? -1 : 1;
	return 0;
}

/*
 * The part's Content-Type with RFC 2045 defaults: none gives
 * text/plain (message/rfc822 in a digest); one that does not parse
 * gives type NULL, which readers take as text/plain; charset=us-ascii.
 */
int
mime_part_ctype(const struct mime_msg *m, const struct mime_part *pt,
    struct mime_ctype *ct)
{
	struct buf	 b;
	int		 r;

	memset(ct, 0, sizeof(*ct));
	buf_init(&b);
	r = (pt->flags & MIME_PF_SYNTH) ? 0 :
	    mime_hdr_get(m, pt, "content-type", &b);
	if (r == 1)
		r = mime_ctype_parse(ct, (const char *)b.data, b.len, 0);
	else if (r == 0) {
		ct->type = strdup((pt->flags & MIME_PF_INDIGEST) ?
		    "message" : "text");
		ct->subtype = strdup((pt->flags & MIME_PF_INDIGEST) ?
		    "rfc822" : "plain");
		if (ct->type == NULL || ct->subtype == NULL) {
			mime_ctype_free(ct);
			r = -1;
		}
	}
	buf_free(&b);
	return r == -1 ? -1 : 0;
}
