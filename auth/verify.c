/*
 * postern-auth runs each password check in a child of its own: crypt
 * with a costly hash, or a PAM module waiting on a directory server,
 * must not stall the other logins.  The child runs the backend chain
 * (or, for a GSSAPI login, only its lookup), then the access policy
 * with its group lookups, and writes one struct verify_result to a
 * pipe; the main loop reads it, with a time limit.  At most
 * VERIFY_MAXCHILDREN run at once, the rest wait in order.  A cancelled
 * job's child is killed.  Before a child is forked the login cache
 * (cache.c) is asked, with the files just refreshed: an answer it
 * remembers is delivered from the loop without a child, even while
 * the children are all busy; a child's success is remembered.
 */
#include <sys/types.h>
#include <sys/queue.h>
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <event2/event.h>

#include "auth.h"
#include "log.h"

TAILQ_HEAD(verify_list, verify_job);

static struct event_base	*verify_base;
static int			 verify_closefd = -1;
static struct event		*verify_sigchld;
static struct verify_list	 verify_waiting =
    TAILQ_HEAD_INITIALIZER(verify_waiting);
static struct verify_list	 verify_running =
    TAILQ_HEAD_INITIALIZER(verify_running);
/* Answered from the cache, delivered at the loop's next turn. */
static struct verify_list	 verify_answered =
    TAILQ_HEAD_INITIALIZER(verify_answered);
static int			 verify_nrunning;

static void	verify_spawn(struct verify_job *);
static __attribute__((__noreturn__)) void verify_child(struct verify_job *,
		    int);
static void	verify_read(int, short, void *);
static void	verify_timeout(int, short, void *);
static void	verify_reap(int, short, void *);
static void	verify_release(struct verify_job *);
static void	verify_finish(struct verify_job *);
static void	verify_next(void);
static void	verify_temp(struct verify_job *, const char *);
static int	verify_cached(struct verify_job *);

/*
 * closefd: the master channel, closed in every child.  The login cache
 * is off until cache_config() turns it on.
 */
void
verify_init(struct event_base *base, int closefd)
{
	verify_base = base;
	verify_closefd = closefd;
	cache_init();
	if ((verify_sigchld = evsignal_new(base, SIGCHLD, verify_reap,
	    NULL)) == NULL || evsignal_add(verify_sigchld, NULL) == -1)
		fatalx("%s: cannot watch SIGCHLD", __func__);
}

/*
 * Check j->user and j->pass against j->conf's backends (with
 * j->lookup, only look j->user up), then the access policy for
 * j->proto; j->done(j, j->arg) is called later, from the event loop,
 * with j->res (and j->hit set when the cache gave it).  j->confgen
 * tells the cache which auth settings j->conf are.  The password is
 * wiped from j once the child has its copy, or the cache answered.
 */
void
verify_submit(struct verify_job *j)
{
	j->pid = -1;
	j->fd = -1;
	j->got = 0;
	j->ev_read = j->ev_timeout = NULL;
	j->hit = 0;
	j->have_mac = 0;
	j->cacheable = 0;
	memset(&j->res, 0, sizeof(j->res));
	if (verify_nrunning >= VERIFY_MAXCHILDREN) {
		/* A remembered answer need not wait for a free child. */
		backend_prepare(j->conf);
		access_refresh(j->conf->access_file);
		if (verify_cached(j))
			return;
		j->queued = 1;
		TAILQ_INSERT_TAIL(&verify_waiting, j, entry);
		return;
	}
	verify_spawn(j);
}

/* Forget j without calling done: its child, if any, is killed. */
void
verify_cancel(struct verify_job *j)
{
	if (j->queued) {
		TAILQ_REMOVE(&verify_waiting, j, entry);
		j->queued = 0;
		explicit_bzero(j->pass, sizeof(j->pass));
		explicit_bzero(j->mac, sizeof(j->mac));
		return;
	}
	if (j->pid != -1 && kill(j->pid, SIGKILL) == -1 && errno != ESRCH)
		log_warn("%s: kill %ld", __func__, (long)j->pid);
	verify_release(j);
	verify_next();
}

/* Cancel every job, wipe the cache, stop watching for children. */
void
verify_shutdown(void)
{
	struct verify_job	*j;

	while ((j = TAILQ_FIRST(&verify_waiting)) != NULL)
		verify_cancel(j);
	while ((j = TAILQ_FIRST(&verify_running)) != NULL)
		verify_cancel(j);
	while ((j = TAILQ_FIRST(&verify_answered)) != NULL)
		verify_cancel(j);
	cache_shutdown();
	if (verify_sigchld != NULL)
		event_free(verify_sigchld);
	verify_sigchld = NULL;
}

/*
 * Start j's child.  On failure the answer is a temporary failure,
 * still delivered from the loop so that submit never calls back.
 */
static void
verify_spawn(struct verify_job *j)
{
	struct timeval	 tv = { VERIFY_TIMEOUT, 0 };
	int		 p[2];

	j->queued = 0;
	/* The child, or the cache, decides with the files as they are now. */
	backend_prepare(j->conf);
	access_refresh(j->conf->access_file);
	if (verify_cached(j))
		return;
	TAILQ_INSERT_TAIL(&verify_running, j, entry);
	verify_nrunning++;
	if ((j->ev_timeout = evtimer_new(verify_base, verify_timeout,
	    j)) == NULL)
		fatalx("%s: evtimer_new", __func__);
	if (pipe2(p, O_CLOEXEC) == -1) {
		log_warn("%s: pipe", __func__);
		verify_temp(j, "cannot start the verifier");
		tv.tv_sec = 0;
		evtimer_add(j->ev_timeout, &tv);
		return;
	}
	switch (j->pid = fork()) {
	case -1:
		log_warn("%s: fork", __func__);
		close(p[0]);
		close(p[1]);
		verify_temp(j, "cannot start the verifier");
		tv.tv_sec = 0;
		evtimer_add(j->ev_timeout, &tv);
		return;
	case 0:
		close(p[0]);
		verify_child(j, p[1]);
	}
	close(p[1]);
	explicit_bzero(j->pass, sizeof(j->pass));
	j->fd = p[0];
	if (fcntl(j->fd, F_SETFL, O_NONBLOCK) == -1)
		fatal("%s: fcntl", __func__);
	if ((j->ev_read = event_new(verify_base, j->fd, EV_READ | EV_PERSIST,
	    verify_read, j)) == NULL || event_add(j->ev_read, NULL) == -1)
		fatalx("%s: event_new", __func__);
	evtimer_add(j->ev_timeout, &tv);
}

/*
 * With the files just refreshed: is j's answer in the cache?  If so it
 * is delivered at the loop's next turn (submit must not call back) and
 * 1 is returned.  If not, j keeps its key and the versions the child
 * will see, to store the child's answer under.
 */
static int
verify_cached(struct verify_job *j)
{
	struct timeval	tv = { 0, 0 };

	j->cacheable = 0;
	if (j->lookup || !cache_enabled() || !backend_cacheable(j->conf))
		return 0;
	if (!j->have_mac) {
		cache_mac(j->proto, j->user, j->pass, j->mac);
		j->have_mac = 1;
	}
	memset(&j->ver, 0, sizeof(j->ver));
	j->ver.config = j->confgen;
	j->ver.access = access_generation();
	backend_generations(j->conf, j->ver.pwfile, AUTH_MAXBACKENDS);
	if (!cache_lookup(j->mac, &j->ver, delay_now(), &j->res)) {
		j->cacheable = 1;
		return 0;
	}
	j->hit = 1;
	explicit_bzero(j->pass, sizeof(j->pass));
	TAILQ_INSERT_TAIL(&verify_answered, j, entry);
	if ((j->ev_timeout = evtimer_new(verify_base, verify_timeout,
	    j)) == NULL || evtimer_add(j->ev_timeout, &tv) == -1)
		fatalx("%s: evtimer", __func__);
	return 1;
}

static void
verify_child(struct verify_job *j, int fd)
{
	struct verify_result	 r;
	const unsigned char	*p = (const unsigned char *)&r;
	size_t			 off = 0;
	ssize_t			 n;

	/* The parent's loop caught these; a PAM module may fork and wait. */
	(void)signal(SIGCHLD, SIG_DFL);
	(void)signal(SIGHUP, SIG_DFL);
	(void)signal(SIGINT, SIG_DFL);
	(void)signal(SIGTERM, SIG_DFL);
	if (verify_closefd != -1)
		(void)close(verify_closefd);
	cache_child();
	setproctitle("verify");

	memset(&r, 0, sizeof(r));
	if (j->lookup)
		backend_lookup(j->conf, j->user, j->rhost, &r);
	else
		backend_verify(j->conf, j->user, j->pass, j->rhost, &r);
	explicit_bzero(j->pass, sizeof(j->pass));
	policy_access(j->conf, j->proto, &r);
	while (off < sizeof(r)) {
		if ((n = write(fd, p + off, sizeof(r) - off)) == -1) {
			if (errno == EINTR)
				continue;
			_exit(1);
		}
		off += n;
	}
	_exit(0);
}

static void
verify_temp(struct verify_job *j, const char *reason)
{
	memset(&j->res, 0, sizeof(j->res));
	verify_set(&j->res, VERIFY_FAIL, AUTH_FAIL_TEMP, "%s", reason);
}

static void
verify_read(int fd, short ev, void *arg)
{
	struct verify_job	*j = arg;
	ssize_t			 n;

	n = read(fd, (unsigned char *)&j->res + j->got,
	    sizeof(j->res) - j->got);
	if (n == -1) {
		if (errno == EINTR || errno == EAGAIN)
			return;
		log_warn("%s: read", __func__);
		verify_temp(j, "cannot read the verifier's answer");
	} else if (n == 0) {
		log_warnx("verifier %ld exited without an answer",
		    (long)j->pid);
		verify_temp(j, "verifier exited without an answer");
	} else {
		j->got += n;
		if (j->got < sizeof(j->res))
			return;
		if (!verify_result_ok(&j->res)) {
			log_warnx("verifier %ld: malformed answer",
			    (long)j->pid);
			verify_temp(j, "malformed answer from the verifier");
		} else if (j->cacheable)
			(void)cache_store(j->mac, &j->ver, delay_now(),
			    &j->res);
	}
	verify_finish(j);
}

static void
verify_timeout(int fd, short ev, void *arg)
{
	struct verify_job	*j = arg;

	if (j->pid != -1) {
		log_warnx("verifier %ld: no answer in %d seconds, killed",
		    (long)j->pid, VERIFY_TIMEOUT);
		if (kill(j->pid, SIGKILL) == -1 && errno != ESRCH)
			log_warn("%s: kill", __func__);
		verify_temp(j, "backend timed out");
	}
	verify_finish(j);
}

/* Children are reaped here; their answers came through the pipes. */
static void
verify_reap(int sig, short ev, void *arg)
{
	pid_t	pid;
	int	status;

	while ((pid = waitpid(-1, &status, WNOHANG)) > 0) {
		if (WIFSIGNALED(status) && WTERMSIG(status) != SIGKILL)
			log_warnx("verifier %ld died of signal %d",
			    (long)pid, WTERMSIG(status));
		else if (WIFEXITED(status) && WEXITSTATUS(status) != 0)
			log_warnx("verifier %ld exited with status %d",
			    (long)pid, WEXITSTATUS(status));
	}
	if (pid == -1 && errno != ECHILD)
		log_warn("%s: waitpid", __func__);
}

/*
 * Take a running or answered job off the books; its child is left to
 * the reaper.
 */
static void
verify_release(struct verify_job *j)
{
	if (j->ev_read != NULL)
		event_free(j->ev_read);
	if (j->ev_timeout != NULL)
		event_free(j->ev_timeout);
	j->ev_read = j->ev_timeout = NULL;
	if (j->fd != -1)
		close(j->fd);
	j->fd = -1;
	j->pid = -1;
	explicit_bzero(j->pass, sizeof(j->pass));
	explicit_bzero(j->mac, sizeof(j->mac));
	if (j->hit)
		TAILQ_REMOVE(&verify_answered, j, entry);
	else {
		TAILQ_REMOVE(&verify_running, j, entry);
		verify_nrunning--;
	}
}

static void
verify_finish(struct verify_job *j)
{
	verify_release(j);
	verify_next();
	/* Last: done may free j. */
	j->done(j, j->arg);
}

static void
verify_next(void)
{
	struct verify_job	*j;

	while (verify_nrunning < VERIFY_MAXCHILDREN &&
	    (j = TAILQ_FIRST(&verify_waiting)) != NULL) {
		TAILQ_REMOVE(&verify_waiting, j, entry);
		verify_spawn(j);
	}
}
