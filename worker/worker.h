/*
 * The pre-login workers: one per connection, exec'd by the master,
 * chrooted and running as the unprivileged user.  postern-worker
 * serves the plain ports and has no TLS code at all: it greets,
 * answers the commands allowed before login, relays SASL exchanges to
 * postern-auth through the master, and on success hands the client
 * socket to the master for the session; at STARTTLS/STLS it hands the
 * connection to the master instead, which goes on with it in a fresh
 * postern-tlsworker.  postern-tlsworker serves the implicit-TLS ports
 * and those continuations: the handshake, the same protocol code over
 * TLS, and after login the relay between the client's TLS and the
 * session.
 */
#ifndef POSTERN_WORKER_H
#define POSTERN_WORKER_H

#include "buf.h"
#include "io.h"
#include "msg.h"
#include "proto.h"

#define WORKER_CLIENT_FD	3
#define WORKER_MASTER_FD	4
#define WORKER_MAX_PENDING	16384	/* pipelined input at login */

struct worker {
	struct worker_init	 init;
	struct msgchan		 chan;		/* to the master */
	struct io		 io;		/* the client; io.tls its SSL */
	char			*certmsg;	/* MSG_CERT until TLS is set up */
	size_t			 certmsglen;
	int			 tls_active;
	int			 auth_failures;	/* counted across STARTTLS */
	long long		 login_deadline; /* monotonic ms; 0: none */
	char			 user[P_NAMELEN];	/* after AUTH_OK */
	/*
	 * Set by tls.c once the handshake is done, so that the code both
	 * programs share can end TLS and relay without linking it.
	 */
	void			(*tls_end)(struct worker *);
	void			(*tls_relay)(struct worker *, int)
				    __attribute__((__noreturn__));
};

extern struct worker	*worker;

/* Results of worker_sasl(). */
#define SASL_OK		0
#define SASL_FAIL	1	/* see the auth_fail it filled */
#define SASL_IOERR	(-1)	/* the client or master went away */

/* What a protocol supplies for the challenge/response turns. */
struct sasl_ops {
	/* Send one challenge (raw bytes) to the client. */
	int	(*challenge)(struct worker *, const unsigned char *, size_t);
	/*
	 * Read one response line; IO_OK with the raw line (not decoded)
	 * in *line, or an IO_* error.
	 */
	int	(*response)(struct worker *, char **, size_t *);
};

/* prelogin.c: the process, in both programs */
struct worker *worker_start(int, char *[], int);
void	worker_confine(struct worker *);
__attribute__((__noreturn__)) void worker_login(struct worker *);
__attribute__((__noreturn__)) void worker_handoff(struct worker *,
	    const char *);
__attribute__((__noreturn__)) void worker_exit(struct worker *, int);

/* login.c */
void	worker_clock_start(struct worker *);
int	worker_clock(struct worker *);
uint32_t worker_clock_left(struct worker *);
int	worker_cleartext_ok(struct worker *, int);
int	worker_mech_ok(struct worker *, const char *);

/* sasl.c */
int	worker_sasl(struct worker *, const char *, int, const unsigned char *,
	    size_t, int, const struct sasl_ops *, struct auth_fail *);
int	worker_sasl_challenge(struct worker *, const unsigned char *, size_t);
int	worker_sasl_plain(struct worker *, const char *, char *,
	    const struct sasl_ops *, struct auth_fail *);

/*
 * STARTTLS and STLS, as each program has them: starttls.c in
 * postern-worker, tls.c in postern-tlsworker.
 */
int	worker_starttls_offered(struct worker *);
int	worker_starttls(struct worker *, const char *, const char *);

/* tls.c: postern-tlsworker only */
int	tls_preinit(struct worker *);
int	tls_available(struct worker *);
int	tls_setup(struct worker *);
int	tls_accept(struct worker *);

/* tlsrelay.c: postern-tlsworker only */
__attribute__((__noreturn__)) void tls_relay(struct worker *, int);

/* sandbox.c */
int	sandbox_enter(void);

/* protocol entry points */
__attribute__((__noreturn__)) void pop3_login(struct worker *);
__attribute__((__noreturn__)) void imap_login(struct worker *);

#endif
