/*
 * LIST and LSUB for the IMAP session (postern-session): RFC 3501
 * 6.3.8-9, RFC 9051 6.3.9 with LIST-EXTENDED (RFC 5258) selection and
 * return options, CHILDREN (RFC 3348), SPECIAL-USE (RFC 6154) and
 * LIST-STATUS (RFC 5819).  Patterns and names are compared as UTF-8,
 * whatever encoding the client speaks; INBOX matches in any case.
 */
#include <sys/types.h>

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "imap_session.h"
#include "log.h"
#include "mutf7.h"
#include "store.h"

#define PATTERN_MAX	1024	/* octets of reference + pattern */

/* One name a LIST may report, with its UTF-8 form for matching. */
struct list_ent {
	char		*name;		/* storage name */
	char		*utf8;
	unsigned int	 attrs;		/* STORE_LA_* */
	int		 synth;		/* only a subscription's parent */
	int		 done;		/* reported already */
};

struct list_ctx {
	struct imap_sess	*is;
	struct imap_cmd		*cmd;
	int			 lsub;
	int			 ext;		/* LIST-EXTENDED shapes */
	unsigned int		 sel;
	unsigned int		 ret;
	struct list_ent		*ents;
	size_t			 n;
	char			**pats;		/* UTF-8 */
	size_t			 npats;
};

static int	match(const char *, const char *);
static char	*to_utf8(const char *);
static int	ctx_load(struct list_ctx *);
static int	ctx_synth(struct list_ctx *);
static int	ent_add(struct list_ctx *, const char *, unsigned int, int);
static int	ent_cmp(const void *, const void *);
static void	ctx_free(struct list_ctx *);
static int	ctx_patterns(struct list_ctx *);
static int	selected(const struct list_ctx *, const struct list_ent *);
static int	matches_any(const struct list_ctx *, const struct list_ent *);
static int	child_info(const struct list_ctx *, size_t);
static int	list_one(struct list_ctx *, size_t, int, int);
static int	list_attrs(struct list_ctx *, struct buf *,
		    const struct list_ent *, int);

static const struct {
	unsigned int	 bit;
	const char	*name;
} special[] = {
	{ STORE_LA_ARCHIVE, "\\Archive" },
	{ STORE_LA_DRAFTS, "\\Drafts" },
	{ STORE_LA_JUNK, "\\Junk" },
	{ STORE_LA_SENT, "\\Sent" },
	{ STORE_LA_TRASH, "\\Trash" },
};

/*
 * Does name match the pattern ("*" anything, "%" anything but the
 * delimiter)?  Run as a set of pattern positions, so no pattern costs
 * more than its length times the name's.
 */
static int
match(const char *pat, const char *name)
{
	unsigned char	 a[PATTERN_MAX + 1], b[PATTERN_MAX + 1];
	unsigned char	*cur = a, *nxt = b, *t;
	size_t		 plen = strlen(pat), i;
	const char	*c;
	int		 any;

	if (plen > PATTERN_MAX)
		return 0;
	memset(cur, 0, plen + 1);
	cur[0] = 1;
	for (i = 0; i < plen; i++)
		if (cur[i] && (pat[i] == '*' || pat[i] == '%'))
			cur[i + 1] = 1;
	for (c = name; *c != '\0'; c++) {
		memset(nxt, 0, plen + 1);
		any = 0;
		for (i = 0; i < plen; i++) {
			if (!cur[i])
				continue;
			if (pat[i] == '*' || (pat[i] == '%' &&
			    *c != STORE_DELIM))
				nxt[i] = any = 1;
			else if (pat[i] == *c)
				nxt[i + 1] = any = 1;
		}
		if (!any)
			return 0;
		for (i = 0; i < plen; i++)
			if (nxt[i] && (pat[i] == '*' || pat[i] == '%'))
				nxt[i + 1] = 1;
		t = cur;
		cur = nxt;
		nxt = t;
	}
	return cur[plen];
}

/* The UTF-8 form of a storage name (as it is, if it is not mUTF-7). */
static char *
to_utf8(const char *name)
{
	struct buf	b;

	buf_init(&b);
	if (mutf7_decode(name, strlen(name), &b) == -1 ||
	    buf_add(&b, "", 1) == -1) {
		buf_free(&b);
		return errno == ENOMEM ? NULL : strdup(name);
	}
	return (char *)b.data;
}

static int
ent_add(struct list_ctx *c, const char *name, unsigned int attrs, int synth)
{
	struct list_ent	*e;

	if ((e = reallocarray(c->ents, c->n + 1, sizeof(*e))) == NULL)
		return -1;
	c->ents = e;
	e = &c->ents[c->n];
	memset(e, 0, sizeof(*e));
	if ((e->name = strdup(name)) == NULL)
		return -1;
	if ((e->utf8 = to_utf8(name)) == NULL) {
		free(e->name);
		return -1;
	}
	e->attrs = attrs;
	e->synth = synth;
	c->n++;
	return 0;
}

/* INBOX first, then by name: the store's own order. */
static int
ent_cmp(const void *a, const void *b)
{
	const struct list_ent	*x = a, *y = b;
	int			 xi = strcmp(x->name, "INBOX") == 0;
	int			 yi = strcmp(y->name, "INBOX") == 0;

	if (xi != yi)
		return xi ? -1 : 1;
	return strcmp(x->name, y->name);
}

static int
ctx_load(struct list_ctx *c)
{
	struct store_list	l;
	size_t			i;
	int			r = 0;

	memset(&l, 0, sizeof(l));
	if (store_folder_list(c->is->store, &l) == -1)
		return -1;
	for (i = 0; i < l.n && r == 0; i++)
		r = ent_add(c, l.ents[i].name, l.ents[i].attrs, 0);
	store_list_free(&l);
	return r;
}

/*
 * The parents of subscribed names that are neither folders nor
 * parents of folders: LSUB and RECURSIVEMATCH report them for their
 * subscribed children (RFC 3501 6.3.9, RFC 5258 example 9).
 */
static int
ctx_synth(struct list_ctx *c)
{
	size_t	 i, j, n = c->n;
	char	*p, *dot;
	int	 found;

	for (i = 0; i < n; i++) {
		if (!(c->ents[i].attrs & STORE_LA_SUBSCRIBED))
			continue;
		if ((p = strdup(c->ents[i].name)) == NULL)
			return -1;
		while ((dot = strrchr(p, STORE_DELIM)) != NULL) {
			*dot = '\0';
			for (j = 0, found = 0; j < c->n && !found; j++)
				found = strcmp(c->ents[j].name, p) == 0;
			if (!found && ent_add(c, p, STORE_LA_NOSELECT |
			    STORE_LA_NONEXISTENT, 1) == -1) {
				free(p);
				return -1;
			}
		}
		free(p);
	}
	if (c->n > n)
		qsort(c->ents, c->n, sizeof(*c->ents), ent_cmp);
	return 0;
}

static void
ctx_free(struct list_ctx *c)
{
	size_t	i;

	for (i = 0; i < c->n; i++) {
		free(c->ents[i].name);
		free(c->ents[i].utf8);
	}
	free(c->ents);
	for (i = 0; i < c->npats; i++)
		free(c->pats[i]);
	free(c->pats);
}

/*
 * Reference and pattern, joined and made UTF-8; a first level "inbox"
 * in any case is written as the store writes it.  Returns 0, 1 when a
 * pattern is too long (BAD set), -1 out of memory.
 */
static int
ctx_patterns(struct list_ctx *c)
{
	struct imap_cmd	*cmd = c->cmd;
	struct buf	 b, u;
	const char	*ref = cmd->u.list.ref != NULL ? cmd->u.list.ref : "";
	size_t		 i;
	char		*p;

	if ((c->pats = calloc(cmd->u.list.npatterns, sizeof(char *))) ==
	    NULL)
		return -1;
	for (i = 0; i < cmd->u.list.npatterns; i++) {
		buf_init(&b);
		buf_init(&u);
		if (buf_addstr(&b, ref) == -1 ||
		    buf_addstr(&b, cmd->u.list.patterns[i]) == -1 ||
		    buf_add(&b, "", 1) == -1) {
			buf_free(&b);
			return -1;
		}
		if (b.len - 1 > PATTERN_MAX) {
			buf_free(&b);
			(void)imap_result(c->is, "BAD Mailbox pattern too "
			    "long");
			return 1;
		}
		p = (char *)b.data;
		if (!c->is->rev2 && mutf7_decode(p, b.len - 1, &u) == 0 &&
		    buf_add(&u, "", 1) == 0) {
			buf_free(&b);
			p = (char *)u.data;
		} else
			buf_free(&u);
		if (strncasecmp(p, "INBOX", 5) == 0 && (p[5] == '\0' ||
		    p[5] == STORE_DELIM || p[5] == '*' || p[5] == '%'))
			memcpy(p, "INBOX", 5);
		c->pats[c->npats++] = p;
	}
	return 0;
}

/* Does the entry meet the selection criteria? */
static int
selected(const struct list_ctx *c, const struct list_ent *e)
{
	if (c->lsub)
		return (e->attrs & STORE_LA_SUBSCRIBED) != 0;
	if (e->synth)
		return 0;
	if ((c->sel & IMAP_LIST_SEL_SUBSCRIBED) &&
	    !(e->attrs & STORE_LA_SUBSCRIBED))
		return 0;
	if (!(c->sel & IMAP_LIST_SEL_SUBSCRIBED) &&
	    (e->attrs & STORE_LA_SUBONLY))
		return 0;
	if ((c->sel & IMAP_LIST_SEL_SPECIALUSE) &&
	    !(e->attrs & STORE_LA_SPECIAL))
		return 0;
	return 1;
}

static int
matches_any(const struct list_ctx *c, const struct list_ent *e)
{
	size_t	i;

	for (i = 0; i < c->npats; i++)
		if (match(c->pats[i], e->utf8))
			return 1;
	return 0;
}

/*
 * Has entry i a descendant that meets the selection but that the
 * patterns do not report themselves?  (RFC 5258 CHILDINFO, and the
 * LSUB "%" rule of RFC 3501 6.3.9.)
 */
static int
child_info(const struct list_ctx *c, size_t i)
{
	const char	*name = c->ents[i].name;
	size_t		 len = strlen(name), j;

	for (j = 0; j < c->n; j++)
		if (j != i && strncmp(c->ents[j].name, name, len) == 0 &&
		    c->ents[j].name[len] == STORE_DELIM &&
		    selected(c, &c->ents[j]) && !matches_any(c, &c->ents[j]))
			return 1;
	return 0;
}

static int
list_attrs(struct list_ctx *c, struct buf *b, const struct list_ent *e,
    int meets)
{
	const char	*sp = "";
	size_t		 i;

#define ATTR(s) do {							\
	if (buf_addf(b, "%s%s", sp, (s)) == -1)				\
		return -1;						\
	sp = " ";							\
} while (0)
	if (c->lsub) {
		if (!meets || ((e->attrs & STORE_LA_NOSELECT) &&
		    !(e->attrs & STORE_LA_SUBONLY)))
			ATTR("\\Noselect");
		return 0;
	}
	if ((e->attrs & STORE_LA_NONEXISTENT) && c->ext)
		ATTR("\\NonExistent");
	else if (e->attrs & (STORE_LA_NOSELECT | STORE_LA_NONEXISTENT))
		ATTR("\\Noselect");
	if (!e->synth && (e->attrs & STORE_LA_HASCHILDREN))
		ATTR("\\HasChildren");
	else if (!e->synth && (e->attrs & STORE_LA_HASNOCHILDREN))
		ATTR("\\HasNoChildren");
	if ((e->attrs & STORE_LA_SUBSCRIBED) &&
	    ((c->sel & IMAP_LIST_SEL_SUBSCRIBED) ||
	    (c->ret & IMAP_LIST_RET_SUBSCRIBED)))
		ATTR("\\Subscribed");
	if (!(e->attrs & STORE_LA_NONEXISTENT))
		for (i = 0; i < sizeof(special) / sizeof(special[0]); i++)
			if (e->attrs & special[i].bit)
				ATTR(special[i].name);
#undef ATTR
	return 0;
}

/* One LIST or LSUB response, and STATUS after it when asked. */
static int
list_one(struct list_ctx *c, size_t i, int meets, int child)
{
	struct imap_sess	*is = c->is;
	struct list_ent		*e = &c->ents[i];
	struct buf		 b;
	int			 r;

	buf_init(&b);
	if (buf_addf(&b, "* %s (", c->lsub ? "LSUB" : "LIST") == -1 ||
	    list_attrs(c, &b, e, meets) == -1 ||
	    buf_addf(&b, ") \"%c\" ", STORE_DELIM) == -1 ||
	    imap_mailbox_out(is, &b, e->name) == -1)
		goto fail;
	if (child && (c->sel & IMAP_LIST_SEL_RECURSIVEMATCH) &&
	    buf_addf(&b, " (\"CHILDINFO\" (\"%s\"))",
	    (c->sel & IMAP_LIST_SEL_SUBSCRIBED) ? "SUBSCRIBED" :
	    "SPECIAL-USE") == -1)
		goto fail;
	if (buf_addstr(&b, "\r\n") == -1)
		goto fail;
	r = imap_putbuf(is, &b);
	buf_free(&b);
	if (r == -1)
		return -1;
	e->done = 1;
	if ((c->ret & IMAP_LIST_RET_STATUS) && !e->synth &&
	    !(e->attrs & (STORE_LA_NOSELECT | STORE_LA_NONEXISTENT)) &&
	    imap_status_line(is, e->name, c->cmd->u.list.status) == -1) {
		log_warn("%s: status", __func__);
		return errno == ENOMEM ? -1 : 0;
	}
	return 0;
 fail:
	buf_free(&b);
	return -1;
}

int
imap_cmd_list(struct imap_sess *is, struct imap_cmd *cmd)
{
	struct list_ctx	c;
	size_t		i;
	int		r, meets, child, recursive;

	memset(&c, 0, sizeof(c));
	c.is = is;
	c.cmd = cmd;
	c.lsub = cmd->id == IMAP_CMD_LSUB;
	c.ext = cmd->u.list.extended || is->rev2;
	c.sel = cmd->u.list.sel;
	c.ret = cmd->u.list.ret;
	if (c.ret & IMAP_LIST_RET_STATUS && (cmd->u.list.status &
	    IMAP_STATUS_HIGHESTMODSEQ))
		return imap_result(is, "BAD HIGHESTMODSEQ needs CONDSTORE, "
		    "which is not supported");
	/* LIST "" "": the delimiter and the root (RFC 3501 6.3.8). */
	if (cmd->u.list.npatterns == 1 && cmd->u.list.patterns[0][0] ==
	    '\0' && c.sel == 0) {
		if (imap_line(is, "* %s (\\Noselect) \"%c\" \"\"", c.lsub ?
		    "LSUB" : "LIST", STORE_DELIM) == -1)
			return IMAP_CLOSE;
		return imap_result(is, "OK %s completed.", cmd->name);
	}
	recursive = c.lsub || (c.sel & IMAP_LIST_SEL_RECURSIVEMATCH);
	if ((r = ctx_patterns(&c)) != 0) {
		ctx_free(&c);
		return r == 1 ? IMAP_OK : imap_no_errno(is, "list", errno,
		    "Cannot list");
	}
	if (ctx_load(&c) == -1 || (recursive && ctx_synth(&c) == -1)) {
		r = errno;
		ctx_free(&c);
		return imap_no_errno(is, "list", r, "Cannot list");
	}
	r = 0;
	for (i = 0; i < c.n && r == 0; i++) {
		if (c.ents[i].done || !matches_any(&c, &c.ents[i]))
			continue;
		meets = selected(&c, &c.ents[i]);
		child = recursive && child_info(&c, i);
		if (!meets && !child)
			continue;
		r = list_one(&c, i, meets, child);
	}
	ctx_free(&c);
	if (r == -1)
		return IMAP_CLOSE;
	return imap_result(is, "OK %s completed.", cmd->name);
}

/*
 * RFC 9051 6.3.2: SELECT and EXAMINE report the mailbox's LIST
 * response, with accurate attributes.
 */
int
imap_list_selected(struct imap_sess *is)
{
	struct store_list	 l;
	struct buf		 b;
	struct list_ctx		 c;
	struct list_ent		 e;
	size_t			 i;
	int			 r;

	memset(&c, 0, sizeof(c));
	c.is = is;
	c.ext = 1;
	memset(&e, 0, sizeof(e));
	memset(&l, 0, sizeof(l));
	if (store_folder_list(is->store, &l) == 0) {
		for (i = 0; i < l.n; i++)
			if (strcmp(l.ents[i].name, is->box->name) == 0)
				e.attrs = l.ents[i].attrs;
	} else
		log_warn("%s", __func__);
	buf_init(&b);
	r = buf_addstr(&b, "* LIST (") == -1 ||
	    list_attrs(&c, &b, &e, 1) == -1 ||
	    buf_addf(&b, ") \"%c\" ", STORE_DELIM) == -1 ||
	    imap_mailbox_out(is, &b, is->box->name) == -1 ||
	    buf_addstr(&b, "\r\n") == -1 ? -1 : imap_putbuf(is, &b);
	buf_free(&b);
	store_list_free(&l);
	return r;
}
