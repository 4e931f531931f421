/*
 * Maildir++ folders for session processes: opening a folder scans its
 * new/ and cur/ under the folder lock, matches the files with the UID
 * list by base name, numbers new files, forgets vanished ones and
 * writes the list back when anything changed.  Messages are then
 * reached by their last known file name; when another process renamed
 * one (a flag change, a move from new/ to cur/) it is looked up again
 * by base name, and a message that is gone reads as expunged (ENOENT).
 */
#ifndef __unused
#define __unused	__attribute__((__unused__))
#endif
#include <sys/types.h>
#include <sys/stat.h>
#include <sys/file.h>
#include <sys/tree.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
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

#define FOLDER_LOCK		"postern-uidlist.lock"
#define FOLDER_LOCK_WAIT	120	/* seconds */
#define SCAN_TRIES		5
#define LOCATE_TRIES		3

RB_HEAD(msgtree, store_msg);

struct scan_ent {
	size_t	off;		/* name in scan.names */
	int	dir;
};

struct scan {
	struct buf	 names;
	struct scan_ent	*ents;
	size_t		 n, cap;
};

static int	 msg_cmp(struct store_msg *, struct store_msg *);
static int	 fresh_cmp(const void *, const void *);
static int	 dir_fd(struct folder *, int);
static int	 msg_name(struct store_msg *, char *, size_t);
static int	 msg_set_info(struct store_msg *, int, const char *);
static int	 mkdir_p(const char *);
static int	 open_subdir(int, const char *);
static int	 scan_dir(struct folder *, int, struct scan *, int *);
static int	 scan_folder(struct folder *, struct scan *, int *);
static void	 scan_free(struct scan *);
static int	 sync_locked(struct folder *, int);
static int	 merge_scan(struct folder *, struct scan *, struct msgtree *,
		    struct store_msg ***, size_t *);
static void	 number_fresh(struct folder *, struct store_msg **, size_t);
static void	 msg_stat_time(struct folder *, struct store_msg *);
static int	 msg_locate(struct folder *, struct store_msg *);

RB_GENERATE_STATIC(msgtree, store_msg, rb, msg_cmp)

static int
msg_cmp(struct store_msg *a, struct store_msg *b)
{
	return strcmp(a->base, b->base);
}

/* New files get UIDs by delivery time, then by name. */
static int
fresh_cmp(const void *a, const void *b)
{
	const struct store_msg	*ma = *(struct store_msg * const *)a;
	const struct store_msg	*mb = *(struct store_msg * const *)b;

	if (ma->sortkey != mb->sortkey)
		return ma->sortkey < mb->sortkey ? -1 : 1;
	return strcmp(ma->base, mb->base);
}

static int
dir_fd(struct folder *f, int dir)
{
	return dir == STORE_DIR_CUR ? f->curfd : f->newfd;
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

static int
msg_name(struct store_msg *m, char *buf, size_t len)
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
static int
msg_set_info(struct store_msg *m, int dir, const char *info)
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

static int
mkdir_p(const char *path)
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

	if (mkdir_p(path) == -1) {
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

/* A folder's new/ or cur/, made when a deliverer left it out. */
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
 * Open a folder by name: "INBOX" (any case) is the Maildir root, any
 * other name the Maildir++ folder `.name'.  The folder is synced before
 * it is returned; with FOLDER_SIZES every message's size is known too.
 * NULL with errno ENOENT for a folder that does not exist, EINVAL for
 * a name that cannot be one.
 */
struct folder *
folder_open(struct store *st, const char *name, int flags)
{
	struct folder	*f;
	char		 dir[NAME_MAX + 1];
	int		 n, saved;

	if (strcasecmp(name, "INBOX") == 0)
		n = snprintf(dir, sizeof(dir), ".");
	else {
		if (name[0] == '\0' || name[0] == '.' ||
		    strchr(name, '/') != NULL || strstr(name, "..") != NULL) {
			errno = EINVAL;
			return NULL;
		}
		n = snprintf(dir, sizeof(dir), ".%s", name);
	}
	if (n < 0 || (size_t)n >= sizeof(dir)) {
		errno = ENAMETOOLONG;
		return NULL;
	}
	if ((f = calloc(1, sizeof(*f))) == NULL)
		return NULL;
	f->store = st;
	f->fd = f->newfd = f->curfd = f->lockfd = -1;
	if ((f->name = strdup(name)) == NULL)
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
	if (folder_sync(f, flags) == -1)
		goto fail;
	return f;
 fail:
	saved = errno;
	folder_close(f);
	errno = saved;
	return NULL;
}

void
folder_close(struct folder *f)
{
	size_t	i;

	if (f == NULL)
		return;
	for (i = 0; i < f->nmsgs; i++)
		store_msg_free(f->msgs[i]);
	free(f->msgs);
	if (f->fd != -1)
		close(f->fd);
	if (f->newfd != -1)
		close(f->newfd);
	if (f->curfd != -1)
		close(f->curfd);
	if (f->lockfd != -1)
		close(f->lockfd);
	free(f->name);
	free(f);
}

/* Binary search: the table is in ascending UID order. */
struct store_msg *
folder_msg_by_uid(struct folder *f, uint32_t uid)
{
	size_t	lo = 0, hi = f->nmsgs, mid;

	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		if (f->msgs[mid]->uid == uid)
			return f->msgs[mid];
		if (f->msgs[mid]->uid < uid)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

/*
 * Bring the folder's table up to date with its directories and its UID
 * list, under the folder lock.  Every store_msg pointer taken before
 * is invalid afterwards.
 */
int
folder_sync(struct folder *f, int flags)
{
	int	r, saved;

	if (store_lock_file(f->lockfd, LOCK_EX, FOLDER_LOCK_WAIT) == -1) {
		log_warn("%s: lock %s", __func__, f->name);
		return -1;
	}
	r = sync_locked(f, flags);
	saved = errno;
	if (flock(f->lockfd, LOCK_UN) == -1)
		log_warn("%s: unlock %s", __func__, f->name);
	errno = saved;
	return r;
}

static void
scan_free(struct scan *sc)
{
	buf_free(&sc->names);
	free(sc->ents);
	memset(sc, 0, sizeof(*sc));
}

/*
 * Read one of new/ and cur/ into the scan.  *stable is cleared when the
 * directory changed while we read it: a file renamed meanwhile may
 * have been missed, and a missed file must not be taken for expunged.
 */
static int
scan_dir(struct folder *f, int dir, struct scan *sc, int *stable)
{
	struct stat	 before, after;
	struct dirent	*de;
	struct scan_ent	*ne;
	DIR		*dp;
	size_t		 len, ncap;
	int		 fd;

	if (fstat(dir_fd(f, dir), &before) == -1)
		return -1;
	if ((fd = openat(dir_fd(f, dir), ".",
	    O_RDONLY | O_DIRECTORY | O_CLOEXEC)) == -1)
		return -1;
	if ((dp = fdopendir(fd)) == NULL) {
		close(fd);
		return -1;
	}
	errno = 0;
	while ((de = readdir(dp)) != NULL) {
		if (de->d_name[0] == '.')
			continue;
		if (sc->n == sc->cap) {
			ncap = sc->cap ? sc->cap * 2 : 256;
			ne = reallocarray(sc->ents, ncap, sizeof(*ne));
			if (ne == NULL)
				goto fail;
			sc->ents = ne;
			sc->cap = ncap;
		}
		len = strlen(de->d_name);
		sc->ents[sc->n].off = sc->names.len;
		sc->ents[sc->n].dir = dir;
		if (buf_add(&sc->names, de->d_name, len + 1) == -1)
			goto fail;
		sc->n++;
		errno = 0;
	}
	if (errno != 0)
		goto fail;
	closedir(dp);
	if (fstat(dir_fd(f, dir), &after) == -1)
		return -1;
	if (before.st_mtim.tv_sec != after.st_mtim.tv_sec ||
	    before.st_mtim.tv_nsec != after.st_mtim.tv_nsec ||
	    before.st_ino != after.st_ino)
		*stable = 0;
	return 0;
 fail:
	closedir(dp);
	return -1;
}

/*
 * new/ first, then cur/: a file moved from new/ to cur/ between the
 * two reads is then seen twice, never missed.
 */
static int
scan_folder(struct folder *f, struct scan *sc, int *stable)
{
	int	try;

	for (try = 0; try < SCAN_TRIES; try++) {
		scan_free(sc);
		*stable = 1;
		if (scan_dir(f, STORE_DIR_NEW, sc, stable) == -1 ||
		    scan_dir(f, STORE_DIR_CUR, sc, stable) == -1) {
			log_warn("%s: %s/%s", __func__, f->store->path,
			    f->name);
			return -1;
		}
		if (*stable)
			break;
	}
	return 0;
}

/*
 * Match the scanned files with the table.  Files not in it become new
 * messages (*freshp); a base seen in both new/ and cur/ is one message,
 * the cur/ one.
 */
static int
merge_scan(struct folder *f, struct scan *sc, struct msgtree *tree,
    struct store_msg ***freshp, size_t *nfreshp)
{
	struct store_msg	 key, *m, **fresh = NULL, **nv;
	char			*name, *info;
	size_t			 i, bl, nfresh = 0, cap = 0;

	for (i = 0; i < sc->n; i++) {
		name = (char *)sc->names.data + sc->ents[i].off;
		if (store_name_split(name, &bl) == -1)
			continue;
		info = NULL;
		if (name[bl] == ':') {
			name[bl] = '\0';
			info = name + bl + 1;
		}
		key.base = name;
		if ((m = RB_FIND(msgtree, tree, &key)) == NULL) {
			if ((m = store_msg_new(name, bl)) == NULL)
				goto fail;
			if (nfresh == cap) {
				cap = cap ? cap * 2 : 64;
				nv = reallocarray(fresh, cap, sizeof(*nv));
				if (nv == NULL) {
					store_msg_free(m);
					goto fail;
				}
				fresh = nv;
			}
			fresh[nfresh++] = m;
			RB_INSERT(msgtree, tree, m);
		} else if (m->seen && m->dir == STORE_DIR_CUR)
			continue;
		if (msg_set_info(m, sc->ents[i].dir, info) == -1)
			goto fail;
		m->seen = 1;
	}
	*freshp = fresh;
	*nfreshp = nfresh;
	return 0;
 fail:
	for (i = 0; i < nfresh; i++)
		store_msg_free(fresh[i]);
	free(fresh);
	return -1;
}

/* The delivery time: the file's mtime, else the time in its name. */
static void
msg_stat_time(struct folder *f, struct store_msg *m)
{
	struct stat	sb;
	char		name[NAME_MAX + 1];

	m->time = 0;
	if (msg_name(m, name, sizeof(name)) == 0 &&
	    fstatat(dir_fd(f, m->dir), name, &sb, AT_SYMLINK_NOFOLLOW) == 0)
		m->time = sb.st_mtim.tv_sec;
	if (m->time <= 0)
		m->time = store_name_time(m->base);
	if (m->time <= 0)
		m->time = time(NULL);
}

/*
 * Number new files.  UIDs run out after 2^32-1; then the folder starts
 * over under a new UIDVALIDITY, as RFC 3501 allows.
 */
static void
number_fresh(struct folder *f, struct store_msg **fresh, size_t nfresh)
{
	size_t	i;
	time_t	t;

	if (nfresh == 0)
		return;
	for (i = 0; i < nfresh; i++) {
		msg_stat_time(f, fresh[i]);
		t = store_name_time(fresh[i]->base);
		fresh[i]->sortkey = t > 0 ? t : fresh[i]->time;
	}
	qsort(fresh, nfresh, sizeof(*fresh), fresh_cmp);
	if (nfresh > UINT32_MAX - 1 - (uint64_t)f->uidnext) {
		log_warnx("%s: %s: UIDs exhausted, new UIDVALIDITY", __func__,
		    f->name);
		f->uidvalidity = uidlist_new_uidvalidity(f, f->uidvalidity);
		f->uidnext = 1;
		for (i = 0; i < f->nmsgs; i++)
			f->msgs[i]->uid = f->uidnext++;
	}
	/* The caller reserved the room. */
	for (i = 0; i < nfresh; i++) {
		fresh[i]->uid = f->uidnext++;
		f->msgs[f->nmsgs++] = fresh[i];
	}
}

static int
sync_locked(struct folder *f, int flags)
{
	struct msgtree		  tree = RB_INITIALIZER(&tree);
	struct scan		  sc;
	struct store_msg	**fresh = NULL, *m;
	size_t			  nfresh = 0, i, j;
	uint32_t		  known, old_next;
	int			  stable, changed = 0, assigned = 0, fd;

	memset(&sc, 0, sizeof(sc));
	switch (uidlist_read(f, &known)) {
	case UIDLIST_OK:
		break;
	case UIDLIST_IMPORTED:
		changed = assigned = 1;
		break;
	case UIDLIST_MISSING:
	case UIDLIST_CORRUPT:
		f->uidvalidity = uidlist_new_uidvalidity(f, known);
		f->uidnext = 1;
		changed = assigned = 1;
		break;
	default:
		return -1;
	}
	old_next = f->uidnext;

	/* Index the list by base; a base listed twice keeps its first UID. */
	for (i = j = 0; i < f->nmsgs; i++) {
		m = f->msgs[i];
		m->seen = 0;
		m->dir = STORE_DIR_NEW;
		if (RB_INSERT(msgtree, &tree, m) != NULL) {
			store_msg_free(m);
			changed = 1;
			continue;
		}
		f->msgs[j++] = m;
	}
	f->nmsgs = j;

	if (scan_folder(f, &sc, &stable) == -1 ||
	    merge_scan(f, &sc, &tree, &fresh, &nfresh) == -1) {
		scan_free(&sc);
		return -1;
	}
	scan_free(&sc);

	/* Forget vanished files, unless a busy directory hid them. */
	for (i = j = 0; i < f->nmsgs; i++) {
		m = f->msgs[i];
		if (!m->seen && stable) {
			store_msg_free(m);
			changed = 1;
			continue;
		}
		if (m->time <= 0) {
			msg_stat_time(f, m);
			changed = 1;
		}
		f->msgs[j++] = m;
	}
	f->nmsgs = j;

	if (folder_reserve(f, nfresh) == -1) {
		for (i = 0; i < nfresh; i++)
			store_msg_free(fresh[i]);
		free(fresh);
		return -1;
	}
	number_fresh(f, fresh, nfresh);
	free(fresh);
	if (nfresh > 0 || f->uidnext != old_next)
		changed = assigned = 1;

	if (flags & FOLDER_SIZES) {
		for (i = 0; i < f->nmsgs; i++) {
			m = f->msgs[i];
			if (m->have_vsize)
				continue;
			if ((fd = store_msg_open(f, m)) == -1)
				continue;
			if (store_crlf_size(fd, &m->vsize) == 0) {
				m->have_vsize = 1;
				changed = 1;
			} else
				log_warn("%s: %s/%s", __func__, f->name,
				    m->base);
			close(fd);
		}
	}
	if (changed && uidlist_write(f) == -1) {
		/*
		 * UIDs handed out but not saved would change next time:
		 * clients would fetch those messages again.  Cached facts
		 * can simply be worked out again.
		 */
		if (assigned) {
			log_warnx("%s: %s: new UIDs cannot be saved", __func__,
			    f->name);
			return -1;
		}
		log_warnx("%s: %s: cached sizes not saved", __func__, f->name);
	}
	return 0;
}

/*
 * Look for a message whose file was renamed or moved by someone else.
 * Read new/ then cur/ (a cur/ name wins); when a concurrent rename may
 * have hidden it, try again.  -1 with errno ENOENT: it is gone.
 */
static int
msg_locate(struct folder *f, struct store_msg *m)
{
	struct scan	 sc;
	struct scan_ent	*found;
	char		*name;
	size_t		 i, bl, blen = strlen(m->base);
	int		 try, stable, r;

	memset(&sc, 0, sizeof(sc));
	for (try = 0; try < LOCATE_TRIES; try++) {
		scan_free(&sc);
		stable = 1;
		if (scan_dir(f, STORE_DIR_NEW, &sc, &stable) == -1 ||
		    scan_dir(f, STORE_DIR_CUR, &sc, &stable) == -1) {
			log_warn("%s: %s/%s", __func__, f->store->path,
			    f->name);
			scan_free(&sc);
			return -1;
		}
		found = NULL;
		for (i = 0; i < sc.n; i++) {
			name = (char *)sc.names.data + sc.ents[i].off;
			if (strncmp(name, m->base, blen) == 0 &&
			    (name[blen] == '\0' || name[blen] == ':') &&
			    store_name_split(name, &bl) == 0)
				found = &sc.ents[i];
		}
		if (found != NULL) {
			name = (char *)sc.names.data + found->off;
			r = msg_set_info(m, found->dir,
			    name[blen] == ':' ? name + blen + 1 : NULL);
			scan_free(&sc);
			return r;
		}
		if (stable)
			break;
	}
	scan_free(&sc);
	errno = ENOENT;
	return -1;
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
		if (msg_name(m, name, sizeof(name)) == -1)
			return -1;
		fd = openat(dir_fd(f, m->dir), name,
		    O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
		if (fd != -1)
			return fd;
		if (errno != ENOENT)
			return -1;
		if (msg_locate(f, m) == -1)
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
	int		 try, n;

	for (try = 0; try < LOCATE_TRIES; try++) {
		if (!m->info_ok) {
			errno = EINVAL;
			return -1;
		}
		nf = (m->flags | add) & ~remove;
		if (nf == m->flags && m->dir == STORE_DIR_CUR)
			return 0;
		if (msg_name(m, from, sizeof(from)) == -1 ||
		    store_info_make(nf, info, sizeof(info)) == -1)
			return -1;
		n = snprintf(to, sizeof(to), "%s:%s", m->base, info);
		if (n < 0 || (size_t)n >= sizeof(to)) {
			errno = ENAMETOOLONG;
			return -1;
		}
		if (renameat(dir_fd(f, m->dir), from, f->curfd, to) == 0)
			return msg_set_info(m, STORE_DIR_CUR, info);
		if (errno != ENOENT)
			return -1;
		if (msg_locate(f, m) == -1)
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
		if (msg_name(m, name, sizeof(name)) == -1)
			return -1;
		if (unlinkat(dir_fd(f, m->dir), name, 0) == 0)
			return 0;
		if (errno != ENOENT)
			return -1;
		if (msg_locate(f, m) == -1)
			return errno == ENOENT ? 0 : -1;
	}
	errno = EAGAIN;
	return -1;
}
