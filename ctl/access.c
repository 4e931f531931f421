/*
 * posternctl access: show each user's effective access and the rule
 * that decided it, and edit the access rules file that postern-auth
 * reads.  An edit changes or adds one subject's line and keeps every
 * other line (comments included) as it was; the file is replaced
 * atomically (temporary file, fsync, rename) with its mode and owner
 * kept, under a lock on its directory so that two editors do not lose
 * each other's changes.  postern-auth notices the new file at the next
 * login: no reload is needed.
 */
#include <sys/types.h>
#include <sys/file.h>
#include <sys/stat.h>

#include <err.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "accessfile.h"
#include "ctl.h"

#define ACC_MAXGROUPS	P_MAXGROUPS

/* One user a backend knows. */
struct acc_user {
	char		*name;
	uint32_t	 uid;
	uint32_t	 gid;
	int		 backend;	/* its place in the chain */
	int		 system;	/* also a system account, same uid */
};

struct acc_users {
	struct acc_user	*v;
	size_t		 n;
};

/* Whose groups a group rule is matched against. */
struct acc_who {
	const char	*name;
	gid_t		 groups[ACC_MAXGROUPS];
	int		 ngroups;
};

static struct af_file *acc_read(const char *, int);
static int	 acc_show(struct ctl *, int, char **);
static int	 acc_edit(struct ctl *, enum af_kind, int, char **);
static void	 acc_write(const char *, const struct af_file *);
static int	 acc_lock(const char *);
static void	 acc_add(struct acc_users *, const char *, uint32_t, uint32_t,
		    int, int);
static void	 acc_passwd_file(struct acc_users *, const char *, int,
		    const char *);
static void	 acc_system(struct acc_users *, int, const char *,
		    uint32_t);
static void	 acc_collect(struct postern_conf *, struct acc_users *,
		    const char *);
static int	 acc_user_cmp(const void *, const void *);
static void	 acc_groups(const struct acc_user *, struct acc_who *);
static int	 acc_ingroup(const char *, void *);
static const char *acc_rule(const struct af_decision *, char *, size_t);
static void	 acc_row(struct rows *, struct postern_conf *,
		    const struct af_file *, const struct acc_user *);
static void	 acc_print_subject(struct ctl *, const char *, enum af_kind,
		    const char *);

int
ctl_access(struct ctl *ctl, int argc, char **argv)
{
	int	rv;

	if (argc >= 1 && strcmp(argv[0], "show") == 0 && argc <= 2)
		rv = acc_show(ctl, argc - 1, argv + 1);
	else if (argc >= 4 && strcmp(argv[0], "user") == 0)
		rv = acc_edit(ctl, AF_USER, argc - 1, argv + 1);
	else if (argc >= 4 && strcmp(argv[0], "group") == 0)
		rv = acc_edit(ctl, AF_GROUP, argc - 1, argv + 1);
	else if (argc >= 3 && strcmp(argv[0], "default") == 0)
		rv = acc_edit(ctl, AF_DEFAULT, argc - 1, argv + 1);
	else {
		fprintf(stderr, "usage: posternctl access show [user]\n"
		    "       posternctl access user|group name protocol "
		    "on|off ...\n"
		    "       posternctl access default protocol on|off ...\n"
		    "protocols: imap, pop3, submission, all; "
		    "on|off|inherit\n");
		rv = 1;
	}
	conf_free(ctl->conf);
	ctl->conf = NULL;
	return rv;
}

/*
 * The rules in path; a missing file is an empty one.  A file with a
 * bad line is reported with its place; when editing, that is fatal.
 */
static struct af_file *
acc_read(const char *path, int strict)
{
	struct af_file	*af;
	FILE		*fp;

	if ((af = af_new()) == NULL)
		err(1, NULL);
	if ((fp = fopen(path, "re")) == NULL) {
		if (errno == ENOENT)
			return af;
		err(1, "%s", path);
	}
	if (af_read(af, fp) == -1) {
		if (af->errline == 0)
			errx(1, "%s: %s", path, af->err);
		if (strict)
			errx(1, "%s:%zu: %s; fix the file first", path,
			    af->errline, af->err);
		errx(1, "%s:%zu: %s; postern-auth refuses every login until "
		    "the file is fixed", path, af->errline, af->err);
	}
	fclose(fp);
	return af;
}

static void
acc_add(struct acc_users *u, const char *name, uint32_t uid, uint32_t gid,
    int backend, int system)
{
	struct acc_user	*a;

	if ((u->v = reallocarray(u->v, u->n + 1, sizeof(*u->v))) == NULL)
		err(1, NULL);
	a = &u->v[u->n++];
	if ((a->name = strdup(name)) == NULL)
		err(1, NULL);
	a->uid = uid;
	a->gid = gid;
	a->backend = backend;
	a->system = system;
}

/*
 * The users of a passwd-file (name:password:uid:gid:...), or only the
 * one named.  Lines without a usable name, uid and gid are skipped.
 */
static void
acc_passwd_file(struct acc_users *u, const char *path, int backend,
    const char *only)
{
	struct passwd	*pw;
	const char	*errstr;
	FILE		*fp;
	char		*line = NULL, *p, *f[4];
	size_t		 cap = 0;
	ssize_t		 n;
	long long	 uid, gid;
	int		 i;

	if ((fp = fopen(path, "re")) == NULL) {
		warn("passwd-file %s", path);
		return;
	}
	while ((n = getline(&line, &cap, fp)) != -1) {
		if (n > 0 && line[n - 1] == '\n')
			line[--n] = '\0';
		if (line[0] == '\0' || line[0] == '#')
			continue;
		p = line;
		for (i = 0; i < 4; i++)
			if ((f[i] = strsep(&p, ":")) == NULL)
				break;
		if (i < 4 || !af_name_ok(f[0]))
			continue;
		if (only != NULL && strcmp(f[0], only) != 0)
			continue;
		uid = strtonum(f[2], 0, UINT32_MAX - 1, &errstr);
		if (errstr != NULL)
			continue;
		gid = strtonum(f[3], 0, UINT32_MAX - 1, &errstr);
		if (errstr != NULL)
			continue;
		pw = getpwnam(f[0]);
		acc_add(u, f[0], uid, gid, backend,
		    pw != NULL && pw->pw_uid == uid);
	}
	free(line);
	fclose(fp);
}

/* System accounts (PAM): all at or above first-valid-uid, or one. */
static void
acc_system(struct acc_users *u, int backend, const char *only,
    uint32_t first_uid)
{
	struct passwd	*pw;

	if (only != NULL) {
		if ((pw = getpwnam(only)) != NULL)
			acc_add(u, pw->pw_name, pw->pw_uid, pw->pw_gid,
			    backend, 1);
		return;
	}
	setpwent();
	while ((pw = getpwent()) != NULL)
		if (pw->pw_uid != 0 && pw->pw_uid >= first_uid &&
		    af_name_ok(pw->pw_name))
			acc_add(u, pw->pw_name, pw->pw_uid, pw->pw_gid,
			    backend, 1);
	endpwent();
}

/* By name, then by place in the chain: the first backend decides. */
static int
acc_user_cmp(const void *a, const void *b)
{
	const struct acc_user	*x = a, *y = b;
	int			 c;

	if ((c = strcmp(x->name, y->name)) != 0)
		return c;
	return x->backend < y->backend ? -1 : x->backend > y->backend;
}

/* Every user the backends know (or only), sorted, without repeats. */
static void
acc_collect(struct postern_conf *conf, struct acc_users *u, const char *only)
{
	size_t	i, j;
	int	b;

	for (b = 0; b < conf->nbackends; b++) {
		if (conf->backends[b].type == AUTH_BACKEND_PASSWD)
			acc_passwd_file(u, conf->backends[b].arg, b, only);
		else if (conf->backends[b].type == AUTH_BACKEND_PAM)
			acc_system(u, b, only, conf->first_valid_uid);
	}
	if (u->n == 0)
		return;
	qsort(u->v, u->n, sizeof(*u->v), acc_user_cmp);
	for (i = 1, j = 0; i < u->n; i++) {
		if (strcmp(u->v[i].name, u->v[j].name) == 0) {
			free(u->v[i].name);
			continue;
		}
		u->v[++j] = u->v[i];
	}
	u->n = j + 1;
}

/* A user's groups as postern-auth would see them after a login. */
static void
acc_groups(const struct acc_user *a, struct acc_who *who)
{
	who->name = a->name;
	who->ngroups = ACC_MAXGROUPS;
	if (!a->system || getgrouplist(a->name, a->gid, who->groups,
	    &who->ngroups) == -1 || who->ngroups < 1) {
		who->groups[0] = a->gid;
		who->ngroups = 1;
	}
}

static int
acc_ingroup(const char *name, void *arg)
{
	struct acc_who	*who = arg;
	struct group	*gr;
	char		**m;
	int		 i;

	if ((gr = getgrnam(name)) == NULL)
		return 0;
	for (i = 0; i < who->ngroups; i++)
		if (who->groups[i] == gr->gr_gid)
			return 1;
	for (m = gr->gr_mem; m != NULL && *m != NULL; m++)
		if (strcmp(*m, who->name) == 0)
			return 1;
	return 0;
}

static const char *
acc_rule(const struct af_decision *d, char *buf, size_t len)
{
	char	subj[P_NAMELEN + 16];

	if (d->rule == NULL)
		(void)strlcpy(buf, "no rule", len);
	else if (d->rule->lineno == 0)
		(void)strlcpy(buf, af_subject(d->rule, subj, sizeof(subj)),
		    len);
	else
		(void)snprintf(buf, len, "%s (line %zu)",
		    af_subject(d->rule, subj, sizeof(subj)), d->rule->lineno);
	return buf;
}

static void
acc_row(struct rows *rows, struct postern_conf *conf,
    const struct af_file *af, const struct acc_user *a)
{
	struct af_decision	 dec[PROTO_MAX];
	struct acc_who		 who;
	char			 r[PROTO_MAX][P_NAMELEN + 32];
	const char		*why;
	int			 p;

	/* Whatever the rules say, as postern-auth's policy_access(). */
	if (a->uid == 0 || a->uid < (uint32_t)conf->first_valid_uid) {
		why = a->uid == 0 ? "root never logs in" :
		    "uid below first-valid-uid";
		rows_add(rows, "%s\t%u\toff\toff\toff\t%s\t%s\t%s", a->name,
		    a->uid, why, why, why);
		return;
	}
	acc_groups(a, &who);
	af_decide(af, a->name, acc_ingroup, &who, dec);
	for (p = 1; p < PROTO_MAX; p++)
		(void)acc_rule(&dec[p], r[p], sizeof(r[p]));
	rows_add(rows, "%s\t%u\t%s\t%s\t%s\t%s\t%s\t%s", a->name, a->uid,
	    dec[PROTO_IMAP].allow ? "on" : "off",
	    dec[PROTO_POP3].allow ? "on" : "off",
	    dec[PROTO_SUBMISSION].allow ? "on" : "off",
	    r[PROTO_IMAP], r[PROTO_POP3], r[PROTO_SUBMISSION]);
}

/* access show [USER] */
static int
acc_show(struct ctl *ctl, int argc, char **argv)
{
	struct postern_conf	*conf = ctl_conf(ctl);
	struct acc_users	 users;
	struct af_file		*af;
	struct rows		 rows;
	const char		*only = argc > 0 ? argv[0] : NULL;
	size_t			 i;

	if (only != NULL && !af_name_ok(only))
		errx(1, "bad user name");
	af = acc_read(conf->access_file, 0);
	memset(&users, 0, sizeof(users));
	acc_collect(conf, &users, only);
	if (only != NULL && users.n == 0)
		errx(1, "%s: no such user in the configured backends", only);
	memset(&rows, 0, sizeof(rows));
	rows_add(&rows, "user\tuid\timap\tpop3\tsubmission\timap-rule\t"
	    "pop3-rule\tsubmission-rule");
	for (i = 0; i < users.n; i++) {
		acc_row(&rows, conf, af, &users.v[i]);
		free(users.v[i].name);
	}
	free(users.v);
	rows_print(&rows, ctl->fmt);
	rows_free(&rows);
	af_free(af);
	return 0;
}

/*
 * Lock the directory of path for the edit; the descriptor also serves
 * to make the rename durable.
 */
static int
acc_lock(const char *path)
{
	char	 dir[PATH_MAX], *slash;
	int	 fd;

	if (strlcpy(dir, path, sizeof(dir)) >= sizeof(dir))
		errx(1, "%s: path too long", path);
	if ((slash = strrchr(dir, '/')) == NULL)
		(void)strlcpy(dir, ".", sizeof(dir));
	else if (slash == dir)
		dir[1] = '\0';
	else
		*slash = '\0';
	if ((fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) == -1)
		err(1, "%s", dir);
	if (flock(fd, LOCK_EX) == -1)
		err(1, "lock %s", dir);
	return fd;
}

/*
 * Replace path with the rules: a temporary file beside it with the
 * old file's mode and owner (0644 root for a new one), written and
 * synced, renamed over it.  postern-auth never sees half a file.
 */
static void
acc_write(const char *path, const struct af_file *af)
{
	struct stat	 st;
	char		 tmp[PATH_MAX];
	FILE		*fp;
	mode_t		 mode = 0644;
	int		 fd, have = 0, saved;

	if (stat(path, &st) == 0) {
		if (!S_ISREG(st.st_mode))
			errx(1, "%s: not a regular file", path);
		mode = st.st_mode & 07777;
		have = 1;
	} else if (errno != ENOENT)
		err(1, "%s", path);
	if (snprintf(tmp, sizeof(tmp), "%s.XXXXXX", path) >= (int)sizeof(tmp))
		errx(1, "%s: path too long", path);
	if ((fd = mkstemp(tmp)) == -1)
		err(1, "%s", tmp);
	if (fchmod(fd, mode) == -1 ||
	    (have && fchown(fd, st.st_uid, st.st_gid) == -1) ||
	    (fp = fdopen(fd, "w")) == NULL) {
		saved = errno;
		(void)unlink(tmp);
		errno = saved;
		err(1, "%s", tmp);
	}
	if (af_write(af, fp) == -1 || fsync(fileno(fp)) == -1) {
		saved = errno;
		(void)unlink(tmp);
		errno = saved;
		err(1, "write %s", tmp);
	}
	if (fclose(fp) == EOF) {
		saved = errno;
		(void)unlink(tmp);
		errno = saved;
		err(1, "close %s", tmp);
	}
	if (rename(tmp, path) == -1) {
		saved = errno;
		(void)unlink(tmp);
		errno = saved;
		err(1, "rename %s to %s", tmp, path);
	}
}

/* The subject's line as it is now in the file. */
static void
acc_print_subject(struct ctl *ctl, const char *path, enum af_kind kind,
    const char *name)
{
	const struct af_rule	*r;
	struct af_file		*af;
	struct rows		 rows;
	char			 subj[P_NAMELEN + 16];
	const char		*v[PROTO_MAX];
	int			 p;

	af = acc_read(path, 0);
	memset(&rows, 0, sizeof(rows));
	rows_add(&rows, "rule\timap\tpop3\tsubmission\tfile");
	if ((r = af_find(af, kind, name)) != NULL) {
		for (p = 1; p < PROTO_MAX; p++)
			v[p] = r->set[p] == AF_UNSET ? "inherit" :
			    r->set[p] == AF_ALLOW ? "on" : "off";
		rows_add(&rows, "%s\t%s\t%s\t%s\t%s:%zu",
		    af_subject(r, subj, sizeof(subj)), v[PROTO_IMAP],
		    v[PROTO_POP3], v[PROTO_SUBMISSION], path, r->lineno);
	} else if (kind == AF_DEFAULT)
		rows_add(&rows, "default\tinherit\tinherit\tinherit\t%s",
		    path);
	else
		rows_add(&rows, "%s %s\tinherit\tinherit\tinherit\t%s",
		    kind == AF_USER ? "user" : "group", name, path);
	rows_print(&rows, ctl->fmt);
	rows_free(&rows);
	af_free(af);
}

/* access user|group NAME PROTO on|off ..., access default PROTO ... */
static int
acc_edit(struct ctl *ctl, enum af_kind kind, int argc, char **argv)
{
	struct postern_conf	*conf = ctl_conf(ctl);
	struct acc_users	 users;
	struct af_file		*af;
	const char		*name = NULL, *path = conf->access_file;
	char			 why[P_TEXTLEN];
	int			 set[PROTO_MAX], lockfd;
	size_t			 i;

	if (kind != AF_DEFAULT) {
		name = argv[0];
		argc--;
		argv++;
		if (!af_name_ok(name))
			errx(1, "bad %s name", kind == AF_USER ? "user" :
			    "group");
	}
	if (af_settings(argc, argv, AF_SET_INHERIT, set, why,
	    sizeof(why)) == -1)
		errx(1, "%s", why);
	if (kind == AF_GROUP && getgrnam(name) == NULL)
		warnx("warning: no group named %s; the rule applies to no "
		    "one until it exists", name);
	if (kind == AF_USER) {
		memset(&users, 0, sizeof(users));
		acc_collect(conf, &users, name);
		if (users.n == 0)
			warnx("warning: no user %s in the configured backends",
			    name);
		for (i = 0; i < users.n; i++)
			free(users.v[i].name);
		free(users.v);
	}

	lockfd = acc_lock(path);
	af = acc_read(path, 1);
	if (af_set(af, kind, name, set, why, sizeof(why)) == -1)
		errx(1, "%s", why);
	acc_write(path, af);
	if (fsync(lockfd) == -1)
		err(1, "fsync");
	af_free(af);
	close(lockfd);
	acc_print_subject(ctl, path, kind, name);
	return 0;
}
