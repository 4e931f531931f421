/*
 * The selected mailbox of an IMAP session (postern-session): SELECT,
 * EXAMINE, CLOSE, UNSELECT, EXPUNGE and UID EXPUNGE, the client's
 * sequence-number view of the folder, and the untagged EXISTS,
 * EXPUNGE, RECENT and FETCH FLAGS responses that tell the client what
 * this and other sessions and the MTA changed, sent only where RFC
 * 3501 7.4.1 and RFC 9051 7.5.1 allow them.
 */
#include <sys/types.h>

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "imap_session.h"
#include "log.h"
#include "store.h"

static int	view_add(struct imap_view *, uint32_t);
static void	view_free(struct imap_view *);
static void	view_compact(struct imap_view *);
static int	view_report(struct imap_sess *, int);
static int	flags_changed(struct imap_sess *, const uint32_t *, size_t);
static size_t	count_recent(struct imap_sess *);
static int	saved_drop(struct imap_sess *, uint32_t);

static const struct {
	uint64_t	 bit;
	const char	*name;
} sysflags[] = {
	{ STORE_F_SEEN, "\\Seen" },
	{ STORE_F_ANSWERED, "\\Answered" },
	{ STORE_F_FLAGGED, "\\Flagged" },
	{ STORE_F_DELETED, "\\Deleted" },
	{ STORE_F_DRAFT, "\\Draft" },
};

static int
view_add(struct imap_view *v, uint32_t uid)
{
	uint32_t	*nu;
	unsigned char	*ng;
	size_t		 ncap;

	if (v->n == v->cap) {
		ncap = v->cap ? v->cap * 2 : 64;
		if ((nu = reallocarray(v->uids, ncap, sizeof(*nu))) == NULL)
			return -1;
		v->uids = nu;
		if ((ng = realloc(v->gone, ncap)) == NULL)
			return -1;
		v->gone = ng;
		v->cap = ncap;
	}
	v->uids[v->n] = uid;
	v->gone[v->n] = 0;
	v->n++;
	return 0;
}

static void
view_free(struct imap_view *v)
{
	free(v->uids);
	free(v->gone);
	memset(v, 0, sizeof(*v));
}

/* Drop the gone entries once their EXPUNGEs went out. */
static void
view_compact(struct imap_view *v)
{
	size_t	i, o = 0;

	for (i = 0; i < v->n; i++) {
		if (v->gone[i])
			continue;
		v->uids[o] = v->uids[i];
		v->gone[o] = 0;
		o++;
	}
	v->n = o;
	v->ngone = 0;
}

/* The sequence number of a UID in the view, 0 when it is not there. */
uint32_t
imap_seq_of(const struct imap_box *box, uint32_t uid)
{
	size_t	lo = 0, hi = box->v.n, mid;

	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		if (box->v.uids[mid] == uid)
			return (uint32_t)mid + 1;
		if (box->v.uids[mid] < uid)
			lo = mid + 1;
		else
			hi = mid;
	}
	return 0;
}

/*
 * A message's flags as a flag list: the system flags, its keywords
 * and, for an IMAP4rev1 client, \Recent.
 */
int
imap_flags_write(struct imap_sess *is, struct buf *b,
    const struct store_msg *m)
{
	struct folder	*f = is->box->f;
	size_t		 i;
	int		 sp = 0;

	if (buf_add(b, "(", 1) == -1)
		return -1;
	for (i = 0; i < sizeof(sysflags) / sizeof(sysflags[0]); i++) {
		if (!(m->flags & sysflags[i].bit))
			continue;
		if ((sp && buf_add(b, " ", 1) == -1) ||
		    buf_addstr(b, sysflags[i].name) == -1)
			return -1;
		sp = 1;
	}
	for (i = 0; (m->flags & STORE_F_KEYWORDS) && i < STORE_KEYWORDS_MAX;
	    i++) {
		if (!(m->flags & STORE_F_KEYWORD(i)) ||
		    f->keywords[i] == NULL || !store_keyword_ok(f->keywords[i]))
			continue;
		if ((sp && buf_add(b, " ", 1) == -1) ||
		    buf_addstr(b, f->keywords[i]) == -1)
			return -1;
		sp = 1;
	}
	if (!is->rev2 && m->recent) {
		if ((sp && buf_add(b, " ", 1) == -1) ||
		    buf_addstr(b, "\\Recent") == -1)
			return -1;
	}
	return buf_add(b, ")", 1);
}

/*
 * The flags of the mailbox, for FLAGS and PERMANENTFLAGS: the system
 * flags and the keywords defined in the folder, and "\*" while new
 * keywords can still be made.
 */
int
imap_flag_list(struct imap_sess *is, struct buf *b, int permanent)
{
	struct folder	*f = is->box->f;
	size_t		 i, nkw = 0;

	if (buf_addstr(b, "(\\Answered \\Flagged \\Deleted \\Seen \\Draft") ==
	    -1)
		return -1;
	for (i = 0; i < STORE_KEYWORDS_MAX; i++) {
		if (f->keywords[i] == NULL)
			continue;
		nkw++;
		if (store_keyword_ok(f->keywords[i]) &&
		    buf_addf(b, " %s", f->keywords[i]) == -1)
			return -1;
	}
	if (permanent && nkw < STORE_KEYWORDS_MAX &&
	    buf_addstr(b, " \\*") == -1)
		return -1;
	return buf_add(b, ")", 1);
}

/* FLAGS and PERMANENTFLAGS, at SELECT and when keywords appear. */
int
imap_flags_responses(struct imap_sess *is)
{
	struct buf	*b = &is->tmp;

	buf_reset(b);
	if (buf_addstr(b, "* FLAGS ") == -1 || imap_flag_list(is, b, 0) ==
	    -1 || buf_addstr(b, "\r\n* OK [PERMANENTFLAGS ") == -1)
		return -1;
	if (is->box->readonly) {
		if (buf_addstr(b, "()] No permanent flags permitted.\r\n") ==
		    -1)
			return -1;
	} else if (imap_flag_list(is, b, 1) == -1 ||
	    buf_addstr(b, "] Flags permitted.\r\n") == -1)
		return -1;
	return imap_putbuf(is, b);
}

static size_t
count_recent(struct imap_sess *is)
{
	struct imap_box		*box = is->box;
	struct store_msg	*m;
	size_t			 i, n = 0;

	if (is->rev2)
		return 0;
	for (i = 0; i < box->v.n; i++)
		if (!box->v.gone[i] && (m = folder_msg_by_uid(box->f,
		    box->v.uids[i])) != NULL && m->recent)
			n++;
	return n;
}

/*
 * SELECT and EXAMINE (RFC 3501 6.3.1-2, RFC 9051 6.3.2-3).  Whatever
 * was selected is closed first, even when the new one cannot be
 * opened.  An IMAP4rev1 SELECT claims \Recent; EXAMINE and IMAP4rev2
 * never do.
 */
int
imap_cmd_select(struct imap_sess *is, struct imap_cmd *cmd)
{
	struct imap_box	*box;
	struct folder	*f;
	char		 name[STORE_NAME_MAX + 1];
	size_t		 i, unseen = 0;
	int		 examine = cmd->id == IMAP_CMD_EXAMINE, e;

	if (cmd->u.select.condstore || cmd->u.select.qresync)
		return imap_result(is, "BAD CONDSTORE and QRESYNC are not "
		    "supported");
	if (is->box != NULL && imap_box_close(is, 1) == -1)
		return IMAP_CLOSE;
	if (imap_mailbox_in(is, cmd->u.select.mailbox, name, sizeof(name),
	    cmd->name) == -1)
		return errno == ENOMEM ? IMAP_CLOSE : IMAP_OK;
	/*
	 * Sizes are not read here: a large folder's first SELECT would
	 * read every message file.  FETCH and SEARCH learn them as they
	 * need them (the index build reads each file once anyway).
	 */
	f = folder_open(is->store, name, is->rev2 ? 0 :
	    examine ? FOLDER_PEEK_RECENT : FOLDER_RECENT);
	if (f == NULL) {
		if (errno == ENOENT)
			return imap_result(is, "NO [NONEXISTENT] Mailbox does "
			    "not exist");
		return imap_no_errno(is, "folder_open", errno,
		    "Cannot open the mailbox");
	}
	if ((box = calloc(1, sizeof(*box))) == NULL ||
	    (box->name = strdup(name)) == NULL) {
		e = errno;
		free(box);
		folder_close(f);
		return imap_no_errno(is, "select", e,
		    "Cannot open the mailbox");
	}
	box->f = f;
	box->readonly = examine;
	for (i = 0; i < f->nmsgs; i++) {
		if (view_add(&box->v, f->msgs[i]->uid) == -1) {
			e = errno;
			view_free(&box->v);
			free(box->name);
			free(box);
			folder_close(f);
			return imap_no_errno(is, "select", e,
			    "Cannot open the mailbox");
		}
		if (unseen == 0 && !(f->msgs[i]->flags & STORE_F_SEEN))
			unseen = i + 1;
	}
	if ((box->watchfd = folder_watch(f)) == -1)
		log_debug("%s: no change notification for %s", __func__, name);
	is->box = box;
	imap_seqlist_free(&is->saved);
	box->v.exists = box->v.n;

	if (imap_flags_responses(is) == -1 ||
	    imap_line(is, "* %zu EXISTS", box->v.n) == -1)
		return IMAP_CLOSE;
	if (!is->rev2) {
		if (imap_line(is, "* %zu RECENT", count_recent(is)) == -1)
			return IMAP_CLOSE;
		if (unseen != 0 && imap_line(is, "* OK [UNSEEN %zu] First "
		    "unseen.", unseen) == -1)
			return IMAP_CLOSE;
	}
	if (imap_line(is, "* OK [UIDVALIDITY %u] UIDs valid", f->uidvalidity)
	    == -1 || imap_line(is, "* OK [UIDNEXT %u] Predicted next UID",
	    f->uidnext) == -1)
		return IMAP_CLOSE;
	if (is->rev2 && imap_list_selected(is) == -1)
		return IMAP_CLOSE;
	return imap_result(is, "OK [%s] %s completed.", examine ?
	    "READ-ONLY" : "READ-WRITE", cmd->name);
}

/*
 * Leave the selected state.  `closed' says a SELECT or EXAMINE does
 * it: an IMAP4rev2 client is told (RFC 9051 7.1, CLOSED).
 */
int
imap_box_close(struct imap_sess *is, int closed)
{
	struct imap_box	*box = is->box;

	if (box == NULL)
		return 0;
	is->box = NULL;
	imap_seqlist_free(&is->saved);
	folder_close(box->f);
	view_free(&box->v);
	free(box->name);
	free(box);
	if (closed && is->rev2)
		return imap_line(is, "* OK [CLOSED] Previous mailbox is now "
		    "closed.");
	return 0;
}

/*
 * CLOSE expunges \Deleted messages without a word (read-write only);
 * UNSELECT does not.  Both end the selected state.
 */
int
imap_cmd_close(struct imap_sess *is, struct imap_cmd *cmd)
{
	struct imap_box		*box = is->box;
	struct store_msg	*m;
	uint32_t		*uids = NULL;
	size_t			 i, n = 0;
	int			 r;

	if (cmd->id == IMAP_CMD_CLOSE && !box->readonly && box->v.n > 0) {
		if ((uids = reallocarray(NULL, box->v.n, sizeof(*uids))) ==
		    NULL)
			return imap_no_errno(is, "close", errno,
			    "Cannot expunge");
		for (i = 0; i < box->v.n; i++)
			if (!box->v.gone[i] && (m = folder_msg_by_uid(box->f,
			    box->v.uids[i])) != NULL &&
			    (m->flags & STORE_F_DELETED))
				uids[n++] = m->uid;
		if (n > 0) {
			if ((r = folder_expunge(box->f, uids, n,
			    FOLDER_EXPUNGE_DELETED)) == -1)
				log_warn("%s: expunge", __func__);
			else
				is->nexpunge += r;
		}
		free(uids);
	}
	if (imap_box_close(is, 0) == -1)
		return IMAP_CLOSE;
	return IMAP_OK;
}

/*
 * EXPUNGE and UID EXPUNGE (RFC 4315): remove what the client sees as
 * \Deleted (only within the set for the UID form), unless another
 * session took the flag off meanwhile.  The EXPUNGE responses come
 * from the sync before the tagged OK.
 */
int
imap_cmd_expunge(struct imap_sess *is, struct imap_cmd *cmd)
{
	struct imap_box		*box = is->box;
	struct imap_seqlist	 seqs;
	struct store_msg	*m;
	uint32_t		*uids = NULL;
	size_t			 i, n = 0;
	int			 r, bad = 0;

	if (box->readonly)
		return imap_result(is, "NO [READ-ONLY] Mailbox is read-only");
	imap_seqlist_init(&seqs);
	if (cmd->uid && imap_set_resolve(is, &cmd->u.expunge.set, 1, &seqs,
	    &bad) == -1)
		return imap_no_errno(is, "expunge", errno, "Cannot expunge");
	if (box->v.n > 0 && (uids = reallocarray(NULL, box->v.n,
	    sizeof(*uids))) == NULL) {
		imap_seqlist_free(&seqs);
		return imap_no_errno(is, "expunge", errno, "Cannot expunge");
	}
	for (i = 0; i < box->v.n; i++) {
		if (box->v.gone[i] || (cmd->uid &&
		    !imap_seqlist_contains(&seqs, (uint32_t)i + 1)))
			continue;
		if ((m = folder_msg_by_uid(box->f, box->v.uids[i])) != NULL &&
		    (m->flags & STORE_F_DELETED))
			uids[n++] = m->uid;
	}
	imap_seqlist_free(&seqs);
	r = 0;
	if (n > 0 && (r = folder_expunge(box->f, uids, n,
	    FOLDER_EXPUNGE_DELETED)) == -1) {
		free(uids);
		return imap_no_errno(is, "expunge", errno, "Cannot expunge");
	}
	free(uids);
	is->nexpunge += r;
	box->dirty = 1;
	return IMAP_OK;
}

/*
 * A sequence set of the running command as the sequence numbers it
 * names in the view, normalised.  uid: the set is of UIDs (those not
 * in the view are left out, RFC 3501 6.4.8); else a number past the
 * last message sets *bad.  "$" is the saved search result.  Returns
 * 0, or -1 when out of memory.
 */
int
imap_set_resolve(struct imap_sess *is, const struct imap_seqset *set,
    int uid, struct imap_seqlist *out, int *bad)
{
	struct imap_view	*v = &is->box->v;
	struct imap_seqlist	 saved, uids;
	size_t			 i, start;
	uint32_t		 s;
	int			 r = -1;

	*bad = 0;
	imap_seqlist_init(out);
	imap_seqlist_init(&saved);
	imap_seqlist_init(&uids);
	if (!uid) {
		/*
		 * A number past the last message is an error; in an empty
		 * mailbox a range to "*" (1:*, say) just names nothing.
		 */
		if (v->n > 0 && imap_seqset_max(set, (uint32_t)v->n) > v->n)
			*bad = 1;
		for (i = 0; v->n == 0 && i < set->n; i++)
			if (set->r[i].lo != IMAP_SEQ_STAR &&
			    set->r[i].hi != IMAP_SEQ_STAR)
				*bad = 1;
		if (*bad)
			return 0;
		if (set->dollar) {
			/* "$" holds UIDs: their numbers now. */
			for (i = 0; i < v->n; i++)
				if (imap_seqlist_contains(&is->saved,
				    v->uids[i]) && imap_seqlist_add(&saved,
				    (uint32_t)i + 1, (uint32_t)i + 1) == -1)
					goto out;
			imap_seqlist_normalise(&saved);
		}
		r = imap_seqset_resolve(set, (uint32_t)v->n, (uint32_t)v->n,
		    &saved, out);
		goto out;
	}
	if (imap_seqset_resolve(set, v->n > 0 ? v->uids[v->n - 1] : 0,
	    UINT32_MAX, &is->saved, &uids) == -1)
		goto out;
	/* Runs of consecutive numbers become one range. */
	for (i = 0; i < v->n; i = start + 1) {
		start = i;
		if (!imap_seqlist_contains(&uids, v->uids[i]))
			continue;
		while (start + 1 < v->n &&
		    imap_seqlist_contains(&uids, v->uids[start + 1]))
			start++;
		s = (uint32_t)i + 1;
		if (imap_seqlist_add(out, s, (uint32_t)start + 1) == -1)
			goto out;
	}
	imap_seqlist_normalise(out);
	r = 0;
 out:
	imap_seqlist_free(&saved);
	imap_seqlist_free(&uids);
	if (r == -1)
		imap_seqlist_free(out);
	return r;
}

/* A UID left the mailbox: it leaves "$" too (RFC 5182). */
static int
saved_drop(struct imap_sess *is, uint32_t uid)
{
	struct imap_seqlist	*l = &is->saved, nl;
	size_t			 i;
	int			 r = 0;

	if (!imap_seqlist_contains(l, uid))
		return 0;
	imap_seqlist_init(&nl);
	for (i = 0; i < l->n && r == 0; i++) {
		if (uid < l->r[i].lo || uid > l->r[i].hi)
			r = imap_seqlist_add(&nl, l->r[i].lo, l->r[i].hi);
		else {
			if (uid > l->r[i].lo)
				r = imap_seqlist_add(&nl, l->r[i].lo, uid - 1);
			if (r == 0 && uid < l->r[i].hi)
				r = imap_seqlist_add(&nl, uid + 1, l->r[i].hi);
		}
	}
	imap_seqlist_free(l);
	if (r == -1)
		return -1;
	imap_seqlist_normalise(&nl);
	*l = nl;
	return 0;
}

/* Untagged FETCH FLAGS for messages someone else changed. */
static int
flags_changed(struct imap_sess *is, const uint32_t *uids, size_t n)
{
	struct imap_box		*box = is->box;
	struct store_msg	*m;
	struct buf		*b = &is->tmp;
	uint32_t		 seq;
	size_t			 i;

	for (i = 0; i < n; i++) {
		if ((seq = imap_seq_of(box, uids[i])) == 0 ||
		    box->v.gone[seq - 1] ||
		    (m = folder_msg_by_uid(box->f, uids[i])) == NULL)
			continue;
		buf_reset(b);
		if (buf_addf(b, "* %u FETCH (UID %u FLAGS ", seq, m->uid) ==
		    -1 || imap_flags_write(is, b, m) == -1 ||
		    buf_addstr(b, ")\r\n") == -1 || imap_putbuf(is, b) == -1)
			return -1;
	}
	return 0;
}

/*
 * Tell the client what it does not know yet: EXPUNGEs (when allowed),
 * EXISTS and, for IMAP4rev1, RECENT with it.
 */
static int
view_report(struct imap_sess *is, int expunge)
{
	struct imap_view	*v = &is->box->v;
	size_t			 i;

	if (expunge && v->ngone > 0) {
		for (i = v->n; i > 0; i--) {
			if (!v->gone[i - 1])
				continue;
			if (imap_line(is, "* %zu EXPUNGE", i) == -1 ||
			    saved_drop(is, v->uids[i - 1]) == -1)
				return -1;
			v->exists--;
		}
		view_compact(v);
	}
	/*
	 * RECENT goes with EXISTS, as new messages are what changes it;
	 * counting costs a lookup per message.
	 */
	if (v->n != v->exists) {
		if (imap_line(is, "* %zu EXISTS", v->n) == -1)
			return -1;
		v->exists = v->n;
		if (!is->rev2 && imap_line(is, "* %zu RECENT",
		    count_recent(is)) == -1)
			return -1;
	}
	return 0;
}

/*
 * Bring the selected mailbox up to date and report it.  Only when the
 * watch says something happened (or this session changed the folder,
 * or force); expunge says whether EXPUNGE may be sent now.  Returns 0,
 * or -1 when the session must end (the BYE is sent).
 */
int
imap_sync(struct imap_sess *is, int expunge, int force)
{
	struct imap_box		*box = is->box;
	struct imap_view	*v = &box->v;
	struct folder_changes	 ch;
	uint32_t		 seq, last;
	size_t			 i;
	int			 r;

	if (!force && !box->dirty && box->watchfd != -1 &&
	    folder_watch_read(box->f) == 0)
		return view_report(is, expunge);
	box->dirty = 0;
	memset(&ch, 0, sizeof(ch));
	if (folder_sync_changes(box->f, 0, &ch) == -1) {
		if (errno == ENOENT) {
			(void)imap_line(is, "* BYE The selected mailbox was "
			    "deleted or renamed.");
			return -1;
		}
		log_warn("%s: %s", __func__, box->name);
		return view_report(is, expunge);
	}
	if (ch.uidvalidity) {
		folder_changes_free(&ch);
		(void)imap_line(is, "* BYE [UNAVAILABLE] The mailbox's "
		    "UIDVALIDITY changed, please reconnect.");
		return -1;
	}
	r = 0;
	last = v->n > 0 ? v->uids[v->n - 1] : 0;
	for (i = 0; i < ch.nadded && r == 0; i++)
		if (ch.added[i] > last) {
			r = view_add(v, ch.added[i]);
			last = ch.added[i];
		}
	for (i = 0; i < ch.nexpunged && r == 0; i++)
		if ((seq = imap_seq_of(box, ch.expunged[i])) != 0 &&
		    !v->gone[seq - 1]) {
			v->gone[seq - 1] = 1;
			v->ngone++;
		}
	if (r == 0 && ch.keywords)
		r = imap_flags_responses(is);
	if (r == 0)
		r = view_report(is, expunge);
	if (r == 0)
		r = flags_changed(is, ch.flagged, ch.nflagged);
	folder_changes_free(&ch);
	if (r == -1)
		log_warn("%s", __func__);
	return r;
}
