/*
 * Blocking, poll-driven client I/O used by workers (pre-login, through
 * TLS when active) and sessions (post-login, always a plain socket);
 * see io.h.
 */
#include <sys/types.h>
#include <sys/socket.h>

#include <errno.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "io.h"

#define IO_READSZ	16384

static ssize_t	plain_rd(struct io *, void *, size_t);
static ssize_t	plain_wr(struct io *, const void *, size_t);

void
io_init(struct io *io, int fd, int timeout)
{
	memset(io, 0, sizeof(*io));
	io->fd = fd;
	io->timeout = timeout;
	io->rd = plain_rd;
	io->wr = plain_wr;
	buf_init(&io->in);
	buf_init(&io->out);
}

void
io_free(struct io *io)
{
	buf_free(&io->in);
	buf_free(&io->out);
}

static ssize_t
plain_rd(struct io *io, void *p, size_t n)
{
	ssize_t	r;

	r = read(io->fd, p, n);
	if (r == -1) {
		if (errno == EAGAIN || errno == EWOULDBLOCK)
			return IO_WANTREAD;
		if (errno == EINTR)
			return IO_INTR;
		return IO_ERR;
	}
	return r;
}

static ssize_t
plain_wr(struct io *io, const void *p, size_t n)
{
	ssize_t	r;

	r = send(io->fd, p, n, MSG_NOSIGNAL);
	if (r == -1) {
		if (errno == EAGAIN || errno == EWOULDBLOCK)
			return IO_WANTWRITE;
		if (errno == EINTR)
			return IO_INTR;
		return IO_ERR;
	}
	return r;
}

/*
 * Wait for the descriptor.  Returns IO_OK, IO_TIMEOUT, IO_INTR or
 * IO_ERR.
 */
int
io_wait(struct io *io, int events, int timeout_s)
{
	struct pollfd	pfd;
	struct timespec	ts;
	int		r;

	pfd.fd = io->fd;
	pfd.events = events;
	ts.tv_sec = timeout_s;
	ts.tv_nsec = 0;
	if (io->waitmask != NULL)
		r = ppoll(&pfd, 1, timeout_s > 0 ? &ts : NULL, io->waitmask);
	else
		r = poll(&pfd, 1, timeout_s > 0 ? timeout_s * 1000 : -1);
	if (r == -1)
		return errno == EINTR ? IO_INTR : IO_ERR;
	if (r == 0)
		return IO_TIMEOUT;
	return IO_OK;
}

/*
 * Wait until the client has input (IO_OK: buffered input counts, and
 * so do end of file and errors, which the next read reports) or until
 * another descriptor, an inotify one say, is readable (IO_EXTRA).
 * Output owed to the client goes first.  Also IO_TIMEOUT after
 * timeout_s seconds (0: none), IO_INTR, IO_ERR.
 */
int
io_wait_extra(struct io *io, int fd, int timeout_s)
{
	struct pollfd	pfd[2];
	struct timespec	ts;
	int		r;

	if (io->line_consumed) {
		buf_drain(&io->in, io->line_consumed);
		io->line_consumed = 0;
	}
	if (io->in.len > 0 || io->eof ||
	    (io->has_pending != NULL && io->has_pending(io)))
		return IO_OK;
	if (io->out.len > 0 && (r = io_flush(io)) != IO_OK)
		return r;
	pfd[0].fd = io->fd;
	pfd[0].events = POLLIN;
	pfd[1].fd = fd;
	pfd[1].events = POLLIN;
	ts.tv_sec = timeout_s;
	ts.tv_nsec = 0;
	if (io->waitmask != NULL)
		r = ppoll(pfd, 2, timeout_s > 0 ? &ts : NULL, io->waitmask);
	else
		r = poll(pfd, 2, timeout_s > 0 ? timeout_s * 1000 : -1);
	if (r == -1)
		return errno == EINTR ? IO_INTR : IO_ERR;
	if (r == 0)
		return IO_TIMEOUT;
	if (pfd[0].revents != 0)
		return IO_OK;
	if (pfd[1].revents & (POLLERR | POLLNVAL))
		return IO_ERR;
	return IO_EXTRA;
}

/* Read once from the transport into io->in, waiting if needed. */
int
io_fill(struct io *io)
{
	ssize_t	r;
	int	w;

	if (io->eof)
		return IO_EOF;
	if (io->line_consumed) {
		buf_drain(&io->in, io->line_consumed);
		io->line_consumed = 0;
	}
	if (buf_reserve(&io->in, IO_READSZ) == -1)
		return IO_ERR;
	for (;;) {
		r = io->rd(io, io->in.data + io->in.len, IO_READSZ);
		if (r > 0) {
			io->in.len += r;
			io->in.data[io->in.len] = '\0';
			io->bytes_in += r;
			return IO_OK;
		}
		if (r == 0) {
			io->eof = 1;
			return IO_EOF;
		}
		if (r == IO_WANTREAD || r == IO_WANTWRITE) {
			/* Send what we owe first: the peer may wait for it. */
			if (io->out.len > 0 && io_flush(io) != IO_OK)
				return IO_ERR;
			w = io_wait(io, r == IO_WANTREAD ? POLLIN : POLLOUT,
			    io->timeout);
			if (w != IO_OK)
				return w;
			continue;
		}
		return (int)r;
	}
}

/*
 * Return the next line without its CRLF (or bare LF), NUL-terminated
 * in place; valid until the next read.  A line longer than max is read
 * to its end and thrown away: IO_TOOLONG.
 */
int
io_getline(struct io *io, size_t max, char **line, size_t *len)
{
	unsigned char	*nl;
	size_t		 n;
	int		 r, toolong = 0;

	if (io->line_consumed) {
		buf_drain(&io->in, io->line_consumed);
		io->line_consumed = 0;
	}
	for (;;) {
		nl = io->in.len ? memchr(io->in.data, '\n', io->in.len) : NULL;
		if (nl != NULL) {
			n = nl - io->in.data;
			io->line_consumed = n + 1;
			if (toolong || n > max + 1)
				return IO_TOOLONG;
			if (n > 0 && io->in.data[n - 1] == '\r')
				n--;
			if (n > max)
				return IO_TOOLONG;
			io->in.data[n] = '\0';
			*line = (char *)io->in.data;
			*len = n;
			return IO_OK;
		}
		if (io->in.len > max + 1) {
			/* Discard what we hold, keep reading to the end. */
			toolong = 1;
			io->in.len = 0;
		}
		r = io_fill(io);
		if (r != IO_OK)
			return r;
	}
}

/* Read exactly n bytes (an IMAP literal, say). */
int
io_read(struct io *io, void *dst, size_t n)
{
	size_t	take;
	int	r;

	if (io->line_consumed) {
		buf_drain(&io->in, io->line_consumed);
		io->line_consumed = 0;
	}
	while (n > 0) {
		if (io->in.len == 0 && (r = io_fill(io)) != IO_OK)
			return r;
		take = n < io->in.len ? n : io->in.len;
		memcpy(dst, io->in.data, take);
		buf_drain(&io->in, take);
		dst = (char *)dst + take;
		n -= take;
	}
	return IO_OK;
}

/* Input already read from the transport but not yet consumed. */
size_t
io_buffered(struct io *io)
{
	if (io->line_consumed) {
		buf_drain(&io->in, io->line_consumed);
		io->line_consumed = 0;
	}
	return io->in.len;
}

int
io_write(struct io *io, const void *p, size_t n)
{
	if (buf_add(&io->out, p, n) == -1)
		return IO_ERR;
	if (io->out.len >= 65536)
		return io_flush(io);
	return IO_OK;
}

int
io_puts(struct io *io, const char *s)
{
	return io_write(io, s, strlen(s));
}

int
io_printf(struct io *io, const char *fmt, ...)
{
	va_list	ap;
	int	r;

	va_start(ap, fmt);
	r = buf_vaddf(&io->out, fmt, ap);
	va_end(ap);
	if (r == -1)
		return IO_ERR;
	if (io->out.len >= 65536)
		return io_flush(io);
	return IO_OK;
}

/* Send everything buffered, waiting as needed (bounded by timeout). */
int
io_flush(struct io *io)
{
	size_t	off = 0;
	ssize_t	r;
	int	w;

	while (off < io->out.len) {
		r = io->wr(io, io->out.data + off, io->out.len - off);
		if (r > 0) {
			off += r;
			io->bytes_out += r;
			continue;
		}
		if (r == IO_WANTREAD || r == IO_WANTWRITE) {
			w = io_wait(io, r == IO_WANTREAD ? POLLIN : POLLOUT,
			    io->timeout);
			if (w == IO_INTR)
				continue;
			if (w != IO_OK) {
				buf_drain(&io->out, off);
				return w;
			}
			continue;
		}
		if (r == IO_INTR)
			continue;
		buf_drain(&io->out, off);
		return IO_ERR;
	}
	io->out.len = 0;
	if (io->flushed != NULL)
		io->flushed(io);
	return IO_OK;
}
