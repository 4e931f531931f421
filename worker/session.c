/*
 * postern-session: the post-login process.  The master starts it as
 * the mail user (uid, gid and groups already set), in the user's home,
 * with the client connection on fd 3 (a plain socket, or the worker's
 * TLS relay) and its master channel on fd 4.  It reads one
 * MSG_SESSION_INIT, makes the user's Maildir when there is none, and
 * runs the protocol's session over it until the client leaves.
 */
#include <sys/types.h>
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include "log.h"
#include "msg.h"
#include "proto.h"
#include "session.h"
#include "store.h"

#define INIT_WAIT_MS	30000
#define DEFAULT_MAIL	"~/Maildir"

volatile sig_atomic_t	session_terminate;

/*
 * Byte counts for the master, so that `posternctl show sessions' is
 * current: when the session waits for its client (nothing more will
 * change until the client speaks), after flushes at most every
 * REPORT_EVERY seconds while a long answer streams out, and once more
 * at exit.  The master never waits for them, nor the session for it.
 */
#define REPORT_EVERY	2

static struct msgchan	 report_chan;
static struct io	*report_io;
static struct session_stats report_sent;	/* what the master has */
static time_t		 report_last;
static ssize_t		(*report_plain_rd)(struct io *, void *, size_t);

static void	session_report(struct io *, int);
static void	session_flushed(struct io *);
static ssize_t	session_read(struct io *, void *, size_t);
static int	session_waiting(struct io *);
static void	session_report_exit(void);
static void	sighandler(int);
static void	usage(void) __attribute__((__noreturn__));
static void	read_init(struct session *);
static int	init_strings_ok(const struct session_init *);
static int	expand_mail(const struct session_init *, char *, size_t);
static void	session_fail(struct session *, const char *);
static const char *proto_name(uint32_t);

/* Send the counts when they changed; `now' skips the throttle. */
static void
session_report(struct io *io, int now)
{
	struct session_stats	st;
	time_t			t;

	if (io == NULL)
		return;
	if (io->bytes_in == report_sent.bytes_in &&
	    io->bytes_out == report_sent.bytes_out)
		return;
	t = time(NULL);
	if (!now && t - report_last < REPORT_EVERY)
		return;
	/* An earlier report still on its way goes first, or this waits. */
	if (report_chan.queued > 0 && (msg_flush(&report_chan) == -1 ||
	    report_chan.queued > 0))
		return;
	memset(&st, 0, sizeof(st));
	st.bytes_in = io->bytes_in;
	st.bytes_out = io->bytes_out;
	if (msg_compose(&report_chan, MSG_SESSION_STATS, 0, -1, &st,
	    sizeof(st)) == -1)
		return;
	report_sent = st;
	report_last = t;
	(void)msg_flush(&report_chan);
}

static void
session_flushed(struct io *io)
{
	session_report(io, 0);
}

/* The plain socket's read; when it finds nothing, the client thinks. */
static ssize_t
session_read(struct io *io, void *p, size_t n)
{
	ssize_t	r;

	r = report_plain_rd(io, p, n);
	if (r == IO_WANTREAD)
		session_report(io, 1);
	return r;
}

/*
 * io_wait_extra()'s question before it waits (IMAP IDLE): a plain
 * socket never holds input back, but the wait is the moment to report.
 */
static int
session_waiting(struct io *io)
{
	session_report(io, 1);
	return 0;
}

/* After fatal() too; main clears report_io before its frame goes. */
static void
session_report_exit(void)
{
	session_report(report_io, 1);
	if (report_chan.queued > 0)
		(void)msg_flush(&report_chan);
}

static void
sighandler(int sig)
{
	session_terminate = 1;
}

static void
usage(void)
{
	fprintf(stderr, "usage: postern-session [-d]\n");
	exit(1);
}

static int
init_strings_ok(const struct session_init *init)
{
#define FIELD_OK(f)	msg_strfield_ok((f), sizeof(f))
	return FIELD_OK(init->user) && FIELD_OK(init->home) &&
	    FIELD_OK(init->mail) && FIELD_OK(init->client_addr) &&
	    FIELD_OK(init->local_addr) && FIELD_OK(init->hostname) &&
	    FIELD_OK(init->tls_version) && FIELD_OK(init->tls_cipher) &&
	    FIELD_OK(init->tag);
#undef FIELD_OK
}

/*
 * The one message from the master: the session's whole configuration,
 * then the client input the worker had read past the login command,
 * which goes into the input buffer ahead of anything on the socket.
 */
static void
read_init(struct session *s)
{
	struct msgchan	 mc;
	struct msg	 m;
	size_t		 tail;
	int		 r;

	msg_init(&mc, SESSION_MASTER_FD);
	if ((r = msg_wait(&mc, &m, INIT_WAIT_MS)) == 0)
		fatalx("%s: the master closed the channel", __func__);
	if (r == -1)
		fatal("%s: no session init from the master", __func__);
	if (m.fd != -1) {
		close(m.fd);
		fatalx("%s: unexpected descriptor", __func__);
	}
	if (m.type != MSG_SESSION_INIT || m.len < sizeof(s->init))
		fatalx("%s: bad message type %u, size %zu", __func__, m.type,
		    m.len);
	memcpy(&s->init, m.data, sizeof(s->init));
	if (!init_strings_ok(&s->init))
		fatalx("%s: unterminated string in session init", __func__);
	if (s->init.user[0] == '\0' || s->init.home[0] != '/')
		fatalx("%s: bad user or home in session init", __func__);
	io_init(&s->io, SESSION_CLIENT_FD, s->init.idle_timeout);
	tail = m.len - sizeof(s->init);
	if (tail > 0 && buf_add(&s->io.in, (char *)m.data + sizeof(s->init),
	    tail) == -1)
		fatal("%s: pending input", __func__);
	/* The client sent it after its login: the session's input. */
	s->io.bytes_in = tail;
	s->master_fd = SESSION_MASTER_FD;
	msg_clear(&mc);
}

/*
 * The mail location: an optional "maildir:" prefix, `~' at the start
 * for the home directory, %u for the user name, %h for the home, %%
 * for a '%'.  A relative result is taken from the home directory.
 */
static int
expand_mail(const struct session_init *init, char *dst, size_t len)
{
	char		 buf[P_PATHLEN];
	const char	*p, *add;
	size_t		 n = 0, alen;
	int		 r;

	p = init->mail[0] != '\0' ? init->mail : DEFAULT_MAIL;
	if (strncmp(p, "maildir:", 8) == 0)
		p += 8;
	if (*p == '\0')
		p = DEFAULT_MAIL;
	/* A user name must not lead the path out of its place. */
	if (strchr(init->user, '/') != NULL || strcmp(init->user, ".") == 0 ||
	    strcmp(init->user, "..") == 0)
		return -1;
	if (p[0] == '~' && (p[1] == '/' || p[1] == '\0')) {
		if (strlcpy(buf, init->home, sizeof(buf)) >= sizeof(buf))
			return -1;
		n = strlen(buf);
		p++;
	}
	for (; *p != '\0'; p++) {
		add = p;
		alen = 1;
		if (*p == '%') {
			switch (p[1]) {
			case 'u':
				add = init->user;
				break;
			case 'h':
				add = init->home;
				break;
			case '%':
				add = "%";
				break;
			default:
				return -1;
			}
			alen = strlen(add);
			p++;
		}
		if (alen >= sizeof(buf) - n)
			return -1;
		memcpy(buf + n, add, alen);
		n += alen;
	}
	buf[n] = '\0';
	if (buf[0] == '/')
		r = snprintf(dst, len, "%s", buf);
	else
		r = snprintf(dst, len, "%s/%s", init->home, buf);
	if (r < 0 || (size_t)r >= len)
		return -1;
	return 0;
}

static const char *
proto_name(uint32_t proto)
{
	switch (proto) {
	case PROTO_POP3:
		return "pop3";
	case PROTO_IMAP:
		return "imap";
	case PROTO_SUBMISSION:
		return "submission";
	default:
		return "session";
	}
}

/* Tell the client (still waiting for its login answer) and give up. */
static void
session_fail(struct session *s, const char *why)
{
	if (s->init.proto == PROTO_POP3) {
		(void)io_puts(&s->io, "-ERR [SYS/TEMP] Unable to open the "
		    "mailbox\r\n");
		(void)io_flush(&s->io);
	} else if (s->init.proto == PROTO_IMAP) {
		(void)io_puts(&s->io, "* BYE [UNAVAILABLE] Unable to open the "
		    "mailbox, try again later.\r\n");
		(void)io_flush(&s->io);
	}
	fatalx("%s", why);
}

int
main(int argc, char *argv[])
{
	struct session		 s;
	struct sigaction	 sa;
	static sigset_t		 waitmask;
	sigset_t		 block;
	char			 user[P_NAMELEN * 4];
	int			 ch, debug = 0, rv, fl;

	while ((ch = getopt(argc, argv, "d")) != -1) {
		switch (ch) {
		case 'd':
			debug++;
			break;
		default:
			usage();
		}
	}
	if (argc != optind)
		usage();

	log_init(debug, LOG_MAIL);
	log_procinit("session");
	if (fcntl(SESSION_CLIENT_FD, F_GETFD) == -1 ||
	    fcntl(SESSION_MASTER_FD, F_GETFD) == -1)
		fatal("descriptors 3 and 4 must be open");
	if (getuid() == 0 || geteuid() == 0)
		fatalx("must not run as root");
	/* io.c waits in poll(), where timeouts and signals end the wait. */
	if ((fl = fcntl(SESSION_CLIENT_FD, F_GETFL)) == -1 ||
	    fcntl(SESSION_CLIENT_FD, F_SETFL, fl | O_NONBLOCK) == -1)
		fatal("client descriptor");

	memset(&s, 0, sizeof(s));
	read_init(&s);
	if (getuid() != s.init.uid || getgid() != s.init.gid)
		fatalx("running as %u:%u, the session is for %u:%u",
		    (unsigned)getuid(), (unsigned)getgid(), s.init.uid,
		    s.init.gid);
	setproctitle("%s %s [%s]", proto_name(s.init.proto),
	    log_safe(s.init.user, user, sizeof(user)), s.init.client_addr);

	memset(&sa, 0, sizeof(sa));
	sigemptyset(&sa.sa_mask);
	sa.sa_handler = sighandler;
	sa.sa_flags = 0;		/* no SA_RESTART: end the waits */
	if (sigaction(SIGTERM, &sa, NULL) == -1)
		fatal("sigaction");
	sa.sa_handler = SIG_IGN;
	if (sigaction(SIGPIPE, &sa, NULL) == -1)
		fatal("sigaction");
	/* SIGTERM is let in only while waiting for the client. */
	sigemptyset(&block);
	sigaddset(&block, SIGTERM);
	if (sigprocmask(SIG_BLOCK, &block, &waitmask) == -1)
		fatal("sigprocmask");
	sigdelset(&waitmask, SIGTERM);
	s.io.waitmask = &waitmask;
	s.io.flushed = session_flushed;
	report_plain_rd = s.io.rd;
	s.io.rd = session_read;
	s.io.has_pending = session_waiting;
	report_io = &s.io;
	msg_init(&report_chan, SESSION_MASTER_FD);
	(void)fcntl(SESSION_MASTER_FD, F_SETFL, O_NONBLOCK);
	atexit(session_report_exit);

	if (expand_mail(&s.init, s.maildir, sizeof(s.maildir)) == -1)
		session_fail(&s, "cannot expand the mail location");
	if (store_create(s.maildir) == -1)
		session_fail(&s, "cannot make the Maildir");

	switch (s.init.proto) {
	case PROTO_POP3:
		rv = pop3_session(&s);
		break;
	case PROTO_IMAP:
		rv = imap_session(&s);
		break;
	default:
		log_warnx("protocol %u has no session here", s.init.proto);
		rv = 1;
		break;
	}
	(void)io_flush(&s.io);
	/* The final counts while s lives: atexit(3) runs after main. */
	session_report_exit();
	report_io = NULL;
	io_free(&s.io);
	close(SESSION_CLIENT_FD);
	return rv;
}
