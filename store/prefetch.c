/*
 * The message files of an index build, for the IMAP session process
 * (index.c decides what is missing and keeps the results): each file
 * of a batch is opened and read once, with a single read() into a
 * buffer kept for the next message (mapped only when over RBUF_MAX),
 * its CRLF size counted, and its header alone, or the whole message,
 * parsed and rendered by store/mime/ into an arena.  A large batch is
 * shared with a second thread when there is a second CPU: a job reads
 * only its own message and the folder's directory descriptors, and
 * writes only its job and its thread's buffers, so the two threads
 * share nothing but the counter that hands out the jobs.
 */
#include <sys/types.h>

#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "buf.h"
#include "mime.h"
#include "store.h"
#include "store_local.h"

#define RBUF_MIN	(64U * 1024)
#define RBUF_MAX	(1024U * 1024)	/* larger messages are mapped */
#define HDR_READ	(64U * 1024)	/* a header is looked for in this */
#define PF_THREAD_MIN	32		/* files in a batch worth a thread */
#define PF_ARENA_KEEP	(4U * 1024 * 1024)

/* The jobs of a batch, taken in turn by one or two threads. */
struct pf_batch {
	struct folder		*f;
	struct pf_ctx		*ctx;
	struct pf_job		*jobs;
	size_t			 n;
	int			 mflags;
	atomic_size_t		 next;
};
struct pf_arg {
	struct pf_batch		*b;
	int			 ctx;
};

/* A message's octets: in the thread's buffer, or mapped. */
struct msg_data {
	const unsigned char	*data;
	size_t			 len;
	int			 whole;		/* up to the end of the file */
	struct store_map	 map;		/* when mapped instead */
};

static int	 rbuf_reserve(struct pf_ctx *, size_t);
static int	 msg_load(struct folder *, struct pf_ctx *, struct store_msg *,
		    int, struct msg_data *);
static void	 msg_release(struct msg_data *);
static int	 arena_add(struct pf_ctx *, struct pf_job *, int,
		    const struct mime_msg *, int);
static void	 pf_run(struct folder *, struct pf_ctx *, int, struct pf_job *,
		    int);
static void	 pf_loop(struct pf_batch *, int);
static void	*pf_thread(void *);

void
pf_ctx_init(struct pf_ctx *c)
{
	c->rbuf = NULL;
	c->rbufcap = 0;
	buf_init(&c->arena);
}

void
pf_ctx_free(struct pf_ctx *c)
{
	free(c->rbuf);
	buf_free(&c->arena);
	pf_ctx_init(c);
}

/*
 * Room for len octets (and a NUL) in the read buffer, which is kept
 * for the next message: no allocation per message.
 */
static int
rbuf_reserve(struct pf_ctx *c, size_t len)
{
	unsigned char	*nb;
	size_t		 ncap;

	if (len < c->rbufcap && c->rbuf != NULL)
		return 0;
	for (ncap = RBUF_MIN; ncap <= len; ncap *= 2)
		;
	if ((nb = realloc(c->rbuf, ncap)) == NULL)
		return -1;
	c->rbuf = nb;
	c->rbufcap = ncap;
	return 0;
}

/*
 * A message's octets, with one open, fstat, read and close: the whole
 * file, or (whole 0) at least its first HDR_READ octets, which hold
 * the header of nearly every message.  A file over RBUF_MAX is mapped
 * rather than copied.  -1 with errno ENOENT when the message is gone
 * (expunged by another session or the MTA since the folder's scan; a
 * message renamed meanwhile is looked up by store_msg_open()).
 */
static int
msg_load(struct folder *f, struct pf_ctx *c, struct store_msg *m,
    int whole, struct msg_data *md)
{
	size_t		 size, want, len = 0;
	ssize_t		 n;
	int		 fd, saved;

	memset(md, 0, sizeof(*md));
	if ((fd = store_msg_open_sized(f, m, &size)) == -1)
		return -1;
	want = size;
	if (!whole && want > HDR_READ)
		want = HDR_READ;
	if (want > RBUF_MAX) {
		if (store_fd_map(fd, want, &md->map) == -1)
			goto fail;
		close(fd);
		md->data = md->map.data;
		md->len = md->map.len;
		md->whole = 1;
		return 0;
	}
	if (rbuf_reserve(c, want) == -1)
		goto fail;
	/* Maildir files never change: an end sooner than fstat said is all. */
	while (len < want) {
		if ((n = read(fd, c->rbuf + len, want - len)) == -1) {
			if (errno == EINTR)
				continue;
			goto fail;
		}
		if (n == 0)
			break;
		len += (size_t)n;
	}
	close(fd);
	c->rbuf[len] = '\0';
	md->data = c->rbuf;
	md->len = len;
	md->whole = want == size;
	return 0;
 fail:
	saved = errno;
	close(fd);
	errno = saved;
	return -1;
}

static void
msg_release(struct msg_data *md)
{
	store_map_free(&md->map);
	memset(md, 0, sizeof(*md));
}

/* A rendering of kind k into the thread's arena, for the job. */
static int
arena_add(struct pf_ctx *c, struct pf_job *j, int k,
    const struct mime_msg *mm, int mflags)
{
	size_t	start = c->arena.len;
	int	r;

	if (k == STORE_R_ENVELOPE)
		r = mime_envelope(&c->arena, mm, &mm->parts[0],
		    mflags & MIME_UTF8);
	else
		r = mime_bodystructure(&c->arena, mm, &mm->parts[0], mflags |
		    (k == STORE_R_BODYSTRUCTURE ? MIME_EXT : 0));
	j->off[k] = start;
	j->len[k] = c->arena.len - start;
	return r;
}

/*
 * One job, on either thread.  ENVELOPE alone needs only the header,
 * parsed alone: BODY and BODYSTRUCTURE are rendered when first asked
 * for (the index keeps each kind apart).  Either of those needs the
 * whole message parsed, and then all three kinds are rendered, since
 * a client asking for one usually asks for the others soon.
 */
static void
pf_run(struct folder *f, struct pf_ctx *c, int ctx, struct pf_job *j,
    int mflags)
{
	struct msg_data		 md;
	struct mime_msg		 mm;
	struct crlf_count	 cc;
	int			 k, found, parsed = 0;

	j->ctx = ctx;
	j->r = -1;
	for (k = 0; k < PF_NKINDS; k++)
		j->off[k] = j->len[k] = 0;
	if (msg_load(f, c, j->m, j->size || (j->need & PF_PARSE), &md) ==
	    -1) {
		j->err = errno;
		return;
	}
	if (j->size) {
		crlf_count_init(&cc);
		crlf_count_add(&cc, md.data, md.len);
		j->vsize = cc.size;
	}
	if (j->need & PF_PARSE) {
		if (mime_parse(&mm, md.data, md.len) == -1)
			goto out;
		parsed = 1;
		for (k = 0; k < PF_NKINDS; k++)
			if (arena_add(c, j, k, &mm, mflags) == -1)
				goto out;
		j->need = PF_KINDS;
	} else if (j->need & STORE_P_ENVELOPE) {
		if (mime_parse_header(&mm, md.data, md.len, &found) == -1)
			goto out;
		parsed = 1;
		if (!found && !md.whole) {
			/* A header longer than HDR_READ. */
			mime_free(&mm);
			parsed = 0;
			msg_release(&md);
			if (msg_load(f, c, j->m, 1, &md) == -1 ||
			    mime_parse_header(&mm, md.data, md.len,
			    &found) == -1)
				goto out;
			parsed = 1;
		}
		if (arena_add(c, j, STORE_R_ENVELOPE, &mm, mflags) == -1)
			goto out;
	}
	j->r = 0;
 out:
	if (j->r == -1)
		j->err = errno;
	if (parsed)
		mime_free(&mm);
	msg_release(&md);
}

static void
pf_loop(struct pf_batch *b, int ctx)
{
	size_t	i;

	while ((i = atomic_fetch_add(&b->next, 1)) < b->n)
		pf_run(b->f, &b->ctx[ctx], ctx, &b->jobs[i], b->mflags);
}

static void *
pf_thread(void *arg)
{
	struct pf_arg	*a = arg;

	pf_loop(a->b, a->ctx);
	return NULL;
}

/*
 * Run the jobs: ctx is PF_THREADS contexts, each job's renderings end
 * in the arena of the one that ran it (j->ctx), valid until the next
 * batch.  share: the jobs' messages are distinct, so a second thread
 * may take some.  A fault on it (a mapped file cut short) ends the
 * process as it would on this one; it blocks every signal, so the
 * session's handlers run on this thread.
 */
void
pf_render(struct folder *f, struct pf_ctx *ctx, struct pf_job *jobs,
    size_t n, int mflags, int share)
{
	struct pf_batch	 b;
	struct pf_arg	 arg;
	pthread_t	 tid;
	int		 k, threaded = 0;

	for (k = 0; k < PF_THREADS; k++) {
		buf_reset(&ctx[k].arena);
		if (ctx[k].arena.cap > PF_ARENA_KEEP)
			buf_free(&ctx[k].arena);
	}
	memset(&b, 0, sizeof(b));
	b.f = f;
	b.ctx = ctx;
	b.jobs = jobs;
	b.n = n;
	b.mflags = mflags;
	atomic_init(&b.next, 0);
	if (share && n >= PF_THREAD_MIN) {
		arg.b = &b;
		arg.ctx = 1;
		threaded = store_thread_start(&tid, pf_thread, &arg) == 0;
	}
	pf_loop(&b, 0);
	if (threaded)
		store_thread_join(tid);
}
