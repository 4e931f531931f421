/*
 * The harness the worker and session unit tests share (see
 * worker_harness.h): it forks the code under test into a child on one
 * end of a socketpair, set up as its real process sets itself up,
 * gives the test process the client's end and the master's, and reads
 * and checks what the child answers, with a 10 s limit on every wait
 * so that a hung child fails the case instead of stalling Kyua.  It
 * also makes the Maildir fixtures.  Runs inside the test programs
 * under Kyua, never in postern itself.
 */
#include <sys/types.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include <atf-c.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include "log.h"
#include "session.h"
#include "store.h"
#include "worker_harness.h"

#define WAIT_MS		10000	/* for anything the child should send */
#define QUIET_MS	300	/* for what it should not */

#define NOTHING		(-2)	/* read_some(): the wait ran out */

/* What child_session() hands its child. */
struct session_run {
	const struct session_init	*init;
	int				(*run)(struct session *);
	const char			*pending;
};

/* Defined by postern-session's main, which is not in the archive. */
volatile sig_atomic_t	session_terminate;

static void	on_term(int);
static void	session_child(int, int, const void *);
static ssize_t	read_some(struct child *, int, char *, size_t);

static void
on_term(int sig)
{
	session_terminate = 1;
}

/*
 * Fork the child and run run(client fd, master fd or -1, arg) in it;
 * run() must exit.  The child's common setup comes first: the server
 * zone UTC (INTERNALDATE and the date search keys print in it), no
 * SIGPIPE, logging to stderr under procname, a non-blocking client
 * socket as io.c expects.
 */
void
child_start(struct child *c, const char *procname, int with_master,
    void (*run)(int, int, const void *), const void *arg)
{
	int	cl[2], ms[2] = { -1, -1 };

	ATF_REQUIRE(socketpair(AF_UNIX, SOCK_STREAM, 0, cl) == 0);
	if (with_master)
		ATF_REQUIRE(socketpair(AF_UNIX, SOCK_STREAM, 0, ms) == 0);
	fflush(stdout);
	fflush(stderr);
	ATF_REQUIRE((c->pid = fork()) != -1);
	if (c->pid == 0) {
		close(cl[0]);
		if (with_master)
			close(ms[0]);
		setenv("TZ", "UTC", 1);
		tzset();
		signal(SIGPIPE, SIG_IGN);
		log_init(1, LOG_MAIL);
		log_procinit(procname);
		fcntl(cl[1], F_SETFL, fcntl(cl[1], F_GETFL) | O_NONBLOCK);
		run(cl[1], ms[1], arg);
		_exit(2);
	}
	close(cl[1]);
	if (with_master)
		close(ms[1]);
	c->fd = cl[0];
	msg_init(&c->chan, ms[0]);
}

/* The child of child_session(): postern-session's main, in short. */
static void
session_child(int fd, int mfd, const void *arg)
{
	const struct session_run	*r = arg;
	struct session			 s;
	struct sigaction		 sa;
	static sigset_t			 waitmask;
	sigset_t			 block;
	int				 rc;

	memset(&sa, 0, sizeof(sa));
	sigemptyset(&sa.sa_mask);
	sa.sa_handler = on_term;
	sigaction(SIGTERM, &sa, NULL);
	/* As postern-session: SIGTERM only during waits. */
	sigemptyset(&block);
	sigaddset(&block, SIGTERM);
	sigprocmask(SIG_BLOCK, &block, &waitmask);
	sigdelset(&waitmask, SIGTERM);
	memset(&s, 0, sizeof(s));
	s.init = *r->init;
	io_init(&s.io, fd, r->init->idle_timeout);
	s.io.waitmask = &waitmask;
	if (r->pending != NULL)
		buf_add(&s.io.in, r->pending, strlen(r->pending));
	if (strlcpy(s.maildir, r->init->home, sizeof(s.maildir)) >=
	    sizeof(s.maildir) || strlcat(s.maildir, "/md",
	    sizeof(s.maildir)) >= sizeof(s.maildir))
		_exit(2);
	rc = r->run(&s);
	io_flush(&s.io);
	_exit(rc);
}

/*
 * A post-login session of setup's protocol over md/ in init->home;
 * pending is input the worker had read past the login command, or
 * NULL.
 */
void
child_session(struct child *c, const struct session_init *init,
    const struct session_setup *setup, const char *pending)
{
	struct session_run	r;

	r.init = init;
	r.run = setup->run;
	r.pending = pending;
	child_start(c, "session", 0, session_child, &r);
}

/* A session for alice in the test's directory, as the master sends it. */
void
session_defaults(struct session_init *init,
    const struct session_setup *setup)
{
	memset(init, 0, sizeof(*init));
	init->proto = setup->proto;
	strlcpy(init->user, "alice", sizeof(init->user));
	init->uid = getuid();
	init->gid = getgid();
	ATF_REQUIRE(getcwd(init->home, sizeof(init->home)) != NULL);
	strlcpy(init->client_addr, "192.0.2.1", sizeof(init->client_addr));
	init->idle_timeout = 30;
	switch (setup->proto) {
	case PROTO_IMAP:
		init->conn_id = 9;
		strlcpy(init->tag, "a0", sizeof(init->tag));
		break;
	case PROTO_POP3:
		init->conn_id = 7;
		init->pop3_expire = -1;
		init->pop3_login_delay = -1;
		break;
	default:
		ATF_REQUIRE_MSG(0, "no session defaults for protocol %u",
		    setup->proto);
	}
}

/* The protocol's usual messages in a new md/; the UIDVALIDITY. */
uint32_t
session_fixture(const struct session_setup *setup)
{
	return maildir_fixture(setup->inbox, setup->ninbox);
}

/* A session that must greet as a login's answer does. */
void
session_login(struct child *c, const struct session_init *init,
    const struct session_setup *setup)
{
	child_session(c, init, setup, NULL);
	expect(c, setup->greeting);
}

/* Most cases' start: the usual fixture, the defaults, a login. */
uint32_t
session_begin(struct child *c, const struct session_setup *setup)
{
	struct session_init	init;
	uint32_t		uv;

	uv = session_fixture(setup);
	session_defaults(&init, setup);
	session_login(c, &init, setup);
	return uv;
}

/* Close the client's end, reap the child; its exit status. */
int
finish(struct child *c)
{
	int	status;

	close(c->fd);
	msg_clear(&c->chan);
	ATF_REQUIRE(waitpid(c->pid, &status, 0) == c->pid);
	ATF_REQUIRE(WIFEXITED(status));
	return WEXITSTATUS(status);
}

void
say(struct child *c, const char *s)
{
	say_n(c, s, strlen(s));
}

void
say_n(struct child *c, const char *s, size_t len)
{
	ATF_REQUIRE(write(c->fd, s, len) == (ssize_t)len);
}

void
expect(struct child *c, const char *exp)
{
	expect_n(c, exp, strlen(exp));
}

/* Read exactly len bytes and compare them with exp. */
void
expect_n(struct child *c, const char *exp, size_t len)
{
	struct pollfd	 pfd;
	char		*got;
	size_t		 have = 0;
	ssize_t		 n;

	ATF_REQUIRE((got = calloc(1, len + 1)) != NULL);
	while (have < len) {
		pfd.fd = c->fd;
		pfd.events = POLLIN;
		ATF_REQUIRE_MSG(poll(&pfd, 1, WAIT_MS) == 1,
		    "timeout; have \"%s\", want \"%s\"", got, exp);
		n = read(c->fd, got + have, len - have);
		ATF_REQUIRE(n >= 0);
		ATF_REQUIRE_MSG(n > 0, "EOF; have \"%s\", want \"%s\"", got,
		    exp);
		have += n;
	}
	ATF_CHECK_MSG(memcmp(got, exp, len) == 0, "have \"%s\", want \"%s\"",
	    got, exp);
	free(got);
}

/*
 * One read of what the child sent within ms, as a string in buf:
 * read()'s result, or NOTHING when the socket stayed silent.
 */
static ssize_t
read_some(struct child *c, int ms, char *buf, size_t len)
{
	struct pollfd	pfd;
	ssize_t		n;

	buf[0] = '\0';
	pfd.fd = c->fd;
	pfd.events = POLLIN;
	if (poll(&pfd, 1, ms) != 1)
		return NOTHING;
	n = read(c->fd, buf, len - 1);
	buf[n > 0 ? n : 0] = '\0';
	return n;
}

/* Nothing more may come for a moment. */
void
expect_quiet(struct child *c)
{
	char	buf[512];

	if (read_some(c, QUIET_MS, buf, sizeof(buf)) != NOTHING)
		ATF_CHECK_MSG(0, "unexpected output \"%s\"", buf);
}

void
expect_eof(struct child *c)
{
	char	buf[256];
	ssize_t	n;

	n = read_some(c, WAIT_MS, buf, sizeof(buf));
	ATF_REQUIRE_MSG(n != NOTHING, "timeout waiting for EOF");
	ATF_CHECK_MSG(n == 0, "more output: \"%s\"", buf);
}

/* The child closed the connection and exited with status. */
void
expect_exit(struct child *c, int status)
{
	expect_eof(c);
	ATF_CHECK_EQ(finish(c), status);
}

void
put(const char *name, const char *data)
{
	char	p[PATH_MAX];
	int	fd;

	snprintf(p, sizeof(p), "md/%s", name);
	fd = open(p, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	ATF_REQUIRE_MSG(fd != -1, "%s: %s", p, strerror(errno));
	ATF_REQUIRE(write(fd, data, strlen(data)) == (ssize_t)strlen(data));
	close(fd);
}

/* Deliver as an MTA does: write in tmp/, rename into new/. */
void
deliver(const char *base, const char *data)
{
	char	t[PATH_MAX], n[PATH_MAX];

	snprintf(t, sizeof(t), "tmp/%s", base);
	put(t, data);
	snprintf(t, sizeof(t), "md/tmp/%s", base);
	snprintf(n, sizeof(n), "md/new/%s", base);
	ATF_REQUIRE(rename(t, n) == 0);
}

int
exists(const char *name)
{
	struct stat	sb;
	char		p[PATH_MAX];

	snprintf(p, sizeof(p), "md/%s", name);
	return stat(p, &sb) == 0;
}

/* A new md/ holding these files, its INBOX opened once; the UIDVALIDITY. */
uint32_t
maildir_fixture(const struct fixture_msg *msgs, size_t n)
{
	struct store	*st;
	struct folder	*f;
	uint32_t	 uv;
	size_t		 i;

	ATF_REQUIRE(store_create("md") == 0);
	for (i = 0; i < n; i++)
		put(msgs[i].name, msgs[i].data);
	st = store_open("md");
	ATF_REQUIRE(st != NULL);
	f = folder_open(st, "INBOX", 0);
	ATF_REQUIRE(f != NULL);
	uv = f->uidvalidity;
	folder_close(f);
	store_close(st);
	return uv;
}
