/*
 * POP3 (RFC 1939, 2449, 2595, 5034): the command parser shared by the
 * pre-login worker (pop3_login.c) and the post-login session
 * (pop3_session.c).
 */
#ifndef POSTERN_POP3_H
#define POSTERN_POP3_H

/*
 * RFC 2449 caps a command at 255 octets; AUTH lines carry SASL
 * responses (GSSAPI tokens run to several KB), so they get more room.
 */
#define POP3_MAXLINE		255
#define POP3_MAXAUTHLINE	16384
#define POP3_MAXARGS		4

enum pop3_cmd_id {
	POP3_UNKNOWN = 0,
	POP3_USER, POP3_PASS, POP3_APOP, POP3_AUTH, POP3_CAPA, POP3_STLS,
	POP3_QUIT, POP3_STAT, POP3_LIST, POP3_RETR, POP3_DELE, POP3_NOOP,
	POP3_RSET, POP3_TOP, POP3_UIDL,
};

struct pop3_cmd {
	enum pop3_cmd_id id;
	const char	*name;		/* as the client sent it */
	int		 argc;
	char		*argv[POP3_MAXARGS];	/* point into the line */
};

#define POP3_PARSE_OK		0
#define POP3_PARSE_EMPTY	(-1)
#define POP3_PARSE_TOOMANY	(-2)
#define POP3_PARSE_BADCHAR	(-3)	/* NUL or control characters */

int	pop3_parse(char *, size_t, struct pop3_cmd *);
int	pop3_msgnum(const char *, unsigned long *);

#endif
