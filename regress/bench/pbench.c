/*
 * pbench: the load generator of postern's benchmark (regress/bench),
 * run by bench.sh once per scenario and server.  One process drives
 * all the client connections of a scenario against a server on
 * 127.0.0.1 and prints one "result" line of name=value pairs: rates,
 * p50/p99 latencies, seconds, bytes, or the server's memory.  It only
 * ever connects to the loopback address, and every scenario is bounded
 * in time and in the number of connections.
 *
 *	pbench -s scenario -p port [-t] [-C cafile] [-L label] [options]
 *	pbench -s ports -n count
 *	pbench -s wait -p port [-d seconds]
 */
#include <sys/types.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <arpa/inet.h>

#include <err.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "pbench.h"

struct opts	opt;

static void	usage(void) __attribute__((__noreturn__));
static double	num(const char *, const char *, double, double);
static int	check_userfmt(const char *);
static int	free_ports(int);
static int	wait_port(int, double);

static void
usage(void)
{
	fprintf(stderr,
	    "usage: pbench -s scenario -p port [-It] [-C cafile] "
	    "[-c clients]\n"
	    "              [-d seconds] [-k setup] [-L label] [-m maildir] "
	    "[-n count]\n"
	    "              [-N nusers] [-P server-pid] [-S settle] "
	    "[-T timeout]\n"
	    "              [-u user] [-U userfmt] [-w word]\n"
	    "       pbench -s ports -n count\n"
	    "       pbench -s wait -p port [-d seconds]\n"
	    "scenarios: imap-login imap-fetch imap-search imap-newmail "
	    "imap-mixed\n"
	    "           imap-idle imap-probe pop3-login pop3-retr "
	    "pop3-probe\n");
	exit(2);
}

static double
num(const char *flag, const char *s, double lo, double hi)
{
	char	*end;
	double	 v;

	v = strtod(s, &end);
	if (end == s || *end != '\0' || !(v >= lo && v <= hi))
		errx(2, "%s %s: not a number from %g to %g", flag, s, lo, hi);
	return v;
}

/* A user name format: text, then exactly one %d with flags or width. */
static int
check_userfmt(const char *f)
{
	const char	*p;
	int		 convs = 0;

	for (p = f; *p != '\0'; p++) {
		if (*p != '%')
			continue;
		p++;
		while (*p == '0' || (*p >= '1' && *p <= '9'))
			p++;
		if (*p != 'd')
			return -1;
		convs++;
	}
	return convs == 1 ? 0 : -1;
}

/*
 * Print n loopback ports that are free now, bound all at once so they
 * differ, for bench.sh to give the servers.
 */
static int
free_ports(int n)
{
	struct sockaddr_in	 sin;
	socklen_t		 len;
	int			*fds, i;

	if ((fds = calloc((size_t)n, sizeof(*fds))) == NULL)
		err(1, "calloc");
	for (i = 0; i < n; i++) {
		if ((fds[i] = socket(AF_INET, SOCK_STREAM, 0)) == -1)
			err(1, "socket");
		memset(&sin, 0, sizeof(sin));
		sin.sin_family = AF_INET;
		sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
		if (bind(fds[i], (struct sockaddr *)&sin, sizeof(sin)) == -1)
			err(1, "bind");
		len = sizeof(sin);
		if (getsockname(fds[i], (struct sockaddr *)&sin, &len) == -1)
			err(1, "getsockname");
		printf("%d\n", ntohs(sin.sin_port));
	}
	for (i = 0; i < n; i++)
		close(fds[i]);
	free(fds);
	return 0;
}

/* Wait until something accepts connections on the port. */
static int
wait_port(int port, double secs)
{
	struct sockaddr_in	sin;
	uint64_t		end = now_ns() + (uint64_t)(secs * NSEC);
	int			fd;

	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_port = htons((uint16_t)port);
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	for (;;) {
		if ((fd = socket(AF_INET, SOCK_STREAM, 0)) == -1)
			err(1, "socket");
		if (connect(fd, (struct sockaddr *)&sin, sizeof(sin)) == 0) {
			close(fd);
			return 0;
		}
		close(fd);
		if (now_ns() > end) {
			warnx("nothing listens on port %d", port);
			return 1;
		}
		usleep(50000);
	}
}

int
main(int argc, char *argv[])
{
	int	ch, rc, maxconns;

	opt.clients = 50;
	opt.duration = 10;
	opt.sessions = 1000;
	opt.setup_conc = 50;
	opt.userfmt = "u%05d";
	opt.nusers = 1000;
	opt.word = "zebracorn";
	opt.timeout = 120;
	opt.settle = 3;
	opt.use_idle = 1;

	while ((ch = getopt(argc, argv, "c:C:d:Ik:L:m:n:N:p:P:s:S:tT:u:U:w:"))
	    != -1) {
		switch (ch) {
		case 'c':
			opt.clients = (int)num("-c", optarg, 1, 100000);
			break;
		case 'C':
			opt.cafile = optarg;
			break;
		case 'd':
			opt.duration = num("-d", optarg, 0.1, 3600);
			break;
		case 'I':
			opt.use_idle = 0;
			break;
		case 'k':
			opt.setup_conc = (int)num("-k", optarg, 1, 10000);
			break;
		case 'L':
			opt.label = optarg;
			break;
		case 'm':
			opt.maildir = optarg;
			break;
		case 'n':
			opt.sessions = (int)num("-n", optarg, 1, 100000);
			break;
		case 'N':
			opt.nusers = (int)num("-N", optarg, 1, 10000000);
			break;
		case 'p':
			opt.port = (int)num("-p", optarg, 1, 65535);
			break;
		case 'P':
			opt.server_pid = (pid_t)num("-P", optarg, 1, 1e9);
			break;
		case 's':
			opt.scenario = optarg;
			break;
		case 'S':
			opt.settle = num("-S", optarg, 0, 600);
			break;
		case 't':
			opt.tls = 1;
			break;
		case 'T':
			opt.timeout = num("-T", optarg, 1, 3600);
			break;
		case 'u':
			opt.user = optarg;
			break;
		case 'U':
			if (check_userfmt(optarg) == -1)
				errx(2, "-U %s: one %%d and no other "
				    "conversion", optarg);
			opt.userfmt = optarg;
			break;
		case 'w':
			if (strpbrk(optarg, "\"\\\r\n") != NULL)
				errx(2, "-w: no quotes, backslashes or line "
				    "ends");
			opt.word = optarg;
			break;
		default:
			usage();
		}
	}
	if (optind != argc || opt.scenario == NULL)
		usage();
	if (strcmp(opt.scenario, "ports") == 0)
		return free_ports(opt.sessions);
	if (opt.port == 0)
		errx(2, "-p is required");
	if (strcmp(opt.scenario, "wait") == 0)
		return wait_port(opt.port, opt.duration);
	if (strcmp(opt.scenario, "imap-newmail") == 0 && (opt.maildir == NULL ||
	    opt.user == NULL))
		errx(2, "imap-newmail needs -u user and -m maildir");
	if (strcmp(opt.scenario, "imap-idle") == 0 && opt.server_pid == 0)
		errx(2, "imap-idle needs -P, the server's master pid");
	if (opt.user != NULL && strpbrk(opt.user, "\" \\\r\n%") != NULL)
		errx(2, "-u: not a plain user name");

	/* a server that closes on us must not kill the generator */
	if (signal(SIGPIPE, SIG_IGN) == SIG_ERR)
		err(1, "signal");
	maxconns = opt.clients > opt.sessions ? opt.clients : opt.sessions;
	net_init(maxconns, opt.cafile, opt.port);

	if ((rc = imap_scenario(opt.scenario)) == -1 &&
	    (rc = pop3_scenario(opt.scenario)) == -1)
		errx(2, "unknown scenario %s", opt.scenario);
	return rc;
}
