/*
 * Growable byte buffers for protocol input and output.  Bounded by the
 * caller: nothing a client sends may grow one without a limit check.
 */
#ifndef POSTERN_BUF_H
#define POSTERN_BUF_H

#include <stdarg.h>
#include <stddef.h>

struct buf {
	unsigned char	*data;
	size_t		 len;
	size_t		 cap;
};

void	buf_init(struct buf *);
void	buf_free(struct buf *);
void	buf_reset(struct buf *);
int	buf_reserve(struct buf *, size_t);
int	buf_add(struct buf *, const void *, size_t);
int	buf_addstr(struct buf *, const char *);
int	buf_addf(struct buf *, const char *, ...)
	    __attribute__((__format__ (printf, 2, 3)));
int	buf_vaddf(struct buf *, const char *, va_list)
	    __attribute__((__format__ (printf, 2, 0)));
void	buf_drain(struct buf *, size_t);

#endif
