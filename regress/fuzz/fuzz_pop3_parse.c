/*
 * libFuzzer harness for the POP3 command parser (worker/pop3/pop3_parse.c),
 * which the pre-login worker and the post-login session run on every
 * line a client sends.  The input is one line as io_getline would hand
 * it over (NUL-terminated, its length counting any embedded NUL); the
 * harness checks that the verdict matches the bytes and that every
 * argument lies inside the line, then runs pop3_msgnum on each one.
 * Built by `make fuzz'; run by regress/fuzz/t_fuzz.
 */
#include <ctype.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "pop3.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static int	has_badchar(const char *, size_t);
static void	check_field(const char *, const char *, const char *);
static void	check_msgnum(const char *);

/* What the parser must refuse: NULs and controls other than tab. */
static int
has_badchar(const char *s, size_t len)
{
	size_t	i;

	for (i = 0; i < len; i++)
		if (s[i] == '\0' ||
		    (iscntrl((unsigned char)s[i]) && s[i] != '\t'))
			return 1;
	return 0;
}

/* A name or argument: inside the line, ending at its terminator. */
static void
check_field(const char *f, const char *line, const char *end)
{
	if (f == NULL || f < line || f >= end)
		abort();
	if (f + strlen(f) > end)
		abort();
}

static void
check_msgnum(const char *s)
{
	unsigned long	n = 0;
	const char	*p;

	if (pop3_msgnum(s, &n) == -1)
		return;
	if (n < 1 || n > 999999999UL || *s == '\0')
		abort();
	for (p = s; *p != '\0'; p++)
		if (*p < '0' || *p > '9')
			abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct pop3_cmd	 cmd;
	char		*line, *end;
	int		 i, r, bad;

	if ((line = malloc(size + 1)) == NULL)
		return 0;
	memcpy(line, data, size);
	line[size] = '\0';
	end = line + size;
	bad = has_badchar(line, size);

	r = pop3_parse(line, size, &cmd);
	switch (r) {
	case POP3_PARSE_BADCHAR:
		if (!bad)
			abort();
		break;
	case POP3_PARSE_EMPTY:
	case POP3_PARSE_TOOMANY:
		if (bad)
			abort();
		break;
	case POP3_PARSE_OK:
		if (bad)
			abort();
		check_field(cmd.name, line, end);
		if (*cmd.name == '\0' || strchr(cmd.name, ' ') != NULL)
			abort();
		if (cmd.argc < 0 || cmd.argc > POP3_MAXARGS)
			abort();
		if (cmd.id == POP3_PASS && cmd.argc > 1)
			abort();
		for (i = 0; i < cmd.argc; i++) {
			check_field(cmd.argv[i], line, end);
			if (*cmd.argv[i] == '\0')
				abort();
			if (cmd.id != POP3_PASS &&
			    strchr(cmd.argv[i], ' ') != NULL)
				abort();
			check_msgnum(cmd.argv[i]);
		}
		break;
	default:
		abort();
	}

	/* The number parser on its own, on the raw bytes up to a NUL. */
	memcpy(line, data, size);
	line[size] = '\0';
	check_msgnum(line);

	free(line);
	return 0;
}
