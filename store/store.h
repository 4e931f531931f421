/*
 * The mail store, used by post-login session processes (POP3 now,
 * IMAP later): a Maildir++ tree whose root is the INBOX and whose
 * folders are `.Name' subdirectories.  Per folder a UID list
 * (postern-uidlist) keeps UIDVALIDITY, UIDNEXT and each message's UID
 * with cached facts about it (size as sent on the wire, delivery
 * time); flags live in the file names (`:2,' + letters), as every
 * other Maildir reader expects.  Messages move only by rename, state
 * files are replaced by write-to-temp, fsync and rename, so a crash
 * at any point leaves every message readable and every UID known.
 */
#ifndef POSTERN_STORE_H
#define POSTERN_STORE_H

#include <sys/types.h>
#include <sys/stat.h>
#include <sys/tree.h>

#include <stddef.h>
#include <stdint.h>
#include <time.h>

/*
 * Flags: one bit per letter of the Maildir info.  Upper case letters
 * are the standard flags; lower case ones are keywords (Dovecot keeps
 * their names in dovecot-keywords): we carry them through renames.
 */
#define STORE_FLAG(c)	((c) >= 'A' && (c) <= 'Z' ? \
			    (uint64_t)1 << ((c) - 'A') : \
			    (c) >= 'a' && (c) <= 'z' ? \
			    (uint64_t)1 << ((c) - 'a' + 26) : (uint64_t)0)
#define STORE_F_DRAFT	STORE_FLAG('D')
#define STORE_F_FLAGGED	STORE_FLAG('F')
#define STORE_F_PASSED	STORE_FLAG('P')
#define STORE_F_ANSWERED STORE_FLAG('R')
#define STORE_F_SEEN	STORE_FLAG('S')
#define STORE_F_DELETED	STORE_FLAG('T')
#define STORE_INFOLEN	56		/* "2," + 52 letters + NUL */

#define STORE_DIR_NEW	0
#define STORE_DIR_CUR	1

#define STORE_UIDLMAX	70		/* RFC 1939 unique-id length */

/* One message of an open folder.  Callers read; store/ writes. */
struct store_msg {
	uint32_t	 uid;
	int		 dir;		/* STORE_DIR_NEW or STORE_DIR_CUR */
	char		*base;		/* file name before ':' */
	char		*info;		/* after ':', or NULL */
	uint64_t	 flags;		/* from info; see STORE_FLAG */
	int		 info_ok;	/* info was "2,<letters>" or none */
	time_t		 time;		/* delivery time */
	uint64_t	 vsize;		/* octets with CRLF line ends */
	int		 have_vsize;
	char		*pop3_uidl;	/* imported UIDL, or NULL */
	int		 recent;	/* \Recent in this folder handle */

	/* store/ private */
	int		 seen;		/* found by the current scan */
	int		 gone;		/* this handle removed its file */
	int		 vsize_in_name;	/* ,W=<n> in the base name */
	time_t		 sortkey;
	RB_ENTRY(store_msg) rb;		/* by base, while syncing */
};

struct store {
	char		*path;		/* Maildir root */
	int		 fd;		/* its directory */
	int		 excl_fd;	/* store_lock_exclusive(), or -1 */
};

struct store_index;
struct folder_watch;

struct folder {
	struct store	 *store;
	char		 *name;
	int		  fd;		/* folder directory */
	int		  newfd, curfd;	/* its new/ and cur/ */
	int		  lockfd;	/* postern-uidlist.lock */
	uint32_t	  uidvalidity;
	uint32_t	  uidnext;
	struct store_msg **msgs;	/* ascending UIDs */
	size_t		  nmsgs;
	size_t		  msgcap;
	uint32_t	  recent_mark;	/* UIDs >= this are not yet claimed */
	char		 *keywords[26];	/* dovecot-keywords: 'a' + index */

	/* store/ private */
	char		 *dirname;	/* "." or ".name" in the root */
	int		  oflags;	/* folder_open() flags that stick */
	int		  tmpfd;	/* tmp/, or -1 until needed */
	int		  watchfd;	/* inotify, or -1 */
	struct folder_watch *watch;	/* watch.c's, with watchfd */
	int		  locked;	/* depth of folder_lock() */
	int		  ul_fd;	/* the postern-uidlist read, or -1 */
	off_t		  ul_size;	/* its size when read or written */
	int		  ul_torn;	/* it ends in a torn record */
	size_t		  ul_gone;	/* its `-' records */
	int		  kw_fd;	/* the dovecot-keywords read, or -1 */
	struct timespec	  dir_mtime[2];	/* new/, cur/ at the last scan */
	int		  dirs_clean;	/* and they had settled then */
	int		  light;	/* no table: only given messages */
	size_t		  facts_dirty;	/* sizes learnt since the list was
					   read or written */
	size_t		  uid_hint;	/* folder_msg_by_uid()'s last */
	struct store_index *index;	/* index.c */
	/* index.c's, set when it is used, so POP3 links without MIME */
	int		(*index_flush)(struct folder *);
	void		(*index_free)(struct folder *);
};

#define FOLDER_SIZES	0x1	/* know every message's vsize on return */
#define FOLDER_RECENT	0x2	/* claim \Recent (IMAP4rev1 SELECT); sticks */
#define FOLDER_FORCE	0x4	/* rescan even when the directories look
				   unchanged */
#define FOLDER_PEEK_RECENT 0x8	/* \Recent in this handle for what nobody
				   claimed, claiming nothing (EXAMINE); sticks */

/* maildir.c */
int		 store_create(const char *);
struct store	*store_open(const char *);
void		 store_close(struct store *);
struct folder	*folder_open(struct store *, const char *, int);
int		 folder_sync(struct folder *, int);
void		 folder_close(struct folder *);
struct store_msg *folder_msg_by_uid(struct folder *, uint32_t);
int		 store_msg_open(struct folder *, struct store_msg *);
int		 store_msg_vsize(struct folder *, struct store_msg *,
		    uint64_t *);
int		 store_msg_set_flags(struct folder *, struct store_msg *,
		    uint64_t, uint64_t);
int		 store_msg_expunge(struct folder *, struct store_msg *);

/* flags.c */
int		 store_info_parse(const char *, uint64_t *);
int		 store_info_make(uint64_t, char *, size_t);
int		 store_name_split(const char *, size_t *);
int		 store_name_size(const char *, char, uint64_t *);
time_t		 store_name_time(const char *);
int		 store_uidl_ok(const char *);

/* crlf.c */
struct crlf_count {
	uint64_t	size;
	int		prev_cr;
};
#define CRLF_DOTSTUFF	0x1	/* double a '.' that starts a line */
#define CRLF_ENDLINE	0x2	/* end with CRLF even if the file does not */
#define CRLF_TOP	0x4	/* header, blank line, `lines' body lines */
#define CRLF_EREAD	(-1)	/* reading the file failed; errno */
#define CRLF_EOUT	(-2)	/* the output function failed */
void		 crlf_count_init(struct crlf_count *);
void		 crlf_count_add(struct crlf_count *, const void *, size_t);
int		 store_crlf_size(int, uint64_t *);
int		 store_crlf_copy(int, int, uint64_t,
		    int (*)(void *, const void *, size_t), void *,
		    uint64_t *);

/* lock.c */
int		 store_lock_exclusive(struct store *, const char *);
int		 store_stamp_get(struct store *, const char *, time_t *);
int		 store_stamp_set(struct store *, const char *, time_t);
int		 store_lock_file(int, int, int);
int		 store_replace_file(int, const char *, const void *, size_t);

/*
 * uidlist.c: between store/'s files.  uidlist_read() fills the
 * folder's messages (uid, base and cached fields) and header from
 * postern-uidlist, or from a dovecot-uidlist when ours is missing.
 */
#define UIDLIST_OK	0
#define UIDLIST_MISSING	1
#define UIDLIST_CORRUPT	2
#define UIDLIST_IMPORTED 3
int		 uidlist_read(struct folder *, uint32_t *);
int		 uidlist_write(struct folder *);
uint32_t	 uidlist_new_uidvalidity(struct folder *, uint32_t);
struct store_msg *store_msg_new(const char *, size_t);
void		 store_msg_free(struct store_msg *);
int		 folder_add_msg(struct folder *, struct store_msg *);
int		 folder_reserve(struct folder *, size_t);


/* IMAP store API: published */

/*
 * Calling conventions for everything below.  Functions return 0 (or a
 * count or index >= 0) on success and -1 with errno set on failure;
 * the errno values named in a contract are the ones the protocol code
 * maps to response codes, any other errno is a server failure (NO
 * [SERVERBUG] or NO [UNAVAILABLE]).  Mailbox names are storage names:
 * modified UTF-7 (RFC 3501 5.1.3) as Dovecot keeps them on disk, "."
 * as the hierarchy delimiter, "INBOX" in any case for the Maildir
 * root (a first level "inbox" of a longer name is made "INBOX" too);
 * the protocol code converts for UTF-8 (IMAP4rev2) clients.  Messages
 * are named by UID; a struct store_msg pointer is valid only until the
 * next folder_sync()/folder_sync_changes() of its folder.
 */

#define STORE_DELIM		'.'	/* hierarchy delimiter */
#define STORE_NAME_MAX		200	/* octets in a mailbox name */
#define STORE_LEVEL_MAX		100	/* octets in one level of it */
#define STORE_KEYWORDS_MAX	26	/* dovecot-keywords: 'a' to 'z' */
#define STORE_KEYWORD_MAX	128	/* octets in a keyword */

#define STORE_F_KEYWORD(i)	((uint64_t)1 << (26 + (i)))
#define STORE_F_KEYWORDS	(((uint64_t)1 << 52) - ((uint64_t)1 << 26))
#define STORE_F_IMAP		(STORE_F_ANSWERED | STORE_F_FLAGGED | \
				 STORE_F_DELETED | STORE_F_SEEN | \
				 STORE_F_DRAFT)

struct buf;
struct mime_msg;

/*
 * names.c.  store_name_check(): 0 when the name may be a folder, else
 * -1 with EINVAL (empty, an empty level, a level starting with ".",
 * "/", control or non-ASCII octets, "*" or "%", malformed modified
 * UTF-7) or ENAMETOOLONG (over STORE_NAME_MAX or STORE_LEVEL_MAX).
 * "INBOX" passes.  store_name_is_inbox(): the name is INBOX, any case.
 * store_name_norm(): copy the name with a first level "inbox" (any
 * case) written "INBOX"; -1 ENAMETOOLONG when it does not fit.
 */
int		 store_name_check(const char *);
int		 store_name_is_inbox(const char *);
int		 store_name_norm(const char *, char *, size_t);

/*
 * folder.c: the folder tree.  Attributes of a listed name (RFC 3501
 * 7.2.2, RFC 3348, RFC 5258, RFC 6154):
 */
#define STORE_LA_NOSELECT	0x0001	/* no folder, only inferiors */
#define STORE_LA_NONEXISTENT	0x0002	/* no folder of this name */
#define STORE_LA_HASCHILDREN	0x0004
#define STORE_LA_HASNOCHILDREN	0x0008
#define STORE_LA_SUBSCRIBED	0x0010
#define STORE_LA_SUBONLY	0x0020	/* only listed as subscribed: LIST
					   without SUBSCRIBED skips it */
#define STORE_LA_DRAFTS		0x0100
#define STORE_LA_SENT		0x0200
#define STORE_LA_TRASH		0x0400
#define STORE_LA_JUNK		0x0800
#define STORE_LA_ARCHIVE	0x1000
#define STORE_LA_SPECIAL	0x1f00

struct store_list_ent {
	char		*name;
	unsigned int	 attrs;		/* STORE_LA_* */
};
struct store_list {
	struct store_list_ent *ents;	/* INBOX first, then strcmp order */
	size_t		 n;
	size_t		 cap;
};

/*
 * store_folder_list(): every name a LIST may report: INBOX, each
 * folder, each implicit parent of a folder (NOSELECT|NONEXISTENT|
 * HASCHILDREN), and each subscribed name that is neither (SUBONLY|
 * NONEXISTENT|SUBSCRIBED).  Children attributes count existing
 * descendants.  Free with store_list_free().
 *
 * store_folder_exists(): 1 when the name is a folder (INBOX always
 * is), 0 when not (a \Noselect parent is not), -1 EINVAL for a bad
 * name.
 *
 * store_folder_create(): make the folder and any missing parents as
 * real folders (RFC 9051 6.3.4).  EEXIST when the name exists already
 * (INBOX always does): NO [ALREADYEXISTS].  EINVAL/ENAMETOOLONG: bad
 * name.  A crash leaves no half-made folder: it is built under a
 * hidden name and renamed into place.
 *
 * store_folder_delete(): remove the folder and its messages.  Its
 * inferiors stay: the name then lists as \Noselect (RFC 3501 6.3.4),
 * and deleting such a \Noselect name fails with ENOENT, as does a name
 * that does not exist (NO [NONEXISTENT]).  EPERM for INBOX (NO
 * [CANNOT]).  Subscriptions are left alone (RFC 3501 6.3.6).
 *
 * store_folder_rename(): the folder and every inferior move to the new
 * name (subscriptions follow).  ENOENT: no such folder; EEXIST: the
 * target or a target inferior exists; EINVAL: bad name or a name under
 * the old one.  Renaming INBOX makes the target folder and moves every
 * INBOX message into it (new UIDs there), leaving INBOX empty; its
 * inferiors stay (RFC 3501 6.3.5).
 */
int		 store_folder_list(struct store *, struct store_list *);
void		 store_list_free(struct store_list *);
int		 store_folder_exists(struct store *, const char *);
int		 store_folder_create(struct store *, const char *);
int		 store_folder_delete(struct store *, const char *);
int		 store_folder_rename(struct store *, const char *,
		    const char *);

/*
 * Subscriptions, in Dovecot's `subscriptions' file of the Maildir root
 * (version 2 written, versions 1 and 2 read), replaced atomically.
 * store_subscribe() of a subscribed name and store_unsubscribe() of
 * one that is not are no-ops returning 0; store_subscribe_list()
 * subscribes several with one write.  store_subscriptions(): the
 * names, in file order; free with store_strv_free().
 */
int		 store_subscribe(struct store *, const char *);
int		 store_subscribe_list(struct store *, const char **, size_t);
int		 store_unsubscribe(struct store *, const char *);
int		 store_subscriptions(struct store *, char ***, size_t *);
void		 store_strv_free(char **, size_t);

/*
 * Special-use folders (RFC 6154): Drafts, Sent, Trash, Junk and
 * Archive at the top level.  store_special_use(): the STORE_LA_ bit of
 * a name, or 0.  store_special_init(): called by the session after
 * login; creates and subscribes whichever of them is missing (and
 * subscribes INBOX when there is no subscriptions file yet).
 */
unsigned int	 store_special_use(const char *);
int		 store_special_init(struct store *);

/*
 * keywords.c: dovecot-keywords, `<index> <name>' lines, index 0 is
 * letter 'a' in the file names' info.  f->keywords[i] is the name of
 * keyword bit STORE_F_KEYWORD(i), or NULL.  Names compare without
 * regard to case.  folder_keyword_find(): the index, or -1 ENOENT.
 * folder_keyword_add(): the index, defining the name when new (under
 * the folder lock, file replaced atomically); -1 ENOSPC when all 26
 * are taken (NO [LIMIT]), EINVAL when the name is no flag-keyword
 * atom (store_keyword_ok() tells beforehand).
 */
int		 store_keyword_ok(const char *);
int		 folder_keyword_find(struct folder *, const char *);
int		 folder_keyword_add(struct folder *, const char *);

/*
 * maildir.c, sync.c: open folders.  folder_open() flags: FOLDER_SIZES
 * (STATUS SIZE and POP3 want every size at once; a SELECT does not
 * ask for it, since it would read every new message file: FETCH and
 * SEARCH learn sizes as they need them, m->have_vsize says which are
 * known, and store_msg_prefetch() or store_msg_vsize() learn more),
 * FOLDER_RECENT (a read-write SELECT of an IMAP4rev1 client: claims
 * every message not yet claimed by any session; it is \Recent in this
 * handle, m->recent, and every later sync claims new arrivals too),
 * FOLDER_PEEK_RECENT (EXAMINE of an IMAP4rev1 client: what nobody has
 * claimed is \Recent in this handle, at open and at every later sync,
 * and stays unclaimed for the next read-write SELECT, RFC 3501 6.3.2).
 * FOLDER_FORCE makes a sync rescan directories that look unchanged
 * (it never needs to: their times are trusted only once settled).
 * Messages: m->uid, m->flags (STORE_F_* and STORE_F_KEYWORD bits),
 * m->time (INTERNALDATE, seconds since the epoch, UTC), m->vsize
 * (RFC822.SIZE).
 *
 * folder_sync_changes(): bring the table up to date with the disk and
 * say what changed since the previous sync of this handle: UIDs that
 * vanished (EXPUNGE), appeared (EXISTS) and whose flags or keywords
 * changed, whoever changed them (another session, the MTA, this one
 * through COPY/MOVE/EXPUNGE; a flag change made through this handle
 * is already in the table and is not reported again).  uidvalidity
 * set: the list was rebuilt under a new UIDVALIDITY and every UID the
 * client knows is void (end the session with BYE).  keywords set: the
 * keyword names changed (new FLAGS / PERMANENTFLAGS).  The store only
 * reports; the session decides when it may tell the client.  Free the
 * arrays with folder_changes_free().
 */
struct folder_changes {
	uint32_t	*expunged;	/* ascending */
	size_t		 nexpunged;
	uint32_t	*added;		/* ascending */
	size_t		 nadded;
	uint32_t	*flagged;	/* ascending */
	size_t		 nflagged;
	int		 keywords;
	int		 uidvalidity;
};
int		 folder_sync_changes(struct folder *, int,
		    struct folder_changes *);
void		 folder_changes_free(struct folder_changes *);

/*
 * watch.c: folder_watch() returns an inotify descriptor (owned by the
 * folder, closed by folder_close()) that becomes readable when files
 * are created, renamed, removed or touched in new/ or cur/, or the
 * folder itself is removed or renamed; poll it for POLLIN (during
 * IDLE too).  folder_watch_read() drains it without blocking: 1 when
 * something happened since the folder was last scanned (then call
 * folder_sync_changes()), 0 when not, the session's own flag changes
 * not counting.
 */
int		 folder_watch(struct folder *);
int		 folder_watch_read(struct folder *);

/*
 * STATUS (RFC 3501 6.3.10, RFC 9051 6.3.11) without selecting:
 * store_folder_status() opens, syncs and closes the folder; with
 * STORE_STATUS_SIZE every message's size is made known (read once,
 * then cached in the list).  folder_status() counts an open handle's
 * table, no I/O; its RECENT is the messages \Recent in the handle plus
 * those no session has claimed yet.  ENOENT: no such folder (or a
 * \Noselect name).
 */
struct store_status {
	uint32_t	 messages;
	uint32_t	 recent;	/* not yet claimed by any session */
	uint32_t	 uidnext;
	uint32_t	 uidvalidity;
	uint32_t	 unseen;
	uint32_t	 deleted;
	uint64_t	 size;		/* sum of RFC822.SIZEs */
};
#define STORE_STATUS_SIZE	0x1
int		 store_folder_status(struct store *, const char *, int,
		    struct store_status *);
void		 folder_status(struct folder *, struct store_status *);

/*
 * message.c: a message's bytes, mapped read-only (no copy): for the
 * MIME parser and BODY[...] sections.  -1 ENOENT: the message has been
 * expunged by someone else.  An empty file maps to len 0.
 * store_msg_parse() maps and runs mime_parse() (store/mime/mime.h);
 * free the tree with mime_free() and then the map.
 */
struct store_map {
	const unsigned char *data;
	size_t		 len;
	void		*addr;		/* store/ private */
	size_t		 maplen;
};
int		 store_msg_map(struct folder *, struct store_msg *,
		    struct store_map *);
void		 store_map_free(struct store_map *);
int		 store_msg_parse(struct folder *, struct store_msg *,
		    struct store_map *, struct mime_msg *);

/*
 * SEARCH support: the text of a message in UTF-8, through out(arg,
 * bytes, len), nothing cached.  STORE_TEXT_HEADER: each header field
 * of the message as "Name: value\n", unfolded, RFC 2047 words
 * decoded.  STORE_TEXT_BODY: every text part's body, transfer decoded
 * and converted from its charset.  out() returning -1 stops with -1.
 */
#define STORE_TEXT_HEADER	0x1
#define STORE_TEXT_BODY		0x2
int		 store_msg_text(struct folder *, struct store_msg *, int,
		    int (*)(void *, const void *, size_t), void *);

/*
 * index.c: FETCH ENVELOPE, BODY and BODYSTRUCTURE from the folder's
 * postern-index, appended to the buffer.  what: STORE_R_*; mflags:
 * MIME_UTF8 and MIME_REV2 of store/mime/mime.h (MIME_EXT is implied
 * by STORE_R_BODYSTRUCTURE).  A missing, corrupt or stale entry is
 * rendered from the message file and kept for the next time; entries
 * are written to the file by folder_index_flush(), which folder_sync()
 * and folder_close() call too.  -1 ENOENT: not cached and the file is
 * gone.
 */
#define STORE_R_ENVELOPE	0
#define STORE_R_BODY		1
#define STORE_R_BODYSTRUCTURE	2
int		 store_msg_render(struct folder *, struct store_msg *, int,
		    int, struct buf *);
int		 folder_index_flush(struct folder *);

/*
 * store_msg_prefetch(): before a FETCH walks many messages, do for
 * the next of them (distinct, in the order the FETCH will take them,
 * up to a thousand at a time) what the calls for each will need, each
 * message file read at most once (a single read into a buffer the
 * handle keeps; mapped when over a megabyte), on a second thread too
 * when there is a second CPU: want STORE_P_ENVELOPE, STORE_P_BODY,
 * STORE_P_BODYSTRUCTURE render those with mflags (as
 * store_msg_render()) into the index, STORE_P_SIZE makes m->vsize
 * known (so does any rendering).  Nothing is reported for one
 * message: one that cannot be read now (expunged meanwhile) is left
 * for store_msg_render() or store_msg_vsize() to report.  Returns 0,
 * or -1 when out of memory.  folder_save_facts() writes the sizes
 * learnt (here or by store_msg_vsize()) to the UID list, for the next
 * session, once at least min of them wait: call it before answering
 * the command.  Fewer go with the list's next write (new mail, an
 * expunge), or are worked out again: each write of the list costs an
 * fsync, so a FETCH of one new message does not write it just for
 * its size.  A sync writes them at STORE_FACTS_SAVE_MIN.  0, or -1
 * when they could not be written.
 */
#define STORE_FACTS_SAVE_MIN	64
#define STORE_P_ENVELOPE	(1 << STORE_R_ENVELOPE)
#define STORE_P_BODY		(1 << STORE_R_BODY)
#define STORE_P_BODYSTRUCTURE	(1 << STORE_R_BODYSTRUCTURE)
#define STORE_P_SIZE		0x8
int		 store_msg_prefetch(struct folder *, struct store_msg *const *,
		    size_t, int, int);
int		 folder_save_facts(struct folder *, size_t);

/*
 * Flags: store_msg_set_flags() above (by rename, keeping what others
 * set meanwhile).  folder_set_flags() does it by UID: -1 ENOENT when
 * the message is no longer in the table or its file is gone.
 */
int		 folder_set_flags(struct folder *, uint32_t, uint64_t,
		    uint64_t);

/*
 * append.c: APPEND (and the copy fallback).  store_append_begin()
 * opens a file in the folder's tmp/ (ENOENT: no such folder, NO
 * [TRYCREATE]); write the message with store_append_write() as it
 * arrives, as the client sent it (CRLF stays CRLF).  commit: fsync,
 * set the internal date (idate; 0 means now), rename into cur/ with
 * the flags (STORE_F_* bits, keyword bits ignored) and the keyword
 * names (defined in the folder as needed: ENOSPC means NO [LIMIT],
 * EINVAL a name that is no keyword; either way nothing was appended),
 * take the next UID under the folder lock and
 * return it with UIDVALIDITY (APPENDUID).  commit and abort free the
 * handle, whatever they return.
 */
struct store_append;
struct store_append *store_append_begin(struct store *, const char *);
int		 store_append_write(struct store_append *, const void *,
		    size_t);
int		 store_append_commit(struct store_append *, uint64_t,
		    char *const *, size_t, time_t, uint32_t *, uint32_t *);
void		 store_append_abort(struct store_append *);
int		 store_append(struct store *, const char *, const void *,
		    size_t, uint64_t, char *const *, size_t, time_t,
		    uint32_t *, uint32_t *);

/*
 * COPY and MOVE (RFC 4315 COPYUID, RFC 6851): the messages of the
 * given UIDs of the handle's table (in the order given) go to the
 * named folder (the same one is allowed), keeping
 * flags, keywords (by name) and internal date, and get new UIDs there:
 * dstuids[i] is the new UID of uids[i], or 0 when that message was not
 * in the table or its file was gone.  *uidvalidity gets the target's.
 * ENOENT: no such target (NO [TRYCREATE]); ENOSPC: keywords over the
 * target's 26 (NO [LIMIT]), nothing copied.  A COPY that fails midway
 * removes what it copied.  folder_move() renames each file into the
 * target, so a message is in exactly one of the two folders at every
 * instant; the source table keeps the moved messages until the next
 * folder_sync_changes() reports them expunged.
 */
int		 folder_copy(struct folder *, const uint32_t *, size_t,
		    const char *, uint32_t *, uint32_t *);
int		 folder_move(struct folder *, const uint32_t *, size_t,
		    const char *, uint32_t *, uint32_t *);

/*
 * EXPUNGE of the given UIDs: their files are removed (one already
 * gone is fine).  With FOLDER_EXPUNGE_DELETED a file is removed only
 * while its name still carries \Deleted, so a message another session
 * undeleted meanwhile stays.  The table keeps them until the next
 * folder_sync_changes() reports them.  Returns the number removed.
 */
#define FOLDER_EXPUNGE_DELETED	0x1
int		 folder_expunge(struct folder *, const uint32_t *, size_t,
		    int);

#endif
