/*
 * The master's listening sockets: bound at start (as root, so the
 * standard ports work), kept across reloads when unchanged, rebound
 * when added, closed when removed.  Accepting hands the new socket to
 * conn.c before a single byte is read.
 */
#include <sys/types.h>
#include <sys/socket.h>
#include <netinet/in.h>

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "master.h"

struct listener {
	TAILQ_ENTRY(listener)	 entry;
	struct listen_addr	*la;
	int			 proto;
	struct event		*ev;
	struct event		*pause_ev;
};
static TAILQ_HEAD(, listener) listeners = TAILQ_HEAD_INITIALIZER(listeners);

static int	 listen_bind(struct listen_addr *);
static int	 listen_same(const struct listen_addr *,
		    const struct listen_addr *);
static struct listen_addr *listen_find(struct postern_conf *,
		    const struct listen_addr *, int);
static void	 listen_accept(evutil_socket_t, short, void *);
static void	 listen_resume(evutil_socket_t, short, void *);

static int
listen_bind(struct listen_addr *la)
{
	char	host[P_ADDRLEN];
	int	fd, on = 1;

	(void)addr_format((struct sockaddr *)&la->ss, host, sizeof(host), NULL);
	fd = socket(la->ss.ss_family, SOCK_STREAM | SOCK_NONBLOCK |
	    SOCK_CLOEXEC, 0);
	if (fd == -1) {
		log_warn("socket for %s port %d", host, la->port);
		return -1;
	}
	if (setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof(on)) == -1)
		log_warn("SO_REUSEADDR");
	/* "::" must not take IPv4 too: "*" listens there on its own. */
	if (la->ss.ss_family == AF_INET6 &&
	    setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &on, sizeof(on)) == -1)
		log_warn("IPV6_V6ONLY");
	if (bind(fd, (struct sockaddr *)&la->ss, la->sslen) == -1) {
		log_warn("bind %s port %d", host, la->port);
		close(fd);
		return -1;
	}
	if (listen(fd, 511) == -1) {
		log_warn("listen %s port %d", host, la->port);
		close(fd);
		return -1;
	}
	la->fd = fd;
	return 0;
}

/* The same address and port: the same socket, whatever it serves. */
static int
listen_same(const struct listen_addr *a, const struct listen_addr *b)
{
	return a->port == b->port && a->sslen == b->sslen &&
	    memcmp(&a->ss, &b->ss, a->sslen) == 0;
}

/*
 * The listener of conf's enabled protocols at want's address and port,
 * with an open socket (bound) or one given away to a reload (not
 * bound).  Any protocol's, implicit TLS or not: a port that only
 * changes its kind or its protocol keeps its socket, as binding it
 * anew while the old one listens would fail.
 */
static struct listen_addr *
listen_find(struct postern_conf *conf, const struct listen_addr *want,
    int bound)
{
	struct listen_addr	*la;
	int			 p;

	if (conf == NULL)
		return NULL;
	for (p = 1; p < PROTO_MAX; p++) {
		if (!conf->protos[p].enabled)
			continue;
		TAILQ_FOREACH(la, &conf->protos[p].listeners, entry)
			if ((la->fd != -1) == bound && listen_same(la, want))
				return la;
	}
	return NULL;
}

/*
 * Open every listener of conf.  With old given (a reload), listeners
 * that did not change are taken over from it without closing them.
 * On failure nothing changes: what was bound is closed, what was taken
 * is given back.
 */
int
listen_open_all(struct postern_conf *conf, struct postern_conf *old)
{
	struct listen_addr	*la, *ola;
	int			 p, failed = 0;

	for (p = 1; p < PROTO_MAX && !failed; p++) {
		if (!conf->protos[p].enabled)
			continue;
		TAILQ_FOREACH(la, &conf->protos[p].listeners, entry) {
			if ((ola = listen_find(old, la, 1)) != NULL) {
				la->fd = ola->fd;
				ola->fd = -1;
				continue;
			}
			if (listen_bind(la) == -1) {
				failed = 1;
				break;
			}
		}
	}
	if (!failed)
		return 0;

	for (p = 1; p < PROTO_MAX; p++) {
		TAILQ_FOREACH(la, &conf->protos[p].listeners, entry) {
			if (la->fd == -1)
				continue;
			if ((ola = listen_find(old, la, 0)) != NULL) {
				ola->fd = la->fd;
				la->fd = -1;
			}
			if (la->fd != -1) {
				close(la->fd);
				la->fd = -1;
			}
		}
	}
	return -1;
}

void
listen_close_all(struct postern_conf *conf)
{
	struct listen_addr	*la;
	int			 p;

	for (p = 1; p < PROTO_MAX; p++)
		TAILQ_FOREACH(la, &conf->protos[p].listeners, entry)
			if (la->fd != -1) {
				close(la->fd);
				la->fd = -1;
			}
}

void
listen_events_add(struct postern_conf *conf)
{
	struct listen_addr	*la;
	struct listener		*l;
	char			 host[P_ADDRLEN];
	int			 p;

	for (p = 1; p < PROTO_MAX; p++) {
		if (!conf->protos[p].enabled)
			continue;
		TAILQ_FOREACH(la, &conf->protos[p].listeners, entry) {
			if (la->fd == -1)
				continue;
			if ((l = calloc(1, sizeof(*l))) == NULL)
				fatal("calloc");
			l->la = la;
			l->proto = p;
			l->ev = event_new(env->evbase, la->fd,
			    EV_READ | EV_PERSIST, listen_accept, l);
			l->pause_ev = evtimer_new(env->evbase, listen_resume,
			    l);
			if (l->ev == NULL || l->pause_ev == NULL)
				fatalx("event_new");
			event_add(l->ev, NULL);
			TAILQ_INSERT_TAIL(&listeners, l, entry);
			(void)addr_format((struct sockaddr *)&la->ss, host,
			    sizeof(host), NULL);
			log_info("listening on %s port %d for %s%s", host,
			    la->port, conf_proto_name(p), la->tls ?
			    " (TLS)" : "");
		}
	}
}

void
listen_events_del(struct postern_conf *conf)
{
	struct listener	*l;

	while ((l = TAILQ_FIRST(&listeners)) != NULL) {
		TAILQ_REMOVE(&listeners, l, entry);
		event_free(l->ev);
		event_free(l->pause_ev);
		free(l);
	}
}

static void
listen_accept(evutil_socket_t fd, short ev, void *arg)
{
	struct listener	*l = arg;
	struct timeval	 tv = { 1, 0 };
	int		 s;

	for (;;) {
		s = accept4(fd, NULL, NULL, SOCK_CLOEXEC);
		if (s == -1) {
			if (errno == EAGAIN || errno == EWOULDBLOCK ||
			    errno == ECONNABORTED || errno == EINTR)
				return;
			if (errno == EMFILE || errno == ENFILE ||
			    errno == ENOBUFS || errno == ENOMEM) {
				/* Out of descriptors: pause, do not spin. */
				log_warn("accept");
				event_del(l->ev);
				evtimer_add(l->pause_ev, &tv);
				return;
			}
			log_warn("accept");
			return;
		}
		conn_accept(s, l->la, l->proto);
	}
}

static void
listen_resume(evutil_socket_t fd, short ev, void *arg)
{
	struct listener	*l = arg;

	event_add(l->ev, NULL);
}
