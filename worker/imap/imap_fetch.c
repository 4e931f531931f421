/*
 * FETCH and UID FETCH for the IMAP session (postern-session): RFC 3501
 * 6.4.5 and 7.4.2, RFC 9051 6.4.5 and 7.5.2, BINARY (RFC 3516).
 * ENVELOPE, BODY and BODYSTRUCTURE come from the store's index, which
 * the store fills ahead a thousand messages at a time (so that a
 * folder's first FETCH reads each message file once, in order); body
 * sections from the mapped message through the MIME library, sizes
 * and offsets in the CRLF form the client sees.  Everything that can
 * fail for a message is done before the first byte of its response,
 * so a message that vanishes meanwhile never leaves half a response.
 */
#include <sys/types.h>

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "imap_session.h"
#include "log.h"
#include "mime.h"
#include "store.h"

/* What one item of one message needs sent, worked out beforehand. */
struct fetch_prep {
	struct buf		 text;	/* ENVELOPE, BODY[STRUCTURE] */
	struct mime_range	 range;	/* BODY[...], RFC822* */
	const struct mime_part	*part;	/* BINARY[n] */
	uint64_t		 size;	/* decoded, for BINARY */
	int			 nul;	/* BINARY: send as literal8 */
	int			 nil;	/* no such part: NIL */
	int			 whole;	/* BINARY[]: the stored message */
};

struct fetch_msg {
	struct imap_sess	*is;
	struct imap_cmd		*cmd;
	struct store_msg	*m;
	uint32_t		 seq;
	struct store_map	 map;
	struct mime_msg		 mm;
	int			 parsed;
	struct fetch_prep	*prep;	/* one per item, in order */
	size_t			 nitems;
	int			 seen_set;
};

#define FETCH_NEEDS_FILE	((1U << IMAP_FA_BODY_SECTION) | \
				 (1U << IMAP_FA_BINARY) | \
				 (1U << IMAP_FA_BINARY_SIZE) | \
				 (1U << IMAP_FA_RFC822) | \
				 (1U << IMAP_FA_RFC822_HEADER) | \
				 (1U << IMAP_FA_RFC822_TEXT))

/* Messages whose index entries and sizes are made ahead, in one go. */
#define FETCH_AHEAD		1024

/* fetch_one() results. */
#define FM_OK		0
#define FM_GONE		1	/* expunged by someone else */
#define FM_CTE		2	/* BINARY of an unknown encoding */
#define FM_FAIL		3	/* our failure, logged */
#define FM_CLOSE	(-1)

static int	mflags(const struct imap_sess *);
static int	sets_seen(const struct imap_fetch_item *);
static void	to_sect(const struct imap_section *, enum imap_fetch_att,
		    struct mime_sect *, int *);
static int	count_nul(void *, const void *, size_t);
static int	prep_item(struct fetch_msg *, const struct imap_fetch_item *,
		    struct fetch_prep *);
static int	send_item(struct fetch_msg *, const struct imap_fetch_item *,
		    struct fetch_prep *);
static int	send_literal(struct fetch_msg *, struct fetch_prep *,
		    uint64_t, uint64_t, int);
static int	fetch_one(struct imap_sess *, struct imap_cmd *, uint32_t,
		    struct store_msg *);
static void	fetch_msg_free(struct fetch_msg *);
static int	add_num(struct buf *, const char *, uint64_t);
static int	prefetch_want(const struct imap_cmd *);
static size_t	prefetch(struct imap_sess *, struct imap_seqiter *, int);

struct nulcount {
	uint64_t	size;
	int		nul;
};

static int
mflags(const struct imap_sess *is)
{
	return is->rev2 ? MIME_UTF8 | MIME_REV2 : 0;
}

/* RFC 3501 6.4.5: these set \Seen (in a read-write mailbox). */
static int
sets_seen(const struct imap_fetch_item *it)
{
	switch (it->att) {
	case IMAP_FA_RFC822:
	case IMAP_FA_RFC822_TEXT:
		return 1;
	case IMAP_FA_BODY_SECTION:
	case IMAP_FA_BINARY:
		return !it->peek;
	default:
		return 0;
	}
}

/*
 * The MIME library's form of a section; the field names are borrowed,
 * so the result is never given to mime_sect_free().  *nil when the
 * part numbers go deeper than any message can.
 */
static void
to_sect(const struct imap_section *sec, enum imap_fetch_att att,
    struct mime_sect *ms, int *nil)
{
	size_t	i;

	memset(ms, 0, sizeof(*ms));
	*nil = 0;
	switch (att) {
	case IMAP_FA_RFC822:
		return;
	case IMAP_FA_RFC822_HEADER:
		ms->text = MIME_ST_HEADER;
		return;
	case IMAP_FA_RFC822_TEXT:
		ms->text = MIME_ST_TEXT;
		return;
	default:
		break;
	}
	if (sec->nparts > MIME_SECT_MAX) {
		*nil = 1;
		return;
	}
	for (i = 0; i < sec->nparts; i++)
		ms->part[i] = sec->part[i];
	ms->npart = sec->nparts;
	switch (sec->text) {
	case IMAP_SEC_HEADER:
		ms->text = MIME_ST_HEADER;
		break;
	case IMAP_SEC_HEADER_FIELDS:
		ms->text = MIME_ST_FIELDS;
		break;
	case IMAP_SEC_HEADER_FIELDS_NOT:
		ms->text = MIME_ST_FIELDS_NOT;
		break;
	case IMAP_SEC_TEXT:
		ms->text = MIME_ST_TEXT;
		break;
	case IMAP_SEC_MIME:
		ms->text = MIME_ST_MIME;
		break;
	default:
		ms->text = MIME_ST_NONE;
		break;
	}
	ms->fields = sec->fields;
	ms->nfields = sec->nfields;
}

/*
 * A label and a decimal number: a FETCH of a large folder writes a few
 * per message, and printf's machinery would be most of their cost.
 */
static int
add_num(struct buf *b, const char *label, uint64_t v)
{
	char	digits[20], *p = digits + sizeof(digits);

	do
		*--p = (char)('0' + v % 10);
	while ((v /= 10) != 0);
	if (buf_addstr(b, label) == -1)
		return -1;
	return buf_add(b, p, (size_t)(digits + sizeof(digits) - p));
}

static int
count_nul(void *arg, const void *data, size_t len)
{
	struct nulcount	*c = arg;

	c->size += len;
	if (!c->nul && memchr(data, '\0', len) != NULL)
		c->nul = 1;
	return 0;
}

/*
 * Work out one item: render what the index gives, locate sections,
 * size decoded data.  Returns FM_OK, FM_GONE, FM_CTE, FM_FAIL.
 */
static int
prep_item(struct fetch_msg *fm, const struct imap_fetch_item *it,
    struct fetch_prep *p)
{
	struct imap_sess	*is = fm->is;
	struct mime_sect	 ms;
	struct nulcount		 nc;
	int			 what, r, nil;

	switch (it->att) {
	case IMAP_FA_ENVELOPE:
	case IMAP_FA_BODY:
	case IMAP_FA_BODYSTRUCTURE:
		what = it->att == IMAP_FA_ENVELOPE ? STORE_R_ENVELOPE :
		    it->att == IMAP_FA_BODY ? STORE_R_BODY :
		    STORE_R_BODYSTRUCTURE;
		if (store_msg_render(is->box->f, fm->m, what, mflags(is),
		    &p->text) == -1) {
			if (errno == ENOENT)
				return FM_GONE;
			log_warn("%s: uid %u", __func__, fm->m->uid);
			return FM_FAIL;
		}
		return FM_OK;
	case IMAP_FA_RFC822_SIZE:
		if (!fm->m->have_vsize && store_msg_vsize(is->box->f, fm->m,
		    &p->size) == -1)
			return errno == ENOENT ? FM_GONE : FM_FAIL;
		return FM_OK;
	case IMAP_FA_BODY_SECTION:
	case IMAP_FA_RFC822:
	case IMAP_FA_RFC822_HEADER:
	case IMAP_FA_RFC822_TEXT:
		to_sect(&it->sec, it->att, &ms, &nil);
		if (nil) {
			p->nil = 1;
			return FM_OK;
		}
		r = mime_locate(&fm->mm, &ms, &p->range);
		if (r == -1) {
			log_warn("%s: uid %u", __func__, fm->m->uid);
			return FM_FAIL;
		}
		if (r != 0)
			p->nil = 1;
		return FM_OK;
	case IMAP_FA_BINARY:
	case IMAP_FA_BINARY_SIZE:
		to_sect(&it->sec, it->att, &ms, &nil);
		if (nil || mime_sect_find(&fm->mm, &ms, &p->part) != 0) {
			p->nil = 1;
			return FM_OK;
		}
		memset(&nc, 0, sizeof(nc));
		if (ms.npart == 0) {
			/* BINARY[]: the message as stored, nothing decoded. */
			if (mime_locate(&fm->mm, &ms, &p->range) == -1) {
				log_warn("%s: uid %u", __func__, fm->m->uid);
				return FM_FAIL;
			}
			p->whole = 1;
			nc.size = p->range.size;
			nc.nul = fm->mm.len > 0 &&
			    memchr(fm->mm.data, '\0', fm->mm.len) != NULL;
		} else if (mime_part_decode(&fm->mm, p->part, 0, UINT64_MAX,
		    count_nul, &nc) == MIME_ECTE)
			return FM_CTE;
		p->size = nc.size;
		p->nul = nc.nul;
		return FM_OK;
	default:
		return FM_OK;
	}
}

/* A literal ("{n}" or "~{n}") of a section window, then its octets. */
static int
send_literal(struct fetch_msg *fm, struct fetch_prep *p, uint64_t origin,
    uint64_t count, int binary)
{
	struct imap_sess	*is = fm->is;
	uint64_t		 n;
	int			 r;

	if (binary && !p->whole) {
		n = origin >= p->size ? 0 : p->size - origin < count ?
		    p->size - origin : count;
		if (io_printf(is->io, "%s{%llu}\r\n", p->nul ? "~" : "",
		    (unsigned long long)n) != IO_OK)
			return -1;
		r = mime_part_decode(&fm->mm, p->part, origin, n, imap_out,
		    is);
		return r == 0 ? 0 : -1;
	}
	n = mime_range_window(&p->range, origin, count);
	if (io_printf(is->io, "%s{%llu}\r\n", binary && p->nul ? "~" : "",
	    (unsigned long long)n) != IO_OK)
		return -1;
	return mime_range_emit(&fm->mm, &p->range, origin, count, imap_out,
	    is);
}

static int
send_item(struct fetch_msg *fm, const struct imap_fetch_item *it,
    struct fetch_prep *p)
{
	struct imap_sess	*is = fm->is;
	struct store_msg	*m = fm->m;
	struct buf		*b = &is->tmp;
	struct tm		 tm;
	char			 date[40];
	uint64_t		 origin = 0, count = UINT64_MAX;
	time_t			 t;
	int			 zone;

	buf_reset(b);
	if (it->partial) {
		origin = it->offset;
		count = it->count;
	}
	switch (it->att) {
	case IMAP_FA_FLAGS:
		if (buf_addstr(b, "FLAGS ") == -1 ||
		    imap_flags_write(is, b, m) == -1)
			return -1;
		break;
	case IMAP_FA_UID:
		if (add_num(b, "UID ", m->uid) == -1)
			return -1;
		break;
	case IMAP_FA_INTERNALDATE:
		/* In the server's zone, as most servers show it. */
		t = m->time;
		zone = localtime_r(&t, &tm) != NULL ?
		    (int)(tm.tm_gmtoff / 60) : 0;
		if (imap_datetime_format(t, zone, date, sizeof(date)) == -1 &&
		    imap_datetime_format(0, 0, date, sizeof(date)) == -1)
			return -1;
		if (buf_addstr(b, "INTERNALDATE \"") == -1 ||
		    buf_addstr(b, date) == -1 || buf_add(b, "\"", 1) == -1)
			return -1;
		break;
	case IMAP_FA_RFC822_SIZE:
		if (add_num(b, "RFC822.SIZE ", m->have_vsize ? m->vsize :
		    p->size) == -1)
			return -1;
		break;
	case IMAP_FA_ENVELOPE:
	case IMAP_FA_BODY:
	case IMAP_FA_BODYSTRUCTURE:
		if (buf_addstr(b, it->att == IMAP_FA_ENVELOPE ? "ENVELOPE " :
		    it->att == IMAP_FA_BODY ? "BODY " : "BODYSTRUCTURE ") ==
		    -1 || buf_add(b, p->text.data, p->text.len) == -1)
			return -1;
		break;
	case IMAP_FA_BINARY_SIZE:
		if (imap_fetch_item_name(b, it) == -1)
			return -1;
		if (p->nil) {
			if (buf_addstr(b, " NIL") == -1)
				return -1;
		} else if (buf_addf(b, " %llu",
		    (unsigned long long)p->size) == -1)
			return -1;
		break;
	case IMAP_FA_RFC822:
	case IMAP_FA_RFC822_HEADER:
	case IMAP_FA_RFC822_TEXT:
	case IMAP_FA_BODY_SECTION:
	case IMAP_FA_BINARY:
		if (imap_fetch_item_name(b, it) == -1 ||
		    buf_add(b, " ", 1) == -1)
			return -1;
		if (p->nil)
			return buf_addstr(b, "NIL") == -1 ? -1 :
			    imap_putbuf(is, b);
		if (imap_putbuf(is, b) == -1)
			return -1;
		return send_literal(fm, p, origin, count,
		    it->att == IMAP_FA_BINARY);
	default:
		return 0;
	}
	return imap_putbuf(is, b);
}

static void
fetch_msg_free(struct fetch_msg *fm)
{
	size_t	i;

	for (i = 0; i < fm->nitems && fm->prep != NULL; i++) {
		buf_free(&fm->prep[i].text);
		mime_range_free(&fm->prep[i].range);
	}
	free(fm->prep);
	if (fm->parsed) {
		mime_free(&fm->mm);
		store_map_free(&fm->map);
	}
}

/* One message's FETCH response, or why there is none. */
static int
fetch_one(struct imap_sess *is, struct imap_cmd *cmd, uint32_t seq,
    struct store_msg *m)
{
	struct fetch_msg	 fm;
	struct imap_fetch_item	*it;
	uint32_t		 mask = cmd->u.fetch.mask;
	size_t			 i;
	int			 r = FM_OK, sp = 0, seen = 0, flags_asked;

	memset(&fm, 0, sizeof(fm));
	fm.is = is;
	fm.cmd = cmd;
	fm.m = m;
	fm.seq = seq;
	TAILQ_FOREACH(it, &cmd->u.fetch.items, entry) {
		fm.nitems++;
		seen |= sets_seen(it);
	}
	if ((fm.prep = calloc(fm.nitems, sizeof(*fm.prep))) == NULL) {
		log_warn("%s", __func__);
		return FM_FAIL;
	}
	for (i = 0; i < fm.nitems; i++) {
		buf_init(&fm.prep[i].text);
		mime_range_init(&fm.prep[i].range);
	}
	if (mask & FETCH_NEEDS_FILE) {
		if (store_msg_parse(is->box->f, m, &fm.map, &fm.mm) == -1) {
			r = errno == ENOENT ? FM_GONE : FM_FAIL;
			if (r == FM_FAIL)
				log_warn("%s: uid %u", __func__, m->uid);
			goto out;
		}
		fm.parsed = 1;
	}
	i = 0;
	TAILQ_FOREACH(it, &cmd->u.fetch.items, entry)
		if ((r = prep_item(&fm, it, &fm.prep[i++])) != FM_OK)
			goto out;

	if (seen && !is->box->readonly && !(m->flags & STORE_F_SEEN)) {
		if (folder_set_flags(is->box->f, m->uid, STORE_F_SEEN, 0) ==
		    -1) {
			r = errno == ENOENT ? FM_GONE : FM_FAIL;
			if (r == FM_FAIL)
				log_warn("%s: set \\Seen on uid %u", __func__,
				    m->uid);
			goto out;
		}
		fm.seen_set = 1;
	}

	r = FM_CLOSE;
	flags_asked = (mask & (1U << IMAP_FA_FLAGS)) != 0;
	buf_reset(&is->tmp);
	if (add_num(&is->tmp, "* ", seq) == -1 ||
	    buf_addstr(&is->tmp, " FETCH (") == -1 ||
	    (cmd->uid && !(mask & (1U << IMAP_FA_UID)) &&
	    add_num(&is->tmp, "UID ", m->uid) == -1) ||
	    imap_putbuf(is, &is->tmp) == -1)
		goto out;
	if (cmd->uid && !(mask & (1U << IMAP_FA_UID)))
		sp = 1;
	i = 0;
	TAILQ_FOREACH(it, &cmd->u.fetch.items, entry) {
		if (sp && io_write(is->io, " ", 1) != IO_OK)
			goto out;
		if (send_item(&fm, it, &fm.prep[i++]) == -1)
			goto out;
		sp = 1;
	}
	if (fm.seen_set && !flags_asked) {
		buf_reset(&is->tmp);
		if (buf_addstr(&is->tmp, sp ? " FLAGS " : "FLAGS ") == -1 ||
		    imap_flags_write(is, &is->tmp, m) == -1 ||
		    imap_putbuf(is, &is->tmp) == -1)
			goto out;
	}
	if (io_write(is->io, ")\r\n", 3) != IO_OK)
		goto out;
	r = FM_OK;
 out:
	fetch_msg_free(&fm);
	return r;
}

/*
 * What the store can make ahead for every message of the set: the
 * index's renderings and the sizes.  Items that need the message file
 * anyway read it in fetch_one().
 */
static int
prefetch_want(const struct imap_cmd *cmd)
{
	uint32_t	mask = cmd->u.fetch.mask;
	int		want = 0;

	if (mask & FETCH_NEEDS_FILE)
		return 0;
	if (mask & (1U << IMAP_FA_ENVELOPE))
		want |= STORE_P_ENVELOPE;
	if (mask & (1U << IMAP_FA_BODY))
		want |= STORE_P_BODY;
	if (mask & (1U << IMAP_FA_BODYSTRUCTURE))
		want |= STORE_P_BODYSTRUCTURE;
	if (mask & (1U << IMAP_FA_RFC822_SIZE))
		want |= STORE_P_SIZE;
	return want;
}

/*
 * Let the store prepare the next FETCH_AHEAD messages of the set (from
 * the iterator `ahead', which runs in front of the command's own):
 * each message file is then read once, in order, and the index
 * written between batches.  Returns how many numbers it went over.
 */
static size_t
prefetch(struct imap_sess *is, struct imap_seqiter *ahead, int want)
{
	struct imap_box		*box = is->box;
	struct store_msg	*msgs[FETCH_AHEAD], *m;
	uint32_t		 seq;
	size_t			 n = 0, seen = 0;

	while (seen < FETCH_AHEAD && imap_seqiter_next(ahead, &seq)) {
		seen++;
		if (!box->v.gone[seq - 1] && (m = folder_msg_by_uid(box->f,
		    box->v.uids[seq - 1])) != NULL)
			msgs[n++] = m;
	}
	if (store_msg_prefetch(box->f, msgs, n, want, mflags(is)) == -1)
		log_warn("%s", __func__);
	return seen;
}

int
imap_cmd_fetch(struct imap_sess *is, struct imap_cmd *cmd)
{
	struct imap_box		*box = is->box;
	struct imap_seqlist	 seqs;
	struct imap_seqiter	 it, ahead;
	struct store_msg	*m;
	uint32_t		 seq;
	size_t			 gone = 0, failed = 0, cte = 0, ready = 0;
	int			 bad, r, want;

	if (cmd->u.fetch.changedsince_given || cmd->u.fetch.vanished ||
	    (cmd->u.fetch.mask & (1U << IMAP_FA_MODSEQ)))
		return imap_result(is, "BAD MODSEQ, CHANGEDSINCE and VANISHED "
		    "need CONDSTORE and QRESYNC, which are not supported");
	if (imap_set_resolve(is, &cmd->u.fetch.set, cmd->uid, &seqs, &bad) ==
	    -1)
		return imap_no_errno(is, "fetch", errno, "Cannot fetch");
	if (bad)
		return imap_result(is, "BAD Invalid message sequence number");
	imap_seqiter_init(&it, &seqs);
	ahead = it;
	want = prefetch_want(cmd);
	while (imap_seqiter_next(&it, &seq)) {
		if (want != 0 && ready == 0)
			ready = prefetch(is, &ahead, want);
		if (ready > 0)
			ready--;
		if (box->v.gone[seq - 1] || (m = folder_msg_by_uid(box->f,
		    box->v.uids[seq - 1])) == NULL) {
			gone++;
			continue;
		}
		switch ((r = fetch_one(is, cmd, seq, m))) {
		case FM_OK:
			is->nfetch++;
			break;
		case FM_GONE:
			gone++;
			break;
		case FM_CTE:
			cte++;
			break;
		case FM_FAIL:
			failed++;
			break;
		default:
			imap_seqlist_free(&seqs);
			(void)folder_save_facts(box->f,
			    STORE_FACTS_SAVE_MIN);
			return IMAP_CLOSE;
		}
	}
	imap_seqlist_free(&seqs);
	/* Sizes learnt on the way, kept for the next session. */
	(void)folder_save_facts(box->f, STORE_FACTS_SAVE_MIN);
	if (cte > 0)
		return imap_result(is, "NO [UNKNOWN-CTE] Unknown "
		    "Content-Transfer-Encoding");
	return imap_result_partial(is, cmd, failed, "Some messages could not "
	    "be read", gone);
}
