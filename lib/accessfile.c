/*
 * The access rules file, shared by postern-auth (which decides each
 * login with it) and posternctl (which shows and edits it); see
 * accessfile.h.  Every line is kept, comments and blank lines
 * included, so that an edit rewrites only the lines of the subject it
 * changes.
 *
 *	# comment
 *	default all on
 *	group field-engineers imap on pop3 off
 *	user bob pop3 on		# bob keeps POP3
 *
 * A subject may have several lines; for each protocol the last line
 * that names it counts.  Within a line, words are read left to right,
 * so "all off imap on" leaves only IMAP allowed.
 */
#include <sys/types.h>
#define __unused __attribute__((__unused__))
#include <sys/queue.h>
#include <sys/tree.h>

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "accessfile.h"

#define AF_MAXWORDS	64

/* A subject seen while the live flags are computed. */
struct af_subj {
	RB_ENTRY(af_subj)	 node;
	enum af_kind		 kind;
	const char		*name;
	int			 seen[PROTO_MAX];
};
RB_HEAD(af_subj_tree, af_subj);

static const struct {
	const char	*name;
	int		 proto;		/* 0: all of them */
} af_protos[] = {
	{ "all",	0 },
	{ "imap",	PROTO_IMAP },
	{ "pop3",	PROTO_POP3 },
	{ "submission",	PROTO_SUBMISSION },
};

/* The order protocols are written in. */
static const int af_order[] = { PROTO_IMAP, PROTO_POP3, PROTO_SUBMISSION };

static int	 af_subj_cmp(struct af_subj *, struct af_subj *);
static int	 af_err(char *, size_t, const char *, ...)
		    __attribute__((__format__ (printf, 3, 4)));
static struct af_rule *af_rule_new(void);
static void	 af_rule_free(struct af_rule *);
static int	 af_parse(char *, struct af_rule *, char *, size_t);
static int	 af_live(struct af_file *);
static int	 af_same(const struct af_rule *, enum af_kind, const char *);
static int	 af_anyset(const int *);

RB_GENERATE_STATIC(af_subj_tree, af_subj, node, af_subj_cmp)

static int
af_subj_cmp(struct af_subj *a, struct af_subj *b)
{
	if (a->kind != b->kind)
		return a->kind < b->kind ? -1 : 1;
	return strcmp(a->name != NULL ? a->name : "",
	    b->name != NULL ? b->name : "");
}

static int
af_err(char *err, size_t errlen, const char *fmt, ...)
{
	va_list	ap;

	va_start(ap, fmt);
	(void)vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
	return -1;
}

const char *
af_proto_name(int proto)
{
	size_t	i;

	for (i = 0; i < sizeof(af_protos) / sizeof(af_protos[0]); i++)
		if (af_protos[i].proto == proto)
			return af_protos[i].name;
	return "unknown";
}

/*
 * A user or group name: printable, without blanks or '#' (which starts
 * a comment), and short enough for every message that carries it.
 */
int
af_name_ok(const char *s)
{
	size_t	i;

	for (i = 0; s[i] != '\0'; i++)
		if ((unsigned char)s[i] <= 0x20 || s[i] == 0x7f || s[i] == '#')
			return 0;
	return i > 0 && i < P_NAMELEN;
}

struct af_file *
af_new(void)
{
	struct af_file	*af;

	if ((af = calloc(1, sizeof(*af))) == NULL)
		return NULL;
	TAILQ_INIT(&af->lines);
	return af;
}

static struct af_rule *
af_rule_new(void)
{
	struct af_rule	*r;
	int		 p;

	if ((r = calloc(1, sizeof(*r))) == NULL)
		return NULL;
	for (p = 0; p < PROTO_MAX; p++)
		r->set[p] = AF_UNSET;
	return r;
}

static void
af_rule_free(struct af_rule *r)
{
	free(r->text);
	free(r->name);
	free(r->comment);
	free(r);
}

void
af_free(struct af_file *af)
{
	struct af_rule	*r;

	if (af == NULL)
		return;
	while ((r = TAILQ_FIRST(&af->lines)) != NULL) {
		TAILQ_REMOVE(&af->lines, r, entry);
		af_rule_free(r);
	}
	free(af);
}

static int
af_anyset(const int *set)
{
	int	p;

	for (p = 1; p < PROTO_MAX; p++)
		if (set[p] != AF_UNSET)
			return 1;
	return 0;
}

/*
 * "PROTO on|off ..." into set[PROTO_MAX] (unnamed ones AF_UNSET).
 * With AF_SET_INHERIT, "inherit" gives AF_INHERIT.  Returns 0, or -1
 * with the reason in err.
 */
int
af_settings(int argc, char **argv, int flags, int *set, char *err,
    size_t errlen)
{
	size_t	i;
	int	a, p, v;

	for (p = 0; p < PROTO_MAX; p++)
		set[p] = AF_UNSET;
	if (argc == 0)
		return af_err(err, errlen, "no protocol named (imap, pop3, "
		    "submission or all)");
	for (a = 0; a < argc; a += 2) {
		for (i = 0; i < sizeof(af_protos) / sizeof(af_protos[0]); i++)
			if (strcasecmp(argv[a], af_protos[i].name) == 0)
				break;
		if (i == sizeof(af_protos) / sizeof(af_protos[0]))
			return af_err(err, errlen, "\"%.64s\" is not a "
			    "protocol (imap, pop3, submission or all)",
			    argv[a]);
		if (a + 1 >= argc)
			return af_err(err, errlen, "%s needs on or off",
			    af_protos[i].name);
		if (strcasecmp(argv[a + 1], "on") == 0 ||
		    strcasecmp(argv[a + 1], "allow") == 0)
			v = AF_ALLOW;
		else if (strcasecmp(argv[a + 1], "off") == 0 ||
		    strcasecmp(argv[a + 1], "deny") == 0)
			v = AF_DENY;
		else if ((flags & AF_SET_INHERIT) &&
		    strcasecmp(argv[a + 1], "inherit") == 0)
			v = AF_INHERIT;
		else
			return af_err(err, errlen, "%s: \"%.64s\" is not on, "
			    "off, allow or deny%s", af_protos[i].name,
			    argv[a + 1], (flags & AF_SET_INHERIT) ?
			    " (or inherit)" : "");
		if (af_protos[i].proto != 0)
			set[af_protos[i].proto] = v;
		else
			for (p = 1; p < PROTO_MAX; p++)
				set[p] = v;
	}
	return 0;
}

/* One line, already without its newline, into r. */
static int
af_parse(char *line, struct af_rule *r, char *err, size_t errlen)
{
	char	*words[AF_MAXWORDS], *p, *w, *hash;
	int	 n = 0, first;

	r->kind = AF_BLANK;
	if ((hash = strchr(line, '#')) != NULL) {
		if ((r->comment = strdup(hash)) == NULL)
			return af_err(err, errlen, "%s", strerror(errno));
		*hash = '\0';
	}
	p = line;
	while ((w = strsep(&p, " \t")) != NULL) {
		if (*w == '\0')
			continue;
		if (n == AF_MAXWORDS)
			return af_err(err, errlen, "too many words");
		words[n++] = w;
	}
	if (n == 0) {
		/* A comment line keeps its text; no separate comment. */
		free(r->comment);
		r->comment = NULL;
		return 0;
	}
	if (strcmp(words[0], "user") == 0)
		r->kind = AF_USER;
	else if (strcmp(words[0], "group") == 0)
		r->kind = AF_GROUP;
	else if (strcmp(words[0], "default") == 0)
		r->kind = AF_DEFAULT;
	else
		return af_err(err, errlen, "\"%.64s\" is not user, group or "
		    "default", words[0]);
	first = 1;
	if (r->kind != AF_DEFAULT) {
		if (n < 2)
			return af_err(err, errlen, "%s needs a name",
			    words[0]);
		if (!af_name_ok(words[1]))
			return af_err(err, errlen, "bad %s name", words[0]);
		if ((r->name = strdup(words[1])) == NULL)
			return af_err(err, errlen, "%s", strerror(errno));
		first = 2;
	}
	return af_settings(n - first, words + first, 0, r->set, err, errlen);
}

/*
 * For each rule and protocol: is this the last line of its subject to
 * name the protocol?  Only such settings take part in decisions.
 */
static int
af_live(struct af_file *af)
{
	struct af_subj_tree	 tree = RB_INITIALIZER(&tree);
	struct af_subj		 key, *s, *next;
	struct af_rule		*r;
	int			 p, rv = 0;

	TAILQ_FOREACH_REVERSE(r, &af->lines, af_rules, entry) {
		if (r->kind == AF_BLANK)
			continue;
		key.kind = r->kind;
		key.name = r->name;
		if ((s = RB_FIND(af_subj_tree, &tree, &key)) == NULL) {
			if ((s = calloc(1, sizeof(*s))) == NULL) {
				rv = -1;
				break;
			}
			s->kind = r->kind;
			s->name = r->name;
			RB_INSERT(af_subj_tree, &tree, s);
		}
		for (p = 1; p < PROTO_MAX; p++) {
			r->live[p] = r->set[p] != AF_UNSET && !s->seen[p];
			if (r->set[p] != AF_UNSET)
				s->seen[p] = 1;
		}
	}
	RB_FOREACH_SAFE(s, af_subj_tree, &tree, next) {
		RB_REMOVE(af_subj_tree, &tree, s);
		free(s);
	}
	return rv;
}

/*
 * Read a whole file.  Returns 0, or -1 when a line is bad (errline and
 * err name the first one; the others are counted in nerrors) or the
 * stream failed (errline 0).  Bad lines are kept as they were.
 */
int
af_read(struct af_file *af, FILE *fp)
{
	struct af_rule	*r;
	char		*line = NULL, *copy, err[P_TEXTLEN];
	size_t		 cap = 0, lineno = 0;
	ssize_t		 n;
	int		 bad, p;

	while ((n = getline(&line, &cap, fp)) != -1) {
		lineno++;
		if (n > 0 && line[n - 1] == '\n')
			line[--n] = '\0';
		if (n > 0 && line[n - 1] == '\r')
			line[--n] = '\0';
		if ((r = af_rule_new()) == NULL ||
		    (r->text = strdup(line)) == NULL ||
		    (copy = strdup(line)) == NULL) {
			if (r != NULL)
				af_rule_free(r);
			free(line);
			(void)af_err(af->err, sizeof(af->err), "%s",
			    strerror(errno));
			af->errline = 0;
			return -1;
		}
		r->lineno = lineno;
		bad = 0;
		if ((size_t)n != strlen(line))
			bad = af_err(err, sizeof(err), "NUL in line");
		else if (n > AF_MAXLINE)
			bad = af_err(err, sizeof(err), "line too long");
		else
			bad = af_parse(copy, r, err, sizeof(err));
		free(copy);
		if (bad) {
			free(r->name);
			free(r->comment);
			r->name = r->comment = NULL;
			r->kind = AF_BLANK;
			for (p = 0; p < PROTO_MAX; p++)
				r->set[p] = AF_UNSET;
			if (af->nerrors++ == 0) {
				af->errline = lineno;
				(void)strlcpy(af->err, err, sizeof(af->err));
			}
		} else if (r->kind != AF_BLANK)
			af->nrules++;
		TAILQ_INSERT_TAIL(&af->lines, r, entry);
	}
	free(line);
	if (ferror(fp)) {
		af->errline = 0;
		(void)af_err(af->err, sizeof(af->err), "read error");
		return -1;
	}
	if (af_live(af) == -1) {
		af->errline = 0;
		(void)af_err(af->err, sizeof(af->err), "%s", strerror(errno));
		return -1;
	}
	return af->nerrors > 0 ? -1 : 0;
}

/* A rule in its written form, comment excluded. */
int
af_format(const struct af_rule *r, char *buf, size_t len)
{
	char	 subj[P_NAMELEN + 16];
	size_t	 i;
	int	 all = 1, p;

	if (strlcpy(buf, af_subject(r, subj, sizeof(subj)), len) >= len)
		return -1;
	for (p = 2; p < PROTO_MAX; p++)
		if (r->set[p] != r->set[1])
			all = 0;
	for (i = 0; i < sizeof(af_order) / sizeof(af_order[0]); i++) {
		p = af_order[i];
		if (r->set[p] == AF_UNSET)
			continue;
		if (strlcat(buf, " ", len) >= len ||
		    strlcat(buf, all ? "all" : af_proto_name(p), len) >= len ||
		    strlcat(buf, r->set[p] == AF_ALLOW ? " on" : " off", len) >=
		    len)
			return -1;
		if (all)
			break;
	}
	return 0;
}

/* Write every line: unchanged ones as read, edited ones anew. */
int
af_write(const struct af_file *af, FILE *fp)
{
	const struct af_rule	*r;
	char			 buf[AF_MAXLINE + P_NAMELEN];

	TAILQ_FOREACH(r, &af->lines, entry) {
		if (r->text != NULL) {
			if (fprintf(fp, "%s\n", r->text) < 0)
				return -1;
			continue;
		}
		if (af_format(r, buf, sizeof(buf)) == -1) {
			errno = ENAMETOOLONG;
			return -1;
		}
		if (r->comment != NULL) {
			if (fprintf(fp, "%s\t%s\n", buf, r->comment) < 0)
				return -1;
		} else if (fprintf(fp, "%s\n", buf) < 0)
			return -1;
	}
	return fflush(fp) == EOF ? -1 : 0;
}

/* "user alice", "group staff" or "default". */
const char *
af_subject(const struct af_rule *r, char *buf, size_t len)
{
	switch (r->kind) {
	case AF_USER:
		(void)snprintf(buf, len, "user %s", r->name);
		break;
	case AF_GROUP:
		(void)snprintf(buf, len, "group %s", r->name);
		break;
	case AF_DEFAULT:
		(void)strlcpy(buf, "default", len);
		break;
	default:
		(void)strlcpy(buf, "", len);
		break;
	}
	return buf;
}

static int
af_same(const struct af_rule *r, enum af_kind kind, const char *name)
{
	if (r->kind != kind)
		return 0;
	if (kind == AF_DEFAULT)
		return 1;
	return strcmp(r->name, name) == 0;
}

/* The first line of a subject, or NULL. */
const struct af_rule *
af_find(const struct af_file *af, enum af_kind kind, const char *name)
{
	const struct af_rule	*r;

	TAILQ_FOREACH(r, &af->lines, entry)
		if (af_same(r, kind, name))
			return r;
	return NULL;
}

/*
 * Decide every protocol for user.  ingroup(group, arg) says whether
 * the user belongs to a group.  The most specific rule wins: the
 * user's own, then the groups' (a group that denies beats one that
 * allows), then default; without any, the protocol is allowed.
 * dec has PROTO_MAX entries; [0] is not used.
 */
void
af_decide(const struct af_file *af, const char *user,
    int (*ingroup)(const char *, void *), void *arg,
    struct af_decision *dec)
{
	const struct af_rule	*r, *u[PROTO_MAX], *gd[PROTO_MAX];
	const struct af_rule	*ga[PROTO_MAX], *d[PROTO_MAX];
	int			 p, any;

	for (p = 0; p < PROTO_MAX; p++) {
		u[p] = gd[p] = ga[p] = d[p] = NULL;
		dec[p].allow = 1;
		dec[p].rule = NULL;
	}
	if (af != NULL) {
		TAILQ_FOREACH(r, &af->lines, entry) {
			for (p = 1, any = 0; p < PROTO_MAX; p++)
				any |= r->live[p];
			if (!any)
				continue;
			switch (r->kind) {
			case AF_USER:
				if (strcmp(r->name, user) != 0)
					continue;
				for (p = 1; p < PROTO_MAX; p++)
					if (r->live[p])
						u[p] = r;
				break;
			case AF_GROUP:
				if (ingroup == NULL || !ingroup(r->name, arg))
					continue;
				for (p = 1; p < PROTO_MAX; p++) {
					if (!r->live[p])
						continue;
					if (r->set[p] == AF_DENY &&
					    gd[p] == NULL)
						gd[p] = r;
					if (r->set[p] == AF_ALLOW &&
					    ga[p] == NULL)
						ga[p] = r;
				}
				break;
			case AF_DEFAULT:
				for (p = 1; p < PROTO_MAX; p++)
					if (r->live[p])
						d[p] = r;
				break;
			default:
				break;
			}
		}
	}
	for (p = 1; p < PROTO_MAX; p++) {
		if ((r = u[p]) == NULL && (r = gd[p]) == NULL &&
		    (r = ga[p]) == NULL)
			r = d[p];
		if (r != NULL) {
			dec[p].rule = r;
			dec[p].allow = r->set[p] == AF_ALLOW;
		}
	}
}

/*
 * Change a subject's settings: set[p] is AF_ALLOW, AF_DENY, AF_INHERIT
 * (forget it) or AF_UNSET (leave it).  The subject's lines become one,
 * in the place of the first; the others disappear, except for their
 * comments.  A subject left with no setting loses its line.  Returns
 * 0, or -1 with the reason in err.
 */
int
af_set(struct af_file *af, enum af_kind kind, const char *name,
    const int *set, char *err, size_t errlen)
{
	struct af_rule	*r, *next, *first = NULL;
	int		 merged[PROTO_MAX], p;

	if (kind != AF_DEFAULT && (name == NULL || !af_name_ok(name)))
		return af_err(err, errlen, "bad name");
	if (kind == AF_DEFAULT)
		name = NULL;
	for (p = 0; p < PROTO_MAX; p++)
		merged[p] = AF_UNSET;
	TAILQ_FOREACH(r, &af->lines, entry) {
		if (!af_same(r, kind, name))
			continue;
		if (first == NULL)
			first = r;
		for (p = 1; p < PROTO_MAX; p++)
			if (r->set[p] != AF_UNSET)
				merged[p] = r->set[p];
	}
	for (p = 1; p < PROTO_MAX; p++) {
		if (set[p] == AF_INHERIT)
			merged[p] = AF_UNSET;
		else if (set[p] != AF_UNSET)
			merged[p] = set[p];
	}

	if (first == NULL) {
		if (!af_anyset(merged))
			return 0;
		if ((r = af_rule_new()) == NULL ||
		    (name != NULL && (r->name = strdup(name)) == NULL)) {
			free(r);
			return af_err(err, errlen, "%s", strerror(errno));
		}
		r->kind = kind;
		for (p = 0; p < PROTO_MAX; p++)
			r->set[p] = merged[p];
		TAILQ_INSERT_TAIL(&af->lines, r, entry);
		af->nrules++;
		first = r;
	}

	for (r = first; r != NULL; r = next) {
		next = TAILQ_NEXT(r, entry);
		if (!af_same(r, kind, name))
			continue;
		if (r == first && af_anyset(merged)) {
			for (p = 0; p < PROTO_MAX; p++)
				r->set[p] = merged[p];
			free(r->text);
			r->text = NULL;
			continue;
		}
		/* A line that goes keeps its comment as a line of its own. */
		af->nrules--;
		if (r->comment != NULL) {
			free(r->text);
			r->text = r->comment;
			r->comment = NULL;
			free(r->name);
			r->name = NULL;
			r->kind = AF_BLANK;
			for (p = 0; p < PROTO_MAX; p++)
				r->set[p] = AF_UNSET;
			continue;
		}
		TAILQ_REMOVE(&af->lines, r, entry);
		af_rule_free(r);
	}
	if (af_live(af) == -1)
		return af_err(err, errlen, "%s", strerror(errno));
	return 0;
}
