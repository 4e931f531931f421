/*
 * Unit tests for postern-auth's GSSAPI mechanism (auth/gssapi.c): the
 * service names, the client's final reply (RFC 4752 3.1: layer, size,
 * authorization identity), the mapping of principals to local users
 * under a private krb5.conf, and what the mechanism does with no
 * keytab, an empty or a garbage token.  The whole exchange against a
 * KDC is tested end to end by regress/integration/t_auth_gssapi.
 */
#include <sys/types.h>
#include <sys/wait.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <atf-c.h>

#include "auth.h"

#define REALM	"TEST.REALM"

/* A krb5.conf of our own, before the library reads any. */
static void
krb5_conf(const char *extra)
{
	char	cwd[256], path[512];
	FILE	*fp;

	ATF_REQUIRE(getcwd(cwd, sizeof(cwd)) != NULL);
	snprintf(path, sizeof(path), "%s/krb5.conf", cwd);
	ATF_REQUIRE((fp = fopen(path, "w")) != NULL);
	fprintf(fp, "[libdefaults]\n"
	    "\tdefault_realm = " REALM "\n"
	    "\tdns_lookup_kdc = false\n"
	    "\tdns_lookup_realm = false\n"
	    "\trdns = false\n"
	    "[realms]\n"
	    "\t" REALM " = {\n"
	    "\t\tkdc = 127.0.0.1:1\n"
	    "%s"
	    "\t}\n", extra);
	ATF_REQUIRE(fclose(fp) == 0);
	ATF_REQUIRE(setenv("KRB5_CONFIG", path, 1) == 0);
	ATF_REQUIRE(setenv("KRB5_KDC_PROFILE", path, 1) == 0);
}

ATF_TC_WITHOUT_HEAD(service_names);
ATF_TC_BODY(service_names, tc)
{
	struct auth_config	conf;

	memset(&conf, 0, sizeof(conf));
	ATF_CHECK_STREQ(gssapi_service(&conf, PROTO_POP3), "pop");
	ATF_CHECK_STREQ(gssapi_service(&conf, PROTO_IMAP), "imap");
	ATF_CHECK_STREQ(gssapi_service(&conf, PROTO_SUBMISSION), "smtp");
	strlcpy(conf.gssapi_service[PROTO_POP3], "pop3",
	    sizeof(conf.gssapi_service[PROTO_POP3]));
	ATF_CHECK_STREQ(gssapi_service(&conf, PROTO_POP3), "pop3");
	ATF_CHECK_STREQ(gssapi_service(&conf, PROTO_IMAP), "imap");
}

ATF_TC_WITHOUT_HEAD(reply);
ATF_TC_BODY(reply, tc)
{
	static const struct {
		const char	*data;
		size_t		 len;
		int		 ok;
		const char	*authzid;	/* or the reason */
	} c[] = {
		{ "\001\000\000\000", 4, 1, "" },
		{ "\001\000\000\000alice", 9, 1, "alice" },
		{ "\001\000\000\000alice@TEST.REALM", 20, 1,
		    "alice@TEST.REALM" },
		{ "", 0, 0, "shorter than 4" },
		{ "\001\000\000", 3, 0, "shorter than 4" },
		{ "\002\000\000\000", 4, 0, "not offered" },
		{ "\004\000\000\000", 4, 0, "not offered" },
		{ "\007\000\000\000", 4, 0, "not offered" },
		{ "\000\000\000\000", 4, 0, "not offered" },
		{ "\001\000\020\000", 4, 0, "maximum size" },
		{ "\001\000\000\001", 4, 0, "maximum size" },
		{ "\001\000\000\000al\000ce", 9, 0, "control character" },
		{ "\001\000\000\000al\nce", 9, 0, "control character" },
	};
	char		 authzid[P_NAMELEN], big[P_NAMELEN + 8];
	const char	*reason;
	size_t		 i;

	for (i = 0; i < sizeof(c) / sizeof(c[0]); i++) {
		reason = NULL;
		if (c[i].ok) {
			ATF_CHECK_EQ_MSG(gssapi_parse_reply(
			    (const unsigned char *)c[i].data, c[i].len,
			    authzid, sizeof(authzid), &reason), 0,
			    "case %zu", i);
			ATF_CHECK_STREQ_MSG(authzid, c[i].authzid, "case %zu",
			    i);
		} else {
			ATF_CHECK_EQ_MSG(gssapi_parse_reply(
			    (const unsigned char *)c[i].data, c[i].len,
			    authzid, sizeof(authzid), &reason), -1,
			    "case %zu", i);
			ATF_CHECK_MSG(reason != NULL &&
			    strstr(reason, c[i].authzid) != NULL,
			    "case %zu: %s", i, reason ? reason : "(null)");
		}
	}
	memset(big, 'a', sizeof(big));
	memcpy(big, "\001\000\000\000", 4);
	ATF_CHECK_EQ(gssapi_parse_reply((unsigned char *)big, sizeof(big),
	    authzid, sizeof(authzid), &reason), -1);
	ATF_CHECK(strstr(reason, "too long") != NULL);
	ATF_CHECK_EQ(gssapi_parse_reply((unsigned char *)big,
	    4 + P_NAMELEN - 1, authzid, sizeof(authzid), &reason), 0);
	ATF_CHECK_EQ(strlen(authzid), P_NAMELEN - 1);
}

ATF_TC_WITHOUT_HEAD(authzid);
ATF_TC_BODY(authzid, tc)
{
	ATF_CHECK(gssapi_authzid_ok("", "alice", "alice@" REALM));
	ATF_CHECK(gssapi_authzid_ok("alice", "alice", "alice@" REALM));
	ATF_CHECK(gssapi_authzid_ok("alice@" REALM, "alice",
	    "alice@" REALM));
	ATF_CHECK(!gssapi_authzid_ok("bob", "alice", "alice@" REALM));
	ATF_CHECK(!gssapi_authzid_ok("Alice", "alice", "alice@" REALM));
	ATF_CHECK(!gssapi_authzid_ok("alice@OTHER", "alice",
	    "alice@" REALM));
}

ATF_TC_WITHOUT_HEAD(map_default);
ATF_TC_BODY(map_default, tc)
{
	char	local[P_NAMELEN], why[P_TEXTLEN];

	krb5_conf("");
	ATF_CHECK_EQ(gssapi_map_principal("alice@" REALM, local,
	    sizeof(local), why, sizeof(why)), 0);
	ATF_CHECK_STREQ(local, "alice");
	/* The default realm is implied. */
	ATF_CHECK_EQ(gssapi_map_principal("bob", local, sizeof(local), why,
	    sizeof(why)), 0);
	ATF_CHECK_STREQ(local, "bob");
	/* Another realm, or two components: no local user. */
	ATF_CHECK_EQ(gssapi_map_principal("alice@OTHER.REALM", local,
	    sizeof(local), why, sizeof(why)), -1);
	ATF_CHECK(strstr(why, "no local user") != NULL);
	ATF_CHECK_EQ(gssapi_map_principal("alice/admin@" REALM, local,
	    sizeof(local), why, sizeof(why)), -1);
	ATF_CHECK_EQ(gssapi_map_principal("pop/localhost@" REALM, local,
	    sizeof(local), why, sizeof(why)), -1);
	/* A local name too long for an identity is refused. */
	{
		char	p[P_NAMELEN + 32];

		memset(p, 'x', P_NAMELEN + 4);
		strlcpy(p + P_NAMELEN + 4, "@" REALM, sizeof(p) -
		    P_NAMELEN - 4);
		ATF_CHECK_EQ(gssapi_map_principal(p, local, sizeof(local),
		    why, sizeof(why)), -1);
	}
}

/* auth_to_local rules of krb5.conf apply. */
ATF_TC_WITHOUT_HEAD(map_rules);
ATF_TC_BODY(map_rules, tc)
{
	char	local[P_NAMELEN], why[P_TEXTLEN];

	krb5_conf("\t\tauth_to_local = RULE:[1:$1@$0](.*@PARTNER\\.ORG)"
	    "s/@.*/-partner/\n"
	    "\t\tauth_to_local = DEFAULT\n");
	ATF_CHECK_EQ(gssapi_map_principal("carol@PARTNER.ORG", local,
	    sizeof(local), why, sizeof(why)), 0);
	ATF_CHECK_STREQ(local, "carol-partner");
	ATF_CHECK_EQ(gssapi_map_principal("carol@" REALM, local,
	    sizeof(local), why, sizeof(why)), 0);
	ATF_CHECK_STREQ(local, "carol");
	ATF_CHECK_EQ(gssapi_map_principal("carol@ELSEWHERE", local,
	    sizeof(local), why, sizeof(why)), -1);
}

ATF_TC_WITHOUT_HEAD(not_configured);
ATF_TC_BODY(not_configured, tc)
{
	struct auth_config	conf;
	struct mech_state	ms;

	memset(&conf, 0, sizeof(conf));
	ATF_REQUIRE(mech_find("gssapi") != NULL);
	ATF_REQUIRE_EQ(mech_init(&ms, "GSSAPI", 0), 0);
	ATF_CHECK_EQ(ms.mech->flags & MECH_CLEARTEXT, 0);
	ms.conf = &conf;
	ms.proto = PROTO_POP3;
	ATF_CHECK_EQ(mech_step(&ms, NULL, 0, 0), MECH_FAIL);
	ATF_CHECK_EQ(ms.fail_code, AUTH_FAIL_MECH);
	mech_clear(&ms);
	/* Without a configuration at all, likewise. */
	ATF_REQUIRE_EQ(mech_init(&ms, "GSSAPI", 0), 0);
	ATF_CHECK_EQ(mech_step(&ms, "x", 1, 1), MECH_FAIL);
	ATF_CHECK_EQ(ms.fail_code, AUTH_FAIL_MECH);
	mech_clear(&ms);
	mech_clear(&ms);
}

static int
run(const char *cmd)
{
	int	st;

	st = system(cmd);
	return st != -1 && WIFEXITED(st) && WEXITSTATUS(st) == 0;
}

/* A keytab from a private KDC database; no KDC needs to run. */
ATF_TC(bad_tokens);
ATF_TC_HEAD(bad_tokens, tc)
{
	atf_tc_set_md_var(tc, "require.progs", "kdb5_util kadmin.local");
	atf_tc_set_md_var(tc, "require.user", "root");
}
ATF_TC_BODY(bad_tokens, tc)
{
	static const unsigned char	garbage[] = {
		0x60, 0x82, 0x02, 0x00, 0x06, 0x09, 0x2a, 0x86, 0x48, 0x86,
		0xf7, 0x12, 0x01, 0x02, 0x02, 0x01, 0x00, 0xde, 0xad
	};
	struct auth_config	 conf;
	struct mech_state	 ms;
	char			 cwd[256], cmd[2048], kdc[600];

	ATF_REQUIRE(getcwd(cwd, sizeof(cwd)) != NULL);
	snprintf(kdc, sizeof(kdc), "\t\tdatabase_name = %s/principal\n"
	    "\t\tkey_stash_file = %s/stash\n", cwd, cwd);
	krb5_conf(kdc);
	snprintf(cmd, sizeof(cmd), "kdb5_util -r " REALM " create -s "
	    "-P masterpw >/dev/null 2>&1 && "
	    "kadmin.local -r " REALM " -q 'addprinc -randkey "
	    "pop/localhost' >/dev/null 2>&1 && "
	    "kadmin.local -r " REALM " -q 'ktadd -k %s/pop.keytab "
	    "pop/localhost' >/dev/null 2>&1", cwd);
	if (!run(cmd))
		atf_tc_skip("cannot make a KDC database");

	memset(&conf, 0, sizeof(conf));
	snprintf(conf.gssapi_keytab, sizeof(conf.gssapi_keytab),
	    "%s/pop.keytab", cwd);
	gssapi_config(&conf);

	/* No initial response: an empty challenge, once. */
	ATF_REQUIRE_EQ(mech_init(&ms, "GSSAPI", 0), 0);
	ms.conf = &conf;
	ms.proto = PROTO_POP3;
	ATF_CHECK_EQ(mech_step(&ms, NULL, 0, 0), MECH_CHALLENGE);
	ATF_CHECK_EQ(ms.challenge_len, 0);
	/* An empty token is a protocol error. */
	ATF_CHECK_EQ(mech_step(&ms, "", 0, 1), MECH_FAIL);
	ATF_CHECK_EQ(ms.fail_code, AUTH_FAIL_PROTOCOL);
	mech_clear(&ms);

	/* Garbage, a token that looks Kerberos-like, and a huge one. */
	ATF_REQUIRE_EQ(mech_init(&ms, "GSSAPI", 0), 0);
	ms.conf = &conf;
	ms.proto = PROTO_POP3;
	ATF_CHECK_EQ(mech_step(&ms, "garbage", 7, 1), MECH_FAIL);
	ATF_CHECK_EQ(ms.fail_code, AUTH_FAIL_CREDENTIALS);
	ATF_CHECK(strncmp(ms.fail_reason, "GSSAPI accept_sec_context: ",
	    27) == 0);
	mech_clear(&ms);

	ATF_REQUIRE_EQ(mech_init(&ms, "GSSAPI", 0), 0);
	ms.conf = &conf;
	ms.proto = PROTO_POP3;
	ATF_CHECK_EQ(mech_step(&ms, garbage, sizeof(garbage), 1), MECH_FAIL);
	ATF_CHECK_EQ(ms.fail_code, AUTH_FAIL_CREDENTIALS);
	mech_clear(&ms);

	{
		unsigned char	*big;

		ATF_REQUIRE((big = malloc(65536)) != NULL);
		memset(big, 0x60, 65536);
		ATF_REQUIRE_EQ(mech_init(&ms, "GSSAPI", 0), 0);
		ms.conf = &conf;
		ms.proto = PROTO_POP3;
		ATF_CHECK_EQ(mech_step(&ms, big, 65536, 1), MECH_FAIL);
		mech_clear(&ms);
		free(big);
	}

	/* A keytab that is not there: a temporary failure, no crash. */
	snprintf(conf.gssapi_keytab, sizeof(conf.gssapi_keytab),
	    "%s/missing.keytab", cwd);
	ATF_REQUIRE_EQ(mech_init(&ms, "GSSAPI", 0), 0);
	ms.conf = &conf;
	ms.proto = PROTO_POP3;
	ATF_CHECK_EQ(mech_step(&ms, garbage, sizeof(garbage), 1), MECH_FAIL);
	ATF_CHECK(ms.fail_code == AUTH_FAIL_TEMP ||
	    ms.fail_code == AUTH_FAIL_CREDENTIALS);
	mech_clear(&ms);
	gssapi_shutdown();
}

ATF_TP_ADD_TCS(tp)
{
	ATF_TP_ADD_TC(tp, service_names);
	ATF_TP_ADD_TC(tp, reply);
	ATF_TP_ADD_TC(tp, authzid);
	ATF_TP_ADD_TC(tp, map_default);
	ATF_TP_ADD_TC(tp, map_rules);
	ATF_TP_ADD_TC(tp, not_configured);
	ATF_TP_ADD_TC(tp, bad_tokens);
	return atf_no_error();
}
