/*
 * STORE and UID STORE for the IMAP session (postern-session): RFC
 * 3501 6.4.6, RFC 9051 6.4.6, FLAGS, +FLAGS and -FLAGS with .SILENT,
 * system flags and keywords (defined in the folder as they are first
 * used), and the conversion of a client's flag list to the store's
 * bits that APPEND uses too.
 */
#include <sys/types.h>

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "imap_session.h"
#include "log.h"
#include "store.h"

static int	keyword_bits(struct imap_sess *, const struct imap_cmd *,
		    uint64_t *);
static unsigned int count_keywords(const struct folder *);

static const struct {
	unsigned int	 imap;		/* IMAP_FLAG_* */
	uint64_t	 store;		/* STORE_F_* */
} sysmap[] = {
	{ IMAP_FLAG_ANSWERED, STORE_F_ANSWERED },
	{ IMAP_FLAG_FLAGGED, STORE_F_FLAGGED },
	{ IMAP_FLAG_DELETED, STORE_F_DELETED },
	{ IMAP_FLAG_SEEN, STORE_F_SEEN },
	{ IMAP_FLAG_DRAFT, STORE_F_DRAFT },
};

/*
 * The system flags of a flag list as store bits.  A flag extension we
 * do not know (RFC 3501 2.3.2: none is defined) is refused.  Returns
 * 0, 1 after setting the BAD, -1 when the session cannot go on.
 */
int
imap_flags_to_store(struct imap_sess *is, const struct imap_flags *fl,
    uint64_t *bits)
{
	size_t	i;

	*bits = 0;
	if (fl->next > 0)
		return imap_result(is, "BAD Unknown system flag") ==
		    IMAP_CLOSE ? -1 : 1;
	for (i = 0; i < sizeof(sysmap) / sizeof(sysmap[0]); i++)
		if (fl->system & sysmap[i].imap)
			*bits |= sysmap[i].store;
	return 0;
}

static unsigned int
count_keywords(const struct folder *f)
{
	unsigned int	i, n = 0;

	for (i = 0; i < STORE_KEYWORDS_MAX; i++)
		if (f->keywords[i] != NULL)
			n++;
	return n;
}

/*
 * The keyword bits of a STORE: defined in the folder as needed when
 * they are set, looked up (and ignored when unknown) when removed.
 * Returns 0, 1 after setting a NO or BAD, -1 to end the session.
 */
static int
keyword_bits(struct imap_sess *is, const struct imap_cmd *cmd,
    uint64_t *bits)
{
	const struct imap_flags	*fl = &cmd->u.store.flags;
	struct folder		*f = is->box->f;
	size_t			 i;
	int			 k;

	for (i = 0; i < fl->nkeywords; i++) {
		if (cmd->u.store.op == IMAP_STORE_REMOVE)
			k = folder_keyword_find(f, fl->keywords[i]);
		else
			k = folder_keyword_add(f, fl->keywords[i]);
		if (k >= 0) {
			*bits |= STORE_F_KEYWORD(k);
			continue;
		}
		switch (errno) {
		case ENOENT:
			continue;
		case ENOSPC:
			return imap_result(is, "NO [LIMIT] Too many keywords "
			    "in the mailbox") == IMAP_CLOSE ? -1 : 1;
		case EINVAL:
			return imap_result(is, "BAD Invalid keyword") ==
			    IMAP_CLOSE ? -1 : 1;
		default:
			return imap_no_errno(is, "keyword", errno,
			    "Cannot define the keyword") == IMAP_CLOSE ?
			    -1 : 1;
		}
	}
	return 0;
}

int
imap_cmd_store(struct imap_sess *is, struct imap_cmd *cmd)
{
	struct imap_box		*box = is->box;
	struct imap_seqlist	 seqs;
	struct imap_seqiter	 it;
	struct store_msg	*m;
	struct buf		*b = &is->tmp;
	uint64_t		 bits, add, del, want;
	uint32_t		 seq, uid;
	unsigned int		 nkw;
	size_t			 issued = 0, failed = 0;
	int			 r, bad;

	if (cmd->u.store.unchangedsince_given)
		return imap_result(is, "BAD UNCHANGEDSINCE needs CONDSTORE, "
		    "which is not supported");
	if (box->readonly)
		return imap_result(is, "NO [READ-ONLY] Mailbox is read-only");
	if ((r = imap_flags_to_store(is, &cmd->u.store.flags, &bits)) != 0)
		return r == 1 ? IMAP_OK : IMAP_CLOSE;
	if (imap_set_resolve(is, &cmd->u.store.set, cmd->uid, &seqs, &bad) ==
	    -1)
		return imap_no_errno(is, "store", errno, "Cannot store");
	if (bad)
		return imap_result(is, "BAD Invalid message sequence number");
	if (seqs.n == 0) {
		imap_seqlist_free(&seqs);
		return imap_result(is, "OK STORE completed.");
	}
	nkw = count_keywords(box->f);
	if ((r = keyword_bits(is, cmd, &bits)) != 0) {
		imap_seqlist_free(&seqs);
		return r == 1 ? IMAP_OK : IMAP_CLOSE;
	}
	if (count_keywords(box->f) != nkw && imap_flags_responses(is) == -1) {
		imap_seqlist_free(&seqs);
		return IMAP_CLOSE;
	}
	switch (cmd->u.store.op) {
	case IMAP_STORE_SET:
		add = bits;
		del = (STORE_F_IMAP | STORE_F_KEYWORDS) & ~bits;
		break;
	case IMAP_STORE_ADD:
		add = bits;
		del = 0;
		break;
	default:
		add = 0;
		del = bits;
		break;
	}
	imap_seqiter_init(&it, &seqs);
	while (imap_seqiter_next(&it, &seq)) {
		uid = box->v.uids[seq - 1];
		if (box->v.gone[seq - 1] ||
		    (m = folder_msg_by_uid(box->f, uid)) == NULL) {
			issued++;
			continue;
		}
		/* What the client knows, with its change made. */
		want = (m->flags | add) & ~del;
		if (folder_set_flags(box->f, uid, add, del) == -1) {
			if (errno == ENOENT)
				issued++;
			else {
				log_warn("%s: uid %u", __func__, uid);
				failed++;
			}
			continue;
		}
		is->nstore++;
		if ((m = folder_msg_by_uid(box->f, uid)) == NULL)
			continue;
		/*
		 * .SILENT spares only what the client did itself: flags
		 * another session set meanwhile, now taken in with ours,
		 * are reported (RFC 3501 6.4.6), as no sync will.
		 */
		if (cmd->u.store.silent && m->flags == want)
			continue;
		buf_reset(b);
		if (buf_addf(b, "* %u FETCH (", seq) == -1 ||
		    (cmd->uid && buf_addf(b, "UID %u ", uid) == -1) ||
		    buf_addstr(b, "FLAGS ") == -1 ||
		    imap_flags_write(is, b, m) == -1 ||
		    buf_addstr(b, ")\r\n") == -1 || imap_putbuf(is, b) == -1) {
			imap_seqlist_free(&seqs);
			return IMAP_CLOSE;
		}
	}
	imap_seqlist_free(&seqs);
	return imap_result_partial(is, cmd, failed, "Some flags could not be "
	    "stored", issued);
}
