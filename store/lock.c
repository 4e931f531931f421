/*
 * Locks and small state files of the store, for session processes.
 * Locks are flock(2)s on files that are never removed, so they vanish
 * with the process that holds them, whatever kills it; state files are
 * replaced whole (temp file, fsync, rename, fsync of the directory) so
 * that a reader sees the old contents or the new, never a mixture.
 * store_read_fd() and store_write_all() are read and write loops the
 * rest of store/ shares.
 */
#include <sys/types.h>
#include <sys/file.h>
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "log.h"
#include "store.h"
#include "store_local.h"

/*
 * flock() with a bound on the wait, in seconds (0: try once).  Returns
 * 0, or -1 with errno EWOULDBLOCK when the holder kept it too long.
 */
int
store_lock_file(int fd, int op, int timeout)
{
	struct timespec	ts = { 0, 20 * 1000 * 1000 };
	int		i, n = timeout * 50;

	for (i = 0;; i++) {
		if (flock(fd, op | LOCK_NB) == 0)
			return 0;
		if (errno == EINTR)
			continue;
		if (errno != EWOULDBLOCK || i >= n)
			return -1;
		(void)nanosleep(&ts, NULL);
	}
}

/*
 * Take a lock that lasts as long as this process, such as POP3's
 * exclusive hold on a maildrop.  Returns 1 when taken, 0 when another
 * process holds it, -1 on error.
 */
int
store_lock_exclusive(struct store *st, const char *name)
{
	int	fd;

	if (st->excl_fd != -1) {
		errno = EBUSY;
		return -1;
	}
	fd = openat(st->fd, name, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW,
	    0600);
	if (fd == -1) {
		log_warn("%s: open %s/%s", __func__, st->path, name);
		return -1;
	}
	if (flock(fd, LOCK_EX | LOCK_NB) == -1) {
		if (errno == EWOULDBLOCK) {
			close(fd);
			return 0;
		}
		log_warn("%s: flock %s/%s", __func__, st->path, name);
		close(fd);
		return -1;
	}
	st->excl_fd = fd;
	return 1;
}

/*
 * A time kept in a file of the store root (the last POP3 login, for
 * LOGIN-DELAY).  A missing or unreadable stamp reads as 0: a damaged
 * file must not lock anyone out.
 */
int
store_stamp_get(struct store *st, const char *name, time_t *t)
{
	char		 buf[32];
	const char	*errstr;
	ssize_t		 n;
	long long	 v;
	int		 fd;

	*t = 0;
	fd = openat(st->fd, name, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd == -1) {
		if (errno == ENOENT)
			return 0;
		log_warn("%s: open %s/%s", __func__, st->path, name);
		return -1;
	}
	do
		n = read(fd, buf, sizeof(buf) - 1);
	while (n == -1 && errno == EINTR);
	close(fd);
	if (n == -1) {
		log_warn("%s: read %s/%s", __func__, st->path, name);
		return -1;
	}
	buf[n] = '\0';
	buf[strcspn(buf, "\n")] = '\0';
	v = strtonum(buf, 0, LLONG_MAX, &errstr);
	if (errstr == NULL)
		*t = (time_t)v;
	return 0;
}

int
store_stamp_set(struct store *st, const char *name, time_t t)
{
	char	buf[32];
	int	n;

	n = snprintf(buf, sizeof(buf), "%lld\n", (long long)t);
	if (n < 0 || (size_t)n >= sizeof(buf)) {
		errno = EOVERFLOW;
		return -1;
	}
	return store_replace_file(st->fd, name, buf, n);
}

/*
 * All of data to fd, however many writes it takes: 0, or -1 with the
 * write's errno.  For the files store/ writes whole (messages, state
 * files, the index).
 */
int
store_write_all(int fd, const void *data, size_t len)
{
	const char	*p = data;
	ssize_t		 n;

	while (len > 0) {
		if ((n = write(fd, p, len)) == -1) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		p += n;
		len -= n;
	}
	return 0;
}

/*
 * The first size octets of an open state file, read from its start
 * (fewer when it is shorter now), in a new NUL-terminated buffer; the
 * caller has checked size.  The reading side of store_replace_file().
 * NULL on error.
 */
char *
store_read_fd(int fd, size_t size, size_t *lenp)
{
	char	*data;
	size_t	 len = 0;
	ssize_t	 n;
	int	 saved;

	if ((data = malloc(size + 1)) == NULL)
		return NULL;
	while (len < size) {
		n = pread(fd, data + len, size - len, (off_t)len);
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1) {
			saved = errno;
			free(data);
			errno = saved;
			return NULL;
		}
		if (n == 0)
			break;
		len += n;
	}
	data[len] = '\0';
	*lenp = len;
	return data;
}

/*
 * Replace dir/name with the given contents atomically and durably.
 * The temp name is fixed: callers hold the lock that guards the file.
 */
int
store_replace_file(int dirfd, const char *name, const void *data,
    size_t len)
{
	char		 tmp[NAME_MAX + 1];
	int		 fd, r;

	r = snprintf(tmp, sizeof(tmp), "%s.tmp", name);
	if (r < 0 || (size_t)r >= sizeof(tmp)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	fd = openat(dirfd, tmp,
	    O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd == -1) {
		log_warn("%s: open %s", __func__, tmp);
		return -1;
	}
	if (store_write_all(fd, data, len) == -1) {
		log_warn("%s: write %s", __func__, tmp);
		goto fail;
	}
	if (fsync(fd) == -1) {
		log_warn("%s: fsync %s", __func__, tmp);
		goto fail;
	}
	if (close(fd) == -1) {
		fd = -1;
		log_warn("%s: close %s", __func__, tmp);
		goto fail;
	}
	fd = -1;
	CRASH_POINT("replace-tmp-written");
	if (renameat(dirfd, tmp, dirfd, name) == -1) {
		log_warn("%s: rename %s", __func__, tmp);
		goto fail;
	}
	if (fsync(dirfd) == -1) {
		log_warn("%s: fsync of the directory of %s", __func__, name);
		return -1;
	}
	return 0;
 fail:
	r = errno;
	if (fd != -1)
		close(fd);
	(void)unlinkat(dirfd, tmp, 0);
	errno = r;
	return -1;
}
