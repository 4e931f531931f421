/*
 * What the two pre-login programs, postern-worker and
 * postern-tlsworker, share besides the protocol code: reading the
 * master's settings, the chroot, privilege drop and sandbox, the
 * handoff of a logged-in connection and the way out.  Each program
 * links this file beside its main; it is kept out of the worker
 * archive so that the protocols' unit tests can stand in for the
 * handoff and exit (the login rules are in login.c).  Nothing here
 * links TLS: tls.c installs the two hooks of struct worker that end
 * TLS and relay.
 */
#include <sys/types.h>
#include <sys/socket.h>

#include <fcntl.h>
#include <grp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <unistd.h>

#include "log.h"
#include "worker.h"

struct worker	*worker;

static void	 worker_read_init(struct worker *, int);
static void	 worker_privdrop(struct worker *);

/*
 * The start of either program, as root with the client on fd 3 and
 * the master channel on fd 4: options, logging, and the master's
 * settings for this connection (with its certificates when tls).
 */
struct worker *
worker_start(int argc, char *argv[], int tls)
{
	struct worker	*w;
	int		 ch, debug = 0, verbose = 0;

	while ((ch = getopt(argc, argv, "dv")) != -1) {
		switch (ch) {
		case 'd':
			debug = 1;
			break;
		case 'v':
			verbose++;
			break;
		default:
			exit(1);
		}
	}
	log_init(debug, LOG_MAIL);
	log_setverbose(verbose + debug);
	log_procinit("worker");
	signal(SIGPIPE, SIG_IGN);

	if (fcntl(WORKER_CLIENT_FD, F_GETFD) == -1 ||
	    fcntl(WORKER_MASTER_FD, F_GETFD) == -1)
		fatalx("must be started by posternd");
	if ((w = calloc(1, sizeof(*w))) == NULL)
		fatal("calloc");
	worker = w;
	msg_init(&w->chan, WORKER_MASTER_FD);
	worker_read_init(w, tls);
	w->auth_failures = w->init.auth_failures;
	setproctitle("%s pre-login [%s]", w->init.proto == PROTO_POP3 ?
	    "pop3" : w->init.proto == PROTO_IMAP ? "imap" : "submission",
	    w->init.client_addr);
	return w;
}

/*
 * The master's settings for this connection, then (only for
 * postern-tlsworker) its certificates, kept as they came (chains only,
 * nothing secret) for tls_setup().
 */
static void
worker_read_init(struct worker *w, int tls)
{
	struct msg	m;
	int		got_init = 0, r;

	for (;;) {
		if ((r = msg_wait(&w->chan, &m, 30 * 1000)) != 1)
			fatalx("no settings from the master");
		switch (m.type) {
		case MSG_WORKER_INIT:
			if (got_init || msg_payload(&m, &w->init,
			    sizeof(w->init)) == -1)
				fatalx("bad settings message");
			if (!msg_strfield_ok(w->init.chroot,
			    sizeof(w->init.chroot)) ||
			    !msg_strfield_ok(w->init.client_addr,
			    sizeof(w->init.client_addr)) ||
			    !msg_strfield_ok(w->init.local_addr,
			    sizeof(w->init.local_addr)) ||
			    !msg_strfield_ok(w->init.hostname,
			    sizeof(w->init.hostname)) ||
			    !msg_strfield_ok(w->init.banner,
			    sizeof(w->init.banner)) ||
			    !msg_strfield_ok(w->init.ciphers,
			    sizeof(w->init.ciphers)) ||
			    !msg_strfield_ok(w->init.ciphersuites,
			    sizeof(w->init.ciphersuites)) ||
			    !msg_strfield_ok(w->init.starttls_tag,
			    sizeof(w->init.starttls_tag)))
				fatalx("bad settings message");
			got_init = 1;
			break;
		case MSG_CERT:
			if (!tls || w->certmsg != NULL || m.len == 0)
				fatalx("bad certificate message");
			if ((w->certmsg = malloc(m.len)) == NULL)
				fatal("malloc");
			memcpy(w->certmsg, m.data, m.len);
			w->certmsglen = m.len;
			break;
		case MSG_INIT_DONE:
			if (!got_init)
				fatalx("settings missing");
			return;
		default:
			fatalx("unexpected message %u", m.type);
		}
	}
}

/*
 * chroot to the empty directory and become the unprivileged user,
 * then check that there is no way back.
 */
static void
worker_privdrop(struct worker *w)
{
	uid_t	ruid, euid, suid;
	gid_t	rgid, egid, sgid, gid = w->init.gid;

	if (w->init.uid == 0)
		fatalx("refusing to run as root");
	if (chroot(w->init.chroot) == -1)
		fatal("chroot %s", w->init.chroot);
	if (chdir("/") == -1)
		fatal("chdir /");
	if (setgroups(1, &gid) == -1 ||
	    setresgid(gid, gid, gid) == -1 ||
	    setresuid(w->init.uid, w->init.uid, w->init.uid) == -1)
		fatal("cannot drop privileges");
	if (getresuid(&ruid, &euid, &suid) == -1 ||
	    getresgid(&rgid, &egid, &sgid) == -1 ||
	    ruid != w->init.uid || euid != ruid || suid != ruid ||
	    rgid != gid || egid != gid || sgid != gid)
		fatalx("privilege drop did not hold");
	if (setuid(0) != -1 || setgid(0) != -1)
		fatalx("could regain privileges");
}

/*
 * Everything that needs files or privileges is done: chroot, drop to
 * the unprivileged user and enter the sandbox, all before a byte of
 * the client is read.
 */
void
worker_confine(struct worker *w)
{
	worker_privdrop(w);
	if (sandbox_enter() == -1)
		fatalx("sandbox");
	if (fcntl(WORKER_CLIENT_FD, F_SETFL, O_NONBLOCK) == -1)
		fatal("fcntl");
	io_init(&w->io, WORKER_CLIENT_FD, w->init.idle_timeout);
}

void
worker_login(struct worker *w)
{
	switch (w->init.proto) {
	case PROTO_POP3:
		pop3_login(w);
	case PROTO_IMAP:
		imap_login(w);
	default:
		fatalx("protocol %u is not served by this worker",
		    w->init.proto);
	}
}

/*
 * Give the logged-in connection to the master, which starts the
 * session as the user postern-auth confirmed.  Without TLS the client
 * socket itself goes and this process ends; with TLS the session gets
 * one end of a socketpair and this process relays to it.
 */
void
worker_handoff(struct worker *w, const char *tag)
{
	struct handoff	ho;
	size_t		pending;
	int		sp[2], fd;

	/* The tag may point into the input buffer io_buffered() moves. */
	memset(&ho, 0, sizeof(ho));
	(void)strlcpy(ho.tag, tag != NULL ? tag : "", sizeof(ho.tag));
	if (io_flush(&w->io) != IO_OK)
		worker_exit(w, 1);
	pending = io_buffered(&w->io);
	if (pending > WORKER_MAX_PENDING) {
		log_info("id=%u: too much pipelined input at login",
		    w->init.conn_id);
		worker_exit(w, 1);
	}
	ho.tls = w->tls_active;
	if (!w->tls_active) {
		fd = WORKER_CLIENT_FD;
		sp[0] = -1;
	} else {
		if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sp)
		    == -1)
			fatal("socketpair");
		fd = sp[1];
	}
	if (msg_composev(&w->chan, MSG_HANDOFF, w->init.conn_id, fd, &ho,
	    sizeof(ho), w->io.in.data, pending) == -1 ||
	    msg_flush_all(&w->chan) == -1)
		fatal("handoff");
	if (!w->tls_active)
		exit(0);
	w->tls_relay(w, sp[0]);
}

void
worker_exit(struct worker *w, int status)
{
	(void)io_flush(&w->io);
	if (w->tls_end != NULL)
		w->tls_end(w);
	exit(status);
}
