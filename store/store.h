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

	/* store/ private */
	int		 seen;		/* found by the current scan */
	int		 vsize_in_name;	/* ,W=<n> in the base name */
	time_t		 sortkey;
	RB_ENTRY(store_msg) rb;		/* by base, while syncing */
};

struct store {
	char		*path;		/* Maildir root */
	int		 fd;		/* its directory */
	int		 excl_fd;	/* store_lock_exclusive(), or -1 */
};

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
};

#define FOLDER_SIZES	0x1	/* know every message's vsize on return */

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

#endif
