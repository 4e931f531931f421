/*
 * Unit tests for IMAP before login (worker/imap/imap_login.c):
 * imap_login() runs in a forked child with the client on one end of a
 * socketpair and its master channel on another (worker_harness.c);
 * the test plays both the client (checking every response byte) and
 * the master (answering the SASL exchange as postern-auth would).  The
 * worker's handoff and exit, which live in worker/prelogin.c (linked
 * with each worker's main, not kept in the archive), are stood in for
 * here: the child sends the handoff and exits.  Run by Kyua from
 * regress/unit.
 */
#include <sys/types.h>

#include <atf-c.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "worker.h"
#include "worker_harness.h"

struct worker	*worker;

/*
 * The worker archive is linked before the IMAP one: name what
 * imap_login.c needs from it so that the linker takes it in.
 */
static void *const needed[] __attribute__((__used__)) = {
	(void *)worker_sasl, (void *)tls_accept
};

/* The stand-ins: worker/prelogin.c hands over and exits for real. */
void
worker_handoff(struct worker *w, const char *tag)
{
	struct handoff	ho;

	memset(&ho, 0, sizeof(ho));
	(void)strlcpy(ho.tag, tag != NULL ? tag : "", sizeof(ho.tag));
	(void)io_flush(&w->io);
	if (msg_composev(&w->chan, MSG_HANDOFF, w->init.conn_id, -1, &ho,
	    sizeof(ho), w->io.in.data, io_buffered(&w->io)) == -1 ||
	    msg_flush_all(&w->chan) == -1)
		_exit(3);
	_exit(0);
}

void
worker_exit(struct worker *w, int status)
{
	(void)io_flush(&w->io);
	_exit(status);
}

static void
init_default(struct worker_init *init)
{
	memset(init, 0, sizeof(*init));
	init->conn_id = 5;
	init->proto = PROTO_IMAP;
	init->login_type = LOGIN_SECURE;
	init->idle_timeout = 30;
	init->max_auth_attempts = 3;
	strlcpy(init->client_addr, "192.0.2.7", sizeof(init->client_addr));
}

/*
 * The child: the worker as worker_start() leaves it, with its master
 * channel on mfd; imap_login() hands off or exits.
 */
static void
login_child(int fd, int mfd, const void *arg)
{
	const struct worker_init	*init = arg;
	struct worker			*w;

	if ((w = calloc(1, sizeof(*w))) == NULL)
		_exit(2);
	worker = w;
	w->init = *init;
	msg_init(&w->chan, mfd);
	io_init(&w->io, fd, init->idle_timeout);
	imap_login(w);
}

static void
start(struct child *c, const struct worker_init *init)
{
	child_start(c, "worker", 1, login_child, init);
}

/* The master's side: the next message must be of this type. */
static void
master_get(struct child *c, uint32_t type, struct msg *m)
{
	ATF_REQUIRE_MSG(msg_wait(&c->chan, m, 10000) == 1, "no message");
	ATF_REQUIRE_MSG(m->type == type, "message %u, want %u", m->type,
	    type);
}

/* AUTH_START of mech with (or without) this initial response. */
static void
master_start(struct child *c, const char *mech, int via_command,
    const void *ir, size_t irlen, int has_ir)
{
	struct auth_start	as;
	struct msg		m;

	master_get(c, MSG_AUTH_START, &m);
	ATF_REQUIRE(m.len == sizeof(as) + irlen);
	memcpy(&as, m.data, sizeof(as));
	ATF_CHECK_STREQ(as.mech, mech);
	ATF_CHECK_EQ(as.via_command, (uint32_t)via_command);
	ATF_CHECK_EQ(as.has_ir, (uint32_t)has_ir);
	ATF_CHECK(memcmp((char *)m.data + sizeof(as), ir, irlen) == 0);
}

static void
master_fail(struct child *c, uint32_t code)
{
	struct auth_fail	af;

	memset(&af, 0, sizeof(af));
	af.code = code;
	strlcpy(af.reason, "test", sizeof(af.reason));
	ATF_REQUIRE(msg_compose(&c->chan, MSG_AUTH_FAIL, 0, -1, &af,
	    sizeof(af)) == 0 && msg_flush_all(&c->chan) == 0);
}

/* The worker gave up on an exchange: it waits for this. */
static void
master_aborted(struct child *c)
{
	struct msg	m;

	master_get(c, MSG_AUTH_ABORT, &m);
	ATF_REQUIRE(msg_compose(&c->chan, MSG_AUTH_ABORTED, 0, -1, NULL, 0) ==
	    0 && msg_flush_all(&c->chan) == 0);
}

static void
master_ok(struct child *c, const char *user)
{
	struct auth_ok	ok;

	memset(&ok, 0, sizeof(ok));
	strlcpy(ok.user, user, sizeof(ok.user));
	ATF_REQUIRE(msg_compose(&c->chan, MSG_AUTH_OK, 0, -1, &ok,
	    sizeof(ok)) == 0 && msg_flush_all(&c->chan) == 0);
}

/* The handoff names the login command's tag and the pending input. */
static void
master_handoff(struct child *c, const char *tag, const char *pending)
{
	struct handoff	ho;
	struct msg	m;

	master_get(c, MSG_HANDOFF, &m);
	ATF_REQUIRE(m.len == sizeof(ho) + strlen(pending));
	memcpy(&ho, m.data, sizeof(ho));
	ATF_CHECK_STREQ(ho.tag, tag);
	ATF_CHECK(memcmp((char *)m.data + sizeof(ho), pending,
	    strlen(pending)) == 0);
}

/*
 * AUTHENTICATE PLAIN as alice with password "x" under tag, which the
 * master fails with code: the client must get exp.
 */
static void
plain_failed(struct child *c, const char *tag, uint32_t code,
    const char *exp)
{
	char	line[64];

	snprintf(line, sizeof(line), "%s AUTHENTICATE PLAIN AGFsaWNlAHg=\r\n",
	    tag);
	say(c, line);
	master_start(c, "PLAIN", 0, "\0alice\0x", 8, 1);
	master_fail(c, code);
	expect(c, exp);
}

/*
 * The master takes alice's "secret" (from LOGIN when via_command):
 * the worker hands the login tagged tag off with pending, and exits.
 */
static void
accepted(struct child *c, int via_command, const char *tag,
    const char *pending)
{
	master_start(c, "PLAIN", via_command, "\0alice\0secret", 13, 1);
	master_ok(c, "alice");
	master_handoff(c, tag, pending);
	ATF_CHECK_EQ(finish(c), 0);
}

#define PRE	"IMAP4rev1 IMAP4rev2 SASL-IR ID ENABLE IDLE LITERAL-"

ATF_TC_WITHOUT_HEAD(secure_cleartext);
ATF_TC_BODY(secure_cleartext, tc)
{
	struct worker_init	init;
	struct child		c;

	init_default(&init);
	start(&c, &init);
	expect(&c, "* OK [CAPABILITY " PRE " LOGINDISABLED] postern IMAP4 "
	    "ready.\r\n");
	say(&c, "a CAPABILITY\r\n");
	expect(&c, "* CAPABILITY " PRE " LOGINDISABLED\r\n"
	    "a OK Capability completed.\r\n");
	say(&c, "b LOGIN alice secret\r\n");
	expect(&c, "b NO [PRIVACYREQUIRED] Plaintext authentication "
	    "disallowed on non-secure (SSL/TLS) connections.\r\n");
	say(&c, "c AUTHENTICATE PLAIN AGFsaWNlAHNlY3JldA==\r\n");
	expect(&c, "c NO [PRIVACYREQUIRED] Plaintext authentication "
	    "disallowed on non-secure (SSL/TLS) connections.\r\n");
	say(&c, "d AUTHENTICATE X-UNKNOWN\r\n");
	expect(&c, "d NO Unsupported authentication mechanism.\r\n");
	say(&c, "e STARTTLS\r\n");
	expect(&c, "e NO TLS is not available.\r\n");
	say(&c, "f NOOP\r\n");
	expect(&c, "f OK NOOP completed.\r\n");
	say(&c, "g ID (\"name\" \"test\")\r\n");
	expect(&c, "* ID (\"name\" \"postern\")\r\ng OK ID completed.\r\n");
	say(&c, "h ENABLE IMAP4rev2\r\n");
	expect(&c, "h BAD Log in first\r\n");
	say(&c, "i SELECT INBOX\r\n");
	expect(&c, "i BAD Log in first\r\n");
	say(&c, "j UID FETCH 1 FLAGS\r\n");
	expect(&c, "j BAD Log in first\r\n");
	/* APPEND's message is refused before it is asked for. */
	say(&c, "k APPEND INBOX {5}\r\n");
	expect(&c, "k BAD Log in first\r\n");
	say(&c, "l XYZZY\r\n");
	expect(&c, "l BAD Unknown command\r\n");
	say(&c, "m LOGOUT\r\n");
	expect(&c, "* BYE Logging out\r\nm OK Logout completed.\r\n");
	expect_exit(&c, 0);
}

ATF_TC_WITHOUT_HEAD(login_literal);
ATF_TC_BODY(login_literal, tc)
{
	struct worker_init	init;
	struct child		c;

	init_default(&init);
	init.login_type = LOGIN_PLAINTEXT_LOGIN;
	strlcpy(init.banner, "Welcome", sizeof(init.banner));
	start(&c, &init);
	expect(&c, "* OK [CAPABILITY " PRE " AUTH=PLAIN AUTH=LOGIN] "
	    "Welcome\r\n");
	say(&c, "a LOGIN alice {6}\r\n");
	expect(&c, "+ Ready for literal data\r\n");
	say(&c, "secret\r\nb NOOP\r\n");
	accepted(&c, 1, "a", "b NOOP\r\n");
}

ATF_TC_WITHOUT_HEAD(authenticate);
ATF_TC_BODY(authenticate, tc)
{
	struct worker_init	init;
	struct child		c;
	struct msg		m;

	init_default(&init);
	init.login_type = LOGIN_PLAINTEXT_AUTH;
	init.max_auth_attempts = 10;
	start(&c, &init);
	expect(&c, "* OK [CAPABILITY " PRE " LOGINDISABLED AUTH=PLAIN "
	    "AUTH=LOGIN] postern IMAP4 ready.\r\n");
	/* Each failure code with its RFC 5530 response code. */
	plain_failed(&c, "a", AUTH_FAIL_CREDENTIALS,
	    "a NO [AUTHENTICATIONFAILED] Authentication failed.\r\n");
	plain_failed(&c, "b", AUTH_FAIL_DENIED,
	    "b NO [AUTHENTICATIONFAILED] Authentication failed.\r\n");
	plain_failed(&c, "c", AUTH_FAIL_TEMP, "c NO [UNAVAILABLE] Temporary "
	    "authentication failure, try again later.\r\n");
	plain_failed(&c, "d", AUTH_FAIL_LIMIT,
	    "d NO [LIMIT] Too many connections for this user.\r\n");
	/* "=" is an empty initial response. */
	say(&c, "e AUTHENTICATE PLAIN =\r\n");
	master_start(&c, "PLAIN", 0, "", 0, 1);
	master_fail(&c, AUTH_FAIL_PROTOCOL);
	expect(&c, "e BAD Invalid authentication data.\r\n");
	/* A challenge, a response, and "*". */
	say(&c, "f AUTHENTICATE LOGIN\r\n");
	master_start(&c, "LOGIN", 0, "", 0, 0);
	ATF_REQUIRE(msg_compose(&c.chan, MSG_AUTH_CHALLENGE, 0, -1,
	    "Username:", 9) == 0 && msg_flush_all(&c.chan) == 0);
	expect(&c, "+ VXNlcm5hbWU6\r\n");
	say(&c, "YWxpY2U=\r\n");
	master_get(&c, MSG_AUTH_CONT, &m);
	ATF_CHECK(m.len == 5 && memcmp(m.data, "alice", 5) == 0);
	ATF_REQUIRE(msg_compose(&c.chan, MSG_AUTH_CHALLENGE, 0, -1,
	    "Password:", 9) == 0 && msg_flush_all(&c.chan) == 0);
	expect(&c, "+ UGFzc3dvcmQ6\r\n");
	say(&c, "*\r\n");
	master_aborted(&c);
	expect(&c, "f BAD Authentication cancelled.\r\n");
	/* Bad base64 in a response. */
	say(&c, "g AUTHENTICATE PLAIN\r\n");
	master_start(&c, "PLAIN", 0, "", 0, 0);
	ATF_REQUIRE(msg_compose(&c.chan, MSG_AUTH_CHALLENGE, 0, -1, "", 0) ==
	    0 && msg_flush_all(&c.chan) == 0);
	expect(&c, "+ \r\n");
	say(&c, "!!!!\r\n");
	master_aborted(&c);
	expect(&c, "g BAD Invalid authentication data.\r\n");
	/* Bad base64 in the initial response: the parser refuses it. */
	say(&c, "h AUTHENTICATE PLAIN A=A=\r\n");
	expect(&c, "h BAD Invalid base64 in initial response\r\n");
	/* LOGIN stays disabled under plaintext-auth. */
	say(&c, "i LOGIN alice secret\r\n");
	expect(&c, "i NO [PRIVACYREQUIRED] Plaintext authentication "
	    "disallowed on non-secure (SSL/TLS) connections.\r\n");
	say(&c, "j AUTHENTICATE PLAIN AGFsaWNlAHNlY3JldA==\r\n");
	accepted(&c, 0, "j", "");
}

ATF_TC_WITHOUT_HEAD(too_many_failures);
ATF_TC_BODY(too_many_failures, tc)
{
	struct worker_init	init;
	struct child		c;
	int			i;
	char			line[64];

	init_default(&init);
	init.login_type = LOGIN_PLAINTEXT_LOGIN;
	start(&c, &init);
	expect(&c, "* OK [CAPABILITY " PRE " AUTH=PLAIN AUTH=LOGIN] postern "
	    "IMAP4 ready.\r\n");
	for (i = 0; i < 3; i++) {
		snprintf(line, sizeof(line), "t%d LOGIN alice wrong\r\n", i);
		say(&c, line);
		master_start(&c, "PLAIN", 1, "\0alice\0wrong", 12, 1);
		master_fail(&c, AUTH_FAIL_CREDENTIALS);
		snprintf(line, sizeof(line), "t%d NO [AUTHENTICATIONFAILED] "
		    "Authentication failed.\r\n", i);
		expect(&c, line);
	}
	expect(&c, "* BYE Too many invalid authentication attempts.\r\n");
	expect_exit(&c, 0);
}

ATF_TC_WITHOUT_HEAD(limits_timeout);
ATF_TC_BODY(limits_timeout, tc)
{
	struct worker_init	 init;
	struct child		 c;
	char			*big;

	init_default(&init);
	init.idle_timeout = 1;
	start(&c, &init);
	expect(&c, "* OK [CAPABILITY " PRE " LOGINDISABLED] postern IMAP4 "
	    "ready.\r\n");
	/* LITERAL- before login: a large unasked literal is refused. */
	say(&c, "a LOGIN {5000+}\r\n");
	expect(&c, "a BAD [TOOBIG] Non-synchronizing literal over 4096 "
	    "octets\r\n");
	ATF_REQUIRE((big = malloc(5003)) != NULL);
	memset(big, 'x', 5000);
	memcpy(big + 5000, "\r\n", 3);
	say(&c, big);
	say(&c, "b NOOP\r\n");
	expect(&c, "b OK NOOP completed.\r\n");
	big = realloc(big, 20003);
	ATF_REQUIRE(big != NULL);
	memset(big, 'x', 20000);
	memcpy(big + 20000, "\r\n", 3);
	say(&c, big);
	expect(&c, "* BAD [TOOBIG] Line too long\r\n");
	free(big);
	expect(&c, "* BYE Autologout; idle for too long\r\n");
	expect_exit(&c, 0);
}

ATF_TP_ADD_TCS(tp)
{
	ATF_TP_ADD_TC(tp, secure_cleartext);
	ATF_TP_ADD_TC(tp, login_literal);
	ATF_TP_ADD_TC(tp, authenticate);
	ATF_TP_ADD_TC(tp, too_many_failures);
	ATF_TP_ADD_TC(tp, limits_timeout);
	return atf_no_error();
}
