/*
 * Unit tests for the access rules: the file's grammar and its errors
 * (lib/accessfile.c), the order of precedence (user, groups with deny
 * winning, default, none), editing that keeps every other line, and
 * postern-auth's use of the file (auth/access.c, auth/policy.c):
 * re-reading a changed file, refusing everything while it is bad, and
 * root and system accounts refused whatever the rules say.
 */
#include <sys/types.h>
#include <sys/stat.h>

#include <errno.h>
#include <grp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <atf-c.h>

#include "accessfile.h"
#include "auth.h"

/* Group membership for af_decide(): the NULL-terminated list in arg. */
static int
ingroups(const char *group, void *arg)
{
	const char	**g;

	for (g = arg; g != NULL && *g != NULL; g++)
		if (strcmp(*g, group) == 0)
			return 1;
	return 0;
}

static struct af_file *
parse(const char *text, int *rv)
{
	struct af_file	*af;
	FILE		*fp;

	ATF_REQUIRE((af = af_new()) != NULL);
	ATF_REQUIRE((fp = fmemopen((void *)text, strlen(text), "r")) != NULL);
	*rv = af_read(af, fp);
	fclose(fp);
	return af;
}

static struct af_file *
parse_ok(const char *text)
{
	struct af_file	*af;
	int		 rv;

	af = parse(text, &rv);
	ATF_REQUIRE_MSG(rv == 0, "line %zu: %s", af->errline, af->err);
	return af;
}

/* "on"/"off" for imap, pop3, submission, and the deciding lines. */
static void
decide(const struct af_file *af, const char *user, const char **groups,
    char *out, size_t len)
{
	struct af_decision	dec[PROTO_MAX];
	static const int	order[] = { PROTO_IMAP, PROTO_POP3,
				    PROTO_SUBMISSION };
	char			part[32];
	size_t			i;

	af_decide(af, user, ingroups, (void *)groups, dec);
	out[0] = '\0';
	for (i = 0; i < 3; i++) {
		snprintf(part, sizeof(part), "%s%s:%zu", i ? " " : "",
		    dec[order[i]].allow ? "on" : "off",
		    dec[order[i]].rule != NULL ? dec[order[i]].rule->lineno :
		    0);
		strlcat(out, part, len);
	}
}

static char *
written(const struct af_file *af)
{
	char	*buf = NULL;
	size_t	 len = 0;
	FILE	*fp;

	ATF_REQUIRE((fp = open_memstream(&buf, &len)) != NULL);
	ATF_REQUIRE_EQ(af_write(af, fp), 0);
	fclose(fp);
	return buf;
}

ATF_TC_WITHOUT_HEAD(grammar);
ATF_TC_BODY(grammar, tc)
{
	struct af_file		*af;
	const struct af_rule	*r;

	af = parse_ok("# access rules\n"
	    "\n"
	    "   \t\n"
	    "default all on\n"
	    "group field-engineers imap on pop3 off # FE\n"
	    "user bob\tpop3 allow\r\n"
	    "user carol ALL deny imap ON\n"
	    "user dave submission off   # no sending\n");
	ATF_CHECK_EQ(af->nrules, 5);
	ATF_CHECK_EQ(af->nerrors, 0);

	ATF_REQUIRE((r = af_find(af, AF_DEFAULT, NULL)) != NULL);
	ATF_CHECK_EQ(r->lineno, 4);
	ATF_CHECK_EQ(r->set[PROTO_IMAP], AF_ALLOW);
	ATF_CHECK_EQ(r->set[PROTO_POP3], AF_ALLOW);
	ATF_CHECK_EQ(r->set[PROTO_SUBMISSION], AF_ALLOW);

	ATF_REQUIRE((r = af_find(af, AF_GROUP, "field-engineers")) != NULL);
	ATF_CHECK_EQ(r->set[PROTO_IMAP], AF_ALLOW);
	ATF_CHECK_EQ(r->set[PROTO_POP3], AF_DENY);
	ATF_CHECK_EQ(r->set[PROTO_SUBMISSION], AF_UNSET);
	ATF_CHECK_STREQ(r->comment, "# FE");

	ATF_REQUIRE((r = af_find(af, AF_USER, "bob")) != NULL);
	ATF_CHECK_EQ(r->set[PROTO_POP3], AF_ALLOW);
	ATF_CHECK_EQ(r->set[PROTO_IMAP], AF_UNSET);

	/* Left to right: all off, then imap back on. */
	ATF_REQUIRE((r = af_find(af, AF_USER, "carol")) != NULL);
	ATF_CHECK_EQ(r->set[PROTO_IMAP], AF_ALLOW);
	ATF_CHECK_EQ(r->set[PROTO_POP3], AF_DENY);
	ATF_CHECK_EQ(r->set[PROTO_SUBMISSION], AF_DENY);

	ATF_CHECK(af_find(af, AF_USER, "nobody") == NULL);
	ATF_CHECK(af_find(af, AF_GROUP, "bob") == NULL);
	af_free(af);

	/* Empty and comment-only files have no rules. */
	af = parse_ok("");
	ATF_CHECK_EQ(af->nrules, 0);
	af_free(af);
	af = parse_ok("# nothing\n#user x all off\n");
	ATF_CHECK_EQ(af->nrules, 0);
	af_free(af);
}

ATF_TC_WITHOUT_HEAD(grammar_errors);
ATF_TC_BODY(grammar_errors, tc)
{
	static const struct {
		const char	*text;
		size_t		 line;
		const char	*err;
	} bad[] = {
		{ "usr alice all on\n", 1, "is not user, group or default" },
		{ "default all on\nuser\n", 2, "user needs a name" },
		{ "group\n", 1, "group needs a name" },
		{ "user alice\n", 1, "no protocol named" },
		{ "default\n", 1, "no protocol named" },
		{ "user alice imap\n", 1, "imap needs on or off" },
		{ "user alice imap maybe\n", 1, "is not on, off" },
		{ "user alice imap inherit\n", 1, "is not on, off" },
		{ "user alice smtp on\n", 1, "is not a protocol" },
		{ "user alice on imap\n", 1, "is not a protocol" },
		{ "\n\n\ngroup staff pop3 off all\n", 4,
		    "all needs on or off" },
		{ "user al\001ice all on\n", 1, "bad user name" },
		{ "User alice all on\n", 1, "is not user, group or default" },
	};
	struct af_file	*af;
	char		 nul[] = "user alice all on\nuser b\0b all on\n";
	char		*big;
	size_t		 i;
	int		 rv;
	FILE		*fp;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		af = parse(bad[i].text, &rv);
		ATF_CHECK_EQ_MSG(rv, -1, "case %zu", i);
		ATF_CHECK_EQ_MSG(af->errline, bad[i].line, "case %zu: line %zu",
		    i, af->errline);
		ATF_CHECK_MSG(strstr(af->err, bad[i].err) != NULL,
		    "case %zu: \"%s\"", i, af->err);
		af_free(af);
	}

	/* A NUL inside a line. */
	ATF_REQUIRE((af = af_new()) != NULL);
	ATF_REQUIRE((fp = fmemopen(nul, sizeof(nul) - 1, "r")) != NULL);
	ATF_CHECK_EQ(af_read(af, fp), -1);
	fclose(fp);
	ATF_CHECK_EQ(af->errline, 2);
	ATF_CHECK_STREQ(af->err, "NUL in line");
	af_free(af);

	/* Too long, and several bad lines: the first is named. */
	ATF_REQUIRE((big = malloc(AF_MAXLINE + 64)) != NULL);
	memset(big, 'x', AF_MAXLINE + 10);
	memcpy(big, "user ", 5);
	strcpy(big + AF_MAXLINE + 10, "\nbogus\n");
	af = parse(big, &rv);
	ATF_CHECK_EQ(rv, -1);
	ATF_CHECK_EQ(af->errline, 1);
	ATF_CHECK_STREQ(af->err, "line too long");
	ATF_CHECK_EQ(af->nerrors, 2);
	free(big);
	af_free(af);

	/* A bad line is kept as it was, for the record. */
	af = parse("# keep\nnonsense here\n", &rv);
	ATF_CHECK_EQ(rv, -1);
	big = written(af);
	ATF_CHECK_STREQ(big, "# keep\nnonsense here\n");
	free(big);
	af_free(af);
}

ATF_TC_WITHOUT_HEAD(precedence);
ATF_TC_BODY(precedence, tc)
{
	struct af_file	*af;
	const char	*none[] = { NULL };
	const char	*fe[] = { "field-engineers", NULL };
	const char	*both[] = { "field-engineers", "pop-users", NULL };
	const char	*popu[] = { "pop-users", NULL };
	char		 out[128];

	/* No rule at all: everything is allowed. */
	af = parse_ok("# empty\n");
	decide(af, "alice", none, out, sizeof(out));
	ATF_CHECK_STREQ(out, "on:0 on:0 on:0");
	af_free(af);
	decide(NULL, "alice", none, out, sizeof(out));
	ATF_CHECK_STREQ(out, "on:0 on:0 on:0");

	af = parse_ok("default all off submission on\n"	/* 1 */
	    "group field-engineers imap on pop3 off\n"		/* 2 */
	    "group pop-users pop3 on\n"				/* 3 */
	    "user bob pop3 on\n"				/* 4 */
	    "user erin imap off\n");				/* 5 */
	/* Default alone. */
	decide(af, "alice", none, out, sizeof(out));
	ATF_CHECK_STREQ(out, "off:1 off:1 on:1");
	/* The group over the default, for what it names only. */
	decide(af, "alice", fe, out, sizeof(out));
	ATF_CHECK_STREQ(out, "on:2 off:2 on:1");
	/* The user over the group. */
	decide(af, "bob", fe, out, sizeof(out));
	ATF_CHECK_STREQ(out, "on:2 on:4 on:1");
	/* Two groups that disagree: deny wins. */
	decide(af, "carol", both, out, sizeof(out));
	ATF_CHECK_STREQ(out, "on:2 off:2 on:1");
	decide(af, "carol", popu, out, sizeof(out));
	ATF_CHECK_STREQ(out, "off:1 on:3 on:1");
	/* ... unless the user's own rule says otherwise. */
	decide(af, "bob", both, out, sizeof(out));
	ATF_CHECK_STREQ(out, "on:2 on:4 on:1");
	decide(af, "erin", fe, out, sizeof(out));
	ATF_CHECK_STREQ(out, "off:5 off:2 on:1");
	/* Another user's rule does not apply; names are exact. */
	decide(af, "Bob", none, out, sizeof(out));
	ATF_CHECK_STREQ(out, "off:1 off:1 on:1");
	/* Without a membership test, group rules never apply. */
	{
		struct af_decision	dec[PROTO_MAX];

		af_decide(af, "alice", NULL, NULL, dec);
		ATF_CHECK_EQ(dec[PROTO_IMAP].allow, 0);
		ATF_CHECK_EQ(dec[PROTO_SUBMISSION].allow, 1);
	}
	af_free(af);

	/* Several lines for one subject: the last to name a protocol. */
	af = parse_ok("user alice all off\n"			/* 1 */
	    "group g pop3 off\n"				/* 2 */
	    "user alice imap on\n"				/* 3 */
	    "group g pop3 on imap off\n"			/* 4 */
	    "default pop3 off\n"				/* 5 */
	    "default pop3 on\n");				/* 6 */
	decide(af, "alice", none, out, sizeof(out));
	ATF_CHECK_STREQ(out, "on:3 off:1 off:1");
	{
		const char	*g[] = { "g", NULL };

		decide(af, "bob", g, out, sizeof(out));
		ATF_CHECK_STREQ(out, "off:4 on:4 on:0");
	}
	decide(af, "bob", none, out, sizeof(out));
	ATF_CHECK_STREQ(out, "on:0 on:6 on:0");
	af_free(af);
}

/* The example: field engineers get IMAP, not POP3; bob both. */
ATF_TC_WITHOUT_HEAD(example);
ATF_TC_BODY(example, tc)
{
	struct af_file	*af;
	const char	*fe[] = { "field-engineers", NULL };
	const char	*none[] = { NULL };
	char		 out[128];

	af = parse_ok("# /etc/postern/access\n"
	    "default all on\n"
	    "group field-engineers imap on pop3 off\n"
	    "user bob pop3 on\t# the handheld speaks POP3 only\n");
	decide(af, "alice", fe, out, sizeof(out));
	ATF_CHECK_STREQ(out, "on:3 off:3 on:2");
	decide(af, "bob", fe, out, sizeof(out));
	ATF_CHECK_STREQ(out, "on:3 on:4 on:2");
	decide(af, "carol", none, out, sizeof(out));
	ATF_CHECK_STREQ(out, "on:2 on:2 on:2");
	af_free(af);
}

ATF_TC_WITHOUT_HEAD(settings);
ATF_TC_BODY(settings, tc)
{
	char	*v1[] = { "imap", "on", "pop3", "inherit" };
	char	*v2[] = { "all", "deny", "submission", "allow" };
	char	*v3[] = { "pop3", "inherit" };
	char	 err[P_TEXTLEN];
	int	 set[PROTO_MAX];

	ATF_CHECK_EQ(af_settings(4, v1, AF_SET_INHERIT, set, err,
	    sizeof(err)), 0);
	ATF_CHECK_EQ(set[PROTO_IMAP], AF_ALLOW);
	ATF_CHECK_EQ(set[PROTO_POP3], AF_INHERIT);
	ATF_CHECK_EQ(set[PROTO_SUBMISSION], AF_UNSET);
	ATF_CHECK_EQ(af_settings(4, v2, 0, set, err, sizeof(err)), 0);
	ATF_CHECK_EQ(set[PROTO_IMAP], AF_DENY);
	ATF_CHECK_EQ(set[PROTO_SUBMISSION], AF_ALLOW);
	ATF_CHECK_EQ(af_settings(2, v3, 0, set, err, sizeof(err)), -1);
	ATF_CHECK(strstr(err, "(or inherit)") == NULL);
	ATF_CHECK_EQ(af_settings(0, v3, 0, set, err, sizeof(err)), -1);
	ATF_CHECK_EQ(af_settings(1, v3, AF_SET_INHERIT, set, err,
	    sizeof(err)), -1);
	ATF_CHECK(af_name_ok("field-engineers"));
	ATF_CHECK(!af_name_ok(""));
	ATF_CHECK(!af_name_ok("a b"));
	ATF_CHECK(!af_name_ok("a#b"));
}

/* Editing changes one subject's line and keeps the rest verbatim. */
ATF_TC_WITHOUT_HEAD(edit);
ATF_TC_BODY(edit, tc)
{
	static const char	*orig =
	    "# site rules\n"
	    "default   all on\n"
	    "\n"
	    "group field-engineers imap on   # FE keep IMAP\n"
	    "user alice pop3 off\n"
	    "user  carol  imap  off\n"
	    "user alice imap off # second line\n";
	struct af_file		*af;
	char			 err[P_TEXTLEN], *text;
	int			 set[PROTO_MAX], p;

	af = parse_ok(orig);
	for (p = 0; p < PROTO_MAX; p++)
		set[p] = AF_UNSET;

	/* Nothing to change: the file comes out as it went in. */
	text = written(af);
	ATF_CHECK_STREQ(text, orig);
	free(text);

	/* A group's line changes in place, with its comment. */
	set[PROTO_POP3] = AF_DENY;
	ATF_REQUIRE_EQ(af_set(af, AF_GROUP, "field-engineers", set, err,
	    sizeof(err)), 0);
	/* alice's two lines fold into the first; the comment stays. */
	set[PROTO_POP3] = AF_ALLOW;
	ATF_REQUIRE_EQ(af_set(af, AF_USER, "alice", set, err,
	    sizeof(err)), 0);
	/* A new subject goes at the end. */
	set[PROTO_POP3] = AF_UNSET;
	set[PROTO_SUBMISSION] = AF_DENY;
	ATF_REQUIRE_EQ(af_set(af, AF_USER, "dave", set, err, sizeof(err)),
	    0);
	/* inherit drops a setting; a line left empty goes. */
	set[PROTO_SUBMISSION] = AF_UNSET;
	set[PROTO_IMAP] = AF_INHERIT;
	ATF_REQUIRE_EQ(af_set(af, AF_USER, "carol", set, err, sizeof(err)),
	    0);
	text = written(af);
	ATF_CHECK_STREQ(text,
	    "# site rules\n"
	    "default   all on\n"
	    "\n"
	    "group field-engineers imap on pop3 off\t# FE keep IMAP\n"
	    "user alice imap off pop3 on\n"
	    "# second line\n"
	    "user dave submission off\n");
	free(text);
	ATF_CHECK_EQ(af->nrules, 4);

	/* The edited file reads back the same and decides as edited. */
	{
		struct af_file	*back;
		char		 out[128];
		const char	*fe[] = { "field-engineers", NULL };

		text = written(af);
		back = parse_ok(text);
		free(text);
		decide(back, "alice", fe, out, sizeof(out));
		ATF_CHECK_STREQ(out, "off:5 on:5 on:2");
		decide(back, "bob", fe, out, sizeof(out));
		ATF_CHECK_STREQ(out, "on:4 off:4 on:2");
		af_free(back);
	}

	/* all on/off is written as such. */
	for (p = 0; p < PROTO_MAX; p++)
		set[p] = AF_DENY;
	ATF_REQUIRE_EQ(af_set(af, AF_DEFAULT, NULL, set, err, sizeof(err)),
	    0);
	ATF_CHECK_EQ(af_set(af, AF_USER, "bad name", set, err, sizeof(err)),
	    -1);
	text = written(af);
	ATF_CHECK(strncmp(text, "# site rules\ndefault all off\n", 29) == 0);
	free(text);
	af_free(af);
}

static void
write_file(const char *path, const char *text)
{
	char	tmp[256];
	FILE	*fp;

	/* Replaced as posternctl does: a new inode every time. */
	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	ATF_REQUIRE((fp = fopen(tmp, "w")) != NULL);
	fputs(text, fp);
	ATF_REQUIRE(fclose(fp) == 0);
	ATF_REQUIRE(rename(tmp, path) == 0);
}

static void
ident(struct auth_identity *id, const char *user, uint32_t uid,
    uint32_t gid)
{
	memset(id, 0, sizeof(*id));
	strlcpy(id->user, user, sizeof(id->user));
	id->uid = uid;
	id->gid = gid;
	id->ngroups = 1;
}

ATF_TC_WITHOUT_HEAD(reread);
ATF_TC_BODY(reread, tc)
{
	struct auth_identity	 id;
	uint32_t		 gids[1] = { 2001 };
	char			 path[512], why[P_TEXTLEN], want[600];
	char			 cwd[256];

	ATF_REQUIRE(getcwd(cwd, sizeof(cwd)) != NULL);
	snprintf(path, sizeof(path), "%s/access", cwd);
	ident(&id, "alice", 2001, 2001);

	/* No file: everything allowed. */
	access_refresh(path);
	ATF_CHECK_EQ(access_check(path, PROTO_POP3, &id, gids, why,
	    sizeof(why)), 0);

	write_file(path, "# rules\nuser alice pop3 off\n");
	access_refresh(path);
	ATF_CHECK_EQ(access_check(path, PROTO_POP3, &id, gids, why,
	    sizeof(why)), AUTH_FAIL_DENIED);
	snprintf(want, sizeof(want), "access denied by rule user alice "
	    "(%s:2)", path);
	ATF_CHECK_STREQ(why, want);
	ATF_CHECK_EQ(access_check(path, PROTO_IMAP, &id, gids, why,
	    sizeof(why)), 0);

	/* Changed: read again at the next refresh, no restart. */
	write_file(path, "user alice pop3 on\n");
	access_refresh(path);
	ATF_CHECK_EQ(access_check(path, PROTO_POP3, &id, gids, why,
	    sizeof(why)), 0);

	/* A bad line refuses everyone, naming the place. */
	write_file(path, "user alice pop3 on\nuser bob pop3 sometimes\n");
	access_refresh(path);
	ATF_CHECK_EQ(access_check(path, PROTO_POP3, &id, gids, why,
	    sizeof(why)), AUTH_FAIL_DENIED);
	snprintf(want, sizeof(want), "access file %s:2: ", path);
	ATF_CHECK_MSG(strncmp(why, want, strlen(want)) == 0, "%s", why);
	ATF_CHECK_EQ(access_check(path, PROTO_IMAP, &id, gids, why,
	    sizeof(why)), AUTH_FAIL_DENIED);

	/* Fixed: allowed again. */
	write_file(path, "default all on\n");
	access_refresh(path);
	ATF_CHECK_EQ(access_check(path, PROTO_POP3, &id, gids, why,
	    sizeof(why)), 0);

	/* Gone: allowed. */
	write_file(path, "default all off\n");
	access_refresh(path);
	ATF_CHECK_EQ(access_check(path, PROTO_IMAP, &id, gids, why,
	    sizeof(why)), AUTH_FAIL_DENIED);
	snprintf(want, sizeof(want), "access denied by rule default (%s:1)",
	    path);
	ATF_CHECK_STREQ(why, want);
	ATF_REQUIRE(unlink(path) == 0);
	access_refresh(path);
	ATF_CHECK_EQ(access_check(path, PROTO_IMAP, &id, gids, why,
	    sizeof(why)), 0);

	/* Unreadable (a directory): refused. */
	ATF_REQUIRE(mkdir(path, 0755) == 0);
	access_refresh(path);
	ATF_CHECK_EQ(access_check(path, PROTO_IMAP, &id, gids, why,
	    sizeof(why)), AUTH_FAIL_DENIED);
	ATF_REQUIRE(rmdir(path) == 0);
	access_shutdown();
}

/* Group rules match by gid among the user's groups, or by member list. */
ATF_TC_WITHOUT_HEAD(groups);
ATF_TC_BODY(groups, tc)
{
	struct auth_identity	 id;
	struct group		*gr;
	uint32_t		 gids[2];
	char			 path[512], why[P_TEXTLEN], text[600];
	char			 cwd[256];

	if ((gr = getgrgid(0)) == NULL)
		atf_tc_skip("no group with gid 0");
	ATF_REQUIRE(getcwd(cwd, sizeof(cwd)) != NULL);
	snprintf(path, sizeof(path), "%s/access", cwd);
	snprintf(text, sizeof(text), "default all on\ngroup %s pop3 off\n",
	    gr->gr_name);
	write_file(path, text);
	access_refresh(path);

	/* Primary group. */
	ident(&id, "alice", 2001, 0);
	gids[0] = 0;
	ATF_CHECK_EQ(access_check(path, PROTO_POP3, &id, gids, why,
	    sizeof(why)), AUTH_FAIL_DENIED);
	/* A supplementary group. */
	ident(&id, "alice", 2001, 2001);
	id.ngroups = 2;
	gids[0] = 2001;
	gids[1] = 0;
	ATF_CHECK_EQ(access_check(path, PROTO_POP3, &id, gids, why,
	    sizeof(why)), AUTH_FAIL_DENIED);
	/* Not a member. */
	id.ngroups = 1;
	ATF_CHECK_EQ(access_check(path, PROTO_POP3, &id, gids, why,
	    sizeof(why)), 0);
	/* A group that does not exist matches no one. */
	write_file(path, "group no-such-group-here all off\n");
	access_refresh(path);
	ATF_CHECK_EQ(access_check(path, PROTO_POP3, &id, gids, why,
	    sizeof(why)), 0);
	access_shutdown();
}

/* root and system accounts never, whatever the rules say. */
ATF_TC_WITHOUT_HEAD(policy);
ATF_TC_BODY(policy, tc)
{
	struct auth_config	 conf;
	struct verify_result	 r;
	char			 cwd[256];

	ATF_REQUIRE(getcwd(cwd, sizeof(cwd)) != NULL);
	memset(&conf, 0, sizeof(conf));
	conf.first_valid_uid = 1000;
	snprintf(conf.access_file, sizeof(conf.access_file), "%s/access",
	    cwd);
	write_file(conf.access_file, "user root all on\nuser daemon all on\n"
	    "default all on\nuser carol pop3 off\n");
	access_refresh(conf.access_file);

	memset(&r, 0, sizeof(r));
	r.status = VERIFY_OK;
	strlcpy(r.id.user, "root", sizeof(r.id.user));
	r.id.ngroups = 1;
	policy_access(&conf, PROTO_POP3, &r);
	ATF_CHECK_EQ(r.status, VERIFY_FAIL);
	ATF_CHECK_EQ(r.code, AUTH_FAIL_DENIED);
	ATF_CHECK_STREQ(r.reason, "root may not log in");

	memset(&r, 0, sizeof(r));
	r.status = VERIFY_OK;
	strlcpy(r.id.user, "daemon", sizeof(r.id.user));
	r.id.uid = r.id.gid = 1;
	r.id.ngroups = 1;
	policy_access(&conf, PROTO_IMAP, &r);
	ATF_CHECK_EQ(r.status, VERIFY_FAIL);
	ATF_CHECK_EQ(r.code, AUTH_FAIL_DENIED);
	ATF_CHECK_STREQ(r.reason, "system account");

	memset(&r, 0, sizeof(r));
	r.status = VERIFY_OK;
	strlcpy(r.id.user, "carol", sizeof(r.id.user));
	r.id.uid = r.id.gid = 2003;
	r.id.ngroups = 1;
	policy_access(&conf, PROTO_IMAP, &r);
	ATF_CHECK_EQ(r.status, VERIFY_OK);
	policy_access(&conf, PROTO_POP3, &r);
	ATF_CHECK_EQ(r.status, VERIFY_FAIL);
	ATF_CHECK(strstr(r.reason, "access denied by rule user carol") !=
	    NULL);

	/* A failed verification stays as it was. */
	memset(&r, 0, sizeof(r));
	verify_set(&r, VERIFY_FAIL, AUTH_FAIL_CREDENTIALS, "wrong password");
	policy_access(&conf, PROTO_POP3, &r);
	ATF_CHECK_EQ(r.code, AUTH_FAIL_CREDENTIALS);
	ATF_CHECK_STREQ(r.reason, "wrong password");
	access_shutdown();
}

ATF_TP_ADD_TCS(tp)
{
	ATF_TP_ADD_TC(tp, grammar);
	ATF_TP_ADD_TC(tp, grammar_errors);
	ATF_TP_ADD_TC(tp, precedence);
	ATF_TP_ADD_TC(tp, example);
	ATF_TP_ADD_TC(tp, settings);
	ATF_TP_ADD_TC(tp, edit);
	ATF_TP_ADD_TC(tp, reread);
	ATF_TP_ADD_TC(tp, groups);
	ATF_TP_ADD_TC(tp, policy);
	return atf_no_error();
}
