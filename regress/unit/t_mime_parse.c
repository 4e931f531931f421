/*
 * Unit tests for store/mime/mime.c and header.c: the part tree, the
 * CRLF sizes and line counts of every part, boundary handling (RFC
 * 2046 5.1.1) including the broken cases, the nesting and part
 * limits, header edge cases, and speed on a 50 MB message; the
 * header-only parse (mime_parse_header) against the full one.
 */
#include <sys/time.h>

#include <atf-c.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "buf.h"
#include "mime.h"

static struct mime_msg	msg;
static struct buf	out;

static void
parse(const char *s)
{
	ATF_REQUIRE(mime_parse(&msg, s, strlen(s)) == 0);
}

static const char *
body(int flags)
{
	buf_reset(&out);
	ATF_REQUIRE(mime_bodystructure(&out, &msg, &msg.parts[0], flags) == 0);
	return (const char *)out.data;
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

ATF_TC_WITHOUT_HEAD(simple_sizes);
ATF_TC_BODY(simple_sizes, tc)
{
	const struct mime_part	*p;

	parse("Subject: hi\n\nbody\n");
	ATF_CHECK_EQ(msg.nparts, 1);
	ATF_CHECK_EQ(msg.size, 21);
	p = &msg.parts[0];
	ATF_CHECK(p->flags & MIME_PF_SEP);
	ATF_CHECK(p->flags & MIME_PF_ISMSG);
	ATF_CHECK_EQ(mime_hdr_size(p), 15);
	ATF_CHECK_EQ(mime_body_size(p), 6);
	ATF_CHECK_EQ(mime_body_lines(&msg, p), 1);
	ATF_CHECK_EQ(p->body.raw, 13);
	ATF_CHECK_STREQ(body(0),
	    "(\"TEXT\" \"PLAIN\" (\"CHARSET\" \"US-ASCII\") NIL NIL \"7BIT\" 6 1)");
	mime_free(&msg);
}

ATF_TC_WITHOUT_HEAD(empty_message);
ATF_TC_BODY(empty_message, tc)
{
	parse("");
	ATF_CHECK_EQ(msg.nparts, 1);
	ATF_CHECK_EQ(msg.size, 0);
	ATF_CHECK_STREQ(body(MIME_EXT),
	    "(\"TEXT\" \"PLAIN\" (\"CHARSET\" \"US-ASCII\") NIL NIL \"7BIT\" 0 0"
	    " NIL NIL NIL NIL)");
	buf_reset(&out);
	ATF_REQUIRE(mime_envelope(&out, &msg, &msg.parts[0], 0) == 0);
	ATF_CHECK_STREQ((char *)out.data,
	    "(NIL NIL NIL NIL NIL NIL NIL NIL NIL NIL)");
	mime_free(&msg);
}

ATF_TC_WITHOUT_HEAD(no_separator);
ATF_TC_BODY(no_separator, tc)
{
	const struct mime_part	*p;

	parse("Subject: x\nFrom: y@z\n");
	p = &msg.parts[0];
	ATF_CHECK(!(p->flags & MIME_PF_SEP));
	ATF_CHECK_EQ(mime_hdr_size(p), 23);
	ATF_CHECK_EQ(mime_body_size(p), 0);
	ATF_CHECK_EQ(mime_body_lines(&msg, p), 0);
	mime_free(&msg);

	/* No line end at all. */
	parse("Subject: x");
	ATF_CHECK_EQ(mime_hdr_size(&msg.parts[0]), 10);
	ATF_CHECK_EQ(msg.size, 10);
	mime_free(&msg);
}

ATF_TC_WITHOUT_HEAD(empty_header);
ATF_TC_BODY(empty_header, tc)
{
	const struct mime_part	*p;

	parse("\nbody line\n");
	p = &msg.parts[0];
	ATF_CHECK(p->flags & MIME_PF_SEP);
	ATF_CHECK_EQ(mime_hdr_size(p), 2);
	ATF_CHECK_EQ(mime_body_size(p), 11);
	mime_free(&msg);
}

ATF_TC_WITHOUT_HEAD(bare_cr);
ATF_TC_BODY(bare_cr, tc)
{
	const struct mime_part	*p;

	/* A CR alone is an ordinary octet; CRLF stays two. */
	parse("Subject: a\rb\r\n\nx\ry\n");
	p = &msg.parts[0];
	ATF_CHECK_EQ(msg.size, 21);
	ATF_CHECK_EQ(mime_hdr_size(p), 16);
	ATF_CHECK_EQ(mime_body_size(p), 5);
	ATF_CHECK_EQ(mime_body_lines(&msg, p), 1);
	mime_free(&msg);
}

ATF_TC_WITHOUT_HEAD(no_trailing_newline);
ATF_TC_BODY(no_trailing_newline, tc)
{
	parse("Subject: x\n\nfirst\nlast line");
	ATF_CHECK_EQ(msg.size, 30);
	ATF_CHECK_EQ(mime_body_size(&msg.parts[0]), 16);
	ATF_CHECK_EQ(mime_body_lines(&msg, &msg.parts[0]), 2);
	mime_free(&msg);
}

static const char alt[] =
    "From: a@example.org\n"
    "Content-Type: multipart/alternative; boundary=\"=_b\"\n"
    "\n"
    "This is the preamble; --=_b is not a delimiter here.\n"
    "--=_b\n"
    "Content-Type: text/plain; charset=utf-8\n"
    "\n"
    "plain\n"
    "--=_bx\n"
    "still plain\n"
    "--=_b  \t\n"
    "Content-Type: text/html\n"
    "\n"
    "<p>html</p>\n"
    "\n"
    "--=_b--\n"
    "epilogue\n"
    "--=_b\n"
    "more epilogue\n";

ATF_TC_WITHOUT_HEAD(alternative);
ATF_TC_BODY(alternative, tc)
{
	const struct mime_part	*p;

	parse(alt);
	p = &msg.parts[0];
	ATF_CHECK(p->flags & MIME_PF_MULTIPART);
	ATF_CHECK_EQ(p->nchild, 2);
	ATF_CHECK_STREQ(body(0),
	    "((\"TEXT\" \"PLAIN\" (\"CHARSET\" \"utf-8\") NIL NIL \"7BIT\" 26 3)"
	    "(\"TEXT\" \"HTML\" (\"CHARSET\" \"US-ASCII\") NIL NIL \"7BIT\" 13 1)"
	    " \"ALTERNATIVE\")");
	ATF_CHECK_STREQ(body(MIME_EXT),
	    "((\"TEXT\" \"PLAIN\" (\"CHARSET\" \"utf-8\") NIL NIL \"7BIT\" 26 3"
	    " NIL NIL NIL NIL)"
	    "(\"TEXT\" \"HTML\" (\"CHARSET\" \"US-ASCII\") NIL NIL \"7BIT\" 13 1"
	    " NIL NIL NIL NIL)"
	    " \"ALTERNATIVE\" (\"BOUNDARY\" \"=_b\") NIL NIL NIL)");
	mime_free(&msg);
}

ATF_TC_WITHOUT_HEAD(crlf_same_as_lf);
ATF_TC_BODY(crlf_same_as_lf, tc)
{
	struct mime_msg	 m2;
	struct buf	 b2;
	char		*crlf;
	size_t		 i;

	crlf = to_crlf(alt);
	parse(alt);
	ATF_REQUIRE(mime_parse(&m2, crlf, strlen(crlf)) == 0);
	ATF_CHECK_EQ(msg.size, strlen(crlf));
	ATF_CHECK_EQ(msg.size, m2.size);
	ATF_REQUIRE_EQ(msg.nparts, m2.nparts);
	for (i = 0; i < msg.nparts; i++) {
		ATF_CHECK_EQ(msg.parts[i].hdr.crlf, m2.parts[i].hdr.crlf);
		ATF_CHECK_EQ(msg.parts[i].body.crlf, m2.parts[i].body.crlf);
		ATF_CHECK_EQ(msg.parts[i].end.crlf, m2.parts[i].end.crlf);
		ATF_CHECK_EQ(msg.parts[i].end.crlf, m2.parts[i].end.raw);
		ATF_CHECK_EQ(mime_body_lines(&msg, &msg.parts[i]),
		    mime_body_lines(&m2, &m2.parts[i]));
		ATF_CHECK_EQ(msg.parts[i].flags, m2.parts[i].flags);
	}
	buf_init(&b2);
	ATF_REQUIRE(mime_bodystructure(&b2, &m2, &m2.parts[0], MIME_EXT) == 0);
	ATF_CHECK_STREQ(body(MIME_EXT), (char *)b2.data);
	buf_free(&b2);
	mime_free(&m2);
	mime_free(&msg);
	free(crlf);
}

ATF_TC_WITHOUT_HEAD(missing_close);
ATF_TC_BODY(missing_close, tc)
{
	parse("Content-Type: multipart/mixed; boundary=b\n\n"
	    "--b\n\none\n--b\n\ntwo\nto the end\n");
	ATF_CHECK_EQ(msg.parts[0].nchild, 2);
	ATF_CHECK_STREQ(body(0),
	    "((\"TEXT\" \"PLAIN\" (\"CHARSET\" \"US-ASCII\") NIL NIL \"7BIT\" 3 1)"
	    "(\"TEXT\" \"PLAIN\" (\"CHARSET\" \"US-ASCII\") NIL NIL \"7BIT\" 17 2)"
	    " \"MIXED\")");
	mime_free(&msg);
}

ATF_TC_WITHOUT_HEAD(missing_boundary);
ATF_TC_BODY(missing_boundary, tc)
{
	/* No usable boundary: one text/plain part, as other servers do. */
	parse("Content-Type: multipart/mixed\n\n--b\n\nx\n");
	ATF_CHECK_EQ(msg.nparts, 1);
	ATF_CHECK(msg.parts[0].flags & MIME_PF_DEFAULT);
	ATF_CHECK_STREQ(body(0),
	    "(\"TEXT\" \"PLAIN\" (\"CHARSET\" \"US-ASCII\") NIL NIL \"7BIT\" 10 3)");
	mime_free(&msg);

	parse("Content-Type: multipart/mixed; boundary=\"\"\n\nx\n");
	ATF_CHECK(msg.parts[0].flags & MIME_PF_DEFAULT);
	mime_free(&msg);

	/* A type that does not parse is text/plain too (RFC 2045 5.2). */
	parse("Content-Type: garbage\n\nx\n");
	ATF_CHECK_STREQ(body(0),
	    "(\"TEXT\" \"PLAIN\" (\"CHARSET\" \"US-ASCII\") NIL NIL \"7BIT\" 3 1)");
	mime_free(&msg);
}

ATF_TC_WITHOUT_HEAD(no_parts);
ATF_TC_BODY(no_parts, tc)
{
	/* A boundary that never comes: one empty part keeps the grammar. */
	parse("Content-Type: multipart/mixed; boundary=b\n\njust text\n");
	ATF_CHECK_EQ(msg.parts[0].nchild, 1);
	ATF_CHECK(msg.parts[0].child->flags & MIME_PF_SYNTH);
	ATF_CHECK_STREQ(body(0),
	    "((\"TEXT\" \"PLAIN\" (\"CHARSET\" \"US-ASCII\") NIL NIL \"7BIT\" 0 0)"
	    " \"MIXED\")");
	mime_free(&msg);
}

ATF_TC_WITHOUT_HEAD(outer_closes_inner);
ATF_TC_BODY(outer_closes_inner, tc)
{
	parse("Content-Type: multipart/mixed; boundary=out\n\n"
	    "--out\n"
	    "Content-Type: multipart/alternative; boundary=in\n\n"
	    "--in\n\nin one\n"
	    "--out\n\nouter two\n"
	    "--in\n\nnot a part\n"
	    "--out--\n");
	ATF_CHECK_EQ(msg.parts[0].nchild, 2);
	ATF_CHECK_STREQ(body(0),
	    "(((\"TEXT\" \"PLAIN\" (\"CHARSET\" \"US-ASCII\") NIL NIL \"7BIT\" 6 1)"
	    " \"ALTERNATIVE\")"
	    "(\"TEXT\" \"PLAIN\" (\"CHARSET\" \"US-ASCII\") NIL NIL \"7BIT\" 29 4)"
	    " \"MIXED\")");
	mime_free(&msg);
}

ATF_TC_WITHOUT_HEAD(duplicate_boundary);
ATF_TC_BODY(duplicate_boundary, tc)
{
	/* The inner part owns a repeated boundary until it closes. */
	parse("Content-Type: multipart/mixed; boundary=b\n\n"
	    "--b\n"
	    "Content-Type: multipart/mixed; boundary=b\n\n"
	    "--b\n\ninner one\n"
	    "--b\n\ninner two\n"
	    "--b--\n"
	    "--b\n\nouter two\n"
	    "--b--\n");
	ATF_CHECK_STREQ(body(0),
	    "(((\"TEXT\" \"PLAIN\" (\"CHARSET\" \"US-ASCII\") NIL NIL \"7BIT\" 9 1)"
	    "(\"TEXT\" \"PLAIN\" (\"CHARSET\" \"US-ASCII\") NIL NIL \"7BIT\" 9 1)"
	    " \"MIXED\")"
	    "(\"TEXT\" \"PLAIN\" (\"CHARSET\" \"US-ASCII\") NIL NIL \"7BIT\" 9 1)"
	    " \"MIXED\")");
	mime_free(&msg);
}

ATF_TC_WITHOUT_HEAD(boundary_ends_header);
ATF_TC_BODY(boundary_ends_header, tc)
{
	const struct mime_part	*p;

	/*
	 * A part whose header runs into the next delimiter; and one whose
	 * blank line is the delimiter's CRLF (RFC 2046: it belongs to the
	 * boundary, so the header has no blank line and no body).
	 */
	parse("Content-Type: multipart/mixed; boundary=b\n\n"
	    "--b\n"
	    "Content-Type: text/plain\n"
	    "--b\n"
	    "Content-Type: text/html\n"
	    "\n"
	    "--b--\n");
	ATF_REQUIRE_EQ(msg.parts[0].nchild, 2);
	p = msg.parts[0].child;
	ATF_CHECK(!(p->flags & MIME_PF_SEP));
	ATF_CHECK_EQ(mime_hdr_size(p), 24);
	ATF_CHECK_EQ(mime_body_size(p), 0);
	p = p->next;
	ATF_CHECK(!(p->flags & MIME_PF_SEP));
	ATF_CHECK_EQ(mime_hdr_size(p), 25);
	ATF_CHECK_EQ(mime_body_size(p), 0);
	mime_free(&msg);
}

ATF_TC_WITHOUT_HEAD(digest);
ATF_TC_BODY(digest, tc)
{
	parse("Content-Type: multipart/digest; boundary=d\n\n"
	    "--d\n\nSubject: one\n\nfirst\n"
	    "--d\nContent-Type: text/plain\n\nplain\n"
	    "--d--\n");
	ATF_CHECK_STREQ(body(0),
	    "((\"MESSAGE\" \"RFC822\" NIL NIL NIL \"7BIT\" 21"
	    " (NIL \"one\" NIL NIL NIL NIL NIL NIL NIL NIL)"
	    " (\"TEXT\" \"PLAIN\" (\"CHARSET\" \"US-ASCII\") NIL NIL \"7BIT\" 5 1)"
	    " 3)"
	    "(\"TEXT\" \"PLAIN\" (\"CHARSET\" \"US-ASCII\") NIL NIL \"7BIT\" 5 1)"
	    " \"DIGEST\")");
	mime_free(&msg);
}

ATF_TC_WITHOUT_HEAD(nesting_limit);
ATF_TC_BODY(nesting_limit, tc)
{
	struct buf	 b;
	size_t		 i, maxd = 0;
	const char	*s;

	buf_init(&b);
	for (i = 0; i < 150; i++)
		buf_addf(&b, "Content-Type: multipart/mixed; boundary=b%zu\n\n"
		    "--b%zu\n", i, i);
	buf_addstr(&b, "\ndeepest\n");
	ATF_REQUIRE(mime_parse(&msg, b.data, b.len) == 0);
	for (i = 0; i < msg.nparts; i++)
		if (msg.parts[i].depth > maxd)
			maxd = msg.parts[i].depth;
	ATF_CHECK_EQ(maxd, MIME_DEPTH_MAX);
	s = body(MIME_EXT);
	ATF_CHECK(strstr(s, "\"APPLICATION\" \"OCTET-STREAM\" NIL") != NULL);
	mime_free(&msg);

	/* message/rfc822 inside message/rfc822, 150 deep. */
	buf_reset(&b);
	for (i = 0; i < 150; i++)
		buf_addstr(&b, "Content-Type: message/rfc822\n\n");
	buf_addstr(&b, "Subject: deepest\n\nx\n");
	ATF_REQUIRE(mime_parse(&msg, b.data, b.len) == 0);
	ATF_CHECK_EQ(msg.nparts, MIME_DEPTH_MAX + 1);
	ATF_CHECK(msg.parts[msg.nparts - 1].flags & MIME_PF_TRUNC);
	s = body(MIME_EXT);
	ATF_CHECK(strstr(s, "\"APPLICATION\" \"OCTET-STREAM\" NIL") != NULL);
	mime_free(&msg);
	buf_free(&b);
}

ATF_TC_WITHOUT_HEAD(parts_limit);
ATF_TC_BODY(parts_limit, tc)
{
	struct buf	b;
	size_t		i;

	buf_init(&b);
	buf_addstr(&b, "Content-Type: multipart/mixed; boundary=b\n\n");
	for (i = 0; i < MIME_PARTS_MAX + 50; i++)
		buf_addstr(&b, "--b\n\nx\n");
	buf_addstr(&b, "--b--\n");
	ATF_REQUIRE(mime_parse(&msg, b.data, b.len) == 0);
	ATF_CHECK_EQ(msg.nparts, MIME_PARTS_MAX);
	ATF_CHECK_EQ(msg.parts[msg.nparts - 1].end.raw, b.len);
	mime_free(&msg);
	buf_free(&b);
}

ATF_TC_WITHOUT_HEAD(long_header);
ATF_TC_BODY(long_header, tc)
{
	struct buf	b, v;
	size_t		i;

	buf_init(&b);
	buf_init(&v);
	buf_addstr(&b, "Subject: ");
	for (i = 0; i < 100000; i++)
		buf_addstr(&b, "word \n ");
	buf_addstr(&b, "end\nX-Other: \xe9t\xe9\n\nbody\n");
	ATF_REQUIRE(mime_parse(&msg, b.data, b.len) == 0);
	ATF_CHECK_EQ(mime_hdr_get(&msg, &msg.parts[0], "subject", &v), 1);
	ATF_CHECK_EQ(v.len, MIME_FIELD_MAX);
	ATF_CHECK_EQ(mime_hdr_get(&msg, &msg.parts[0], "X-OTHER", &v), 1);
	ATF_CHECK_STREQ((char *)v.data, "\xe9t\xe9");
	ATF_CHECK_EQ(mime_hdr_get(&msg, &msg.parts[0], "x-none", &v), 0);
	ATF_CHECK_EQ(mime_body_size(&msg.parts[0]), 6);
	mime_free(&msg);
	buf_free(&b);
	buf_free(&v);
}

ATF_TC_WITHOUT_HEAD(header_fields);
ATF_TC_BODY(header_fields, tc)
{
	struct mime_hdr_iter	it;
	struct mime_field	f;
	struct buf		v;
	int			n = 0;

	buf_init(&v);
	parse(" leading continuation\n"
	    "Subject : folded\n\tvalue  \n"
	    "not a field\n"
	    "From: x@y\n\n");
	mime_hdr_iter_init(&it, &msg, &msg.parts[0]);
	ATF_REQUIRE(mime_hdr_next(&it, &f));
	ATF_CHECK_EQ(f.name_len, 0);
	ATF_REQUIRE(mime_hdr_next(&it, &f));
	ATF_CHECK(mime_field_is(&msg, &f, "SUBJECT"));
	ATF_REQUIRE(mime_field_value(&msg, &f, &v) == 0);
	ATF_CHECK_STREQ((char *)v.data, "folded\tvalue");
	ATF_CHECK_EQ(f.end - f.start, 26);
	ATF_REQUIRE(mime_hdr_next(&it, &f));
	ATF_CHECK_EQ(f.name_len, 0);
	ATF_REQUIRE(mime_hdr_next(&it, &f));
	ATF_CHECK(mime_field_is(&msg, &f, "from"));
	while (mime_hdr_next(&it, &f))
		n++;
	ATF_CHECK_EQ(n, 0);
	mime_free(&msg);
	buf_free(&v);
}

ATF_TC_WITHOUT_HEAD(big_message_fast);
ATF_TC_BODY(big_message_fast, tc)
{
	struct buf	b;
	struct timeval	t0, t1;
	double		secs, limit = 1.0;
	size_t		i;

#if defined(__SANITIZE_ADDRESS__)
	limit = 10.0;
#endif
	buf_init(&b);
	buf_addstr(&b, "Subject: big\nContent-Type: multipart/mixed;"
	    " boundary=xyz\n\n--xyz\n\nhello\n--xyz\n"
	    "Content-Type: application/octet-stream\n"
	    "Content-Transfer-Encoding: base64\n\n");
	while (b.len < 50 * 1024 * 1024)
		buf_addstr(&b, "QUJDREVGR0hJSktMTU5PUFFSU1RVVldYWVphYmNkZWZnaGlq"
		    "a2xtbm9wcXJzdHV2d3h5ejAxMjM0\n");
	buf_addstr(&b, "--xyz--\n");
	gettimeofday(&t0, NULL);
	ATF_REQUIRE(mime_parse(&msg, b.data, b.len) == 0);
	gettimeofday(&t1, NULL);
	secs = (t1.tv_sec - t0.tv_sec) + (t1.tv_usec - t0.tv_usec) / 1e6;
	ATF_CHECK_MSG(secs < limit, "50 MB took %.3f s", secs);
	ATF_CHECK_EQ(msg.parts[0].nchild, 2);
	for (i = 0; i < msg.nparts; i++)
		ATF_CHECK(msg.parts[i].end.raw <= b.len);
	mime_free(&msg);
	buf_free(&b);
}

/*
 * mime_parse_header() finds the header where mime_parse() does, with
 * the same marks, and an ENVELOPE from it is the same.
 */
ATF_TC_WITHOUT_HEAD(header_only);
ATF_TC_BODY(header_only, tc)
{
	static const char	*cases[] = {
		"Subject: hi\n\nbody\n",
		"Subject: hi\r\nFrom: a@b\r\n\r\nbody\r\n",
		"\nall body\n",
		"\r\nall body\n",
		"",
		"no blank line at all",
		"Subject: x\nTo: y@z\n",
		"Subject: folded\n line\n\t again\nFrom: \"Q\" <q@r>\n\n",
		"Content-Type: multipart/mixed; boundary=b\n--b\n\n--b--\n",
		"Subject: cr\r alone\n \r\n\nbody",
		"From: a@b\n\r\n"
	};
	struct mime_msg		 h;
	struct buf		 e1, e2;
	size_t			 i;
	int			 complete;

	buf_init(&e1);
	buf_init(&e2);
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		parse(cases[i]);
		ATF_REQUIRE(mime_parse_header(&h, cases[i], strlen(cases[i]),
		    &complete) == 0);
		ATF_REQUIRE_EQ(h.nparts, 1);
		ATF_CHECK_EQ_MSG(h.parts[0].body.raw, msg.parts[0].body.raw,
		    "case %zu", i);
		ATF_CHECK_EQ_MSG(h.parts[0].body.crlf, msg.parts[0].body.crlf,
		    "case %zu", i);
		ATF_CHECK_EQ_MSG(h.parts[0].body.lines,
		    msg.parts[0].body.lines, "case %zu", i);
		ATF_CHECK_EQ_MSG(h.parts[0].hdr.raw, 0, "case %zu", i);
		ATF_CHECK_EQ_MSG(complete,
		    (msg.parts[0].flags & MIME_PF_SEP) != 0, "case %zu", i);
		ATF_CHECK_EQ_MSG(h.size, h.parts[0].body.crlf, "case %zu", i);
		buf_reset(&e1);
		buf_reset(&e2);
		ATF_REQUIRE(mime_envelope(&e1, &msg, &msg.parts[0], 0) == 0);
		ATF_REQUIRE(mime_envelope(&e2, &h, &h.parts[0], 0) == 0);
		ATF_REQUIRE(buf_add(&e1, "", 0) == 0);
		ATF_REQUIRE(buf_add(&e2, "", 0) == 0);
		ATF_CHECK_STREQ_MSG((char *)e1.data, (char *)e2.data,
		    "case %zu", i);
		mime_free(&h);
		mime_free(&msg);
	}
	/* A header cut short by the caller's read: not complete. */
	ATF_REQUIRE(mime_parse_header(&h, "Subject: a\nFrom: b", 19,
	    &complete) == 0);
	ATF_CHECK(!complete);
	ATF_CHECK_EQ(h.parts[0].body.raw, 19);
	mime_free(&h);
	buf_free(&e1);
	buf_free(&e2);
}

ATF_TP_ADD_TCS(tp)
{
	ATF_TP_ADD_TC(tp, simple_sizes);
	ATF_TP_ADD_TC(tp, empty_message);
	ATF_TP_ADD_TC(tp, no_separator);
	ATF_TP_ADD_TC(tp, empty_header);
	ATF_TP_ADD_TC(tp, bare_cr);
	ATF_TP_ADD_TC(tp, no_trailing_newline);
	ATF_TP_ADD_TC(tp, alternative);
	ATF_TP_ADD_TC(tp, crlf_same_as_lf);
	ATF_TP_ADD_TC(tp, missing_close);
	ATF_TP_ADD_TC(tp, missing_boundary);
	ATF_TP_ADD_TC(tp, no_parts);
	ATF_TP_ADD_TC(tp, outer_closes_inner);
	ATF_TP_ADD_TC(tp, duplicate_boundary);
	ATF_TP_ADD_TC(tp, boundary_ends_header);
	ATF_TP_ADD_TC(tp, digest);
	ATF_TP_ADD_TC(tp, nesting_limit);
	ATF_TP_ADD_TC(tp, parts_limit);
	ATF_TP_ADD_TC(tp, long_header);
	ATF_TP_ADD_TC(tp, header_fields);
	ATF_TP_ADD_TC(tp, big_message_fast);
	ATF_TP_ADD_TC(tp, header_only);
	return atf_no_error();
}
