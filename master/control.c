/*
 * The control socket: posternctl's way into the running master.  A
 * UNIX stream socket, root's alone (mode 0600), or shared with the
 * control-group (mode 0660), whose members may run the read-only
 * commands; one request per connection: the command's words in,
 * tab-separated rows out (the first row names the columns), then a
 * status.  posternctl turns the rows into a table, JSON or raw TSV.
 * The peer's credentials, not the socket's mode, decide who may do
 * what.
 */
#include <sys/types.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <vis.h>

#include "log.h"
#include "master.h"

#define CTL_MAXARGS	16
#define CTL_MAXGROUPS	65536	/* more groups for one user: give up */

struct ctl_client {
	struct msgchan	 chan;
	struct event	*rev;
	struct event	*wev;
	int		 done;
	uid_t		 uid;
	int		 readonly;	/* a control-group member */
};

/*
 * A command: its words, how many arguments follow them, and whether
 * members of the control-group may run it (root may run them all).
 */
struct ctl_command {
	const char	*word;
	const char	*sub;		/* second word, or NULL */
	int		 minargs;
	int		 maxargs;
	int		 readonly;
	void		(*run)(struct ctl_client *, int, char **);
};

static int		 ctl_fd = -1;
static struct event	*ctl_ev;
static char		 ctl_path[P_PATHLEN];
static int		 ctl_group_set;	/* the socket is shared with: */
static gid_t		 ctl_gid;

static void	 control_accept(evutil_socket_t, short, void *);
static void	 control_read(evutil_socket_t, short, void *);
static void	 control_write(evutil_socket_t, short, void *);
static void	 control_free(struct ctl_client *);
static int	 control_perms(const char *, const struct postern_conf *);
static int	 control_member(uid_t, gid_t);
static void	 control_dispatch(struct ctl_client *, int, char **);
static void	 ctl_row(struct ctl_client *, const char *, ...)
		    __attribute__((__format__ (printf, 2, 3)));
static void	 ctl_end(struct ctl_client *, int, const char *, ...)
		    __attribute__((__format__ (printf, 3, 4)));
static void	 show_settings(struct ctl_client *, int, char **);
static void	 show_sessions(struct ctl_client *, int, char **);
static void	 show_stats(struct ctl_client *, int, char **);
static void	 cmd_reload(struct ctl_client *, int, char **);
static void	 cmd_kick(struct ctl_client *, int, char **);
static void	 cmd_log_verbose(struct ctl_client *, int, char **);
static void	 cmd_log_brief(struct ctl_client *, int, char **);
static const char *field(const char *, char *, size_t);

static const struct ctl_command ctl_commands[] = {
	{ "show",	"settings",	0, 1, 1, show_settings },
	{ "show",	"sessions",	0, 0, 1, show_sessions },
	{ "show",	"stats",	0, 0, 1, show_stats },
	{ "reload",	NULL,		0, 0, 0, cmd_reload },
	{ "kick",	NULL,		1, 1, 0, cmd_kick },
	{ "log",	"verbose",	0, 0, 0, cmd_log_verbose },
	{ "log",	"brief",	0, 0, 0, cmd_log_brief },
};

int
control_open(struct postern_conf *conf)
{
	struct sockaddr_un	sun;
	mode_t			old;
	int			fd;

	/* Same socket: only who may share it can have changed. */
	if (ctl_fd != -1 && strcmp(ctl_path, conf->control_socket) == 0) {
		if (control_perms(ctl_path, conf) == -1)
			return -1;
		ctl_group_set = conf->control_group[0] != '\0';
		ctl_gid = conf->control_gid;
		return 0;
	}
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
	if (listen(fd, 16) == -1) {
		log_warn("control socket %s", conf->control_socket);
		close(fd);
		(void)unlink(conf->control_socket);
		return -1;
	}
	if (control_perms(conf->control_socket, conf) == -1) {
		close(fd);
		(void)unlink(conf->control_socket);
		return -1;
	}
	control_close();
	ctl_group_set = conf->control_group[0] != '\0';
	ctl_gid = conf->control_gid;
	ctl_fd = fd;
	(void)strlcpy(ctl_path, conf->control_socket, sizeof(ctl_path));
	if ((ctl_ev = event_new(env->evbase, fd, EV_READ | EV_PERSIST,
	    control_accept, NULL)) == NULL)
		fatalx("event_new");
	event_add(ctl_ev, NULL);
	return 0;
}

/*
 * Give the socket to root and the control-group (mode 0660), or to
 * root alone (0600).  The group is set before the mode opens it, so
 * it is never open to a group it is not meant for.
 */
static int
control_perms(const char *path, const struct postern_conf *conf)
{
	gid_t	gid = conf->control_group[0] != '\0' ? conf->control_gid : 0;

	if (chmod(path, 0600) == -1 ||
	    fchownat(AT_FDCWD, path, 0, gid, AT_SYMLINK_NOFOLLOW) == -1 ||
	    (conf->control_group[0] != '\0' && chmod(path, 0660) == -1)) {
		log_warn("control socket %s", path);
		return -1;
	}
	return 0;
}

/*
 * Whether the peer belongs to the control-group: its own gid, or the
 * groups the group database gives its user (the kernel does not tell
 * a UNIX socket the peer's supplementary groups).
 */
static int
control_member(uid_t uid, gid_t gid)
{
	struct passwd	*pw;
	gid_t		*groups = NULL, *g;
	int		 n = 64, i, found = 0;

	if (!ctl_group_set)
		return 0;
	if (gid == ctl_gid)
		return 1;
	if ((pw = getpwuid(uid)) == NULL)
		return 0;
	if (pw->pw_gid == ctl_gid)
		return 1;
	for (;;) {
		if ((g = reallocarray(groups, n, sizeof(*groups))) == NULL) {
			log_warn("%s", __func__);
			break;
		}
		groups = g;
		i = n;
		if (getgrouplist(pw->pw_name, pw->pw_gid, groups, &i) != -1) {
			n = i;
			for (i = 0; i < n; i++)
				if (groups[i] == ctl_gid)
					found = 1;
			break;
		}
		/* Too small: i says how many there are. */
		if (i <= n || i > CTL_MAXGROUPS)
			break;
		n = i;
	}
	free(groups);
	return found;
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
	uid_t			 uid = (uid_t)-1;
	gid_t			 gid = (gid_t)-1;
	int			 s, readonly = 0;

	if ((s = accept4(fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC))
	    == -1)
		return;
	/* The mode already says so; the peer's credentials confirm it. */
	if (getpeereid(s, &uid, &gid) == -1) {
		log_warn("control: getpeereid");
		close(s);
		return;
	}
	if (uid != 0) {
		if (!control_member(uid, gid)) {
			log_warnx("control: connection from uid %ld refused",
			    (long)uid);
			close(s);
			return;
		}
		readonly = 1;
	}
	if ((c = calloc(1, sizeof(*c))) == NULL) {
		close(s);
		return;
	}
	c->uid = uid;
	c->readonly = readonly;
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
	const struct ctl_command	*cmd;
	size_t				 i;
	int				 nw, rest;
	char				 what[64];

	for (i = 0; i < sizeof(ctl_commands) / sizeof(ctl_commands[0]);
	    i++) {
		cmd = &ctl_commands[i];
		nw = cmd->sub != NULL ? 2 : 1;
		if (argc < nw || strcmp(argv[0], cmd->word) != 0 ||
		    (cmd->sub != NULL && strcmp(argv[1], cmd->sub) != 0))
			continue;
		rest = argc - nw;
		if (rest < cmd->minargs || rest > cmd->maxargs)
			continue;
		if (c->readonly && !cmd->readonly) {
			(void)snprintf(what, sizeof(what), "%s%s%s", cmd->word,
			    cmd->sub != NULL ? " " : "",
			    cmd->sub != NULL ? cmd->sub : "");
			log_warnx("control: uid %ld may not run \"%s\": root "
			    "only", (long)c->uid, what);
			ctl_end(c, 1, "%s: permission denied: root only, "
			    "control-group members may only show", what);
			return;
		}
		cmd->run(c, rest, argv + nw);
		return;
	}
	ctl_end(c, 1, "unknown command");
}

static void
cmd_reload(struct ctl_client *c, int argc, char **argv)
{
	char	err[P_TEXTLEN];

	if (master_reload(err, sizeof(err)) == -1)
		ctl_end(c, 1, "reload failed: %s", err);
	else
		ctl_end(c, 0, "reloaded %s", env->conf->file);
}

static void
cmd_kick(struct ctl_client *c, int argc, char **argv)
{
	char	buf[P_NAMELEN * 4];
	int	n;

	if ((n = conn_kick(argv[0])) == 0)
		ctl_end(c, 1, "no session matches %s", field(argv[0], buf,
		    sizeof(buf)));
	else
		ctl_end(c, 0, "%d session%s ended", n, n == 1 ? "" : "s");
}

static void
cmd_log_verbose(struct ctl_client *c, int argc, char **argv)
{
	log_setverbose(2);
	ctl_end(c, 0, "logging verbosely");
}

static void
cmd_log_brief(struct ctl_client *c, int argc, char **argv)
{
	log_setverbose(env->verbose);
	ctl_end(c, 0, "logging briefly");
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
show_sessions(struct ctl_client *c, int argc, char **argv)
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
show_stats(struct ctl_client *c, int argc, char **argv)
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
