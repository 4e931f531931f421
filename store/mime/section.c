/*
 * BODY[section]<partial> for the IMAP session process (RFC 3501
 * 6.4.5, RFC 9051 6.4.5): the section text parsed and echoed, the
 * part it names found by the numbering rules (a message that is not
 * multipart has a part 1, its body; a message/rfc822 part's numbers
 * go on into the encapsulated message), and the bytes it designates
 * described as segments of the stored message, each sent converted
 * to CRLF, so that the literal's length is known before a byte is
 * sent and a partial window costs no copy of the message.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "buf.h"
#include "mime.h"
#include "mime_local.h"

static int	kw(const char *, size_t, size_t *, const char *);
static int	parse_list(struct mime_sect *, const char *, size_t, size_t *);
static int	add_seg(struct mime_range *, size_t, size_t, uint64_t,
		    const char *);
static uint64_t	crlf_len(const struct mime_msg *, size_t, size_t);
static int	emit_raw(const struct mime_msg *, size_t, size_t, uint64_t,
		    uint64_t, mime_out_fn, void *);
static int	to_buf(void *, const void *, size_t);
static int	field_wanted(const struct mime_msg *, const struct mime_field *,
		    const struct mime_sect *);
static int	is_atom_char(unsigned char);

void
mime_sect_init(struct mime_sect *s)
{
	memset(s, 0, sizeof(*s));
}

void
mime_sect_free(struct mime_sect *s)
{
	size_t	i;

	for (i = 0; i < s->nfields; i++)
		free(s->fields[i]);
	free(s->fields);
	mime_sect_init(s);
}

/* Add a header-fld-name (a client's literal, say) to the list. */
int
mime_sect_add_field(struct mime_sect *s, const char *name, size_t len)
{
	char	**nf;

	if ((nf = reallocarray(s->fields, s->nfields + 1,
	    sizeof(*nf))) == NULL)
		return -1;
	s->fields = nf;
	if ((nf[s->nfields] = mime_strndup(name, len)) == NULL)
		return -1;
	s->nfields++;
	return 0;
}

/* The keyword k at *pos, any case, not followed by more of a word. */
static int
kw(const char *t, size_t len, size_t *pos, const char *k)
{
	size_t	n = strlen(k);

	if (len - *pos < n || strncasecmp(t + *pos, k, n) != 0)
		return 0;
	if (*pos + n < len && t[*pos + n] != '.' && t[*pos + n] != ' ')
		return 0;
	*pos += n;
	return 1;
}

/* ATOM-CHAR and ']' (ASTRING-CHAR, RFC 3501 9). */
static int
is_atom_char(unsigned char c)
{
	return c > ' ' && c < 127 && strchr("(){%*\"\\", c) == NULL;
}

/* SP "(" header-fld-name *(SP header-fld-name) ")" */
static int
parse_list(struct mime_sect *s, const char *t, size_t len, size_t *pos)
{
	struct buf	b;
	size_t		i = *pos, st;
	int		r = MIME_ESYNTAX;

	buf_init(&b);
	if (i + 1 >= len || t[i] != ' ' || t[i + 1] != '(')
		return MIME_ESYNTAX;
	for (i += 2; ; i++) {
		buf_reset(&b);
		if (i < len && t[i] == '"') {
			for (i++; i < len && t[i] != '"'; i++) {
				if (t[i] == '\\' && i + 1 < len &&
				    (t[i + 1] == '"' || t[i + 1] == '\\'))
					i++;
				else if (t[i] == '\\' || t[i] == '\r' ||
				    t[i] == '\n')
					goto out;
				if (buf_add(&b, t + i, 1) == -1) {
					r = -1;
					goto out;
				}
			}
			if (i >= len)
				goto out;
			i++;
		} else {
			for (st = i; i < len && is_atom_char(t[i]); i++)
				;
			if (i == st)
				goto out;
			if (buf_add(&b, t + st, i - st) == -1) {
				r = -1;
				goto out;
			}
		}
		if (mime_sect_add_field(s, (char *)b.data, b.len) == -1) {
			r = -1;
			goto out;
		}
		if (i < len && t[i] == ')') {
			*pos = i + 1;
			r = 0;
			goto out;
		}
		if (i >= len || t[i] != ' ')
			goto out;
	}
 out:
	buf_free(&b);
	return r;
}

/*
 * Parse a section-spec (the text between '[' and ']', without
 * literals: give those with mime_sect_add_field()).  Returns 0,
 * MIME_ESYNTAX, or -1 out of memory.
 */
int
mime_sect_parse(struct mime_sect *s, const char *t, size_t len)
{
	size_t		pos = 0;
	uint64_t	v;
	int		r;

	mime_sect_init(s);
	while (pos < len && t[pos] >= '1' && t[pos] <= '9') {
		for (v = 0; pos < len && t[pos] >= '0' && t[pos] <= '9';
		    pos++) {
			v = v * 10 + (t[pos] - '0');
			if (v > UINT32_MAX)
				return MIME_ESYNTAX;
		}
		if (s->npart == MIME_SECT_MAX)
			return MIME_ESYNTAX;
		s->part[s->npart++] = (uint32_t)v;
		if (pos == len)
			return 0;
		if (t[pos] != '.' || pos + 1 == len)
			return MIME_ESYNTAX;
		pos++;
	}
	if (pos == len)
		return 0;
	if (kw(t, len, &pos, "HEADER.FIELDS.NOT"))
		s->text = MIME_ST_FIELDS_NOT;
	else if (kw(t, len, &pos, "HEADER.FIELDS"))
		s->text = MIME_ST_FIELDS;
	else if (kw(t, len, &pos, "HEADER"))
		s->text = MIME_ST_HEADER;
	else if (kw(t, len, &pos, "TEXT"))
		s->text = MIME_ST_TEXT;
	else if (s->npart > 0 && kw(t, len, &pos, "MIME"))
		s->text = MIME_ST_MIME;
	else
		return MIME_ESYNTAX;
	if (s->text == MIME_ST_FIELDS || s->text == MIME_ST_FIELDS_NOT) {
		if ((r = parse_list(s, t, len, &pos)) != 0) {
			mime_sect_free(s);
			return r;
		}
	}
	if (pos != len) {
		mime_sect_free(s);
		return MIME_ESYNTAX;
	}
	return 0;
}

/* The section as the FETCH response names it: "1.2.HEADER.FIELDS (A B)". */
int
mime_sect_format(struct buf *b, const struct mime_sect *s)
{
	static const char *const names[] = { "", "HEADER", "HEADER.FIELDS",
	    "HEADER.FIELDS.NOT", "MIME", "TEXT" };
	size_t	i;

	for (i = 0; i < s->npart; i++)
		if (buf_addf(b, "%s%u", i ? "." : "", s->part[i]) == -1)
			return -1;
	if (s->text != MIME_ST_NONE && buf_addf(b, "%s%s",
	    s->npart ? "." : "", names[s->text]) == -1)
		return -1;
	if (s->text != MIME_ST_FIELDS && s->text != MIME_ST_FIELDS_NOT)
		return 0;
	if (buf_addstr(b, " (") == -1)
		return -1;
	for (i = 0; i < s->nfields; i++)
		if ((i > 0 && buf_addstr(b, " ") == -1) ||
		    mime_imap_astring(b, s->fields[i], 0) == -1)
			return -1;
	return buf_addstr(b, ")");
}

/*
 * The part the numbers of s name (the root for none).  Returns 0 with
 * *out set, or MIME_ENOENT.
 */
int
mime_sect_find(const struct mime_msg *m, const struct mime_sect *s,
    const struct mime_part **out)
{
	const struct mime_part	*node = &m->parts[0], *pt;
	size_t			 i;
	uint32_t		 n;

	if (m->nparts == 0)
		return MIME_ENOENT;
	*out = node;
	for (i = 0; i < s->npart; i++) {
		n = s->part[i];
		if (node->flags & MIME_PF_MULTIPART) {
			for (pt = node->child; pt != NULL && --n > 0;
			    pt = pt->next)
				;
			if (pt == NULL || n != 0)
				return MIME_ENOENT;
		} else if ((node->flags & MIME_PF_ISMSG) && n == 1)
			pt = node;		/* a message's only part */
		else
			return MIME_ENOENT;
		*out = pt;
		if (i + 1 == s->npart)
			break;
		if (pt->flags & MIME_PF_MULTIPART)
			node = pt;
		else if ((pt->flags & MIME_PF_MESSAGE) && pt->child != NULL)
			node = pt->child;
		else
			return MIME_ENOENT;
	}
	return 0;
}

void
mime_range_init(struct mime_range *r)
{
	memset(r, 0, sizeof(*r));
}

void
mime_range_free(struct mime_range *r)
{
	free(r->seg);
	mime_range_init(r);
}

/* The CRLF length of raw bytes [a, b). */
static uint64_t
crlf_len(const struct mime_msg *m, size_t a, size_t b)
{
	const unsigned char	*d = m->data, *nl;
	uint64_t		 n = b - a;
	size_t			 p;

	for (p = a; p < b && (nl = memchr(d + p, '\n', b - p)) != NULL;
	    p = (size_t)(nl - d) + 1)
		if (nl == d || nl[-1] != '\r')
			n++;
	return n;
}

static int
add_seg(struct mime_range *r, size_t raw, size_t rawlen, uint64_t len,
    const char *lit)
{
	struct mime_seg	*ns, *last;
	size_t		 ncap;

	if (len == 0)
		return 0;
	last = r->nseg > 0 ? &r->seg[r->nseg - 1] : NULL;
	if (lit == NULL && last != NULL && last->lit == NULL &&
	    last->raw + last->rawlen == raw) {
		last->rawlen += rawlen;
		last->len += len;
		r->size += len;
		return 0;
	}
	if (r->nseg == r->cap) {
		ncap = r->cap == 0 ? 8 : r->cap * 2;
		if ((ns = reallocarray(r->seg, ncap, sizeof(*ns))) == NULL)
			return -1;
		r->seg = ns;
		r->cap = ncap;
	}
	ns = &r->seg[r->nseg++];
	ns->raw = raw;
	ns->rawlen = rawlen;
	ns->len = len;
	ns->lit = lit;
	r->size += len;
	return 0;
}

static int
field_wanted(const struct mime_msg *m, const struct mime_field *f,
    const struct mime_sect *s)
{
	size_t	i;
	int	match = 0;

	for (i = 0; i < s->nfields && !match; i++)
		match = f->name_len > 0 && mime_field_is(m, f, s->fields[i]);
	return s->text == MIME_ST_FIELDS ? match : !match;
}

/*
 * The bytes section s designates, as segments in r (emptied first).
 * Returns 0; MIME_ENOENT when the part does not exist; MIME_ENOTMSG
 * for HEADER, HEADER.FIELDS[.NOT] or TEXT after the number of a part
 * that is not message/rfc822; MIME_ESYNTAX for MIME without a number;
 * -1 out of memory.
 */
int
mime_locate(const struct mime_msg *m, const struct mime_sect *s,
    struct mime_range *r)
{
	const struct mime_part	*pt, *e;
	struct mime_hdr_iter	 it;
	struct mime_field	 f;
	int			 rv;

	r->nseg = 0;
	r->size = 0;
	if ((rv = mime_sect_find(m, s, &pt)) != 0)
		return rv;
	switch (s->text) {
	case MIME_ST_NONE:
		if (s->npart == 0)
			return add_seg(r, 0, m->len, m->size, NULL);
		return add_seg(r, pt->body.raw, pt->end.raw - pt->body.raw,
		    mime_body_size(pt), NULL);
	case MIME_ST_MIME:
		if (s->npart == 0)
			return MIME_ESYNTAX;
		return add_seg(r, pt->hdr.raw, pt->body.raw - pt->hdr.raw,
		    mime_hdr_size(pt), NULL);
	default:
		break;
	}
	if (s->npart == 0)
		e = pt;
	else if ((pt->flags & MIME_PF_MESSAGE) && pt->child != NULL)
		e = pt->child;
	else
		return MIME_ENOTMSG;
	if (s->text == MIME_ST_HEADER)
		return add_seg(r, e->hdr.raw, e->body.raw - e->hdr.raw,
		    mime_hdr_size(e), NULL);
	if (s->text == MIME_ST_TEXT)
		return add_seg(r, e->body.raw, e->end.raw - e->body.raw,
		    mime_body_size(e), NULL);

	mime_hdr_iter_init(&it, m, e);
	while (mime_hdr_next(&it, &f)) {
		if (!field_wanted(m, &f, s))
			continue;
		if (add_seg(r, f.start, f.end - f.start,
		    crlf_len(m, f.start, f.end), NULL) == -1)
			return -1;
		/* A last field cut short still ends its line. */
		if (m->data[f.end - 1] != '\n' &&
		    add_seg(r, 0, 0, 2, "\r\n") == -1)
			return -1;
	}
	if ((e->flags & MIME_PF_SEP) && add_seg(r, 0, 0, 2, "\r\n") == -1)
		return -1;
	return 0;
}

/* Octets a window <origin.count> of the section holds. */
uint64_t
mime_range_window(const struct mime_range *r, uint64_t origin,
    uint64_t count)
{
	if (origin >= r->size)
		return 0;
	return r->size - origin < count ? r->size - origin : count;
}

/*
 * Raw bytes [a, b) in CRLF form, skipping the first skip octets of
 * that form and sending at most want.  Runs between lone LFs go out
 * as they are; a lone LF goes out as CRLF.
 */
static int
emit_raw(const struct mime_msg *m, size_t a, size_t b, uint64_t skip,
    uint64_t want, mime_out_fn fn, void *arg)
{
	const unsigned char	*d = m->data, *nl;
	size_t			 p = a, q, run;
	uint64_t		 n;

	while (p < b && want > 0) {
		/* q: the next lone LF, or b. */
		for (q = p; q < b; q = (size_t)(nl - d) + 1) {
			if ((nl = memchr(d + q, '\n', b - q)) == NULL) {
				q = b;
				break;
			}
			if (nl == d || nl[-1] != '\r') {
				q = (size_t)(nl - d);
				break;
			}
		}
		run = q - p;
		if (skip >= run)
			skip -= run;
		else {
			n = run - skip < want ? run - skip : want;
			if (fn(arg, d + p + skip, n) == -1)
				return -1;
			want -= n;
			skip = 0;
		}
		if (q == b || want == 0)
			break;
		/* The lone LF at q: "\r\n". */
		if (skip >= 2)
			skip -= 2;
		else {
			n = 2 - skip < want ? 2 - skip : want;
			if (fn(arg, &"\r\n"[skip], n) == -1)
				return -1;
			want -= n;
			skip = 0;
		}
		p = q + 1;
	}
	return 0;
}

/*
 * Send octets origin to origin + count (UINT64_MAX: all) of the
 * section to fn, exactly mime_range_window() of them.  Returns 0, or
 * -1 when fn failed.
 */
int
mime_range_emit(const struct mime_msg *m, const struct mime_range *r,
    uint64_t origin, uint64_t count, mime_out_fn fn, void *arg)
{
	const struct mime_seg	*sg;
	uint64_t		 skip = origin, want, n;
	size_t			 i;

	want = mime_range_window(r, origin, count);
	for (i = 0; i < r->nseg && want > 0; i++) {
		sg = &r->seg[i];
		if (skip >= sg->len) {
			skip -= sg->len;
			continue;
		}
		n = sg->len - skip < want ? sg->len - skip : want;
		if (sg->lit != NULL) {
			if (fn(arg, sg->lit + skip, n) == -1)
				return -1;
		} else if (emit_raw(m, sg->raw, sg->raw + sg->rawlen, skip, n,
		    fn, arg) == -1)
			return -1;
		want -= n;
		skip = 0;
	}
	return 0;
}

static int
to_buf(void *arg, const void *data, size_t n)
{
	return buf_add(arg, data, n);
}

int
mime_range_buf(struct buf *b, const struct mime_msg *m,
    const struct mime_range *r, uint64_t origin, uint64_t count)
{
	if (buf_reserve(b, mime_range_window(r, origin, count)) == -1)
		return -1;
	return mime_range_emit(m, r, origin, count, to_buf, b);
}
