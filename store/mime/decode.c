/*
 * Content-Transfer-Encoding decoding (RFC 2045 6.7, 6.8) for the IMAP
 * session process: FETCH BINARY and BINARY.SIZE (RFC 3516, RFC 9051
 * 6.4.5) and SEARCH over part text.  Decoders stream and forgive:
 * base64 skips what is not in its alphabet and restarts after
 * padding, quoted-printable passes a '=' it cannot read as it is and
 * drops the transport padding at line ends.  Text (text/ *) leaves
 * with CRLF line ends, as RFC 9051 7.5.2 asks of BINARY; the identity
 * encodings give the same CRLF form BODY[] does.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "buf.h"
#include "mime.h"
#include "mime_local.h"

#define QP_TEXT		0	/* ordinary text, white space held */
#define QP_CR		1	/* a CR, maybe of a line break */
#define QP_EQ		2	/* '=' */
#define QP_EQHEX	3	/* '=' and one hex digit (in acc) */
#define QP_EQWS		4	/* '=' and white space: soft break? */
#define QP_EQCR		5	/* '=' (white space) CR */

#define OUTLEN		2048

struct out {
	unsigned char	 b[OUTLEN];
	size_t		 n;
	mime_out_fn	 fn;
	void		*arg;
	struct mime_dec	*d;
	int		 crlf;
};

struct window {
	uint64_t	 skip;
	uint64_t	 left;
	mime_out_fn	 fn;
	void		*arg;
	int		 full;
};

static int	put(struct out *, unsigned char);
static int	putraw(struct out *, unsigned char);
static int	flush(struct out *);
static int	qp_byte(struct mime_dec *, struct out *, unsigned char);
static int	qp_finish(struct mime_dec *, struct out *);
static int	win_out(void *, const void *, size_t);
static int	count_out(void *, const void *, size_t);

int
mime_hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

int
mime_b64val(int c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (c == '+')
		return 62;
	if (c == '/')
		return 63;
	return -1;
}

/* The part's Content-Transfer-Encoding; none is 7bit. */
enum mime_cte
mime_part_cte(const struct mime_msg *m, const struct mime_part *pt)
{
	struct buf	 b, t;
	size_t		 pos;
	enum mime_cte	 cte = MIME_CTE_UNKNOWN;
	int		 r;

	buf_init(&b);
	buf_init(&t);
	if ((pt->flags & MIME_PF_SYNTH) ||
	    (r = mime_hdr_get(m, pt, "content-transfer-encoding", &b)) == 0)
		cte = MIME_CTE_7BIT;
	else if (r == 1) {
		pos = mime_skip_cfws((char *)b.data, b.len, 0);
		if (mime_token((char *)b.data, b.len, &pos, &t, 1) != -1) {
			if (t.len == 0 || strcmp((char *)t.data, "7bit") == 0)
				cte = MIME_CTE_7BIT;
			else if (strcmp((char *)t.data, "8bit") == 0)
				cte = MIME_CTE_8BIT;
			else if (strcmp((char *)t.data, "binary") == 0)
				cte = MIME_CTE_BINARY;
			else if (strcmp((char *)t.data,
			    "quoted-printable") == 0)
				cte = MIME_CTE_QP;
			else if (strcmp((char *)t.data, "base64") == 0)
				cte = MIME_CTE_BASE64;
		}
	}
	buf_free(&b);
	buf_free(&t);
	return cte;
}

/* A decoder for cte; with text, line ends leave as CRLF. */
void
mime_dec_init(struct mime_dec *d, enum mime_cte cte, int text)
{
	memset(d, 0, sizeof(*d));
	d->cte = cte;
	d->text = text;
	d->state = QP_TEXT;
}

static int
flush(struct out *o)
{
	int	r = 0;

	if (o->n > 0)
		r = o->fn(o->arg, o->b, o->n);
	o->n = 0;
	return r;
}

static int
putraw(struct out *o, unsigned char c)
{
	if (o->n == OUTLEN && flush(o) == -1)
		return -1;
	o->b[o->n++] = c;
	return 0;
}

/* One decoded byte, a lone LF made CRLF where the output is text. */
static int
put(struct out *o, unsigned char c)
{
	if (o->crlf && c == '\n' && !o->d->prev_cr && putraw(o, '\r') == -1)
		return -1;
	o->d->prev_cr = c == '\r';
	return putraw(o, c);
}

static int
qp_byte(struct mime_dec *d, struct out *o, unsigned char c)
{
	size_t	i;
	int	h;

 again:
	switch (d->state) {
	case QP_TEXT:
		if (IS_WSP(c)) {
			if (d->npend == sizeof(d->pend)) {
				for (i = 0; i < d->npend; i++)
					if (put(o, d->pend[i]) == -1)
						return -1;
				d->npend = 0;
			}
			d->pend[d->npend++] = c;
			return 0;
		}
		if (c == '\r') {
			d->state = QP_CR;
			return 0;
		}
		if (c == '\n') {
			/* A hard line break; held white space was padding. */
			d->npend = 0;
			if (put(o, '\r') == -1 || put(o, '\n') == -1)
				return -1;
			return 0;
		}
		for (i = 0; i < d->npend; i++)
			if (put(o, d->pend[i]) == -1)
				return -1;
		d->npend = 0;
		if (c == '=') {
			d->state = QP_EQ;
			return 0;
		}
		return put(o, c);
	case QP_CR:
		d->state = QP_TEXT;
		if (c == '\n')
			goto again;
		for (i = 0; i < d->npend; i++)
			if (put(o, d->pend[i]) == -1)
				return -1;
		d->npend = 0;
		if (put(o, '\r') == -1)
			return -1;
		goto again;
	case QP_EQ:
		if ((h = mime_hexval(c)) != -1) {
			d->acc = c;
			d->state = QP_EQHEX;
			return 0;
		}
		if (IS_WSP(c)) {
			d->state = QP_EQWS;
			return 0;
		}
		/* FALLTHROUGH */
	case QP_EQWS:
		if (IS_WSP(c))
			return 0;
		if (c == '\r') {
			d->state = QP_EQCR;
			return 0;
		}
		d->state = QP_TEXT;
		if (c == '\n')
			return 0;		/* soft line break */
		if (put(o, '=') == -1)
			return -1;
		goto again;
	case QP_EQHEX:
		d->state = QP_TEXT;
		if ((h = mime_hexval(c)) != -1)
			return put(o, mime_hexval(d->acc) << 4 | h);
		if (put(o, '=') == -1 || put(o, d->acc) == -1)
			return -1;
		goto again;
	case QP_EQCR:
		d->state = QP_TEXT;
		if (c == '\n')
			return 0;		/* soft line break */
		if (put(o, '=') == -1 || put(o, '\r') == -1)
			return -1;
		goto again;
	}
	return 0;
}

static int
qp_finish(struct mime_dec *d, struct out *o)
{
	switch (d->state) {
	case QP_CR:
		if (put(o, '\r') == -1)
			return -1;
		break;
	case QP_EQHEX:
		if (put(o, '=') == -1 || put(o, d->acc) == -1)
			return -1;
		break;
	default:
		/* Trailing padding, or a soft break at the very end. */
		break;
	}
	d->state = QP_TEXT;
	d->npend = 0;
	return 0;
}

/* Decode n more bytes; out() gets the result and may fail with -1. */
int
mime_dec_feed(struct mime_dec *d, const void *data, size_t n,
    mime_out_fn fn, void *arg)
{
	const unsigned char	*s = data;
	struct out		 o;
	size_t			 i;
	int			 v;

	o.n = 0;
	o.fn = fn;
	o.arg = arg;
	o.d = d;
	o.crlf = d->text;
	for (i = 0; i < n; i++) {
		switch (d->cte) {
		case MIME_CTE_QP:
			if (qp_byte(d, &o, s[i]) == -1)
				return -1;
			break;
		case MIME_CTE_BASE64:
			if (s[i] == '=') {
				/* Padding ends a quantum; data may follow. */
				if (d->nacc >= 2 &&
				    put(&o, d->acc >> (d->nacc == 2 ? 4 : 10))
				    == -1)
					return -1;
				if (d->nacc == 3 && put(&o, d->acc >> 2) == -1)
					return -1;
				d->nacc = 0;
				d->acc = 0;
				break;
			}
			if ((v = mime_b64val(s[i])) == -1)
				break;
			d->acc = (d->acc << 6 | v) & 0xffffff;
			if (++d->nacc == 4) {
				if (put(&o, d->acc >> 16) == -1 ||
				    put(&o, d->acc >> 8) == -1 ||
				    put(&o, d->acc) == -1)
					return -1;
				d->nacc = 0;
				d->acc = 0;
			}
			break;
		default:
			o.crlf = 1;
			if (put(&o, s[i]) == -1)
				return -1;
			break;
		}
	}
	return flush(&o);
}

int
mime_dec_finish(struct mime_dec *d, mime_out_fn fn, void *arg)
{
	struct out	o;

	o.n = 0;
	o.fn = fn;
	o.arg = arg;
	o.d = d;
	o.crlf = d->text;
	if (d->cte == MIME_CTE_QP && qp_finish(d, &o) == -1)
		return -1;
	if (d->cte == MIME_CTE_BASE64 && d->nacc >= 2) {
		if (put(&o, d->acc >> (d->nacc == 2 ? 4 : 10)) == -1)
			return -1;
		if (d->nacc == 3 && put(&o, d->acc >> 2) == -1)
			return -1;
	}
	d->nacc = 0;
	d->acc = 0;
	return flush(&o);
}

static int
win_out(void *arg, const void *data, size_t n)
{
	struct window	*w = arg;
	const char	*s = data;

	if (w->skip >= n) {
		w->skip -= n;
		return 0;
	}
	s += w->skip;
	n -= w->skip;
	w->skip = 0;
	if (n > w->left)
		n = w->left;
	if (n > 0 && w->fn(w->arg, s, n) == -1)
		return -1;
	w->left -= n;
	if (w->left == 0) {
		/* Enough: stop the decoder. */
		w->full = 1;
		return -1;
	}
	return 0;
}

/*
 * The decoded body of a part, octets origin to origin + count of it
 * (count UINT64_MAX for all), to fn.  Returns 0, MIME_ECTE for an
 * encoding we do not know (RFC 9051: answer NO [UNKNOWN-CTE]), or -1
 * when fn failed.
 */
int
mime_part_decode(const struct mime_msg *m, const struct mime_part *pt,
    uint64_t origin, uint64_t count, mime_out_fn fn, void *arg)
{
	struct mime_range	r;
	struct mime_seg		seg;
	struct mime_dec		d;
	struct window		w;
	enum mime_cte		cte = mime_part_cte(m, pt);
	int			rv;

	if (cte == MIME_CTE_UNKNOWN)
		return MIME_ECTE;
	if (cte != MIME_CTE_QP && cte != MIME_CTE_BASE64) {
		seg.raw = pt->body.raw;
		seg.rawlen = pt->end.raw - pt->body.raw;
		seg.len = mime_body_size(pt);
		seg.lit = NULL;
		r.seg = &seg;
		r.nseg = r.cap = 1;
		r.size = seg.len;
		return mime_range_emit(m, &r, origin, count, fn, arg);
	}
	if (count == 0)
		return 0;
	w.skip = origin;
	w.left = count;
	w.fn = fn;
	w.arg = arg;
	w.full = 0;
	mime_dec_init(&d, cte, (pt->flags & MIME_PF_TEXT) != 0);
	rv = mime_dec_feed(&d, m->data + pt->body.raw,
	    pt->end.raw - pt->body.raw, win_out, &w);
	if (rv == 0)
		rv = mime_dec_finish(&d, win_out, &w);
	return rv == -1 && !w.full ? -1 : 0;
}

static int
count_out(void *arg, const void *data, size_t n)
{
	uint64_t	*c = arg;

	(void)data;
	*c += n;
	return 0;
}

/* BINARY.SIZE: octets mime_part_decode() would give.  0 or MIME_ECTE. */
int
mime_part_decoded_size(const struct mime_msg *m, const struct mime_part *pt,
    uint64_t *size)
{
	*size = 0;
	return mime_part_decode(m, pt, 0, UINT64_MAX, count_out, size);
}
