/*
 * Client connection I/O for workers and sessions: a line reader with
 * a hard length limit, buffered output, and read timeouts.  One
 * process serves one connection, so these calls block (in poll, so
 * that timeouts and signals still end the wait).
 *
 * The transport is pluggable: plain sockets by default; the worker's
 * tls.c installs TLS read/write functions.  Sessions never link TLS.
 */
#ifndef POSTERN_IO_H
#define POSTERN_IO_H

#include <sys/types.h>

#include <signal.h>

#include <stdarg.h>
#include <stdint.h>

#include "buf.h"

/* Results of reads and of the transport functions. */
#define IO_OK		1
#define IO_EOF		0
#define IO_ERR		(-1)
#define IO_TIMEOUT	(-2)
#define IO_TOOLONG	(-3)	/* line over the limit; it was discarded */
#define IO_INTR		(-4)	/* a signal arrived: check your flags */
#define IO_WANTREAD	(-5)	/* transport only */
#define IO_WANTWRITE	(-6)	/* transport only */
#define IO_EXTRA	(-7)	/* io_wait_extra(): the other fd is ready */

struct io {
	int		 fd;
	void		*tls;		/* SSL *, or NULL */
	ssize_t		(*rd)(struct io *, void *, size_t);
	ssize_t		(*wr)(struct io *, const void *, size_t);
	int		(*has_pending)(struct io *);
	struct buf	 in;		/* read, not yet consumed */
	struct buf	 out;		/* written, not yet sent */
	size_t		 line_consumed;	/* bytes of `in' the last line used */
	int		 timeout;	/* seconds, reads; 0 = none */
	/*
	 * With waitmask set, waits run under it (ppoll), so a signal the
	 * process keeps blocked elsewhere can only arrive while waiting:
	 * it can never slip in between a flag check and the wait.
	 */
	const sigset_t	*waitmask;
	/* Called after each flush, e.g. to report byte counts. */
	void		(*flushed)(struct io *);
	int		 eof;
	uint64_t	 bytes_in;
	uint64_t	 bytes_out;
};

void	io_init(struct io *, int, int);
void	io_free(struct io *);
int	io_getline(struct io *, size_t, char **, size_t *);
int	io_read(struct io *, void *, size_t);
int	io_fill(struct io *);
int	io_write(struct io *, const void *, size_t);
int	io_puts(struct io *, const char *);
int	io_printf(struct io *, const char *, ...)
	    __attribute__((__format__ (printf, 2, 3)));
int	io_flush(struct io *);
int	io_wait(struct io *, int, int);
int	io_wait_extra(struct io *, int, int);
size_t	io_buffered(struct io *);

#endif
