/*
 * Unit tests for the IMAP command reader and the grammar of every
 * command but SEARCH and FETCH (worker/imap/imap_parse.c,
 * imap_command.c, imap_lex.c): tags, atoms, quoted strings, literals
 * (synchronizing, non-synchronizing, LITERAL- over 4096, too large,
 * zero-length, in every astring position), APPEND with its message
 * limit, literal8 and an external reader, the limits, and how the
 * reader skips the rest of a refused command.  A small driver plays
 * a client's byte stream into the parser the way the session will.
 * Run by Kyua from regress/unit.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <atf-c.h>

#include "imap_parse.h"

struct run {
	int		 ndone;
	int		 nerr;
	int		 ncont;		/* continuations to send */
	int		 bye;
	struct imap_cmd	*cmd;		/* the last one completed */
	char		 err[1024];	/* responses, "|" between */
	size_t		 left;		/* input never consumed */
};

static struct imap_parser *newp(int);
static void	feed(struct imap_parser *, const char *, size_t,
		    struct run *);
static void	run_free(struct run *);
static struct imap_cmd *ok(struct imap_parser *, const char *, size_t,
		    struct run *);
static void	bad(struct imap_parser *, const char *, size_t, const char *);

#define FEED(p, s, r)	feed((p), (s), sizeof(s) - 1, (r))

static struct imap_parser *
newp(int flags)
{
	struct imap_parser	*p;

	p = imap_parser_new(NULL, flags);
	ATF_REQUIRE(p != NULL);
	return p;
}

static void
run_free(struct run *r)
{
	imap_cmd_free(r->cmd);
	memset(r, 0, sizeof(*r));
}

/*
 * Play a client: lines up to CRLF, and a literal's octets (in small
 * pieces) when the parser asks for them.  Stops when the input ends
 * or the parser says BYE.
 */
static void
feed(struct imap_parser *p, const char *in, size_t len, struct run *r)
{
	struct imap_cmd	*cmd;
	const char	*nl;
	char		 line[512];
	size_t		 pos = 0, n;
	int		 want, st;

	run_free(r);
	want = imap_parser_want(p);
	for (;;) {
		if (want == IMAP_PARSE_LINE) {
			nl = memmem(in + pos, len - pos, "\r\n", 2);
			if (nl == NULL)
				break;
			n = nl - (in + pos);
			st = imap_parser_line(p, in + pos, n, &cmd);
			pos += n + 2;
		} else {
			if (imap_parser_literal_sync(p))
				r->ncont++;
			n = imap_parser_literal_left(p);
			if (n > 7)
				n = 7;
			if (n > len - pos)
				break;
			st = imap_parser_literal(p, in + pos, n, &cmd);
			pos += n;
		}
		switch (st) {
		case IMAP_PARSE_DONE:
			ATF_REQUIRE(cmd != NULL);
			r->ndone++;
			imap_cmd_free(r->cmd);
			r->cmd = cmd;
			want = IMAP_PARSE_LINE;
			break;
		case IMAP_PARSE_ERROR:
			r->nerr++;
			ATF_REQUIRE(imap_parser_error_line(p, line,
			    sizeof(line)) == 0);
			if (r->err[0] != '\0')
				(void)strlcat(r->err, "|", sizeof(r->err));
			(void)strlcat(r->err, line, sizeof(r->err));
			if (imap_parser_error(p)->kind == IMAP_RESP_BYE) {
				r->bye = 1;
				goto out;
			}
			want = imap_parser_want(p);
			break;
		case IMAP_PARSE_LINE:
		case IMAP_PARSE_LITERAL:
			want = st;
			break;
		default:
			atf_tc_fail("parser returned %d", st);
		}
	}
 out:
	r->left = len - pos;
}

/* One command that must parse; returns it (freed with the run). */
static struct imap_cmd *
ok(struct imap_parser *p, const char *s, size_t len, struct run *r)
{
	feed(p, s, len, r);
	ATF_REQUIRE_MSG(r->ndone == 1 && r->nerr == 0,
	    "'%.60s': done %d, errors %d: %s", s, r->ndone, r->nerr, r->err);
	return r->cmd;
}

#define OK(p, s, r)	ok((p), (s), sizeof(s) - 1, (r))

/* One command that must be refused with the response `want'. */
static void
bad(struct imap_parser *p, const char *s, size_t len, const char *want)
{
	struct run	r = { 0 };

	feed(p, s, len, &r);
	ATF_CHECK_MSG(r.ndone == 0 && r.nerr == 1,
	    "'%.60s': done %d, errors %d: %s", s, r.ndone, r.nerr, r.err);
	if (want != NULL)
		ATF_CHECK_MSG(strncmp(r.err, want, strlen(want)) == 0,
		    "'%.60s': got '%s', want '%s...'", s, r.err, want);
	run_free(&r);
}

#define BAD(p, s, w)	bad((p), (s), sizeof(s) - 1, (w))

ATF_TC_WITHOUT_HEAD(simple_commands);
ATF_TC_BODY(simple_commands, tc)
{
	static const struct {
		const char		*line;
		enum imap_cmd_id	 id;
	} t[] = {
		{ "a CAPABILITY\r\n", IMAP_CMD_CAPABILITY },
		{ "a noop\r\n", IMAP_CMD_NOOP },
		{ "a LogOut\r\n", IMAP_CMD_LOGOUT },
		{ "a STARTTLS\r\n", IMAP_CMD_STARTTLS },
		{ "a NAMESPACE\r\n", IMAP_CMD_NAMESPACE },
		{ "a IDLE\r\n", IMAP_CMD_IDLE },
		{ "a CHECK\r\n", IMAP_CMD_CHECK },
		{ "a CLOSE\r\n", IMAP_CMD_CLOSE },
		{ "a UNSELECT\r\n", IMAP_CMD_UNSELECT },
		{ "a EXPUNGE\r\n", IMAP_CMD_EXPUNGE },
	};
	struct imap_parser	*p = newp(0);
	struct imap_cmd		*c;
	struct run		 r = { 0 };
	size_t			 i;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		c = ok(p, t[i].line, strlen(t[i].line), &r);
		ATF_CHECK_EQ_MSG(c->id, t[i].id, "%s", t[i].line);
		ATF_CHECK_STREQ(c->tag, "a");
		ATF_CHECK_EQ(c->uid, 0);
	}
	BAD(p, "a NOOP x\r\n", "a BAD Too many arguments");
	BAD(p, "a NOOP \r\n", "a BAD Too many arguments");
	BAD(p, "a CAPABILITY(\r\n", "a BAD Unexpected characters");
	BAD(p, "a FROB\r\n", "a BAD Unknown command");
	BAD(p, "a XFROB foo\r\n", "a BAD Unknown command");
	BAD(p, "a UID NOOP\r\n", "a BAD NOOP cannot follow UID");
	BAD(p, "a UID\r\n", "a BAD ");
	BAD(p, "a UID FROB 1\r\n", "a BAD Unknown UID command");
	BAD(p, "a EXPUNGE 1\r\n", "a BAD Too many arguments");
	run_free(&r);
	imap_parser_free(p);
}

ATF_TC_WITHOUT_HEAD(tags);
ATF_TC_BODY(tags, tc)
{
	struct imap_parser	*p = newp(0);
	struct imap_cmd		*c;
	struct run		 r = { 0 };
	char			 line[300];

	c = OK(p, "A0001 NOOP\r\n", &r);
	ATF_CHECK_STREQ(c->tag, "A0001");
	/* ASTRING-CHAR: "]" is fine in a tag, "+" is not. */
	c = OK(p, "x]y.z-1 NOOP\r\n", &r);
	ATF_CHECK_STREQ(c->tag, "x]y.z-1");
	BAD(p, "A+1 NOOP\r\n", "* BAD Missing or invalid tag");
	BAD(p, "+ NOOP\r\n", "* BAD Missing or invalid tag");
	BAD(p, "* NOOP\r\n", "* BAD Missing or invalid tag");
	BAD(p, "a*b NOOP\r\n", "* BAD Missing or invalid tag");
	BAD(p, "a%b NOOP\r\n", "* BAD Missing or invalid tag");
	BAD(p, "\"a\" NOOP\r\n", "* BAD Missing or invalid tag");
	BAD(p, "(a) NOOP\r\n", "* BAD Missing or invalid tag");
	BAD(p, " NOOP\r\n", "* BAD Missing or invalid tag");
	BAD(p, "\r\n", "* BAD Empty command line");
	BAD(p, "a\tNOOP\r\n", "* BAD Missing or invalid tag");
	BAD(p, "a\r\n", "a BAD Missing command");
	BAD(p, "a \r\n", "a BAD Missing command");
	BAD(p, "a  NOOP\r\n", "a BAD Missing command");
	BAD(p, "a (NOOP)\r\n", "a BAD Missing command");
	/* A tag over IMAP_TAG_MAX cannot be echoed. */
	memset(line, 'T', 200);
	memcpy(line + 200, " NOOP\r\n", 8);
	bad(p, line, strlen(line), "* BAD Missing or invalid tag");
	/* After all that the parser is still in step. */
	c = OK(p, "b NOOP\r\n", &r);
	ATF_CHECK_STREQ(c->tag, "b");
	run_free(&r);
	imap_parser_free(p);
}

ATF_TC_WITHOUT_HEAD(login_strings);
ATF_TC_BODY(login_strings, tc)
{
	struct imap_parser	*p = newp(0);
	struct imap_cmd		*c;
	struct run		 r = { 0 };

	c = OK(p, "a LOGIN alice s3cr]t\r\n", &r);
	ATF_CHECK_EQ(c->id, IMAP_CMD_LOGIN);
	ATF_CHECK_STREQ(c->u.login.user, "alice");
	ATF_CHECK_STREQ(c->u.login.pass, "s3cr]t");
	c = OK(p, "a LOGIN \"al ice\" \"pa\\\"ss\\\\word\"\r\n", &r);
	ATF_CHECK_STREQ(c->u.login.user, "al ice");
	ATF_CHECK_STREQ(c->u.login.pass, "pa\"ss\\word");
	c = OK(p, "a LOGIN \"\" \"\"\r\n", &r);
	ATF_CHECK_STREQ(c->u.login.user, "");
	/* Control characters but CR, LF and NUL are TEXT-CHAR. */
	c = OK(p, "a LOGIN \"a\tb\" x\r\n", &r);
	ATF_CHECK_STREQ(c->u.login.user, "a\tb");

	BAD(p, "a LOGIN\r\n", "a BAD Missing argument");
	BAD(p, "a LOGIN alice\r\n", "a BAD Missing argument");
	BAD(p, "a LOGIN alice \r\n", "a BAD Missing argument");
	BAD(p, "a LOGIN alice pw x\r\n", "a BAD Too many arguments");
	BAD(p, "a LOGIN alice  pw\r\n", "a BAD ");
	BAD(p, "a LOGIN \"alice pw\r\n", "a BAD Unterminated quoted string");
	BAD(p, "a LOGIN \"alice\\\r\n", "a BAD Unterminated quoted string");
	BAD(p, "a LOGIN \"a\\lice\" pw\r\n", "a BAD Invalid escape");
	BAD(p, "a LOGIN al(ice pw\r\n", "a BAD ");
	BAD(p, "a LOGIN al%ice pw\r\n", "a BAD ");
	BAD(p, "a LOGIN al*ice pw\r\n", "a BAD ");
	BAD(p, "a LOGIN alice p\"w\r\n", "a BAD ");
	BAD(p, "a LOGIN alice p{w\r\n", "a BAD ");
	BAD(p, "a LOGIN alice p\\w\r\n", "a BAD ");
	BAD(p, "a LOGIN alice p\x7fw\r\n", "a BAD ");
	BAD(p, "a LOGIN al\0ice pw\r\n", "a BAD ");
	BAD(p, "a LOGIN \"al\0ice\" pw\r\n", "a BAD NUL in quoted");
	/* 8-bit: only in literals, or quoted once UTF-8 is on. */
	BAD(p, "a LOGIN \"j\xc3\xb6rg\" pw\r\n", "a BAD 8-bit");
	BAD(p, "a LOGIN j\xc3\xb6rg pw\r\n", "a BAD 8-bit");
	imap_parser_set_flags(p, IMAP_PF_UTF8);
	ATF_CHECK_EQ(imap_parser_flags(p), IMAP_PF_UTF8);
	c = OK(p, "a LOGIN \"j\xc3\xb6rg\" pw\r\n", &r);
	ATF_CHECK_STREQ(c->u.login.user, "j\xc3\xb6rg");
	BAD(p, "a LOGIN \"j\xc3rg\" pw\r\n", "a BAD Invalid UTF-8");
	BAD(p, "a LOGIN \"\xed\xa0\x80\" pw\r\n", "a BAD Invalid UTF-8");
	BAD(p, "a LOGIN j\xc3\xb6rg pw\r\n", "a BAD 8-bit");
	run_free(&r);
	imap_parser_free(p);
}

ATF_TC_WITHOUT_HEAD(literal_sync);
ATF_TC_BODY(literal_sync, tc)
{
	struct imap_parser	*p = newp(0);
	struct imap_cmd		*c;
	struct run		 r = { 0 };

	/* RFC 7888 section 3's example, synchronizing. */
	c = OK(p, "A001 LOGIN {11}\r\nFRED FOOBAR {7}\r\nfat man\r\n", &r);
	ATF_CHECK_EQ(r.ncont, 2);
	ATF_CHECK_STREQ(c->u.login.user, "FRED FOOBAR");
	ATF_CHECK_STREQ(c->u.login.pass, "fat man");
	/* Literal octets are anything but NUL: CRLF, quotes, 8-bit. */
	c = OK(p, "a LOGIN {6}\r\na\r\n\"\xff\x01 pw\r\n", &r);
	ATF_CHECK_STREQ(c->u.login.user, "a\r\n\"\xff\x01");
	BAD(p, "a LOGIN {3}\r\na\0b pw\r\n", "a BAD NUL in literal");
	/* The literal must end the line. */
	BAD(p, "a LOGIN {3} pw\r\n", "a BAD A literal must end the line");
	BAD(p, "a LOGIN {3x}\r\n", "a BAD ");
	BAD(p, "a LOGIN {}\r\n", "a BAD ");
	BAD(p, "a LOGIN x{3}\r\n", "a BAD ");
	/* Nothing may follow the command's last literal but its line. */
	BAD(p, "a LOGIN u {2}\r\npwx\r\n", "a BAD ");
	run_free(&r);
	imap_parser_free(p);
}

ATF_TC_WITHOUT_HEAD(literal_nonsync);
ATF_TC_BODY(literal_nonsync, tc)
{
	struct imap_parser	*p = newp(0);
	struct imap_cmd		*c;
	struct run		 r = { 0 };

	c = OK(p, "A001 LOGIN {11+}\r\nFRED FOOBAR {7+}\r\nfat man\r\n",
	    &r);
	ATF_CHECK_EQ(r.ncont, 0);
	ATF_CHECK_STREQ(c->u.login.user, "FRED FOOBAR");
	ATF_CHECK_STREQ(c->u.login.pass, "fat man");
	/* Mixed. */
	c = OK(p, "a LOGIN {1+}\r\nx {1}\r\ny\r\n", &r);
	ATF_CHECK_EQ(r.ncont, 1);
	ATF_CHECK_STREQ(c->u.login.pass, "y");
	run_free(&r);
	imap_parser_free(p);
}

ATF_TC_WITHOUT_HEAD(literal_zero);
ATF_TC_BODY(literal_zero, tc)
{
	struct imap_parser	*p = newp(0);
	struct imap_cmd		*c, *c2;
	struct run		 r = { 0 };
	int			 st;

	/* {0} still needs a continuation (RFC 9051 4.3). */
	c = OK(p, "a LOGIN {0}\r\n {0+}\r\n\r\n", &r);
	ATF_CHECK_EQ(r.ncont, 1);
	ATF_CHECK_STREQ(c->u.login.user, "");
	ATF_CHECK_STREQ(c->u.login.pass, "");

	/* By hand: {0+} wants the next line at once. */
	st = imap_parser_line(p, "b LOGIN {0+}", 12, &c2);
	ATF_CHECK_EQ(st, IMAP_PARSE_LINE);
	st = imap_parser_line(p, " {0}", 4, &c2);
	ATF_CHECK_EQ(st, IMAP_PARSE_LITERAL);
	ATF_CHECK_EQ(imap_parser_literal_left(p), 0);
	ATF_CHECK_EQ(imap_parser_literal_sync(p), 1);
	ATF_CHECK_EQ(imap_parser_literal_role(p), IMAP_LIT_STRING);
	st = imap_parser_literal(p, "", 0, &c2);
	ATF_CHECK_EQ(st, IMAP_PARSE_LINE);
	ATF_CHECK_EQ(imap_parser_literal_sync(p), 0);
	st = imap_parser_line(p, "", 0, &c2);
	ATF_REQUIRE_EQ(st, IMAP_PARSE_DONE);
	ATF_CHECK_STREQ(c2->tag, "b");
	imap_cmd_free(c2);
	run_free(&r);
	imap_parser_free(p);
}

ATF_TC_WITHOUT_HEAD(literal_minus);
ATF_TC_BODY(literal_minus, tc)
{
	struct imap_parser	*p = newp(0);
	struct imap_cmd		*c;
	struct run		 r = { 0 };
	char			*in;
	size_t			 n;

	/* 4096 non-synchronizing octets are fine under LITERAL-. */
	in = malloc(8192);
	ATF_REQUIRE(in != NULL);
	n = snprintf(in, 8192, "a LOGIN {4096+}\r\n");
	memset(in + n, 'x', 4096);
	n += 4096;
	n += snprintf(in + n, 8192 - n, " pw\r\n");
	c = ok(p, in, n, &r);
	ATF_CHECK_EQ(strlen(c->u.login.user), 4096);

	/* 4097 are a BAD [TOOBIG]; the octets are skipped. */
	n = snprintf(in, 8192, "a LOGIN {4097+}\r\n");
	memset(in + n, 'x', 4097);
	n += 4097;
	n += snprintf(in + n, 8192 - n, " pw\r\nb NOOP\r\n");
	feed(p, in, n, &r);
	ATF_CHECK_EQ(r.nerr, 1);
	ATF_CHECK_STREQ(r.err, "a BAD [TOOBIG] Non-synchronizing literal "
	    "over 4096 octets");
	ATF_REQUIRE_EQ(r.ndone, 1);
	ATF_CHECK_STREQ(r.cmd->tag, "b");
	ATF_CHECK_EQ(r.left, 0);

	/* The same sent synchronizing is accepted. */
	n = snprintf(in, 8192, "a LOGIN {4097}\r\n");
	memset(in + n, 'x', 4097);
	n += 4097;
	n += snprintf(in + n, 8192 - n, " pw\r\n");
	c = ok(p, in, n, &r);
	ATF_CHECK_EQ(r.ncont, 1);

	/* And non-synchronizing too under LITERAL+. */
	imap_parser_set_flags(p, IMAP_PF_LITERAL_PLUS);
	n = snprintf(in, 8192, "a LOGIN {4097+}\r\n");
	memset(in + n, 'x', 4097);
	n += 4097;
	n += snprintf(in + n, 8192 - n, " pw\r\n");
	c = ok(p, in, n, &r);
	ATF_CHECK_EQ(r.ncont, 0);
	free(in);
	run_free(&r);
	imap_parser_free(p);
}

ATF_TC_WITHOUT_HEAD(literal_toobig);
ATF_TC_BODY(literal_toobig, tc)
{
	struct imap_limits	 lim;
	struct imap_parser	*p;
	struct imap_cmd		*c;
	struct run		 r = { 0 };

	imap_limits_default(&lim);
	lim.literal_max = 100;
	lim.discard_max = 1000;
	p = imap_parser_new(&lim, IMAP_PF_LITERAL_PLUS);
	ATF_REQUIRE(p != NULL);

	/* Synchronizing: refused before the client sends it. */
	FEED(p, "a LOGIN {101}\r\nb NOOP\r\n", &r);
	ATF_CHECK_EQ(r.ncont, 0);
	ATF_CHECK_STREQ(r.err, "a BAD [TOOBIG] Literal too large");
	ATF_REQUIRE_EQ(r.ndone, 1);
	ATF_CHECK_STREQ(r.cmd->tag, "b");

	/* Non-synchronizing: refused, then read and dropped. */
	FEED(p, "a LOGIN {200+}\r\n"
	    "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
	    "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
	    "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
	    "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
	    " pw\r\nb NOOP\r\n", &r);
	ATF_CHECK_STREQ(r.err, "a BAD [TOOBIG] Literal too large");
	ATF_REQUIRE_EQ(r.ndone, 1);
	ATF_CHECK_STREQ(r.cmd->tag, "b");

	/* Too large even to drop: BYE. */
	FEED(p, "a LOGIN {5000+}\r\n", &r);
	ATF_CHECK_EQ(r.bye, 1);
	ATF_CHECK_STREQ(r.err, "* BYE [TOOBIG] Literal too large");
	imap_parser_reset(p);
	/* Absurd sizes are just too large. */
	FEED(p, "a LOGIN {99999999999999999999999}\r\nb NOOP\r\n", &r);
	ATF_CHECK_STREQ(r.err, "a BAD Literal size out of range");
	ATF_CHECK_EQ(r.ndone, 1);
	FEED(p, "a LOGIN {9223372036854775807}\r\nb NOOP\r\n", &r);
	ATF_CHECK_STREQ(r.err, "a BAD [TOOBIG] Literal too large");

	/* cmd_max counts every literal of the command. */
	lim.cmd_max = 150;
	imap_parser_free(p);
	p = imap_parser_new(&lim, 0);
	ATF_REQUIRE(p != NULL);
	c = OK(p, "a LOGIN {50}\r\n"
	    "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx {50}\r\n"
	    "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx\r\n", &r);
	ATF_CHECK_EQ(c->id, IMAP_CMD_LOGIN);
	FEED(p, "a LOGIN {70}\r\n"
	    "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
	    "xxxxxxxxxxxxxxxxxxxx {70}\r\n", &r);
	ATF_CHECK_EQ(r.ncont, 1);
	ATF_CHECK_STREQ(r.err, "a BAD [TOOBIG] Literal too large");
	run_free(&r);
	imap_parser_free(p);
}

ATF_TC_WITHOUT_HEAD(literal_every_astring);
ATF_TC_BODY(literal_every_astring, tc)
{
	struct imap_parser	*p = newp(0);
	struct imap_cmd		*c;
	struct run		 r = { 0 };

	c = OK(p, "a SELECT {5}\r\nIN BX\r\n", &r);
	ATF_CHECK_STREQ(c->u.select.mailbox, "IN BX");
	c = OK(p, "a EXAMINE {1+}\r\nx (CONDSTORE)\r\n", &r);
	ATF_CHECK_STREQ(c->u.select.mailbox, "x");
	ATF_CHECK_EQ(c->u.select.condstore, 1);
	c = OK(p, "a CREATE {3}\r\na b\r\n", &r);
	ATF_CHECK_STREQ(c->u.create.mailbox, "a b");
	c = OK(p, "a DELETE {3}\r\na b\r\n", &r);
	ATF_CHECK_STREQ(c->u.mbox.mailbox, "a b");
	c = OK(p, "a RENAME {3}\r\na b {3}\r\nc d\r\n", &r);
	ATF_CHECK_STREQ(c->u.rename.from, "a b");
	ATF_CHECK_STREQ(c->u.rename.to, "c d");
	c = OK(p, "a SUBSCRIBE {1}\r\n%\r\n", &r);
	ATF_CHECK_STREQ(c->u.mbox.mailbox, "%");
	c = OK(p, "a UNSUBSCRIBE {1}\r\n*\r\n", &r);
	ATF_CHECK_STREQ(c->u.mbox.mailbox, "*");
	c = OK(p, "a LIST {0}\r\n {3}\r\n% *\r\n", &r);
	ATF_CHECK_STREQ(c->u.list.ref, "");
	ATF_CHECK_STREQ(c->u.list.patterns[0], "% *");
	c = OK(p, "a LSUB {1}\r\n. {1}\r\n%\r\n", &r);
	ATF_CHECK_STREQ(c->u.list.ref, ".");
	c = OK(p, "a STATUS {2}\r\n() (MESSAGES)\r\n", &r);
	ATF_CHECK_STREQ(c->u.status.mailbox, "()");
	c = OK(p, "a COPY 1 {4}\r\nT\r\nX\r\n", &r);
	ATF_CHECK_STREQ(c->u.copy.mailbox, "T\r\nX");
	c = OK(p, "a UID MOVE 1:* {1}\r\n\"\r\n", &r);
	ATF_CHECK_STREQ(c->u.copy.mailbox, "\"");
	c = OK(p, "a APPEND {5}\r\nINBOX {3}\r\nabc\r\n", &r);
	ATF_CHECK_STREQ(c->u.append.mailbox, "INBOX");
	c = OK(p, "a ID ({4}\r\nname {2}\r\nxy)\r\n", &r);
	ATF_CHECK_STREQ(c->u.id.field[0], "name");
	ATF_CHECK_STREQ(c->u.id.value[0], "xy");
	c = OK(p, "a SEARCH CHARSET {5}\r\nUTF-8 HEADER {4}\r\nX-Ab "
	    "{3}\r\nc d\r\n", &r);
	ATF_CHECK_STREQ(c->u.search.charset, "UTF-8");
	c = OK(p, "a FETCH 1 BODY[HEADER.FIELDS ({4}\r\nFrom)]\r\n", &r);
	ATF_CHECK_EQ(r.ncont, 1);
	/* A literal where the grammar wants no string. */
	BAD(p, "a FETCH {1}\r\n", "a BAD ");
	BAD(p, "a STORE 1 FLAGS {1}\r\n", "a BAD ");
	BAD(p, "a NOOP {1}\r\n", "a BAD ");
	BAD(p, "a AUTHENTICATE {5}\r\n", "a BAD ");
	BAD(p, "a ENABLE {5}\r\n", "a BAD ");
	run_free(&r);
	imap_parser_free(p);
}

ATF_TC_WITHOUT_HEAD(append);
ATF_TC_BODY(append, tc)
{
	struct imap_parser	*p = newp(0);
	struct imap_cmd		*c;
	struct run		 r = { 0 };

	c = OK(p, "a APPEND saved-messages (\\Seen $Forwarded \\X-Mine) "
	    "\" 7-Feb-1994 21:52:25 -0800\" {12}\r\nHello\r\nthere\r\n", &r);
	ATF_CHECK_EQ(c->id, IMAP_CMD_APPEND);
	ATF_CHECK_EQ(r.ncont, 1);
	ATF_CHECK_STREQ(c->u.append.mailbox, "saved-messages");
	ATF_CHECK_EQ(c->u.append.flags.system, IMAP_FLAG_SEEN);
	ATF_REQUIRE_EQ(c->u.append.flags.nkeywords, 1);
	ATF_CHECK_STREQ(c->u.append.flags.keywords[0], "$Forwarded");
	ATF_REQUIRE_EQ(c->u.append.flags.next, 1);
	ATF_CHECK_STREQ(c->u.append.flags.ext[0], "\\X-Mine");
	ATF_CHECK_EQ(c->u.append.has_date, 1);
	ATF_CHECK_EQ(c->u.append.date, 760686745);
	ATF_CHECK_EQ(c->u.append.zone, -480);
	ATF_CHECK_EQ(c->u.append.size, 12);
	ATF_REQUIRE(c->u.append.data != NULL);
	ATF_CHECK(memcmp(c->u.append.data, "Hello\r\nthere", 12) == 0);
	ATF_CHECK_EQ(c->u.append.binary, 0);
	ATF_CHECK_EQ(c->u.append.external, 0);

	c = OK(p, "a APPEND INBOX {0+}\r\n\r\n", &r);
	ATF_CHECK_EQ(c->u.append.size, 0);
	ATF_CHECK_EQ(c->u.append.has_date, 0);
	c = OK(p, "a APPEND INBOX () {1}\r\nx\r\n", &r);
	ATF_CHECK_EQ(c->u.append.flags.system, 0);

	BAD(p, "a APPEND INBOX\r\n", "a BAD Missing argument");
	BAD(p, "a APPEND INBOX \r\n", "a BAD Expected the message");
	BAD(p, "a APPEND INBOX x {1}\r\n", "a BAD Expected the message");
	BAD(p, "a APPEND INBOX (\\Recent) {1}\r\n", "a BAD \\Recent");
	BAD(p, "a APPEND INBOX (\\Seen {1}\r\n", "a BAD ");
	BAD(p, "a APPEND INBOX \"7-Feb-1994 21:52:25 -0800\" {1}\r\n",
	    "a BAD Invalid date-time");
	BAD(p, "a APPEND INBOX \" 7-Foo-1994 21:52:25 -0800\" {1}\r\n",
	    "a BAD Invalid date-time");
	BAD(p, "a APPEND INBOX \" 7-Feb-1994 21:52:25 -0800\" (\\Seen) "
	    "{1}\r\n", "a BAD Expected the message");
	/* No MULTIAPPEND: a second message is refused before it comes. */
	FEED(p, "a APPEND INBOX {1}\r\nx {1}\r\nb NOOP\r\n", &r);
	ATF_CHECK_EQ(r.ncont, 1);
	ATF_CHECK_STREQ(r.err, "a BAD Only one message per APPEND");
	/* A NUL in a plain literal. */
	FEED(p, "a APPEND INBOX {3}\r\nx\0y\r\n", &r);
	ATF_CHECK_STREQ(r.err, "a BAD NUL in message (use literal8)");
	/* literal8 needs BINARY. */
	BAD(p, "a APPEND INBOX ~{3}\r\n", "a BAD literal8 is not allowed");
	imap_parser_set_flags(p, IMAP_PF_BINARY);
	c = OK(p, "a APPEND INBOX ~{3}\r\nx\0y\r\n", &r);
	ATF_CHECK_EQ(c->u.append.binary, 1);
	ATF_CHECK(memcmp(c->u.append.data, "x\0y", 3) == 0);
	/* ... and is only for the message. */
	BAD(p, "a APPEND ~{5}\r\n", "a BAD literal8 is not allowed here");
	BAD(p, "a LOGIN ~{5}\r\n", "a BAD literal8 is not allowed here");
	run_free(&r);
	imap_parser_free(p);
}

ATF_TC_WITHOUT_HEAD(append_limits);
ATF_TC_BODY(append_limits, tc)
{
	struct imap_limits	 lim;
	struct imap_parser	*p;
	struct imap_cmd		*c;
	struct run		 r = { 0 };
	int			 st;

	imap_limits_default(&lim);
	lim.append_max = 10000;
	lim.literal_max = 10;
	p = imap_parser_new(&lim, 0);
	ATF_REQUIRE(p != NULL);

	/* The message has its own limit, not literal_max. */
	st = imap_parser_line(p, "a APPEND INBOX {9000}", 21, &c);
	ATF_REQUIRE_EQ(st, IMAP_PARSE_LITERAL);
	ATF_CHECK_EQ(imap_parser_literal_role(p), IMAP_LIT_MESSAGE);
	ATF_CHECK_EQ(imap_parser_literal_left(p), 9000);
	ATF_CHECK_EQ(imap_parser_literal_sync(p), 1);
	imap_parser_reset(p);
	ATF_CHECK_EQ(imap_parser_want(p), IMAP_PARSE_LINE);

	/* A mailbox literal is an argument, the next one the message. */
	st = imap_parser_line(p, "a APPEND {5}", 12, &c);
	ATF_REQUIRE_EQ(st, IMAP_PARSE_LITERAL);
	ATF_CHECK_EQ(imap_parser_literal_role(p), IMAP_LIT_STRING);
	imap_parser_reset(p);

	/* Synchronizing and too large: NO [TOOBIG], nothing to skip. */
	FEED(p, "a APPEND INBOX {10001}\r\nb NOOP\r\n", &r);
	ATF_CHECK_EQ(r.ncont, 0);
	ATF_CHECK_STREQ(r.err,
	    "a NO [TOOBIG] Message too large (limit 10000 octets)");
	ATF_CHECK_EQ(r.ndone, 1);
	/* LITERAL-: non-synchronizing over 4096 is BAD [TOOBIG]. */
	st = imap_parser_line(p, "a APPEND INBOX {5000+}", 22, &c);
	ATF_CHECK_EQ(st, IMAP_PARSE_ERROR);
	ATF_CHECK_EQ(imap_parser_error(p)->kind, IMAP_RESP_BAD);
	ATF_CHECK_STREQ(imap_parser_error(p)->code, "TOOBIG");
	ATF_CHECK_STREQ(imap_parser_error(p)->tag, "a");
	ATF_CHECK_EQ(imap_parser_want(p), IMAP_PARSE_LITERAL);
	ATF_CHECK_EQ(imap_parser_literal_role(p), IMAP_LIT_DISCARD);
	ATF_CHECK_EQ(imap_parser_literal_left(p), 5000);
	ATF_CHECK_EQ(imap_parser_literal_sync(p), 0);
	imap_parser_reset(p);

	/* The caller may read the message itself. */
	st = imap_parser_line(p, "a APPEND INBOX {9000}", 21, &c);
	ATF_REQUIRE_EQ(st, IMAP_PARSE_LITERAL);
	ATF_CHECK_EQ(imap_parser_literal_external(p), IMAP_PARSE_LINE);
	st = imap_parser_line(p, "", 0, &c);
	ATF_REQUIRE_EQ(st, IMAP_PARSE_DONE);
	ATF_CHECK_EQ(c->u.append.external, 1);
	ATF_CHECK_EQ(c->u.append.size, 9000);
	ATF_CHECK(c->u.append.data == NULL);
	imap_cmd_free(c);
	/* ... but only the message, and before any octet was fed. */
	st = imap_parser_line(p, "a LOGIN {5}", 11, &c);
	ATF_REQUIRE_EQ(st, IMAP_PARSE_LITERAL);
	ATF_CHECK_EQ(imap_parser_literal_external(p), IMAP_PARSE_ERROR);
	ATF_CHECK_EQ(imap_parser_error(p)->kind, IMAP_RESP_BYE);
	/* Feeding more than asked is a caller error too. */
	st = imap_parser_line(p, "a LOGIN {5}", 11, &c);
	ATF_REQUIRE_EQ(st, IMAP_PARSE_LITERAL);
	ATF_CHECK_EQ(imap_parser_literal(p, "123456", 6, &c),
	    IMAP_PARSE_ERROR);
	ATF_CHECK_EQ(imap_parser_literal(p, "", 0, &c), IMAP_PARSE_ERROR);
	run_free(&r);
	imap_parser_free(p);
}

ATF_TC_WITHOUT_HEAD(resync);
ATF_TC_BODY(resync, tc)
{
	struct imap_parser	*p = newp(IMAP_PF_LITERAL_PLUS);
	struct run		 r = { 0 };

	/* An unknown command with non-synchronizing literals. */
	FEED(p, "a FROB {3+}\r\nabc {2+}\r\nxy\r\nb NOOP\r\n", &r);
	ATF_CHECK_EQ(r.nerr, 1);
	ATF_CHECK_STREQ(r.err, "a BAD Unknown command");
	ATF_REQUIRE_EQ(r.ndone, 1);
	ATF_CHECK_STREQ(r.cmd->tag, "b");
	ATF_CHECK_EQ(r.left, 0);
	/* An error found in a continuation line. */
	FEED(p, "a LOGIN {3+}\r\nabc def ghi {4+}\r\nQQQQ\r\nb NOOP\r\n", &r);
	ATF_CHECK_STREQ(r.err, "a BAD Too many arguments");
	ATF_REQUIRE_EQ(r.ndone, 1);
	ATF_CHECK_STREQ(r.cmd->tag, "b");
	/* A refused synchronizing literal is never sent. */
	FEED(p, "a FROB {3}\r\nb NOOP\r\n", &r);
	ATF_CHECK_EQ(r.ncont, 0);
	ATF_CHECK_EQ(r.ndone, 1);
	/* Without a tag, and with a literal to skip. */
	FEED(p, "+ FROB {3+}\r\nabc\r\nb NOOP\r\n", &r);
	ATF_CHECK_STREQ(r.err, "* BAD Missing or invalid tag");
	ATF_CHECK_EQ(r.ndone, 1);
	/* A zero-length literal to skip. */
	FEED(p, "a FROB {0+}\r\n\r\nb NOOP\r\n", &r);
	ATF_CHECK_EQ(r.nerr, 1);
	ATF_CHECK_EQ(r.ndone, 1);
	/* Many commands, some bad, back to back. */
	FEED(p, "a NOOP\r\nb FROB\r\nc LOGIN x\r\nd NOOP\r\n", &r);
	ATF_CHECK_EQ(r.ndone, 2);
	ATF_CHECK_EQ(r.nerr, 2);
	ATF_CHECK_STREQ(r.err, "b BAD Unknown command|c BAD Missing argument");
	ATF_CHECK_STREQ(r.cmd->tag, "d");
	run_free(&r);
	imap_parser_free(p);
}

ATF_TC_WITHOUT_HEAD(limits);
ATF_TC_BODY(limits, tc)
{
	struct imap_limits	 lim;
	struct imap_parser	*p;
	struct imap_cmd		*c;
	struct run		 r = { 0 };
	char			 line[4096];
	size_t			 n, i;
	int			 st;

	imap_limits_default(&lim);
	lim.line_max = 40;
	lim.cmd_max = 100;
	lim.literals_max = 3;
	lim.args_max = 20;
	lim.depth_max = 4;
	p = imap_parser_new(&lim, IMAP_PF_LITERAL_PLUS);
	ATF_REQUIRE(p != NULL);

	FEED(p, "a LOGIN 0123456789012345678901234567890 x\r\nb NOOP\r\n",
	    &r);
	ATF_CHECK_STREQ(r.err, "a BAD [TOOBIG] Line too long");
	ATF_CHECK_EQ(r.ndone, 1);
	/* A long line with a literal at its end: skipped, then in step. */
	FEED(p, "a LOGIN 0123456789012345678901234567890 {2+}\r\nxy\r\n"
	    "b NOOP\r\n", &r);
	ATF_CHECK_STREQ(r.err, "a BAD [TOOBIG] Line too long");
	ATF_CHECK_EQ(r.ndone, 1);
	/* Lines within the limit, the command over cmd_max. */
	FEED(p, "a SEARCH TEXT {30+}\r\n012345678901234567890123456789 "
	    "TEXT {30+}\r\n012345678901234567890123456789 TEXT "
	    "abcdefghijk\r\n", &r);
	ATF_CHECK_STREQ(r.err, "a BAD [TOOBIG] Command too long");
	imap_parser_reset(p);
	FEED(p, "a ENABLE a b c d e f g h i j k l m n o p q r\r\n", &r);
	ATF_CHECK_STREQ(r.err, "a BAD [TOOBIG] Line too long");
	FEED(p, "a ENABLE a b c d e f g h i j k l\r\n", &r);
	ATF_CHECK_EQ(r.ndone, 1);
	FEED(p, "a SEARCH TEXT {1+}\r\na TEXT {1+}\r\nb TEXT {1+}\r\n"
	    "c TEXT {1+}\r\nd\r\n", &r);
	ATF_CHECK_STREQ(r.err, "a BAD Too many literals in one command");
	imap_parser_reset(p);
	FEED(p, "a FETCH 1 (FLAGS UID)\r\n", &r);
	ATF_CHECK_EQ(r.ndone, 1);
	FEED(p, "a SEARCH ((((ALL))))\r\n", &r);
	ATF_CHECK_EQ(r.ndone, 1);
	FEED(p, "a SEARCH (((((ALL)))))\r\n", &r);
	ATF_CHECK_STREQ(r.err, "a BAD Parentheses nested too deeply "
	    "(limit 4)");
	imap_parser_free(p);

	/* Tokens: each argument counts. */
	imap_limits_default(&lim);
	lim.args_max = 10;
	p = imap_parser_new(&lim, 0);
	ATF_REQUIRE(p != NULL);
	FEED(p, "a ENABLE a b c d e f g\r\n", &r);
	ATF_CHECK_EQ(r.ndone, 1);
	FEED(p, "a ENABLE a b c d e f g h i j k\r\n", &r);
	ATF_CHECK_STREQ(r.err, "a BAD Too many arguments (limit 10)");
	FEED(p, "a FETCH 1,2,3,4,5,6,7,8,9,10,11 FLAGS\r\n", &r);
	ATF_CHECK_STREQ(r.err, "a BAD Too many ranges in sequence set");
	imap_parser_free(p);

	/* The line reader's own limit: the tag is lost with the line. */
	p = newp(0);
	ATF_CHECK_EQ(imap_parser_toolong(p), IMAP_PARSE_ERROR);
	ATF_REQUIRE_EQ(imap_parser_error_line(p, line, sizeof(line)), 0);
	ATF_CHECK_STREQ(line, "* BAD [TOOBIG] Line too long");
	st = imap_parser_line(p, "a LOGIN {3}", 11, &c);
	ATF_REQUIRE_EQ(st, IMAP_PARSE_LITERAL);
	ATF_CHECK_EQ(imap_parser_literal(p, "abc", 3, &c), IMAP_PARSE_LINE);
	ATF_CHECK_EQ(imap_parser_toolong(p), IMAP_PARSE_ERROR);
	ATF_REQUIRE_EQ(imap_parser_error_line(p, line, sizeof(line)), 0);
	ATF_CHECK_STREQ(line, "a BAD [TOOBIG] Line too long");
	c = OK(p, "b NOOP\r\n", &r);
	ATF_CHECK_STREQ(c->tag, "b");

	/* Many small strings on one line: memory stays linear. */
	{
		char	*big;
		size_t	 cap = 64 * 1024;

		ATF_REQUIRE((big = malloc(cap)) != NULL);
		n = snprintf(big, cap, "a SEARCH");
		for (i = 0; i < 3000; i++)
			n += snprintf(big + n, cap - n, " TEXT \"\"");
		n += snprintf(big + n, cap - n, "\r\n");
		c = ok(p, big, n, &r);
		ATF_CHECK_EQ(c->id, IMAP_CMD_SEARCH);
		free(big);
	}

	/* Hostile nesting with the default limits. */
	n = snprintf(line, sizeof(line), "a SEARCH ");
	for (i = 0; i < 1000; i++)
		line[n++] = '(';
	memcpy(line + n, "ALL\r\n", 6);
	n += 5;
	bad(p, line, n, "a BAD Parentheses nested too deeply (limit 32)");
	n = snprintf(line, sizeof(line), "a SEARCH");
	for (i = 0; i < 1000; i++)
		n += snprintf(line + n, sizeof(line) - n, " NOT");
	n += snprintf(line + n, sizeof(line) - n, " ALL\r\n");
	bad(p, line, n, "a BAD Search keys nested too deeply (limit 64)");
	run_free(&r);
	imap_parser_free(p);
}

ATF_TC_WITHOUT_HEAD(many_literals);
ATF_TC_BODY(many_literals, tc)
{
	struct imap_parser	*p = newp(0);
	struct run		 r = { 0 };
	char			*in;
	size_t			 n, i, cap = 64 * 1024;
	int			 sync;

	/* The default limit is 128 literals, either kind. */
	ATF_REQUIRE((in = malloc(cap)) != NULL);
	for (sync = 0; sync < 2; sync++) {
		n = snprintf(in, cap, "a SEARCH");
		for (i = 0; i < 128; i++)
			n += snprintf(in + n, cap - n, " TEXT {4%s}\r\nx%03zu",
			    sync ? "" : "+", i);
		n += snprintf(in + n, cap - n, "\r\n");
		feed(p, in, n, &r);
		ATF_CHECK_EQ_MSG(r.ndone, 1, "%s", r.err);
		ATF_CHECK_EQ(r.ncont, sync ? 128 : 0);
		ATF_REQUIRE(r.cmd != NULL);
		ATF_CHECK_STREQ(TAILQ_LAST(&r.cmd->u.search.root->u.kids,
		    imap_search_keys)->u.str, "x127");
		n = snprintf(in, cap, "a SEARCH");
		for (i = 0; i < 129; i++)
			n += snprintf(in + n, cap - n, " TEXT {4%s}\r\nx%03zu",
			    sync ? "" : "+", i);
		n += snprintf(in + n, cap - n, "\r\n");
		feed(p, in, n, &r);
		/* Synchronizing, the client never sends the last one. */
		ATF_CHECK(strncmp(r.err, "a BAD Too many literals in one "
		    "command", 38) == 0);
		imap_parser_reset(p);
	}
	/* A bad command's synchronizing literal is refused at once... */
	FEED(p, "a SEARCH FROB {3}\r\n", &r);
	ATF_CHECK_EQ(r.ncont, 0);
	ATF_CHECK_STREQ(r.err, "a BAD Unknown search key");
	/* ... a non-synchronizing one, which comes anyway, at the end. */
	FEED(p, "a SEARCH FROB {3+}\r\nabc\r\nb NOOP\r\n", &r);
	ATF_CHECK_STREQ(r.err, "a BAD Unknown search key");
	ATF_CHECK_EQ(r.ndone, 1);
	ATF_CHECK_EQ(r.left, 0);
	FEED(p, "a LOGIN ~{3+}\r\nabc\r\nb NOOP\r\n", &r);
	ATF_CHECK_STREQ(r.err, "a BAD literal8 is not allowed here");
	ATF_CHECK_EQ(r.ndone, 1);
	free(in);
	run_free(&r);
	imap_parser_free(p);
}

ATF_TC_WITHOUT_HEAD(authenticate);
ATF_TC_BODY(authenticate, tc)
{
	struct imap_parser	*p = newp(0);
	struct imap_cmd		*c;
	struct run		 r = { 0 };

	c = OK(p, "a AUTHENTICATE plain\r\n", &r);
	ATF_CHECK_EQ(c->id, IMAP_CMD_AUTHENTICATE);
	ATF_CHECK_STREQ(c->u.auth.mech, "PLAIN");
	ATF_CHECK(c->u.auth.initial == NULL);
	c = OK(p, "a AUTHENTICATE PLAIN dGVzdAB0ZXN0AHRlc3Q=\r\n", &r);
	ATF_CHECK_STREQ(c->u.auth.initial, "dGVzdAB0ZXN0AHRlc3Q=");
	c = OK(p, "a AUTHENTICATE EXTERNAL =\r\n", &r);
	ATF_CHECK_STREQ(c->u.auth.initial, "");
	c = OK(p, "a AUTHENTICATE GSSAPI YIIB+/==\r\n", &r);
	ATF_CHECK_STREQ(c->u.auth.mech, "GSSAPI");
	c = OK(p, "a AUTHENTICATE X-OAUTH2 abcd\r\n", &r);
	BAD(p, "a AUTHENTICATE\r\n", "a BAD Missing argument");
	BAD(p, "a AUTHENTICATE PLAIN abc\r\n", "a BAD Invalid base64");
	BAD(p, "a AUTHENTICATE PLAIN ab=c\r\n", "a BAD Invalid base64");
	BAD(p, "a AUTHENTICATE PLAIN a===\r\n", "a BAD Invalid base64");
	BAD(p, "a AUTHENTICATE PLAIN ==\r\n", "a BAD Invalid base64");
	BAD(p, "a AUTHENTICATE PLAIN ab.d\r\n", "a BAD Invalid base64");
	BAD(p, "a AUTHENTICATE PLAIN abcd efgh\r\n", "a BAD Too many");
	BAD(p, "a AUTHENTICATE \"PLAIN\"\r\n", "a BAD ");
	run_free(&r);
	imap_parser_free(p);
}

ATF_TC_WITHOUT_HEAD(enable_select_create);
ATF_TC_BODY(enable_select_create, tc)
{
	struct imap_parser	*p = newp(0);
	struct imap_cmd		*c;
	struct run		 r = { 0 };

	c = OK(p, "a ENABLE IMAP4rev2 UTF8=ACCEPT CONDSTORE\r\n", &r);
	ATF_REQUIRE_EQ(c->u.enable.ncaps, 3);
	ATF_CHECK_STREQ(c->u.enable.caps[0], "IMAP4rev2");
	ATF_CHECK_STREQ(c->u.enable.caps[1], "UTF8=ACCEPT");
	ATF_CHECK_STREQ(c->u.enable.caps[2], "CONDSTORE");
	BAD(p, "a ENABLE\r\n", "a BAD Missing argument");
	BAD(p, "a ENABLE \"x\"\r\n", "a BAD ");

	c = OK(p, "a SELECT inbox\r\n", &r);
	ATF_CHECK_EQ(c->id, IMAP_CMD_SELECT);
	ATF_CHECK_STREQ(c->u.select.mailbox, "inbox");
	ATF_CHECK_STREQ(imap_mailbox_canon(c->u.select.mailbox), "INBOX");
	ATF_CHECK_EQ(c->u.select.condstore, 0);
	c = OK(p, "a EXAMINE \"Sent Items\" (condstore)\r\n", &r);
	ATF_CHECK_EQ(c->id, IMAP_CMD_EXAMINE);
	ATF_CHECK_EQ(c->u.select.condstore, 1);
	c = OK(p, "a SELECT INBOX (QRESYNC (67890007 20050715194045000 "
	    "41,43:211,214:541))\r\n", &r);
	ATF_CHECK_EQ(c->u.select.qresync, 1);
	ATF_CHECK_EQ(c->u.select.uidvalidity, 67890007);
	ATF_CHECK_EQ(c->u.select.modseq, 20050715194045000ULL);
	ATF_CHECK_EQ(c->u.select.known_uids.n, 3);
	ATF_CHECK_EQ(c->u.select.match_seq.n, 0);
	c = OK(p, "a SELECT INBOX (QRESYNC (67890007 90060115194045000 "
	    "1:29997 (5000,7500,9000,9990:9999 15000,22500,27000,29970,"
	    "29973,29976,29979,29982,29985,29988,29991,29994,29997)) "
	    "CONDSTORE)\r\n", &r);
	ATF_CHECK_EQ(c->u.select.known_uids.n, 1);
	ATF_CHECK_EQ(c->u.select.match_seq.n, 4);
	ATF_CHECK_EQ(c->u.select.match_uid.n, 13);
	ATF_CHECK_EQ(c->u.select.condstore, 1);
	c = OK(p, "a SELECT INBOX (QRESYNC (1 2 (1 2)))\r\n", &r);
	ATF_CHECK_EQ(c->u.select.known_uids.n, 0);
	ATF_CHECK_EQ(c->u.select.match_uid.n, 1);
	BAD(p, "a SELECT\r\n", "a BAD Missing argument");
	BAD(p, "a SELECT INBOX ()\r\n", "a BAD ");
	BAD(p, "a SELECT INBOX (FOO)\r\n", "a BAD Unknown or repeated");
	BAD(p, "a SELECT INBOX (CONDSTORE CONDSTORE)\r\n", "a BAD Unknown");
	BAD(p, "a SELECT INBOX (QRESYNC (0 1))\r\n", "a BAD ");
	BAD(p, "a SELECT INBOX (QRESYNC (1 0))\r\n", "a BAD QRESYNC");
	BAD(p, "a SELECT INBOX (QRESYNC (1 2 1:*))\r\n", "a BAD \"*\"");
	BAD(p, "a SELECT INBOX (QRESYNC (1 2 $))\r\n", "a BAD \"$\"");
	BAD(p, "a SELECT INBOX (CONDSTORE\r\n", "a BAD ");
	BAD(p, "a SELECT INBOX x\r\n", "a BAD ");

	c = OK(p, "a CREATE Drafts2 (USE (\\Drafts \\Sent))\r\n", &r);
	ATF_CHECK_STREQ(c->u.create.mailbox, "Drafts2");
	ATF_CHECK_EQ(c->u.create.use, IMAP_USE_DRAFTS | IMAP_USE_SENT);
	ATF_CHECK(c->u.create.use_unknown == NULL);
	c = OK(p, "a CREATE x (USE (\\all \\Archive \\Flagged \\Junk "
	    "\\Trash \\Important))\r\n", &r);
	ATF_CHECK_EQ(c->u.create.use, IMAP_USE_ALL | IMAP_USE_ARCHIVE |
	    IMAP_USE_FLAGGED | IMAP_USE_JUNK | IMAP_USE_TRASH);
	ATF_CHECK_STREQ(c->u.create.use_unknown, "Important");
	c = OK(p, "a CREATE x (USE ())\r\n", &r);
	ATF_CHECK_EQ(c->u.create.use, 0);
	c = OK(p, "a CREATE foo/bar\r\n", &r);
	ATF_CHECK_EQ(c->u.create.use, 0);
	BAD(p, "a CREATE x (USE (Drafts))\r\n", "a BAD ");
	BAD(p, "a CREATE x (FOO (\\Drafts))\r\n", "a BAD Unknown");
	BAD(p, "a CREATE x (USE (\\Drafts) USE (\\Sent))\r\n", "a BAD ");
	BAD(p, "a CREATE x y\r\n", "a BAD ");
	BAD(p, "a CREATE\r\n", "a BAD Missing argument");
	run_free(&r);
	imap_parser_free(p);
}

ATF_TC_WITHOUT_HEAD(mailbox_commands);
ATF_TC_BODY(mailbox_commands, tc)
{
	struct imap_parser	*p = newp(0);
	struct imap_cmd		*c;
	struct run		 r = { 0 };

	c = OK(p, "a DELETE foo\r\n", &r);
	ATF_CHECK_EQ(c->id, IMAP_CMD_DELETE);
	ATF_CHECK_STREQ(c->u.mbox.mailbox, "foo");
	c = OK(p, "a SUBSCRIBE \"#news.comp.mail.mime\"\r\n", &r);
	ATF_CHECK_EQ(c->id, IMAP_CMD_SUBSCRIBE);
	c = OK(p, "a UNSUBSCRIBE ~peter/mail/&U,BTFw-/&ZeVnLIqe-\r\n", &r);
	ATF_CHECK_EQ(c->id, IMAP_CMD_UNSUBSCRIBE);
	ATF_CHECK_STREQ(c->u.mbox.mailbox, "~peter/mail/&U,BTFw-/&ZeVnLIqe-");
	c = OK(p, "a RENAME blurdybloop sarasoop\r\n", &r);
	ATF_CHECK_STREQ(c->u.rename.from, "blurdybloop");
	ATF_CHECK_STREQ(c->u.rename.to, "sarasoop");
	BAD(p, "a RENAME a\r\n", "a BAD Missing argument");
	BAD(p, "a RENAME a b c\r\n", "a BAD Too many");
	BAD(p, "a DELETE a%\r\n", "a BAD ");
	BAD(p, "a DELETE\r\n", "a BAD Missing argument");

	c = OK(p, "a STATUS blurdybloop (UIDNEXT MESSAGES)\r\n", &r);
	ATF_CHECK_EQ(c->u.status.items,
	    IMAP_STATUS_UIDNEXT | IMAP_STATUS_MESSAGES);
	c = OK(p, "a STATUS x (messages recent uidnext uidvalidity unseen "
	    "size deleted highestmodseq appendlimit)\r\n", &r);
	ATF_CHECK_EQ(c->u.status.items, 0x1ff);
	BAD(p, "a STATUS x ()\r\n", "a BAD ");
	BAD(p, "a STATUS x (FOO)\r\n", "a BAD Unknown status item");
	BAD(p, "a STATUS x MESSAGES\r\n", "a BAD ");
	BAD(p, "a STATUS x (MESSAGES\r\n", "a BAD ");
	BAD(p, "a STATUS x (MESSAGES))\r\n", "a BAD ");
	BAD(p, "a STATUS x\r\n", "a BAD Missing argument");

	c = OK(p, "a COPY 2:4 MEETING\r\n", &r);
	ATF_CHECK_EQ(c->id, IMAP_CMD_COPY);
	ATF_CHECK_EQ(c->u.copy.set.n, 1);
	ATF_CHECK_EQ(c->u.copy.set.r[0].lo, 2);
	ATF_CHECK_EQ(c->u.copy.set.r[0].hi, 4);
	c = OK(p, "a UID COPY $ Junk\r\n", &r);
	ATF_CHECK_EQ(c->uid, 1);
	ATF_CHECK_EQ(c->u.copy.set.dollar, 1);
	c = OK(p, "a MOVE 1:* \"Other stuff\"\r\n", &r);
	ATF_CHECK_EQ(c->id, IMAP_CMD_MOVE);
	ATF_CHECK_EQ(c->u.copy.set.star, 1);
	c = OK(p, "a UID EXPUNGE 3000:3002\r\n", &r);
	ATF_CHECK_EQ(c->id, IMAP_CMD_EXPUNGE);
	ATF_CHECK_EQ(c->uid, 1);
	ATF_CHECK_EQ(c->u.expunge.set.n, 1);
	BAD(p, "a UID EXPUNGE\r\n", "a BAD Missing argument");
	BAD(p, "a COPY 1\r\n", "a BAD Missing argument");
	BAD(p, "a COPY x y\r\n", "a BAD Expected a sequence set");
	BAD(p, "a COPY 0 y\r\n", "a BAD Invalid sequence set");
	BAD(p, "a COPY 1,,2 y\r\n", "a BAD Invalid sequence set");
	BAD(p, "a MOVE 1 y z\r\n", "a BAD Too many");
	run_free(&r);
	imap_parser_free(p);
}

ATF_TC_WITHOUT_HEAD(list);
ATF_TC_BODY(list, tc)
{
	struct imap_parser	*p = newp(0);
	struct imap_cmd		*c;
	struct run		 r = { 0 };

	c = OK(p, "a LIST \"\" *\r\n", &r);
	ATF_CHECK_EQ(c->id, IMAP_CMD_LIST);
	ATF_CHECK_EQ(c->u.list.extended, 0);
	ATF_CHECK_STREQ(c->u.list.ref, "");
	ATF_REQUIRE_EQ(c->u.list.npatterns, 1);
	ATF_CHECK_STREQ(c->u.list.patterns[0], "*");
	c = OK(p, "a LIST ~/Mail/ %/a]b*\r\n", &r);
	ATF_CHECK_STREQ(c->u.list.ref, "~/Mail/");
	ATF_CHECK_STREQ(c->u.list.patterns[0], "%/a]b*");
	c = OK(p, "a LIST \"\" \"\"\r\n", &r);
	ATF_CHECK_STREQ(c->u.list.patterns[0], "");
	c = OK(p, "a LIST (SUBSCRIBED REMOTE RECURSIVEMATCH) \"\" "
	    "(\"%\" INBOX/* foo) RETURN (CHILDREN STATUS (MESSAGES "
	    "UNSEEN) SPECIAL-USE)\r\n", &r);
	ATF_CHECK_EQ(c->u.list.extended, 1);
	ATF_CHECK_EQ(c->u.list.sel, IMAP_LIST_SEL_SUBSCRIBED |
	    IMAP_LIST_SEL_REMOTE | IMAP_LIST_SEL_RECURSIVEMATCH);
	ATF_CHECK_EQ(c->u.list.ret, IMAP_LIST_RET_SUBSCRIBED |
	    IMAP_LIST_RET_CHILDREN | IMAP_LIST_RET_STATUS |
	    IMAP_LIST_RET_SPECIALUSE);
	ATF_CHECK_EQ(c->u.list.status,
	    IMAP_STATUS_MESSAGES | IMAP_STATUS_UNSEEN);
	ATF_REQUIRE_EQ(c->u.list.npatterns, 3);
	ATF_CHECK_STREQ(c->u.list.patterns[1], "INBOX/*");
	ATF_CHECK_STREQ(c->u.list.patterns[2], "foo");
	c = OK(p, "a LIST (SPECIAL-USE) \"\" *\r\n", &r);
	ATF_CHECK_EQ(c->u.list.sel, IMAP_LIST_SEL_SPECIALUSE);
	ATF_CHECK_EQ(c->u.list.ret, IMAP_LIST_RET_SPECIALUSE);
	c = OK(p, "a LIST () \"\" % RETURN ()\r\n", &r);
	ATF_CHECK_EQ(c->u.list.extended, 1);
	ATF_CHECK_EQ(c->u.list.sel, 0);
	ATF_CHECK_EQ(c->u.list.ret, 0);
	c = OK(p, "a LIST \"\" % RETURN (SUBSCRIBED)\r\n", &r);
	ATF_CHECK_EQ(c->u.list.ret, IMAP_LIST_RET_SUBSCRIBED);
	BAD(p, "a LIST (RECURSIVEMATCH) \"\" *\r\n", "a BAD RECURSIVEMATCH");
	BAD(p, "a LIST (REMOTE RECURSIVEMATCH) \"\" *\r\n",
	    "a BAD RECURSIVEMATCH");
	BAD(p, "a LIST (FOO) \"\" *\r\n", "a BAD Unknown LIST selection");
	BAD(p, "a LIST \"\" * RETURN (FOO)\r\n", "a BAD Unknown LIST return");
	BAD(p, "a LIST \"\" * RETURN (STATUS ())\r\n", "a BAD ");
	BAD(p, "a LIST \"\" * RETURN CHILDREN\r\n", "a BAD ");
	BAD(p, "a LIST \"\" * FOO (CHILDREN)\r\n", "a BAD Expected RETURN");
	BAD(p, "a LIST \"\" ()\r\n", "a BAD ");
	BAD(p, "a LIST \"\"\r\n", "a BAD Missing argument");
	BAD(p, "a LIST * \"\"\r\n", "a BAD ");
	BAD(p, "a LIST \"\" a(b\r\n", "a BAD ");
	BAD(p, "a LIST (SUBSCRIBED \"\" *\r\n", "a BAD ");

	c = OK(p, "a LSUB \"#news.\" \"comp.mail.*\"\r\n", &r);
	ATF_CHECK_EQ(c->id, IMAP_CMD_LSUB);
	ATF_CHECK_STREQ(c->u.list.ref, "#news.");
	ATF_CHECK_STREQ(c->u.list.patterns[0], "comp.mail.*");
	BAD(p, "a LSUB \"\" (*)\r\n", "a BAD ");
	BAD(p, "a LSUB \"\"\r\n", "a BAD Missing argument");
	run_free(&r);
	imap_parser_free(p);
}

ATF_TC_WITHOUT_HEAD(store);
ATF_TC_BODY(store, tc)
{
	struct imap_parser	*p = newp(0);
	struct imap_cmd		*c;
	struct run		 r = { 0 };

	c = OK(p, "A003 STORE 2:4 +FLAGS (\\Deleted)\r\n", &r);
	ATF_CHECK_EQ(c->id, IMAP_CMD_STORE);
	ATF_CHECK_EQ(c->u.store.op, IMAP_STORE_ADD);
	ATF_CHECK_EQ(c->u.store.silent, 0);
	ATF_CHECK_EQ(c->u.store.flags.system, IMAP_FLAG_DELETED);
	c = OK(p, "a UID STORE 1:* -flags.silent \\Seen \\answered "
	    "$Junk\r\n", &r);
	ATF_CHECK_EQ(c->uid, 1);
	ATF_CHECK_EQ(c->u.store.op, IMAP_STORE_REMOVE);
	ATF_CHECK_EQ(c->u.store.silent, 1);
	ATF_CHECK_EQ(c->u.store.flags.system,
	    IMAP_FLAG_SEEN | IMAP_FLAG_ANSWERED);
	ATF_REQUIRE_EQ(c->u.store.flags.nkeywords, 1);
	ATF_CHECK_STREQ(c->u.store.flags.keywords[0], "$Junk");
	c = OK(p, "a STORE 1 FLAGS ()\r\n", &r);
	ATF_CHECK_EQ(c->u.store.op, IMAP_STORE_SET);
	ATF_CHECK_EQ(c->u.store.flags.system, 0);
	c = OK(p, "a STORE 1 FLAGS (\\Flagged \\Draft a b c d e f)\r\n", &r);
	ATF_CHECK_EQ(c->u.store.flags.system,
	    IMAP_FLAG_FLAGGED | IMAP_FLAG_DRAFT);
	ATF_CHECK_EQ(c->u.store.flags.nkeywords, 6);
	ATF_CHECK_STREQ(c->u.store.flags.keywords[5], "f");
	c = OK(p, "a STORE 7 (UNCHANGEDSINCE 12121230045) +FLAGS.SILENT "
	    "(\\Deleted)\r\n", &r);
	ATF_CHECK_EQ(c->u.store.unchangedsince_given, 1);
	ATF_CHECK_EQ(c->u.store.unchangedsince, 12121230045ULL);
	c = OK(p, "a STORE $ +FLAGS \\X-Ext\r\n", &r);
	ATF_REQUIRE_EQ(c->u.store.flags.next, 1);
	ATF_CHECK_STREQ(c->u.store.flags.ext[0], "\\X-Ext");
	BAD(p, "a STORE 1 +FLAGS (\\Recent)\r\n", "a BAD \\Recent");
	BAD(p, "a STORE 1 +FLAGS \\recent\r\n", "a BAD \\Recent");
	BAD(p, "a STORE 1 +FLAGS (\\*)\r\n", "a BAD ");
	BAD(p, "a STORE 1 *FLAGS (\\Seen)\r\n", "a BAD ");
	BAD(p, "a STORE 1 FLAGZ (\\Seen)\r\n", "a BAD Expected FLAGS");
	BAD(p, "a STORE 1 +FLAGS.LOUD (\\Seen)\r\n", "a BAD Expected FLAGS");
	BAD(p, "a STORE 1 +FLAGS\r\n", "a BAD Missing argument");
	BAD(p, "a STORE 1 +FLAGS \r\n", "a BAD Missing argument");
	BAD(p, "a STORE 1 +FLAGS (\\Seen\r\n", "a BAD ");
	BAD(p, "a STORE 1 +FLAGS (\\Seen))\r\n", "a BAD ");
	BAD(p, "a STORE 1 +FLAGS ((\\Seen))\r\n", "a BAD ");
	BAD(p, "a STORE 1 +FLAGS \"\\Seen\"\r\n", "a BAD ");
	BAD(p, "a STORE 1 +FLAGS (\\)\r\n", "a BAD ");
	BAD(p, "a STORE 1 (FOO 1) FLAGS x\r\n", "a BAD Unknown STORE");
	BAD(p, "a STORE +FLAGS x\r\n", "a BAD ");
	run_free(&r);
	imap_parser_free(p);
}

ATF_TC_WITHOUT_HEAD(id);
ATF_TC_BODY(id, tc)
{
	struct imap_parser	*p = newp(0);
	struct imap_cmd		*c;
	struct run		 r = { 0 };
	char			 line[2048];
	size_t			 n, i;

	c = OK(p, "a ID NIL\r\n", &r);
	ATF_CHECK_EQ(c->id, IMAP_CMD_ID);
	ATF_CHECK_EQ(c->u.id.nil, 1);
	c = OK(p, "a ID (\"name\" \"sodr\" \"version\" \"19.34\" "
	    "\"vendor\" NIL)\r\n", &r);
	ATF_CHECK_EQ(c->u.id.nil, 0);
	ATF_REQUIRE_EQ(c->u.id.npairs, 3);
	ATF_CHECK_STREQ(c->u.id.field[1], "version");
	ATF_CHECK_STREQ(c->u.id.value[1], "19.34");
	ATF_CHECK(c->u.id.value[2] == NULL);
	c = OK(p, "a ID ()\r\n", &r);
	ATF_CHECK_EQ(c->u.id.npairs, 0);
	BAD(p, "a ID\r\n", "a BAD Missing argument");
	BAD(p, "a ID (\"name\")\r\n", "a BAD ");
	BAD(p, "a ID (name \"x\")\r\n", "a BAD ");
	BAD(p, "a ID (\"name\" x)\r\n", "a BAD ");
	BAD(p, "a ID (\"0123456789012345678901234567890\" NIL)\r\n",
	    "a BAD ID: field longer than 30 octets");
	n = snprintf(line, sizeof(line), "a ID (\"x\" \"");
	memset(line + n, 'v', 1025);
	n += 1025;
	n += snprintf(line + n, sizeof(line) - n, "\")\r\n");
	bad(p, line, n, "a BAD ID: value longer than 1024 octets");
	n = snprintf(line, sizeof(line), "a ID (");
	for (i = 0; i < 31; i++)
		n += snprintf(line + n, sizeof(line) - n, "%s\"f%zu\" NIL",
		    i ? " " : "", i);
	n += snprintf(line + n, sizeof(line) - n, ")\r\n");
	bad(p, line, n, "a BAD ID: more than 30 field-value pairs");
	run_free(&r);
	imap_parser_free(p);
}

ATF_TC_WITHOUT_HEAD(idle_done);
ATF_TC_BODY(idle_done, tc)
{
	ATF_CHECK(imap_is_done_line("DONE", 4));
	ATF_CHECK(imap_is_done_line("done", 4));
	ATF_CHECK(!imap_is_done_line("DONE ", 5));
	ATF_CHECK(!imap_is_done_line("DON", 3));
	ATF_CHECK(!imap_is_done_line("a DONE", 6));
	ATF_CHECK(!imap_is_done_line("", 0));
}

ATF_TC_WITHOUT_HEAD(error_line);
ATF_TC_BODY(error_line, tc)
{
	struct imap_parser	*p = newp(0);
	struct imap_cmd		*c;
	char			 line[256], tiny[8];

	ATF_REQUIRE_EQ(imap_parser_line(p, "t1 FROB", 7, &c),
	    IMAP_PARSE_ERROR);
	ATF_CHECK(c == NULL);
	ATF_CHECK_EQ(imap_parser_error(p)->kind, IMAP_RESP_BAD);
	ATF_CHECK_EQ(imap_parser_error(p)->tagged, 1);
	ATF_CHECK(imap_parser_error(p)->code == NULL);
	ATF_REQUIRE_EQ(imap_parser_error_line(p, line, sizeof(line)), 0);
	ATF_CHECK_STREQ(line, "t1 BAD Unknown command");
	ATF_CHECK_EQ(imap_parser_error_line(p, tiny, sizeof(tiny)), -1);
	imap_parser_free(p);
}

ATF_TC_WITHOUT_HEAD(ownership);
ATF_TC_BODY(ownership, tc)
{
	struct imap_parser	*p = newp(0);
	struct imap_cmd		*c1, *c2;

	/* A command outlives the parser and the commands after it. */
	ATF_REQUIRE_EQ(imap_parser_line(p, "a LOGIN x y", 11, &c1),
	    IMAP_PARSE_DONE);
	ATF_REQUIRE_EQ(imap_parser_line(p, "b APPEND z {2}", 14, &c2),
	    IMAP_PARSE_LITERAL);
	ATF_REQUIRE_EQ(imap_parser_literal(p, "hi", 2, &c2),
	    IMAP_PARSE_LINE);
	ATF_REQUIRE_EQ(imap_parser_line(p, "", 0, &c2), IMAP_PARSE_DONE);
	imap_parser_free(p);
	ATF_CHECK_STREQ(c1->u.login.user, "x");
	ATF_CHECK_STREQ(c2->u.append.mailbox, "z");
	ATF_CHECK(memcmp(c2->u.append.data, "hi", 2) == 0);
	ATF_CHECK_STREQ(c2->name, "APPEND");
	imap_cmd_free(c1);
	imap_cmd_free(c2);
	imap_cmd_free(NULL);
	imap_parser_free(NULL);
}

ATF_TP_ADD_TCS(tp)
{
	ATF_TP_ADD_TC(tp, simple_commands);
	ATF_TP_ADD_TC(tp, tags);
	ATF_TP_ADD_TC(tp, login_strings);
	ATF_TP_ADD_TC(tp, literal_sync);
	ATF_TP_ADD_TC(tp, literal_nonsync);
	ATF_TP_ADD_TC(tp, literal_zero);
	ATF_TP_ADD_TC(tp, literal_minus);
	ATF_TP_ADD_TC(tp, literal_toobig);
	ATF_TP_ADD_TC(tp, literal_every_astring);
	ATF_TP_ADD_TC(tp, append);
	ATF_TP_ADD_TC(tp, append_limits);
	ATF_TP_ADD_TC(tp, resync);
	ATF_TP_ADD_TC(tp, limits);
	ATF_TP_ADD_TC(tp, many_literals);
	ATF_TP_ADD_TC(tp, authenticate);
	ATF_TP_ADD_TC(tp, enable_select_create);
	ATF_TP_ADD_TC(tp, mailbox_commands);
	ATF_TP_ADD_TC(tp, list);
	ATF_TP_ADD_TC(tp, store);
	ATF_TP_ADD_TC(tp, id);
	ATF_TP_ADD_TC(tp, idle_done);
	ATF_TP_ADD_TC(tp, error_line);
	ATF_TP_ADD_TC(tp, ownership);
	return atf_no_error();
}
