/*
 * posternctl's shared pieces: the output formats every command uses,
 * the request to the running daemon, and the commands that work on the
 * files posternd reads (certificates, access rules) in their own files.
 */
#ifndef POSTERN_CTL_H
#define POSTERN_CTL_H

#include <stddef.h>

#include "conf.h"

enum fmt { FMT_TABLE, FMT_JSON, FMT_TSV };

/* Rows of tab-separated cells; the first row names the columns. */
struct rows {
	char	**row;
	size_t	  n;
};

struct ctl {
	const char		*sock;		/* control socket */
	const char		*conffile;	/* postern.conf */
	enum fmt		 fmt;
	struct postern_conf	*conf;		/* parsed on first use */
};

/* posternctl.c */
void	rows_add(struct rows *, const char *, ...)
	    __attribute__((__format__ (printf, 2, 3)));
void	rows_print(struct rows *, enum fmt);
void	rows_free(struct rows *);
int	ctl_daemon(struct ctl *, int, char **, struct rows *, char *, size_t);
struct postern_conf *ctl_conf(struct ctl *);

/* cert.c: posternctl cert ... */
int	ctl_cert(struct ctl *, int, char **);

/* access.c: posternctl access ... */
int	ctl_access(struct ctl *, int, char **);

#endif
