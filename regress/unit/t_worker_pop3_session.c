/*
 * Unit tests for worker/pop3/pop3_session.c: pop3_session() runs in a
 * forked child on one end of a socketpair (worker_harness.c), over a
 * Maildir made in the test's directory; the test is the client and
 * checks every byte.
 */
#include <sys/types.h>
#include <sys/stat.h>
#include <sys/time.h>

#include <atf-c.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "pop3.h"
#include "session.h"
#include "store.h"
#include "worker_harness.h"

#define M1	"From: a@example.org\nSubject: one\n\nHello\n.\n..dots\nend\n"
#define M1W	"From: a@example.org\r\nSubject: one\r\n\r\nHello\r\n..\r\n" \
		"...dots\r\nend\r\n"
#define M2	"Subject: two\r\n\r\nCRLF body\r\nbare\rcr\nno newline at end"
#define M2W	"Subject: two\r\n\r\nCRLF body\r\nbare\rcr\r\n" \
		"no newline at end\r\n"
#define M3	"Subject: three\n\nbody\n"
#define N1	"new/1000000001.a.host"
#define N2	"cur/1000000002.b.host:2,S"
#define N3	"new/1000000003.c.host"

/* The three messages most cases use. */
static const struct fixture_msg inbox[] = {
	{ N1, M1 }, { N2, M2 }, { N3, M3 }
};

static const struct session_setup pop3 = {
	PROTO_POP3, pop3_session, "+OK Logged in.\r\n",
	inbox, sizeof(inbox) / sizeof(inbox[0])
};

/* CAPA: the list is the same but for the expire and login-delay lines. */
static void
capa(struct child *c, const char *policy)
{
	char	exp[512];

	snprintf(exp, sizeof(exp), "+OK Capability list follows\r\nTOP\r\n"
	    "UIDL\r\nRESP-CODES\r\nAUTH-RESP-CODE\r\nPIPELINING\r\n%s"
	    "IMPLEMENTATION postern\r\n.\r\n", policy);
	say(c, "CAPA\r\n");
	expect(c, exp);
}

static void
quit(struct child *c)
{
	say(c, "QUIT\r\n");
	expect(c, "+OK Logging out.\r\n");
	expect_exit(c, 0);
}

ATF_TC_WITHOUT_HEAD(stat_list);
ATF_TC_BODY(stat_list, tc)
{
	struct child		c;

	session_begin(&c, &pop3);
	say(&c, "STAT\r\n");
	expect(&c, "+OK 3 137\r\n");
	say(&c, "LIST\r\n");
	expect(&c, "+OK 3 messages (137 octets)\r\n1 60\r\n2 53\r\n3 24\r\n"
	    ".\r\n");
	say(&c, "list 2\r\n");
	expect(&c, "+OK 2 53\r\n");
	say(&c, "LIST 4\r\n");
	expect(&c, "-ERR No such message\r\n");
	say(&c, "LIST 0\r\n");
	expect(&c, "-ERR Invalid message number\r\n");
	say(&c, "LIST x\r\n");
	expect(&c, "-ERR Invalid message number\r\n");
	say(&c, "LIST -1\r\n");
	expect(&c, "-ERR Invalid message number\r\n");
	say(&c, "LIST 99999999999\r\n");
	expect(&c, "-ERR Invalid message number\r\n");
	say(&c, "LIST 1 2\r\n");
	expect(&c, "-ERR Too many arguments\r\n");
	say(&c, "STAT 1\r\n");
	expect(&c, "-ERR Too many arguments\r\n");
	say(&c, "NOOP\r\n");
	expect(&c, "+OK\r\n");
	say(&c, "NOOP x\r\n");
	expect(&c, "-ERR Too many arguments\r\n");
	quit(&c);
}

ATF_TC_WITHOUT_HEAD(capa_and_errors);
ATF_TC_BODY(capa_and_errors, tc)
{
	struct child		c;
	char			line[400];
	static const char	*again[] = { "USER bob", "PASS secret",
				    "APOP bob 0123", "AUTH PLAIN", "STLS" };
	size_t			i;

	session_begin(&c, &pop3);
	capa(&c, "EXPIRE NEVER\r\n");
	for (i = 0; i < sizeof(again) / sizeof(again[0]); i++) {
		snprintf(line, sizeof(line), "%s\r\n", again[i]);
		say(&c, line);
		expect(&c, "-ERR Already authenticated\r\n");
	}
	say(&c, "XYZZY\r\n");
	expect(&c, "-ERR Unknown command\r\n");
	say(&c, "\r\n");
	expect(&c, "-ERR Empty command\r\n");
	say(&c, "RETR\r\n");
	expect(&c, "-ERR Missing argument\r\n");
	say(&c, "DELE\r\n");
	expect(&c, "-ERR Missing argument\r\n");
	say(&c, "TOP 1\r\n");
	expect(&c, "-ERR Missing argument\r\n");
	say(&c, "RETR 1 2\r\n");
	expect(&c, "-ERR Too many arguments\r\n");
	say(&c, "A B C D E F\r\n");
	expect(&c, "-ERR Too many arguments\r\n");
	say(&c, "\x01\x02\xff\xfe garbage\r\n");
	expect(&c, "-ERR Invalid characters in command\r\n");
	ATF_REQUIRE(write(c.fd, "ST\0AT\r\n", 7) == 7);
	expect(&c, "-ERR Invalid characters in command\r\n");
	memset(line, 'A', sizeof(line));
	memcpy(line + sizeof(line) - 2, "\r\n", 2);
	ATF_REQUIRE(write(c.fd, line, sizeof(line)) == sizeof(line));
	expect(&c, "-ERR Line too long\r\n");
	/* The session goes on after all of that. */
	say(&c, "STAT\r\n");
	expect(&c, "+OK 3 137\r\n");
	say(&c, "QUIT now\r\n");
	expect(&c, "-ERR Too many arguments\r\n");
	quit(&c);
}

ATF_TC_WITHOUT_HEAD(capa_policy);
ATF_TC_BODY(capa_policy, tc)
{
	struct session_init	init;
	struct child		c;

	session_fixture(&pop3);
	session_defaults(&init, &pop3);
	init.pop3_expire = 30;
	init.pop3_login_delay = 60;
	session_login(&c, &init, &pop3);
	capa(&c, "EXPIRE 30\r\nLOGIN-DELAY 60\r\n");
	quit(&c);
}

ATF_TC_WITHOUT_HEAD(retr_exact);
ATF_TC_BODY(retr_exact, tc)
{
	struct child		c;

	session_begin(&c, &pop3);
	say(&c, "RETR 1\r\n");
	expect(&c, "+OK 60 octets\r\n" M1W ".\r\n");
	say(&c, "RETR 2\r\n");
	expect(&c, "+OK 53 octets\r\n" M2W ".\r\n");
	say(&c, "RETR 3\r\n");
	expect(&c, "+OK 24 octets\r\nSubject: three\r\n\r\nbody\r\n.\r\n");
	say(&c, "RETR 4\r\n");
	expect(&c, "-ERR No such message\r\n");
	quit(&c);
}

ATF_TC_WITHOUT_HEAD(retr_big);
ATF_TC_BODY(retr_big, tc)
{
	struct session_init	 init;
	struct child		 c;
	char			*msg, *exp, hdr[64];
	size_t			 i, n = 2000000, e = 0;

	ATF_REQUIRE(store_create("md") == 0);
	msg = malloc(n + 1);
	exp = malloc(2 * n + 64);
	ATF_REQUIRE(msg != NULL && exp != NULL);
	for (i = 0; i < n; i++)
		msg[i] = i % 77 == 76 ? '\n' : i % 77 == 0 ? '.' : 'x';
	msg[n] = '\0';
	for (i = 0; i < n; i++) {
		if (msg[i] == '.' && (i == 0 || msg[i - 1] == '\n'))
			exp[e++] = '.';
		if (msg[i] == '\n')
			exp[e++] = '\r';
		exp[e++] = msg[i];
	}
	put("new/1.big.host", msg);
	session_defaults(&init, &pop3);
	session_login(&c, &init, &pop3);
	snprintf(hdr, sizeof(hdr), "+OK %zu octets\r\n",
	    n + n / 77);
	say(&c, "RETR 1\r\n");
	expect(&c, hdr);
	memcpy(exp + e, "\r\n.\r\n", 5);
	expect_n(&c, exp, e + 5);
	quit(&c);
	free(msg);
	free(exp);
}

ATF_TC_WITHOUT_HEAD(top);
ATF_TC_BODY(top, tc)
{
	struct child		c;

	session_begin(&c, &pop3);
	say(&c, "TOP 1 0\r\n");
	expect(&c, "+OK Top of message follows\r\nFrom: a@example.org\r\n"
	    "Subject: one\r\n\r\n.\r\n");
	say(&c, "TOP 1 2\r\n");
	expect(&c, "+OK Top of message follows\r\nFrom: a@example.org\r\n"
	    "Subject: one\r\n\r\nHello\r\n..\r\n.\r\n");
	say(&c, "TOP 1 100\r\n");
	expect(&c, "+OK Top of message follows\r\n" M1W ".\r\n");
	say(&c, "TOP 2 1\r\n");
	expect(&c, "+OK Top of message follows\r\nSubject: two\r\n\r\n"
	    "CRLF body\r\n.\r\n");
	say(&c, "TOP 1 x\r\n");
	expect(&c, "-ERR Invalid number of lines\r\n");
	say(&c, "TOP 1 -1\r\n");
	expect(&c, "-ERR Invalid number of lines\r\n");
	say(&c, "TOP 1 99999999999999999999999\r\n");
	expect(&c, "-ERR Invalid number of lines\r\n");
	say(&c, "TOP 9 1\r\n");
	expect(&c, "-ERR No such message\r\n");
	quit(&c);
	/* TOP is not a retrieval: no Seen flag. */
	ATF_CHECK(exists(N1));
}

static void
uidl_expect(struct child *c, uint32_t uv)
{
	char	exp[512];

	snprintf(exp, sizeof(exp), "+OK Unique-ID list follows\r\n"
	    "1 %08x%08x\r\n2 %08x%08x\r\n3 %08x%08x\r\n.\r\n", 1, uv, 2, uv,
	    3, uv);
	say(c, "UIDL\r\n");
	expect(c, exp);
	snprintf(exp, sizeof(exp), "+OK 2 %08x%08x\r\n", 2, uv);
	say(c, "UIDL 2\r\n");
	expect(c, exp);
}

ATF_TC_WITHOUT_HEAD(uidl_stable);
ATF_TC_BODY(uidl_stable, tc)
{
	struct session_init	init;
	struct child		c;
	uint32_t		uv;

	uv = session_fixture(&pop3);
	session_defaults(&init, &pop3);
	session_login(&c, &init, &pop3);
	uidl_expect(&c, uv);
	say(&c, "UIDL 4\r\n");
	expect(&c, "-ERR No such message\r\n");
	quit(&c);

	/* A second session, after the files were renamed by others. */
	ATF_REQUIRE(rename("md/" N1, "md/cur/1000000001.a.host:2,F") == 0);
	session_login(&c, &init, &pop3);
	uidl_expect(&c, uv);
	quit(&c);
}

ATF_TC_WITHOUT_HEAD(dele_quit);
ATF_TC_BODY(dele_quit, tc)
{
	struct child		c;

	session_begin(&c, &pop3);
	say(&c, "DELE 1\r\n");
	expect(&c, "+OK Message 1 deleted\r\n");
	say(&c, "DELE 1\r\n");
	expect(&c, "-ERR Message 1 already deleted\r\n");
	say(&c, "RETR 1\r\n");
	expect(&c, "-ERR Message 1 already deleted\r\n");
	say(&c, "TOP 1 0\r\n");
	expect(&c, "-ERR Message 1 already deleted\r\n");
	say(&c, "LIST 1\r\n");
	expect(&c, "-ERR Message 1 already deleted\r\n");
	say(&c, "UIDL 1\r\n");
	expect(&c, "-ERR Message 1 already deleted\r\n");
	say(&c, "STAT\r\n");
	expect(&c, "+OK 2 77\r\n");
	say(&c, "LIST\r\n");
	expect(&c, "+OK 2 messages (77 octets)\r\n2 53\r\n3 24\r\n.\r\n");
	say(&c, "DELE 3\r\n");
	expect(&c, "+OK Message 3 deleted\r\n");
	ATF_CHECK(exists(N1) && exists(N3));
	quit(&c);
	ATF_CHECK(!exists(N1));
	ATF_CHECK(exists(N2));
	ATF_CHECK(!exists(N3));
}

ATF_TC_WITHOUT_HEAD(dele_eof);
ATF_TC_BODY(dele_eof, tc)
{
	struct child		c;

	session_begin(&c, &pop3);
	say(&c, "DELE 1\r\n");
	expect(&c, "+OK Message 1 deleted\r\n");
	say(&c, "RETR 3\r\n");
	expect(&c, "+OK 24 octets\r\nSubject: three\r\n\r\nbody\r\n.\r\n");
	ATF_CHECK_EQ(finish(&c), 0);
	/* Nothing removed, no flag changed. */
	ATF_CHECK(exists(N1) && exists(N2) && exists(N3));
}

ATF_TC_WITHOUT_HEAD(rset);
ATF_TC_BODY(rset, tc)
{
	struct child		c;

	session_begin(&c, &pop3);
	say(&c, "DELE 1\r\nDELE 2\r\n");
	expect(&c, "+OK Message 1 deleted\r\n+OK Message 2 deleted\r\n");
	say(&c, "STAT\r\n");
	expect(&c, "+OK 1 24\r\n");
	say(&c, "RSET\r\n");
	expect(&c, "+OK Maildrop has 3 messages (137 octets)\r\n");
	say(&c, "STAT\r\n");
	expect(&c, "+OK 3 137\r\n");
	say(&c, "RSET x\r\n");
	expect(&c, "-ERR Too many arguments\r\n");
	quit(&c);
	ATF_CHECK(exists(N1) && exists(N2) && exists(N3));
}

ATF_TC_WITHOUT_HEAD(pipelining);
ATF_TC_BODY(pipelining, tc)
{
	struct child		c;
	char			exp[1024];
	uint32_t		uv;

	uv = session_begin(&c, &pop3);
	say(&c, "STAT\r\nLIST 3\r\nUIDL 1\r\nRETR 3\r\nBOGUS\r\nDELE 2\r\n"
	    "NOOP\r\nQUIT\r\n");
	snprintf(exp, sizeof(exp), "+OK 3 137\r\n+OK 3 24\r\n+OK 1 %08x%08x"
	    "\r\n+OK 24 octets\r\nSubject: three\r\n\r\nbody\r\n.\r\n"
	    "-ERR Unknown command\r\n+OK Message 2 deleted\r\n+OK\r\n"
	    "+OK Logging out.\r\n", 1, uv);
	expect(&c, exp);
	expect_exit(&c, 0);
	ATF_CHECK(!exists(N2));
	ATF_CHECK(exists("cur/1000000003.c.host:2,S"));
}

/* Input the worker had read past the login command comes first. */
ATF_TC_WITHOUT_HEAD(pending_input);
ATF_TC_BODY(pending_input, tc)
{
	struct session_init	init;
	struct child		c;

	session_fixture(&pop3);
	session_defaults(&init, &pop3);
	child_session(&c, &init, &pop3, "STAT\r\nLIS");
	expect(&c, "+OK Logged in.\r\n+OK 3 137\r\n");
	say(&c, "T 1\r\n");
	expect(&c, "+OK 1 60\r\n");
	quit(&c);
}

ATF_TC_WITHOUT_HEAD(in_use);
ATF_TC_BODY(in_use, tc)
{
	struct session_init	init;
	struct child		a, b;

	session_fixture(&pop3);
	session_defaults(&init, &pop3);
	session_login(&a, &init, &pop3);
	child_session(&b, &init, &pop3, NULL);
	expect(&b, "-ERR [IN-USE] Mailbox is locked by another POP3 "
	    "session\r\n");
	expect_exit(&b, 0);
	say(&a, "STAT\r\n");
	expect(&a, "+OK 3 137\r\n");
	quit(&a);
	/* Free again once the first session is gone. */
	session_login(&b, &init, &pop3);
	quit(&b);
}

ATF_TC_WITHOUT_HEAD(seen_after_retr);
ATF_TC_BODY(seen_after_retr, tc)
{
	struct child		c;

	session_begin(&c, &pop3);
	say(&c, "RETR 1\r\n");
	expect(&c, "+OK 60 octets\r\n" M1W ".\r\n");
	ATF_CHECK(exists(N1));
	quit(&c);
	ATF_CHECK(!exists(N1));
	ATF_CHECK(exists("cur/1000000001.a.host:2,S"));
	ATF_CHECK(exists(N2));
	ATF_CHECK(exists(N3));
}

ATF_TC_WITHOUT_HEAD(expire_zero);
ATF_TC_BODY(expire_zero, tc)
{
	struct session_init	init;
	struct child		c;

	session_fixture(&pop3);
	session_defaults(&init, &pop3);
	init.pop3_expire = 0;
	session_login(&c, &init, &pop3);
	capa(&c, "EXPIRE 0\r\n");
	say(&c, "RETR 1\r\n");
	expect(&c, "+OK 60 octets\r\n" M1W ".\r\n");
	say(&c, "TOP 3 0\r\n");
	expect(&c, "+OK Top of message follows\r\nSubject: three\r\n\r\n"
	    ".\r\n");
	quit(&c);
	ATF_CHECK(!exists(N1));
	ATF_CHECK(exists(N2));
	ATF_CHECK(exists(N3));
}

ATF_TC_WITHOUT_HEAD(expire_days);
ATF_TC_BODY(expire_days, tc)
{
	struct session_init	init;
	struct child		c;
	struct timeval		old[2];

	ATF_REQUIRE(store_create("md") == 0);
	put("cur/1.oldseen.host:2,S", "a\n");
	put("cur/2.oldunseen.host:2,", "b\n");
	put("cur/3.newseen.host:2,S", "c\n");
	old[0].tv_sec = old[1].tv_sec = time(NULL) - 10 * 86400;
	old[0].tv_usec = old[1].tv_usec = 0;
	ATF_REQUIRE(utimes("md/cur/1.oldseen.host:2,S", old) == 0);
	ATF_REQUIRE(utimes("md/cur/2.oldunseen.host:2,", old) == 0);
	session_defaults(&init, &pop3);
	init.pop3_expire = 5;
	session_login(&c, &init, &pop3);
	say(&c, "STAT\r\n");
	expect(&c, "+OK 3 9\r\n");
	quit(&c);
	ATF_CHECK(!exists("cur/1.oldseen.host:2,S"));
	ATF_CHECK(exists("cur/2.oldunseen.host:2,"));
	ATF_CHECK(exists("cur/3.newseen.host:2,S"));
}

ATF_TC_WITHOUT_HEAD(login_delay);
ATF_TC_BODY(login_delay, tc)
{
	struct session_init	init;
	struct child		c;

	session_fixture(&pop3);
	session_defaults(&init, &pop3);
	init.pop3_login_delay = 100;
	session_login(&c, &init, &pop3);
	quit(&c);
	child_session(&c, &init, &pop3, NULL);
	expect(&c, "-ERR [LOGIN-DELAY] Minimum time between logins is 100 "
	    "seconds\r\n");
	expect_exit(&c, 0);
	/* Without the setting, no delay. */
	init.pop3_login_delay = -1;
	session_login(&c, &init, &pop3);
	quit(&c);
}

ATF_TC_WITHOUT_HEAD(idle_timeout);
ATF_TC_BODY(idle_timeout, tc)
{
	struct session_init	init;
	struct child		c;

	session_fixture(&pop3);
	session_defaults(&init, &pop3);
	init.idle_timeout = 1;
	session_login(&c, &init, &pop3);
	say(&c, "DELE 1\r\n");
	expect(&c, "+OK Message 1 deleted\r\n");
	expect(&c, "-ERR Disconnected for inactivity.\r\n");
	expect_exit(&c, 0);
	ATF_CHECK(exists(N1));
}

ATF_TC_WITHOUT_HEAD(terminate);
ATF_TC_BODY(terminate, tc)
{
	struct child		c;

	session_begin(&c, &pop3);
	say(&c, "DELE 1\r\n");
	expect(&c, "+OK Message 1 deleted\r\n");
	/* Let the child reach its wait for the next command. */
	usleep(200000);
	ATF_REQUIRE(kill(c.pid, SIGTERM) == 0);
	expect(&c, "-ERR [SYS/TEMP] Server shutting down.\r\n");
	expect_exit(&c, 0);
	ATF_CHECK(exists(N1));
}

/* A message removed by another program after the snapshot. */
ATF_TC_WITHOUT_HEAD(vanished);
ATF_TC_BODY(vanished, tc)
{
	struct child		c;

	session_begin(&c, &pop3);
	ATF_REQUIRE(unlink("md/" N1) == 0);
	ATF_REQUIRE(rename("md/" N3, "md/cur/1000000003.c.host:2,T") == 0);
	say(&c, "RETR 1\r\n");
	expect(&c, "-ERR Message 1 was removed by another session\r\n");
	say(&c, "RETR 3\r\n");
	expect(&c, "+OK 24 octets\r\nSubject: three\r\n\r\nbody\r\n.\r\n");
	say(&c, "DELE 1\r\n");
	expect(&c, "+OK Message 1 deleted\r\n");
	quit(&c);
	ATF_CHECK(exists("cur/1000000003.c.host:2,ST"));
}

/* A removal that fails is reported; the others still happen. */
ATF_TC_WITHOUT_HEAD(remove_fails);
ATF_TC_BODY(remove_fails, tc)
{
	struct child		c;

	session_begin(&c, &pop3);
	/* A directory where the file was cannot be unlinked. */
	ATF_REQUIRE(unlink("md/" N1) == 0);
	ATF_REQUIRE(mkdir("md/" N1, 0700) == 0);
	say(&c, "DELE 1\r\nDELE 3\r\nQUIT\r\n");
	expect(&c, "+OK Message 1 deleted\r\n+OK Message 3 deleted\r\n"
	    "-ERR [SYS/PERM] Some deleted messages were not removed\r\n");
	expect_exit(&c, 0);
	ATF_CHECK(exists(N1));
	ATF_CHECK(exists(N2));
	ATF_CHECK(!exists(N3));
}

ATF_TC_WITHOUT_HEAD(empty_maildrop);
ATF_TC_BODY(empty_maildrop, tc)
{
	struct session_init	init;
	struct child		c;

	ATF_REQUIRE(store_create("md") == 0);
	session_defaults(&init, &pop3);
	session_login(&c, &init, &pop3);
	say(&c, "STAT\r\nLIST\r\nUIDL\r\nRETR 1\r\n");
	expect(&c, "+OK 0 0\r\n+OK 0 messages (0 octets)\r\n.\r\n"
	    "+OK Unique-ID list follows\r\n.\r\n-ERR No such message\r\n");
	quit(&c);
}

/* The maildrop cannot be opened: an answer, not a hang or a crash. */
ATF_TC_WITHOUT_HEAD(no_maildir);
ATF_TC_BODY(no_maildir, tc)
{
	struct session_init	init;
	struct child		c;

	session_defaults(&init, &pop3);
	child_session(&c, &init, &pop3, NULL);
	expect(&c, "-ERR [SYS/TEMP] Unable to open the mailbox\r\n");
	expect_exit(&c, 1);
}

ATF_TP_ADD_TCS(tp)
{
	ATF_TP_ADD_TC(tp, stat_list);
	ATF_TP_ADD_TC(tp, capa_and_errors);
	ATF_TP_ADD_TC(tp, capa_policy);
	ATF_TP_ADD_TC(tp, retr_exact);
	ATF_TP_ADD_TC(tp, retr_big);
	ATF_TP_ADD_TC(tp, top);
	ATF_TP_ADD_TC(tp, uidl_stable);
	ATF_TP_ADD_TC(tp, dele_quit);
	ATF_TP_ADD_TC(tp, dele_eof);
	ATF_TP_ADD_TC(tp, rset);
	ATF_TP_ADD_TC(tp, pipelining);
	ATF_TP_ADD_TC(tp, pending_input);
	ATF_TP_ADD_TC(tp, in_use);
	ATF_TP_ADD_TC(tp, seen_after_retr);
	ATF_TP_ADD_TC(tp, expire_zero);
	ATF_TP_ADD_TC(tp, expire_days);
	ATF_TP_ADD_TC(tp, login_delay);
	ATF_TP_ADD_TC(tp, idle_timeout);
	ATF_TP_ADD_TC(tp, terminate);
	ATF_TP_ADD_TC(tp, vanished);
	ATF_TP_ADD_TC(tp, remove_fails);
	ATF_TP_ADD_TC(tp, empty_maildrop);
	ATF_TP_ADD_TC(tp, no_maildir);
	return atf_no_error();
}
