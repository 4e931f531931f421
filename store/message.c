/*
 * One message of an open folder, for the IMAP session process: its
 * bytes mapped read-only for the MIME parser and BODY[] sections, its
 * text for SEARCH, flag changes by UID, and EXPUNGE.  Maildir files
 * never change once delivered (flags live in the name), so a mapping
 * stays valid for as long as it is held, even when the message is
 * renamed or removed meanwhile.
 */
#include <sys/types.h>
#include <sys/mman.h>
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "buf.h"
#include "log.h"
#include "mime.h"
#include "store.h"
#include "store_local.h"

struct text_out {
	int	(*out)(void *, const void *, size_t);
	void	 *arg;
};

static int	 text_header(const struct mime_msg *, struct text_out *);
static int	 text_body(const struct mime_msg *, struct text_out *);
static int	 text_part(const struct mime_msg *, const struct mime_part *,
		    struct text_out *);
static int	 to_conv(void *, const void *, size_t);

/* The first len octets of an open message file, mapped. */
int
store_fd_map(int fd, size_t len, struct store_map *map)
{
	void	*p;

	memset(map, 0, sizeof(*map));
	if (len == 0) {
		map->data = (const unsigned char *)"";
		return 0;
	}
	p = mmap(NULL, len, PROT_READ, MAP_PRIVATE, fd, 0);
	if (p == MAP_FAILED)
		return -1;
	map->addr = p;
	map->maplen = len;
	map->data = p;
	map->len = len;
	return 0;
}

/*
 * The message's file, open, and its size on disk: a regular file
 * whose size fits in memory twice over, else EFBIG.  Returns the
 * descriptor or -1.
 */
int
store_msg_open_sized(struct folder *f, struct store_msg *m, size_t *size)
{
	struct stat	 sb;
	int		 fd, saved;

	if ((fd = store_msg_open(f, m)) == -1)
		return -1;
	if (fstat(fd, &sb) == -1)
		goto fail;
	if (!S_ISREG(sb.st_mode) || (uintmax_t)sb.st_size > SIZE_MAX / 2) {
		errno = EFBIG;
		goto fail;
	}
	*size = (size_t)sb.st_size;
	return fd;
 fail:
	saved = errno;
	close(fd);
	errno = saved;
	return -1;
}

int
store_msg_map(struct folder *f, struct store_msg *m, struct store_map *map)
{
	size_t	size;
	int	fd, saved;

	memset(map, 0, sizeof(*map));
	if ((fd = store_msg_open_sized(f, m, &size)) == -1)
		return -1;
	if (store_fd_map(fd, size, map) == -1) {
		saved = errno;
		close(fd);
		errno = saved;
		return -1;
	}
	close(fd);
	return 0;
}

void
store_map_free(struct store_map *map)
{
	if (map->addr != NULL && munmap(map->addr, map->maplen) == -1)
		log_warn("%s: munmap", __func__);
	memset(map, 0, sizeof(*map));
}

int
store_msg_parse(struct folder *f, struct store_msg *m, struct store_map *map,
    struct mime_msg *mm)
{
	int	saved;

	if (store_msg_map(f, m, map) == -1)
		return -1;
	if (mime_parse(mm, map->data, map->len) == -1) {
		saved = errno;
		store_map_free(map);
		errno = saved;
		return -1;
	}
	return 0;
}

/*
 * Undo store_msg_parse() and keep errno: its callers in store/ return
 * what they made of the tree, with the errno that explains a -1.
 */
void
store_msg_unparse(struct store_map *map, struct mime_msg *mm)
{
	int	saved = errno;

	mime_free(mm);
	store_map_free(map);
	errno = saved;
}

static int
text_header(const struct mime_msg *mm, struct text_out *to)
{
	struct mime_hdr_iter	 it;
	struct mime_field	 fld;
	struct buf		 val, dec;
	int			 r = 0;

	buf_init(&val);
	buf_init(&dec);
	mime_hdr_iter_init(&it, mm, &mm->parts[0]);
	while (r == 0 && mime_hdr_next(&it, &fld) == 1) {
		if (fld.name_len == 0)
			continue;
		buf_reset(&val);
		buf_reset(&dec);
		if (mime_field_value(mm, &fld, &val) == -1 ||
		    mime_decode_words(&dec, val.data, val.len) == -1) {
			r = -1;
			break;
		}
		if (to->out(to->arg, mm->data + fld.name, fld.name_len) == -1 ||
		    to->out(to->arg, ": ", 2) == -1 ||
		    to->out(to->arg, dec.data, dec.len) == -1 ||
		    to->out(to->arg, "\n", 1) == -1)
			r = -1;
	}
	buf_free(&val);
	buf_free(&dec);
	return r;
}

struct conv_chain {
	struct mime_conv	*cv;
	struct text_out		*to;
};

static int
to_conv(void *arg, const void *data, size_t len)
{
	struct conv_chain	*c = arg;

	return mime_conv_feed(c->cv, data, len, c->to->out, c->to->arg);
}

/* One leaf text part: transfer decoded, then made UTF-8. */
static int
text_part(const struct mime_msg *mm, const struct mime_part *pt,
    struct text_out *to)
{
	struct mime_ctype	 ct;
	struct mime_dec		 d;
	struct conv_chain	 c;
	enum mime_cte		 cte;
	int			 r = -1;

	if (mime_part_ctype(mm, pt, &ct) == -1)
		return -1;
	c.cv = mime_conv_open(ct.type != NULL ?
	    mime_ctype_param(&ct, "charset") : NULL);
	mime_ctype_free(&ct);
	if (c.cv == NULL)
		return -1;
	c.to = to;
	cte = mime_part_cte(mm, pt);
	mime_dec_init(&d, cte == MIME_CTE_UNKNOWN ? MIME_CTE_BINARY : cte, 0);
	if (mime_dec_feed(&d, mm->data + pt->body.raw,
	    pt->end.raw - pt->body.raw, to_conv, &c) == 0 &&
	    mime_dec_finish(&d, to_conv, &c) == 0 &&
	    mime_conv_finish(c.cv, to->out, to->arg) == 0 &&
	    to->out(to->arg, "\n", 1) == 0)
		r = 0;
	mime_conv_close(c.cv);
	return r;
}

static int
text_body(const struct mime_msg *mm, struct text_out *to)
{
	const struct mime_part	*pt;
	size_t			 i;

	for (i = 0; i < mm->nparts; i++) {
		pt = &mm->parts[i];
		if (pt->child != NULL || !(pt->flags & MIME_PF_TEXT) ||
		    (pt->flags & MIME_PF_SYNTH))
			continue;
		if (text_part(mm, pt, to) == -1)
			return -1;
	}
	return 0;
}

int
store_msg_text(struct folder *f, struct store_msg *m, int what,
    int (*out)(void *, const void *, size_t), void *arg)
{
	struct store_map	 map;
	struct mime_msg		 mm;
	struct text_out		 to = { out, arg };
	int			 r = 0;

	if (store_msg_parse(f, m, &map, &mm) == -1)
		return -1;
	if ((what & STORE_TEXT_HEADER) && text_header(&mm, &to) == -1)
		r = -1;
	if (r == 0 && (what & STORE_TEXT_BODY) && text_body(&mm, &to) == -1)
		r = -1;
	store_msg_unparse(&map, &mm);
	return r;
}

int
folder_set_flags(struct folder *f, uint32_t uid, uint64_t add,
    uint64_t remove)
{
	struct store_msg	*m;

	if ((m = folder_msg_by_uid(f, uid)) == NULL) {
		errno = ENOENT;
		return -1;
	}
	return store_msg_set_flags(f, m, add, remove);
}

/*
 * Unlink each file.  With FOLDER_EXPUNGE_DELETED the name must still
 * carry T when it is unlinked: a name another session changed is
 * looked up again and its flags decide.  A crash midway leaves some
 * messages removed and the rest in place, each whole.  What this
 * handle removed stays in its table, marked gone, until the next sync
 * drops it and reports it expunged.
 */
int
folder_expunge(struct folder *f, const uint32_t *uids, size_t n, int flags)
{
	struct store_msg	*m;
	char			 name[NAME_MAX + 1];
	size_t			 i;
	int			 removed = 0, try, done, d;
	int			 touched[2] = { 0, 0 };	/* new/, cur/ */

	for (i = 0; i < n; i++) {
		if ((m = folder_msg_by_uid(f, uids[i])) == NULL)
			continue;
		for (try = done = 0; !done && try < LOCATE_TRIES; try++) {
			if ((flags & FOLDER_EXPUNGE_DELETED) &&
			    !(m->flags & STORE_F_DELETED))
				break;
			if (store_msg_name(m, name, sizeof(name)) == -1)
				return -1;
			if (unlinkat(folder_dir_fd(f, m->dir), name, 0) == 0) {
				CRASH_POINT("expunge-unlinked");
				m->gone = 1;
				folder_watch_expect_unlink(f, m->dir, name);
				touched[m->dir] = 1;
				removed++;
				done = 1;
				continue;
			}
			if (errno != ENOENT)
				return -1;
			if (store_msg_locate(f, m) == -1) {
				if (errno != ENOENT)
					return -1;
				done = 1;
			}
		}
	}
	/* Only a directory a name left needs its removal made durable. */
	for (d = STORE_DIR_NEW; d <= STORE_DIR_CUR; d++)
		if (touched[d] && fsync(folder_dir_fd(f, d)) == -1)
			log_warn("%s: fsync %s", __func__, f->name);
	return removed;
}
