/*
 * Change notification for a selected folder in the IMAP session
 * process: an inotify descriptor on the folder's new/ and cur/ (and
 * the folder itself, for its removal or renaming) that the session
 * polls, during IDLE too, so that deliveries and other sessions'
 * changes are noticed as they happen without a polling loop.  The
 * events only say "look again": folder_sync_changes() finds out what.
 */
#include <sys/types.h>
#include <sys/inotify.h>

#include <errno.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "store.h"
#include "store_local.h"

#define WATCH_FILES	(IN_CREATE | IN_MOVED_TO | IN_MOVED_FROM | \
			 IN_DELETE | IN_ATTRIB | IN_DELETE_SELF | \
			 IN_MOVE_SELF)
#define WATCH_SELF	(IN_DELETE_SELF | IN_MOVE_SELF)

static int	watch_add(struct folder *, int, int, const char *, uint32_t);

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
	if (watch_add(f, ifd, f->newfd, "/new", WATCH_FILES) == -1 ||
	    watch_add(f, ifd, f->curfd, "/cur", WATCH_FILES) == -1 ||
	    watch_add(f, ifd, f->fd, "", WATCH_SELF) == -1) {
		saved = errno;
		log_warn("%s: %s", __func__, f->name);
		close(ifd);
		errno = saved;
		return -1;
	}
	f->watchfd = ifd;
	return ifd;
}

int
folder_watch_read(struct folder *f)
{
	char	buf[4096]
	    __attribute__((__aligned__(__alignof__(struct inotify_event))));
	ssize_t	n;
	int	any = 0;

	if (f->watchfd == -1) {
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
			return -1;
		}
		if (n == 0)
			break;
		any = 1;
	}
	return any;
}
