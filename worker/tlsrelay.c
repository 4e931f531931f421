/*
 * After a login over TLS, the worker stays on as the relay between the
 * client's TLS connection and the session's plain socketpair, so that
 * no TLS state ever enters the process running as the user (Dovecot's
 * login process does the same).  The relay has no timeouts of its own:
 * the session enforces them and the relay ends when either side ends.
 */
#include <sys/types.h>
#include <sys/socket.h>

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/ssl.h>

#include "log.h"
#include "worker.h"

#define RELAY_BUFSZ	(32 * 1024)

struct relaybuf {
	unsigned char	data[RELAY_BUFSZ];
	size_t		off;
	size_t		len;
};

static void	relay_end(struct worker *, int, int);
static size_t	relay_room(struct relaybuf *);

static void
relay_end(struct worker *w, int sfd, int close_notify)
{
	if (close_notify && w->ssl != NULL)
		(void)SSL_shutdown(w->ssl);
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

void
tls_relay(struct worker *w, int sfd)
{
	struct relaybuf	*c2s, *s2c;
	struct pollfd	 pfd[2];
	ssize_t		 n;
	int		 r, e, progress, ceof = 0, seof = 0;
	short		 cev;

	/* The session says goodbye through us: outlive it, not it us. */
	signal(SIGTERM, SIG_IGN);
	setproctitle("%s tls-relay %s [%s]", w->init.proto == PROTO_POP3 ?
	    "pop3" : w->init.proto == PROTO_IMAP ? "imap" : "submission",
	    w->user, w->init.client_addr);
	if (fcntl(sfd, F_SETFL, O_NONBLOCK) == -1)
		fatal("fcntl");
	if ((c2s = calloc(1, sizeof(*c2s))) == NULL ||
	    (s2c = calloc(1, sizeof(*s2c))) == NULL)
		fatal("calloc");

	/* Input read with the login command belongs to the session now. */
	buf_reset(&w->io.in);

	for (;;) {
		progress = 0;
		cev = 0;

		if (!ceof && relay_room(c2s) > 0) {
			ERR_clear_error();
			r = SSL_read(w->ssl, c2s->data + c2s->off + c2s->len,
			    relay_room(c2s));
			if (r > 0) {
				c2s->len += r;
				progress = 1;
			} else {
				e = SSL_get_error(w->ssl, r);
				if (e == SSL_ERROR_WANT_READ)
					cev |= POLLIN;
				else if (e == SSL_ERROR_WANT_WRITE)
					cev |= POLLOUT;
				else
					ceof = 1;
			}
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
				relay_end(w, sfd, 1);
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
			r = SSL_write(w->ssl, s2c->data + s2c->off, s2c->len);
			if (r > 0) {
				s2c->off += r;
				s2c->len -= r;
				progress = 1;
			} else {
				e = SSL_get_error(w->ssl, r);
				if (e == SSL_ERROR_WANT_READ)
					cev |= POLLIN;
				else if (e == SSL_ERROR_WANT_WRITE)
					cev |= POLLOUT;
				else
					relay_end(w, sfd, 0);
			}
		}
		if (s2c->len == 0)
			s2c->off = 0;

		if (ceof && c2s->len == 0)
			relay_end(w, sfd, 0);
		if (seof && s2c->len == 0)
			relay_end(w, sfd, 1);
		if (progress)
			continue;
		if (!ceof && c2s->len < RELAY_BUFSZ &&
		    SSL_pending(w->ssl) > 0)
			continue;

		pfd[0].fd = w->io.fd;
		pfd[0].events = cev;
		pfd[1].fd = sfd;
		pfd[1].events = 0;
		if (!seof && s2c->len < RELAY_BUFSZ)
			pfd[1].events |= POLLIN;
		if (c2s->len > 0)
			pfd[1].events |= POLLOUT;
		if (poll(pfd, 2, -1) == -1 && errno != EINTR)
			fatal("poll");
		if (pfd[0].revents & (POLLERR | POLLNVAL))
			ceof = 1;
		if (pfd[1].revents & (POLLERR | POLLNVAL))
			seof = 1;
	}
}
