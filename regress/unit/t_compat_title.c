/*
 * Unit tests for lib/compat/setproctitle.c, linked as the per-connection
 * programs link it, without libbsd.  What ps(1) reads from
 * /proc/self/cmdline has libbsd's form: "name: text", or the text alone
 * for a format starting with '-', cut to 255 bytes and to the argument
 * and environment strings, cleared after; the arguments, the
 * environment and the program name outlive the title; the process name
 * (comm) is not touched; nothing past the environment strings is
 * written.  The kernel's own idea of where those strings lie, from
 * /proc/self/stat, gives the expected lengths, so the cases hold in any
 * environment; two of them run the others again with a tiny and with a
 * large environment to reach both limits.  Run by Kyua from
 * regress/unit.
 */
#include <sys/auxv.h>
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <atf-c.h>

#include "compat/compat.h"

#define PROG	"t_compat_title"

extern char	**environ;

struct area {
	unsigned long	arg_start, arg_end, env_start, env_end;
};

static int	  main_argc;
static char	**main_argv;

static void	grab_argv(int, char **, char **)
		    __attribute__((__constructor__));
static ssize_t	read_file(const char *, char *, size_t);
static void	get_area(struct area *);
static size_t	title_room(void);
static void	expect_title(const char *);
static void	rerun(const char *, char *const []);

/* Whichever constructor runs first, argv[] is the array main() gets. */
static void
grab_argv(int argc, char **argv, char **envp)
{
	main_argc = argc;
	main_argv = argv;
}

static ssize_t
read_file(const char *path, char *buf, size_t size)
{
	ssize_t	n, got = 0;
	int	fd;

	ATF_REQUIRE((fd = open(path, O_RDONLY)) != -1);
	while ((n = read(fd, buf + got, size - got)) > 0)
		got += n;
	ATF_REQUIRE(n == 0);
	ATF_REQUIRE((size_t)got < size);
	(void)close(fd);
	return got;
}

/* Fields 48 to 51 of /proc/self/stat, after the ")" closing comm. */
static void
get_area(struct area *a)
{
	char	buf[4096], *p;
	int	field;

	read_file("/proc/self/stat", buf, sizeof(buf));
	ATF_REQUIRE((p = strrchr(buf, ')')) != NULL);
	for (field = 2; field < 48; field++)
		ATF_REQUIRE((p = strchr(p + 1, ' ')) != NULL);
	ATF_REQUIRE(sscanf(p, " %lu %lu %lu %lu", &a->arg_start, &a->arg_end,
	    &a->env_start, &a->env_end) == 4);
	/* exec places the environment strings right after the arguments. */
	ATF_REQUIRE(a->arg_end == a->env_start);
	ATF_REQUIRE(a->arg_start == (unsigned long)main_argv[0]);
}

/* How long a title can be here: libbsd's limit or the area less a NUL. */
static size_t
title_room(void)
{
	struct area	a;
	size_t		room;

	get_area(&a);
	room = a.env_end - a.arg_start - 1;
	return room < COMPAT_TITLE_MAX ? room : COMPAT_TITLE_MAX;
}

/*
 * want, cut to the room there is, is what the kernel shows: the whole
 * argument area, cleared after the title, when it fits there; else the
 * title and its NUL, read on into the environment area.
 */
static void
expect_title(const char *want)
{
	struct area	a;
	char		buf[8192];
	size_t		wlen, alen, i;
	ssize_t		n;

	get_area(&a);
	alen = a.arg_end - a.arg_start;
	wlen = strlen(want);
	if (wlen > title_room())
		wlen = title_room();
	n = read_file("/proc/self/cmdline", buf, sizeof(buf));
	if (wlen + 1 <= alen)
		ATF_REQUIRE_EQ((size_t)n, alen);
	else
		ATF_REQUIRE_EQ((size_t)n, wlen + 1);
	ATF_CHECK_MSG(memcmp(buf, want, wlen) == 0, "title \"%.*s\"",
	    (int)wlen, buf);
	for (i = wlen; i < (size_t)n; i++)
		ATF_REQUIRE_EQ_MSG(buf[i], '\0', "byte %zu of %zd", i, n);
}

ATF_TC_WITHOUT_HEAD(named);
ATF_TC_BODY(named, tc)
{
	char	comm[64], after[64];
	ssize_t	n;

	n = read_file("/proc/self/comm", comm, sizeof(comm));
	comm[n] = '\0';
	setproctitle("%s pre-login [%s]", "imap", "127.0.0.1");
	expect_title(PROG ": imap pre-login [127.0.0.1]");
	setproctitle("%s %s [%s]", "pop3", "user", "::1");
	expect_title(PROG ": pop3 user [::1]");
	n = read_file("/proc/self/comm", after, sizeof(after));
	after[n] = '\0';
	ATF_CHECK_STREQ(after, comm);
	ATF_CHECK_STREQ(program_invocation_short_name, PROG);
}

ATF_TC_WITHOUT_HEAD(dash);
ATF_TC_BODY(dash, tc)
{
	setproctitle("-%s tls-relay", "imap");
	expect_title("imap tls-relay");
	setproctitle("-");
	expect_title("");
	setproctitle("%s", "");
	expect_title(PROG ": ");
}

/* A shorter title after a longer one: nothing of the old one shows. */
ATF_TC_WITHOUT_HEAD(shorter);
ATF_TC_BODY(shorter, tc)
{
	char	big[2 * COMPAT_TITLE_MAX];

	memset(big, 'x', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	setproctitle("-%s", big);
	expect_title(big);
	setproctitle("-ab");
	expect_title("ab");
	setproctitle(NULL);
	expect_title(program_invocation_name);
}

/* Cut at 255 bytes or at the area, whichever comes first. */
ATF_TC_WITHOUT_HEAD(long_title);
ATF_TC_BODY(long_title, tc)
{
	char	 big[4 * COMPAT_TITLE_MAX], want[sizeof(big) + 64];
	char	*execfn, *before;
	size_t	 i;

	for (i = 0; i < sizeof(big) - 1; i++)
		big[i] = 'a' + i % 26;
	big[sizeof(big) - 1] = '\0';
	/* The string exec puts after the environment must stay as it is. */
	ATF_REQUIRE((execfn = (char *)getauxval(AT_EXECFN)) != NULL);
	ATF_REQUIRE((before = strdup(execfn)) != NULL);
	setproctitle("%s", big);
	(void)snprintf(want, sizeof(want), PROG ": %s", big);
	expect_title(want);
	setproctitle("-%s", big);
	expect_title(big);
	ATF_CHECK_STREQ(execfn, before);
	free(before);
}

/* What pointed into the area points to copies that a title leaves alone. */
ATF_TC_WITHOUT_HEAD(kept);
ATF_TC_BODY(kept, tc)
{
	char	 cmdline[8192], envcopy[16384], big[COMPAT_TITLE_MAX + 1];
	char	*p, *name;
	size_t	 elen = 0, len;
	ssize_t	 n;
	int	 i;

	n = read_file("/proc/self/cmdline", cmdline, sizeof(cmdline));
	for (i = 0; environ[i] != NULL; i++) {
		len = strlen(environ[i]) + 1;
		ATF_REQUIRE(elen + len <= sizeof(envcopy));
		memcpy(envcopy + elen, environ[i], len);
		elen += len;
	}
	ATF_REQUIRE((name = strdup(program_invocation_name)) != NULL);

	memset(big, '#', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	setproctitle("-%s", big);

	ATF_CHECK_STREQ(program_invocation_name, name);
	ATF_CHECK_STREQ(program_invocation_short_name, PROG);
	p = cmdline + strlen(cmdline) + 1;
	for (i = 1; i < main_argc; i++, p += strlen(p) + 1) {
		ATF_REQUIRE(p < cmdline + n);
		ATF_CHECK_STREQ(main_argv[i], p);
	}
	p = envcopy;
	for (i = 0; environ[i] != NULL; i++, p += strlen(p) + 1) {
		ATF_REQUIRE(p < envcopy + elen);
		ATF_CHECK_STREQ(environ[i], p);
	}
	ATF_CHECK(p == envcopy + elen);
	ATF_CHECK(setenv("T_COMPAT_TITLE", "1", 1) == 0);
	ATF_CHECK_STREQ(getenv("T_COMPAT_TITLE"), "1");
	free(name);
}

/* The errno a caller is about to log survives a title. */
ATF_TC_WITHOUT_HEAD(errno_kept);
ATF_TC_BODY(errno_kept, tc)
{
	errno = ECONNRESET;
	setproctitle("%s", "x");
	ATF_CHECK_EQ(errno, ECONNRESET);
}

/*
 * This program again, on one case, with the given environment and the
 * sanitizers' options; the case must pass.  atf-c wants its directory as
 * -s.
 */
static void
rerun(const char *tcname, char *const envp[])
{
	static const char	*keep[] = { "ASAN_OPTIONS", "UBSAN_OPTIONS",
	    "LSAN_OPTIONS" };
	char			 self[PATH_MAX], res[64], *slash, *env[16];
	char			*argv[] = { PROG, "-s", self, "-r", "result",
				    (char *)tcname, NULL };
	pid_t			 pid;
	ssize_t			 n;
	size_t			 i, ne = 0, nkept;
	int			 status;

	for (i = 0; i < sizeof(keep) / sizeof(keep[0]); i++)
		if (getenv(keep[i]) != NULL)
			ATF_REQUIRE(asprintf(&env[ne++], "%s=%s", keep[i],
			    getenv(keep[i])) != -1);
	nkept = ne;
	for (i = 0; envp[i] != NULL; i++) {
		ATF_REQUIRE(ne < sizeof(env) / sizeof(env[0]) - 1);
		env[ne++] = envp[i];
	}
	env[ne] = NULL;

	ATF_REQUIRE((n = readlink("/proc/self/exe", self, sizeof(self))) > 0);
	ATF_REQUIRE((size_t)n < sizeof(self));
	self[n] = '\0';
	ATF_REQUIRE((slash = strrchr(self, '/')) != NULL);
	*slash = '\0';
	(void)unlink("result");
	ATF_REQUIRE((pid = fork()) != -1);
	if (pid == 0) {
		(void)execve("/proc/self/exe", argv, env);
		_exit(127);
	}
	ATF_REQUIRE(waitpid(pid, &status, 0) == pid);
	for (i = 0; i < nkept; i++)
		free(env[i]);
	n = read_file("result", res, sizeof(res));
	res[n] = '\0';
	ATF_CHECK_MSG(WIFEXITED(status) && WEXITSTATUS(status) == 0 &&
	    strncmp(res, "passed", 6) == 0, "%s: %s", tcname, res);
}

/*
 * Arguments and environment (no more than the sanitizers' options)
 * smaller than a title: the area cuts it.
 */
ATF_TC_WITHOUT_HEAD(tiny_env);
ATF_TC_BODY(tiny_env, tc)
{
	char	*envp[] = { NULL };

	rerun("long_title", envp);
	rerun("kept", envp);
	rerun("named", envp);
}

/* A large environment: libbsd's 255 bytes cut it. */
ATF_TC_WITHOUT_HEAD(large_env);
ATF_TC_BODY(large_env, tc)
{
	char	 a[1100], b[1100];
	char	*envp[] = { a, "B=", b, NULL };

	memset(a, 'a', sizeof(a) - 1);
	a[sizeof(a) - 1] = '\0';
	memcpy(a, "A=", 2);
	memset(b, 'b', sizeof(b) - 1);
	b[sizeof(b) - 1] = '\0';
	memcpy(b, "C=", 2);
	rerun("long_title", envp);
	rerun("kept", envp);
	rerun("shorter", envp);
}

ATF_TP_ADD_TCS(tp)
{
	ATF_TP_ADD_TC(tp, named);
	ATF_TP_ADD_TC(tp, dash);
	ATF_TP_ADD_TC(tp, shorter);
	ATF_TP_ADD_TC(tp, long_title);
	ATF_TP_ADD_TC(tp, kept);
	ATF_TP_ADD_TC(tp, errno_kept);
	ATF_TP_ADD_TC(tp, tiny_env);
	ATF_TP_ADD_TC(tp, large_env);
	return atf_no_error();
}
