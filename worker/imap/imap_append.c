/*
 * APPEND for the IMAP session (postern-session): RFC 3501 6.3.11, RFC
 * 9051 6.3.12, with UIDPLUS's APPENDUID (RFC 4315), APPENDLIMIT (RFC
 * 7889), literal8 messages (RFC 3516) and LITERAL+ (RFC 7888).  The
 * message is streamed into the target folder's tmp/ as it arrives and
 * only becomes a message when the whole command has been read and
 * found good.
 */
#include <sys/types.h>

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "imap_session.h"
#include "log.h"
#include "store.h"

static void	refuse(struct imap_sess *, int);

/* Remember why the message cannot be taken, for the tagged NO. */
static void
refuse(struct imap_sess *is, int e)
{
	struct imap_pending_append	*a = &is->app;

	a->error = e != 0 ? e : EIO;
	if (is->result.len > 0)
		(void)strlcpy(a->text, (char *)is->result.data,
		    sizeof(a->text));
	else if (e == ENOENT)
		(void)strlcpy(a->text, "NO [TRYCREATE] Mailbox does not exist",
		    sizeof(a->text));
	else if (e == ENOSPC || e == EDQUOT)
		(void)strlcpy(a->text, "NO [OVERQUOTA] No space left for the "
		    "message", sizeof(a->text));
	else {
		errno = e;
		log_warn("append");
		(void)strlcpy(a->text, "NO [SERVERBUG] Cannot store the "
		    "message", sizeof(a->text));
	}
	if (a->sa != NULL) {
		store_append_abort(a->sa);
		a->sa = NULL;
	}
	buf_reset(&is->result);
	(void)imap_result(is, "%s", a->text);
}

/*
 * An APPEND's message is about to come: open its file in the target.
 * A refusal is kept in is->app (and is->result holds its text); the
 * caller decides when to send it.  Returns 0, or -1 when the session
 * cannot go on.
 */
int
imap_append_start(struct imap_sess *is, const char *mailbox, int sync)
{
	struct imap_pending_append	*a = &is->app;

	memset(a, 0, sizeof(*a));
	buf_reset(&is->result);
	if (imap_mailbox_in(is, mailbox, a->name, sizeof(a->name), "APPEND")
	    == -1) {
		if (errno == ENOMEM)
			return -1;
		refuse(is, errno);
		return 0;
	}
	if ((a->sa = store_append_begin(is->store, a->name)) == NULL) {
		buf_reset(&is->result);
		refuse(is, errno);
		return 0;
	}
	a->active = 1;
	return 0;
}

/* Octets of the message, in order; a refused one is dropped. */
int
imap_append_data(struct imap_sess *is, const void *data, size_t len)
{
	struct imap_pending_append	*a = &is->app;

	if (!a->active || a->error != 0 || len == 0)
		return 0;
	if (memchr(data, '\0', len) != NULL)
		a->nul = 1;
	a->size += len;
	if (store_append_write(a->sa, data, len) == -1) {
		buf_reset(&is->result);
		refuse(is, errno);
	}
	return 0;
}

/* Forget an APPEND in progress; its tmp/ file goes. */
void
imap_append_abort(struct imap_sess *is)
{
	struct imap_pending_append	*a = &is->app;

	if (a->sa != NULL)
		store_append_abort(a->sa);
	memset(a, 0, sizeof(*a));
}

/* The whole command is in: commit the message, or say why not. */
int
imap_cmd_append(struct imap_sess *is, struct imap_cmd *cmd)
{
	struct imap_pending_append	*a = &is->app;
	uint64_t			 flags;
	uint32_t			 uidvalidity, uid;
	int				 r;

	if (!cmd->u.append.external) {
		/* The message came inside the command after all. */
		if (imap_append_start(is, cmd->u.append.mailbox, 0) == -1 ||
		    imap_append_data(is, cmd->u.append.data,
		    (size_t)cmd->u.append.size) == -1)
			return IMAP_CLOSE;
	}
	if (!a->active && a->error == 0)
		return imap_result(is, "NO [SERVERBUG] APPEND without its "
		    "message");
	if (a->error != 0) {
		r = imap_result(is, "%s", a->text);
		imap_append_abort(is);
		return r;
	}
	if (a->nul && !cmd->u.append.binary) {
		imap_append_abort(is);
		return imap_result(is, "BAD NUL in message (use literal8)");
	}
	if ((r = imap_flags_to_store(is, &cmd->u.append.flags, &flags)) != 0) {
		imap_append_abort(is);
		return r == 1 ? IMAP_OK : IMAP_CLOSE;
	}
	r = store_append_commit(a->sa, flags, cmd->u.append.flags.keywords,
	    cmd->u.append.flags.nkeywords, cmd->u.append.has_date ?
	    cmd->u.append.date : 0, &uidvalidity, &uid);
	a->sa = NULL;
	if (r == -1) {
		r = errno;
		imap_append_abort(is);
		if (r == ENOSPC)
			return imap_result(is, "NO [LIMIT] Too many keywords "
			    "in the mailbox");
		if (r == ENOENT)
			return imap_result(is, "NO [TRYCREATE] Mailbox does "
			    "not exist");
		return imap_no_errno(is, "append", r,
		    "Cannot store the message");
	}
	is->nappend++;
	if (is->box != NULL && strcmp(is->box->name, a->name) == 0)
		is->box->dirty = 1;
	imap_append_abort(is);
	return imap_result(is, "OK [APPENDUID %u %u] APPEND completed.",
	    uidvalidity, uid);
}
