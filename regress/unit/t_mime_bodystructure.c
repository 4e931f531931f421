/*
 * Unit tests for store/mime/bodystructure.c and param.c: FETCH BODY
 * and BODYSTRUCTURE text, exactly, for RFC 3501's own examples,
 * attachments, nested messages, every extension field, RFC 2231
 * parameters and strings that must become literals.
 */
#include <atf-c.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "mime.h"

static struct mime_msg	msg;
static struct buf	in, out;

static void
start(const char *s)
{
	buf_init(&in);
	buf_init(&out);
	buf_addstr(&in, s);
}

/* n lines, each ending in LF, of CRLF size total. */
static void
lines(int n, int total)
{
	int	i, len, rest = total - 2 * n;

	for (i = 0; i < n; i++) {
		len = i < n - 1 ? rest / n : rest - (rest / n) * (n - 1);
		while (len-- > 0)
			buf_add(&in, "x", 1);
		buf_add(&in, "\n", 1);
	}
}

static const char *
bs(int flags)
{
	ATF_REQUIRE(mime_parse(&msg, in.data, in.len) == 0);
	buf_reset(&out);
	ATF_REQUIRE(mime_bodystructure(&out, &msg, &msg.parts[0], flags) == 0);
	mime_free(&msg);
	return (const char *)out.data;
}

static void
done(void)
{
	buf_free(&in);
	buf_free(&out);
}

ATF_TC_WITHOUT_HEAD(rfc3501_simple);
ATF_TC_BODY(rfc3501_simple, tc)
{
	/* RFC 3501 7.4.2: "a simple text message of 48 lines and 2279 octets" */
	start("From: a@b\nContent-Type: TEXT/PLAIN; CHARSET=US-ASCII\n\n");
	lines(48, 2279);
	ATF_CHECK_STREQ(bs(0),
	    "(\"TEXT\" \"PLAIN\" (\"CHARSET\" \"US-ASCII\") NIL NIL \"7BIT\""
	    " 2279 48)");
	done();
}

ATF_TC_WITHOUT_HEAD(rfc3501_two_parts);
ATF_TC_BODY(rfc3501_two_parts, tc)
{
	/* RFC 3501 7.4.2: a text and a BASE64-encoded text attachment. */
	start("Content-Type: multipart/mixed; boundary=\"xx\"\n\n--xx\n\n");
	lines(22, 1144);
	buf_addstr(&in, "xxxxxxxx\n--xx\n"
	    "Content-Type: text/plain; charset=US-ASCII; name=cc.diff\n"
	    "Content-ID: <960723163407.20117h@cac.washington.edu>\n"
	    "Content-Description: Compiler diff\n"
	    "Content-Transfer-Encoding: BASE64\n\n");
	lines(72, 4536);
	buf_addstr(&in, "QUJDREVGR0hJSktMTU\n--xx--\n");
	ATF_CHECK_STREQ(bs(0),
	    "((\"TEXT\" \"PLAIN\" (\"CHARSET\" \"US-ASCII\") NIL NIL \"7BIT\" 1152"
	    " 23)(\"TEXT\" \"PLAIN\" (\"CHARSET\" \"US-ASCII\" \"NAME\" \"cc.diff\")"
	    " \"<960723163407.20117h@cac.washington.edu>\" \"Compiler diff\""
	    " \"BASE64\" 4554 73) \"MIXED\")");
	done();
}

ATF_TC_WITHOUT_HEAD(attachments);
ATF_TC_BODY(attachments, tc)
{
	start("Subject: report\n"
	    "MIME-Version: 1.0\n"
	    "Content-Type: multipart/mixed; boundary=\"----=_Part_1\"\n"
	    "Content-Language: en\n"
	    "\n"
	    "------=_Part_1\n"
	    "Content-Type: text/plain; charset=\"UTF-8\"; format=flowed\n"
	    "Content-Transfer-Encoding: quoted-printable\n"
	    "\n"
	    "See attached=2E\n"
	    "------=_Part_1\n"
	    "Content-Type: application/pdf; name=\"report.pdf\"\n"
	    "Content-Transfer-Encoding: base64\n"
	    "Content-Disposition: attachment;\n"
	    "\tfilename=\"report.pdf\"; size=6\n"
	    "Content-MD5: Q2hlY2sgSW50ZWdyaXR5IQ==\n"
	    "\n"
	    "JVBERi0x\n"
	    "------=_Part_1\n"
	    "Content-Type: image/png\n"
	    "Content-Transfer-Encoding: base64\n"
	    "Content-ID: <logo@example.org>\n"
	    "Content-Disposition: inline\n"
	    "Content-Language: en-GB, fr (French)\n"
	    "Content-Location: http://example.org/\n"
	    "  logo.png\n"
	    "\n"
	    "iVBORw0K\n"
	    "------=_Part_1--\n");
	ATF_CHECK_STREQ(bs(MIME_EXT),
	    "((\"TEXT\" \"PLAIN\" (\"CHARSET\" \"UTF-8\" \"FORMAT\" \"flowed\") NIL"
	    " NIL \"QUOTED-PRINTABLE\" 15 1 NIL NIL NIL NIL)"
	    "(\"APPLICATION\" \"PDF\" (\"NAME\" \"report.pdf\") NIL NIL \"BASE64\""
	    " 8 \"Q2hlY2sgSW50ZWdyaXR5IQ==\" (\"ATTACHMENT\" (\"FILENAME\""
	    " \"report.pdf\" \"SIZE\" \"6\")) NIL NIL)"
	    "(\"IMAGE\" \"PNG\" NIL \"<logo@example.org>\" NIL \"BASE64\" 8 NIL"
	    " (\"INLINE\" NIL) (\"en-GB\" \"fr\") \"http://example.org/logo.png\")"
	    " \"MIXED\" (\"BOUNDARY\" \"----=_Part_1\") NIL \"en\" NIL)");
	ATF_CHECK_STREQ(bs(0),
	    "((\"TEXT\" \"PLAIN\" (\"CHARSET\" \"UTF-8\" \"FORMAT\" \"flowed\") NIL"
	    " NIL \"QUOTED-PRINTABLE\" 15 1)"
	    "(\"APPLICATION\" \"PDF\" (\"NAME\" \"report.pdf\") NIL NIL \"BASE64\""
	    " 8)"
	    "(\"IMAGE\" \"PNG\" NIL \"<logo@example.org>\" NIL \"BASE64\" 8)"
	    " \"MIXED\")");
	done();
}

ATF_TC_WITHOUT_HEAD(nested_message);
ATF_TC_BODY(nested_message, tc)
{
	start("Content-Type: multipart/mixed; boundary=outer\n\n"
	    "--outer\n\nintro\n"
	    "--outer\n"
	    "Content-Type: message/rfc822\n"
	    "Content-Description: forwarded\n\n"
	    "From: Inner Sender <in@example.net>\n"
	    "Subject: inner\n"
	    "Content-Type: multipart/alternative; boundary=inner\n\n"
	    "--inner\nContent-Type: text/plain\n\ntext\n"
	    "--inner\nContent-Type: text/html\n\n<b>html</b>\n"
	    "--inner--\n"
	    "--outer--\n");
	ATF_CHECK_STREQ(bs(MIME_EXT),
	    "((\"TEXT\" \"PLAIN\" (\"CHARSET\" \"US-ASCII\") NIL NIL \"7BIT\" 5 1"
	    " NIL NIL NIL NIL)"
	    "(\"MESSAGE\" \"RFC822\" NIL NIL \"forwarded\" \"7BIT\" 209"
	    " (NIL \"inner\" ((\"Inner Sender\" NIL \"in\" \"example.net\"))"
	    " ((\"Inner Sender\" NIL \"in\" \"example.net\"))"
	    " ((\"Inner Sender\" NIL \"in\" \"example.net\")) NIL NIL NIL NIL NIL)"
	    " ((\"TEXT\" \"PLAIN\" (\"CHARSET\" \"US-ASCII\") NIL NIL \"7BIT\" 4 1"
	    " NIL NIL NIL NIL)"
	    "(\"TEXT\" \"HTML\" (\"CHARSET\" \"US-ASCII\") NIL NIL \"7BIT\" 11 1"
	    " NIL NIL NIL NIL) \"ALTERNATIVE\" (\"BOUNDARY\" \"inner\") NIL NIL"
	    " NIL) 13 NIL NIL NIL NIL)"
	    " \"MIXED\" (\"BOUNDARY\" \"outer\") NIL NIL NIL)");
	done();
}

ATF_TC_WITHOUT_HEAD(top_level_message);
ATF_TC_BODY(top_level_message, tc)
{
	start("Content-Type: message/rfc822\n\nSubject: in\n\nbody\n");
	ATF_CHECK_STREQ(bs(0),
	    "(\"MESSAGE\" \"RFC822\" NIL NIL NIL \"7BIT\" 21"
	    " (NIL \"in\" NIL NIL NIL NIL NIL NIL NIL NIL)"
	    " (\"TEXT\" \"PLAIN\" (\"CHARSET\" \"US-ASCII\") NIL NIL \"7BIT\" 6 1)"
	    " 3)");
	done();
}

ATF_TC_WITHOUT_HEAD(message_global);
ATF_TC_BODY(message_global, tc)
{
	/* RFC 9051 knows message/global; for IMAP4rev1 it is basic. */
	start("Content-Type: message/global\n\nSubject: g\n\nx\n");
	ATF_CHECK_STREQ(bs(0),
	    "(\"MESSAGE\" \"GLOBAL\" NIL NIL NIL \"7BIT\" 17)");
	ATF_CHECK_STREQ(bs(MIME_REV2),
	    "(\"MESSAGE\" \"GLOBAL\" NIL NIL NIL \"7BIT\" 17"
	    " (NIL \"g\" NIL NIL NIL NIL NIL NIL NIL NIL)"
	    " (\"TEXT\" \"PLAIN\" (\"CHARSET\" \"US-ASCII\") NIL NIL \"7BIT\" 3 1)"
	    " 3)");
	done();
}

ATF_TC_WITHOUT_HEAD(rfc2231);
ATF_TC_BODY(rfc2231, tc)
{
	/* The examples of RFC 2231 sections 3 and 4.1, decoded. */
	start("Content-Type: application/x-stuff;\n"
	    "    title*0*=us-ascii'en'This%20is%20even%20more%20;\n"
	    "    title*1*=%2A%2A%2Afun%2A%2A%2A%20;\n"
	    "    title*2=\"isn't it!\"\n\nx\n");
	ATF_CHECK_STREQ(bs(0),
	    "(\"APPLICATION\" \"X-STUFF\" (\"TITLE\""
	    " \"This is even more ***fun*** isn't it!\") NIL NIL \"7BIT\" 3)");
	done();

	start("Content-Type: message/external-body; access-type=URL;\n"
	    "    URL*0=\"ftp://\";\n"
	    "    URL*1=\"cs.utk.edu/pub/moore/bulk-mailer/bulk-mailer.tar\"\n\n");
	ATF_CHECK_STREQ(bs(0),
	    "(\"MESSAGE\" \"EXTERNAL-BODY\" (\"ACCESS-TYPE\" \"URL\" \"URL\""
	    " \"ftp://cs.utk.edu/pub/moore/bulk-mailer/bulk-mailer.tar\")"
	    " NIL NIL \"7BIT\" 0)");
	done();

	/* Out of order sections; non-ASCII results keep the name*. */
	start("Content-Type: application/octet-stream;\n"
	    " name*1*=%E9.txt; name*0*=iso-8859-1'fr'caf;\n"
	    " a*=utf-8''%E2%82%AC%20rates.pdf;\n"
	    " b=\"fallback\"; b*=utf-8''%C3%A9;\n"
	    " c=\"old\"; c*=us-ascii''new;\n"
	    " d*0=one; d*2=three;\n"
	    " e*=x-nosuch-charset'de'%FF\n\n");
	ATF_CHECK_STREQ(bs(0),
	    "(\"APPLICATION\" \"OCTET-STREAM\" (\"NAME*\" \"utf-8'fr'caf%C3%A9.txt\""
	    " \"A*\" \"utf-8''%E2%82%AC%20rates.pdf\""
	    " \"B\" \"fallback\" \"B*\" \"utf-8''%C3%A9\""
	    " \"C\" \"new\""
	    " \"D*0\" \"one\" \"D*2\" \"three\""
	    " \"E*\" \"x-nosuch-charset'de'%FF\") NIL NIL \"7BIT\" 0)");
	done();

	/* Disposition parameters too (RFC 9051 7.5.2). */
	start("Content-Type: text/plain\n"
	    "Content-Disposition: attachment; filename*0=\"a \"; filename*1=b\n\n"
	    "x\n");
	ATF_CHECK_STREQ(bs(MIME_EXT),
	    "(\"TEXT\" \"PLAIN\" (\"CHARSET\" \"US-ASCII\") NIL NIL \"7BIT\" 3 1 NIL"
	    " (\"ATTACHMENT\" (\"FILENAME\" \"a b\")) NIL NIL)");
	done();
}

ATF_TC_WITHOUT_HEAD(params_syntax);
ATF_TC_BODY(params_syntax, tc)
{
	start("Content-Type: Text/Plain (comment (nested)) ;"
	    " charset=\"us-\\\"ascii\\\"\" (c); format = flowed;"
	    " junk; ;=x; name=a/b.txt\n"
	    "Content-Transfer-Encoding: 8bit (comment)\n\nx\n");
	ATF_CHECK_STREQ(bs(0),
	    "(\"TEXT\" \"PLAIN\" (\"CHARSET\" \"us-\\\"ascii\\\"\" \"FORMAT\""
	    " \"flowed\" \"NAME\" \"a/b.txt\") NIL NIL \"8BIT\" 3 1)");
	done();

	/* Unterminated quote and a value with no parameter name. */
	start("Content-Type: text/html; charset=\"utf-8\n\nx\n");
	ATF_CHECK_STREQ(bs(0),
	    "(\"TEXT\" \"HTML\" (\"CHARSET\" \"utf-8\") NIL NIL \"7BIT\" 3 1)");
	done();

	/* Content-Transfer-Encoding present but empty: 7BIT. */
	start("Content-Transfer-Encoding:\n\nx\n");
	ATF_CHECK_STREQ(bs(0),
	    "(\"TEXT\" \"PLAIN\" (\"CHARSET\" \"US-ASCII\") NIL NIL \"7BIT\" 3 1)");
	done();
}

ATF_TC_WITHOUT_HEAD(literals);
ATF_TC_BODY(literals, tc)
{
	/* 8-bit octets cannot be quoted for IMAP4rev1: a literal. */
	start("Content-Type: text/plain; name=\"caf\xe9.txt\"\n"
	    "Content-Description: \"quoted\" \\ back\n\nx\n");
	ATF_CHECK_STREQ(bs(0),
	    "(\"TEXT\" \"PLAIN\" (\"CHARSET\" \"US-ASCII\" \"NAME\" {8}\r\n"
	    "caf\xe9.txt) NIL \"\\\"quoted\\\" \\\\ back\" \"7BIT\" 3 1)");
	/* Not UTF-8: a literal even when the client accepts UTF-8. */
	ATF_CHECK_STREQ(bs(MIME_UTF8),
	    "(\"TEXT\" \"PLAIN\" (\"CHARSET\" \"US-ASCII\" \"NAME\" {8}\r\n"
	    "caf\xe9.txt) NIL \"\\\"quoted\\\" \\\\ back\" \"7BIT\" 3 1)");
	done();

	start("Content-Type: text/plain; name=\"caf\xc3\xa9.txt\"\n\nx\n");
	ATF_CHECK_STREQ(bs(MIME_UTF8),
	    "(\"TEXT\" \"PLAIN\" (\"CHARSET\" \"US-ASCII\" \"NAME\""
	    " \"caf\xc3\xa9.txt\") NIL NIL \"7BIT\" 3 1)");
	done();
}

ATF_TC_WITHOUT_HEAD(imap_strings);
ATF_TC_BODY(imap_strings, tc)
{
	struct buf	b;

	buf_init(&b);
	ATF_REQUIRE(mime_imap_string(&b, "a\"b\\c", 5, 0) == 0);
	ATF_CHECK_STREQ((char *)b.data, "\"a\\\"b\\\\c\"");
	buf_reset(&b);
	ATF_REQUIRE(mime_imap_string(&b, "a\r\nb", 4, 0) == 0);
	ATF_CHECK_STREQ((char *)b.data, "{4}\r\na\r\nb");
	buf_reset(&b);
	ATF_REQUIRE(mime_imap_string(&b, "a\0b", 3, 0) == 0);
	ATF_CHECK_STREQ((char *)b.data, "\"ab\"");
	buf_reset(&b);
	ATF_REQUIRE(mime_imap_string(&b, "a\0\xff", 3, 0) == 0);
	ATF_CHECK_EQ(b.len, 7);
	ATF_CHECK(memcmp(b.data, "{2}\r\na\xff", 7) == 0);
	buf_reset(&b);
	ATF_REQUIRE(mime_imap_nstring(&b, NULL, 0) == 0);
	ATF_REQUIRE(mime_imap_nstring(&b, "", 0) == 0);
	ATF_CHECK_STREQ((char *)b.data, "NIL\"\"");
	buf_reset(&b);
	ATF_REQUIRE(mime_imap_astring(&b, "Subject", 0) == 0);
	ATF_REQUIRE(mime_imap_astring(&b, "nil", 0) == 0);
	ATF_REQUIRE(mime_imap_astring(&b, "a b", 0) == 0);
	ATF_CHECK_STREQ((char *)b.data, "Subject\"nil\"\"a b\"");
	buf_free(&b);
}

ATF_TP_ADD_TCS(tp)
{
	ATF_TP_ADD_TC(tp, rfc3501_simple);
	ATF_TP_ADD_TC(tp, rfc3501_two_parts);
	ATF_TP_ADD_TC(tp, attachments);
	ATF_TP_ADD_TC(tp, nested_message);
	ATF_TP_ADD_TC(tp, top_level_message);
	ATF_TP_ADD_TC(tp, message_global);
	ATF_TP_ADD_TC(tp, rfc2231);
	ATF_TP_ADD_TC(tp, params_syntax);
	ATF_TP_ADD_TC(tp, literals);
	ATF_TP_ADD_TC(tp, imap_strings);
	return atf_no_error();
}
