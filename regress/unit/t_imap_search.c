/*
 * Unit tests for the SEARCH grammar (worker/imap/imap_search.c): every
 * search key of RFC 3501 and 9051 with its argument, how OR and NOT
 * take the keys after them, parenthesised lists, sequence sets and
 * "$" as keys, CHARSET, RETURN options (ESEARCH, SAVE), MODSEQ, dates,
 * and what is refused.  Each tree is printed in a prefix form and
 * compared as text.  Run by Kyua from regress/unit.
 */
#include <stdio.h>
#include <string.h>

#include <atf-c.h>

#include "imap_parse.h"

static void	tree(const struct imap_search_key *, struct buf *);
static const char *search(const char *, int);
static const char *search_err(const char *);

static char	out[2048];

static void
tree(const struct imap_search_key *k, struct buf *b)
{
	const struct imap_search_key	*kid;
	size_t				 i;

	buf_addstr(b, imap_search_op_name(k->op));
	switch (k->op) {
	case IMAP_SK_AND:
	case IMAP_SK_OR:
	case IMAP_SK_NOT:
		buf_addstr(b, "(");
		TAILQ_FOREACH(kid, &k->u.kids, entry) {
			if (kid != TAILQ_FIRST(&k->u.kids))
				buf_addstr(b, ",");
			tree(kid, b);
		}
		buf_addstr(b, ")");
		break;
	case IMAP_SK_KEYWORD:
	case IMAP_SK_UNKEYWORD:
	case IMAP_SK_BCC:
	case IMAP_SK_BODY:
	case IMAP_SK_CC:
	case IMAP_SK_FROM:
	case IMAP_SK_SUBJECT:
	case IMAP_SK_TEXT:
	case IMAP_SK_TO:
		buf_addf(b, ":%s", k->u.str);
		break;
	case IMAP_SK_HEADER:
		buf_addf(b, ":%s:%s", k->u.header.field, k->u.header.value);
		break;
	case IMAP_SK_BEFORE:
	case IMAP_SK_ON:
	case IMAP_SK_SINCE:
	case IMAP_SK_SENTBEFORE:
	case IMAP_SK_SENTON:
	case IMAP_SK_SENTSINCE:
		buf_addf(b, ":%lld", (long long)k->u.date);
		break;
	case IMAP_SK_LARGER:
	case IMAP_SK_SMALLER:
		buf_addf(b, ":%llu", (unsigned long long)k->u.size);
		break;
	case IMAP_SK_UID:
	case IMAP_SK_SEQSET:
		buf_addstr(b, ":");
		for (i = 0; i < k->u.set.n; i++)
			buf_addf(b, "%s%u-%u", i ? "," : "",
			    k->u.set.r[i].lo, k->u.set.r[i].hi);
		if (k->u.set.dollar)
			buf_addstr(b, "$");
		break;
	case IMAP_SK_MODSEQ:
		buf_addf(b, ":%llu", (unsigned long long)k->u.modseq.value);
		if (k->u.modseq.entry != NULL)
			buf_addf(b, ":%s:%d", k->u.modseq.entry,
			    k->u.modseq.type);
		break;
	default:
		break;
	}
}

/* Parse one SEARCH line; return its tree (the root's kids) as text. */
static const char *
search(const char *line, int flags)
{
	struct imap_parser	*p;
	struct imap_cmd		*c;
	struct buf		 b;
	char			 err[256];
	int			 st;

	p = imap_parser_new(NULL, flags);
	ATF_REQUIRE(p != NULL);
	st = imap_parser_line(p, line, strlen(line), &c);
	if (st != IMAP_PARSE_DONE) {
		imap_parser_error_line(p, err, sizeof(err));
		atf_tc_fail("'%s': %d %s", line, st, err);
	}
	ATF_REQUIRE_EQ(c->id, IMAP_CMD_SEARCH);
	ATF_REQUIRE(c->u.search.root != NULL);
	ATF_REQUIRE_EQ(c->u.search.root->op, IMAP_SK_AND);
	buf_init(&b);
	tree(c->u.search.root, &b);
	(void)strlcpy(out, (char *)b.data, sizeof(out));
	buf_free(&b);
	imap_cmd_free(c);
	imap_parser_free(p);
	return out;
}

static const char *
search_err(const char *line)
{
	struct imap_parser	*p;
	struct imap_cmd		*c;
	int			 st;

	p = imap_parser_new(NULL, 0);
	ATF_REQUIRE(p != NULL);
	st = imap_parser_line(p, line, strlen(line), &c);
	if (st == IMAP_PARSE_DONE)
		imap_cmd_free(c);
	ATF_CHECK_EQ_MSG(st, IMAP_PARSE_ERROR, "'%s' accepted", line);
	out[0] = '\0';
	if (st == IMAP_PARSE_ERROR)
		imap_parser_error_line(p, out, sizeof(out));
	imap_parser_free(p);
	return out;
}

#define T(line, want)	ATF_CHECK_STREQ(search(line, 0), want)
#define E(line, want)	ATF_CHECK_STREQ(search_err(line), want)

ATF_TC_WITHOUT_HEAD(keys);
ATF_TC_BODY(keys, tc)
{
	T("a SEARCH ALL", "AND(ALL)");
	T("a SEARCH answered deleted draft flagged new old recent seen",
	    "AND(ANSWERED,DELETED,DRAFT,FLAGGED,NEW,OLD,RECENT,SEEN)");
	T("a SEARCH UNANSWERED UNDELETED UNDRAFT UNFLAGGED UNSEEN",
	    "AND(UNANSWERED,UNDELETED,UNDRAFT,UNFLAGGED,UNSEEN)");
	T("a SEARCH BCC a CC b FROM \"c d\" SUBJECT e TEXT f TO g BODY h",
	    "AND(BCC:a,CC:b,FROM:c d,SUBJECT:e,TEXT:f,TO:g,BODY:h)");
	T("a SEARCH HEADER Message-ID \"<x@y>\"",
	    "AND(HEADER:Message-ID:<x@y>)");
	T("a SEARCH HEADER X-Spam \"\"", "AND(HEADER:X-Spam:)");
	T("a SEARCH KEYWORD $Forwarded UNKEYWORD Junk",
	    "AND(KEYWORD:$Forwarded,UNKEYWORD:Junk)");
	T("a SEARCH LARGER 1024 SMALLER 9223372036854775807",
	    "AND(LARGER:1024,SMALLER:9223372036854775807)");
	/* 1-Feb-1994 is day 8797 of the epoch. */
	T("a SEARCH SINCE 1-Feb-1994", "AND(SINCE:760060800)");
	T("a SEARCH BEFORE \"01-Feb-1994\" ON 1-feb-1994",
	    "AND(BEFORE:760060800,ON:760060800)");
	T("a SEARCH SENTBEFORE 29-Feb-2000 SENTON 1-Jan-1970 "
	    "SENTSINCE 31-Dec-1969",
	    "AND(SENTBEFORE:951782400,SENTON:0,SENTSINCE:-86400)");
	T("a SEARCH UID 1:100,200", "AND(UID:1-100,200-200)");
	T("a SEARCH 2,4:7,9,12:*", "AND(SEQSET:2-2,4-7,9-9,12-0)");
	T("a SEARCH *:4", "AND(SEQSET:0-4)");
	T("a SEARCH $ UID $", "AND(SEQSET:$,UID:$)");
	T("a SEARCH MODSEQ 0", "AND(MODSEQ:0)");
	T("a SEARCH MODSEQ \"/flags/\\\\draft\" all 620162338",
	    "AND(MODSEQ:620162338:/flags/\\draft:0)");
	T("a SEARCH MODSEQ \"/flags/$x\" priv 1",
	    "AND(MODSEQ:1:/flags/$x:1)");
}

ATF_TC_WITHOUT_HEAD(precedence);
ATF_TC_BODY(precedence, tc)
{
	/* OR and NOT take exactly the keys after them. */
	T("a SEARCH OR SEEN FLAGGED DELETED",
	    "AND(OR(SEEN,FLAGGED),DELETED)");
	T("a SEARCH NOT SEEN FLAGGED", "AND(NOT(SEEN),FLAGGED)");
	T("a SEARCH NOT OR SEEN FLAGGED", "AND(NOT(OR(SEEN,FLAGGED)))");
	T("a SEARCH OR NOT SEEN FLAGGED", "AND(OR(NOT(SEEN),FLAGGED))");
	T("a SEARCH OR OR SEEN DRAFT NEW", "AND(OR(OR(SEEN,DRAFT),NEW))");
	T("a SEARCH OR SEEN OR DRAFT NEW", "AND(OR(SEEN,OR(DRAFT,NEW)))");
	T("a SEARCH NOT NOT SEEN", "AND(NOT(NOT(SEEN)))");
	/* Lists group. */
	T("a SEARCH (SEEN FLAGGED)", "AND(AND(SEEN,FLAGGED))");
	T("a SEARCH OR (SEEN FLAGGED) (DRAFT NEW) ALL",
	    "AND(OR(AND(SEEN,FLAGGED),AND(DRAFT,NEW)),ALL)");
	T("a SEARCH NOT (SEEN FLAGGED)", "AND(NOT(AND(SEEN,FLAGGED)))");
	T("a SEARCH ((SEEN) (NOT FLAGGED))",
	    "AND(AND(AND(SEEN),AND(NOT(FLAGGED))))");
	T("a SEARCH (OR $ 1,3000:3021) TEXT x",
	    "AND(AND(OR(SEQSET:$,SEQSET:1-1,3000-3021)),TEXT:x)");
	T("a SEARCH FLAGGED SINCE 1-Feb-1994 NOT FROM \"Smith\"",
	    "AND(FLAGGED,SINCE:760060800,NOT(FROM:Smith))");
}

ATF_TC_WITHOUT_HEAD(program);
ATF_TC_BODY(program, tc)
{
	struct imap_parser	*p;
	struct imap_cmd		*c;
	const char		*l;

	p = imap_parser_new(NULL, 0);
	ATF_REQUIRE(p != NULL);
	l = "a UID SEARCH RETURN (MIN max Count ALL SAVE) CHARSET UTF-8 ALL";
	ATF_REQUIRE_EQ(imap_parser_line(p, l, strlen(l), &c),
	    IMAP_PARSE_DONE);
	ATF_CHECK_EQ(c->uid, 1);
	ATF_CHECK_EQ(c->u.search.ret_given, 1);
	ATF_CHECK_EQ(c->u.search.ret, IMAP_SEARCH_RET_MIN |
	    IMAP_SEARCH_RET_MAX | IMAP_SEARCH_RET_COUNT |
	    IMAP_SEARCH_RET_ALL | IMAP_SEARCH_RET_SAVE);
	ATF_CHECK_STREQ(c->u.search.charset, "UTF-8");
	ATF_CHECK_EQ(c->u.search.has_modseq, 0);
	imap_cmd_free(c);
	l = "a SEARCH RETURN () ALL";
	ATF_REQUIRE_EQ(imap_parser_line(p, l, strlen(l), &c),
	    IMAP_PARSE_DONE);
	ATF_CHECK_EQ(c->u.search.ret_given, 1);
	ATF_CHECK_EQ(c->u.search.ret, IMAP_SEARCH_RET_ALL);
	ATF_CHECK(c->u.search.charset == NULL);
	imap_cmd_free(c);
	l = "a SEARCH CHARSET \"ISO-8859-1\" MODSEQ 5";
	ATF_REQUIRE_EQ(imap_parser_line(p, l, strlen(l), &c),
	    IMAP_PARSE_DONE);
	ATF_CHECK_EQ(c->u.search.ret_given, 0);
	ATF_CHECK_STREQ(c->u.search.charset, "ISO-8859-1");
	ATF_CHECK_EQ(c->u.search.has_modseq, 1);
	imap_cmd_free(c);
	imap_parser_free(p);
	/* 8-bit search strings in a literal, or quoted under UTF-8. */
	T("a SEARCH CHARSET UTF-8 TEXT \"x\"", "AND(TEXT:x)");
	ATF_CHECK_STREQ(search("a SEARCH SUBJECT \"\xc3\xa9t\xc3\xa9\"",
	    IMAP_PF_UTF8), "AND(SUBJECT:\xc3\xa9t\xc3\xa9)");
}

ATF_TC_WITHOUT_HEAD(refused);
ATF_TC_BODY(refused, tc)
{
	E("a SEARCH", "a BAD Missing argument");
	E("a SEARCH ", "a BAD Missing search key");
	E("a SEARCH ALL ", "a BAD Missing search key");
	E("a SEARCH ALL  SEEN", "a BAD Expected a keyword");
	E("a SEARCH FOO", "a BAD Unknown search key");
	E("a SEARCH FROM", "a BAD Missing argument");
	E("a SEARCH FROM ", "a BAD Missing argument");
	E("a SEARCH OR SEEN", "a BAD Missing argument");
	E("a SEARCH NOT", "a BAD Missing argument");
	E("a SEARCH ()", "a BAD Expected a keyword");
	E("a SEARCH (SEEN", "a BAD Expected ')' before end of line");
	E("a SEARCH SEEN)", "a BAD Unexpected characters at end of command");
	E("a SEARCH (SEEN))", "a BAD Unexpected characters at end of "
	    "command");
	E("a SEARCH ((SEEN)", "a BAD Expected ')' before end of line");
	E("a SEARCH KEYWORD \\Seen", "a BAD Invalid characters in atom");
	E("a SEARCH KEYWORD \"x\"", "a BAD A string is not allowed here");
	E("a SEARCH LARGER x", "a BAD Expected a number");
	E("a SEARCH LARGER -1", "a BAD Expected a number");
	E("a SEARCH LARGER 9223372036854775808", "a BAD Number out of range");
	E("a SEARCH SINCE 1-Foo-1994", "a BAD Invalid date (expected "
	    "d-Mon-yyyy)");
	E("a SEARCH SINCE 32-Jan-1994", "a BAD Invalid date (expected "
	    "d-Mon-yyyy)");
	E("a SEARCH SINCE 29-Feb-2023", "a BAD Invalid date (expected "
	    "d-Mon-yyyy)");
	E("a SEARCH SINCE 0-Jan-2023", "a BAD Invalid date (expected "
	    "d-Mon-yyyy)");
	E("a SEARCH SINCE 1-Jan-23", "a BAD Invalid date (expected "
	    "d-Mon-yyyy)");
	E("a SEARCH SINCE 001-Jan-2023", "a BAD Invalid date (expected "
	    "d-Mon-yyyy)");
	E("a SEARCH SINCE \"1-Jan-2023", "a BAD Unterminated quoted date");
	E("a SEARCH UID x", "a BAD Expected a sequence set");
	E("a SEARCH UID 0", "a BAD Invalid sequence set");
	E("a SEARCH 1:", "a BAD Invalid sequence set");
	E("a SEARCH HEADER Subject", "a BAD Missing argument");
	E("a SEARCH RETURN (FOO) ALL", "a BAD Unknown SEARCH return option");
	E("a SEARCH RETURN ALL", "a BAD Expected '('");
	E("a SEARCH RETURN (ALL)", "a BAD Missing argument");
	E("a SEARCH CHARSET", "a BAD Missing argument");
	E("a SEARCH CHARSET UTF-8", "a BAD Missing argument");
	E("a SEARCH ALL CHARSET UTF-8", "a BAD Unknown search key");
	E("a SEARCH SUBJECT \"\xc3\xa9\"", "a BAD 8-bit characters in "
	    "quoted string (use a literal)");
	E("a SEARCH MODSEQ", "a BAD Missing argument");
	E("a SEARCH MODSEQ \"/flags/\" all 1", "a BAD Invalid MODSEQ entry "
	    "name");
	E("a SEARCH MODSEQ \"/x/y\" all 1", "a BAD Invalid MODSEQ entry "
	    "name");
	E("a SEARCH MODSEQ \"/flags/x\" any 1", "a BAD Invalid MODSEQ entry "
	    "type");
	E("a SEARCH SEEN\tFLAGGED", "a BAD Control character in command");
}

ATF_TP_ADD_TCS(tp)
{
	ATF_TP_ADD_TC(tp, keys);
	ATF_TP_ADD_TC(tp, precedence);
	ATF_TP_ADD_TC(tp, program);
	ATF_TP_ADD_TC(tp, refused);
	return atf_no_error();
}
