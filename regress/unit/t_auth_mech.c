/*
 * Unit tests for postern-auth's SASL mechanisms (auth/mech.c): PLAIN
 * message parsing (RFC 4616) and the PLAIN and LOGIN state machines,
 * fed the raw bytes the master relays.
 */
#include <string.h>

#include <atf-c.h>

#include "auth.h"

static int
plain(const char *msg, size_t len, char *user, char *pass, uint32_t *code,
    const char **reason)
{
	return mech_plain_parse((const unsigned char *)msg, len, user,
	    P_NAMELEN, pass, MECH_MAXMSG + 1, code, reason);
}

ATF_TC_WITHOUT_HEAD(plain_good);
ATF_TC_BODY(plain_good, tc)
{
	char		 user[P_NAMELEN], pass[MECH_MAXMSG + 1];
	uint32_t	 code;
	const char	*reason;

	ATF_REQUIRE_EQ(plain("\0alice\0secret pw", 16, user, pass, &code,
	    &reason), 0);
	ATF_CHECK_STREQ(user, "alice");
	ATF_CHECK_STREQ(pass, "secret pw");

	/* The authzid may repeat the user name. */
	ATF_REQUIRE_EQ(plain("alice\0alice\0pw", 14, user, pass, &code,
	    &reason), 0);
	ATF_CHECK_STREQ(user, "alice");
	ATF_CHECK_STREQ(pass, "pw");

	/* UTF-8 is passed through as bytes. */
	ATF_REQUIRE_EQ(plain("\0j\xc3\xb6rg\0p\xc3\xa4ss", 12, user, pass,
	    &code, &reason), 0);
	ATF_CHECK_STREQ(user, "j\xc3\xb6rg");
	ATF_CHECK_STREQ(pass, "p\xc3\xa4ss");
}

ATF_TC_WITHOUT_HEAD(plain_authzid_differs);
ATF_TC_BODY(plain_authzid_differs, tc)
{
	char		 user[P_NAMELEN], pass[MECH_MAXMSG + 1];
	uint32_t	 code;
	const char	*reason;

	ATF_REQUIRE_EQ(plain("bob\0alice\0pw", 12, user, pass, &code,
	    &reason), -1);
	ATF_CHECK_EQ(code, AUTH_FAIL_DENIED);
	ATF_CHECK_STREQ(reason, "authorization identity differs");
	/* The user is named, so that the failure counts against it. */
	ATF_CHECK_STREQ(user, "alice");

	/* A prefix is not the same identity. */
	ATF_REQUIRE_EQ(plain("alic\0alice\0pw", 13, user, pass, &code,
	    &reason), -1);
	ATF_CHECK_EQ(code, AUTH_FAIL_DENIED);
	ATF_REQUIRE_EQ(plain("alicex\0alice\0pw", 15, user, pass, &code,
	    &reason), -1);
	ATF_CHECK_EQ(code, AUTH_FAIL_DENIED);
}

ATF_TC_WITHOUT_HEAD(plain_malformed);
ATF_TC_BODY(plain_malformed, tc)
{
	static const struct {
		const char	*msg;
		size_t		 len;
		const char	*reason;
	} bad[] = {
		{ "", 0, "empty PLAIN message" },
		{ "alice", 5, "PLAIN message without NUL" },
		{ "\0alice", 6, "PLAIN message with one NUL" },
		{ "\0alicepw\0", 9, "empty password" },
		{ "\0\0pw", 4, "empty user name" },
		{ "\0alice\0p\0w", 10, "NUL inside the PLAIN password" },
		{ "\0\0\0", 3, "NUL inside the PLAIN password" },
		{ "\0al\tice\0pw", 10, "control character in user name" },
	};
	char		 user[P_NAMELEN], pass[MECH_MAXMSG + 1];
	uint32_t	 code;
	const char	*reason;
	size_t		 i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		ATF_CHECK_EQ_MSG(plain(bad[i].msg, bad[i].len, user, pass,
		    &code, &reason), -1, "case %zu", i);
		ATF_CHECK_EQ_MSG(code, AUTH_FAIL_PROTOCOL, "case %zu", i);
		ATF_CHECK_STREQ_MSG(reason, bad[i].reason, "case %zu", i);
	}
}

ATF_TC_WITHOUT_HEAD(plain_too_long);
ATF_TC_BODY(plain_too_long, tc)
{
	char		 msg[MECH_MAXMSG + 2];
	char		 user[P_NAMELEN], pass[MECH_MAXMSG + 1];
	uint32_t	 code;
	const char	*reason;

	/* 255-octet user and password: RFC 4616 says MUST accept. */
	memset(msg, 'a', sizeof(msg));
	msg[0] = '\0';
	msg[256] = '\0';
	ATF_REQUIRE_EQ(plain(msg, 512, user, pass, &code, &reason), 0);
	ATF_CHECK_EQ(strlen(user), 255);
	ATF_CHECK_EQ(strlen(pass), 255);

	/* A 256-octet user does not fit any identity. */
	memset(msg, 'a', sizeof(msg));
	msg[0] = '\0';
	msg[257] = '\0';
	ATF_REQUIRE_EQ(plain(msg, 300, user, pass, &code, &reason), -1);
	ATF_CHECK_EQ(code, AUTH_FAIL_PROTOCOL);
	ATF_CHECK_STREQ(reason, "user name too long");

	/* The whole message: 1024 octets fit, 1025 do not. */
	memset(msg, 'p', sizeof(msg));
	memcpy(msg, "\0bob\0", 5);
	ATF_REQUIRE_EQ(plain(msg, MECH_MAXMSG, user, pass, &code, &reason),
	    0);
	ATF_CHECK_EQ(strlen(pass), MECH_MAXMSG - 5);
	ATF_REQUIRE_EQ(plain(msg, MECH_MAXMSG + 1, user, pass, &code,
	    &reason), -1);
	ATF_CHECK_EQ(code, AUTH_FAIL_PROTOCOL);
	ATF_CHECK_STREQ(reason, "PLAIN message too long");
}

ATF_TC_WITHOUT_HEAD(plain_machine);
ATF_TC_BODY(plain_machine, tc)
{
	struct mech_state	ms;

	/* With an initial response: done at once. */
	ATF_REQUIRE_EQ(mech_init(&ms, "plain", 0), 0);
	ATF_CHECK_STREQ(ms.mech->name, "PLAIN");
	ATF_REQUIRE_EQ(mech_step(&ms, "\0u\0p", 4, 1), MECH_DONE);
	ATF_CHECK_STREQ(ms.user, "u");
	ATF_CHECK_STREQ(ms.pass, "p");
	mech_clear(&ms);
	ATF_CHECK_STREQ(ms.pass, "");

	/* Without: an empty challenge, then the message. */
	ATF_REQUIRE_EQ(mech_init(&ms, "PLAIN", 0), 0);
	ATF_REQUIRE_EQ(mech_step(&ms, NULL, 0, 0), MECH_CHALLENGE);
	ATF_CHECK_EQ(ms.challenge_len, 0);
	ATF_REQUIRE(ms.challenge != NULL);
	ATF_REQUIRE_EQ(mech_step(&ms, "\0u\0p", 4, 1), MECH_DONE);
	ATF_CHECK_STREQ(ms.user, "u");

	/* An empty initial response is a message, and a malformed one. */
	ATF_REQUIRE_EQ(mech_init(&ms, "PLAIN", 0), 0);
	ATF_REQUIRE_EQ(mech_step(&ms, "", 0, 1), MECH_FAIL);
	ATF_CHECK_EQ(ms.fail_code, AUTH_FAIL_PROTOCOL);

	/* The command form is PLAIN whatever the mechanism field says. */
	ATF_REQUIRE_EQ(mech_init(&ms, "", 1), 0);
	ATF_REQUIRE_EQ(mech_step(&ms, "\0bob\0pw", 7, 1), MECH_DONE);
	ATF_CHECK_STREQ(ms.user, "bob");
	ATF_CHECK_STREQ(ms.pass, "pw");
	ATF_CHECK((ms.mech->flags & MECH_CLEARTEXT) != 0);
}

ATF_TC_WITHOUT_HEAD(login_machine);
ATF_TC_BODY(login_machine, tc)
{
	struct mech_state	ms;

	ATF_REQUIRE_EQ(mech_init(&ms, "LOGIN", 0), 0);
	ATF_REQUIRE_EQ(mech_step(&ms, NULL, 0, 0), MECH_CHALLENGE);
	ATF_CHECK_EQ(ms.challenge_len, 9);
	ATF_CHECK(memcmp(ms.challenge, "Username:", 9) == 0);
	ATF_REQUIRE_EQ(mech_step(&ms, "alice", 5, 1), MECH_CHALLENGE);
	ATF_CHECK(memcmp(ms.challenge, "Password:", 9) == 0);
	ATF_CHECK_STREQ(ms.user, "alice");
	ATF_REQUIRE_EQ(mech_step(&ms, "pass word", 9, 1), MECH_DONE);
	ATF_CHECK_STREQ(ms.pass, "pass word");
	mech_clear(&ms);

	/* The initial response is the user name. */
	ATF_REQUIRE_EQ(mech_init(&ms, "login", 0), 0);
	ATF_REQUIRE_EQ(mech_step(&ms, "bob", 3, 1), MECH_CHALLENGE);
	ATF_CHECK(memcmp(ms.challenge, "Password:", 9) == 0);
	ATF_CHECK_STREQ(ms.user, "bob");
	ATF_REQUIRE_EQ(mech_step(&ms, "pw", 2, 1), MECH_DONE);
	ATF_CHECK_STREQ(ms.pass, "pw");
}

ATF_TC_WITHOUT_HEAD(login_malformed);
ATF_TC_BODY(login_malformed, tc)
{
	struct mech_state	ms;
	char			long_user[P_NAMELEN + 1];
	char			long_pass[MECH_MAXMSG + 1];

	ATF_REQUIRE_EQ(mech_init(&ms, "LOGIN", 0), 0);
	ATF_REQUIRE_EQ(mech_step(&ms, NULL, 0, 0), MECH_CHALLENGE);
	ATF_REQUIRE_EQ(mech_step(&ms, "", 0, 1), MECH_FAIL);
	ATF_CHECK_EQ(ms.fail_code, AUTH_FAIL_PROTOCOL);
	ATF_CHECK_STREQ(ms.fail_reason, "empty user name");

	ATF_REQUIRE_EQ(mech_init(&ms, "LOGIN", 0), 0);
	ATF_REQUIRE_EQ(mech_step(&ms, "a\0b", 3, 1), MECH_FAIL);
	ATF_CHECK_EQ(ms.fail_code, AUTH_FAIL_PROTOCOL);

	memset(long_user, 'u', sizeof(long_user));
	ATF_REQUIRE_EQ(mech_init(&ms, "LOGIN", 0), 0);
	ATF_REQUIRE_EQ(mech_step(&ms, long_user, P_NAMELEN, 1), MECH_FAIL);
	ATF_CHECK_STREQ(ms.fail_reason, "user name too long");

	ATF_REQUIRE_EQ(mech_init(&ms, "LOGIN", 0), 0);
	ATF_REQUIRE_EQ(mech_step(&ms, "u", 1, 1), MECH_CHALLENGE);
	ATF_REQUIRE_EQ(mech_step(&ms, "p\0w", 3, 1), MECH_FAIL);
	ATF_CHECK_STREQ(ms.fail_reason, "NUL in LOGIN password");
	ATF_CHECK_STREQ(ms.pass, "");

	ATF_REQUIRE_EQ(mech_init(&ms, "LOGIN", 0), 0);
	ATF_REQUIRE_EQ(mech_step(&ms, "u", 1, 1), MECH_CHALLENGE);
	ATF_REQUIRE_EQ(mech_step(&ms, "", 0, 1), MECH_FAIL);
	ATF_CHECK_STREQ(ms.fail_reason, "empty password");

	memset(long_pass, 'p', sizeof(long_pass));
	ATF_REQUIRE_EQ(mech_init(&ms, "LOGIN", 0), 0);
	ATF_REQUIRE_EQ(mech_step(&ms, "u", 1, 1), MECH_CHALLENGE);
	ATF_REQUIRE_EQ(mech_step(&ms, long_pass, MECH_MAXMSG + 1, 1),
	    MECH_FAIL);
	ATF_CHECK_STREQ(ms.fail_reason, "LOGIN password too long");

	/* Nothing more is taken after the password. */
	ATF_REQUIRE_EQ(mech_init(&ms, "LOGIN", 0), 0);
	ATF_REQUIRE_EQ(mech_step(&ms, "u", 1, 1), MECH_CHALLENGE);
	ATF_REQUIRE_EQ(mech_step(&ms, "p", 1, 1), MECH_DONE);
	ATF_REQUIRE_EQ(mech_step(&ms, "x", 1, 1), MECH_FAIL);
}

ATF_TC_WITHOUT_HEAD(mech_table);
ATF_TC_BODY(mech_table, tc)
{
	struct mech_state	ms;

	ATF_CHECK(mech_find("PLAIN") != NULL);
	ATF_CHECK(mech_find("login") != NULL);
	ATF_CHECK(mech_find("CRAM-MD5") == NULL);
	ATF_CHECK(mech_find("") == NULL);
	ATF_CHECK_EQ(mech_init(&ms, "GSSAPI-NOPE", 0), -1);
	ATF_CHECK_EQ(mech_init(&ms, "PLAINX", 0), -1);
}

ATF_TP_ADD_TCS(tp)
{
	ATF_TP_ADD_TC(tp, plain_good);
	ATF_TP_ADD_TC(tp, plain_authzid_differs);
	ATF_TP_ADD_TC(tp, plain_malformed);
	ATF_TP_ADD_TC(tp, plain_too_long);
	ATF_TP_ADD_TC(tp, plain_machine);
	ATF_TP_ADD_TC(tp, login_machine);
	ATF_TP_ADD_TC(tp, login_malformed);
	ATF_TP_ADD_TC(tp, mech_table);
	return atf_no_error();
}
