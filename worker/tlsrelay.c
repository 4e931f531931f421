/*
 * After a login over TLS, postern-tlsworker stays on as the relay
 * between the client's TLS connection and the session's plain
 * socketpair, so that no TLS state ever enters the process running as
 * the user (Dovecot's login process does the same).  The relay has no
 * timeouts of its own: the session enforces them and the relay ends
 * when either side ends.  There is one relay per TLS session and most
 * of them sit in IDLE, so a relay that has been quiet for a moment
 * gives back the memory it only needs while data moves.
 */
#include <sys/types.h>
#include <sys/mman.h>
#include <sys/socket.h>

#include <errno.h>
#include <fcntl.h>
#include <malloc.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/ssl.h>

#include "log.h"
#include "worker.h"

/* One TLS record of plaintext: SSL_read() never returns more. */
#define RELAY_BUFSZ	(16 * 1024)
#define RELAY_QUIET_MS	1000	/* then compact */

struct relaybuf {
	unsigned char	*data;		/* RELAY_BUFSZ, whole pages */
	size_t		 off;
	size_t		 len;
};

static void	relay_end(SSL *, int, int);
static size_t	relay_room(struct relaybuf *);
static void	relay_compact(SSL *, struct relaybuf *, struct relaybuf *);
static int	relay_tls_wait(SSL *, int, short *);

static void
relay_end(SSL *ssl, int sfd, int close_notify)
{
	if (close_notify)
		(void)SSL_shutdown(ssl);
	close(sfd);
	exit(0);
}

/*
 * Free space at the end of the buffer, moving what it holds to the
 * front first if that is the only way to make room: a read into zero
 * bytes would look like the end of the stream.
 */
static size_t
relay_room(struct relaybuf *b)
{
	if (b->off > 0 && b->off + b->len == RELAY_BUFSZ) {
		memmove(b->data, b->data + b->off, b->len);
		b->off = 0;
	}
	return RELAY_BUFSZ - b->off - b->len;
}

/*
 * Give back what a quiet connection does not need: the pages of the
 * relay buffers that are empty, OpenSSL's record buffers (~34 kB,
 * allocated again by the next read or write) and every free page of
 * the heap.  Failures only leave the memory where it was.
 */
static void
relay_compact(SSL *ssl, struct relaybuf *c2s, struct relaybuf *s2c)
{
	if (c2s->len == 0 &&
	    madvise(c2s->data, RELAY_BUFSZ, MADV_DONTNEED) == -1)
		log_debug("%s: madvise: %s", __func__, strerror(errno));
	if (s2c->len == 0 &&
	    madvise(s2c->data, RELAY_BUFSZ, MADV_DONTNEED) == -1)
		log_debug("%s: madvise: %s", __func__, strerror(errno));
	(void)SSL_free_buffers(ssl);
	(void)malloc_trim(0);
}

/*
 * After an SSL_read() or SSL_write() that moved nothing: the client
 * socket event OpenSSL waits for goes into *cev (either call can need
 * either, TLS records flowing both ways); -1 when the TLS connection
 * is over.
 */
static int
relay_tls_wait(SSL *ssl, int r, short *cev)
{
	switch (SSL_get_error(ssl, r)) {
	case SSL_ERROR_WANT_READ:
		*cev |= POLLIN;
		return 0;
	case SSL_ERROR_WANT_WRITE:
		*cev |= POLLOUT;
		return 0;
	default:
		return -1;
	}
}

void
tls_relay(struct worker *w, int sfd)
{
	struct relaybuf	 c2s_buf, s2c_buf, *c2s = &c2s_buf, *s2c = &s2c_buf;
	struct pollfd	 pfd[2];
	SSL		*ssl = w->io.tls;
	unsigned char	*mem;
	ssize_t		 n;
	int		 r, progress, ceof = 0, seof = 0, compacted = 0;
	short		 cev;

	/* The session says goodbye through us: outlive it, not it us. */
	signal(SIGTERM, SIG_IGN);
	setproctitle("%s tls-relay %s [%s]", w->init.proto == PROTO_POP3 ?
	    "pop3" : w->init.proto == PROTO_IMAP ? "imap" : "submission",
	    w->user, w->init.client_addr);
	if (fcntl(sfd, F_SETFL, O_NONBLOCK) == -1)
		fatal("fcntl");
	/* Pages of their own, so that compaction can drop them. */
	if ((mem = mmap(NULL, 2 * RELAY_BUFSZ, PROT_READ | PROT_WRITE,
	    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0)) == MAP_FAILED)
		fatal("mmap");
	memset(c2s, 0, sizeof(*c2s));
	memset(s2c, 0, sizeof(*s2c));
	c2s->data = mem;
	s2c->data = mem + RELAY_BUFSZ;

	/*
	 * Input read with the login command belongs to the session now,
	 * and the login's buffers, the master channel's included, are
	 * done with: the relay only moves bytes.
	 */
	io_free(&w->io);
	msg_clear(&w->chan);

	for (;;) {
		progress = 0;
		cev = 0;

		if (!ceof && relay_room(c2s) > 0) {
			ERR_clear_error();
			r = SSL_read(ssl, c2s->data + c2s->off + c2s->len,
			    relay_room(c2s));
			if (r > 0) {
				c2s->len += r;
				progress = 1;
			} else if (relay_tls_wait(ssl, r, &cev) == -1)
				ceof = 1;
		}
		if (c2s->len > 0) {
			n = send(sfd, c2s->data + c2s->off, c2s->len,
			    MSG_NOSIGNAL);
			if (n > 0) {
				c2s->off += n;
				c2s->len -= n;
				progress = 1;
			} else if (n == -1 && errno != EAGAIN &&
			    errno != EINTR)
				relay_end(ssl, sfd, 1);
		}
		if (c2s->len == 0)
			c2s->off = 0;

		if (!seof && relay_room(s2c) > 0) {
			n = read(sfd, s2c->data + s2c->off + s2c->len,
			    relay_room(s2c));
			if (n > 0) {
				s2c->len += n;
				progress = 1;
			} else if (n == 0 || (errno != EAGAIN &&
			    errno != EINTR))
				seof = 1;
		}
		if (s2c->len > 0) {
			ERR_clear_error();
			r = SSL_write(ssl, s2c->data + s2c->off, s2c->len);
			if (r > 0) {
				s2c->off += r;
				s2c->len -= r;
				progress = 1;
			} else if (relay_tls_wait(ssl, r, &cev) == -1)
				relay_end(ssl, sfd, 0);
		}
		if (s2c->len == 0)
			s2c->off = 0;

		if (ceof && c2s->len == 0)
			relay_end(ssl, sfd, 0);
		if (seof && s2c->len == 0)
			relay_end(ssl, sfd, 1);
		if (progress) {
			compacted = 0;
			continue;
		}
		if (!ceof && c2s->len < RELAY_BUFSZ &&
		    SSL_pending(ssl) > 0)
			continue;

		pfd[0].fd = w->io.fd;
		pfd[0].events = cev;
		pfd[1].fd = sfd;
		pfd[1].events = 0;
		if (!seof && s2c->len < RELAY_BUFSZ)
			pfd[1].events |= POLLIN;
		if (c2s->len > 0)
			pfd[1].events |= POLLOUT;
		while ((r = poll(pfd, 2, compacted ? -1 : RELAY_QUIET_MS))
		    == 0) {
			relay_compact(ssl, c2s, s2c);
			compacted = 1;
		}
		if (r == -1 && errno != EINTR)
			fatal("poll");
		if (pfd[0].revents & (POLLERR | POLLNVAL))
			ceof = 1;
		if (pfd[1].revents & (POLLERR | POLLNVAL))
			seof = 1;
	}
}
