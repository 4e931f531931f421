/*
 * Unit tests for store/flags.c and the message operations of
 * store/maildir.c: flags in file names, setting them by rename while
 * other processes rename too, finding renamed files, expunge; and the
 * locks and stamps of store/lock.c.
 */
#include <sys/types.h>
#include <sys/stat.h>

#include <atf-c.h>
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "store.h"

static void
mkmaildir(const char *md)
{
	ATF_REQUIRE(store_create(md) == 0);
}

static void
put(const char *path, const char *data)
{
	int	fd;

	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	ATF_REQUIRE_MSG(fd != -1, "%s: %s", path, strerror(errno));
	ATF_REQUIRE(write(fd, data, strlen(data)) == (ssize_t)strlen(data));
	close(fd);
}

static int
exists(const char *path)
{
	struct stat	sb;

	return stat(path, &sb) == 0;
}

static struct folder *
inbox(struct store **st)
{
	struct folder	*f;

	*st = store_open("md");
	ATF_REQUIRE(*st != NULL);
	f = folder_open(*st, "INBOX", 0);
	ATF_REQUIRE_MSG(f != NULL, "folder_open: %s", strerror(errno));
	return f;
}

ATF_TC_WITHOUT_HEAD(info_parse);
ATF_TC_BODY(info_parse, tc)
{
	uint64_t	f;

	ATF_CHECK(store_info_parse(NULL, &f) == 0 && f == 0);
	ATF_CHECK(store_info_parse("2,", &f) == 0 && f == 0);
	ATF_CHECK(store_info_parse("2,S", &f) == 0 && f == STORE_F_SEEN);
	ATF_CHECK(store_info_parse("2,DFPRST", &f) == 0 &&
	    f == (STORE_F_DRAFT | STORE_F_FLAGGED | STORE_F_PASSED |
	    STORE_F_ANSWERED | STORE_F_SEEN | STORE_F_DELETED));
	ATF_CHECK(store_info_parse("2,Sab", &f) == 0 &&
	    f == (STORE_F_SEEN | STORE_FLAG('a') | STORE_FLAG('b')));
	/* Unsorted is still understood. */
	ATF_CHECK(store_info_parse("2,TS", &f) == 0 &&
	    f == (STORE_F_SEEN | STORE_F_DELETED));
	ATF_CHECK(store_info_parse("1,foo", &f) == -1 && f == 0);
	ATF_CHECK(store_info_parse("2,S,x", &f) == -1);
	ATF_CHECK(store_info_parse("", &f) == -1);
}

ATF_TC_WITHOUT_HEAD(info_make);
ATF_TC_BODY(info_make, tc)
{
	char	buf[STORE_INFOLEN];

	ATF_REQUIRE(store_info_make(0, buf, sizeof(buf)) == 0);
	ATF_CHECK_STREQ(buf, "2,");
	ATF_REQUIRE(store_info_make(STORE_F_SEEN | STORE_F_DRAFT |
	    STORE_FLAG('z') | STORE_FLAG('a') | STORE_F_DELETED, buf,
	    sizeof(buf)) == 0);
	ATF_CHECK_STREQ(buf, "2,DSTaz");
	ATF_REQUIRE(store_info_make(~(uint64_t)0, buf, sizeof(buf)) == 0);
	ATF_CHECK_STREQ(buf, "2,ABCDEFGHIJKLMNOPQRSTUVWXYZ"
	    "abcdefghijklmnopqrstuvwxyz");
	ATF_CHECK(store_info_make(0, buf, 10) == -1);
}

ATF_TC_WITHOUT_HEAD(names);
ATF_TC_BODY(names, tc)
{
	size_t		bl;
	uint64_t	v;

	ATF_CHECK(store_name_split("123.abc.host:2,S", &bl) == 0 && bl == 12);
	ATF_CHECK(store_name_split("123.abc.host", &bl) == 0 && bl == 12);
	ATF_CHECK(store_name_split(".hidden", &bl) == -1);
	ATF_CHECK(store_name_split(":2,S", &bl) == -1);
	ATF_CHECK(store_name_split("a\nb", &bl) == -1);
	ATF_CHECK(store_name_size("1.a.h,S=100,W=102", 'W', &v) == 0 &&
	    v == 102);
	ATF_CHECK(store_name_size("1.a.h,S=100,W=102", 'S', &v) == 0 &&
	    v == 100);
	ATF_CHECK(store_name_size("1.a.h,S=100", 'W', &v) == -1);
	ATF_CHECK(store_name_size("1.a.h,W=", 'W', &v) == -1);
	ATF_CHECK(store_name_size("1.a.h,W=12x", 'W', &v) == -1);
	ATF_CHECK_EQ(store_name_time("1700000000.M1P2.host"), 1700000000);
	ATF_CHECK_EQ(store_name_time("host.123"), 0);
	ATF_CHECK_EQ(store_name_time("123"), 0);
	ATF_CHECK_EQ(store_name_time("99999999999999999.x"), 0);
	ATF_CHECK(store_uidl_ok("abc"));
	ATF_CHECK(!store_uidl_ok(""));
	ATF_CHECK(!store_uidl_ok("a b"));
	ATF_CHECK(!store_uidl_ok("0123456789012345678901234567890123456789"
	    "0123456789012345678901234567890"));
}

ATF_TC_WITHOUT_HEAD(set_flags);
ATF_TC_BODY(set_flags, tc)
{
	struct store	*st;
	struct folder	*f;

	mkmaildir("md");
	put("md/new/1.a.host", "a\n");
	put("md/cur/2.b.host:2,Sab", "b\n");
	f = inbox(&st);
	ATF_REQUIRE_EQ(f->nmsgs, 2);

	/* A new/ message moves to cur/ as it gets a flag. */
	ATF_REQUIRE(store_msg_set_flags(f, f->msgs[0], STORE_F_SEEN, 0) == 0);
	ATF_CHECK(exists("md/cur/1.a.host:2,S"));
	ATF_CHECK(!exists("md/new/1.a.host"));
	ATF_CHECK_EQ(f->msgs[0]->dir, STORE_DIR_CUR);

	/* Keywords are kept; letters stay sorted. */
	ATF_REQUIRE(store_msg_set_flags(f, f->msgs[1], STORE_F_FLAGGED,
	    STORE_F_SEEN) == 0);
	ATF_CHECK(exists("md/cur/2.b.host:2,Fab"));
	ATF_CHECK_EQ(f->msgs[1]->flags,
	    STORE_F_FLAGGED | STORE_FLAG('a') | STORE_FLAG('b'));

	/* Nothing to change: no rename. */
	ATF_REQUIRE(store_msg_set_flags(f, f->msgs[1], STORE_F_FLAGGED, 0) ==
	    0);
	ATF_CHECK(exists("md/cur/2.b.host:2,Fab"));
	folder_close(f);
	store_close(st);
}

/* Another process renamed the file meanwhile: find it, keep its flags. */
ATF_TC_WITHOUT_HEAD(set_flags_renamed);
ATF_TC_BODY(set_flags_renamed, tc)
{
	struct store	*st;
	struct folder	*f;

	mkmaildir("md");
	put("md/new/1.a.host", "a\n");
	f = inbox(&st);
	ATF_REQUIRE(rename("md/new/1.a.host", "md/cur/1.a.host:2,Tc") == 0);
	ATF_REQUIRE(store_msg_set_flags(f, f->msgs[0], STORE_F_SEEN, 0) == 0);
	ATF_CHECK(exists("md/cur/1.a.host:2,STc"));

	/* Gone altogether: expunged. */
	ATF_REQUIRE(unlink("md/cur/1.a.host:2,STc") == 0);
	errno = 0;
	ATF_CHECK(store_msg_set_flags(f, f->msgs[0], STORE_F_DRAFT, 0) == -1);
	ATF_CHECK_EQ(errno, ENOENT);
	folder_close(f);
	store_close(st);
}

/* An info we do not understand is not rewritten. */
ATF_TC_WITHOUT_HEAD(set_flags_odd_info);
ATF_TC_BODY(set_flags_odd_info, tc)
{
	struct store	*st;
	struct folder	*f;

	mkmaildir("md");
	put("md/cur/1.a.host:1,experimental", "a\n");
	f = inbox(&st);
	ATF_REQUIRE_EQ(f->nmsgs, 1);
	ATF_CHECK(!f->msgs[0]->info_ok);
	errno = 0;
	ATF_CHECK(store_msg_set_flags(f, f->msgs[0], STORE_F_SEEN, 0) == -1);
	ATF_CHECK_EQ(errno, EINVAL);
	ATF_CHECK(exists("md/cur/1.a.host:1,experimental"));
	folder_close(f);
	store_close(st);
}

ATF_TC_WITHOUT_HEAD(open_renamed);
ATF_TC_BODY(open_renamed, tc)
{
	struct store	*st;
	struct folder	*f;
	char		 buf[16];
	int		 fd;

	mkmaildir("md");
	put("md/new/1.a.host", "hello\n");
	f = inbox(&st);
	ATF_REQUIRE(rename("md/new/1.a.host", "md/cur/1.a.host:2,RS") == 0);
	fd = store_msg_open(f, f->msgs[0]);
	ATF_REQUIRE(fd != -1);
	ATF_CHECK(read(fd, buf, sizeof(buf)) == 6);
	close(fd);
	ATF_CHECK_STREQ(f->msgs[0]->info, "2,RS");
	ATF_CHECK_EQ(f->msgs[0]->flags, STORE_F_ANSWERED | STORE_F_SEEN);

	ATF_REQUIRE(unlink("md/cur/1.a.host:2,RS") == 0);
	errno = 0;
	ATF_CHECK(store_msg_open(f, f->msgs[0]) == -1);
	ATF_CHECK_EQ(errno, ENOENT);
	folder_close(f);
	store_close(st);
}

ATF_TC_WITHOUT_HEAD(expunge);
ATF_TC_BODY(expunge, tc)
{
	struct store	*st;
	struct folder	*f;

	mkmaildir("md");
	put("md/new/1.a.host", "a\n");
	put("md/new/2.b.host", "b\n");
	put("md/new/3.c.host", "c\n");
	f = inbox(&st);
	ATF_REQUIRE_EQ(f->nmsgs, 3);
	ATF_CHECK(store_msg_expunge(f, f->msgs[0]) == 0);
	ATF_CHECK(!exists("md/new/1.a.host"));
	/* Moved by someone else first: still found and removed. */
	ATF_REQUIRE(rename("md/new/2.b.host", "md/cur/2.b.host:2,S") == 0);
	ATF_CHECK(store_msg_expunge(f, f->msgs[1]) == 0);
	ATF_CHECK(!exists("md/cur/2.b.host:2,S"));
	/* Removed by someone else: that is what we wanted. */
	ATF_REQUIRE(unlink("md/new/3.c.host") == 0);
	ATF_CHECK(store_msg_expunge(f, f->msgs[2]) == 0);
	folder_close(f);
	store_close(st);
}

ATF_TC_WITHOUT_HEAD(vsize_lazy);
ATF_TC_BODY(vsize_lazy, tc)
{
	struct store	*st;
	struct folder	*f;
	uint64_t	 v;

	mkmaildir("md");
	put("md/new/1.a.host", "a\nb\n");
	f = inbox(&st);
	ATF_CHECK(!f->msgs[0]->have_vsize);
	ATF_REQUIRE(store_msg_vsize(f, f->msgs[0], &v) == 0);
	ATF_CHECK_EQ(v, 6);
	folder_close(f);
	store_close(st);
}

ATF_TC_WITHOUT_HEAD(exclusive_lock);
ATF_TC_BODY(exclusive_lock, tc)
{
	struct store	*a, *b;

	mkmaildir("md");
	a = store_open("md");
	b = store_open("md");
	ATF_REQUIRE(a != NULL && b != NULL);
	ATF_CHECK_EQ(store_lock_exclusive(a, "postern-pop3.lock"), 1);
	ATF_CHECK_EQ(store_lock_exclusive(b, "postern-pop3.lock"), 0);
	store_close(a);
	ATF_CHECK_EQ(store_lock_exclusive(b, "postern-pop3.lock"), 1);
	store_close(b);
}

ATF_TC_WITHOUT_HEAD(stamps);
ATF_TC_BODY(stamps, tc)
{
	struct store	*st;
	time_t		 t;

	mkmaildir("md");
	st = store_open("md");
	ATF_REQUIRE(st != NULL);
	ATF_CHECK(store_stamp_get(st, "stamp", &t) == 0 && t == 0);
	ATF_CHECK(store_stamp_set(st, "stamp", 1234567890) == 0);
	ATF_CHECK(store_stamp_get(st, "stamp", &t) == 0 && t == 1234567890);
	put("md/stamp", "garbage");
	ATF_CHECK(store_stamp_get(st, "stamp", &t) == 0 && t == 0);
	ATF_CHECK(!exists("md/stamp.tmp"));
	store_close(st);
}

ATF_TC_WITHOUT_HEAD(create);
ATF_TC_BODY(create, tc)
{
	ATF_CHECK(store_create("a/b/Maildir") == 0);
	ATF_CHECK(exists("a/b/Maildir/cur") && exists("a/b/Maildir/new") &&
	    exists("a/b/Maildir/tmp"));
	ATF_CHECK(store_create("a/b/Maildir") == 0);
	put("file", "x");
	ATF_CHECK(store_create("file") == -1);
}

ATF_TP_ADD_TCS(tp)
{
	ATF_TP_ADD_TC(tp, info_parse);
	ATF_TP_ADD_TC(tp, info_make);
	ATF_TP_ADD_TC(tp, names);
	ATF_TP_ADD_TC(tp, set_flags);
	ATF_TP_ADD_TC(tp, set_flags_renamed);
	ATF_TP_ADD_TC(tp, set_flags_odd_info);
	ATF_TP_ADD_TC(tp, open_renamed);
	ATF_TP_ADD_TC(tp, expunge);
	ATF_TP_ADD_TC(tp, vsize_lazy);
	ATF_TP_ADD_TC(tp, exclusive_lock);
	ATF_TP_ADD_TC(tp, stamps);
	ATF_TP_ADD_TC(tp, create);
	return atf_no_error();
}
