/*
 * The master's side of postern-auth: starting it, sending it the
 * configuration, relaying requests, and restarting it when it dies
 * (slowed down when it keeps dying, as Dovecot's master does), failing
 * the logins that were in flight with a temporary error.
 */
#include <sys/types.h>
#include <sys/socket.h>
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "log.h"
#include "master.h"

static struct event	*aev_w;
static int		 auth_quick_deaths;

static void	 auth_read(evutil_socket_t, short, void *);
static void	 auth_write(evutil_socket_t, short, void *);
static void	 auth_restart(evutil_socket_t, short, void *);
static void	 auth_close(void);

void
auth_start(void)
{
	int	sp[2];
	pid_t	pid;

	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sp) == -1)
		fatal("socketpair");
	if ((pid = spawn_auth(sp[1])) == -1)
		fatal("cannot start postern-auth");
	close(sp[1]);
	env->auth_pid = pid;
	env->auth_started = time(NULL);
	(void)fcntl(sp[0], F_SETFL, O_NONBLOCK);
	msg_init(&env->achan, sp[0]);
	env->aev = event_new(env->evbase, sp[0], EV_READ | EV_PERSIST,
	    auth_read, NULL);
	aev_w = event_new(env->evbase, sp[0], EV_WRITE, auth_write, NULL);
	if (env->aev == NULL || aev_w == NULL)
		fatalx("event_new");
	event_add(env->aev, NULL);
	auth_send_config();
	log_debug("postern-auth started, pid %ld", (long)pid);
}

void
auth_send_config(void)
{
	struct postern_conf	*conf = env->conf;
	struct auth_config	 ac;
	int			 i;

	memset(&ac, 0, sizeof(ac));
	ac.first_valid_uid = conf->first_valid_uid;
	ac.failure_delay_ms = conf->failure_delay_ms;
	ac.failure_delay_max_ms = conf->failure_delay_max_ms;
	ac.cache_ttl = conf->auth_cache_ttl;
	ac.cache_size = conf->auth_cache_size;
	(void)strlcpy(ac.mail_location, conf->mail_location,
	    sizeof(ac.mail_location));
	(void)strlcpy(ac.access_file, conf->access_file,
	    sizeof(ac.access_file));
	ac.nbackends = conf->nbackends;
	for (i = 0; i < conf->nbackends && i < AUTH_MAXBACKENDS; i++)
		ac.backends[i] = conf->backends[i];
	(void)strlcpy(ac.gssapi_keytab, conf->gssapi_keytab,
	    sizeof(ac.gssapi_keytab));
	for (i = 1; i < PROTO_MAX; i++)
		(void)strlcpy(ac.gssapi_service[i],
		    conf->protos[i].gssapi_service,
		    sizeof(ac.gssapi_service[i]));
	(void)auth_send(MSG_AUTH_CONFIG, 0, &ac, sizeof(ac), NULL, 0);
}

int
auth_send(uint32_t type, uint32_t id, const void *d1, size_t l1,
    const void *d2, size_t l2)
{
	if (env->aev == NULL)
		return -1;
	if (msg_composev(&env->achan, type, id, -1, d1, l1, d2, l2) == -1)
		return -1;
	if (msg_flush(&env->achan) == -1) {
		log_warn("write to postern-auth");
		return -1;
	}
	if (env->achan.queued > 0)
		event_add(aev_w, NULL);
	return 0;
}

static void
auth_write(evutil_socket_t fd, short ev, void *arg)
{
	if (msg_flush(&env->achan) == -1) {
		log_warn("write to postern-auth");
		return;
	}
	if (env->achan.queued > 0)
		event_add(aev_w, NULL);
}

static void
auth_read(evutil_socket_t fd, short ev, void *arg)
{
	struct msg	m;
	int		r;

	r = msg_fill(&env->achan);
	if (r == -1 && errno == EAGAIN)
		return;
	if (r <= 0) {
		/* It is dying; SIGCHLD brings the restart. */
		auth_close();
		return;
	}
	while ((r = msg_get(&env->achan, &m)) == 1) {
		if (m.fd != -1)
			close(m.fd);
		switch (m.type) {
		case MSG_AREQ_CHALLENGE:
		case MSG_AREQ_OK:
		case MSG_AREQ_FAIL:
			conn_auth_reply(m.id, &m);
			break;
		default:
			log_warnx("postern-auth sent message type %u", m.type);
			break;
		}
		if (env->aev == NULL)
			return;
	}
	if (r == -1) {
		log_warnx("postern-auth sent a malformed message; restarting "
		    "it");
		if (env->auth_pid > 0)
			kill(env->auth_pid, SIGKILL);
		auth_close();
	}
}

static void
auth_close(void)
{
	if (env->aev == NULL)
		return;
	event_free(env->aev);
	event_free(aev_w);
	env->aev = aev_w = NULL;
	close(env->achan.fd);
	msg_clear(&env->achan);
	conn_auth_died();
}

void
auth_exited(int status)
{
	struct timeval	tv = { 0, 0 };

	auth_close();
	env->auth_pid = 0;
	if (env->shutting_down)
		return;
	env->stats.auth_restarts++;
	if (WIFSIGNALED(status))
		log_warnx("postern-auth killed by signal %d, restarting it",
		    WTERMSIG(status));
	else
		log_warnx("postern-auth exited with status %d, restarting it",
		    WEXITSTATUS(status));
	/* One that dies young is restarted after a growing pause. */
	if (time(NULL) - env->auth_started < 2) {
		if (auth_quick_deaths < 5)
			auth_quick_deaths++;
		tv.tv_sec = 1 << (auth_quick_deaths - 1);
	} else
		auth_quick_deaths = 0;
	if (env->auth_restart_ev == NULL &&
	    (env->auth_restart_ev = evtimer_new(env->evbase, auth_restart,
	    NULL)) == NULL)
		fatalx("evtimer_new");
	evtimer_add(env->auth_restart_ev, &tv);
}

static void
auth_restart(evutil_socket_t fd, short ev, void *arg)
{
	if (env->shutting_down || env->auth_pid != 0)
		return;
	auth_start();
}

/* At shutdown: end postern-auth and reap it (for a second at most). */
void
auth_stop(void)
{
	int	i;

	auth_close();
	if (env->auth_pid <= 0)
		return;
	kill(env->auth_pid, SIGTERM);
	for (i = 0; i < 100; i++) {
		if (waitpid(env->auth_pid, NULL, WNOHANG) != 0)
			break;
		usleep(10000);
	}
	env->auth_pid = 0;
}
