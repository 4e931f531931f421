/*
 * The IMAP session after login (RFC 3501, RFC 9051 and the extensions
 * listed in imap_caps()), run by postern-session as the mail user over
 * the user's store: the state shared by the files of the session
 * (imap_session.c: the command loop; imap_view.c: the selected
 * mailbox and its updates; imap_mailbox.c, imap_list.c, imap_append.c,
 * imap_fetch.c, imap_flags.c, imap_copy.c, imap_find.c, imap_idle.c:
 * the commands).  Nothing here is used by the pre-login worker.
 */
#ifndef POSTERN_IMAP_SESSION_H
#define POSTERN_IMAP_SESSION_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "imap_parse.h"
#include "io.h"
#include "store.h"

struct session;

/*
 * The client's view of the selected mailbox: its messages by sequence
 * number, as the client was last told.  A message that left the store
 * stays here, `gone', until an EXPUNGE may be sent for it (never while
 * FETCH, STORE or SEARCH by sequence number run, RFC 3501 7.4.1).
 */
struct imap_view {
	uint32_t	*uids;		/* ascending; uids[seq - 1] */
	unsigned char	*gone;
	size_t		 n;
	size_t		 cap;
	size_t		 ngone;
	size_t		 exists;	/* as last reported */
};

struct imap_box {
	struct folder	*f;
	char		*name;		/* storage name */
	int		 readonly;	/* EXAMINE */
	int		 watchfd;	/* inotify, or -1: always sync */
	int		 dirty;		/* we changed it: sync */
	struct imap_view v;
};

/* An APPEND whose message is being streamed into the store. */
struct imap_pending_append {
	struct store_append *sa;
	int		 active;	/* sa is open */
	int		 error;		/* errno of a refusal, or 0 */
	int		 nul;		/* a NUL in the message */
	uint64_t	 size;
	char		 name[STORE_NAME_MAX + 1];	/* the target */
	char		 text[160];	/* the refusal's response */
};

#define IMAP_STATE_AUTH		0x1
#define IMAP_STATE_SELECTED	0x2

struct imap_sess {
	struct session		*s;
	struct io		*io;
	struct imap_parser	*p;
	struct imap_limits	 lim;
	struct store		*store;
	int			 rev2;		/* ENABLE IMAP4rev2 */
	struct imap_box		*box;		/* selected mailbox */
	int			 logout;
	struct imap_seqlist	 saved;		/* "$", as UIDs */
	struct imap_pending_append app;
	struct buf		 tmp;		/* one response */
	struct buf		 result;	/* the tagged response's text */
	/* For the logout line. */
	unsigned int		 nfetch;
	unsigned int		 nappend;
	unsigned int		 nexpunge;
	unsigned int		 nstore;
	unsigned int		 ncopy;
};

/* The result of a command function: go on, or end the session. */
#define IMAP_OK		0
#define IMAP_CLOSE	(-1)

/* imap_session.c */
int	imap_line(struct imap_sess *, const char *, ...)
	    __attribute__((__format__ (printf, 2, 3)));
int	imap_putbuf(struct imap_sess *, struct buf *);
int	imap_out(void *, const void *, size_t);
int	imap_result(struct imap_sess *, const char *, ...)
	    __attribute__((__format__ (printf, 2, 3)));
int	imap_caps(struct imap_sess *, struct buf *);
int	imap_mailbox_out(struct imap_sess *, struct buf *, const char *);
int	imap_mailbox_in(struct imap_sess *, const char *, char *, size_t,
	    const char *);
int	imap_no_errno(struct imap_sess *, const char *, int, const char *);
int	imap_result_partial(struct imap_sess *, const struct imap_cmd *,
	    size_t, const char *, size_t);

/* imap_view.c */
int	imap_cmd_select(struct imap_sess *, struct imap_cmd *);
int	imap_cmd_close(struct imap_sess *, struct imap_cmd *);
int	imap_cmd_expunge(struct imap_sess *, struct imap_cmd *);
int	imap_box_close(struct imap_sess *, int);
int	imap_sync(struct imap_sess *, int, int);
int	imap_set_resolve(struct imap_sess *, const struct imap_seqset *,
	    int, struct imap_seqlist *, int *);
uint32_t imap_seq_of(const struct imap_box *, uint32_t);
int	imap_flags_write(struct imap_sess *, struct buf *,
	    const struct store_msg *);
int	imap_flag_list(struct imap_sess *, struct buf *, int);
int	imap_flags_responses(struct imap_sess *);

/* imap_mailbox.c */
int	imap_cmd_create(struct imap_sess *, struct imap_cmd *);
int	imap_cmd_delete(struct imap_sess *, struct imap_cmd *);
int	imap_cmd_rename(struct imap_sess *, struct imap_cmd *);
int	imap_cmd_subscribe(struct imap_sess *, struct imap_cmd *);
int	imap_cmd_status(struct imap_sess *, struct imap_cmd *);
int	imap_status_line(struct imap_sess *, const char *, unsigned int);

/* imap_list.c */
int	imap_cmd_list(struct imap_sess *, struct imap_cmd *);
int	imap_list_selected(struct imap_sess *);

/* imap_append.c */
int	imap_append_start(struct imap_sess *, const char *, int);
int	imap_append_data(struct imap_sess *, const void *, size_t);
void	imap_append_abort(struct imap_sess *);
int	imap_cmd_append(struct imap_sess *, struct imap_cmd *);

/* imap_fetch.c */
int	imap_cmd_fetch(struct imap_sess *, struct imap_cmd *);

/* imap_flags.c */
int	imap_cmd_store(struct imap_sess *, struct imap_cmd *);
int	imap_flags_to_store(struct imap_sess *, const struct imap_flags *,
	    uint64_t *);

/* imap_copy.c */
int	imap_cmd_copy(struct imap_sess *, struct imap_cmd *);

/* imap_find.c */
int	imap_cmd_search(struct imap_sess *, struct imap_cmd *);

/* imap_idle.c */
int	imap_cmd_idle(struct imap_sess *, struct imap_cmd *);

#endif
