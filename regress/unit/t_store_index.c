/*
 * Unit tests for store/index.c and store/message.c: ENVELOPE, BODY and
 * BODYSTRUCTURE come from postern-index once rendered, equal to what
 * store/mime/ renders from the file; a warm index serves them with the
 * message files gone; corrupt, truncated, foreign and stale index
 * files are never believed; a 100,000-message folder (timed, with the
 * times in the output); the mapped message and the text for SEARCH.
 * The first-time build (store_msg_prefetch): sizes learnt and kept in
 * the UID list, ENVELOPE from the header alone, a header longer than
 * the first read, messages larger than the read buffer, no final
 * newline, empty files, files renamed or gone since the scan, size
 * hints in names, batches on two threads equal to one, records of an
 * earlier session found again, and record checksums that are CRC-32.
 */
#include <sys/types.h>
#include <sys/stat.h>
#include <sys/time.h>

#include <atf-c.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "buf.h"
#include "mime.h"
#include "store.h"

#define NMSG	6

static const char *msgs[NMSG] = {
	"From: Alice <alice@example.org>\nTo: bob@example.net\n"
	"Subject: hello\nDate: Mon, 1 Jan 2024 10:00:00 +0000\n"
	"Message-ID: <1@example.org>\n\nHi Bob.\n",
	"From: =?utf-8?q?J=C3=B6rg?= <j@example.de>\nSubject: "
	"=?iso-8859-1?q?Gr=FC=DFe?=\nMIME-Version: 1.0\nContent-Type: "
	"text/plain; charset=iso-8859-1\nContent-Transfer-Encoding: "
	"quoted-printable\n\nSch=F6ne Gr=FC=DFe\n",
	"Subject: parts\nMIME-Version: 1.0\nContent-Type: multipart/mixed; "
	"boundary=XX\n\npreamble\n--XX\nContent-Type: text/plain\n\none\n"
	"--XX\nContent-Type: application/octet-stream\n"
	"Content-Transfer-Encoding: base64\n\nAAEC\n--XX--\n",
	"no header separator at all",
	"",
	"Subject: \xe8\xa8\x80 8-bit\n\nbody\n"
};

static void
put(const char *path, const void *data, size_t len)
{
	int	fd;

	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	ATF_REQUIRE_MSG(fd != -1, "%s: %s", path, strerror(errno));
	ATF_REQUIRE(write(fd, data, len) == (ssize_t)len);
	close(fd);
}

static void
deliver_all(void)
{
	char	p[256];
	int	i;

	ATF_REQUIRE(store_create("md") == 0);
	for (i = 0; i < NMSG; i++) {
		snprintf(p, sizeof(p), "md/new/%d.m%d.host", 1000 + i, i);
		put(p, msgs[i], strlen(msgs[i]));
	}
}

static void
empty_dir(const char *dir)
{
	struct dirent	*de;
	DIR		*dp;
	char		 p[512];

	dp = opendir(dir);
	ATF_REQUIRE(dp != NULL);
	while ((de = readdir(dp)) != NULL) {
		if (de->d_name[0] == '.')
			continue;
		snprintf(p, sizeof(p), "%s/%s", dir, de->d_name);
		ATF_REQUIRE(unlink(p) == 0);
	}
	closedir(dp);
}

/* What store/mime/ makes of message i. */
static char *
expect(int i, int what, int mflags)
{
	struct mime_msg	 mm;
	struct buf	 b;

	buf_init(&b);
	ATF_REQUIRE(mime_parse(&mm, msgs[i], strlen(msgs[i])) == 0);
	if (what == STORE_R_ENVELOPE)
		ATF_REQUIRE(mime_envelope(&b, &mm, &mm.parts[0], mflags) == 0);
	else
		ATF_REQUIRE(mime_bodystructure(&b, &mm, &mm.parts[0], mflags |
		    (what == STORE_R_BODYSTRUCTURE ? MIME_EXT : 0)) == 0);
	mime_free(&mm);
	ATF_REQUIRE(buf_add(&b, "", 0) == 0);
	return (char *)b.data;
}

/* The folder's message whose base name is fmt, formatted; it must exist. */
static struct store_msg *
msg_named(struct folder *f, const char *fmt, ...)
{
	va_list	ap;
	char	base[64];
	size_t	k;

	va_start(ap, fmt);
	(void)vsnprintf(base, sizeof(base), fmt, ap);
	va_end(ap);
	for (k = 0; k < f->nmsgs; k++)
		if (strcmp(f->msgs[k]->base, base) == 0)
			return f->msgs[k];
	atf_tc_fail("no message %s", base);
	return NULL;
}

/* Message i of the folder, by its content's position in msgs[]. */
static struct store_msg *
msg_of(struct folder *f, int i)
{
	return msg_named(f, "%d.m%d.host", 1000 + i, i);
}

static void
check_all(struct folder *f, int mflags)
{
	struct buf	 b;
	char		*e;
	int		 i, w;

	buf_init(&b);
	for (i = 0; i < NMSG; i++) {
		for (w = STORE_R_ENVELOPE; w <= STORE_R_BODYSTRUCTURE; w++) {
			buf_reset(&b);
			ATF_REQUIRE_MSG(store_msg_render(f, msg_of(f, i), w,
			    mflags, &b) == 0, "msg %d kind %d: %s", i, w,
			    strerror(errno));
			ATF_REQUIRE(buf_add(&b, "", 0) == 0);
			e = expect(i, w, mflags);
			ATF_CHECK_MSG(strcmp((char *)b.data, e) == 0,
			    "msg %d kind %d:\n%s\n%s", i, w, b.data, e);
			free(e);
		}
	}
	buf_free(&b);
}

static struct folder *
reopen(struct store **st)
{
	struct folder	*f;

	*st = store_open("md");
	ATF_REQUIRE(*st != NULL);
	f = folder_open(*st, "INBOX", FOLDER_SIZES);
	ATF_REQUIRE(f != NULL);
	return f;
}

static void
done(struct store *st, struct folder *f)
{
	folder_close(f);
	store_close(st);
}

/* Warm from the index alone: the message files are gone. */
static void	check_warm_many(void);

static void
check_warm(void)
{
	struct store	*st;
	struct folder	*f;
	struct buf	 b;

	f = reopen(&st);
	empty_dir("md/cur");
	empty_dir("md/new");
	check_all(f, 0);
	check_all(f, MIME_REV2 | MIME_UTF8);
	/* A variant never rendered needs the file. */
	buf_init(&b);
	ATF_CHECK(store_msg_render(f, msg_of(f, 0), STORE_R_ENVELOPE,
	    MIME_UTF8, &b) == 0 || errno == ENOENT);
	buf_free(&b);
	done(st, f);
}

ATF_TC_WITHOUT_HEAD(build_and_warm);
ATF_TC_BODY(build_and_warm, tc)
{
	struct store	*st;
	struct folder	*f;
	struct stat	 sb;

	deliver_all();
	f = reopen(&st);
	ATF_CHECK(access("md/postern-index", F_OK) == -1);
	check_all(f, 0);
	check_all(f, MIME_REV2 | MIME_UTF8);
	ATF_CHECK(store_msg_render(f, f->msgs[0], 7, 0, NULL) == -1 &&
	    errno == EINVAL);
	done(st, f);
	ATF_REQUIRE(stat("md/postern-index", &sb) == 0);
	ATF_CHECK(sb.st_size > 24);
	check_warm();
}

/* Build a warm index, damage it with fn, and see nothing believed. */
static void
damaged(void (*fn)(int, off_t))
{
	struct store	*st;
	struct folder	*f;
	struct stat	 sb;
	int		 fd;

	deliver_all();
	f = reopen(&st);
	check_all(f, 0);
	check_all(f, MIME_REV2 | MIME_UTF8);
	done(st, f);
	fd = open("md/postern-index", O_RDWR);
	ATF_REQUIRE(fd != -1);
	ATF_REQUIRE(fstat(fd, &sb) == 0);
	fn(fd, sb.st_size);
	close(fd);
	f = reopen(&st);
	check_all(f, 0);
	check_all(f, MIME_REV2 | MIME_UTF8);
	done(st, f);
	check_warm();
}

static void
flip(int fd, off_t off)
{
	unsigned char	c;

	ATF_REQUIRE(pread(fd, &c, 1, off) == 1);
	c ^= 0x5a;
	ATF_REQUIRE(pwrite(fd, &c, 1, off) == 1);
}

static void
d_garbage(int fd, off_t size)
{
	char	buf[4096];
	size_t	i;

	for (i = 0; i < sizeof(buf); i++)
		buf[i] = (char)(i * 7 + 3);
	ATF_REQUIRE(ftruncate(fd, 0) == 0);
	ATF_REQUIRE(pwrite(fd, buf, sizeof(buf), 0) == sizeof(buf));
}

static void
d_empty(int fd, off_t size)
{
	ATF_REQUIRE(ftruncate(fd, 0) == 0);
}

static void
d_truncated(int fd, off_t size)
{
	ATF_REQUIRE(ftruncate(fd, size / 2 + 3) == 0);
}

static void
d_header(int fd, off_t size)
{
	flip(fd, 13);		/* UIDVALIDITY, CRC no longer matching */
}

static void
d_uidvalidity(int fd, off_t size)
{
	unsigned char	hdr[24];

	/* A sound header of another UIDVALIDITY: a folder made again. */
	ATF_REQUIRE(pread(fd, hdr, sizeof(hdr), 0) == sizeof(hdr));
	hdr[12] ^= 1;
	{
		/* Recompute the CRC as a writer would. */
		uint32_t	crc = 0xffffffffU, c;
		int		i, k;

		for (i = 0; i < 16; i++) {
			c = (crc ^ hdr[i]) & 0xff;
			for (k = 0; k < 8; k++)
				c = c & 1 ? 0xedb88320U ^ (c >> 1) : c >> 1;
			crc = c ^ (crc >> 8);
		}
		crc = ~crc;
		memcpy(hdr + 16, &crc, 4);
	}
	ATF_REQUIRE(pwrite(fd, hdr, sizeof(hdr), 0) == sizeof(hdr));
}

static void
d_bits(int fd, off_t size)
{
	off_t	off;

	/* Bytes in record headers, names and data all over the file. */
	for (off = 24 + 5; off < size; off += 97)
		flip(fd, off);
}

static void
d_lengths(int fd, off_t size)
{
	uint32_t	big = 0x7fffffff;

	ATF_REQUIRE(pwrite(fd, &big, 4, 24 + 12) == 4);
}

static void
d_tail(int fd, off_t size)
{
	/* A torn append: half a record at the end. */
	char	junk[20];

	memset(junk, 0, sizeof(junk));
	memcpy(junk, "REC1", 4);
	ATF_REQUIRE(pwrite(fd, junk, sizeof(junk), size) == sizeof(junk));
}

ATF_TC_WITHOUT_HEAD(corrupt_garbage);
ATF_TC_BODY(corrupt_garbage, tc) { damaged(d_garbage); }
ATF_TC_WITHOUT_HEAD(corrupt_empty);
ATF_TC_BODY(corrupt_empty, tc) { damaged(d_empty); }
ATF_TC_WITHOUT_HEAD(corrupt_truncated);
ATF_TC_BODY(corrupt_truncated, tc) { damaged(d_truncated); }
ATF_TC_WITHOUT_HEAD(corrupt_header);
ATF_TC_BODY(corrupt_header, tc) { damaged(d_header); }
ATF_TC_WITHOUT_HEAD(foreign_uidvalidity);
ATF_TC_BODY(foreign_uidvalidity, tc) { damaged(d_uidvalidity); }
ATF_TC_WITHOUT_HEAD(corrupt_bits);
ATF_TC_BODY(corrupt_bits, tc) { damaged(d_bits); }
ATF_TC_WITHOUT_HEAD(corrupt_lengths);
ATF_TC_BODY(corrupt_lengths, tc) { damaged(d_lengths); }
ATF_TC_WITHOUT_HEAD(torn_tail);
ATF_TC_BODY(torn_tail, tc) { damaged(d_tail); }

/*
 * The UID list comes to say another file is behind a UID (here the
 * list is edited; in life, a list rebuilt or taken from a backup):
 * the index entry of the old file must not be used for the new one.
 */
ATF_TC_WITHOUT_HEAD(stale_entries);
ATF_TC_BODY(stale_entries, tc)
{
	struct store	*st;
	struct folder	*f;
	char		 buf[8192], *p;
	ssize_t		 n;
	int		 fd;

	deliver_all();
	f = reopen(&st);
	check_all(f, 0);
	done(st, f);
	/* Swap the names of messages 0 and 1 in the list. */
	fd = open("md/postern-uidlist", O_RDWR);
	ATF_REQUIRE(fd != -1);
	n = read(fd, buf, sizeof(buf) - 1);
	ATF_REQUIRE(n > 0);
	buf[n] = '\0';
	p = strstr(buf, "1000.m0.host");
	ATF_REQUIRE(p != NULL);
	p[5] = 'X';
	p = strstr(buf, "1001.m1.host");
	ATF_REQUIRE(p != NULL);
	p[3] = '0';
	p[6] = '0';
	p = strstr(buf, "1000.X0.host");
	p[3] = '1';
	p[5] = 'm';
	p[6] = '1';
	ATF_REQUIRE(pwrite(fd, buf, n, 0) == n);
	close(fd);
	f = reopen(&st);
	check_all(f, 0);
	done(st, f);
}

ATF_TC_WITHOUT_HEAD(uidvalidity_change);
ATF_TC_BODY(uidvalidity_change, tc)
{
	struct store	*st;
	struct folder	*f;

	deliver_all();
	f = reopen(&st);
	check_all(f, 0);
	done(st, f);
	ATF_REQUIRE(unlink("md/postern-uidlist") == 0);
	f = reopen(&st);
	check_all(f, 0);
	check_all(f, MIME_REV2 | MIME_UTF8);
	done(st, f);
	check_warm();
}


/* The CRLF size of a message as the wire sees it. */
static uint64_t
crlf_of(const char *s, size_t n)
{
	uint64_t	sz = n;
	size_t		i;

	for (i = 0; i < n; i++)
		if (s[i] == '\n' && (i == 0 || s[i - 1] != '\r'))
			sz++;
	return sz;
}

/* What store/mime/ makes of a message given by its octets. */
static char *
expect_of(const char *data, size_t len, int what, int mflags)
{
	struct mime_msg	 mm;
	struct buf	 b;

	buf_init(&b);
	ATF_REQUIRE(mime_parse(&mm, data, len) == 0);
	if (what == STORE_R_ENVELOPE)
		ATF_REQUIRE(mime_envelope(&b, &mm, &mm.parts[0],
		    mflags & MIME_UTF8) == 0);
	else
		ATF_REQUIRE(mime_bodystructure(&b, &mm, &mm.parts[0], mflags |
		    (what == STORE_R_BODYSTRUCTURE ? MIME_EXT : 0)) == 0);
	mime_free(&mm);
	ATF_REQUIRE(buf_add(&b, "", 0) == 0);
	return (char *)b.data;
}

static void
check_render(struct folder *f, struct store_msg *m, const char *data,
    size_t len, int what, int mflags)
{
	struct buf	 b;
	char		*e;

	buf_init(&b);
	ATF_REQUIRE_MSG(store_msg_render(f, m, what, mflags, &b) == 0,
	    "%s kind %d: %s", m->base, what, strerror(errno));
	ATF_REQUIRE(buf_add(&b, "", 0) == 0);
	e = expect_of(data, len, what, mflags);
	ATF_CHECK_MSG(strcmp((char *)b.data, e) == 0, "%s kind %d:\n%s\n%s",
	    m->base, what, b.data, e);
	free(e);
	buf_free(&b);
}

static struct folder *
open_nosizes(struct store **st)
{
	struct folder	*f;

	*st = store_open("md");
	ATF_REQUIRE(*st != NULL);
	f = folder_open(*st, "INBOX", 0);
	ATF_REQUIRE(f != NULL);
	return f;
}

static size_t
count_in_file(const char *path, const char *what)
{
	char	buf[1 << 16], *p;
	size_t	n = 0;
	ssize_t	len;
	int	fd;

	fd = open(path, O_RDONLY);
	ATF_REQUIRE(fd != -1);
	len = read(fd, buf, sizeof(buf) - 1);
	ATF_REQUIRE(len >= 0);
	buf[len] = '\0';
	close(fd);
	for (p = buf; (p = strstr(p, what)) != NULL; p++)
		n++;
	return n;
}

static off_t
file_size(const char *path)
{
	struct stat	sb;

	ATF_REQUIRE(stat(path, &sb) == 0);
	return sb.st_size;
}

/*
 * A folder opened without sizes (as SELECT does): one prefetch learns
 * every size and every ENVELOPE; the sizes reach the UID list when the
 * folder is closed, so the next open knows them; BODY and
 * BODYSTRUCTURE are rendered when asked for.  The messages include one
 * without a final newline and an empty one.
 */
ATF_TC_WITHOUT_HEAD(prefetch_sizes);
ATF_TC_BODY(prefetch_sizes, tc)
{
	struct store	*st;
	struct folder	*f;
	struct store_msg *m;
	int		 i;

	deliver_all();
	f = open_nosizes(&st);
	for (i = 0; i < NMSG; i++)
		ATF_CHECK(!msg_of(f, i)->have_vsize);
	ATF_REQUIRE(store_msg_prefetch(f, f->msgs, f->nmsgs,
	    STORE_P_ENVELOPE | STORE_P_SIZE, 0) == 0);
	for (i = 0; i < NMSG; i++) {
		m = msg_of(f, i);
		ATF_CHECK(m->have_vsize);
		ATF_CHECK_EQ(m->vsize, crlf_of(msgs[i], strlen(msgs[i])));
		check_render(f, m, msgs[i], strlen(msgs[i]),
		    STORE_R_ENVELOPE, 0);
	}
	for (i = 0; i < NMSG; i++) {
		m = msg_of(f, i);
		check_render(f, m, msgs[i], strlen(msgs[i]),
		    STORE_R_BODYSTRUCTURE, MIME_REV2 | MIME_UTF8);
		check_render(f, m, msgs[i], strlen(msgs[i]), STORE_R_BODY, 0);
	}
	/* Closing alone writes no list: the command that learnt saves. */
	ATF_CHECK_EQ(count_in_file("md/postern-uidlist", " W"), 0);
	ATF_REQUIRE(folder_save_facts(f, 1) == 0);
	ATF_CHECK_EQ(count_in_file("md/postern-uidlist", " W"), NMSG);
	ATF_REQUIRE(folder_save_facts(f, 1) == 0);
	done(st, f);
	ATF_CHECK_EQ(count_in_file("md/postern-uidlist", " W"), NMSG);
	f = open_nosizes(&st);
	for (i = 0; i < NMSG; i++) {
		m = msg_of(f, i);
		ATF_CHECK(m->have_vsize);
		ATF_CHECK_EQ(m->vsize, crlf_of(msgs[i], strlen(msgs[i])));
	}
	done(st, f);
	check_warm();
}

/* Message i of a large generated folder, into b. */
static void
gen(int i, struct buf *b)
{
	buf_reset(b);
	ATF_REQUIRE(buf_addf(b, "From: \"User %d\" <u%d@example.org>\n"
	    "To: a@example.net, \"B (%d)\" <b@example.net>\n", i, i, i) == 0);
	if (i % 3 == 0)
		ATF_REQUIRE(buf_addf(b, "Cc: g%d: c@x, d@y;\n", i) == 0);
	ATF_REQUIRE(buf_addf(b, "Subject: =?utf-8?q?m=C3=A9ssage?= %d\n"
	    "Date: Mon, 1 Jan 2024 10:%02d:00 +0000\n", i, i % 60) == 0);
	if (i % 4 == 1)
		ATF_REQUIRE(buf_addf(b, "MIME-Version: 1.0\nContent-Type: "
		    "multipart/mixed; boundary=b%d\n\n--b%d\nContent-Type: "
		    "text/plain\n\npart one %d\n--b%d\nContent-Type: "
		    "text/html\n\n<p>two</p>\n--b%d--\n", i, i, i, i, i) == 0);
	else if (i % 4 == 2)
		ATF_REQUIRE(buf_addf(b, "\r\nCRLF body %d\r\nline\r\n", i) ==
		    0);
	else if (i % 4 == 3)
		ATF_REQUIRE(buf_addf(b, "\nno final newline %d", i) == 0);
	else
		ATF_REQUIRE(buf_addf(b, "\nbody %d\n", i) == 0);
}

#define MANY	300

static struct store_msg *
many_of(struct folder *f, int i)
{
	return msg_named(f, "%d.M%dP1.host", 1700000000 + i, i);
}

static void
deliver_many(void)
{
	struct buf	 b;
	char		 p[256];
	int		 i;

	ATF_REQUIRE(store_create("md") == 0);
	buf_init(&b);
	for (i = 0; i < MANY; i++) {
		gen(i, &b);
		snprintf(p, sizeof(p), "md/cur/%d.M%dP1.host:2,", 1700000000 +
		    i, i);
		put(p, b.data, b.len);
	}
	buf_free(&b);
}

static void
check_many(struct folder *f, int what, int mflags)
{
	struct store_msg	*m;
	struct buf		 b;
	int			 i;

	buf_init(&b);
	for (i = 0; i < MANY; i++) {
		gen(i, &b);
		m = many_of(f, i);
		ATF_CHECK(m->have_vsize);
		ATF_CHECK_EQ(m->vsize, crlf_of((char *)b.data, b.len));
		check_render(f, m, (char *)b.data, b.len, what, mflags);
	}
	buf_free(&b);
}

/*
 * Batches large enough for the second thread, in every mode, equal
 * what store/mime/ renders; so does a batch given out of order and
 * with a message twice (done on one thread).
 */
ATF_TC_WITHOUT_HEAD(prefetch_threads);
ATF_TC_BODY(prefetch_threads, tc)
{
	struct store		*st;
	struct folder		*f;
	struct store_msg	**v;
	size_t			 i, n;

	deliver_many();
	f = open_nosizes(&st);
	ATF_REQUIRE_EQ(f->nmsgs, MANY);
	ATF_REQUIRE(store_msg_prefetch(f, f->msgs, f->nmsgs,
	    STORE_P_ENVELOPE | STORE_P_SIZE, 0) == 0);
	check_many(f, STORE_R_ENVELOPE, 0);
	ATF_REQUIRE(store_msg_prefetch(f, f->msgs, f->nmsgs,
	    STORE_P_BODY | STORE_P_BODYSTRUCTURE, MIME_UTF8 | MIME_REV2) ==
	    0);
	check_many(f, STORE_R_BODYSTRUCTURE, MIME_UTF8 | MIME_REV2);
	check_many(f, STORE_R_BODY, MIME_UTF8 | MIME_REV2);
	check_many(f, STORE_R_ENVELOPE, MIME_UTF8);
	ATF_REQUIRE(folder_save_facts(f, 1) == 0);
	done(st, f);
	check_warm_many();

	/* Reversed, with the first message twice. */
	ATF_REQUIRE(unlink("md/postern-index") == 0);
	ATF_REQUIRE(unlink("md/postern-uidlist") == 0);
	f = open_nosizes(&st);
	n = f->nmsgs + 1;
	v = calloc(n, sizeof(*v));
	ATF_REQUIRE(v != NULL);
	for (i = 0; i < f->nmsgs; i++)
		v[i] = f->msgs[f->nmsgs - 1 - i];
	v[f->nmsgs] = v[0];
	ATF_REQUIRE(store_msg_prefetch(f, v, n, STORE_P_BODYSTRUCTURE, 0) ==
	    0);
	free(v);
	check_many(f, STORE_R_BODYSTRUCTURE, 0);
	check_many(f, STORE_R_ENVELOPE, 0);
	done(st, f);
}

/* MANY messages warm: from the index, the message files gone. */
static void
check_warm_many(void)
{
	struct store	*st;
	struct folder	*f;

	f = open_nosizes(&st);
	empty_dir("md/cur");
	check_many(f, STORE_R_ENVELOPE, 0);
	check_many(f, STORE_R_BODYSTRUCTURE, MIME_UTF8 | MIME_REV2);
	done(st, f);
	/* Put them back for what follows. */
	deliver_many();
}

/*
 * Messages the read buffer does not hold as it is: a header longer
 * than the first read (the envelope's Subject after it), a message all
 * header longer than that, one over a megabyte (mapped, not read), and
 * such a one whose size its name gives (only its header is read).
 */
ATF_TC_WITHOUT_HEAD(prefetch_large);
ATF_TC_BODY(prefetch_large, tc)
{
	struct store		*st;
	struct folder		*f;
	struct store_msg	*m;
	struct buf		 b[4];
	char			 p[256];
	size_t			 i, k;

	ATF_REQUIRE(store_create("md") == 0);
	for (k = 0; k < 4; k++)
		buf_init(&b[k]);
	/* 0: 100 kB of header, then the Subject, a blank line, a body. */
	ATF_REQUIRE(buf_addstr(&b[0], "From: a@b\n") == 0);
	for (i = 0; i < 2000; i++)
		ATF_REQUIRE(buf_addf(&b[0], "X-Filler-%zu: %040zu\n", i, i) ==
		    0);
	ATF_REQUIRE(buf_addstr(&b[0], "Subject: after the filler\n\nbody\n")
	    == 0);
	/* 1: all header, no blank line, no final newline. */
	for (i = 0; i < 3000; i++)
		ATF_REQUIRE(buf_addf(&b[1], "X-Only-%zu: %040zu\n", i, i) == 0);
	ATF_REQUIRE(buf_addstr(&b[1], "Subject: the last line") == 0);
	/* 2, 3: 2 MB, a multipart with a large attachment. */
	for (k = 2; k < 4; k++) {
		ATF_REQUIRE(buf_addstr(&b[k], "Subject: big\nMIME-Version: "
		    "1.0\nContent-Type: multipart/mixed; boundary=zz\n\n--zz\n"
		    "Content-Type: text/plain\n\nhello\n--zz\nContent-Type: "
		    "application/octet-stream\nContent-Transfer-Encoding: "
		    "base64\n\n") == 0);
		for (i = 0; i < 2 * 1024 * 1024 / 64; i++)
			ATF_REQUIRE(buf_addstr(&b[k], "QUJDREVGR0hJSktMTU5PUFFS"
			    "U1RVVldYWVphYmNkZWZnaGlqa2xtbm9wcXJzdHV2\n") == 0);
		ATF_REQUIRE(buf_addstr(&b[k], "--zz--\n") == 0);
	}
	for (k = 0; k < 4; k++) {
		if (k == 3)
			snprintf(p, sizeof(p), "md/cur/%zu.M1P1.host,S=%zu,"
			    "W=%llu:2,S", 1000 + k, b[k].len, (unsigned long long)
			    crlf_of((char *)b[k].data, b[k].len));
		else
			snprintf(p, sizeof(p), "md/cur/%zu.M1P1.host:2,S",
			    1000 + k);
		put(p, b[k].data, b[k].len);
	}
	f = open_nosizes(&st);
	ATF_REQUIRE_EQ(f->nmsgs, 4);
	/* Sorted by name: 1000 to 1003. */
	ATF_CHECK(f->msgs[3]->have_vsize);
	ATF_REQUIRE(store_msg_prefetch(f, f->msgs, f->nmsgs,
	    STORE_P_ENVELOPE | STORE_P_SIZE, 0) == 0);
	for (k = 0; k < 4; k++) {
		m = f->msgs[k];
		ATF_CHECK(m->have_vsize);
		ATF_CHECK_EQ(m->vsize, crlf_of((char *)b[k].data, b[k].len));
		check_render(f, m, (char *)b[k].data, b[k].len,
		    STORE_R_ENVELOPE, 0);
		check_render(f, m, (char *)b[k].data, b[k].len,
		    STORE_R_BODYSTRUCTURE, 0);
	}
	done(st, f);
	for (k = 0; k < 4; k++)
		buf_free(&b[k]);
}

/*
 * A ,W= size in a name is believed, as Dovecot believes it: even a
 * wrong one (this one says 7) is the message's RFC822.SIZE, and the
 * index records are keyed with it.  ,S= (the size on disk) is not a
 * CRLF size and is not used.
 */
ATF_TC_WITHOUT_HEAD(size_hints);
ATF_TC_BODY(size_hints, tc)
{
	struct store	*st;
	struct folder	*f;
	const char	*msg = "Subject: hint\n\nbody\n";

	ATF_REQUIRE(store_create("md") == 0);
	put("md/cur/1000.M1P1.host,S=20,W=7:2,S", msg, strlen(msg));
	put("md/cur/1001.M1P1.host,S=20:2,S", msg, strlen(msg));
	f = open_nosizes(&st);
	ATF_REQUIRE_EQ(f->nmsgs, 2);
	ATF_CHECK(f->msgs[0]->have_vsize);
	ATF_CHECK_EQ(f->msgs[0]->vsize, 7);
	ATF_CHECK(!f->msgs[1]->have_vsize);
	ATF_REQUIRE(store_msg_prefetch(f, f->msgs, f->nmsgs,
	    STORE_P_ENVELOPE | STORE_P_SIZE, 0) == 0);
	ATF_CHECK_EQ(f->msgs[0]->vsize, 7);
	ATF_CHECK_EQ(f->msgs[1]->vsize, crlf_of(msg, strlen(msg)));
	check_render(f, f->msgs[0], msg, strlen(msg), STORE_R_ENVELOPE, 0);
	ATF_REQUIRE(folder_save_facts(f, 1) == 0);
	done(st, f);
	/* The name's size is not written to the list again. */
	ATF_CHECK_EQ(count_in_file("md/postern-uidlist", " W"), 1);
	f = open_nosizes(&st);
	empty_dir("md/cur");
	check_render(f, f->msgs[0], msg, strlen(msg), STORE_R_ENVELOPE, 0);
	check_render(f, f->msgs[1], msg, strlen(msg), STORE_R_ENVELOPE, 0);
	done(st, f);
}

/*
 * Files that changed since the scan: one expunged by another session
 * or the MTA (the prefetch goes on; the message's own render says
 * ENOENT), one renamed by a flag change (found under its new name),
 * in a batch of one thread and in one of two.
 */
static void
vanish(int threads)
{
	struct store		*st;
	struct folder		*f;
	struct store_msg	*m;
	struct buf		 b, out;
	char			 p[256], to[256];
	int			 i, gone = 7, renamed = 8;

	deliver_many();
	f = open_nosizes(&st);
	snprintf(p, sizeof(p), "md/cur/%d.M%dP1.host:2,", 1700000000 + gone,
	    gone);
	ATF_REQUIRE(unlink(p) == 0);
	snprintf(p, sizeof(p), "md/cur/%d.M%dP1.host:2,", 1700000000 +
	    renamed, renamed);
	snprintf(to, sizeof(to), "md/cur/%d.M%dP1.host:2,S", 1700000000 +
	    renamed, renamed);
	ATF_REQUIRE(rename(p, to) == 0);
	ATF_REQUIRE(store_msg_prefetch(f, f->msgs, threads ? f->nmsgs : 10,
	    STORE_P_ENVELOPE | STORE_P_SIZE, 0) == 0);
	m = many_of(f, gone);
	ATF_CHECK(!m->have_vsize);
	buf_init(&out);
	ATF_CHECK(store_msg_render(f, m, STORE_R_ENVELOPE, 0, &out) == -1 &&
	    errno == ENOENT);
	buf_free(&out);
	buf_init(&b);
	for (i = 0; i < 10; i++) {
		if (i == gone)
			continue;
		gen(i, &b);
		m = many_of(f, i);
		ATF_CHECK(m->have_vsize);
		check_render(f, m, (char *)b.data, b.len, STORE_R_ENVELOPE, 0);
	}
	buf_free(&b);
	done(st, f);
}

ATF_TC_WITHOUT_HEAD(prefetch_vanished);
ATF_TC_BODY(prefetch_vanished, tc) { vanish(0); }
ATF_TC_WITHOUT_HEAD(prefetch_vanished_threads);
ATF_TC_BODY(prefetch_vanished_threads, tc) { vanish(1); }

/*
 * The UID list lost its sizes (a crash before the session's close,
 * or a list written by another program): the prefetch reads each file
 * for its size, finds the records of the earlier session and renders
 * nothing again: the index does not grow.
 */
ATF_TC_WITHOUT_HEAD(sizes_lost);
ATF_TC_BODY(sizes_lost, tc)
{
	struct store	*st;
	struct folder	*f;
	char		 buf[1 << 16], out[1 << 16];
	off_t		 before;
	ssize_t		 n;
	size_t		 i, o;
	int		 fd;

	deliver_all();
	f = open_nosizes(&st);
	ATF_REQUIRE(store_msg_prefetch(f, f->msgs, f->nmsgs,
	    STORE_P_ENVELOPE | STORE_P_SIZE, 0) == 0);
	ATF_REQUIRE(folder_save_facts(f, 1) == 0);
	done(st, f);
	before = file_size("md/postern-index");
	/* Drop the W fields. */
	fd = open("md/postern-uidlist", O_RDWR);
	ATF_REQUIRE(fd != -1);
	n = read(fd, buf, sizeof(buf));
	ATF_REQUIRE(n > 0);
	for (i = o = 0; i < (size_t)n; ) {
		if (buf[i] == ' ' && buf[i + 1] == 'W') {
			for (i += 2; buf[i] >= '0' && buf[i] <= '9'; i++)
				;
			continue;
		}
		out[o++] = buf[i++];
	}
	ATF_REQUIRE(ftruncate(fd, 0) == 0);
	ATF_REQUIRE(pwrite(fd, out, o, 0) == (ssize_t)o);
	close(fd);
	ATF_REQUIRE_EQ(count_in_file("md/postern-uidlist", " W"), 0);
	f = open_nosizes(&st);
	ATF_REQUIRE(store_msg_prefetch(f, f->msgs, f->nmsgs,
	    STORE_P_ENVELOPE | STORE_P_SIZE, 0) == 0);
	for (i = 0; i < NMSG; i++)
		check_render(f, msg_of(f, i), msgs[i], strlen(msgs[i]),
		    STORE_R_ENVELOPE, 0);
	ATF_REQUIRE(folder_save_facts(f, 1) == 0);
	done(st, f);
	ATF_CHECK_EQ(file_size("md/postern-index"), before);
	ATF_CHECK_EQ(count_in_file("md/postern-uidlist", " W"), NMSG);
}

/* CRC-32 as zlib computes it, one octet at a time. */
static uint32_t
crc32_plain(uint32_t crc, const unsigned char *p, size_t n)
{
	uint32_t	c;
	int		k;

	crc = ~crc;
	while (n-- > 0) {
		c = (crc ^ *p++) & 0xff;
		for (k = 0; k < 8; k++)
			c = c & 1 ? 0xedb88320U ^ (c >> 1) : c >> 1;
		crc = c ^ (crc >> 8);
	}
	return ~crc;
}

/*
 * Every record's checksum is the standard CRC-32 of its header (the
 * checksum field zero), base name and data: the fast CRC of index.c
 * writes what any implementation reads.
 */
ATF_TC_WITHOUT_HEAD(record_crc);
ATF_TC_BODY(record_crc, tc)
{
	struct store	*st;
	struct folder	*f;
	unsigned char	*d;
	uint32_t	 crc, bl, dl;
	size_t		 off, len, nrec = 0;
	ssize_t		 n;
	int		 fd;

	ATF_CHECK_EQ(crc32_plain(0, (const unsigned char *)"123456789", 9),
	    0xcbf43926U);
	deliver_many();
	f = open_nosizes(&st);
	ATF_REQUIRE(store_msg_prefetch(f, f->msgs, f->nmsgs,
	    STORE_P_BODYSTRUCTURE | STORE_P_SIZE, MIME_UTF8) == 0);
	done(st, f);
	len = (size_t)file_size("md/postern-index");
	d = malloc(len);
	ATF_REQUIRE(d != NULL);
	fd = open("md/postern-index", O_RDONLY);
	ATF_REQUIRE(fd != -1);
	n = read(fd, d, len);
	ATF_REQUIRE_EQ((size_t)n, len);
	close(fd);
	memcpy(&crc, d + 16, 4);
	ATF_CHECK_EQ(crc, crc32_plain(0, d, 16));
	for (off = 24; off + 32 <= len; nrec++) {
		memcpy(&bl, d + off + 8, 4);
		memcpy(&dl, d + off + 12, 4);
		memcpy(&crc, d + off + 28, 4);
		memset(d + off + 28, 0, 4);
		ATF_REQUIRE(off + 32 + bl + dl <= len);
		ATF_CHECK_EQ(crc, crc32_plain(0, d + off, 32 + bl + dl));
		off += (32 + bl + dl + 7) & ~(size_t)7;
	}
	ATF_CHECK_EQ(off, len);
	ATF_CHECK_EQ(nrec, 3 * MANY);
	free(d);
}

static double
now(void)
{
	struct timeval	tv;

	gettimeofday(&tv, NULL);
	return tv.tv_sec + tv.tv_usec / 1e6;
}

#define BIG	100000

static double
fetch_all(struct folder *f, uint64_t *total)
{
	struct store_msg	*m;
	struct buf		 b;
	double			 t0 = now();
	size_t			 i;

	buf_init(&b);
	*total = 0;
	for (i = 0; i < f->nmsgs; i++) {
		m = f->msgs[i];
		buf_reset(&b);
		/* FLAGS UID RFC822.SIZE INTERNALDATE come from the table. */
		*total += m->flags + m->uid + m->vsize + (uint64_t)m->time;
		ATF_REQUIRE(store_msg_render(f, m, STORE_R_ENVELOPE, 0, &b) ==
		    0);
		*total += b.len;
	}
	buf_free(&b);
	return now() - t0;
}

ATF_TC(big_folder);
ATF_TC_HEAD(big_folder, tc)
{
	atf_tc_set_md_var(tc, "descr", "100,000 messages, cold and warm");
	atf_tc_set_md_var(tc, "timeout", "600");
}
ATF_TC_BODY(big_folder, tc)
{
	struct store	*st;
	struct folder	*f;
	struct stat	 sb;
	char		 p[256], body[256];
	double		 t0, topen, tfetch;
	uint64_t	 tot1, tot2;
	int		 i, n;

	ATF_REQUIRE(store_create("md") == 0);
	t0 = now();
	for (i = 0; i < BIG; i++) {
		snprintf(p, sizeof(p), "md/cur/%d.M%dP1.host:2,%s",
		    1600000000 + i, i, i % 3 ? "S" : "");
		n = snprintf(body, sizeof(body), "From: User %d "
		    "<u%d@example.org>\nTo: x@example.net\nSubject: message "
		    "number %d\nDate: Mon, 1 Jan 2024 10:00:00 +0000\n"
		    "Message-ID: <%d@example.org>\n\nbody %d\n", i, i, i, i,
		    i);
		put(p, body, n);
	}
	printf("create %d files: %.2fs\n", BIG, now() - t0);

	t0 = now();
	f = reopen(&st);
	topen = now() - t0;
	ATF_REQUIRE_EQ(f->nmsgs, BIG);
	tfetch = fetch_all(f, &tot1);
	t0 = now();
	done(st, f);
	printf("cold: open+sizes %.2fs, FETCH ENVELOPE %.2fs, close (index "
	    "write) %.2fs\n", topen, tfetch, now() - t0);
	ATF_REQUIRE(stat("md/postern-index", &sb) == 0);
	printf("postern-index: %lld octets\n", (long long)sb.st_size);

	t0 = now();
	f = reopen(&st);
	topen = now() - t0;
	tfetch = fetch_all(f, &tot2);
	printf("warm: SELECT (open) %.3fs, FETCH 1:* (FLAGS UID RFC822.SIZE "
	    "INTERNALDATE ENVELOPE) %.3fs\n", topen, tfetch);
	ATF_CHECK_EQ(tot1, tot2);
	/* And with no message file to read, the same. */
	empty_dir("md/cur");
	tfetch = fetch_all(f, &tot2);
	printf("warm without message files: FETCH %.3fs\n", tfetch);
	ATF_CHECK_EQ(tot1, tot2);
	done(st, f);
}

static int
to_buf(void *arg, const void *data, size_t len)
{
	return buf_add(arg, data, len);
}

ATF_TC_WITHOUT_HEAD(text_and_map);
ATF_TC_BODY(text_and_map, tc)
{
	struct store		*st;
	struct folder		*f;
	struct store_map	 map;
	struct mime_msg		 mm;
	struct buf		 b;

	deliver_all();
	f = reopen(&st);
	buf_init(&b);
	ATF_REQUIRE(store_msg_text(f, msg_of(f, 1), STORE_TEXT_HEADER,
	    to_buf, &b) == 0);
	ATF_REQUIRE(buf_add(&b, "", 0) == 0);
	ATF_CHECK_MSG(strstr((char *)b.data,
	    "From: J\xc3\xb6rg <j@example.de>\n") != NULL, "%s", b.data);
	ATF_CHECK(strstr((char *)b.data,
	    "Subject: Gr\xc3\xbc\xc3\x9f" "e\n") != NULL);
	ATF_CHECK(strstr((char *)b.data, "Sch") == NULL);
	buf_reset(&b);
	ATF_REQUIRE(store_msg_text(f, msg_of(f, 1), STORE_TEXT_BODY,
	    to_buf, &b) == 0);
	ATF_REQUIRE(buf_add(&b, "", 0) == 0);
	ATF_CHECK_MSG(strstr((char *)b.data,
	    "Sch\xc3\xb6ne Gr\xc3\xbc\xc3\x9f" "e") != NULL, "%s", b.data);
	buf_reset(&b);
	/* Only text parts: the base64 attachment is not text. */
	ATF_REQUIRE(store_msg_text(f, msg_of(f, 2), STORE_TEXT_BODY |
	    STORE_TEXT_HEADER, to_buf, &b) == 0);
	ATF_REQUIRE(buf_add(&b, "", 0) == 0);
	ATF_CHECK(strstr((char *)b.data, "one\n") != NULL);
	ATF_CHECK(strstr((char *)b.data, "AAEC") == NULL);
	ATF_CHECK(strstr((char *)b.data, "Subject: parts\n") != NULL);
	buf_free(&b);

	ATF_REQUIRE(store_msg_map(f, msg_of(f, 4), &map) == 0);
	ATF_CHECK_EQ(map.len, 0);
	store_map_free(&map);
	ATF_REQUIRE(store_msg_parse(f, msg_of(f, 2), &map, &mm) == 0);
	ATF_CHECK_EQ(map.len, strlen(msgs[2]));
	ATF_CHECK(memcmp(map.data, msgs[2], map.len) == 0);
	ATF_CHECK(mm.nparts >= 3);
	mime_free(&mm);
	store_map_free(&map);

	/* Gone meanwhile: ENOENT. */
	empty_dir("md/new");
	ATF_CHECK(store_msg_map(f, msg_of(f, 0), &map) == -1 &&
	    errno == ENOENT);
	done(st, f);
}

ATF_TP_ADD_TCS(tp)
{
	ATF_TP_ADD_TC(tp, build_and_warm);
	ATF_TP_ADD_TC(tp, corrupt_garbage);
	ATF_TP_ADD_TC(tp, corrupt_empty);
	ATF_TP_ADD_TC(tp, corrupt_truncated);
	ATF_TP_ADD_TC(tp, corrupt_header);
	ATF_TP_ADD_TC(tp, foreign_uidvalidity);
	ATF_TP_ADD_TC(tp, corrupt_bits);
	ATF_TP_ADD_TC(tp, corrupt_lengths);
	ATF_TP_ADD_TC(tp, torn_tail);
	ATF_TP_ADD_TC(tp, stale_entries);
	ATF_TP_ADD_TC(tp, uidvalidity_change);
	ATF_TP_ADD_TC(tp, big_folder);
	ATF_TP_ADD_TC(tp, text_and_map);
	ATF_TP_ADD_TC(tp, prefetch_sizes);
	ATF_TP_ADD_TC(tp, prefetch_threads);
	ATF_TP_ADD_TC(tp, prefetch_large);
	ATF_TP_ADD_TC(tp, size_hints);
	ATF_TP_ADD_TC(tp, prefetch_vanished);
	ATF_TP_ADD_TC(tp, prefetch_vanished_threads);
	ATF_TP_ADD_TC(tp, sizes_lost);
	ATF_TP_ADD_TC(tp, record_crc);
	return atf_no_error();
}
