/*
 * STARTTLS and STLS in postern-worker, which has no TLS: the
 * connection goes to the master, which starts a fresh
 * postern-tlsworker for it.  That one answers the command (or refuses
 * it when TLS cannot be set up), does the handshake and carries on
 * with the login under TLS, with the time and attempts this worker
 * leaves it.  Plaintext the client sent after the command stays here
 * and dies with this process (RFC 2595 4, RFC 9051 6.2.1): nothing a
 * client or an attacker on the path says before the handshake can
 * reach the TLS side, not even in memory.
 */
#include <sys/types.h>

#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "worker.h"

/* Whether the master has a certificate for this connection. */
int
worker_starttls_offered(struct worker *w)
{
	return w->init.tls_available != 0;
}

/*
 * Hand the connection over for TLS: never returns.  tag is the IMAP
 * command's ("" for POP3); the go-ahead line is postern-tlsworker's
 * to send, once it has TLS ready.
 */
int
worker_starttls(struct worker *w, const char *tag, const char *go)
{
	struct starttls	st;

	memset(&st, 0, sizeof(st));
	if (strlcpy(st.tag, tag, sizeof(st.tag)) >= sizeof(st.tag))
		fatalx("id=%u: tag too long", w->init.conn_id);
	st.login_left_ms = worker_clock_left(w);
	st.auth_failures = w->auth_failures;
	buf_reset(&w->io.in);
	w->io.line_consumed = 0;
	if (io_flush(&w->io) != IO_OK)
		worker_exit(w, 0);
	if (msg_compose(&w->chan, MSG_STARTTLS, w->init.conn_id,
	    WORKER_CLIENT_FD, &st, sizeof(st)) == -1 ||
	    msg_flush_all(&w->chan) == -1)
		fatal("starttls");
	exit(0);
}
