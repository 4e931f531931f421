/*
 * The worker's seccomp sandbox (Linux), entered by postern-worker after
 * the chroot and the privilege drop.  The filter itself (what is
 * allowed, refused with EPERM or kills the process) is written in
 * sandbox_policy.h and compiled at build time by sandbox_gen into
 * sandbox_bpf.h, so a worker, exec'd afresh for every connection,
 * neither loads libseccomp nor builds a filter: it hands the kernel a
 * constant program.
 */
#include <sys/types.h>
#include <sys/prctl.h>

#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>

#include "log.h"
#include "worker.h"

#include "sandbox_bpf.h"

/*
 * sandbox_gen runs on the build machine and checks its architecture;
 * a worker built for another one would die at its first system call.
 */
#if defined(__x86_64__) && !defined(__ILP32__)
#define SANDBOX_ARCH	AUDIT_ARCH_X86_64
#elif defined(__i386__)
#define SANDBOX_ARCH	AUDIT_ARCH_I386
#elif defined(__aarch64__) && !defined(__AARCH64EB__)
#define SANDBOX_ARCH	AUDIT_ARCH_AARCH64
#endif
#ifdef SANDBOX_ARCH
_Static_assert(SANDBOX_BPF_ARCH == SANDBOX_ARCH,
    "sandbox_bpf.h was generated for another architecture");
#endif

int
sandbox_enter(void)
{
	struct sock_fprog	prog;

	/* The kernel copies the program and never writes to it. */
	prog.len = sizeof(sandbox_bpf) / sizeof(sandbox_bpf[0]);
	prog.filter = (struct sock_filter *)sandbox_bpf;

	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) == -1) {
		log_warn("PR_SET_NO_NEW_PRIVS");
		return -1;
	}
	if (prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog, 0, 0) == -1) {
		log_warn("PR_SET_SECCOMP");
		return -1;
	}
	return 0;
}
