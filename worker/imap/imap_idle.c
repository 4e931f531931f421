/*
 * IDLE (RFC 2177, RFC 9051 6.3.13) for the IMAP session
 * (postern-session): the session sleeps in one wait on the client and
 * on the selected folder's inotify descriptor, and sends EXISTS,
 * EXPUNGE and FETCH FLAGS as the folder changes, until the client says
 * DONE.  The autologout timer keeps running (RFC 2177 allows it), and
 * SIGTERM ends the wait with a BYE.
 */
#include <sys/types.h>

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "imap_session.h"
#include "log.h"
#include "session.h"
#include "store.h"

/* Without inotify (no watch), look at the folder this often. */
#define IDLE_POLL_FALLBACK	30

static int	idle_done(struct imap_sess *);

/*
 * The client sent something: it must be DONE.  Returns 1 when IDLE is
 * over (the tagged response set), 0 to wait on, -1 to end the session.
 */
static int
idle_done(struct imap_sess *is)
{
	char	*line;
	size_t	 len;
	int	 r;

	r = io_getline(is->io, is->lim.line_max, &line, &len);
	switch (r) {
	case IO_OK:
		if (imap_is_done_line(line, len))
			return imap_result(is, "OK IDLE terminated.") ==
			    IMAP_CLOSE ? -1 : 1;
		return imap_result(is, "BAD Expected DONE") == IMAP_CLOSE ?
		    -1 : 1;
	case IO_TOOLONG:
		return imap_result(is, "BAD Expected DONE") == IMAP_CLOSE ?
		    -1 : 1;
	case IO_INTR:
		return 0;
	case IO_TIMEOUT:
		(void)imap_line(is, "* BYE Autologout; idle for too long");
		return -1;
	default:
		return -1;
	}
}

int
imap_cmd_idle(struct imap_sess *is, struct imap_cmd *cmd)
{
	time_t	 deadline = 0, now;
	int	 timeout, wait, fd, r;

	if (imap_line(is, "+ idling") == -1 || io_flush(is->io) != IO_OK)
		return IMAP_CLOSE;
	if (is->s->init.idle_timeout > 0)
		deadline = time(NULL) + is->s->init.idle_timeout;
	for (;;) {
		if (session_terminate) {
			(void)imap_line(is, "* BYE Server shutting down.");
			return IMAP_CLOSE;
		}
		if (is->box != NULL && imap_sync(is, 1, 0) == -1)
			return IMAP_CLOSE;
		now = time(NULL);
		if (deadline != 0 && now >= deadline) {
			log_info("%s: idle timeout", __func__);
			(void)imap_line(is, "* BYE Autologout; idle for too "
			    "long");
			return IMAP_CLOSE;
		}
		timeout = deadline != 0 ? (int)(deadline - now) : 0;
		fd = is->box != NULL ? is->box->watchfd : -1;
		if (is->box != NULL && fd == -1 && (timeout == 0 ||
		    timeout > IDLE_POLL_FALLBACK))
			timeout = IDLE_POLL_FALLBACK;
		wait = io_wait_extra(is->io, fd, timeout);
		switch (wait) {
		case IO_EXTRA:
		case IO_TIMEOUT:
		case IO_INTR:
			continue;
		case IO_OK:
			break;
		default:
			return IMAP_CLOSE;
		}
		if ((r = idle_done(is)) == -1)
			return IMAP_CLOSE;
		if (r == 1)
			return IMAP_OK;
	}
}
