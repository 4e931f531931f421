/*
 * The access rules file (access-file, /etc/postern/access by default):
 * which users and groups may use which protocols.  One parser for the
 * two programs that read it: postern-auth applies the rules at every
 * login, posternctl shows and edits them.  The grammar and the order
 * of precedence are described in postern.conf(5), ACCESS FILE.
 */
#ifndef POSTERN_ACCESSFILE_H
#define POSTERN_ACCESSFILE_H

#include <sys/queue.h>

#include <stddef.h>
#include <stdio.h>

#include "proto.h"

#define AF_UNSET	(-1)	/* the line says nothing of the protocol */
#define AF_DENY		0
#define AF_ALLOW	1
#define AF_INHERIT	(-2)	/* af_set(): drop the subject's setting */

#define AF_MAXLINE	4096	/* longest line, newline excluded */

#define AF_SET_INHERIT	0x1	/* af_settings() accepts "inherit" */

enum af_kind {
	AF_BLANK,		/* empty, or a comment alone */
	AF_USER,
	AF_GROUP,
	AF_DEFAULT
};

struct af_rule {
	TAILQ_ENTRY(af_rule)	 entry;
	size_t			 lineno;	/* 0: added by af_set() */
	char			*text;		/* as read; NULL: rewrite */
	enum af_kind		 kind;
	char			*name;		/* user or group, else NULL */
	char			*comment;	/* "# ..." after a rule */
	int			 set[PROTO_MAX];  /* AF_UNSET/DENY/ALLOW */
	/* Not overridden by a later line for the same subject. */
	int			 live[PROTO_MAX];
};
TAILQ_HEAD(af_rules, af_rule);

struct af_file {
	struct af_rules	 lines;		/* every line, in file order */
	size_t		 nrules;
	size_t		 nerrors;	/* bad lines */
	size_t		 errline;	/* the first one; 0 when none */
	char		 err[P_TEXTLEN];	/* what is wrong with it */
};

/* Which rule decided a protocol for a user. */
struct af_decision {
	int			 allow;
	const struct af_rule	*rule;	/* NULL: no rule, allowed */
};

struct af_file	*af_new(void);
void		 af_free(struct af_file *);
int		 af_read(struct af_file *, FILE *);
int		 af_write(const struct af_file *, FILE *);
int		 af_settings(int, char **, int, int *, char *, size_t);
void		 af_decide(const struct af_file *, const char *,
		    int (*)(const char *, void *), void *,
		    struct af_decision *);
int		 af_set(struct af_file *, enum af_kind, const char *,
		    const int *, char *, size_t);
const struct af_rule *af_find(const struct af_file *, enum af_kind,
		    const char *);
int		 af_format(const struct af_rule *, char *, size_t);
const char	*af_subject(const struct af_rule *, char *, size_t);
const char	*af_proto_name(int);
int		 af_name_ok(const char *);

#endif
