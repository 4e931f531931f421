/*
 * posternctl: the administrator's tool.  Most commands go over
 * posternd's control socket; the certificate and access commands work
 * on the files posternd reads and then ask it to reload.  Answers print
 * as a table, as JSON (-j) or as tab-separated values (-t).
 */
#include <sys/types.h>
#include <sys/socket.h>
#include <sys/un.h>

#include <ctype.h>
#include <err.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "buf.h"
#include "ctl.h"
#include "msg.h"
#include "proto.h"

/*
 * A command is its fixed leading words and a number of further
 * arguments; `local' ones run here, the others go to the daemon.
 */
struct ctl_cmd {
	const char	*words[3];
	int		 minargs;
	int		 maxargs;
	const char	*usage;
	int		(*local)(struct ctl *, int, char **);
};

static const struct ctl_cmd ctl_cmds[] = {
	{ { "show", "settings" }, 0, 1, "show settings [imap|pop3|submission]",
	    NULL },
	{ { "show", "sessions" }, 0, 0, "show sessions", NULL },
	{ { "show", "stats" }, 0, 0, "show stats", NULL },
	{ { "reload" }, 0, 0, "reload", NULL },
	{ { "kick" }, 1, 1, "kick user|id", NULL },
	{ { "log", "verbose" }, 0, 0, "log verbose", NULL },
	{ { "log", "brief" }, 0, 0, "log brief", NULL },
	{ { "access" }, 1, 66, "access show [user] | access user|group name "
	    "protocol on|off ... | access default protocol on|off ...",
	    ctl_access },
	{ { "cert" }, 1, 16, "cert list | import | new | use ...", ctl_cert },
};

static __attribute__((__noreturn__)) void usage(void);
static const struct ctl_cmd *ctl_lookup(int, char **, int *);
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

	fprintf(stderr, "usage: posternctl [-jt] [-f file] [-s socket] "
	    "command [argument ...]\ncommands:\n");
	for (i = 0; i < sizeof(ctl_cmds) / sizeof(ctl_cmds[0]); i++)
		fprintf(stderr, "\t%s\n", ctl_cmds[i].usage);
	exit(1);
}

static const struct ctl_cmd *
ctl_lookup(int argc, char **argv, int *nwords)
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
		*nwords = w;
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
	const struct ctl_cmd	*cmd;
	struct ctl		 ctl;
	struct rows		 rows;
	char			 msg[P_TEXTLEN];
	int			 ch, nwords;

	memset(&ctl, 0, sizeof(ctl));
	ctl.sock = NULL;
	ctl.conffile = CONF_FILE;
	ctl.fmt = FMT_TABLE;
	while ((ch = getopt(argc, argv, "f:js:t")) != -1) {
		switch (ch) {
		case 'f':
			ctl.conffile = optarg;
			break;
		case 'j':
			ctl.fmt = FMT_JSON;
			break;
		case 's':
			ctl.sock = optarg;
			break;
		case 't':
			ctl.fmt = FMT_TSV;
			break;
		default:
			usage();
		}
	}
	argc -= optind;
	argv += optind;
	if (argc == 0 || (cmd = ctl_lookup(argc, argv, &nwords)) == NULL)
		usage();
	if (cmd->local != NULL)
		return cmd->local(&ctl, argc - 1, argv + 1);

	memset(&rows, 0, sizeof(rows));
	if (ctl_daemon(&ctl, argc, argv, &rows, msg, sizeof(msg)) == -1)
		errx(1, "%s", msg);
	if (rows.n == 0) {
		if (ctl.fmt == FMT_JSON) {
			printf("{\"status\": \"ok\", \"message\": ");
			json_string(msg, strlen(msg));
			printf("}\n");
		} else
			printf("%s\n", msg);
	} else
		rows_print(&rows, ctl.fmt);
	rows_free(&rows);
	return 0;
}

/*
 * The configuration, parsed once, for the commands that need its
 * paths.  Without -s, the control socket is the one it names (or the
 * default when the file cannot be read).
 */
struct postern_conf *
ctl_conf(struct ctl *ctl)
{
	if (ctl->conf == NULL && (ctl->conf = parse_config(ctl->conffile,
	    CONF_OPT_NOACTION)) == NULL)
		errx(1, "%s: cannot use this configuration", ctl->conffile);
	return ctl->conf;
}

/*
 * Send one command to posternd and collect its rows.  Returns 0, or
 * -1 with the reason in msg.
 */
int
ctl_daemon(struct ctl *ctl, int argc, char **argv, struct rows *rows,
    char *msg, size_t msglen)
{
	struct msgchan	 chan;
	struct ctl_end	 end;
	struct buf	 req;
	struct msg	 m;
	const char	*sock = ctl->sock;
	int		 i;

	if (sock == NULL)
		sock = access(ctl->conffile, R_OK) == 0 ?
		    ctl_conf(ctl)->control_socket : CONF_CONTROL;
	buf_init(&req);
	for (i = 0; i < argc; i++)
		if (buf_add(&req, argv[i], strlen(argv[i]) + 1) == -1)
			err(1, NULL);
	msg_init(&chan, ctl_connect(sock));
	if (msg_compose(&chan, MSG_CTL_REQUEST, 0, -1, req.data, req.len) ==
	    -1 || msg_flush_all(&chan) == -1)
		err(1, "send");
	buf_free(&req);
	for (;;) {
		if (msg_wait(&chan, &m, 60 * 1000) != 1)
			errx(1, "no answer from posternd");
		if (m.type == MSG_CTL_ROW) {
			rows_add(rows, "%.*s", (int)m.len, (char *)m.data);
			continue;
		}
		if (m.type != MSG_CTL_END || msg_payload(&m, &end,
		    sizeof(end)) == -1 || !msg_strfield_ok(end.message,
		    sizeof(end.message)))
			errx(1, "malformed answer from posternd");
		break;
	}
	close(chan.fd);
	msg_clear(&chan);
	(void)strlcpy(msg, end.message, msglen);
	return end.status == 0 ? 0 : -1;
}

void
rows_add(struct rows *rows, const char *fmt, ...)
{
	va_list	ap;
	char	*s;

	va_start(ap, fmt);
	if (vasprintf(&s, fmt, ap) == -1)
		err(1, NULL);
	va_end(ap);
	if ((rows->row = reallocarray(rows->row, rows->n + 1,
	    sizeof(*rows->row))) == NULL)
		err(1, NULL);
	rows->row[rows->n++] = s;
}

void
rows_free(struct rows *rows)
{
	size_t	i;

	for (i = 0; i < rows->n; i++)
		free(rows->row[i]);
	free(rows->row);
	rows->row = NULL;
	rows->n = 0;
}

void
rows_print(struct rows *rows, enum fmt fmt)
{
	if (rows->n == 0)
		return;
	switch (fmt) {
	case FMT_TABLE:
		print_table(rows);
		break;
	case FMT_JSON:
		print_json(rows);
		break;
	case FMT_TSV:
		print_tsv(rows);
		break;
	}
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
