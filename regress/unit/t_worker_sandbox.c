/*
 * Unit tests for the worker's seccomp sandbox (worker/sandbox.c and the
 * filter sandbox_gen makes from worker/sandbox_policy.h).  Each check
 * runs in a forked child that enters the sandbox with sandbox_enter()
 * and reports through its exit status: allowed calls work, others get
 * EPERM, the dangerous ones and calls through another ABI kill it with
 * SIGSYS.  The generated program is compared with what libseccomp
 * builds from the same policy, both as exported and as the kernel holds
 * it once loaded.  Run by Kyua from regress/unit.
 */
#include <sys/types.h>
#include <sys/ptrace.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>

#include <linux/filter.h>

#include <atf-c.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <seccomp.h>

#include "worker.h"
#include "sandbox_policy.h"
#include "sandbox_bpf.h"

/* Not in glibc 2.36's <sys/ptrace.h>. */
#ifndef PTRACE_SECCOMP_GET_FILTER
#define PTRACE_SECCOMP_GET_FILTER	0x420c
#endif

#define NBPF	(sizeof(sandbox_bpf) / sizeof(sandbox_bpf[0]))

/* How a child got into its filter. */
enum entry {
	ENTRY_SANDBOX,		/* sandbox_enter(), as the worker does */
	ENTRY_LIBSECCOMP	/* seccomp_load() of sandbox_policy() */
};

/* The child's own pid, taken before its filter. */
static pid_t	 child_pid;

static pid_t	 child_start(enum entry, void (*)(void *), void *);
static int	 child_wait(pid_t);
static void	 expect_exit0(int, const char *);
static void	 expect_sigsys(int, const char *);
static void	 read_filter(enum entry, struct sock_filter *, size_t *);

/*
 * Forks a child that enters the filter as told and runs fn, then exits 0;
 * a failed check inside fn exits with its own non-zero code.  A child
 * killed by the filter must leave no core in the test's directory.
 */
static pid_t
child_start(enum entry how, void (*fn)(void *), void *arg)
{
	struct rlimit	 rl = { 0, 0 };
	scmp_filter_ctx	 ctx;
	pid_t		 pid;
	int		 nr;

	if ((pid = fork()) == -1)
		atf_tc_fail("fork: %s", strerror(errno));
	if (pid != 0)
		return pid;
	child_pid = getpid();
	if (setrlimit(RLIMIT_CORE, &rl) == -1)
		_exit(120);
	switch (how) {
	case ENTRY_SANDBOX:
		if (sandbox_enter() == -1)
			_exit(121);
		break;
	case ENTRY_LIBSECCOMP:
		if (sandbox_policy(&ctx, &nr) < 0 || seccomp_load(ctx) < 0)
			_exit(122);
		break;
	}
	fn(arg);
	_exit(0);
}

static int
child_wait(pid_t pid)
{
	int	status;

	while (waitpid(pid, &status, 0) == -1)
		if (errno != EINTR)
			atf_tc_fail("waitpid: %s", strerror(errno));
	return status;
}

static void
expect_exit0(int status, const char *what)
{
	if (WIFSIGNALED(status))
		atf_tc_fail("%s: child killed by signal %d", what,
		    WTERMSIG(status));
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
		atf_tc_fail("%s: child failed check %d", what,
		    WEXITSTATUS(status));
}

static void
expect_sigsys(int status, const char *what)
{
	if (WIFEXITED(status))
		atf_tc_fail("%s: child was not killed (exit %d)", what,
		    WEXITSTATUS(status));
	if (!WIFSIGNALED(status) || WTERMSIG(status) != SIGSYS)
		atf_tc_fail("%s: child killed by signal %d, not SIGSYS",
		    what, WTERMSIG(status));
}

/* ---- allowed ----------------------------------------------------- */

/* A child that says it is inside its filter, then waits to be told. */
struct handshake {
	int	out;		/* the child writes 'x' here */
	int	in;		/* and waits for a 'y' from here */
};

static void
allowed_child(void *arg)
{
	struct handshake	*a = arg;
	struct timespec		 ts;
	char			 c;

	if (getpid() != child_pid)
		_exit(1);
	if (clock_gettime(CLOCK_MONOTONIC, &ts) == -1)
		_exit(2);
	if (write(a->out, "x", 1) != 1)
		_exit(3);
	if (read(a->in, &c, 1) != 1 || c != 'y')
		_exit(4);
}

ATF_TC(allowed);
ATF_TC_HEAD(allowed, tc)
{
	atf_tc_set_md_var(tc, "descr", "allowed calls work in the sandbox, "
	    "and the kernel reports the filter and no_new_privs");
}
ATF_TC_BODY(allowed, tc)
{
	struct handshake	 a;
	char			 path[64], line[256], c;
	FILE			*fp;
	pid_t			 pid;
	int			 down[2], up[2], seccomp = -1, nnp = -1;

	ATF_REQUIRE(pipe(up) == 0 && pipe(down) == 0);
	a.out = up[1];
	a.in = down[0];
	pid = child_start(ENTRY_SANDBOX, allowed_child, &a);
	close(up[1]);
	close(down[0]);
	ATF_REQUIRE_EQ(read(up[0], &c, 1), 1);
	ATF_REQUIRE_EQ(c, 'x');

	snprintf(path, sizeof(path), "/proc/%ld/status", (long)pid);
	ATF_REQUIRE((fp = fopen(path, "r")) != NULL);
	while (fgets(line, sizeof(line), fp) != NULL) {
		sscanf(line, "Seccomp: %d", &seccomp);
		sscanf(line, "NoNewPrivs: %d", &nnp);
	}
	fclose(fp);
	ATF_REQUIRE_EQ(write(down[1], "y", 1), 1);
	expect_exit0(child_wait(pid), "allowed");
	ATF_CHECK_EQ_MSG(seccomp, 2, "Seccomp: %d", seccomp);
	ATF_CHECK_EQ_MSG(nnp, 1, "NoNewPrivs: %d", nnp);
	close(up[0]);
	close(down[1]);
}

/* ---- refused ----------------------------------------------------- */

static void
refused_child(void *arg)
{
	if (openat(AT_FDCWD, "/", O_RDONLY) != -1 || errno != EPERM)
		_exit(1);
	if (socket(AF_INET, SOCK_STREAM, 0) != -1 || errno != EPERM)
		_exit(2);
	if (kill(getpid(), 0) != -1 || errno != EPERM)
		_exit(3);
	/* A number no architecture has falls to the default too. */
	if (syscall(4000) != -1 || errno != EPERM)
		_exit(4);
}

ATF_TC_WITHOUT_HEAD(refused);
ATF_TC_BODY(refused, tc)
{
	expect_exit0(child_wait(child_start(ENTRY_SANDBOX, refused_child,
	    NULL)), "refused");
}

/* ---- killed ------------------------------------------------------ */

static const struct {
	const char	*name;
	long		 nr;
} killed_calls[] = {
	{ "execve", SYS_execve },
	{ "fork", SYS_fork },
	{ "clone", SYS_clone },
	{ "setuid", SYS_setuid },
	{ "ptrace", SYS_ptrace },
	{ "bind", SYS_bind },
};

/*
 * Zero arguments: were the call let through, it would fail (execve,
 * bind, ptrace) or make a copy of this child that exits at once.
 */
static void
killed_child(void *arg)
{
	syscall(*(long *)arg, 0, 0, 0, 0, 0, 0);
	_exit(1);
}

ATF_TC_WITHOUT_HEAD(killed);
ATF_TC_BODY(killed, tc)
{
	size_t	i;
	long	nr;

	for (i = 0; i < sizeof(killed_calls) / sizeof(killed_calls[0]); i++) {
		nr = killed_calls[i].nr;
		expect_sigsys(child_wait(child_start(ENTRY_SANDBOX,
		    killed_child, &nr)), killed_calls[i].name);
	}
}

/* ---- other ABIs -------------------------------------------------- */

#if defined(__x86_64__)
/*
 * getpid(2) through the i386 entry: int 0x80, number 20 of the i386
 * table.  The kernel clobbers r8-r11 on the way back.
 */
static long
i386_getpid(void)
{
	long	ret = 20;

	__asm__ volatile ("int $0x80" : "+a"(ret) : :
	    "memory", "r8", "r9", "r10", "r11");
	return ret;
}

static void
i386_child(void *arg)
{
	if (i386_getpid() != syscall(SYS_getpid))
		_exit(1);
}

static void
x32_child(void *arg)
{
	/* getpid with the x32 bit: ENOSYS without a filter here. */
	syscall(0x40000000L | SYS_getpid);
	_exit(1);
}
#endif

ATF_TC_WITHOUT_HEAD(abi_i386);
ATF_TC_BODY(abi_i386, tc)
{
#if defined(__x86_64__)
	pid_t	pid;
	int	status;

	/* Without the sandbox, as a check that the i386 entry exists. */
	if ((pid = fork()) == -1)
		atf_tc_fail("fork: %s", strerror(errno));
	if (pid == 0) {
		i386_child(NULL);
		_exit(0);
	}
	status = child_wait(pid);
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
		atf_tc_skip("this kernel has no i386 system call entry");
	expect_sigsys(child_wait(child_start(ENTRY_SANDBOX, i386_child,
	    NULL)), "int 0x80 getpid");
#else
	atf_tc_skip("only x86_64 has an i386 ABI to refuse");
#endif
}

ATF_TC_WITHOUT_HEAD(abi_x32);
ATF_TC_BODY(abi_x32, tc)
{
#if defined(__x86_64__)
	expect_sigsys(child_wait(child_start(ENTRY_SANDBOX, x32_child,
	    NULL)), "x32 getpid");
#else
	atf_tc_skip("only x86_64 has an x32 ABI to refuse");
#endif
}

/* ---- the program itself ------------------------------------------ */

ATF_TC(same_as_libseccomp);
ATF_TC_HEAD(same_as_libseccomp, tc)
{
	atf_tc_set_md_var(tc, "descr", "the generated program is the one "
	    "libseccomp exports for sandbox_policy()");
}
ATF_TC_BODY(same_as_libseccomp, tc)
{
	struct sock_filter	 bpf[BPF_MAXINSNS];
	scmp_filter_ctx		 ctx;
	FILE			*fp;
	long			 size;
	int			 nr, rc;

	if ((rc = sandbox_policy(&ctx, &nr)) < 0)
		atf_tc_fail("sandbox_policy: %s (call %d)", strerror(-rc), nr);
	ATF_REQUIRE((fp = tmpfile()) != NULL);
	ATF_REQUIRE_EQ(seccomp_export_bpf(ctx, fileno(fp)), 0);
	seccomp_release(ctx);
	ATF_REQUIRE(fseek(fp, 0, SEEK_END) == 0);
	ATF_REQUIRE((size = ftell(fp)) != -1);
	ATF_REQUIRE_EQ_MSG((size_t)size, sizeof(sandbox_bpf),
	    "libseccomp: %ld bytes, generated: %zu", size,
	    sizeof(sandbox_bpf));
	rewind(fp);
	ATF_REQUIRE_EQ(fread(bpf, sizeof(bpf[0]), NBPF, fp), NBPF);
	fclose(fp);
	ATF_CHECK(memcmp(bpf, sandbox_bpf, sizeof(sandbox_bpf)) == 0);
	ATF_CHECK_EQ(SANDBOX_BPF_ARCH, seccomp_arch_native());
}

/*
 * The program the kernel holds for a child that entered its filter one
 * way or the other, read back while the child waits on a pipe.
 */
static void
read_filter(enum entry how, struct sock_filter *bpf, size_t *lenp)
{
	struct handshake	 a;
	pid_t			 pid;
	long			 n;
	int			 down[2], up[2], status;
	char			 c;

	ATF_REQUIRE(pipe(up) == 0 && pipe(down) == 0);
	a.out = up[1];
	a.in = down[0];
	pid = child_start(how, allowed_child, &a);
	close(up[1]);
	close(down[0]);
	ATF_REQUIRE_EQ(read(up[0], &c, 1), 1);
	if (ptrace(PTRACE_ATTACH, pid, NULL, NULL) == -1)
		atf_tc_fail("PTRACE_ATTACH: %s", strerror(errno));
	ATF_REQUIRE_EQ(waitpid(pid, &status, 0), pid);
	ATF_REQUIRE(WIFSTOPPED(status));
	n = ptrace(PTRACE_SECCOMP_GET_FILTER, pid, 0L, bpf);
	if (n == -1 && (errno == EINVAL || errno == EIO))
		atf_tc_skip("no PTRACE_SECCOMP_GET_FILTER: %s",
		    strerror(errno));
	if (n == -1)
		atf_tc_fail("PTRACE_SECCOMP_GET_FILTER: %s", strerror(errno));
	ATF_REQUIRE(n > 0 && n <= BPF_MAXINSNS);
	*lenp = n;
	ATF_REQUIRE(kill(pid, SIGKILL) == 0);
	status = child_wait(pid);
	ATF_REQUIRE(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
	close(up[0]);
	close(down[1]);
}

ATF_TC(kernel_filter);
ATF_TC_HEAD(kernel_filter, tc)
{
	atf_tc_set_md_var(tc, "descr", "the kernel holds the same program "
	    "after sandbox_enter() as after libseccomp's seccomp_load()");
	atf_tc_set_md_var(tc, "require.user", "root");
}
ATF_TC_BODY(kernel_filter, tc)
{
	struct sock_filter	 mine[BPF_MAXINSNS], theirs[BPF_MAXINSNS];
	size_t			 nmine, ntheirs;

	read_filter(ENTRY_SANDBOX, mine, &nmine);
	read_filter(ENTRY_LIBSECCOMP, theirs, &ntheirs);
	ATF_REQUIRE_EQ(nmine, NBPF);
	ATF_REQUIRE_EQ(ntheirs, NBPF);
	ATF_CHECK(memcmp(mine, sandbox_bpf, sizeof(sandbox_bpf)) == 0);
	ATF_CHECK(memcmp(theirs, sandbox_bpf, sizeof(sandbox_bpf)) == 0);
}

ATF_TP_ADD_TCS(tp)
{
	ATF_TP_ADD_TC(tp, allowed);
	ATF_TP_ADD_TC(tp, refused);
	ATF_TP_ADD_TC(tp, killed);
	ATF_TP_ADD_TC(tp, abi_i386);
	ATF_TP_ADD_TC(tp, abi_x32);
	ATF_TP_ADD_TC(tp, same_as_libseccomp);
	ATF_TP_ADD_TC(tp, kernel_filter);
	return atf_no_error();
}
