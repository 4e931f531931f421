/*
 * The post-login session process (postern-session): started by the
 * master as the mail user, in the user's home, with the client
 * connection (a plain socket, or the worker's TLS relay) on fd 3 and
 * its master channel on fd 4.  It reads one MSG_SESSION_INIT, then
 * runs the protocol's session loop over the user's store.
 */
#ifndef POSTERN_SESSION_H
#define POSTERN_SESSION_H

#include <signal.h>

#include "io.h"
#include "proto.h"

#define SESSION_CLIENT_FD	3
#define SESSION_MASTER_FD	4

struct session {
	struct session_init	 init;
	struct io		 io;		/* the client */
	int			 master_fd;
	char			 maildir[P_PATHLEN];	/* expanded */
};

/* Set by SIGTERM (server shutdown, or `posternctl kick'). */
extern volatile sig_atomic_t session_terminate;

/* Protocol loops; each returns the process exit status. */
int	pop3_session(struct session *);
int	imap_session(struct session *);

#endif
