/*
 * Unit tests for change tracking of a selected folder (store/sync.c,
 * store/watch.c): another process delivers, renames and removes files
 * while a handle is open; folder_sync_changes() reports exactly the
 * UIDs that appeared, vanished and changed flags, and the inotify
 * descriptor becomes readable when something happened and only then;
 * the session's own renames and removals are not news and cost no
 * rescan; a delivery to new/ is added to the list without writing it
 * again; and others' renames, removals and appends are applied from the
 * events alone.
 */
#include <sys/types.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/wait.h>

#include <atf-c.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
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
	if (fd == -1 || write(fd, data, strlen(data)) !=
	    (ssize_t)strlen(data))
		_exit(9);
	close(fd);
}

static struct folder *
setup(struct store **st)
{
	struct folder	*f;

	ATF_REQUIRE(store_create("md") == 0);
	put("md/new/1.a.host", "a\n");
	put("md/cur/2.b.host:2,S", "b\n");
	put("md/cur/3.c.host:2,", "c\n");
	put("md/cur/4.d.host:2,F", "d\n");
	*st = store_open("md");
	ATF_REQUIRE(*st != NULL);
	f = folder_open(*st, "INBOX", FOLDER_SIZES);
	ATF_REQUIRE(f != NULL && f->nmsgs == 4);
	return f;
}

/*
 * setup()'s folder, watched and synced once, as a session has it once
 * its SELECT is done: what the watch reports from here on is news.
 */
static struct folder *
setup_watched(struct store **st, int flags)
{
	struct folder		*f;
	struct folder_changes	 ch;

	f = setup(st);
	ATF_REQUIRE(folder_watch(f) != -1);
	ATF_REQUIRE(folder_sync_changes(f, flags, &ch) == 0);
	folder_changes_free(&ch);
	return f;
}

/* What another process (the MTA, another session) does. */
static void
other(void (*fn)(void))
{
	pid_t	pid;
	int	status;

	pid = fork();
	ATF_REQUIRE(pid != -1);
	if (pid == 0) {
		fn();
		_exit(0);
	}
	ATF_REQUIRE(waitpid(pid, &status, 0) == pid);
	ATF_REQUIRE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
}

static void
mta_and_session(void)
{
	struct store	*st;
	struct folder	*f;

	put("md/new/5.e.host", "e\n");
	if (rename("md/cur/3.c.host:2,", "md/cur/3.c.host:2,RS") == -1 ||
	    unlink("md/cur/2.b.host:2,S") == -1)
		_exit(1);
	/* A session moving 1 from new/ to cur/ without a flag change. */
	if ((st = store_open("md")) == NULL ||
	    (f = folder_open(st, "INBOX", 0)) == NULL ||
	    folder_set_flags(f, 1, 0, 0) == -1)
		_exit(2);
	folder_close(f);
	store_close(st);
}

/* Another session's flag change: one rename in cur/. */
static void
other_rename(void)
{
	if (rename("md/cur/4.d.host:2,F", "md/cur/4.d.host:2,FS") == -1)
		_exit(1);
}

/* And back. */
static void
other_rename_back(void)
{
	if (rename("md/cur/4.d.host:2,FS", "md/cur/4.d.host:2,F") == -1)
		_exit(1);
}

static int
readable(int fd, int ms)
{
	struct pollfd	pfd;

	pfd.fd = fd;
	pfd.events = POLLIN;
	return poll(&pfd, 1, ms) == 1 && (pfd.revents & POLLIN);
}

ATF_TC_WITHOUT_HEAD(changes);
ATF_TC_BODY(changes, tc)
{
	struct store		*st;
	struct folder		*f;
	struct folder_changes	 ch;
	int			 wfd;

	f = setup(&st);
	wfd = folder_watch(f);
	ATF_REQUIRE(wfd != -1);
	ATF_CHECK_EQ(folder_watch(f), wfd);
	ATF_CHECK(!readable(wfd, 50));
	/*
	 * The files were just written: what happened before the watch
	 * only a scan can tell, and after it the watch says nothing new.
	 */
	ATF_REQUIRE(folder_sync_changes(f, 0, &ch) == 0);
	folder_changes_free(&ch);
	ATF_CHECK_EQ(folder_watch_read(f), 0);

	other(mta_and_session);
	ATF_CHECK(readable(wfd, 1000));
	ATF_CHECK_EQ(folder_watch_read(f), 1);
	ATF_CHECK(!readable(wfd, 0));
	ATF_REQUIRE(folder_sync_changes(f, 0, &ch) == 0);
	ATF_REQUIRE_EQ(ch.nadded, 1);
	ATF_CHECK_EQ(ch.added[0], 5);
	ATF_REQUIRE_EQ(ch.nexpunged, 1);
	ATF_CHECK_EQ(ch.expunged[0], 2);
	ATF_REQUIRE_EQ(ch.nflagged, 1);
	ATF_CHECK_EQ(ch.flagged[0], 3);
	ATF_CHECK(!ch.uidvalidity && !ch.keywords);
	folder_changes_free(&ch);
	ATF_CHECK(folder_msg_by_uid(f, 3)->flags ==
	    (STORE_F_ANSWERED | STORE_F_SEEN));
	ATF_CHECK_EQ(folder_msg_by_uid(f, 1)->dir, STORE_DIR_CUR);

	/* Nothing since: nothing reported. */
	ATF_REQUIRE(folder_sync_changes(f, FOLDER_FORCE, &ch) == 0);
	ATF_CHECK(ch.nadded == 0 && ch.nexpunged == 0 && ch.nflagged == 0);
	folder_changes_free(&ch);

	/* Our own flag change is in the table already. */
	ATF_REQUIRE(folder_set_flags(f, 4, STORE_F_DELETED, 0) == 0);
	ATF_REQUIRE(folder_sync_changes(f, 0, &ch) == 0);
	ATF_CHECK_EQ(ch.nflagged, 0);
	folder_changes_free(&ch);
	(void)folder_watch_read(f);
	folder_close(f);
	store_close(st);
}

static void
keywords_elsewhere(void)
{
	struct store	*st;
	struct folder	*f;
	int		 k;

	if ((st = store_open("md")) == NULL ||
	    (f = folder_open(st, "INBOX", 0)) == NULL ||
	    (k = folder_keyword_add(f, "Important")) == -1 ||
	    folder_set_flags(f, 4, STORE_F_KEYWORD(k), 0) == -1)
		_exit(1);
	folder_close(f);
	store_close(st);
}

ATF_TC_WITHOUT_HEAD(own_renames);
ATF_TC_BODY(own_renames, tc)
{
	struct store		*st;
	struct folder		*f;
	struct folder_changes	 ch;
	int			 i;

	f = setup_watched(&st, 0);
	ATF_CHECK_EQ(folder_watch_read(f), 0);

	/* Our flag changes, new/ to cur/ and within cur/, are not news. */
	ATF_REQUIRE(folder_set_flags(f, 1, STORE_F_SEEN, 0) == 0);
	ATF_REQUIRE(folder_set_flags(f, 3, STORE_F_FLAGGED, 0) == 0);
	ATF_CHECK_EQ(folder_watch_read(f), 0);
	ATF_CHECK_EQ(folder_msg_by_uid(f, 1)->dir, STORE_DIR_CUR);

	/* Another session's rename among ours is, until a sync scans. */
	ATF_REQUIRE(folder_set_flags(f, 3, 0, STORE_F_FLAGGED) == 0);
	other(other_rename);
	ATF_CHECK_EQ(folder_watch_read(f), 1);
	ATF_CHECK_EQ(folder_watch_read(f), 1);
	ATF_REQUIRE(folder_sync_changes(f, 0, &ch) == 0);
	ATF_REQUIRE_EQ(ch.nflagged, 1);
	ATF_CHECK_EQ(ch.flagged[0], 4);
	folder_changes_free(&ch);
	ATF_CHECK(folder_msg_by_uid(f, 4)->flags ==
	    (STORE_F_FLAGGED | STORE_F_SEEN));
	ATF_CHECK_EQ(folder_watch_read(f), 0);

	/* More renames than are remembered between drains: a rescan. */
	for (i = 0; i < 40; i++)
		ATF_REQUIRE(folder_set_flags(f, 2, i % 2 ? STORE_F_SEEN : 0,
		    i % 2 ? 0 : STORE_F_SEEN) == 0);
	ATF_CHECK_EQ(folder_watch_read(f), 1);
	ATF_REQUIRE(folder_sync_changes(f, 0, &ch) == 0);
	ATF_CHECK(ch.nadded == 0 && ch.nexpunged == 0 && ch.nflagged == 0);
	folder_changes_free(&ch);
	ATF_CHECK_EQ(f->nmsgs, 4);
	ATF_CHECK(folder_msg_by_uid(f, 2)->flags == STORE_F_SEEN);
	ATF_CHECK_EQ(folder_watch_read(f), 0);
	folder_close(f);
	store_close(st);
}

/* Another session's EXPUNGE: one file removed from cur/. */
static void
other_unlink(void)
{
	if (unlink("md/cur/4.d.host:2,F") == -1)
		_exit(1);
}

ATF_TC_WITHOUT_HEAD(own_expunge);
ATF_TC_BODY(own_expunge, tc)
{
	struct store		*st;
	struct folder		*f;
	struct folder_changes	 ch;
	uint32_t		 uids[2] = { 2, 3 };

	f = setup_watched(&st, 0);

	/* Our removals are not news, and the sync still reports them. */
	ATF_REQUIRE(folder_set_flags(f, 3, STORE_F_DELETED, 0) == 0);
	ATF_REQUIRE_EQ(folder_expunge(f, uids, 2, FOLDER_EXPUNGE_DELETED),
	    1);
	ATF_CHECK_EQ(folder_watch_read(f), 0);
	ATF_REQUIRE(folder_sync_changes(f, 0, &ch) == 0);
	ATF_REQUIRE_EQ(ch.nexpunged, 1);
	ATF_CHECK_EQ(ch.expunged[0], 3);
	ATF_CHECK(ch.nadded == 0 && ch.nflagged == 0);
	folder_changes_free(&ch);
	ATF_CHECK_EQ(f->nmsgs, 3);
	ATF_CHECK(folder_msg_by_uid(f, 3) == NULL);
	ATF_CHECK(folder_msg_by_uid(f, 2) != NULL);

	/* With another session's removal among ours: a rescan finds both. */
	ATF_REQUIRE(folder_set_flags(f, 2, STORE_F_DELETED, 0) == 0);
	ATF_REQUIRE_EQ(folder_expunge(f, uids, 1, FOLDER_EXPUNGE_DELETED),
	    1);
	other(other_unlink);
	ATF_CHECK_EQ(folder_watch_read(f), 1);
	ATF_REQUIRE(folder_sync_changes(f, 0, &ch) == 0);
	ATF_REQUIRE_EQ(ch.nexpunged, 2);
	ATF_CHECK_EQ(ch.expunged[0], 2);
	ATF_CHECK_EQ(ch.expunged[1], 4);
	folder_changes_free(&ch);
	ATF_CHECK_EQ(f->nmsgs, 1);
	ATF_CHECK_EQ(folder_watch_read(f), 0);
	folder_close(f);

	/* The list no longer names them: a fresh handle agrees. */
	f = folder_open(st, "INBOX", 0);
	ATF_REQUIRE(f != NULL);
	ATF_CHECK_EQ(f->nmsgs, 1);
	ATF_CHECK(folder_msg_by_uid(f, 1) != NULL);
	folder_close(f);
	store_close(st);
}

ATF_TC_WITHOUT_HEAD(keywords_and_uidvalidity);
ATF_TC_BODY(keywords_and_uidvalidity, tc)
{
	struct store		*st;
	struct folder		*f;
	struct folder_changes	 ch;

	f = setup(&st);
	other(keywords_elsewhere);
	ATF_REQUIRE(folder_sync_changes(f, 0, &ch) == 0);
	ATF_CHECK(ch.keywords);
	ATF_REQUIRE_EQ(ch.nflagged, 1);
	ATF_CHECK_EQ(ch.flagged[0], 4);
	folder_changes_free(&ch);
	ATF_CHECK_STREQ(f->keywords[0], "Important");

	/* The list is lost: every UID the client knows is void. */
	ATF_REQUIRE(unlink("md/postern-uidlist") == 0);
	ATF_REQUIRE(folder_sync_changes(f, 0, &ch) == 0);
	ATF_CHECK(ch.uidvalidity);
	folder_changes_free(&ch);
	folder_close(f);
	store_close(st);
}

/*
 * Directories untouched for a while are trusted without a rescan;
 * any change to them is still seen.
 */
ATF_TC_WITHOUT_HEAD(quiet_directories);
ATF_TC_BODY(quiet_directories, tc)
{
	struct store		*st;
	struct folder		*f;
	struct folder_changes	 ch;
	struct timeval		 old[2];

	f = setup(&st);
	old[0].tv_sec = old[1].tv_sec = time(NULL) - 3600;
	old[0].tv_usec = old[1].tv_usec = 0;
	ATF_REQUIRE(utimes("md/new", old) == 0);
	ATF_REQUIRE(utimes("md/cur", old) == 0);
	ATF_REQUIRE(folder_sync(f, FOLDER_FORCE) == 0);
	ATF_REQUIRE(folder_sync_changes(f, 0, &ch) == 0);
	ATF_CHECK(ch.nadded == 0 && ch.nexpunged == 0 && ch.nflagged == 0);
	folder_changes_free(&ch);
	put("md/new/9.z.host", "z\n");
	ATF_REQUIRE(folder_sync_changes(f, 0, &ch) == 0);
	ATF_CHECK_EQ(ch.nadded, 1);
	folder_changes_free(&ch);
	ATF_REQUIRE(utimes("md/cur", old) == 0);
	ATF_REQUIRE(utimes("md/new", old) == 0);
	ATF_REQUIRE(folder_sync(f, FOLDER_FORCE) == 0);
	ATF_REQUIRE(rename("md/cur/4.d.host:2,F", "md/cur/4.d.host:2,FS") ==
	    0);
	ATF_REQUIRE(folder_sync_changes(f, 0, &ch) == 0);
	ATF_CHECK_EQ(ch.nflagged, 1);
	folder_changes_free(&ch);
	folder_close(f);
	store_close(st);
}

/* The folder goes away under a selected handle. */
ATF_TC_WITHOUT_HEAD(folder_deleted);
ATF_TC_BODY(folder_deleted, tc)
{
	struct store		*st;
	struct folder		*f;
	struct folder_changes	 ch;
	int			 wfd;

	ATF_REQUIRE(store_create("md") == 0);
	st = store_open("md");
	ATF_REQUIRE(st != NULL);
	ATF_REQUIRE(store_folder_create(st, "X") == 0);
	put("md/.X/new/1.a.host", "a\n");
	f = folder_open(st, "X", 0);
	ATF_REQUIRE(f != NULL && f->nmsgs == 1);
	wfd = folder_watch(f);
	ATF_REQUIRE(wfd != -1);
	ATF_REQUIRE(store_folder_delete(st, "X") == 0);
	ATF_CHECK(readable(wfd, 1000));
	ATF_CHECK_EQ(folder_watch_read(f), 1);
	/* Either an error or every message expunged: never a crash. */
	if (folder_sync_changes(f, 0, &ch) == 0) {
		ATF_CHECK_EQ(ch.nexpunged, 1);
		folder_changes_free(&ch);
	}
	folder_close(f);
	store_close(st);
}

/* The MTA: one new message. */
static void
mta_deliver(void)
{
	put("md/new/6.f.host", "f\n");
}

/* A copy of a message in cur/ dropped into new/, and one new message. */
static void
mta_duplicate(void)
{
	if (link("md/cur/3.c.host:2,", "md/new/3.c.host") == -1)
		_exit(1);
	put("md/new/7.g.host", "g\n");
}

/* Many new messages at once, and again a copy of one in cur/. */
static void
mta_many(void)
{
	char	path[64];
	int	i;

	for (i = 0; i < 70; i++) {
		(void)snprintf(path, sizeof(path), "md/new/%d.m.host", 100 + i);
		put(path, "m\n");
	}
	if (link("md/cur/4.d.host:2,F", "md/new/4.d.host") == -1)
		_exit(1);
}

static size_t
recent_in(struct folder *f)
{
	size_t	i, n = 0;

	for (i = 0; i < f->nmsgs; i++)
		n += f->msgs[i]->recent != 0;
	return n;
}

ATF_TC_WITHOUT_HEAD(delivery);
ATF_TC_BODY(delivery, tc)
{
	struct store		*st;
	struct folder		*f, *g;
	struct folder_changes	 ch;
	struct stat		 before, after;
	char			 buf[8192], *tail;
	ssize_t			 n;
	int			 fd;

	f = setup_watched(&st, FOLDER_RECENT);
	ATF_REQUIRE(stat("md/postern-uidlist", &before) == 0);

	/*
	 * Only new/ changed: the new message is numbered and its record
	 * added to the list, which is not written again, with the \Recent
	 * claim of this handle.
	 */
	other(mta_deliver);
	ATF_CHECK_EQ(folder_watch_read(f), 1);
	ATF_REQUIRE(folder_sync_changes(f, FOLDER_RECENT, &ch) == 0);
	ATF_REQUIRE_EQ(ch.nadded, 1);
	ATF_CHECK_EQ(ch.added[0], 5);
	ATF_CHECK(ch.nexpunged == 0 && ch.nflagged == 0);
	folder_changes_free(&ch);
	ATF_CHECK(folder_msg_by_uid(f, 5) != NULL &&
	    folder_msg_by_uid(f, 5)->recent);
	ATF_CHECK_EQ(folder_watch_read(f), 0);
	ATF_REQUIRE(stat("md/postern-uidlist", &after) == 0);
	ATF_CHECK_EQ(before.st_ino, after.st_ino);
	fd = open("md/postern-uidlist", O_RDONLY);
	ATF_REQUIRE(fd != -1);
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	ATF_REQUIRE(n > 0);
	buf[n] = '\0';
	tail = strstr(buf, "\n+5 T");
	ATF_REQUIRE_MSG(tail != NULL, "%s", buf);
	ATF_CHECK_MSG(strstr(tail, " C1 :6.f.host\n") != NULL, "%s", buf);

	/* Another session agrees, and finds nothing \Recent left. */
	g = folder_open(st, "INBOX", FOLDER_RECENT);
	ATF_REQUIRE(g != NULL);
	ATF_CHECK_EQ(g->nmsgs, 5);
	ATF_CHECK(folder_msg_by_uid(g, 5) != NULL &&
	    strcmp(folder_msg_by_uid(g, 5)->base, "6.f.host") == 0);
	ATF_CHECK_EQ(recent_in(g), 0);
	folder_close(g);
	folder_close(f);
	store_close(st);
}

ATF_TC_WITHOUT_HEAD(delivery_duplicates);
ATF_TC_BODY(delivery_duplicates, tc)
{
	struct store		*st;
	struct folder		*f, *g;
	struct folder_changes	 ch;

	f = setup_watched(&st, 0);

	/* A base in both new/ and cur/ is the cur/ message, not a new one. */
	other(mta_duplicate);
	ATF_REQUIRE(folder_sync_changes(f, 0, &ch) == 0);
	ATF_REQUIRE_EQ(ch.nadded, 1);
	ATF_CHECK_EQ(ch.added[0], 5);
	folder_changes_free(&ch);
	ATF_CHECK_EQ(f->nmsgs, 5);
	ATF_CHECK(strcmp(folder_msg_by_uid(f, 3)->base, "3.c.host") == 0);

	/* So with more new files than are checked one by one. */
	other(mta_many);
	ATF_REQUIRE(folder_sync_changes(f, 0, &ch) == 0);
	ATF_CHECK_EQ(ch.nadded, 70);
	ATF_CHECK(ch.nexpunged == 0);
	folder_changes_free(&ch);
	ATF_CHECK_EQ(f->nmsgs, 75);
	ATF_CHECK(strcmp(folder_msg_by_uid(f, 4)->base, "4.d.host") == 0);
	ATF_CHECK_EQ(folder_msg_by_uid(f, 4)->dir, STORE_DIR_CUR);

	g = folder_open(st, "INBOX", 0);
	ATF_REQUIRE(g != NULL);
	ATF_CHECK_EQ(g->nmsgs, 75);
	ATF_CHECK(folder_msg_by_uid(g, 75) != NULL);
	ATF_CHECK(folder_msg_by_uid(g, 76) == NULL);
	folder_close(g);
	folder_close(f);
	store_close(st);
}

ATF_TC_WITHOUT_HEAD(expunge_and_delivery);
ATF_TC_BODY(expunge_and_delivery, tc)
{
	struct store		*st;
	struct folder		*f, *g;
	struct folder_changes	 ch;
	uint32_t		 uid = 3;

	f = setup_watched(&st, 0);

	/* Our removal in cur/ and a delivery to new/, in one sync. */
	ATF_REQUIRE(folder_set_flags(f, 3, STORE_F_DELETED, 0) == 0);
	ATF_REQUIRE_EQ(folder_expunge(f, &uid, 1, FOLDER_EXPUNGE_DELETED), 1);
	other(mta_deliver);
	ATF_REQUIRE(folder_sync_changes(f, 0, &ch) == 0);
	ATF_REQUIRE_EQ(ch.nexpunged, 1);
	ATF_CHECK_EQ(ch.expunged[0], 3);
	ATF_REQUIRE_EQ(ch.nadded, 1);
	ATF_CHECK_EQ(ch.added[0], 5);
	folder_changes_free(&ch);

	g = folder_open(st, "INBOX", 0);
	ATF_REQUIRE(g != NULL);
	ATF_CHECK_EQ(g->nmsgs, 4);
	ATF_CHECK(folder_msg_by_uid(g, 3) == NULL);
	ATF_CHECK(folder_msg_by_uid(g, 5) != NULL);
	folder_close(g);
	folder_close(f);
	store_close(st);
}

/* Another session: APPEND (5, \Seen), a flag change (4) and a removal (2). */
static void
others_session(void)
{
	struct store	*st;
	uint32_t	 uv, uid;

	if ((st = store_open("md")) == NULL ||
	    store_append(st, "INBOX", "x\n", 2, STORE_F_SEEN, NULL, 0, 0,
	    &uv, &uid) == -1 || uid != 5)
		_exit(1);
	store_close(st);
	if (rename("md/cur/4.d.host:2,F", "md/cur/4.d.host:2,FS") == -1 ||
	    unlink("md/cur/2.b.host:2,S") == -1)
		_exit(2);
}

ATF_TC_WITHOUT_HEAD(news_applied);
ATF_TC_BODY(news_applied, tc)
{
	struct store		*st;
	struct folder		*f, *g;
	struct folder_changes	 ch;
	struct timespec		 scanned;

	f = setup_watched(&st, 0);
	scanned = f->dir_mtime[STORE_DIR_CUR];

	/*
	 * What the events name is all known, or is the file of a record
	 * added to the list: applied without reading cur/ (whose time a
	 * scan would have taken again).
	 */
	other(others_session);
	ATF_REQUIRE(folder_sync_changes(f, 0, &ch) == 0);
	ATF_REQUIRE_EQ(ch.nadded, 1);
	ATF_CHECK_EQ(ch.added[0], 5);
	ATF_REQUIRE_EQ(ch.nexpunged, 1);
	ATF_CHECK_EQ(ch.expunged[0], 2);
	ATF_REQUIRE_EQ(ch.nflagged, 1);
	ATF_CHECK_EQ(ch.flagged[0], 4);
	folder_changes_free(&ch);
	ATF_CHECK(f->dir_mtime[STORE_DIR_CUR].tv_sec == scanned.tv_sec &&
	    f->dir_mtime[STORE_DIR_CUR].tv_nsec == scanned.tv_nsec);
	ATF_CHECK_EQ(folder_msg_by_uid(f, 5)->dir, STORE_DIR_CUR);
	ATF_CHECK_EQ(folder_msg_by_uid(f, 5)->flags, STORE_F_SEEN);
	ATF_CHECK_EQ(folder_msg_by_uid(f, 4)->flags,
	    STORE_F_FLAGGED | STORE_F_SEEN);
	ATF_CHECK_EQ(folder_watch_read(f), 0);

	/* A delivery among them is a file nobody numbered: a scan. */
	other(mta_deliver);
	other(other_rename_back);
	ATF_REQUIRE(folder_sync_changes(f, 0, &ch) == 0);
	ATF_REQUIRE_EQ(ch.nadded, 1);
	ATF_CHECK_EQ(ch.added[0], 6);
	ATF_REQUIRE_EQ(ch.nflagged, 1);
	ATF_CHECK_EQ(ch.flagged[0], 4);
	folder_changes_free(&ch);
	ATF_CHECK_EQ(folder_msg_by_uid(f, 4)->flags, STORE_F_FLAGGED);

	g = folder_open(st, "INBOX", 0);
	ATF_REQUIRE(g != NULL);
	ATF_CHECK_EQ(g->nmsgs, 5);
	ATF_CHECK(folder_msg_by_uid(g, 2) == NULL);
	ATF_CHECK_EQ(folder_msg_by_uid(g, 5)->flags, STORE_F_SEEN);
	ATF_CHECK_EQ(folder_msg_by_uid(g, 4)->flags, STORE_F_FLAGGED);
	folder_close(g);
	folder_close(f);
	store_close(st);
}

/* Another handle's APPEND, as in others_session(). */
static void
other_append(void)
{
	struct store	*st;
	uint32_t	 uv, uid;

	if ((st = store_open("md")) == NULL ||
	    store_append(st, "INBOX", "y\n", 2, 0, NULL, 0, 0, &uv,
	    &uid) == -1)
		_exit(1);
	store_close(st);
}

ATF_TC_WITHOUT_HEAD(recent_claim_in_place);
ATF_TC_BODY(recent_claim_in_place, tc)
{
	struct store		*st;
	struct folder		*f, *g;
	struct folder_changes	 ch;
	struct stat		 before, after;

	f = setup_watched(&st, FOLDER_RECENT);
	ATF_REQUIRE(stat("md/postern-uidlist", &before) == 0);

	/*
	 * The appended message is \Recent here, and the claim is saved
	 * without writing the list again.
	 */
	other(other_append);
	ATF_REQUIRE(folder_sync_changes(f, FOLDER_RECENT, &ch) == 0);
	ATF_REQUIRE_EQ(ch.nadded, 1);
	ATF_CHECK_EQ(ch.added[0], 5);
	folder_changes_free(&ch);
	ATF_CHECK(folder_msg_by_uid(f, 5)->recent);
	ATF_REQUIRE(stat("md/postern-uidlist", &after) == 0);
	ATF_CHECK_EQ(before.st_ino, after.st_ino);
	ATF_CHECK(access("md/postern-recent", F_OK) == 0);

	/* Nobody else gets it, claiming or peeking. */
	g = folder_open(st, "INBOX", FOLDER_PEEK_RECENT);
	ATF_REQUIRE(g != NULL);
	ATF_CHECK_EQ(recent_in(g), 0);
	folder_close(g);
	g = folder_open(st, "INBOX", FOLDER_RECENT);
	ATF_REQUIRE(g != NULL);
	ATF_CHECK_EQ(recent_in(g), 0);
	folder_close(g);

	/* A claim under another UIDVALIDITY counts for nothing. */
	folder_close(f);
	ATF_REQUIRE(unlink("md/postern-uidlist") == 0);
	g = folder_open(st, "INBOX", FOLDER_PEEK_RECENT);
	ATF_REQUIRE(g != NULL);
	ATF_CHECK_EQ(g->nmsgs, 5);
	ATF_CHECK_EQ(recent_in(g), 5);
	folder_close(g);
	store_close(st);
}

ATF_TC_WITHOUT_HEAD(news_older_than_table);
ATF_TC_BODY(news_older_than_table, tc)
{
	struct store		*st;
	struct folder		*f;
	struct folder_changes	 ch;

	f = setup_watched(&st, 0);

	/*
	 * Another session's rename, then ours of the same message, which
	 * found its file under the new name: the event naming that name
	 * is older than what the table knows, and must not undo it.
	 */
	other(other_rename);
	ATF_REQUIRE(folder_set_flags(f, 4, STORE_F_ANSWERED, 0) == 0);
	ATF_REQUIRE(folder_sync_changes(f, 0, &ch) == 0);
	folder_changes_free(&ch);
	ATF_CHECK_EQ(folder_msg_by_uid(f, 4)->flags,
	    STORE_F_ANSWERED | STORE_F_FLAGGED | STORE_F_SEEN);
	ATF_CHECK(access("md/cur/4.d.host:2,FRS", F_OK) == 0);
	ATF_CHECK_EQ(f->nmsgs, 4);
	folder_close(f);
	store_close(st);
}

ATF_TP_ADD_TCS(tp)
{
	ATF_TP_ADD_TC(tp, changes);
	ATF_TP_ADD_TC(tp, own_renames);
	ATF_TP_ADD_TC(tp, own_expunge);
	ATF_TP_ADD_TC(tp, keywords_and_uidvalidity);
	ATF_TP_ADD_TC(tp, quiet_directories);
	ATF_TP_ADD_TC(tp, folder_deleted);
	ATF_TP_ADD_TC(tp, delivery);
	ATF_TP_ADD_TC(tp, delivery_duplicates);
	ATF_TP_ADD_TC(tp, expunge_and_delivery);
	ATF_TP_ADD_TC(tp, news_applied);
	ATF_TP_ADD_TC(tp, recent_claim_in_place);
	ATF_TP_ADD_TC(tp, news_older_than_table);
	return atf_no_error();
}
