/*
 * The folder tree of a Maildir++ store, for session processes: LIST,
 * CREATE, DELETE, RENAME, STATUS and the special-use folders every
 * account has from its first login.  Folders are `.name' directories
 * of the root (INBOX is the root itself), so the tree is flat on disk
 * and parents exist only implicitly unless made.  Every change is a
 * single rename(2) or mkdir(2) at the point where it becomes visible,
 * so a crash leaves either the old state or the new one, plus at most
 * a hidden `..postern-' directory that the next login sweeps away.
 */
#ifndef __unused
#define __unused	__attribute__((__unused__))
#endif
#include <sys/types.h>
#include <sys/stat.h>
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

#include "log.h"
#include "store.h"
#include "store_local.h"

#define TMP_NEW		STORE_TMP_PREFIX "new."
#define TMP_DELETED	STORE_TMP_PREFIX "deleted."
#define STALE_NEW	3600		/* seconds before a ..postern-new.
					   is a crash's leftover */
#define RMTREE_DEPTH	4

struct lnode {
	RB_ENTRY(lnode)	 rb;
	unsigned int	 attrs;
	int		 exists;
	char		 name[];
};
RB_HEAD(ltree, lnode);

static const struct special {
	const char	*name;
	unsigned int	 attr;
} specials[] = {
	{ "Drafts",	STORE_LA_DRAFTS },
	{ "Sent",	STORE_LA_SENT },
	{ "Trash",	STORE_LA_TRASH },
	{ "Junk",	STORE_LA_JUNK },
	{ "Archive",	STORE_LA_ARCHIVE }
};

static int	 lnode_cmp(struct lnode *, struct lnode *);
static struct lnode *lnode_get(struct ltree *, const char *, size_t);
static void	 ltree_free(struct ltree *);
static int	 list_dirs(struct store *, struct ltree *);
static int	 list_add(struct store_list *, const char *, unsigned int);
static int	 tmp_name(const char *, char *, size_t);
static int	 make_folder(struct store *, const char *, int);
static int	 rename_noreplace(int, const char *, const char *);
static int	 dir_exists(struct store *, const char *);
static int	 has_inferiors(struct store *, const char *);
static int	 child_dirs(struct store *, const char *, char ***, size_t *);
static int	 create_parents(struct store *, const char *);
static int	 rename_inbox(struct store *, const char *);
static void	 sweep(struct store *);

RB_GENERATE_STATIC(ltree, lnode, rb, lnode_cmp)

static int
lnode_cmp(struct lnode *a, struct lnode *b)
{
	return strcmp(a->name, b->name);
}

static struct lnode *
lnode_get(struct ltree *t, const char *name, size_t len)
{
	struct lnode	*n, *old;

	if ((n = calloc(1, sizeof(*n) + len + 1)) == NULL)
		return NULL;
	memcpy(n->name, name, len);
	n->name[len] = '\0';
	if ((old = RB_INSERT(ltree, t, n)) != NULL) {
		free(n);
		return old;
	}
	return n;
}

static void
ltree_free(struct ltree *t)
{
	struct lnode	*n, *next;

	for (n = RB_MIN(ltree, t); n != NULL; n = next) {
		next = RB_NEXT(ltree, t, n);
		RB_REMOVE(ltree, t, n);
		free(n);
	}
}

/* The folders on disk, and every name above one of them. */
static int
list_dirs(struct store *st, struct ltree *t)
{
	struct dirent	*de;
	struct lnode	*n;
	struct stat	 sb;
	const char	*name, *p;
	char		 norm[STORE_NAME_MAX + 1];
	DIR		*dp;

	if ((n = lnode_get(t, "INBOX", 5)) == NULL)
		return -1;
	n->exists = 1;
	if ((dp = store_opendir(st->fd, ".")) == NULL)
		return -1;
	while ((errno = 0, de = readdir(dp)) != NULL) {
		if (de->d_name[0] != '.')
			continue;
		name = de->d_name + 1;
		/* ".INBOX" and ".inbox.x" cannot be reached by any name. */
		if (store_name_check(name) == -1 || store_name_is_inbox(name) ||
		    store_name_norm(name, norm, sizeof(norm)) == -1 ||
		    strcmp(norm, name) != 0)
			continue;
		if (de->d_type != DT_DIR) {
			if (de->d_type != DT_UNKNOWN && de->d_type != DT_LNK)
				continue;
			if (fstatat(dirfd(dp), de->d_name, &sb, 0) == -1 ||
			    !S_ISDIR(sb.st_mode))
				continue;
		}
		if ((n = lnode_get(t, name, strlen(name))) == NULL)
			goto fail;
		n->exists = 1;
		/* Its parents have children, and exist at least so. */
		for (p = strrchr(name, STORE_DELIM); p != NULL;
		    p = p > name ? memrchr(name, STORE_DELIM, p - name) :
		    NULL) {
			if ((n = lnode_get(t, name, p - name)) == NULL)
				goto fail;
			n->attrs |= STORE_LA_HASCHILDREN;
		}
	}
	if (errno != 0)
		goto fail;
	closedir(dp);
	return 0;
 fail:
	closedir(dp);
	return -1;
}

static int
list_add(struct store_list *l, const char *name, unsigned int attrs)
{
	struct store_list_ent	*ne;
	size_t			 ncap;

	if (l->n == l->cap) {
		ncap = l->cap ? l->cap * 2 : 16;
		if ((ne = reallocarray(l->ents, ncap, sizeof(*ne))) == NULL)
			return -1;
		l->ents = ne;
		l->cap = ncap;
	}
	if ((l->ents[l->n].name = strdup(name)) == NULL)
		return -1;
	l->ents[l->n++].attrs = attrs;
	return 0;
}

int
store_folder_list(struct store *st, struct store_list *l)
{
	struct ltree	 t = RB_INITIALIZER(&t);
	struct lnode	*n;
	char		**subs = NULL, norm[STORE_NAME_MAX + 1];
	size_t		 nsubs = 0, i;
	unsigned int	 a;
	int		 saved;

	memset(l, 0, sizeof(*l));
	if (list_dirs(st, &t) == -1 ||
	    store_subscriptions(st, &subs, &nsubs) == -1)
		goto fail;
	for (i = 0; i < nsubs; i++) {
		if (store_name_check(subs[i]) == -1 ||
		    store_name_norm(subs[i], norm, sizeof(norm)) == -1)
			continue;
		if (store_name_is_inbox(norm))
			(void)strlcpy(norm, "INBOX", sizeof(norm));
		if ((n = lnode_get(&t, norm, strlen(norm))) == NULL)
			goto fail;
		n->attrs |= STORE_LA_SUBSCRIBED;
	}
	/* INBOX first, then the rest in order. */
	RB_FOREACH(n, ltree, &t) {
		if (strcmp(n->name, "INBOX") == 0)
			break;
	}
	if (n == NULL || list_add(l, "INBOX", (n->attrs & (STORE_LA_SUBSCRIBED |
	    STORE_LA_HASCHILDREN)) | ((n->attrs & STORE_LA_HASCHILDREN) ?
	    0 : STORE_LA_HASNOCHILDREN)) == -1)
		goto fail;
	RB_FOREACH(n, ltree, &t) {
		if (strcmp(n->name, "INBOX") == 0)
			continue;
		a = n->attrs;
		if (!n->exists) {
			a |= STORE_LA_NONEXISTENT;
			if (a & STORE_LA_HASCHILDREN)
				a |= STORE_LA_NOSELECT;
			else
				a |= STORE_LA_SUBONLY;
		} else
			a |= store_special_use(n->name);
		if (!(a & STORE_LA_HASCHILDREN))
			a |= STORE_LA_HASNOCHILDREN;
		if (list_add(l, n->name, a) == -1)
			goto fail;
	}
	ltree_free(&t);
	store_strv_free(subs, nsubs);
	return 0;
 fail:
	saved = errno;
	log_warn("%s: %s", __func__, st->path);
	ltree_free(&t);
	store_strv_free(subs, nsubs);
	store_list_free(l);
	errno = saved;
	return -1;
}

void
store_list_free(struct store_list *l)
{
	size_t	i;

	for (i = 0; i < l->n; i++)
		free(l->ents[i].name);
	free(l->ents);
	memset(l, 0, sizeof(*l));
}

void
store_strv_free(char **v, size_t n)
{
	size_t	i;

	if (v == NULL)
		return;
	for (i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

unsigned int
store_special_use(const char *name)
{
	size_t	i;

	for (i = 0; i < sizeof(specials) / sizeof(specials[0]); i++)
		if (strcmp(name, specials[i].name) == 0)
			return specials[i].attr;
	return 0;
}

/* 1 when the folder's directory exists, 0 when not, -1 on error. */
static int
dir_exists(struct store *st, const char *dir)
{
	struct stat	sb;

	if (fstatat(st->fd, dir, &sb, 0) == -1)
		return errno == ENOENT || errno == ENOTDIR ? 0 : -1;
	return S_ISDIR(sb.st_mode) ? 1 : 0;
}

/*
 * Whether the name is a folder (INBOX always is): 1, 0, or -1 with
 * errno EINVAL for a name that cannot be one.
 */
int
store_folder_exists(struct store *st, const char *name)
{
	char	dir[NAME_MAX + 1];

	if (store_dirname(name, dir, sizeof(dir)) == -1)
		return -1;
	if (strcmp(dir, ".") == 0)
		return 1;
	return dir_exists(st, dir);
}

static int
tmp_name(const char *prefix, char *buf, size_t len)
{
	int	n;

	n = snprintf(buf, len, "%s%ld.%08x", prefix, (long)getpid(),
	    arc4random());
	if (n < 0 || (size_t)n >= len) {
		errno = ENAMETOOLONG;
		return -1;
	}
	return 0;
}

/*
 * rename(2) that fails with EEXIST rather than replace the target;
 * where the file system cannot say so, an existing target (always a
 * non-empty folder here) makes plain rename fail with ENOTEMPTY.
 */
static int
rename_noreplace(int dirfd, const char *from, const char *to)
{
	if (renameat2(dirfd, from, dirfd, to, RENAME_NOREPLACE) == 0)
		return 0;
	if (errno != EINVAL && errno != ENOSYS)
		return -1;
	if (faccessat(dirfd, to, F_OK, AT_SYMLINK_NOFOLLOW) == 0) {
		errno = EEXIST;
		return -1;
	}
	if (renameat(dirfd, from, dirfd, to) == 0)
		return 0;
	if (errno == ENOTEMPTY)
		errno = EEXIST;
	return -1;
}

/*
 * A new folder: built complete (cur/, new/, tmp/, maildirfolder) under
 * a hidden name, then renamed into place.  EEXIST when it is there.
 * With durable, it is on disk when this returns; without, a crash may
 * lose it whole (never leave half of it: the journal keeps the
 * directory operations in order), which suits folders made again
 * whenever they are found missing.
 */
static int
make_folder(struct store *st, const char *dir, int durable)
{
	static const char	*subdirs[] = { "cur", "new", "tmp" };
	char			 tmp[NAME_MAX + 1];
	size_t			 i;
	int			 fd, sub, saved;

	/* The rename below decides; this spares the work when it is there. */
	if ((saved = dir_exists(st, dir)) != 0) {
		if (saved == 1)
			errno = EEXIST;
		return -1;
	}
	if (tmp_name(TMP_NEW, tmp, sizeof(tmp)) == -1)
		return -1;
	if (mkdirat(st->fd, tmp, 0700) == -1)
		return -1;
	if ((fd = openat(st->fd, tmp, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) ==
	    -1)
		goto fail;
	for (i = 0; i < sizeof(subdirs) / sizeof(subdirs[0]); i++)
		if (mkdirat(fd, subdirs[i], 0700) == -1)
			goto fail;
	if ((sub = openat(fd, "maildirfolder",
	    O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600)) == -1)
		goto fail;
	close(sub);
	if (durable && fsync(fd) == -1)
		goto fail;
	close(fd);
	fd = -1;
	CRASH_POINT("create-built");
	if (rename_noreplace(st->fd, tmp, dir) == -1)
		goto fail;
	if (durable && fsync(st->fd) == -1)
		log_warn("%s: fsync %s", __func__, st->path);
	return 0;
 fail:
	saved = errno;
	if (fd != -1)
		close(fd);
	(void)store_rmtree(st->fd, tmp, 0);
	errno = saved;
	return -1;
}

/* Missing parents of a name become real folders (RFC 9051 6.3.4). */
static int
create_parents(struct store *st, const char *norm)
{
	char		 dir[NAME_MAX + 1];
	const char	*p;
	int		 n;

	for (p = strchr(norm, STORE_DELIM); p != NULL;
	    p = strchr(p + 1, STORE_DELIM)) {
		if (p - norm == 5 && strncmp(norm, "INBOX", 5) == 0)
			continue;
		n = snprintf(dir, sizeof(dir), ".%.*s", (int)(p - norm), norm);
		if (n < 0 || (size_t)n >= sizeof(dir)) {
			errno = ENAMETOOLONG;
			return -1;
		}
		if (make_folder(st, dir, 1) == -1 && errno != EEXIST)
			return -1;
	}
	return 0;
}

int
store_folder_create(struct store *st, const char *name)
{
	char	dir[NAME_MAX + 1];

	if (store_dirname(name, dir, sizeof(dir)) == -1)
		return -1;
	if (strcmp(dir, ".") == 0) {
		errno = EEXIST;
		return -1;
	}
	if (create_parents(st, dir + 1) == -1)
		return -1;
	return make_folder(st, dir, 1);
}

/*
 * Remove a directory tree below dirfd (a folder's, which holds only
 * its subdirectories and files).  A missing tree is removed already.
 */
int
store_rmtree(int pfd, const char *name, int depth)
{
	struct dirent	*de;
	DIR		*dp;
	int		 fd, r = 0;

	if (depth > RMTREE_DEPTH) {
		errno = ELOOP;
		return -1;
	}
	fd = openat(pfd, name,
	    O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd == -1)
		return errno == ENOENT ? 0 : -1;
	if ((dp = fdopendir(fd)) == NULL) {
		close(fd);
		return -1;
	}
	while ((errno = 0, de = readdir(dp)) != NULL) {
		if (strcmp(de->d_name, ".") == 0 ||
		    strcmp(de->d_name, "..") == 0)
			continue;
		if (unlinkat(dirfd(dp), de->d_name, 0) == 0 || errno == ENOENT)
			continue;
		if ((errno == EISDIR || errno == EPERM) &&
		    store_rmtree(dirfd(dp), de->d_name, depth + 1) == 0)
			continue;
		r = -1;
	}
	if (errno != 0)
		r = -1;
	closedir(dp);
	if (r == 0 && unlinkat(pfd, name, AT_REMOVEDIR) == -1 &&
	    errno != ENOENT)
		r = -1;
	return r;
}

/* Whether any folder lies below the name. */
static int
has_inferiors(struct store *st, const char *norm)
{
	char	**v;
	size_t	  n;

	if (child_dirs(st, norm, &v, &n) == -1)
		return -1;
	store_strv_free(v, n);
	return n > 0;
}

/*
 * The folder names below norm (without it), from the directories:
 * `.norm.x' and deeper.
 */
static int
child_dirs(struct store *st, const char *norm, char ***vp, size_t *np)
{
	struct dirent	*de;
	DIR		*dp;
	char		**v = NULL, **nv;
	size_t		 n = 0, cap = 0, len = strlen(norm);
	int		 saved;

	*vp = NULL;
	*np = 0;
	if ((dp = store_opendir(st->fd, ".")) == NULL)
		return -1;
	while ((errno = 0, de = readdir(dp)) != NULL) {
		if (de->d_name[0] != '.' ||
		    strncmp(de->d_name + 1, norm, len) != 0 ||
		    de->d_name[len + 1] != STORE_DELIM ||
		    store_name_check(de->d_name + 1) == -1)
			continue;
		if (n == cap) {
			cap = cap ? cap * 2 : 8;
			if ((nv = reallocarray(v, cap, sizeof(*nv))) == NULL)
				goto fail;
			v = nv;
		}
		if ((v[n] = strdup(de->d_name + 1)) == NULL)
			goto fail;
		n++;
	}
	if (errno != 0)
		goto fail;
	closedir(dp);
	*vp = v;
	*np = n;
	return 0;
 fail:
	saved = errno;
	closedir(dp);
	store_strv_free(v, n);
	errno = saved;
	return -1;
}

/*
 * DELETE: the folder is first renamed to a hidden name, in one step,
 * and only then emptied, so no client ever sees half a folder; a
 * crash while emptying leaves the hidden directory for sweep().
 * Sessions that have it selected see every message expunged.
 */
int
store_folder_delete(struct store *st, const char *name)
{
	char	dir[NAME_MAX + 1], tmp[NAME_MAX + 1];
	int	r;

	if (store_dirname(name, dir, sizeof(dir)) == -1)
		return -1;
	if (strcmp(dir, ".") == 0) {
		errno = EPERM;
		return -1;
	}
	if ((r = dir_exists(st, dir)) != 1) {
		if (r == 0)
			errno = ENOENT;
		return -1;
	}
	if (tmp_name(TMP_DELETED, tmp, sizeof(tmp)) == -1)
		return -1;
	if (renameat(st->fd, dir, st->fd, tmp) == -1)
		return -1;
	if (fsync(st->fd) == -1)
		log_warn("%s: fsync %s", __func__, st->path);
	CRASH_POINT("delete-hidden");
	if (store_rmtree(st->fd, tmp, 0) == -1)
		log_warn("%s: %s/%s left behind", __func__, st->path, tmp);
	return 0;
}

/*
 * RENAME.  The folder goes first, then each inferior, each in one
 * rename(2) that refuses to replace anything: a crash midway leaves
 * some inferiors under the old name, every message in some folder.
 */
int
store_folder_rename(struct store *st, const char *from, const char *to)
{
	char	 fdir[NAME_MAX + 1], tdir[NAME_MAX + 1];
	char	 src[NAME_MAX + 1], dst[NAME_MAX + 1];
	char	**kids = NULL, **subs = NULL;
	size_t	 nkids = 0, nsubs = 0, i, flen;
	int	 r = -1, fexists, n, saved;

	if (store_dirname(from, fdir, sizeof(fdir)) == -1 ||
	    store_dirname(to, tdir, sizeof(tdir)) == -1)
		return -1;
	if (strcmp(tdir, ".") == 0 || strcmp(fdir, tdir) == 0) {
		errno = EEXIST;
		return -1;
	}
	if (strcmp(fdir, ".") == 0)
		return rename_inbox(st, tdir + 1);
	flen = strlen(fdir);
	if (strncmp(tdir, fdir, flen) == 0 && tdir[flen] == STORE_DELIM) {
		errno = EINVAL;
		return -1;
	}
	if ((fexists = dir_exists(st, fdir)) == -1 ||
	    child_dirs(st, fdir + 1, &kids, &nkids) == -1)
		return -1;
	if (!fexists && nkids == 0) {
		errno = ENOENT;
		goto out;
	}
	/* Every target must be free before anything moves. */
	if ((n = dir_exists(st, tdir)) != 0 ||
	    (n = has_inferiors(st, tdir + 1)) != 0) {
		if (n == 1)
			errno = EEXIST;
		goto out;
	}
	for (i = 0; i < nkids; i++) {
		n = snprintf(dst, sizeof(dst), "%s%s", tdir,
		    kids[i] + flen - 1);
		if (n < 0 || (size_t)n >= sizeof(dst) ||
		    store_name_check(dst + 1) == -1) {
			errno = ENAMETOOLONG;
			goto out;
		}
	}
	if (create_parents(st, tdir + 1) == -1)
		goto out;
	if (fexists && rename_noreplace(st->fd, fdir, tdir) == -1)
		goto out;
	for (i = 0; i < nkids; i++) {
		(void)snprintf(src, sizeof(src), ".%s", kids[i]);
		(void)snprintf(dst, sizeof(dst), "%s%s", tdir,
		    kids[i] + flen - 1);
		CRASH_POINT("rename-step");
		if (rename_noreplace(st->fd, src, dst) == -1) {
			log_warn("%s: %s/%s", __func__, st->path, src);
			goto out;
		}
	}
	if (fsync(st->fd) == -1)
		log_warn("%s: fsync %s", __func__, st->path);
	r = 0;
	/* Subscriptions follow, as Dovecot's do. */
	if (store_subscriptions(st, &subs, &nsubs) == 0) {
		for (i = 0; i < nsubs; i++) {
			if (strncmp(subs[i], fdir + 1, flen - 1) != 0 ||
			    (subs[i][flen - 1] != '\0' &&
			    subs[i][flen - 1] != STORE_DELIM))
				continue;
			n = snprintf(dst, sizeof(dst), "%s%s", tdir + 1,
			    subs[i] + flen - 1);
			if (n < 0 || (size_t)n >= sizeof(dst))
				continue;
			if (store_unsubscribe(st, subs[i]) == -1 ||
			    store_subscribe(st, dst) == -1)
				log_warn("%s: subscriptions", __func__);
		}
	}
 out:
	saved = errno;
	store_strv_free(kids, nkids);
	store_strv_free(subs, nsubs);
	errno = saved;
	return r;
}

/*
 * RENAME INBOX (RFC 3501 6.3.5): a new folder gets every message of
 * INBOX, moved one rename(2) each, so that each is in exactly one of
 * the two at every instant; INBOX stays, empty, with its inferiors.
 */
static int
rename_inbox(struct store *st, const char *norm)
{
	struct folder	*inbox;
	uint32_t	*uids = NULL, *dst = NULL, uv;
	size_t		 i;
	int		 r = -1, saved;

	if (store_folder_create(st, norm) == -1)
		return -1;
	if ((inbox = folder_open(st, "INBOX", 0)) == NULL)
		return -1;
	if (inbox->nmsgs > 0) {
		uids = reallocarray(NULL, inbox->nmsgs, sizeof(*uids));
		dst = reallocarray(NULL, inbox->nmsgs, sizeof(*dst));
		if (uids == NULL || dst == NULL)
			goto out;
		for (i = 0; i < inbox->nmsgs; i++)
			uids[i] = inbox->msgs[i]->uid;
		if (folder_move(inbox, uids, inbox->nmsgs, norm, &uv, dst) ==
		    -1)
			goto out;
	}
	r = folder_sync(inbox, 0);
 out:
	saved = errno;
	free(uids);
	free(dst);
	folder_close(inbox);
	errno = saved;
	return r;
}

/* Hidden directories of crashed creates and deletes. */
static void
sweep(struct store *st)
{
	struct dirent	*de;
	struct stat	 sb;
	DIR		*dp;
	time_t		 now = time(NULL);

	if ((dp = store_opendir(st->fd, ".")) == NULL)
		return;
	while ((de = readdir(dp)) != NULL) {
		if (strncmp(de->d_name, TMP_DELETED,
		    sizeof(TMP_DELETED) - 1) != 0 &&
		    (strncmp(de->d_name, TMP_NEW, sizeof(TMP_NEW) - 1) != 0 ||
		    fstatat(dirfd(dp), de->d_name, &sb,
		    AT_SYMLINK_NOFOLLOW) == -1 ||
		    sb.st_mtime > now - STALE_NEW))
			continue;
		if (store_rmtree(dirfd(dp), de->d_name, 0) == -1)
			log_warn("%s: %s/%s", __func__, st->path, de->d_name);
	}
	closedir(dp);
}

/*
 * At every login: the special-use folders that are missing are made,
 * and subscribed with one write of the subscriptions (with INBOX when
 * there were none).  They are made without waiting for the disk: a
 * crash that loses one only means it is made again at the next login.
 */
int
store_special_init(struct store *st)
{
	const char	*subscribe[1 + sizeof(specials) / sizeof(specials[0])];
	char		 dir[NAME_MAX + 1];
	size_t		 i, n = 0;
	int		 r = 0;

	sweep(st);
	if (faccessat(st->fd, STORE_SUBSCRIPTIONS, F_OK,
	    AT_SYMLINK_NOFOLLOW) == -1) {
		if (errno == ENOENT)
			subscribe[n++] = "INBOX";
		else
			r = -1;
	}
	for (i = 0; i < sizeof(specials) / sizeof(specials[0]); i++) {
		if (store_dirname(specials[i].name, dir, sizeof(dir)) == -1 ||
		    make_folder(st, dir, 0) == -1) {
			if (errno == EEXIST)
				continue;
			log_warn("%s: %s", __func__, specials[i].name);
			r = -1;
			continue;
		}
		subscribe[n++] = specials[i].name;
	}
	if (n > 0 && store_subscribe_list(st, subscribe, n) == -1)
		r = -1;
	return r;
}

int
store_folder_status(struct store *st, const char *name, int flags,
    struct store_status *ss)
{
	struct folder	*f;

	memset(ss, 0, sizeof(*ss));
	if ((f = folder_open(st, name,
	    (flags & STORE_STATUS_SIZE) ? FOLDER_SIZES : 0)) == NULL)
		return -1;
	folder_status(f, ss);
	folder_close(f);
	return 0;
}

void
folder_status(struct folder *f, struct store_status *ss)
{
	struct store_msg	*m;
	size_t			 i;

	memset(ss, 0, sizeof(*ss));
	ss->messages = f->nmsgs;
	ss->uidnext = f->uidnext;
	ss->uidvalidity = f->uidvalidity;
	for (i = 0; i < f->nmsgs; i++) {
		m = f->msgs[i];
		if (!(m->flags & STORE_F_SEEN))
			ss->unseen++;
		if (m->flags & STORE_F_DELETED)
			ss->deleted++;
		if (m->recent || m->uid >= f->recent_mark)
			ss->recent++;
		if (m->have_vsize)
			ss->size += m->vsize;
	}
}
