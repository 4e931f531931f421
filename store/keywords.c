/*
 * IMAP keywords of a folder, for session processes.  Maildir keeps a
 * keyword as a lower-case letter in the info of a file name; Dovecot's
 * dovecot-keywords file in the folder gives the letters their names,
 * one `<index> <name>' line each, index 0 for 'a' up to 25 for 'z'.
 * We read and write the same file (replaced whole under the folder
 * lock), so keywords set here show in Dovecot and the other way round.
 * Letters are never taken back: a name once given a letter keeps it.
 */
#include <sys/types.h>
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "buf.h"
#include "log.h"
#include "store.h"
#include "store_local.h"

#define KEYWORDS_NAME	"dovecot-keywords"
#define KEYWORDS_MAXSIZE (64 * 1024)

static int	 keywords_same(struct folder *);
static int	 keywords_parse(char *, char **);
static int	 keywords_write(struct folder *);

/* A flag-keyword: an atom (RFC 3501 9), not a system flag. */
int
store_keyword_ok(const char *kw)
{
	size_t	i;

	for (i = 0; kw[i] != '\0'; i++) {
		if (i >= STORE_KEYWORD_MAX)
			return 0;
		if ((unsigned char)kw[i] <= 0x20 ||
		    (unsigned char)kw[i] >= 0x7f)
			return 0;
		if (strchr("(){%*\"\\]", kw[i]) != NULL)
			return 0;
	}
	return i > 0;
}

void
keywords_free(struct folder *f)
{
	size_t	i;

	for (i = 0; i < STORE_KEYWORDS_MAX; i++) {
		free(f->keywords[i]);
		f->keywords[i] = NULL;
	}
	if (f->kw_fd != -1)
		close(f->kw_fd);
	f->kw_fd = -1;
}

/*
 * Whether the file on disk is the one we read: it is replaced by
 * rename only, and we hold the old one open, so a new one has another
 * inode.
 */
static int
keywords_same(struct folder *f)
{
	struct stat	disk, held;

	if (fstatat(f->fd, KEYWORDS_NAME, &disk, AT_SYMLINK_NOFOLLOW) == -1)
		return errno == ENOENT && f->kw_fd == -1;
	if (f->kw_fd == -1 || fstat(f->kw_fd, &held) == -1)
		return 0;
	return disk.st_ino == held.st_ino && disk.st_dev == held.st_dev &&
	    disk.st_size == held.st_size;
}

/* Lines we cannot use are skipped: the file is Dovecot's too. */
static int
keywords_parse(char *data, char **names)
{
	char		*line, *sp, *next;
	const char	*errstr;
	long long	 idx;

	for (line = data; line != NULL && *line != '\0'; line = next) {
		if ((next = strchr(line, '\n')) != NULL)
			*next++ = '\0';
		if ((sp = strchr(line, ' ')) == NULL)
			continue;
		*sp++ = '\0';
		idx = strtonum(line, 0, STORE_KEYWORDS_MAX - 1, &errstr);
		if (errstr != NULL || names[idx] != NULL ||
		    !store_keyword_ok(sp))
			continue;
		if ((names[idx] = strdup(sp)) == NULL)
			return -1;
	}
	return 0;
}

/*
 * Read the names when the file changed since we last did.  Returns 1
 * when the names changed, 0 when not, -1 on error (the names we had
 * stay).
 */
int
keywords_load(struct folder *f)
{
	char		*names[STORE_KEYWORDS_MAX], *data = NULL;
	struct stat	 sb;
	size_t		 len, i;
	int		 fd, changed = 0, saved;

	if (keywords_same(f))
		return 0;
	memset(names, 0, sizeof(names));
	fd = openat(f->fd, KEYWORDS_NAME, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd == -1 && errno != ENOENT)
		return -1;
	if (fd != -1) {
		if (fstat(fd, &sb) == -1 || !S_ISREG(sb.st_mode) ||
		    sb.st_size > KEYWORDS_MAXSIZE) {
			close(fd);
			errno = EFBIG;
			return -1;
		}
		if ((data = store_read_fd(fd, (size_t)sb.st_size, &len)) ==
		    NULL)
			goto fail;
		if (keywords_parse(data, names) == -1)
			goto fail;
		free(data);
	}
	for (i = 0; i < STORE_KEYWORDS_MAX; i++) {
		if ((names[i] == NULL) != (f->keywords[i] == NULL) ||
		    (names[i] != NULL && strcmp(names[i], f->keywords[i]) != 0))
			changed = 1;
		free(f->keywords[i]);
		f->keywords[i] = names[i];
	}
	if (f->kw_fd != -1)
		close(f->kw_fd);
	f->kw_fd = fd;
	return changed;
 fail:
	saved = errno;
	free(data);
	for (i = 0; i < STORE_KEYWORDS_MAX; i++)
		free(names[i]);
	if (fd != -1)
		close(fd);
	errno = saved;
	return -1;
}

int
folder_keyword_find(struct folder *f, const char *name)
{
	int	i;

	for (i = 0; i < STORE_KEYWORDS_MAX; i++)
		if (f->keywords[i] != NULL &&
		    strcasecmp(f->keywords[i], name) == 0)
			return i;
	errno = ENOENT;
	return -1;
}

/* The caller holds the folder lock. */
static int
keywords_write(struct folder *f)
{
	struct buf	 b;
	int		 i, r = 0, fd;

	buf_init(&b);
	for (i = 0; r == 0 && i < STORE_KEYWORDS_MAX; i++)
		if (f->keywords[i] != NULL)
			r = buf_addf(&b, "%d %s\n", i, f->keywords[i]);
	if (r == 0)
		r = store_replace_file(f->fd, KEYWORDS_NAME, b.data, b.len);
	buf_free(&b);
	if (r == -1)
		return -1;
	fd = openat(f->fd, KEYWORDS_NAME, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (f->kw_fd != -1)
		close(f->kw_fd);
	f->kw_fd = fd;
	return 0;
}

int
folder_keyword_add(struct folder *f, const char *name)
{
	int	i, r = -1, saved;

	if (!store_keyword_ok(name)) {
		errno = EINVAL;
		return -1;
	}
	if ((i = folder_keyword_find(f, name)) != -1)
		return i;
	if (folder_lock(f) == -1)
		return -1;
	/* Another session may have defined it, or taken letters. */
	if (keywords_load(f) == -1)
		goto out;
	if ((r = folder_keyword_find(f, name)) != -1)
		goto out;
	for (i = 0; i < STORE_KEYWORDS_MAX; i++)
		if (f->keywords[i] == NULL)
			break;
	if (i == STORE_KEYWORDS_MAX) {
		errno = ENOSPC;
		goto out;
	}
	if ((f->keywords[i] = strdup(name)) == NULL)
		goto out;
	if (keywords_write(f) == -1) {
		saved = errno;
		log_warn("%s: %s/%s", __func__, f->name, KEYWORDS_NAME);
		free(f->keywords[i]);
		f->keywords[i] = NULL;
		/* Read it again next time, whatever it holds now. */
		if (f->kw_fd != -1)
			close(f->kw_fd);
		f->kw_fd = -1;
		errno = saved;
		goto out;
	}
	r = i;
 out:
	saved = errno;
	folder_unlock(f);
	errno = saved;
	return r;
}

/*
 * The keyword letters of flags in src given the same names in dst,
 * defining names there as needed.  Letters src has no name for are
 * dropped: no name, no meaning to carry.  -1 ENOSPC when dst has no
 * room left.
 */
int
keywords_remap(struct folder *dst, const struct folder *src,
    uint64_t flags, uint64_t *out)
{
	uint64_t	r = flags & ~STORE_F_KEYWORDS;
	int		i, j;

	for (i = 0; i < STORE_KEYWORDS_MAX; i++) {
		if (!(flags & STORE_F_KEYWORD(i)) || src->keywords[i] == NULL)
			continue;
		if ((j = folder_keyword_add(dst, src->keywords[i])) == -1)
			return -1;
		r |= STORE_F_KEYWORD(j);
	}
	*out = r;
	return 0;
}
