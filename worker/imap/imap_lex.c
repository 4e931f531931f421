/*
 * The IMAP parser's reader, for the worker and the session: walks the
 * segments of one command (lines and literals) and reads the small
 * productions of RFC 3501/9051 section 9 that every command grammar
 * is made of.  Exactly one SP between tokens, no NUL anywhere, 8-bit
 * only inside literals and (when UTF-8 is enabled) quoted strings.
 * Every function returns 0 or -1; on -1 rd->status says why and
 * rd->err holds the text of the BAD.  Also the arena that holds a
 * command's memory.
 */
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "imap_lex.h"
#include "mutf7.h"

#define ARENA_CHUNK	4096
#define ARENA_ALIGN	16

struct imap_chunk {
	struct imap_chunk	*next;
	size_t			 size;
	size_t			 used;
	unsigned char		*data;
};

struct imap_arena {
	struct imap_chunk	*head;
};

static int	rd_quoted(struct imap_rd *, char **, size_t *);
static int	rd_literal_marker(struct imap_rd *, int *);
static int	rd_literal(struct imap_rd *, char **, size_t *);
static const unsigned char *rd_cur(struct imap_rd *, size_t *);

/* ---- arena ----------------------------------------------------------- */

struct imap_arena *
imap_arena_new(void)
{
	return calloc(1, sizeof(struct imap_arena));
}

void *
imap_arena_alloc(struct imap_arena *a, size_t n)
{
	struct imap_chunk	*c;
	size_t			 sz;
	void			*p;

	if (n > SIZE_MAX / 2) {
		errno = ENOMEM;
		return NULL;
	}
	n = (n + ARENA_ALIGN - 1) & ~(size_t)(ARENA_ALIGN - 1);
	if (n == 0)
		n = ARENA_ALIGN;
	c = a->head;
	if (c == NULL || c->size - c->used < n) {
		sz = n > ARENA_CHUNK ? n : ARENA_CHUNK;
		if ((c = malloc(sizeof(*c))) == NULL)
			return NULL;
		/* malloc aligns for any type; offsets keep ARENA_ALIGN. */
		if ((c->data = malloc(sz)) == NULL) {
			free(c);
			return NULL;
		}
		c->size = sz;
		c->used = 0;
		c->next = a->head;
		a->head = c;
	}
	p = c->data + c->used;
	c->used += n;
	return p;
}

void *
imap_arena_calloc(struct imap_arena *a, size_t nmemb, size_t size)
{
	void	*p;

	if (size != 0 && nmemb > SIZE_MAX / 4 / size) {
		errno = ENOMEM;
		return NULL;
	}
	if ((p = imap_arena_alloc(a, nmemb * size)) != NULL)
		memset(p, 0, nmemb * size);
	return p;
}

char *
imap_arena_strndup(struct imap_arena *a, const char *s, size_t len)
{
	char	*p;

	if (len == SIZE_MAX || (p = imap_arena_alloc(a, len + 1)) == NULL)
		return NULL;
	memcpy(p, s, len);
	p[len] = '\0';
	return p;
}

/* Passwords pass through here: wipe before giving memory back. */
void
imap_arena_clear(struct imap_arena *a)
{
	struct imap_chunk	*c, *next;

	if (a == NULL)
		return;
	for (c = a->head; c != NULL; c = next) {
		next = c->next;
		freezero(c->data, c->size);
		free(c);
	}
	a->head = NULL;
}

void
imap_arena_free(struct imap_arena *a)
{
	imap_arena_clear(a);
	free(a);
}

/* ---- character classes ---------------------------------------------- */

/* CHAR minus SP, CTL and ( ) { % * " \ ]; every octet goes through here. */
int
imap_atom_char(int c)
{
	if (c <= 0x20 || c >= 0x7f)
		return 0;
	switch (c) {
	case '(':
	case ')':
	case '{':
	case '%':
	case '*':
	case '"':
	case '\\':
	case ']':
		return 0;
	default:
		return 1;
	}
}

int
imap_astring_char(int c)
{
	return imap_atom_char(c) || c == ']';
}

int
imap_list_char(int c)
{
	return imap_atom_char(c) || c == '%' || c == '*' || c == ']';
}

int
imap_tag_char(int c)
{
	return imap_astring_char(c) && c != '+';
}

/* ---- reader basics --------------------------------------------------- */

int
rd_err(struct imap_rd *rd, const char *fmt, ...)
{
	va_list	ap;

	if (rd->status != RD_OK)
		return -1;
	rd->status = RD_ERR;
	va_start(ap, fmt);
	(void)vsnprintf(rd->err, sizeof(rd->err), fmt, ap);
	va_end(ap);
	return -1;
}

int
rd_nomem(struct imap_rd *rd)
{
	if (rd->status == RD_OK) {
		rd->status = RD_NOMEM;
		(void)strlcpy(rd->err, "Out of memory", sizeof(rd->err));
	}
	return -1;
}

/* One more token; the count bounds the work and memory per command. */
int
rd_count(struct imap_rd *rd)
{
	if (++rd->nargs > rd->lim->args_max)
		return rd_err(rd, "Too many arguments (limit %zu)",
		    rd->lim->args_max);
	return 0;
}

static const unsigned char *
rd_cur(struct imap_rd *rd, size_t *left)
{
	const struct imap_seg	*s = &rd->segs[rd->seg];

	*left = (size_t)s->len - rd->pos;
	return rd->text + s->off + rd->pos;
}

/* The next octet of the current line, or -1 at its end. */
int
rd_peek(struct imap_rd *rd)
{
	const unsigned char	*p;
	size_t			 left;

	if (rd->status != RD_OK)
		return -1;
	p = rd_cur(rd, &left);
	return left > 0 ? p[0] : -1;
}

int
rd_peek2(struct imap_rd *rd)
{
	const unsigned char	*p;
	size_t			 left;

	if (rd->status != RD_OK)
		return -1;
	p = rd_cur(rd, &left);
	return left > 1 ? p[1] : -1;
}

void
rd_skip(struct imap_rd *rd, size_t n)
{
	rd->pos += n;
}

int
rd_at_end(struct imap_rd *rd)
{
	return rd->status == RD_OK && rd->seg == rd->nsegs - 1 &&
	    rd->pos == rd->segs[rd->seg].len;
}

int
rd_end(struct imap_rd *rd)
{
	if (rd->status != RD_OK)
		return -1;
	if (rd_at_end(rd))
		return 0;
	if (rd_peek(rd) == ' ')
		return rd_err(rd, "Too many arguments");
	return rd_unexpected(rd, "Unexpected characters at end of command");
}

/* An octet the grammar has no place for: say what is wrong with it. */
int
rd_unexpected(struct imap_rd *rd, const char *what)
{
	int	c = rd_peek(rd);

	if (rd->status != RD_OK)
		return -1;
	if (c == '\0')
		return rd_err(rd, "NUL in command");
	if (c >= 0x80)
		return rd_err(rd, "8-bit characters are only allowed in "
		    "literals%s", rd->flags & IMAP_PF_UTF8 ?
		    " and quoted strings" : "");
	if (c < 0x20 || c == 0x7f)
		return rd_err(rd, "Control character in command");
	if (c == '~' && rd_peek2(rd) == '{')
		return rd_err(rd, "literal8 is not allowed here");
	return rd_err(rd, "%s", what);
}

/*
 * Between the elements of a space-separated list: whether another
 * follows, taking the space before it if so.
 */
int
rd_more(struct imap_rd *rd)
{
	if (rd_peek(rd) != ' ')
		return 0;
	rd_skip(rd, 1);
	return 1;
}

int
rd_sp(struct imap_rd *rd)
{
	int	c = rd_peek(rd);

	if (c == ' ') {
		rd_skip(rd, 1);
		return 0;
	}
	if (rd->status != RD_OK)
		return -1;
	if (c == -1)
		return rd_err(rd, "Missing argument");
	if (c == '~' || c >= 0x80 || c < 0x20 || c == 0x7f)
		return rd_unexpected(rd, "");
	return rd_err(rd, "Expected a single space before '%c'", c);
}

int
rd_char(struct imap_rd *rd, int want)
{
	int	c = rd_peek(rd);

	if (c == want) {
		rd_skip(rd, 1);
		return 0;
	}
	if (rd->status != RD_OK)
		return -1;
	if (c == -1)
		return rd_err(rd, "Expected '%c' before end of line", want);
	return rd_err(rd, "Expected '%c'", want);
}

int
rd_open(struct imap_rd *rd)
{
	if (rd_char(rd, '(') == -1)
		return -1;
	if (++rd->depth > rd->lim->depth_max)
		return rd_err(rd, "Parentheses nested too deeply (limit %d)",
		    rd->lim->depth_max);
	return 0;
}

int
rd_close(struct imap_rd *rd)
{
	if (rd_char(rd, ')') == -1)
		return -1;
	rd->depth--;
	return 0;
}

/*
 * A keyword: atom characters up to one of `stop', upper-cased into
 * buf.  A word that does not fit is not any keyword we know.
 */
int
rd_word(struct imap_rd *rd, char *buf, size_t size, const char *stop)
{
	const unsigned char	*p;
	size_t			 left, n = 0;

	if (rd->status != RD_OK)
		return -1;
	p = rd_cur(rd, &left);
	while (n < left && imap_atom_char(p[n]) &&
	    (stop == NULL || strchr(stop, p[n]) == NULL))
		n++;
	if (n == 0) {
		if (left == 0)
			return rd_err(rd, "Missing argument");
		return rd_err(rd, "Expected a keyword");
	}
	if (n >= size)
		return rd_err(rd, "Unknown keyword");
	memcpy(buf, p, n);
	buf[n] = '\0';
	for (left = 0; left < n; left++)
		buf[left] = toupper((unsigned char)buf[left]);
	rd_skip(rd, n);
	return rd_count(rd);
}

/*
 * Is the next token the keyword `w' (any case)?  Consumes it if so.
 * It must end where an atom ends.
 */
int
rd_is(struct imap_rd *rd, const char *w)
{
	const unsigned char	*p;
	size_t			 left, n = strlen(w);

	if (rd->status != RD_OK)
		return 0;
	p = rd_cur(rd, &left);
	if (left < n || strncasecmp((const char *)p, w, n) != 0)
		return 0;
	if (left > n && imap_atom_char(p[n]))
		return 0;
	rd_skip(rd, n);
	return 1;
}

/* A run of octets that ok() accepts, at least one. */
int
rd_chars(struct imap_rd *rd, int (*ok)(int), char **out, size_t *lenp)
{
	const unsigned char	*p;
	size_t			 left, n = 0;

	if (rd->status != RD_OK)
		return -1;
	p = rd_cur(rd, &left);
	while (n < left && ok(p[n]))
		n++;
	if (n == 0) {
		if (left == 0)
			return rd_err(rd, "Missing argument");
		if (p[0] == '{' || p[0] == '"')
			return rd_err(rd, "A string is not allowed here");
		return rd_unexpected(rd, "Invalid characters in atom");
	}
	if (n == 1 && p[0] == '~' && left > 1 && p[1] == '{')
		return rd_err(rd, "literal8 is not allowed here");
	if ((*out = imap_arena_strndup(rd->arena, (const char *)p, n)) == NULL)
		return rd_nomem(rd);
	if (lenp != NULL)
		*lenp = n;
	rd_skip(rd, n);
	return rd_count(rd);
}

int
rd_atom(struct imap_rd *rd, char **out)
{
	return rd_chars(rd, imap_atom_char, out, NULL);
}

/* ---- strings --------------------------------------------------------- */

static int
rd_quoted(struct imap_rd *rd, char **out, size_t *lenp)
{
	const unsigned char	*p;
	size_t			 left, i, n = 0;
	char			*s;
	int			 eight = 0;

	p = rd_cur(rd, &left);
	/* p[0] is the opening quote: find the end, then copy unescaped. */
	for (i = 1; i < left && p[i] != '"'; i++, n++) {
		if (p[i] == '\\') {
			if (i + 1 == left)
				return rd_err(rd, "Unterminated quoted string");
			if (p[i + 1] != '"' && p[i + 1] != '\\')
				return rd_err(rd, "Invalid escape in quoted "
				    "string");
			i++;
		} else if (p[i] == '\0')
			return rd_err(rd, "NUL in quoted string");
		else if (p[i] >= 0x80)
			eight = 1;
	}
	if (i >= left)
		return rd_err(rd, "Unterminated quoted string");
	if ((s = imap_arena_alloc(rd->arena, n + 1)) == NULL)
		return rd_nomem(rd);
	for (i = 1, n = 0; p[i] != '"'; i++) {
		if (p[i] == '\\')
			i++;
		s[n++] = p[i];
	}
	s[n] = '\0';
	if (eight) {
		if (!(rd->flags & IMAP_PF_UTF8))
			return rd_err(rd, "8-bit characters in quoted string "
			    "(use a literal)");
		if (!utf8_valid(s, n))
			return rd_err(rd, "Invalid UTF-8 in quoted string");
	}
	rd_skip(rd, i + 1);
	*out = s;
	if (lenp != NULL)
		*lenp = n;
	return rd_count(rd);
}

/*
 * "{" number64 ["+"] "}" at the end of the line; *tilde says whether
 * "~{" (literal8) was used.  Leaves the reader at the end of the line.
 */
static int
rd_literal_marker(struct imap_rd *rd, int *tilde)
{
	const unsigned char	*p;
	size_t			 left, i = 0;
	uint64_t		 v = 0;

	p = rd_cur(rd, &left);
	*tilde = 0;
	if (i < left && p[i] == '~') {
		*tilde = 1;
		i++;
	}
	if (i >= left || p[i] != '{')
		return rd_err(rd, "Expected a literal");
	i++;
	if (i >= left || !isdigit(p[i]))
		return rd_err(rd, "Invalid literal");
	while (i < left && isdigit(p[i])) {
		if (v > ((uint64_t)INT64_MAX - (uint64_t)(p[i] - '0')) / 10)
			return rd_err(rd, "Literal size out of range");
		v = v * 10 + (p[i++] - '0');
	}
	if (i < left && p[i] == '+')
		i++;
	if (i >= left || p[i] != '}')
		return rd_err(rd, "Invalid literal");
	i++;
	if (i != left)
		return rd_err(rd, "A literal must end the line");
	if (rd->seg + 1 < rd->nsegs && rd->segs[rd->seg + 1].len != v)
		return rd_err(rd, "Literal size mismatch");
	rd_skip(rd, i);
	return 0;
}

static int
rd_literal(struct imap_rd *rd, char **out, size_t *lenp)
{
	const struct imap_seg	*s;
	int			 tilde;

	if (rd_literal_marker(rd, &tilde) == -1)
		return -1;
	if (tilde)
		return rd_err(rd, "literal8 is not allowed here");
	if (rd->seg + 1 >= rd->nsegs) {
		rd->status = RD_INCOMPLETE;
		rd->lit_role = IMAP_LIT_STRING;
		return -1;
	}
	s = &rd->segs[rd->seg + 1];
	if (s->kind != SEG_LIT || rd->seg + 2 >= rd->nsegs)
		return rd_err(rd, "Literal out of place");
	if (s->nul)
		return rd_err(rd, "NUL in literal");
	*out = imap_arena_strndup(rd->arena, (const char *)rd->text + s->off,
	    (size_t)s->len);
	if (*out == NULL)
		return rd_nomem(rd);
	if (lenp != NULL)
		*lenp = (size_t)s->len;
	rd->seg += 2;
	rd->pos = 0;
	return rd_count(rd);
}

/* The APPEND message: a literal, or a literal8 if BINARY is on. */
int
rd_message(struct imap_rd *rd, const struct imap_seg **segp)
{
	const struct imap_seg	*s;
	int			 tilde;

	if (rd->status != RD_OK)
		return -1;
	if (rd_peek(rd) != '{' && rd_peek(rd) != '~')
		return rd_err(rd, "Expected the message as a literal");
	if (rd_literal_marker(rd, &tilde) == -1)
		return -1;
	if (tilde && !(rd->flags & IMAP_PF_BINARY))
		return rd_err(rd, "literal8 is not allowed (no BINARY)");
	if (rd->seg + 1 >= rd->nsegs) {
		rd->status = RD_INCOMPLETE;
		rd->lit_role = IMAP_LIT_MESSAGE;
		return -1;
	}
	s = &rd->segs[rd->seg + 1];
	if (s->kind != SEG_MSG || rd->seg + 2 >= rd->nsegs)
		return rd_err(rd, "Literal out of place");
	if (s->binary != tilde)
		return rd_err(rd, "Literal out of place");
	if (s->nul && !s->binary)
		return rd_err(rd, "NUL in message (use literal8)");
	*segp = s;
	rd->seg += 2;
	rd->pos = 0;
	return rd_count(rd);
}

int
rd_string(struct imap_rd *rd, char **out, size_t *lenp)
{
	int	c = rd_peek(rd);

	if (c == '"')
		return rd_quoted(rd, out, lenp);
	if (c == '{')
		return rd_literal(rd, out, lenp);
	if (rd->status != RD_OK)
		return -1;
	if (c == -1)
		return rd_err(rd, "Missing argument");
	return rd_err(rd, "Expected a quoted string or a literal");
}

int
rd_astring(struct imap_rd *rd, char **out, size_t *lenp)
{
	int	c = rd_peek(rd);

	if (c == '"' || c == '{')
		return rd_string(rd, out, lenp);
	return rd_chars(rd, imap_astring_char, out, lenp);
}

int
rd_nstring(struct imap_rd *rd, char **out, size_t *lenp)
{
	if (rd_is(rd, "NIL")) {
		*out = NULL;
		if (lenp != NULL)
			*lenp = 0;
		return rd_count(rd);
	}
	return rd_string(rd, out, lenp);
}

int
rd_mailbox(struct imap_rd *rd, char **out)
{
	return rd_astring(rd, out, NULL);
}

int
rd_list_mailbox(struct imap_rd *rd, char **out)
{
	int	c = rd_peek(rd);

	if (c == '"' || c == '{')
		return rd_string(rd, out, NULL);
	return rd_chars(rd, imap_list_char, out, NULL);
}

/* ---- numbers --------------------------------------------------------- */

int
rd_number64(struct imap_rd *rd, uint64_t *out)
{
	const unsigned char	*p;
	size_t			 left, i = 0;
	uint64_t		 v = 0;

	if (rd->status != RD_OK)
		return -1;
	p = rd_cur(rd, &left);
	if (left == 0)
		return rd_err(rd, "Missing number");
	if (!isdigit(p[0]))
		return rd_err(rd, "Expected a number");
	while (i < left && isdigit(p[i])) {
		if (v > ((uint64_t)INT64_MAX - (uint64_t)(p[i] - '0')) / 10)
			return rd_err(rd, "Number out of range");
		v = v * 10 + (p[i++] - '0');
	}
	rd_skip(rd, i);
	*out = v;
	return rd_count(rd);
}

int
rd_number(struct imap_rd *rd, uint32_t *out)
{
	uint64_t	v;

	if (rd_number64(rd, &v) == -1)
		return -1;
	if (v > UINT32_MAX)
		return rd_err(rd, "Number out of range");
	*out = (uint32_t)v;
	return 0;
}

int
rd_nz_number(struct imap_rd *rd, uint32_t *out)
{
	if (rd_peek(rd) == '0')
		return rd_err(rd, "Expected a non-zero number");
	return rd_number(rd, out);
}

/* ---- sequence sets, dates, flags -------------------------------------- */

/* flags: SEQ_DOLLAR, SEQ_STAR (QRESYNC's known sets have neither). */
int
rd_seqset(struct imap_rd *rd, struct imap_seqset *set, int flags)
{
	const unsigned char	*p;
	size_t			 left, n = 0, items;

	if (rd->status != RD_OK)
		return -1;
	p = rd_cur(rd, &left);
	while (n < left && strchr("0123456789:,*$", p[n]) != NULL)
		n++;
	if (n == 0)
		return rd_err(rd, left == 0 ? "Missing sequence set" :
		    "Expected a sequence set");
	items = imap_seqset_nitems((const char *)p, n);
	if (items > rd->lim->args_max - rd->nargs)
		return rd_err(rd, "Too many ranges in sequence set");
	rd->nargs += items;
	memset(set, 0, sizeof(*set));
	if ((set->r = imap_arena_calloc(rd->arena, items,
	    sizeof(*set->r))) == NULL)
		return rd_nomem(rd);
	if (imap_seqset_fill((const char *)p, n, set) == -1)
		return rd_err(rd, "Invalid sequence set");
	if (set->dollar && !(flags & SEQ_DOLLAR))
		return rd_err(rd, "\"$\" is not allowed here");
	if (set->star && !(flags & SEQ_STAR))
		return rd_err(rd, "\"*\" is not allowed here");
	rd_skip(rd, n);
	return 0;
}

/* date = date-text / DQUOTE date-text DQUOTE */
int
rd_date(struct imap_rd *rd, time_t *out)
{
	const unsigned char	*p;
	size_t			 left, n = 0;
	int			 q = 0;

	if (rd->status != RD_OK)
		return -1;
	p = rd_cur(rd, &left);
	if (left > 0 && p[0] == '"') {
		q = 1;
		for (n = 1; n < left && p[n] != '"'; n++)
			;
		if (n == left)
			return rd_err(rd, "Unterminated quoted date");
	} else
		while (n < left && imap_atom_char(p[n]))
			n++;
	if (imap_date_parse((const char *)p + q, n - q, out) == -1)
		return rd_err(rd, "Invalid date (expected d-Mon-yyyy)");
	rd_skip(rd, n + q);
	return rd_count(rd);
}

/*
 * date-time = DQUOTE date-day-fixed "-" date-month "-" date-year SP
 * time SP zone DQUOTE
 */
int
rd_datetime(struct imap_rd *rd, time_t *out, int *zone)
{
	const unsigned char	*p;
	size_t			 left, n;

	if (rd->status != RD_OK)
		return -1;
	p = rd_cur(rd, &left);
	if (left == 0 || p[0] != '"')
		return rd_err(rd, "Expected a quoted date-time");
	for (n = 1; n < left && p[n] != '"'; n++)
		;
	if (n == left)
		return rd_err(rd, "Unterminated date-time");
	if (imap_datetime_parse((const char *)p + 1, n - 1, out, zone) == -1)
		return rd_err(rd, "Invalid date-time (expected "
		    "\"dd-Mon-yyyy hh:mm:ss +zzzz\")");
	rd_skip(rd, n + 1);
	return rd_count(rd);
}

static const struct {
	const char	*name;
	unsigned int	 bit;
} sysflags[] = {
	{ "\\Answered", IMAP_FLAG_ANSWERED },
	{ "\\Flagged", IMAP_FLAG_FLAGGED },
	{ "\\Deleted", IMAP_FLAG_DELETED },
	{ "\\Seen", IMAP_FLAG_SEEN },
	{ "\\Draft", IMAP_FLAG_DRAFT },
};

/* Append to an array of strings kept in the arena. */
int
rd_push(struct imap_rd *rd, char ***v, size_t *n, char *s)
{
	char	**nv;

	/* Room for 4, 8, 16...: full when n is 4 or a larger power of 2. */
	if (*n == 0 || (*n >= 4 && (*n & (*n - 1)) == 0)) {
		nv = imap_arena_calloc(rd->arena, *n ? *n * 2 : 4,
		    sizeof(*nv));
		if (nv == NULL)
			return rd_nomem(rd);
		if (*n)
			memcpy(nv, *v, *n * sizeof(*nv));
		*v = nv;
	}
	(*v)[(*n)++] = s;
	return 0;
}

/*
 * flag = "\Answered" / "\Flagged" / "\Deleted" / "\Seen" / "\Draft" /
 * flag-keyword / flag-extension; never "\Recent", which no client may
 * set.
 */
int
rd_flag(struct imap_rd *rd, struct imap_flags *f)
{
	char	*s, *ext;
	size_t	 i, len;
	int	 bs = 0;

	if (rd_peek(rd) == '\\') {
		bs = 1;
		rd_skip(rd, 1);
	}
	if (rd_atom(rd, &s) == -1)
		return -1;
	if (!bs)
		return rd_push(rd, &f->keywords, &f->nkeywords, s);
	if (strcasecmp(s, "Recent") == 0)
		return rd_err(rd, "\\Recent cannot be set by a client");
	for (i = 0; i < sizeof(sysflags) / sizeof(sysflags[0]); i++)
		if (strcasecmp(s, sysflags[i].name + 1) == 0) {
			f->system |= sysflags[i].bit;
			return 0;
		}
	/* Keep the backslash: the caller sees the flag as sent. */
	len = strlen(s);
	if ((ext = imap_arena_alloc(rd->arena, len + 2)) == NULL)
		return rd_nomem(rd);
	ext[0] = '\\';
	memcpy(ext + 1, s, len + 1);
	return rd_push(rd, &f->ext, &f->next, ext);
}

/* flag-list = "(" [flag *(SP flag)] ")" */
int
rd_flag_list(struct imap_rd *rd, struct imap_flags *f)
{
	if (rd_open(rd) == -1)
		return -1;
	if (rd_peek(rd) == ')')
		return rd_close(rd);
	for (;;) {
		if (rd_flag(rd, f) == -1)
			return -1;
		if (!rd_more(rd))
			break;
	}
	return rd_close(rd);
}

static const struct rd_option status_atts[] = {
	{ "APPENDLIMIT", IMAP_STATUS_APPENDLIMIT },
	{ "DELETED", IMAP_STATUS_DELETED },
	{ "HIGHESTMODSEQ", IMAP_STATUS_HIGHESTMODSEQ },
	{ "MESSAGES", IMAP_STATUS_MESSAGES },
	{ "RECENT", IMAP_STATUS_RECENT },
	{ "SIZE", IMAP_STATUS_SIZE },
	{ "UIDNEXT", IMAP_STATUS_UIDNEXT },
	{ "UIDVALIDITY", IMAP_STATUS_UIDVALIDITY },
	{ "UNSEEN", IMAP_STATUS_UNSEEN },
};

int
rd_status_att(struct imap_rd *rd, unsigned int *mask)
{
	char	w[32];

	if (rd_word(rd, w, sizeof(w), NULL) == -1)
		return -1;
	if (rd_option(status_atts, sizeof(status_atts) /
	    sizeof(status_atts[0]), w, mask) == -1)
		return rd_err(rd, "Unknown status item");
	return 0;
}

/*
 * The keyword w (as rd_word() read it) looked up in an option table:
 * its bit goes into *mask.  Returns 0, or -1 when the table has no
 * such keyword, for the caller to say which list refused it.
 */
int
rd_option(const struct rd_option *tab, size_t n, const char *w,
    unsigned int *mask)
{
	size_t	i;

	for (i = 0; i < n; i++)
		if (strcmp(w, tab[i].name) == 0) {
			*mask |= tab[i].bit;
			return 0;
		}
	return -1;
}
