/*
 * RFC 5322 address lists (3.4, and the obsolete forms of 4.4) read
 * into IMAP address structures for the session process's ENVELOPE
 * (RFC 3501 7.4.2): display names and local parts without their
 * quoting, groups as start and end markers with NIL hosts, routes
 * as the at-domain-list.  Broken lists give what can be read: a
 * comment stands in for a missing display name (as c-client does),
 * a mailbox without a domain gets ".MISSING-HOST-NAME." (so that it
 * is not taken for a group marker), stray characters are skipped.
 */
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "mime.h"
#include "mime_local.h"

#define MISSING_HOST	".MISSING-HOST-NAME."

#define T_ATOM		0
#define T_QSTR		1
#define T_DLIT		2
#define T_COMMENT	3
#define T_SPECIAL	4

/*
 * Octets that end an atom: RFC 5322 specials, white space, controls.
 * A table rather than strchr(): an ENVELOPE of a large folder's first
 * FETCH looks at every octet of every address field.
 */
static const unsigned char atom_end[256] = {
	[0x00] = 1, [0x01] = 1, [0x02] = 1, [0x03] = 1, [0x04] = 1,
	[0x05] = 1, [0x06] = 1, [0x07] = 1, [0x08] = 1, [0x09] = 1,
	[0x0a] = 1, [0x0b] = 1, [0x0c] = 1, [0x0d] = 1, [0x0e] = 1,
	[0x0f] = 1, [0x10] = 1, [0x11] = 1, [0x12] = 1, [0x13] = 1,
	[0x14] = 1, [0x15] = 1, [0x16] = 1, [0x17] = 1, [0x18] = 1,
	[0x19] = 1, [0x1a] = 1, [0x1b] = 1, [0x1c] = 1, [0x1d] = 1,
	[0x1e] = 1, [0x1f] = 1, [' '] = 1, [0x7f] = 1,
	['('] = 1, [')'] = 1, ['<'] = 1, ['>'] = 1, ['['] = 1, [']'] = 1,
	[':'] = 1, [';'] = 1, ['@'] = 1, ['\\'] = 1, [','] = 1, ['"'] = 1
};

struct tok {
	int		 type;
	char		 c;		/* T_SPECIAL */
	size_t		 off;		/* text in the token buffer */
	size_t		 len;
};

struct ap {
	struct tok	*t;
	size_t		 n;
	size_t		 tcap;
	size_t		 i;
	struct buf	 text;
	struct mime_addr *out;
	size_t		 nout;
	size_t		 cap;
	/* Scratch of mailbox() and angle(), kept for the whole list. */
	struct buf	 name, local, host, cmt, adl;
};

static int	tokenize(struct ap *, const char *, size_t);
static int	add_tok(struct ap *, int, char, const char *, size_t);
static int	is_sp(const struct ap *, size_t, char);
static int	is_word(const struct ap *, size_t);
static int	join(const struct ap *, size_t, size_t, int, struct buf *);
static int	emit(struct ap *, const char *, const char *, const char *,
		    const char *);
static int	mailbox(struct ap *, int);
static int	angle(struct ap *, size_t, struct buf *, int);
static size_t	to_sep(const struct ap *, size_t, int);
static int	comment_in(const struct ap *, size_t, size_t, struct buf *);

static int
add_tok(struct ap *a, int type, char c, const char *s, size_t n)
{
	struct tok	*nt;
	size_t		 ncap;

	if (a->n == a->tcap) {
		ncap = a->tcap == 0 ? 16 : a->tcap * 2;
		if ((nt = reallocarray(a->t, ncap, sizeof(*nt))) == NULL)
			return -1;
		a->t = nt;
		a->tcap = ncap;
	}
	nt = a->t;
	nt[a->n].type = type;
	nt[a->n].c = c;
	nt[a->n].off = a->text.len;
	nt[a->n].len = n;
	a->n++;
	return buf_add(&a->text, s, n);
}

/* Words, quoted strings, domain literals, comments and specials. */
static int
tokenize(struct ap *a, const char *v, size_t len)
{
	struct buf	 w;
	size_t		 i = 0, s, depth;
	unsigned char	 c;
	int		 r = -1;

	buf_init(&w);
	while (i < len) {
		c = v[i];
		if (IS_LWSP(c)) {
			i++;
			continue;
		}
		buf_reset(&w);
		if (c == '"' || c == '(') {
			/* The content is never longer than what is left. */
			if (buf_reserve(&w, len - i) == -1)
				goto out;
			depth = 0;
			for (i++; i < len; i++) {
				if (v[i] == '\\' && i + 1 < len)
					i++;
				else if (c == '"' && v[i] == '"')
					break;
				else if (c == '(' && v[i] == '(')
					depth++;
				else if (c == '(' && v[i] == ')' &&
				    depth-- == 0)
					break;
				w.data[w.len++] = v[i];
			}
			i++;
			if (add_tok(a, c == '"' ? T_QSTR : T_COMMENT, 0,
			    (char *)w.data, w.len) == -1)
				goto out;
		} else if (c == '[') {
			for (s = i++; i < len && v[i] != ']'; i++)
				;
			if (i < len)
				i++;
			if (add_tok(a, T_DLIT, 0, v + s, i - s) == -1)
				goto out;
		} else if (atom_end[c]) {
			if (add_tok(a, T_SPECIAL, c, v + i, 1) == -1)
				goto out;
			i++;
		} else {
			for (s = i; i < len && !atom_end[(unsigned char)v[i]];
			    i++)
				;
			if (add_tok(a, T_ATOM, 0, v + s, i - s) == -1)
				goto out;
		}
	}
	r = 0;
 out:
	buf_free(&w);
	return r;
}

static int
is_sp(const struct ap *a, size_t k, char c)
{
	return k < a->n && a->t[k].type == T_SPECIAL && a->t[k].c == c;
}

static int
is_word(const struct ap *a, size_t k)
{
	return k < a->n && a->t[k].type != T_SPECIAL &&
	    a->t[k].type != T_DLIT;
}

/*
 * The words of tokens [s, e) into b (reset first): with spaces
 * between them for a phrase, run together for a local part or
 * domain.  Comments are left out.
 */
static int
join(const struct ap *a, size_t s, size_t e, int spaces, struct buf *b)
{
	const struct tok	*t;
	size_t			 k;

	buf_reset(b);
	for (k = s; k < e; k++) {
		t = &a->t[k];
		if (t->type == T_COMMENT ||
		    (t->type == T_SPECIAL && (unsigned char)t->c < ' '))
			continue;
		if (spaces && b->len > 0 && buf_add(b, " ", 1) == -1)
			return -1;
		if (buf_add(b, a->text.data + t->off, t->len) == -1)
			return -1;
	}
	return buf_add(b, "", 0);
}

/* The last non-empty comment among tokens [s, e), into b. */
static int
comment_in(const struct ap *a, size_t s, size_t e, struct buf *b)
{
	size_t	k;

	buf_reset(b);
	for (k = e; k-- > s; )
		if (a->t[k].type == T_COMMENT && a->t[k].len > 0)
			return buf_add(b, a->text.data + a->t[k].off,
			    a->t[k].len) == -1 ? -1 : 1;
	return 0;
}

static int
emit(struct ap *a, const char *name, const char *adl, const char *mbox,
    const char *host)
{
	struct mime_addr	*na, *p;
	size_t			 ncap;

	if (a->nout == a->cap) {
		ncap = a->cap == 0 ? 4 : a->cap * 2;
		if ((na = reallocarray(a->out, ncap, sizeof(*na))) == NULL)
			return -1;
		a->out = na;
		a->cap = ncap;
	}
	p = &a->out[a->nout];
	memset(p, 0, sizeof(*p));
	if ((name != NULL && (p->name = strdup(name)) == NULL) ||
	    (adl != NULL && (p->adl = strdup(adl)) == NULL) ||
	    (mbox != NULL && (p->mailbox = strdup(mbox)) == NULL) ||
	    (host != NULL && (p->host = strdup(host)) == NULL)) {
		free(p->name);
		free(p->adl);
		free(p->mailbox);
		return -1;
	}
	a->nout++;
	return 0;
}

/* Past the rest of an address: to its ',' (or a group's ';'). */
static size_t
to_sep(const struct ap *a, size_t k, int in_group)
{
	while (k < a->n && !is_sp(a, k, ',') && !(in_group && is_sp(a, k, ';')))
		k++;
	return k;
}

/*
 * An angle-addr at token k ('<'), with the display name in name (or
 * NULL): [route ':'] local-part ['@' domain] '>'.
 */
static int
angle(struct ap *a, size_t k, struct buf *name, int in_group)
{
	struct buf	*adl = &a->adl, *local = &a->local, *host = &a->host;
	size_t		 m, ls;

	buf_reset(adl);
	k++;
	if (is_sp(a, k, '@')) {
		/* obs-route: "@a,@b:" */
		for (m = k; m < a->n && !is_sp(a, m, ':') && !is_sp(a, m, '>');
		    m++)
			;
		if (is_sp(a, m, ':')) {
			if (join(a, k, m, 0, adl) == -1)
				return -1;
			k = m + 1;
		}
	}
	for (ls = k; is_word(a, k); k++)
		;
	if (join(a, ls, k, 0, local) == -1)
		return -1;
	buf_reset(host);
	if (is_sp(a, k, '@')) {
		for (ls = ++k; k < a->n && a->t[k].type != T_SPECIAL; k++)
			;
		if (join(a, ls, k, 0, host) == -1)
			return -1;
	}
	while (k < a->n && !is_sp(a, k, '>') && !is_sp(a, k, ',') &&
	    !(in_group && is_sp(a, k, ';')))
		k++;
	if (is_sp(a, k, '>'))
		k++;
	a->i = to_sep(a, k, in_group);
	/* "<>" names nobody. */
	if (local->len == 0 && host->len == 0)
		return 0;
	return emit(a, name != NULL && name->len > 0 ? (char *)name->data :
	    NULL, adl->len > 0 ? (char *)adl->data : NULL,
	    local->len > 0 ? (char *)local->data : "",
	    host->len > 0 ? (char *)host->data : MISSING_HOST);
}

/* One mailbox at a->i: name-addr, addr-spec, or what is left of one. */
static int
mailbox(struct ap *a, int in_group)
{
	struct buf	*name = &a->name, *local = &a->local;
	struct buf	*host = &a->host, *cmt = &a->cmt;
	size_t		 s = a->i, j, k, ds;

	for (j = s; is_word(a, j); j++)
		;
	if (is_sp(a, j, '<')) {
		if (join(a, s, j, 1, name) == -1)
			return -1;
		return angle(a, j, name, in_group);
	}
	if (is_sp(a, j, '@') && j > s) {
		if (join(a, s, j, 0, local) == -1)
			return -1;
		for (ds = k = j + 1; k < a->n && a->t[k].type != T_SPECIAL;
		    k++)
			;
		if (join(a, ds, k, 0, host) == -1)
			return -1;
		if (is_sp(a, k, '<')) {
			/* "a@b <c@d>": the bracketed one is the address. */
			buf_reset(name);
			if (buf_addstr(name, (char *)local->data) == -1 ||
			    buf_add(name, "@", 1) == -1 ||
			    buf_addstr(name, (char *)host->data) == -1)
				return -1;
			return angle(a, k, name, in_group);
		}
		k = to_sep(a, k, in_group);
		if (comment_in(a, s, k, cmt) == -1)
			return -1;
		a->i = k;
		return emit(a, cmt->len > 0 ? (char *)cmt->data : NULL, NULL,
		    (char *)local->data, host->len > 0 ? (char *)host->data :
		    MISSING_HOST);
	}
	if (join(a, s, j, 1, local) == -1)
		return -1;
	/* Words and nothing else: a local name; else skip a stray. */
	a->i = j > s ? j : s + 1;
	return local->len > 0 ? emit(a, NULL, NULL, (char *)local->data,
	    MISSING_HOST) : 0;
}

/*
 * Parse an unfolded address-list header value.  *out gets an array of
 * *n entries (possibly none; free with mime_addr_free).  Returns 0,
 * or -1 out of memory.
 */
int
mime_addr_parse(const char *v, size_t len, struct mime_addr **out,
    size_t *n)
{
	struct ap	 a;
	struct buf	 name;
	size_t		 s, j;
	int		 r = -1;

	memset(&a, 0, sizeof(a));
	buf_init(&a.text);
	buf_init(&a.name);
	buf_init(&a.local);
	buf_init(&a.host);
	buf_init(&a.cmt);
	buf_init(&a.adl);
	buf_init(&name);
	*out = NULL;
	*n = 0;
	if (tokenize(&a, v, len) == -1)
		goto out;
	while (a.i < a.n) {
		if (is_sp(&a, a.i, ',')) {
			a.i++;
			continue;
		}
		s = a.i;
		for (j = s; is_word(&a, j); j++)
			;
		if (!is_sp(&a, j, ':')) {
			if (mailbox(&a, 0) == -1)
				goto out;
			continue;
		}
		/* group: display-name ":" [group-list] ";" */
		if (join(&a, s, j, 1, &name) == -1 ||
		    emit(&a, NULL, NULL, (char *)name.data, NULL) == -1)
			goto out;
		for (a.i = j + 1; a.i < a.n && !is_sp(&a, a.i, ';'); ) {
			if (is_sp(&a, a.i, ',') || is_sp(&a, a.i, ':'))
				a.i++;
			else if (mailbox(&a, 1) == -1)
				goto out;
		}
		if (a.i < a.n)
			a.i++;
		if (emit(&a, NULL, NULL, NULL, NULL) == -1)
			goto out;
	}
	*out = a.out;
	*n = a.nout;
	a.out = NULL;
	a.nout = 0;
	r = 0;
 out:
	mime_addr_free(a.out, a.nout);
	free(a.t);
	buf_free(&a.text);
	buf_free(&a.name);
	buf_free(&a.local);
	buf_free(&a.host);
	buf_free(&a.cmt);
	buf_free(&a.adl);
	buf_free(&name);
	return r;
}

void
mime_addr_free(struct mime_addr *ad, size_t n)
{
	size_t	i;

	for (i = 0; i < n; i++) {
		free(ad[i].name);
		free(ad[i].adl);
		free(ad[i].mailbox);
		free(ad[i].host);
	}
	free(ad);
}

/* The list as IMAP writes it: "((name adl mailbox host)...)" or NIL. */
int
mime_addr_write(struct buf *b, const struct mime_addr *ad, size_t n,
    int flags)
{
	size_t	i;

	if (n == 0)
		return buf_add(b, "NIL", 3);
	if (buf_add(b, "(", 1) == -1)
		return -1;
	for (i = 0; i < n; i++) {
		if (buf_add(b, "(", 1) == -1 ||
		    mime_imap_nstring(b, ad[i].name, flags) == -1 ||
		    buf_add(b, " ", 1) == -1 ||
		    mime_imap_nstring(b, ad[i].adl, flags) == -1 ||
		    buf_add(b, " ", 1) == -1 ||
		    mime_imap_nstring(b, ad[i].mailbox, flags) == -1 ||
		    buf_add(b, " ", 1) == -1 ||
		    mime_imap_nstring(b, ad[i].host, flags) == -1 ||
		    buf_add(b, ")", 1) == -1)
			return -1;
	}
	return buf_add(b, ")", 1);
}
