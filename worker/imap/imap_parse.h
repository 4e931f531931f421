/*
 * The IMAP command parser, fed a client's input a line and a literal
 * at a time, as the pre-login worker and the post-login session read
 * it.  A line is what io_getline() returns (CRLF removed, length
 * counting any NUL); a literal's octets come after the line that
 * announced it.  Each call says what the parser needs next:
 *
 *	IMAP_PARSE_DONE		*cmdp holds a full command, which the
 *				caller owns (imap_cmd_free()); then a line.
 *	IMAP_PARSE_LINE		give it the next line.
 *	IMAP_PARSE_LITERAL	give it imap_parser_literal_left() octets
 *				(in pieces if you like).  If
 *				imap_parser_literal_sync() says so, send a
 *				continuation ("+ ...") first.  A command's
 *				APPEND message may instead be read by the
 *				caller itself (imap_parser_literal_external).
 *	IMAP_PARSE_ERROR	send imap_parser_error() (formatted by
 *				imap_parser_error_line()); a BYE means close
 *				the connection.  Otherwise go on with
 *				imap_parser_want(): the parser skips what is
 *				left of the bad command (a non-synchronizing
 *				literal the client sends regardless, and the
 *				line after it) by itself.
 *
 * Read lines with io_getline(io, limits.line_max, ...) and tell the
 * parser about one it dropped as too long with imap_parser_toolong().
 * A bad command is refused before its synchronizing literal is asked
 * for; with a non-synchronizing one the verdict may come once the
 * whole command is in.  Neither AUTHENTICATE's client responses nor
 * IDLE's "DONE" (imap_is_done_line()) are commands: read those lines
 * directly.  Nothing a client sends can grow memory past the limits
 * below; a zero limit means its default.
 */
#ifndef POSTERN_IMAP_PARSE_H
#define POSTERN_IMAP_PARSE_H

#include <stddef.h>
#include <stdint.h>

#include "imap_cmd.h"

struct imap_limits {
	size_t		line_max;	/* one line, CRLF excluded */
	/* A command's lines and literals, but its APPEND message. */
	size_t		cmd_max;
	size_t		literal_max;	/* one, not the message */
	uint64_t	append_max;	/* the APPEND message */
	/*
	 * A refused non-synchronizing literal up to this size is read
	 * and dropped; a larger one ends the connection (BYE).
	 */
	uint64_t	discard_max;
	size_t		args_max;	/* tokens in a command */
	size_t		literals_max;	/* literals in a command */
	int		depth_max;	/* parenthesis nesting */
	int		search_depth_max; /* search key nesting */
};

#define IMAP_LINE_MAX_DEFAULT		(64 * 1024)
#define IMAP_CMD_MAX_DEFAULT		(256 * 1024)
#define IMAP_LITERAL_MAX_DEFAULT	(64 * 1024)
#define IMAP_APPEND_MAX_DEFAULT		((uint64_t)64 * 1024 * 1024)
#define IMAP_ARGS_MAX_DEFAULT		10000
#define IMAP_LITERALS_MAX_DEFAULT	128
#define IMAP_DEPTH_MAX_DEFAULT		32
#define IMAP_SEARCH_DEPTH_MAX_DEFAULT	64

/* RFC 7888 LITERAL-, and RFC 9051 4.3: the non-synchronizing limit. */
#define IMAP_LITERAL_MINUS_MAX		4096

/* Parser flags: what the session has advertised or enabled. */
/* UTF-8 in quoted strings (IMAP4rev2, UTF8=ACCEPT). */
#define IMAP_PF_UTF8		0x01
#define IMAP_PF_LITERAL_PLUS	0x02	/* LITERAL+, not LITERAL- */
#define IMAP_PF_BINARY		0x04	/* literal8 APPEND (3516) */

enum imap_parse_status {
	IMAP_PARSE_DONE = 1,
	IMAP_PARSE_LINE,
	IMAP_PARSE_LITERAL,
	IMAP_PARSE_ERROR,
};

enum imap_resp {
	IMAP_RESP_BAD = 1,
	IMAP_RESP_NO,
	IMAP_RESP_BYE,		/* untagged; close the connection after */
};

struct imap_parse_error {
	enum imap_resp	 kind;
	int		 tagged;
	char		 tag[IMAP_TAG_MAX + 1];
	const char	*code;		/* "TOOBIG", say, or NULL */
	char		 text[160];
};

/* What a pending literal will hold. */
enum imap_literal_role {
	IMAP_LIT_STRING = 1,	/* an argument: counted in cmd_max */
	IMAP_LIT_MESSAGE,	/* the APPEND message: append_max */
	IMAP_LIT_DISCARD,	/* of a refused command: drop it */
};

struct imap_parser;

void	imap_limits_default(struct imap_limits *);
struct imap_parser *imap_parser_new(const struct imap_limits *, int);
void	imap_parser_free(struct imap_parser *);
void	imap_parser_set_flags(struct imap_parser *, int);
int	imap_parser_flags(const struct imap_parser *);
void	imap_parser_reset(struct imap_parser *);

int	imap_parser_line(struct imap_parser *, const char *, size_t,
	    struct imap_cmd **);
int	imap_parser_toolong(struct imap_parser *);
int	imap_parser_literal(struct imap_parser *, const void *, size_t,
	    struct imap_cmd **);
int	imap_parser_literal_external(struct imap_parser *);
uint64_t imap_parser_literal_left(const struct imap_parser *);
int	imap_parser_literal_sync(struct imap_parser *);
enum imap_literal_role imap_parser_literal_role(const struct imap_parser *);
int	imap_parser_want(const struct imap_parser *);
const char *imap_parser_tag(const struct imap_parser *);
const char *imap_parser_append_mailbox(const struct imap_parser *);

const struct imap_parse_error *imap_parser_error(const struct imap_parser *);
int	imap_parser_error_line(const struct imap_parser *, char *, size_t);

int	imap_is_done_line(const char *, size_t);

#endif
