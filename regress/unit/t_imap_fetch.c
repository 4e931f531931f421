/*
 * Unit tests for the FETCH grammar (worker/imap/imap_fetch_parse.c):
 * the ALL, FAST and FULL macros, every fetch attribute, the section
 * grammar (part numbers, HEADER, HEADER.FIELDS[.NOT] with astrings
 * and literals, MIME, TEXT), partial fetches, BINARY[.PEEK] and
 * BINARY.SIZE, MODSEQ and the CHANGEDSINCE/VANISHED modifiers, the
 * name each item gets in a response, and what is refused.  Run by
 * Kyua from regress/unit.
 */
#include <stdio.h>
#include <string.h>

#include <atf-c.h>

#include "imap_parse.h"

static struct imap_cmd *fetch(const char *);
static const char *names(const struct imap_cmd *);
static const char *fetch_err(const char *);

static char	out[2048];

static struct imap_cmd *
fetch(const char *line)
{
	struct imap_parser	*p;
	struct imap_cmd		*c;
	char			 err[256];
	int			 st;

	p = imap_parser_new(NULL, 0);
	ATF_REQUIRE(p != NULL);
	st = imap_parser_line(p, line, strlen(line), &c);
	if (st != IMAP_PARSE_DONE) {
		imap_parser_error_line(p, err, sizeof(err));
		atf_tc_fail("'%s': %d %s", line, st, err);
	}
	ATF_REQUIRE_EQ(c->id, IMAP_CMD_FETCH);
	imap_parser_free(p);
	return c;
}

/* The response names of the items, space-separated; frees c. */
static const char *
names(const struct imap_cmd *c)
{
	const struct imap_fetch_item	*it;
	struct buf			 b;

	buf_init(&b);
	TAILQ_FOREACH(it, &c->u.fetch.items, entry) {
		if (it != TAILQ_FIRST(&c->u.fetch.items))
			buf_addstr(&b, " ");
		ATF_REQUIRE_EQ(imap_fetch_item_name(&b, it), 0);
		if (it->peek)
			buf_addstr(&b, "/peek");
	}
	(void)strlcpy(out, b.data != NULL ? (char *)b.data : "", sizeof(out));
	buf_free(&b);
	imap_cmd_free((struct imap_cmd *)c);
	return out;
}

static const char *
fetch_err(const char *line)
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

#define T(line, want)	ATF_CHECK_STREQ(names(fetch(line)), want)
#define E(line, want)	ATF_CHECK_STREQ(fetch_err(line), want)

ATF_TC_WITHOUT_HEAD(macros);
ATF_TC_BODY(macros, tc)
{
	struct imap_cmd	*c;

	T("a FETCH 1 ALL", "FLAGS INTERNALDATE RFC822.SIZE ENVELOPE");
	T("a FETCH 1 fast", "FLAGS INTERNALDATE RFC822.SIZE");
	T("a FETCH 1 FULL", "FLAGS INTERNALDATE RFC822.SIZE ENVELOPE BODY");
	c = fetch("a FETCH 1:* ALL");
	ATF_CHECK_EQ(c->u.fetch.mask, (1U << IMAP_FA_FLAGS) |
	    (1U << IMAP_FA_INTERNALDATE) | (1U << IMAP_FA_RFC822_SIZE) |
	    (1U << IMAP_FA_ENVELOPE));
	ATF_CHECK_EQ(c->u.fetch.set.n, 1);
	ATF_CHECK_EQ(c->u.fetch.set.star, 1);
	imap_cmd_free(c);
	/* Macros stand alone. */
	E("a FETCH 1 (ALL)", "a BAD Unknown fetch attribute");
	E("a FETCH 1 (FLAGS FAST)", "a BAD Unknown fetch attribute");
	E("a FETCH 1 ALL FAST", "a BAD Expected '('");
}

ATF_TC_WITHOUT_HEAD(attributes);
ATF_TC_BODY(attributes, tc)
{
	struct imap_cmd	*c;

	T("a FETCH 1 (ENVELOPE FLAGS INTERNALDATE RFC822 RFC822.HEADER "
	    "RFC822.SIZE RFC822.TEXT BODY BODYSTRUCTURE UID MODSEQ)",
	    "ENVELOPE FLAGS INTERNALDATE RFC822 RFC822.HEADER RFC822.SIZE "
	    "RFC822.TEXT BODY BODYSTRUCTURE UID MODSEQ");
	T("a FETCH 1 uid", "UID");
	T("a FETCH 1 body", "BODY");
	T("a UID FETCH 1 (flags)", "FLAGS");
	c = fetch("a UID FETCH 4827313:4828442 FLAGS");
	ATF_CHECK_EQ(c->uid, 1);
	ATF_CHECK_EQ(c->u.fetch.set.r[0].lo, 4827313);
	ATF_CHECK_EQ(c->u.fetch.set.r[0].hi, 4828442);
	imap_cmd_free(c);
	c = fetch("a FETCH $ (FLAGS)");
	ATF_CHECK_EQ(c->u.fetch.set.dollar, 1);
	imap_cmd_free(c);
}

ATF_TC_WITHOUT_HEAD(sections);
ATF_TC_BODY(sections, tc)
{
	struct imap_cmd			*c;
	const struct imap_fetch_item	*it;

	T("a FETCH 1 BODY[]", "BODY[]");
	T("a FETCH 1 body.peek[]", "BODY[]/peek");
	T("a FETCH 1 BODY[HEADER]", "BODY[HEADER]");
	T("a FETCH 1 BODY[TEXT]", "BODY[TEXT]");
	T("a FETCH 1 BODY[1]", "BODY[1]");
	T("a FETCH 1 BODY[1.2.3]", "BODY[1.2.3]");
	T("a FETCH 1 BODY[1.MIME]", "BODY[1.MIME]");
	T("a FETCH 1 BODY[4.2.HEADER]", "BODY[4.2.HEADER]");
	T("a FETCH 1 BODY[3.TEXT]", "BODY[3.TEXT]");
	T("a FETCH 1 (BODY.PEEK[HEADER.FIELDS (DATE FROM)])",
	    "BODY[HEADER.FIELDS (DATE FROM)]/peek");
	T("a FETCH 1 BODY[header.fields.not (X-a \"two words\")]",
	    "BODY[HEADER.FIELDS.NOT (X-a \"two words\")]");
	T("a FETCH 1 BODY[2.HEADER.FIELDS (Subject)]",
	    "BODY[2.HEADER.FIELDS (Subject)]");
	T("a FETCH 1 (BODY[]<0.2048> BODY.PEEK[TEXT]<100.1>)",
	    "BODY[]<0> BODY[TEXT]<100>/peek");
	T("a FETCH 1 (BINARY[] BINARY[1.2] BINARY.PEEK[3]<5.10> "
	    "BINARY.SIZE[1] BINARY.SIZE[])",
	    "BINARY[] BINARY[1.2] BINARY[3]<5>/peek BINARY.SIZE[1] "
	    "BINARY.SIZE[]");
	T("a FETCH 1 (FLAGS BODY[HEADER.FIELDS (References In-Reply-To)] "
	    "UID)", "FLAGS BODY[HEADER.FIELDS (References In-Reply-To)] UID");

	c = fetch("a FETCH 1 (BODY.PEEK[1.2.HEADER.FIELDS.NOT (A B)]<7.9>)");
	it = TAILQ_FIRST(&c->u.fetch.items);
	ATF_REQUIRE(it != NULL);
	ATF_CHECK_EQ(it->att, IMAP_FA_BODY_SECTION);
	ATF_CHECK_EQ(it->peek, 1);
	ATF_REQUIRE_EQ(it->sec.nparts, 2);
	ATF_CHECK_EQ(it->sec.part[0], 1);
	ATF_CHECK_EQ(it->sec.part[1], 2);
	ATF_CHECK_EQ(it->sec.text, IMAP_SEC_HEADER_FIELDS_NOT);
	ATF_REQUIRE_EQ(it->sec.nfields, 2);
	ATF_CHECK_STREQ(it->sec.fields[1], "B");
	ATF_CHECK_EQ(it->partial, 1);
	ATF_CHECK_EQ(it->offset, 7);
	ATF_CHECK_EQ(it->count, 9);
	ATF_CHECK(TAILQ_NEXT(it, entry) == NULL);
	imap_cmd_free(c);

	/* Deep part numbers grow their array. */
	T("a FETCH 1 BODY[1.2.3.4.5.6.7.8.9.10.11.12]",
	    "BODY[1.2.3.4.5.6.7.8.9.10.11.12]");
}

ATF_TC_WITHOUT_HEAD(modifiers);
ATF_TC_BODY(modifiers, tc)
{
	struct imap_cmd	*c;

	c = fetch("s100 UID FETCH 1:* (FLAGS) (CHANGEDSINCE 12345)");
	ATF_CHECK_EQ(c->u.fetch.changedsince_given, 1);
	ATF_CHECK_EQ(c->u.fetch.changedsince, 12345);
	ATF_CHECK_EQ(c->u.fetch.vanished, 0);
	imap_cmd_free(c);
	c = fetch("a UID FETCH 300:500 FLAGS (CHANGEDSINCE 2 VANISHED)");
	ATF_CHECK_EQ(c->u.fetch.vanished, 1);
	imap_cmd_free(c);
	E("a FETCH 1 FLAGS (VANISHED CHANGEDSINCE 2)",
	    "a BAD Unknown or repeated FETCH modifier");
	E("a UID FETCH 1 FLAGS (VANISHED)", "a BAD VANISHED needs "
	    "CHANGEDSINCE");
	E("a FETCH 1 FLAGS (CHANGEDSINCE 0)", "a BAD CHANGEDSINCE must be "
	    "non-zero");
	E("a FETCH 1 FLAGS (CHANGEDSINCE 1 CHANGEDSINCE 2)",
	    "a BAD Unknown or repeated FETCH modifier");
	E("a FETCH 1 FLAGS (FOO)", "a BAD Unknown or repeated FETCH "
	    "modifier");
	E("a FETCH 1 FLAGS ()", "a BAD Expected a keyword");
	E("a FETCH 1 FLAGS CHANGEDSINCE 1", "a BAD Expected '('");
}

ATF_TC_WITHOUT_HEAD(refused);
ATF_TC_BODY(refused, tc)
{
	E("a FETCH", "a BAD Missing argument");
	E("a FETCH 1", "a BAD Missing argument");
	E("a FETCH 1 ", "a BAD Missing argument");
	E("a FETCH FLAGS", "a BAD Expected a sequence set");
	E("a FETCH 1 ()", "a BAD Expected a keyword");
	E("a FETCH 1 (FLAGS", "a BAD Expected ')' before end of line");
	E("a FETCH 1 FLAGS)", "a BAD Unexpected characters at end of "
	    "command");
	E("a FETCH 1 (FLAGS  UID)", "a BAD Expected a keyword");
	E("a FETCH 1 FOO", "a BAD Unknown fetch attribute");
	E("a FETCH 1 BODY.PEEK", "a BAD Unknown fetch attribute");
	E("a FETCH 1 BINARY", "a BAD Unknown fetch attribute");
	E("a FETCH 1 BINARY.SIZE", "a BAD Unknown fetch attribute");
	E("a FETCH 1 RFC822.PEEK", "a BAD Unknown fetch attribute");
	E("a FETCH 1 FLAGS[]", "a BAD Unknown fetch attribute");
	E("a FETCH 1 BODY[", "a BAD Invalid section");
	E("a FETCH 1 BODY[HEADER", "a BAD Expected ']' before end of line");
	E("a FETCH 1 BODY[MIME]", "a BAD Invalid section");
	E("a FETCH 1 BODY[FOO]", "a BAD Invalid section");
	E("a FETCH 1 BODY[0]", "a BAD Invalid section");
	E("a FETCH 1 BODY[1.0]", "a BAD Invalid section");
	E("a FETCH 1 BODY[01]", "a BAD Invalid section");
	E("a FETCH 1 BODY[1.]", "a BAD Invalid section");
	E("a FETCH 1 BODY[.1]", "a BAD Invalid section");
	E("a FETCH 1 BODY[HEADER.FIELDS]", "a BAD Expected a single space "
	    "before ']'");
	E("a FETCH 1 BODY[HEADER.FIELDS ()]", "a BAD Invalid characters in "
	    "atom");
	E("a FETCH 1 BODY[HEADER.FIELDS (A]", "a BAD Expected ')' before end "
	    "of line");
	E("a FETCH 1 BODY[HEADER.FIELDS A]", "a BAD Expected '('");
	E("a FETCH 1 BODY[TEXT.MIME]", "a BAD Invalid section");
	E("a FETCH 1 BODY[1.HEADER]x", "a BAD Unexpected characters at end "
	    "of command");
	E("a FETCH 1 BODY[]<0>", "a BAD Expected '.'");
	E("a FETCH 1 BODY[]<0.0>", "a BAD Partial length must be non-zero");
	E("a FETCH 1 BODY[]<.5>", "a BAD Expected a number");
	E("a FETCH 1 BODY[]<1.5", "a BAD Expected '>' before end of line");
	E("a FETCH 1 BINARY[HEADER]", "a BAD Invalid BINARY section");
	E("a FETCH 1 BINARY[1.TEXT]", "a BAD Invalid BINARY section");
	E("a FETCH 1 BINARY.SIZE[1]<0.5>", "a BAD Unexpected characters at "
	    "end of command");
	E("a FETCH 1 BODY[1.2.3.4.5.6.7.8.9.10.11.12.13.14.15.16.17.18.19."
	    "20.21.22.23.24.25.26.27.28.29.30.31.32.33]",
	    "a BAD Section nested too deeply");
}

ATF_TC_WITHOUT_HEAD(header_literal);
ATF_TC_BODY(header_literal, tc)
{
	struct imap_parser		*p;
	struct imap_cmd			*c;
	const struct imap_fetch_item	*it;
	const char			*l;

	p = imap_parser_new(NULL, 0);
	ATF_REQUIRE(p != NULL);
	l = "a FETCH 1 BODY.PEEK[HEADER.FIELDS (From {7}";
	ATF_REQUIRE_EQ(imap_parser_line(p, l, strlen(l), &c),
	    IMAP_PARSE_LITERAL);
	ATF_CHECK_EQ(imap_parser_literal_role(p), IMAP_LIT_STRING);
	ATF_REQUIRE_EQ(imap_parser_literal(p, "X-Tw\"o]", 7, &c),
	    IMAP_PARSE_LINE);
	ATF_REQUIRE_EQ(imap_parser_line(p, ")]<0.10>", 8, &c),
	    IMAP_PARSE_DONE);
	it = TAILQ_FIRST(&c->u.fetch.items);
	ATF_REQUIRE_EQ(it->sec.nfields, 2);
	ATF_CHECK_STREQ(it->sec.fields[1], "X-Tw\"o]");
	ATF_CHECK_STREQ(names(c), "BODY[HEADER.FIELDS (From \"X-Tw\\\"o]\")]"
	    "<0>/peek");
	imap_parser_free(p);
}

ATF_TP_ADD_TCS(tp)
{
	ATF_TP_ADD_TC(tp, macros);
	ATF_TP_ADD_TC(tp, attributes);
	ATF_TP_ADD_TC(tp, sections);
	ATF_TP_ADD_TC(tp, modifiers);
	ATF_TP_ADD_TC(tp, refused);
	ATF_TP_ADD_TC(tp, header_literal);
	return atf_no_error();
}
