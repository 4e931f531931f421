/*
 * SEARCH and UID SEARCH for the IMAP session (postern-session): RFC
 * 3501 6.4.4, RFC 9051 6.4.4, ESEARCH (RFC 4731) and SEARCHRES (RFC
 * 5182).  Every key is evaluated here, message by message; the text
 * keys match case-insensitively against header fields with RFC 2047
 * words decoded and against text parts transfer-decoded and converted
 * to UTF-8 (the MIME library does both), and a message's file is read
 * only when a key needs it.
 */
#include <sys/types.h>

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "imap_session.h"
#include "log.h"
#include "mime.h"
#include "store.h"

/* A set key's numbers, resolved once per command. */
struct find_set {
	const struct imap_search_key	*key;
	struct imap_seqlist		 list;	/* seqs or UIDs */
};

struct find {
	struct imap_sess	*is;
	struct imap_cmd		*cmd;
	struct find_set		*sets;
	size_t			 nsets;
	int			 oom;
};

/* One message being tested; its file is read at most once. */
struct find_msg {
	struct store_msg	*m;
	uint32_t		 seq;
	struct store_map	 map;
	struct mime_msg		 mm;
	int			 parsed;	/* 1 ok, -1 unreadable */
};

static int	prep_sets(struct find *, const struct imap_search_key *);
static void	free_sets(struct find *);
static struct imap_seqlist *set_of(struct find *,
		    const struct imap_search_key *);
static int	load(struct find *, struct find_msg *);
static int	eval(struct find *, struct find_msg *,
		    const struct imap_search_key *);
static int	field_match(struct find *, struct find_msg *, const char *,
		    const char *);
static int	text_match(struct find *, struct find_msg *, const char *,
		    int);
static int	day_of(time_t);
static int	sent_day(struct find *, struct find_msg *, int *);
static int	parse_date(const char *, int *);
static int	has_modseq(const struct imap_search_key *);
static int	search_results(struct imap_sess *, struct imap_cmd *,
		    struct imap_seqlist *, struct imap_seqlist *);

static const char *months[] = {
	"jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct",
	"nov", "dec"
};

/* Resolve every UID and sequence-set key in the tree, once. */
static int
prep_sets(struct find *fd, const struct imap_search_key *k)
{
	struct imap_view	*v = &fd->is->box->v;
	const struct imap_search_key *kid;
	struct find_set		*ns;
	struct imap_seqlist	 saved;
	size_t			 i;
	int			 r;

	switch (k->op) {
	case IMAP_SK_AND:
	case IMAP_SK_OR:
	case IMAP_SK_NOT:
		TAILQ_FOREACH(kid, &k->u.kids, entry)
			if (prep_sets(fd, kid) == -1)
				return -1;
		return 0;
	case IMAP_SK_UID:
	case IMAP_SK_SEQSET:
		break;
	default:
		return 0;
	}
	if ((ns = reallocarray(fd->sets, fd->nsets + 1, sizeof(*ns))) ==
	    NULL)
		return -1;
	fd->sets = ns;
	ns = &fd->sets[fd->nsets];
	ns->key = k;
	if (k->op == IMAP_SK_UID)
		return imap_seqset_resolve(&k->u.set, v->n > 0 ?
		    v->uids[v->n - 1] : 0, UINT32_MAX, &fd->is->saved,
		    &ns->list) == -1 ? -1 : (fd->nsets++, 0);
	/* "$" in a sequence set: the saved UIDs' numbers now. */
	imap_seqlist_init(&saved);
	for (i = 0; k->u.set.dollar && i < v->n; i++)
		if (imap_seqlist_contains(&fd->is->saved, v->uids[i]) &&
		    imap_seqlist_add(&saved, (uint32_t)i + 1, (uint32_t)i + 1)
		    == -1) {
			imap_seqlist_free(&saved);
			return -1;
		}
	imap_seqlist_normalise(&saved);
	r = imap_seqset_resolve(&k->u.set, (uint32_t)v->n, (uint32_t)v->n,
	    &saved, &ns->list);
	imap_seqlist_free(&saved);
	if (r == -1)
		return -1;
	fd->nsets++;
	return 0;
}

static void
free_sets(struct find *fd)
{
	size_t	i;

	for (i = 0; i < fd->nsets; i++)
		imap_seqlist_free(&fd->sets[i].list);
	free(fd->sets);
}

static struct imap_seqlist *
set_of(struct find *fd, const struct imap_search_key *k)
{
	size_t	i;

	for (i = 0; i < fd->nsets; i++)
		if (fd->sets[i].key == k)
			return &fd->sets[i].list;
	return NULL;
}

/* The message's file, parsed; 0 when it cannot be read (no match). */
static int
load(struct find *fd, struct find_msg *fm)
{
	if (fm->parsed == 0) {
		if (store_msg_parse(fd->is->box->f, fm->m, &fm->map,
		    &fm->mm) == -1) {
			if (errno != ENOENT)
				log_warn("%s: uid %u", __func__, fm->m->uid);
			if (errno == ENOMEM)
				fd->oom = 1;
			fm->parsed = -1;
		} else
			fm->parsed = 1;
	}
	return fm->parsed == 1;
}

/*
 * Is needle in a header field called name (any of them, RFC 2047
 * words decoded)?  An empty needle asks whether there is such a field.
 */
static int
field_match(struct find *fd, struct find_msg *fm, const char *name,
    const char *needle)
{
	struct mime_hdr_iter	it;
	struct mime_field	f;
	struct buf		raw, dec;
	int			found = 0, r;

	if (!load(fd, fm))
		return 0;
	buf_init(&raw);
	buf_init(&dec);
	mime_hdr_iter_init(&it, &fm->mm, &fm->mm.parts[0]);
	while (!found && mime_hdr_next(&it, &f)) {
		if (f.name_len == 0 || (name != NULL &&
		    !mime_field_is(&fm->mm, &f, name)))
			continue;
		buf_reset(&raw);
		buf_reset(&dec);
		if (mime_field_value(&fm->mm, &f, &raw) == -1 ||
		    mime_decode_words(&dec, raw.data, raw.len) == -1) {
			fd->oom = 1;
			break;
		}
		/* TEXT: the field's name counts as its text too. */
		if (name == NULL && (r = mime_match_text(needle,
		    strlen(needle), fm->mm.data + f.name, f.name_len)) != 0) {
			if (r == -1)
				fd->oom = 1;
			found = r == 1;
			continue;
		}
		if ((r = mime_match_text(needle, strlen(needle), dec.data,
		    dec.len)) == -1)
			fd->oom = 1;
		else
			found = r;
	}
	buf_free(&raw);
	buf_free(&dec);
	return found;
}

/*
 * BODY (the text parts) and TEXT (also every header field): the parts
 * are transfer-decoded and converted to UTF-8 before matching.
 */
static int
text_match(struct find *fd, struct find_msg *fm, const char *needle,
    int header)
{
	struct mime_match	 mt;
	const struct mime_part	*pt;
	size_t			 i;
	int			 found = 0, r;

	if (header && field_match(fd, fm, NULL, needle))
		return 1;
	if (!load(fd, fm))
		return 0;
	if (mime_match_init(&mt, needle, strlen(needle)) == -1) {
		fd->oom = 1;
		return 0;
	}
	for (i = 0; i < fm->mm.nparts && !found; i++) {
		pt = &fm->mm.parts[i];
		if (pt->child != NULL || (pt->flags & MIME_PF_MULTIPART) ||
		    !(pt->flags & MIME_PF_TEXT))
			continue;
		if ((r = mime_part_search(&fm->mm, pt, &mt)) == -1)
			fd->oom = 1;
		else
			found = r;
	}
	mime_match_free(&mt);
	return found;
}

/* Days since the epoch of t's date in the server's zone. */
static int
day_of(time_t t)
{
	struct tm	tm;

	if (localtime_r(&t, &tm) == NULL)
		return (int)(t / 86400);
	return (int)imap_days_from_civil(tm.tm_year + 1900, tm.tm_mon + 1,
	    tm.tm_mday);
}

/*
 * The date of an RFC 5322 date-time, time and zone disregarded
 * (RFC 3501 6.4.4): [day-of-week ","] day month year ...  Two-digit
 * and three-digit years as RFC 5322 4.3 reads them.
 */
static int
parse_date(const char *s, int *days)
{
	const char	*p = s, *comma;
	char		 mon[4];
	long		 d, y;
	int		 m, ydig;
	char		*end;

	if ((comma = strchr(p, ',')) != NULL)
		p = comma + 1;
	while (*p == ' ' || *p == '\t' || *p == '\r' || *p == '\n')
		p++;
	d = strtol(p, &end, 10);
	if (end == p || d < 1 || d > 31)
		return -1;
	p = end;
	while (*p == ' ' || *p == '\t' || *p == '-')
		p++;
	if (strlen(p) < 3)
		return -1;
	memcpy(mon, p, 3);
	mon[3] = '\0';
	for (m = 0; m < 12; m++)
		if (strcasecmp(mon, months[m]) == 0)
			break;
	if (m == 12)
		return -1;
	p += 3;
	while (*p == ' ' || *p == '\t' || *p == '-')
		p++;
	y = strtol(p, &end, 10);
	ydig = (int)(end - p);
	if (end == p || y < 0 || y > 9999)
		return -1;
	if (ydig == 2)
		y += y < 50 ? 2000 : 1900;
	else if (ydig == 3)
		y += 1900;
	if (d > imap_days_in_month((int)y, m + 1))
		return -1;
	*days = (int)imap_days_from_civil((int)y, m + 1, (int)d);
	return 0;
}

/* The date of the Date: header; 0 when there is none or it is bad. */
static int
sent_day(struct find *fd, struct find_msg *fm, int *days)
{
	struct buf	b;
	int		r;

	if (!load(fd, fm))
		return 0;
	buf_init(&b);
	r = mime_hdr_get(&fm->mm, &fm->mm.parts[0], "date", &b);
	if (r == 1 && buf_add(&b, "", 1) == 0)
		r = parse_date((char *)b.data, days) == 0;
	else {
		if (r == -1)
			fd->oom = 1;
		r = 0;
	}
	buf_free(&b);
	return r;
}

static int
eval(struct find *fd, struct find_msg *fm, const struct imap_search_key *k)
{
	const struct imap_search_key	*kid;
	struct imap_sess		*is = fd->is;
	struct store_msg		*m = fm->m;
	struct imap_seqlist		*l;
	uint64_t			 size;
	int				 recent = !is->rev2 && m->recent;
	int				 kw, d, sd;

	switch (k->op) {
	case IMAP_SK_AND:
		TAILQ_FOREACH(kid, &k->u.kids, entry)
			if (!eval(fd, fm, kid))
				return 0;
		return 1;
	case IMAP_SK_OR:
		TAILQ_FOREACH(kid, &k->u.kids, entry)
			if (eval(fd, fm, kid))
				return 1;
		return 0;
	case IMAP_SK_NOT:
		kid = TAILQ_FIRST(&k->u.kids);
		return kid != NULL && !eval(fd, fm, kid);
	case IMAP_SK_ALL:
		return 1;
	case IMAP_SK_ANSWERED:
		return (m->flags & STORE_F_ANSWERED) != 0;
	case IMAP_SK_DELETED:
		return (m->flags & STORE_F_DELETED) != 0;
	case IMAP_SK_DRAFT:
		return (m->flags & STORE_F_DRAFT) != 0;
	case IMAP_SK_FLAGGED:
		return (m->flags & STORE_F_FLAGGED) != 0;
	case IMAP_SK_SEEN:
		return (m->flags & STORE_F_SEEN) != 0;
	case IMAP_SK_UNANSWERED:
		return (m->flags & STORE_F_ANSWERED) == 0;
	case IMAP_SK_UNDELETED:
		return (m->flags & STORE_F_DELETED) == 0;
	case IMAP_SK_UNDRAFT:
		return (m->flags & STORE_F_DRAFT) == 0;
	case IMAP_SK_UNFLAGGED:
		return (m->flags & STORE_F_FLAGGED) == 0;
	case IMAP_SK_UNSEEN:
		return (m->flags & STORE_F_SEEN) == 0;
	case IMAP_SK_NEW:
		return recent && !(m->flags & STORE_F_SEEN);
	case IMAP_SK_OLD:
		return !recent;
	case IMAP_SK_RECENT:
		return recent;
	case IMAP_SK_KEYWORD:
	case IMAP_SK_UNKEYWORD:
		kw = folder_keyword_find(is->box->f, k->u.str);
		kw = kw >= 0 && (m->flags & STORE_F_KEYWORD(kw));
		return k->op == IMAP_SK_KEYWORD ? kw : !kw;
	case IMAP_SK_BCC:
		return field_match(fd, fm, "bcc", k->u.str);
	case IMAP_SK_CC:
		return field_match(fd, fm, "cc", k->u.str);
	case IMAP_SK_FROM:
		return field_match(fd, fm, "from", k->u.str);
	case IMAP_SK_TO:
		return field_match(fd, fm, "to", k->u.str);
	case IMAP_SK_SUBJECT:
		return field_match(fd, fm, "subject", k->u.str);
	case IMAP_SK_HEADER:
		return field_match(fd, fm, k->u.header.field,
		    k->u.header.value);
	case IMAP_SK_BODY:
		return text_match(fd, fm, k->u.str, 0);
	case IMAP_SK_TEXT:
		return text_match(fd, fm, k->u.str, 1);
	case IMAP_SK_BEFORE:
	case IMAP_SK_ON:
	case IMAP_SK_SINCE:
		d = day_of(m->time);
		sd = (int)(k->u.date / 86400);
		return k->op == IMAP_SK_BEFORE ? d < sd :
		    k->op == IMAP_SK_ON ? d == sd : d >= sd;
	case IMAP_SK_SENTBEFORE:
	case IMAP_SK_SENTON:
	case IMAP_SK_SENTSINCE:
		if (!sent_day(fd, fm, &d))
			return 0;
		sd = (int)(k->u.date / 86400);
		return k->op == IMAP_SK_SENTBEFORE ? d < sd :
		    k->op == IMAP_SK_SENTON ? d == sd : d >= sd;
	case IMAP_SK_LARGER:
	case IMAP_SK_SMALLER:
		size = m->vsize;
		if (!m->have_vsize && store_msg_vsize(is->box->f, m, &size) ==
		    -1)
			return 0;
		return k->op == IMAP_SK_LARGER ? size > k->u.size :
		    size < k->u.size;
	case IMAP_SK_UID:
		return (l = set_of(fd, k)) != NULL &&
		    imap_seqlist_contains(l, m->uid);
	case IMAP_SK_SEQSET:
		return (l = set_of(fd, k)) != NULL &&
		    imap_seqlist_contains(l, fm->seq);
	default:
		return 0;
	}
}

/* Does the tree use a key this server does not evaluate? */
static int
has_modseq(const struct imap_search_key *k)
{
	const struct imap_search_key	*kid;

	if (k->op == IMAP_SK_MODSEQ)
		return 1;
	if (k->op == IMAP_SK_AND || k->op == IMAP_SK_OR ||
	    k->op == IMAP_SK_NOT)
		TAILQ_FOREACH(kid, &k->u.kids, entry)
			if (has_modseq(kid))
				return 1;
	return 0;
}

/*
 * SEARCH (an IMAP4rev1 client without RETURN) or ESEARCH; and "$"
 * for RETURN (SAVE), as RFC 5182 and RFC 9051 6.4.4.1 say.  found
 * holds sequence numbers, uids the same messages' UIDs.
 */
static int
search_results(struct imap_sess *is, struct imap_cmd *cmd,
    struct imap_seqlist *found, struct imap_seqlist *uids)
{
	struct imap_seqlist	*res = cmd->uid ? uids : found;
	struct buf		*b = &is->tmp;
	struct imap_seqiter	 it;
	unsigned int		 ret = cmd->u.search.ret;
	uint64_t		 count = imap_seqlist_count(res);
	uint32_t		 v, min = 0, max = 0;

	if (res->n > 0) {
		min = res->r[0].lo;
		max = res->r[res->n - 1].hi;
	}
	if (!cmd->u.search.ret_given && is->rev2)
		ret = IMAP_SEARCH_RET_ALL;
	if (ret & IMAP_SEARCH_RET_SAVE) {
		imap_seqlist_free(&is->saved);
		if (ret & (IMAP_SEARCH_RET_ALL | IMAP_SEARCH_RET_COUNT) ||
		    !(ret & (IMAP_SEARCH_RET_MIN | IMAP_SEARCH_RET_MAX))) {
			is->saved = *uids;
			imap_seqlist_init(uids);
		} else if (count > 0) {
			v = cmd->uid ? min : is->box->v.uids[min - 1];
			if ((ret & IMAP_SEARCH_RET_MIN) &&
			    imap_seqlist_add(&is->saved, v, v) == -1)
				return -1;
			v = cmd->uid ? max : is->box->v.uids[max - 1];
			if ((ret & IMAP_SEARCH_RET_MAX) &&
			    imap_seqlist_add(&is->saved, v, v) == -1)
				return -1;
			imap_seqlist_normalise(&is->saved);
		}
		if (cmd->uid)
			res = &is->saved;
	}
	buf_reset(b);
	if (!cmd->u.search.ret_given && !is->rev2) {
		if (buf_addstr(b, "* SEARCH") == -1)
			return -1;
		imap_seqiter_init(&it, res);
		while (imap_seqiter_next(&it, &v)) {
			if (buf_addf(b, " %u", v) == -1)
				return -1;
			if (b->len >= 65536 && imap_putbuf(is, b) == -1)
				return -1;
		}
		if (buf_addstr(b, "\r\n") == -1)
			return -1;
		return imap_putbuf(is, b);
	}
	if (ret == IMAP_SEARCH_RET_SAVE)
		return 0;
	/* Only SAVE changed what res points to: use the counts above. */
	if (buf_addstr(b, "* ESEARCH (TAG ") == -1 ||
	    imap_write_string(b, cmd->tag, strlen(cmd->tag), 0) == -1 ||
	    buf_addstr(b, cmd->uid ? ") UID" : ")") == -1)
		return -1;
	if (count > 0 && (ret & IMAP_SEARCH_RET_MIN) &&
	    buf_addf(b, " MIN %u", min) == -1)
		return -1;
	if (count > 0 && (ret & IMAP_SEARCH_RET_MAX) &&
	    buf_addf(b, " MAX %u", max) == -1)
		return -1;
	if (count > 0 && (ret & IMAP_SEARCH_RET_ALL) &&
	    (buf_addstr(b, " ALL ") == -1 ||
	    imap_seqlist_format(cmd->uid && (ret & IMAP_SEARCH_RET_SAVE) ?
	    &is->saved : (cmd->uid ? uids : found), b) == -1))
		return -1;
	if ((ret & IMAP_SEARCH_RET_COUNT) &&
	    buf_addf(b, " COUNT %llu", (unsigned long long)count) == -1)
		return -1;
	if (buf_addstr(b, "\r\n") == -1)
		return -1;
	return imap_putbuf(is, b);
}

int
imap_cmd_search(struct imap_sess *is, struct imap_cmd *cmd)
{
	struct imap_box		*box = is->box;
	struct find		 fd;
	struct find_msg		 fm;
	struct imap_seqlist	 found, uids;
	const char		*cs = cmd->u.search.charset;
	size_t			 i;
	int			 r = 0;

	if (cmd->u.search.has_modseq || has_modseq(cmd->u.search.root))
		return imap_result(is, "BAD MODSEQ needs CONDSTORE, which is "
		    "not supported");
	if (cs != NULL && strcasecmp(cs, "UTF-8") != 0 &&
	    strcasecmp(cs, "US-ASCII") != 0) {
		if (cmd->u.search.ret & IMAP_SEARCH_RET_SAVE)
			imap_seqlist_free(&is->saved);
		return imap_result(is, "NO [BADCHARSET (US-ASCII UTF-8)] "
		    "Unsupported charset");
	}
	memset(&fd, 0, sizeof(fd));
	fd.is = is;
	fd.cmd = cmd;
	imap_seqlist_init(&found);
	imap_seqlist_init(&uids);
	if (prep_sets(&fd, cmd->u.search.root) == -1) {
		free_sets(&fd);
		return imap_no_errno(is, "search", errno, "Cannot search");
	}
	for (i = 0; i < box->v.n && !fd.oom; i++) {
		if (box->v.gone[i])
			continue;
		memset(&fm, 0, sizeof(fm));
		fm.seq = (uint32_t)i + 1;
		if ((fm.m = folder_msg_by_uid(box->f, box->v.uids[i])) == NULL)
			continue;
		if (eval(&fd, &fm, cmd->u.search.root) &&
		    (imap_seqlist_add(&found, fm.seq, fm.seq) == -1 ||
		    imap_seqlist_add(&uids, fm.m->uid, fm.m->uid) == -1))
			fd.oom = 1;
		if (fm.parsed == 1) {
			mime_free(&fm.mm);
			store_map_free(&fm.map);
		}
		/* Keep the lists compact as they grow. */
		if (found.n >= 4096 && (found.n & 4095) == 0) {
			imap_seqlist_normalise(&found);
			imap_seqlist_normalise(&uids);
		}
	}
	free_sets(&fd);
	imap_seqlist_normalise(&found);
	imap_seqlist_normalise(&uids);
	if (fd.oom) {
		imap_seqlist_free(&found);
		imap_seqlist_free(&uids);
		if (cmd->u.search.ret & IMAP_SEARCH_RET_SAVE)
			imap_seqlist_free(&is->saved);
		return imap_result(is, "NO [SERVERBUG] Out of memory");
	}
	r = search_results(is, cmd, &found, &uids);
	imap_seqlist_free(&found);
	imap_seqlist_free(&uids);
	if (r == -1)
		return IMAP_CLOSE;
	return imap_result(is, "OK SEARCH completed.");
}
