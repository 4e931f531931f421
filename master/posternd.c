/*
 * posternd: the master process.  Parses the configuration, binds the
 * listeners, loads certificates, starts postern-auth, and then only
 * accepts connections, enforces limits, spawns workers and sessions and
 * reaps them.  HUP reloads, TERM and INT stop.
 */
#include <sys/types.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include <err.h>
#include <errno.h>
#include <fcntl.h>
#include <libutil.h>
#include <limits.h>
#include <paths.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include <openssl/ssl.h>

#include "log.h"
#include "master.h"

struct postern	*env;

static struct pidfh	*pidfh;

static __attribute__((__noreturn__)) void usage(void);
static void	 master_sighup(evutil_socket_t, short, void *);
static void	 master_sigterm(evutil_socket_t, short, void *);
static void	 master_sigchld(evutil_socket_t, short, void *);
static void	 master_shutdown(void);
static void	 master_shutdown_tick(evutil_socket_t, short, void *);
static int	 check_chroot(const char *);
static int	 mkdir_p(const char *);
static int	 conf_served(const struct postern_conf *);
static int	 detach(void);
static void	 detach_done(int);

static struct event	*shutdown_ev;
static time_t		 shutdown_started;

static void
usage(void)
{
	extern char	*__progname;

	fprintf(stderr, "usage: %s [-dnv] [-f file]\n", __progname);
	exit(1);
}

int
main(int argc, char *argv[])
{
	struct postern_conf	*conf;
	struct event		*ev_hup, *ev_term, *ev_int, *ev_chld;
	const char		*file = CONF_FILE;
	char			 absfile[PATH_MAX];
	pid_t			 otherpid;
	uid_t			 wuid;
	gid_t			 wgid;
	int			 ch, debug = 0, noaction = 0, verbose = 0;
	int			 ready_fd = -1;

	while ((ch = getopt(argc, argv, "df:nv")) != -1) {
		switch (ch) {
		case 'd':
			debug++;
			break;
		case 'f':
			file = optarg;
			break;
		case 'n':
			noaction = 1;
			break;
		case 'v':
			verbose++;
			break;
		default:
			usage();
		}
	}
	if (optind != argc)
		usage();

	/* Reloads happen after detach() moved us to /. */
	if (!noaction && realpath(file, absfile) != NULL)
		file = absfile;
	if ((conf = parse_config(file, noaction ? CONF_OPT_NOACTION : 0))
	    == NULL)
		exit(1);
	if (conf_served(conf) == -1)
		exit(1);
	if (noaction) {
		conf_print(conf, stdout, 0);
		fprintf(stderr, "configuration OK\n");
		conf_free(conf);
		exit(0);
	}
	if (geteuid() != 0)
		errx(1, "need root privileges");
	if (conf_user(conf, &wuid, &wgid) == -1)
		exit(1);
	if (check_chroot(conf->chroot) == -1)
		exit(1);

	if ((env = calloc(1, sizeof(*env))) == NULL)
		err(1, NULL);
	env->conf = conf;
	env->debug = debug;
	env->verbose = verbose;
	RB_INIT(&env->conns);
	TAILQ_INIT(&env->certs);
	env->next_conn_id = 1;
	env->worker_uid = wuid;
	env->worker_gid = wgid;

	log_init(debug, LOG_MAIL);
	log_setverbose(verbose + (debug > 1));
	log_procinit("master");
	conf_log_errors = 1;

	pidfh = pidfile_open(conf->pidfile, 0644, &otherpid);
	if (pidfh == NULL) {
		if (errno == EEXIST)
			errx(1, "already running as pid %ld", (long)otherpid);
		err(1, "pidfile %s", conf->pidfile);
	}

	OPENSSL_init_ssl(0, NULL);
	/* From here on a failed start must not leave a pid file behind. */
	if (cert_load_all(conf, &env->certs, env->proto_cert) == -1) {
		pidfile_remove(pidfh);
		errx(1, "cannot load certificates");
	}
	if (listen_open_all(conf, NULL) == -1) {
		pidfile_remove(pidfh);
		errx(1, "cannot open listeners");
	}

	if (!debug && (ready_fd = detach()) == -1) {
		pidfile_remove(pidfh);
		err(1, "cannot run in the background");
	}
	if (pidfile_write(pidfh) == -1)
		log_warn("pidfile_write %s", conf->pidfile);

	signal(SIGPIPE, SIG_IGN);
	if ((env->evbase = event_base_new()) == NULL)
		fatalx("event_base_new");
	ev_hup = evsignal_new(env->evbase, SIGHUP, master_sighup, NULL);
	ev_term = evsignal_new(env->evbase, SIGTERM, master_sigterm, NULL);
	ev_int = evsignal_new(env->evbase, SIGINT, master_sigterm, NULL);
	ev_chld = evsignal_new(env->evbase, SIGCHLD, master_sigchld, NULL);
	if (ev_hup == NULL || ev_term == NULL || ev_int == NULL ||
	    ev_chld == NULL)
		fatalx("evsignal_new");
	evsignal_add(ev_hup, NULL);
	evsignal_add(ev_term, NULL);
	evsignal_add(ev_int, NULL);
	evsignal_add(ev_chld, NULL);

	setproctitle("master");
	env->stats.started = time(NULL);
	if (control_open(conf) == -1) {
		pidfile_remove(pidfh);
		fatalx("cannot open the control socket %s",
		    conf->control_socket);
	}
	auth_start();
	listen_events_add(conf);
	log_info("posternd started, configuration %s", conf->file);
	detach_done(ready_fd);

	event_base_dispatch(env->evbase);

	control_close();
	if (pidfh != NULL)
		pidfile_remove(pidfh);
	log_info("posternd exiting");
	return 0;
}

/* Every enabled protocol must be one this build serves. */
static int
conf_served(const struct postern_conf *conf)
{
	int	p, bad = 0;

	for (p = 1; p < PROTO_MAX; p++) {
		if (!conf->protos[p].enabled || conf_proto_info(p)->served)
			continue;
		fprintf(stderr, "%s: the %s block: %s is not served by this "
		    "build of postern\n", conf->file, conf_proto_name(p),
		    conf_proto_name(p));
		log_warnx("%s: %s is not served by this build of postern",
		    conf->file, conf_proto_name(p));
		bad = 1;
	}
	return bad ? -1 : 0;
}

/* Resolve the unprivileged user the workers run as. */
int
conf_user(const struct postern_conf *conf, uid_t *uid, gid_t *gid)
{
	struct passwd	*pw;

	if ((pw = getpwnam(conf->user)) == NULL) {
		fprintf(stderr, "%s: user \"%s\" does not exist\n",
		    conf->file, conf->user);
		log_warnx("user \"%s\" does not exist", conf->user);
		return -1;
	}
	if (pw->pw_uid == 0) {
		fprintf(stderr, "%s: user \"%s\" must not be root\n",
		    conf->file, conf->user);
		log_warnx("user \"%s\" must not be root", conf->user);
		return -1;
	}
	*uid = pw->pw_uid;
	*gid = pw->pw_gid;
	return 0;
}

/* mkdir -p, mode 0755: root's directories on the way to the chroot. */
static int
mkdir_p(const char *dir)
{
	char	path[PATH_MAX], *p;

	if (strlcpy(path, dir, sizeof(path)) >= sizeof(path)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	for (p = path + 1; *p != '\0'; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(path, 0755) == -1 && errno != EEXIST)
			return -1;
		*p = '/';
	}
	if (mkdir(path, 0755) == -1 && errno != EEXIST)
		return -1;
	return 0;
}

/*
 * The workers' chroot must be a root-owned directory nobody else can
 * write; it is created when missing.
 */
static int
check_chroot(const char *dir)
{
	struct stat	st;

	if (stat(dir, &st) == -1) {
		if (errno != ENOENT || mkdir_p(dir) == -1) {
			warn("chroot %s", dir);
			return -1;
		}
		if (stat(dir, &st) == -1) {
			warn("chroot %s", dir);
			return -1;
		}
	}
	if (!S_ISDIR(st.st_mode) || st.st_uid != 0 ||
	    (st.st_mode & (S_IWGRP | S_IWOTH)) != 0) {
		warnx("chroot %s must be a directory owned by root and "
		    "writable by no one else", dir);
		return -1;
	}
	return 0;
}

static void
master_sighup(evutil_socket_t sig, short ev, void *arg)
{
	char	err[P_TEXTLEN];

	log_info("SIGHUP: reloading %s", env->conf->file);
	(void)master_reload(err, sizeof(err));
}

static void
master_sigterm(evutil_socket_t sig, short ev, void *arg)
{
	if (env->shutting_down) {
		log_info("second signal: exiting now");
		conn_shutdown_all(SIGKILL);
		auth_stop();
		event_base_loopexit(env->evbase, NULL);
		return;
	}
	log_info("%s: shutting down", sig == SIGTERM ? "SIGTERM" : "SIGINT");
	master_shutdown();
}

static void
master_sigchld(evutil_socket_t sig, short ev, void *arg)
{
	pid_t	pid;
	int	status;

	while ((pid = waitpid(-1, &status, WNOHANG)) > 0) {
		if (pid == env->auth_pid)
			auth_exited(status);
		else
			conn_child_exited(pid, status);
	}
	if (env->shutting_down && conn_count() == 0 && env->auth_pid == 0)
		event_base_loopexit(env->evbase, NULL);
}

/*
 * Read the configuration again.  Everything is prepared on the side
 * (parse, users, certificates, listeners) and only then swapped in, so
 * a bad file or an unbindable port changes nothing.
 */
int
master_reload(char *err, size_t errlen)
{
	struct postern_conf	*nconf, *oconf = env->conf;
	struct cert_list	 ncerts;
	struct cert		*npcert[PROTO_MAX];
	struct cert		*c;
	uid_t			 wuid;
	gid_t			 wgid;

	env->stats.reloads++;
	if ((nconf = parse_config(oconf->file, 0)) == NULL) {
		(void)snprintf(err, errlen, "%s has errors (see the log)",
		    oconf->file);
		goto fail;
	}
	if (conf_served(nconf) == -1) {
		(void)snprintf(err, errlen, "a protocol this build does not "
		    "serve is enabled");
		conf_free(nconf);
		goto fail;
	}
	if (conf_user(nconf, &wuid, &wgid) == -1 ||
	    check_chroot(nconf->chroot) == -1) {
		(void)snprintf(err, errlen, "user \"%s\" or chroot %s unusable",
		    nconf->user, nconf->chroot);
		conf_free(nconf);
		goto fail;
	}
	TAILQ_INIT(&ncerts);
	memset(npcert, 0, sizeof(npcert));
	if (cert_load_all(nconf, &ncerts, npcert) == -1) {
		(void)snprintf(err, errlen, "a certificate could not be loaded");
		cert_free_list(&ncerts);
		conf_free(nconf);
		goto fail;
	}
	if (listen_open_all(nconf, oconf) == -1) {
		(void)snprintf(err, errlen, "a listener could not be opened");
		cert_free_list(&ncerts);
		conf_free(nconf);
		goto fail;
	}
	if (control_open(nconf) == -1)
		log_warnx("reload: control socket %s unusable, keeping the "
		    "old one", nconf->control_socket);
	listen_events_del(oconf);
	listen_close_all(oconf);
	conf_free(oconf);
	env->conf = nconf;
	env->worker_uid = wuid;
	env->worker_gid = wgid;

	/* Old certificates live on while connections still use them. */
	while ((c = TAILQ_FIRST(&env->certs)) != NULL) {
		TAILQ_REMOVE(&env->certs, c, entry);
		c->stale = 1;
		if (c->refs == 0)
			cert_release(c);
	}
	while ((c = TAILQ_FIRST(&ncerts)) != NULL) {
		TAILQ_REMOVE(&ncerts, c, entry);
		TAILQ_INSERT_TAIL(&env->certs, c, entry);
	}
	memcpy(env->proto_cert, npcert, sizeof(npcert));

	if (!env->shutting_down)
		listen_events_add(nconf);
	auth_send_config();
	log_info("reload: configuration %s in effect", nconf->file);
	return 0;
fail:
	env->stats.reload_failures++;
	log_warnx("reload: %s; keeping the running configuration", err);
	return -1;
}

/*
 * Stop accepting, ask every worker and session to end (sessions say
 * goodbye to their clients), and leave once all are gone or after a
 * grace period.
 */
static void
master_shutdown(void)
{
	struct timeval	tv = { 1, 0 };

	env->shutting_down = 1;
	shutdown_started = time(NULL);
	listen_events_del(env->conf);
	listen_close_all(env->conf);
	conn_shutdown_all(SIGTERM);
	if (conn_count() == 0) {
		auth_stop();
		event_base_loopexit(env->evbase, NULL);
		return;
	}
	shutdown_ev = evtimer_new(env->evbase, master_shutdown_tick, NULL);
	if (shutdown_ev == NULL)
		fatalx("evtimer_new");
	evtimer_add(shutdown_ev, &tv);
}

static void
master_shutdown_tick(evutil_socket_t fd, short ev, void *arg)
{
	struct timeval	tv = { 1, 0 };

	if (conn_count() == 0) {
		auth_stop();
		event_base_loopexit(env->evbase, NULL);
		return;
	}
	if (time(NULL) - shutdown_started >= 5) {
		log_info("shutdown: %d connections left, killing them",
		    conn_count());
		conn_shutdown_all(SIGKILL);
	}
	if (time(NULL) - shutdown_started >= 10) {
		auth_stop();
		event_base_loopexit(env->evbase, NULL);
		return;
	}
	evtimer_add(shutdown_ev, &tv);
}

/*
 * Go to the background as daemon(3) does, except that the parent
 * waits until the child says it is serving (pid file written,
 * listeners and control socket open, postern-auth started): an init
 * script or a Type=forking unit sees the start succeed or fail from
 * the exit status, and finds the pid file in place.  The child gets
 * the pipe's write end to pass to detach_done().
 */
static int
detach(void)
{
	char	c;
	ssize_t	n;
	int	p[2], fd;

	if (pipe2(p, O_CLOEXEC) == -1)
		return -1;
	switch (fork()) {
	case -1:
		return -1;
	case 0:
		break;
	default:
		close(p[1]);
		while ((n = read(p[0], &c, 1)) == -1 && errno == EINTR)
			;
		if (n == 1)
			_exit(0);
		errx(1, "the daemon stopped while starting: see the mail "
		    "log (syslog facility mail)");
	}
	close(p[0]);
	if (setsid() == -1 || chdir("/") == -1)
		return -1;
	if ((fd = open(_PATH_DEVNULL, O_RDWR)) == -1)
		return -1;
	if (dup2(fd, STDIN_FILENO) == -1 || dup2(fd, STDOUT_FILENO) == -1 ||
	    dup2(fd, STDERR_FILENO) == -1)
		return -1;
	if (fd > STDERR_FILENO)
		close(fd);
	return p[1];
}

static void
detach_done(int fd)
{
	if (fd == -1)
		return;
	if (write(fd, "", 1) != 1)
		log_warn("%s: telling the parent", __func__);
	close(fd);
}
