/*
 * Unit tests for postern-auth's backend chain (auth/backend.c) with
 * passwd-file backends: the first backend that knows the user decides,
 * an unknown user falls through, a reload forgets files no longer
 * named, and system users get their supplementary groups.
 */
#include <sys/types.h>
#include <sys/stat.h>

#include <crypt.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <unistd.h>

#include <atf-c.h>

#include "auth.h"
#include "log.h"

static char *
mkhash(const char *pw)
{
	static char		 out[CRYPT_OUTPUT_SIZE];
	char			 setting[CRYPT_GENSALT_OUTPUT_SIZE];
	struct crypt_data	*cd;

	ATF_REQUIRE(crypt_gensalt_rn("$6$", 0, NULL, 0, setting,
	    sizeof(setting)) != NULL);
	ATF_REQUIRE((cd = calloc(1, sizeof(*cd))) != NULL);
	ATF_REQUIRE(crypt_rn(pw, setting, cd, sizeof(*cd)) != NULL);
	strlcpy(out, cd->output, sizeof(out));
	free(cd);
	return out;
}

/* Add a user with password pw, uid = gid, to the passwd-file path. */
static void
add_user(const char *path, const char *name, const char *pw, unsigned uid,
    const char *home)
{
	FILE	*fp;

	ATF_REQUIRE((fp = fopen(path, "a")) != NULL);
	ATF_REQUIRE(fprintf(fp, "%s:%s:%u:%u::%s\n", name, mkhash(pw), uid,
	    uid, home) > 0);
	ATF_REQUIRE(fclose(fp) == 0);
}

static void
conf_files(struct auth_config *c, const char *a, const char *b)
{
	memset(c, 0, sizeof(*c));
	c->first_valid_uid = 1000;
	c->backends[c->nbackends].type = AUTH_BACKEND_PASSWD;
	strlcpy(c->backends[c->nbackends++].arg, a, P_PATHLEN);
	if (b != NULL) {
		c->backends[c->nbackends].type = AUTH_BACKEND_PASSWD;
		strlcpy(c->backends[c->nbackends++].arg, b, P_PATHLEN);
	}
}

ATF_TC_WITHOUT_HEAD(first_knower_decides);
ATF_TC_BODY(first_knower_decides, tc)
{
	struct auth_config	 c;
	struct verify_result	 r;

	log_init(1, LOG_MAIL);
	add_user("a", "both", "one", 1000, "/home/a");
	add_user("b", "both", "two", 2000, "/home/b");
	add_user("b", "onlyb", "three", 2001, "/home/onlyb");
	conf_files(&c, "a", "b");
	backend_prepare(&c);

	backend_verify(&c, "both", "one", "192.0.2.1", &r);
	ATF_CHECK_EQ(r.status, VERIFY_OK);
	ATF_CHECK_EQ(r.id.uid, 1000);
	ATF_CHECK_STREQ(r.backend, "passwd-file");

	/* A wrong password in the first file does not try the second. */
	backend_verify(&c, "both", "two", "192.0.2.1", &r);
	ATF_CHECK_EQ(r.status, VERIFY_FAIL);
	ATF_CHECK_EQ(r.code, AUTH_FAIL_CREDENTIALS);
	ATF_CHECK_STREQ(r.reason, "wrong password");

	/* An unknown user does. */
	backend_verify(&c, "onlyb", "three", "192.0.2.1", &r);
	ATF_CHECK_EQ(r.status, VERIFY_OK);
	ATF_CHECK_EQ(r.id.uid, 2001);

	backend_verify(&c, "nobody-at-all", "x", "192.0.2.1", &r);
	ATF_CHECK_EQ(r.status, VERIFY_UNKNOWN);
	ATF_CHECK_STREQ(r.reason, "unknown user");
	ATF_CHECK(verify_result_ok(&r));

	/* The other order: the second file's "both" now decides. */
	conf_files(&c, "b", "a");
	backend_verify(&c, "both", "two", "192.0.2.1", &r);
	ATF_CHECK_EQ(r.status, VERIFY_OK);
	ATF_CHECK_EQ(r.id.uid, 2000);
}

ATF_TC_WITHOUT_HEAD(prune);
ATF_TC_BODY(prune, tc)
{
	struct auth_config	 c;
	struct verify_result	 r;

	log_init(1, LOG_MAIL);
	add_user("a", "u", "pw", 1000, "/home/u");
	conf_files(&c, "a", NULL);

	/* Never prepared: the file is not known to the chain. */
	backend_verify(&c, "u", "pw", "local", &r);
	ATF_CHECK_EQ(r.status, VERIFY_UNKNOWN);

	backend_prepare(&c);
	backend_verify(&c, "u", "pw", "local", &r);
	ATF_CHECK_EQ(r.status, VERIFY_OK);

	/* A configuration without the file forgets it. */
	conf_files(&c, "other", NULL);
	backend_prune(&c);
	conf_files(&c, "a", NULL);
	backend_verify(&c, "u", "pw", "local", &r);
	ATF_CHECK_EQ(r.status, VERIFY_UNKNOWN);
	backend_prepare(&c);
	backend_verify(&c, "u", "pw", "local", &r);
	ATF_CHECK_EQ(r.status, VERIFY_OK);
}

ATF_TC_WITHOUT_HEAD(groups);
ATF_TC_BODY(groups, tc)
{
	struct auth_config	 c;
	struct verify_result	 r;
	struct passwd		*pw;
	uint32_t		 i;
	int			 found = 0;

	log_init(1, LOG_MAIL);
	if ((pw = getpwnam("root")) == NULL)
		atf_tc_skip("no root in the system database");

	/* A system user's name with its own uid: the system's groups. */
	add_user("a", "root", "pw", pw->pw_uid, "/root");
	add_user("a", "virtual", "pw", 5000, "/home/virtual");
	conf_files(&c, "a", NULL);
	backend_prepare(&c);
	backend_verify(&c, "root", "pw", "local", &r);
	ATF_REQUIRE_EQ(r.status, VERIFY_OK);
	ATF_CHECK(r.id.ngroups >= 1);
	for (i = 0; i < r.id.ngroups; i++)
		if (r.gids[i] == pw->pw_gid)
			found = 1;
	ATF_CHECK(found);

	/* A virtual user has its primary group only. */
	backend_verify(&c, "virtual", "pw", "local", &r);
	ATF_REQUIRE_EQ(r.status, VERIFY_OK);
	ATF_CHECK_EQ(r.id.ngroups, 1);
	ATF_CHECK_EQ(r.gids[0], 5000);
}

ATF_TC_WITHOUT_HEAD(result_check);
ATF_TC_BODY(result_check, tc)
{
	struct verify_result	r;

	memset(&r, 0, sizeof(r));
	verify_set(&r, VERIFY_OK, 0, "%s", "");
	ATF_CHECK(!verify_result_ok(&r));	/* no user, no groups */
	strlcpy(r.id.user, "u", sizeof(r.id.user));
	r.id.ngroups = 1;
	ATF_CHECK(verify_result_ok(&r));
	r.id.ngroups = P_MAXGROUPS + 1;
	ATF_CHECK(!verify_result_ok(&r));
	r.id.ngroups = 1;
	memset(r.id.home, 'x', sizeof(r.id.home));
	ATF_CHECK(!verify_result_ok(&r));

	memset(&r, 0, sizeof(r));
	verify_set(&r, VERIFY_FAIL, 0, "x");
	ATF_CHECK(!verify_result_ok(&r));
	verify_set(&r, VERIFY_FAIL, AUTH_FAIL_EXPIRED, "x");
	ATF_CHECK(verify_result_ok(&r));
	verify_set(&r, 7, 0, "x");
	ATF_CHECK(!verify_result_ok(&r));
	verify_set(&r, VERIFY_UNKNOWN, 0, "x");
	memset(r.reason, 'x', sizeof(r.reason));
	ATF_CHECK(!verify_result_ok(&r));
}

ATF_TP_ADD_TCS(tp)
{
	ATF_TP_ADD_TC(tp, first_knower_decides);
	ATF_TP_ADD_TC(tp, prune);
	ATF_TP_ADD_TC(tp, groups);
	ATF_TP_ADD_TC(tp, result_check);
	return atf_no_error();
}
