/*
 * postern-worker: the pre-login process of one connection on a plain
 * port.  Exec'd by the master as root with the client on fd 3 and its
 * master channel on fd 4; it reads its settings, chroots, drops to the
 * unprivileged user and enters the sandbox before it reads a byte from
 * the client.  It links no TLS: the exec and dynamic linking of
 * libssl and libcrypto cost most of a plain connection's worker, and
 * most plain connections never ask for TLS.  STARTTLS and STLS hand
 * the connection to the master, which goes on with it in a fresh
 * postern-tlsworker (starttls.c).
 */
#include <sys/types.h>

#include "log.h"
#include "worker.h"

int
main(int argc, char *argv[])
{
	struct worker	*w;

	w = worker_start(argc, argv, 0);
	if (w->init.implicit_tls || w->init.starttls)
		fatalx("id=%u: TLS is postern-tlsworker's", w->init.conn_id);
	worker_confine(w);
	worker_login(w);
}
