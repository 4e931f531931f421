/*
 * The control socket: posternctl's way into the running master.  A
 * UNIX stream socket, root's alone (mode 0600), one request per
 * connection: the command's words in, tab-separated rows out (the first
 * row names the columns), then a status.  posternctl turns the rows
 * into a table, JSON or raw TSV.
 */
#include <sys/types.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <vis.h>

#include "log.h"
#include "master.h"

#define CTL_MAXARGS	16

struct ctl_client {
	struct msgchan	 chan;
	struct event	*rev;
	struct event	*wev;
	int		 done;
};

static int		 ctl_fd = -1;
static struct event	*ctl_ev;
static char		 ctl_path[P_PATHLEN];

static void	 control_accept(evutil_socket_t, short, void *);
static void	 control_read(evutil_socket_t, short, void *);
static void	 control_write(evutil_socket_t, short, void *);
static void	 control_free(struct ctl_client *);
static void	 control_dispatch(struct ctl_client *, int, char **);
static void	 ctl_row(struct ctl_client *, const char *, ...)
		    __attribute__((__format__ (printf, 2, 3)));
static void	 ctl_end(struct ctl_client *, int, const char *, ...)
		    __attribute__((__format__ (printf, 3, 4)));
static void	 show_settings(struct ctl_client *, int, char **);
static void	 show_sessions(struct ctl_client *);
static void	 show_stats(struct ctl_client *);
static const char *field(const char *, char *, size_t);

int
control_open(struct postern_conf *conf)
{
	struct sockaddr_un	sun;
	mode_t			old;
	int			fd;

	if (ctl_fd != -1 && strcmp(ctl_path, conf->control_socket) == 0)
		return 0;
	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	if (strlcpy(sun.sun_path, conf->control_socket, sizeof(sun.sun_path))
	    >= sizeof(sun.sun_path)) {
		log_warnx("control-socket %s: path too long",
		    conf->control_socket);
		return -1;
	}
	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC,
	    0)) == -1) {
		log_warn("control socket");
		return -1;
	}
	/* A stale socket from a crash would block the bind. */
	if (unlink(conf->control_socket) == -1 && errno != ENOENT) {
		log_warn("unlink %s", conf->control_socket);
		close(fd);
		return -1;
	}
	old = umask(0077);
	if (bind(fd, (struct sockaddr *)&sun, sizeof(sun)) == -1) {
		umask(old);
		log_warn("bind %s", conf->control_socket);
		close(fd);
		return -1;
	}
	umask(old);
	if (chmod(conf->control_socket, 0600) == -1 || listen(fd, 16) == -1) {
		log_warn("control socket %s", conf->control_socket);
		close(fd);
		(void)unlink(conf->control_socket);
		return -1;
	}
	control_close();
	ctl_fd = fd;
	(void)strlcpy(ctl_path, conf->control_socket, sizeof(ctl_path));
	if ((ctl_ev = event_new(env->evbase, fd, EV_READ | EV_PERSIST,
	    control_accept, NULL)) == NULL)
		fatalx("event_new");
	event_add(ctl_ev, NULL);
	return 0;
}

void
control_close(void)
{
	if (ctl_fd == -1)
		return;
	event_free(ctl_ev);
	ctl_ev = NULL;
	close(ctl_fd);
	ctl_fd = -1;
	(void)unlink(ctl_path);
}

static void
control_accept(evutil_socket_t fd, short ev, void *arg)
{
	struct ctl_client	*c;
	uid_t			 uid;
	gid_t			 gid;
	int			 s;

	if ((s = accept4(fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC))
	    == -1)
		return;
	/* The mode already says so; the peer's credentials confirm it. */
	if (getpeereid(s, &uid, &gid) == -1 || uid != 0) {
		log_warnx("control: connection from uid %ld refused",
		    (long)uid);
		close(s);
		return;
	}
	if ((c = calloc(1, sizeof(*c))) == NULL) {
		close(s);
		return;
	}
	msg_init(&c->chan, s);
	c->rev = event_new(env->evbase, s, EV_READ | EV_PERSIST, control_read,
	    c);
	c->wev = event_new(env->evbase, s, EV_WRITE, control_write, c);
	if (c->rev == NULL || c->wev == NULL)
		fatalx("event_new");
	event_add(c->rev, NULL);
}

static void
control_free(struct ctl_client *c)
{
	event_free(c->rev);
	event_free(c->wev);
	close(c->chan.fd);
	msg_clear(&c->chan);
	free(c);
}

static void
control_write(evutil_socket_t fd, short ev, void *arg)
{
	struct ctl_client	*c = arg;

	if (msg_flush(&c->chan) == -1) {
		control_free(c);
		return;
	}
	if (c->chan.queued > 0)
		event_add(c->wev, NULL);
	else if (c->done)
		control_free(c);
}

static void
control_read(evutil_socket_t fd, short ev, void *arg)
{
	struct ctl_client	*c = arg;
	struct msg		 m;
	char			*argv[CTL_MAXARGS + 1], *p, *end;
	int			 argc = 0, r;

	r = msg_fill(&c->chan);
	if (r == -1 && errno == EAGAIN)
		return;
	if (r <= 0) {
		control_free(c);
		return;
	}
	if ((r = msg_get(&c->chan, &m)) == 0)
		return;
	if (r == -1 || m.type != MSG_CTL_REQUEST || m.len == 0 ||
	    ((char *)m.data)[m.len - 1] != '\0' || c->done) {
		control_free(c);
		return;
	}
	event_del(c->rev);
	p = m.data;
	end = p + m.len;
	while (p < end && argc < CTL_MAXARGS) {
		argv[argc++] = p;
		p += strlen(p) + 1;
	}
	argv[argc] = NULL;
	if (p < end)
		ctl_end(c, 1, "too many arguments");
	else
		control_dispatch(c, argc, argv);
}

static void
ctl_row(struct ctl_client *c, const char *fmt, ...)
{
	char	line[4096];
	va_list	ap;
	int	n;

	va_start(ap, fmt);
	n = vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	if ((size_t)n >= sizeof(line))
		n = sizeof(line) - 1;
	(void)msg_compose(&c->chan, MSG_CTL_ROW, 0, -1, line, n);
}

static void
ctl_end(struct ctl_client *c, int status, const char *fmt, ...)
{
	struct ctl_end	e;
	va_list		ap;

	memset(&e, 0, sizeof(e));
	e.status = status;
	va_start(ap, fmt);
	(void)vsnprintf(e.message, sizeof(e.message), fmt, ap);
	va_end(ap);
	(void)msg_compose(&c->chan, MSG_CTL_END, 0, -1, &e, sizeof(e));
	c->done = 1;
	control_write(c->chan.fd, EV_WRITE, c);
}

/* A value for a TSV cell: no tabs or newlines, untrusted text made safe. */
static const char *
field(const char *s, char *buf, size_t len)
{
	(void)strnvis(buf, s, len, VIS_TAB | VIS_NL | VIS_CSTYLE | VIS_OCTAL);
	return buf;
}

static void
control_dispatch(struct ctl_client *c, int argc, char **argv)
{
	char	err[P_TEXTLEN];
	int	n;

	if (argc >= 2 && strcmp(argv[0], "show") == 0) {
		if (strcmp(argv[1], "settings") == 0 && argc <= 3) {
			show_settings(c, argc - 2, argv + 2);
			return;
		}
		if (strcmp(argv[1], "sessions") == 0 && argc == 2) {
			show_sessions(c);
			return;
		}
		if (strcmp(argv[1], "stats") == 0 && argc == 2) {
			show_stats(c);
			return;
		}
	} else if (argc == 1 && strcmp(argv[0], "reload") == 0) {
		if (master_reload(err, sizeof(err)) == -1)
			ctl_end(c, 1, "reload failed: %s", err);
		else
			ctl_end(c, 0, "reloaded %s", env->conf->file);
		return;
	} else if (argc == 2 && strcmp(argv[0], "kick") == 0) {
		n = conn_kick(argv[1]);
		if (n == 0)
			ctl_end(c, 1, "no session matches %s", argv[1]);
		else
			ctl_end(c, 0, "%d session%s ended", n, n == 1 ? "" :
			    "s");
		return;
	} else if (argc == 2 && strcmp(argv[0], "log") == 0) {
		if (strcmp(argv[1], "verbose") == 0) {
			log_setverbose(2);
			ctl_end(c, 0, "logging verbosely");
			return;
		}
		if (strcmp(argv[1], "brief") == 0) {
			log_setverbose(env->verbose);
			ctl_end(c, 0, "logging briefly");
			return;
		}
	}
	ctl_end(c, 1, "unknown command");
}

/*
 * The effective settings, from the same printer as posternd -n, one
 * row per setting: scope (global or a protocol), keyword, value.
 */
static void
show_settings(struct ctl_client *c, int argc, char **argv)
{
	char	*text = NULL, *line, *p, *val;
	char	 scope[32] = "global", b1[1024];
	size_t	 len = 0;
	FILE	*fp;
	int	 proto = 0, i;

	if (argc == 1) {
		for (i = 1; i < PROTO_MAX; i++)
			if (strcmp(argv[0], conf_proto_name(i)) == 0)
				proto = i;
		if (proto == 0) {
			ctl_end(c, 1, "unknown protocol %s", argv[0]);
			return;
		}
	}
	if ((fp = open_memstream(&text, &len)) == NULL) {
		ctl_end(c, 1, "out of memory");
		return;
	}
	conf_print(env->conf, fp, proto);
	fclose(fp);

	ctl_row(c, "scope\tsetting\tvalue");
	for (p = text; (line = strsep(&p, "\n")) != NULL;) {
		while (*line == ' ' || *line == '\t')
			line++;
		if (*line == '\0' || *line == '#')
			continue;
		if (strcmp(line, "}") == 0) {
			(void)strlcpy(scope, "global", sizeof(scope));
			continue;
		}
		if ((val = strchr(line, ' ')) != NULL)
			*val++ = '\0';
		if (val != NULL && strcmp(val, "{") == 0) {
			(void)strlcpy(scope, line, sizeof(scope));
			continue;
		}
		if (val == NULL)
			val = "";
		else if (val[0] == '"' && strlen(val) >= 2 &&
		    val[strlen(val) - 1] == '"') {
			val[strlen(val) - 1] = '\0';
			val++;
		}
		ctl_row(c, "%s\t%s\t%s", scope, line, field(val, b1,
		    sizeof(b1)));
	}
	free(text);
	ctl_end(c, 0, "ok");
}

static const char *
state_name(enum conn_state s)
{
	switch (s) {
	case CONN_PRELOGIN:
		return "pre-login";
	case CONN_AUTHING:
		return "authenticating";
	case CONN_AUTHED:
		return "logging-in";
	case CONN_SESSION:
		return "session";
	}
	return "?";
}

static void
show_sessions(struct ctl_client *c)
{
	struct conn	*conn;
	struct tm	 tm;
	char		 t[32], u[P_NAMELEN * 4];

	ctl_row(c, "id\tproto\tstate\tuser\taddress\tport\ttls\tcipher\t"
	    "started\tbytes_in\tbytes_out");
	RB_FOREACH(conn, conn_tree, &env->conns) {
		gmtime_r(&conn->started, &tm);
		strftime(t, sizeof(t), "%Y-%m-%dT%H:%M:%SZ", &tm);
		ctl_row(c, "%u\t%s\t%s\t%s\t%s\t%d\t%s\t%s\t%s\t%llu\t%llu",
		    conn->id, conf_proto_name(conn->proto),
		    state_name(conn->state),
		    conn->ident.user[0] ? field(conn->ident.user, u,
		    sizeof(u)) : "-", conn->addr, conn->port,
		    conn->tls_done ? conn->tls.version : "-",
		    conn->tls_done ? conn->tls.cipher : "-", t,
		    (unsigned long long)conn->bytes_in,
		    (unsigned long long)conn->bytes_out);
	}
	ctl_end(c, 0, "ok");
}

static void
show_stats(struct ctl_client *c)
{
	static const char *fail_names[] = {
		"", "credentials", "denied", "temporary", "mechanism",
		"protocol", "cancelled", "limit", "expired", "cleartext",
	};
	struct stats	*st = &env->stats;
	int		 p, i, cur[PROTO_MAX];
	struct conn	*conn;

	memset(cur, 0, sizeof(cur));
	RB_FOREACH(conn, conn_tree, &env->conns)
		if (conn->state == CONN_SESSION)
			cur[conn->proto]++;
	ctl_row(c, "counter\tprotocol\tvalue");
	ctl_row(c, "uptime_seconds\t-\t%lld",
	    (long long)(time(NULL) - st->started));
	for (p = 1; p < PROTO_MAX; p++) {
		if (!env->conf->protos[p].enabled && st->accepted[p] == 0)
			continue;
		ctl_row(c, "connections_accepted\t%s\t%llu",
		    conf_proto_name(p), (unsigned long long)st->accepted[p]);
		ctl_row(c, "refused_max_connections\t%s\t%llu",
		    conf_proto_name(p),
		    (unsigned long long)st->refused_maxconn[p]);
		ctl_row(c, "refused_max_connections_per_ip\t%s\t%llu",
		    conf_proto_name(p),
		    (unsigned long long)st->refused_perip[p]);
		ctl_row(c, "logins\t%s\t%llu", conf_proto_name(p),
		    (unsigned long long)st->logins[p]);
		ctl_row(c, "sessions_now\t%s\t%d", conf_proto_name(p), cur[p]);
		ctl_row(c, "connections_now\t%s\t%d", conf_proto_name(p),
		    env->nconns[p]);
	}
	for (i = 1; i < (int)(sizeof(fail_names) / sizeof(fail_names[0]));
	    i++)
		ctl_row(c, "login_failures_%s\t-\t%llu", fail_names[i],
		    (unsigned long long)st->login_failures[i]);
	ctl_row(c, "auth_restarts\t-\t%llu",
	    (unsigned long long)st->auth_restarts);
	ctl_row(c, "reloads\t-\t%llu", (unsigned long long)st->reloads);
	ctl_row(c, "reload_failures\t-\t%llu",
	    (unsigned long long)st->reload_failures);
	ctl_end(c, 0, "ok");
}
