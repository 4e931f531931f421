/*
 * The memory a server uses, for pbench (regress/bench): the
 * proportional set size (PSS) of every process in the tree under the
 * server's master process, read from /proc/PID/smaps_rollup.  PSS
 * shares each page among the processes mapping it, so the sum is what
 * the whole server costs, however many processes it forks.
 */
#include <sys/types.h>

#include <ctype.h>
#include <dirent.h>
#include <err.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pbench.h"

struct proc {
	pid_t	pid;
	pid_t	ppid;
	int	in;	/* in the server's tree */
};

static int	read_ppid(pid_t, pid_t *);
static int	read_pss(pid_t, uint64_t *);

/* The parent from /proc/PID/stat; the name may hold spaces and ')'. */
static int
read_ppid(pid_t pid, pid_t *ppid)
{
	char	 path[64], line[1024], *p;
	FILE	*fp;
	long	 v;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	if ((fp = fopen(path, "r")) == NULL)
		return -1;
	if (fgets(line, sizeof(line), fp) == NULL) {
		fclose(fp);
		return -1;
	}
	fclose(fp);
	if ((p = strrchr(line, ')')) == NULL)
		return -1;
	/* ") S PPID ..." */
	if (sscanf(p + 1, " %*c %ld", &v) != 1)
		return -1;
	*ppid = (pid_t)v;
	return 0;
}

static int
read_pss(pid_t pid, uint64_t *kb)
{
	char		 path[64], line[256];
	FILE		*fp;
	unsigned long long v;
	int		 found = 0;

	snprintf(path, sizeof(path), "/proc/%d/smaps_rollup", (int)pid);
	if ((fp = fopen(path, "r")) == NULL)
		return -1;
	while (fgets(line, sizeof(line), fp) != NULL) {
		if (strncmp(line, "Pss:", 4) == 0 &&
		    sscanf(line + 4, "%llu", &v) == 1) {
			*kb = v;
			found = 1;
			break;
		}
	}
	fclose(fp);
	return found ? 0 : -1;
}

/*
 * Sum the PSS (kB) of root and all its descendants.  Processes that
 * exit while being read are skipped.  Returns -1 if root is gone.
 */
int
pss_tree(pid_t root, uint64_t *kb, int *nprocs)
{
	DIR		*d;
	struct dirent	*de;
	struct proc	*ps = NULL, *np;
	size_t		 n = 0, cap = 0, i;
	uint64_t	 sum = 0, v;
	int		 changed, count = 0, have_root = 0;
	pid_t		 pid, ppid, maxpid = 0;
	unsigned char	*mark;

	if ((d = opendir("/proc")) == NULL)
		err(1, "/proc");
	while ((de = readdir(d)) != NULL) {
		if (!isdigit((unsigned char)de->d_name[0]))
			continue;
		pid = (pid_t)strtol(de->d_name, NULL, 10);
		if (read_ppid(pid, &ppid) == -1)
			continue;
		if (n == cap) {
			cap = cap == 0 ? 1024 : cap * 2;
			if ((np = reallocarray(ps, cap, sizeof(*ps))) == NULL)
				err(1, "reallocarray");
			ps = np;
		}
		ps[n].pid = pid;
		ps[n].ppid = ppid;
		ps[n].in = pid == root;
		if (pid == root)
			have_root = 1;
		if (pid > maxpid)
			maxpid = pid;
		n++;
	}
	closedir(d);
	if (!have_root) {
		free(ps);
		return -1;
	}
	/*
	 * The tree is shallow: a few passes over a table indexed by pid
	 * mark every descendant.
	 */
	if ((mark = calloc((size_t)maxpid + 1, 1)) == NULL)
		err(1, "calloc");
	mark[root] = 1;
	do {
		changed = 0;
		for (i = 0; i < n; i++) {
			if (mark[ps[i].pid] || ps[i].ppid <= 0 ||
			    ps[i].ppid > maxpid || !mark[ps[i].ppid])
				continue;
			mark[ps[i].pid] = 1;
			ps[i].in = 1;
			changed = 1;
		}
	} while (changed);
	free(mark);
	for (i = 0; i < n; i++) {
		if (!ps[i].in)
			continue;
		if (read_pss(ps[i].pid, &v) == 0) {
			sum += v;
			count++;
		}
	}
	free(ps);
	*kb = sum;
	*nprocs = count;
	return 0;
}
