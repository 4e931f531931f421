/*
 * FETCH BODY and BODYSTRUCTURE for the IMAP session process (RFC 3501
 * 7.4.2 and the body grammar of section 9; RFC 9051 7.5.2).  Types,
 * subtypes, encodings, disposition types and parameter names go out
 * in upper case as in the RFC's examples; values as they came, RFC
 * 2231 sections already merged.  A text part without a charset gets
 * CHARSET US-ASCII (RFC 2046 4.1.2).  Parts the parser could not use
 * keep the grammar whole: an unusable type is TEXT/PLAIN (RFC 2045
 * 5.2), a multipart or message beyond the nesting or part limits is
 * APPLICATION/OCTET-STREAM.  Recursion follows the part tree, whose
 * depth the parser bounds.
 */
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "mime.h"
#include "mime_local.h"

#define F_ID		0
#define F_DESC		1
#define F_CTE		2
#define F_MD5		3
#define F_DISP		4
#define F_LANG		5
#define F_LOC		6
#define F_N		7

static const char *const fnames[F_N] = {
	"content-id", "content-description", "content-transfer-encoding",
	"content-md5", "content-disposition", "content-language",
	"content-location"
};

struct fields {
	struct buf	 v[F_N];
	int		 have[F_N];
};

static int	part(struct buf *, const struct mime_msg *,
		    const struct mime_part *, int);
static int	get_fields(const struct mime_msg *, const struct mime_part *,
		    struct fields *);
static void	free_fields(struct fields *);
static int	upper_string(struct buf *, const char *, int);
static int	nfield(struct buf *, const struct fields *, int, int);
static int	write_enc(struct buf *, const struct fields *);
static int	params(struct buf *, const struct mime_ctype *, int, int);
static int	write_ext(struct buf *, const struct fields *, int);
static int	write_disp(struct buf *, const struct fields *, int);
static int	write_lang(struct buf *, const struct fields *, int);
static int	write_loc(struct buf *, const struct fields *, int);

static int
get_fields(const struct mime_msg *m, const struct mime_part *pt,
    struct fields *fs)
{
	struct mime_hdr_iter	it;
	struct mime_field	f;
	int			i;

	for (i = 0; i < F_N; i++) {
		buf_init(&fs->v[i]);
		fs->have[i] = 0;
	}
	if (pt->flags & MIME_PF_SYNTH)
		return 0;
	mime_hdr_iter_init(&it, m, pt);
	while (mime_hdr_next(&it, &f))
		for (i = 0; i < F_N; i++)
			if (!fs->have[i] && mime_field_is(m, &f, fnames[i])) {
				if (mime_field_value(m, &f, &fs->v[i]) == -1)
					return -1;
				fs->have[i] = 1;
				break;
			}
	return 0;
}

static void
free_fields(struct fields *fs)
{
	int	i;

	for (i = 0; i < F_N; i++)
		buf_free(&fs->v[i]);
}

static int
upper_string(struct buf *b, const char *s, int flags)
{
	char	*u;
	size_t	 i;
	int	 r;

	if ((u = strdup(s)) == NULL)
		return -1;
	for (i = 0; u[i] != '\0'; i++)
		if (u[i] >= 'a' && u[i] <= 'z')
			u[i] -= 'a' - 'A';
	r = mime_imap_string(b, u, i, flags);
	free(u);
	return r;
}

static int
nfield(struct buf *b, const struct fields *fs, int i, int flags)
{
	if (!fs->have[i])
		return buf_add(b, "NIL", 3);
	return mime_imap_string(b, fs->v[i].data, fs->v[i].len, flags);
}

/* body-fld-param: ("NAME" "value" ...) or NIL. */
int
mime_write_params(struct buf *b, const struct mime_param *p, size_t n,
    int flags)
{
	size_t	i;

	if (n == 0)
		return buf_add(b, "NIL", 3);
	if (buf_add(b, "(", 1) == -1)
		return -1;
	for (i = 0; i < n; i++)
		if ((i > 0 && buf_add(b, " ", 1) == -1) ||
		    upper_string(b, p[i].name, flags) == -1 ||
		    buf_add(b, " ", 1) == -1 ||
		    mime_imap_nstring(b, p[i].value, flags) == -1)
			return -1;
	return buf_add(b, ")", 1);
}

/* A part's parameters, CHARSET US-ASCII first when told to add it. */
static int
params(struct buf *b, const struct mime_ctype *ct, int charset, int flags)
{
	size_t	i;

	if (!charset)
		return mime_write_params(b, ct->params, ct->nparams, flags);
	if (buf_addstr(b, "(\"CHARSET\" \"US-ASCII\"") == -1)
		return -1;
	for (i = 0; i < ct->nparams; i++)
		if (buf_add(b, " ", 1) == -1 ||
		    upper_string(b, ct->params[i].name, flags) == -1 ||
		    buf_add(b, " ", 1) == -1 ||
		    mime_imap_nstring(b, ct->params[i].value, flags) == -1)
			return -1;
	return buf_add(b, ")", 1);
}

/* body-fld-enc: the token in upper case; none (or none usable) 7BIT. */
static int
write_enc(struct buf *b, const struct fields *fs)
{
	struct buf	t;
	size_t		pos;
	int		r;

	if (!fs->have[F_CTE])
		return buf_addstr(b, "\"7BIT\"");
	buf_init(&t);
	pos = mime_skip_cfws((char *)fs->v[F_CTE].data, fs->v[F_CTE].len, 0);
	r = mime_token((char *)fs->v[F_CTE].data, fs->v[F_CTE].len, &pos,
	    &t, 0);
	if (r == 0)
		r = buf_addstr(b, "\"7BIT\"");
	else if (r > 0)
		r = upper_string(b, (char *)t.data, 0);
	buf_free(&t);
	return r;
}

/* body-fld-dsp: ("TYPE" params) or NIL. */
static int
write_disp(struct buf *b, const struct fields *fs, int flags)
{
	struct mime_ctype	ct;
	int			r;

	if (!fs->have[F_DISP])
		return buf_add(b, "NIL", 3);
	if (mime_ctype_parse(&ct, (char *)fs->v[F_DISP].data,
	    fs->v[F_DISP].len, 1) == -1)
		return -1;
	if (ct.type == NULL)
		r = buf_add(b, "NIL", 3);
	else if ((r = buf_add(b, "(", 1)) == 0 &&
	    (r = upper_string(b, ct.type, flags)) == 0 &&
	    (r = buf_add(b, " ", 1)) == 0 &&
	    (r = mime_write_params(b, ct.params, ct.nparams, flags)) == 0)
		r = buf_add(b, ")", 1);
	mime_ctype_free(&ct);
	return r;
}

/* body-fld-lang: NIL, one string, or a list of them. */
static int
write_lang(struct buf *b, const struct fields *fs, int flags)
{
	struct buf	 tags;
	const char	*t;
	size_t		 n = 0, i;
	int		 r = 0;

	if (!fs->have[F_LANG])
		return buf_add(b, "NIL", 3);
	buf_init(&tags);
	if (mime_lang_list((char *)fs->v[F_LANG].data, fs->v[F_LANG].len,
	    &tags, &n) == -1) {
		buf_free(&tags);
		return -1;
	}
	if (n == 0)
		r = buf_add(b, "NIL", 3);
	else if (n > 1)
		r = buf_add(b, "(", 1);
	for (i = 0, t = (char *)tags.data; i < n && r == 0;
	    i++, t += strlen(t) + 1) {
		if (i > 0)
			r = buf_add(b, " ", 1);
		if (r == 0)
			r = mime_imap_nstring(b, t, flags);
	}
	if (r == 0 && n > 1)
		r = buf_add(b, ")", 1);
	buf_free(&tags);
	return r;
}

/* body-fld-loc: the URI without the white space folding put in it. */
static int
write_loc(struct buf *b, const struct fields *fs, int flags)
{
	struct buf	 u;
	const char	*s;
	size_t		 i;
	int		 r;

	if (!fs->have[F_LOC])
		return buf_add(b, "NIL", 3);
	buf_init(&u);
	s = (char *)fs->v[F_LOC].data;
	for (i = 0, r = 0; i < fs->v[F_LOC].len && r == 0; i++)
		if (!IS_LWSP((unsigned char)s[i]))
			r = buf_add(&u, s + i, 1);
	if (r == 0)
		r = mime_imap_string(b, u.data, u.len, flags);
	buf_free(&u);
	return r;
}

/* body-fld-dsp SP body-fld-lang SP body-fld-loc */
static int
write_ext(struct buf *b, const struct fields *fs, int flags)
{
	if (write_disp(b, fs, flags) == -1 || buf_add(b, " ", 1) == -1 ||
	    write_lang(b, fs, flags) == -1 || buf_add(b, " ", 1) == -1 ||
	    write_loc(b, fs, flags) == -1)
		return -1;
	return 0;
}

static int
part(struct buf *b, const struct mime_msg *m, const struct mime_part *pt,
    int flags)
{
	struct mime_ctype	 ct;
	struct fields		 fs;
	const struct mime_part	*c;
	int			 r = -1, text, msg;

	memset(&ct, 0, sizeof(ct));
	if (get_fields(m, pt, &fs) == -1 || mime_part_ctype(m, pt, &ct) == -1)
		goto out;
	if (buf_add(b, "(", 1) == -1)
		goto out;

	if ((pt->flags & MIME_PF_MULTIPART) && pt->child != NULL) {
		for (c = pt->child; c != NULL; c = c->next)
			if (part(b, m, c, flags) == -1)
				goto out;
		if (buf_add(b, " ", 1) == -1 ||
		    upper_string(b, ct.subtype, flags) == -1)
			goto out;
		if ((flags & MIME_EXT) && (buf_add(b, " ", 1) == -1 ||
		    mime_write_params(b, ct.params, ct.nparams, flags) == -1 ||
		    buf_add(b, " ", 1) == -1 || write_ext(b, &fs, flags) == -1))
			goto out;
		r = buf_add(b, ")", 1);
		goto out;
	}

	text = (pt->flags & MIME_PF_TEXT) != 0;
	msg = (pt->flags & MIME_PF_MESSAGE) && pt->child != NULL &&
	    (!(pt->flags & MIME_PF_GLOBAL) || (flags & MIME_REV2));
	if (pt->flags & MIME_PF_TRUNC) {
		if (buf_addstr(b, "\"APPLICATION\" \"OCTET-STREAM\" NIL") == -1)
			goto out;
	} else if ((pt->flags & (MIME_PF_DEFAULT | MIME_PF_SYNTH)) ||
	    ct.type == NULL) {
		text = 1;
		if (buf_addstr(b,
		    "\"TEXT\" \"PLAIN\" (\"CHARSET\" \"US-ASCII\")") == -1)
			goto out;
	} else {
		if (upper_string(b, ct.type, flags) == -1 ||
		    buf_add(b, " ", 1) == -1 ||
		    upper_string(b, ct.subtype, flags) == -1 ||
		    buf_add(b, " ", 1) == -1)
			goto out;
		if (params(b, &ct, text &&
		    mime_ctype_param(&ct, "charset") == NULL, flags) == -1)
			goto out;
	}
	if (buf_add(b, " ", 1) == -1 || nfield(b, &fs, F_ID, flags) == -1 ||
	    buf_add(b, " ", 1) == -1 || nfield(b, &fs, F_DESC, flags) == -1 ||
	    buf_add(b, " ", 1) == -1 || write_enc(b, &fs) == -1 ||
	    buf_addf(b, " %llu", (unsigned long long)mime_body_size(pt)) == -1)
		goto out;
	if (msg) {
		if (buf_add(b, " ", 1) == -1 ||
		    mime_envelope(b, m, pt->child, flags) == -1 ||
		    buf_add(b, " ", 1) == -1 ||
		    part(b, m, pt->child, flags) == -1)
			goto out;
	}
	if ((msg || (text && !(pt->flags & MIME_PF_TRUNC))) &&
	    buf_addf(b, " %llu",
	    (unsigned long long)mime_body_lines(m, pt)) == -1)
		goto out;
	if ((flags & MIME_EXT) && (buf_add(b, " ", 1) == -1 ||
	    nfield(b, &fs, F_MD5, flags) == -1 || buf_add(b, " ", 1) == -1 ||
	    write_ext(b, &fs, flags) == -1))
		goto out;
	r = buf_add(b, ")", 1);
 out:
	free_fields(&fs);
	mime_ctype_free(&ct);
	return r;
}

/*
 * Append the body structure of message pt (the root, or the child of
 * a message/rfc822 part) to b.  flags: MIME_EXT for BODYSTRUCTURE
 * (without it, BODY), MIME_UTF8, MIME_REV2.  Returns 0, -1 out of
 * memory.
 */
int
mime_bodystructure(struct buf *b, const struct mime_msg *m,
    const struct mime_part *pt, int flags)
{
	if (m->nparts == 0)
		return -1;
	return part(b, m, pt, flags);
}
