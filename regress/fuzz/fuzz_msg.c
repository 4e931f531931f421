/*
 * libFuzzer harness for lib/msg.c's receive side, which the master runs
 * on every byte a (possibly compromised) worker, session or
 * postern-auth writes to its channel.  The first input byte picks how
 * the rest is cut into writes; the rest goes through a socketpair into
 * msg_fill and msg_get until it is exhausted.  Every message returned
 * must be exactly the frame at that point of the stream; a refusal
 * must be for a frame that is really bad (no descriptors are sent, so
 * a whole frame with MSG_F_FD is bad too); a wait for more bytes must
 * be for a frame that is really incomplete.  Built by `make fuzz'; run
 * by regress/fuzz/t_fuzz.
 */
#include <sys/types.h>
#include <sys/socket.h>

#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "msg.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static int	frame_bad(const struct msg_hdr *);
static void	check_msg(const struct msgchan *, const struct msg *,
		    const uint8_t *, size_t, size_t);
static void	check_chan(const struct msgchan *, size_t, size_t);

/* Refused from the header alone, before the payload is waited for. */
static int
frame_bad(const struct msg_hdr *h)
{
	return h->len > MSG_MAXDATA || (h->flags & ~MSG_F_FD) != 0;
}

/* The message must be the frame found at pos in the stream. */
static void
check_msg(const struct msgchan *c, const struct msg *m, const uint8_t *s,
    size_t pos, size_t got)
{
	struct msg_hdr		 h;
	const unsigned char	*d = m->data;

	if (pos + sizeof(h) > got)
		abort();
	memcpy(&h, s + pos, sizeof(h));
	if (frame_bad(&h) || h.flags != 0 || pos + sizeof(h) + h.len > got)
		abort();
	if (m->type != h.type || m->id != h.id || m->len != h.len ||
	    m->fd != -1)
		abort();
	if (d < c->rbuf || d + m->len > c->rbuf + c->rlen)
		abort();
	if (m->len > 0 && memcmp(d, s + pos + sizeof(h), m->len) != 0)
		abort();
}

/* What the channel holds is exactly what was read and not taken. */
static void
check_chan(const struct msgchan *c, size_t pos, size_t got)
{
	if (c->roff > c->rlen || c->rlen > c->rcap)
		abort();
	if (c->rlen - c->roff != got - pos)
		abort();
	if (c->nrfds != 0)
		abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct msgchan	 c;
	struct msg	 m;
	struct msg_hdr	 h;
	size_t		 chunk, off = 0, got = 0, pos = 0, want;
	ssize_t		 n;
	int		 sv[2], r, eof = 0;

	if (size == 0)
		return 0;
	/* Small cuts split headers; large ones pack frames together. */
	chunk = (data[0] & 0x7f) + 1;
	if (data[0] & 0x80)
		chunk *= 512;
	data++;
	size--;

	if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == -1 ||
	    fcntl(sv[0], F_SETFL, O_NONBLOCK) == -1 ||
	    fcntl(sv[1], F_SETFL, O_NONBLOCK) == -1) {
		perror("fuzz_msg: socketpair");
		abort();
	}
	msg_init(&c, sv[0]);
	if (size == 0 && shutdown(sv[1], SHUT_WR) == -1)
		abort();
	while (!eof) {
		if (off < size) {
			want = size - off < chunk ? size - off : chunk;
			n = write(sv[1], data + off, want);
			if (n == -1 && errno != EAGAIN)
				abort();
			if (n > 0)
				off += n;
			if (off == size && shutdown(sv[1], SHUT_WR) == -1)
				abort();
		}
		r = msg_fill(&c);
		if (r == 0)
			eof = 1;
		else if (r == -1) {
			if (errno != EAGAIN)
				abort();
			continue;
		} else
			got += r;
		if (got > off)
			abort();
		check_chan(&c, pos, got);
		while ((r = msg_get(&c, &m)) == 1) {
			check_msg(&c, &m, data, pos, got);
			pos += sizeof(h) + m.len;
			check_chan(&c, pos, got);
		}
		if (r == -1) {
			/* The peer is cut off here: the frame was bad. */
			if (errno != EBADMSG || got - pos < sizeof(h))
				abort();
			memcpy(&h, data + pos, sizeof(h));
			if (!frame_bad(&h) && !((h.flags & MSG_F_FD) &&
			    got - pos >= sizeof(h) + h.len))
				abort();
			break;
		}
		if (r != 0)
			abort();
		/* Waiting: the next frame must be incomplete and sound. */
		if (got - pos >= sizeof(h)) {
			memcpy(&h, data + pos, sizeof(h));
			if (frame_bad(&h) || got - pos >= sizeof(h) + h.len)
				abort();
		}
	}
	if (eof && got != size)
		abort();

	msg_clear(&c);
	close(sv[0]);
	close(sv[1]);
	return 0;
}
