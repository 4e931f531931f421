/*
 * Maildir++ folders for session processes: the store root, opening and
 * closing folders, the folder lock, and reaching one message by its
 * last known file name.  When another process renamed a message (a
 * flag change, a move from new/ to cur/) it is looked up again by base
 * name, and a message that is gone reads as expunged (ENOENT).  The
 * scan that numbers files is in sync.c.
 */
#include <sys/types.h>
#include <sys/stat.h>
#include <sys/file.h>
#include <sys/time.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include "buf.h"
#include "log.h"
#include "store.h"
#include "store_local.h"

#define TMP_STALE	(36 * 3600)	/* the Maildir spec's tmp/ limit */

void		(*store_crash_hook)(const char *);

static int	 open_subdir(int, const char *);
static struct folder *folder_new(struct store *, const char *);
static void	 tmp_sweep(struct folder *);
static int	 msg_moved(struct folder *, struct store_msg *);
static ssize_t	 msg_index(struct folder *, uint32_t);

int
folder_dir_fd(struct folder *f, int dir)
{
	return dir == STORE_DIR_CUR ? f->curfd : f->newfd;
}

/* tmp/, opened (and made, when a deliverer left it out) on first use. */
int
folder_tmp_fd(struct folder *f)
{
	if (f->tmpfd == -1)
		f->tmpfd = open_subdir(f->fd, "tmp");
	return f->tmpfd;
}

struct store_msg *
store_msg_new(const char *base, size_t len)
{
	struct store_msg	*m;

	if ((m = calloc(1, sizeof(*m))) == NULL)
		return NULL;
	if ((m->base = strndup(base, len)) == NULL) {
		free(m);
		return NULL;
	}
	m->info_ok = 1;
	/*
	 * A ,W= in the name (Dovecot's, and other deliverers') is the
	 * CRLF size, believed as Dovecot believes it: the file is then
	 * not read for its size at all.  A wrong one is the name's
	 * owner's doing and only misstates that message's RFC822.SIZE.
	 */
	if (store_name_size(m->base, 'W', &m->vsize) == 0) {
		m->have_vsize = 1;
		m->vsize_in_name = 1;
	}
	return m;
}

void
store_msg_free(struct store_msg *m)
{
	if (m == NULL)
		return;
	free(m->base);
	free(m->info);
	free(m->pop3_uidl);
	free(m);
}

/* Room for n more messages in the folder's table. */
int
folder_reserve(struct folder *f, size_t n)
{
	struct store_msg	**nv;
	size_t			  ncap;

	if (n <= f->msgcap - f->nmsgs)
		return 0;
	ncap = f->msgcap ? f->msgcap : 64;
	while (ncap - f->nmsgs < n) {
		if (ncap > SIZE_MAX / 2 / sizeof(*nv)) {
			errno = ENOMEM;
			return -1;
		}
		ncap *= 2;
	}
	if ((nv = reallocarray(f->msgs, ncap, sizeof(*nv))) == NULL)
		return -1;
	f->msgs = nv;
	f->msgcap = ncap;
	return 0;
}

/* Append to the folder's table; the caller keeps UIDs ascending. */
int
folder_add_msg(struct folder *f, struct store_msg *m)
{
	if (folder_reserve(f, 1) == -1)
		return -1;
	f->msgs[f->nmsgs++] = m;
	return 0;
}

int
store_msg_name(struct store_msg *m, char *buf, size_t len)
{
	int	n;

	if (m->info != NULL)
		n = snprintf(buf, len, "%s:%s", m->base, m->info);
	else
		n = snprintf(buf, len, "%s", m->base);
	if (n < 0 || (size_t)n >= len) {
		errno = ENAMETOOLONG;
		return -1;
	}
	return 0;
}

/* Where the message is now: its directory and the info of its name. */
int
store_msg_info(struct store_msg *m, int dir, const char *info)
{
	char	*ni = NULL;

	m->dir = dir;
	if (info == NULL && m->info == NULL)
		return 0;
	if (info != NULL && m->info != NULL && strcmp(info, m->info) == 0)
		return 0;
	if (info != NULL && (ni = strdup(info)) == NULL)
		return -1;
	free(m->info);
	m->info = ni;
	m->info_ok = store_info_parse(m->info, &m->flags) == 0;
	return 0;
}

int
store_mkdir_p(const char *path)
{
	char	buf[PATH_MAX], *p;

	if (strlcpy(buf, path, sizeof(buf)) >= sizeof(buf)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	for (p = buf + 1; *p != '\0'; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(buf, 0700) == -1 && errno != EEXIST)
			return -1;
		*p = '/';
	}
	if (mkdir(buf, 0700) == -1 && errno != EEXIST)
		return -1;
	return 0;
}

/*
 * Make a Maildir (the root and any missing parents, cur/, new/ and
 * tmp/, mode 0700) where none is; an existing one is left as it is.
 */
int
store_create(const char *path)
{
	static const char	*subdirs[] = { "cur", "new", "tmp" };
	struct stat		 sb;
	char			 buf[PATH_MAX];
	size_t			 i;
	int			 n;

	if (store_mkdir_p(path) == -1) {
		log_warn("%s: mkdir %s", __func__, path);
		return -1;
	}
	for (i = 0; i < sizeof(subdirs) / sizeof(subdirs[0]); i++) {
		n = snprintf(buf, sizeof(buf), "%s/%s", path, subdirs[i]);
		if (n < 0 || (size_t)n >= sizeof(buf)) {
			errno = ENAMETOOLONG;
			log_warn("%s: %s", __func__, path);
			return -1;
		}
		if (mkdir(buf, 0700) == -1 && errno != EEXIST) {
			log_warn("%s: mkdir %s", __func__, buf);
			return -1;
		}
		if (stat(buf, &sb) == -1) {
			log_warn("%s: stat %s", __func__, buf);
			return -1;
		}
		if (!S_ISDIR(sb.st_mode)) {
			errno = ENOTDIR;
			log_warn("%s: %s", __func__, buf);
			return -1;
		}
	}
	return 0;
}

struct store *
store_open(const char *path)
{
	struct store	*st;

	if ((st = calloc(1, sizeof(*st))) == NULL)
		return NULL;
	st->excl_fd = -1;
	if ((st->path = strdup(path)) == NULL) {
		free(st);
		return NULL;
	}
	st->fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (st->fd == -1) {
		log_warn("%s: %s", __func__, path);
		free(st->path);
		free(st);
		return NULL;
	}
	return st;
}

void
store_close(struct store *st)
{
	if (st == NULL)
		return;
	if (st->excl_fd != -1)
		close(st->excl_fd);
	close(st->fd);
	free(st->path);
	free(st);
}

/* A folder's new/, cur/ or tmp/, made when a deliverer left it out. */
static int
open_subdir(int fd, const char *name)
{
	int	d;

	d = openat(fd, name, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (d == -1 && errno == ENOENT) {
		if (mkdirat(fd, name, 0700) == -1 && errno != EEXIST)
			return -1;
		d = openat(fd, name, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	}
	return d;
}

/*
 * The directory name below pfd ("." for pfd itself) open for
 * readdir(), on a descriptor of its own: a stream owns its descriptor
 * and moves its offset, so the store's and the folders' descriptors
 * are never handed to fdopendir().  NULL on error.
 */
DIR *
store_opendir(int pfd, const char *name)
{
	DIR	*dp;
	int	 fd;

	if ((fd = openat(pfd, name, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) ==
	    -1)
		return NULL;
	if ((dp = fdopendir(fd)) == NULL) {
		close(fd);
		return NULL;
	}
	return dp;
}

/*
 * The directory of a folder name, relative to the root: "." for INBOX,
 * else "." and the name with its first level "INBOX" spelt so.
 */
int
store_dirname(const char *name, char *buf, size_t len)
{
	char	norm[STORE_NAME_MAX + 1];
	int	n;

	if (store_name_check(name) == -1)
		return -1;
	if (store_name_is_inbox(name))
		n = snprintf(buf, len, ".");
	else {
		if (store_name_norm(name, norm, sizeof(norm)) == -1)
			return -1;
		n = snprintf(buf, len, ".%s", norm);
	}
	if (n < 0 || (size_t)n >= len) {
		errno = ENAMETOOLONG;
		return -1;
	}
	return 0;
}

/*
 * A handle with the folder's directories and lock open and nothing
 * read: NULL with errno ENOENT when there is no such folder.
 */
static struct folder *
folder_new(struct store *st, const char *name)
{
	struct folder	*f;
	char		 dir[NAME_MAX + 1];
	int		 saved;

	if (store_dirname(name, dir, sizeof(dir)) == -1)
		return NULL;
	if ((f = calloc(1, sizeof(*f))) == NULL)
		return NULL;
	f->store = st;
	f->fd = f->newfd = f->curfd = f->lockfd = f->tmpfd = -1;
	f->watchfd = f->ul_fd = f->kw_fd = -1;
	if ((f->name = strdup(store_name_is_inbox(name) ? "INBOX" : dir + 1))
	    == NULL || (f->dirname = strdup(dir)) == NULL)
		goto fail;
	if ((f->fd = openat(st->fd, dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC))
	    == -1) {
		if (errno != ENOENT)
			log_warn("%s: %s/%s", __func__, st->path, dir);
		goto fail;
	}
	if ((f->newfd = open_subdir(f->fd, "new")) == -1 ||
	    (f->curfd = open_subdir(f->fd, "cur")) == -1) {
		log_warn("%s: %s/%s", __func__, st->path, dir);
		goto fail;
	}
	f->lockfd = openat(f->fd, FOLDER_LOCK,
	    O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (f->lockfd == -1) {
		log_warn("%s: %s/%s/%s", __func__, st->path, dir, FOLDER_LOCK);
		goto fail;
	}
	return f;
 fail:
	saved = errno;
	folder_close(f);
	errno = saved;
	return NULL;
}

/*
 * Open a folder by name (see store.h for names).  The folder is synced
 * before it is returned; with FOLDER_SIZES every message's size is
 * known too.  NULL with errno ENOENT for a folder that does not exist,
 * EINVAL for a name that cannot be one.
 */
struct folder *
folder_open(struct store *st, const char *name, int flags)
{
	struct folder	*f;
	int		 saved;

	if ((f = folder_new(st, name)) == NULL)
		return NULL;
	f->oflags = flags & (FOLDER_RECENT | FOLDER_PEEK_RECENT);
	tmp_sweep(f);
	if (folder_sync(f, flags) == -1) {
		saved = errno;
		folder_close(f);
		errno = saved;
		return NULL;
	}
	return f;
}

/*
 * Files left in tmp/ by writers that died.  The change time is the
 * one to go by: a hard link made into tmp/ by COPY carries the
 * message's old mtime, an APPEND file its internal date.
 */
static void
tmp_sweep(struct folder *f)
{
	struct dirent	*de;
	struct stat	 sb;
	DIR		*dp;
	time_t		 limit = time(NULL) - TMP_STALE;

	if ((dp = store_opendir(f->fd, "tmp")) == NULL)
		return;
	while ((de = readdir(dp)) != NULL) {
		if (de->d_name[0] == '.')
			continue;
		if (fstatat(dirfd(dp), de->d_name, &sb,
		    AT_SYMLINK_NOFOLLOW) == -1 || !S_ISREG(sb.st_mode) ||
		    sb.st_ctime > limit || sb.st_mtime > limit)
			continue;
		if (unlinkat(dirfd(dp), de->d_name, 0) == -1 &&
		    errno != ENOENT)
			log_warn("%s: %s/tmp/%s", __func__, f->name,
			    de->d_name);
	}
	closedir(dp);
}

/*
 * A folder that is only given messages (APPEND, COPY, MOVE targets):
 * nothing is read until UIDs are assigned, and then only the ends of
 * the list.
 */
struct folder *
folder_open_light(struct store *st, const char *name)
{
	struct folder	*f;

	if ((f = folder_new(st, name)) != NULL)
		f->light = 1;
	return f;
}

void
folder_close(struct folder *f)
{
	size_t	i;

	if (f == NULL)
		return;
	if (f->index != NULL) {
		if (folder_lock(f) == 0) {
			(void)f->index_flush(f);
			folder_unlock(f);
		}
		f->index_free(f);
	}
	keywords_free(f);
	for (i = 0; i < f->nmsgs; i++)
		store_msg_free(f->msgs[i]);
	free(f->msgs);
	if (f->fd != -1)
		close(f->fd);
	if (f->newfd != -1)
		close(f->newfd);
	if (f->curfd != -1)
		close(f->curfd);
	if (f->tmpfd != -1)
		close(f->tmpfd);
	if (f->lockfd != -1)
		close(f->lockfd);
	folder_watch_close(f);
	if (f->ul_fd != -1)
		close(f->ul_fd);
	free(f->name);
	free(f->dirname);
	free(f);
}

/*
 * The folder lock, which every change of the UID list, the keywords
 * and the index is made under.  It nests, so that code holding it can
 * call code that takes it.
 */
int
folder_lock(struct folder *f)
{
	if (f->locked > 0) {
		f->locked++;
		return 0;
	}
	if (store_lock_file(f->lockfd, LOCK_EX, FOLDER_LOCK_WAIT) == -1)
		return -1;
	f->locked = 1;
	return 0;
}

void
folder_unlock(struct folder *f)
{
	if (f->locked == 0 || --f->locked > 0)
		return;
	if (flock(f->lockfd, LOCK_UN) == -1)
		log_warn("%s: unlock %s", __func__, f->name);
}

/*
 * Where the table has this UID, or -1.  Binary search: the table is in
 * ascending UID order.  A FETCH or an index flush asks for UIDs in
 * order, so the one after the last found is tried first: a large
 * folder's table does not fit the caches.
 */
static ssize_t
msg_index(struct folder *f, uint32_t uid)
{
	size_t	lo = 0, hi = f->nmsgs, mid, h;

	for (h = f->uid_hint; h < f->nmsgs && h <= f->uid_hint + 1; h++)
		if (f->msgs[h]->uid == uid)
			return (ssize_t)(f->uid_hint = h);
	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		if (f->msgs[mid]->uid == uid)
			return (ssize_t)(f->uid_hint = mid);
		if (f->msgs[mid]->uid < uid)
			lo = mid + 1;
		else
			hi = mid;
	}
	return -1;
}

struct store_msg *
folder_msg_by_uid(struct folder *f, uint32_t uid)
{
	ssize_t	i;

	return (i = msg_index(f, uid)) == -1 ? NULL : f->msgs[i];
}

/*
 * Take the message of this UID out of the table and free it: 1, or 0
 * when the table has none.
 */
int
folder_drop_uid(struct folder *f, uint32_t uid)
{
	ssize_t	i;

	if ((i = msg_index(f, uid)) == -1)
		return 0;
	store_msg_free(f->msgs[i]);
	memmove(&f->msgs[i], &f->msgs[i + 1],
	    (f->nmsgs - (size_t)i - 1) * sizeof(*f->msgs));
	f->nmsgs--;
	return 1;
}

/*
 * After an attempt on a message's file failed (errno says why): 0 when
 * the file was only renamed by someone else and has been found again,
 * so the attempt may be made again under the new name; -1 otherwise,
 * with errno ENOENT when the message is gone.
 */
static int
msg_moved(struct folder *f, struct store_msg *m)
{
	if (errno != ENOENT)
		return -1;
	return store_msg_locate(f, m);
}

/*
 * Open a message for reading.  -1 with errno ENOENT when it has been
 * expunged by someone else.
 */
int
store_msg_open(struct folder *f, struct store_msg *m)
{
	char	name[NAME_MAX + 1];
	int	fd, try;

	for (try = 0; try < LOCATE_TRIES; try++) {
		if (store_msg_name(m, name, sizeof(name)) == -1)
			return -1;
		fd = openat(folder_dir_fd(f, m->dir), name,
		    O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
		if (fd != -1)
			return fd;
		if (msg_moved(f, m) == -1)
			return -1;
	}
	errno = ENOENT;
	return -1;
}

/* The message's size as sent (CRLF line ends), read once if unknown. */
int
store_msg_vsize(struct folder *f, struct store_msg *m, uint64_t *size)
{
	int	fd, r, saved;

	if (!m->have_vsize) {
		if ((fd = store_msg_open(f, m)) == -1)
			return -1;
		r = store_crlf_size(fd, &m->vsize);
		saved = errno;
		close(fd);
		if (r == -1) {
			errno = saved;
			return -1;
		}
		m->have_vsize = 1;
		f->facts_dirty++;
	}
	*size = m->vsize;
	return 0;
}

/*
 * Add and remove flags by renaming the file into cur/ with the new
 * info, keeping keyword letters and flags set meanwhile by others.
 * -1 with errno ENOENT when the message is gone, EINVAL when its info
 * is of a form we do not rewrite.
 */
int
store_msg_set_flags(struct folder *f, struct store_msg *m, uint64_t add,
    uint64_t remove)
{
	char		 from[NAME_MAX + 1], to[NAME_MAX + 1];
	char		 info[STORE_INFOLEN];
	uint64_t	 nf;
	int		 try, n, dir;

	for (try = 0; try < LOCATE_TRIES; try++) {
		if (!m->info_ok) {
			errno = EINVAL;
			return -1;
		}
		nf = (m->flags | add) & ~remove;
		if (nf == m->flags && m->dir == STORE_DIR_CUR)
			return 0;
		if (store_msg_name(m, from, sizeof(from)) == -1 ||
		    store_info_make(nf, info, sizeof(info)) == -1)
			return -1;
		n = snprintf(to, sizeof(to), "%s:%s", m->base, info);
		if (n < 0 || (size_t)n >= sizeof(to)) {
			errno = ENAMETOOLONG;
			return -1;
		}
		dir = m->dir;
		if (renameat(folder_dir_fd(f, dir), from, f->curfd, to) ==
		    0) {
			folder_watch_expect_rename(f, dir, from, to);
			return store_msg_info(m, STORE_DIR_CUR, info);
		}
		if (msg_moved(f, m) == -1)
			return -1;
	}
	errno = ENOENT;
	return -1;
}

/*
 * Remove a message's file.  One already removed by someone else
 * counts as removed.
 */
int
store_msg_expunge(struct folder *f, struct store_msg *m)
{
	char	name[NAME_MAX + 1];
	int	try;

	for (try = 0; try < LOCATE_TRIES; try++) {
		if (store_msg_name(m, name, sizeof(name)) == -1)
			return -1;
		if (unlinkat(folder_dir_fd(f, m->dir), name, 0) == 0)
			return 0;
		if (msg_moved(f, m) == -1)
			return errno == ENOENT ? 0 : -1;
	}
	errno = EAGAIN;
	return -1;
}

/*
 * A second thread for work a large folder's first open spreads over
 * two CPUs (file status at the scan, message files at the index
 * build): -1 when there is no second CPU or no thread (the caller
 * then does it all).  The thread blocks every signal, so that the
 * session's handlers run on the thread that expects them.  It must
 * touch nothing the caller touches meanwhile; the caller joins it
 * before using what it made.
 */
int
store_thread_start(pthread_t *tid, void *(*fn)(void *), void *arg)
{
	static long	ncpu;
	static int	warned;
	sigset_t	all, old;
	int		r;

	if (ncpu == 0)
		ncpu = sysconf(_SC_NPROCESSORS_ONLN);
	if (ncpu < 2)
		return -1;
	(void)sigfillset(&all);
	if (pthread_sigmask(SIG_BLOCK, &all, &old) != 0)
		return -1;
	r = pthread_create(tid, NULL, fn, arg);
	(void)pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (r != 0) {
		/* A process limit, say: once is enough to tell. */
		if (!warned)
			log_warnx("%s: pthread_create: %s; going on with "
			    "one thread", __func__, strerror(r));
		warned = 1;
		return -1;
	}
	return 0;
}

void
store_thread_join(pthread_t tid)
{
	int	r;

	/* It cannot fail for a thread we made and did not detach. */
	if ((r = pthread_join(tid, NULL)) != 0)
		fatalx("%s: pthread_join: %s", __func__, strerror(r));
}

/*
 * A base name no other delivery uses, in the usual Maildir form
 * (time, M and microseconds, P and pid, a per-process counter, random
 * bits, the host with '/' and ':' encoded as the spec says).
 */
int
store_unique(char *buf, size_t len)
{
	static unsigned int	 counter;
	struct timeval		 tv;
	char			 host[256], safe[256 * 4];
	size_t			 i, j;
	int			 n;

	if (gettimeofday(&tv, NULL) == -1)
		return -1;
	if (gethostname(host, sizeof(host)) == -1)
		(void)strlcpy(host, "localhost", sizeof(host));
	host[sizeof(host) - 1] = '\0';
	for (i = j = 0; host[i] != '\0' && j + 4 < sizeof(safe); i++) {
		if (host[i] == '/' || host[i] == ':' || host[i] == '\\' ||
		    (unsigned char)host[i] <= ' ' ||
		    (unsigned char)host[i] >= 0x7f) {
			n = snprintf(safe + j, sizeof(safe) - j, "\\%03o",
			    (unsigned char)host[i]);
			if (n < 0 || (size_t)n >= sizeof(safe) - j)
				break;
			j += n;
		} else
			safe[j++] = host[i];
	}
	safe[j] = '\0';
	if (j > 64)
		safe[64] = '\0';
	n = snprintf(buf, len, "%lld.M%06ldP%ldQ%uR%08x.%s",
	    (long long)tv.tv_sec, (long)tv.tv_usec, (long)getpid(),
	    ++counter, arc4random(), safe);
	if (n < 0 || (size_t)n >= len) {
		errno = ENAMETOOLONG;
		return -1;
	}
	return 0;
}
