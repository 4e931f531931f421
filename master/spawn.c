/*
 * Start every child of the master with a fresh exec, so that each
 * begins with a new address space holding nothing but the descriptors
 * it is given: postern-auth (root, fd 3 = channel), workers
 * (postern-worker and postern-tlsworker: root until they chroot and
 * drop to the unprivileged user themselves; fd 3 = client, fd 4 =
 * channel) and sessions (the mail user, dropped here before exec).
 *
 * The child is a clone(CLONE_VM | CLONE_VFORK) of the master, as
 * glibc's posix_spawn makes them, not a fork: a fork copies the
 * master's page tables and then pays a copy-on-write fault for each
 * page either side touches, which cost more than the exec itself at
 * hundreds of logins a second.  The child runs on its own small stack
 * while the master is suspended until the exec, so it may only make
 * system calls: everything it needs (path, argv, envp, groups) is
 * prepared before, it never allocates, never logs, and tells the
 * master which step failed through spawn_args, which both share.
 */
#include <sys/types.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "master.h"

#define SPAWN_STACK	(64 * 1024)
#define SPAWN_MAXENV	256

extern char	**environ;

struct spawn_args {
	const char	*what;
	char		 path[P_PATHLEN];
	char		*argv[4];
	char		**envp;
	int		 fd_a, fd_b;	/* to become fd 3 and fd 4 */
	sigset_t	 mask;		/* the master's mask, for the child */

	/* A session's identity, applied before exec. */
	int		 setid;
	uid_t		 uid;
	gid_t		 gid;
	gid_t		 groups[P_MAXGROUPS];
	size_t		 ngroups;
	const char	*home;

	/* Written by the child before it gives up. */
	const char	*failed;
	int		 error;
};

static int	 spawn_child(void *);
static int	 child_fds(struct spawn_args *);
static int	 child_id(struct spawn_args *);
static int	 cloexec_off(int);
static pid_t	 spawn(struct spawn_args *);
static void	 spawn_prepare(struct spawn_args *, const char *, const char *,
		    int, int);

static void	*spawn_stack;

static int
cloexec_off(int fd)
{
	int	flags;

	if ((flags = fcntl(fd, F_GETFD)) == -1)
		return -1;
	return fcntl(fd, F_SETFD, flags & ~FD_CLOEXEC);
}

/* Put fd_a at 3 and fd_b (or nothing) at 4; close everything else. */
static int
child_fds(struct spawn_args *sa)
{
	int	a = sa->fd_a, b = sa->fd_b, first;

	if (a == 4 && b != -1) {
		/* Make room: a would be clobbered by dup2(b, 4). */
		if ((a = fcntl(a, F_DUPFD, 5)) == -1)
			return -1;
	}
	if (b == 3) {
		if ((b = fcntl(b, F_DUPFD, 5)) == -1)
			return -1;
	}
	if (a != 3) {
		if (dup2(a, 3) == -1)
			return -1;
	} else if (cloexec_off(3) == -1)
		return -1;
	if (b != -1) {
		if (b != 4) {
			if (dup2(b, 4) == -1)
				return -1;
		} else if (cloexec_off(4) == -1)
			return -1;
	}
	first = b != -1 ? 5 : 4;
	/* close_range(2): glibc's closefrom() may fall back to malloc. */
	if (syscall(SYS_close_range, first, ~0U, 0) == -1) {
		if (errno != ENOSYS)
			return -1;
		for (; first < 65536; first++)
			(void)close(first);
	}
	return 0;
}

/*
 * Become the session's user, and check there is no way back.  Raw
 * system calls: the master has a single thread, so there is nothing
 * for glibc's set*id broadcast to do, and it must not run here.
 */
static int
child_id(struct spawn_args *sa)
{
	uid_t	ruid, euid, suid;
	gid_t	rgid, egid, sgid;

	sa->failed = "dropping privileges";
	if (syscall(SYS_setgroups, sa->ngroups, sa->groups) == -1 ||
	    syscall(SYS_setresgid, sa->gid, sa->gid, sa->gid) == -1 ||
	    syscall(SYS_setresuid, sa->uid, sa->uid, sa->uid) == -1)
		return -1;
	sa->failed = "checking the privilege drop";
	if (syscall(SYS_getresuid, &ruid, &euid, &suid) == -1 ||
	    syscall(SYS_getresgid, &rgid, &egid, &sgid) == -1)
		return -1;
	if (ruid != sa->uid || euid != ruid || suid != ruid ||
	    rgid != sa->gid || egid != rgid || sgid != rgid ||
	    syscall(SYS_setuid, 0) != -1) {
		errno = EPERM;
		return -1;
	}
	sa->failed = "chdir to the home directory";
	if (chdir(sa->home) == -1 && chdir("/") == -1)
		return -1;
	return 0;
}

/* The child, on spawn_stack, with the master's memory. */
static int
spawn_child(void *arg)
{
	struct spawn_args	*sa = arg;
	struct sigaction	 sact;
	int			 sig;

	/* No handler of the master may run here: they touch its state. */
	memset(&sact, 0, sizeof(sact));
	sact.sa_handler = SIG_DFL;
	for (sig = 1; sig < NSIG; sig++)
		(void)sigaction(sig, &sact, NULL);
	if (sa->setid && child_id(sa) == -1)
		goto fail;
	sa->failed = "setting up descriptors";
	if (child_fds(sa) == -1)
		goto fail;
	sa->failed = "restoring the signal mask";
	if (sigprocmask(SIG_SETMASK, &sa->mask, NULL) == -1)
		goto fail;
	sa->failed = "exec";
	execve(sa->path, sa->argv, sa->envp);
fail:
	sa->error = errno;
	_exit(127);
}

static void
spawn_prepare(struct spawn_args *sa, const char *prog, const char *what,
    int a, int b)
{
	int	n = 0;

	memset(sa, 0, sizeof(*sa));
	sa->what = what;
	sa->fd_a = a;
	sa->fd_b = b;
	sa->envp = environ;
	if (snprintf(sa->path, sizeof(sa->path), "%s/%s",
	    env->conf->libexec_dir, prog) >= (int)sizeof(sa->path))
		sa->path[0] = '\0';
	sa->argv[n++] = (char *)prog;
	if (env->debug)
		sa->argv[n++] = "-d";
	if (env->verbose)
		sa->argv[n++] = "-v";
	sa->argv[n] = NULL;
}

/*
 * Run sa's child; the master resumes once it has exec'd or given up.
 * Returns its pid, or -1 (logged) when it could not be started.
 */
static pid_t
spawn(struct spawn_args *sa)
{
	sigset_t	all;
	pid_t		pid;
	int		status;

	if (sa->path[0] == '\0') {
		log_warnx("%s: path too long", sa->what);
		return -1;
	}
	if (spawn_stack == NULL) {
		if ((spawn_stack = mmap(NULL, SPAWN_STACK, PROT_READ |
		    PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_STACK, -1,
		    0)) == MAP_FAILED) {
			spawn_stack = NULL;
			log_warn("%s: stack", sa->what);
			return -1;
		}
	}
	sigfillset(&all);
	if (sigprocmask(SIG_SETMASK, &all, &sa->mask) == -1) {
		log_warn("%s: sigprocmask", sa->what);
		return -1;
	}
	sa->failed = NULL;
	pid = clone(spawn_child, (char *)spawn_stack + SPAWN_STACK,
	    CLONE_VM | CLONE_VFORK | SIGCHLD, sa);
	if (pid == -1)
		log_warn("%s: clone", sa->what);
	else if (sa->failed != NULL && sa->error != 0) {
		errno = sa->error;
		if (strcmp(sa->failed, "exec") == 0)
			log_warn("exec %s", sa->path);
		else
			log_warn("%s: %s", sa->what, sa->failed);
		/* Ours to reap: the master's SIGCHLD handler never knew it. */
		while (waitpid(pid, &status, 0) == -1 && errno == EINTR)
			;
		pid = -1;
	}
	if (sigprocmask(SIG_SETMASK, &sa->mask, NULL) == -1)
		fatal("%s: sigprocmask", __func__);
	return pid;
}

pid_t
spawn_auth(int fd)
{
	struct spawn_args	sa;

	spawn_prepare(&sa, "postern-auth", "postern-auth", fd, -1);
	return spawn(&sa);
}

/*
 * A pre-login worker for one connection: postern-tlsworker when the
 * connection uses TLS (an implicit-TLS port, or a plain one after
 * STARTTLS/STLS), else postern-worker, which does not even map TLS code.
 */
pid_t
spawn_worker(int client, int chan, int tls)
{
	struct spawn_args	sa;
	const char		*prog;

	prog = tls ? "postern-tlsworker" : "postern-worker";
	spawn_prepare(&sa, prog, prog, client, chan);
	return spawn(&sa);
}

/*
 * A session becomes the user postern-auth confirmed for this
 * connection, never one the worker named: the identity comes from
 * conn->ident, filled only from postern-auth's answer.  Its
 * environment is the master's with HOME, USER and LOGNAME of the user.
 */
pid_t
spawn_session(struct conn *conn, int client, int chan)
{
	struct spawn_args	 sa;
	char			 home[P_PATHLEN + 8], user[P_NAMELEN + 8];
	char			 logname[P_NAMELEN + 12];
	char			*envp[SPAWN_MAXENV];
	size_t			 i, n = 0;

	spawn_prepare(&sa, "postern-session", "postern-session", client,
	    chan);
	if (conn->ident.uid == 0 || conn->ident.uid <
	    (uint32_t)env->conf->first_valid_uid) {
		log_warnx("id=%u: session for uid %u refused", conn->id,
		    conn->ident.uid);
		return -1;
	}
	sa.setid = 1;
	sa.uid = conn->ident.uid;
	sa.gid = conn->ident.gid;
	sa.ngroups = conn->ident.ngroups;
	if (sa.ngroups > P_MAXGROUPS)
		sa.ngroups = P_MAXGROUPS;
	for (i = 0; i < sa.ngroups; i++)
		sa.groups[i] = conn->groups[i];
	if (sa.ngroups == 0) {
		sa.groups[0] = conn->ident.gid;
		sa.ngroups = 1;
	}
	sa.home = conn->ident.home;

	if ((size_t)snprintf(home, sizeof(home), "HOME=%s",
	    conn->ident.home) >= sizeof(home) ||
	    (size_t)snprintf(user, sizeof(user), "USER=%s",
	    conn->ident.user) >= sizeof(user) ||
	    (size_t)snprintf(logname, sizeof(logname), "LOGNAME=%s",
	    conn->ident.user) >= sizeof(logname)) {
		log_warnx("id=%u: session environment too long", conn->id);
		return -1;
	}
	for (i = 0; environ[i] != NULL && n < SPAWN_MAXENV - 4; i++) {
		if (strncmp(environ[i], "HOME=", 5) == 0 ||
		    strncmp(environ[i], "USER=", 5) == 0 ||
		    strncmp(environ[i], "LOGNAME=", 8) == 0)
			continue;
		envp[n++] = environ[i];
	}
	envp[n++] = home;
	envp[n++] = user;
	envp[n++] = logname;
	envp[n] = NULL;
	sa.envp = envp;
	return spawn(&sa);
}
