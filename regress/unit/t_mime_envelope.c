/*
 * Unit tests for store/mime/envelope.c and address.c: FETCH ENVELOPE
 * text, exactly, for RFC 3501's example, the defaults of RFC 3501
 * 7.4.2, and RFC 5322 address lists from the tidy (groups, quoted
 * names, routes, the appendix A examples with comments) to the
 * broken.
 */
#include <atf-c.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "mime.h"

static struct buf	out;

static const char *
env(const char *s, int flags)
{
	struct mime_msg	m;

	ATF_REQUIRE(mime_parse(&m, s, strlen(s)) == 0);
	buf_reset(&out);
	ATF_REQUIRE(mime_envelope(&out, &m, &m.parts[0], flags) == 0);
	mime_free(&m);
	return (const char *)out.data;
}

static const char *
addr(const char *s)
{
	struct mime_addr	*a;
	size_t			 n;

	buf_reset(&out);
	ATF_REQUIRE(mime_addr_parse(s, strlen(s), &a, &n) == 0);
	ATF_REQUIRE(mime_addr_write(&out, a, n, 0) == 0);
	mime_addr_free(a, n);
	return (const char *)out.data;
}

ATF_TC_WITHOUT_HEAD(rfc3501_example);
ATF_TC_BODY(rfc3501_example, tc)
{
	struct mime_msg	 m;
	struct buf	 b;
	int		 i, j;

	/* The message of RFC 3501 7.4.2's FETCH example. */
	buf_init(&b);
	buf_addstr(&b, "Date: Wed, 17 Jul 1996 02:23:25 -0700 (PDT)\n"
	    "From: Terry Gray <gray@cac.washington.edu>\n"
	    "Subject: IMAP4rev1 WG mtg summary and minutes\n"
	    "To: imap@cac.washington.edu\n"
	    "cc: minutes@CNRI.Reston.VA.US, John Klensin <KLENSIN@MIT.EDU>\n"
	    "Message-Id: <B27397-0100000@cac.washington.edu>\n"
	    "MIME-Version: 1.0\n"
	    "Content-Type: TEXT/PLAIN; CHARSET=US-ASCII\n\n");
	/* 92 lines, 3028 octets with CRLF. */
	for (i = 0; i < 92; i++) {
		for (j = 0; j < (i < 84 ? 31 : 30); j++)
			buf_add(&b, "x", 1);
		buf_add(&b, "\n", 1);
	}
	ATF_REQUIRE(mime_parse(&m, b.data, b.len) == 0);
	ATF_REQUIRE(mime_envelope(&out, &m, &m.parts[0], 0) == 0);
	ATF_CHECK_STREQ((char *)out.data,
	    "(\"Wed, 17 Jul 1996 02:23:25 -0700 (PDT)\""
	    " \"IMAP4rev1 WG mtg summary and minutes\""
	    " ((\"Terry Gray\" NIL \"gray\" \"cac.washington.edu\"))"
	    " ((\"Terry Gray\" NIL \"gray\" \"cac.washington.edu\"))"
	    " ((\"Terry Gray\" NIL \"gray\" \"cac.washington.edu\"))"
	    " ((NIL NIL \"imap\" \"cac.washington.edu\"))"
	    " ((NIL NIL \"minutes\" \"CNRI.Reston.VA.US\")"
	    "(\"John Klensin\" NIL \"KLENSIN\" \"MIT.EDU\")) NIL NIL"
	    " \"<B27397-0100000@cac.washington.edu>\")");
	buf_reset(&out);
	ATF_REQUIRE(mime_bodystructure(&out, &m, &m.parts[0], 0) == 0);
	ATF_CHECK_STREQ((char *)out.data,
	    "(\"TEXT\" \"PLAIN\" (\"CHARSET\" \"US-ASCII\") NIL NIL \"7BIT\" 3028"
	    " 92)");
	mime_free(&m);
	buf_free(&b);
	buf_free(&out);
}

ATF_TC_WITHOUT_HEAD(defaults);
ATF_TC_BODY(defaults, tc)
{
	/* Sender and Reply-To absent or empty: From. */
	ATF_CHECK_STREQ(env("From: a@b.test\nReply-To:\nSubject:\n\n", 0),
	    "(NIL \"\" ((NIL NIL \"a\" \"b.test\")) ((NIL NIL \"a\" \"b.test\"))"
	    " ((NIL NIL \"a\" \"b.test\")) NIL NIL NIL NIL NIL)");
	/* All present, first of each used, folded values unfolded. */
	ATF_CHECK_STREQ(env("Subject: first\n  folded\n"
	    "Subject: second\n"
	    "Sender: s@x\nReply-To: r@x\nTo: t@x\nCc: c@x\nBcc: b@x\n"
	    "From: f@x\nIn-Reply-To: <p@x>\nMessage-ID:   <m@x>  \n"
	    "Date: d\n\nbody\n", 0),
	    "(\"d\" \"first  folded\" ((NIL NIL \"f\" \"x\"))"
	    " ((NIL NIL \"s\" \"x\")) ((NIL NIL \"r\" \"x\"))"
	    " ((NIL NIL \"t\" \"x\")) ((NIL NIL \"c\" \"x\"))"
	    " ((NIL NIL \"b\" \"x\")) \"<p@x>\" \"<m@x>\")");
	/* No From: nothing to fall back on. */
	ATF_CHECK_STREQ(env("To: ,,\n\n", 0),
	    "(NIL NIL NIL NIL NIL NIL NIL NIL NIL NIL)");
	buf_free(&out);
}

ATF_TC_WITHOUT_HEAD(eight_bit);
ATF_TC_BODY(eight_bit, tc)
{
	ATF_CHECK_STREQ(env("Subject: caf\xc3\xa9\n\n", 0),
	    "(NIL {5}\r\ncaf\xc3\xa9 NIL NIL NIL NIL NIL NIL NIL NIL)");
	ATF_CHECK_STREQ(env("Subject: caf\xc3\xa9\n\n", MIME_UTF8),
	    "(NIL \"caf\xc3\xa9\" NIL NIL NIL NIL NIL NIL NIL NIL)");
	ATF_CHECK_STREQ(env("Subject: =?utf-8?q?caf=C3=A9?=\n\n", 0),
	    "(NIL \"=?utf-8?q?caf=C3=A9?=\" NIL NIL NIL NIL NIL NIL NIL NIL)");
	ATF_CHECK_STREQ(env("Subject: a\rb \"q\" \\\n\n", 0),
	    "(NIL {9}\r\na\rb \"q\" \\ NIL NIL NIL NIL NIL NIL NIL NIL)");
	buf_free(&out);
}

ATF_TC_WITHOUT_HEAD(addresses);
ATF_TC_BODY(addresses, tc)
{
	ATF_CHECK_STREQ(addr("\"Joe Q. Public\" <john.q.public@example.com>"),
	    "((\"Joe Q. Public\" NIL \"john.q.public\" \"example.com\"))");
	ATF_CHECK_STREQ(addr("Joe Q. Public <john.q.public@example.com>"),
	    "((\"Joe Q. Public\" NIL \"john.q.public\" \"example.com\"))");
	ATF_CHECK_STREQ(addr("Mary Smith <mary@x.test>, jdoe@example.org,"
	    " Who? <one@y.test>"),
	    "((\"Mary Smith\" NIL \"mary\" \"x.test\")"
	    "(NIL NIL \"jdoe\" \"example.org\")(\"Who?\" NIL \"one\" \"y.test\"))");
	ATF_CHECK_STREQ(addr("<boss@nil.test>, \"Giant; \\\"Big\\\" Box\""
	    " <sysservices@example.net>"),
	    "((NIL NIL \"boss\" \"nil.test\")"
	    "(\"Giant; \\\"Big\\\" Box\" NIL \"sysservices\" \"example.net\"))");
	ATF_CHECK_STREQ(addr("\"john doe\"@example.org, x@[192.0.2.1]"),
	    "((NIL NIL \"john doe\" \"example.org\")"
	    "(NIL NIL \"x\" \"[192.0.2.1]\"))");
	ATF_CHECK_STREQ(addr("=?utf-8?q?J=C3=B6rg?= <j@x>"),
	    "((\"=?utf-8?q?J=C3=B6rg?=\" NIL \"j\" \"x\"))");
	buf_free(&out);
}

ATF_TC_WITHOUT_HEAD(groups);
ATF_TC_BODY(groups, tc)
{
	ATF_CHECK_STREQ(addr("A Group:Ed Jones <c@a.test>,joe@where.test,"
	    "John <jdoe@one.test>;"),
	    "((NIL NIL \"A Group\" NIL)(\"Ed Jones\" NIL \"c\" \"a.test\")"
	    "(NIL NIL \"joe\" \"where.test\")(\"John\" NIL \"jdoe\" \"one.test\")"
	    "(NIL NIL NIL NIL))");
	ATF_CHECK_STREQ(addr("Undisclosed recipients:;"),
	    "((NIL NIL \"Undisclosed recipients\" NIL)(NIL NIL NIL NIL))");
	ATF_CHECK_STREQ(addr("g1: a@b; x@y, g2: c@d"),
	    "((NIL NIL \"g1\" NIL)(NIL NIL \"a\" \"b\")(NIL NIL NIL NIL)"
	    "(NIL NIL \"x\" \"y\")"
	    "(NIL NIL \"g2\" NIL)(NIL NIL \"c\" \"d\")(NIL NIL NIL NIL))");
	buf_free(&out);
}

ATF_TC_WITHOUT_HEAD(comments);
ATF_TC_BODY(comments, tc)
{
	/* RFC 5322 appendix A.5. */
	ATF_CHECK_STREQ(addr("Pete(A nice \\) chap) <pete(his account)"
	    "@silly.test(his host)>"),
	    "((\"Pete\" NIL \"pete\" \"silly.test\"))");
	ATF_CHECK_STREQ(addr("A Group(Some people)\n"
	    "     :Chris Jones <c@(Chris's host.)public.example>,\n"
	    "         joe@example.org,\n"
	    "  John <jdoe@one.test> (my dear friend); (the end of the group)"),
	    "((NIL NIL \"A Group\" NIL)"
	    "(\"Chris Jones\" NIL \"c\" \"public.example\")"
	    "(NIL NIL \"joe\" \"example.org\")"
	    "(\"John\" NIL \"jdoe\" \"one.test\")(NIL NIL NIL NIL))");
	ATF_CHECK_STREQ(addr("(Empty list)(start)Hidden recipients  :"
	    "(nobody(that I know))  ;"),
	    "((NIL NIL \"Hidden recipients\" NIL)(NIL NIL NIL NIL))");
	/* A comment stands in for a missing display name. */
	ATF_CHECK_STREQ(addr("jdoe@example.org (John Doe)"),
	    "((\"John Doe\" NIL \"jdoe\" \"example.org\"))");
	buf_free(&out);
}

ATF_TC_WITHOUT_HEAD(routes);
ATF_TC_BODY(routes, tc)
{
	ATF_CHECK_STREQ(addr("<@a.test,@b.test:joe@c.test>"),
	    "((NIL \"@a.test,@b.test\" \"joe\" \"c.test\"))");
	ATF_CHECK_STREQ(addr("Joe <@a.test:joe@c.test>"),
	    "((\"Joe\" \"@a.test\" \"joe\" \"c.test\"))");
	buf_free(&out);
}

ATF_TC_WITHOUT_HEAD(broken);
ATF_TC_BODY(broken, tc)
{
	ATF_CHECK_STREQ(addr(""), "NIL");
	ATF_CHECK_STREQ(addr(" , ,<>, "), "NIL");
	ATF_CHECK_STREQ(addr("foo"),
	    "((NIL NIL \"foo\" \".MISSING-HOST-NAME.\"))");
	ATF_CHECK_STREQ(addr("<unterminated@x"),
	    "((NIL NIL \"unterminated\" \"x\"))");
	ATF_CHECK_STREQ(addr("a@b <c@d>"),
	    "((\"a@b\" NIL \"c\" \"d\"))");
	ATF_CHECK_STREQ(addr("@@>;:"),
	    "((NIL NIL \"\" NIL)(NIL NIL NIL NIL))");
	ATF_CHECK_STREQ(addr("\"open quote <a@b>"),
	    "((NIL NIL \"open quote <a@b>\" \".MISSING-HOST-NAME.\"))");
	ATF_CHECK_STREQ(addr("x@y (unterminated comment"),
	    "((\"unterminated comment\" NIL \"x\" \"y\"))");
	ATF_CHECK_STREQ(addr("g: a@b"),
	    "((NIL NIL \"g\" NIL)(NIL NIL \"a\" \"b\")(NIL NIL NIL NIL))");
	buf_free(&out);
}

ATF_TP_ADD_TCS(tp)
{
	ATF_TP_ADD_TC(tp, rfc3501_example);
	ATF_TP_ADD_TC(tp, defaults);
	ATF_TP_ADD_TC(tp, eight_bit);
	ATF_TP_ADD_TC(tp, addresses);
	ATF_TP_ADD_TC(tp, groups);
	ATF_TP_ADD_TC(tp, comments);
	ATF_TP_ADD_TC(tp, routes);
	ATF_TP_ADD_TC(tp, broken);
	return atf_no_error();
}
