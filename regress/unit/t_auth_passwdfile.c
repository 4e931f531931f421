/*
 * Unit tests for postern-auth's passwd-file backend (auth/passwdfile.c):
 * each field of a line, comments, bad lines reported with their line
 * numbers, extra fields, rereading when the file changes, and password
 * verification against hashes made here with crypt(3).
 */
#include <sys/types.h>
#include <sys/stat.h>

#include <crypt.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <unistd.h>

#include <atf-c.h>

#include "auth.h"
#include "log.h"

#define LOGFILE	"log.out"

/* A fresh crypt(3) hash of pw with the method prefix; NULL if unsupported. */
static char *
mkhash(const char *prefix, const char *pw)
{
	static char		 out[CRYPT_OUTPUT_SIZE];
	char			 setting[CRYPT_GENSALT_OUTPUT_SIZE];
	struct crypt_data	*cd;
	const char		*h;

	if (crypt_gensalt_rn(prefix, 0, NULL, 0, setting,
	    sizeof(setting)) == NULL)
		return NULL;
	ATF_REQUIRE((cd = calloc(1, sizeof(*cd))) != NULL);
	h = crypt_rn(pw, setting, cd, sizeof(*cd));
	if (h == NULL || h[0] == '*') {
		free(cd);
		return NULL;
	}
	strlcpy(out, h, sizeof(out));
	free(cd);
	return out;
}

static void
write_file(const char *path, const char *text)
{
	FILE	*fp;

	ATF_REQUIRE((fp = fopen(path, "w")) != NULL);
	ATF_REQUIRE(fputs(text, fp) >= 0);
	ATF_REQUIRE(fclose(fp) == 0);
	ATF_REQUIRE(chmod(path, 0600) == 0);
}

/* Log lines go to stderr, and stderr to a file the test reads back. */
static void
capture_log(void)
{
	int	fd;

	ATF_REQUIRE((fd = open(LOGFILE, O_WRONLY | O_CREAT | O_TRUNC,
	    0600)) != -1);
	ATF_REQUIRE(dup2(fd, STDERR_FILENO) != -1);
	close(fd);
	log_init(1, LOG_MAIL);
}

static int
log_has(const char *text)
{
	return atf_utils_grep_file("%s", LOGFILE, text);
}

static struct pwfile *
load(const char *path, const char *text)
{
	struct pwfile	*pf;

	write_file(path, text);
	ATF_REQUIRE((pf = pwfile_new(path)) != NULL);
	ATF_REQUIRE_EQ(pwfile_refresh(pf), 1);
	return pf;
}

static void
verify(struct pwfile *pf, const char *user, const char *pass,
    struct verify_result *r)
{
	pwfile_verify(pf, user, pass, r);
	ATF_REQUIRE(verify_result_ok(r));
	ATF_CHECK_STREQ(r->backend, "passwd-file");
}

ATF_TC_WITHOUT_HEAD(fields);
ATF_TC_BODY(fields, tc)
{
	struct pwfile		*pf;
	struct verify_result	 r;
	char			 text[2048];
	char			*h;

	capture_log();
	ATF_REQUIRE((h = mkhash("$6$", "s3cret")) != NULL);
	snprintf(text, sizeof(text),
	    "alice:%s:1001:100:Alice A.:/home/alice:/bin/sh:"
	    "mail=maildir:~/Mail:INDEX=/var/idx/%%u userdb_quota_rule=*:10M\n"
	    "bob:{SHA512-CRYPT}%s:1002:1002::/srv/mail/bob\n", h, h);
	pf = load("passwd", text);
	ATF_CHECK_EQ(pwfile_nusers(pf), 2);
	ATF_CHECK_EQ(pwfile_nbad(pf), 0);

	verify(pf, "alice", "s3cret", &r);
	ATF_REQUIRE_EQ(r.status, VERIFY_OK);
	ATF_CHECK_STREQ(r.id.user, "alice");
	ATF_CHECK_EQ(r.id.uid, 1001);
	ATF_CHECK_EQ(r.id.gid, 100);
	ATF_CHECK_STREQ(r.id.home, "/home/alice");
	ATF_CHECK_STREQ(r.id.mail, "maildir:~/Mail:INDEX=/var/idx/%u");
	ATF_CHECK_EQ(r.id.ngroups, 1);
	ATF_CHECK_EQ(r.gids[0], 100);

	/* Trailing fields may be missing; no mail field: the default. */
	verify(pf, "bob", "s3cret", &r);
	ATF_REQUIRE_EQ(r.status, VERIFY_OK);
	ATF_CHECK_EQ(r.id.uid, 1002);
	ATF_CHECK_STREQ(r.id.home, "/srv/mail/bob");
	ATF_CHECK_STREQ(r.id.mail, "");

	/* Names are exact. */
	verify(pf, "Alice", "s3cret", &r);
	ATF_CHECK_EQ(r.status, VERIFY_UNKNOWN);
	pwfile_free(pf);
}

ATF_TC_WITHOUT_HEAD(comments);
ATF_TC_BODY(comments, tc)
{
	struct pwfile		*pf;
	struct verify_result	 r;
	char			 text[2048];
	char			*h;

	capture_log();
	ATF_REQUIRE((h = mkhash("$5$", "pw")) != NULL);
	snprintf(text, sizeof(text),
	    "# virtual users\n"
	    "\n"
	    "   \t\n"
	    "   # indented comment\n"
	    "carol:%s:2000:2000::/home/carol::\r\n"
	    "#dave:%s:2001:2001::/home/dave\n"
	    "\n", h, h);
	pf = load("passwd", text);
	ATF_CHECK_EQ(pwfile_nusers(pf), 1);
	ATF_CHECK_EQ(pwfile_nbad(pf), 0);
	verify(pf, "carol", "pw", &r);
	ATF_CHECK_EQ(r.status, VERIFY_OK);
	verify(pf, "#dave", "pw", &r);
	ATF_CHECK_EQ(r.status, VERIFY_UNKNOWN);
	verify(pf, "dave", "pw", &r);
	ATF_CHECK_EQ(r.status, VERIFY_UNKNOWN);
	pwfile_free(pf);
}

ATF_TC_WITHOUT_HEAD(bad_lines);
ATF_TC_BODY(bad_lines, tc)
{
	struct pwfile	*pf;
	char		 text[8192];
	char		*h;

	capture_log();
	ATF_REQUIRE((h = mkhash("$6$", "pw")) != NULL);
	snprintf(text, sizeof(text),
	    "good:%1$s:1000:1000::/home/good\n"			/* 1 */
	    ":%1$s:1000:1000::/home/x\n"			/* 2 */
	    "nopass\n"						/* 3 */
	    "u3:%1$s\n"						/* 4 */
	    "u4:%1$s::1000::/home/x\n"				/* 5 */
	    "u5:%1$s:abc:1000::/home/x\n"			/* 6 */
	    "u6:%1$s:1000\n"					/* 7 */
	    "u7:%1$s:1000:-1::/home/x\n"			/* 8 */
	    "u8:%1$s:1000:1000::\n"				/* 9 */
	    "u9:%1$s:1000:1000::home/x\n"			/* 10 */
	    "u10:{PLAIN}secret:1000:1000::/home/x\n"		/* 11 */
	    "u11:{SHA256-CRYPT}%1$s:1000:1000::/home/x\n"	/* 12 */
	    "u12:$9$nonsense:1000:1000::/home/x\n"		/* 13 */
	    "u13:%1$s:1000:1000::/home/x::nologin\n"		/* 14 */
	    "u14:%1$s:1000:1000::/home/x::mail=\n"		/* 15 */
	    "good:%1$s:1001:1001::/home/good2\n"		/* 16 */
	    "u 15:%1$s:1000:1000::/home/x\n"			/* 17 */
	    "u16:{SHA512-CRYPT%1$s:1000:1000::/home/x\n"	/* 18 */
	    "u17:%1$s:4294967296:1000::/home/x\n",		/* 19 */
	    h);
	pf = load("passwd", text);
	ATF_CHECK_EQ(pwfile_nusers(pf), 1);
	ATF_CHECK_EQ(pwfile_nbad(pf), 18);
	ATF_CHECK(log_has("passwd:2: empty user name; line skipped"));
	ATF_CHECK(log_has("passwd:3: missing password field"));
	ATF_CHECK(log_has("passwd:4: missing uid"));
	ATF_CHECK(log_has("passwd:5: missing uid"));
	ATF_CHECK(log_has("passwd:6: uid is invalid"));
	ATF_CHECK(log_has("passwd:7: missing gid"));
	ATF_CHECK(log_has("passwd:8: gid is too small"));
	ATF_CHECK(log_has("passwd:9: missing home"));
	ATF_CHECK(log_has("passwd:10: home is not an absolute path"));
	ATF_CHECK(log_has("passwd:11: unsupported password scheme \\{PLAIN\\}"));
	ATF_CHECK(log_has("passwd:12: hash does not match scheme "
	    "\\{SHA256-CRYPT\\}"));
	ATF_CHECK(log_has("passwd:13: unusable crypt\\(3\\) hash"));
	ATF_CHECK(log_has("passwd:14: unsupported extra field \"nologin\""));
	ATF_CHECK(log_has("passwd:15: empty mail field"));
	ATF_CHECK(log_has("passwd:16: duplicate user, first at line 1"));
	ATF_CHECK(log_has("passwd:17: bad user name"));
	ATF_CHECK(log_has("passwd:18: unterminated scheme tag"));
	ATF_CHECK(log_has("passwd:19: uid is too large"));
	ATF_CHECK(log_has("passwd: 1 users, 18 lines skipped"));

	/* Reported once: an unchanged file is not read again. */
	ATF_REQUIRE(truncate(LOGFILE, 0) == 0);
	ATF_CHECK_EQ(pwfile_refresh(pf), 0);
	ATF_CHECK(!log_has("passwd:2:"));
	pwfile_free(pf);
}

ATF_TC_WITHOUT_HEAD(hashes);
ATF_TC_BODY(hashes, tc)
{
	static const struct {
		const char	*prefix;	/* for crypt_gensalt */
		const char	*tag;		/* in the file */
	} m[] = {
		{ "$6$",	"" },
		{ "$6$",	"{SHA512-CRYPT}" },
		{ "$6$",	"{crypt}" },
		{ "$5$",	"" },
		{ "$5$",	"{SHA256-CRYPT}" },
		{ "$2b$",	"{BLF-CRYPT}" },
		{ "$1$",	"{MD5-CRYPT}" },
		{ "$y$",	"" },
		{ "$y$",	"{CRYPT}" },
	};
	struct pwfile		*pf;
	struct verify_result	 r;
	char			 text[1024], *h;
	size_t			 i;

	capture_log();
	for (i = 0; i < sizeof(m) / sizeof(m[0]); i++) {
		if ((h = mkhash(m[i].prefix, "Tr0ub4dor&3")) == NULL) {
			printf("%s not supported by crypt(3), skipped\n",
			    m[i].prefix);
			continue;
		}
		snprintf(text, sizeof(text), "u:%s%s:1000:1000::/home/u\n",
		    m[i].tag, h);
		pf = load("passwd", text);
		ATF_CHECK_EQ_MSG(pwfile_nusers(pf), 1, "%s%s", m[i].tag,
		    m[i].prefix);
		verify(pf, "u", "Tr0ub4dor&3", &r);
		ATF_CHECK_EQ_MSG(r.status, VERIFY_OK, "%s%s", m[i].tag,
		    m[i].prefix);
		verify(pf, "u", "Tr0ub4dor&4", &r);
		ATF_CHECK_EQ_MSG(r.status, VERIFY_FAIL, "%s%s", m[i].tag,
		    m[i].prefix);
		ATF_CHECK_EQ(r.code, AUTH_FAIL_CREDENTIALS);
		ATF_CHECK_STREQ(r.reason, "wrong password");
		verify(pf, "u", "Tr0ub4dor&", &r);
		ATF_CHECK_EQ(r.status, VERIFY_FAIL);
		pwfile_free(pf);
	}
	ATF_CHECK_EQ(pwfile_check(mkhash("$6$", "x"), "x"), 1);
	ATF_CHECK_EQ(pwfile_check(mkhash("$6$", "x"), "y"), 0);
	ATF_CHECK_EQ(pwfile_check("", "x"), 0);
	ATF_CHECK_EQ(pwfile_check("!locked", "x"), 0);
}

ATF_TC_WITHOUT_HEAD(unknown_and_locked);
ATF_TC_BODY(unknown_and_locked, tc)
{
	struct pwfile		*pf;
	struct verify_result	 r;
	char			 text[2048], h5[CRYPT_OUTPUT_SIZE], *h;

	capture_log();
	ATF_REQUIRE((h = mkhash("$5$", "a")) != NULL);
	strlcpy(h5, h, sizeof(h5));
	ATF_REQUIRE((h = mkhash("$6$", "b")) != NULL);
	snprintf(text, sizeof(text),
	    "a:%1$s:1000:1000::/home/a\n"
	    "b:%2$s:1000:1000::/home/b\n"
	    "c:%1$s:1000:1000::/home/c\n"
	    "locked:!%1$s:1000:1000::/home/l\n"
	    "empty::1000:1000::/home/e\n", h5, h);
	pf = load("passwd", text);
	ATF_CHECK_EQ(pwfile_nusers(pf), 5);

	/* The unknown user costs a crypt of the scheme most used. */
	ATF_CHECK(strncmp(pwfile_dummy(pf), "$5$", 3) == 0);
	verify(pf, "nobody-here", "a", &r);
	ATF_CHECK_EQ(r.status, VERIFY_UNKNOWN);
	ATF_CHECK_STREQ(r.reason, "unknown user");

	verify(pf, "locked", "a", &r);
	ATF_CHECK_EQ(r.status, VERIFY_FAIL);
	ATF_CHECK_EQ(r.code, AUTH_FAIL_CREDENTIALS);
	ATF_CHECK_STREQ(r.reason, "account locked");
	verify(pf, "empty", "", &r);
	ATF_CHECK_EQ(r.status, VERIFY_FAIL);
	ATF_CHECK_STREQ(r.reason, "account locked");
	pwfile_free(pf);

	/* No usable hash in the file: the built-in SHA-512 one. */
	pf = load("passwd2", "# nobody\n");
	ATF_CHECK(strncmp(pwfile_dummy(pf), "$6$", 3) == 0);
	verify(pf, "x", "y", &r);
	ATF_CHECK_EQ(r.status, VERIFY_UNKNOWN);
	pwfile_free(pf);
}

ATF_TC_WITHOUT_HEAD(reload);
ATF_TC_BODY(reload, tc)
{
	struct pwfile		*pf;
	struct verify_result	 r;
	struct timespec		 ts[2];
	char			 text[2048], *h;

	capture_log();
	ATF_REQUIRE((h = mkhash("$6$", "pw")) != NULL);
	snprintf(text, sizeof(text), "a:%s:1000:1000::/home/a\n", h);
	pf = load("passwd", text);
	ATF_CHECK_EQ(pwfile_refresh(pf), 0);

	/* Changed size: reread. */
	snprintf(text, sizeof(text), "a:%1$s:1000:1000::/home/a\n"
	    "b:%1$s:1000:1000::/home/b\n", h);
	write_file("passwd", text);
	ATF_CHECK_EQ(pwfile_refresh(pf), 1);
	ATF_CHECK_EQ(pwfile_nusers(pf), 2);
	verify(pf, "b", "pw", &r);
	ATF_CHECK_EQ(r.status, VERIFY_OK);
	ATF_CHECK_EQ(pwfile_refresh(pf), 0);

	/* Same size, new modification time: reread. */
	snprintf(text, sizeof(text), "a:%1$s:1000:1000::/home/a\n"
	    "c:%1$s:1000:1000::/home/c\n", h);
	write_file("passwd", text);
	ts[0].tv_sec = ts[1].tv_sec = 1000000000;
	ts[0].tv_nsec = ts[1].tv_nsec = 0;
	ATF_REQUIRE(utimensat(AT_FDCWD, "passwd", ts, 0) == 0);
	ATF_CHECK_EQ(pwfile_refresh(pf), 1);
	verify(pf, "b", "pw", &r);
	ATF_CHECK_EQ(r.status, VERIFY_UNKNOWN);
	verify(pf, "c", "pw", &r);
	ATF_CHECK_EQ(r.status, VERIFY_OK);

	/* Replaced by rename, same size and time: the inode tells. */
	snprintf(text, sizeof(text), "a:%1$s:1000:1000::/home/a\n"
	    "d:%1$s:1000:1000::/home/d\n", h);
	write_file("passwd.new", text);
	ATF_REQUIRE(utimensat(AT_FDCWD, "passwd.new", ts, 0) == 0);
	ATF_REQUIRE(rename("passwd.new", "passwd") == 0);
	ATF_CHECK_EQ(pwfile_refresh(pf), 1);
	verify(pf, "d", "pw", &r);
	ATF_CHECK_EQ(r.status, VERIFY_OK);

	/* Gone: nobody is known, and that is said once. */
	ATF_REQUIRE(unlink("passwd") == 0);
	ATF_CHECK_EQ(pwfile_refresh(pf), -1);
	ATF_CHECK_EQ(pwfile_nusers(pf), 0);
	verify(pf, "a", "pw", &r);
	ATF_CHECK_EQ(r.status, VERIFY_UNKNOWN);
	ATF_CHECK(log_has("passwd: No such file or directory"));
	ATF_REQUIRE(truncate(LOGFILE, 0) == 0);
	ATF_CHECK_EQ(pwfile_refresh(pf), -1);
	ATF_CHECK(!log_has("passwd"));

	/* And back. */
	write_file("passwd", text);
	ATF_CHECK_EQ(pwfile_refresh(pf), 1);
	verify(pf, "a", "pw", &r);
	ATF_CHECK_EQ(r.status, VERIFY_OK);
	pwfile_free(pf);
}

ATF_TC_WITHOUT_HEAD(permissions);
ATF_TC_BODY(permissions, tc)
{
	struct pwfile	*pf;

	capture_log();
	pf = load("passwd", "# empty\n");
	ATF_CHECK(!log_has("writable"));
	ATF_REQUIRE(chmod("passwd", 0666) == 0);
	ATF_REQUIRE(truncate("passwd", 3) == 0);
	ATF_CHECK_EQ(pwfile_refresh(pf), 1);
	ATF_CHECK(log_has("passwd: writable by group or others"));
	pwfile_free(pf);

	/* Not a regular file: no users, no crash. */
	ATF_REQUIRE(mkdir("dir", 0700) == 0);
	ATF_REQUIRE((pf = pwfile_new("dir")) != NULL);
	ATF_CHECK_EQ(pwfile_refresh(pf), -1);
	ATF_CHECK(log_has("dir: not a regular file"));
	pwfile_free(pf);
}

ATF_TP_ADD_TCS(tp)
{
	ATF_TP_ADD_TC(tp, fields);
	ATF_TP_ADD_TC(tp, comments);
	ATF_TP_ADD_TC(tp, bad_lines);
	ATF_TP_ADD_TC(tp, hashes);
	ATF_TP_ADD_TC(tp, unknown_and_locked);
	ATF_TP_ADD_TC(tp, reload);
	ATF_TP_ADD_TC(tp, permissions);
	return atf_no_error();
}
