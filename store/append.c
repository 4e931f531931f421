/*
 * Messages entering a folder, for the IMAP session process: APPEND,
 * COPY and MOVE.  Each puts whole files into the target's cur/ by a
 * single rename(2) or link(2), under the target's folder lock, and
 * then gives them UIDs at the end of the target's UID list, still
 * under the lock, so no other sync can number them first.
 *
 * What a kill -9 at each step leaves (nothing is ever lost, no UID is
 * ever reused; a UID counts as used once a client may have seen it):
 *
 *  APPEND  while writing tmp/: a partial file in tmp/, invisible to
 *	    every reader, removed after 36 hours by a later open; the
 *	    client got no OK.  After the rename into cur/, before the
 *	    UID is on disk: the message is in the folder without a UID;
 *	    the next sync numbers it (a fresh UID).  The client got no
 *	    APPENDUID and may append again: a duplicate, never a loss.
 *  COPY    while linking or copying into the target's tmp/: files in
 *	    tmp/ only, the source untouched.  While renaming them into
 *	    cur/: some copies are in the target without UIDs and get
 *	    them at the next sync; the sources are all still there.
 *  MOVE    each message moves by one rename(2) from the source's
 *	    directory into the target's cur/: before it the message is
 *	    only in the source, after it only in the target (without a
 *	    UID until assigned here or by the next sync).  Only across
 *	    file systems (rename fails with EXDEV) is a message copied
 *	    and then unlinked: a crash between leaves it in both.
 */
#include <sys/types.h>
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "log.h"
#include "store.h"
#include "store_local.h"

#define COPY_CHUNK	65536
#define BASE_MAX	(STORE_UNIQ_MAX + 64)

struct store_append {
	struct folder		*f;
	int			 fd;
	char			 tmp[STORE_UNIQ_MAX];
	uint64_t		 size;
	struct crlf_count	 cc;
	int			 failed;
};

/* One message of a COPY or MOVE. */
struct xfer {
	struct store_msg	*m;
	char			 tmp[STORE_UNIQ_MAX];
	char			 base[BASE_MAX];
	char			 final[NAME_MAX + 1];
	uint64_t		 flags;		/* the source's */
	time_t			 time;
	uint64_t		 vsize;
	int			 state;
};
#define X_NONE		0	/* not there, or gone */
#define X_TMP		1	/* in the target's tmp/ */
#define X_CUR		2	/* in the target's cur/ */

static int	 make_base(char *, size_t, const char *, uint64_t, uint64_t);
static int	 make_final(struct xfer *, uint64_t);
static int	 xfer_sizes(struct folder *, struct xfer *, int, const char *);
static int	 copy_in(struct folder *, struct folder *, struct xfer *);
static int	 move_one(struct folder *, struct folder *, struct xfer *);
static int	 assign(struct folder *, struct xfer *, size_t, uint32_t *);
static void	 undo(struct folder *, struct xfer *, size_t);
static int	 prepare(struct folder *, const uint32_t *, size_t,
		    const char *, struct folder **, struct xfer **);

/* The unique part and the sizes readers take from the name. */
static int
make_base(char *buf, size_t len, const char *uniq, uint64_t size,
    uint64_t vsize)
{
	int	n;

	n = snprintf(buf, len, "%s,S=%llu,W=%llu", uniq,
	    (unsigned long long)size, (unsigned long long)vsize);
	if (n < 0 || (size_t)n >= len) {
		errno = ENAMETOOLONG;
		return -1;
	}
	return 0;
}

static int
make_final(struct xfer *x, uint64_t flags)
{
	char	info[STORE_INFOLEN];
	int	n;

	if (store_info_make(flags, info, sizeof(info)) == -1)
		return -1;
	n = snprintf(x->final, sizeof(x->final), "%s:%s", x->base, info);
	if (n < 0 || (size_t)n >= sizeof(x->final)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	return 0;
}

/*
 * Copy an open file into dir/name, durable, with the given mtime (the
 * internal date).  The target must not exist; on failure it is gone.
 */
int
store_copy_file(int src, int dirfd, const char *name, time_t mtime)
{
	struct timespec	 ts[2];
	char		*buf;
	ssize_t		 n;
	int		 fd, saved;

	if ((buf = malloc(COPY_CHUNK)) == NULL)
		return -1;
	fd = openat(dirfd, name, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC,
	    0600);
	if (fd == -1) {
		free(buf);
		return -1;
	}
	for (;;) {
		n = read(src, buf, COPY_CHUNK);
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1)
			goto fail;
		if (n == 0)
			break;
		if (store_write_all(fd, buf, (size_t)n) == -1)
			goto fail;
	}
	ts[0].tv_sec = ts[1].tv_sec = mtime;
	ts[0].tv_nsec = ts[1].tv_nsec = 0;
	if (futimens(fd, ts) == -1 || fsync(fd) == -1)
		goto fail;
	if (close(fd) == -1) {
		fd = -1;
		goto fail;
	}
	free(buf);
	return 0;
 fail:
	saved = errno;
	if (fd != -1)
		close(fd);
	(void)unlinkat(dirfd, name, 0);
	free(buf);
	errno = saved;
	return -1;
}

struct store_append *
store_append_begin(struct store *st, const char *name)
{
	struct store_append	*a;
	int			 tmpfd, saved;

	if ((a = calloc(1, sizeof(*a))) == NULL)
		return NULL;
	a->fd = -1;
	crlf_count_init(&a->cc);
	if ((a->f = folder_open_light(st, name)) == NULL)
		goto fail;
	if ((tmpfd = folder_tmp_fd(a->f)) == -1 ||
	    store_unique(a->tmp, sizeof(a->tmp)) == -1)
		goto fail;
	a->fd = openat(tmpfd, a->tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC,
	    0600);
	if (a->fd == -1)
		goto fail;
	return a;
 fail:
	saved = errno;
	if (errno != ENOENT && errno != EINVAL)
		log_warn("%s: %s", __func__, name);
	folder_close(a->f);
	free(a);
	errno = saved;
	return NULL;
}

int
store_append_write(struct store_append *a, const void *data, size_t len)
{
	if (a->failed) {
		errno = EIO;
		return -1;
	}
	if (store_write_all(a->fd, data, len) == -1) {
		a->failed = 1;
		return -1;
	}
	crlf_count_add(&a->cc, data, len);
	a->size += len;
	return 0;
}

void
store_append_abort(struct store_append *a)
{
	int	tmpfd;

	if (a == NULL)
		return;
	if (a->fd != -1)
		close(a->fd);
	if ((tmpfd = folder_tmp_fd(a->f)) != -1)
		(void)unlinkat(tmpfd, a->tmp, 0);
	folder_close(a->f);
	free(a);
}

int
store_append_commit(struct store_append *a, uint64_t flags,
    char *const *kws, size_t nkws, time_t idate, uint32_t *uvp,
    uint32_t *uidp)
{
	struct folder	*f = a->f;
	struct timespec	 ts[2];
	struct xfer	 x;
	char		*base;
	size_t		 i;
	int		 k, saved, locked = 0, renamed = 0;

	memset(&x, 0, sizeof(x));
	if (a->failed)
		goto fail;
	if (idate <= 0)
		idate = time(NULL);
	ts[0].tv_sec = ts[1].tv_sec = idate;
	ts[0].tv_nsec = ts[1].tv_nsec = 0;
	if (futimens(a->fd, ts) == -1 || fsync(a->fd) == -1)
		goto fail;
	if (close(a->fd) == -1) {
		a->fd = -1;
		goto fail;
	}
	a->fd = -1;
	CRASH_POINT("append-tmp-written");
	if (make_base(x.base, sizeof(x.base), a->tmp, a->size,
	    a->cc.size) == -1)
		goto fail;
	x.time = idate;
	x.vsize = a->cc.size;
	flags &= ~STORE_F_KEYWORDS;

	if (folder_lock(f) == -1)
		goto fail;
	locked = 1;
	for (i = 0; i < nkws; i++) {
		if ((k = folder_keyword_add(f, kws[i])) == -1)
			goto fail;
		flags |= STORE_F_KEYWORD(k);
	}
	if (make_final(&x, flags) == -1)
		goto fail;
	if (renameat(f->tmpfd, a->tmp, f->curfd, x.final) == -1)
		goto fail;
	renamed = 1;
	if (fsync(f->curfd) == -1)
		goto fail;
	CRASH_POINT("append-renamed");
	base = x.base;
	if (folder_assign_locked(f, &base, &x.time, &x.vsize, 1, uidp) == -1)
		goto fail;
	if (*uidp == 0) {
		/* Someone removed it already: nothing to report. */
		errno = ENOENT;
		goto fail;
	}
	*uvp = f->uidvalidity;
	CRASH_POINT("append-assigned");
	folder_unlock(f);
	folder_close(f);
	free(a);
	return 0;
 fail:
	saved = errno;
	/* Not numbered yet (we hold the lock): it can still go. */
	if (renamed && unlinkat(f->curfd, x.final, 0) == -1 &&
	    errno != ENOENT)
		log_warn("%s: %s/%s", __func__, f->name, x.final);
	if (locked)
		folder_unlock(f);
	if (saved != ENOSPC && saved != EINVAL)
		log_warnx("%s: %s: %s", __func__, f->name, strerror(saved));
	a->failed = 1;
	store_append_abort(a);
	errno = saved;
	return -1;
}

int
store_append(struct store *st, const char *name, const void *data,
    size_t len, uint64_t flags, char *const *kws, size_t nkws, time_t idate,
    uint32_t *uvp, uint32_t *uidp)
{
	struct store_append	*a;
	int			 saved;

	if ((a = store_append_begin(st, name)) == NULL)
		return -1;
	if (store_append_write(a, data, len) == -1) {
		saved = errno;
		store_append_abort(a);
		errno = saved;
		return -1;
	}
	return store_append_commit(a, flags, kws, nkws, idate, uvp, uidp);
}

/*
 * The sizes of a message about to go: CRLF size from the table (or
 * read), octets from the file the caller found under name.
 */
static int
xfer_sizes(struct folder *src, struct xfer *x, int dirfd, const char *name)
{
	struct stat	sb;
	char		uniq[STORE_UNIQ_MAX];

	if (fstatat(dirfd, name, &sb, AT_SYMLINK_NOFOLLOW) == -1)
		return -1;
	if (store_msg_vsize(src, x->m, &x->vsize) == -1)
		return -1;
	x->time = x->m->time > 0 ? x->m->time : sb.st_mtim.tv_sec;
	if (store_unique(uniq, sizeof(uniq)) == -1)
		return -1;
	return make_base(x->base, sizeof(x->base), uniq,
	    (uint64_t)sb.st_size, x->vsize);
}

/*
 * COPY, phase one: a hard link into the target's tmp/ (the file is
 * never written again, so sharing it is safe), or a copy where links
 * cannot go.  Returns 0 with x->state X_TMP, or X_NONE when the
 * message is gone; -1 on error.
 */
static int
copy_in(struct folder *src, struct folder *dst, struct xfer *x)
{
	char	name[NAME_MAX + 1];
	int	try, fd, tmpfd, saved;

	if ((tmpfd = folder_tmp_fd(dst)) == -1 ||
	    store_unique(x->tmp, sizeof(x->tmp)) == -1)
		return -1;
	for (try = 0; try < LOCATE_TRIES; try++) {
		if (store_msg_name(x->m, name, sizeof(name)) == -1)
			return -1;
		x->flags = x->m->flags;
		if (linkat(folder_dir_fd(src, x->m->dir), name, tmpfd, x->tmp,
		    0) == 0)
			break;
		if (errno == ENOENT) {
			if (store_msg_locate(src, x->m) == -1)
				return errno == ENOENT ? 0 : -1;
			continue;
		}
		if (errno != EXDEV && errno != EPERM && errno != EMLINK &&
		    errno != EOPNOTSUPP)
			return -1;
		if ((fd = store_msg_open(src, x->m)) == -1)
			return errno == ENOENT ? 0 : -1;
		x->flags = x->m->flags;
		if (store_copy_file(fd, tmpfd, x->tmp, x->m->time > 0 ?
		    x->m->time : time(NULL)) == -1) {
			saved = errno;
			close(fd);
			errno = saved;
			return -1;
		}
		close(fd);
		break;
	}
	if (try == LOCATE_TRIES)
		return 0;
	x->state = X_TMP;
	CRASH_POINT("copy-linked");
	if (xfer_sizes(src, x, tmpfd, x->tmp) == -1) {
		saved = errno;
		(void)unlinkat(tmpfd, x->tmp, 0);
		x->state = X_NONE;
		errno = saved;
		return -1;
	}
	return 0;
}

/*
 * Take back what a failed COPY put into the target: it has no UIDs
 * yet (we hold the target's lock), so nobody has seen it.
 */
static void
undo(struct folder *dst, struct xfer *x, size_t n)
{
	size_t	i;

	for (i = 0; i < n; i++) {
		if (x[i].state == X_TMP)
			(void)unlinkat(dst->tmpfd, x[i].tmp, 0);
		else if (x[i].state == X_CUR &&
		    unlinkat(dst->curfd, x[i].final, 0) == -1 &&
		    errno != ENOENT)
			log_warn("%s: %s/%s", __func__, dst->name,
			    x[i].final);
		x[i].state = X_NONE;
	}
}

/* UIDs for whatever reached cur/, in the order given. */
static int
assign(struct folder *dst, struct xfer *x, size_t n, uint32_t *dstuids)
{
	char		**bases;
	time_t		 *times;
	uint64_t	 *vsizes;
	uint32_t	 *uids;
	size_t		  i, k = 0;
	int		  r = -1;

	for (i = 0; i < n; i++)
		dstuids[i] = 0;
	if (n == 0)
		return 0;
	bases = calloc(n, sizeof(*bases));
	times = calloc(n, sizeof(*times));
	vsizes = calloc(n, sizeof(*vsizes));
	uids = calloc(n, sizeof(*uids));
	if (bases == NULL || times == NULL || vsizes == NULL || uids == NULL)
		goto out;
	for (i = 0; i < n; i++) {
		if (x[i].state != X_CUR)
			continue;
		bases[k] = x[i].base;
		times[k] = x[i].time;
		vsizes[k] = x[i].vsize;
		k++;
	}
	if (k > 0 && folder_assign_locked(dst, bases, times, vsizes, k,
	    uids) == -1)
		goto out;
	for (i = k = 0; i < n; i++)
		if (x[i].state == X_CUR)
			dstuids[i] = uids[k++];
	r = 0;
 out:
	free(bases);
	free(times);
	free(vsizes);
	free(uids);
	return r;
}

/* The target (ENOENT: TRYCREATE) and the messages the UIDs name. */
static int
prepare(struct folder *src, const uint32_t *uids, size_t n,
    const char *name, struct folder **dstp, struct xfer **xp)
{
	struct xfer	*x;
	size_t		 i;

	*xp = NULL;
	if ((*dstp = folder_open_light(src->store, name)) == NULL)
		return -1;
	if ((x = calloc(n > 0 ? n : 1, sizeof(*x))) == NULL) {
		folder_close(*dstp);
		*dstp = NULL;
		return -1;
	}
	for (i = 0; i < n; i++)
		x[i].m = folder_msg_by_uid(src, uids[i]);
	*xp = x;
	return 0;
}

int
folder_copy(struct folder *src, const uint32_t *uids, size_t n,
    const char *name, uint32_t *uvp, uint32_t *dstuids)
{
	struct folder	*dst;
	struct xfer	*x;
	uint64_t	 nf;
	size_t		 i;
	int		 r = -1, saved, locked = 0;

	if (prepare(src, uids, n, name, &dst, &x) == -1)
		return -1;
	for (i = 0; i < n; i++)
		if (x[i].m != NULL && copy_in(src, dst, &x[i]) == -1)
			goto out;
	if (folder_lock(dst) == -1)
		goto out;
	locked = 1;
	for (i = 0; i < n; i++) {
		if (x[i].state != X_TMP)
			continue;
		if (keywords_remap(dst, src, x[i].flags, &nf) == -1 ||
		    make_final(&x[i], nf) == -1)
			goto out;
	}
	for (i = 0; i < n; i++) {
		if (x[i].state != X_TMP)
			continue;
		if (renameat(dst->tmpfd, x[i].tmp, dst->curfd,
		    x[i].final) == -1)
			goto out;
		x[i].state = X_CUR;
		CRASH_POINT("copy-renamed");
	}
	if (fsync(dst->curfd) == -1 || assign(dst, x, n, dstuids) == -1)
		goto out;
	CRASH_POINT("copy-assigned");
	*uvp = dst->uidvalidity;
	r = 0;
 out:
	saved = errno;
	if (r == -1) {
		if (saved != ENOSPC && saved != ENOENT)
			log_warnx("%s: %s to %s: %s", __func__, src->name,
			    name, strerror(saved));
		if (x != NULL)
			undo(dst, x, n);
	}
	if (locked)
		folder_unlock(dst);
	folder_close(dst);
	free(x);
	errno = saved;
	return r;
}

/*
 * MOVE of one message: a rename(2) straight from the source's
 * directory into the target's cur/, under a new base name (a base the
 * target's list may still remember from an earlier visit must not
 * bring its old UID back).  A message renamed by someone else
 * meanwhile is looked up again; one that is gone is skipped.
 */
static int
move_one(struct folder *src, struct folder *dst, struct xfer *x)
{
	char	name[NAME_MAX + 1];
	int	try, fd, sdir;

	for (try = 0; try < LOCATE_TRIES; try++) {
		if (store_msg_name(x->m, name, sizeof(name)) == -1)
			return -1;
		sdir = folder_dir_fd(src, x->m->dir);
		if (xfer_sizes(src, x, sdir, name) == -1) {
			if (errno != ENOENT)
				return -1;
			if (store_msg_locate(src, x->m) == -1)
				return errno == ENOENT ? 0 : -1;
			continue;
		}
		if (keywords_remap(dst, src, x->m->flags, &x->flags) == -1) {
			/* A keyword new since the check: leave it be. */
			return errno == ENOSPC ? 0 : -1;
		}
		if (make_final(x, x->flags) == -1)
			return -1;
		if (renameat(sdir, name, dst->curfd, x->final) == 0) {
			x->state = X_CUR;
			CRASH_POINT("move-renamed");
			return 0;
		}
		if (errno == ENOENT) {
			if (store_msg_locate(src, x->m) == -1)
				return errno == ENOENT ? 0 : -1;
			continue;
		}
		if (errno != EXDEV)
			return -1;
		/* Another file system: copy, then remove the source. */
		if ((fd = openat(sdir, name, O_RDONLY | O_CLOEXEC |
		    O_NOFOLLOW)) == -1) {
			if (errno != ENOENT)
				return -1;
			continue;
		}
		if (folder_tmp_fd(dst) == -1 ||
		    store_unique(x->tmp, sizeof(x->tmp)) == -1 ||
		    store_copy_file(fd, dst->tmpfd, x->tmp, x->time) == -1) {
			close(fd);
			return -1;
		}
		close(fd);
		if (renameat(dst->tmpfd, x->tmp, dst->curfd, x->final) == -1) {
			(void)unlinkat(dst->tmpfd, x->tmp, 0);
			return -1;
		}
		x->state = X_CUR;
		if (fsync(dst->curfd) == -1 ||
		    (unlinkat(sdir, name, 0) == -1 && errno != ENOENT))
			log_warn("%s: %s/%s stays in both folders", __func__,
			    src->name, name);
		return 0;
	}
	return 0;
}

int
folder_move(struct folder *src, const uint32_t *uids, size_t n,
    const char *name, uint32_t *uvp, uint32_t *dstuids)
{
	struct folder	*dst;
	struct xfer	*x;
	uint64_t	 all = 0, nf;
	size_t		 i;
	int		 r = -1, saved, locked = 0;

	if (prepare(src, uids, n, name, &dst, &x) == -1)
		return -1;
	if (folder_lock(dst) == -1)
		goto out;
	locked = 1;
	/* Room for every keyword first, so a MOVE fails before it starts. */
	for (i = 0; i < n; i++)
		if (x[i].m != NULL)
			all |= x[i].m->flags & STORE_F_KEYWORDS;
	if (n > 0 && keywords_remap(dst, src, all, &nf) == -1)
		goto out;
	for (i = 0; i < n; i++)
		if (x[i].m != NULL && move_one(src, dst, &x[i]) == -1)
			break;
	saved = errno;
	if (fsync(dst->curfd) == -1 || fsync(src->curfd) == -1 ||
	    fsync(src->newfd) == -1)
		log_warn("%s: fsync", __func__);
	/*
	 * What moved stays moved, whatever fails now: taking it back
	 * would be another rename that can fail.  Without UIDs from
	 * here, the target's next sync numbers it.
	 */
	if (assign(dst, x, n, dstuids) == -1)
		goto out;
	if (i < n) {
		errno = saved;
		goto out;
	}
	CRASH_POINT("move-assigned");
	*uvp = dst->uidvalidity;
	r = 0;
 out:
	saved = errno;
	if (r == -1 && saved != ENOSPC && saved != ENOENT)
		log_warnx("%s: %s to %s: %s", __func__, src->name, name,
		    strerror(saved));
	if (locked)
		folder_unlock(dst);
	folder_close(dst);
	free(x);
	errno = saved;
	return r;
}
