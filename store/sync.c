/*
 * Folder sync for session processes: under the folder lock, new/ and
 * cur/ are scanned, the files matched with the UID list by base name,
 * new files numbered, vanished ones forgotten, and the list written
 * back when anything changed.  The sync also tells an IMAP session
 * what changed since its previous one (EXISTS, EXPUNGE, FETCH FLAGS),
 * claims \Recent for an IMAP4rev1 SELECT, and gives UIDs to messages
 * that APPEND, COPY and MOVE have just put into a folder without
 * reading the whole folder.
 */
#ifndef __unused
#define __unused	__attribute__((__unused__))
#endif
#include <sys/types.h>
#include <sys/inotify.h>
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
#include <time.h>
#include <unistd.h>

#include "buf.h"
#include "log.h"
#include "store.h"
#include "store_local.h"

#define SCAN_TRIES		5
#define STAT_THREAD_MIN		256	/* new files worth a second thread */
/*
 * Names new to the table that a scan of new/ alone looks for in cur/'s
 * part of the table one by one; past that, it indexes that part.
 */
#define NEW_ONLY_LINEAR		64
/* Events sync_news() applies; more, and the directories are read. */
#define SYNC_NEWS_MAX		64

RB_HEAD(msgtree, store_msg);

struct scan_ent {
	size_t	off;		/* name in scan.names */
	int	dir;
};

struct scan {
	struct buf	 names;
	struct scan_ent	*ents;
	size_t		 n, cap;
	struct timespec	 mtime[2];	/* new/, cur/ after reading */
};

/* What the handle showed before a sync. */
struct snap {
	uint32_t	uid;
	int		recent;
	uint64_t	flags;
};

static int	 msg_cmp(struct store_msg *, struct store_msg *);
static int	 fresh_cmp(const void *, const void *);
static int	 scan_dir(struct folder *, int, struct scan *, int *);
static int	 scan_folder(struct folder *, int, struct scan *, int *);
static void	 scan_free(struct scan *);
static int	 merge_scan(struct folder *, struct scan *, struct msgtree *,
		    int, struct store_msg ***, size_t *);
static int	 number_fresh(struct folder *, struct store_msg **, size_t);
static void	 msg_stat_time(struct folder *, struct store_msg *);
static void	*stat_thread(void *);
static void	 stat_fresh(struct folder *, struct store_msg **, size_t);
static int	 drop_gone(struct folder *, uint32_t **, size_t *);
static int	 changed_dirs(struct folder *);
static struct store_msg *by_base(struct folder *, const char *, size_t);
static int	 name_exists(struct folder *, int, const char *);
static int	 sync_news(struct folder *, size_t, int *);
static int	 sync_scan(struct folder *, int, int, int *, int *, size_t *);
static int	 take_snap(struct folder *, struct snap **, size_t *);
static void	 restore_recent(struct folder *, const struct snap *, size_t);
static int	 diff_snap(struct folder *, const struct snap *, size_t,
		    struct folder_changes *);
static int	 uid_push(uint32_t **, size_t *, size_t *, uint32_t);
static int	 assign_whole(struct folder *, char *const *, size_t,
		    uint32_t *);

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

/*
 * Bring the folder's table up to date with its directories and its UID
 * list, under the folder lock.  Every store_msg pointer taken before
 * is invalid afterwards.
 */
int
folder_sync(struct folder *f, int flags)
{
	return folder_sync_changes(f, flags, NULL);
}

int
folder_sync_changes(struct folder *f, int flags, struct folder_changes *ch)
{
	int	r, saved;

	if (ch != NULL)
		memset(ch, 0, sizeof(*ch));
	if (folder_lock(f) == -1) {
		log_warn("%s: lock %s", __func__, f->name);
		return -1;
	}
	r = folder_sync_locked(f, flags, ch);
	saved = errno;
	folder_unlock(f);
	if (r == -1 && ch != NULL)
		folder_changes_free(ch);
	errno = saved;
	return r;
}

void
folder_changes_free(struct folder_changes *ch)
{
	free(ch->expunged);
	free(ch->added);
	free(ch->flagged);
	memset(ch, 0, sizeof(*ch));
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

	if (fstat(folder_dir_fd(f, dir), &before) == -1)
		return -1;
	if ((dp = store_opendir(folder_dir_fd(f, dir), ".")) == NULL)
		return -1;
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
	if (fstat(folder_dir_fd(f, dir), &after) == -1)
		return -1;
	if (before.st_mtim.tv_sec != after.st_mtim.tv_sec ||
	    before.st_mtim.tv_nsec != after.st_mtim.tv_nsec ||
	    before.st_ino != after.st_ino)
		*stable = 0;
	sc->mtime[dir] = after.st_mtim;
	return 0;
 fail:
	closedir(dp);
	return -1;
}

/*
 * The directories in dirs (WATCH_DIR() bits), new/ first, then cur/: a
 * file moved from new/ to cur/ between the two reads is then seen
 * twice, never missed.
 */
static int
scan_folder(struct folder *f, int dirs, struct scan *sc, int *stable)
{
	int	try;

	for (try = 0; try < SCAN_TRIES; try++) {
		scan_free(sc);
		*stable = 1;
		if (((dirs & WATCH_DIR(STORE_DIR_NEW)) &&
		    scan_dir(f, STORE_DIR_NEW, sc, stable) == -1) ||
		    ((dirs & WATCH_DIR(STORE_DIR_CUR)) &&
		    scan_dir(f, STORE_DIR_CUR, sc, stable) == -1)) {
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
 * the cur/ one.  With new_only only new/ was read, and the tree holds
 * only what the table had there: a file not in it is looked for in
 * cur/'s part of the table first (new/ may hold many files the table
 * knows, a delivery adds few it does not).
 */
static int
merge_scan(struct folder *f, struct scan *sc, struct msgtree *tree,
    int new_only, struct store_msg ***freshp, size_t *nfreshp)
{
	struct store_msg	 key, *m, **fresh = NULL, **nv;
	char			*name, *info;
	size_t			 i, j, bl, nfresh = 0, cap = 0, looked = 0;

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
		m = RB_FIND(msgtree, tree, &key);
		if (m == NULL && new_only) {
			if (++looked <= NEW_ONLY_LINEAR) {
				/* Not in new/'s part: in cur/'s, if at all. */
				if (by_base(f, name, 0) != NULL)
					continue;
			} else {
				for (j = 0; j < f->nmsgs; j++)
					if (f->msgs[j]->dir == STORE_DIR_CUR)
						(void)RB_INSERT(msgtree, tree,
						    f->msgs[j]);
				new_only = 0;
				m = RB_FIND(msgtree, tree, &key);
			}
		}
		if (m == NULL) {
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
		if (store_msg_info(m, sc->ents[i].dir, info) == -1)
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
	if (store_msg_name(m, name, sizeof(name)) == 0 &&
	    fstatat(folder_dir_fd(f, m->dir), name, &sb,
	    AT_SYMLINK_NOFOLLOW) == 0)
		m->time = sb.st_mtim.tv_sec;
	if (m->time <= 0)
		m->time = store_name_time(m->base);
	if (m->time <= 0)
		m->time = time(NULL);
}

/* The half of the new files that the second thread looks at. */
struct stat_half {
	struct folder		 *f;
	struct store_msg	**msgs;
	size_t			  n;
};

static void *
stat_thread(void *arg)
{
	struct stat_half	*h = arg;
	size_t			 i;

	for (i = 0; i < h->n; i++)
		msg_stat_time(h->f, h->msgs[i]);
	return NULL;
}

/*
 * The delivery time of each new file: one fstatat each, which for a
 * large folder's first open is worth a second thread (each message is
 * its own, the directory descriptors are only read).
 */
static void
stat_fresh(struct folder *f, struct store_msg **fresh, size_t nfresh)
{
	struct stat_half	 h;
	pthread_t		 tid;
	size_t			 i, mine = nfresh;
	int			 threaded = 0;

	if (nfresh >= STAT_THREAD_MIN) {
		mine = nfresh / 2;
		h.f = f;
		h.msgs = fresh + mine;
		h.n = nfresh - mine;
		if (store_thread_start(&tid, stat_thread, &h) == 0)
			threaded = 1;
		else
			mine = nfresh;
	}
	for (i = 0; i < mine; i++)
		msg_stat_time(f, fresh[i]);
	if (threaded)
		store_thread_join(tid);
}

/*
 * Number new files.  UIDs run out after 2^32-1; then the folder starts
 * over under a new UIDVALIDITY, as RFC 3501 allows.  Returns 1 when
 * that happened.
 */
static int
number_fresh(struct folder *f, struct store_msg **fresh, size_t nfresh)
{
	size_t	i;
	time_t	t;
	int	renumbered = 0;

	if (nfresh == 0)
		return 0;
	stat_fresh(f, fresh, nfresh);
	for (i = 0; i < nfresh; i++) {
		t = store_name_time(fresh[i]->base);
		fresh[i]->sortkey = t > 0 ? t : fresh[i]->time;
	}
	qsort(fresh, nfresh, sizeof(*fresh), fresh_cmp);
	if (nfresh > UINT32_MAX - 1 - (uint64_t)f->uidnext) {
		log_warnx("%s: %s: UIDs exhausted, new UIDVALIDITY", __func__,
		    f->name);
		f->uidvalidity = uidlist_new_uidvalidity(f, f->uidvalidity);
		f->uidnext = 1;
		f->recent_mark = 1;
		for (i = 0; i < f->nmsgs; i++)
			f->msgs[i]->uid = f->uidnext++;
		renumbered = 1;
	}
	/* The caller reserved the room. */
	for (i = 0; i < nfresh; i++) {
		fresh[i]->uid = f->uidnext++;
		f->msgs[f->nmsgs++] = fresh[i];
	}
	return renumbered;
}

/*
 * Drop what this handle expunged itself (folder_expunge()) when the
 * table is otherwise current: the scan would have found those files
 * missing and nothing else, so the changes report them all the same.
 */
static int
drop_gone(struct folder *f, uint32_t **uidsp, size_t *np)
{
	uint32_t	*uids = NULL;
	size_t		 i, j, n = 0;

	for (i = 0; uidsp != NULL && i < f->nmsgs; i++)
		n += f->msgs[i]->gone != 0;
	if (n > 0 && (uids = reallocarray(NULL, n, sizeof(*uids))) == NULL)
		return -1;
	for (i = j = n = 0; i < f->nmsgs; i++) {
		if (f->msgs[i]->gone) {
			if (uids != NULL)
				uids[n] = f->msgs[i]->uid;
			store_msg_free(f->msgs[i]);
			n++;
			continue;
		}
		f->msgs[j++] = f->msgs[i];
	}
	f->nmsgs = j;
	if (uidsp != NULL) {
		*uidsp = uids;
		*np = n;
	}
	return n > 0;
}

/*
 * Which of new/ and cur/ may hold what the table does not, as
 * WATCH_DIR() bits: those in which the watch saw more than this
 * handle's own renames and removals since their last scan, or, without
 * a watch, both unless the directory times say neither changed.
 */
static int
changed_dirs(struct folder *f)
{
	int	r;

	if (f->watchfd != -1 && (r = folder_watch_dirs(f)) != -1)
		return r;
	return folder_dirs_unchanged(f) ? 0 : WATCH_ALL;
}

/*
 * The message of the table under this base: the last `from' first (the
 * messages just read from the list's end), then the others.  One by one:
 * sync_news() asks only for the few files events named, a scan of new/
 * alone only for the few names the table lacks.
 */
static struct store_msg *
by_base(struct folder *f, const char *base, size_t from)
{
	size_t	i;

	for (i = from; i < f->nmsgs; i++)
		if (strcmp(f->msgs[i]->base, base) == 0)
			return f->msgs[i];
	for (i = 0; i < from && i < f->nmsgs; i++)
		if (strcmp(f->msgs[i]->base, base) == 0)
			return f->msgs[i];
	return NULL;
}

/*
 * Whether dir/name of the folder exists now.  An error other than
 * ENOENT counts as yes: the caller then looks no further.
 */
static int
name_exists(struct folder *f, int dir, const char *name)
{
	struct stat	sb;

	return fstatat(folder_dir_fd(f, dir), name, &sb,
	    AT_SYMLINK_NOFOLLOW) == 0 || errno != ENOENT;
}

/*
 * Bring the table up to date from the events the watch kept, reading
 * no directory: another session's flag changes and removals, and the
 * files of the last `tail' messages (records just read from the end of
 * the list, whose files another handle put into cur/).  The events only
 * say which messages to look at, since the table may know better than
 * an old event (a STORE here found the file under a newer name): each
 * keeps the name it has if that file is there, else takes the latest
 * name an event gave it that is there, else it is gone, when no event
 * came meanwhile to say otherwise.  Returns 0 when that told all
 * (*changedp set when messages went), 1 when the directories must be
 * read (events not all kept, a file the table does not know, which a
 * scan numbers, a new record whose file no event named, or news while
 * looking), -1 on error.
 */
static int
sync_news(struct folder *f, size_t tail, int *changedp)
{
	const struct watch_event	 *ev;
	struct store_msg		 *m, *touched[SYNC_NEWS_MAX];
	char				  name[NAME_MAX + 1], now[NAME_MAX + 1];
	char				 *info;
	size_t				  n, i, j, k, bl, ntouched = 0;
	size_t				  first = f->nmsgs - tail;
	int				  gone = 0;

	if (folder_watch_news(f, &ev, &n) == -1 || n > SYNC_NEWS_MAX)
		return 1;
	for (i = first; i < f->nmsgs; i++)
		f->msgs[i]->seen = 0;
	/* The messages the events are about; a file nobody knows: a scan. */
	for (i = 0; i < n; i++) {
		if (ev[i].name[0] == '.' || (ev[i].mask & IN_ISDIR) ||
		    !(ev[i].mask & (IN_CREATE | IN_MOVED_TO | IN_DELETE |
		    IN_MOVED_FROM)))
			continue;
		(void)strlcpy(name, ev[i].name, sizeof(name));
		if (store_name_split(name, &bl) == -1)
			continue;		/* never a message */
		name[bl] = '\0';
		if ((m = by_base(f, name, first)) == NULL) {
			if ((ev[i].mask & (IN_CREATE | IN_MOVED_TO)) &&
			    name_exists(f, ev[i].dir, ev[i].name))
				return 1;
			continue;
		}
		for (j = 0; j < ntouched && touched[j] != m; j++)
			continue;
		if (j == ntouched)
			touched[ntouched++] = m;
	}
	for (j = 0; j < ntouched; j++) {
		m = touched[j];
		/* The name it has, if its file is there. */
		if (store_msg_name(m, now, sizeof(now)) == 0 &&
		    name_exists(f, m->dir, now)) {
			m->seen = 1;
			continue;
		}
		/* The latest name an event gave it that is there. */
		m->seen = 0;
		for (k = n; k-- > 0 && !m->seen;) {
			if (!(ev[k].mask & (IN_CREATE | IN_MOVED_TO)))
				continue;
			(void)strlcpy(name, ev[k].name, sizeof(name));
			if (store_name_split(name, &bl) == -1 ||
			    strncmp(name, m->base, bl) != 0 ||
			    m->base[bl] != '\0' ||
			    !name_exists(f, ev[k].dir, ev[k].name))
				continue;
			info = NULL;
			if (name[bl] == ':')
				info = name + bl + 1;
			if (store_msg_info(m, ev[k].dir, info) == -1)
				return -1;
			m->seen = 1;
		}
		if (!m->seen)
			gone = 1;
	}
	for (i = first; i < f->nmsgs; i++)
		if (!f->msgs[i]->seen)
			return 1;
	/* Gone, unless something happened since that may say otherwise. */
	if (gone && folder_watch_pending(f))
		return 1;
	for (j = 0; j < ntouched; j++)
		if (!touched[j]->seen && folder_drop_uid(f, touched[j]->uid))
			*changedp = 1;
	folder_watch_applied(f);
	return 0;
}

/*
 * Neither directory changed since a scan that found them settled: the
 * table still tells what is there.  Directory times come from a coarse
 * clock, so a scan trusts them only when they were over a second old:
 * a change within the same tick as the scan cannot hide.
 */
int
folder_dirs_unchanged(struct folder *f)
{
	struct stat	sb;
	int		d;

	if (!f->dirs_clean)
		return 0;
	for (d = STORE_DIR_NEW; d <= STORE_DIR_CUR; d++) {
		if (fstat(folder_dir_fd(f, d), &sb) == -1)
			return 0;
		if (sb.st_mtim.tv_sec != f->dir_mtime[d].tv_sec ||
		    sb.st_mtim.tv_nsec != f->dir_mtime[d].tv_nsec)
			return 0;
	}
	return 1;
}

/*
 * The scan proper, of the directories in dirs (WATCH_DIR() bits) and
 * of those the watch has seen change meanwhile.  With reread the table
 * is loaded from the list first, and both are read; without, the table
 * is known to match the list already, and when only new/ changed (a
 * delivery) cur/, which may hold a hundred thousand files, is not read
 * again.  *appendp gets the number of new messages when they are all
 * that changed: they are the last of the table, and their records can
 * be added to the list rather than the list written whole.
 */
static int
sync_scan(struct folder *f, int reread, int dirs, int *changedp,
    int *assignedp, size_t *appendp)
{
	struct msgtree		  tree = RB_INITIALIZER(&tree);
	struct scan		  sc;
	struct store_msg	**fresh = NULL, *m;
	struct timespec		  now;
	size_t			  nfresh = 0, i, j;
	uint32_t		  known, old_next;
	int			  stable, changed = 0, assigned = 0, d, new_only;

	memset(&sc, 0, sizeof(sc));
	*appendp = 0;
	if (clock_gettime(CLOCK_REALTIME, &now) == -1)
		return -1;
	dirs = folder_watch_reset(f, reread ? WATCH_ALL : dirs);
	new_only = !reread && dirs == WATCH_DIR(STORE_DIR_NEW);
	if (!new_only)
		dirs = WATCH_ALL;
	if (new_only && drop_gone(f, NULL, NULL))
		changed = 1;
	if (reread) {
		switch (uidlist_read(f, &known)) {
		case UIDLIST_OK:
			if (f->ul_torn)
				changed = 1;
			break;
		case UIDLIST_IMPORTED:
			changed = assigned = 1;
			break;
		case UIDLIST_MISSING:
		case UIDLIST_CORRUPT:
			f->uidvalidity = uidlist_new_uidvalidity(f, known);
			f->uidnext = 1;
			f->recent_mark = 1;
			changed = assigned = 1;
			break;
		default:
			return -1;
		}
	}
	old_next = f->uidnext;

	/*
	 * Index the list by base; a base listed twice keeps its first UID.
	 * When only new/ is read, what is in cur/ stays as it is.
	 */
	for (i = j = 0; i < f->nmsgs; i++) {
		m = f->msgs[i];
		if (new_only && m->dir == STORE_DIR_CUR) {
			m->seen = 1;
			f->msgs[j++] = m;
			continue;
		}
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

	if (scan_folder(f, dirs, &sc, &stable) == -1) {
		scan_free(&sc);
		uidlist_forget(f);
		return -1;
	}
	if (merge_scan(f, &sc, &tree, new_only, &fresh, &nfresh) == -1) {
		scan_free(&sc);
		uidlist_forget(f);
		return -1;
	}
	/* cur/'s time, when not read now, is as the last scan left it. */
	if (dirs != WATCH_ALL)
		f->dirs_clean = f->dirs_clean && stable;
	else
		f->dirs_clean = stable;
	for (d = STORE_DIR_NEW; d <= STORE_DIR_CUR; d++) {
		if (!(dirs & WATCH_DIR(d)))
			continue;
		f->dir_mtime[d] = sc.mtime[d];
		if (sc.mtime[d].tv_sec >= now.tv_sec - 1)
			f->dirs_clean = 0;
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
		uidlist_forget(f);
		return -1;
	}
	if (number_fresh(f, fresh, nfresh))
		changed = assigned = 1;
	free(fresh);
	if (!changed && !reread && nfresh > 0 && f->uidnext == old_next + nfresh)
		*appendp = nfresh;
	if (nfresh > 0 || f->uidnext != old_next)
		changed = assigned = 1;
	if (stable)
		folder_watch_settled(f, dirs);
	*changedp = changed;
	*assignedp = assigned;
	return 0;
}

static int
take_snap(struct folder *f, struct snap **snapp, size_t *nsnapp)
{
	struct snap	*s;
	size_t		 i;

	*snapp = NULL;
	*nsnapp = 0;
	if (f->nmsgs == 0)
		return 0;
	if ((s = reallocarray(NULL, f->nmsgs, sizeof(*s))) == NULL)
		return -1;
	for (i = 0; i < f->nmsgs; i++) {
		s[i].uid = f->msgs[i]->uid;
		s[i].recent = f->msgs[i]->recent;
		s[i].flags = f->msgs[i]->flags;
	}
	*snapp = s;
	*nsnapp = f->nmsgs;
	return 0;
}

/* \Recent belongs to this handle: it survives a reread of the list. */
static void
restore_recent(struct folder *f, const struct snap *s, size_t ns)
{
	size_t	i = 0, j = 0;

	while (i < f->nmsgs && j < ns) {
		if (f->msgs[i]->uid < s[j].uid)
			i++;
		else if (f->msgs[i]->uid > s[j].uid)
			j++;
		else {
			f->msgs[i]->recent = s[j].recent;
			i++;
			j++;
		}
	}
}

static int
uid_push(uint32_t **v, size_t *n, size_t *cap, uint32_t uid)
{
	uint32_t	*nv;
	size_t		 ncap;

	if (*n == *cap) {
		ncap = *cap ? *cap * 2 : 16;
		if ((nv = reallocarray(*v, ncap, sizeof(*nv))) == NULL)
			return -1;
		*v = nv;
		*cap = ncap;
	}
	(*v)[(*n)++] = uid;
	return 0;
}

/* Both sides are in ascending UID order: one merge pass. */
static int
diff_snap(struct folder *f, const struct snap *s, size_t ns,
    struct folder_changes *ch)
{
	size_t	i = 0, j = 0, ce = 0, ca = 0, cf = 0;
	int	r = 0;

	while (r == 0 && (i < f->nmsgs || j < ns)) {
		if (j == ns || (i < f->nmsgs && f->msgs[i]->uid < s[j].uid))
			r = uid_push(&ch->added, &ch->nadded, &ca,
			    f->msgs[i++]->uid);
		else if (i == f->nmsgs || f->msgs[i]->uid > s[j].uid)
			r = uid_push(&ch->expunged, &ch->nexpunged, &ce,
			    s[j++].uid);
		else {
			if (f->msgs[i]->flags != s[j].flags)
				r = uid_push(&ch->flagged, &ch->nflagged, &cf,
				    f->msgs[i]->uid);
			i++;
			j++;
		}
	}
	return r;
}

/*
 * The sync under the lock.  A crash anywhere in it loses nothing: the
 * list is replaced whole (temp file, fsync, rename), so it is the old
 * one or the new one; or, when all the sync found was new files, their
 * records are added at its end, of which a torn last one is dropped.
 * Either way, the files numbered here and not saved are numbered again
 * next time, and since nobody was told their UIDs (that happens only
 * after this returns) that is harmless.
 */
int
folder_sync_locked(struct folder *f, int flags, struct folder_changes *ch)
{
	struct snap		*snap = NULL;
	struct store_msg	*m;
	size_t			 nsnap = 0, nappend = 0, tail = 0, ngone = 0;
	size_t			 i;
	uint32_t		 old_uv = f->uidvalidity, *gone = NULL;
	int			 reread, dirs, whole, claim = 0, changed = 0;
	int			 assigned = 0, fd, r;

	flags |= f->oflags;
	if ((ch != NULL || (flags & (FOLDER_RECENT | FOLDER_PEEK_RECENT))) &&
	    take_snap(f, &snap, &nsnap) == -1)
		return -1;
	reread = f->light || !uidlist_current(f);
	/* Others only added records: read those alone. */
	if (reread && !f->light && !(flags & FOLDER_FORCE)) {
		if ((r = uidlist_read_tail(f, &tail)) == -1) {
			free(snap);
			return -1;
		}
		reread = r == 1;
	}
	dirs = reread || (flags & FOLDER_FORCE) ? WATCH_ALL : changed_dirs(f);
	/* The new records' files are somewhere: find them. */
	if (tail > 0 && dirs == 0)
		dirs = WATCH_ALL;
	/* What the events tell, when they tell all, saves reading dirs. */
	if (dirs != 0 && !reread && !(flags & FOLDER_FORCE)) {
		if ((r = sync_news(f, tail, &changed)) == -1) {
			free(snap);
			return -1;
		}
		if (r == 0)
			dirs = 0;
		else if (tail > 0)
			dirs = WATCH_ALL;
	}
	if (dirs != 0) {
		if (sync_scan(f, reread, dirs, &changed, &assigned,
		    &nappend) == -1) {
			free(snap);
			return -1;
		}
		f->light = 0;
	} else {
		/*
		 * This handle's EXPUNGE: its records go with `-' ones, unless
		 * the list is written whole anyway.
		 */
		if ((r = drop_gone(f, changed ? NULL : &gone, &ngone)) == -1) {
			free(snap);
			return -1;
		}
		changed |= r;
	}
	if (reread && snap != NULL && old_uv == f->uidvalidity)
		restore_recent(f, snap, nsnap);
	/* Anything but new messages or our expunges: written whole. */
	whole = changed && nappend == 0 && ngone == 0;

	/*
	 * What nobody claimed is \Recent here; a read-only peek leaves it
	 * so.  A claim goes with the records this sync adds, or else,
	 * unless the list is written anyway, to postern-recent.
	 */
	if (f->recent_mark < f->uidnext)
		uidlist_recent_load(f);
	if ((flags & (FOLDER_RECENT | FOLDER_PEEK_RECENT)) &&
	    f->recent_mark < f->uidnext) {
		for (i = 0; i < f->nmsgs; i++)
			if (f->msgs[i]->uid >= f->recent_mark)
				f->msgs[i]->recent = 1;
		if (flags & FOLDER_RECENT) {
			f->recent_mark = f->uidnext;
			changed = claim = 1;
		}
	}

	if (f->facts_dirty >= STORE_FACTS_SAVE_MIN)
		changed = whole = 1;
	if (flags & FOLDER_SIZES) {
		for (i = 0; i < f->nmsgs; i++) {
			m = f->msgs[i];
			if (m->have_vsize)
				continue;
			if ((fd = store_msg_open(f, m)) == -1)
				continue;
			if (store_crlf_size(fd, &m->vsize) == 0) {
				m->have_vsize = 1;
				changed = whole = 1;
			} else
				log_warn("%s: %s/%s", __func__, f->name,
				    m->base);
			close(fd);
		}
	}
	if (changed)
		CRASH_POINT("sync-before-write");
	if (whole)
		r = uidlist_write(f);
	else if (nappend > 0)
		r = uidlist_append(f, f->msgs + f->nmsgs - nappend, nappend,
		    claim);
	else {
		r = ngone > 0 ? uidlist_append_gone(f, gone, ngone) : 0;
		if (r == 0 && claim && uidlist_recent_save(f) == -1)
			log_warn("%s: %s: \\Recent claim not saved", __func__,
			    f->name);
	}
	free(gone);
	if (r == -1) {
		/*
		 * UIDs handed out but not saved would change next time:
		 * clients would fetch those messages again.  Cached facts
		 * and the \Recent claim can simply be worked out again.
		 */
		if (assigned) {
			log_warnx("%s: %s: new UIDs cannot be saved", __func__,
			    f->name);
			free(snap);
			return -1;
		}
		log_warnx("%s: %s: cached facts not saved", __func__, f->name);
	}
	if ((r = keywords_load(f)) == -1)
		log_warn("%s: %s: keywords", __func__, f->name);
	if (ch != NULL) {
		ch->keywords = r == 1;
		ch->uidvalidity = old_uv != 0 && old_uv != f->uidvalidity;
		if (diff_snap(f, snap, nsnap, ch) == -1) {
			free(snap);
			return -1;
		}
	}
	free(snap);
	if (f->index != NULL)
		(void)f->index_flush(f);
	return 0;
}

/*
 * Sizes learnt since the list was read or written (a prefetch, or
 * store_msg_vsize()) written to it now, so that the next handle knows
 * them without reading the files: only when the list on disk is still
 * the one the table matches (else they are simply worked out again).
 * The caller does it before answering the command that learnt them,
 * so nothing is written behind the client's back after that; with
 * fewer than min learnt it waits for a write the list needs anyway.
 */
int
folder_save_facts(struct folder *f, size_t min)
{
	int	r = 0;

	if (f->facts_dirty == 0 || f->facts_dirty < min || f->light)
		return 0;
	if (folder_lock(f) == -1)
		return -1;
	if (uidlist_current(f) && (r = uidlist_write(f)) == -1)
		log_warnx("%s: %s: cached facts not saved", __func__,
		    f->name);
	folder_unlock(f);
	return r;
}

/*
 * The rest of the lock-held work of assigning UIDs when the list must
 * be read whole: a full sync numbers the new files along with whatever
 * else arrived, and each gets the UID the sync gave it.
 */
static int
assign_whole(struct folder *f, char *const *bases, size_t n, uint32_t *uids)
{
	struct msgtree		 tree = RB_INITIALIZER(&tree);
	struct store_msg	 key, *m;
	size_t			 i;

	if (folder_sync_locked(f, FOLDER_FORCE, NULL) == -1)
		return -1;
	for (i = 0; i < f->nmsgs; i++)
		RB_INSERT(msgtree, &tree, f->msgs[i]);
	for (i = 0; i < n; i++) {
		key.base = bases[i];
		m = RB_FIND(msgtree, &tree, &key);
		uids[i] = m != NULL ? m->uid : 0;
	}
	return 0;
}

/*
 * Give UIDs to files that the caller has just put into cur/ under
 * these base names, holding the folder lock since before the first of
 * them arrived (so no sync can have numbered them), in the order
 * given.  The records go at the end of the list and are on disk before
 * this returns; only then may the UIDs be told to anyone.  A crash
 * before that leaves the files without UIDs: the next sync numbers
 * them, with UIDs nobody has seen.  uids[i] is 0 only for a file the
 * full-sync path did not find (removed meanwhile by someone else).
 */
int
folder_assign_locked(struct folder *f, char *const *bases,
    const time_t *times, const uint64_t *vsizes, size_t n, uint32_t *uids)
{
	struct store_msg	**nm;
	size_t			  i;
	int			  r, tail = 0;

	if (n == 0)
		return 0;
	if (f->light) {
		if ((r = uidlist_tail(f)) == -1)
			return -1;
		if (r == 1)
			return assign_whole(f, bases, n, uids);
		tail = 1;
	} else if (!uidlist_current(f))
		return assign_whole(f, bases, n, uids);
	if (n > UINT32_MAX - 1 - (uint64_t)f->uidnext) {
		if (tail)
			uidlist_forget(f);
		return assign_whole(f, bases, n, uids);
	}
	if ((nm = calloc(n, sizeof(*nm))) == NULL)
		return -1;
	if (!tail && folder_reserve(f, n) == -1)
		goto fail;
	for (i = 0; i < n; i++) {
		if ((nm[i] = store_msg_new(bases[i], strlen(bases[i]))) ==
		    NULL)
			goto fail;
		nm[i]->uid = f->uidnext + i;
		nm[i]->time = times[i];
		nm[i]->dir = STORE_DIR_CUR;
		if (!nm[i]->have_vsize) {
			nm[i]->vsize = vsizes[i];
			nm[i]->have_vsize = 1;
		}
	}
	if (uidlist_append(f, nm, n, 0) == -1)
		goto fail;
	f->uidnext += n;
	for (i = 0; i < n; i++) {
		uids[i] = nm[i]->uid;
		if (tail)
			store_msg_free(nm[i]);
		else {
			f->msgs[f->nmsgs++] = nm[i];
			f->dirs_clean = 0;
		}
	}
	free(nm);
	/* A light handle has no table to keep matching the list. */
	if (tail)
		uidlist_forget(f);
	return 0;
 fail:
	for (i = 0; i < n; i++)
		store_msg_free(nm[i]);
	free(nm);
	if (tail)
		uidlist_forget(f);
	return -1;
}

/*
 * Look for a message whose file was renamed or moved by someone else.
 * Read new/ then cur/ (a cur/ name wins); when a concurrent rename may
 * have hidden it, try again.  -1 with errno ENOENT: it is gone.
 */
int
store_msg_locate(struct folder *f, struct store_msg *m)
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
			r = store_msg_info(m, found->dir,
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
