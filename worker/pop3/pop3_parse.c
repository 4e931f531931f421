/*
 * POP3 command line parsing, for the worker (pre-login) and the session
 * (post-login).  Keywords are case-insensitive; arguments are separated
 * by single or repeated spaces.  PASS takes the rest of the line as one
 * argument, since passwords may contain spaces (RFC 1939, section 7).
 */
#include <ctype.h>
#include <string.h>
#include <strings.h>

#include "pop3.h"

static const struct {
	const char		*name;
	enum pop3_cmd_id	 id;
} pop3_cmds[] = {
	{ "APOP", POP3_APOP }, { "AUTH", POP3_AUTH }, { "CAPA", POP3_CAPA },
	{ "DELE", POP3_DELE }, { "LIST", POP3_LIST }, { "NOOP", POP3_NOOP },
	{ "PASS", POP3_PASS }, { "QUIT", POP3_QUIT }, { "RETR", POP3_RETR },
	{ "RSET", POP3_RSET }, { "STAT", POP3_STAT }, { "STLS", POP3_STLS },
	{ "TOP", POP3_TOP }, { "UIDL", POP3_UIDL }, { "USER", POP3_USER },
};

int
pop3_parse(char *line, size_t len, struct pop3_cmd *cmd)
{
	char	*p, *end = line + len;
	size_t	 i;

	memset(cmd, 0, sizeof(*cmd));
	for (p = line; p < end; p++)
		if (*p == '\0' || (iscntrl((unsigned char)*p) && *p != '\t'))
			return POP3_PARSE_BADCHAR;
	p = line;
	while (*p == ' ')
		p++;
	if (*p == '\0')
		return POP3_PARSE_EMPTY;
	cmd->name = p;
	while (*p != '\0' && *p != ' ')
		p++;
	if (*p == ' ')
		*p++ = '\0';
	for (i = 0; i < sizeof(pop3_cmds) / sizeof(pop3_cmds[0]); i++)
		if (strcasecmp(cmd->name, pop3_cmds[i].name) == 0) {
			cmd->id = pop3_cmds[i].id;
			break;
		}
	if (cmd->id == POP3_PASS) {
		/* One argument: everything after the single space. */
		if (*p != '\0')
			cmd->argv[cmd->argc++] = p;
		return POP3_PARSE_OK;
	}
	for (;;) {
		while (*p == ' ')
			p++;
		if (*p == '\0')
			break;
		if (cmd->argc == POP3_MAXARGS)
			return POP3_PARSE_TOOMANY;
		cmd->argv[cmd->argc++] = p;
		while (*p != '\0' && *p != ' ')
			p++;
		if (*p == ' ')
			*p++ = '\0';
	}
	return POP3_PARSE_OK;
}

/*
 * A message number: decimal digits only, no sign, no leading spaces,
 * at least 1.  Returns 0 and the number, -1 for anything else.
 */
int
pop3_msgnum(const char *s, unsigned long *n)
{
	unsigned long	v = 0;

	if (*s == '\0' || strlen(s) > 9)
		return -1;
	for (; *s != '\0'; s++) {
		if (!isdigit((unsigned char)*s))
			return -1;
		v = v * 10 + (*s - '0');
	}
	if (v == 0)
		return -1;
	*n = v;
	return 0;
}
