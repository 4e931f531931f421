/*
 * Unit tests for store/uidlist.c and the folder sync of store/maildir.c:
 * UIDs stay with their messages across opens, new files are numbered
 * in delivery order, UIDs are never reused, a damaged list gets a
 * larger UIDVALIDITY, and Dovecot's list is imported.
 */
#include <sys/types.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/wait.h>

#include <atf-c.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "store.h"

static void
mkmaildir(const char *md)
{
	char	p[512];

	ATF_REQUIRE(mkdir(md, 0700) == 0);
	snprintf(p, sizeof(p), "%s/cur", md);
	ATF_REQUIRE(mkdir(p, 0700) == 0);
	snprintf(p, sizeof(p), "%s/new", md);
	ATF_REQUIRE(mkdir(p, 0700) == 0);
	snprintf(p, sizeof(p), "%s/tmp", md);
	ATF_REQUIRE(mkdir(p, 0700) == 0);
}

static void
put(const char *md, const char *name, const char *data)
{
	char	p[512];
	int	fd;

	snprintf(p, sizeof(p), "%s/%s", md, name);
	fd = open(p, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	ATF_REQUIRE_MSG(fd != -1, "%s: %s", p, strerror(errno));
	ATF_REQUIRE(write(fd, data, strlen(data)) == (ssize_t)strlen(data));
	close(fd);
}

static char *
get(const char *md, const char *name)
{
	static char	buf[65536];
	char		p[512];
	ssize_t		n;
	int		fd;

	snprintf(p, sizeof(p), "%s/%s", md, name);
	if ((fd = open(p, O_RDONLY)) == -1)
		return NULL;
	n = read(fd, buf, sizeof(buf) - 1);
	ATF_REQUIRE(n >= 0);
	buf[n] = '\0';
	close(fd);
	return buf;
}

static struct folder *
inbox(struct store **st, const char *md, int flags)
{
	struct folder	*f;

	*st = store_open(md);
	ATF_REQUIRE(*st != NULL);
	f = folder_open(*st, "INBOX", flags);
	ATF_REQUIRE_MSG(f != NULL, "folder_open: %s", strerror(errno));
	return f;
}

static void
done(struct store *st, struct folder *f)
{
	folder_close(f);
	store_close(st);
}

static uint32_t
uid_of(struct folder *f, const char *base)
{
	size_t	i;

	for (i = 0; i < f->nmsgs; i++)
		if (strcmp(f->msgs[i]->base, base) == 0)
			return f->msgs[i]->uid;
	return 0;
}

ATF_TC_WITHOUT_HEAD(create_and_reload);
ATF_TC_BODY(create_and_reload, tc)
{
	struct store	*st;
	struct folder	*f;
	struct stat	 sb1, sb2;
	uint32_t	 uv;

	mkmaildir("md");
	f = inbox(&st, "md", 0);
	uv = f->uidvalidity;
	ATF_CHECK(uv != 0);
	ATF_CHECK_EQ(f->uidnext, 1);
	ATF_CHECK_EQ(f->nmsgs, 0);
	done(st, f);
	ATF_REQUIRE(stat("md/postern-uidlist", &sb1) == 0);

	/* An unchanged folder is not rewritten. */
	f = inbox(&st, "md", 0);
	ATF_CHECK_EQ(f->uidvalidity, uv);
	done(st, f);
	ATF_REQUIRE(stat("md/postern-uidlist", &sb2) == 0);
	ATF_CHECK_EQ(sb1.st_ino, sb2.st_ino);
	ATF_CHECK(sb1.st_mtim.tv_nsec == sb2.st_mtim.tv_nsec);
}

ATF_TC_WITHOUT_HEAD(new_messages_ordered);
ATF_TC_BODY(new_messages_ordered, tc)
{
	struct store	*st;
	struct folder	*f;
	uint32_t	 uv;

	mkmaildir("md");
	put("md", "new/1000.b.host", "b\n");
	put("md", "new/999.z.host", "z\n");
	put("md", "cur/1000.a.host:2,S", "a\n");
	put("md", "new/noname", "n\n");
	f = inbox(&st, "md", 0);
	uv = f->uidvalidity;
	ATF_REQUIRE_EQ(f->nmsgs, 4);
	ATF_CHECK_EQ(uid_of(f, "999.z.host"), 1);
	ATF_CHECK_EQ(uid_of(f, "1000.a.host"), 2);
	ATF_CHECK_EQ(uid_of(f, "1000.b.host"), 3);
	/* No time in the name: its mtime, which is now, sorts last. */
	ATF_CHECK_EQ(uid_of(f, "noname"), 4);
	ATF_CHECK_EQ(f->uidnext, 5);
	ATF_CHECK(f->msgs[1]->flags == STORE_F_SEEN);
	ATF_CHECK_EQ(f->msgs[1]->dir, STORE_DIR_CUR);
	done(st, f);

	/* Later mail gets later UIDs, whatever its name says. */
	put("md", "new/5.early.host", "e\n");
	ATF_REQUIRE(rename("md/new/1000.b.host", "md/cur/1000.b.host:2,RS")
	    == 0);
	f = inbox(&st, "md", 0);
	ATF_CHECK_EQ(f->uidvalidity, uv);
	ATF_REQUIRE_EQ(f->nmsgs, 5);
	ATF_CHECK_EQ(uid_of(f, "999.z.host"), 1);
	ATF_CHECK_EQ(uid_of(f, "1000.b.host"), 3);
	ATF_CHECK_EQ(uid_of(f, "5.early.host"), 5);
	ATF_CHECK(folder_msg_by_uid(f, 3) != NULL &&
	    folder_msg_by_uid(f, 3)->flags ==
	    (STORE_F_SEEN | STORE_F_ANSWERED));
	ATF_CHECK(folder_msg_by_uid(f, 6) == NULL);
	done(st, f);
}

ATF_TC_WITHOUT_HEAD(uid_never_reused);
ATF_TC_BODY(uid_never_reused, tc)
{
	struct store	*st;
	struct folder	*f;

	mkmaildir("md");
	put("md", "new/1.a.host", "a\n");
	put("md", "new/2.b.host", "b\n");
	f = inbox(&st, "md", 0);
	ATF_CHECK_EQ(uid_of(f, "2.b.host"), 2);
	done(st, f);

	/* The highest UID goes away: UIDNEXT must not come down. */
	ATF_REQUIRE(unlink("md/new/2.b.host") == 0);
	f = inbox(&st, "md", 0);
	ATF_CHECK_EQ(f->nmsgs, 1);
	ATF_CHECK_EQ(f->uidnext, 3);
	done(st, f);
	put("md", "new/3.c.host", "c\n");
	f = inbox(&st, "md", 0);
	ATF_CHECK_EQ(uid_of(f, "3.c.host"), 3);
	done(st, f);

	/* Nor does a file coming back under its old name get its UID. */
	put("md", "new/2.b.host", "b\n");
	f = inbox(&st, "md", 0);
	ATF_CHECK_EQ(uid_of(f, "2.b.host"), 4);
	done(st, f);
}

static void
check_rebuild(const char *garbage)
{
	struct store	*st;
	struct folder	*f;
	uint32_t	 uv;

	f = inbox(&st, "md", 0);
	uv = f->uidvalidity;
	ATF_CHECK_EQ(uid_of(f, "1.a.host"), 1);
	done(st, f);
	put("md", "postern-uidlist", garbage);
	f = inbox(&st, "md", 0);
	ATF_CHECK_MSG(f->uidvalidity > uv, "%u after %u for \"%s\"",
	    f->uidvalidity, uv, garbage);
	ATF_CHECK_EQ(f->nmsgs, 2);
	ATF_CHECK_EQ(uid_of(f, "1.a.host"), 1);
	ATF_CHECK_EQ(uid_of(f, "2.b.host"), 2);
	done(st, f);
	/* And the rebuilt list is good. */
	f = inbox(&st, "md", 0);
	ATF_CHECK_EQ(uid_of(f, "2.b.host"), 2);
	done(st, f);
}

ATF_TC_WITHOUT_HEAD(corrupt_list);
ATF_TC_BODY(corrupt_list, tc)
{
	char	buf[256];

	mkmaildir("md");
	put("md", "new/1.a.host", "a\n");
	put("md", "new/2.b.host", "b\n");
	check_rebuild("\x01\x02 garbage\n");
	check_rebuild("");
	/* A sound header and a broken record. */
	snprintf(buf, sizeof(buf), "postern-uidlist 1 V%u N9\n1 T1 :1.a.host\n"
	    "x T1 :2.b.host\n", 4000000000U);
	check_rebuild(buf);
	/* UIDs out of order; a UID at or past UIDNEXT; no final newline. */
	check_rebuild("postern-uidlist 1 V5 N9\n2 T1 :1.a.host\n"
	    "1 T1 :2.b.host\n");
	check_rebuild("postern-uidlist 1 V5 N2\n1 T1 :1.a.host\n"
	    "2 T1 :2.b.host\n");
	check_rebuild("postern-uidlist 1 V5 N9\n1 T1 :1.a.host");
	check_rebuild("postern-uidlist 7 V5 N9\n");
}

/* Unknown fields are skipped: newer versions may add cached facts. */
ATF_TC_WITHOUT_HEAD(unknown_fields);
ATF_TC_BODY(unknown_fields, tc)
{
	struct store	*st;
	struct folder	*f;

	mkmaildir("md");
	put("md", "new/1.a.host", "a\n");
	put("md", "postern-uidlist",
	    "postern-uidlist 1 V77 N10 Xfuture\n7 T5 Qnew W2 :1.a.host\n");
	f = inbox(&st, "md", FOLDER_SIZES);
	ATF_CHECK_EQ(f->uidvalidity, 77);
	ATF_CHECK_EQ(f->uidnext, 10);
	ATF_REQUIRE_EQ(f->nmsgs, 1);
	ATF_CHECK_EQ(f->msgs[0]->uid, 7);
	ATF_CHECK_EQ(f->msgs[0]->time, 5);
	ATF_CHECK_EQ(f->msgs[0]->vsize, 2);
	done(st, f);
}

ATF_TC_WITHOUT_HEAD(dovecot_v3);
ATF_TC_BODY(dovecot_v3, tc)
{
	struct store		*st;
	struct folder		*f;
	struct store_msg	*m;

	mkmaildir("md");
	put("md", "cur/1000.a.host:2,S", "aaa\n");
	put("md", "new/1001.b.host", "b\n");
	put("md", "new/1002.c.host", "c\n");
	put("md", "cur/1003.d.host,S=2,W=3:2,", "d\n");
	put("md", "dovecot-uidlist",
	    "3 V1234567 N50 G0123456789abcdef0123456789abcdef\n"
	    "10 W123 :1000.a.host\n"
	    "20 Plegacy-uidl-1 :1001.b.host\n"
	    "25 P :1003.d.host,S=2,W=3\n"
	    "30 :1999.gone.host\n");
	f = inbox(&st, "md", FOLDER_SIZES);
	ATF_CHECK_EQ(f->uidvalidity, 1234567);
	ATF_CHECK_EQ(f->uidnext, 51);
	ATF_REQUIRE_EQ(f->nmsgs, 4);
	m = folder_msg_by_uid(f, 10);
	ATF_REQUIRE(m != NULL);
	ATF_CHECK_STREQ(m->base, "1000.a.host");
	ATF_CHECK_EQ(m->vsize, 123);	/* Dovecot's word, not re-read */
	ATF_CHECK(m->pop3_uidl == NULL);
	m = folder_msg_by_uid(f, 20);
	ATF_REQUIRE(m != NULL);
	ATF_CHECK_STREQ(m->pop3_uidl, "legacy-uidl-1");
	m = folder_msg_by_uid(f, 25);
	ATF_REQUIRE(m != NULL);
	ATF_CHECK_STREQ(m->pop3_uidl, "1003.d.host,S=2,W=3");
	ATF_CHECK_EQ(m->vsize, 3);
	ATF_CHECK_EQ(uid_of(f, "1002.c.host"), 50);
	done(st, f);

	/* Ours is written now, and wins over Dovecot's from here on. */
	ATF_REQUIRE(get("md", "postern-uidlist") != NULL);
	put("md", "dovecot-uidlist", "3 V1 N2\n1 :1000.a.host\n");
	f = inbox(&st, "md", 0);
	ATF_CHECK_EQ(f->uidvalidity, 1234567);
	ATF_CHECK_EQ(uid_of(f, "1000.a.host"), 10);
	ATF_CHECK_STREQ(folder_msg_by_uid(f, 20)->pop3_uidl, "legacy-uidl-1");
	done(st, f);
}

ATF_TC_WITHOUT_HEAD(dovecot_v1);
ATF_TC_BODY(dovecot_v1, tc)
{
	struct store	*st;
	struct folder	*f;

	mkmaildir("md");
	put("md", "cur/1000.a.host:2,S", "a\n");
	put("md", "new/1001.b.host", "b\n");
	put("md", "dovecot-uidlist", "1 99 7\n3 1000.a.host:2,S\n"
	    "5 1001.b.host\n");
	f = inbox(&st, "md", 0);
	ATF_CHECK_EQ(f->uidvalidity, 99);
	ATF_CHECK_EQ(f->uidnext, 7);
	ATF_CHECK_EQ(uid_of(f, "1000.a.host"), 3);
	ATF_CHECK_EQ(uid_of(f, "1001.b.host"), 5);
	done(st, f);
}

/*
 * A Dovecot list we cannot read whole is not used, but its UIDVALIDITY
 * is known: ours must be larger.
 */
ATF_TC_WITHOUT_HEAD(dovecot_broken);
ATF_TC_BODY(dovecot_broken, tc)
{
	struct store	*st;
	struct folder	*f;

	mkmaildir("md");
	put("md", "new/1000.a.host", "a\n");
	put("md", "dovecot-uidlist", "3 V4000000000 N7\n3 :1000.a.host\n"
	    "2 :1001.b.host\n");
	f = inbox(&st, "md", 0);
	ATF_CHECK(f->uidvalidity > 4000000000U);
	ATF_CHECK_EQ(uid_of(f, "1000.a.host"), 1);
	done(st, f);
}

/* Sizes: from ,W= in the name, else computed once and cached. */
ATF_TC_WITHOUT_HEAD(size_cache);
ATF_TC_BODY(size_cache, tc)
{
	struct store	*st;
	struct folder	*f;
	char		*list;

	mkmaildir("md");
	put("md", "new/1.a.host", "line\nline\n");
	put("md", "new/2.b.host,S=5,W=77", "x\n");
	f = inbox(&st, "md", FOLDER_SIZES);
	ATF_CHECK_EQ(folder_msg_by_uid(f, 1)->vsize, 12);
	ATF_CHECK_EQ(folder_msg_by_uid(f, 2)->vsize, 77);
	done(st, f);
	list = get("md", "postern-uidlist");
	ATF_REQUIRE(list != NULL);
	ATF_CHECK(strstr(list, " W12 :1.a.host\n") != NULL);
	ATF_CHECK(strstr(list, " W77") == NULL);

	/* The cached value is used: the file is not read again. */
	put("md", "new/1.a.host", "a much longer line than before\n");
	f = inbox(&st, "md", FOLDER_SIZES);
	ATF_CHECK_EQ(folder_msg_by_uid(f, 1)->vsize, 12);
	done(st, f);
}

/* The delivery time is the file's mtime, kept in the list. */
ATF_TC_WITHOUT_HEAD(delivery_time);
ATF_TC_BODY(delivery_time, tc)
{
	struct store	*st;
	struct folder	*f;
	struct timeval	 tv[2] = { { 1000000000, 0 }, { 1000000000, 0 } };

	mkmaildir("md");
	put("md", "new/1500000000.a.host", "a\n");
	ATF_REQUIRE(utimes("md/new/1500000000.a.host", tv) == 0);
	f = inbox(&st, "md", 0);
	ATF_CHECK_EQ(f->msgs[0]->time, 1000000000);
	done(st, f);
	ATF_CHECK(strstr(get("md", "postern-uidlist"), " T1000000000 ") !=
	    NULL);
}

/* A file moved from new/ to cur/ while we read is one message. */
ATF_TC_WITHOUT_HEAD(same_base_twice);
ATF_TC_BODY(same_base_twice, tc)
{
	struct store	*st;
	struct folder	*f;

	mkmaildir("md");
	put("md", "new/1.a.host", "a\n");
	put("md", "cur/1.a.host:2,S", "a\n");
	f = inbox(&st, "md", 0);
	ATF_REQUIRE_EQ(f->nmsgs, 1);
	ATF_CHECK_EQ(f->msgs[0]->dir, STORE_DIR_CUR);
	ATF_CHECK_STREQ(f->msgs[0]->info, "2,S");
	done(st, f);
}

/* Hidden files and tmp/ are not messages; folders are `.Name'. */
ATF_TC_WITHOUT_HEAD(folders_and_ignored);
ATF_TC_BODY(folders_and_ignored, tc)
{
	struct store	*st;
	struct folder	*f;

	mkmaildir("md");
	mkmaildir("md/.Sent");
	put("md", "new/.hidden", "h\n");
	put("md", "tmp/1.partial.host", "p\n");
	put("md", ".Sent/cur/1.s.host:2,S", "s\n");
	f = inbox(&st, "md", 0);
	ATF_CHECK_EQ(f->nmsgs, 0);
	folder_close(f);
	f = folder_open(st, "Sent", 0);
	ATF_REQUIRE(f != NULL);
	ATF_CHECK_EQ(f->nmsgs, 1);
	folder_close(f);
	ATF_CHECK(folder_open(st, "Nope", 0) == NULL && errno == ENOENT);
	ATF_CHECK(folder_open(st, "../md", 0) == NULL && errno == EINVAL);
	ATF_CHECK(folder_open(st, ".Sent", 0) == NULL && errno == EINVAL);
	store_close(st);
}

/* New UIDs that cannot be saved fail the open; cached sizes need not. */
ATF_TC_WITHOUT_HEAD(write_failure);
ATF_TC_BODY(write_failure, tc)
{
	struct store	*st;
	struct folder	*f;

	mkmaildir("md");
	put("md", "new/1.a.host", "a\n");
	f = inbox(&st, "md", 0);
	done(st, f);
	/* The temp file's name is taken by a directory. */
	ATF_REQUIRE(mkdir("md/postern-uidlist.tmp", 0700) == 0);
	f = inbox(&st, "md", FOLDER_SIZES);
	ATF_CHECK_EQ(f->msgs[0]->vsize, 3);
	done(st, f);
	put("md", "new/2.b.host", "b\n");
	st = store_open("md");
	ATF_REQUIRE(st != NULL);
	ATF_CHECK(folder_open(st, "INBOX", 0) == NULL);
	store_close(st);
	ATF_REQUIRE(rmdir("md/postern-uidlist.tmp") == 0);
	f = inbox(&st, "md", 0);
	ATF_CHECK_EQ(uid_of(f, "2.b.host"), 2);
	done(st, f);
}

/* Sessions syncing at once: the lock makes each file get one UID. */
ATF_TC_WITHOUT_HEAD(concurrent_sync);
ATF_TC_BODY(concurrent_sync, tc)
{
	struct store	*st;
	struct folder	*f;
	char		 name[64];
	pid_t		 pid[6];
	int		 i, k, status;

	mkmaildir("md");
	for (k = 0; k < 6; k++) {
		ATF_REQUIRE((pid[k] = fork()) != -1);
		if (pid[k] != 0)
			continue;
		for (i = 0; i < 30; i++) {
			snprintf(name, sizeof(name), "new/%d.c%dn%d.host",
			    1000 + i, k, i);
			put("md", name, "x\n");
			if ((st = store_open("md")) == NULL)
				_exit(1);
			if ((f = folder_open(st, "INBOX", 0)) == NULL)
				_exit(1);
			folder_close(f);
			store_close(st);
		}
		_exit(0);
	}
	for (k = 0; k < 6; k++) {
		ATF_REQUIRE(waitpid(pid[k], &status, 0) == pid[k]);
		ATF_CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	}
	f = inbox(&st, "md", 0);
	ATF_CHECK_EQ(f->nmsgs, 180);
	ATF_CHECK_EQ(f->uidnext, 181);
	done(st, f);
}

/*
 * Another process renames a message's file over and over while we
 * sync: the message must never be taken for expunged (it would come
 * back with a new UID).
 */
ATF_TC_WITHOUT_HEAD(concurrent_rename);
ATF_TC_BODY(concurrent_rename, tc)
{
	struct store	*st;
	struct folder	*f;
	char		 name[64];
	pid_t		 pid;
	int		 i, status;

	mkmaildir("md");
	for (i = 0; i < 300; i++) {
		snprintf(name, sizeof(name), "cur/%d.other%d.host:2,", 100 + i,
		    i);
		put("md", name, "x\n");
	}
	put("md", "cur/1.busy.host:2,S", "b\n");
	f = inbox(&st, "md", 0);
	ATF_REQUIRE_EQ(uid_of(f, "1.busy.host"), 1);
	done(st, f);
	ATF_REQUIRE((pid = fork()) != -1);
	if (pid == 0) {
		for (;;) {
			(void)rename("md/cur/1.busy.host:2,S",
			    "md/cur/1.busy.host:2,FS");
			(void)rename("md/cur/1.busy.host:2,FS",
			    "md/cur/1.busy.host:2,S");
		}
	}
	for (i = 0; i < 200; i++) {
		f = inbox(&st, "md", 0);
		ATF_CHECK_EQ(f->uidnext, 302);
		ATF_CHECK(folder_msg_by_uid(f, 1) != NULL);
		done(st, f);
	}
	kill(pid, SIGKILL);
	ATF_REQUIRE(waitpid(pid, &status, 0) == pid);
}

/* Many messages: numbering and a warm reopen stay fast and right. */
ATF_TC_WITHOUT_HEAD(many);
ATF_TC_BODY(many, tc)
{
	struct store	*st;
	struct folder	*f;
	char		 name[64];
	int		 i, n = 20000;

	mkmaildir("md");
	for (i = 0; i < n; i++) {
		snprintf(name, sizeof(name), "new/%d.m%d.host", 1000000 + i, i);
		put("md", name, "x\n");
	}
	f = inbox(&st, "md", FOLDER_SIZES);
	ATF_REQUIRE_EQ(f->nmsgs, (size_t)n);
	for (i = 0; i < n; i++)
		ATF_REQUIRE_EQ(f->msgs[i]->uid, (uint32_t)i + 1);
	done(st, f);
	f = inbox(&st, "md", FOLDER_SIZES);
	ATF_REQUIRE_EQ(f->nmsgs, (size_t)n);
	ATF_CHECK_EQ(f->msgs[n - 1]->vsize, 3);
	ATF_CHECK_STREQ(f->msgs[n - 1]->base, "1019999.m19999.host");
	done(st, f);
}

/*
 * `-<uid> N<uidnext>' records: the expunge of that UID.  Read whole,
 * applied in order (a '+' record then its '-' one); a torn last one is
 * dropped like a torn '+' one; one that does not parse makes the list
 * corrupt; a handle given only new messages takes UIDNEXT from the N of
 * a last '-' line.
 */
ATF_TC_WITHOUT_HEAD(gone_records);
ATF_TC_BODY(gone_records, tc)
{
	struct store	*st;
	struct folder	*f;
	uint32_t	 uv, uid;

	mkmaildir("md");
	put("md", "cur/1.a.host:2,", "a\n");
	put("md", "cur/3.c.host:2,", "c\n");
	put("md", "postern-uidlist", "postern-uidlist 1 V77 N3\n"
	    "1 T1 :1.a.host\n2 T1 :2.b.host\n-2 N3\n+3 T1 :3.c.host\n"
	    "+4 T1 :4.d.host\n-4 N5\n");
	f = inbox(&st, "md", 0);
	ATF_CHECK_EQ(f->uidvalidity, 77);
	ATF_CHECK_EQ(f->uidnext, 5);
	ATF_REQUIRE_EQ(f->nmsgs, 2);
	ATF_CHECK_EQ(uid_of(f, "1.a.host"), 1);
	ATF_CHECK_EQ(uid_of(f, "3.c.host"), 3);
	done(st, f);

	/* APPEND after a '-' line: the next UID is N's. */
	ATF_REQUIRE(st = store_open("md"));
	ATF_REQUIRE(store_append(st, "INBOX", "e\n", 2, 0, NULL, 0, 0, &uv,
	    &uid) == 0);
	ATF_CHECK_EQ(uid, 5);
	store_close(st);

	/* A torn last '-' line: the rest stands. */
	put("md", "postern-uidlist", "postern-uidlist 1 V77 N3\n"
	    "1 T1 :1.a.host\n-2 N");
	f = inbox(&st, "md", 0);
	ATF_CHECK_EQ(f->uidvalidity, 77);
	ATF_CHECK_EQ(uid_of(f, "1.a.host"), 1);
	done(st, f);

	/* A '-' line that does not parse: a new UIDVALIDITY. */
	put("md", "postern-uidlist", "postern-uidlist 1 V77 N3\n"
	    "1 T1 :1.a.host\n-x N3\n");
	f = inbox(&st, "md", 0);
	ATF_CHECK(f->uidvalidity > 77);
	done(st, f);
}

/* This handle's EXPUNGE adds '-' records, until they are many. */
ATF_TC_WITHOUT_HEAD(gone_appended);
ATF_TC_BODY(gone_appended, tc)
{
	struct store	*st;
	struct folder	*f, *g;
	struct stat	 sb1, sb2;
	char		 name[64];
	uint32_t	 uid;
	int		 i;

	mkmaildir("md");
	for (i = 1; i <= 300; i++) {
		snprintf(name, sizeof(name), "cur/%d.m.host:2,", 1000 + i);
		put("md", name, "m\n");
	}
	f = inbox(&st, "md", 0);
	ATF_REQUIRE_EQ(f->nmsgs, 300);
	/* A selected folder's handle: it knows its own removals. */
	ATF_REQUIRE(folder_watch(f) != -1);
	ATF_REQUIRE(folder_sync(f, 0) == 0);
	ATF_REQUIRE(stat("md/postern-uidlist", &sb1) == 0);
	uid = 7;
	ATF_REQUIRE_EQ(folder_expunge(f, &uid, 1, 0), 1);
	ATF_REQUIRE(folder_sync(f, 0) == 0);
	ATF_CHECK_EQ(f->nmsgs, 299);
	ATF_REQUIRE(stat("md/postern-uidlist", &sb2) == 0);
	ATF_CHECK_EQ(sb1.st_ino, sb2.st_ino);
	ATF_CHECK(strstr(get("md", "postern-uidlist"), "\n-7 N301\n") !=
	    NULL);

	/* Another handle agrees, and so does a light one's UIDNEXT. */
	g = folder_open(st, "INBOX", 0);
	ATF_REQUIRE(g != NULL);
	ATF_CHECK_EQ(g->nmsgs, 299);
	ATF_CHECK(folder_msg_by_uid(g, 7) == NULL);
	ATF_CHECK_EQ(g->uidnext, 301);
	folder_close(g);

	/* Past 256 + 1/8 of the messages, the list is written whole. */
	while (f->nmsgs > 0) {
		uid = f->msgs[0]->uid;
		ATF_REQUIRE_EQ(folder_expunge(f, &uid, 1, 0), 1);
		ATF_REQUIRE(folder_sync(f, 0) == 0);
	}
	ATF_CHECK_EQ(f->nmsgs, 0);
	ATF_REQUIRE(stat("md/postern-uidlist", &sb2) == 0);
	ATF_CHECK(sb1.st_ino != sb2.st_ino);
	ATF_CHECK(strlen(get("md", "postern-uidlist")) < 4096);
	done(st, f);
	f = inbox(&st, "md", 0);
	ATF_CHECK_EQ(f->nmsgs, 0);
	ATF_CHECK_EQ(f->uidnext, 301);
	done(st, f);
}

ATF_TP_ADD_TCS(tp)
{
	ATF_TP_ADD_TC(tp, create_and_reload);
	ATF_TP_ADD_TC(tp, new_messages_ordered);
	ATF_TP_ADD_TC(tp, uid_never_reused);
	ATF_TP_ADD_TC(tp, corrupt_list);
	ATF_TP_ADD_TC(tp, unknown_fields);
	ATF_TP_ADD_TC(tp, dovecot_v3);
	ATF_TP_ADD_TC(tp, dovecot_v1);
	ATF_TP_ADD_TC(tp, dovecot_broken);
	ATF_TP_ADD_TC(tp, size_cache);
	ATF_TP_ADD_TC(tp, delivery_time);
	ATF_TP_ADD_TC(tp, same_base_twice);
	ATF_TP_ADD_TC(tp, folders_and_ignored);
	ATF_TP_ADD_TC(tp, write_failure);
	ATF_TP_ADD_TC(tp, concurrent_sync);
	ATF_TP_ADD_TC(tp, concurrent_rename);
	ATF_TP_ADD_TC(tp, many);
	ATF_TP_ADD_TC(tp, gone_records);
	ATF_TP_ADD_TC(tp, gone_appended);
	return atf_no_error();
}
