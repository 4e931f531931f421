/*
 * The event engine of pbench (regress/bench): non-blocking client
 * connections to 127.0.0.1, plain or TLS, all driven from one epoll
 * loop in the one pbench process.  A protocol driver sees only whole
 * buffers: it is told when a connection is up, when bytes arrived and
 * when the connection was lost, and writes with conn_write().
 */
#include <sys/types.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <arpa/inet.h>

#include <err.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/ssl.h>

#include "pbench.h"

#define READ_CHUNK	65536
#define WRITE_CHUNK	65536
#define MAX_EVENTS	256

static void	buf_reserve(struct buf *, size_t);
static void	set_events(struct conn *, uint32_t);
static void	conn_event(struct conn *, uint32_t);
static void	conn_handshake(struct conn *);
static void	conn_up(struct conn *);
static void	conn_flush(struct conn *);
static void	conn_read(struct conn *);
static void	check_timeouts(void);
static const char *ssl_errstr(const char *, int);

static int		 ep = -1;
static SSL_CTX		*ctx;
static struct sockaddr_in target;
static struct conn	*open_list;
static int		 open_count;
static uint64_t		 batch = 1;
static char		 last_err[256];

uint64_t
now_ns(void)
{
	struct timespec	ts;

	if (clock_gettime(CLOCK_MONOTONIC, &ts) == -1)
		err(1, "clock_gettime");
	return (uint64_t)ts.tv_sec * NSEC + (uint64_t)ts.tv_nsec;
}

/*
 * Room for maxconns descriptors, the epoll set, and the TLS context.
 * The peer certificate is checked against cafile when one is given
 * (both servers use the same self-signed one), the name is not: the
 * address is a loopback literal.
 */
void
net_init(int maxconns, const char *cafile, int port)
{
	struct rlimit	rl;
	rlim_t		want = (rlim_t)maxconns + 64;

	if (getrlimit(RLIMIT_NOFILE, &rl) == -1)
		err(1, "getrlimit");
	if (rl.rlim_cur < want) {
		if (rl.rlim_max < want)
			rl.rlim_max = want;	/* root may raise it */
		rl.rlim_cur = want;
		if (setrlimit(RLIMIT_NOFILE, &rl) == -1)
			err(1, "setrlimit RLIMIT_NOFILE %llu",
			    (unsigned long long)want);
	}
	if ((ep = epoll_create1(EPOLL_CLOEXEC)) == -1)
		err(1, "epoll_create1");

	memset(&target, 0, sizeof(target));
	target.sin_family = AF_INET;
	target.sin_port = htons((uint16_t)port);
	target.sin_addr.s_addr = htonl(INADDR_LOOPBACK);

	if ((ctx = SSL_CTX_new(TLS_client_method())) == NULL)
		errx(1, "SSL_CTX_new: %s", ssl_errstr("", 0));
	if (SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION) != 1)
		errx(1, "SSL_CTX_set_min_proto_version");
	/* every connection is a new client: full handshakes, no resumption */
	SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_OFF);
	SSL_CTX_set_mode(ctx, SSL_MODE_ENABLE_PARTIAL_WRITE |
	    SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER | SSL_MODE_RELEASE_BUFFERS);
	if (cafile != NULL) {
		if (SSL_CTX_load_verify_locations(ctx, cafile, NULL) != 1)
			errx(1, "%s: %s", cafile, ssl_errstr("", 0));
		SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, NULL);
	}
}

const char *
net_errstr(void)
{
	return last_err;
}

int
net_open_count(void)
{
	return open_count;
}

static const char *
ssl_errstr(const char *what, int e)
{
	static char	 msg[256];
	unsigned long	 code;
	char		 ebuf[160];

	code = ERR_get_error();
	ERR_clear_error();
	if (code != 0) {
		ERR_error_string_n(code, ebuf, sizeof(ebuf));
		snprintf(msg, sizeof(msg), "%s%s", what, ebuf);
	} else if (e == SSL_ERROR_SYSCALL && errno != 0)
		snprintf(msg, sizeof(msg), "%s%s", what, strerror(errno));
	else if (e == SSL_ERROR_SYSCALL || e == SSL_ERROR_ZERO_RETURN)
		snprintf(msg, sizeof(msg), "%sconnection closed by server",
		    what);
	else
		snprintf(msg, sizeof(msg), "%sSSL error %d", what, e);
	return msg;
}

static void
buf_reserve(struct buf *b, size_t need)
{
	size_t	ncap;
	char	*np;

	if (b->cap - b->len >= need)
		return;
	if (b->off > 0) {
		memmove(b->p, b->p + b->off, b->len - b->off);
		b->len -= b->off;
		b->off = 0;
		if (b->cap - b->len >= need)
			return;
	}
	ncap = b->cap == 0 ? 16384 : b->cap;
	while (ncap - b->len < need)
		ncap *= 2;
	if ((np = realloc(b->p, ncap)) == NULL)
		err(1, "realloc");
	b->p = np;
	b->cap = ncap;
}

static void
set_events(struct conn *c, uint32_t ev)
{
	struct epoll_event	e;

	if (c->events == ev)
		return;
	memset(&e, 0, sizeof(e));
	e.events = ev;
	e.data.ptr = c;
	if (epoll_ctl(ep, EPOLL_CTL_MOD, c->fd, &e) == -1)
		err(1, "epoll_ctl MOD");
	c->events = ev;
}

/*
 * Start connecting c.  Returns -1 with net_errstr() set when the
 * connection cannot even be started (no descriptors, no ports).
 */
int
conn_open(struct conn *c, const struct handler *h, void *vctx, int tls)
{
	struct epoll_event	e;
	int			one = 1, r;

	c->h = h;
	c->ctx = vctx;
	c->tls = tls;
	c->ssl = NULL;
	c->in.off = c->in.len = 0;
	c->out.off = c->out.len = 0;
	c->scan = 0;
	c->rx = 0;
	c->gen = batch;
	c->fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC,
	    0);
	if (c->fd == -1) {
		snprintf(last_err, sizeof(last_err), "socket: %s",
		    strerror(errno));
		return -1;
	}
	if (setsockopt(c->fd, IPPROTO_TCP, TCP_NODELAY, &one,
	    sizeof(one)) == -1)
		err(1, "setsockopt TCP_NODELAY");
	r = connect(c->fd, (struct sockaddr *)&target, sizeof(target));
	if (r == -1 && errno != EINPROGRESS) {
		snprintf(last_err, sizeof(last_err), "connect: %s",
		    strerror(errno));
		close(c->fd);
		c->fd = -1;
		return -1;
	}
	memset(&e, 0, sizeof(e));
	e.events = c->events = EPOLLOUT;
	e.data.ptr = c;
	if (epoll_ctl(ep, EPOLL_CTL_ADD, c->fd, &e) == -1)
		err(1, "epoll_ctl ADD");
	c->state = C_CONNECTING;
	c->deadline = now_ns() + (uint64_t)(opt.timeout * NSEC);
	c->prev = NULL;
	c->next = open_list;
	if (open_list != NULL)
		open_list->prev = c;
	open_list = c;
	open_count++;
	return 0;
}

/* Queue bytes and send what the socket takes now; the reply is due. */
void
conn_write(struct conn *c, const void *p, size_t n)
{
	if (c->state == C_FREE)
		return;
	buf_reserve(&c->out, n);
	memcpy(c->out.p + c->out.len, p, n);
	c->out.len += n;
	c->deadline = now_ns() + (uint64_t)(opt.timeout * NSEC);
	if (c->state == C_OPEN)
		conn_flush(c);
}

void
conn_printf(struct conn *c, const char *fmt, ...)
{
	char	 sbuf[1024], *p = sbuf;
	va_list	 ap;
	int	 n;

	va_start(ap, fmt);
	n = vsnprintf(sbuf, sizeof(sbuf), fmt, ap);
	va_end(ap);
	if (n < 0)
		errx(1, "vsnprintf");
	if ((size_t)n >= sizeof(sbuf)) {
		if ((p = malloc((size_t)n + 1)) == NULL)
			err(1, "malloc");
		va_start(ap, fmt);
		if (vsnprintf(p, (size_t)n + 1, fmt, ap) != n)
			errx(1, "vsnprintf");
		va_end(ap);
	}
	conn_write(c, p, (size_t)n);
	if (p != sbuf)
		free(p);
}

/* The driver is done with the first n bytes of input. */
void
conn_consume(struct conn *c, size_t n)
{
	c->in.off += n;
	if (c->in.off >= c->in.len)
		c->in.off = c->in.len = 0;
	c->scan = 0;
}

/*
 * Consume the first n bytes of input, keeping at most size of them,
 * from skip on, in copy: what the driver still needs of a line once
 * its handler may write, close or reopen c.  Returns the copy's length.
 */
size_t
conn_take(struct conn *c, size_t skip, size_t n, char *copy, size_t size)
{
	size_t	cn = n - skip < size ? n - skip : size;

	memcpy(copy, c->in.p + c->in.off + skip, cn);
	conn_consume(c, n);
	return cn;
}

void
conn_close(struct conn *c)
{
	if (c->state == C_FREE)
		return;
	if (c->ssl != NULL) {
		/* a polite client's close_notify; no wait for the answer */
		if (c->state == C_OPEN)
			(void)SSL_shutdown(c->ssl);
		SSL_free(c->ssl);
		ERR_clear_error();
		c->ssl = NULL;
	}
	if (close(c->fd) == -1)
		err(1, "close");
	c->fd = -1;
	if (c->prev != NULL)
		c->prev->next = c->next;
	else
		open_list = c->next;
	if (c->next != NULL)
		c->next->prev = c->prev;
	c->next = c->prev = NULL;
	open_count--;
	c->state = C_FREE;
	c->in.off = c->in.len = 0;
	c->out.off = c->out.len = 0;
	c->scan = 0;
	c->deadline = 0;
}

/* Close and tell the driver why; it may reopen c at once. */
void
conn_fail(struct conn *c, const char *why)
{
	char	msg[256];

	snprintf(msg, sizeof(msg), "%s", why);
	conn_close(c);
	if (c->h != NULL && c->h->down != NULL)
		c->h->down(c, msg);
}

/* Close every open connection, without a word to the drivers. */
void
net_close_all(void)
{
	while (open_list != NULL)
		conn_close(open_list);
}

/* Connected, and TLS done if asked for: over to the driver. */
static void
conn_up(struct conn *c)
{
	c->state = C_OPEN;
	set_events(c, EPOLLIN);
	if (c->h->up != NULL)
		c->h->up(c);
}

static void
conn_handshake(struct conn *c)
{
	int	r, e;

	if ((r = SSL_do_handshake(c->ssl)) == 1) {
		conn_up(c);
		return;
	}
	e = SSL_get_error(c->ssl, r);
	if (e == SSL_ERROR_WANT_READ)
		set_events(c, EPOLLIN);
	else if (e == SSL_ERROR_WANT_WRITE)
		set_events(c, EPOLLIN | EPOLLOUT);
	else
		conn_fail(c, ssl_errstr("TLS handshake: ", e));
}

static void
conn_flush(struct conn *c)
{
	size_t	n;
	ssize_t	w;
	int	r, e;

	while (c->out.off < c->out.len) {
		n = c->out.len - c->out.off;
		if (n > WRITE_CHUNK)
			n = WRITE_CHUNK;
		if (c->ssl != NULL) {
			r = SSL_write(c->ssl, c->out.p + c->out.off, (int)n);
			if (r > 0) {
				c->out.off += (size_t)r;
				continue;
			}
			e = SSL_get_error(c->ssl, r);
			if (e == SSL_ERROR_WANT_WRITE) {
				set_events(c, EPOLLIN | EPOLLOUT);
				return;
			}
			if (e == SSL_ERROR_WANT_READ) {
				set_events(c, EPOLLIN);
				return;
			}
			conn_fail(c, ssl_errstr("TLS write: ", e));
			return;
		}
		w = write(c->fd, c->out.p + c->out.off, n);
		if (w >= 0) {
			c->out.off += (size_t)w;
			continue;
		}
		if (errno == EINTR)
			continue;
		if (errno == EAGAIN) {
			set_events(c, EPOLLIN | EPOLLOUT);
			return;
		}
		conn_fail(c, strerror(errno));
		return;
	}
	c->out.off = c->out.len = 0;
	set_events(c, EPOLLIN);
}

/*
 * Read until the socket is empty, handing each chunk to the driver at
 * once so that the buffer holds at most one response plus a chunk.
 * The driver may close (and reopen) c from its input function: the
 * generation number tells this function to stop touching it.
 */
static void
conn_read(struct conn *c)
{
	uint64_t	gen = c->gen;
	ssize_t		n;
	int		r, e;

	for (;;) {
		buf_reserve(&c->in, READ_CHUNK);
		if (c->ssl != NULL) {
			r = SSL_read(c->ssl, c->in.p + c->in.len,
			    (int)(c->in.cap - c->in.len));
			if (r <= 0) {
				e = SSL_get_error(c->ssl, r);
				if (e == SSL_ERROR_WANT_READ)
					return;
				if (e == SSL_ERROR_WANT_WRITE) {
					set_events(c, EPOLLIN | EPOLLOUT);
					return;
				}
				conn_fail(c, ssl_errstr("TLS read: ", e));
				return;
			}
			n = r;
		} else {
			n = read(c->fd, c->in.p + c->in.len,
			    c->in.cap - c->in.len);
			if (n == -1 && errno == EINTR)
				continue;
			if (n == -1 && errno == EAGAIN)
				return;
			if (n == -1) {
				conn_fail(c, strerror(errno));
				return;
			}
			if (n == 0) {
				conn_fail(c, "connection closed by server");
				return;
			}
		}
		c->in.len += (size_t)n;
		c->rx += (uint64_t)n;
		c->h->input(c);
		if (c->state != C_OPEN || c->gen != gen)
			return;
	}
}

static void
conn_event(struct conn *c, uint32_t ev)
{
	socklen_t	len;
	int		soerr;

	switch (c->state) {
	case C_FREE:
		return;
	case C_CONNECTING:
		len = sizeof(soerr);
		if (getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &soerr,
		    &len) == -1)
			err(1, "getsockopt SO_ERROR");
		if (soerr != 0) {
			conn_fail(c, strerror(soerr));
			return;
		}
		if ((ev & EPOLLOUT) == 0)
			return;
		if (c->tls) {
			if ((c->ssl = SSL_new(ctx)) == NULL ||
			    SSL_set_fd(c->ssl, c->fd) != 1)
				errx(1, "SSL_new: %s", ssl_errstr("", 0));
			SSL_set_connect_state(c->ssl);
			c->state = C_HANDSHAKE;
			conn_handshake(c);
			return;
		}
		conn_up(c);
		return;
	case C_HANDSHAKE:
		conn_handshake(c);
		return;
	case C_OPEN:
		if (ev & EPOLLOUT) {
			conn_flush(c);
			if (c->state != C_OPEN)
				return;
		}
		if (ev & (EPOLLIN | EPOLLERR | EPOLLHUP))
			conn_read(c);
		return;
	}
}

static void
check_timeouts(void)
{
	struct conn	*c, *next;
	uint64_t	 now = now_ns();

	for (c = open_list; c != NULL; c = next) {
		next = c->next;
		if (c->deadline != 0 && now > c->deadline)
			conn_fail(c, "timeout waiting for the server");
	}
}

/*
 * Run until done(arg) says so, calling tick(arg) after each round of
 * events.  An event for a connection closed and reopened in the same
 * round belongs to the old socket and is dropped.
 */
void
net_loop(int (*done)(void *), void (*tick)(void *), void *arg)
{
	struct epoll_event	evs[MAX_EVENTS];
	struct conn		*c;
	uint64_t		 last = now_ns(), now;
	int			 n, i;

	while (!done(arg)) {
		n = epoll_wait(ep, evs, MAX_EVENTS, 20);
		if (n == -1) {
			if (errno == EINTR)
				continue;
			err(1, "epoll_wait");
		}
		batch++;
		for (i = 0; i < n; i++) {
			c = evs[i].data.ptr;
			if (c->gen == batch)
				continue;
			conn_event(c, evs[i].events);
		}
		if (tick != NULL)
			tick(arg);
		now = now_ns();
		if (now - last > 200 * MSEC) {
			check_timeouts();
			last = now;
		}
	}
}
