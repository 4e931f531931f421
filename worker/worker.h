/*
 * The pre-login worker (postern-worker): one per connection, exec'd by
 * the master, chrooted and running as the unprivileged user.  It does
 * TLS, greets, answers the commands allowed before login, relays SASL
 * exchanges to postern-auth through the master, and on success hands
 * the connection to the master for the session (staying on as the TLS
 * relay when TLS is active).
 */
#ifndef POSTERN_WORKER_H
#define POSTERN_WORKER_H

#include <openssl/ssl.h>

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
	struct io		 io;		/* the client */
	char			*certmsg;	/* MSG_CERT until TLS is set up */
	size_t			 certmsglen;
	SSL_CTX			*ctx;
	SSL			*ssl;
	int			 tls_active;
	int			 auth_failures;
	char			 user[P_NAMELEN];	/* after AUTH_OK */
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

/* worker.c */
__attribute__((__noreturn__)) void worker_handoff(struct worker *,
	    const char *);
__attribute__((__noreturn__)) void worker_exit(struct worker *, int);
int	worker_cleartext_ok(struct worker *, int);
int	worker_mech_ok(struct worker *, const char *);

/* sasl.c */
int	worker_sasl(struct worker *, const char *, int, const unsigned char *,
	    size_t, int, const struct sasl_ops *, struct auth_fail *);

/* tls.c */
int	tls_preinit(struct worker *);
int	tls_available(struct worker *);
int	tls_setup(struct worker *);
int	tls_accept(struct worker *);

/* tlsrelay.c */
__attribute__((__noreturn__)) void tls_relay(struct worker *, int);

/* sandbox.c */
int	sandbox_enter(void);

/* protocol entry points */
__attribute__((__noreturn__)) void pop3_login(struct worker *);
__attribute__((__noreturn__)) void imap_login(struct worker *);

#endif
