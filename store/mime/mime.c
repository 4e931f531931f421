/*
 * The MIME part tree of a message in memory, for the IMAP session
 * process.  One pass over the lines: a stack of the open multiparts'
 * boundaries tells each line whether it ends parts (RFC 2046 5.1.1:
 * innermost first, so a repeated boundary belongs to the inner part
 * and an outer one closes every part left open inside it), and
 * running counts of LFs and of LFs without a CR give every mark its
 * offset in the CRLF form, so sizes and line counts never cost a
 * second scan.  Nesting, the number of parts and the length of
 * boundaries are bounded; past a bound the rest is opaque content.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "mime.h"
#include "mime_local.h"

#define BOUNDARY_MAX	200	/* RFC 2046 allows 70 */

struct link {
	size_t		 parent;
	size_t		 child;
	size_t		 last;
	size_t		 next;
};

struct bnd {
	char		*str;
	size_t		 len;
	size_t		 owner;
};

struct parser {
	struct mime_msg		*m;
	const unsigned char	*d;
	size_t			 len;
	struct link		*link;
	size_t			 cap;
	struct bnd		 stack[MIME_DEPTH_MAX + 1];
	size_t			 nstack;
	size_t			 cur;		/* innermost open part */
	int			 inhdr;		/* cur's header is being read */
	int			 flat;		/* too many parts: no more */
	uint64_t		 lf;		/* LFs before the line */
	uint64_t		 bare;		/* ... of them without CR */
};

static size_t	new_part(struct parser *, size_t, const struct mime_mark *);
static void	mark_at(const struct parser *, size_t, struct mime_mark *);
static int	header_done(struct parser *, const struct mime_mark *, int);
static int	classify(struct parser *, size_t);
static int	match_boundary(const struct parser *, size_t, size_t, int *);
static int	delimiter(struct parser *, size_t, size_t, size_t, int);
static int	close_part(struct parser *, size_t, const struct mime_mark *);
static void	pop_to(struct parser *, size_t);
static int	finish(struct parser *);
static void	clamp(struct mime_mark *, const struct mime_mark *);

/*
 * Parse len bytes at data into m.  The buffer must stay put as long
 * as m is used.  Returns 0, or -1 when out of memory (m is then
 * empty).
 */
int
mime_parse(struct mime_msg *m, const void *data, size_t len)
{
	struct parser		 p;
	struct mime_mark	 mk;
	const unsigned char	*nl;
	size_t			 ls, le;
	int			 close, k;

	memset(m, 0, sizeof(*m));
	memset(&p, 0, sizeof(p));
	m->data = data;
	m->len = len;
	p.m = m;
	p.d = data;
	p.len = len;

	mark_at(&p, 0, &mk);
	if (new_part(&p, NOPART, &mk) == NOPART)
		goto fail;
	m->parts[0].flags |= MIME_PF_ISMSG;
	p.cur = 0;
	p.inhdr = 1;

	for (ls = 0; ls < len; ls = le) {
		nl = memchr(p.d + ls, '\n', len - ls);
		le = nl == NULL ? len : (size_t)(nl - p.d) + 1;

		if (p.nstack > 0 && !p.flat && le - ls > 2 &&
		    p.d[ls] == '-' && p.d[ls + 1] == '-' &&
		    (k = match_boundary(&p, ls, le, &close)) != -1) {
			if (delimiter(&p, (size_t)k, ls, le, close) == -1)
				goto fail;
			continue;
		}
		if (nl != NULL) {
			p.lf++;
			if (nl == p.d || nl[-1] != '\r')
				p.bare++;
		}
		if (p.inhdr && nl != NULL && (le - ls == 1 ||
		    (le - ls == 2 && p.d[ls] == '\r'))) {
			mark_at(&p, le, &mk);
			if (header_done(&p, &mk, 1) == -1)
				goto fail;
		}
	}
	if (finish(&p) == -1)
		goto fail;
	free(p.link);
	return 0;

 fail:
	pop_to(&p, 0);
	free(p.link);
	mime_free(m);
	errno = ENOMEM;
	return -1;
}

/*
 * Only the header of the message at data: the root part, ending at
 * the first empty line (or the end of the data), as mime_parse() would
 * find it, its content not classified and no body read.  Enough for
 * ENVELOPE and header fields; m->size and the body marks cover the
 * header only.  *complete tells whether the empty line was in the
 * data (else a longer read of the message may hold more header).
 * Returns 0, or -1 when out of memory.
 */
int
mime_parse_header(struct mime_msg *m, const void *data, size_t len,
    int *complete)
{
	const unsigned char	*d = data, *nl;
	struct mime_part	*pt;
	uint64_t		 lf = 0, bare = 0;
	size_t			 ls, le = len;

	memset(m, 0, sizeof(*m));
	*complete = 0;
	for (ls = 0; ls < len; ls = le) {
		if ((nl = memchr(d + ls, '\n', len - ls)) == NULL) {
			le = len;
			break;
		}
		le = (size_t)(nl - d) + 1;
		lf++;
		if (nl == d || nl[-1] != '\r')
			bare++;
		if (le - ls == 1 || (le - ls == 2 && d[ls] == '\r')) {
			*complete = 1;
			break;
		}
	}
	if ((m->parts = calloc(1, sizeof(*m->parts))) == NULL) {
		errno = ENOMEM;
		return -1;
	}
	m->data = data;
	m->len = len;
	m->nparts = 1;
	pt = &m->parts[0];
	pt->flags = MIME_PF_ISMSG | (*complete ? MIME_PF_SEP : 0);
	pt->body.raw = pt->end.raw = le;
	pt->body.crlf = pt->end.crlf = (uint64_t)le + bare;
	pt->body.lines = pt->end.lines = lf;
	m->size = pt->end.crlf;
	return 0;
}

void
mime_free(struct mime_msg *m)
{
	free(m->parts);
	m->parts = NULL;
	m->nparts = 0;
}

/* The place at raw offset pos, which must be the start of a line. */
static void
mark_at(const struct parser *p, size_t pos, struct mime_mark *mk)
{
	mk->raw = pos;
	mk->crlf = (uint64_t)pos + p->bare;
	mk->lines = p->lf;
}

static void
clamp(struct mime_mark *mk, const struct mime_mark *x)
{
	if (mk->raw > x->raw)
		*mk = *x;
}

static size_t
new_part(struct parser *p, size_t parent, const struct mime_mark *start)
{
	struct mime_msg		*m = p->m;
	struct mime_part	*np, *pt;
	struct link		*nl;
	size_t			 i, ncap;

	if (m->nparts == p->cap) {
		ncap = p->cap == 0 ? 8 : p->cap * 2;
		if ((np = reallocarray(m->parts, ncap, sizeof(*np))) == NULL)
			return NOPART;
		m->parts = np;
		if ((nl = reallocarray(p->link, ncap, sizeof(*nl))) == NULL)
			return NOPART;
		p->link = nl;
		p->cap = ncap;
	}
	i = m->nparts++;
	pt = &m->parts[i];
	memset(pt, 0, sizeof(*pt));
	pt->hdr = pt->body = pt->end = *start;
	p->link[i].parent = parent;
	p->link[i].child = p->link[i].last = p->link[i].next = NOPART;
	if (parent != NOPART) {
		pt->depth = m->parts[parent].depth + 1;
		if (p->link[parent].last == NOPART)
			p->link[parent].child = i;
		else
			p->link[p->link[parent].last].next = i;
		p->link[parent].last = i;
		m->parts[parent].nchild++;
	}
	return i;
}

/*
 * The header of the current part ends at mk (after its blank line
 * when sep).  Its Content-Type says what follows: a multipart's
 * preamble, an encapsulated message's header, or plain content.
 */
static int
header_done(struct parser *p, const struct mime_mark *mk, int sep)
{
	struct mime_part	*pt = &p->m->parts[p->cur];

	pt->body = pt->end = *mk;
	if (sep)
		pt->flags |= MIME_PF_SEP;
	p->inhdr = 0;
	return classify(p, p->cur);
}

static int
classify(struct parser *p, size_t i)
{
	struct mime_ctype	 ct;
	struct mime_part	*pt = &p->m->parts[i];
	struct mime_mark	 bm;
	const char		*b;
	size_t			 c, blen;
	int			 r, deep;

	if ((r = mime_part_ctype(p->m, pt, &ct)) == -1)
		return -1;
	deep = pt->depth >= MIME_DEPTH_MAX || p->flat ||
	    p->m->nparts >= MIME_PARTS_MAX;
	if (ct.type == NULL) {
		pt->flags |= MIME_PF_DEFAULT | MIME_PF_TEXT;
	} else if (strcmp(ct.type, "multipart") == 0) {
		b = mime_ctype_param(&ct, "boundary");
		blen = b == NULL ? 0 : strlen(b);
		if (blen == 0 || blen > BOUNDARY_MAX)
			pt->flags |= MIME_PF_DEFAULT | MIME_PF_TEXT;
		else if (deep || p->nstack > MIME_DEPTH_MAX)
			pt->flags |= MIME_PF_TRUNC;
		else {
			if ((p->stack[p->nstack].str = strdup(b)) == NULL) {
				mime_ctype_free(&ct);
				return -1;
			}
			p->stack[p->nstack].len = blen;
			p->stack[p->nstack].owner = i;
			p->nstack++;
			pt->flags |= MIME_PF_MULTIPART;
			if (strcmp(ct.subtype, "digest") == 0)
				pt->flags |= MIME_PF_DIGEST;
		}
	} else if (strcmp(ct.type, "message") == 0 &&
	    (strcmp(ct.subtype, "rfc822") == 0 ||
	    strcmp(ct.subtype, "global") == 0)) {
		if (strcmp(ct.subtype, "global") == 0)
			pt->flags |= MIME_PF_GLOBAL;
		if (deep)
			pt->flags |= MIME_PF_TRUNC;
		else {
			/* new_part() may move the parts. */
			pt->flags |= MIME_PF_MESSAGE;
			bm = pt->body;
			if ((c = new_part(p, i, &bm)) == NOPART) {
				mime_ctype_free(&ct);
				return -1;
			}
			p->m->parts[c].flags |= MIME_PF_ISMSG;
			p->cur = c;
			p->inhdr = 1;
		}
	} else if (strcmp(ct.type, "text") == 0)
		pt->flags |= MIME_PF_TEXT;
	mime_ctype_free(&ct);
	return 0;
}

/*
 * Which open boundary the line [ls, le) is a delimiter of, innermost
 * first; *close tells a close delimiter.  Transport padding (RFC 2046
 * 5.1.1) may follow; after a close delimiter anything may.
 */
static int
match_boundary(const struct parser *p, size_t ls, size_t le, int *close)
{
	const unsigned char	*t = p->d + ls + 2;
	const struct bnd	*b;
	size_t			 tl = le - ls - 2, k;

	while (tl > 0 && IS_LWSP(t[tl - 1]))
		tl--;
	for (k = p->nstack; k-- > 0; ) {
		b = &p->stack[k];
		if (b->len > tl)
			continue;
		if (b->len == tl && memcmp(t, b->str, tl) == 0) {
			*close = 0;
			return (int)k;
		}
		if (tl >= b->len + 2 && t[b->len] == '-' &&
		    t[b->len + 1] == '-' && memcmp(t, b->str, b->len) == 0) {
			*close = 1;
			return (int)k;
		}
	}
	return -1;
}

/*
 * A delimiter line [ls, le) of boundary k: every part open inside its
 * multipart ends before the line end preceding the line, and a new
 * body part starts after the line, unless it closes the multipart.
 */
static int
delimiter(struct parser *p, size_t k, size_t ls, size_t le, int close)
{
	struct mime_mark	 x, here;
	size_t			 owner = p->stack[k].owner, i, c;

	if (!close && p->m->nparts >= MIME_PARTS_MAX) {
		/* No more parts: the rest is the open part's content. */
		p->flat = 1;
		p->lf += p->d[le - 1] == '\n';
		p->bare += p->d[le - 1] == '\n' &&
		    (le < 2 || p->d[le - 2] != '\r');
		return 0;
	}
	mark_at(p, ls, &here);
	while (p->inhdr)
		if (header_done(p, &here, 0) == -1)
			return -1;
	x = here;
	if (ls > 0 && p->d[ls - 1] == '\n') {
		x.raw = ls - (ls >= 2 && p->d[ls - 2] == '\r' ? 2 : 1);
		x.crlf -= 2;
		x.lines--;
	}
	for (i = p->cur; i != owner && i != NOPART; i = p->link[i].parent)
		if (close_part(p, i, &x) == -1)
			return -1;
	pop_to(p, k + 1);

	if (p->d[le - 1] == '\n') {
		p->lf++;
		if (le < 2 || p->d[le - 2] != '\r')
			p->bare++;
	}
	p->cur = owner;
	if (close) {
		pop_to(p, k);
		return 0;
	}
	mark_at(p, le, &here);
	if ((c = new_part(p, owner, &here)) == NOPART)
		return -1;
	if (p->m->parts[owner].flags & MIME_PF_DIGEST)
		p->m->parts[c].flags |= MIME_PF_INDIGEST;
	p->cur = c;
	p->inhdr = 1;
	return 0;
}

static void
pop_to(struct parser *p, size_t n)
{
	while (p->nstack > n) {
		p->nstack--;
		free(p->stack[p->nstack].str);
		p->stack[p->nstack].str = NULL;
	}
}

/*
 * Part i ends at x.  A blank line taken back by the boundary leaves
 * the header without one; a multipart without any part gets an empty
 * text/plain one so that the structure stays well formed.
 */
static int
close_part(struct parser *p, size_t i, const struct mime_mark *x)
{
	struct mime_part	*pt = &p->m->parts[i];
	size_t			 c;

	clamp(&pt->hdr, x);
	if (pt->body.raw > x->raw) {
		pt->body = *x;
		pt->flags &= ~MIME_PF_SEP;
	}
	pt->end = *x;
	if ((pt->flags & MIME_PF_MULTIPART) && pt->nchild == 0) {
		if ((c = new_part(p, i, x)) == NOPART)
			return -1;
		p->m->parts[c].flags |= MIME_PF_SYNTH | MIME_PF_TEXT;
	}
	return 0;
}

/* End of the buffer: everything still open ends here; link up. */
static int
finish(struct parser *p)
{
	struct mime_msg		*m = p->m;
	struct mime_mark	 here;
	size_t			 i;

	mark_at(p, p->len, &here);
	while (p->inhdr)
		if (header_done(p, &here, 0) == -1)
			return -1;
	for (i = p->cur; i != NOPART; i = p->link[i].parent)
		if (close_part(p, i, &here) == -1)
			return -1;
	pop_to(p, 0);
	m->size = here.crlf;
	for (i = 0; i < m->nparts; i++) {
		m->parts[i].parent = p->link[i].parent == NOPART ? NULL :
		    &m->parts[p->link[i].parent];
		m->parts[i].child = p->link[i].child == NOPART ? NULL :
		    &m->parts[p->link[i].child];
		m->parts[i].next = p->link[i].next == NOPART ? NULL :
		    &m->parts[p->link[i].next];
	}
	return 0;
}

uint64_t
mime_hdr_size(const struct mime_part *pt)
{
	return pt->body.crlf - pt->hdr.crlf;
}

uint64_t
mime_body_size(const struct mime_part *pt)
{
	return pt->end.crlf - pt->body.crlf;
}

/*
 * Lines of the body for body-fld-lines: its line ends, and one more
 * for a last line without one (the line end before a boundary is the
 * boundary's).
 */
uint64_t
mime_body_lines(const struct mime_msg *m, const struct mime_part *pt)
{
	uint64_t	n = pt->end.lines - pt->body.lines;

	if (pt->end.raw > pt->body.raw && m->data[pt->end.raw - 1] != '\n')
		n++;
	return n;
}
