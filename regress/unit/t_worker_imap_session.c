/*
 * Unit tests for the IMAP session (worker/imap/imap_session.c and the
 * command files beside it): imap_session() runs in a forked child on
 * one end of a socketpair (worker_harness.c), over a Maildir made in
 * the test's directory; the test is the client and checks the
 * responses byte for byte.  Covers every command in both states,
 * literals (synchronizing, non-synchronizing, APPEND's message), IDLE
 * woken by a file the test delivers, two sessions on one folder,
 * IMAP4rev2, autologout and SIGTERM.  Run by Kyua from regress/unit.
 */
#include <sys/types.h>

#include <atf-c.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "session.h"
#include "worker_harness.h"

#define M1	"From: Alice <a@example.org>\nTo: b@example.org\n" \
		"Subject: one\nDate: Mon, 1 Jan 2024 10:00:00 +0000\n\n" \
		"Hello world\n"
#define M1W	"From: Alice <a@example.org>\r\nTo: b@example.org\r\n" \
		"Subject: one\r\nDate: Mon, 1 Jan 2024 10:00:00 +0000\r\n\r\n" \
		"Hello world\r\n"
#define M2	"From: =?utf-8?q?Bj=C3=B6rn?= <bj@example.org>\n" \
		"Subject: two\nDate: 5 Mar 2024 09:00 +0100\n" \
		"MIME-Version: 1.0\n" \
		"Content-Type: multipart/mixed; boundary=XX\n\n" \
		"--XX\nContent-Type: text/plain; charset=utf-8\n" \
		"Content-Transfer-Encoding: quoted-printable\n\n" \
		"caf=C3=A9 needle\n--XX\n" \
		"Content-Type: application/octet-stream\n" \
		"Content-Transfer-Encoding: base64\n\nAAECAw==\n--XX--\n"
#define M3	"Subject: three\n\nbody three\n"
#define N1	"new/1000000001.a.host"
#define N2	"new/1000000002.b.host"
#define N3	"new/1000000003.c.host"

/* Read until the last complete line starts with stop (10 s at most). */
static char *
read_upto(struct child *c, const char *stop)
{
	struct pollfd	 pfd;
	char		*got, *ls;
	size_t		 have = 0, cap = 65536, sl = strlen(stop);
	ssize_t		 n;

	ATF_REQUIRE((got = calloc(1, cap + 1)) != NULL);
	for (;;) {
		if (have >= 2 && got[have - 2] == '\r' &&
		    got[have - 1] == '\n') {
			got[have] = '\0';
			for (ls = got + have - 2; ls > got && ls[-1] != '\n';
			    ls--)
				;
			if (strncmp(ls, stop, sl) == 0)
				return got;
		}
		if (have == cap) {
			ATF_REQUIRE((got = realloc(got, 2 * cap + 1)) != NULL);
			cap *= 2;
		}
		pfd.fd = c->fd;
		pfd.events = POLLIN;
		ATF_REQUIRE_MSG(poll(&pfd, 1, 10000) == 1,
		    "timeout waiting for \"%s\"; have \"%s\"", stop, got);
		n = read(c->fd, got + have, cap - have);
		ATF_REQUIRE(n >= 0);
		ATF_REQUIRE_MSG(n > 0, "EOF waiting for \"%s\"; have \"%s\"",
		    stop, got);
		have += n;
		got[have] = '\0';
	}
}

/* Send a command line; all it brought, up to its tagged response. */
static char *
tagged(struct child *c, const char *line)
{
	char	tag[64], out[8192];
	size_t	n = strcspn(line, " ");

	ATF_REQUIRE(n < sizeof(tag) - 1);
	memcpy(tag, line, n);
	tag[n] = ' ';
	tag[n + 1] = '\0';
	snprintf(out, sizeof(out), "%s\r\n", line);
	say(c, out);
	return read_upto(c, tag);
}

/* Everything up to the tagged response must be exp. */
static void
cmd(struct child *c, const char *line, const char *exp)
{
	char	*got;

	got = tagged(c, line);
	if (exp != NULL)
		ATF_CHECK_MSG(strcmp(got, exp) == 0,
		    "%s:\nhave \"%s\"\nwant \"%s\"", line, got, exp);
	free(got);
}

/* The same, but only checking that each of the lines is there. */
static void
cmd_has(struct child *c, const char *line, const char **lines)
{
	char	*got;

	got = tagged(c, line);
	for (; *lines != NULL; lines++)
		ATF_CHECK_MSG(strstr(got, *lines) != NULL,
		    "%s:\nhave \"%s\"\nmissing \"%s\"", line, got, *lines);
	free(got);
}

#define CAPS	"IMAP4rev1 IMAP4rev2 LITERAL+ ID ENABLE IDLE NAMESPACE " \
		"UNSELECT UIDPLUS MOVE CHILDREN LIST-EXTENDED LIST-STATUS " \
		"SPECIAL-USE ESEARCH SEARCHRES BINARY STATUS=SIZE " \
		"APPENDLIMIT=67108864"

/* The three messages most cases use. */
static const struct fixture_msg inbox[] = {
	{ N1, M1 }, { N2, M2 }, { N3, M3 }
};

static const struct session_setup imap = {
	PROTO_IMAP, imap_session, "a0 OK [CAPABILITY " CAPS "] Logged in\r\n",
	inbox, sizeof(inbox) / sizeof(inbox[0])
};

static void
logout(struct child *c)
{
	cmd(c, "z LOGOUT", "* BYE Logging out\r\nz OK Logout completed.\r\n");
	expect_exit(c, 0);
}

/* SELECT INBOX of the fixture, by an IMAP4rev1 client. */
static void
select_inbox(struct child *c, uint32_t uv)
{
	char	exp[1024];

	snprintf(exp, sizeof(exp), "* FLAGS (\\Answered \\Flagged \\Deleted "
	    "\\Seen \\Draft)\r\n* OK [PERMANENTFLAGS (\\Answered \\Flagged "
	    "\\Deleted \\Seen \\Draft \\*)] Flags permitted.\r\n"
	    "* 3 EXISTS\r\n* 3 RECENT\r\n* OK [UNSEEN 1] First unseen.\r\n"
	    "* OK [UIDVALIDITY %u] UIDs valid\r\n"
	    "* OK [UIDNEXT 4] Predicted next UID\r\n"
	    "s OK [READ-WRITE] SELECT completed.\r\n", uv);
	cmd(c, "s SELECT INBOX", exp);
}

/* A session over the usual fixture with its INBOX selected. */
static void
open_inbox(struct child *c)
{
	select_inbox(c, session_begin(c, &imap));
}

ATF_TC_WITHOUT_HEAD(any_state);
ATF_TC_BODY(any_state, tc)
{
	struct child		c;
	uint32_t		uv;

	uv = session_begin(&c, &imap);
	cmd(&c, "a CAPABILITY", "* CAPABILITY " CAPS "\r\n"
	    "a OK CAPABILITY completed.\r\n");
	cmd(&c, "b NOOP", "b OK NOOP completed.\r\n");
	cmd(&c, "c ID (\"name\" \"test\" \"version\" NIL)",
	    "* ID (\"name\" \"postern\")\r\nc OK ID completed.\r\n");
	cmd(&c, "d ID NIL", "* ID (\"name\" \"postern\")\r\n"
	    "d OK ID completed.\r\n");
	cmd(&c, "e NAMESPACE", "* NAMESPACE ((\"\" \".\")) NIL NIL\r\n"
	    "e OK NAMESPACE completed.\r\n");
	cmd(&c, "f LOGIN alice secret", "f BAD Already authenticated\r\n");
	cmd(&c, "g AUTHENTICATE PLAIN", "g BAD Already authenticated\r\n");
	cmd(&c, "h STARTTLS", "h BAD STARTTLS is only allowed before "
	    "login\r\n");
	cmd(&c, "i FETCH 1 FLAGS", "i BAD No mailbox selected\r\n");
	cmd(&c, "j CLOSE", "j BAD No mailbox selected\r\n");
	cmd(&c, "k UID SEARCH ALL", "k BAD No mailbox selected\r\n");
	cmd(&c, "l XYZZY", "l BAD Unknown command\r\n");
	cmd(&c, "m ENABLE CONDSTORE", "* ENABLED\r\nm OK ENABLE completed."
	    "\r\n");
	cmd(&c, "n CHECK", "n BAD No mailbox selected\r\n");
	say(&c, "\r\n");
	expect(&c, "* BAD Empty command line\r\n");
	cmd(&c, "o SELECT", "o BAD Missing argument\r\n");
	select_inbox(&c, uv);
	cmd(&c, "p ENABLE IMAP4rev2", "p BAD ENABLE is not allowed with a "
	    "mailbox selected\r\n");
	cmd(&c, "q CHECK", "q OK CHECK completed.\r\n");
	logout(&c);
}

ATF_TC_WITHOUT_HEAD(fetch);
ATF_TC_BODY(fetch, tc)
{
	struct child		c;

	open_inbox(&c);
	cmd(&c, "f1 FETCH 1:* (UID FLAGS RFC822.SIZE)",
	    "* 1 FETCH (UID 1 FLAGS (\\Recent) RFC822.SIZE 115)\r\n"
	    "* 2 FETCH (UID 2 FLAGS (\\Recent) RFC822.SIZE 369)\r\n"
	    "* 3 FETCH (UID 3 FLAGS (\\Recent) RFC822.SIZE 30)\r\n"
	    "f1 OK FETCH completed.\r\n");
	cmd(&c, "f2 FETCH 1 ENVELOPE", "* 1 FETCH (ENVELOPE (\"Mon, 1 Jan "
	    "2024 10:00:00 +0000\" \"one\" ((\"Alice\" NIL \"a\" "
	    "\"example.org\")) ((\"Alice\" NIL \"a\" \"example.org\")) "
	    "((\"Alice\" NIL \"a\" \"example.org\")) ((NIL NIL \"b\" "
	    "\"example.org\")) NIL NIL NIL NIL))\r\nf2 OK FETCH completed."
	    "\r\n");
	cmd(&c, "f3 FETCH 1 BODY.PEEK[]", "* 1 FETCH (BODY[] {115}\r\n" M1W
	    ")\r\nf3 OK FETCH completed.\r\n");
	cmd(&c, "f4 FETCH 1 (BODY.PEEK[HEADER.FIELDS (subject)] "
	    "BODY.PEEK[TEXT]<6.100> BODY.PEEK[TEXT]<50.10>)",
	    "* 1 FETCH (BODY[HEADER.FIELDS (subject)] {16}\r\n"
	    "Subject: one\r\n\r\n BODY[TEXT]<6> {7}\r\nworld\r\n"
	    " BODY[TEXT]<50> {0}\r\n)\r\nf4 OK FETCH completed.\r\n");
	/* Without .PEEK \Seen is set and FLAGS reported. */
	cmd(&c, "f5 FETCH 3 BODY[TEXT]", "* 3 FETCH (BODY[TEXT] {12}\r\n"
	    "body three\r\n FLAGS (\\Seen \\Recent))\r\n"
	    "f5 OK FETCH completed.\r\n");
	cmd(&c, "f6 FETCH 3 (FLAGS RFC822.TEXT)", "* 3 FETCH (FLAGS (\\Seen "
	    "\\Recent) RFC822.TEXT {12}\r\nbody three\r\n)\r\n"
	    "f6 OK FETCH completed.\r\n");
	SAY_N(&c, "f7 FETCH 2 (BODY.PEEK[1] BINARY.PEEK[1] BINARY.SIZE[1] "
	    "BINARY.PEEK[2] BODY.PEEK[2.MIME] BODY.PEEK[9])\r\n");
	EXPECT_N(&c, "* 2 FETCH (BODY[1] {16}\r\ncaf=C3=A9 needle"
	    " BINARY[1] {12}\r\ncaf\xc3\xa9 needle BINARY.SIZE[1] 12"
	    " BINARY[2] ~{4}\r\n\x00\x01\x02\x03 BODY[2.MIME] {77}\r\n"
	    "Content-Type: application/octet-stream\r\n"
	    "Content-Transfer-Encoding: base64\r\n\r\n BODY[9] NIL)\r\n"
	    "f7 OK FETCH completed.\r\n");
	cmd(&c, "f8 UID FETCH 2:3 (FLAGS)", "* 2 FETCH (UID 2 FLAGS "
	    "(\\Recent))\r\n* 3 FETCH (UID 3 FLAGS (\\Seen \\Recent))\r\n"
	    "f8 OK FETCH completed.\r\n");
	cmd(&c, "f9 UID FETCH 7:9 UID", "f9 OK FETCH completed.\r\n");
	cmd(&c, "fa UID FETCH 9:* UID", "* 3 FETCH (UID 3)\r\n"
	    "fa OK FETCH completed.\r\n");
	cmd(&c, "fb FETCH 4 UID", "fb BAD Invalid message sequence "
	    "number\r\n");
	cmd(&c, "fc FETCH 1 (MODSEQ)", "fc BAD MODSEQ, CHANGEDSINCE and "
	    "VANISHED need CONDSTORE and QRESYNC, which are not supported\r\n");
	cmd(&c, "fd FETCH 1 BODY[1.HEADER]", "* 1 FETCH (BODY[1.HEADER] NIL "
	    "FLAGS (\\Seen \\Recent))\r\nfd OK FETCH completed.\r\n");
	cmd(&c, "fe FETCH 2 BODYSTRUCTURE", "* 2 FETCH (BODYSTRUCTURE "
	    "((\"TEXT\" \"PLAIN\" (\"CHARSET\" \"utf-8\") NIL NIL "
	    "\"QUOTED-PRINTABLE\" 16 1 NIL NIL NIL NIL)(\"APPLICATION\" "
	    "\"OCTET-STREAM\" NIL NIL NIL \"BASE64\" 8 NIL NIL NIL NIL) "
	    "\"MIXED\" (\"BOUNDARY\" \"XX\") NIL NIL NIL))\r\n"
	    "fe OK FETCH completed.\r\n");
	logout(&c);
}

ATF_TC_WITHOUT_HEAD(examine_readonly);
ATF_TC_BODY(examine_readonly, tc)
{
	struct child		c;
	char			exp[1024];
	uint32_t		uv;

	uv = session_begin(&c, &imap);
	snprintf(exp, sizeof(exp), "* FLAGS (\\Answered \\Flagged \\Deleted "
	    "\\Seen \\Draft)\r\n* OK [PERMANENTFLAGS ()] No permanent flags "
	    "permitted.\r\n* 3 EXISTS\r\n* 3 RECENT\r\n"
	    "* OK [UNSEEN 1] First unseen.\r\n"
	    "* OK [UIDVALIDITY %u] UIDs valid\r\n"
	    "* OK [UIDNEXT 4] Predicted next UID\r\n"
	    "e OK [READ-ONLY] EXAMINE completed.\r\n", uv);
	cmd(&c, "e EXAMINE inbox", exp);
	cmd(&c, "f FETCH 1 BODY[TEXT]", "* 1 FETCH (BODY[TEXT] {13}\r\n"
	    "Hello world\r\n)\r\nf OK FETCH completed.\r\n");
	cmd(&c, "g STORE 1 +FLAGS \\Seen", "g NO [READ-ONLY] Mailbox is "
	    "read-only\r\n");
	cmd(&c, "h EXPUNGE", "h NO [READ-ONLY] Mailbox is read-only\r\n");
	cmd(&c, "i FETCH 1 FLAGS", "* 1 FETCH (FLAGS (\\Recent))\r\n"
	    "i OK FETCH completed.\r\n");
	cmd(&c, "j UNSELECT", "j OK UNSELECT completed.\r\n");
	/* EXAMINE claimed nothing: the first SELECT gets them all. */
	select_inbox(&c, uv);
	cmd(&c, "j3 UNSELECT", "j3 OK UNSELECT completed.\r\n");
	cmd(&c, "k FETCH 1 FLAGS", "k BAD No mailbox selected\r\n");
	cmd(&c, "l SELECT nosuch", "l NO [NONEXISTENT] Mailbox does not "
	    "exist\r\n");
	logout(&c);
}

ATF_TC_WITHOUT_HEAD(store_flags);
ATF_TC_BODY(store_flags, tc)
{
	struct child		c;

	open_inbox(&c);
	cmd(&c, "a STORE 1 +FLAGS (\\Flagged \\Answered)", "* 1 FETCH (FLAGS "
	    "(\\Answered \\Flagged \\Recent))\r\na OK STORE completed.\r\n");
	cmd(&c, "b STORE 1:2 FLAGS.SILENT (\\Seen)",
	    "b OK STORE completed.\r\n");
	cmd(&c, "c UID STORE 2 -FLAGS (\\Seen)", "* 2 FETCH (UID 2 FLAGS "
	    "(\\Recent))\r\nc OK STORE completed.\r\n");
	cmd(&c, "d STORE 3 +FLAGS ($Label1 work)", "* FLAGS (\\Answered "
	    "\\Flagged \\Deleted \\Seen \\Draft $Label1 work)\r\n* OK "
	    "[PERMANENTFLAGS (\\Answered \\Flagged \\Deleted \\Seen \\Draft "
	    "$Label1 work \\*)] Flags permitted.\r\n* 3 FETCH (FLAGS "
	    "($Label1 work \\Recent))\r\nd OK STORE completed.\r\n");
	cmd(&c, "e STORE 3 -FLAGS (work nosuch)", "* 3 FETCH (FLAGS "
	    "($Label1 \\Recent))\r\ne OK STORE completed.\r\n");
	cmd(&c, "f STORE 1 FLAGS \\Foo", "f BAD Unknown system flag\r\n");
	cmd(&c, "g STORE 1 FLAGS (\\Recent)", "g BAD \\Recent cannot be set "
	    "by a client\r\n");
	cmd(&c, "h STORE 5 +FLAGS \\Seen", "h BAD Invalid message sequence "
	    "number\r\n");
	cmd(&c, "i FETCH 1:3 FLAGS", "* 1 FETCH (FLAGS (\\Seen \\Recent))\r\n"
	    "* 2 FETCH (FLAGS (\\Recent))\r\n"
	    "* 3 FETCH (FLAGS ($Label1 \\Recent))\r\n"
	    "i OK FETCH completed.\r\n");
	logout(&c);
}

ATF_TC_WITHOUT_HEAD(search);
ATF_TC_BODY(search, tc)
{
	struct child		c;

	open_inbox(&c);
	cmd(&c, "a SEARCH ALL", "* SEARCH 1 2 3\r\na OK SEARCH completed.\r\n");
	cmd(&c, "b SEARCH FROM alice", "* SEARCH 1\r\n"
	    "b OK SEARCH completed.\r\n");
	cmd(&c, "c SEARCH FROM \"bj\xc3\xb6rn\"", "c BAD 8-bit characters "
	    "in quoted string (use a literal)\r\n");
	say(&c, "c2 SEARCH CHARSET UTF-8 FROM {6}\r\n");
	expect(&c, "+ Ready for literal data\r\n");
	say(&c, "BJ\xc3\xb6rn\r\n");
	expect(&c, "* SEARCH 2\r\nc2 OK SEARCH completed.\r\n");
	say(&c, "d SEARCH CHARSET UTF-8 BODY {5}\r\n");
	expect(&c, "+ Ready for literal data\r\n");
	say(&c, "CAF\xc3\x89\r\n");
	expect(&c, "* SEARCH 2\r\nd OK SEARCH completed.\r\n");
	cmd(&c, "e SEARCH TEXT needle", "* SEARCH 2\r\n"
	    "e OK SEARCH completed.\r\n");
	cmd(&c, "f SEARCH TEXT subject", "* SEARCH 1 2 3\r\n"
	    "f OK SEARCH completed.\r\n");
	cmd(&c, "g SEARCH HEADER Content-Type \"\"", "* SEARCH 2\r\n"
	    "g OK SEARCH completed.\r\n");
	cmd(&c, "h SEARCH SENTSINCE 2-Mar-2024", "* SEARCH 2\r\n"
	    "h OK SEARCH completed.\r\n");
	cmd(&c, "i SEARCH SENTON 1-Jan-2024", "* SEARCH 1\r\n"
	    "i OK SEARCH completed.\r\n");
	cmd(&c, "j SEARCH LARGER 100 SMALLER 200", "* SEARCH 1\r\n"
	    "j OK SEARCH completed.\r\n");
	cmd(&c, "k UID SEARCH OR SUBJECT one SUBJECT three", "* SEARCH 1 3\r\n"
	    "k OK SEARCH completed.\r\n");
	cmd(&c, "l SEARCH NOT 2 RECENT", "* SEARCH 1 3\r\n"
	    "l OK SEARCH completed.\r\n");
	cmd(&c, "m SEARCH CHARSET KOI8-R ALL", "m NO [BADCHARSET (US-ASCII "
	    "UTF-8)] Unsupported charset\r\n");
	cmd(&c, "n SEARCH RETURN (MIN MAX COUNT) 2:3", "* ESEARCH (TAG \"n\") "
	    "MIN 2 MAX 3 COUNT 2\r\nn OK SEARCH completed.\r\n");
	cmd(&c, "o UID SEARCH RETURN () SUBJECT nothing", "* ESEARCH (TAG "
	    "\"o\") UID\r\no OK SEARCH completed.\r\n");
	cmd(&c, "p SEARCH RETURN (SAVE) OR 1 3", "p OK SEARCH completed.\r\n");
	cmd(&c, "q FETCH $ UID", "* 1 FETCH (UID 1)\r\n* 3 FETCH (UID 3)\r\n"
	    "q OK FETCH completed.\r\n");
	cmd(&c, "r UID SEARCH RETURN (SAVE ALL) $ NOT 1", "* ESEARCH (TAG "
	    "\"r\") UID ALL 3\r\nr OK SEARCH completed.\r\n");
	cmd(&c, "s UID FETCH $ UID", "* 3 FETCH (UID 3)\r\n"
	    "s OK FETCH completed.\r\n");
	cmd(&c, "t SEARCH KEYWORD $Junk", "* SEARCH\r\n"
	    "t OK SEARCH completed.\r\n");
	cmd(&c, "u SEARCH MODSEQ 5", "u BAD MODSEQ needs CONDSTORE, which is "
	    "not supported\r\n");
	logout(&c);
}

ATF_TC_WITHOUT_HEAD(literals_append);
ATF_TC_BODY(literals_append, tc)
{
	struct child		c;
	char			exp[512];
	uint32_t		uv;

	uv = session_begin(&c, &imap);
	/* A synchronizing literal gets its continuation request. */
	say(&c, "a STATUS {5}\r\n");
	expect(&c, "+ Ready for literal data\r\n");
	say(&c, "INBOX (MESSAGES)\r\n");
	expect(&c, "* STATUS INBOX (MESSAGES 3)\r\na OK STATUS completed.\r\n");
	/* An empty one too. */
	say(&c, "a2 CREATE {0}\r\n");
	expect(&c, "+ Ready for literal data\r\n");
	say(&c, "\r\n");
	expect(&c, "a2 NO [CANNOT] CREATE: invalid mailbox name\r\n");
	/* LITERAL+: none. */
	say(&c, "b STATUS {5+}\r\nINBOX (UIDNEXT)\r\n");
	expect(&c, "* STATUS INBOX (UIDNEXT 4)\r\nb OK STATUS completed.\r\n");
	/* A missing mailbox: refused before the message is sent. */
	say(&c, "c APPEND nosuch {10}\r\n");
	expect(&c, "c NO [TRYCREATE] Mailbox does not exist\r\n");
	/* ... and after it when it came anyway. */
	say(&c, "d APPEND nosuch {10+}\r\n0123456789\r\n");
	expect(&c, "d NO [TRYCREATE] Mailbox does not exist\r\n");
	say(&c, "e APPEND INBOX (\\Seen $Sent) \"14-Jul-2023 02:44:25 -0700\" "
	    "{22}\r\n");
	expect(&c, "+ Ready for literal data\r\n");
	say(&c, "Subject: new\r\n\r\nbody\r\n\r\n");
	snprintf(exp, sizeof(exp), "e OK [APPENDUID %u 4] APPEND completed."
	    "\r\n", uv);
	expect(&c, exp);
	snprintf(exp, sizeof(exp), "* FLAGS (\\Answered \\Flagged \\Deleted "
	    "\\Seen \\Draft $Sent)\r\n* OK [PERMANENTFLAGS (\\Answered "
	    "\\Flagged \\Deleted \\Seen \\Draft $Sent \\*)] Flags permitted."
	    "\r\n* 4 EXISTS\r\n* 4 RECENT\r\n* OK [UNSEEN 1] First unseen."
	    "\r\n* OK [UIDVALIDITY %u] UIDs valid\r\n"
	    "* OK [UIDNEXT 5] Predicted next UID\r\n"
	    "s OK [READ-WRITE] SELECT completed.\r\n", uv);
	cmd(&c, "s SELECT INBOX", exp);
	cmd(&c, "f FETCH 4 (FLAGS INTERNALDATE RFC822.SIZE)", "* 4 FETCH "
	    "(FLAGS (\\Seen $Sent \\Recent) INTERNALDATE \"14-Jul-2023 "
	    "09:44:25 +0000\" RFC822.SIZE 22)\r\nf OK FETCH completed.\r\n");
	/* Appending to the selected mailbox: EXISTS before the OK. */
	say(&c, "g APPEND INBOX {10+}\r\nSubject: x\r\n");
	snprintf(exp, sizeof(exp), "* 5 EXISTS\r\n* 5 RECENT\r\n"
	    "g OK [APPENDUID %u 5] APPEND completed.\r\n", uv);
	expect(&c, exp);
	/* Limits: the message, and a literal argument. */
	say(&c, "h APPEND INBOX {99999999999}\r\n");
	expect(&c, "h NO [TOOBIG] Message too large (limit 67108864 "
	    "octets)\r\n");
	say(&c, "i SELECT {999999}\r\n");
	expect(&c, "i BAD [TOOBIG] Literal too large\r\n");
	/* A NUL needs literal8. */
	SAY_N(&c, "j APPEND INBOX {3+}\r\na\0b\r\n");
	expect(&c, "j BAD NUL in message (use literal8)\r\n");
	SAY_N(&c, "k APPEND INBOX ~{3+}\r\na\0b\r\n");
	snprintf(exp, sizeof(exp), "* 6 EXISTS\r\n* 6 RECENT\r\n"
	    "k OK [APPENDUID %u 6] APPEND completed.\r\n", uv);
	expect(&c, exp);
	logout(&c);
}

ATF_TC_WITHOUT_HEAD(mailboxes);
ATF_TC_BODY(mailboxes, tc)
{
	struct child		c;

	session_begin(&c, &imap);
	cmd(&c, "a LIST \"\" \"\"", "* LIST (\\Noselect) \".\" \"\"\r\n"
	    "a OK LIST completed.\r\n");
	cmd(&c, "b LIST \"\" *", "* LIST (\\HasNoChildren) \".\" INBOX\r\n"
	    "* LIST (\\HasNoChildren \\Archive) \".\" Archive\r\n"
	    "* LIST (\\HasNoChildren \\Drafts) \".\" Drafts\r\n"
	    "* LIST (\\HasNoChildren \\Junk) \".\" Junk\r\n"
	    "* LIST (\\HasNoChildren \\Sent) \".\" Sent\r\n"
	    "* LIST (\\HasNoChildren \\Trash) \".\" Trash\r\n"
	    "b OK LIST completed.\r\n");
	cmd(&c, "c CREATE Work.Projects", "c OK CREATE completed.\r\n");
	cmd(&c, "d CREATE Work.", "d NO [ALREADYEXISTS] Mailbox already "
	    "exists\r\n");
	cmd(&c, "e LIST \"\" W%", "* LIST (\\HasChildren) \".\" Work\r\n"
	    "e OK LIST completed.\r\n");
	cmd(&c, "f LIST Work. *", "* LIST (\\HasNoChildren) \".\" "
	    "Work.Projects\r\nf OK LIST completed.\r\n");
	cmd(&c, "g LIST \"\" inbox", "* LIST (\\HasNoChildren) \".\" INBOX\r\n"
	    "g OK LIST completed.\r\n");
	cmd(&c, "h RENAME Work Play", "h OK RENAME completed.\r\n");
	cmd(&c, "i DELETE Play", "i OK DELETE completed.\r\n");
	cmd(&c, "j LIST \"\" Play*", "* LIST (\\Noselect \\HasChildren) \".\" "
	    "Play\r\n* LIST (\\HasNoChildren) \".\" Play.Projects\r\n"
	    "j OK LIST completed.\r\n");
	cmd(&c, "k LIST () \"\" Play*", "* LIST (\\NonExistent \\HasChildren) "
	    "\".\" Play\r\n* LIST (\\HasNoChildren) \".\" Play.Projects\r\n"
	    "k OK LIST completed.\r\n");
	cmd(&c, "l DELETE Play", "l NO [HASCHILDREN] Mailbox has inferior "
	    "hierarchical names\r\n");
	cmd(&c, "m DELETE INBOX", "m NO [CANNOT] INBOX cannot be deleted\r\n");
	cmd(&c, "n DELETE nosuch", "n NO [NONEXISTENT] Mailbox does not "
	    "exist\r\n");
	cmd(&c, "o CREATE inbox", "o NO [ALREADYEXISTS] Mailbox already "
	    "exists\r\n");
	cmd(&c, "p CREATE \"bad*name\"", "p NO [CANNOT] CREATE: invalid "
	    "mailbox name\r\n");
	cmd(&c, "q CREATE Bin (USE (\\Trash))", "q NO [USEATTR] Special use "
	    "is given by the name here\r\n");
	cmd(&c, "r SUBSCRIBE Play.Projects", "r OK SUBSCRIBE completed.\r\n");
	cmd(&c, "s LSUB \"\" %", "* LSUB () \".\" INBOX\r\n"
	    "* LSUB () \".\" Archive\r\n* LSUB () \".\" Drafts\r\n"
	    "* LSUB () \".\" Junk\r\n* LSUB (\\Noselect) \".\" Play\r\n"
	    "* LSUB () \".\" Sent\r\n* LSUB () \".\" Trash\r\n"
	    "s OK LSUB completed.\r\n");
	cmd(&c, "t LIST (SUBSCRIBED RECURSIVEMATCH) \"\" P%", "* LIST "
	    "(\\NonExistent \\HasChildren) \".\" Play (\"CHILDINFO\" "
	    "(\"SUBSCRIBED\"))\r\nt OK LIST completed.\r\n");
	cmd(&c, "u LIST \"\" P* RETURN (SUBSCRIBED STATUS (MESSAGES))",
	    "* LIST (\\NonExistent \\HasChildren) \".\" Play\r\n"
	    "* LIST (\\HasNoChildren \\Subscribed) \".\" Play.Projects\r\n"
	    "* STATUS Play.Projects (MESSAGES 0)\r\nu OK LIST completed.\r\n");
	cmd(&c, "v UNSUBSCRIBE Play.Projects", "v OK UNSUBSCRIBE "
	    "completed.\r\n");
	cmd(&c, "w LIST (SPECIAL-USE) \"\" *", "* LIST (\\HasNoChildren "
	    "\\Archive) \".\" Archive\r\n* LIST (\\HasNoChildren \\Drafts) "
	    "\".\" Drafts\r\n* LIST (\\HasNoChildren \\Junk) \".\" Junk\r\n"
	    "* LIST (\\HasNoChildren \\Sent) \".\" Sent\r\n"
	    "* LIST (\\HasNoChildren \\Trash) \".\" Trash\r\n"
	    "w OK LIST completed.\r\n");
	cmd(&c, "x STATUS INBOX (MESSAGES RECENT UIDNEXT UNSEEN SIZE "
	    "DELETED)", "* STATUS INBOX (MESSAGES 3 RECENT 3 UIDNEXT 4 "
	    "UNSEEN 3 DELETED 0 SIZE 514)\r\nx OK STATUS completed.\r\n");
	cmd(&c, "y STATUS nosuch (MESSAGES)", "y NO [NONEXISTENT] Mailbox "
	    "does not exist\r\n");
	cmd(&c, "z1 CREATE \"&AMk-t&AOk-\"", "z1 OK CREATE completed.\r\n");
	cmd(&c, "z2 LIST \"\" &AMk-*", "* LIST (\\HasNoChildren) \".\" "
	    "&AMk-t&AOk-\r\nz2 OK LIST completed.\r\n");
	cmd(&c, "z3 CREATE \"&Jjo\"", "z3 NO [CANNOT] CREATE: invalid "
	    "mailbox name\r\n");
	cmd(&c, "z4 RENAME INBOX Old", "z4 OK RENAME completed.\r\n");
	cmd(&c, "z5 STATUS INBOX (MESSAGES)", "* STATUS INBOX (MESSAGES 0)\r\n"
	    "z5 OK STATUS completed.\r\n");
	cmd(&c, "z6 STATUS Old (MESSAGES)", "* STATUS Old (MESSAGES 3)\r\n"
	    "z6 OK STATUS completed.\r\n");
	cmd(&c, "z7 RENAME nosuch x", "z7 NO [NONEXISTENT] Mailbox does not "
	    "exist\r\n");
	cmd(&c, "z8 RENAME Old Trash", "z8 NO [ALREADYEXISTS] Target mailbox "
	    "already exists\r\n");
	logout(&c);
}

ATF_TC_WITHOUT_HEAD(copy_move_expunge);
ATF_TC_BODY(copy_move_expunge, tc)
{
	struct child		c;
	static const char	*copy[] = { " 1:2 1:2] COPY completed.\r\n",
				    "a OK [COPYUID ", NULL };
	static const char	*move[] = { "* OK [COPYUID ",
				    " 1 1] Moved UIDs.\r\n* 1 EXPUNGE\r\n"
				    "b OK MOVE completed.\r\n", NULL };

	open_inbox(&c);
	cmd_has(&c, "a COPY 1:2 Trash", copy);
	cmd_has(&c, "b MOVE 1 Archive", move);
	cmd(&c, "c COPY 1 nosuch", "c NO [TRYCREATE] Mailbox does not "
	    "exist\r\n");
	cmd(&c, "d MOVE 1 INBOX", "d NO [CANNOT] Messages cannot be moved "
	    "into their own mailbox\r\n");
	cmd(&c, "e STORE 1:2 +FLAGS.SILENT (\\Deleted)",
	    "e OK STORE completed.\r\n");
	cmd(&c, "f UID EXPUNGE 3", "* 2 EXPUNGE\r\nf OK EXPUNGE completed."
	    "\r\n");
	cmd(&c, "g FETCH 1:* UID", "* 1 FETCH (UID 2)\r\n"
	    "g OK FETCH completed.\r\n");
	cmd(&c, "h EXPUNGE", "* 1 EXPUNGE\r\nh OK EXPUNGE completed.\r\n");
	cmd(&c, "i STATUS Trash (MESSAGES)", "* STATUS Trash (MESSAGES 2)\r\n"
	    "i OK STATUS completed.\r\n");
	cmd(&c, "j SELECT Trash", NULL);
	logout(&c);
}

ATF_TC_WITHOUT_HEAD(close_expunges);
ATF_TC_BODY(close_expunges, tc)
{
	struct child		c;

	open_inbox(&c);
	cmd(&c, "a STORE 2 +FLAGS.SILENT \\Deleted", "a OK STORE completed."
	    "\r\n");
	cmd(&c, "b CLOSE", "b OK CLOSE completed.\r\n");
	cmd(&c, "c STATUS INBOX (MESSAGES)", "* STATUS INBOX (MESSAGES 2)\r\n"
	    "c OK STATUS completed.\r\n");
	logout(&c);
}

ATF_TC_WITHOUT_HEAD(idle);
ATF_TC_BODY(idle, tc)
{
	struct child		c;

	open_inbox(&c);
	say(&c, "i IDLE\r\n");
	expect(&c, "+ idling\r\n");
	expect_quiet(&c);
	deliver("1000000004.d.host", "Subject: four\n\nfour\n");
	expect(&c, "* 4 EXISTS\r\n* 4 RECENT\r\n");
	rename("md/new/1000000001.a.host", "md/cur/1000000001.a.host:2,F");
	expect(&c, "* 1 FETCH (UID 1 FLAGS (\\Flagged \\Recent))\r\n");
	unlink("md/new/1000000002.b.host");
	expect(&c, "* 2 EXPUNGE\r\n");
	say(&c, "DONE\r\n");
	expect(&c, "i OK IDLE terminated.\r\n");
	say(&c, "j IDLE\r\n");
	expect(&c, "+ idling\r\n");
	say(&c, "NOTDONE\r\n");
	expect(&c, "j BAD Expected DONE\r\n");
	cmd(&c, "k UNSELECT", "k OK UNSELECT completed.\r\n");
	say(&c, "l IDLE\r\n");
	expect(&c, "+ idling\r\n");
	say(&c, "done\r\n");
	expect(&c, "l OK IDLE terminated.\r\n");
	logout(&c);
}

ATF_TC_WITHOUT_HEAD(two_sessions);
ATF_TC_BODY(two_sessions, tc)
{
	struct session_init	init;
	struct child		a, b;
	char			exp[1024];
	uint32_t		uv;

	uv = session_fixture(&imap);
	session_defaults(&init, &imap);
	session_login(&a, &init, &imap);
	session_login(&b, &init, &imap);
	select_inbox(&a, uv);
	snprintf(exp, sizeof(exp), "* FLAGS (\\Answered \\Flagged \\Deleted "
	    "\\Seen \\Draft)\r\n* OK [PERMANENTFLAGS (\\Answered \\Flagged "
	    "\\Deleted \\Seen \\Draft \\*)] Flags permitted.\r\n"
	    "* 3 EXISTS\r\n* 0 RECENT\r\n* OK [UNSEEN 1] First unseen.\r\n"
	    "* OK [UIDVALIDITY %u] UIDs valid\r\n"
	    "* OK [UIDNEXT 4] Predicted next UID\r\n"
	    "s OK [READ-WRITE] SELECT completed.\r\n", uv);
	cmd(&b, "s SELECT INBOX", exp);
	cmd(&a, "a1 STORE 1 +FLAGS (\\Flagged)", "* 1 FETCH (FLAGS (\\Flagged "
	    "\\Recent))\r\na1 OK STORE completed.\r\n");
	cmd(&b, "b1 NOOP", "* 1 FETCH (UID 1 FLAGS (\\Flagged))\r\n"
	    "b1 OK NOOP completed.\r\n");
	cmd(&a, "a2 STORE 2 +FLAGS.SILENT (\\Deleted)", "a2 OK STORE "
	    "completed.\r\n");
	cmd(&a, "a3 EXPUNGE", "* 2 EXPUNGE\r\na3 OK EXPUNGE completed.\r\n");
	/* No EXPUNGE during FETCH, STORE or SEARCH by number. */
	cmd(&b, "b2 SEARCH ALL", "* SEARCH 1 2 3\r\nb2 OK SEARCH completed."
	    "\r\n");
	cmd(&b, "b3 FETCH 2 BODY.PEEK[TEXT]", "b3 NO [EXPUNGEISSUED] Some of "
	    "the messages no longer exist\r\n");
	cmd(&b, "b4 FETCH 1:3 UID", "* 1 FETCH (UID 1)\r\n* 3 FETCH (UID 3)"
	    "\r\nb4 NO [EXPUNGEISSUED] Some of the messages no longer exist"
	    "\r\n");
	cmd(&b, "b5 STORE 3 +FLAGS \\Seen", "* 3 FETCH (FLAGS (\\Seen))\r\n"
	    "b5 OK STORE completed.\r\n");
	/* A UID command may. */
	cmd(&b, "b6 UID FETCH 3 FLAGS", "* 3 FETCH (UID 3 FLAGS (\\Seen))\r\n"
	    "* 2 EXPUNGE\r\nb6 OK FETCH completed.\r\n");
	cmd(&a, "a4 NOOP", "* 2 FETCH (UID 3 FLAGS (\\Seen \\Recent))\r\n"
	    "a4 OK NOOP completed.\r\n");
	logout(&a);
	logout(&b);
}

ATF_TC_WITHOUT_HEAD(rev2);
ATF_TC_BODY(rev2, tc)
{
	struct session_init	init;
	struct child		c, d;
	char			exp[1024];
	uint32_t		uv;

	uv = session_fixture(&imap);
	session_defaults(&init, &imap);
	session_login(&c, &init, &imap);
	cmd(&c, "a ENABLE IMAP4rev2", "* ENABLED IMAP4rev2\r\n"
	    "a OK ENABLE completed.\r\n");
	cmd(&c, "b ENABLE IMAP4rev2", "* ENABLED\r\nb OK ENABLE completed."
	    "\r\n");
	snprintf(exp, sizeof(exp), "* FLAGS (\\Answered \\Flagged \\Deleted "
	    "\\Seen \\Draft)\r\n* OK [PERMANENTFLAGS (\\Answered \\Flagged "
	    "\\Deleted \\Seen \\Draft \\*)] Flags permitted.\r\n"
	    "* 3 EXISTS\r\n* OK [UIDVALIDITY %u] UIDs valid\r\n"
	    "* OK [UIDNEXT 4] Predicted next UID\r\n"
	    "* LIST (\\HasNoChildren) \".\" INBOX\r\n"
	    "s OK [READ-WRITE] SELECT completed.\r\n", uv);
	cmd(&c, "s SELECT INBOX", exp);
	cmd(&c, "c FETCH 1 FLAGS", "* 1 FETCH (FLAGS ())\r\n"
	    "c OK FETCH completed.\r\n");
	cmd(&c, "d SEARCH ALL", "* ESEARCH (TAG \"d\") ALL 1:3\r\n"
	    "d OK SEARCH completed.\r\n");
	cmd(&c, "e UID SEARCH SUBJECT nothing", "* ESEARCH (TAG \"e\") UID\r\n"
	    "e OK SEARCH completed.\r\n");
	cmd(&c, "f CREATE \"\xc3\x89t\xc3\xa9\"", "f OK CREATE completed.\r\n");
	cmd(&c, "g LIST \"\" \"\xc3\x89*\"", "* LIST (\\HasNoChildren) \".\" "
	    "\"\xc3\x89t\xc3\xa9\"\r\ng OK LIST completed.\r\n");
	cmd_has(&c, "h SELECT \"\xc3\x89t\xc3\xa9\"", (const char *[]){
	    "* OK [CLOSED] Previous mailbox is now closed.\r\n",
	    "* 0 EXISTS\r\n", "h OK [READ-WRITE] SELECT completed.\r\n",
	    NULL });
	session_login(&d, &init, &imap);
	cmd(&d, "a LIST \"\" &AMk-*", "* LIST (\\HasNoChildren) \".\" "
	    "&AMk-t&AOk-\r\na OK LIST completed.\r\n");
	logout(&d);
	logout(&c);
}

ATF_TC_WITHOUT_HEAD(terminate);
ATF_TC_BODY(terminate, tc)
{
	struct session_init	init;
	struct child		c;

	session_fixture(&imap);
	session_defaults(&init, &imap);
	session_login(&c, &init, &imap);
	cmd(&c, "a NOOP", "a OK NOOP completed.\r\n");
	ATF_REQUIRE(kill(c.pid, SIGTERM) == 0);
	expect(&c, "* BYE Server shutting down.\r\n");
	expect_exit(&c, 0);
	/* In IDLE too. */
	session_login(&c, &init, &imap);
	cmd(&c, "b SELECT INBOX", NULL);
	say(&c, "c IDLE\r\n");
	expect(&c, "+ idling\r\n");
	ATF_REQUIRE(kill(c.pid, SIGTERM) == 0);
	expect(&c, "* BYE Server shutting down.\r\n");
	expect_exit(&c, 0);
}

ATF_TC_WITHOUT_HEAD(autologout);
ATF_TC_BODY(autologout, tc)
{
	struct session_init	init;
	struct child		c;

	session_fixture(&imap);
	session_defaults(&init, &imap);
	init.idle_timeout = 1;
	session_login(&c, &init, &imap);
	expect(&c, "* BYE Autologout; idle for too long\r\n");
	expect_exit(&c, 0);
	/* IDLE too. */
	session_login(&c, &init, &imap);
	say(&c, "i IDLE\r\n");
	expect(&c, "+ idling\r\n* BYE Autologout; idle for too long\r\n");
	expect_exit(&c, 0);
}

ATF_TC_WITHOUT_HEAD(pipelined);
ATF_TC_BODY(pipelined, tc)
{
	struct child		c;

	session_begin(&c, &imap);
	say(&c, "a NOOP\r\nb STATUS INBOX (MESSAGES)\r\nc LOGOUT\r\n");
	expect(&c, "a OK NOOP completed.\r\n* STATUS INBOX (MESSAGES 3)\r\n"
	    "b OK STATUS completed.\r\n* BYE Logging out\r\n"
	    "c OK Logout completed.\r\n");
	expect_exit(&c, 0);
}

ATF_TP_ADD_TCS(tp)
{
	ATF_TP_ADD_TC(tp, any_state);
	ATF_TP_ADD_TC(tp, fetch);
	ATF_TP_ADD_TC(tp, examine_readonly);
	ATF_TP_ADD_TC(tp, store_flags);
	ATF_TP_ADD_TC(tp, search);
	ATF_TP_ADD_TC(tp, literals_append);
	ATF_TP_ADD_TC(tp, mailboxes);
	ATF_TP_ADD_TC(tp, copy_move_expunge);
	ATF_TP_ADD_TC(tp, close_expunges);
	ATF_TP_ADD_TC(tp, idle);
	ATF_TP_ADD_TC(tp, two_sessions);
	ATF_TP_ADD_TC(tp, rev2);
	ATF_TP_ADD_TC(tp, terminate);
	ATF_TP_ADD_TC(tp, autologout);
	ATF_TP_ADD_TC(tp, pipelined);
	return atf_no_error();
}
