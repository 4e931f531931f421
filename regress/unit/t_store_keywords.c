/*
 * Unit tests for keywords (store/keywords.c: Dovecot's
 * dovecot-keywords, letters in file names, the limit of 26) and for
 * the \Recent watermark of the UID list (store/sync.c): a message is
 * \Recent in exactly one IMAP4rev1 session that selects the folder.
 */
#include <sys/types.h>
#include <sys/stat.h>

#include <atf-c.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "store.h"

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

/* The only file name in a directory. */
static char *
only_file(const char *dir)
{
	static char	 name[512];
	struct dirent	*de;
	DIR		*dp;
	int		 n = 0;

	dp = opendir(dir);
	ATF_REQUIRE(dp != NULL);
	while ((de = readdir(dp)) != NULL) {
		if (de->d_name[0] == '.')
			continue;
		strlcpy(name, de->d_name, sizeof(name));
		n++;
	}
	closedir(dp);
	ATF_REQUIRE_EQ(n, 1);
	return name;
}

static struct store *
open_md(void)
{
	struct store	*st;

	ATF_REQUIRE(store_create("md") == 0);
	st = store_open("md");
	ATF_REQUIRE(st != NULL);
	return st;
}

ATF_TC_WITHOUT_HEAD(keyword_names);
ATF_TC_BODY(keyword_names, tc)
{
	struct store	*st = open_md();
	struct folder	*f, *g;

	ATF_CHECK(store_keyword_ok("$Forwarded"));
	ATF_CHECK(store_keyword_ok("Work-1"));
	ATF_CHECK(!store_keyword_ok(""));
	ATF_CHECK(!store_keyword_ok("\\Seen"));
	ATF_CHECK(!store_keyword_ok("a b"));
	ATF_CHECK(!store_keyword_ok("a]"));
	ATF_CHECK(!store_keyword_ok("caf\xc3\xa9"));

	/* A file Dovecot wrote, with a line we cannot use. */
	put("md/dovecot-keywords", "0 $Junk\n3 Work\nx bad\n30 Far\n");
	put("md/cur/1.a.host:2,Sad", "a\n");
	f = folder_open(st, "INBOX", 0);
	ATF_REQUIRE(f != NULL);
	ATF_CHECK_STREQ(f->keywords[0], "$Junk");
	ATF_CHECK_STREQ(f->keywords[3], "Work");
	ATF_CHECK(f->keywords[1] == NULL && f->keywords[25] == NULL);
	ATF_CHECK(f->msgs[0]->flags == (STORE_F_SEEN | STORE_F_KEYWORD(0) |
	    STORE_F_KEYWORD(3)));
	ATF_CHECK_EQ(folder_keyword_find(f, "work"), 3);
	ATF_CHECK(folder_keyword_find(f, "Home") == -1 && errno == ENOENT);
	ATF_CHECK(folder_keyword_add(f, "bad name") == -1 && errno == EINVAL);
	ATF_CHECK_EQ(folder_keyword_add(f, "WORK"), 3);
	ATF_CHECK_EQ(folder_keyword_add(f, "Home"), 1);
	ATF_CHECK_STREQ(slurp("md/dovecot-keywords"),
	    "0 $Junk\n1 Home\n3 Work\n");

	/* Another handle sees the new name at its next sync. */
	g = folder_open(st, "INBOX", 0);
	ATF_REQUIRE(g != NULL);
	ATF_CHECK_EQ(folder_keyword_find(g, "home"), 1);
	ATF_CHECK_EQ(folder_keyword_add(f, "Third"), 2);
	ATF_REQUIRE(folder_sync(g, 0) == 0);
	ATF_CHECK_STREQ(g->keywords[2], "Third");

	/* Set by rename: the letter lands in the name. */
	ATF_REQUIRE(folder_set_flags(f, f->msgs[0]->uid, STORE_F_KEYWORD(1),
	    STORE_F_KEYWORD(0)) == 0);
	ATF_CHECK_STREQ(only_file("md/cur"), "1.a.host:2,Sbd");
	ATF_CHECK(folder_set_flags(f, 99, STORE_F_SEEN, 0) == -1 &&
	    errno == ENOENT);
	folder_close(g);
	folder_close(f);
	store_close(st);
}

ATF_TC_WITHOUT_HEAD(keyword_limit);
ATF_TC_BODY(keyword_limit, tc)
{
	struct store	*st = open_md();
	struct folder	*f;
	char		 kw[32];
	int		 i;

	f = folder_open(st, "INBOX", 0);
	ATF_REQUIRE(f != NULL);
	for (i = 0; i < STORE_KEYWORDS_MAX; i++) {
		snprintf(kw, sizeof(kw), "k%d", i);
		ATF_REQUIRE_EQ(folder_keyword_add(f, kw), i);
	}
	ATF_CHECK(folder_keyword_add(f, "one-too-many") == -1 &&
	    errno == ENOSPC);
	ATF_CHECK_EQ(folder_keyword_add(f, "K25"), 25);
	folder_close(f);

	/* APPEND with a 27th keyword appends nothing. */
	{
		char		*kws[] = { "k1", "new" };
		uint32_t	 uv, uid;

		ATF_CHECK(store_append(st, "INBOX", "x\n", 2, 0, kws, 2, 0,
		    &uv, &uid) == -1 && errno == ENOSPC);
		f = folder_open(st, "INBOX", 0);
		ATF_REQUIRE(f != NULL);
		ATF_CHECK_EQ(f->nmsgs, 0);
		folder_close(f);
		ATF_REQUIRE(store_append(st, "INBOX", "x\n", 2, 0, kws, 1, 0,
		    &uv, &uid) == 0);
		ATF_CHECK_EQ(uid, 1);
	}
	store_close(st);
}

static int
recent_count(struct folder *f)
{
	size_t	i;
	int	n = 0;

	for (i = 0; i < f->nmsgs; i++)
		n += f->msgs[i]->recent != 0;
	return n;
}

ATF_TC_WITHOUT_HEAD(recent_watermark);
ATF_TC_BODY(recent_watermark, tc)
{
	struct store		*st = open_md();
	struct folder		*a, *b, *c;
	struct folder_changes	 ch;
	struct store_status	 ss;

	put("md/new/1.a.host", "a\n");
	put("md/new/2.b.host", "b\n");
	/* EXAMINE (no FOLDER_RECENT) claims nothing. */
	c = folder_open(st, "INBOX", 0);
	ATF_REQUIRE(c != NULL);
	ATF_CHECK_EQ(recent_count(c), 0);
	folder_status(c, &ss);
	ATF_CHECK_EQ(ss.recent, 2);
	folder_close(c);

	a = folder_open(st, "INBOX", FOLDER_RECENT);
	ATF_REQUIRE(a != NULL);
	ATF_CHECK_EQ(recent_count(a), 2);
	b = folder_open(st, "INBOX", FOLDER_RECENT);
	ATF_REQUIRE(b != NULL);
	ATF_CHECK_EQ(recent_count(b), 0);

	/* New mail is \Recent to whichever session syncs first. */
	put("md/new/3.c.host", "c\n");
	ATF_REQUIRE(folder_sync_changes(b, 0, &ch) == 0);
	ATF_CHECK_EQ(ch.nadded, 1);
	folder_changes_free(&ch);
	ATF_CHECK_EQ(recent_count(b), 1);
	ATF_CHECK(folder_msg_by_uid(b, 3)->recent);
	ATF_REQUIRE(folder_sync_changes(a, 0, &ch) == 0);
	ATF_CHECK_EQ(ch.nadded, 1);
	folder_changes_free(&ch);
	ATF_CHECK_EQ(recent_count(a), 2);
	ATF_CHECK(!folder_msg_by_uid(a, 3)->recent);

	/* Its own \Recent survives another session's rewrite of the list. */
	put("md/new/4.d.host", "d\n");
	ATF_REQUIRE(folder_sync(b, 0) == 0);
	ATF_REQUIRE(folder_sync(a, FOLDER_FORCE) == 0);
	ATF_CHECK_EQ(recent_count(a), 2);
	ATF_CHECK(folder_msg_by_uid(a, 1)->recent &&
	    folder_msg_by_uid(a, 2)->recent);
	ATF_CHECK_EQ(recent_count(b), 2);
	folder_close(a);
	folder_close(b);

	/* A new session later: nothing is \Recent any more. */
	a = folder_open(st, "INBOX", FOLDER_RECENT);
	ATF_REQUIRE(a != NULL);
	ATF_CHECK_EQ(recent_count(a), 0);
	ATF_CHECK_EQ(a->nmsgs, 4);
	folder_close(a);
	/* b claimed the last one with the records it added (C, uidlist.c). */
	ATF_CHECK(strstr(slurp("md/postern-uidlist"), " C1 :4.d.host\n") !=
	    NULL);
	store_close(st);
}

ATF_TP_ADD_TCS(tp)
{
	ATF_TP_ADD_TC(tp, keyword_names);
	ATF_TP_ADD_TC(tp, keyword_limit);
	ATF_TP_ADD_TC(tp, recent_watermark);
	return atf_no_error();
}
