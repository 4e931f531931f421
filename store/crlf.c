/*
 * Messages as the wire sees them, for session processes: Maildir files
 * end lines with LF, POP3 and IMAP send CRLF.  One definition of the
 * conversion serves both the sizes we announce (POP3 LIST, IMAP
 * RFC822.SIZE) and the bytes we send, so the two always agree: each LF
 * not preceded by CR becomes CRLF, every other byte (a bare CR too) is
 * sent as is.  Dot-stuffing and a CRLF added after a last line without
 * a newline are framing, not message, and are not counted.
 */
#include <sys/types.h>

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "store.h"

#define CRLF_CHUNK	32768

static ssize_t	read_some(int, void *, size_t);

void
crlf_count_init(struct crlf_count *c)
{
	c->size = 0;
	c->prev_cr = 0;
}

/* Feed the next bytes of a message; c->size is its CRLF size so far. */
void
crlf_count_add(struct crlf_count *c, const void *data, size_t len)
{
	const unsigned char	*s = data, *end = s + len, *p, *nl;

	if (len == 0)
		return;
	c->size += len;
	for (p = s; (nl = memchr(p, '\n', end - p)) != NULL; p = nl + 1)
		if (!(nl == s ? c->prev_cr : nl[-1] == '\r'))
			c->size++;
	c->prev_cr = end[-1] == '\r';
}

static ssize_t
read_some(int fd, void *buf, size_t len)
{
	ssize_t	n;

	do
		n = read(fd, buf, len);
	while (n == -1 && errno == EINTR);
	return n;
}

/* The CRLF size of a whole file, read from its current offset. */
int
store_crlf_size(int fd, uint64_t *size)
{
	struct crlf_count	 c;
	unsigned char		*buf;
	ssize_t			 n;

	if ((buf = malloc(CRLF_CHUNK)) == NULL)
		return -1;
	crlf_count_init(&c);
	while ((n = read_some(fd, buf, CRLF_CHUNK)) > 0)
		crlf_count_add(&c, buf, n);
	free(buf);
	if (n == -1)
		return -1;
	*size = c.size;
	return 0;
}

/*
 * Stream a file to out() converted to CRLF, a chunk at a time (a
 * message is never held whole in memory).  With CRLF_TOP only the
 * header, the blank line after it and `lines' body lines go out; a
 * message without a blank line is all header.  *counted gets the
 * octets sent that belong to the message, to compare with its size.
 * Returns 0, CRLF_EREAD (errno set) or CRLF_EOUT.
 */
int
store_crlf_copy(int fd, int flags, uint64_t lines,
    int (*out)(void *, const void *, size_t), void *arg, uint64_t *counted)
{
	unsigned char	*in, *obuf, *o, *nl;
	uint64_t	 cnt = 0, body = 0;
	size_t		 i, n, seg, linelen = 0;
	ssize_t		 r;
	int		 bol = 1, prev_cr = 0, done = 0, rv = 0;
	int		 header = (flags & CRLF_TOP) != 0;
	int		 stuff = (flags & CRLF_DOTSTUFF) != 0;

	in = malloc(CRLF_CHUNK);
	obuf = malloc(2 * CRLF_CHUNK + 2);
	if (in == NULL || obuf == NULL) {
		free(in);
		free(obuf);
		return CRLF_EREAD;
	}
	while (!done) {
		if ((r = read_some(fd, in, CRLF_CHUNK)) == -1) {
			rv = CRLF_EREAD;
			goto out;
		}
		if (r == 0)
			break;
		n = (size_t)r;
		o = obuf;
		for (i = 0; i < n && !done;) {
			if (bol && stuff && in[i] == '.')
				*o++ = '.';
			nl = memchr(in + i, '\n', n - i);
			seg = nl != NULL ? (size_t)(nl - (in + i)) : n - i;
			if (seg > 0) {
				memcpy(o, in + i, seg);
				o += seg;
				cnt += seg;
				prev_cr = in[i + seg - 1] == '\r';
				linelen += seg;
				bol = 0;
				i += seg;
			}
			if (nl == NULL)
				break;
			if (!prev_cr) {
				*o++ = '\r';
				cnt++;
			}
			*o++ = '\n';
			cnt++;
			i++;
			if (flags & CRLF_TOP) {
				/* A blank line is "\n" or "\r\n". */
				if (header) {
					if (linelen == 0 ||
					    (linelen == 1 && prev_cr)) {
						header = 0;
						done = lines == 0;
					}
				} else if (++body >= lines)
					done = 1;
			}
			bol = 1;
			linelen = 0;
			prev_cr = 0;
		}
		if (o > obuf && out(arg, obuf, o - obuf) == -1) {
			rv = CRLF_EOUT;
			goto out;
		}
	}
	if (!bol && (flags & CRLF_ENDLINE) &&
	    out(arg, "\r\n", 2) == -1)
		rv = CRLF_EOUT;
 out:
	free(in);
	free(obuf);
	if (counted != NULL)
		*counted = cnt;
	return rv;
}
