/*
 * One client connection as the master sees it: the limits checked at
 * accept, the worker spawned for it (postern-worker on a plain port,
 * postern-tlsworker on an implicit-TLS one, and a fresh
 * postern-tlsworker taking over when the first asks for STARTTLS), the
 * messages a worker may send in each state (a table of what is allowed
 * when, as OpenSSH's monitor keeps), the relay of SASL exchanges to
 * postern-auth, and the session started as the user postern-auth
 * confirmed.  Everything a worker sends is hostile input: a bad
 * message ends that worker, never the master.
 */
#include <sys/types.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <netinet/in.h>
#include <netinet/tcp.h>

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "log.h"
#include "master.h"

struct pidmap {
	RB_ENTRY(pidmap)	 entry;
	pid_t			 pid;
	struct conn		*conn;
};

static int	 conn_cmp(struct conn *, struct conn *);
static int	 pidmap_cmp(struct pidmap *, struct pidmap *);
static void	 conn_reject(int, int, int, const char *);
static int	 conn_worker_start(struct conn *, int, int,
		    const struct starttls *);
static void	 conn_worker_init(struct conn *, const struct starttls *);
static void	 conn_worker_read(evutil_socket_t, short, void *);
static void	 conn_worker_write(evutil_socket_t, short, void *);
static int	 conn_worker_dispatch(struct conn *, struct msg *);
static int	 conn_send(struct conn *, uint32_t, const void *, size_t,
		    const void *, size_t);
static void	 conn_worker_close(struct conn *);
static void	 conn_worker_kill(struct conn *, const char *);
static int	 conn_keysign(struct conn *, struct msg *);
static int	 conn_auth_start(struct conn *, struct msg *);
static int	 conn_handoff(struct conn *, struct msg *);
static int	 conn_starttls(struct conn *, struct msg *);
static int	 conn_tag_ok(const struct conn *, const char *, size_t);
static void	 conn_auth_fail_worker(struct conn *, uint32_t, const char *);
static void	 conn_maybe_free(struct conn *);
static void	 conn_session_read(evutil_socket_t, short, void *);
static void	 conn_session_close(struct conn *);
static void	 pid_add(pid_t, struct conn *);
static struct conn *pid_take(pid_t);

RB_GENERATE(conn_tree, conn, by_id, conn_cmp);

static RB_HEAD(pid_tree, pidmap) pids = RB_INITIALIZER(&pids);
RB_PROTOTYPE_STATIC(pid_tree, pidmap, entry, pidmap_cmp);
RB_GENERATE_STATIC(pid_tree, pidmap, entry, pidmap_cmp);

static int	nconns_total;

static int
conn_cmp(struct conn *a, struct conn *b)
{
	return a->id < b->id ? -1 : a->id > b->id;
}

static int
pidmap_cmp(struct pidmap *a, struct pidmap *b)
{
	return a->pid < b->pid ? -1 : a->pid > b->pid;
}

static void
pid_add(pid_t pid, struct conn *conn)
{
	struct pidmap	*p;

	if ((p = calloc(1, sizeof(*p))) == NULL)
		fatal("calloc");
	p->pid = pid;
	p->conn = conn;
	RB_INSERT(pid_tree, &pids, p);
}

static struct conn *
pid_take(pid_t pid)
{
	struct pidmap	 find, *p;
	struct conn	*conn;

	find.pid = pid;
	if ((p = RB_FIND(pid_tree, &pids, &find)) == NULL)
		return NULL;
	conn = p->conn;
	RB_REMOVE(pid_tree, &pids, p);
	free(p);
	return conn;
}

struct conn *
conn_find(uint32_t id)
{
	struct conn	find;

	find.id = id;
	return RB_FIND(conn_tree, &env->conns, &find);
}

int
conn_count(void)
{
	return nconns_total;
}

/*
 * Refuse a connection with one line of its protocol, written without
 * waiting.  Implicit-TLS listeners get no line: the client expects a
 * handshake, and the master does no TLS.
 */
static void
conn_reject(int s, int proto, int tls, const char *why)
{
	const char	*line = NULL;

	if (!tls) {
		switch (proto) {
		case PROTO_POP3:
			line = "-ERR [SYS/TEMP] Too many connections, "
			    "try again later.\r\n";
			break;
		case PROTO_IMAP:
			line = "* BYE [UNAVAILABLE] Too many connections, "
			    "try again later.\r\n";
			break;
		case PROTO_SUBMISSION:
			line = "421 4.7.0 Too many connections, "
			    "try again later.\r\n";
			break;
		}
	}
	if (line != NULL) {
		(void)fcntl(s, F_SETFL, O_NONBLOCK);
		(void)send(s, line, strlen(line), MSG_NOSIGNAL | MSG_DONTWAIT);
	}
	close(s);
}

void
conn_accept(int s, const struct listen_addr *la, int proto)
{
	struct proto_conf	*pc = &env->conf->protos[proto];
	struct sockaddr_storage	 ss, ls;
	socklen_t		 sslen = sizeof(ss), lslen = sizeof(ls);
	struct conn		*conn;
	struct addrkey		 key;
	char			 addr[P_ADDRLEN], laddr[P_ADDRLEN];
	int			 port = 0, lport = 0, one = 1;

	if (env->shutting_down) {
		close(s);
		return;
	}
	/*
	 * Workers and sessions write whole responses at once; Nagle would
	 * only hold back each response's last segment for the client's
	 * delayed ACK (40 ms per command through the TLS relay).
	 */
	(void)setsockopt(s, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	if (getpeername(s, (struct sockaddr *)&ss, &sslen) == -1 ||
	    getsockname(s, (struct sockaddr *)&ls, &lslen) == -1) {
		log_warn("getpeername");
		close(s);
		return;
	}
	addr_normalize(&ss, &sslen);
	addr_normalize(&ls, &lslen);
	(void)addr_format((struct sockaddr *)&ss, addr, sizeof(addr), &port);
	(void)addr_format((struct sockaddr *)&ls, laddr, sizeof(laddr), &lport);
	addr_key((struct sockaddr *)&ss, env->conf->ipv6_prefix, &key);

	if (env->nconns[proto] >= pc->max_connections) {
		log_info("refused: proto=%s addr=%s port=%d "
		    "reason=\"max-connections %d reached\"",
		    conf_proto_name(proto), addr, port, pc->max_connections);
		conn_reject(s, proto, la->tls, "max-connections");
		env->stats.refused_maxconn[proto]++;
		return;
	}
	if (!conf_netaddr_match(&env->conf->trusted, (struct sockaddr *)&ss) &&
	    limits_ip_count(&key) >= pc->max_connections_per_ip) {
		log_info("refused: proto=%s addr=%s port=%d "
		    "reason=\"max-connections-per-ip %d reached\"",
		    conf_proto_name(proto), addr, port,
		    pc->max_connections_per_ip);
		conn_reject(s, proto, la->tls, "max-connections-per-ip");
		env->stats.refused_perip[proto]++;
		return;
	}
	if (la->tls && env->proto_cert[proto] == NULL) {
		log_warnx("refused: proto=%s addr=%s: no certificate",
		    conf_proto_name(proto), addr);
		close(s);
		return;
	}

	if ((conn = calloc(1, sizeof(*conn))) == NULL) {
		log_warn("calloc");
		close(s);
		return;
	}
	do {
		conn->id = env->next_conn_id++;
	} while (conn->id == 0 || conn_find(conn->id) != NULL);
	conn->proto = proto;
	conn->state = CONN_PRELOGIN;
	conn->started = time(NULL);
	conn->ipkey = key;
	(void)strlcpy(conn->addr, addr, sizeof(conn->addr));
	conn->port = port;
	(void)strlcpy(conn->laddr, laddr, sizeof(conn->laddr));
	conn->lport = lport;
	conn->implicit_tls = la->tls;
	conn->login_type = pc->login_type;
	conn->login_timeout = pc->login_timeout;
	conn->max_auth_attempts = pc->max_auth_attempts;
	conn->idle_timeout = pc->idle_timeout;
	conn->pop3_expire = pc->pop3_expire;
	conn->pop3_login_delay = pc->pop3_login_delay;
	conn->max_per_user = pc->max_connections_per_user;
	conn->session_fd = -1;
	conn->cert = env->proto_cert[proto];
	if (conn_worker_start(conn, s, la->tls, NULL) == -1) {
		close(s);
		free(conn);
		return;
	}
	close(s);
	if (conn->cert != NULL)
		conn->cert->refs++;
	RB_INSERT(conn_tree, &env->conns, conn);
	limits_ip_add(conn);
	env->nconns[proto]++;
	env->stats.accepted[proto]++;
	nconns_total++;

	setproctitle("master: %d connections", nconns_total);
	log_info("connect: id=%u proto=%s addr=%s port=%d local=%s:%d%s",
	    conn->id, conf_proto_name(proto), addr, port, laddr, lport,
	    la->tls ? " tls=implicit" : "");
}

/*
 * Start a pre-login worker for the connection on the client socket and
 * send it its settings: postern-tlsworker when tls, postern-worker
 * otherwise.  st, after STARTTLS/STLS, is what the postern-worker
 * passed on.  Returns 0, or -1 (logged) when none could be started.
 */
static int
conn_worker_start(struct conn *conn, int client, int tls,
    const struct starttls *st)
{
	int	sp[2];
	pid_t	pid;

	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sp) == -1) {
		log_warn("socketpair");
		return -1;
	}
	pid = spawn_worker(client, sp[1], tls);
	close(sp[1]);
	if (pid == -1) {
		close(sp[0]);
		return -1;
	}
	conn->worker_pid = pid;
	conn->worker_tls = tls;
	pid_add(pid, conn);

	(void)fcntl(sp[0], F_SETFL, O_NONBLOCK);
	msg_init(&conn->wchan, sp[0]);
	conn->wev = event_new(env->evbase, sp[0], EV_READ | EV_PERSIST,
	    conn_worker_read, conn);
	conn->wev_w = event_new(env->evbase, sp[0], EV_WRITE,
	    conn_worker_write, conn);
	if (conn->wev == NULL || conn->wev_w == NULL)
		fatalx("event_new");
	event_add(conn->wev, NULL);
	conn_worker_init(conn, st);
	return 0;
}

/*
 * The worker's settings: those the connection took at accept, the
 * rest from the configuration in force.  Only postern-tlsworker gets
 * the certificates.
 */
static void
conn_worker_init(struct conn *conn, const struct starttls *st)
{
	struct proto_conf	*pc = &env->conf->protos[conn->proto];
	struct worker_init	 wi;

	memset(&wi, 0, sizeof(wi));
	wi.conn_id = conn->id;
	wi.proto = conn->proto;
	wi.implicit_tls = conn->implicit_tls;
	wi.tls_available = conn->cert != NULL;
	wi.login_type = conn->login_type;
	wi.idle_timeout = conn->login_timeout;
	wi.max_auth_attempts = conn->max_auth_attempts;
	wi.uid = env->worker_uid;
	wi.gid = env->worker_gid;
	wi.tls_min_version = env->conf->tls_min_version;
	wi.pop3_expire = conn->pop3_expire;
	wi.pop3_login_delay = conn->pop3_login_delay;
	(void)strlcpy(wi.chroot, env->conf->chroot, sizeof(wi.chroot));
	(void)strlcpy(wi.client_addr, conn->addr, sizeof(wi.client_addr));
	wi.client_port = conn->port;
	(void)strlcpy(wi.local_addr, conn->laddr, sizeof(wi.local_addr));
	wi.local_port = conn->lport;
	(void)strlcpy(wi.hostname, env->conf->hostname, sizeof(wi.hostname));
	(void)strlcpy(wi.banner, pc->banner, sizeof(wi.banner));
	(void)strlcpy(wi.ciphers, env->conf->tls_ciphers, sizeof(wi.ciphers));
	(void)strlcpy(wi.ciphersuites, env->conf->tls_ciphersuites,
	    sizeof(wi.ciphersuites));
	wi.gssapi_available = env->conf->gssapi_keytab[0] != '\0';
	if (st != NULL) {
		wi.starttls = 1;
		(void)strlcpy(wi.starttls_tag, st->tag,
		    sizeof(wi.starttls_tag));
		wi.login_left_ms = st->login_left_ms;
		wi.auth_failures = st->auth_failures;
	}
	conn_send(conn, MSG_WORKER_INIT, &wi, sizeof(wi), NULL, 0);
	if (conn->worker_tls && conn->cert != NULL)
		conn_send(conn, MSG_CERT, conn->cert->certmsg,
		    conn->cert->certmsglen, NULL, 0);
	conn_send(conn, MSG_INIT_DONE, NULL, 0, NULL, 0);
}

static int
conn_send(struct conn *conn, uint32_t type, const void *d1, size_t l1,
    const void *d2, size_t l2)
{
	if (conn->wev == NULL)
		return -1;
	if (msg_composev(&conn->wchan, type, conn->id, -1, d1, l1, d2, l2)
	    == -1) {
		log_warn("id=%u: compose", conn->id);
		return -1;
	}
	if (msg_flush(&conn->wchan) == -1) {
		log_warn("id=%u: write to worker", conn->id);
		conn_worker_close(conn);
		return -1;
	}
	if (conn->wchan.queued > 0)
		event_add(conn->wev_w, NULL);
	return 0;
}

static void
conn_worker_write(evutil_socket_t fd, short ev, void *arg)
{
	struct conn	*conn = arg;

	if (msg_flush(&conn->wchan) == -1) {
		conn_worker_close(conn);
		return;
	}
	if (conn->wchan.queued > 0)
		event_add(conn->wev_w, NULL);
}

static void
conn_worker_close(struct conn *conn)
{
	if (conn->wev == NULL)
		return;
	event_free(conn->wev);
	event_free(conn->wev_w);
	conn->wev = conn->wev_w = NULL;
	close(conn->wchan.fd);
	msg_clear(&conn->wchan);
	if (conn->state == CONN_AUTHING) {
		(void)auth_send(MSG_AREQ_ABORT, conn->id, NULL, 0, NULL, 0);
		conn->state = CONN_PRELOGIN;
	}
}

static void
conn_worker_kill(struct conn *conn, const char *why)
{
	log_warnx("id=%u: worker pid %ld misbehaved (%s), killing it",
	    conn->id, (long)conn->worker_pid, why);
	if (conn->worker_pid > 0)
		kill(conn->worker_pid, SIGKILL);
	conn_worker_close(conn);
}

static void
conn_worker_read(evutil_socket_t fd, short ev, void *arg)
{
	struct conn	*conn = arg;
	struct msg	 m;
	int		 r;

	r = msg_fill(&conn->wchan);
	if (r == 0) {
		conn_worker_close(conn);
		return;
	}
	if (r == -1) {
		if (errno == EAGAIN)
			return;
		conn_worker_close(conn);
		return;
	}
	while ((r = msg_get(&conn->wchan, &m)) == 1) {
		r = conn_worker_dispatch(conn, &m);
		if (m.fd != -1)
			close(m.fd);
		/* 1: a STARTTLS replaced the worker and this channel. */
		if (r != 0 || conn->wev == NULL)
			return;
	}
	if (r == -1)
		conn_worker_kill(conn, "malformed message");
}

/*
 * One message of the worker.  Returns 0 to go on reading, -1 when the
 * worker was ended for it, 1 when a STARTTLS replaced the worker and
 * its channel.
 */
static int
conn_worker_dispatch(struct conn *conn, struct msg *m)
{
	struct tls_info	ti;

	switch (m->type) {
	case MSG_KEY_SIGN_REQ:
		if (conn_keysign(conn, m) == -1) {
			conn_worker_kill(conn, "bad key request");
			return -1;
		}
		return 0;
	case MSG_AUTH_START:
		if (conn->state != CONN_PRELOGIN ||
		    conn_auth_start(conn, m) == -1) {
			conn_worker_kill(conn, "bad auth start");
			return -1;
		}
		return 0;
	case MSG_AUTH_CONT:
		/*
		 * The exchange may have ended on our side (postern-auth died,
		 * or answered) while the worker was reading the client: it
		 * will find that answer next, so its response is moot.
		 */
		if (conn->state == CONN_PRELOGIN && conn->auth_answered)
			return 0;
		if (conn->state != CONN_AUTHING) {
			conn_worker_kill(conn, "auth data out of turn");
			return -1;
		}
		if (auth_send(MSG_AREQ_CONT, conn->id, m->data, m->len, NULL,
		    0) == -1)
			conn_auth_fail_worker(conn, AUTH_FAIL_TEMP,
			    "postern-auth unavailable");
		return 0;
	case MSG_AUTH_ABORT:
		/*
		 * The worker gave up on the exchange (the client cancelled or
		 * sent garbage).  Whatever state it reached, it ends here, and
		 * the acknowledgement tells the worker where the answers of
		 * the dead exchange stop.
		 */
		if (m->len != 0 || conn->state == CONN_SESSION) {
			conn_worker_kill(conn, "abort out of turn");
			return -1;
		}
		if (conn->state == CONN_AUTHING)
			(void)auth_send(MSG_AREQ_ABORT, conn->id, NULL, 0, NULL,
			    0);
		else if (conn->state == CONN_AUTHED) {
			limits_user_del(conn);
			memset(&conn->ident, 0, sizeof(conn->ident));
		}
		conn->state = CONN_PRELOGIN;
		conn->auth_answered = 0;
		conn_send(conn, MSG_AUTH_ABORTED, NULL, 0, NULL, 0);
		return 0;
	case MSG_TLS_INFO:
		if (!conn->worker_tls ||
		    msg_payload(m, &ti, sizeof(ti)) == -1 ||
		    !msg_strfield_ok(ti.version, sizeof(ti.version)) ||
		    !msg_strfield_ok(ti.cipher, sizeof(ti.cipher))) {
			conn_worker_kill(conn, "bad tls info");
			return -1;
		}
		conn->tls = ti;
		conn->tls_done = 1;
		log_info("tls: id=%u addr=%s version=%s cipher=%s bits=%u",
		    conn->id, conn->addr, ti.version, ti.cipher, ti.bits);
		return 0;
	case MSG_HANDOFF:
		if (conn->state != CONN_AUTHED || m->fd == -1 ||
		    conn_handoff(conn, m) == -1) {
			conn_worker_kill(conn, "bad handoff");
			return -1;
		}
		return 0;
	case MSG_STARTTLS:
		if (conn_starttls(conn, m) == -1) {
			conn_worker_kill(conn, "bad starttls");
			return -1;
		}
		return 1;
	}
	conn_worker_kill(conn, "unknown message type");
	return -1;
}

/*
 * Sign for the worker with the connection's certificate key.  The
 * worker never holds the key; it can only ask for signatures during
 * its handshake, and only with the key of its own listener.
 */
static int
conn_keysign(struct conn *conn, struct msg *m)
{
	struct key_sign_req	req;
	struct key_sign_res	res;
	unsigned char		sig[1024];
	size_t			siglen = sizeof(sig);

	if (m->len < sizeof(req) || m->len - sizeof(req) > 1024 ||
	    conn->cert == NULL || conn->state != CONN_PRELOGIN ||
	    !conn->worker_tls)
		return -1;
	memcpy(&req, m->data, sizeof(req));
	/* Only the keys of the certificates this worker was sent. */
	if (!cert_has_key(conn->cert, req.key_id))
		return -1;
	memset(&res, 0, sizeof(res));
	if (cert_sign(conn->cert, &req, (unsigned char *)m->data + sizeof(req),
	    m->len - sizeof(req), sig, &siglen) == -1) {
		res.status = -1;
		siglen = 0;
	}
	return conn_send(conn, MSG_KEY_SIGN_RES, &res, sizeof(res), sig,
	    siglen);
}

static int
conn_auth_start(struct conn *conn, struct msg *m)
{
	struct auth_start	as;
	struct areq_start	ar;

	if (m->len < sizeof(as))
		return -1;
	memcpy(&as, m->data, sizeof(as));
	if (!msg_strfield_ok(as.mech, sizeof(as.mech)) ||
	    (!as.has_ir && m->len != sizeof(as)))
		return -1;
	memset(&ar, 0, sizeof(ar));
	ar.proto = conn->proto;
	ar.login_type = conn->login_type;
	/*
	 * An implicit-TLS listener is secure whatever the worker says;
	 * postern-worker, which has no TLS, never is.
	 */
	ar.secured = conn->worker_tls && (as.secured || conn->implicit_tls);
	ar.via_command = as.via_command != 0;
	ar.has_ir = as.has_ir != 0;
	(void)strlcpy(ar.mech, as.mech, sizeof(ar.mech));
	(void)strlcpy(ar.client_addr, conn->addr, sizeof(ar.client_addr));
	(void)strlcpy(conn->mech, as.mech, sizeof(conn->mech));
	conn->state = CONN_AUTHING;
	conn->auth_answered = 0;
	if (auth_send(MSG_AREQ_START, conn->id, &ar, sizeof(ar),
	    (char *)m->data + sizeof(as), m->len - sizeof(as)) == -1)
		conn_auth_fail_worker(conn, AUTH_FAIL_TEMP,
		    "postern-auth unavailable");
	return 0;
}

static void
conn_auth_fail_worker(struct conn *conn, uint32_t code, const char *why)
{
	struct auth_fail	af;

	memset(&af, 0, sizeof(af));
	af.code = code;
	if (code < 16)
		env->stats.login_failures[code]++;
	(void)strlcpy(af.reason, why, sizeof(af.reason));
	conn->state = CONN_PRELOGIN;
	conn->auth_answered = 1;
	conn_send(conn, MSG_AUTH_FAIL, &af, sizeof(af), NULL, 0);
}

/* An answer of postern-auth about connection id. */
void
conn_auth_reply(uint32_t id, struct msg *m)
{
	struct conn		*conn;
	struct auth_identity	 ai;
	struct auth_fail	 af;
	struct auth_ok		 ok;
	char			 ubuf[P_NAMELEN * 4];

	if ((conn = conn_find(id)) == NULL || conn->state != CONN_AUTHING ||
	    conn->wev == NULL)
		return;		/* gone or aborted meanwhile */

	switch (m->type) {
	case MSG_AREQ_CHALLENGE:
		conn_send(conn, MSG_AUTH_CHALLENGE, m->data, m->len, NULL, 0);
		return;
	case MSG_AREQ_FAIL:
		if (msg_payload(m, &af, sizeof(af)) == -1 ||
		    !msg_strfield_ok(af.reason, sizeof(af.reason))) {
			log_warnx("id=%u: malformed failure from auth", id);
			af.code = AUTH_FAIL_TEMP;
			(void)strlcpy(af.reason, "internal error",
			    sizeof(af.reason));
		}
		conn->state = CONN_PRELOGIN;
		conn->auth_answered = 1;
		if (af.code < 16)
			env->stats.login_failures[af.code]++;
		conn_send(conn, MSG_AUTH_FAIL, &af, sizeof(af), NULL, 0);
		return;
	case MSG_AREQ_OK:
		break;
	default:
		return;
	}

	if (m->len < sizeof(ai))
		goto bad;
	memcpy(&ai, m->data, sizeof(ai));
	if (!msg_strfield_ok(ai.user, sizeof(ai.user)) ||
	    !msg_strfield_ok(ai.home, sizeof(ai.home)) ||
	    !msg_strfield_ok(ai.mail, sizeof(ai.mail)) ||
	    ai.ngroups > P_MAXGROUPS ||
	    m->len != sizeof(ai) + ai.ngroups * sizeof(uint32_t))
		goto bad;
	if (ai.uid == 0 || ai.uid < (uint32_t)env->conf->first_valid_uid) {
		log_warnx("id=%u: auth confirmed uid %u, refused", id, ai.uid);
		conn_auth_fail_worker(conn, AUTH_FAIL_DENIED, "system account");
		return;
	}
	if (limits_user_count(ai.user, &conn->ipkey) >= conn->max_per_user) {
		log_info("refused: id=%u proto=%s addr=%s user=\"%s\" "
		    "reason=\"max-connections-per-user %d reached\"", id,
		    conf_proto_name(conn->proto), conn->addr,
		    log_safe(ai.user, ubuf, sizeof(ubuf)), conn->max_per_user);
		conn_auth_fail_worker(conn, AUTH_FAIL_LIMIT,
		    "max-connections-per-user");
		return;
	}
	conn->ident = ai;
	memcpy(conn->groups, (char *)m->data + sizeof(ai),
	    ai.ngroups * sizeof(uint32_t));
	limits_user_add(conn);
	env->stats.logins[conn->proto]++;
	conn->state = CONN_AUTHED;
	memset(&ok, 0, sizeof(ok));
	(void)strlcpy(ok.user, ai.user, sizeof(ok.user));
	conn_send(conn, MSG_AUTH_OK, &ok, sizeof(ok), NULL, 0);
	log_info("login: id=%u proto=%s addr=%s user=\"%s\" mech=%s tls=%s%s%s",
	    id, conf_proto_name(conn->proto), conn->addr,
	    log_safe(ai.user, ubuf, sizeof(ubuf)), conn->mech,
	    conn->tls_done ? conn->tls.version : "no",
	    conn->tls_done ? " cipher=" : "",
	    conn->tls_done ? conn->tls.cipher : "");
	return;
bad:
	log_warnx("id=%u: malformed identity from auth", id);
	conn_auth_fail_worker(conn, AUTH_FAIL_TEMP, "internal error");
}

/* postern-auth died: every exchange in flight fails, temporarily. */
void
conn_auth_died(void)
{
	struct conn	*conn;

	RB_FOREACH(conn, conn_tree, &env->conns)
		if (conn->state == CONN_AUTHING)
			conn_auth_fail_worker(conn, AUTH_FAIL_TEMP,
			    "postern-auth restarted");
}

/*
 * postern-worker read STARTTLS or STLS and passes the client socket
 * on: once per connection, on a plain port with a certificate, between
 * logins.  The connection goes on in a fresh postern-tlsworker under
 * the same id, limits and counts; the postern-worker exits, and
 * conn_child_exited() knows it as the previous worker (unless it was
 * reaped already, this message read after its exit).  Returns -1 for
 * a message that breaks these rules, for the caller to end its sender;
 * else 0, with the sender's channel closed (and, should no
 * postern-tlsworker start, the connection ending with the old worker).
 */
static int
conn_starttls(struct conn *conn, struct msg *m)
{
	struct starttls	st;
	uint32_t	max_left = (uint32_t)conn->login_timeout * 1000;

	if (conn->state != CONN_PRELOGIN || conn->worker_tls ||
	    conn->implicit_tls || conn->starttls || conn->cert == NULL ||
	    m->fd == -1 || msg_payload(m, &st, sizeof(st)) == -1 ||
	    !conn_tag_ok(conn, st.tag, sizeof(st.tag)) ||
	    st.auth_failures >= (uint32_t)conn->max_auth_attempts ||
	    st.login_left_ms > max_left ||
	    (st.login_left_ms == 0) != (max_left == 0))
		return -1;
	conn->starttls = 1;
	conn->prev_worker_pid = conn->worker_pid;
	conn->worker_pid = 0;
	conn_worker_close(conn);
	/* Shutting down: the connection ends with the old worker. */
	if (env->shutting_down)
		return 0;
	if (conn_worker_start(conn, m->fd, 1, &st) == -1) {
		log_warnx("id=%u: no TLS worker after STARTTLS", conn->id);
		return 0;
	}
	log_debug("id=%u: STARTTLS: worker pid %ld goes on in pid %ld",
	    conn->id, (long)conn->prev_worker_pid, (long)conn->worker_pid);
	return 0;
}

/*
 * The STARTTLS command's tag, which postern-tlsworker will send back:
 * IMAP's, printable and without spaces, so that no response can be
 * forged with it; none for POP3.
 */
static int
conn_tag_ok(const struct conn *conn, const char *tag, size_t size)
{
	size_t	i;

	if (!msg_strfield_ok(tag, size))
		return 0;
	if (conn->proto != PROTO_IMAP)
		return tag[0] == '\0';
	for (i = 0; tag[i] != '\0'; i++)
		if ((unsigned char)tag[i] <= ' ' ||
		    (unsigned char)tag[i] >= 0x7f)
			return 0;
	return i > 0;
}

/*
 * The worker is done with the login: start the session as the user
 * postern-auth named, on the descriptor the worker passed (the client
 * socket, or its end of the TLS relay).
 */
static int
conn_handoff(struct conn *conn, struct msg *m)
{
	struct handoff		ho;
	struct session_init	si;
	struct msgchan		ch;
	size_t			tail;
	int			sp[2];
	pid_t			pid;

	if (m->len < sizeof(ho))
		return -1;
	memcpy(&ho, m->data, sizeof(ho));
	if (!msg_strfield_ok(ho.tag, sizeof(ho.tag)))
		return -1;
	tail = m->len - sizeof(ho);
	if (tail > MSG_MAXDATA - sizeof(si))
		return -1;

	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sp) == -1) {
		log_warn("id=%u: socketpair", conn->id);
		return -1;
	}
	pid = spawn_session(conn, m->fd, sp[1]);
	close(sp[1]);
	if (pid == -1) {
		close(sp[0]);
		return -1;
	}
	conn->session_pid = pid;
	conn->session_fd = sp[0];
	pid_add(pid, conn);
	conn->state = CONN_SESSION;
	env->stats.sessions[conn->proto]++;

	memset(&si, 0, sizeof(si));
	si.conn_id = conn->id;
	si.proto = conn->proto;
	(void)strlcpy(si.user, conn->ident.user, sizeof(si.user));
	si.uid = conn->ident.uid;
	si.gid = conn->ident.gid;
	(void)strlcpy(si.home, conn->ident.home, sizeof(si.home));
	(void)strlcpy(si.mail, conn->ident.mail, sizeof(si.mail));
	(void)strlcpy(si.client_addr, conn->addr, sizeof(si.client_addr));
	si.client_port = conn->port;
	(void)strlcpy(si.local_addr, conn->laddr, sizeof(si.local_addr));
	si.local_port = conn->lport;
	(void)strlcpy(si.hostname, env->conf->hostname, sizeof(si.hostname));
	si.idle_timeout = conn->idle_timeout;
	si.tls = ho.tls != 0;
	if (conn->tls_done) {
		(void)strlcpy(si.tls_version, conn->tls.version,
		    sizeof(si.tls_version));
		(void)strlcpy(si.tls_cipher, conn->tls.cipher,
		    sizeof(si.tls_cipher));
	}
	(void)strlcpy(si.tag, ho.tag, sizeof(si.tag));
	si.pop3_expire = conn->pop3_expire;
	si.pop3_login_delay = conn->pop3_login_delay;

	/* The session is new and blocks on this: one small write. */
	msg_init(&ch, sp[0]);
	if (msg_composev(&ch, MSG_SESSION_INIT, conn->id, -1, &si, sizeof(si),
	    (char *)m->data + sizeof(ho), tail) == -1 ||
	    msg_flush_all(&ch) == -1)
		log_warn("id=%u: session init", conn->id);
	msg_clear(&ch);

	/* From now on the session only reports its byte counts. */
	(void)fcntl(sp[0], F_SETFL, O_NONBLOCK);
	msg_init(&conn->schan, sp[0]);
	if ((conn->sev = event_new(env->evbase, sp[0], EV_READ | EV_PERSIST,
	    conn_session_read, conn)) == NULL)
		fatalx("event_new");
	event_add(conn->sev, NULL);
	return 0;
}

static void
conn_session_read(evutil_socket_t fd, short ev, void *arg)
{
	struct conn		*conn = arg;
	struct session_stats	 st;
	struct msg		 m;
	int			 r;

	r = msg_fill(&conn->schan);
	if (r == -1 && errno == EAGAIN)
		return;
	if (r <= 0) {
		conn_session_close(conn);
		return;
	}
	while ((r = msg_get(&conn->schan, &m)) == 1) {
		if (m.fd != -1)
			close(m.fd);
		if (m.type != MSG_SESSION_STATS ||
		    msg_payload(&m, &st, sizeof(st)) == -1) {
			log_warnx("id=%u: session sent a bad message",
			    conn->id);
			conn_session_close(conn);
			return;
		}
		conn->bytes_in = st.bytes_in;
		conn->bytes_out = st.bytes_out;
	}
	if (r == -1) {
		log_warnx("id=%u: session sent a malformed message", conn->id);
		conn_session_close(conn);
	}
}

static void
conn_session_close(struct conn *conn)
{
	if (conn->sev == NULL)
		return;
	event_free(conn->sev);
	conn->sev = NULL;
	close(conn->session_fd);
	conn->session_fd = -1;
	msg_clear(&conn->schan);
}

void
conn_child_exited(pid_t pid, int status)
{
	struct conn	*conn;
	const char	*role;

	if ((conn = pid_take(pid)) == NULL)
		return;
	if (pid == conn->worker_pid) {
		role = "worker";
		conn->worker_pid = 0;
		/*
		 * A worker handing over a plain connection, or a STARTTLS,
		 * exits right after sending it: SIGCHLD may come before we
		 * read it.  A STARTTLS starts a new worker and channel.
		 */
		if (conn->wev != NULL)
			conn_worker_read(conn->wchan.fd, EV_READ, conn);
		if (conn->worker_pid == 0)
			conn_worker_close(conn);
	} else if (pid == conn->prev_worker_pid)
		role = "worker";
	else {
		role = "session";
		conn->session_pid = 0;
		/* Its last report may still be waiting in the socket. */
		if (conn->sev != NULL)
			conn_session_read(conn->session_fd, EV_READ, conn);
		conn_session_close(conn);
	}
	if (pid == conn->prev_worker_pid)
		conn->prev_worker_pid = 0;
	if (WIFSIGNALED(status) && WTERMSIG(status) != SIGTERM &&
	    !(env->shutting_down && WTERMSIG(status) == SIGKILL))
		log_warnx("id=%u: %s pid %ld killed by signal %d", conn->id,
		    role, (long)pid, WTERMSIG(status));
	else if (WIFEXITED(status) && WEXITSTATUS(status) != 0)
		log_debug("id=%u: %s pid %ld exited with %d", conn->id, role,
		    (long)pid, WEXITSTATUS(status));
	conn_maybe_free(conn);
}

static void
conn_maybe_free(struct conn *conn)
{
	char	ubuf[P_NAMELEN * 4];

	if (conn->worker_pid != 0 || conn->prev_worker_pid != 0 ||
	    conn->session_pid != 0)
		return;
	/* The session's byte counts; TLS as the worker reported it. */
	log_info("disconnect: id=%u proto=%s addr=%s%s%s%s tls=%s%s%s "
	    "duration=%lds in=%llu out=%llu", conn->id,
	    conf_proto_name(conn->proto), conn->addr,
	    conn->ident.user[0] ? " user=\"" : "",
	    conn->ident.user[0] ? log_safe(conn->ident.user, ubuf,
	    sizeof(ubuf)) : "", conn->ident.user[0] ? "\"" : "",
	    conn->tls_done ? conn->tls.version : "no",
	    conn->tls_done ? " cipher=" : "",
	    conn->tls_done ? conn->tls.cipher : "",
	    (long)(time(NULL) - conn->started),
	    (unsigned long long)conn->bytes_in,
	    (unsigned long long)conn->bytes_out);
	conn_worker_close(conn);
	limits_ip_del(conn);
	limits_user_del(conn);
	env->nconns[conn->proto]--;
	nconns_total--;
	if (conn->cert != NULL) {
		conn->cert->refs--;
		if (conn->cert->stale && conn->cert->refs == 0)
			cert_release(conn->cert);
	}
	RB_REMOVE(conn_tree, &env->conns, conn);
	free(conn);
	setproctitle("master: %d connections", nconns_total);
}

void
conn_shutdown_all(int sig)
{
	struct conn	*conn;

	RB_FOREACH(conn, conn_tree, &env->conns) {
		if (conn->worker_pid > 0)
			kill(conn->worker_pid, sig);
		if (conn->prev_worker_pid > 0)
			kill(conn->prev_worker_pid, sig);
		if (conn->session_pid > 0)
			kill(conn->session_pid, sig);
	}
}

/*
 * End the sessions of a user, or the connection with a given id.  A
 * session ends politely on SIGTERM; a worker still before login is
 * simply stopped.
 */
int
conn_kick(const char *what)
{
	struct conn	*conn;
	const char	*errstr;
	uint32_t	 id;
	int		 n = 0;

	id = strtonum(what, 1, UINT32_MAX, &errstr);
	RB_FOREACH(conn, conn_tree, &env->conns) {
		if (errstr == NULL ? conn->id != id :
		    strcmp(conn->ident.user, what) != 0)
			continue;
		if (conn->session_pid > 0)
			kill(conn->session_pid, SIGTERM);
		else if (conn->worker_pid > 0)
			kill(conn->worker_pid, SIGTERM);
		else
			continue;
		log_info("kick: id=%u proto=%s addr=%s", conn->id,
		    conf_proto_name(conn->proto), conn->addr);
		n++;
	}
	return n;
}
