/*
 * IMAP subscriptions (SUBSCRIBE, UNSUBSCRIBE, LSUB, LIST SUBSCRIBED),
 * for session processes, kept in Dovecot's `subscriptions' file in the
 * Maildir root so that both servers share them.  Version 2 of that
 * file starts "V\t2\n\n" and writes each name with its hierarchy
 * separators as tabs (and \001, tab, CR, LF escaped with \001);
 * version 1 is one name per line.  We read both and write version 2,
 * replacing the file whole under a lock of our own.
 */
#include <sys/types.h>
#include <sys/file.h>
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "buf.h"
#include "log.h"
#include "store.h"
#include "store_local.h"

#define SUBS_LOCK	"postern-subscriptions.lock"
#define SUBS_V2		"V\t2\n\n"
#define SUBS_MAXSIZE	(4 * 1024 * 1024)

static int	 subs_read(struct store *, char ***, size_t *);
static char	*unescape(const char *, size_t);
static int	 subs_write(struct store *, char **, size_t);
static int	 subs_change(struct store *, const char **, size_t, int);
static int	 subs_lock(struct store *);

/* One line of version 2: tabs are separators, \001 escapes. */
static char *
unescape(const char *s, size_t len)
{
	char	*out;
	size_t	 i, j;

	if ((out = malloc(len + 1)) == NULL)
		return NULL;
	for (i = j = 0; i < len; i++) {
		if (s[i] == '\t')
			out[j++] = STORE_DELIM;
		else if (s[i] == '\001' && i + 1 < len) {
			switch (s[++i]) {
			case '1':
				out[j++] = '\001';
				break;
			case 't':
				out[j++] = '\t';
				break;
			case 'r':
				out[j++] = '\r';
				break;
			case 'n':
				out[j++] = '\n';
				break;
			default:
				out[j++] = s[i];
				break;
			}
		} else
			out[j++] = s[i];
	}
	out[j] = '\0';
	return out;
}

static int
subs_read(struct store *st, char ***vp, size_t *np)
{
	struct stat	 sb;
	char		*data = NULL, *p, *end, *nl, **v = NULL, **nv;
	size_t		 n = 0, cap = 0, len;
	int		 fd, v2, saved;

	*vp = NULL;
	*np = 0;
	fd = openat(st->fd, STORE_SUBSCRIPTIONS,
	    O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd == -1)
		return errno == ENOENT ? 0 : -1;
	if (fstat(fd, &sb) == -1)
		goto fail;
	if (!S_ISREG(sb.st_mode) || sb.st_size > SUBS_MAXSIZE) {
		errno = EFBIG;
		goto fail;
	}
	if ((data = store_read_fd(fd, (size_t)sb.st_size, &len)) == NULL)
		goto fail;
	close(fd);
	fd = -1;
	p = data;
	end = data + len;
	if ((v2 = strncmp(data, SUBS_V2, sizeof(SUBS_V2) - 1) == 0))
		p += sizeof(SUBS_V2) - 1;
	for (; p < end; p = nl + 1) {
		if ((nl = memchr(p, '\n', end - p)) == NULL)
			nl = end;
		if (nl == p)
			continue;
		if (n == cap) {
			cap = cap ? cap * 2 : 16;
			if ((nv = reallocarray(v, cap, sizeof(*nv))) == NULL)
				goto fail;
			v = nv;
		}
		v[n] = v2 ? unescape(p, nl - p) : strndup(p, nl - p);
		if (v[n] == NULL)
			goto fail;
		n++;
	}
	free(data);
	*vp = v;
	*np = n;
	return 0;
 fail:
	saved = errno;
	if (fd != -1)
		close(fd);
	free(data);
	store_strv_free(v, n);
	errno = saved;
	return -1;
}

int
store_subscriptions(struct store *st, char ***vp, size_t *np)
{
	if (subs_read(st, vp, np) == -1) {
		log_warn("%s: %s/%s", __func__, st->path, STORE_SUBSCRIPTIONS);
		return -1;
	}
	return 0;
}

static int
subs_write(struct store *st, char **v, size_t n)
{
	struct buf	 b;
	const char	*p;
	size_t		 i;
	int		 r;

	buf_init(&b);
	r = buf_addstr(&b, SUBS_V2);
	for (i = 0; r == 0 && i < n; i++) {
		for (p = v[i]; r == 0 && *p != '\0'; p++) {
			switch (*p) {
			case STORE_DELIM:
				r = buf_add(&b, "\t", 1);
				break;
			case '\001':
				r = buf_add(&b, "\0011", 2);
				break;
			case '\t':
				r = buf_add(&b, "\001t", 2);
				break;
			case '\r':
				r = buf_add(&b, "\001r", 2);
				break;
			case '\n':
				r = buf_add(&b, "\001n", 2);
				break;
			default:
				r = buf_add(&b, p, 1);
				break;
			}
		}
		if (r == 0)
			r = buf_add(&b, "\n", 1);
	}
	if (r == 0)
		r = store_replace_file(st->fd, STORE_SUBSCRIPTIONS, b.data,
		    b.len);
	buf_free(&b);
	return r;
}

static int
subs_lock(struct store *st)
{
	int	fd;

	fd = openat(st->fd, SUBS_LOCK,
	    O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd == -1)
		return -1;
	if (store_lock_file(fd, LOCK_EX, FOLDER_LOCK_WAIT) == -1) {
		close(fd);
		return -1;
	}
	return fd;
}

/*
 * Subscribe (add) or unsubscribe the names, under the lock, with at
 * most one write of the file: none when nothing changes.
 */
static int
subs_change(struct store *st, const char **names, size_t nnames, int add)
{
	char	 norm[STORE_NAME_MAX + 1], **v = NULL, **nv;
	size_t	 n = 0, i, j, k;
	int	 lock, r = -1, found, changed = 0, saved;

	for (k = 0; k < nnames; k++)
		if (store_name_check(names[k]) == -1)
			return -1;
	if ((lock = subs_lock(st)) == -1)
		return -1;
	if (subs_read(st, &v, &n) == -1)
		goto out;
	for (k = 0; k < nnames; k++) {
		if (store_name_norm(names[k], norm, sizeof(norm)) == -1)
			goto out;
		if (store_name_is_inbox(norm))
			(void)strlcpy(norm, "INBOX", sizeof(norm));
		found = 0;
		for (i = j = 0; i < n; i++) {
			if (strcmp(v[i], norm) == 0 ||
			    (store_name_is_inbox(norm) &&
			    store_name_is_inbox(v[i]))) {
				found = 1;
				if (!add) {
					free(v[i]);
					continue;
				}
			}
			v[j++] = v[i];
		}
		n = j;
		if (add == found)
			continue;
		changed = 1;
		if (add) {
			if ((nv = reallocarray(v, n + 1, sizeof(*nv))) == NULL)
				goto out;
			v = nv;
			if ((v[n] = strdup(norm)) == NULL)
				goto out;
			n++;
		}
	}
	r = changed ? subs_write(st, v, n) : 0;
 out:
	saved = errno;
	if (r == -1)
		log_warn("%s: %s/%s", __func__, st->path, STORE_SUBSCRIPTIONS);
	store_strv_free(v, n);
	close(lock);
	errno = saved;
	return r;
}

int
store_subscribe(struct store *st, const char *name)
{
	return subs_change(st, &name, 1, 1);
}

int
store_subscribe_list(struct store *st, const char **names, size_t n)
{
	return subs_change(st, names, n, 1);
}

int
store_unsubscribe(struct store *st, const char *name)
{
	return subs_change(st, &name, 1, 0);
}
