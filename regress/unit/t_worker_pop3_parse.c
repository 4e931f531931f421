/*
 * Unit tests for worker/pop3/pop3_parse.c, the POP3 command parser
 * shared by the pre-login worker and the post-login session: keywords
 * in any case, argument splitting, PASS keeping its spaces, the
 * argument limit, empty lines, control characters and NULs, unknown
 * commands, and message numbers (RFC 1939).  Run by Kyua from
 * regress/unit.
 */
#include <limits.h>
#include <stdio.h>
#include <string.h>

#include <atf-c.h>

#include "pop3.h"

static int	parse(const char *, struct pop3_cmd *);
static int	parse_len(const char *, size_t, struct pop3_cmd *);

/* Lines live in a static buffer: the parser cuts them in place. */
static char	linebuf[1024];

static int
parse_len(const char *s, size_t len, struct pop3_cmd *cmd)
{
	ATF_REQUIRE(len < sizeof(linebuf));
	memcpy(linebuf, s, len);
	linebuf[len] = '\0';
	return pop3_parse(linebuf, len, cmd);
}

static int
parse(const char *s, struct pop3_cmd *cmd)
{
	return parse_len(s, strlen(s), cmd);
}

ATF_TC_WITHOUT_HEAD(keywords);
ATF_TC_BODY(keywords, tc)
{
	static const struct {
		const char		*line;
		enum pop3_cmd_id	 id;
	} t[] = {
		{ "USER", POP3_USER }, { "PASS", POP3_PASS },
		{ "APOP", POP3_APOP }, { "AUTH", POP3_AUTH },
		{ "CAPA", POP3_CAPA }, { "STLS", POP3_STLS },
		{ "QUIT", POP3_QUIT }, { "STAT", POP3_STAT },
		{ "LIST", POP3_LIST }, { "RETR", POP3_RETR },
		{ "DELE", POP3_DELE }, { "NOOP", POP3_NOOP },
		{ "RSET", POP3_RSET }, { "TOP", POP3_TOP },
		{ "UIDL", POP3_UIDL },
		{ "user", POP3_USER }, { "Pass", POP3_PASS },
		{ "cApA", POP3_CAPA }, { "stls", POP3_STLS },
		{ "top", POP3_TOP }, { "uIdL", POP3_UIDL },
	};
	struct pop3_cmd	cmd;
	size_t		i;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		ATF_REQUIRE_EQ_MSG(parse(t[i].line, &cmd), POP3_PARSE_OK,
		    "%s", t[i].line);
		ATF_CHECK_EQ_MSG(cmd.id, t[i].id, "%s", t[i].line);
		ATF_CHECK_STREQ(cmd.name, t[i].line);
		ATF_CHECK_EQ(cmd.argc, 0);
	}
}

ATF_TC_WITHOUT_HEAD(arguments);
ATF_TC_BODY(arguments, tc)
{
	struct pop3_cmd	cmd;

	ATF_REQUIRE_EQ(parse("USER alice", &cmd), POP3_PARSE_OK);
	ATF_CHECK_EQ(cmd.id, POP3_USER);
	ATF_REQUIRE_EQ(cmd.argc, 1);
	ATF_CHECK_STREQ(cmd.argv[0], "alice");

	ATF_REQUIRE_EQ(parse("TOP 3 10", &cmd), POP3_PARSE_OK);
	ATF_CHECK_EQ(cmd.id, POP3_TOP);
	ATF_REQUIRE_EQ(cmd.argc, 2);
	ATF_CHECK_STREQ(cmd.argv[0], "3");
	ATF_CHECK_STREQ(cmd.argv[1], "10");

	/* Repeated, leading and trailing spaces separate nothing. */
	ATF_REQUIRE_EQ(parse("   top   3    10   ", &cmd), POP3_PARSE_OK);
	ATF_CHECK_EQ(cmd.id, POP3_TOP);
	ATF_CHECK_STREQ(cmd.name, "top");
	ATF_REQUIRE_EQ(cmd.argc, 2);
	ATF_CHECK_STREQ(cmd.argv[0], "3");
	ATF_CHECK_STREQ(cmd.argv[1], "10");

	ATF_REQUIRE_EQ(parse("STAT ", &cmd), POP3_PARSE_OK);
	ATF_CHECK_EQ(cmd.id, POP3_STAT);
	ATF_CHECK_EQ(cmd.argc, 0);

	/* A tab is not a separator, but not refused either. */
	ATF_REQUIRE_EQ(parse("USER a\tb", &cmd), POP3_PARSE_OK);
	ATF_REQUIRE_EQ(cmd.argc, 1);
	ATF_CHECK_STREQ(cmd.argv[0], "a\tb");

	/* SASL initial responses and APOP digests are plain arguments. */
	ATF_REQUIRE_EQ(parse("AUTH PLAIN AHRpbQB0YW5zdGFhZg==", &cmd),
	    POP3_PARSE_OK);
	ATF_CHECK_EQ(cmd.id, POP3_AUTH);
	ATF_REQUIRE_EQ(cmd.argc, 2);
	ATF_CHECK_STREQ(cmd.argv[0], "PLAIN");
	ATF_CHECK_STREQ(cmd.argv[1], "AHRpbQB0YW5zdGFhZg==");
	ATF_REQUIRE_EQ(parse("APOP mrose c4c9334bac560ecc979e58001b3e22fb",
	    &cmd), POP3_PARSE_OK);
	ATF_CHECK_EQ(cmd.id, POP3_APOP);
	ATF_REQUIRE_EQ(cmd.argc, 2);
	ATF_CHECK_STREQ(cmd.argv[1], "c4c9334bac560ecc979e58001b3e22fb");

	/* Eight-bit bytes are arguments like any other. */
	ATF_REQUIRE_EQ(parse("USER j\xc3\xb6rg", &cmd), POP3_PARSE_OK);
	ATF_REQUIRE_EQ(cmd.argc, 1);
	ATF_CHECK_STREQ(cmd.argv[0], "j\xc3\xb6rg");
}

ATF_TC_WITHOUT_HEAD(pass_spaces);
ATF_TC_BODY(pass_spaces, tc)
{
	struct pop3_cmd	cmd;

	/* RFC 1939 section 7: the password is the rest of the line. */
	ATF_REQUIRE_EQ(parse("PASS correct horse battery staple", &cmd),
	    POP3_PARSE_OK);
	ATF_CHECK_EQ(cmd.id, POP3_PASS);
	ATF_REQUIRE_EQ(cmd.argc, 1);
	ATF_CHECK_STREQ(cmd.argv[0], "correct horse battery staple");

	ATF_REQUIRE_EQ(parse("pass  lead and trail  ", &cmd), POP3_PARSE_OK);
	ATF_CHECK_EQ(cmd.id, POP3_PASS);
	ATF_REQUIRE_EQ(cmd.argc, 1);
	ATF_CHECK_STREQ(cmd.argv[0], " lead and trail  ");

	/* No argument count limit for PASS. */
	ATF_REQUIRE_EQ(parse("PASS a b c d e f g h", &cmd), POP3_PARSE_OK);
	ATF_REQUIRE_EQ(cmd.argc, 1);
	ATF_CHECK_STREQ(cmd.argv[0], "a b c d e f g h");

	ATF_REQUIRE_EQ(parse("PASS", &cmd), POP3_PARSE_OK);
	ATF_CHECK_EQ(cmd.id, POP3_PASS);
	ATF_CHECK_EQ(cmd.argc, 0);
	ATF_REQUIRE_EQ(parse("PASS ", &cmd), POP3_PARSE_OK);
	ATF_CHECK_EQ(cmd.argc, 0);
}

ATF_TC_WITHOUT_HEAD(too_many);
ATF_TC_BODY(too_many, tc)
{
	struct pop3_cmd	cmd;

	ATF_REQUIRE_EQ(parse("LIST 1 2 3 4", &cmd), POP3_PARSE_OK);
	ATF_CHECK_EQ(cmd.argc, POP3_MAXARGS);
	ATF_CHECK_STREQ(cmd.argv[3], "4");
	ATF_CHECK_EQ(parse("LIST 1 2 3 4 5", &cmd), POP3_PARSE_TOOMANY);
	ATF_CHECK_EQ(parse("LIST 1 2 3 4 5 ", &cmd), POP3_PARSE_TOOMANY);
	ATF_CHECK_EQ(parse("X a b c d e f g h i j k l m n o p", &cmd),
	    POP3_PARSE_TOOMANY);
	/* Trailing spaces after the last allowed one are fine. */
	ATF_CHECK_EQ(parse("LIST 1 2 3 4    ", &cmd), POP3_PARSE_OK);
}

ATF_TC_WITHOUT_HEAD(empty);
ATF_TC_BODY(empty, tc)
{
	struct pop3_cmd	cmd;

	ATF_CHECK_EQ(parse("", &cmd), POP3_PARSE_EMPTY);
	ATF_CHECK_EQ(parse(" ", &cmd), POP3_PARSE_EMPTY);
	ATF_CHECK_EQ(parse("        ", &cmd), POP3_PARSE_EMPTY);
}

ATF_TC_WITHOUT_HEAD(bad_chars);
ATF_TC_BODY(bad_chars, tc)
{
	static const char *bad[] = {
		"USER a\rb", "USER a\nb", "\x01USER", "USER \x1b[31m",
		"PASS secret\x7f", "QUIT\r", "\x1f", "PASS a\bb",
	};
	struct pop3_cmd	cmd;
	size_t		i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		ATF_CHECK_EQ_MSG(parse(bad[i], &cmd), POP3_PARSE_BADCHAR,
		    "line %zu accepted", i);

	/* A NUL inside the line, counted in its length. */
	ATF_CHECK_EQ(parse_len("USER a\0b", 8, &cmd), POP3_PARSE_BADCHAR);
	ATF_CHECK_EQ(parse_len("PASS x\0", 7, &cmd), POP3_PARSE_BADCHAR);
	ATF_CHECK_EQ(parse_len("\0QUIT", 5, &cmd), POP3_PARSE_BADCHAR);
	ATF_CHECK_EQ(parse_len("\0", 1, &cmd), POP3_PARSE_BADCHAR);
}

ATF_TC_WITHOUT_HEAD(unknown);
ATF_TC_BODY(unknown, tc)
{
	static const char *unk[] = {
		"XTND", "USERX", "US", "USE R", "RETR1", "LAST", "HELO",
		"QUIT\tnow", "\xd5SER", "T0P",
	};
	struct pop3_cmd	cmd;
	size_t		i;

	for (i = 0; i < sizeof(unk) / sizeof(unk[0]); i++) {
		ATF_REQUIRE_EQ_MSG(parse(unk[i], &cmd), POP3_PARSE_OK,
		    "%s", unk[i]);
		ATF_CHECK_EQ_MSG(cmd.id, POP3_UNKNOWN, "%s", unk[i]);
		ATF_REQUIRE(cmd.name != NULL);
	}
	/* The name comes back for the error reply; arguments still parse. */
	ATF_REQUIRE_EQ(parse("XTND XMIT now", &cmd), POP3_PARSE_OK);
	ATF_CHECK_EQ(cmd.id, POP3_UNKNOWN);
	ATF_CHECK_STREQ(cmd.name, "XTND");
	ATF_CHECK_EQ(cmd.argc, 2);
}

ATF_TC_WITHOUT_HEAD(msgnum);
ATF_TC_BODY(msgnum, tc)
{
	static const struct {
		const char	*s;
		int		 ok;
		unsigned long	 n;
	} t[] = {
		{ "1", 1, 1 },
		{ "42", 1, 42 },
		{ "01", 1, 1 },
		{ "0000001", 1, 1 },
		{ "999999999", 1, 999999999 },
		{ "0", 0, 0 },
		{ "00", 0, 0 },
		{ "-1", 0, 0 },
		{ "+1", 0, 0 },
		{ "1a", 0, 0 },
		{ "a1", 0, 0 },
		{ "0x10", 0, 0 },
		{ "1.0", 0, 0 },
		{ " 1", 0, 0 },
		{ "1 ", 0, 0 },
		{ "", 0, 0 },
		{ "1000000000", 0, 0 },
		{ "4294967295", 0, 0 },
		{ "4294967296", 0, 0 },
		{ "18446744073709551616", 0, 0 },
		{ "99999999999999999999999999999", 0, 0 },
		{ "\xd9\xa1", 0, 0 },		/* ARABIC-INDIC DIGIT ONE */
	};
	unsigned long	n;
	size_t		i;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		n = ULONG_MAX;
		if (t[i].ok) {
			ATF_CHECK_EQ_MSG(pop3_msgnum(t[i].s, &n), 0,
			    "\"%s\" refused", t[i].s);
			ATF_CHECK_EQ_MSG(n, t[i].n, "\"%s\" gave %lu", t[i].s,
			    n);
		} else {
			ATF_CHECK_EQ_MSG(pop3_msgnum(t[i].s, &n), -1,
			    "\"%s\" accepted", t[i].s);
			ATF_CHECK_EQ_MSG(n, ULONG_MAX, "\"%s\" wrote a result",
			    t[i].s);
		}
	}
}

ATF_TC_WITHOUT_HEAD(parse_then_msgnum);
ATF_TC_BODY(parse_then_msgnum, tc)
{
	struct pop3_cmd	cmd;
	unsigned long	n, m;

	ATF_REQUIRE_EQ(parse("RETR   17", &cmd), POP3_PARSE_OK);
	ATF_CHECK_EQ(cmd.id, POP3_RETR);
	ATF_REQUIRE_EQ(cmd.argc, 1);
	ATF_REQUIRE_EQ(pop3_msgnum(cmd.argv[0], &n), 0);
	ATF_CHECK_EQ(n, 17);

	ATF_REQUIRE_EQ(parse("top 2 0", &cmd), POP3_PARSE_OK);
	ATF_REQUIRE_EQ(cmd.argc, 2);
	ATF_REQUIRE_EQ(pop3_msgnum(cmd.argv[0], &n), 0);
	ATF_CHECK_EQ(n, 2);
	/* TOP's line count may be 0, which is not a message number. */
	ATF_CHECK_EQ(pop3_msgnum(cmd.argv[1], &m), -1);

	ATF_REQUIRE_EQ(parse("DELE -1", &cmd), POP3_PARSE_OK);
	ATF_CHECK_EQ(pop3_msgnum(cmd.argv[0], &n), -1);
}

ATF_TP_ADD_TCS(tp)
{
	ATF_TP_ADD_TC(tp, keywords);
	ATF_TP_ADD_TC(tp, arguments);
	ATF_TP_ADD_TC(tp, pass_spaces);
	ATF_TP_ADD_TC(tp, too_many);
	ATF_TP_ADD_TC(tp, empty);
	ATF_TP_ADD_TC(tp, bad_chars);
	ATF_TP_ADD_TC(tp, unknown);
	ATF_TP_ADD_TC(tp, msgnum);
	ATF_TP_ADD_TC(tp, parse_then_msgnum);
	return atf_no_error();
}
