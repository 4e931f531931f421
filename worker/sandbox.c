/*
 * The worker's seccomp sandbox (Linux), entered after the chroot and
 * the privilege drop.  Only the system calls a pre-login worker and a
 * TLS relay need are allowed; any other fails with EPERM, and the ones
 * an attacker would reach for first (exec, ptrace, fork, identity
 * changes, serving a port) kill the process outright.
 */
#include <sys/types.h>
#include <sys/prctl.h>

#include <errno.h>
#include <stddef.h>

#include <seccomp.h>

#include "log.h"
#include "worker.h"

static const int sandbox_allow[] = {
	SCMP_SYS(read), SCMP_SYS(write), SCMP_SYS(readv), SCMP_SYS(writev),
	SCMP_SYS(recvmsg), SCMP_SYS(sendmsg), SCMP_SYS(recvfrom),
	SCMP_SYS(sendto), SCMP_SYS(poll), SCMP_SYS(ppoll), SCMP_SYS(close),
	SCMP_SYS(fcntl), SCMP_SYS(socketpair), SCMP_SYS(shutdown),
	SCMP_SYS(brk), SCMP_SYS(mmap), SCMP_SYS(munmap), SCMP_SYS(mremap),
	SCMP_SYS(madvise), SCMP_SYS(mprotect), SCMP_SYS(futex),
	SCMP_SYS(getrandom), SCMP_SYS(clock_gettime), SCMP_SYS(gettimeofday),
	SCMP_SYS(time), SCMP_SYS(getpid), SCMP_SYS(gettid),
	SCMP_SYS(rt_sigaction), SCMP_SYS(rt_sigprocmask),
	SCMP_SYS(rt_sigreturn), SCMP_SYS(sigaltstack), SCMP_SYS(fstat),
	SCMP_SYS(newfstatat), SCMP_SYS(lseek), SCMP_SYS(exit),
	SCMP_SYS(exit_group), SCMP_SYS(restart_syscall),
	SCMP_SYS(sched_yield), SCMP_SYS(nanosleep),
	SCMP_SYS(clock_nanosleep), SCMP_SYS(getuid), SCMP_SYS(geteuid),
	SCMP_SYS(getgid), SCMP_SYS(getegid), SCMP_SYS(prctl),
	SCMP_SYS(uname), SCMP_SYS(sched_getaffinity),
	/*
	 * TLS for STARTTLS/STLS is set up in here: libssl's start sorts
	 * its cipher tables with qsort(3), whose first large sort asks
	 * sysinfo(2) for the memory size (glibc reads the struct even
	 * when the call fails).
	 */
	SCMP_SYS(sysinfo),
};

/*
 * Opening files or sockets only fails (EPERM): the C library may try
 * to reconnect to syslog, and that must not kill a worker.
 */
static const int sandbox_kill[] = {
	SCMP_SYS(execve), SCMP_SYS(execveat), SCMP_SYS(ptrace),
	SCMP_SYS(process_vm_readv), SCMP_SYS(process_vm_writev),
	SCMP_SYS(chroot), SCMP_SYS(setuid), SCMP_SYS(setresuid),
	SCMP_SYS(setgid), SCMP_SYS(setresgid), SCMP_SYS(setgroups),
	SCMP_SYS(fork), SCMP_SYS(vfork), SCMP_SYS(clone), SCMP_SYS(clone3),
	SCMP_SYS(mount), SCMP_SYS(bind), SCMP_SYS(listen),
	SCMP_SYS(accept), SCMP_SYS(accept4),
};

int
sandbox_enter(void)
{
	scmp_filter_ctx	ctx;
	size_t		i;
	int		rc;

	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) == -1) {
		log_warn("PR_SET_NO_NEW_PRIVS");
		return -1;
	}
	if ((ctx = seccomp_init(SCMP_ACT_ERRNO(EPERM))) == NULL) {
		log_warnx("seccomp_init");
		return -1;
	}
	for (i = 0; i < sizeof(sandbox_allow) / sizeof(sandbox_allow[0]); i++)
		if (sandbox_allow[i] >= 0 && seccomp_rule_add(ctx,
		    SCMP_ACT_ALLOW, sandbox_allow[i], 0) < 0)
			goto fail;
	for (i = 0; i < sizeof(sandbox_kill) / sizeof(sandbox_kill[0]); i++)
		if (sandbox_kill[i] >= 0 && seccomp_rule_add(ctx,
		    SCMP_ACT_KILL_PROCESS, sandbox_kill[i], 0) < 0)
			goto fail;
	if ((rc = seccomp_load(ctx)) < 0) {
		log_warnx("seccomp_load: %d", rc);
		goto fail;
	}
	seccomp_release(ctx);
	return 0;
fail:
	seccomp_release(ctx);
	return -1;
}
