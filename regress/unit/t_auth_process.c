/*
 * Tests of the real postern-auth program: each case starts
 * $POSTERN_BIN/postern-auth with a socketpair on fd 3, plays the
 * master (MSG_AUTH_CONFIG with a passwd-file backend, then login
 * requests) and checks the answers, the failure delay and the log
 * lines.  Skipped when POSTERN_BIN is not set.
 */
#include <sys/types.h>
#include <sys/socket.h>
#include <sys/wait.h>

#include <crypt.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <atf-c.h>

#include "msg.h"
#include "proto.h"

#define LOGFILE		"auth.log"
#define WAIT_MS		10000

struct authproc {
	pid_t		pid;
	struct msgchan	ch;
};

/* One answer, copied out of the channel's buffer. */
struct answer {
	uint32_t		 type;
	uint32_t		 id;
	size_t			 len;
	unsigned char		 data[4096];
	long			 ms;	/* since the request was sent */
};

static struct timespec	sent_at;

static long
elapsed_ms(void)
{
	struct timespec	now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return (now.tv_sec - sent_at.tv_sec) * 1000 +
	    (now.tv_nsec - sent_at.tv_nsec) / 1000000;
}

static void
write_users(const char *path)
{
	char			 setting[CRYPT_GENSALT_OUTPUT_SIZE];
	struct crypt_data	*cd;
	FILE			*fp;

	ATF_REQUIRE(crypt_gensalt_rn("$6$", 0, NULL, 0, setting,
	    sizeof(setting)) != NULL);
	ATF_REQUIRE((cd = calloc(1, sizeof(*cd))) != NULL);
	ATF_REQUIRE(crypt_rn("pw", setting, cd, sizeof(*cd)) != NULL);
	ATF_REQUIRE((fp = fopen(path, "w")) != NULL);
	fprintf(fp, "# test users\n");
	fprintf(fp, "alice:%s:1000:1000::/home/alice::mail=~/Mail\n",
	    cd->output);
	fprintf(fp, "sys:%s:500:500::/home/sys\n", cd->output);
	fprintf(fp, "carol:%s:1002:1002::/home/carol\n", cd->output);
	ATF_REQUIRE(fclose(fp) == 0);
	free(cd);
}

/* postern-auth works from "/": the file is named by its full path. */
static void
send_config(struct authproc *ap, const char *users)
{
	struct auth_config	c;
	char			cwd[512];

	ATF_REQUIRE(getcwd(cwd, sizeof(cwd)) != NULL);
	memset(&c, 0, sizeof(c));
	c.first_valid_uid = 1000;
	c.failure_delay_ms = 300;
	c.failure_delay_max_ms = 1000;
	strlcpy(c.mail_location, "~/Maildir", sizeof(c.mail_location));
	c.nbackends = 1;
	c.backends[0].type = AUTH_BACKEND_PASSWD;
	snprintf(c.backends[0].arg, sizeof(c.backends[0].arg), "%s/%s", cwd,
	    users);
	ATF_REQUIRE(msg_compose(&ap->ch, MSG_AUTH_CONFIG, 0, -1, &c,
	    sizeof(c)) == 0);
	ATF_REQUIRE(msg_flush_all(&ap->ch) == 0);
}

static void
spawn(struct authproc *ap, int configure)
{
	const char	*dir;
	char		 bin[1024];
	int		 sv[2], fd;

	if ((dir = getenv("POSTERN_BIN")) == NULL)
		atf_tc_skip("POSTERN_BIN not set");
	snprintf(bin, sizeof(bin), "%s/postern-auth", dir);
	if (access(bin, X_OK) == -1)
		atf_tc_skip("%s: %s", bin, strerror(errno));
	write_users("users");
	ATF_REQUIRE(signal(SIGPIPE, SIG_IGN) != SIG_ERR);
	ATF_REQUIRE(socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == 0);
	ATF_REQUIRE((ap->pid = fork()) != -1);
	if (ap->pid == 0) {
		if ((fd = open(LOGFILE, O_WRONLY | O_CREAT | O_APPEND,
		    0600)) == -1 || dup2(fd, 2) == -1 || dup2(sv[1], 3) == -1)
			_exit(127);
		execl(bin, "postern-auth", "-d", (char *)NULL);
		_exit(127);
	}
	close(sv[1]);
	msg_init(&ap->ch, sv[0]);
	if (configure)
		send_config(ap, "users");
}

static void
send_start(struct authproc *ap, uint32_t id, const char *mech,
    uint32_t secured, uint32_t login_type, const void *ir, size_t irlen)
{
	struct areq_start	st;

	memset(&st, 0, sizeof(st));
	st.proto = PROTO_IMAP;
	st.login_type = login_type;
	st.secured = secured;
	st.has_ir = ir != NULL;
	strlcpy(st.mech, mech, sizeof(st.mech));
	strlcpy(st.client_addr, id >= 100 ? "198.51.100.9" : "192.0.2.7",
	    sizeof(st.client_addr));
	clock_gettime(CLOCK_MONOTONIC, &sent_at);
	ATF_REQUIRE(msg_composev(&ap->ch, MSG_AREQ_START, id, -1, &st,
	    sizeof(st), ir, irlen) == 0);
	ATF_REQUIRE(msg_flush_all(&ap->ch) == 0);
}

static void
send_msg(struct authproc *ap, uint32_t type, uint32_t id, const void *data,
    size_t len)
{
	ATF_REQUIRE(msg_compose(&ap->ch, type, id, -1, data, len) == 0);
	ATF_REQUIRE(msg_flush_all(&ap->ch) == 0);
}

static void
next(struct authproc *ap, struct answer *a)
{
	struct msg	m;

	ATF_REQUIRE_EQ_MSG(msg_wait(&ap->ch, &m, WAIT_MS), 1,
	    "no answer from postern-auth");
	a->ms = elapsed_ms();
	a->type = m.type;
	a->id = m.id;
	ATF_REQUIRE(m.len <= sizeof(a->data));
	a->len = m.len;
	memcpy(a->data, m.data, m.len);
}

static void
expect_ok(struct authproc *ap, uint32_t id, const char *user, uint32_t uid,
    const char *mail)
{
	struct answer		a;
	struct auth_identity	ident;
	uint32_t		gid;

	next(ap, &a);
	ATF_REQUIRE_EQ_MSG(a.type, MSG_AREQ_OK, "id %u: type %u", id, a.type);
	ATF_CHECK_EQ(a.id, id);
	ATF_REQUIRE(a.len >= sizeof(ident));
	memcpy(&ident, a.data, sizeof(ident));
	ATF_CHECK_STREQ(ident.user, user);
	ATF_CHECK_EQ(ident.uid, uid);
	ATF_CHECK_EQ(ident.gid, uid);
	ATF_CHECK_STREQ(ident.mail, mail);
	ATF_REQUIRE_EQ(ident.ngroups, 1);
	ATF_REQUIRE_EQ(a.len, sizeof(ident) + sizeof(uint32_t));
	memcpy(&gid, a.data + sizeof(ident), sizeof(gid));
	ATF_CHECK_EQ(gid, uid);
}

/* A failure with its code, no sooner than min_ms after the request. */
static void
expect_fail(struct authproc *ap, uint32_t id, uint32_t code, long min_ms,
    const char *reason)
{
	struct answer		a;
	struct auth_fail	f;

	next(ap, &a);
	ATF_REQUIRE_EQ_MSG(a.type, MSG_AREQ_FAIL, "id %u: type %u", id,
	    a.type);
	ATF_CHECK_EQ(a.id, id);
	ATF_REQUIRE_EQ(a.len, sizeof(f));
	memcpy(&f, a.data, sizeof(f));
	ATF_CHECK_EQ_MSG(f.code, code, "id %u: code %u", id, f.code);
	ATF_CHECK_STREQ(f.reason, reason);
	/* The clocks of two processes may disagree by a tick. */
	ATF_CHECK_MSG(a.ms >= min_ms - 2, "id %u: answered after %ld ms, "
	    "expected %ld", id, a.ms, min_ms);
	ATF_CHECK_MSG(a.ms < min_ms + 3000, "id %u: answered after %ld ms",
	    id, a.ms);
}

static void
expect_challenge(struct authproc *ap, uint32_t id, const char *text)
{
	struct answer	a;

	next(ap, &a);
	ATF_REQUIRE_EQ_MSG(a.type, MSG_AREQ_CHALLENGE, "id %u: type %u", id,
	    a.type);
	ATF_CHECK_EQ(a.id, id);
	ATF_CHECK_EQ(a.len, strlen(text));
	ATF_CHECK(memcmp(a.data, text, a.len) == 0);
}

/* Close the channel; postern-auth must exit with status. */
static void
finish(struct authproc *ap, int status)
{
	int	i, st;
	pid_t	pid = 0;

	close(ap->ch.fd);
	msg_clear(&ap->ch);
	for (i = 0; i < 500; i++) {
		if ((pid = waitpid(ap->pid, &st, WNOHANG)) != 0)
			break;
		usleep(10000);
	}
	if (pid == 0) {
		kill(ap->pid, SIGKILL);
		waitpid(ap->pid, &st, 0);
		atf_tc_fail("postern-auth did not exit");
	}
	ATF_REQUIRE(WIFEXITED(st));
	ATF_CHECK_EQ(WEXITSTATUS(st), status);
}

#define PW_ALICE	"\0alice\0pw"
#define PW_WRONG	"\0alice\0Xyzzy42"
#define PW_QUOTE	"\0x\" addr=203.0.113.1\0pw"

ATF_TC_WITHOUT_HEAD(ok_and_delay);
ATF_TC_BODY(ok_and_delay, tc)
{
	struct authproc	ap;

	spawn(&ap, 1);
	send_start(&ap, 1, "PLAIN", 1, LOGIN_SECURE, PW_ALICE,
	    sizeof(PW_ALICE) - 1);
	expect_ok(&ap, 1, "alice", 1000, "~/Mail");

	/* Each failure doubles the delay, up to the cap. */
	send_start(&ap, 2, "PLAIN", 1, LOGIN_SECURE, PW_WRONG,
	    sizeof(PW_WRONG) - 1);
	expect_fail(&ap, 2, AUTH_FAIL_CREDENTIALS, 300, "wrong password");
	send_start(&ap, 3, "PLAIN", 1, LOGIN_SECURE, PW_WRONG,
	    sizeof(PW_WRONG) - 1);
	expect_fail(&ap, 3, AUTH_FAIL_CREDENTIALS, 600, "wrong password");

	/* Success clears the user's count, not the address's. */
	send_start(&ap, 4, "PLAIN", 1, LOGIN_SECURE, PW_ALICE,
	    sizeof(PW_ALICE) - 1);
	expect_ok(&ap, 4, "alice", 1000, "~/Mail");
	send_start(&ap, 5, "PLAIN", 1, LOGIN_SECURE, PW_WRONG,
	    sizeof(PW_WRONG) - 1);
	expect_fail(&ap, 5, AUTH_FAIL_CREDENTIALS, 1000, "wrong password");

	/* Another address, another user: a first failure. */
	send_start(&ap, 100, "PLAIN", 1, LOGIN_SECURE, "\0nobody\0pw", 10);
	expect_fail(&ap, 100, AUTH_FAIL_CREDENTIALS, 300, "unknown user");

	/* The same user from elsewhere: the user's count counts. */
	send_start(&ap, 101, "PLAIN", 1, LOGIN_SECURE, "\0nobody\0pw", 10);
	expect_fail(&ap, 101, AUTH_FAIL_CREDENTIALS, 600, "unknown user");

	/* A quote in a user name cannot end the field in the log. */
	send_start(&ap, 102, "PLAIN", 1, LOGIN_SECURE, PW_QUOTE,
	    sizeof(PW_QUOTE) - 1);
	expect_fail(&ap, 102, AUTH_FAIL_CREDENTIALS, 1000, "unknown user");
	finish(&ap, 0);

	ATF_CHECK(atf_utils_grep_file("auth ok: id=1 proto=imap "
	    "addr=192.0.2.7 user=\"alice\" mech=PLAIN backend=passwd-file",
	    LOGFILE));
	ATF_CHECK(atf_utils_grep_file("auth failed: id=2 proto=imap "
	    "addr=192.0.2.7 user=\"alice\" mech=PLAIN "
	    "reason=\"wrong password\" delay=300ms", LOGFILE));
	ATF_CHECK(atf_utils_grep_file("auth failed: id=5 .* delay=1000ms",
	    LOGFILE));
	ATF_CHECK(atf_utils_grep_file("auth failed: id=100 proto=imap "
	    "addr=198.51.100.9 user=\"nobody\" mech=PLAIN "
	    "reason=\"unknown user\" delay=300ms", LOGFILE));
	ATF_CHECK(atf_utils_grep_file("addr=198\\.51\\.100\\.9 "
	    "user=\"x\\\\\" addr=203\\.0\\.113\\.1\" mech=PLAIN",
	    LOGFILE));
	/* Passwords are never logged. */
	ATF_CHECK(!atf_utils_grep_file("Xyzzy42", LOGFILE));
}

ATF_TC_WITHOUT_HEAD(exchanges);
ATF_TC_BODY(exchanges, tc)
{
	struct authproc	ap;

	spawn(&ap, 1);
	/* PLAIN without an initial response. */
	send_start(&ap, 1, "PLAIN", 1, LOGIN_SECURE, NULL, 0);
	expect_challenge(&ap, 1, "");
	send_msg(&ap, MSG_AREQ_CONT, 1, PW_ALICE, sizeof(PW_ALICE) - 1);
	expect_ok(&ap, 1, "alice", 1000, "~/Mail");

	/* LOGIN, without and with an initial response. */
	send_start(&ap, 2, "login", 1, LOGIN_SECURE, NULL, 0);
	expect_challenge(&ap, 2, "Username:");
	send_msg(&ap, MSG_AREQ_CONT, 2, "carol", 5);
	expect_challenge(&ap, 2, "Password:");
	send_msg(&ap, MSG_AREQ_CONT, 2, "pw", 2);
	expect_ok(&ap, 2, "carol", 1002, "~/Maildir");

	send_start(&ap, 3, "LOGIN", 1, LOGIN_SECURE, "carol", 5);
	expect_challenge(&ap, 3, "Password:");
	send_msg(&ap, MSG_AREQ_CONT, 3, "pw", 2);
	expect_ok(&ap, 3, "carol", 1002, "~/Maildir");

	/* Responses for no request are ignored. */
	send_msg(&ap, MSG_AREQ_CONT, 77, "x", 1);
	send_msg(&ap, MSG_AREQ_ABORT, 78, NULL, 0);
	send_start(&ap, 4, "PLAIN", 1, LOGIN_SECURE, "\0carol\0pw", 9);
	expect_ok(&ap, 4, "carol", 1002, "~/Maildir");
	finish(&ap, 0);
	ATF_CHECK(atf_utils_grep_file("response for unknown request 77 "
	    "ignored", LOGFILE));
}

ATF_TC_WITHOUT_HEAD(refusals);
ATF_TC_BODY(refusals, tc)
{
	struct authproc	ap;
	struct {
		struct areq_start	st;
		char			ir[10];
	} cmd;

	spawn(&ap, 1);
	/* Answered at once: not worth a guess. */
	send_start(&ap, 1, "PLAIN", 0, LOGIN_SECURE, PW_ALICE,
	    sizeof(PW_ALICE) - 1);
	expect_fail(&ap, 1, AUTH_FAIL_ENCRYPT, 0,
	    "cleartext password without TLS");
	send_start(&ap, 2, "CRAM-MD5", 1, LOGIN_SECURE, NULL, 0);
	expect_fail(&ap, 2, AUTH_FAIL_MECH, 0, "unsupported mechanism");

	/* plaintext-auth: SASL in clear, but not the login command. */
	send_start(&ap, 3, "PLAIN", 0, LOGIN_PLAINTEXT_AUTH, PW_ALICE,
	    sizeof(PW_ALICE) - 1);
	expect_ok(&ap, 3, "alice", 1000, "~/Mail");
	memset(&cmd, 0, sizeof(cmd));
	cmd.st.proto = PROTO_POP3;
	cmd.st.login_type = LOGIN_PLAINTEXT_AUTH;
	cmd.st.via_command = 1;
	cmd.st.has_ir = 1;
	strlcpy(cmd.st.client_addr, "192.0.2.7", sizeof(cmd.st.client_addr));
	memcpy(cmd.ir, PW_ALICE, sizeof(PW_ALICE) - 1);
	send_msg(&ap, MSG_AREQ_START, 4, &cmd, sizeof(cmd.st) +
	    sizeof(PW_ALICE) - 1);
	expect_fail(&ap, 4, AUTH_FAIL_ENCRYPT, 0,
	    "cleartext password without TLS");
	cmd.st.login_type = LOGIN_PLAINTEXT_LOGIN;
	send_msg(&ap, MSG_AREQ_START, 5, &cmd, sizeof(cmd.st) +
	    sizeof(PW_ALICE) - 1);
	expect_ok(&ap, 5, "alice", 1000, "~/Mail");

	/* Delayed: the policy and malformed data. */
	send_start(&ap, 6, "PLAIN", 1, LOGIN_SECURE, "\0sys\0pw", 7);
	expect_fail(&ap, 6, AUTH_FAIL_DENIED, 300, "system account");
	send_start(&ap, 100, "PLAIN", 1, LOGIN_SECURE, "\0alice", 6);
	expect_fail(&ap, 100, AUTH_FAIL_PROTOCOL, 300,
	    "PLAIN message with one NUL");
	send_start(&ap, 101, "PLAIN", 1, LOGIN_SECURE, "bob\0alice\0pw", 12);
	expect_fail(&ap, 101, AUTH_FAIL_DENIED, 600,
	    "authorization identity differs");
	finish(&ap, 0);
	ATF_CHECK(atf_utils_grep_file("auth ok: id=5 proto=pop3 .* "
	    "mech=command", LOGFILE));
}

ATF_TC_WITHOUT_HEAD(abort);
ATF_TC_BODY(abort, tc)
{
	struct authproc	ap;

	spawn(&ap, 1);
	/* Aborted while waiting for the client: no answer. */
	send_start(&ap, 1, "PLAIN", 1, LOGIN_SECURE, NULL, 0);
	expect_challenge(&ap, 1, "");
	send_msg(&ap, MSG_AREQ_ABORT, 1, NULL, 0);
	/* Aborted while its failure waits out the delay: no answer. */
	send_start(&ap, 2, "PLAIN", 1, LOGIN_SECURE, PW_WRONG,
	    sizeof(PW_WRONG) - 1);
	usleep(100000);
	send_msg(&ap, MSG_AREQ_ABORT, 2, NULL, 0);
	/* Aborted at once, while verifying or queued: no answer. */
	send_start(&ap, 3, "PLAIN", 1, LOGIN_SECURE, PW_ALICE,
	    sizeof(PW_ALICE) - 1);
	send_msg(&ap, MSG_AREQ_ABORT, 3, NULL, 0);
	/* A response to an aborted request is ignored. */
	send_msg(&ap, MSG_AREQ_CONT, 1, PW_ALICE, sizeof(PW_ALICE) - 1);

	/* The next answer is for the next request. */
	send_start(&ap, 4, "X-NONE", 1, LOGIN_SECURE, NULL, 0);
	expect_fail(&ap, 4, AUTH_FAIL_MECH, 0, "unsupported mechanism");
	/* Past id 2's delay: still nothing for it. */
	usleep(400000);
	send_start(&ap, 5, "PLAIN", 1, LOGIN_SECURE, PW_ALICE,
	    sizeof(PW_ALICE) - 1);
	expect_ok(&ap, 5, "alice", 1000, "~/Mail");
	finish(&ap, 0);
}

ATF_TC_WITHOUT_HEAD(reload);
ATF_TC_BODY(reload, tc)
{
	struct authproc	ap;
	FILE		*in, *out;
	char		 line[1024];

	spawn(&ap, 1);
	/* The second file knows alice as uid 2000. */
	ATF_REQUIRE((in = fopen("users", "r")) != NULL);
	ATF_REQUIRE((out = fopen("users2", "w")) != NULL);
	while (fgets(line, sizeof(line), in) != NULL)
		if (strncmp(line, "alice:", 6) == 0) {
			line[strcspn(line, "\n")] = '\0';
			*strstr(line, ":1000:1000:") = '\0';
			fprintf(out, "%s:2000:2000::/home/a2\n", line);
		}
	fclose(in);
	ATF_REQUIRE(fclose(out) == 0);

	send_start(&ap, 1, "PLAIN", 1, LOGIN_SECURE, PW_ALICE,
	    sizeof(PW_ALICE) - 1);
	expect_ok(&ap, 1, "alice", 1000, "~/Mail");
	send_config(&ap, "users2");
	send_start(&ap, 2, "PLAIN", 1, LOGIN_SECURE, PW_ALICE,
	    sizeof(PW_ALICE) - 1);
	expect_ok(&ap, 2, "alice", 2000, "~/Maildir");
	finish(&ap, 0);
}

ATF_TC_WITHOUT_HEAD(malformed_master);
ATF_TC_BODY(malformed_master, tc)
{
	struct authproc		ap;
	struct areq_start	st;

	/* A request before the configuration. */
	spawn(&ap, 0);
	memset(&st, 0, sizeof(st));
	st.proto = PROTO_IMAP;
	send_msg(&ap, MSG_AREQ_START, 1, &st, sizeof(st));
	finish(&ap, 1);

	/* A short START. */
	spawn(&ap, 1);
	send_msg(&ap, MSG_AREQ_START, 1, &st, sizeof(st) - 1);
	finish(&ap, 1);

	/* An unterminated string. */
	spawn(&ap, 1);
	memset(st.mech, 'A', sizeof(st.mech));
	send_msg(&ap, MSG_AREQ_START, 1, &st, sizeof(st));
	finish(&ap, 1);

	/* An unknown type. */
	spawn(&ap, 1);
	send_msg(&ap, 12345, 1, NULL, 0);
	finish(&ap, 1);
	ATF_CHECK(atf_utils_grep_file("fatal: unexpected message type 12345",
	    LOGFILE));
}

ATF_TP_ADD_TCS(tp)
{
	ATF_TP_ADD_TC(tp, ok_and_delay);
	ATF_TP_ADD_TC(tp, exchanges);
	ATF_TP_ADD_TC(tp, refusals);
	ATF_TP_ADD_TC(tp, abort);
	ATF_TP_ADD_TC(tp, reload);
	ATF_TP_ADD_TC(tp, malformed_master);
	return atf_no_error();
}
