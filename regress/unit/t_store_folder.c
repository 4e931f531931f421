/*
 * Unit tests for the folder tree of store/ (names.c, folder.c,
 * subs.c): names, LIST attributes, CREATE with parents, DELETE with
 * and without inferiors, RENAME of folders with children and of
 * INBOX, subscriptions in Dovecot's file, the special-use folders,
 * STATUS, and what a crash in CREATE or DELETE leaves.
 */
#include <sys/types.h>
#include <sys/stat.h>
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
#include "store_local.h"

static const char	*crash_at;

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

static char *
slurp(const char *path)
{
	static char	buf[65536];
	ssize_t		n;
	int		fd;

	if ((fd = open(path, O_RDONLY)) == -1)
		return NULL;
	n = read(fd, buf, sizeof(buf) - 1);
	ATF_REQUIRE(n >= 0);
	buf[n] = '\0';
	close(fd);
	return buf;
}

static int
isdir(const char *path)
{
	struct stat	sb;

	return stat(path, &sb) == 0 && S_ISDIR(sb.st_mode);
}

static struct store *
open_md(void)
{
	struct store	*st;

	mkmaildir("md");
	st = store_open("md");
	ATF_REQUIRE(st != NULL);
	return st;
}

/* The attributes LIST gives a name, or -1 when it is not listed. */
static int
attrs_of(struct store *st, const char *name)
{
	struct store_list	l;
	size_t			i;
	int			a = -1;

	ATF_REQUIRE(store_folder_list(st, &l) == 0);
	for (i = 0; i < l.n; i++)
		if (strcmp(l.ents[i].name, name) == 0)
			a = (int)l.ents[i].attrs;
	store_list_free(&l);
	return a;
}

static void
crash_hook(const char *point)
{
	if (crash_at != NULL && strcmp(point, crash_at) == 0)
		raise(SIGKILL);
}

ATF_TC_WITHOUT_HEAD(names);
ATF_TC_BODY(names, tc)
{
	char	 buf[STORE_NAME_MAX + 1], big[400];
	const char *good[] = { "INBOX", "inbox", "Work", "Work.2024",
	    "a b", "&AOk-t&AOk-", "&-", "x&-y", "~home", "A.B.C.D" };
	const char *bad[] = { "", ".", ".x", "x.", "a..b", "a/b", "*",
	    "a%", "a\tb", "caf\xc3\xa9", "&", "&AOk", "&AO-", "&Ok-",
	    "a.&-.", "x\177" };
	size_t	 i;

	for (i = 0; i < sizeof(good) / sizeof(good[0]); i++)
		ATF_CHECK_MSG(store_name_check(good[i]) == 0, "%s", good[i]);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		errno = 0;
		ATF_CHECK_MSG(store_name_check(bad[i]) == -1 &&
		    errno == EINVAL, "\"%s\"", bad[i]);
	}
	memset(big, 'a', sizeof(big));
	big[STORE_LEVEL_MAX + 1] = '\0';
	ATF_CHECK(store_name_check(big) == -1 && errno == ENAMETOOLONG);
	big[STORE_LEVEL_MAX] = '\0';
	ATF_CHECK(store_name_check(big) == 0);
	memset(big, 'a', sizeof(big));
	for (i = 0; i < sizeof(big) - 1; i += 10)
		big[i] = i > 0 ? '.' : 'a';
	big[sizeof(big) - 1] = '\0';
	ATF_CHECK(store_name_check(big) == -1 && errno == ENAMETOOLONG);

	ATF_CHECK(store_name_is_inbox("InBoX"));
	ATF_CHECK(!store_name_is_inbox("INBOX.x"));
	ATF_REQUIRE(store_name_norm("inBox.Sub", buf, sizeof(buf)) == 0);
	ATF_CHECK_STREQ(buf, "INBOX.Sub");
	ATF_REQUIRE(store_name_norm("Inboxes", buf, sizeof(buf)) == 0);
	ATF_CHECK_STREQ(buf, "Inboxes");
}

ATF_TC_WITHOUT_HEAD(create_list);
ATF_TC_BODY(create_list, tc)
{
	struct store		*st = open_md();
	struct store_list	 l;
	int			 a;

	ATF_REQUIRE(store_folder_create(st, "Work") == 0);
	ATF_CHECK(isdir("md/.Work/cur") && isdir("md/.Work/new") &&
	    isdir("md/.Work/tmp"));
	ATF_CHECK(access("md/.Work/maildirfolder", F_OK) == 0);
	ATF_CHECK(store_folder_create(st, "Work") == -1 && errno == EEXIST);
	ATF_CHECK(store_folder_create(st, "inbox") == -1 && errno == EEXIST);
	ATF_CHECK(store_folder_create(st, "a..b") == -1 && errno == EINVAL);

	/* Parents are made as real folders. */
	ATF_REQUIRE(store_folder_create(st, "a.b.c") == 0);
	ATF_CHECK(isdir("md/.a/cur") && isdir("md/.a.b/cur") &&
	    isdir("md/.a.b.c/cur"));
	ATF_REQUIRE(store_folder_create(st, "Work.2024") == 0);
	ATF_REQUIRE(store_folder_create(st, "inbox.kid") == 0);
	ATF_CHECK(isdir("md/.INBOX.kid/cur"));
	ATF_CHECK_EQ(store_folder_exists(st, "INBOX.kid"), 1);
	ATF_CHECK_EQ(store_folder_exists(st, "Nope"), 0);
	ATF_CHECK_EQ(store_folder_exists(st, "inbox"), 1);

	ATF_REQUIRE(store_folder_list(st, &l) == 0);
	ATF_REQUIRE(l.n == 7);
	ATF_CHECK_STREQ(l.ents[0].name, "INBOX");
	ATF_CHECK_STREQ(l.ents[1].name, "INBOX.kid");
	ATF_CHECK_STREQ(l.ents[2].name, "Work");
	ATF_CHECK_STREQ(l.ents[3].name, "Work.2024");
	ATF_CHECK_STREQ(l.ents[4].name, "a");
	store_list_free(&l);

	ATF_CHECK_EQ(attrs_of(st, "INBOX"), STORE_LA_HASCHILDREN);
	ATF_CHECK_EQ(attrs_of(st, "Work"), STORE_LA_HASCHILDREN);
	ATF_CHECK_EQ(attrs_of(st, "Work.2024"), STORE_LA_HASNOCHILDREN);
	ATF_CHECK_EQ(attrs_of(st, "a.b"), STORE_LA_HASCHILDREN);

	/* A folder made by another program without its parent. */
	ATF_REQUIRE(mkdir("md/.X.Y", 0700) == 0);
	a = attrs_of(st, "X");
	ATF_CHECK_EQ(a, STORE_LA_NOSELECT | STORE_LA_NONEXISTENT |
	    STORE_LA_HASCHILDREN);
	ATF_CHECK_EQ(attrs_of(st, "X.Y"), STORE_LA_HASNOCHILDREN);
	/* Files, dot dirs of ours and bad names are not folders. */
	put("md/.notadir", "x");
	ATF_REQUIRE(mkdir("md/..postern-new.1.2", 0700) == 0);
	ATF_REQUIRE(mkdir("md/.a..b", 0700) == 0);
	ATF_CHECK_EQ(attrs_of(st, "notadir"), -1);
	ATF_CHECK_EQ(attrs_of(st, ".postern-new.1.2"), -1);
	ATF_CHECK_EQ(attrs_of(st, "a..b"), -1);
	store_close(st);
}

static void
deliver(const char *dir, const char *name, const char *body)
{
	char	p[512];

	snprintf(p, sizeof(p), "%s/%s", dir, name);
	put(p, body);
}

ATF_TC_WITHOUT_HEAD(delete);
ATF_TC_BODY(delete, tc)
{
	struct store	*st = open_md();
	struct folder	*f;

	ATF_REQUIRE(store_folder_create(st, "A.B") == 0);
	ATF_REQUIRE(store_folder_create(st, "C") == 0);
	deliver("md/.A/new", "1.x.host", "a\n");
	deliver("md/.C/cur", "1.y.host:2,S", "c\n");
	ATF_REQUIRE(store_subscribe(st, "C") == 0);

	ATF_REQUIRE(store_folder_delete(st, "C") == 0);
	ATF_CHECK(!isdir("md/.C"));
	ATF_CHECK_EQ(attrs_of(st, "C"), STORE_LA_SUBSCRIBED |
	    STORE_LA_SUBONLY | STORE_LA_NONEXISTENT | STORE_LA_HASNOCHILDREN);

	/* Inferiors stay; the name becomes \Noselect. */
	ATF_REQUIRE(store_folder_delete(st, "A") == 0);
	ATF_CHECK(!isdir("md/.A"));
	ATF_CHECK(isdir("md/.A.B/cur"));
	ATF_CHECK_EQ(attrs_of(st, "A"), STORE_LA_NOSELECT |
	    STORE_LA_NONEXISTENT | STORE_LA_HASCHILDREN);
	errno = 0;
	ATF_CHECK(folder_open(st, "A", 0) == NULL && errno == ENOENT);
	ATF_CHECK(store_folder_delete(st, "A") == -1 && errno == ENOENT);
	ATF_CHECK(store_folder_delete(st, "Nope") == -1 && errno == ENOENT);
	ATF_CHECK(store_folder_delete(st, "inbox") == -1 && errno == EPERM);
	ATF_CHECK(store_folder_delete(st, "a/b") == -1 && errno == EINVAL);

	/* Made again, it is a new folder with a larger UIDVALIDITY. */
	ATF_REQUIRE(store_folder_create(st, "C") == 0);
	f = folder_open(st, "C", 0);
	ATF_REQUIRE(f != NULL);
	ATF_CHECK_EQ(f->nmsgs, 0);
	folder_close(f);
	store_close(st);
}

ATF_TC_WITHOUT_HEAD(uidvalidity_fresh);
ATF_TC_BODY(uidvalidity_fresh, tc)
{
	struct store	*st = open_md();
	struct folder	*f;
	uint32_t	 uv[4];
	int		 i;

	/* Delete and create within one second, several times. */
	for (i = 0; i < 4; i++) {
		ATF_REQUIRE(store_folder_create(st, "T") == 0);
		f = folder_open(st, "T", 0);
		ATF_REQUIRE(f != NULL);
		uv[i] = f->uidvalidity;
		folder_close(f);
		ATF_REQUIRE(store_folder_delete(st, "T") == 0);
		if (i > 0)
			ATF_CHECK_MSG(uv[i] > uv[i - 1], "%u after %u",
			    uv[i], uv[i - 1]);
	}
	store_close(st);
}

static char *
content_of(struct folder *f, struct store_msg *m)
{
	static char	buf[256];
	ssize_t		n;
	int		fd;

	fd = store_msg_open(f, m);
	ATF_REQUIRE(fd != -1);
	n = read(fd, buf, sizeof(buf) - 1);
	ATF_REQUIRE(n >= 0);
	buf[n] = '\0';
	close(fd);
	return buf;
}

ATF_TC_WITHOUT_HEAD(rename_tree);
ATF_TC_BODY(rename_tree, tc)
{
	struct store	*st = open_md();
	struct folder	*f;
	char		**subs;
	size_t		 nsubs, i;
	uint32_t	 uv;
	int		 found = 0;

	ATF_REQUIRE(store_folder_create(st, "A.B.C") == 0);
	deliver("md/.A/cur", "1.a.host:2,S", "in A\n");
	deliver("md/.A.B/new", "1.b.host", "in A.B\n");
	f = folder_open(st, "A", 0);
	ATF_REQUIRE(f != NULL && f->nmsgs == 1);
	uv = f->uidvalidity;
	folder_close(f);
	ATF_REQUIRE(store_subscribe(st, "A.B") == 0);
	ATF_REQUIRE(store_subscribe(st, "Other") == 0);

	ATF_CHECK(store_folder_rename(st, "A", "A.X") == -1 &&
	    errno == EINVAL);
	ATF_CHECK(store_folder_rename(st, "Nope", "Z") == -1 &&
	    errno == ENOENT);
	ATF_REQUIRE(store_folder_create(st, "Taken") == 0);
	ATF_CHECK(store_folder_rename(st, "A", "Taken") == -1 &&
	    errno == EEXIST);
	ATF_CHECK(store_folder_rename(st, "A", "INBOX") == -1 &&
	    errno == EEXIST);
	ATF_CHECK(isdir("md/.A.B.C"));

	ATF_REQUIRE(store_folder_rename(st, "A", "New.Place") == 0);
	ATF_CHECK(!isdir("md/.A") && !isdir("md/.A.B") && !isdir("md/.A.B.C"));
	ATF_CHECK(isdir("md/.New") && isdir("md/.New.Place/cur") &&
	    isdir("md/.New.Place.B/new") && isdir("md/.New.Place.B.C"));
	f = folder_open(st, "New.Place", 0);
	ATF_REQUIRE(f != NULL && f->nmsgs == 1);
	ATF_CHECK_EQ(f->uidvalidity, uv);
	ATF_CHECK_STREQ(content_of(f, f->msgs[0]), "in A\n");
	folder_close(f);
	ATF_REQUIRE(store_subscriptions(st, &subs, &nsubs) == 0);
	for (i = 0; i < nsubs; i++) {
		ATF_CHECK(strcmp(subs[i], "A.B") != 0);
		if (strcmp(subs[i], "New.Place.B") == 0)
			found++;
		if (strcmp(subs[i], "Other") == 0)
			found++;
	}
	ATF_CHECK_EQ(found, 2);
	store_strv_free(subs, nsubs);

	/* A \Noselect parent takes its inferiors along. */
	ATF_REQUIRE(store_folder_delete(st, "New") == 0);
	ATF_REQUIRE(store_folder_rename(st, "New", "Old") == 0);
	ATF_CHECK(isdir("md/.Old.Place.B.C") && !isdir("md/.New.Place"));
	ATF_CHECK_EQ(attrs_of(st, "Old"), STORE_LA_NOSELECT |
	    STORE_LA_NONEXISTENT | STORE_LA_HASCHILDREN);
	store_close(st);
}

ATF_TC_WITHOUT_HEAD(rename_inbox);
ATF_TC_BODY(rename_inbox, tc)
{
	struct store	*st = open_md();
	struct folder	*f;
	uint32_t	 uv, next;
	size_t		 i;
	int		 seen[3] = { 0, 0, 0 };
	char		*c;

	deliver("md/new", "1.a.host", "m0\n");
	deliver("md/new", "2.b.host", "m1\n");
	deliver("md/cur", "3.c.host:2,FS", "m2\n");
	ATF_REQUIRE(store_folder_create(st, "INBOX.kid") == 0);
	f = folder_open(st, "INBOX", 0);
	ATF_REQUIRE(f != NULL && f->nmsgs == 3);
	uv = f->uidvalidity;
	next = f->uidnext;
	folder_close(f);

	ATF_CHECK(store_folder_rename(st, "INBOX", "INBOX.kid") == -1 &&
	    errno == EEXIST);
	ATF_REQUIRE(store_folder_rename(st, "inbox", "Old") == 0);
	f = folder_open(st, "INBOX", 0);
	ATF_REQUIRE(f != NULL);
	ATF_CHECK_EQ(f->nmsgs, 0);
	ATF_CHECK_EQ(f->uidvalidity, uv);
	ATF_CHECK(f->uidnext >= next);
	folder_close(f);
	ATF_CHECK(isdir("md/.INBOX.kid/cur"));
	f = folder_open(st, "Old", 0);
	ATF_REQUIRE(f != NULL);
	ATF_REQUIRE_EQ(f->nmsgs, 3);
	for (i = 0; i < f->nmsgs; i++) {
		c = content_of(f, f->msgs[i]);
		ATF_REQUIRE(c[0] == 'm' && c[1] >= '0' && c[1] <= '2');
		seen[c[1] - '0']++;
		if (c[1] == '2')
			ATF_CHECK(f->msgs[i]->flags ==
			    (STORE_F_FLAGGED | STORE_F_SEEN));
	}
	ATF_CHECK(seen[0] == 1 && seen[1] == 1 && seen[2] == 1);
	folder_close(f);
	store_close(st);
}

ATF_TC_WITHOUT_HEAD(subscriptions);
ATF_TC_BODY(subscriptions, tc)
{
	struct store	*st = open_md();
	char		**v;
	size_t		 n;

	ATF_REQUIRE(store_subscriptions(st, &v, &n) == 0);
	ATF_CHECK_EQ(n, 0);
	store_strv_free(v, n);
	ATF_REQUIRE(store_subscribe(st, "inbox") == 0);
	ATF_REQUIRE(store_subscribe(st, "Work.2024") == 0);
	ATF_REQUIRE(store_subscribe(st, "Work.2024") == 0);
	ATF_REQUIRE(store_subscribe(st, "Nowhere") == 0);
	ATF_CHECK(store_subscribe(st, "bad..name") == -1 && errno == EINVAL);
	/* Dovecot's version 2: separators as tabs. */
	ATF_CHECK_STREQ(slurp("md/subscriptions"),
	    "V\t2\n\nINBOX\nWork\t2024\nNowhere\n");
	ATF_REQUIRE(store_unsubscribe(st, "Nowhere") == 0);
	ATF_REQUIRE(store_unsubscribe(st, "Never") == 0);
	ATF_REQUIRE(store_subscriptions(st, &v, &n) == 0);
	ATF_REQUIRE_EQ(n, 2);
	ATF_CHECK_STREQ(v[0], "INBOX");
	ATF_CHECK_STREQ(v[1], "Work.2024");
	store_strv_free(v, n);
	ATF_CHECK_EQ(attrs_of(st, "INBOX"), STORE_LA_SUBSCRIBED |
	    STORE_LA_HASNOCHILDREN);
	ATF_CHECK_EQ(attrs_of(st, "Work.2024"), STORE_LA_SUBSCRIBED |
	    STORE_LA_SUBONLY | STORE_LA_NONEXISTENT | STORE_LA_HASNOCHILDREN);

	/* Version 1 (older Dovecot, Courier) and escapes are read. */
	put("md/subscriptions", "INBOX\nA.B\n\nTrash\n");
	ATF_REQUIRE(store_subscriptions(st, &v, &n) == 0);
	ATF_REQUIRE_EQ(n, 3);
	ATF_CHECK_STREQ(v[1], "A.B");
	store_strv_free(v, n);
	put("md/subscriptions", "V\t2\n\nA\tB\nx\001ty\n");
	ATF_REQUIRE(store_subscriptions(st, &v, &n) == 0);
	ATF_REQUIRE_EQ(n, 2);
	ATF_CHECK_STREQ(v[0], "A.B");
	ATF_CHECK_STREQ(v[1], "x\ty");
	store_strv_free(v, n);
	/* A bad name from elsewhere does not break LIST. */
	ATF_CHECK_EQ(attrs_of(st, "x\ty"), -1);

	/* Several at once: the new ones added in order, one write. */
	{
		const char	*list[] = { "A.B", "Sent", "inbox", "Sent" };
		const char	*bad[] = { "Ok", "bad..name" };
		struct stat	 sb1, sb2;

		put("md/subscriptions", "V\t2\n\nA\tB\n");
		ATF_REQUIRE(store_subscribe_list(st, list, 4) == 0);
		ATF_CHECK_STREQ(slurp("md/subscriptions"),
		    "V\t2\n\nA\tB\nSent\nINBOX\n");
		/* Nothing new: the file is not written again. */
		ATF_REQUIRE(stat("md/subscriptions", &sb1) == 0);
		ATF_REQUIRE(store_subscribe_list(st, list, 4) == 0);
		ATF_REQUIRE(stat("md/subscriptions", &sb2) == 0);
		ATF_CHECK_EQ(sb1.st_ino, sb2.st_ino);
		/* One bad name refuses the whole list. */
		ATF_CHECK(store_subscribe_list(st, bad, 2) == -1 &&
		    errno == EINVAL);
		ATF_CHECK_STREQ(slurp("md/subscriptions"),
		    "V\t2\n\nA\tB\nSent\nINBOX\n");
	}
	store_close(st);
}

ATF_TC_WITHOUT_HEAD(special_use);
ATF_TC_BODY(special_use, tc)
{
	struct store	*st = open_md();
	char		**v;
	size_t		 n;

	ATF_CHECK_EQ(store_special_use("Trash"), STORE_LA_TRASH);
	ATF_CHECK_EQ(store_special_use("trash"), 0);
	ATF_CHECK_EQ(store_special_use("INBOX"), 0);
	ATF_REQUIRE(mkdir("md/..postern-deleted.9.9", 0700) == 0);
	ATF_REQUIRE(mkdir("md/..postern-deleted.9.9/cur", 0700) == 0);
	put("md/..postern-deleted.9.9/cur/x", "x\n");
	ATF_REQUIRE(store_special_init(st) == 0);
	ATF_CHECK(!isdir("md/..postern-deleted.9.9"));
	ATF_CHECK(isdir("md/.Drafts/cur") && isdir("md/.Sent/cur") &&
	    isdir("md/.Trash/cur") && isdir("md/.Junk/cur") &&
	    isdir("md/.Archive/cur"));
	ATF_CHECK_EQ(attrs_of(st, "Drafts"), STORE_LA_DRAFTS |
	    STORE_LA_SUBSCRIBED | STORE_LA_HASNOCHILDREN);
	ATF_CHECK_EQ(attrs_of(st, "Sent"), STORE_LA_SENT |
	    STORE_LA_SUBSCRIBED | STORE_LA_HASNOCHILDREN);
	ATF_CHECK_EQ(attrs_of(st, "Trash"), STORE_LA_TRASH |
	    STORE_LA_SUBSCRIBED | STORE_LA_HASNOCHILDREN);
	ATF_CHECK_EQ(attrs_of(st, "Junk") & STORE_LA_SPECIAL, STORE_LA_JUNK);
	ATF_CHECK_EQ(attrs_of(st, "Archive") & STORE_LA_SPECIAL,
	    STORE_LA_ARCHIVE);
	ATF_REQUIRE(store_subscriptions(st, &v, &n) == 0);
	ATF_CHECK_EQ(n, 6);
	ATF_CHECK_STREQ(v[0], "INBOX");
	store_strv_free(v, n);

	/* The user's unsubscribe stays; a deleted one comes back. */
	ATF_REQUIRE(store_unsubscribe(st, "Junk") == 0);
	ATF_REQUIRE(store_folder_delete(st, "Trash") == 0);
	ATF_REQUIRE(store_special_init(st) == 0);
	ATF_CHECK(isdir("md/.Trash/cur"));
	ATF_CHECK_EQ(attrs_of(st, "Junk") & STORE_LA_SUBSCRIBED, 0);
	ATF_REQUIRE(store_subscriptions(st, &v, &n) == 0);
	ATF_CHECK_EQ(n, 5);
	store_strv_free(v, n);
	store_close(st);
}

ATF_TC_WITHOUT_HEAD(status);
ATF_TC_BODY(status, tc)
{
	struct store		*st = open_md();
	struct store_status	 ss;
	struct folder		*f;

	ATF_REQUIRE(store_folder_create(st, "S") == 0);
	deliver("md/.S/new", "1.a.host", "a\nb\n");			/* 6 */
	deliver("md/.S/cur", "2.b.host:2,S", "abc\n");			/* 5 */
	deliver("md/.S/cur", "3.c.host:2,ST", "x\r\n");			/* 3 */
	deliver("md/.S/cur", "4.d.host,W=40:2,T", "y\n");		/* 40 */
	ATF_REQUIRE(store_folder_status(st, "S", STORE_STATUS_SIZE, &ss) ==
	    0);
	ATF_CHECK_EQ(ss.messages, 4);
	ATF_CHECK_EQ(ss.uidnext, 5);
	ATF_CHECK(ss.uidvalidity != 0);
	ATF_CHECK_EQ(ss.unseen, 2);
	ATF_CHECK_EQ(ss.deleted, 2);
	ATF_CHECK_EQ(ss.recent, 4);
	ATF_CHECK_EQ(ss.size, 6 + 5 + 3 + 40);

	/* A rev1 SELECT claims \Recent; STATUS then counts none. */
	f = folder_open(st, "S", FOLDER_RECENT);
	ATF_REQUIRE(f != NULL);
	folder_status(f, &ss);
	ATF_CHECK_EQ(ss.recent, 4);
	folder_close(f);
	ATF_REQUIRE(store_folder_status(st, "S", 0, &ss) == 0);
	ATF_CHECK_EQ(ss.recent, 0);
	ATF_CHECK_EQ(ss.messages, 4);

	ATF_CHECK(store_folder_status(st, "Nope", 0, &ss) == -1 &&
	    errno == ENOENT);
	ATF_REQUIRE(store_folder_create(st, "P.Q") == 0);
	ATF_REQUIRE(store_folder_delete(st, "P") == 0);
	ATF_CHECK(store_folder_status(st, "P", 0, &ss) == -1 &&
	    errno == ENOENT);
	store_close(st);
}

/* Run fn in a child that is killed at the named point. */
static void
crash_child(const char *point, void (*fn)(void))
{
	pid_t	pid;
	int	status;

	pid = fork();
	ATF_REQUIRE(pid != -1);
	if (pid == 0) {
		crash_at = point;
		store_crash_hook = crash_hook;
		fn();
		_exit(0);
	}
	ATF_REQUIRE(waitpid(pid, &status, 0) == pid);
	ATF_REQUIRE_MSG(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL,
	    "child for %s was not killed", point);
}

static void
do_create(void)
{
	struct store	*st = store_open("md");

	(void)store_folder_create(st, "Half");
}

static void
do_delete(void)
{
	struct store	*st = store_open("md");

	(void)store_folder_delete(st, "Gone");
}

ATF_TC_WITHOUT_HEAD(crash_create_delete);
ATF_TC_BODY(crash_create_delete, tc)
{
	struct store	*st = open_md();

	crash_child("create-built", do_create);
	ATF_CHECK(!isdir("md/.Half"));
	ATF_CHECK_EQ(attrs_of(st, "Half"), -1);
	ATF_REQUIRE(store_folder_create(st, "Half") == 0);

	ATF_REQUIRE(store_folder_create(st, "Gone") == 0);
	deliver("md/.Gone/new", "1.a.host", "a\n");
	crash_child("delete-hidden", do_delete);
	ATF_CHECK(!isdir("md/.Gone"));
	ATF_CHECK_EQ(attrs_of(st, "Gone"), -1);
	/* Both leftovers go at the next login. */
	ATF_REQUIRE(store_special_init(st) == 0);
	ATF_CHECK_EQ(system("ls -a md | grep -q postern-deleted"), 256);
	store_close(st);
}

ATF_TP_ADD_TCS(tp)
{
	ATF_TP_ADD_TC(tp, names);
	ATF_TP_ADD_TC(tp, create_list);
	ATF_TP_ADD_TC(tp, delete);
	ATF_TP_ADD_TC(tp, uidvalidity_fresh);
	ATF_TP_ADD_TC(tp, rename_tree);
	ATF_TP_ADD_TC(tp, rename_inbox);
	ATF_TP_ADD_TC(tp, subscriptions);
	ATF_TP_ADD_TC(tp, special_use);
	ATF_TP_ADD_TC(tp, status);
	ATF_TP_ADD_TC(tp, crash_create_delete);
	return atf_no_error();
}
