/*
 * fork+exec of every child of the master, so that each starts with a
 * fresh address space holding nothing but the descriptors it is given:
 * postern-auth (root, fd 3 = channel), workers (root until they chroot
 * and drop to the unprivileged user themselves; fd 3 = client, fd 4 =
 * channel) and sessions (the mail user, dropped here before exec).
 */
#include <sys/types.h>

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "master.h"

static int	 fcntl_cloexec_off(int);
static void	 child_fds(int, int);
static __attribute__((__noreturn__)) void child_exec(const char *,
		    const char *);

static int
fcntl_cloexec_off(int fd)
{
	int	flags;

	if ((flags = fcntl(fd, F_GETFD)) == -1)
		return -1;
	return fcntl(fd, F_SETFD, flags & ~FD_CLOEXEC);
}

/* Put a at fd 3 and b (or nothing) at fd 4; close everything else. */
static void
child_fds(int a, int b)
{
	if (a == 4 && b != -1) {
		/* Make room: a would be clobbered by dup2(b, 4). */
		if ((a = dup(a)) == -1)
			_exit(1);
	}
	if (b == 3) {
		if ((b = dup(b)) == -1)
			_exit(1);
	}
	if (a != 3) {
		if (dup2(a, 3) == -1)
			_exit(1);
	} else if (fcntl_cloexec_off(3) == -1)
		_exit(1);
	if (b != -1) {
		if (b != 4) {
			if (dup2(b, 4) == -1)
				_exit(1);
		} else if (fcntl_cloexec_off(4) == -1)
			_exit(1);
		closefrom(5);
	} else
		closefrom(4);
}

static void
child_exec(const char *prog, const char *title)
{
	char	 path[P_PATHLEN];
	char	*argv[4];
	int	 n = 0;

	if (snprintf(path, sizeof(path), "%s/%s", env->conf->libexec_dir,
	    prog) >= (int)sizeof(path))
		_exit(1);
	argv[n++] = (char *)prog;
	if (env->debug)
		argv[n++] = "-d";
	if (env->verbose)
		argv[n++] = "-v";
	argv[n] = NULL;
	signal(SIGPIPE, SIG_DFL);
	signal(SIGCHLD, SIG_DFL);
	execv(path, argv);
	log_warn("exec %s", path);
	_exit(127);
}

static pid_t
spawn(const char *what)
{
	pid_t	pid;

	if ((pid = fork()) == -1)
		log_warn("fork %s", what);
	return pid;
}

pid_t
spawn_auth(int fd)
{
	pid_t	pid;

	if ((pid = spawn("postern-auth")) != 0)
		return pid;
	child_fds(fd, -1);
	child_exec("postern-auth", "auth");
}

pid_t
spawn_worker(int client, int chan)
{
	pid_t	pid;

	if ((pid = spawn("postern-worker")) != 0)
		return pid;
	child_fds(client, chan);
	child_exec("postern-worker", "worker");
}

/*
 * A session becomes the user postern-auth confirmed for this
 * connection, never one the worker named: the identity comes from
 * conn->ident, filled only from postern-auth's answer.
 */
pid_t
spawn_session(struct conn *conn, int client, int chan)
{
	gid_t	 groups[P_MAXGROUPS];
	uid_t	 ruid, euid, suid;
	gid_t	 rgid, egid, sgid;
	uint32_t i, n;
	pid_t	 pid;

	if ((pid = spawn("postern-session")) != 0)
		return pid;

	n = conn->ident.ngroups;
	if (n > P_MAXGROUPS)
		n = P_MAXGROUPS;
	for (i = 0; i < n; i++)
		groups[i] = conn->groups[i];
	if (n == 0) {
		groups[0] = conn->ident.gid;
		n = 1;
	}
	if (conn->ident.uid == 0 || conn->ident.uid <
	    (uint32_t)env->conf->first_valid_uid) {
		log_warnx("session for uid %u refused", conn->ident.uid);
		_exit(1);
	}
	if (setgroups(n, groups) == -1 ||
	    setresgid(conn->ident.gid, conn->ident.gid, conn->ident.gid) == -1 ||
	    setresuid(conn->ident.uid, conn->ident.uid, conn->ident.uid) == -1) {
		log_warn("dropping privileges to uid %u", conn->ident.uid);
		_exit(1);
	}
	if (getresuid(&ruid, &euid, &suid) == -1 ||
	    getresgid(&rgid, &egid, &sgid) == -1 ||
	    ruid != conn->ident.uid || euid != ruid || suid != ruid ||
	    rgid != conn->ident.gid || egid != rgid || sgid != rgid ||
	    setuid(0) != -1) {
		log_warnx("privilege drop to uid %u did not hold",
		    conn->ident.uid);
		_exit(1);
	}
	if (chdir(conn->ident.home) == -1 && chdir("/") == -1)
		_exit(1);
	if (setenv("HOME", conn->ident.home, 1) == -1 ||
	    setenv("USER", conn->ident.user, 1) == -1 ||
	    setenv("LOGNAME", conn->ident.user, 1) == -1)
		_exit(1);
	child_fds(client, chan);
	child_exec("postern-session", "session");
}
