/*
 * Unit tests for store/mime/section.c: BODY[section]<partial> on the
 * part numbering example of RFC 3501 6.4.5, HEADER.FIELDS and
 * HEADER.FIELDS.NOT, MIME, TEXT, the errors, the section text parser
 * and its echo, and partial windows at every edge, the same whether
 * the stored message ends lines with LF or CRLF.
 */
#include <atf-c.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "mime.h"

/* The structure of RFC 3501 6.4.5's example, part for part. */
static const char example[] =
    "From: a@example.org\n"
    "Subject: example\n"
    "Content-Type: MULTIPART/MIXED; boundary=a\n"
    "\n"
    "--a\n"
    "Content-Type: TEXT/PLAIN\n"
    "\n"
    "part 1\n"
    "--a\n"
    "Content-Type: APPLICATION/OCTET-STREAM\n"
    "\n"
    "part 2\n"
    "--a\n"
    "Content-Type: MESSAGE/RFC822\n"
    "\n"
    "Subject: three\n"
    "Content-Type: MULTIPART/MIXED; boundary=b\n"
    "\n"
    "--b\n"
    "\n"
    "part 3.1\n"
    "--b\n"
    "Content-Type: APPLICATION/OCTET-STREAM\n"
    "\n"
    "part 3.2\n"
    "--b--\n"
    "--a\n"
    "Content-Type: MULTIPART/MIXED; boundary=c\n"
    "\n"
    "--c\n"
    "Content-Type: IMAGE/GIF\n"
    "\n"
    "part 4.1\n"
    "--c\n"
    "Content-Type: MESSAGE/RFC822\n"
    "\n"
    "Subject: four two\n"
    "X-Extra: yes\n"
    "Content-Type: MULTIPART/MIXED; boundary=d\n"
    "\n"
    "--d\n"
    "\n"
    "part 4.2.1\n"
    "--d\n"
    "Content-Type: MULTIPART/ALTERNATIVE; boundary=e\n"
    "\n"
    "--e\n"
    "\n"
    "part 4.2.2.1\n"
    "--e\n"
    "Content-Type: TEXT/RICHTEXT\n"
    "\n"
    "part 4.2.2.2\n"
    "--e--\n"
    "--d--\n"
    "--c--\n"
    "--a--\n";

static struct mime_msg	msg;
static struct buf	out;

static void
load(const char *s)
{
	ATF_REQUIRE(mime_parse(&msg, s, strlen(s)) == 0);
}

/* BODY[spec]<origin.count>; the bytes, or the error as text. */
static const char *
sect(const char *spec, uint64_t origin, uint64_t count)
{
	struct mime_sect	s;
	struct mime_range	r;
	int			rv;

	buf_reset(&out);
	mime_range_init(&r);
	if ((rv = mime_sect_parse(&s, spec, strlen(spec))) != 0) {
		buf_addf(&out, "parse error %d", rv);
		return (char *)out.data;
	}
	if ((rv = mime_locate(&msg, &s, &r)) != 0)
		buf_addf(&out, "locate error %d", rv);
	else {
		ATF_REQUIRE(mime_range_buf(&out, &msg, &r, origin, count) == 0);
		ATF_CHECK_EQ(out.len, mime_range_window(&r, origin, count));
		buf_add(&out, "", 0);
	}
	mime_range_free(&r);
	mime_sect_free(&s);
	return (char *)out.data;
}

static const char *
whole(const char *spec)
{
	return sect(spec, 0, UINT64_MAX);
}

static char *
to_crlf(const char *s)
{
	struct buf	b;

	buf_init(&b);
	for (; *s != '\0'; s++) {
		if (*s == '\n')
			buf_add(&b, "\r", 1);
		buf_add(&b, s, 1);
	}
	buf_add(&b, "", 0);
	return (char *)b.data;
}

ATF_TC_WITHOUT_HEAD(numbering);
ATF_TC_BODY(numbering, tc)
{
	load(example);
	ATF_CHECK_STREQ(whole("1"), "part 1");
	ATF_CHECK_STREQ(whole("2"), "part 2");
	ATF_CHECK_STREQ(whole("3.HEADER"),
	    "Subject: three\r\n"
	    "Content-Type: MULTIPART/MIXED; boundary=b\r\n\r\n");
	ATF_CHECK_STREQ(whole("3.1"), "part 3.1");
	ATF_CHECK_STREQ(whole("3.2"), "part 3.2");
	ATF_CHECK_STREQ(whole("4.1"), "part 4.1");
	ATF_CHECK_STREQ(whole("4.1.MIME"), "Content-Type: IMAGE/GIF\r\n\r\n");
	ATF_CHECK_STREQ(whole("4.2.HEADER"),
	    "Subject: four two\r\nX-Extra: yes\r\n"
	    "Content-Type: MULTIPART/MIXED; boundary=d\r\n\r\n");
	ATF_CHECK_STREQ(whole("4.2.1"), "part 4.2.1");
	ATF_CHECK_STREQ(whole("4.2.2.1"), "part 4.2.2.1");
	ATF_CHECK_STREQ(whole("4.2.2.2"), "part 4.2.2.2");
	ATF_CHECK_STREQ(whole("4.2.2.2.MIME"),
	    "Content-Type: TEXT/RICHTEXT\r\n\r\n");
	ATF_CHECK_STREQ(whole("3.TEXT"),
	    "--b\r\n\r\npart 3.1\r\n--b\r\n"
	    "Content-Type: APPLICATION/OCTET-STREAM\r\n\r\npart 3.2\r\n--b--");
	ATF_CHECK_STREQ(whole("4.2.2"),
	    "--e\r\n\r\npart 4.2.2.1\r\n--e\r\n"
	    "Content-Type: TEXT/RICHTEXT\r\n\r\npart 4.2.2.2\r\n--e--");
	ATF_CHECK_STREQ(whole("HEADER"),
	    "From: a@example.org\r\nSubject: example\r\n"
	    "Content-Type: MULTIPART/MIXED; boundary=a\r\n\r\n");
	ATF_CHECK_EQ(strlen(whole("")), msg.size);
	ATF_CHECK_EQ(strlen(whole("TEXT")), msg.size - 84);
	mime_free(&msg);
	buf_free(&out);
}

ATF_TC_WITHOUT_HEAD(errors);
ATF_TC_BODY(errors, tc)
{
	char	want[64];

	load(example);
	snprintf(want, sizeof(want), "locate error %d", MIME_ENOENT);
	ATF_CHECK_STREQ(whole("5"), want);
	ATF_CHECK_STREQ(whole("1.1"), want);
	ATF_CHECK_STREQ(whole("3.3"), want);
	ATF_CHECK_STREQ(whole("4.2.2.3"), want);
	ATF_CHECK_STREQ(whole("4294967295"), want);
	snprintf(want, sizeof(want), "locate error %d", MIME_ENOTMSG);
	ATF_CHECK_STREQ(whole("1.HEADER"), want);
	ATF_CHECK_STREQ(whole("4.TEXT"), want);
	ATF_CHECK_STREQ(whole("2.HEADER.FIELDS (From)"), want);
	mime_free(&msg);

	/* A message that is not multipart has a part 1 only. */
	load("Subject: s\n\ntext\n");
	ATF_CHECK_STREQ(whole("1"), "text\r\n");
	ATF_CHECK_STREQ(whole("1.MIME"), "Subject: s\r\n\r\n");
	snprintf(want, sizeof(want), "locate error %d", MIME_ENOENT);
	ATF_CHECK_STREQ(whole("2"), want);
	ATF_CHECK_STREQ(whole("1.1"), want);
	mime_free(&msg);

	/* A top-level message/rfc822: 1 is the message, 1.1 its text. */
	load("Content-Type: message/rfc822\n\nSubject: in\n\nin text\n");
	ATF_CHECK_STREQ(whole("1"), "Subject: in\r\n\r\nin text\r\n");
	ATF_CHECK_STREQ(whole("1.HEADER"), "Subject: in\r\n\r\n");
	ATF_CHECK_STREQ(whole("1.1"), "in text\r\n");
	mime_free(&msg);
	buf_free(&out);
}

ATF_TC_WITHOUT_HEAD(header_fields);
ATF_TC_BODY(header_fields, tc)
{
	load("From: a@b\n"
	    "To: c@d,\n"
	    "  e@f\n"
	    "subject: hello\n"
	    "X-Broken line without colon\n"
	    "Subject: again\n"
	    "\n"
	    "body\n");
	ATF_CHECK_STREQ(whole("HEADER.FIELDS (SUBJECT to)"),
	    "To: c@d,\r\n  e@f\r\nsubject: hello\r\nSubject: again\r\n\r\n");
	ATF_CHECK_STREQ(whole("HEADER.FIELDS.NOT (Subject To)"),
	    "From: a@b\r\nX-Broken line without colon\r\n\r\n");
	ATF_CHECK_STREQ(whole("HEADER.FIELDS (X-None)"), "\r\n");
	ATF_CHECK_STREQ(whole("HEADER.FIELDS (\"From\" \"nothing\")"),
	    "From: a@b\r\n\r\n");
	/* The window applies after subsetting (RFC 3501 6.4.5). */
	ATF_CHECK_STREQ(sect("HEADER.FIELDS (From)", 6, 100), "a@b\r\n\r\n");
	ATF_CHECK_STREQ(sect("HEADER.FIELDS (From)", 10, 2), "\n\r");
	mime_free(&msg);

	/* No body and no blank line: no blank line in the answer. */
	load("From: a@b\nSubject: x");
	ATF_CHECK_STREQ(whole("HEADER.FIELDS (Subject)"), "Subject: x\r\n");
	ATF_CHECK_STREQ(whole("HEADER"), "From: a@b\r\nSubject: x");
	ATF_CHECK_STREQ(whole("TEXT"), "");
	mime_free(&msg);
	buf_free(&out);
}

ATF_TC_WITHOUT_HEAD(partial);
ATF_TC_BODY(partial, tc)
{
	load("S: x\n\na\nbc\n");
	ATF_CHECK_STREQ(sect("TEXT", 0, 100), "a\r\nbc\r\n");
	ATF_CHECK_STREQ(sect("TEXT", 0, 7), "a\r\nbc\r\n");
	ATF_CHECK_STREQ(sect("TEXT", 0, 6), "a\r\nbc\r");
	ATF_CHECK_STREQ(sect("TEXT", 1, 1), "\r");
	ATF_CHECK_STREQ(sect("TEXT", 2, 1), "\n");
	ATF_CHECK_STREQ(sect("TEXT", 2, 3), "\nbc");
	ATF_CHECK_STREQ(sect("TEXT", 6, 10), "\n");
	ATF_CHECK_STREQ(sect("TEXT", 7, 10), "");
	ATF_CHECK_STREQ(sect("TEXT", 8, 10), "");
	ATF_CHECK_STREQ(sect("TEXT", 3, 0), "");
	ATF_CHECK_STREQ(sect("", 3, 4), "x\r\n\r");
	ATF_CHECK_STREQ(sect("", 17, 1), "");
	ATF_CHECK_STREQ(sect("", UINT64_MAX, UINT64_MAX), "");
	mime_free(&msg);
	buf_free(&out);
}

ATF_TC_WITHOUT_HEAD(crlf_same_as_lf);
ATF_TC_BODY(crlf_same_as_lf, tc)
{
	static const char *const specs[] = { "", "HEADER", "TEXT", "1", "3",
	    "3.HEADER", "3.TEXT", "3.1", "4", "4.1.MIME", "4.2.HEADER.FIELDS"
	    " (Subject x-extra)", "4.2.HEADER.FIELDS.NOT (Subject)", "4.2.2",
	    "4.2.2.2" };
	struct buf	 lf;
	char		*crlf;
	size_t		 i;
	uint64_t	 o;

	crlf = to_crlf(example);
	buf_init(&lf);
	for (i = 0; i < sizeof(specs) / sizeof(specs[0]); i++) {
		for (o = 0; o < 40; o += 13) {
			load(example);
			buf_reset(&lf);
			buf_addstr(&lf, sect(specs[i], o, 25));
			mime_free(&msg);
			buf_free(&out);
			load(crlf);
			ATF_CHECK_STREQ_MSG((char *)lf.data, sect(specs[i], o, 25),
			    "BODY[%s]<%llu.25>", specs[i],
			    (unsigned long long)o);
			mime_free(&msg);
			buf_free(&out);
		}
	}
	load(crlf);
	ATF_CHECK_STREQ(whole(""), crlf);
	mime_free(&msg);
	buf_free(&out);
	buf_free(&lf);
	free(crlf);
}

ATF_TC_WITHOUT_HEAD(parse_spec);
ATF_TC_BODY(parse_spec, tc)
{
	static const char *const bad[] = { "MIME", "0", "1.", "1..2", ".1",
	    "01", "HEADER.FIELDS ()", "HEADER.FIELDS(From)",
	    "HEADER.FIELDS (From", "TEXT ", "1.TEXTX", "4294967296",
	    "HEADER.FIELDS.NOT", "HEADER.FIELDSX (a)", "1.HEADER.FIELDS (a)x",
	    "HEADER.FIELDS (\"a\\b\")", "HEADERS", "1.2.MIME.TEXT" };
	struct mime_sect	s;
	struct buf		b;
	size_t			i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		ATF_CHECK_MSG(mime_sect_parse(&s, bad[i], strlen(bad[i])) ==
		    MIME_ESYNTAX, "\"%s\" parsed", bad[i]);

	buf_init(&b);
	ATF_REQUIRE(mime_sect_parse(&s, "", 0) == 0);
	ATF_CHECK_EQ(s.npart, 0);
	ATF_CHECK_EQ(s.text, MIME_ST_NONE);
	ATF_REQUIRE(mime_sect_parse(&s, "4.2.2.1", 7) == 0);
	ATF_CHECK_EQ(s.npart, 4);
	ATF_CHECK_EQ(s.part[3], 1);
	ATF_REQUIRE(mime_sect_format(&b, &s) == 0);
	ATF_CHECK_STREQ((char *)b.data, "4.2.2.1");
	ATF_REQUIRE(mime_sect_parse(&s, "1.mime", 6) == 0);
	ATF_CHECK_EQ(s.text, MIME_ST_MIME);
	ATF_REQUIRE(mime_sect_parse(&s,
	    "4.2.header.fields.not (From \"a b\" X-Y])", 39) == 0);
	ATF_CHECK_EQ(s.text, MIME_ST_FIELDS_NOT);
	ATF_REQUIRE_EQ(s.nfields, 3);
	ATF_CHECK_STREQ(s.fields[2], "X-Y]");
	buf_reset(&b);
	ATF_REQUIRE(mime_sect_format(&b, &s) == 0);
	ATF_CHECK_STREQ((char *)b.data,
	    "4.2.HEADER.FIELDS.NOT (From \"a b\" X-Y])");
	mime_sect_free(&s);
	ATF_REQUIRE(mime_sect_parse(&s, "TEXT", 4) == 0);
	buf_reset(&b);
	ATF_REQUIRE(mime_sect_format(&b, &s) == 0);
	ATF_CHECK_STREQ((char *)b.data, "TEXT");
	buf_free(&b);
}

ATF_TP_ADD_TCS(tp)
{
	ATF_TP_ADD_TC(tp, numbering);
	ATF_TP_ADD_TC(tp, errors);
	ATF_TP_ADD_TC(tp, header_fields);
	ATF_TP_ADD_TC(tp, partial);
	ATF_TP_ADD_TC(tp, crlf_same_as_lf);
	ATF_TP_ADD_TC(tp, parse_spec);
	return atf_no_error();
}
