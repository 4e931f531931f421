/*
 * COPY, MOVE and their UID forms for the IMAP session
 * (postern-session): RFC 3501 6.4.7, RFC 9051 6.4.7-8, RFC 6851 MOVE
 * and the COPYUID response code of UIDPLUS (RFC 4315).  The store
 * does the work so that no message is ever lost or (for MOVE) left in
 * both folders; the EXPUNGEs of a MOVE come from the sync before the
 * tagged OK.
 */
#include <sys/types.h>

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "imap_session.h"
#include "log.h"
#include "store.h"

static int	uid_run(struct buf *, const uint32_t *, size_t);

/* A uid-set of the values as given, consecutive runs as ranges. */
static int
uid_run(struct buf *b, const uint32_t *v, size_t n)
{
	size_t	i, j;

	for (i = 0; i < n; i = j + 1) {
		for (j = i; j + 1 < n && v[j + 1] == v[j] + 1; j++)
			;
		if (buf_addf(b, "%s%u", i > 0 ? "," : "", v[i]) == -1 ||
		    (j > i && buf_addf(b, ":%u", v[j]) == -1))
			return -1;
	}
	return 0;
}

int
imap_cmd_copy(struct imap_sess *is, struct imap_cmd *cmd)
{
	struct imap_box		*box = is->box;
	struct imap_seqlist	 seqs;
	struct imap_seqiter	 it;
	struct buf		 src, dst;
	char			 name[STORE_NAME_MAX + 1];
	uint32_t		*uids = NULL, *dsts = NULL, seq;
	uint32_t		 uidvalidity = 0;
	size_t			 n = 0, i, k, gone = 0;
	int			 move = cmd->id == IMAP_CMD_MOVE, r, bad, e;

	if (move && box->readonly)
		return imap_result(is, "NO [READ-ONLY] Mailbox is read-only");
	if (imap_mailbox_in(is, cmd->u.copy.mailbox, name, sizeof(name),
	    cmd->name) == -1)
		return errno == ENOMEM ? IMAP_CLOSE : IMAP_OK;
	if (move && strcmp(name, box->name) == 0)
		return imap_result(is, "NO [CANNOT] Messages cannot be moved "
		    "into their own mailbox");
	if (imap_set_resolve(is, &cmd->u.copy.set, cmd->uid, &seqs, &bad) ==
	    -1)
		return imap_no_errno(is, "copy", errno, "Cannot copy");
	if (bad)
		return imap_result(is, "BAD Invalid message sequence number");
	if (seqs.n > 0 && ((uids = reallocarray(NULL, imap_seqlist_count(&seqs),
	    sizeof(*uids))) == NULL || (dsts = calloc(imap_seqlist_count(&seqs),
	    sizeof(*dsts))) == NULL)) {
		e = errno;
		free(uids);
		imap_seqlist_free(&seqs);
		return imap_no_errno(is, "copy", e, "Cannot copy");
	}
	imap_seqiter_init(&it, &seqs);
	while (imap_seqiter_next(&it, &seq)) {
		if (box->v.gone[seq - 1])
			gone++;
		else
			uids[n++] = box->v.uids[seq - 1];
	}
	imap_seqlist_free(&seqs);
	if (n == 0) {
		free(uids);
		free(dsts);
		if (store_folder_exists(is->store, name) != 1)
			return imap_result(is, "NO [TRYCREATE] Mailbox does "
			    "not exist");
		if (gone > 0)
			return imap_result(is, "NO [EXPUNGEISSUED] The "
			    "messages no longer exist");
		return imap_result(is, "OK %s completed.", cmd->name);
	}
	if (move)
		r = folder_move(box->f, uids, n, name, &uidvalidity, dsts);
	else
		r = folder_copy(box->f, uids, n, name, &uidvalidity, dsts);
	if (r == -1) {
		e = errno;
		free(uids);
		free(dsts);
		if (e == ENOENT)
			return imap_result(is, "NO [TRYCREATE] Mailbox does "
			    "not exist");
		if (e == ENOSPC)
			return imap_result(is, "NO [LIMIT] Too many keywords "
			    "in the target mailbox");
		return imap_no_errno(is, cmd->name, e, "Cannot copy");
	}
	/* Only what was copied goes into COPYUID, in matching order. */
	for (i = 0, k = 0; i < n; i++)
		if (dsts[i] != 0) {
			uids[k] = uids[i];
			dsts[k] = dsts[i];
			k++;
		}
	is->ncopy += k;
	if (move || strcmp(name, box->name) == 0)
		box->dirty = 1;
	buf_init(&src);
	buf_init(&dst);
	r = k > 0 && (uid_run(&src, uids, k) == -1 ||
	    uid_run(&dst, dsts, k) == -1 || buf_add(&src, "", 1) == -1 ||
	    buf_add(&dst, "", 1) == -1) ? -1 : 0;
	free(uids);
	free(dsts);
	if (r == -1) {
		buf_free(&src);
		buf_free(&dst);
		return IMAP_CLOSE;
	}
	if (k == 0)
		r = imap_result(is, "NO [EXPUNGEISSUED] The messages no longer "
		    "exist");
	else if (move) {
		r = imap_line(is, "* OK [COPYUID %u %s %s] Moved UIDs.",
		    uidvalidity, (char *)src.data, (char *)dst.data) == -1 ?
		    IMAP_CLOSE : imap_result(is, "OK %s completed.",
		    cmd->name);
	} else
		r = imap_result(is, "OK [COPYUID %u %s %s] %s completed.",
		    uidvalidity, (char *)src.data, (char *)dst.data,
		    cmd->name);
	buf_free(&src);
	buf_free(&dst);
	return r;
}
