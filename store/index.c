/*
 * The per-folder index of the IMAP session process: FETCH ENVELOPE,
 * BODY and BODYSTRUCTURE rendered once by store/mime/ and kept in
 * postern-index, so that a warm FETCH over a large folder opens no
 * message file.  (RFC822.SIZE and INTERNALDATE are in the UID list,
 * which every open reads anyway.)
 *
 * The file is a header and a run of self-contained records:
 *
 *	header	"PSTNIDX\n", version, UIDVALIDITY, CRC-32 of those
 *	record	magic, UID, base name length, data length, CRC size of
 *		the message, kind (envelope, body, bodystructure),
 *		rendering flags, CRC-32 of the record; the base name;
 *		the data; padding to 8 octets
 *
 * in native byte order (a file from another machine fails the magic
 * and is rebuilt).  New records are appended under the folder lock; a
 * later record for the same UID, kind and flags supersedes an earlier
 * one.  When most of the file is dead (expunged or superseded
 * records), or anything in it is damaged, the next flush writes a new
 * file and renames it into place.  It is a cache: it is never
 * fsync'd, and nothing in it is believed without checks.  A record is
 * used only when its CRC matches and its base name and CRLF size are
 * those the UID list gives for the UID; anything else is rendered from
 * the message again.  The file is mapped read-only, and the table in
 * memory holds only the UID, kind and offset of each record.  Every
 * read of the map goes through map_read(): a file truncated in place
 * under the session (by hand, by a restore) would turn a read past its
 * new end into SIGBUS, which is caught there and makes the map lost,
 * so the data is rendered from the message and the file read afresh.
 *
 * A folder's first FETCH builds the index (store_msg_prefetch()): the
 * session passes the messages it is about to answer for, a batch at a
 * time; what the index lacks for them is read from the message files
 * by prefetch.c, each file once, on two threads when there are two
 * CPUs.  The same octets give the CRLF size, which the records are
 * keyed with and which the UID list then keeps (SELECT does not read
 * the files for it).  An ENVELOPE alone needs only the header; BODY
 * and BODYSTRUCTURE are rendered when first asked for, each kind
 * being its own record.  The index itself is only ever touched by the
 * session's thread.  Records are written every few megabytes, with
 * large writes, and never fsync'd; whether the file is worth
 * compacting is judged again only once it has grown by half, so that
 * a build of 100,000 messages stays linear.
 */
#ifndef __unused
#define __unused	__attribute__((__unused__))
#endif
#include <sys/types.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/tree.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <setjmp.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "buf.h"
#include "log.h"
#include "mime.h"
#include "store.h"
#include "store_local.h"

#define INDEX_NAME	"postern-index"
#define INDEX_TMP	"postern-index.tmp"
#define INDEX_MAGIC	"PSTNIDX\n"
#define INDEX_VERSION	1
#define HDR_SIZE	24
#define REC_MAGIC	0x31434552U	/* "REC1" */
#define REC_HDR		32
#define REC_DATA_MAX	(64U * 1024 * 1024)
#define PEND_FLUSH	(4U * 1024 * 1024)
#define WBUF		(256U * 1024)
#define NKINDS		3

#define ALIGN8(n)	(((n) + 7) & ~(uint64_t)7)

/* A record in the map, as the table keeps it. */
struct ient {
	uint64_t	off;
	uint32_t	uid;
	uint8_t		kind;
	uint8_t		mflags;
	uint8_t		checked;	/* 0 not yet, 1 good, 2 bad */
};

/* A rendering not yet in the file: one allocation, base after data. */
struct pent {
	RB_ENTRY(pent)	 rb;
	uint32_t	 uid;
	uint8_t		 kind;
	uint8_t		 mflags;
	uint64_t	 vsize;
	char		*base;
	size_t		 len;
	unsigned char	 data[];
};
RB_HEAD(ptree, pent);

struct store_index {
	int		 fd;		/* the file mapped, or -1 */
	unsigned char	*map;
	size_t		 maplen;
	uint64_t	 end;		/* records walked up to here */
	int		 damaged;	/* bad header, record or tail */
	int		 lost;		/* a read faulted: the file shrank */
	uint32_t	 uidvalidity;	/* the file's */
	struct ient	*ents;
	size_t		 n, cap;
	int		 sorted;
	struct ptree	 pend;
	size_t		 pendbytes;
	uint64_t	 scan_len;	/* maplen at the last liveness scan */
	uint64_t	 scan_live;	/* live octets found then */
	struct pf_ctx	 pf[PF_THREADS];	/* one per thread of a build */
	struct pf_job	*jobs;
	size_t		 jobcap;
};

/* A record's fixed part, as in the file. */
struct rhdr {
	uint32_t	magic;
	uint32_t	uid;
	uint32_t	baselen;
	uint32_t	datalen;
	uint64_t	vsize;
	uint8_t		kind;
	uint8_t		mflags;
	uint16_t	zero;
	uint32_t	crc;
};

static uint32_t	 crc_table[8][256];
static int	 crc_ready;

/* The SIGBUS catch of map_read(). */
static sigjmp_buf		 bus_env;
static volatile sig_atomic_t	 bus_armed;
static int			 bus_ready;

static void	 crc32_init(void);
static uint32_t	 crc32_update(uint32_t, const void *, size_t);
static void	 bus_catch(int);
static void	 bus_init(void);
static int	 map_read(struct store_index *, void *, uint32_t *, uint64_t,
		    size_t);
static int	 map_copy(struct store_index *, void *, uint64_t, size_t);
static int	 map_crc(struct store_index *, uint32_t *, uint64_t, size_t);
static int	 map_to_buf(struct store_index *, struct buf *, uint64_t,
		    size_t);
static int	 pent_cmp(struct pent *, struct pent *);
static int	 ient_cmp(const void *, const void *);
static int	 key_cmp(uint32_t, int, int, const struct ient *);
static int	 norm_flags(int, int);
static struct store_index *index_get(struct folder *);
static void	 index_unmap(struct store_index *);
static int	 index_load(struct folder *, struct store_index *);
static int	 index_remap(struct store_index *, size_t);
static void	 index_walk(struct store_index *);
static int	 index_refresh(struct folder *, struct store_index *);
static void	 index_sort(struct store_index *);
static int	 rec_check(struct store_index *, struct ient *);
static int	 rec_match(struct store_index *, struct ient *,
		    const struct store_msg *, uint64_t *, size_t *);
static const unsigned char *lookup(struct store_index *,
		    const struct store_msg *, int, int, uint64_t *, size_t *);
static int	 pend_add(struct store_index *, const struct store_msg *,
		    int, int, const void *, size_t);
static int	 missing(struct store_index *, const struct store_msg *, int,
		    int);
static int	 prefetch_batch(struct folder *, struct store_index *,
		    struct store_msg *const *, size_t, int, int, int);
static int	 render_direct(struct folder *, struct store_msg *, int, int,
		    struct buf *);
static int	 rec_write(struct buf *, uint32_t, int, int, uint64_t,
		    const char *, const void *, size_t);
static int	 out_flush(int, struct buf *, int);
static int	 pend_write(struct folder *, struct store_index *, int,
		    struct buf *, int);
static int	 live(struct folder *, struct store_index *, struct ient *);
static uint64_t	 live_estimate(struct folder *, struct store_index *);
static int	 index_rewrite(struct folder *, struct store_index *);
static int	 index_append(struct folder *, struct store_index *);
static void	 pend_free(struct store_index *);

RB_GENERATE_STATIC(ptree, pent, rb, pent_cmp)

/*
 * CRC-32 (the zlib polynomial) eight octets a step ("slicing by 8"):
 * every record is checked once per handle, so on a warm FETCH of a
 * large folder this is most of the work.  Octets are taken one by
 * one, so the result does not depend on the machine's byte order.
 */
static void
crc32_init(void)
{
	uint32_t	c;
	int		i, k;

	if (crc_ready)
		return;
	for (i = 0; i < 256; i++) {
		c = (uint32_t)i;
		for (k = 0; k < 8; k++)
			c = c & 1 ? 0xedb88320U ^ (c >> 1) : c >> 1;
		crc_table[0][i] = c;
	}
	for (i = 0; i < 256; i++)
		for (k = 1; k < 8; k++)
			crc_table[k][i] = (crc_table[k - 1][i] >> 8) ^
			    crc_table[0][crc_table[k - 1][i] & 0xff];
	crc_ready = 1;
}

static uint32_t
crc32_update(uint32_t crc, const void *data, size_t len)
{
	const unsigned char	*p = data;

	crc32_init();
	crc = ~crc;
	for (; len >= 8; p += 8, len -= 8) {
		crc ^= (uint32_t)p[0] | (uint32_t)p[1] << 8 |
		    (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
		crc = crc_table[7][crc & 0xff] ^
		    crc_table[6][(crc >> 8) & 0xff] ^
		    crc_table[5][(crc >> 16) & 0xff] ^
		    crc_table[4][crc >> 24] ^
		    crc_table[3][p[4]] ^ crc_table[2][p[5]] ^
		    crc_table[1][p[6]] ^ crc_table[0][p[7]];
	}
	while (len-- > 0)
		crc = crc_table[0][(crc ^ *p++) & 0xff] ^ (crc >> 8);
	return ~crc;
}

/*
 * A fault while reading the map jumps back into map_read(); any
 * other one ends the process as it would have.
 */
static void
bus_catch(int sig)
{
	if (bus_armed) {
		bus_armed = 0;
		siglongjmp(bus_env, 1);
	}
	(void)signal(sig, SIG_DFL);
	(void)raise(sig);
}

static void
bus_init(void)
{
	struct sigaction	sa;

	if (bus_ready)
		return;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = bus_catch;
	/* Not blocked in the handler: it leaves by siglongjmp. */
	sa.sa_flags = SA_NODEFER;
	(void)sigemptyset(&sa.sa_mask);
	if (sigaction(SIGBUS, &sa, NULL) == -1)
		log_warn("%s: sigaction", __func__);
	bus_ready = 1;
}

/*
 * The one read of the map under the SIGBUS catch, for map_copy() and
 * map_crc(): len octets at off copied to dst, or, when dst is NULL,
 * run through the CRC-32 *crc.  -1 when they are not mapped or the
 * file shrank under the map (then it is lost, see the top).  The
 * sigsetjmp() must be in the frame that reads, hence one function
 * that does either rather than a wrapper around the catch.
 */
static int
map_read(struct store_index *ix, void *dst, uint32_t *crc, uint64_t off,
    size_t len)
{
	if (ix->lost || off > ix->maplen || len > ix->maplen - off)
		return -1;
	if (sigsetjmp(bus_env, 0) != 0) {
		ix->lost = ix->damaged = 1;
		return -1;
	}
	bus_armed = 1;
	if (dst != NULL)
		memcpy(dst, ix->map + off, len);
	else
		*crc = crc32_update(*crc, ix->map + off, len);
	bus_armed = 0;
	return 0;
}

/* len octets of the map at off; as map_read(). */
static int
map_copy(struct store_index *ix, void *dst, uint64_t off, size_t len)
{
	return map_read(ix, dst, NULL, off, len);
}

/* The CRC-32 of a stretch of the map, continuing *crc; as map_read(). */
static int
map_crc(struct store_index *ix, uint32_t *crc, uint64_t off, size_t len)
{
	return map_read(ix, NULL, crc, off, len);
}

/* Append octets of the map to b: 0, -1 (errno), -2 as map_copy(). */
static int
map_to_buf(struct store_index *ix, struct buf *b, uint64_t off, size_t len)
{
	if (buf_reserve(b, len) == -1)
		return -1;
	if (map_copy(ix, b->data + b->len, off, len) == -1)
		return -2;
	b->len += len;
	b->data[b->len] = '\0';
	return 0;
}

static int
pent_cmp(struct pent *a, struct pent *b)
{
	if (a->uid != b->uid)
		return a->uid < b->uid ? -1 : 1;
	if (a->kind != b->kind)
		return a->kind < b->kind ? -1 : 1;
	return (int)a->mflags - (int)b->mflags;
}

/* By key, then by offset: the last of equal keys is the newest. */
static int
ient_cmp(const void *va, const void *vb)
{
	const struct ient	*a = va, *b = vb;

	if (a->uid != b->uid)
		return a->uid < b->uid ? -1 : 1;
	if (a->kind != b->kind)
		return a->kind < b->kind ? -1 : 1;
	if (a->mflags != b->mflags)
		return a->mflags < b->mflags ? -1 : 1;
	if (a->off != b->off)
		return a->off < b->off ? -1 : 1;
	return 0;
}

static int
key_cmp(uint32_t uid, int kind, int mflags, const struct ient *e)
{
	if (uid != e->uid)
		return uid < e->uid ? -1 : 1;
	if (kind != e->kind)
		return kind < e->kind ? -1 : 1;
	return mflags - (int)e->mflags;
}

/* Only the flags that change a rendering take part in the key. */
static int
norm_flags(int kind, int mflags)
{
	if (kind == STORE_R_ENVELOPE)
		return mflags & MIME_UTF8;
	return mflags & (MIME_UTF8 | MIME_REV2);
}

static void
index_unmap(struct store_index *ix)
{
	if (ix->map != NULL && munmap(ix->map, ix->maplen) == -1)
		log_warn("%s: munmap", __func__);
	ix->map = NULL;
	ix->maplen = 0;
	if (ix->fd != -1)
		close(ix->fd);
	ix->fd = -1;
	ix->n = 0;
	ix->end = 0;
	ix->sorted = 1;
	ix->lost = 0;
}

static void
pend_free(struct store_index *ix)
{
	struct pent	*p, *next;

	for (p = RB_MIN(ptree, &ix->pend); p != NULL; p = next) {
		next = RB_NEXT(ptree, &ix->pend, p);
		RB_REMOVE(ptree, &ix->pend, p);
		free(p);
	}
	ix->pendbytes = 0;
}

void
index_close(struct folder *f)
{
	struct store_index	*ix = f->index;
	int			 k;

	if (ix == NULL)
		return;
	index_unmap(ix);
	pend_free(ix);
	free(ix->ents);
	for (k = 0; k < PF_THREADS; k++)
		pf_ctx_free(&ix->pf[k]);
	free(ix->jobs);
	free(ix);
	f->index = NULL;
}

/* Map the first len octets of the open file (none: no map). */
static int
index_remap(struct store_index *ix, size_t len)
{
	void	*p;

	if (ix->map != NULL && munmap(ix->map, ix->maplen) == -1)
		log_warn("%s: munmap", __func__);
	ix->map = NULL;
	ix->maplen = 0;
	if (len == 0)
		return 0;
	bus_init();
	p = mmap(NULL, len, PROT_READ, MAP_SHARED, ix->fd, 0);
	if (p == MAP_FAILED)
		return -1;
	ix->map = p;
	ix->maplen = len;
	return 0;
}

/*
 * Add the records from ix->end on to the table.  A record that does
 * not fit what is mapped stops the walk: at the very end it may be an
 * append in progress or cut by a crash; the next flush rewrites the
 * file if it is still there then.
 */
static void
index_walk(struct store_index *ix)
{
	struct rhdr	 h;
	struct ient	*ne;
	uint64_t	 len;
	size_t		 ncap;

	while (ix->end + REC_HDR <= ix->maplen) {
		if (map_copy(ix, &h, ix->end, sizeof(h)) == -1)
			break;
		if (h.magic != REC_MAGIC || h.baselen == 0 ||
		    h.baselen > NAME_MAX || h.datalen > REC_DATA_MAX ||
		    h.kind >= NKINDS || h.zero != 0)
			break;
		len = ALIGN8((uint64_t)REC_HDR + h.baselen + h.datalen);
		if (ix->end + len > ix->maplen)
			break;
		if (ix->n == ix->cap) {
			ncap = ix->cap ? ix->cap * 2 : 1024;
			ne = reallocarray(ix->ents, ncap, sizeof(*ne));
			if (ne == NULL)
				return;
			ix->ents = ne;
			ix->cap = ncap;
		}
		ne = &ix->ents[ix->n++];
		ne->off = ix->end;
		ne->uid = h.uid;
		ne->kind = h.kind;
		ne->mflags = h.mflags;
		ne->checked = 0;
		if (ix->n > 1 && ient_cmp(&ix->ents[ix->n - 2], ne) > 0)
			ix->sorted = 0;
		ix->end += len;
	}
	if (ix->end < ix->maplen)
		ix->damaged = 1;
}

/*
 * Open and map postern-index afresh.  A missing file, a bad header or
 * another UIDVALIDITY leave the table empty and the file due to be
 * rewritten.  The caller holds the folder lock.
 */
static int
index_load(struct folder *f, struct store_index *ix)
{
	unsigned char	 hdr[HDR_SIZE];
	struct stat	 sb;
	uint32_t	 v, crc;

	index_unmap(ix);
	ix->damaged = 0;
	ix->scan_len = ix->scan_live = 0;
	ix->fd = openat(f->fd, INDEX_NAME, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (ix->fd == -1) {
		if (errno != ENOENT)
			return -1;
		ix->damaged = 1;
		return 0;
	}
	if (fstat(ix->fd, &sb) == -1)
		return -1;
	if (!S_ISREG(sb.st_mode) || sb.st_size < HDR_SIZE ||
	    (uintmax_t)sb.st_size > SIZE_MAX / 2 ||
	    pread(ix->fd, hdr, sizeof(hdr), 0) != (ssize_t)sizeof(hdr))
		goto bad;
	memcpy(&crc, hdr + 16, 4);
	if (memcmp(hdr, INDEX_MAGIC, 8) != 0 ||
	    crc != crc32_update(0, hdr, 16))
		goto bad;
	memcpy(&v, hdr + 8, 4);
	if (v != INDEX_VERSION)
		goto bad;
	memcpy(&v, hdr + 12, 4);
	if (v != f->uidvalidity)
		goto bad;
	ix->uidvalidity = v;
	if (index_remap(ix, (size_t)sb.st_size) == -1)
		return -1;
	ix->end = HDR_SIZE;
	index_walk(ix);
	return 0;
 bad:
	index_unmap(ix);
	ix->damaged = 1;
	return 0;
}

/*
 * Take in what others added or replaced since we looked.  The caller
 * holds the folder lock.
 */
static int
index_refresh(struct folder *f, struct store_index *ix)
{
	struct stat	disk, held;

	if (ix->fd == -1 || ix->lost)
		return index_load(f, ix);
	if (fstatat(f->fd, INDEX_NAME, &disk, AT_SYMLINK_NOFOLLOW) == -1 ||
	    fstat(ix->fd, &held) == -1 || disk.st_ino != held.st_ino ||
	    disk.st_dev != held.st_dev)
		return index_load(f, ix);
	/* Records are only ever added: a shorter file was cut by hand. */
	if ((uint64_t)held.st_size < ix->maplen)
		return index_load(f, ix);
	if ((uint64_t)held.st_size == ix->maplen)
		return 0;
	if ((uintmax_t)held.st_size > SIZE_MAX / 2)
		return index_load(f, ix);
	if (index_remap(ix, (size_t)held.st_size) == -1) {
		index_unmap(ix);
		return -1;
	}
	ix->damaged = 0;
	index_walk(ix);
	return 0;
}

/* Sorted by key, newest of each key only. */
static void
index_sort(struct store_index *ix)
{
	size_t	i, j;

	if (ix->sorted)
		return;
	qsort(ix->ents, ix->n, sizeof(*ix->ents), ient_cmp);
	for (i = j = 0; i < ix->n; i++) {
		if (j > 0 && key_cmp(ix->ents[i].uid, ix->ents[i].kind,
		    ix->ents[i].mflags, &ix->ents[j - 1]) == 0)
			j--;
		ix->ents[j++] = ix->ents[i];
	}
	ix->n = j;
	ix->sorted = 1;
}

static struct store_index *
index_get(struct folder *f)
{
	struct store_index	*ix;
	int			 r;

	if (f->index != NULL)
		return f->index;
	if ((ix = calloc(1, sizeof(*ix))) == NULL)
		return NULL;
	ix->fd = -1;
	ix->sorted = 1;
	RB_INIT(&ix->pend);
	for (r = 0; r < PF_THREADS; r++)
		pf_ctx_init(&ix->pf[r]);
	if (folder_lock(f) == -1) {
		free(ix);
		return NULL;
	}
	r = index_load(f, ix);
	folder_unlock(f);
	if (r == -1) {
		log_warn("%s: %s/%s", __func__, f->name, INDEX_NAME);
		index_unmap(ix);
		ix->damaged = 1;
	}
	f->index = ix;
	f->index_flush = index_flush_locked;
	f->index_free = index_close;
	return ix;
}

/* The record's checksum, once per record and handle. */
static int
rec_check(struct store_index *ix, struct ient *e)
{
	struct rhdr	h;
	uint32_t	crc, sum;

	if (ix->lost)
		return 0;
	if (e->checked == 0) {
		if (map_copy(ix, &h, e->off, sizeof(h)) == -1)
			return 0;
		crc = h.crc;
		h.crc = 0;
		sum = crc32_update(0, &h, sizeof(h));
		if (map_crc(ix, &sum, e->off + REC_HDR,
		    (size_t)h.baselen + h.datalen) == -1)
			return 0;
		e->checked = crc == sum ? 1 : 2;
		if (e->checked == 2)
			ix->damaged = 1;
	}
	return e->checked == 1;
}

/*
 * Whether the record is sound and belongs to this very message: 1
 * with the offset and length of its data in the map, else 0.
 */
static int
rec_match(struct store_index *ix, struct ient *e, const struct store_msg *m,
    uint64_t *off, size_t *len)
{
	struct rhdr	h;
	char		base[NAME_MAX];

	if (!rec_check(ix, e) || map_copy(ix, &h, e->off, sizeof(h)) == -1)
		return 0;
	if (!m->have_vsize || h.vsize != m->vsize ||
	    h.baselen != strlen(m->base) || h.baselen > sizeof(base) ||
	    map_copy(ix, base, e->off + REC_HDR, h.baselen) == -1 ||
	    memcmp(base, m->base, h.baselen) != 0)
		return 0;
	*off = e->off + REC_HDR + h.baselen;
	*len = h.datalen;
	return 1;
}

/*
 * A rendering of the message: a pending one (returned), or a record in
 * the map (NULL with *off set to its data), or neither (NULL, *off 0).
 */
static const unsigned char *
lookup(struct store_index *ix, const struct store_msg *m, int kind,
    int mflags, uint64_t *off, size_t *len)
{
	struct pent	 key, *p;
	size_t		 lo = 0, hi, mid;
	int		 c;

	*off = 0;
	key.uid = m->uid;
	key.kind = kind;
	key.mflags = mflags;
	if ((p = RB_FIND(ptree, &ix->pend, &key)) != NULL &&
	    m->have_vsize && p->vsize == m->vsize &&
	    strcmp(p->base, m->base) == 0) {
		*len = p->len;
		return p->data;
	}
	if (ix->lost)
		return NULL;
	index_sort(ix);
	hi = ix->n;
	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		if ((c = key_cmp(m->uid, kind, mflags, &ix->ents[mid])) == 0) {
			if (!rec_match(ix, &ix->ents[mid], m, off, len))
				*off = 0;
			return NULL;
		}
		if (c < 0)
			hi = mid;
		else
			lo = mid + 1;
	}
	return NULL;
}

static int
pend_add(struct store_index *ix, const struct store_msg *m, int kind,
    int mflags, const void *data, size_t len)
{
	struct pent	*p, *old;
	size_t		 bl = strlen(m->base);

	if (!m->have_vsize || len > REC_DATA_MAX)
		return 0;
	if ((p = malloc(sizeof(*p) + len + bl + 1)) == NULL)
		return -1;
	memset(p, 0, sizeof(*p));
	p->uid = m->uid;
	p->kind = kind;
	p->mflags = mflags;
	p->vsize = m->vsize;
	p->len = len;
	memcpy(p->data, data, len);
	p->base = (char *)p->data + len;
	memcpy(p->base, m->base, bl + 1);
	if ((old = RB_INSERT(ptree, &ix->pend, p)) != NULL) {
		RB_REMOVE(ptree, &ix->pend, old);
		ix->pendbytes -= old->len;
		free(old);
		RB_INSERT(ptree, &ix->pend, p);
	}
	ix->pendbytes += p->len;
	return 0;
}

/* The kinds of want (STORE_P_*) that are neither pending nor mapped. */
static int
missing(struct store_index *ix, const struct store_msg *m, int want,
    int mflags)
{
	uint64_t	off;
	size_t		len;
	int		k, need = 0;

	for (k = 0; k < NKINDS; k++) {
		if (!(want & (1 << k)))
			continue;
		if (lookup(ix, m, k, norm_flags(k, mflags), &off, &len) ==
		    NULL && off == 0)
			need |= 1 << k;
	}
	return need;
}

/*
 * Render what want asks for (STORE_P_*) of the messages, reading each
 * file once, into pending records, in three steps: this thread looks
 * in the index for what is missing; pf_render() reads, parses and
 * renders (on two threads when there are enough messages and they are
 * distinct, in ascending UIDs); this thread adds the renderings to the
 * index and the sizes to the table.  The index is only ever touched by
 * this thread.  With one message (single), its failure is the result:
 * -1 with errno (ENOENT: the message is gone); otherwise a message
 * that failed is left for its own call to report, and -1 means out of
 * memory.
 */
static int
prefetch_batch(struct folder *f, struct store_index *ix,
    struct store_msg *const *msgs, size_t n, int want, int mflags,
    int single)
{
	struct pf_job		*j, *nj;
	struct store_msg	*m;
	size_t			 i, ncap, njobs = 0;
	int			 k, avail, ascending = 1, r = 0;

	if (n > ix->jobcap) {
		for (ncap = ix->jobcap ? ix->jobcap : 64; ncap < n; ncap *= 2)
			;
		if ((nj = reallocarray(ix->jobs, ncap, sizeof(*nj))) == NULL)
			return -1;
		ix->jobs = nj;
		ix->jobcap = ncap;
	}
	for (i = 0; i < n; i++) {
		m = msgs[i];
		if (i > 0 && m->uid <= msgs[i - 1]->uid)
			ascending = 0;
		j = &ix->jobs[njobs];
		memset(j, 0, sizeof(*j));
		j->m = m;
		j->need = missing(ix, m, want & PF_KINDS, mflags);
		j->size = !m->have_vsize;
		if (j->need != 0 || j->size)
			njobs++;
	}
	if (njobs == 0)
		return 0;
	pf_render(f, ix->pf, ix->jobs, njobs, norm_flags(STORE_R_BODY, mflags),
	    ascending);

	for (i = 0; i < njobs; i++) {
		j = &ix->jobs[i];
		m = j->m;
		if (j->r == -1) {
			if (single || j->err == ENOMEM) {
				errno = j->err;
				return -1;
			}
			continue;
		}
		avail = j->need;
		if (j->size && !m->have_vsize) {
			m->vsize = j->vsize;
			m->have_vsize = 1;
			f->facts_dirty++;
			/* An earlier session may have rendered it already. */
			avail = missing(ix, m, j->need, mflags);
		}
		for (k = 0; k < NKINDS && r == 0; k++)
			if ((avail & (1 << k)) && pend_add(ix, m, k,
			    norm_flags(k, mflags), ix->pf[j->ctx].arena.data +
			    j->off[k], j->len[k]) == -1)
				r = -1;
	}
	return r;
}

int
store_msg_prefetch(struct folder *f, struct store_msg *const *msgs,
    size_t n, int want, int mflags)
{
	struct store_index	*ix;

	if (n == 0 || (want & (PF_KINDS | STORE_P_SIZE)) == 0)
		return 0;
	if ((ix = index_get(f)) == NULL)
		return -1;
	/* Written now, so no flush falls amid the messages prefetched. */
	if (ix->pendbytes >= PEND_FLUSH / 2)
		(void)folder_index_flush(f);
	return prefetch_batch(f, ix, msgs, n, want, mflags, 0);
}

static int
render_direct(struct folder *f, struct store_msg *m, int what, int mflags,
    struct buf *out)
{
	struct store_map	map;
	struct mime_msg		mm;
	int			r;

	if (store_msg_parse(f, m, &map, &mm) == -1)
		return -1;
	if (what == STORE_R_ENVELOPE)
		r = mime_envelope(out, &mm, &mm.parts[0], mflags);
	else
		r = mime_bodystructure(out, &mm, &mm.parts[0], mflags |
		    (what == STORE_R_BODYSTRUCTURE ? MIME_EXT : 0));
	store_msg_unparse(&map, &mm);
	return r;
}

int
store_msg_render(struct folder *f, struct store_msg *m, int what, int mflags,
    struct buf *out)
{
	struct store_index	*ix;
	const unsigned char	*d;
	uint64_t		 off;
	size_t			 len;
	int			 r;

	if (what < 0 || what >= NKINDS) {
		errno = EINVAL;
		return -1;
	}
	mflags = norm_flags(what, mflags);
	if ((ix = index_get(f)) == NULL)
		return -1;
	if ((d = lookup(ix, m, what, mflags, &off, &len)) != NULL)
		return buf_add(out, d, len);
	if (off != 0 && (r = map_to_buf(ix, out, off, len)) != -2)
		return r;
	if (prefetch_batch(f, ix, &m, 1, 1 << what, mflags, 1) == -1)
		return -1;
	/* Too large to keep: render it again. */
	if ((d = lookup(ix, m, what, mflags, &off, &len)) == NULL)
		return render_direct(f, m, what, mflags, out);
	if (buf_add(out, d, len) == -1)
		return -1;
	if (ix->pendbytes >= PEND_FLUSH)
		(void)folder_index_flush(f);
	return 0;
}

static int
rec_write(struct buf *b, uint32_t uid, int kind, int mflags, uint64_t vsize,
    const char *base, const void *data, size_t len)
{
	static const unsigned char	 pad[8];
	struct rhdr			 h;
	size_t				 bl = strlen(base), total;

	memset(&h, 0, sizeof(h));
	h.magic = REC_MAGIC;
	h.uid = uid;
	h.baselen = (uint32_t)bl;
	h.datalen = (uint32_t)len;
	h.vsize = vsize;
	h.kind = (uint8_t)kind;
	h.mflags = (uint8_t)mflags;
	h.crc = crc32_update(crc32_update(crc32_update(0, &h, sizeof(h)),
	    base, bl), data, len);
	total = REC_HDR + bl + len;
	if (buf_add(b, &h, sizeof(h)) == -1 || buf_add(b, base, bl) == -1 ||
	    buf_add(b, data, len) == -1 ||
	    buf_add(b, pad, ALIGN8(total) - total) == -1)
		return -1;
	return 0;
}

/* Write out what is buffered once there is enough of it (or force). */
static int
out_flush(int fd, struct buf *b, int force)
{
	if (!force && b->len < WBUF)
		return 0;
	if (store_write_all(fd, b->data, b->len) == -1)
		return -1;
	buf_reset(b);
	return 0;
}

/*
 * The pending records after what b holds, all written out to fd; with
 * live_only, only those of messages still in the table (a rewrite
 * drops the rest, an append need not look).
 */
static int
pend_write(struct folder *f, struct store_index *ix, int fd, struct buf *b,
    int live_only)
{
	struct pent	*p;

	RB_FOREACH(p, ptree, &ix->pend) {
		if (live_only && folder_msg_by_uid(f, p->uid) == NULL)
			continue;
		if (rec_write(b, p->uid, p->kind, p->mflags, p->vsize,
		    p->base, p->data, p->len) == -1 ||
		    out_flush(fd, b, 0) == -1)
			return -1;
	}
	return out_flush(fd, b, 1);
}

/*
 * The octets of the mapped records that belong to messages of the
 * table, newest of each key, judged by their headers alone (a record
 * is checked in full when it is used or copied): whether the file is
 * worth compacting.
 */
static uint64_t
live_estimate(struct folder *f, struct store_index *ix)
{
	struct store_msg	*m;
	struct ient		*e;
	struct rhdr		 h;
	char			 base[NAME_MAX];
	uint64_t		 live_octets = 0;
	size_t			 i;

	index_sort(ix);
	for (i = 0; i < ix->n; i++) {
		e = &ix->ents[i];
		if (e->checked == 2 ||
		    (m = folder_msg_by_uid(f, e->uid)) == NULL ||
		    !m->have_vsize ||
		    map_copy(ix, &h, e->off, sizeof(h)) == -1 ||
		    h.vsize != m->vsize || h.baselen != strlen(m->base) ||
		    h.baselen > sizeof(base) ||
		    map_copy(ix, base, e->off + REC_HDR, h.baselen) == -1 ||
		    memcmp(base, m->base, h.baselen) != 0)
			continue;
		live_octets += ALIGN8((uint64_t)REC_HDR + h.baselen +
		    h.datalen);
	}
	return live_octets;
}

/* A mapped record worth keeping: sound, and of a message we have. */
static int
live(struct folder *f, struct store_index *ix, struct ient *e)
{
	struct store_msg	*m;
	uint64_t		 off;
	size_t			 len;

	if ((m = folder_msg_by_uid(f, e->uid)) == NULL)
		return 0;
	return rec_match(ix, e, m, &off, &len);
}

/*
 * A new file with the live records and the pending ones, renamed into
 * place: readers see the old file or the new one.
 */
static int
index_rewrite(struct folder *f, struct store_index *ix)
{
	unsigned char	 hdr[HDR_SIZE];
	struct buf	 b;
	struct pent	 key;
	struct ient	*e;
	struct rhdr	 h;
	uint32_t	 v, crc;
	size_t		 i;
	int		 fd, saved, r;

	fd = openat(f->fd, INDEX_TMP,
	    O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd == -1)
		return -1;
	buf_init(&b);
	memset(hdr, 0, sizeof(hdr));
	memcpy(hdr, INDEX_MAGIC, 8);
	v = INDEX_VERSION;
	memcpy(hdr + 8, &v, 4);
	memcpy(hdr + 12, &f->uidvalidity, 4);
	crc = crc32_update(0, hdr, 16);
	memcpy(hdr + 16, &crc, 4);
	if (buf_add(&b, hdr, sizeof(hdr)) == -1)
		goto fail;
	index_sort(ix);
	for (i = 0; i < ix->n; i++) {
		e = &ix->ents[i];
		key.uid = e->uid;
		key.kind = e->kind;
		key.mflags = e->mflags;
		if (RB_FIND(ptree, &ix->pend, &key) != NULL || !live(f, ix, e))
			continue;
		if (map_copy(ix, &h, e->off, sizeof(h)) == -1 ||
		    (r = map_to_buf(ix, &b, e->off, ALIGN8((uint64_t)REC_HDR +
		    h.baselen + h.datalen))) == -2) {
			/* Cut under us: the next flush reads it afresh. */
			errno = EIO;
			goto fail;
		}
		if (r == -1 || out_flush(fd, &b, 0) == -1)
			goto fail;
	}
	if (pend_write(f, ix, fd, &b, 1) == -1)
		goto fail;
	if (close(fd) == -1) {
		fd = -1;
		goto fail;
	}
	fd = -1;
	if (renameat(f->fd, INDEX_TMP, f->fd, INDEX_NAME) == -1)
		goto fail;
	buf_free(&b);
	pend_free(ix);
	if (index_load(f, ix) == -1)
		return -1;
	/* Only live records were written. */
	ix->scan_len = ix->scan_live = ix->maplen;
	return 0;
 fail:
	saved = errno;
	if (fd != -1)
		close(fd);
	(void)unlinkat(f->fd, INDEX_TMP, 0);
	buf_free(&b);
	errno = saved;
	return -1;
}

static int
index_append(struct folder *f, struct store_index *ix)
{
	struct buf	 b;
	int		 fd, saved;

	fd = openat(f->fd, INDEX_NAME,
	    O_WRONLY | O_APPEND | O_CLOEXEC | O_NOFOLLOW);
	if (fd == -1)
		return -1;
	buf_init(&b);
	if (pend_write(f, ix, fd, &b, 0) == -1)
		goto fail;
	close(fd);
	buf_free(&b);
	pend_free(ix);
	return index_refresh(f, ix);
 fail:
	saved = errno;
	close(fd);
	buf_free(&b);
	/* Whatever part got there is checked like any record. */
	errno = saved;
	return -1;
}

/* The caller holds the folder lock. */
int
index_flush_locked(struct folder *f)
{
	struct store_index	*ix = f->index;
	uint64_t		 livebytes;
	int			 r;

	if (ix == NULL || RB_EMPTY(&ix->pend))
		return 0;
	if (index_refresh(f, ix) == -1)
		return -1;
	if (!ix->damaged && ix->fd != -1 && ix->uidvalidity == f->uidvalidity) {
		/*
		 * Counting the live records costs a look at each: done
		 * again only once the file has grown by half, so that a
		 * large build's many flushes stay linear.  What was added
		 * since is taken as live.
		 */
		if (ix->scan_len == 0 || ix->maplen < ix->scan_len ||
		    ix->maplen >= ix->scan_len + ix->scan_len / 2) {
			ix->scan_live = live_estimate(f, ix);
			ix->scan_len = ix->maplen;
		}
		livebytes = ix->scan_live + (ix->maplen - ix->scan_len);
		if (ix->maplen <= 2 * livebytes + 1024 * 1024 + HDR_SIZE)
			return index_append(f, ix);
	}
	if ((r = index_rewrite(f, ix)) == -1)
		log_warn("%s: %s/%s", __func__, f->name, INDEX_NAME);
	return r;
}

int
folder_index_flush(struct folder *f)
{
	int	r, saved;

	if (f->index == NULL || RB_EMPTY(&f->index->pend))
		return 0;
	if (folder_lock(f) == -1)
		return -1;
	r = index_flush_locked(f);
	saved = errno;
	folder_unlock(f);
	errno = saved;
	return r;
}
