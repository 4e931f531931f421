/*
 * Structured MIME header values for the IMAP session process:
 * Content-Type and Content-Disposition with their parameters (RFC
 * 2045 5.1, RFC 2183), RFC 2231 continuations and charset/language
 * encoding merged and decoded as RFC 9051 7.5.2 asks, and the tag
 * list of Content-Language (RFC 3282).  Comments, stray bytes and
 * unterminated quotes are tolerated: what parses is kept.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "buf.h"
#include "mime.h"
#include "mime_local.h"

#define PARAMS_MAX	1000
#define SECTION_MAX	1000	/* RFC 2231 continuation numbers */

struct rawp {
	char		*name;		/* lower case */
	char		*value;
	char		*key;		/* RFC 2231 name, or NULL */
	unsigned int	 idx;
	int		 ext;		/* value is charset-encoded */
	int		 done;
};

static int	is_tspecial(unsigned char);
static int	quoted(const char *, size_t, size_t *, struct buf *);
static int	value(const char *, size_t, size_t *, struct buf *);
static void	split_2231(struct rawp *);
static int	merge_2231(struct rawp *, size_t, size_t,
		    struct mime_ctype *);
static void	del_param(struct mime_ctype *, const char *);
static int	add_param(struct mime_ctype *, const char *, const char *);
static int	pct_decode(struct buf *, const char *);
static int	pct_encode(struct buf *, const unsigned char *, size_t);
static int	all_ascii(const unsigned char *, size_t);
static int	cmp_section(const void *, const void *);
static void	lower(char *);

char *
mime_strndup(const void *s, size_t n)
{
	char	*r;

	if ((r = malloc(n + 1)) == NULL)
		return NULL;
	memcpy(r, s, n);
	r[n] = '\0';
	return r;
}

static void
lower(char *s)
{
	for (; *s != '\0'; s++)
		if (*s >= 'A' && *s <= 'Z')
			*s += 'a' - 'A';
}

static int
is_tspecial(unsigned char c)
{
	return strchr("()<>@,;:\\\"/[]?=", c) != NULL && c != '\0';
}

/* Skip white space, line breaks and (nested) comments from pos. */
size_t
mime_skip_cfws(const char *v, size_t len, size_t pos)
{
	size_t	depth;

	for (;;) {
		while (pos < len && IS_LWSP((unsigned char)v[pos]))
			pos++;
		if (pos >= len || v[pos] != '(')
			return pos;
		for (depth = 0; pos < len; pos++) {
			if (v[pos] == '\\' && pos + 1 < len)
				pos++;
			else if (v[pos] == '(')
				depth++;
			else if (v[pos] == ')' && --depth == 0) {
				pos++;
				break;
			}
		}
	}
}

/*
 * An RFC 2045 token at *pos into b (reset first); bytes above 127 are
 * taken as token bytes, as senders put them there.
 */
int
mime_token(const char *v, size_t len, size_t *pos, struct buf *b, int low)
{
	size_t		 s = *pos;
	unsigned char	 c;

	buf_reset(b);
	while (*pos < len) {
		c = v[*pos];
		if (c <= ' ' || c == 127 || is_tspecial(c))
			break;
		(*pos)++;
	}
	if (buf_add(b, v + s, *pos - s) == -1)
		return -1;
	if (low)
		lower((char *)b->data);
	return (int)b->len;
}

/* A quoted string from the quote at *pos; unterminated runs to the end. */
static int
quoted(const char *v, size_t len, size_t *pos, struct buf *b)
{
	size_t	i = *pos + 1;

	buf_reset(b);
	for (; i < len && v[i] != '"'; i++) {
		if (v[i] == '\\' && i + 1 < len)
			i++;
		if (buf_add(b, v + i, 1) == -1)
			return -1;
	}
	*pos = i < len ? i + 1 : len;
	return buf_add(b, "", 0);
}

/*
 * A parameter value: a quoted string, or a token read generously (up
 * to white space, ';' or a comment) since unquoted file names with
 * tspecials in them are common.
 */
static int
value(const char *v, size_t len, size_t *pos, struct buf *b)
{
	size_t	s = *pos;

	if (s < len && v[s] == '"')
		return quoted(v, len, pos, b);
	buf_reset(b);
	while (*pos < len && v[*pos] != ';' && v[*pos] != '(' &&
	    !IS_LWSP((unsigned char)v[*pos]))
		(*pos)++;
	return buf_add(b, v + s, *pos - s);
}

void
mime_ctype_free(struct mime_ctype *ct)
{
	size_t	i;

	for (i = 0; i < ct->nparams; i++) {
		free(ct->params[i].name);
		free(ct->params[i].value);
	}
	free(ct->params);
	free(ct->type);
	free(ct->subtype);
	memset(ct, 0, sizeof(*ct));
}

const char *
mime_ctype_param(const struct mime_ctype *ct, const char *name)
{
	size_t	i;

	for (i = 0; i < ct->nparams; i++)
		if (strcasecmp(ct->params[i].name, name) == 0)
			return ct->params[i].value;
	return NULL;
}

static int
add_param(struct mime_ctype *ct, const char *name, const char *val)
{
	struct mime_param	*np;

	if ((np = reallocarray(ct->params, ct->nparams + 1,
	    sizeof(*np))) == NULL)
		return -1;
	ct->params = np;
	np[ct->nparams].name = strdup(name);
	np[ct->nparams].value = strdup(val);
	if (np[ct->nparams].name == NULL || np[ct->nparams].value == NULL) {
		free(np[ct->nparams].name);
		free(np[ct->nparams].value);
		return -1;
	}
	ct->nparams++;
	return 0;
}

/*
 * Parse "type/subtype *(; attribute=value)" (with disp, the
 * disposition form: a type alone).  A value whose type does not parse
 * leaves ct->type NULL and no parameters (RFC 2045 5.2 then says
 * text/plain; charset=us-ascii).  Returns 0, or -1 out of memory.
 */
int
mime_ctype_parse(struct mime_ctype *ct, const char *v, size_t len, int disp)
{
	struct rawp	*raw = NULL, *nr;
	struct buf	 b, val;
	size_t		 pos, nraw = 0, i;
	int		 r = -1;

	memset(ct, 0, sizeof(*ct));
	buf_init(&b);
	buf_init(&val);
	pos = mime_skip_cfws(v, len, 0);
	if (mime_token(v, len, &pos, &b, 1) == -1)
		goto out;
	if (b.len == 0) {
		r = 0;
		goto out;
	}
	if ((ct->type = strdup((char *)b.data)) == NULL)
		goto out;
	if (!disp) {
		pos = mime_skip_cfws(v, len, pos);
		if (pos >= len || v[pos] != '/') {
			r = 0;
			goto bad;
		}
		pos = mime_skip_cfws(v, len, pos + 1);
		if (mime_token(v, len, &pos, &b, 1) == -1)
			goto out;
		if (b.len == 0) {
			r = 0;
			goto bad;
		}
		if ((ct->subtype = strdup((char *)b.data)) == NULL)
			goto out;
	}

	while (nraw < PARAMS_MAX) {
		pos = mime_skip_cfws(v, len, pos);
		if (pos >= len)
			break;
		if (v[pos] != ';') {
			/* Junk: resynchronise on the next ';'. */
			if (v[pos] == '"') {
				if (quoted(v, len, &pos, &b) == -1)
					goto out;
			} else
				pos++;
			continue;
		}
		pos = mime_skip_cfws(v, len, pos + 1);
		if (mime_token(v, len, &pos, &b, 1) == -1)
			goto out;
		if (b.len == 0)
			continue;
		pos = mime_skip_cfws(v, len, pos);
		if (pos >= len || v[pos] != '=')
			continue;
		pos = mime_skip_cfws(v, len, pos + 1);
		if (value(v, len, &pos, &val) == -1)
			goto out;
		if ((nr = reallocarray(raw, nraw + 1, sizeof(*nr))) == NULL)
			goto out;
		raw = nr;
		memset(&raw[nraw], 0, sizeof(*raw));
		raw[nraw].name = strdup((char *)b.data);
		raw[nraw].value = mime_strndup(val.data, val.len);
		nraw++;
		if (raw[nraw - 1].name == NULL || raw[nraw - 1].value == NULL)
			goto out;
		split_2231(&raw[nraw - 1]);
	}

	/* In order of first appearance; RFC 2231 groups merged. */
	for (i = 0; i < nraw; i++) {
		if (raw[i].done)
			continue;
		if (raw[i].key != NULL) {
			if (merge_2231(raw, nraw, i, ct) == -1)
				goto out;
			continue;
		}
		if (add_param(ct, raw[i].name, raw[i].value) == -1)
			goto out;
		raw[i].done = 1;
	}
	r = 0;
	goto out;

 bad:
	free(ct->type);
	ct->type = NULL;
 out:
	for (i = 0; i < nraw; i++) {
		free(raw[i].name);
		free(raw[i].value);
		free(raw[i].key);
	}
	free(raw);
	buf_free(&b);
	buf_free(&val);
	if (r == -1)
		mime_ctype_free(ct);
	return r;
}

/* name*, name*N or name*N*: note the key, index and encoding. */
static void
split_2231(struct rawp *p)
{
	char		*star = strchr(p->name, '*'), *s;
	unsigned int	 idx = 0;
	int		 ext = 0;

	if (star == NULL || star == p->name)
		return;
	s = star + 1;
	if (*s == '\0')
		ext = 1;
	else {
		if (*s < '0' || *s > '9')
			return;
		for (; *s >= '0' && *s <= '9'; s++) {
			idx = idx * 10 + (*s - '0');
			if (idx >= SECTION_MAX)
				return;
		}
		if (*s == '*') {
			ext = 1;
			s++;
		}
		if (*s != '\0')
			return;
	}
	if ((p->key = mime_strndup(p->name, star - p->name)) == NULL)
		return;
	p->idx = idx;
	p->ext = ext;
}

static int
cmp_section(const void *a, const void *b)
{
	const struct rawp	*x = *(struct rawp * const *)a;
	const struct rawp	*y = *(struct rawp * const *)b;

	return x->idx < y->idx ? -1 : x->idx > y->idx;
}

static int
pct_decode(struct buf *b, const char *s)
{
	unsigned char	c;
	int		h, l;

	for (; *s != '\0'; s++) {
		c = *s;
		if (c == '%' && (h = mime_hexval(s[1])) != -1 &&
		    (l = mime_hexval(s[2])) != -1) {
			c = h << 4 | l;
			s += 2;
		}
		if (buf_add(b, &c, 1) == -1)
			return -1;
	}
	return 0;
}

/* RFC 2231 attribute-char: everything else goes out as %XX. */
static int
pct_encode(struct buf *b, const unsigned char *s, size_t n)
{
	size_t	i;

	for (i = 0; i < n; i++) {
		if (s[i] > ' ' && s[i] < 127 && !is_tspecial(s[i]) &&
		    s[i] != '*' && s[i] != '\'' && s[i] != '%') {
			if (buf_add(b, s + i, 1) == -1)
				return -1;
		} else if (buf_addf(b, "%%%02X", s[i]) == -1)
			return -1;
	}
	return 0;
}

static int
all_ascii(const unsigned char *s, size_t n)
{
	size_t	i;

	for (i = 0; i < n; i++)
		if (s[i] >= 127 || s[i] < ' ')
			return 0;
	return 1;
}

/*
 * Merge the sections of raw[first]'s key.  Complete sections become
 * one value: a plain one as "key"; an encoded one converted to UTF-8,
 * as "key" when that is plain ASCII, else as "key*" in RFC 2231 form
 * with charset utf-8 (or the original charset when it is unknown).
 * Sections with gaps or repeats are passed on under their own names.
 */
static int
merge_2231(struct rawp *raw, size_t nraw, size_t first,
    struct mime_ctype *ct)
{
	struct rawp	**sec;
	struct buf	 bytes, out, name;
	const char	*key = raw[first].key, *cs = "", *lang = "";
	char		*q1, *q2, *v0 = NULL;
	size_t		 n = 0, i;
	int		 ext = 0, ok = 1, r = -1;

	if ((sec = reallocarray(NULL, nraw, sizeof(*sec))) == NULL)
		return -1;
	buf_init(&bytes);
	buf_init(&out);
	buf_init(&name);
	for (i = first; i < nraw; i++)
		if (raw[i].key != NULL && !raw[i].done &&
		    strcmp(raw[i].key, key) == 0) {
			sec[n++] = &raw[i];
			ext |= raw[i].ext;
		}
	qsort(sec, n, sizeof(*sec), cmp_section);
	for (i = 0; i < n; i++)
		if (sec[i]->idx != i)
			ok = 0;
	if (!ok) {
		for (i = 0; i < n; i++) {
			if (add_param(ct, sec[i]->name, sec[i]->value) == -1)
				goto out;
			sec[i]->done = 1;
		}
		r = 0;
		goto out;
	}

	for (i = 0; i < n; i++) {
		sec[i]->done = 1;
		if (!sec[i]->ext) {
			if (buf_addstr(&bytes, sec[i]->value) == -1)
				goto out;
			continue;
		}
		if (i == 0 && (q1 = strchr(sec[i]->value, '\'')) != NULL &&
		    (q2 = strchr(q1 + 1, '\'')) != NULL) {
			if ((v0 = strdup(sec[i]->value)) == NULL)
				goto out;
			v0[q1 - sec[i]->value] = '\0';
			v0[q2 - sec[i]->value] = '\0';
			cs = v0;
			lang = v0 + (q1 - sec[i]->value) + 1;
			if (pct_decode(&bytes, q2 + 1) == -1)
				goto out;
		} else if (pct_decode(&bytes, sec[i]->value) == -1)
			goto out;
	}
	if (buf_add(&bytes, "", 0) == -1 || buf_addstr(&name, key) == -1)
		goto out;
	if (!ext) {
		r = add_param(ct, key, (char *)bytes.data);
		goto out;
	}

	if (*cs == '\0')
		cs = "us-ascii";
	if (!mime_charset_known(cs)) {
		/* Pass it on as it came, for the client to convert. */
		if (buf_add(&out, bytes.data, bytes.len) == -1)
			goto out;
	} else {
		if (mime_to_utf8(&out, cs, bytes.data, bytes.len) == -1)
			goto out;
		cs = "utf-8";
		if (all_ascii(out.data, out.len)) {
			/* It replaces a plain parameter of that name. */
			del_param(ct, key);
			for (i = 0; i < nraw; i++)
				if (raw[i].key == NULL &&
				    strcmp(raw[i].name, key) == 0)
					raw[i].done = 1;
			r = add_param(ct, key, out.len > 0 ?
			    (char *)out.data : "");
			goto out;
		}
	}
	buf_reset(&bytes);
	if (buf_addf(&bytes, "%s'%s'", cs, lang) == -1 ||
	    pct_encode(&bytes, out.data, out.len) == -1 ||
	    buf_addstr(&name, "*") == -1)
		goto out;
	r = add_param(ct, (char *)name.data, (char *)bytes.data);
 out:
	free(v0);
	free(sec);
	buf_free(&bytes);
	buf_free(&out);
	buf_free(&name);
	return r;
}

static void
del_param(struct mime_ctype *ct, const char *name)
{
	size_t	i;

	for (i = 0; i < ct->nparams; ) {
		if (strcmp(ct->params[i].name, name) != 0) {
			i++;
			continue;
		}
		free(ct->params[i].name);
		free(ct->params[i].value);
		memmove(&ct->params[i], &ct->params[i + 1],
		    (ct->nparams - i - 1) * sizeof(ct->params[0]));
		ct->nparams--;
	}
}

/*
 * Content-Language: the tags of a comma-separated list, each followed
 * by a NUL in b; *n says how many.
 */
int
mime_lang_list(const char *v, size_t len, struct buf *b, size_t *n)
{
	struct buf	t;
	size_t		pos = 0;

	buf_init(&t);
	buf_reset(b);
	*n = 0;
	while (pos < len) {
		pos = mime_skip_cfws(v, len, pos);
		if (pos >= len)
			break;
		if (v[pos] == ',') {
			pos++;
			continue;
		}
		if (mime_token(v, len, &pos, &t, 0) == -1) {
			buf_free(&t);
			return -1;
		}
		if (t.len == 0) {
			pos++;
			continue;
		}
		if (buf_add(b, t.data, t.len + 1) == -1) {
			buf_free(&t);
			return -1;
		}
		(*n)++;
	}
	buf_free(&t);
	return 0;
}
