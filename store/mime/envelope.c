/*
 * FETCH ENVELOPE for the IMAP session process (RFC 3501 7.4.2, RFC
 * 9051 7.5.2): date, subject, from, sender, reply-to, to, cc, bcc,
 * in-reply-to and message-id from the first of each field in the
 * header of a message (the root, or one encapsulated in a
 * message/rfc822 part).  Strings are the unfolded values as they
 * stand (encoded-words are the client's to decode); an absent field
 * is NIL, an empty one "" (addresses: NIL); sender and reply-to fall
 * back to from.
 */
#include <string.h>
#include <strings.h>

#include "buf.h"
#include "mime.h"
#include "mime_local.h"

#define E_DATE		0
#define E_SUBJECT	1
#define E_FROM		2
#define E_SENDER	3
#define E_REPLYTO	4
#define E_TO		5
#define E_CC		6
#define E_BCC		7
#define E_INREPLYTO	8
#define E_MESSAGEID	9
#define E_N		10

static const char *const names[E_N] = {
	"date", "subject", "from", "sender", "reply-to", "to", "cc", "bcc",
	"in-reply-to", "message-id"
};
static const size_t name_lens[E_N] = { 4, 7, 4, 6, 8, 2, 2, 3, 11, 10 };

static int	write_string(struct buf *, struct buf *, const struct mime_msg *,
		    const struct mime_field *, int, int);
static int	parse_addrs(struct buf *, const struct mime_msg *,
		    const struct mime_field *, struct mime_addr **, size_t *);

/* v: scratch for the unfolded value. */
static int
write_string(struct buf *b, struct buf *v, const struct mime_msg *m,
    const struct mime_field *f, int have, int flags)
{
	if (!have)
		return buf_add(b, "NIL", 3);
	if (mime_field_value(m, f, v) == -1)
		return -1;
	return mime_imap_string(b, v->data, v->len, flags);
}

static int
parse_addrs(struct buf *v, const struct mime_msg *m,
    const struct mime_field *f, struct mime_addr **ad, size_t *n)
{
	*ad = NULL;
	*n = 0;
	if (mime_field_value(m, f, v) == -1)
		return -1;
	return mime_addr_parse((char *)v->data, v->len, ad, n);
}

/*
 * Append the envelope of message pt (the root or an encapsulated
 * message) to b.  flags: MIME_UTF8.  Returns 0, or -1 out of memory.
 * An empty or absent sender or reply-to is from's list, which is
 * parsed once for all three.
 */
int
mime_envelope(struct buf *b, const struct mime_msg *m,
    const struct mime_part *pt, int flags)
{
	struct mime_hdr_iter	 it;
	struct mime_field	 f[E_N], cur;
	struct mime_addr	*from = NULL, *ad;
	struct buf		 v;
	size_t			 nfrom = 0, n;
	int			 have[E_N], i, r;

	memset(have, 0, sizeof(have));
	mime_hdr_iter_init(&it, m, pt);
	/* The length first: most fields of a header are none of these. */
	while (mime_hdr_next(&it, &cur))
		for (i = 0; i < E_N; i++)
			if (!have[i] && cur.name_len == name_lens[i] &&
			    strncasecmp((const char *)m->data + cur.name,
			    names[i], name_lens[i]) == 0) {
				f[i] = cur;
				have[i] = 1;
				break;
			}

	buf_init(&v);
	r = buf_add(b, "(", 1);
	if (r == 0 && have[E_FROM])
		r = parse_addrs(&v, m, &f[E_FROM], &from, &nfrom);
	for (i = 0; i < E_N && r == 0; i++) {
		if (i > 0 && (r = buf_add(b, " ", 1)) == -1)
			break;
		switch (i) {
		case E_FROM:
			r = mime_addr_write(b, from, nfrom, flags);
			break;
		case E_TO:
		case E_CC:
		case E_BCC:
		case E_SENDER:
		case E_REPLYTO:
			ad = NULL;
			n = 0;
			if (have[i] &&
			    (r = parse_addrs(&v, m, &f[i], &ad, &n)) == -1)
				break;
			if (n == 0 && (i == E_SENDER || i == E_REPLYTO))
				r = mime_addr_write(b, from, nfrom, flags);
			else
				r = mime_addr_write(b, ad, n, flags);
			mime_addr_free(ad, n);
			break;
		default:
			r = write_string(b, &v, m, &f[i], have[i], flags);
			break;
		}
	}
	if (r == 0)
		r = buf_add(b, ")", 1);
	mime_addr_free(from, nfrom);
	buf_free(&v);
	return r;
}
