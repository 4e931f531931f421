/*
 * Typed, length-prefixed messages between postern's processes over
 * socketpairs, with file descriptors passed as SCM_RIGHTS.  The shape
 * of OpenBSD's imsg: compose queues a message, flush writes the queue,
 * fill reads what the socket has, get returns one whole message.
 *
 * Every message from a less-privileged peer is hostile input: get()
 * refuses oversized frames, and callers check payload sizes with
 * msg_payload() before they touch the data.
 */
#ifndef POSTERN_MSG_H
#define POSTERN_MSG_H

#include <sys/queue.h>
#include <stddef.h>
#include <stdint.h>

#define MSG_MAXDATA	(64 * 1024)
#define MSG_MAXFDS	16

struct msg_hdr {
	uint32_t	type;
	uint32_t	len;		/* payload bytes after the header */
	uint32_t	id;		/* peer or request id */
	uint32_t	flags;
#define MSG_F_FD	0x1		/* one descriptor travels with it */
};

struct msg {
	uint32_t	 type;
	uint32_t	 id;
	size_t		 len;
	void		*data;		/* valid until the next msg_get() */
	int		 fd;		/* -1, or a descriptor now ours */
};

struct msg_out {
	TAILQ_ENTRY(msg_out) entry;
	unsigned char	*buf;
	size_t		 len;
	size_t		 off;
	int		 fd;
};

struct msgchan {
	int		 fd;
	unsigned char	*rbuf;
	size_t		 rlen;		/* bytes held */
	size_t		 rcap;
	size_t		 roff;		/* start of unconsumed bytes */
	int		 rfds[MSG_MAXFDS];
	int		 nrfds;
	TAILQ_HEAD(, msg_out) outq;
	size_t		 queued;	/* bytes waiting to be written */
};

void	msg_init(struct msgchan *, int);
void	msg_clear(struct msgchan *);
int	msg_compose(struct msgchan *, uint32_t, uint32_t, int,
	    const void *, size_t);
int	msg_composev(struct msgchan *, uint32_t, uint32_t, int,
	    const void *, size_t, const void *, size_t);
int	msg_flush(struct msgchan *);
int	msg_flush_all(struct msgchan *);
int	msg_fill(struct msgchan *);
int	msg_get(struct msgchan *, struct msg *);
int	msg_wait(struct msgchan *, struct msg *, int);
int	msg_payload(const struct msg *, void *, size_t);
int	msg_strfield_ok(const char *, size_t);

#endif
