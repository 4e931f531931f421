/*
 * Unit tests for postern-auth's PAM backend (auth/pam.c) against
 * pam_wrapper's pam_matrix module and nss_wrapper's files, so no
 * system account is touched.  The wrappers must be preloaded, so each
 * case first writes its files and re-executes itself with LD_PRELOAD
 * and the wrapper variables set; the second run does the checks.
 * Skipped when the wrappers are not installed.
 */
#include <sys/types.h>
#include <sys/file.h>

#include <sys/stat.h>

#include <crypt.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <unistd.h>

#include <atf-c.h>

#include "auth.h"
#include "log.h"

#define WRAPDIR		"/usr/lib/x86_64-linux-gnu"
#define PAM_WRAPPER	WRAPDIR "/libpam_wrapper.so"
#define NSS_WRAPPER	WRAPDIR "/libnss_wrapper.so"
#define PAM_MATRIX	WRAPDIR "/pam_wrapper/pam_matrix.so"
#define SERVICE		"postern-test"
#define REEXEC_FLAG	"POSTERN_T_AUTH_PAM_WRAPPED"

static void
write_file(const char *path, const char *text)
{
	FILE	*fp;

	ATF_REQUIRE((fp = fopen(path, "w")) != NULL);
	ATF_REQUIRE(fputs(text, fp) >= 0);
	ATF_REQUIRE(fclose(fp) == 0);
}

/*
 * First run: write the PAM service, the matrix and the NSS files, and
 * come back under the wrappers.  Second run: return.
 */
static void
wrap(void)
{
	char	 cwd[1024], buf[4096], cmdline[8192], *argv[64], *asan;
	ssize_t	 n;
	size_t	 off;
	int	 fd, argc = 0;

	if (getenv(REEXEC_FLAG) != NULL) {
		log_init(1, LOG_MAIL);
		return;
	}
	if (access(PAM_WRAPPER, R_OK) == -1 ||
	    access(NSS_WRAPPER, R_OK) == -1 || access(PAM_MATRIX, R_OK) == -1)
		atf_tc_skip("pam_wrapper or nss_wrapper not installed");
	ATF_REQUIRE(getcwd(cwd, sizeof(cwd)) != NULL);

	ATF_REQUIRE(mkdir("pam.d", 0700) == 0);
	snprintf(buf, sizeof(buf),
	    "auth required %1$s passdb=%2$s/passdb\n"
	    "account required %1$s passdb=%2$s/passdb\n", PAM_MATRIX, cwd);
	write_file("pam.d/" SERVICE, buf);
	/* PAM reads "other" too; without it, it complains on stderr. */
	write_file("pam.d/other", "auth required pam_deny.so\n"
	    "account required pam_deny.so\n");
	write_file("passdb",
	    "pamuser:pampw:" SERVICE "\n"
	    "noaccount:pw:" SERVICE "\n"
	    "lowuid:pw:" SERVICE "\n");
	write_file("passwd",
	    "root:x:0:0:root:/root:/bin/sh\n"
	    "pamuser:x:3000:3000:PAM user:/home/pamuser:/bin/sh\n"
	    "lowuid:x:5:5::/var/low:/bin/sh\n");
	write_file("group",
	    "root:x:0:\n"
	    "pamuser:x:3000:\n"
	    "staff:x:3001:pamuser\n");

	snprintf(buf, sizeof(buf), "%s %s", PAM_WRAPPER, NSS_WRAPPER);
	ATF_REQUIRE(setenv("LD_PRELOAD", buf, 1) == 0);
	ATF_REQUIRE(setenv("PAM_WRAPPER", "1", 1) == 0);
	snprintf(buf, sizeof(buf), "%s/pam.d", cwd);
	ATF_REQUIRE(setenv("PAM_WRAPPER_SERVICE_DIR", buf, 1) == 0);
	snprintf(buf, sizeof(buf), "%s/passwd", cwd);
	ATF_REQUIRE(setenv("NSS_WRAPPER_PASSWD", buf, 1) == 0);
	snprintf(buf, sizeof(buf), "%s/group", cwd);
	ATF_REQUIRE(setenv("NSS_WRAPPER_GROUP", buf, 1) == 0);
	/* A sanitizer build: its runtime need not come first any more. */
	asan = getenv("ASAN_OPTIONS");
	snprintf(buf, sizeof(buf), "%s%sverify_asan_link_order=0",
	    asan != NULL ? asan : "", asan != NULL ? ":" : "");
	ATF_REQUIRE(setenv("ASAN_OPTIONS", buf, 1) == 0);
	/*
	 * ASan refuses dlopen(RTLD_DEEPBIND); the wrappers can do without.
	 * pam_wrapper reads uid_wrapper's variable for it.
	 */
	ATF_REQUIRE(setenv("UID_WRAPPER_DISABLE_DEEPBIND", "1", 1) == 0);
	ATF_REQUIRE(setenv("NSS_WRAPPER_DISABLE_DEEPBIND", "1", 1) == 0);
	ATF_REQUIRE(setenv(REEXEC_FLAG, "1", 1) == 0);

	/*
	 * pam_wrapper makes its directory /tmp/pam.X at start, and two
	 * processes starting together can race for the same X (Kyua runs
	 * cases in parallel): hold a lock, kept across the exec, for as
	 * long as the case runs.
	 */
	ATF_REQUIRE((fd = open("/tmp/postern-t_auth_pam.lock",
	    O_RDWR | O_CREAT, 0600)) != -1);
	ATF_REQUIRE(flock(fd, LOCK_EX) == 0);

	/* The same arguments, so the same case runs and reports. */
	ATF_REQUIRE((fd = open("/proc/self/cmdline", O_RDONLY)) != -1);
	ATF_REQUIRE((n = read(fd, cmdline, sizeof(cmdline) - 1)) > 0);
	close(fd);
	cmdline[n] = '\0';
	for (off = 0; off < (size_t)n && argc < 63;
	    off += strlen(cmdline + off) + 1)
		argv[argc++] = cmdline + off;
	argv[argc] = NULL;
	execv("/proc/self/exe", argv);
	atf_tc_fail("execv: %s", strerror(errno));
}

ATF_TC_WITHOUT_HEAD(pam_ok);
ATF_TC_BODY(pam_ok, tc)
{
	struct verify_result	r;
	uint32_t		i;
	int			primary = 0, staff = 0;

	wrap();
	authpam_verify(SERVICE, "pamuser", "pampw", "192.0.2.1", &r);
	ATF_REQUIRE_EQ_MSG(r.status, VERIFY_OK, "%s", r.reason);
	ATF_CHECK(verify_result_ok(&r));
	ATF_CHECK_STREQ(r.backend, "pam");
	ATF_CHECK_STREQ(r.id.user, "pamuser");
	ATF_CHECK_EQ(r.id.uid, 3000);
	ATF_CHECK_EQ(r.id.gid, 3000);
	ATF_CHECK_STREQ(r.id.home, "/home/pamuser");
	ATF_CHECK_STREQ(r.id.mail, "");
	for (i = 0; i < r.id.ngroups; i++) {
		if (r.gids[i] == 3000)
			primary = 1;
		if (r.gids[i] == 3001)
			staff = 1;
	}
	ATF_CHECK(primary);
	ATF_CHECK(staff);
}

ATF_TC_WITHOUT_HEAD(pam_wrong_password);
ATF_TC_BODY(pam_wrong_password, tc)
{
	struct verify_result	r;

	wrap();
	authpam_verify(SERVICE, "pamuser", "nope", "192.0.2.1", &r);
	ATF_CHECK_EQ(r.status, VERIFY_FAIL);
	ATF_CHECK_EQ(r.code, AUTH_FAIL_CREDENTIALS);
	ATF_CHECK(strncmp(r.reason, "wrong password", 14) == 0);
	ATF_CHECK(verify_result_ok(&r));
}

ATF_TC_WITHOUT_HEAD(pam_unknown);
ATF_TC_BODY(pam_unknown, tc)
{
	struct verify_result	r;

	wrap();
	/* Neither in PAM's database nor the system's. */
	authpam_verify(SERVICE, "ghost", "pw", "192.0.2.1", &r);
	ATF_CHECK_EQ(r.status, VERIFY_UNKNOWN);
	/* PAM knows the password, the system has no account: unknown. */
	authpam_verify(SERVICE, "noaccount", "pw", "192.0.2.1", &r);
	ATF_CHECK_EQ(r.status, VERIFY_UNKNOWN);
}

ATF_TC_WITHOUT_HEAD(pam_chain);
ATF_TC_BODY(pam_chain, tc)
{
	struct auth_config	 c;
	struct verify_result	 r;
	struct crypt_data	*cd;
	char			 setting[CRYPT_GENSALT_OUTPUT_SIZE];
	const char		*reason;
	FILE			*fp;

	wrap();
	ATF_REQUIRE(crypt_gensalt_rn("$6$", 0, NULL, 0, setting,
	    sizeof(setting)) != NULL);
	ATF_REQUIRE((cd = calloc(1, sizeof(*cd))) != NULL);
	ATF_REQUIRE(crypt_rn("virtpw", setting, cd, sizeof(*cd)) != NULL);
	ATF_REQUIRE((fp = fopen("users", "w")) != NULL);
	fprintf(fp, "virt:%s:6000:6000::/srv/virt\n", cd->output);
	fprintf(fp, "pamuser:%s:6001:6001::/srv/pamuser\n", cd->output);
	ATF_REQUIRE(fclose(fp) == 0);
	free(cd);

	memset(&c, 0, sizeof(c));
	c.first_valid_uid = 1000;
	c.nbackends = 2;
	c.backends[0].type = AUTH_BACKEND_PASSWD;
	strlcpy(c.backends[0].arg, "users", sizeof(c.backends[0].arg));
	c.backends[1].type = AUTH_BACKEND_PAM;
	strlcpy(c.backends[1].arg, SERVICE, sizeof(c.backends[1].arg));
	backend_prepare(&c);

	backend_verify(&c, "virt", "virtpw", "local", &r);
	ATF_CHECK_EQ(r.status, VERIFY_OK);
	ATF_CHECK_STREQ(r.backend, "passwd-file");
	/* The file knows pamuser first: its password, not PAM's. */
	backend_verify(&c, "pamuser", "pampw", "local", &r);
	ATF_CHECK_EQ(r.status, VERIFY_FAIL);
	ATF_CHECK_STREQ(r.backend, "passwd-file");
	backend_verify(&c, "pamuser", "virtpw", "local", &r);
	ATF_CHECK_EQ(r.status, VERIFY_OK);
	ATF_CHECK_EQ(r.id.uid, 6001);

	/* Unknown to the file: PAM decides, and the policy after it. */
	backend_verify(&c, "lowuid", "pw", "local", &r);
	ATF_REQUIRE_EQ(r.status, VERIFY_OK);
	ATF_CHECK_STREQ(r.backend, "pam");
	ATF_CHECK_EQ(policy_identity(&c, PROTO_IMAP, &r.id, &reason),
	    AUTH_FAIL_DENIED);
	ATF_CHECK_STREQ(reason, "system account");

	backend_verify(&c, "ghost", "pw", "local", &r);
	ATF_CHECK_EQ(r.status, VERIFY_UNKNOWN);
}

ATF_TP_ADD_TCS(tp)
{
	ATF_TP_ADD_TC(tp, pam_ok);
	ATF_TP_ADD_TC(tp, pam_wrong_password);
	ATF_TP_ADD_TC(tp, pam_unknown);
	ATF_TP_ADD_TC(tp, pam_chain);
	return atf_no_error();
}
