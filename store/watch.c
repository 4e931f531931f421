/*
 * Change notification for a selected folder in the IMAP session
 * process: an inotify descriptor on the folder's new/ and cur/ (and
 * the folder itself, for its removal or renaming) that the session
 * polls, during IDLE too, so that deliveries and other sessions'
 * changes are noticed as they happen without a polling loop.  The
 * events only say "look again": folder_sync_changes() finds out what.
 *
 * The session's own flag changes rename files in cur/ too, and its
 * EXPUNGE removes them.  Those it has already applied to its table (an
 * expunged message is marked gone, to be dropped and reported by the
 * next sync), so each is noted (folder_watch_expect_rename(),
 * folder_watch_expect_unlink()) and its events are matched off when
 * the descriptor is drained: only an event nobody here expected makes
 * the folder changed.  A STORE or EXPUNGE then costs no rescan of cur/,
 * which on a large mailbox costs far more than the change itself.
 * The state is "changed since the last scan", kept for new/ and cur/
 * apart (WATCH_DIR()): a delivery to new/ then costs a read of new/
 * alone, not of a cur/ that may hold 100,000 files.  It is sticky until
 * sync_scan() drains the descriptor as it starts (folder_watch_reset())
 * and ends settled (folder_watch_settled()): the scan sees all that
 * happened before it.
 *
 * The events nobody here expected are also kept, up to WATCH_NEWS_MAX
 * since the last scan (folder_watch_news()): when they name only files
 * the table knows (another session's flag change, or the file of a
 * message another handle appended), the sync applies them and reads no
 * directory at all.
 */
#include <sys/types.h>
#include <sys/inotify.h>

#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "store.h"
#include "store_local.h"

#define WATCH_FILES	(IN_CREATE | IN_MOVED_TO | IN_MOVED_FROM | \
			 IN_DELETE | IN_ATTRIB | IN_DELETE_SELF | \
			 IN_MOVE_SELF)
#define WATCH_SELF	(IN_DELETE_SELF | IN_MOVE_SELF)
/* Own events remembered between drains; past that, a rescan. */
#define WATCH_EXPECT_MAX 64
/* Others' events kept for the next sync; past that, it reads the dirs. */
#define WATCH_NEWS_MAX	64


struct folder_watch {
	int		 wd[2];		/* new/, cur/ */
	int		 changed;	/* WATCH_DIR()s changed by others
					   since their last scan */
	struct watch_event *exp;	/* WATCH_EXPECT_MAX, while any */
	size_t		 nexp;
	struct watch_event *news;	/* WATCH_NEWS_MAX, while any */
	size_t		 nnews;
	int		 news_lost;	/* an event since the last scan
					   is not among them */
};

static int	watch_add(struct folder *, int, int, const char *, uint32_t);
static int	watch_dir(struct folder_watch *, const struct inotify_event *);
static int	watch_file_dir(struct folder_watch *,
		    const struct inotify_event *);
static int	watch_own(struct folder_watch *, const struct inotify_event *);
static void	watch_keep(struct folder_watch *, const struct inotify_event *);
static void	watch_news_clear(struct folder_watch *, int);

/*
 * By the directory we hold open, not by path: the folder may have
 * been renamed since it was opened.  Without /proc, by path.
 */
static int
watch_add(struct folder *f, int ifd, int dirfd, const char *sub,
    uint32_t mask)
{
	char	path[PATH_MAX];
	int	n, wd;

	n = snprintf(path, sizeof(path), "/proc/self/fd/%d", dirfd);
	if (n < 0 || (size_t)n >= sizeof(path)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	if ((wd = inotify_add_watch(ifd, path, mask | IN_ONLYDIR)) != -1 ||
	    errno != ENOENT)
		return wd;
	n = snprintf(path, sizeof(path), "%s/%s%s", f->store->path,
	    f->dirname, sub);
	if (n < 0 || (size_t)n >= sizeof(path)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	return inotify_add_watch(ifd, path, mask | IN_ONLYDIR);
}

int
folder_watch(struct folder *f)
{
	int	ifd, saved;

	if (f->watchfd != -1)
		return f->watchfd;
	if (f->watch == NULL &&
	    (f->watch = calloc(1, sizeof(*f->watch))) == NULL)
		return -1;
	if ((ifd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC)) == -1) {
		saved = errno;
		/*
		 * Virtual users often share one uid, and the kernel allows
		 * a uid 128 inotify instances by default: say what to raise.
		 */
		if (errno == EMFILE)
			log_info("%s: %s: no inotify instance left for this "
			    "uid (sysctl fs.inotify.max_user_instances): "
			    "changes are noticed by polling", __func__,
			    f->name);
		else
			log_warn("%s: inotify_init1", __func__);
		errno = saved;
		return -1;
	}
	if ((f->watch->wd[STORE_DIR_NEW] = watch_add(f, ifd, f->newfd,
	    "/new", WATCH_FILES)) == -1 ||
	    (f->watch->wd[STORE_DIR_CUR] = watch_add(f, ifd, f->curfd,
	    "/cur", WATCH_FILES)) == -1 ||
	    watch_add(f, ifd, f->fd, "", WATCH_SELF) == -1) {
		saved = errno;
		log_warn("%s: %s", __func__, f->name);
		close(ifd);
		errno = saved;
		return -1;
	}
	f->watchfd = ifd;
	/*
	 * What happened between the last scan and now only the directory
	 * times can tell.
	 */
	f->watch->changed = folder_dirs_unchanged(f) ? 0 : WATCH_ALL;
	watch_news_clear(f->watch, f->watch->changed != 0);
	return ifd;
}

/*
 * What an event changed: the one of new/ and cur/ it happened in, or,
 * for the folder itself and a full queue, everything.
 */
static int
watch_dir(struct folder_watch *w, const struct inotify_event *ev)
{
	if (ev->mask & IN_Q_OVERFLOW)
		return WATCH_ALL;
	if (ev->wd == w->wd[STORE_DIR_NEW])
		return WATCH_DIR(STORE_DIR_NEW);
	if (ev->wd == w->wd[STORE_DIR_CUR])
		return WATCH_DIR(STORE_DIR_CUR);
	return WATCH_ALL;
}

/*
 * Which of new/ and cur/ (STORE_DIR_*) the file an event names is in;
 * -1 for an event without a name, on a directory, of the folder itself,
 * or a full queue.
 */
static int
watch_file_dir(struct folder_watch *w, const struct inotify_event *ev)
{
	if (ev->len == 0 || (ev->mask & (IN_Q_OVERFLOW | IN_ISDIR)))
		return -1;
	if (ev->wd == w->wd[STORE_DIR_NEW])
		return STORE_DIR_NEW;
	if (ev->wd == w->wd[STORE_DIR_CUR])
		return STORE_DIR_CUR;
	return -1;
}

/*
 * An event of ours: a rename or removal folder_watch_expect_*()
 * noted, matched off once.  Events on directories and a full queue are
 * never ours.
 */
static int
watch_own(struct folder_watch *w, const struct inotify_event *ev)
{
	struct watch_event	*e;
	size_t			 i;
	int			 dir;

	if ((dir = watch_file_dir(w, ev)) == -1)
		return 0;
	for (i = 0; i < w->nexp; i++) {
		e = &w->exp[i];
		if (e->mask != 0 && (ev->mask & e->mask) && e->dir == dir &&
		    strcmp(e->name, ev->name) == 0) {
			e->mask = 0;
			return 1;
		}
	}
	return 0;
}

/*
 * Room for n more expected events, or NULL: then the folder counts as
 * changed (the next sync rescans), as it does when nothing is watched
 * or all of it already is.
 */
static struct watch_event *
watch_room(struct folder *f, size_t n)
{
	struct folder_watch	*w = f->watch;

	if (f->watchfd == -1 || w == NULL || w->changed == WATCH_ALL)
		return NULL;
	if (w->exp == NULL && (w->exp = reallocarray(NULL, WATCH_EXPECT_MAX,
	    sizeof(*w->exp))) == NULL) {
		w->changed = WATCH_ALL;
		w->news_lost = 1;
		return NULL;
	}
	if (w->nexp + n > WATCH_EXPECT_MAX) {
		w->changed = WATCH_ALL;
		w->news_lost = 1;
		return NULL;
	}
	w->nexp += n;
	return &w->exp[w->nexp - n];
}

static void
watch_expect(struct watch_event *e, int dir, uint32_t mask,
    const char *name)
{
	e->dir = dir;
	e->mask = mask;
	(void)strlcpy(e->name, name, sizeof(e->name));
}

/*
 * This session renamed dir/from to cur/to and has applied it to its
 * table: the two events it causes are not news.  Renames beyond what
 * is remembered make the folder changed, so the next sync rescans.
 */
void
folder_watch_expect_rename(struct folder *f, int dir, const char *from,
    const char *to)
{
	struct watch_event	*e;

	if (strlen(from) > NAME_MAX || strlen(to) > NAME_MAX ||
	    (e = watch_room(f, 2)) == NULL)
		return;
	watch_expect(&e[0], dir, IN_MOVED_FROM, from);
	watch_expect(&e[1], STORE_DIR_CUR, IN_MOVED_TO, to);
}

/*
 * This session removed dir/name (EXPUNGE) and marked its message gone,
 * for the next sync to drop and report without a rescan.
 */
void
folder_watch_expect_unlink(struct folder *f, int dir, const char *name)
{
	struct watch_event	*e;

	if (strlen(name) > NAME_MAX || (e = watch_room(f, 1)) == NULL)
		return;
	watch_expect(e, dir, IN_DELETE, name);
}

/*
 * A scan of the directories in dirs is starting: it will see all that
 * happened there so far, so drain the events.  Until it ends well
 * (folder_watch_settled()) they count as changed: a scan that fails
 * leaves the next sync to scan.  Returns dirs with every directory the
 * drained events changed meanwhile (the scan must read those too), or
 * WATCH_ALL without a watch.
 */
int
folder_watch_reset(struct folder *f, int dirs)
{
	if (f->watchfd == -1 || f->watch == NULL)
		return WATCH_ALL;
	if (folder_watch_dirs(f) == -1)
		return WATCH_ALL;
	f->watch->changed |= dirs;
	/* Kept from here on, but of no use unless the scan ends well. */
	watch_news_clear(f->watch, 1);
	return f->watch->changed;
}

/*
 * The scan of dirs ended and found them settled: only events still to
 * be read can make them changed again.  Nothing is drained here, so a
 * change during the scan is not lost.
 */
void
folder_watch_settled(struct folder *f, int dirs)
{
	if (f->watch == NULL)
		return;
	f->watch->changed &= ~dirs;
	/*
	 * What was kept since the scan started happened after its drain:
	 * applied once more to what the scan found, each event is either
	 * already so or still to come.
	 */
	f->watch->news_lost = 0;
}

/*
 * The events of others since the last scan, in the order they
 * happened, for the sync to apply (then folder_watch_applied()): 0 with
 * *evp and *np set, or -1 when they are not all there (more than were
 * kept, one of the folder itself, or no watch).
 */
int
folder_watch_news(struct folder *f, const struct watch_event **evp,
    size_t *np)
{
	struct folder_watch	*w = f->watch;

	if (f->watchfd == -1 || w == NULL || w->news_lost)
		return -1;
	*evp = w->news;
	*np = w->nnews;
	return 0;
}

/*
 * Whether events wait to be read (without reading them): something
 * happened since the last drain.  Without a watch, or when poll(2)
 * fails, yes.
 */
int
folder_watch_pending(struct folder *f)
{
	struct pollfd	pfd;

	if (f->watchfd == -1)
		return 1;
	pfd.fd = f->watchfd;
	pfd.events = POLLIN;
	return poll(&pfd, 1, 0) != 0;
}

/* The sync applied every event kept: the table is current. */
void
folder_watch_applied(struct folder *f)
{
	if (f->watch == NULL)
		return;
	f->watch->changed = 0;
	watch_news_clear(f->watch, 0);
}

static void
watch_news_clear(struct folder_watch *w, int lost)
{
	free(w->news);
	w->news = NULL;
	w->nnews = 0;
	w->news_lost = lost;
}

/* Keep another's event for the sync, or note that one got away. */
static void
watch_keep(struct folder_watch *w, const struct inotify_event *ev)
{
	int	dir;

	if (w->news_lost)
		return;
	if ((dir = watch_file_dir(w, ev)) == -1 ||
	    strnlen(ev->name, ev->len) > NAME_MAX ||
	    w->nnews == WATCH_NEWS_MAX ||
	    (w->news == NULL && (w->news = reallocarray(NULL, WATCH_NEWS_MAX,
	    sizeof(*w->news))) == NULL)) {
		watch_news_clear(w, 1);
		return;
	}
	watch_expect(&w->news[w->nnews++], dir, ev->mask, ev->name);
}

void
folder_watch_close(struct folder *f)
{
	if (f->watchfd != -1)
		close(f->watchfd);
	f->watchfd = -1;
	if (f->watch != NULL) {
		free(f->watch->exp);
		free(f->watch->news);
	}
	free(f->watch);
	f->watch = NULL;
}

int
folder_watch_read(struct folder *f)
{
	int	r;

	if ((r = folder_watch_dirs(f)) == -1)
		return -1;
	return r != 0;
}

/*
 * Read what is queued: the directories changed by others since their
 * last scan, as a WATCH_DIR() mask, or -1 when the watch cannot tell.
 */
int
folder_watch_dirs(struct folder *f)
{
	char	buf[4096]
	    __attribute__((__aligned__(__alignof__(struct inotify_event))));
	struct folder_watch		*w = f->watch;
	const struct inotify_event	*ev;
	ssize_t	n, off;

	if (f->watchfd == -1 || w == NULL) {
		errno = EBADF;
		return -1;
	}
	for (;;) {
		n = read(f->watchfd, buf, sizeof(buf));
		if (n == -1) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN)
				break;
			w->changed = WATCH_ALL;
			watch_news_clear(w, 1);
			return -1;
		}
		if (n == 0)
			break;
		for (off = 0; off + (ssize_t)sizeof(*ev) <= n;
		    off += (ssize_t)(sizeof(*ev) + ev->len)) {
			ev = (const struct inotify_event *)(buf + off);
			if (!watch_own(w, ev)) {
				w->changed |= watch_dir(w, ev);
				watch_keep(w, ev);
			}
		}
	}
	/* Each event is queued before its rename(2) or unlink(2) returns. */
	free(w->exp);
	w->exp = NULL;
	w->nexp = 0;
	return w->changed;
}
