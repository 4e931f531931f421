/*
 * postern-auth: the only postern process that sees passwords.  posternd
 * starts it as root with a socketpair on fd 3 and sends it the auth
 * configuration, then login requests (SASL exchanges relayed from the
 * workers); it answers each with challenges and one final OK (the
 * user's identity) or FAIL.  It opens no network socket.  This file
 * holds main, the master channel and the validation of the master's
 * messages; request.c does the rest.
 */
#include <sys/types.h>
#include <sys/stat.h>
#include <sys/socket.h>

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <unistd.h>

#include <event2/event.h>

#include "auth.h"
#include "log.h"
#include "msg.h"

static struct event_base	*auth_base;
static struct msgchan		 master;
static struct event		*ev_master_read;
static struct event		*ev_master_write;

static __attribute__((__noreturn__)) void usage(void);
static void	master_read(int, short, void *);
static void	master_write(int, short, void *);
static void	master_flush(void);
static int	master_send(uint32_t, uint32_t, const void *, size_t,
		    const void *, size_t);
static void	master_dispatch(struct msg *);
static void	master_config(struct msg *);
static void	master_start(struct msg *);

static void
usage(void)
{
	fprintf(stderr, "usage: postern-auth [-dv]\n");
	exit(1);
}

int
main(int argc, char *argv[])
{
	struct event_config	*cfg;
	struct stat		 st;
	int			 ch, debug = 0, verbose = 0;

	while ((ch = getopt(argc, argv, "dv")) != -1) {
		switch (ch) {
		case 'd':
			debug = 1;
			break;
		case 'v':
			verbose = 1;
			break;
		default:
			usage();
		}
	}
	if (argc != optind)
		usage();

	log_init(debug, LOG_MAIL);
	log_procinit("auth");
	if (verbose)
		log_setverbose(2);

	if (fstat(AUTH_MASTER_FD, &st) == -1 || !S_ISSOCK(st.st_mode))
		fatalx("fd %d is not the master's socket", AUTH_MASTER_FD);
	closefrom(AUTH_MASTER_FD + 1);
	if (chdir("/") == -1)
		fatal("chdir /");
	umask(077);
	/* The master's reload is a message; a stray HUP must not kill us. */
	if (signal(SIGPIPE, SIG_IGN) == SIG_ERR ||
	    signal(SIGHUP, SIG_IGN) == SIG_ERR)
		fatal("signal");
	setproctitle("auth");

	/* The coarse clock would end a failure's delay a few ms early. */
	if ((cfg = event_config_new()) == NULL ||
	    event_config_set_flag(cfg, EVENT_BASE_FLAG_PRECISE_TIMER) == -1 ||
	    (auth_base = event_base_new_with_config(cfg)) == NULL)
		fatalx("event_base_new");
	event_config_free(cfg);
	if (fcntl(AUTH_MASTER_FD, F_SETFL, O_NONBLOCK) == -1)
		fatal("fcntl");
	msg_init(&master, AUTH_MASTER_FD);
	if ((ev_master_read = event_new(auth_base, AUTH_MASTER_FD,
	    EV_READ | EV_PERSIST, master_read, NULL)) == NULL ||
	    (ev_master_write = event_new(auth_base, AUTH_MASTER_FD,
	    EV_WRITE, master_write, NULL)) == NULL ||
	    event_add(ev_master_read, NULL) == -1)
		fatalx("event_new");
	verify_init(auth_base, AUTH_MASTER_FD);
	request_init(auth_base, master_send);

	log_debug("started");
	if (event_base_dispatch(auth_base) == -1)
		fatalx("event_base_dispatch");
	return 0;
}

static void
master_read(int fd, short ev, void *arg)
{
	struct msg	m;
	int		n;

	if ((n = msg_fill(&master)) == -1) {
		if (errno == EAGAIN || errno == EWOULDBLOCK)
			return;
		fatal("master channel");
	}
	if (n == 0) {
		log_debug("master closed the channel, exiting");
		request_shutdown();
		msg_clear(&master);
		exit(0);
	}
	while ((n = msg_get(&master, &m)) == 1)
		master_dispatch(&m);
	if (n == -1)
		fatal("master channel: bad frame");
}

static void
master_write(int fd, short ev, void *arg)
{
	master_flush();
}

static void
master_flush(void)
{
	if (msg_flush(&master) == -1)
		fatal("master channel");
	if (master.queued > 0 && event_add(ev_master_write, NULL) == -1)
		fatalx("event_add");
}

static int
master_send(uint32_t type, uint32_t id, const void *d1, size_t l1,
    const void *d2, size_t l2)
{
	if (msg_composev(&master, type, id, -1, d1, l1, d2, l2) == -1)
		return -1;
	master_flush();
	return 0;
}

/* The master is our parent: a malformed message from it is fatal. */
static void
master_dispatch(struct msg *m)
{
	if (m->fd != -1) {
		close(m->fd);
		fatalx("master passed a descriptor with type %u", m->type);
	}
	if (m->type != MSG_AUTH_CONFIG && !request_configured())
		fatalx("message type %u before the configuration", m->type);
	switch (m->type) {
	case MSG_AUTH_CONFIG:
		master_config(m);
		break;
	case MSG_AREQ_START:
		master_start(m);
		/* It may carry a password: wipe the channel's copy. */
		explicit_bzero(m->data, m->len);
		break;
	case MSG_AREQ_CONT:
		request_cont(m->id, m->data, m->len);
		explicit_bzero(m->data, m->len);
		break;
	case MSG_AREQ_ABORT:
		if (m->len != 0)
			fatalx("MSG_AREQ_ABORT with %zu bytes", m->len);
		request_abort(m->id);
		break;
	default:
		fatalx("unexpected message type %u from the master", m->type);
	}
}

static void
master_config(struct msg *m)
{
	struct auth_config	 c;
	uint32_t		 i;

	if (msg_payload(m, &c, sizeof(c)) == -1)
		fatalx("MSG_AUTH_CONFIG: %zu bytes", m->len);
	if (!msg_strfield_ok(c.mail_location, sizeof(c.mail_location)) ||
	    !msg_strfield_ok(c.access_file, sizeof(c.access_file)) ||
	    !msg_strfield_ok(c.gssapi_keytab, sizeof(c.gssapi_keytab)))
		fatalx("MSG_AUTH_CONFIG: unterminated string");
	for (i = 0; i < PROTO_MAX; i++)
		if (!msg_strfield_ok(c.gssapi_service[i],
		    sizeof(c.gssapi_service[i])))
			fatalx("MSG_AUTH_CONFIG: unterminated service name");
	if (c.nbackends > AUTH_MAXBACKENDS)
		fatalx("MSG_AUTH_CONFIG: %u backends", c.nbackends);
	if (c.cache_ttl > AUTH_CACHE_MAXTTL ||
	    c.cache_size > AUTH_CACHE_MAXSIZE)
		fatalx("MSG_AUTH_CONFIG: login cache of %u entries for %u "
		    "seconds", c.cache_size, c.cache_ttl);
	for (i = 0; i < c.nbackends; i++) {
		if (c.backends[i].type != AUTH_BACKEND_PAM &&
		    c.backends[i].type != AUTH_BACKEND_PASSWD)
			fatalx("MSG_AUTH_CONFIG: backend type %u",
			    c.backends[i].type);
		if (!msg_strfield_ok(c.backends[i].arg,
		    sizeof(c.backends[i].arg)) || c.backends[i].arg[0] == '\0')
			fatalx("MSG_AUTH_CONFIG: bad backend argument");
		log_debug("backend %u: %s %s", i + 1,
		    c.backends[i].type == AUTH_BACKEND_PAM ? "pam service" :
		    "passwd-file", c.backends[i].arg);
	}
	request_config(&c);
	log_debug("configured: %u backends, first valid uid %u, "
	    "failure delay %u ms up to %u ms, access file %s, GSSAPI %s, "
	    "login cache %u entries for %u s",
	    c.nbackends, c.first_valid_uid, c.failure_delay_ms,
	    c.failure_delay_max_ms, c.access_file,
	    c.gssapi_keytab[0] != '\0' ? c.gssapi_keytab : "off",
	    c.cache_size, c.cache_ttl);
}

static void
master_start(struct msg *m)
{
	struct areq_start	 st;
	size_t			 tail;

	if (m->len < sizeof(st))
		fatalx("MSG_AREQ_START: %zu bytes", m->len);
	memcpy(&st, m->data, sizeof(st));
	tail = m->len - sizeof(st);
	if (st.has_ir > 1 || st.secured > 1 || st.via_command > 1 ||
	    (!st.has_ir && tail != 0))
		fatalx("MSG_AREQ_START: bad flags");
	if (st.proto == 0 || st.proto >= PROTO_MAX ||
	    st.login_type > LOGIN_PLAINTEXT_LOGIN)
		fatalx("MSG_AREQ_START: proto %u login type %u", st.proto,
		    st.login_type);
	if (!msg_strfield_ok(st.mech, sizeof(st.mech)) ||
	    !msg_strfield_ok(st.client_addr, sizeof(st.client_addr)))
		fatalx("MSG_AREQ_START: unterminated string");
	request_start(m->id, &st, (unsigned char *)m->data + sizeof(st), tail);
}
