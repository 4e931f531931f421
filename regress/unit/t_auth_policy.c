/*
 * Unit tests for postern-auth's policy (auth/policy.c): which login
 * types let a cleartext password through on which connections, and
 * which verified identities may log in (no root, no system accounts)
 * with which mail location.
 */
#include <string.h>

#include <atf-c.h>

#include "auth.h"

ATF_TC_WITHOUT_HEAD(login_type_matrix);
ATF_TC_BODY(login_type_matrix, tc)
{
	/* login type, secured, via command, cleartext -> allowed */
	static const struct {
		uint32_t	type;
		int		secured, command, cleartext, allowed;
	} m[] = {
		{ LOGIN_SECURE,		 1, 0, 1, 1 },
		{ LOGIN_SECURE,		 1, 1, 1, 1 },
		{ LOGIN_SECURE,		 0, 0, 1, 0 },
		{ LOGIN_SECURE,		 0, 1, 1, 0 },
		{ LOGIN_SECURE,		 0, 0, 0, 1 },
		{ LOGIN_PLAINTEXT_AUTH,	 1, 0, 1, 1 },
		{ LOGIN_PLAINTEXT_AUTH,	 1, 1, 1, 1 },
		{ LOGIN_PLAINTEXT_AUTH,	 0, 0, 1, 1 },
		{ LOGIN_PLAINTEXT_AUTH,	 0, 1, 1, 0 },
		{ LOGIN_PLAINTEXT_AUTH,	 0, 0, 0, 1 },
		{ LOGIN_PLAINTEXT_LOGIN, 1, 0, 1, 1 },
		{ LOGIN_PLAINTEXT_LOGIN, 1, 1, 1, 1 },
		{ LOGIN_PLAINTEXT_LOGIN, 0, 0, 1, 1 },
		{ LOGIN_PLAINTEXT_LOGIN, 0, 1, 1, 1 },
		{ LOGIN_PLAINTEXT_LOGIN, 0, 0, 0, 1 },
		{ 99,			 0, 0, 1, 0 },
		{ 99,			 1, 0, 1, 1 },
	};
	size_t	i;

	for (i = 0; i < sizeof(m) / sizeof(m[0]); i++)
		ATF_CHECK_EQ_MSG(policy_login_type(m[i].type, m[i].secured,
		    m[i].command, m[i].cleartext), m[i].allowed,
		    "row %zu", i);
}

static void
conf_init(struct auth_config *c)
{
	memset(c, 0, sizeof(*c));
	c->first_valid_uid = 1000;
	strlcpy(c->mail_location, "~/Maildir", sizeof(c->mail_location));
}

static void
ident_init(struct auth_identity *id, uint32_t uid, const char *mail)
{
	memset(id, 0, sizeof(*id));
	strlcpy(id->user, "alice", sizeof(id->user));
	id->uid = uid;
	id->gid = uid;
	strlcpy(id->home, "/home/alice", sizeof(id->home));
	strlcpy(id->mail, mail, sizeof(id->mail));
	id->ngroups = 1;
}

ATF_TC_WITHOUT_HEAD(uid_policy);
ATF_TC_BODY(uid_policy, tc)
{
	struct auth_config	 c;
	struct auth_identity	 id;
	const char		*reason;

	conf_init(&c);
	ident_init(&id, 0, "");
	ATF_CHECK_EQ(policy_identity(&c, PROTO_IMAP, &id, &reason),
	    AUTH_FAIL_DENIED);
	ATF_CHECK_STREQ(reason, "root may not log in");

	ident_init(&id, 999, "");
	ATF_CHECK_EQ(policy_identity(&c, PROTO_POP3, &id, &reason),
	    AUTH_FAIL_DENIED);
	ATF_CHECK_STREQ(reason, "system account");

	ident_init(&id, 1000, "");
	ATF_CHECK_EQ(policy_identity(&c, PROTO_POP3, &id, &reason), 0);

	/* Root stays out even when first-valid-uid is 0. */
	c.first_valid_uid = 0;
	ident_init(&id, 0, "");
	ATF_CHECK_EQ(policy_identity(&c, PROTO_IMAP, &id, &reason),
	    AUTH_FAIL_DENIED);
	ident_init(&id, 1, "");
	ATF_CHECK_EQ(policy_identity(&c, PROTO_IMAP, &id, &reason), 0);
}

ATF_TC_WITHOUT_HEAD(mail_location);
ATF_TC_BODY(mail_location, tc)
{
	struct auth_config	 c;
	struct auth_identity	 id;
	const char		*reason;

	conf_init(&c);
	ident_init(&id, 1000, "");
	ATF_REQUIRE_EQ(policy_identity(&c, PROTO_IMAP, &id, &reason), 0);
	ATF_CHECK_STREQ(id.mail, "~/Maildir");

	ident_init(&id, 1000, "maildir:/var/mail/%u");
	ATF_REQUIRE_EQ(policy_identity(&c, PROTO_IMAP, &id, &reason), 0);
	ATF_CHECK_STREQ(id.mail, "maildir:/var/mail/%u");
}

ATF_TP_ADD_TCS(tp)
{
	ATF_TP_ADD_TC(tp, login_type_matrix);
	ATF_TP_ADD_TC(tp, uid_policy);
	ATF_TP_ADD_TC(tp, mail_location);
	return atf_no_error();
}
