/*
 * The harness the worker and session unit tests share: the code under
 * test runs in a forked child with the client's end of a socketpair
 * (and, for a pre-login worker, the master's end of a second one), and
 * the test process is its client, writing commands and checking the
 * answers byte for byte.  Also the Maildir fixtures the session tests
 * make in the test's directory.  Linked into every t_worker_* program
 * (see the Makefile); not a test program itself.
 */
#ifndef POSTERN_WORKER_HARNESS_H
#define POSTERN_WORKER_HARNESS_H

#include <sys/types.h>

#include <stddef.h>
#include <stdint.h>

#include "msg.h"
#include "proto.h"
#include "session.h"

struct child {
	pid_t		 pid;
	int		 fd;		/* the client's end */
	struct msgchan	 chan;		/* the master's end; fd -1 if none */
};

/* One file of a Maildir fixture: its path under md/ and its bytes. */
struct fixture_msg {
	const char	*name;
	const char	*data;
};

/* How one protocol's tests start a session. */
struct session_setup {
	uint32_t			 proto;		/* PROTO_IMAP, ... */
	int				(*run)(struct session *);
	const char			*greeting;	/* the login's answer */
	const struct fixture_msg	*inbox;		/* the usual fixture */
	size_t				 ninbox;
};

/* Starting the code under test, and ending it. */
void	child_start(struct child *, const char *, int,
	    void (*)(int, int, const void *), const void *);
void	child_session(struct child *, const struct session_init *,
	    const struct session_setup *, const char *);
void	session_defaults(struct session_init *, const struct session_setup *);
uint32_t session_fixture(const struct session_setup *);
void	session_login(struct child *, const struct session_init *,
	    const struct session_setup *);
uint32_t session_begin(struct child *, const struct session_setup *);
int	finish(struct child *);

/* The client's side. */
void	say(struct child *, const char *);
void	say_n(struct child *, const char *, size_t);
void	expect(struct child *, const char *);
void	expect_n(struct child *, const char *, size_t);
void	expect_quiet(struct child *);
void	expect_eof(struct child *);
void	expect_exit(struct child *, int);

/* Literals with NULs in them: their length is their size. */
#define SAY_N(c, s)	say_n((c), (s), sizeof(s) - 1)
#define EXPECT_N(c, s)	expect_n((c), (s), sizeof(s) - 1)

/* The Maildir md/ in the test's directory. */
void	put(const char *, const char *);
void	deliver(const char *, const char *);
int	exists(const char *);
uint32_t maildir_fixture(const struct fixture_msg *, size_t);

#endif
