/*
 * libFuzzer harness for store/mime, the MIME parser the IMAP session
 * runs on every message a client fetches or searches.  The input is
 * a message: it is parsed, its ENVELOPE and BODY/BODYSTRUCTURE are
 * rendered in every mode, and every section it has (each part, its
 * MIME header, and HEADER, HEADER.FIELDS[.NOT] and TEXT of each
 * message) is located, numbered back to the same part, and sent
 * whole and through partial windows; leaf parts are transfer-decoded
 * and searched.  Besides the sanitizers it checks what IMAP clients
 * rely on: marks in order and nested, a literal's announced length
 * equal to the octets sent, no lone LF in a section sent whole.
 * Links store/mime (libmime.a) and lib/buf.c; built by `make fuzz',
 * run by regress/fuzz/t_fuzz.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "mime.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static void	check_tree(const struct mime_msg *);
static void	sections(const struct mime_msg *);
static void	one(const struct mime_msg *, const struct mime_sect *,
		    const struct mime_part *);
static void	path(const struct mime_part *, struct mime_sect *);
static void	base_of(const struct mime_part *, struct mime_sect *);
static void	sect_of(const struct mime_part *, struct mime_sect *);
static void	append(struct mime_sect *, uint32_t);
static int	collect(void *, const void *, size_t);

static int
collect(void *arg, const void *data, size_t n)
{
	return buf_add(arg, data, n);
}

static void
check_tree(const struct mime_msg *m)
{
	const struct mime_part	*p, *c;
	size_t			 i, n;

	if (m->nparts == 0 || m->parts[0].hdr.raw != 0 ||
	    m->parts[0].end.raw != m->len || m->parts[0].end.crlf != m->size)
		abort();
	for (i = 0; i < m->nparts; i++) {
		p = &m->parts[i];
		if (p->hdr.raw > p->body.raw || p->body.raw > p->end.raw ||
		    p->hdr.crlf > p->body.crlf || p->body.crlf > p->end.crlf ||
		    p->end.raw > m->len || p->depth > MIME_DEPTH_MAX + 1)
			abort();
		if (p->end.crlf - p->hdr.crlf < p->end.raw - p->hdr.raw)
			abort();
		n = 0;
		for (c = p->child; c != NULL; c = c->next) {
			if (c->parent != p || c->hdr.raw < p->body.raw ||
			    c->end.raw > p->end.raw)
				abort();
			n++;
		}
		if (n != p->nchild)
			abort();
		if ((p->flags & MIME_PF_MULTIPART) && n == 0)
			abort();
	}
}

static void
append(struct mime_sect *s, uint32_t n)
{
	if (s->npart < MIME_SECT_MAX)
		s->part[s->npart++] = n;
}

/*
 * The numbers before those of message p's parts: none for the root,
 * else those of the message/rfc822 part holding it.
 */
static void
base_of(const struct mime_part *p, struct mime_sect *s)
{
	if (p->parent != NULL)
		sect_of(p->parent, s);
}

/* The numbers that name part q (for a message, its "part 1"). */
static void
sect_of(const struct mime_part *q, struct mime_sect *s)
{
	const struct mime_part	*c;
	uint32_t		 k;

	if (q->flags & MIME_PF_ISMSG) {
		base_of(q, s);
		append(s, 1);
		return;
	}
	if (q->parent->flags & MIME_PF_ISMSG)
		base_of(q->parent, s);
	else
		sect_of(q->parent, s);
	for (k = 1, c = q->parent->child; c != q; c = c->next)
		k++;
	append(s, k);
}

/* For a message: its base; for any other part: its own numbers. */
static void
path(const struct mime_part *p, struct mime_sect *s)
{
	mime_sect_init(s);
	if (p->flags & MIME_PF_ISMSG)
		base_of(p, s);
	else
		sect_of(p, s);
}

static void
one(const struct mime_msg *m, const struct mime_sect *s,
    const struct mime_part *want)
{
	const struct mime_part	*got;
	struct mime_range	 r;
	struct buf		 b;
	uint64_t		 w;
	size_t			 i;
	int			 rv;

	if (want != NULL && s->npart > 0 && s->text == MIME_ST_NONE &&
	    (mime_sect_find(m, s, &got) != 0 || got != want))
		abort();
	mime_range_init(&r);
	buf_init(&b);
	rv = mime_locate(m, s, &r);
	if (rv == -1)
		abort();
	if (rv == 0) {
		if (mime_range_emit(m, &r, 0, UINT64_MAX, collect, &b) != 0 ||
		    b.len != r.size)
			abort();
		for (i = 1; i < b.len; i++)
			if (b.data[i] == '\n' && b.data[i - 1] != '\r')
				abort();
		w = r.size / 3;
		buf_reset(&b);
		if (mime_range_buf(&b, m, &r, w, w + 1) != 0 ||
		    b.len != mime_range_window(&r, w, w + 1))
			abort();
		buf_reset(&b);
		if (mime_range_buf(&b, m, &r, r.size + 1, 10) != 0 ||
		    b.len != 0)
			abort();
	}
	buf_reset(&b);
	if (mime_sect_format(&b, s) == -1)
		abort();
	mime_range_free(&r);
	buf_free(&b);
}

static void
sections(const struct mime_msg *m)
{
	static const enum mime_sect_text msgtext[] = { MIME_ST_HEADER,
	    MIME_ST_TEXT, MIME_ST_FIELDS, MIME_ST_FIELDS_NOT };
	const struct mime_part	*p;
	struct mime_sect	 s;
	struct mime_match	 mt;
	struct buf		 b;
	uint64_t		 sz;
	size_t			 i, k;

	buf_init(&b);
	if (mime_match_init(&mt, "\xc3\x84rger", 6) == -1)
		abort();
	mime_sect_init(&s);
	one(m, &s, NULL);
	for (i = 0; i < m->nparts && i < 200; i++) {
		p = &m->parts[i];
		path(p, &s);
		if (p->flags & MIME_PF_ISMSG) {
			for (k = 0; k < 4; k++) {
				s.text = msgtext[k];
				if (k >= 2 && (mime_sect_add_field(&s,
				    "Subject", 7) == -1 ||
				    mime_sect_add_field(&s, "x", 1) == -1))
					abort();
				one(m, &s, NULL);
				mime_sect_free(&s);
				path(p, &s);
			}
			if (p->flags & MIME_PF_MULTIPART)
				continue;
			append(&s, 1);
		}
		if (s.npart == 0)
			continue;
		s.text = MIME_ST_NONE;
		one(m, &s, p);
		s.text = MIME_ST_MIME;
		one(m, &s, NULL);
		if (mime_part_decoded_size(m, p, &sz) == 0) {
			buf_reset(&b);
			if (mime_part_decode(m, p, 0, UINT64_MAX, collect,
			    &b) != 0 || b.len != sz)
				abort();
			buf_reset(&b);
			if (mime_part_decode(m, p, sz / 2, 7, collect,
			    &b) != 0 || b.len != (sz - sz / 2 < 7 ?
			    sz - sz / 2 : 7))
				abort();
		}
		if (mime_part_search(m, p, &mt) == -1)
			abort();
	}
	mime_match_free(&mt);
	buf_free(&b);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct mime_msg		 m;
	struct mime_addr	*ad;
	struct mime_ctype	 ct;
	struct mime_sect	 s;
	struct buf		 b;
	const uint8_t		*nl;
	size_t			 n;
	int			 f;

	if (mime_parse(&m, data, size) == -1)
		abort();
	check_tree(&m);
	buf_init(&b);
	for (f = 0; f < 8; f++) {
		buf_reset(&b);
		if (mime_envelope(&b, &m, &m.parts[0], f & MIME_UTF8) == -1 ||
		    mime_bodystructure(&b, &m, &m.parts[0], f) == -1)
			abort();
	}
	sections(&m);
	mime_free(&m);

	/* The same bytes as header values and as a section spec. */
	buf_reset(&b);
	if (mime_decode_words(&b, data, size) == -1)
		abort();
	if (mime_addr_parse((const char *)data, size, &ad, &n) == -1)
		abort();
	buf_reset(&b);
	if (mime_addr_write(&b, ad, n, 0) == -1)
		abort();
	mime_addr_free(ad, n);
	if (mime_ctype_parse(&ct, (const char *)data, size, 0) == -1)
		abort();
	mime_ctype_free(&ct);
	nl = memchr(data, '\n', size);
	if (mime_sect_parse(&s, (const char *)data,
	    nl == NULL ? size : (size_t)(nl - data)) == 0) {
		buf_reset(&b);
		if (mime_sect_format(&b, &s) == -1)
			abort();
		mime_sect_free(&s);
	}
	buf_free(&b);
	return 0;
}
