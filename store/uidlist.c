/*
 * The per-folder UID list of the store, read and written by session
 * processes under the folder lock (maildir.c).  postern-uidlist is a
 * text file, replaced whole on change:
 *
 *	postern-uidlist 1 V<uidvalidity> N<uidnext> [R<recent mark>]
 *	<uid> T<delivery time> [W<crlf size>] [P<pop3 uidl>] :<base name>
 *
 * one record per message in ascending UID order.  Fields are a key
 * letter and a value; a reader skips keys it does not know, so new
 * cached facts need no new version (the number changes only when the
 * meaning of the file does).  Cached fields may be dropped and
 * recomputed at any time; UIDs never are.  R is the first UID that no
 * IMAP4rev1 session has yet claimed as \Recent (absent: none is).
 *
 * APPEND, COPY and MOVE do not rewrite the list: under the folder lock
 * they add records at its end, written `+<uid> ...', whose UIDs may
 * reach past N (N is then one more than the last).  So does a sync
 * that found nothing but new files (a delivery).  Only such a line
 * may be torn by a crash; a torn last `+' line is dropped, and its UID
 * was never reported to anyone, since the appender answers only after
 * its write is on disk.  Every other defect makes the list corrupt,
 * and a corrupt list is rebuilt under a new UIDVALIDITY.  An appended
 * record with the key C (`C1') moves the \Recent mark past its UID:
 * the sync that added it claimed every message up to it.  A reader
 * that does not know C skips it and offers those messages as \Recent
 * once more, which is all it can get wrong.  A claim made when nothing
 * else changed goes to postern-recent instead: `<uidvalidity> <mark>',
 * written in place and not synced, since a claim lost in a crash too
 * only offers those messages as \Recent once more.  The mark is the
 * largest of R, the C records' and postern-recent's (for this
 * UIDVALIDITY).
 *
 * EXPUNGE does not rewrite it either: after the files are removed it
 * adds `-<uid> N<uidnext>' for each, which a reader applies by
 * dropping that UID's record, and whose N a handle that reads only the
 * last line takes UIDNEXT from.  A torn last `-' line is dropped too:
 * the message's file is gone, and the next sync forgets it.  When they
 * are many (UIDLIST_GONE_MAX) the list is written whole without them.
 *
 * A folder moving from Dovecot has a dovecot-uidlist instead (version
 * 3: `3 V<uidvalidity> N<nextuid> G<guid> ...' and `<uid> [<key><value>
 * ...] :<name>'; version 1, Courier's format too: `1 <uidvalidity>
 * <nextuid>' and `<uid> <name>').  It is imported once, UIDs, virtual
 * sizes and POP3 UIDL overrides included, so clients see the same
 * UIDs and UIDLs as before.
 */
#include <sys/types.h>
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
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

#define UIDLIST_NAME		"postern-uidlist"
#define UIDLIST_MAGIC		"postern-uidlist"
#define UIDLIST_VERSION		1
#define UIDVALIDITY_NAME	"postern-uidvalidity"
#define RECENT_NAME		"postern-recent"
#define DOVECOT_UIDLIST		"dovecot-uidlist"
#define UIDLIST_MAXSIZE		(1024LL * 1024 * 1024)
/* Records added since a handle read the list that it reads alone. */
#define UIDLIST_TAIL_MAX	(1024 * 1024)

/* `-' records past which the list is written whole without them. */
#define UIDLIST_GONE_MAX(f)	(256 + (f)->nmsgs / 8)

/* How read_records() stopped. */
#define RECS_ALL		0	/* every line read */
#define RECS_CUT		1	/* at a last line without LF */
#define RECS_BAD		2	/* at a record that does not parse */

static char	*slurp(int, const char *, size_t *);
static char	*slurp_fd(int, size_t *);
static int	 next_line(char **, char *, char **);
static int	 parse_num(const char *, size_t, uint64_t, uint64_t *);
static const char *field_end(const char *);
static int	 parse_header(char *, uint32_t *, uint32_t *, uint32_t *);
static struct store_msg *record_msg(const char *, size_t, uint32_t, int,
		    uint64_t);
static int	 record_add(struct folder *, struct store_msg *);
static int	 parse_record(struct folder *, char *, uint32_t);
static int	 parse_gone(const char *, uint32_t *, uint32_t *);
static int	 apply_gone(struct folder *, uint32_t, uint32_t);
static int	 append_lines(struct folder *, const struct buf *);
static int	 add_num(struct buf *, const char *, long long);
static int	 add_record(struct buf *, const struct store_msg *, int, int);
static void	 hold_list(struct folder *, int, off_t);
static uint32_t	 read_stamp(int);
static int	 parse_dovecot_header(char *, int *, uint32_t *, uint32_t *);
static int	 parse_dovecot_record(struct folder *, char *, int, uint32_t);
static int	 read_records(struct folder *, char **, char *, int);
static int	 dovecot_import(struct folder *, uint32_t *);
static void	 drop_msgs(struct folder *);

/*
 * Read a whole state file into a NUL-terminated buffer.  NULL with
 * errno ENOENT when there is none.
 */
static char *
slurp(int dirfd, const char *name, size_t *lenp)
{
	char	*data;
	int	 fd, saved;

	if ((fd = openat(dirfd, name, O_RDONLY | O_CLOEXEC | O_NOFOLLOW)) ==
	    -1)
		return NULL;
	data = slurp_fd(fd, lenp);
	saved = errno;
	close(fd);
	errno = saved;
	return data;
}

/* The same from an open file, read from its start. */
static char *
slurp_fd(int fd, size_t *lenp)
{
	struct stat	 sb;

	if (fstat(fd, &sb) == -1)
		return NULL;
	if (!S_ISREG(sb.st_mode) || sb.st_size > UIDLIST_MAXSIZE) {
		errno = EFBIG;
		return NULL;
	}
	return store_read_fd(fd, (size_t)sb.st_size, lenp);
}

/*
 * The next LF-terminated line, NUL-terminated in place.  Returns 1, 0
 * at the end, -1 for a last line without LF (a truncated file).
 */
static int
next_line(char **pos, char *end, char **line)
{
	char	*nl;

	if (*pos >= end)
		return 0;
	if ((nl = memchr(*pos, '\n', end - *pos)) == NULL)
		return -1;
	*nl = '\0';
	*line = *pos;
	*pos = nl + 1;
	return 1;
}

/* Decimal digits only, at most max. */
static int
parse_num(const char *s, size_t len, uint64_t max, uint64_t *v)
{
	uint64_t	n = 0;
	size_t		i;

	if (len == 0 || len > 19)
		return -1;
	for (i = 0; i < len; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		n = n * 10 + (uint64_t)(s[i] - '0');
	}
	if (n > max)
		return -1;
	*v = n;
	return 0;
}

static const char *
field_end(const char *s)
{
	return s + strcspn(s, " ");
}

static int
parse_header(char *line, uint32_t *uv, uint32_t *next, uint32_t *recent)
{
	const char	*p, *e;
	uint64_t	 v;
	int		 have_r = 0;

	*uv = *next = *recent = 0;
	if (strncmp(line, UIDLIST_MAGIC " ", sizeof(UIDLIST_MAGIC)) != 0)
		return -1;
	p = line + sizeof(UIDLIST_MAGIC);
	e = field_end(p);
	if (parse_num(p, e - p, UINT32_MAX, &v) == -1 || v != UIDLIST_VERSION)
		return -1;
	for (p = e; *p == ' '; p = e) {
		p++;
		e = field_end(p);
		if (e - p < 1)
			return -1;
		switch (*p) {
		case 'V':
			if (parse_num(p + 1, e - p - 1, UINT32_MAX, &v) == -1)
				return -1;
			*uv = v;
			break;
		case 'N':
			if (parse_num(p + 1, e - p - 1, UINT32_MAX, &v) == -1)
				return -1;
			*next = v;
			break;
		case 'R':
			if (parse_num(p + 1, e - p - 1, UINT32_MAX, &v) == -1 ||
			    v == 0)
				return -1;
			*recent = v;
			have_r = 1;
			break;
		default:
			break;
		}
	}
	if (*uv == 0 || *next == 0 || *p != '\0')
		return -1;
	if (!have_r || *recent > *next)
		*recent = *next;
	return 0;
}

/*
 * The message of a record, ours or Dovecot's: its base name, UID and
 * W size, unless a ,W= in the name gave the size already.  NULL when
 * memory ran out.
 */
static struct store_msg *
record_msg(const char *base, size_t bl, uint32_t uid, int have_w,
    uint64_t vsize)
{
	struct store_msg	*m;

	if ((m = store_msg_new(base, bl)) == NULL)
		return NULL;
	m->uid = uid;
	if (have_w && !m->have_vsize) {
		m->vsize = vsize;
		m->have_vsize = 1;
	}
	return m;
}

/*
 * A record's message into the table, UIDNEXT past it (an appended
 * record may reach beyond N).  0, or -2 when memory ran out (m is
 * freed), as the record parsers return.
 */
static int
record_add(struct folder *f, struct store_msg *m)
{
	if (folder_add_msg(f, m) == -1) {
		store_msg_free(m);
		return -2;
	}
	if (m->uid >= f->uidnext)
		f->uidnext = m->uid + 1;
	return 0;
}

/* "<uid> <fields> :<base>", UIDs ascending. */
static int
parse_record(struct folder *f, char *line, uint32_t prev)
{
	struct store_msg	*m;
	const char		*p, *e, *base;
	uint64_t		 uid, t = 0, vsize = 0;
	const char		*uidl = NULL;
	size_t			 uidl_len = 0, bl;
	int			 have_t = 0, have_w = 0, appended, claimed = 0;

	p = line;
	if ((appended = *p == '+'))
		p++;
	e = field_end(p);
	if (parse_num(p, e - p, UINT32_MAX - 1, &uid) == -1 || uid <= prev ||
	    (!appended && uid >= f->uidnext))
		return -1;
	for (p = e; *p == ' ' && p[1] != ':'; p = e) {
		p++;
		e = field_end(p);
		switch (*p) {
		case 'T':
			if (parse_num(p + 1, e - p - 1, INT64_MAX, &t) == -1)
				return -1;
			have_t = 1;
			break;
		case 'W':
			if (parse_num(p + 1, e - p - 1, INT64_MAX,
			    &vsize) == -1)
				return -1;
			have_w = 1;
			break;
		case 'P':
			uidl = p + 1;
			uidl_len = e - p - 1;
			break;
		case 'C':
			claimed = appended;
			break;
		case ':':
		case '\0':
			return -1;
		default:
			break;
		}
	}
	if (p[0] != ' ' || p[1] != ':')
		return -1;
	base = p + 2;
	if (store_name_split(base, &bl) == -1 || base[bl] != '\0')
		return -1;
	if ((m = record_msg(base, bl, uid, have_w, vsize)) == NULL)
		return -2;
	m->time = have_t ? (time_t)t : 0;
	if (uidl != NULL) {
		if ((m->pop3_uidl = strndup(uidl, uidl_len)) == NULL) {
			store_msg_free(m);
			return -2;
		}
		if (!store_uidl_ok(m->pop3_uidl)) {
			store_msg_free(m);
			return -1;
		}
	}
	if (claimed && uid >= f->recent_mark)
		f->recent_mark = uid + 1;
	return record_add(f, m);
}

/* "-<uid> N<uidnext>": that message was expunged.  0, or -1. */
static int
parse_gone(const char *line, uint32_t *uidp, uint32_t *nextp)
{
	const char	*p = line + 1, *e;
	uint64_t	 uid, next;

	e = field_end(p);
	if (parse_num(p, e - p, UINT32_MAX - 1, &uid) == -1 || uid == 0 ||
	    e[0] != ' ' || e[1] != 'N')
		return -1;
	p = e + 2;
	e = field_end(p);
	if (*e != '\0' || parse_num(p, e - p, UINT32_MAX, &next) == -1 ||
	    next <= uid)
		return -1;
	*uidp = (uint32_t)uid;
	*nextp = (uint32_t)next;
	return 0;
}

/*
 * An expunge read from the list: its record, if the table has it,
 * goes (then 1).
 */
static int
apply_gone(struct folder *f, uint32_t uid, uint32_t next)
{
	if (next > f->uidnext)
		f->uidnext = next;
	f->ul_gone++;
	return folder_drop_uid(f, uid);
}

static void
drop_msgs(struct folder *f)
{
	size_t	i;

	for (i = 0; i < f->nmsgs; i++)
		store_msg_free(f->msgs[i]);
	free(f->msgs);
	f->msgs = NULL;
	f->nmsgs = f->msgcap = 0;
	f->ul_gone = 0;
	/* What was learnt about them goes with them. */
	f->facts_dirty = 0;
}

/* Keep the list just read or written open: see uidlist_current(). */
static void
hold_list(struct folder *f, int fd, off_t size)
{
	if (f->ul_fd != -1)
		close(f->ul_fd);
	f->ul_fd = fd;
	f->ul_size = size;
}

/* Whatever we held no longer tells what is on disk. */
void
uidlist_forget(struct folder *f)
{
	hold_list(f, -1, 0);
	f->ul_torn = 0;
}

/*
 * Fill the folder's header and messages from its UID list.  Returns
 * UIDLIST_OK, UIDLIST_IMPORTED (from Dovecot's), UIDLIST_MISSING,
 * UIDLIST_CORRUPT, or -1 on a system error.  *known gets the largest
 * UIDVALIDITY seen in any list, good or bad, so that a rebuilt list
 * can get a larger one.
 */
int
uidlist_read(struct folder *f, uint32_t *known)
{
	char		*data, *pos, *end, *line;
	size_t		 len;
	int		 r, n, fd;

	*known = 0;
	drop_msgs(f);
	uidlist_forget(f);
	fd = openat(f->fd, UIDLIST_NAME, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd == -1 || (data = slurp_fd(fd, &len)) == NULL) {
		if (fd != -1)
			close(fd);
		if (errno != ENOENT) {
			log_warn("%s: %s/%s", __func__, f->name, UIDLIST_NAME);
			return -1;
		}
		r = dovecot_import(f, known);
		if (r == UIDLIST_IMPORTED || r == UIDLIST_MISSING)
			f->recent_mark = r == UIDLIST_IMPORTED ?
			    f->uidnext : 1;
		return r;
	}
	pos = data;
	end = data + len;
	r = UIDLIST_CORRUPT;
	if (next_line(&pos, end, &line) != 1 ||
	    parse_header(line, &f->uidvalidity, &f->uidnext,
	    &f->recent_mark) == -1) {
		if (f->uidvalidity != 0)
			*known = f->uidvalidity;
		goto done;
	}
	*known = f->uidvalidity;
	n = read_records(f, &pos, end, 0);
	if (n == RECS_ALL)
		r = UIDLIST_OK;
	else if (n == RECS_CUT && (*pos == '+' || *pos == '-')) {
		/* An append cut short by a crash: see the top. */
		f->ul_torn = 1;
		r = UIDLIST_OK;
	} else if (n == -1)
		r = -1;
 done:
	free(data);
	if (r != UIDLIST_OK) {
		if (r == UIDLIST_CORRUPT)
			log_warnx("%s: %s/%s is corrupt, rebuilding it",
			    __func__, f->name, UIDLIST_NAME);
		drop_msgs(f);
		close(fd);
		f->recent_mark = 1;
	} else
		hold_list(f, fd, (off_t)len);
	return r;
}

static int
parse_dovecot_header(char *line, int *version, uint32_t *uv,
    uint32_t *next)
{
	const char	*p, *e;
	uint64_t	 v;

	*uv = *next = 0;
	if (line[0] < '0' || line[0] > '9' || line[1] != ' ')
		return -1;
	*version = line[0] - '0';
	p = line + 2;
	if (*version == 1) {
		e = field_end(p);
		if (parse_num(p, e - p, UINT32_MAX, &v) == -1 || *e != ' ')
			return -1;
		*uv = v;
		p = e + 1;
		e = field_end(p);
		if (parse_num(p, e - p, UINT32_MAX, &v) == -1)
			return -1;
		*next = v;
	} else if (*version == 3) {
		for (; *p != '\0'; p = e + (*e == ' ')) {
			e = field_end(p);
			if (*p == 'V' &&
			    parse_num(p + 1, e - p - 1, UINT32_MAX, &v) == 0)
				*uv = v;
			else if (*p == 'N' &&
			    parse_num(p + 1, e - p - 1, UINT32_MAX, &v) == 0)
				*next = v;
			else if (*p == 'V' || *p == 'N')
				return -1;
		}
	} else
		return -1;
	return *uv != 0 && *next != 0 ? 0 : -1;
}

static int
parse_dovecot_record(struct folder *f, char *line, int version,
    uint32_t prev)
{
	struct store_msg	*m;
	const char		*p, *e, *uidl = NULL;
	char			*name;
	uint64_t		 uid, v, vsize = 0;
	size_t			 bl, uidl_len = 0;
	int			 have_w = 0;

	p = line;
	e = field_end(p);
	if (parse_num(p, e - p, UINT32_MAX - 1, &uid) == -1 || uid <= prev ||
	    *e != ' ')
		return -1;
	p = e + 1;
	if (version == 3) {
		/* Extension fields up to the ':' that starts the name. */
		while (*p != '\0' && *p != ':') {
			e = field_end(p);
			if (*p < 'A' || *p > 'Z')
				return -1;
			if (*p == 'W' &&
			    parse_num(p + 1, e - p - 1, INT64_MAX, &v) == 0) {
				vsize = v;
				have_w = 1;
			} else if (*p == 'P') {
				uidl = p + 1;
				uidl_len = e - p - 1;
			}
			for (p = e; *p == ' '; p++)
				;
		}
		if (*p != ':')
			return -1;
		p++;
	}
	name = (char *)p;
	if (store_name_split(name, &bl) == -1)
		return -1;
	name[bl] = '\0';
	if ((m = record_msg(name, bl, uid, have_w, vsize)) == NULL)
		return -2;
	/* Dovecot's empty P means "the base name is the UIDL". */
	if (uidl != NULL) {
		if (uidl_len == 0)
			m->pop3_uidl = strdup(name);
		else
			m->pop3_uidl = strndup(uidl, uidl_len);
		if (m->pop3_uidl == NULL) {
			store_msg_free(m);
			return -2;
		}
		if (!store_uidl_ok(m->pop3_uidl)) {
			free(m->pop3_uidl);
			m->pop3_uidl = NULL;
		}
	}
	return record_add(f, m);
}

/*
 * The records that follow a list's header, into the folder's empty
 * table: ours when version is 0, else Dovecot's of that version.  One
 * loop for both, so that the two readers stop alike.  Returns
 * RECS_ALL, RECS_CUT (*pos is where the last line starts), RECS_BAD,
 * or -1 when memory ran out.
 */
static int
read_records(struct folder *f, char **pos, char *end, int version)
{
	char		*line;
	uint32_t	 prev = 0, uid, next;
	int		 n, r;

	while ((n = next_line(pos, end, &line)) == 1) {
		if (version == 0 && *line == '-') {
			if (parse_gone(line, &uid, &next) == -1)
				return RECS_BAD;
			apply_gone(f, uid, next);
			continue;
		}
		if (version == 0)
			r = parse_record(f, line, prev);
		else
			r = parse_dovecot_record(f, line, version, prev);
		if (r == -2)
			return -1;
		if (r != 0)
			return RECS_BAD;
		prev = f->msgs[f->nmsgs - 1]->uid;
	}
	return n == 0 ? RECS_ALL : RECS_CUT;
}

/*
 * Take UIDs from Dovecot's list when ours does not exist yet.  A list
 * we cannot read whole is not imported (partial UIDs under Dovecot's
 * UIDVALIDITY would be worse than new ones); its UIDVALIDITY still
 * counts as known.
 */
static int
dovecot_import(struct folder *f, uint32_t *known)
{
	char		*data, *pos, *end, *line;
	size_t		 len;
	int		 version, r, n;

	if ((data = slurp(f->fd, DOVECOT_UIDLIST, &len)) == NULL) {
		if (errno == ENOENT)
			return UIDLIST_MISSING;
		/* Not now: new UIDs would lose Dovecot's for good. */
		log_warn("%s: %s/%s", __func__, f->name, DOVECOT_UIDLIST);
		return -1;
	}
	pos = data;
	end = data + len;
	r = UIDLIST_MISSING;
	if (next_line(&pos, end, &line) != 1 ||
	    parse_dovecot_header(line, &version, &f->uidvalidity,
	    &f->uidnext) == -1)
		goto done;
	*known = f->uidvalidity;
	n = read_records(f, &pos, end, version);
	if (n == RECS_ALL)
		r = UIDLIST_IMPORTED;
	else if (n == -1)
		r = -1;
 done:
	free(data);
	if (r == UIDLIST_IMPORTED)
		log_info("%s: imported %zu UIDs from %s/%s, UIDVALIDITY %u",
		    __func__, f->nmsgs, f->name, DOVECOT_UIDLIST,
		    f->uidvalidity);
	else {
		log_warnx("%s: %s/%s cannot be imported", __func__, f->name,
		    DOVECOT_UIDLIST);
		drop_msgs(f);
	}
	return r;
}

/* A key and a decimal number, without printf: a list has many. */
static int
add_num(struct buf *b, const char *key, long long v)
{
	char			 digits[24], *p = digits + sizeof(digits);
	unsigned long long	 u = v < 0 ? 0ULL - (unsigned long long)v :
				    (unsigned long long)v;

	do
		*--p = (char)('0' + u % 10);
	while ((u /= 10) != 0);
	if (v < 0)
		*--p = '-';
	if (buf_addstr(b, key) == -1)
		return -1;
	return buf_add(b, p, (size_t)(digits + sizeof(digits) - p));
}

/* One record; claim adds C (see the top) to an appended one. */
static int
add_record(struct buf *b, const struct store_msg *m, int appended,
    int claim)
{
	if (add_num(b, appended ? "+" : "", m->uid) == -1 ||
	    add_num(b, " T", (long long)m->time) == -1)
		return -1;
	if (m->have_vsize && !m->vsize_in_name) {
		/* No message is this large; the list could still say so. */
		if (m->vsize > INT64_MAX) {
			if (buf_addf(b, " W%llu",
			    (unsigned long long)m->vsize) == -1)
				return -1;
		} else if (add_num(b, " W", (long long)m->vsize) == -1)
			return -1;
	}
	if (m->pop3_uidl != NULL && (buf_addstr(b, " P") == -1 ||
	    buf_addstr(b, m->pop3_uidl) == -1))
		return -1;
	if (appended && claim && buf_addstr(b, " C1") == -1)
		return -1;
	if (buf_addstr(b, " :") == -1 || buf_addstr(b, m->base) == -1)
		return -1;
	return buf_add(b, "\n", 1);
}

/* Write the folder's list; the caller holds the folder lock. */
int
uidlist_write(struct folder *f)
{
	struct buf	 b;
	size_t		 i;
	int		 r = 0, fd;

	buf_init(&b);
	if (f->recent_mark > f->uidnext || f->recent_mark == 0)
		f->recent_mark = f->uidnext;
	if (buf_addf(&b, "%s %d V%u N%u R%u\n", UIDLIST_MAGIC,
	    UIDLIST_VERSION, f->uidvalidity, f->uidnext, f->recent_mark) == -1)
		r = -1;
	for (i = 0; r == 0 && i < f->nmsgs; i++)
		r = add_record(&b, f->msgs[i], 0, 0);
	if (r == 0)
		r = store_replace_file(f->fd, UIDLIST_NAME, b.data, b.len);
	else
		log_warn("%s: %s", __func__, f->name);
	if (r == 0) {
		f->ul_torn = 0;
		f->ul_gone = 0;
		f->facts_dirty = 0;
		fd = openat(f->fd, UIDLIST_NAME,
		    O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
		if (fd == -1)
			uidlist_forget(f);
		else
			hold_list(f, fd, (off_t)b.len);
	} else
		uidlist_forget(f);
	buf_free(&b);
	return r;
}

/*
 * Whether the list on disk is the one this handle read or wrote last,
 * with nothing added since: it is the same file (we hold it open, so
 * its inode cannot have been reused) of the same size (records are
 * only ever added at the end).  The caller holds the folder lock.
 */
int
uidlist_current(struct folder *f)
{
	struct stat	disk, held;

	if (f->ul_fd == -1 || f->ul_torn)
		return 0;
	if (fstatat(f->fd, UIDLIST_NAME, &disk, AT_SYMLINK_NOFOLLOW) == -1 ||
	    fstat(f->ul_fd, &held) == -1)
		return 0;
	return disk.st_ino == held.st_ino && disk.st_dev == held.st_dev &&
	    disk.st_size == f->ul_size;
}

/* A later \Recent mark from postern-recent (see the top), if any. */
void
uidlist_recent_load(struct folder *f)
{
	char		 buf[64], *sp;
	uint64_t	 uv, mark;
	ssize_t		 n;
	int		 fd;

	if ((fd = openat(f->fd, RECENT_NAME,
	    O_RDONLY | O_CLOEXEC | O_NOFOLLOW)) == -1)
		return;
	n = pread(fd, buf, sizeof(buf) - 1, 0);
	close(fd);
	if (n <= 0)
		return;
	buf[n] = '\0';
	if ((sp = strchr(buf, ' ')) == NULL || buf[n - 1] != '\n' ||
	    parse_num(buf, sp - buf, UINT32_MAX, &uv) == -1 ||
	    parse_num(sp + 1, buf + n - 1 - (sp + 1), UINT32_MAX,
	    &mark) == -1)
		return;
	if (uv == f->uidvalidity && mark > f->recent_mark &&
	    mark <= f->uidnext)
		f->recent_mark = (uint32_t)mark;
}

/*
 * Save this handle's \Recent mark in postern-recent, in place, fixed
 * width, not synced.  The caller holds the folder lock.
 */
int
uidlist_recent_save(struct folder *f)
{
	char	buf[32];
	int	n, fd, r;

	n = snprintf(buf, sizeof(buf), "%010u %010u\n", f->uidvalidity,
	    f->recent_mark);
	if (n < 0 || (size_t)n >= sizeof(buf))
		return -1;
	if ((fd = openat(f->fd, RECENT_NAME,
	    O_WRONLY | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600)) == -1)
		return -1;
	r = pwrite(fd, buf, n, 0) == n ? 0 : -1;
	close(fd);
	return r;
}

/*
 * Records others added at the end of the list since this handle read or
 * wrote it (APPEND, COPY or MOVE through another handle, a delivery
 * another session numbered), into the table without reading the rest:
 * when the list is still the same file, longer, and what was added is
 * whole `+' and `-' records past the table's UIDs.  Each new message
 * is taken to be in cur/ without flags (where APPEND, COPY and MOVE put
 * files) until the sync finds its file; `-' records drop their
 * messages once every line has parsed (at most 64, else it is read
 * whole).  Returns 0 with *added set (the new messages still in the
 * table, its last ones), 1 when the list must be read whole (the table
 * is then as it was), -1 on a system error.  The caller holds the
 * folder lock.
 */
int
uidlist_read_tail(struct folder *f, size_t *added)
{
	struct stat	 disk, held;
	char		*data = NULL, *pos, *end, *line;
	struct {
		uint32_t	 uid, next;
	}		 gone[64];
	size_t		 len, got, n0 = f->nmsgs, ngone = 0, i;
	ssize_t		 n;
	uint32_t	 next = f->uidnext, recent = f->recent_mark, prev, prev0;
	size_t		 gone0 = f->ul_gone;
	int		 r = 1;

	*added = 0;
	if (f->ul_fd == -1 || f->ul_torn ||
	    fstatat(f->fd, UIDLIST_NAME, &disk, AT_SYMLINK_NOFOLLOW) == -1 ||
	    fstat(f->ul_fd, &held) == -1 || disk.st_ino != held.st_ino ||
	    disk.st_dev != held.st_dev || disk.st_size <= f->ul_size ||
	    disk.st_size - f->ul_size > UIDLIST_TAIL_MAX)
		return 1;
	len = (size_t)(disk.st_size - f->ul_size);
	if ((data = malloc(len)) == NULL)
		return -1;
	for (got = 0; got < len; got += (size_t)n) {
		n = pread(f->ul_fd, data + got, len - got, f->ul_size + got);
		if (n == -1 && errno == EINTR) {
			n = 0;
			continue;
		}
		if (n <= 0)
			goto out;
	}
	prev = prev0 = n0 > 0 ? f->msgs[n0 - 1]->uid : 0;
	pos = data;
	end = data + len;
	while ((n = next_line(&pos, end, &line)) == 1) {
		if (*line == '-') {
			/* Applied once every line has been read. */
			if (ngone == sizeof(gone) / sizeof(gone[0]) ||
			    parse_gone(line, &gone[ngone].uid,
			    &gone[ngone].next) == -1)
				goto out;
			ngone++;
			continue;
		}
		if (*line != '+')
			goto out;
		switch (parse_record(f, line, prev)) {
		case 0:
			break;
		case -2:
			r = -1;
			goto out;
		default:
			goto out;
		}
		if (f->msgs[f->nmsgs - 1]->uid < next)
			goto out;		/* a UID given before */
		f->msgs[f->nmsgs - 1]->dir = STORE_DIR_CUR;
		prev = f->msgs[f->nmsgs - 1]->uid;
	}
	if (n != 0)
		goto out;			/* torn: read it whole */
	*added = f->nmsgs - n0;
	for (i = 0; i < ngone; i++)
		if (apply_gone(f, gone[i].uid, gone[i].next) &&
		    gone[i].uid > prev0)
			(*added)--;		/* one of those just read */
	f->ul_size = disk.st_size;
	r = 0;
 out:
	if (r != 0) {
		for (i = n0; i < f->nmsgs; i++)
			store_msg_free(f->msgs[i]);
		f->nmsgs = n0;
		f->uidnext = next;
		f->recent_mark = recent;
		f->ul_gone = gone0;
	}
	free(data);
	return r;
}

/*
 * The header facts without reading every record, for a folder that is
 * only given new messages (APPEND, COPY, MOVE): UIDVALIDITY, the \Recent
 * mark, and UIDNEXT from the header or past the last record.  The
 * table stays empty.  Returns 0, 1 when the list must be read whole
 * (missing, Dovecot's, torn, or not as expected), -1 on error.  The
 * caller holds the folder lock.
 */
int
uidlist_tail(struct folder *f)
{
	char		 head[256], tail[1024], *nl, *line;
	struct stat	 sb;
	uint64_t	 v;
	uint32_t	 uv, next, recent, gone_uid, gone_next;
	size_t		 tlen;
	ssize_t		 n;
	off_t		 off;
	int		 fd;

	drop_msgs(f);
	uidlist_forget(f);
	fd = openat(f->fd, UIDLIST_NAME, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd == -1)
		return errno == ENOENT ? 1 : -1;
	if (fstat(fd, &sb) == -1 || !S_ISREG(sb.st_mode))
		goto whole;
	if ((n = pread(fd, head, sizeof(head) - 1, 0)) <= 0)
		goto whole;
	head[n] = '\0';
	if ((nl = strchr(head, '\n')) == NULL)
		goto whole;
	*nl = '\0';
	if (parse_header(head, &uv, &next, &recent) == -1)
		goto whole;
	/* The last line, which must be whole. */
	off = sb.st_size > (off_t)sizeof(tail) - 1 ?
	    sb.st_size - (off_t)sizeof(tail) + 1 : 0;
	if ((n = pread(fd, tail, sizeof(tail) - 1, off)) <= 0)
		goto whole;
	tlen = (size_t)n;
	tail[tlen] = '\0';
	if (off + (off_t)tlen != sb.st_size || tail[tlen - 1] != '\n')
		goto whole;
	tail[--tlen] = '\0';
	if ((line = strrchr(tail, '\n')) == NULL) {
		if (off != 0)
			goto whole;
		line = tail;		/* only the header */
	} else
		line++;
	if (off == 0 && line == tail) {
		/* Nothing but the header. */
	} else if (*line == '-') {
		/* An expunge: its N is UIDNEXT. */
		if (parse_gone(line, &gone_uid, &gone_next) == -1)
			goto whole;
		if (gone_next > next)
			next = gone_next;
	} else {
		if (*line == '+')
			line++;
		if (parse_num(line, field_end(line) - line, UINT32_MAX - 1,
		    &v) == -1)
			goto whole;
		if (v >= next)
			next = v + 1;
	}
	f->uidvalidity = uv;
	f->uidnext = next;
	f->recent_mark = recent;
	hold_list(f, fd, sb.st_size);
	return 0;
 whole:
	close(fd);
	return 1;
}

/*
 * Add records for messages just given their UIDs, at the end of the
 * list this handle holds (uidlist_current() or uidlist_tail() said it
 * is the one on disk), and make them durable before returning: only
 * then may anyone be told the UIDs.  With claim, the last record
 * carries the \Recent claim of every UID up to it (f->recent_mark,
 * which the caller has moved past it).  The caller holds the folder
 * lock.
 */
int
uidlist_append(struct folder *f, struct store_msg *const *msgs, size_t n,
    int claim)
{
	struct buf	 b;
	size_t		 i;
	int		 r = -1;

	buf_init(&b);
	for (i = 0; i < n; i++)
		if (add_record(&b, msgs[i], 1, claim && i == n - 1) == -1)
			goto out;
	r = append_lines(f, &b);
 out:
	if (r == -1)
		log_warn("%s: %s/%s", __func__, f->name, UIDLIST_NAME);
	buf_free(&b);
	return r;
}

/*
 * The expunge of these UIDs (their files removed already), at the end
 * of the list this handle holds, durable before returning; or, when
 * the list has `-' records enough, the list written whole from the
 * table (which no longer has them).  The caller holds the folder lock.
 */
int
uidlist_append_gone(struct folder *f, const uint32_t *uids, size_t n)
{
	struct buf	 b;
	size_t		 i;
	int		 r = -1;

	if (f->ul_gone + n > UIDLIST_GONE_MAX(f))
		return uidlist_write(f);
	buf_init(&b);
	for (i = 0; i < n; i++)
		if (buf_addf(&b, "-%u N%u\n", uids[i], f->uidnext) == -1)
			goto out;
	if ((r = append_lines(f, &b)) == 0)
		f->ul_gone += n;
 out:
	if (r == -1)
		log_warn("%s: %s/%s", __func__, f->name, UIDLIST_NAME);
	buf_free(&b);
	return r;
}

/*
 * Lines at the end of the list, on disk before returning.  On failure a
 * part of them may be there: the list is then read whole next time.
 */
static int
append_lines(struct folder *f, const struct buf *b)
{
	const char	*p;
	size_t		 left;
	ssize_t		 w;
	int		 fd, r = -1;

	fd = openat(f->fd, UIDLIST_NAME,
	    O_WRONLY | O_APPEND | O_CLOEXEC | O_NOFOLLOW);
	if (fd == -1)
		goto out;
	for (p = (const char *)b->data, left = b->len; left > 0;) {
		if (store_crash_hook != NULL && left == b->len && left > 1) {
			/* A test's crash halfway through the records. */
			if ((w = write(fd, p, left / 2)) == -1)
				goto out;
			p += w;
			left -= w;
			CRASH_POINT("uidlist-append-half");
			continue;
		}
		if ((w = write(fd, p, left)) == -1) {
			if (errno == EINTR)
				continue;
			goto out;
		}
		p += w;
		left -= w;
	}
	if (fsync(fd) == -1)
		goto out;
	CRASH_POINT("uidlist-appended");
	f->ul_size += (off_t)b->len;
	r = 0;
 out:
	if (r == -1)
		uidlist_forget(f);
	if (fd != -1)
		close(fd);
	return r;
}

static uint32_t
read_stamp(int dirfd)
{
	char		*data;
	size_t		 len;
	uint64_t	 v = 0;

	if ((data = slurp(dirfd, UIDVALIDITY_NAME, &len)) == NULL)
		return 0;
	data[strcspn(data, "\n")] = '\0';
	if (parse_num(data, strlen(data), UINT32_MAX, &v) == -1)
		v = 0;
	free(data);
	return (uint32_t)v;
}

/*
 * A new UIDVALIDITY: the time, unless an earlier one of this folder
 * (remembered in its postern-uidvalidity, or still readable in a
 * broken list) or of any folder of the store (the root's
 * postern-uidvalidity) was as large; then one more.  So clients notice
 * a rebuilt list, and a folder deleted and made again, even within
 * the same second, never shows a UIDVALIDITY it had before.
 */
uint32_t
uidlist_new_uidvalidity(struct folder *f, uint32_t known)
{
	char		buf[32];
	uint64_t	v, prev;
	int		n;

	prev = read_stamp(f->fd);
	if (read_stamp(f->store->fd) > prev)
		prev = read_stamp(f->store->fd);
	if (known > prev)
		prev = known;
	v = (uint64_t)time(NULL);
	if (v <= prev)
		v = prev + 1;
	if (v > UINT32_MAX)
		v = (uint64_t)time(NULL) & UINT32_MAX;
	if (v == 0)
		v = 1;
	n = snprintf(buf, sizeof(buf), "%llu\n", (unsigned long long)v);
	if (n > 0 && (size_t)n < sizeof(buf)) {
		(void)store_replace_file(f->fd, UIDVALIDITY_NAME, buf, n);
		if (strcmp(f->dirname, ".") != 0)
			(void)store_replace_file(f->store->fd,
			    UIDVALIDITY_NAME, buf, n);
	}
	return (uint32_t)v;
}
