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

static int	write_string(struct buf *, const struct mime_msg *,
		    const struct mime_field *, int, int);
static int	write_addrs(struct buf *, const struct mime_msg *,
		    const struct mime_field *, int, const struct mime_field *,
		    int);
static int	parse_addrs(const struct mime_msg *, const struct mime_field *,
		    struct mime_addr **, size_t *);

static int
write_string(struct buf *b, const struct mime_msg *m,
    const struct mime_field *f, int have, int flags)
{
	struct buf	v;
	int		r;

	if (!have)
		return buf_add(b, "NIL", 3);
	buf_init(&v);
	r = mime_field_value(m, f, &v);
	if (r == 0)
		r = mime_imap_string(b, v.data, v.len, flags);
	buf_free(&v);
	return r;
}

static int
parse_addrs(const struct mime_msg *m, const struct mime_field *f,
    struct mime_addr **ad, size_t *n)
{
	struct buf	v;
	int		r;

	buf_init(&v);
	r = mime_field_value(m, f, &v);
	if (r == 0)
		r = mime_addr_parse((char *)v.data, v.len, ad, n);
	buf_free(&v);
	return r;
}

/* An address field; empty or absent, the fallback field (from). */
static int
write_addrs(struct buf *b, const struct mime_msg *m,
    const struct mime_field *f, int have, const struct mime_field *fb,
    int flags)
{
	struct mime_addr	*ad = NULL;
	size_t			 n = 0;
	int			 r;

	if (have && parse_addrs(m, f, &ad, &n) == -1)
		return -1;
	if (n == 0 && fb != NULL && parse_addrs(m, fb, &ad, &n) == -1)
		return -1;
	r = mime_addr_write(b, ad, n, flags);
	mime_addr_free(ad, n);
	return r;
}

/*
 * Append the envelope of message pt (the root or an encapsulated
 * message) to b.  flags: MIME_UTF8.  Returns 0, or -1 out of memory.
 */
int
mime_envelope(struct buf *b, const struct mime_msg *m,
    const struct mime_part *pt, int flags)
{
	struct mime_hdr_iter	 it;
	struct mime_field	 f[E_N], cur;
	int			 have[E_N], i, r;

	memset(have, 0, sizeof(have));
	mime_hdr_iter_init(&it, m, pt);
	while (mime_hdr_next(&it, &cur))
		for (i = 0; i < E_N; i++)
			if (!have[i] && mime_field_is(m, &cur, names[i])) {
				f[i] = cur;
				have[i] = 1;
				break;
			}

	r = buf_add(b, "(", 1);
	for (i = 0; i < E_N && r == 0; i++) {
		if (i > 0 && buf_add(b, " ", 1) == -1)
			return -1;
		switch (i) {
		case E_FROM:
		case E_TO:
		case E_CC:
		case E_BCC:
			r = write_addrs(b, m, &f[i], have[i], NULL, flags);
			break;
		case E_SENDER:
		case E_REPLYTO:
			r = write_addrs(b, m, &f[i], have[i],
			    have[E_FROM] ? &f[E_FROM] : NULL, flags);
			break;
		default:
			r = write_string(b, m, &f[i], have[i], flags);
			break;
		}
	}
	if (r == 0)
		r = buf_add(b, ")", 1);
	return r;
}
