/*
 * Message passing between postern processes; see msg.h.  Used by the
 * master (non-blocking, from libevent callbacks) and by workers and
 * sessions (blocking, through msg_flush_all and msg_wait).
 */
#include <sys/types.h>
#include <sys/socket.h>
#include <sys/uio.h>

#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "msg.h"

#define MSG_READSZ	(MSG_MAXDATA + sizeof(struct msg_hdr))

void
msg_init(struct msgchan *c, int fd)
{
	memset(c, 0, sizeof(*c));
	c->fd = fd;
	TAILQ_INIT(&c->outq);
}

/* Drop everything held; the socket itself is the caller's to close. */
void
msg_clear(struct msgchan *c)
{
	struct msg_out	*o;
	int		 i;

	while ((o = TAILQ_FIRST(&c->outq)) != NULL) {
		TAILQ_REMOVE(&c->outq, o, entry);
		if (o->fd != -1)
			close(o->fd);
		free(o->buf);
		free(o);
	}
	for (i = 0; i < c->nrfds; i++)
		close(c->rfds[i]);
	c->nrfds = 0;
	free(c->rbuf);
	c->rbuf = NULL;
	c->rlen = c->rcap = c->roff = 0;
	c->queued = 0;
}

int
msg_compose(struct msgchan *c, uint32_t type, uint32_t id, int fd,
    const void *data, size_t len)
{
	return msg_composev(c, type, id, fd, data, len, NULL, 0);
}

/*
 * Queue a message made of two parts (a fixed struct and a variable
 * tail, typically).  The descriptor, if any, is owned by the channel
 * from here on and closed once sent.
 */
int
msg_composev(struct msgchan *c, uint32_t type, uint32_t id, int fd,
    const void *d1, size_t l1, const void *d2, size_t l2)
{
	struct msg_out	*o;
	struct msg_hdr	 h;

	if (l1 > MSG_MAXDATA || l2 > MSG_MAXDATA - l1) {
		errno = EMSGSIZE;
		return -1;
	}
	if ((o = calloc(1, sizeof(*o))) == NULL)
		return -1;
	o->len = sizeof(h) + l1 + l2;
	if ((o->buf = malloc(o->len)) == NULL) {
		free(o);
		return -1;
	}
	memset(&h, 0, sizeof(h));
	h.type = type;
	h.len = l1 + l2;
	h.id = id;
	h.flags = fd != -1 ? MSG_F_FD : 0;
	memcpy(o->buf, &h, sizeof(h));
	if (l1)
		memcpy(o->buf + sizeof(h), d1, l1);
	if (l2)
		memcpy(o->buf + sizeof(h) + l1, d2, l2);
	o->fd = fd;
	TAILQ_INSERT_TAIL(&c->outq, o, entry);
	c->queued += o->len;
	return 0;
}

/*
 * Write what the socket takes.  Returns 0 (queue may still hold data:
 * check c->queued), or -1 on error; EAGAIN is not an error here.
 */
int
msg_flush(struct msgchan *c)
{
	struct msg_out	*o;
	struct msghdr	 mh;
	struct iovec	 iov;
	struct cmsghdr	*cm;
	union {
		struct cmsghdr	hdr;
		char		buf[CMSG_SPACE(sizeof(int))];
	} cmsgbuf;
	ssize_t		 n;

	while ((o = TAILQ_FIRST(&c->outq)) != NULL) {
		memset(&mh, 0, sizeof(mh));
		iov.iov_base = o->buf + o->off;
		iov.iov_len = o->len - o->off;
		mh.msg_iov = &iov;
		mh.msg_iovlen = 1;
		if (o->fd != -1) {
			memset(&cmsgbuf, 0, sizeof(cmsgbuf));
			mh.msg_control = cmsgbuf.buf;
			mh.msg_controllen = sizeof(cmsgbuf.buf);
			cm = CMSG_FIRSTHDR(&mh);
			cm->cmsg_len = CMSG_LEN(sizeof(int));
			cm->cmsg_level = SOL_SOCKET;
			cm->cmsg_type = SCM_RIGHTS;
			memcpy(CMSG_DATA(cm), &o->fd, sizeof(int));
		}
		n = sendmsg(c->fd, &mh, MSG_NOSIGNAL);
		if (n == -1) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN || errno == EWOULDBLOCK)
				return 0;
			return -1;
		}
		if (o->fd != -1) {
			close(o->fd);
			o->fd = -1;
		}
		o->off += n;
		c->queued -= n;
		if (o->off == o->len) {
			TAILQ_REMOVE(&c->outq, o, entry);
			/* Messages may carry credentials. */
			freezero(o->buf, o->len);
			free(o);
		}
	}
	return 0;
}

/* For blocking users: write the whole queue, waiting as needed. */
int
msg_flush_all(struct msgchan *c)
{
	struct pollfd	pfd;

	while (c->queued > 0) {
		if (msg_flush(c) == -1)
			return -1;
		if (c->queued == 0)
			break;
		pfd.fd = c->fd;
		pfd.events = POLLOUT;
		if (poll(&pfd, 1, -1) == -1 && errno != EINTR)
			return -1;
	}
	return 0;
}

/*
 * Read what the socket has.  Returns bytes read, 0 at end of file, -1
 * on error (errno EAGAIN when nothing was there).
 */
int
msg_fill(struct msgchan *c)
{
	struct msghdr	 mh;
	struct iovec	 iov;
	struct cmsghdr	*cm;
	union {
		struct cmsghdr	hdr;
		char		buf[CMSG_SPACE(sizeof(int) * MSG_MAXFDS)];
	} cmsgbuf;
	unsigned char	*nb;
	ssize_t		 n;
	size_t		 nfd, i;
	int		 fd;

	if (c->roff > 0) {
		memmove(c->rbuf, c->rbuf + c->roff, c->rlen - c->roff);
		c->rlen -= c->roff;
		c->roff = 0;
	}
	if (c->rcap - c->rlen < MSG_READSZ) {
		if ((nb = realloc(c->rbuf, c->rlen + MSG_READSZ)) == NULL)
			return -1;
		c->rbuf = nb;
		c->rcap = c->rlen + MSG_READSZ;
	}
	memset(&mh, 0, sizeof(mh));
	iov.iov_base = c->rbuf + c->rlen;
	iov.iov_len = c->rcap - c->rlen;
	mh.msg_iov = &iov;
	mh.msg_iovlen = 1;
	mh.msg_control = cmsgbuf.buf;
	mh.msg_controllen = sizeof(cmsgbuf.buf);
	do
		n = recvmsg(c->fd, &mh, MSG_CMSG_CLOEXEC);
	while (n == -1 && errno == EINTR);
	if (n == -1)
		return -1;
	for (cm = CMSG_FIRSTHDR(&mh); cm != NULL; cm = CMSG_NXTHDR(&mh, cm)) {
		if (cm->cmsg_level != SOL_SOCKET ||
		    cm->cmsg_type != SCM_RIGHTS)
			continue;
		nfd = (cm->cmsg_len - CMSG_LEN(0)) / sizeof(int);
		for (i = 0; i < nfd; i++) {
			memcpy(&fd, CMSG_DATA(cm) + i * sizeof(int),
			    sizeof(int));
			if (c->nrfds < MSG_MAXFDS)
				c->rfds[c->nrfds++] = fd;
			else
				close(fd);
		}
	}
	c->rlen += n;
	return (int)n;
}

/*
 * Take one whole message off the read buffer.  Returns 1 and fills m,
 * 0 when more bytes are needed, -1 when the peer sent something that
 * cannot be a message (oversized, or a descriptor that never came).
 */
int
msg_get(struct msgchan *c, struct msg *m)
{
	struct msg_hdr	h;
	size_t		avail = c->rlen - c->roff;

	if (avail < sizeof(h))
		return 0;
	memcpy(&h, c->rbuf + c->roff, sizeof(h));
	if (h.len > MSG_MAXDATA || (h.flags & ~MSG_F_FD) != 0) {
		errno = EBADMSG;
		return -1;
	}
	if (avail < sizeof(h) + h.len)
		return 0;
	m->type = h.type;
	m->id = h.id;
	m->len = h.len;
	m->data = c->rbuf + c->roff + sizeof(h);
	m->fd = -1;
	if (h.flags & MSG_F_FD) {
		if (c->nrfds == 0) {
			errno = EBADMSG;
			return -1;
		}
		m->fd = c->rfds[0];
		memmove(c->rfds, c->rfds + 1, (c->nrfds - 1) * sizeof(int));
		c->nrfds--;
	}
	c->roff += sizeof(h) + h.len;
	return 1;
}

/*
 * Blocking receive of one message, waiting at most timeout_ms (-1:
 * for ever).  Returns 1 with a message, 0 on end of file, -1 on error
 * or timeout (errno ETIMEDOUT).
 */
int
msg_wait(struct msgchan *c, struct msg *m, int timeout_ms)
{
	struct pollfd	pfd;
	int		r;

	for (;;) {
		if ((r = msg_get(c, m)) != 0)
			return r;
		pfd.fd = c->fd;
		pfd.events = POLLIN;
		r = poll(&pfd, 1, timeout_ms);
		if (r == -1) {
			if (errno == EINTR)
				return -1;
			return -1;
		}
		if (r == 0) {
			errno = ETIMEDOUT;
			return -1;
		}
		r = msg_fill(c);
		if (r == 0)
			return 0;
		if (r == -1 && errno != EAGAIN)
			return -1;
	}
}

/*
 * Copy a fixed-size payload out of a message, refusing one whose size
 * is not exactly what the type calls for.
 */
int
msg_payload(const struct msg *m, void *dst, size_t len)
{
	if (m->len != len) {
		errno = EBADMSG;
		return -1;
	}
	memcpy(dst, m->data, len);
	return 0;
}

/* A string field of a received struct must end inside the field. */
int
msg_strfield_ok(const char *s, size_t len)
{
	return memchr(s, '\0', len) != NULL;
}
