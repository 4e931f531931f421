/*
 * postern-tlsworker: the pre-login process of one connection that uses
 * TLS, on an implicit-TLS port or after postern-worker read STARTTLS
 * or STLS on a plain one.  Exec'd by the master as root with the
 * client on fd 3 and its master channel on fd 4; it reads its settings
 * and certificates, prepares TLS (all of it for an implicit-TLS port;
 * after STARTTLS only what needs files, the contexts come inside the
 * sandbox), then chroots, drops to the unprivileged user and enters
 * the sandbox before it reads a byte from the client.  After a login
 * it stays on as the TLS relay of the session.
 */
#include <sys/types.h>

#include "log.h"
#include "worker.h"

int
main(int argc, char *argv[])
{
	struct worker	*w;

	w = worker_start(argc, argv, 1);
	if (!w->init.implicit_tls == !w->init.starttls)
		fatalx("id=%u: TLS must be implicit or follow STARTTLS",
		    w->init.conn_id);
	/*
	 * Everything that needs files happens before the chroot: OpenSSL's
	 * configuration always; the contexts now only if the handshake
	 * comes first.  The random generator seeds itself from
	 * getrandom(2) when a context is made, sandbox or not.
	 */
	if (tls_preinit(w) == -1)
		fatalx("id=%u: bad certificate message", w->init.conn_id);
	if (w->init.implicit_tls && tls_setup(w) == -1)
		fatalx("id=%u: no TLS for an implicit-TLS port",
		    w->init.conn_id);
	worker_confine(w);
	if (w->init.implicit_tls && tls_accept(w) == -1)
		worker_exit(w, 0);
	/* After STARTTLS the protocol code answers it first (starttls). */
	worker_login(w);
}
