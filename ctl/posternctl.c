/*
 * posternctl: the administrator's tool.  It sends one command over
 * posternd's control socket and prints the answer as a table, as JSON
 * (-j) or as tab-separated values (-t).
 */
#include <sys/types.h>
#include <sys/socket.h>
#include <sys/un.h>

#include <ctype.h>
#include <err.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "buf.h"
#include "msg.h"
#include "proto.h"

#ifndef CTL_SOCKET
#define CTL_SOCKET	"/run/posternd.sock"
#endif

enum fmt { FMT_TABLE, FMT_JSON, FMT_TSV };

struct ctl_cmd {
	const char	*words[3];	/* fixed leading words */
	int		 minargs;	/* further arguments */
	int		 maxargs;
	const char	*usage;
};

static const struct ctl_cmd ctl_cmds[] = {
	{ { "show", "settings" }, 0, 1, "show settings [imap|pop3|submission]" },
	{ { "show", "sessions" }, 0, 0, "show sessions" },
	{ { "show", "stats" }, 0, 0, "show stats" },
	{ { "reload" }, 0, 0, "reload" },
	{ { "kick" }, 1, 1, "kick user|id" },
	{ { "log", "verbose" }, 0, 0, "log verbose" },
	{ { "log", "brief" }, 0, 0, "log brief" },
};

struct rows {
	char	**row;		/* each a tab-separated line */
	size_t	  n;
};

static __attribute__((__noreturn__)) void usage(void);
static const struct ctl_cmd *ctl_lookup(int, char **);
static int	 ctl_connect(const char *);
static void	 print_table(struct rows *);
static void	 print_json(struct rows *);
static void	 print_tsv(struct rows *);
static void	 json_string(const char *, size_t);
static int	 is_number(const char *, size_t);
static size_t	 split(char *, char **, size_t);

static void
usage(void)
{
	size_t	i;

	fprintf(stderr, "usage: posternctl [-jt] [-s socket] command "
	    "[argument ...]\ncommands:\n");
	for (i = 0; i < sizeof(ctl_cmds) / sizeof(ctl_cmds[0]); i++)
		fprintf(stderr, "\t%s\n", ctl_cmds[i].usage);
	exit(1);
}

static const struct ctl_cmd *
ctl_lookup(int argc, char **argv)
{
	const struct ctl_cmd	*c;
	size_t			 i;
	int			 w, rest;

	for (i = 0; i < sizeof(ctl_cmds) / sizeof(ctl_cmds[0]); i++) {
		c = &ctl_cmds[i];
		for (w = 0; w < 3 && c->words[w] != NULL; w++)
			if (w >= argc || strcmp(argv[w], c->words[w]) != 0)
				break;
		if (w < 3 && c->words[w] != NULL)
			continue;
		rest = argc - w;
		if (rest < c->minargs || rest > c->maxargs)
			continue;
		return c;
	}
	return NULL;
}

static int
ctl_connect(const char *path)
{
	struct sockaddr_un	sun;
	int			fd;

	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	if (strlcpy(sun.sun_path, path, sizeof(sun.sun_path)) >=
	    sizeof(sun.sun_path))
		errx(1, "%s: path too long", path);
	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) == -1)
		err(1, "socket");
	if (connect(fd, (struct sockaddr *)&sun, sizeof(sun)) == -1)
		err(1, "%s (is posternd running?)", path);
	return fd;
}

int
main(int argc, char *argv[])
{
	const char	*sock = CTL_SOCKET;
	struct msgchan	 chan;
	struct ctl_end	 end;
	struct rows	 rows;
	struct buf	 req;
	struct msg	 m;
	enum fmt	 fmt = FMT_TABLE;
	int		 ch, i, r;

	while ((ch = getopt(argc, argv, "js:t")) != -1) {
		switch (ch) {
		case 'j':
			fmt = FMT_JSON;
			break;
		case 's':
			sock = optarg;
			break;
		case 't':
			fmt = FMT_TSV;
			break;
		default:
			usage();
		}
	}
	argc -= optind;
	argv += optind;
	if (argc == 0 || ctl_lookup(argc, argv) == NULL)
		usage();

	buf_init(&req);
	for (i = 0; i < argc; i++)
		if (buf_add(&req, argv[i], strlen(argv[i]) + 1) == -1)
			err(1, NULL);
	msg_init(&chan, ctl_connect(sock));
	if (msg_compose(&chan, MSG_CTL_REQUEST, 0, -1, req.data, req.len) ==
	    -1 || msg_flush_all(&chan) == -1)
		err(1, "send");

	memset(&rows, 0, sizeof(rows));
	for (;;) {
		if ((r = msg_wait(&chan, &m, 30 * 1000)) != 1)
			errx(1, "no answer from posternd");
		if (m.type == MSG_CTL_ROW) {
			rows.row = reallocarray(rows.row, rows.n + 1,
			    sizeof(*rows.row));
			if (rows.row == NULL ||
			    (rows.row[rows.n] = strndup(m.data, m.len)) == NULL)
				err(1, NULL);
			rows.n++;
			continue;
		}
		if (m.type != MSG_CTL_END || msg_payload(&m, &end,
		    sizeof(end)) == -1 || !msg_strfield_ok(end.message,
		    sizeof(end.message)))
			errx(1, "malformed answer from posternd");
		break;
	}
	if (end.status != 0)
		errx(1, "%s", end.message);
	if (rows.n == 0) {
		if (fmt == FMT_JSON)
			printf("{\"status\": \"ok\", \"message\": \"%s\"}\n",
			    end.message);
		else
			printf("%s\n", end.message);
		return 0;
	}
	switch (fmt) {
	case FMT_TABLE:
		print_table(&rows);
		break;
	case FMT_JSON:
		print_json(&rows);
		break;
	case FMT_TSV:
		print_tsv(&rows);
		break;
	}
	return 0;
}

/* Split a row at tabs, in place; returns the number of cells. */
static size_t
split(char *row, char **cell, size_t max)
{
	size_t	n = 0;
	char	*p;

	while (n < max && (p = strsep(&row, "\t")) != NULL)
		cell[n++] = p;
	return n;
}

#define MAXCOLS	32

static void
print_table(struct rows *rows)
{
	size_t	 width[MAXCOLS], i, j, n, ncol;
	char	*cell[MAXCOLS], *copy;

	memset(width, 0, sizeof(width));
	for (i = 0; i < rows->n; i++) {
		if ((copy = strdup(rows->row[i])) == NULL)
			err(1, NULL);
		n = split(copy, cell, MAXCOLS);
		for (j = 0; j < n; j++)
			if (strlen(cell[j]) > width[j])
				width[j] = strlen(cell[j]);
		free(copy);
	}
	for (i = 0; i < rows->n; i++) {
		ncol = split(rows->row[i], cell, MAXCOLS);
		for (j = 0; j < ncol; j++) {
			if (i == 0) {
				char	*p;

				for (p = cell[j]; *p; p++)
					*p = toupper((unsigned char)*p);
			}
			if (j + 1 < ncol)
				printf("%-*s  ", (int)width[j], cell[j]);
			else
				printf("%s\n", cell[j]);
		}
	}
}

static int
is_number(const char *s, size_t len)
{
	size_t	i;

	if (len == 0 || len > 18 || (s[0] == '0' && len > 1))
		return 0;
	for (i = 0; i < len; i++)
		if (!isdigit((unsigned char)s[i]))
			return 0;
	return 1;
}

static void
json_string(const char *s, size_t len)
{
	size_t	i;

	putchar('"');
	for (i = 0; i < len; i++) {
		unsigned char	c = s[i];

		if (c == '"' || c == '\\')
			printf("\\%c", c);
		else if (c < 0x20)
			printf("\\u%04x", c);
		else
			putchar(c);
	}
	putchar('"');
}

static void
print_json(struct rows *rows)
{
	char	*head[MAXCOLS], *cell[MAXCOLS];
	size_t	 i, j, nh, n;

	nh = split(rows->row[0], head, MAXCOLS);
	printf("[");
	for (i = 1; i < rows->n; i++) {
		n = split(rows->row[i], cell, MAXCOLS);
		printf("%s\n  {", i > 1 ? "," : "");
		for (j = 0; j < n && j < nh; j++) {
			printf("%s", j ? ", " : "");
			json_string(head[j], strlen(head[j]));
			printf(": ");
			if (is_number(cell[j], strlen(cell[j])))
				printf("%s", cell[j]);
			else
				json_string(cell[j], strlen(cell[j]));
		}
		printf("}");
	}
	printf("\n]\n");
}

static void
print_tsv(struct rows *rows)
{
	size_t	i;

	for (i = 0; i < rows->n; i++)
		printf("%s\n", rows->row[i]);
}
