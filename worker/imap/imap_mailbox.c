/*
 * IMAP mailbox commands of the session (postern-session): CREATE
 * (with RFC 6154 USE), DELETE, RENAME, SUBSCRIBE, UNSUBSCRIBE and
 * STATUS (RFC 3501 6.3, RFC 9051 6.3, RFC 8438 SIZE, RFC 7889
 * APPENDLIMIT), answered with the response codes of RFC 5530.
 */
#include <sys/types.h>

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "imap_session.h"
#include "log.h"
#include "store.h"

/* What the store's errno means to the client (RFC 5530 codes). */
struct refusal {
	int		 e;
	const char	*text;
};

static int	refuse(struct imap_sess *, const struct refusal *, int,
		    const char *, const char *);
static int	delete_refusal(struct imap_sess *, const char *);
static void	rename_selected(struct imap_sess *, const char *,
		    const char *);

static const struct {
	unsigned int	 use;		/* IMAP_USE_* */
	unsigned int	 la;		/* STORE_LA_* */
} uses[] = {
	{ IMAP_USE_ARCHIVE, STORE_LA_ARCHIVE },
	{ IMAP_USE_DRAFTS, STORE_LA_DRAFTS },
	{ IMAP_USE_JUNK, STORE_LA_JUNK },
	{ IMAP_USE_SENT, STORE_LA_SENT },
	{ IMAP_USE_TRASH, STORE_LA_TRASH },
};

static const struct refusal create_refusals[] = {
	{ EEXIST, "NO [ALREADYEXISTS] Mailbox already exists" },
	{ EINVAL, "NO [CANNOT] Invalid mailbox name" },
	{ ENAMETOOLONG, "NO [LIMIT] Mailbox name too long" },
	{ 0, NULL }
};

static const struct refusal delete_refusals[] = {
	{ EPERM, "NO [CANNOT] Mailbox cannot be deleted" },
	{ EINVAL, "NO [CANNOT] Invalid mailbox name" },
	{ 0, NULL }
};

static const struct refusal rename_refusals[] = {
	{ ENOENT, "NO [NONEXISTENT] Mailbox does not exist" },
	{ EEXIST, "NO [ALREADYEXISTS] Target mailbox already exists" },
	{ EINVAL, "NO [CANNOT] Cannot rename to that name" },
	{ ENAMETOOLONG, "NO [LIMIT] Mailbox name too long" },
	{ 0, NULL }
};

/*
 * The tagged NO for a failed store call: the command's own answer
 * where its table has one for e, else imap_no_errno()'s.
 */
static int
refuse(struct imap_sess *is, const struct refusal *tab, int e,
    const char *what, const char *text)
{
	for (; tab->text != NULL; tab++)
		if (tab->e == e)
			return imap_result(is, "%s", tab->text);
	return imap_no_errno(is, what, e, text);
}

/*
 * CREATE (RFC 9051 6.3.4): a trailing delimiter only says inferiors
 * will follow.  Special use is fixed by name here, so CREATE ... (USE
 * (...)) succeeds only where the name already means that use (RFC
 * 6154 3: otherwise NO [USEATTR], nothing made).
 */
int
imap_cmd_create(struct imap_sess *is, struct imap_cmd *cmd)
{
	char		 name[STORE_NAME_MAX + 1];
	char		*arg = cmd->u.create.mailbox;
	size_t		 len = strlen(arg), i;
	unsigned int	 want = 0, use = cmd->u.create.use;

	if (len > 1 && arg[len - 1] == STORE_DELIM)
		arg[len - 1] = '\0';
	if (imap_mailbox_in(is, arg, name, sizeof(name), cmd->name) == -1)
		return errno == ENOMEM ? IMAP_CLOSE : IMAP_OK;
	if (cmd->u.create.use_unknown != NULL ||
	    (use & (IMAP_USE_ALL | IMAP_USE_FLAGGED)))
		return imap_result(is, "NO [USEATTR] Unsupported special-use "
		    "attribute");
	for (i = 0; i < sizeof(uses) / sizeof(uses[0]); i++)
		if (use & uses[i].use)
			want |= uses[i].la;
	if (use != 0 && want != store_special_use(name))
		return imap_result(is, "NO [USEATTR] Special use is given by "
		    "the name here");
	if (store_folder_create(is->store, name) == -1)
		return refuse(is, create_refusals, errno, "create",
		    "Cannot create the mailbox");
	return imap_result(is, "OK CREATE completed.");
}

/* Why a DELETE found nothing to delete (RFC 9051 6.3.5). */
static int
delete_refusal(struct imap_sess *is, const char *name)
{
	struct store_list	l;
	size_t			i;
	int			children = 0;

	memset(&l, 0, sizeof(l));
	if (store_folder_list(is->store, &l) == 0) {
		for (i = 0; i < l.n; i++)
			if (strcmp(l.ents[i].name, name) == 0 &&
			    (l.ents[i].attrs & STORE_LA_HASCHILDREN))
				children = 1;
		store_list_free(&l);
	}
	if (children)
		return imap_result(is, "NO [HASCHILDREN] Mailbox has "
		    "inferior hierarchical names");
	return imap_result(is, "NO [NONEXISTENT] Mailbox does not exist");
}

/*
 * DELETE: never INBOX; a selected mailbox is closed first (the client
 * is back in the authenticated state, as after a failed SELECT).
 */
int
imap_cmd_delete(struct imap_sess *is, struct imap_cmd *cmd)
{
	char	name[STORE_NAME_MAX + 1];

	if (imap_mailbox_in(is, cmd->u.mbox.mailbox, name, sizeof(name),
	    cmd->name) == -1)
		return errno == ENOMEM ? IMAP_CLOSE : IMAP_OK;
	if (store_name_is_inbox(name))
		return imap_result(is, "NO [CANNOT] INBOX cannot be deleted");
	if (store_folder_exists(is->store, name) == 1 && is->box != NULL &&
	    strcmp(is->box->name, name) == 0 && imap_box_close(is, 0) == -1)
		return IMAP_CLOSE;
	if (store_folder_delete(is->store, name) == -1) {
		if (errno == ENOENT)
			return delete_refusal(is, name);
		return refuse(is, delete_refusals, errno, "delete",
		    "Cannot delete the mailbox");
	}
	return imap_result(is, "OK DELETE completed.");
}

/* The selected mailbox (or one of its parents) was renamed. */
static void
rename_selected(struct imap_sess *is, const char *from, const char *to)
{
	struct imap_box	*box = is->box;
	size_t		 flen = strlen(from);
	char		*nn;

	if (box == NULL || store_name_is_inbox(from) ||
	    strncmp(box->name, from, flen) != 0 ||
	    (box->name[flen] != '\0' && box->name[flen] != STORE_DELIM))
		return;
	if (asprintf(&nn, "%s%s", to, box->name + flen) == -1) {
		log_warn("%s", __func__);
		return;
	}
	free(box->name);
	box->name = nn;
}

/*
 * RENAME (RFC 9051 6.3.6): inferiors go along; INBOX's messages move
 * to the new name and INBOX stays, empty.
 */
int
imap_cmd_rename(struct imap_sess *is, struct imap_cmd *cmd)
{
	char	from[STORE_NAME_MAX + 1], to[STORE_NAME_MAX + 1];

	if (imap_mailbox_in(is, cmd->u.rename.from, from, sizeof(from),
	    cmd->name) == -1 || imap_mailbox_in(is, cmd->u.rename.to, to,
	    sizeof(to), cmd->name) == -1)
		return errno == ENOMEM ? IMAP_CLOSE : IMAP_OK;
	if (store_folder_rename(is->store, from, to) == -1)
		return refuse(is, rename_refusals, errno, "rename",
		    "Cannot rename the mailbox");
	rename_selected(is, from, to);
	if (is->box != NULL && store_name_is_inbox(from) &&
	    store_name_is_inbox(is->box->name))
		is->box->dirty = 1;
	return imap_result(is, "OK RENAME completed.");
}

/* SUBSCRIBE and UNSUBSCRIBE: any valid name (RFC 9051 6.3.7). */
int
imap_cmd_subscribe(struct imap_sess *is, struct imap_cmd *cmd)
{
	char	name[STORE_NAME_MAX + 1];
	int	r;

	if (imap_mailbox_in(is, cmd->u.mbox.mailbox, name, sizeof(name),
	    cmd->name) == -1)
		return errno == ENOMEM ? IMAP_CLOSE : IMAP_OK;
	if (cmd->id == IMAP_CMD_SUBSCRIBE)
		r = store_subscribe(is->store, name);
	else
		r = store_unsubscribe(is->store, name);
	if (r == -1)
		return imap_no_errno(is, cmd->name, errno,
		    "Cannot change subscriptions");
	return imap_result(is, "OK %s completed.", cmd->name);
}

/*
 * One "* STATUS" response for a storage name.  Returns 0, 1 when the
 * mailbox does not exist (nothing sent), -1 on a failure of ours
 * (errno; nothing sent).
 */
int
imap_status_line(struct imap_sess *is, const char *name, unsigned int items)
{
	struct store_status	 st;
	struct buf		*b = &is->tmp;
	const char		*sp = "";

	if (store_folder_status(is->store, name, (items & IMAP_STATUS_SIZE) ?
	    STORE_STATUS_SIZE : 0, &st) == -1)
		return errno == ENOENT ? 1 : -1;
	buf_reset(b);
	if (buf_addstr(b, "* STATUS ") == -1 ||
	    imap_mailbox_out(is, b, name) == -1 ||
	    buf_addstr(b, " (") == -1)
		return -1;
#define ITEM(bit, fmt, val) do {					\
	if ((items & (bit)) && buf_addf(b, "%s" fmt, sp, (val)) == -1)	\
		return -1;						\
	if (items & (bit))						\
		sp = " ";						\
} while (0)
	ITEM(IMAP_STATUS_MESSAGES, "MESSAGES %u", st.messages);
	ITEM(IMAP_STATUS_RECENT, "RECENT %u", st.recent);
	ITEM(IMAP_STATUS_UIDNEXT, "UIDNEXT %u", st.uidnext);
	ITEM(IMAP_STATUS_UIDVALIDITY, "UIDVALIDITY %u", st.uidvalidity);
	ITEM(IMAP_STATUS_UNSEEN, "UNSEEN %u", st.unseen);
	ITEM(IMAP_STATUS_DELETED, "DELETED %u", st.deleted);
	ITEM(IMAP_STATUS_SIZE, "SIZE %llu", (unsigned long long)st.size);
	ITEM(IMAP_STATUS_APPENDLIMIT, "APPENDLIMIT %llu",
	    (unsigned long long)is->lim.append_max);
#undef ITEM
	if (buf_addstr(b, ")\r\n") == -1)
		return -1;
	return imap_putbuf(is, b);
}

int
imap_cmd_status(struct imap_sess *is, struct imap_cmd *cmd)
{
	char	name[STORE_NAME_MAX + 1];
	int	r;

	if (cmd->u.status.items & IMAP_STATUS_HIGHESTMODSEQ)
		return imap_result(is, "BAD HIGHESTMODSEQ needs CONDSTORE, "
		    "which is not supported");
	if (imap_mailbox_in(is, cmd->u.status.mailbox, name, sizeof(name),
	    cmd->name) == -1)
		return errno == ENOMEM ? IMAP_CLOSE : IMAP_OK;
	if ((r = imap_status_line(is, name, cmd->u.status.items)) == 1)
		return imap_result(is, "NO [NONEXISTENT] Mailbox does not "
		    "exist");
	if (r == -1)
		return imap_no_errno(is, "status", errno,
		    "Cannot read the mailbox status");
	return imap_result(is, "OK STATUS completed.");
}
