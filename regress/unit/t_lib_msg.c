/*
 * Unit tests for lib/msg.c, the typed message channel between postern's
 * processes, over socketpairs: round trips of every size up to
 * MSG_MAXDATA, frames split across reads and packed into one, partial
 * writes on a full socket, descriptor passing (and that each descriptor
 * lands on its own message), the hostile frames a compromised worker
 * could send (oversized, unknown flags, a missing or surplus
 * descriptor, a frame cut short by end of file), the payload and
 * string-field checks, and msg_wait's timeout and end of file.  Run by
 * Kyua from regress/unit.
 */
#include <sys/types.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <sys/wait.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <atf-c.h>

#include "msg.h"

#define NRANDOM		200
#define NBIG		32

static const size_t fixed_sizes[] = {
	0, 1, 2, 3, 15, 16, 17, 255, 256, 1000, 4095, 4096, 4097, 32768,
	65535, MSG_MAXDATA - 1, MSG_MAXDATA, 0,
};
#define NFIXED	(sizeof(fixed_sizes) / sizeof(fixed_sizes[0]))

static void	 mkpair(int[2]);
static void	 fill_pattern(unsigned char *, size_t, uint32_t);
static int	 check_pattern(const unsigned char *, size_t, uint32_t);
static void	 rawframe(int, uint32_t, uint32_t, uint32_t, uint32_t,
		    const void *, size_t);
static void	 rawframe_fds(int, uint32_t, uint32_t, const int *, int);
static void	 writeall(int, const void *, size_t);
static int	 nfds(void);
static int	 isopen(int);
static double	 now(void);

static void
mkpair(int sv[2])
{
	ATF_REQUIRE(socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == 0);
}

/* Contents both ends can compute from the message type alone. */
static void
fill_pattern(unsigned char *p, size_t n, uint32_t type)
{
	size_t	i;

	for (i = 0; i < n; i++)
		p[i] = (type * 131 + i * 7 + (i >> 8)) & 0xff;
}

static int
check_pattern(const unsigned char *p, size_t n, uint32_t type)
{
	size_t	i;

	for (i = 0; i < n; i++)
		if (p[i] != ((type * 131 + i * 7 + (i >> 8)) & 0xff))
			return 0;
	return 1;
}

static void
writeall(int fd, const void *p, size_t n)
{
	ssize_t	r;

	while (n > 0) {
		if ((r = write(fd, p, n)) == -1) {
			if (errno == EINTR)
				continue;
			atf_tc_fail("write: %s", strerror(errno));
		}
		p = (const char *)p + r;
		n -= r;
	}
}

/* A frame as a hostile peer would write it, header fields as given. */
static void
rawframe(int fd, uint32_t type, uint32_t len, uint32_t id, uint32_t flags,
    const void *data, size_t datalen)
{
	struct msg_hdr	h;

	memset(&h, 0, sizeof(h));
	h.type = type;
	h.len = len;
	h.id = id;
	h.flags = flags;
	writeall(fd, &h, sizeof(h));
	if (datalen > 0)
		writeall(fd, data, datalen);
}

/* An empty frame with any flags, carrying n descriptors. */
static void
rawframe_fds(int fd, uint32_t type, uint32_t flags, const int *fds, int n)
{
	struct msg_hdr	 h;
	struct msghdr	 mh;
	struct iovec	 iov;
	struct cmsghdr	*cm;
	char		*cbuf;
	size_t		 clen = CMSG_SPACE(sizeof(int) * n);

	memset(&h, 0, sizeof(h));
	h.type = type;
	h.flags = flags;
	if ((cbuf = calloc(1, clen)) == NULL)
		atf_tc_fail("calloc");
	memset(&mh, 0, sizeof(mh));
	iov.iov_base = &h;
	iov.iov_len = sizeof(h);
	mh.msg_iov = &iov;
	mh.msg_iovlen = 1;
	mh.msg_control = cbuf;
	mh.msg_controllen = clen;
	cm = CMSG_FIRSTHDR(&mh);
	cm->cmsg_len = CMSG_LEN(sizeof(int) * n);
	cm->cmsg_level = SOL_SOCKET;
	cm->cmsg_type = SCM_RIGHTS;
	memcpy(CMSG_DATA(cm), fds, sizeof(int) * n);
	ATF_REQUIRE(sendmsg(fd, &mh, 0) == (ssize_t)sizeof(h));
	free(cbuf);
}

static int
nfds(void)
{
	DIR		*d;
	struct dirent	*de;
	int		 n = 0;

	ATF_REQUIRE((d = opendir("/proc/self/fd")) != NULL);
	while ((de = readdir(d)) != NULL)
		if (de->d_name[0] != '.')
			n++;
	closedir(d);
	return n - 1;		/* the directory's own descriptor */
}

static int
isopen(int fd)
{
	return fcntl(fd, F_GETFD) != -1 || errno != EBADF;
}

static double
now(void)
{
	struct timespec	ts;

	ATF_REQUIRE(clock_gettime(CLOCK_MONOTONIC, &ts) == 0);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

ATF_TC_WITHOUT_HEAD(roundtrip);
ATF_TC_BODY(roundtrip, tc)
{
	struct msgchan	 c;
	struct msg	 m;
	size_t		 sizes[NFIXED + NRANDOM], n = 0, i, cut;
	unsigned char	*p;
	int		 sv[2], status;
	pid_t		 pid;

	for (i = 0; i < NFIXED; i++)
		sizes[n++] = fixed_sizes[i];
	for (i = 0; i < NRANDOM; i++)
		sizes[n++] = arc4random_uniform(i % 4 == 0 ?
		    MSG_MAXDATA + 1 : 600);
	mkpair(sv);

	/*
	 * The sender is a child so that far more than a socket buffer
	 * can be queued; every third message goes as two parts.
	 */
	if ((pid = fork()) == -1)
		atf_tc_fail("fork");
	if (pid == 0) {
		close(sv[0]);
		msg_init(&c, sv[1]);
		if ((p = malloc(MSG_MAXDATA)) == NULL)
			_exit(2);
		for (i = 0; i < n; i++) {
			fill_pattern(p, sizes[i], i + 1);
			cut = sizes[i] / 3;
			if ((i % 3 == 2 ? msg_composev(&c, i + 1, i * 3 + 7,
			    -1, p, cut, p + cut, sizes[i] - cut) :
			    msg_compose(&c, i + 1, i * 3 + 7, -1, p,
			    sizes[i])) == -1)
				_exit(3);
			if (i % 5 == 4 && msg_flush_all(&c) == -1)
				_exit(4);
		}
		if (msg_flush_all(&c) == -1 || c.queued != 0)
			_exit(5);
		_exit(0);
	}
	close(sv[1]);
	msg_init(&c, sv[0]);
	for (i = 0; i < n; i++) {
		ATF_REQUIRE_EQ_MSG(msg_wait(&c, &m, 10000), 1,
		    "message %zu: %s", i, strerror(errno));
		ATF_REQUIRE_EQ(m.type, i + 1);
		ATF_REQUIRE_EQ(m.id, i * 3 + 7);
		ATF_REQUIRE_EQ_MSG(m.len, sizes[i], "message %zu", i);
		ATF_REQUIRE_EQ(m.fd, -1);
		ATF_REQUIRE_MSG(check_pattern(m.data, m.len, i + 1),
		    "message %zu (%zu bytes) garbled", i, m.len);
	}
	ATF_CHECK_EQ(msg_wait(&c, &m, 10000), 0);
	ATF_REQUIRE(waitpid(pid, &status, 0) == pid);
	ATF_CHECK_MSG(WIFEXITED(status) && WEXITSTATUS(status) == 0,
	    "sender status %#x", status);
	msg_clear(&c);
	close(sv[0]);
}

ATF_TC_WITHOUT_HEAD(split_reads);
ATF_TC_BODY(split_reads, tc)
{
	struct msgchan	 c;
	struct msg	 m;
	struct msg_hdr	 h;
	unsigned char	 frame[2 * sizeof(h) + 1000];
	size_t		 i, end1 = sizeof(h) + 1000;
	int		 sv[2], r;

	/* One 1000-byte frame then an empty one, fed a byte at a time. */
	memset(&h, 0, sizeof(h));
	h.type = 42;
	h.len = 1000;
	h.id = 9;
	memcpy(frame, &h, sizeof(h));
	fill_pattern(frame + sizeof(h), 1000, 42);
	h.type = 43;
	h.len = 0;
	memcpy(frame + end1, &h, sizeof(h));

	mkpair(sv);
	msg_init(&c, sv[0]);
	for (i = 0; i < sizeof(frame); i++) {
		writeall(sv[1], frame + i, 1);
		ATF_REQUIRE_EQ(msg_fill(&c), 1);
		r = msg_get(&c, &m);
		if (i + 1 == end1) {
			ATF_REQUIRE_EQ(r, 1);
			ATF_CHECK_EQ(m.type, 42);
			ATF_CHECK_EQ(m.id, 9);
			ATF_CHECK_EQ(m.len, 1000);
			ATF_CHECK(check_pattern(m.data, m.len, 42));
		} else if (i + 1 == sizeof(frame)) {
			ATF_REQUIRE_EQ(r, 1);
			ATF_CHECK_EQ(m.type, 43);
			ATF_CHECK_EQ(m.len, 0);
		} else
			ATF_REQUIRE_EQ_MSG(r, 0, "message early at byte %zu",
			    i);
	}
	ATF_CHECK_EQ(msg_get(&c, &m), 0);

	/* Three frames in one read come out one by one. */
	writeall(sv[1], frame, sizeof(frame));
	writeall(sv[1], frame + end1, sizeof(h));
	ATF_REQUIRE_EQ(msg_fill(&c), (int)(sizeof(frame) + sizeof(h)));
	ATF_REQUIRE_EQ(msg_get(&c, &m), 1);
	ATF_CHECK_EQ(m.type, 42);
	ATF_CHECK(check_pattern(m.data, m.len, 42));
	ATF_REQUIRE_EQ(msg_get(&c, &m), 1);
	ATF_CHECK_EQ(m.type, 43);
	ATF_REQUIRE_EQ(msg_get(&c, &m), 1);
	ATF_CHECK_EQ(m.type, 43);
	ATF_CHECK_EQ(msg_get(&c, &m), 0);
	msg_clear(&c);
	close(sv[0]);
	close(sv[1]);
}

ATF_TC_WITHOUT_HEAD(partial_flush);
ATF_TC_BODY(partial_flush, tc)
{
	struct msgchan	 tx, rx;
	struct msg	 m;
	unsigned char	*p;
	int		 sv[2], pp[2], got = 0, stalled = 0, i, r;
	char		 b;

	/*
	 * A non-blocking sender, as in the master: flush writes what
	 * fits and keeps the rest; descriptors ride on some messages.
	 */
	mkpair(sv);
	ATF_REQUIRE(fcntl(sv[1], F_SETFL, O_NONBLOCK) == 0);
	ATF_REQUIRE(fcntl(sv[0], F_SETFL, O_NONBLOCK) == 0);
	msg_init(&tx, sv[1]);
	msg_init(&rx, sv[0]);
	if ((p = malloc(MSG_MAXDATA)) == NULL)
		atf_tc_fail("malloc");
	for (i = 0; i < NBIG; i++) {
		fill_pattern(p, MSG_MAXDATA - i, i);
		pp[0] = -1;
		if (i % 8 == 3) {
			ATF_REQUIRE(pipe(pp) == 0);
			b = 'A' + i;
			writeall(pp[1], &b, 1);
			close(pp[1]);
		}
		ATF_REQUIRE(msg_compose(&tx, i, i, pp[0], p,
		    MSG_MAXDATA - i) == 0);
	}
	ATF_REQUIRE_EQ(msg_flush(&tx), 0);
	ATF_CHECK_MSG(tx.queued > 0, "a socket took 2 MB at once");
	while (got < NBIG) {
		ATF_REQUIRE_EQ(msg_flush(&tx), 0);
		if (msg_fill(&rx) == -1) {
			ATF_REQUIRE_EQ(errno, EAGAIN);
			ATF_REQUIRE_MSG(++stalled < 1000, "no progress");
		}
		while ((r = msg_get(&rx, &m)) == 1) {
			ATF_REQUIRE_EQ(m.type, (uint32_t)got);
			ATF_REQUIRE_EQ(m.len, (size_t)(MSG_MAXDATA - got));
			ATF_REQUIRE(check_pattern(m.data, m.len, got));
			if (got % 8 == 3) {
				ATF_REQUIRE(m.fd != -1);
				ATF_REQUIRE(read(m.fd, &b, 1) == 1);
				ATF_CHECK_EQ(b, 'A' + got);
				close(m.fd);
			} else
				ATF_REQUIRE_EQ(m.fd, -1);
			got++;
		}
		ATF_REQUIRE_EQ(r, 0);
	}
	ATF_CHECK_EQ(tx.queued, 0);
	ATF_CHECK(TAILQ_EMPTY(&tx.outq));
	free(p);
	msg_clear(&tx);
	msg_clear(&rx);
	close(sv[0]);
	close(sv[1]);
}

ATF_TC_WITHOUT_HEAD(fd_passing);
ATF_TC_BODY(fd_passing, tc)
{
	struct msgchan	tx, rx;
	struct msg	m;
	int		sv[2], pp[2], sent, flags;
	char		buf[8];

	mkpair(sv);
	msg_init(&tx, sv[1]);
	msg_init(&rx, sv[0]);
	ATF_REQUIRE(pipe(pp) == 0);
	sent = pp[0];
	ATF_REQUIRE_EQ(msg_compose(&tx, 7, 1, sent, "pipe", 4), 0);
	ATF_REQUIRE_EQ(msg_flush_all(&tx), 0);
	/* The channel owned it and closed it once it was sent. */
	ATF_CHECK(!isopen(sent));

	ATF_REQUIRE_EQ(msg_wait(&rx, &m, 5000), 1);
	ATF_CHECK_EQ(m.type, 7);
	ATF_CHECK_EQ(m.len, 4);
	ATF_REQUIRE(m.fd != -1);
	ATF_REQUIRE((flags = fcntl(m.fd, F_GETFD)) != -1);
	ATF_CHECK_MSG(flags & FD_CLOEXEC, "received fd not close-on-exec");
	writeall(pp[1], "ping", 4);
	ATF_REQUIRE(read(m.fd, buf, sizeof(buf)) == 4);
	ATF_CHECK(memcmp(buf, "ping", 4) == 0);
	close(pp[1]);
	ATF_CHECK(read(m.fd, buf, sizeof(buf)) == 0);
	close(m.fd);

	/* An unsent descriptor goes with msg_clear, not leaked. */
	ATF_REQUIRE(pipe(pp) == 0);
	ATF_REQUIRE_EQ(msg_compose(&tx, 8, 1, pp[0], NULL, 0), 0);
	msg_clear(&tx);
	ATF_CHECK(!isopen(pp[0]));
	close(pp[1]);
	msg_clear(&rx);
	close(sv[0]);
	close(sv[1]);
}

ATF_TC_WITHOUT_HEAD(fd_order);
ATF_TC_BODY(fd_order, tc)
{
	static const char *plan = "-0-12-3";	/* '-': a message without fd */
	struct msgchan	 tx, rx;
	struct msg	 m;
	int		 sv[2], pp[2], round;
	size_t		 i, n = strlen(plan);
	char		 b;

	/*
	 * Descriptors must attach to the messages that carry them, in
	 * order, whether queued together or flushed one by one.
	 */
	for (round = 0; round < 2; round++) {
		mkpair(sv);
		msg_init(&tx, sv[1]);
		msg_init(&rx, sv[0]);
		for (i = 0; i < n; i++) {
			pp[0] = -1;
			if (plan[i] != '-') {
				ATF_REQUIRE(pipe(pp) == 0);
				writeall(pp[1], &plan[i], 1);
				close(pp[1]);
			}
			ATF_REQUIRE_EQ(msg_compose(&tx, i, 0, pp[0], &plan[i],
			    1), 0);
			if (round == 1)
				ATF_REQUIRE_EQ(msg_flush_all(&tx), 0);
		}
		ATF_REQUIRE_EQ(msg_flush_all(&tx), 0);
		for (i = 0; i < n; i++) {
			ATF_REQUIRE_EQ(msg_wait(&rx, &m, 5000), 1);
			ATF_REQUIRE_EQ(m.type, i);
			ATF_REQUIRE_EQ(m.len, 1);
			b = *(char *)m.data;
			if (b == '-') {
				ATF_CHECK_EQ_MSG(m.fd, -1,
				    "message %zu got a descriptor", i);
				if (m.fd != -1)
					close(m.fd);
				continue;
			}
			ATF_REQUIRE_MSG(m.fd != -1, "message %zu lost its fd",
			    i);
			ATF_REQUIRE(read(m.fd, &b, 1) == 1);
			ATF_CHECK_EQ_MSG(b, plan[i], "message %zu got the fd of"
			    " message '%c'", i, b);
			close(m.fd);
		}
		ATF_CHECK_EQ(rx.nrfds, 0);
		msg_clear(&tx);
		msg_clear(&rx);
		close(sv[0]);
		close(sv[1]);
	}
}

ATF_TC_WITHOUT_HEAD(hostile_oversize);
ATF_TC_BODY(hostile_oversize, tc)
{
	static const uint32_t lens[] = {
		MSG_MAXDATA + 1, 0x7fffffff, 0x80000000, 0xffffffff,
	};
	struct msgchan	c;
	struct msg	m;
	size_t		i;
	int		sv[2];

	/* Refused from the header alone, before any payload arrives. */
	for (i = 0; i < sizeof(lens) / sizeof(lens[0]); i++) {
		mkpair(sv);
		msg_init(&c, sv[0]);
		rawframe(sv[1], 1, lens[i], 0, 0, NULL, 0);
		ATF_REQUIRE(msg_fill(&c) > 0);
		errno = 0;
		ATF_CHECK_EQ_MSG(msg_get(&c, &m), -1, "len %#x accepted",
		    lens[i]);
		ATF_CHECK_EQ(errno, EBADMSG);
		msg_clear(&c);
		close(sv[0]);
		close(sv[1]);
	}
}

ATF_TC_WITHOUT_HEAD(hostile_flags);
ATF_TC_BODY(hostile_flags, tc)
{
	static const uint32_t flags[] = {
		0x2, 0x4, MSG_F_FD | 0x2, 0x80000000, 0xffffffff,
	};
	struct msgchan	c;
	struct msg	m;
	size_t		i;
	int		sv[2];

	for (i = 0; i < sizeof(flags) / sizeof(flags[0]); i++) {
		mkpair(sv);
		msg_init(&c, sv[0]);
		rawframe(sv[1], 1, 4, 0, flags[i], "abcd", 4);
		ATF_REQUIRE(msg_fill(&c) > 0);
		errno = 0;
		ATF_CHECK_EQ_MSG(msg_get(&c, &m), -1, "flags %#x accepted",
		    flags[i]);
		ATF_CHECK_EQ(errno, EBADMSG);
		msg_clear(&c);
		close(sv[0]);
		close(sv[1]);
	}
}

ATF_TC_WITHOUT_HEAD(hostile_fd_missing);
ATF_TC_BODY(hostile_fd_missing, tc)
{
	struct msgchan	c;
	struct msg	m;
	int		sv[2];

	mkpair(sv);
	msg_init(&c, sv[0]);
	rawframe(sv[1], 1, 4, 0, MSG_F_FD, "abcd", 4);
	ATF_REQUIRE(msg_fill(&c) > 0);
	errno = 0;
	ATF_CHECK_EQ(msg_get(&c, &m), -1);
	ATF_CHECK_EQ(errno, EBADMSG);
	msg_clear(&c);
	close(sv[0]);
	close(sv[1]);
}

ATF_TC_WITHOUT_HEAD(hostile_fd_surplus);
ATF_TC_BODY(hostile_fd_surplus, tc)
{
	struct msgchan	c;
	struct msg	m;
	int		sv[2], pp[2], fds[40], before, i;

	/*
	 * More descriptors than a channel holds, and one on a message
	 * that did not announce it: none may stay open once the channel
	 * is cleared.
	 */
	mkpair(sv);
	ATF_REQUIRE(pipe(pp) == 0);
	before = nfds();
	msg_init(&c, sv[0]);
	for (i = 0; i < 40; i++)
		ATF_REQUIRE((fds[i] = dup(pp[0])) != -1);
	rawframe_fds(sv[1], 1, MSG_F_FD, fds, 40);
	for (i = 0; i < 40; i++)
		close(fds[i]);
	ATF_REQUIRE(msg_fill(&c) > 0);
	ATF_CHECK(c.nrfds <= MSG_MAXFDS);
	ATF_REQUIRE_EQ(msg_wait(&c, &m, 1000), 1);
	ATF_REQUIRE(m.fd != -1);
	close(m.fd);

	ATF_REQUIRE((fds[0] = dup(pp[0])) != -1);
	rawframe_fds(sv[1], 2, 0, fds, 1);
	close(fds[0]);
	ATF_REQUIRE_EQ(msg_wait(&c, &m, 1000), 1);
	ATF_CHECK_EQ(m.type, 2);
	ATF_CHECK_EQ(m.fd, -1);

	msg_clear(&c);
	ATF_CHECK_EQ_MSG(nfds(), before, "%d descriptors leaked",
	    nfds() - before);
	close(pp[0]);
	close(pp[1]);
	close(sv[0]);
	close(sv[1]);
}

ATF_TC_WITHOUT_HEAD(hostile_truncated);
ATF_TC_BODY(hostile_truncated, tc)
{
	struct msgchan	 c;
	struct msg	 m;
	unsigned char	 data[50];
	int		 sv[2];

	/* Half a payload, then the peer goes: end of file, no message. */
	mkpair(sv);
	msg_init(&c, sv[0]);
	memset(data, 'x', sizeof(data));
	rawframe(sv[1], 1, 100, 0, 0, data, sizeof(data));
	close(sv[1]);
	ATF_CHECK_EQ(msg_wait(&c, &m, 1000), 0);
	ATF_CHECK_EQ(msg_fill(&c), 0);
	ATF_CHECK_EQ(msg_get(&c, &m), 0);
	msg_clear(&c);
	close(sv[0]);

	/* Half a header. */
	mkpair(sv);
	msg_init(&c, sv[0]);
	writeall(sv[1], data, 10);
	close(sv[1]);
	ATF_CHECK_EQ(msg_wait(&c, &m, 1000), 0);
	ATF_CHECK_EQ(msg_get(&c, &m), 0);
	msg_clear(&c);
	close(sv[0]);
}

ATF_TC_WITHOUT_HEAD(compose_limits);
ATF_TC_BODY(compose_limits, tc)
{
	struct msgchan	 c;
	unsigned char	*p;
	int		 sv[2];

	mkpair(sv);
	msg_init(&c, sv[1]);
	if ((p = calloc(1, MSG_MAXDATA + 1)) == NULL)
		atf_tc_fail("calloc");
	errno = 0;
	ATF_CHECK_EQ(msg_compose(&c, 1, 0, -1, p, MSG_MAXDATA + 1), -1);
	ATF_CHECK_EQ(errno, EMSGSIZE);
	errno = 0;
	ATF_CHECK_EQ(msg_composev(&c, 1, 0, -1, p, MSG_MAXDATA, p, 1), -1);
	ATF_CHECK_EQ(errno, EMSGSIZE);
	errno = 0;
	ATF_CHECK_EQ(msg_composev(&c, 1, 0, -1, p, 1, p, SIZE_MAX), -1);
	ATF_CHECK_EQ(errno, EMSGSIZE);
	ATF_CHECK_EQ(c.queued, 0);
	ATF_CHECK(TAILQ_EMPTY(&c.outq));

	ATF_CHECK_EQ(msg_composev(&c, 1, 0, -1, p, MSG_MAXDATA - 5, p, 5), 0);
	ATF_CHECK_EQ(c.queued, sizeof(struct msg_hdr) + MSG_MAXDATA);
	free(p);
	msg_clear(&c);
	ATF_CHECK_EQ(c.queued, 0);
	close(sv[0]);
	close(sv[1]);
}

ATF_TC_WITHOUT_HEAD(payload);
ATF_TC_BODY(payload, tc)
{
	struct msg	m;
	uint32_t	v, w[2];
	unsigned char	data[8] = { 1, 0, 0, 0, 2, 0, 0, 0 };

	memset(&m, 0, sizeof(m));
	m.data = data;
	m.fd = -1;
	m.len = 8;
	v = 0xdeadbeef;
	errno = 0;
	ATF_CHECK_EQ(msg_payload(&m, &v, sizeof(v)), -1);
	ATF_CHECK_EQ(errno, EBADMSG);
	ATF_CHECK_EQ(v, 0xdeadbeef);		/* untouched on refusal */
	ATF_REQUIRE_EQ(msg_payload(&m, w, sizeof(w)), 0);
	ATF_CHECK(w[0] == 1 && w[1] == 2);

	m.len = 3;
	ATF_CHECK_EQ(msg_payload(&m, &v, sizeof(v)), -1);
	m.len = 0;
	ATF_CHECK_EQ(msg_payload(&m, &v, sizeof(v)), -1);
	ATF_CHECK_EQ(msg_payload(&m, &v, 0), 0);
}

ATF_TC_WITHOUT_HEAD(strfield);
ATF_TC_BODY(strfield, tc)
{
	char	f[8];

	memcpy(f, "user\0\0\0\0", 8);
	ATF_CHECK(msg_strfield_ok(f, sizeof(f)));
	memcpy(f, "12345678", 8);
	ATF_CHECK(!msg_strfield_ok(f, sizeof(f)));
	memcpy(f, "1234567\0", 8);
	ATF_CHECK(msg_strfield_ok(f, sizeof(f)));
	ATF_CHECK(!msg_strfield_ok(f, 7));	/* NUL just past the field */
	memset(f, 0, sizeof(f));
	ATF_CHECK(msg_strfield_ok(f, sizeof(f)));
	ATF_CHECK(msg_strfield_ok(f, 1));
	ATF_CHECK(!msg_strfield_ok(f, 0));
}

ATF_TC_WITHOUT_HEAD(wait_timeout);
ATF_TC_BODY(wait_timeout, tc)
{
	struct msgchan	c;
	struct msg	m;
	int		sv[2];
	double		t0, dt;

	mkpair(sv);
	msg_init(&c, sv[0]);
	t0 = now();
	errno = 0;
	ATF_CHECK_EQ(msg_wait(&c, &m, 200), -1);
	ATF_CHECK_EQ(errno, ETIMEDOUT);
	dt = now() - t0;
	ATF_CHECK_MSG(dt >= 0.18 && dt < 5, "timed out after %.3fs", dt);

	/* Part of a frame is not a message: still a timeout. */
	rawframe(sv[1], 5, 10, 0, 0, "abc", 3);
	errno = 0;
	ATF_CHECK_EQ(msg_wait(&c, &m, 200), -1);
	ATF_CHECK_EQ(errno, ETIMEDOUT);
	writeall(sv[1], "defghij", 7);
	ATF_REQUIRE_EQ(msg_wait(&c, &m, 1000), 1);
	ATF_CHECK_EQ(m.type, 5);
	ATF_CHECK_EQ(m.len, 10);
	ATF_CHECK(memcmp(m.data, "abcdefghij", 10) == 0);
	msg_clear(&c);
	close(sv[0]);
	close(sv[1]);
}

ATF_TC_WITHOUT_HEAD(wait_eof);
ATF_TC_BODY(wait_eof, tc)
{
	struct msgchan	c;
	struct msg	m;
	int		sv[2];

	/* Messages sent before the close still arrive, then EOF. */
	mkpair(sv);
	msg_init(&c, sv[0]);
	rawframe(sv[1], 1, 0, 0, 0, NULL, 0);
	rawframe(sv[1], 2, 3, 0, 0, "abc", 3);
	close(sv[1]);
	ATF_REQUIRE_EQ(msg_wait(&c, &m, 1000), 1);
	ATF_CHECK_EQ(m.type, 1);
	ATF_REQUIRE_EQ(msg_wait(&c, &m, 1000), 1);
	ATF_CHECK_EQ(m.type, 2);
	ATF_CHECK_EQ(msg_wait(&c, &m, 1000), 0);
	ATF_CHECK_EQ(msg_wait(&c, &m, -1), 0);
	msg_clear(&c);
	close(sv[0]);
}

ATF_TP_ADD_TCS(tp)
{
	ATF_TP_ADD_TC(tp, roundtrip);
	ATF_TP_ADD_TC(tp, split_reads);
	ATF_TP_ADD_TC(tp, partial_flush);
	ATF_TP_ADD_TC(tp, fd_passing);
	ATF_TP_ADD_TC(tp, fd_order);
	ATF_TP_ADD_TC(tp, hostile_oversize);
	ATF_TP_ADD_TC(tp, hostile_flags);
	ATF_TP_ADD_TC(tp, hostile_fd_missing);
	ATF_TP_ADD_TC(tp, hostile_fd_surplus);
	ATF_TP_ADD_TC(tp, hostile_truncated);
	ATF_TP_ADD_TC(tp, compose_limits);
	ATF_TP_ADD_TC(tp, payload);
	ATF_TP_ADD_TC(tp, strfield);
	ATF_TP_ADD_TC(tp, wait_timeout);
	ATF_TP_ADD_TC(tp, wait_eof);
	return atf_no_error();
}
