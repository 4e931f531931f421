/*
 * Unit tests for APPEND, COPY, MOVE and EXPUNGE (store/append.c,
 * store/message.c): what they put where, with which flags, keywords,
 * internal dates and UIDs; and, for a child killed with SIGKILL at each
 * step of each, that afterwards every message is in its folder exactly
 * once (a moved one in exactly one of the two), has a UID, no UID was
 * ever reused for another message, and every UID reported to the
 * client before the crash still names its message.
 */
#include <sys/types.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include <atf-c.h>
#include <dirent.h>
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

#define MAXM	64

static const char	*crash_at;
static int		 crash_count;

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
content(struct folder *f, struct store_msg *m)
{
	static char	buf[256];
	ssize_t		n;
	int		fd;

	if ((fd = store_msg_open(f, m)) == -1)
		return NULL;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n < 0)
		return NULL;
	buf[n] = '\0';
	return buf;
}

static int
count_content(struct folder *f, const char *c)
{
	size_t	i;
	int	n = 0;
	char	*x;

	for (i = 0; i < f->nmsgs; i++)
		if ((x = content(f, f->msgs[i])) != NULL && strcmp(x, c) == 0)
			n++;
	return n;
}

static int
files_in(const char *dir)
{
	struct dirent	*de;
	DIR		*dp;
	int		 n = 0;

	if ((dp = opendir(dir)) == NULL)
		return -1;
	while ((de = readdir(dp)) != NULL)
		if (de->d_name[0] != '.')
			n++;
	closedir(dp);
	return n;
}

static struct store *
setup(void)
{
	struct store	*st;
	char		 p[256], c[64];
	int		 i;

	ATF_REQUIRE(store_create("md") == 0);
	st = store_open("md");
	ATF_REQUIRE(st != NULL);
	ATF_REQUIRE(store_folder_create(st, "A") == 0);
	ATF_REQUIRE(store_folder_create(st, "B") == 0);
	put("md/.A/dovecot-keywords", "0 $Label1\n1 Work\n");
	for (i = 0; i < 5; i++) {
		snprintf(p, sizeof(p), "md/.A/cur/%d.a%d.host:2,S%s",
		    100 + i, i, i == 1 ? "ab" : "");
		snprintf(c, sizeof(c), "A%d\n", i);
		put(p, c);
	}
	put("md/.B/dovecot-keywords", "0 Other\n");
	put("md/.B/new/200.b0.host", "B0\n");
	put("md/.B/cur/201.b1.host:2,T", "B1\n");
	return st;
}

ATF_TC_WITHOUT_HEAD(append);
ATF_TC_BODY(append, tc)
{
	struct store		*st = setup();
	struct store_append	*a;
	struct folder		*f;
	struct store_msg	*m;
	struct stat		 sb;
	char			*kws[] = { "Work", "$Forwarded" };
	char			 p[512];
	uint32_t		 uv, uid, uid2;

	ATF_REQUIRE(store_append(st, "A", "Subject: x\r\n\r\nhi\r\n", 18,
	    STORE_F_SEEN | STORE_F_FLAGGED | STORE_F_KEYWORD(7), kws, 2,
	    1000000000, &uv, &uid) == 0);
	ATF_CHECK_EQ(uid, 6);
	f = folder_open(st, "A", FOLDER_SIZES);
	ATF_REQUIRE(f != NULL);
	ATF_CHECK_EQ(uv, f->uidvalidity);
	ATF_CHECK_EQ(f->uidnext, 7);
	m = folder_msg_by_uid(f, 6);
	ATF_REQUIRE(m != NULL);
	ATF_CHECK_STREQ(content(f, m), "Subject: x\r\n\r\nhi\r\n");
	ATF_CHECK_EQ(m->vsize, 18);
	ATF_CHECK_EQ(m->time, 1000000000);
	ATF_CHECK_EQ(m->dir, STORE_DIR_CUR);
	/* Keyword letters from the folder's names; unknown bits dropped. */
	ATF_CHECK_STREQ(f->keywords[2], "$Forwarded");
	ATF_CHECK(m->flags == (STORE_F_SEEN | STORE_F_FLAGGED |
	    STORE_F_KEYWORD(1) | STORE_F_KEYWORD(2)));
	ATF_CHECK(strstr(m->base, ",S=18,W=18") != NULL);
	snprintf(p, sizeof(p), "md/.A/cur/%s:%s", m->base, m->info);
	ATF_REQUIRE(stat(p, &sb) == 0);
	ATF_CHECK_EQ(sb.st_mtime, 1000000000);
	folder_close(f);

	/* In pieces, with the date now; an abort leaves nothing. */
	a = store_append_begin(st, "A");
	ATF_REQUIRE(a != NULL);
	ATF_REQUIRE(store_append_write(a, "one ", 4) == 0);
	ATF_REQUIRE(store_append_write(a, "two\n", 4) == 0);
	ATF_REQUIRE(store_append_commit(a, 0, NULL, 0, 0, &uv, &uid2) == 0);
	ATF_CHECK_EQ(uid2, 7);
	a = store_append_begin(st, "A");
	ATF_REQUIRE(a != NULL);
	ATF_REQUIRE(store_append_write(a, "x", 1) == 0);
	store_append_abort(a);
	ATF_CHECK_EQ(files_in("md/.A/tmp"), 0);
	ATF_CHECK(store_append_begin(st, "Nope") == NULL && errno == ENOENT);
	ATF_CHECK(store_append(st, "A", "x", 1, 0, (char *[]){ "a b" }, 1, 0,
	    &uv, &uid) == -1 && errno == EINVAL);
	ATF_CHECK_EQ(files_in("md/.A/tmp"), 0);

	f = folder_open(st, "A", 0);
	ATF_REQUIRE(f != NULL);
	ATF_CHECK_EQ(f->nmsgs, 7);
	ATF_CHECK_STREQ(content(f, folder_msg_by_uid(f, 7)), "one two\n");
	folder_close(f);
	store_close(st);
}

ATF_TC_WITHOUT_HEAD(copy);
ATF_TC_BODY(copy, tc)
{
	struct store		*st = setup();
	struct folder		*a, *b;
	struct store_msg	*m;
	uint32_t		 uids[] = { 2, 99, 1 }, dst[3], uv;

	a = folder_open(st, "A", FOLDER_SIZES);
	ATF_REQUIRE(a != NULL && a->nmsgs == 5);
	ATF_CHECK(folder_copy(a, uids, 3, "Nope", &uv, dst) == -1 &&
	    errno == ENOENT);
	ATF_REQUIRE(folder_copy(a, uids, 3, "B", &uv, dst) == 0);
	ATF_CHECK_EQ(dst[0], 3);
	ATF_CHECK_EQ(dst[1], 0);
	ATF_CHECK_EQ(dst[2], 4);
	ATF_CHECK_EQ(files_in("md/.B/tmp"), 0);
	b = folder_open(st, "B", 0);
	ATF_REQUIRE(b != NULL);
	ATF_CHECK_EQ(uv, b->uidvalidity);
	ATF_REQUIRE_EQ(b->nmsgs, 4);
	m = folder_msg_by_uid(b, 3);
	ATF_REQUIRE(m != NULL);
	ATF_CHECK_STREQ(content(b, m), "A1\n");
	/* $Label1 and Work get B's letters (Other is B's 'a'). */
	ATF_CHECK_STREQ(b->keywords[1], "$Label1");
	ATF_CHECK_STREQ(b->keywords[2], "Work");
	ATF_CHECK(m->flags == (STORE_F_SEEN | STORE_F_KEYWORD(1) |
	    STORE_F_KEYWORD(2)));
	ATF_CHECK_EQ(m->time, folder_msg_by_uid(a, 2)->time);
	ATF_CHECK_STREQ(content(b, folder_msg_by_uid(b, 4)), "A0\n");
	folder_close(b);
	/* The source is as it was. */
	ATF_REQUIRE(folder_sync(a, 0) == 0);
	ATF_CHECK_EQ(a->nmsgs, 5);
	/* Into the same folder. */
	ATF_REQUIRE(folder_copy(a, uids, 1, "A", &uv, dst) == 0);
	ATF_CHECK_EQ(dst[0], 6);
	ATF_REQUIRE(folder_sync(a, 0) == 0);
	ATF_CHECK_EQ(a->nmsgs, 6);
	ATF_CHECK_EQ(count_content(a, "A1\n"), 2);
	folder_close(a);
	store_close(st);
}

ATF_TC_WITHOUT_HEAD(move);
ATF_TC_BODY(move, tc)
{
	struct store		*st = setup();
	struct folder		*a, *b;
	struct folder_changes	 ch;
	uint32_t		 uids[] = { 5, 2 }, dst[2], uv;
	time_t			 t2;

	a = folder_open(st, "A", FOLDER_SIZES);
	ATF_REQUIRE(a != NULL);
	t2 = folder_msg_by_uid(a, 2)->time;
	ATF_REQUIRE(folder_move(a, uids, 2, "B", &uv, dst) == 0);
	ATF_CHECK_EQ(dst[0], 3);
	ATF_CHECK_EQ(dst[1], 4);
	ATF_REQUIRE(folder_sync_changes(a, 0, &ch) == 0);
	ATF_REQUIRE_EQ(ch.nexpunged, 2);
	ATF_CHECK(ch.expunged[0] == 2 && ch.expunged[1] == 5);
	ATF_CHECK_EQ(ch.nadded, 0);
	folder_changes_free(&ch);
	ATF_CHECK_EQ(a->nmsgs, 3);
	b = folder_open(st, "B", 0);
	ATF_REQUIRE(b != NULL && b->nmsgs == 4);
	ATF_CHECK_STREQ(content(b, folder_msg_by_uid(b, 3)), "A4\n");
	ATF_CHECK_STREQ(content(b, folder_msg_by_uid(b, 4)), "A1\n");
	ATF_CHECK(folder_msg_by_uid(b, 4)->flags == (STORE_F_SEEN |
	    STORE_F_KEYWORD(1) | STORE_F_KEYWORD(2)));
	ATF_CHECK_EQ(folder_msg_by_uid(b, 4)->time, t2);

	/* And back: it does not get its old UID back in A. */
	uids[0] = 4;
	ATF_REQUIRE(folder_move(b, uids, 1, "A", &uv, dst) == 0);
	ATF_CHECK_EQ(dst[0], 6);
	ATF_REQUIRE(folder_sync(a, 0) == 0);
	ATF_CHECK_STREQ(content(a, folder_msg_by_uid(a, 6)), "A1\n");
	ATF_CHECK(folder_msg_by_uid(a, 2) == NULL);
	folder_close(b);
	folder_close(a);
	store_close(st);
}

ATF_TC_WITHOUT_HEAD(expunge);
ATF_TC_BODY(expunge, tc)
{
	struct store		*st = setup();
	struct folder		*a, *other;
	struct folder_changes	 ch;
	uint32_t		 uids[] = { 1, 2, 3, 42 };

	a = folder_open(st, "A", 0);
	other = folder_open(st, "A", 0);
	ATF_REQUIRE(a != NULL && other != NULL);
	ATF_REQUIRE(folder_set_flags(a, 1, STORE_F_DELETED, 0) == 0);
	ATF_REQUIRE(folder_set_flags(a, 2, STORE_F_DELETED, 0) == 0);
	/* Another session undeletes 2 and expunges 1 itself. */
	ATF_REQUIRE(folder_sync(other, 0) == 0);
	ATF_REQUIRE(folder_set_flags(other, 2, 0, STORE_F_DELETED) == 0);
	ATF_REQUIRE(folder_expunge(other, uids, 1, 0) == 1);
	ATF_CHECK_EQ(folder_expunge(a, uids, 4, FOLDER_EXPUNGE_DELETED), 0);
	ATF_REQUIRE(folder_sync_changes(a, 0, &ch) == 0);
	ATF_REQUIRE_EQ(ch.nexpunged, 1);
	ATF_CHECK_EQ(ch.expunged[0], 1);
	ATF_REQUIRE_EQ(ch.nflagged, 0);
	folder_changes_free(&ch);
	/* Without the flag test, anything named goes. */
	ATF_CHECK_EQ(folder_expunge(a, uids + 1, 2, 0), 2);
	ATF_REQUIRE(folder_sync(a, 0) == 0);
	ATF_CHECK_EQ(a->nmsgs, 2);
	folder_close(other);
	folder_close(a);
	store_close(st);
}

/*
 * The crash tests.  A child runs a script of client commands against
 * A and B and reports each UID it would tell the client on a pipe;
 * it is killed at the n-th pass through one step.  The parent then
 * checks the store.
 */
struct seen {
	char		folder;
	uint32_t	uid;
	char		content[16];
};

static void
crash_hook(const char *point)
{
	if (crash_at != NULL && strcmp(point, crash_at) == 0 &&
	    --crash_count == 0)
		raise(SIGKILL);
}

static void
report(int fd, char folder, uint32_t uid, const char *c)
{
	struct seen	s;

	memset(&s, 0, sizeof(s));
	s.folder = folder;
	s.uid = uid;
	strlcpy(s.content, c, sizeof(s.content));
	if (write(fd, &s, sizeof(s)) != sizeof(s))
		_exit(2);
}

static void
script(int out)
{
	struct store	*st;
	struct folder	*a;
	uint32_t	 uv, uid, cu[] = { 1, 2, 3 }, mu[] = { 4, 5 };
	uint32_t	 eu[] = { 1 }, dst[3];
	struct folder	*b;

	if ((st = store_open("md")) == NULL)
		_exit(3);
	if (store_append(st, "A", "N0\n", 3, STORE_F_SEEN, NULL, 0, 0, &uv,
	    &uid) == -1)
		_exit(4);
	report(out, 'A', uid, "N0\n");
	if (store_append(st, "A", "N1\n", 3, 0, NULL, 0, 0, &uv, &uid) == -1)
		_exit(4);
	report(out, 'A', uid, "N1\n");
	if ((a = folder_open(st, "A", FOLDER_SIZES)) == NULL)
		_exit(5);
	if (folder_copy(a, cu, 3, "B", &uv, dst) == -1)
		_exit(6);
	report(out, 'B', dst[0], "A0\n");
	report(out, 'B', dst[1], "A1\n");
	report(out, 'B', dst[2], "A2\n");
	if (folder_move(a, mu, 2, "B", &uv, dst) == -1)
		_exit(7);
	report(out, 'B', dst[0], "A3\n");
	report(out, 'B', dst[1], "A4\n");
	if ((b = folder_open(st, "B", 0)) == NULL)
		_exit(8);
	if (folder_set_flags(b, 1, STORE_F_DELETED, 0) == -1 ||
	    folder_expunge(b, eu, 1, FOLDER_EXPUNGE_DELETED) != 1)
		_exit(9);
	if (folder_sync(b, 0) == -1 || folder_sync(a, 0) == -1)
		_exit(10);
	folder_close(b);
	folder_close(a);
	store_close(st);
}

/* Every UID of the folder names one message; remember who. */
static void
snapshot(struct store *st, const char *name, struct seen *v, size_t *n)
{
	struct folder	*f;
	size_t		 i;
	char		*c;

	f = folder_open(st, name, 0);
	ATF_REQUIRE(f != NULL);
	for (i = 0; i < f->nmsgs; i++) {
		ATF_REQUIRE(*n < MAXM);
		c = content(f, f->msgs[i]);
		ATF_REQUIRE(c != NULL);
		v[*n].folder = name[0];
		v[*n].uid = f->msgs[i]->uid;
		strlcpy(v[*n].content, c, sizeof(v[*n].content));
		(*n)++;
	}
	folder_close(f);
}

static void
check_after(const char *point, int count, struct seen *before, size_t nb,
    struct seen *rep, size_t nr)
{
	struct store	*st;
	struct folder	*a, *b, *a2, *b2;
	struct store_msg *m;
	char		 c[8];
	size_t		 i, k;
	int		 n;

	st = store_open("md");
	ATF_REQUIRE(st != NULL);
	a = folder_open(st, "A", 0);
	b = folder_open(st, "B", 0);
	ATF_REQUIRE(a != NULL && b != NULL);
	/* A0..A2 stay in A; A3, A4 are in exactly one of A and B. */
	for (i = 0; i < 5; i++) {
		snprintf(c, sizeof(c), "A%zu\n", i);
		n = count_content(a, c);
		if (i < 3)
			ATF_CHECK_MSG(n == 1 && count_content(b, c) <= 1,
			    "%s/%d: %s: %d in A", point, count, c, n);
		else
			ATF_CHECK_MSG(n + count_content(b, c) == 1,
			    "%s/%d: %s in A %d, in B %d", point, count, c, n,
			    count_content(b, c));
	}
	ATF_CHECK_MSG(count_content(a, "N0\n") <= 1 &&
	    count_content(a, "N1\n") <= 1, "%s/%d: appends", point, count);
	ATF_CHECK_MSG(count_content(b, "B1\n") == 1 &&
	    count_content(b, "B0\n") <= 1, "%s/%d: B", point, count);
	/* No UID now names another message than it named before. */
	for (i = 0; i < nb; i++) {
		m = folder_msg_by_uid(before[i].folder == 'A' ? a : b,
		    before[i].uid);
		if (m == NULL)
			continue;
		ATF_CHECK_MSG(strcmp(content(before[i].folder == 'A' ? a : b,
		    m), before[i].content) == 0, "%s/%d: %c UID %u reused",
		    point, count, before[i].folder, before[i].uid);
	}
	/* Every UID reported is there and names its message. */
	for (i = 0; i < nr; i++) {
		if (rep[i].uid == 0)
			continue;
		m = folder_msg_by_uid(rep[i].folder == 'A' ? a : b,
		    rep[i].uid);
		ATF_CHECK_MSG(m != NULL && strcmp(content(rep[i].folder ==
		    'A' ? a : b, m), rep[i].content) == 0,
		    "%s/%d: reported %c UID %u (%s) lost", point, count,
		    rep[i].folder, rep[i].uid, rep[i].content);
	}
	/* And they stay put: a second look gives the same UIDs. */
	a2 = folder_open(st, "A", 0);
	b2 = folder_open(st, "B", 0);
	ATF_REQUIRE(a2 != NULL && b2 != NULL);
	ATF_CHECK_EQ(a2->nmsgs, a->nmsgs);
	ATF_CHECK_EQ(b2->nmsgs, b->nmsgs);
	ATF_CHECK_EQ(a2->uidvalidity, a->uidvalidity);
	ATF_CHECK_EQ(b2->uidvalidity, b->uidvalidity);
	for (k = 0; k < a->nmsgs && k < a2->nmsgs; k++)
		ATF_CHECK_EQ(a->msgs[k]->uid, a2->msgs[k]->uid);
	for (k = 0; k < b->nmsgs && k < b2->nmsgs; k++)
		ATF_CHECK_EQ(b->msgs[k]->uid, b2->msgs[k]->uid);
	folder_close(a2);
	folder_close(b2);
	folder_close(a);
	folder_close(b);
	store_close(st);
}

static int
crash_run(const char *point, int count)
{
	struct store	*st;
	struct seen	 before[MAXM], rep[MAXM];
	size_t		 nb = 0, nr = 0;
	ssize_t		 r;
	pid_t		 pid;
	int		 p[2], status, killed;

	ATF_REQUIRE(system("rm -rf md") == 0);
	st = setup();
	snapshot(st, "A", before, &nb);
	snapshot(st, "B", before, &nb);
	store_close(st);
	ATF_REQUIRE(pipe(p) == 0);
	pid = fork();
	ATF_REQUIRE(pid != -1);
	if (pid == 0) {
		close(p[0]);
		crash_at = point;
		crash_count = count;
		store_crash_hook = crash_hook;
		script(p[1]);
		_exit(0);
	}
	close(p[1]);
	while (nr < MAXM && (r = read(p[0], &rep[nr], sizeof(rep[0]))) ==
	    sizeof(rep[0]))
		nr++;
	close(p[0]);
	ATF_REQUIRE(waitpid(pid, &status, 0) == pid);
	killed = WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL;
	ATF_REQUIRE_MSG(killed || (WIFEXITED(status) &&
	    WEXITSTATUS(status) == 0), "%s/%d: child status %d", point,
	    count, status);
	check_after(point, count, before, nb, rep, nr);
	return killed;
}

ATF_TC(crashes);
ATF_TC_HEAD(crashes, tc)
{
	atf_tc_set_md_var(tc, "descr", "kill -9 at every step");
	atf_tc_set_md_var(tc, "timeout", "300");
}
ATF_TC_BODY(crashes, tc)
{
	static const char *points[] = {
		"append-tmp-written", "append-renamed", "append-assigned",
		"uidlist-append-half", "uidlist-appended",
		"copy-linked", "copy-renamed", "copy-assigned",
		"move-renamed", "move-assigned", "expunge-unlinked",
		"sync-before-write", "replace-tmp-written"
	};
	size_t	i;
	int	count, runs = 0;

	for (i = 0; i < sizeof(points) / sizeof(points[0]); i++) {
		/* Each pass through the step, until the script gets by. */
		for (count = 1; count < 20; count++) {
			runs++;
			if (!crash_run(points[i], count))
				break;
		}
		ATF_CHECK_MSG(count > 1, "%s never reached", points[i]);
	}
	printf("%d crash runs\n", runs);
}

/* A torn record at the end of the list is dropped, nothing else. */
ATF_TC_WITHOUT_HEAD(torn_uidlist);
ATF_TC_BODY(torn_uidlist, tc)
{
	struct store	*st = setup();
	struct folder	*a;
	uint32_t	 uv;
	int		 fd;

	a = folder_open(st, "A", 0);
	ATF_REQUIRE(a != NULL);
	uv = a->uidvalidity;
	folder_close(a);
	fd = open("md/.A/postern-uidlist", O_WRONLY | O_APPEND);
	ATF_REQUIRE(fd != -1);
	ATF_REQUIRE(write(fd, "+6 T1 :1", 8) == 8);
	close(fd);
	a = folder_open(st, "A", 0);
	ATF_REQUIRE(a != NULL);
	ATF_CHECK_EQ(a->uidvalidity, uv);
	ATF_CHECK_EQ(a->nmsgs, 5);
	folder_close(a);
	/* A torn record not of an append is damage: a new UIDVALIDITY. */
	fd = open("md/.A/postern-uidlist", O_WRONLY | O_APPEND);
	ATF_REQUIRE(fd != -1);
	ATF_REQUIRE(write(fd, "6 T1 :1", 7) == 7);
	close(fd);
	a = folder_open(st, "A", 0);
	ATF_REQUIRE(a != NULL);
	ATF_CHECK(a->uidvalidity > uv);
	folder_close(a);
	store_close(st);
}

ATF_TP_ADD_TCS(tp)
{
	ATF_TP_ADD_TC(tp, append);
	ATF_TP_ADD_TC(tp, copy);
	ATF_TP_ADD_TC(tp, move);
	ATF_TP_ADD_TC(tp, expunge);
	ATF_TP_ADD_TC(tp, crashes);
	ATF_TP_ADD_TC(tp, torn_uidlist);
	return atf_no_error();
}
