/*
 * The worker's seccomp policy, the one place it is written down.  Read
 * only by the build-time generator (worker/sandbox_gen.c), which turns
 * it into the BPF program postern-worker loads, and by the sandbox's
 * unit test, which checks that program against libseccomp.  Only the
 * system calls a pre-login worker and a TLS relay need are allowed; any
 * other fails with EPERM, and the ones an attacker would reach for
 * first (exec, ptrace, fork, identity changes, serving a port) kill the
 * process outright.  libseccomp adds the architecture check: a system
 * call made through another ABI than the build machine's (i386 int
 * 0x80 or the x32 bit on x86_64) kills the process too.
 */
#ifndef SANDBOX_POLICY_H
#define SANDBOX_POLICY_H

#include <errno.h>
#include <stddef.h>

#include <seccomp.h>

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

/*
 * Builds the policy into a new libseccomp context for the native
 * architecture.  Returns 0 and the context in *ctxp, or a negative
 * errno value with *nrp set to the system call whose rule libseccomp
 * refused (-1 when it was not a rule).  A call the architecture lacks
 * (SCMP_SYS gives a negative pseudo number) has nothing to filter.
 */
static int
sandbox_policy(scmp_filter_ctx *ctxp, int *nrp)
{
	scmp_filter_ctx	ctx;
	size_t		i;
	int		rc;

	*nrp = -1;
	if ((ctx = seccomp_init(SCMP_ACT_ERRNO(EPERM))) == NULL)
		return -ENOMEM;
	/*
	 * A binary search over the call numbers, not one comparison per
	 * rule in turn: the kernel runs the filter for every call number
	 * when it is installed (to cache which are always allowed), with
	 * interrupts off, and a linear list of ~70 rules made that ~3% of
	 * a whole plain login.
	 */
	if ((rc = seccomp_attr_set(ctx, SCMP_FLTATR_CTL_OPTIMIZE, 2)) < 0)
		goto fail;
	for (i = 0; i < sizeof(sandbox_allow) / sizeof(sandbox_allow[0]); i++)
		if (sandbox_allow[i] >= 0 && (rc = seccomp_rule_add(ctx,
		    SCMP_ACT_ALLOW, sandbox_allow[i], 0)) < 0) {
			*nrp = sandbox_allow[i];
			goto fail;
		}
	for (i = 0; i < sizeof(sandbox_kill) / sizeof(sandbox_kill[0]); i++)
		if (sandbox_kill[i] >= 0 && (rc = seccomp_rule_add(ctx,
		    SCMP_ACT_KILL_PROCESS, sandbox_kill[i], 0)) < 0) {
			*nrp = sandbox_kill[i];
			goto fail;
		}
	*ctxp = ctx;
	return 0;
fail:
	seccomp_release(ctx);
	return rc;
}

#endif /* SANDBOX_POLICY_H */
