/*
 * IMAP4 (RFC 3501, RFC 9051 and the extensions postern speaks): the
 * typed form of a parsed client command, and the helpers that work on
 * its parts (sequence sets, dates, flags, mailbox names, and writing
 * strings back in responses).  Built by imap_parse.c from the octets a
 * client sent; used by the pre-login worker (CAPABILITY, STARTTLS,
 * AUTHENTICATE, LOGIN) and by the post-login session (the rest).
 *
 * Every string in a command is NUL-terminated and NUL-free (the
 * grammar forbids NUL everywhere but in a literal8 APPEND message,
 * which is kept as bytes and a length).  Strings are as the client
 * sent them: quoting and escapes removed, nothing else decoded
 * (mailbox names are still modified UTF-7 unless UTF-8 was enabled).
 * All of a command's memory belongs to it and goes with
 * imap_cmd_free().
 */
#ifndef POSTERN_IMAP_CMD_H
#define POSTERN_IMAP_CMD_H

#include <sys/types.h>
#include <sys/queue.h>

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "buf.h"

#define IMAP_TAG_MAX		127	/* longer are refused; fits P_TAGLEN */

enum imap_cmd_id {
	IMAP_CMD_CAPABILITY = 1,
	IMAP_CMD_NOOP,
	IMAP_CMD_LOGOUT,
	IMAP_CMD_STARTTLS,
	IMAP_CMD_AUTHENTICATE,
	IMAP_CMD_LOGIN,
	IMAP_CMD_ENABLE,
	IMAP_CMD_SELECT,
	IMAP_CMD_EXAMINE,
	IMAP_CMD_CREATE,
	IMAP_CMD_DELETE,
	IMAP_CMD_RENAME,
	IMAP_CMD_SUBSCRIBE,
	IMAP_CMD_UNSUBSCRIBE,
	IMAP_CMD_LIST,
	IMAP_CMD_LSUB,
	IMAP_CMD_NAMESPACE,
	IMAP_CMD_STATUS,
	IMAP_CMD_APPEND,
	IMAP_CMD_IDLE,
	IMAP_CMD_CHECK,
	IMAP_CMD_CLOSE,
	IMAP_CMD_UNSELECT,
	IMAP_CMD_EXPUNGE,	/* with uid: UID EXPUNGE set */
	IMAP_CMD_SEARCH,
	IMAP_CMD_FETCH,
	IMAP_CMD_STORE,
	IMAP_CMD_COPY,
	IMAP_CMD_MOVE,
	IMAP_CMD_ID,
};

/*
 * Sequence sets.  A range end of IMAP_SEQ_STAR is "*", resolved only
 * when the mailbox's highest number is known; "$" (RFC 5182, RFC 9051
 * 6.4.4) is the saved result of an earlier SEARCH RETURN (SAVE).
 */
#define IMAP_SEQ_STAR		0

struct imap_seqrange {
	uint32_t	 lo;
	uint32_t	 hi;
};

struct imap_seqset {			/* as the client sent it */
	struct imap_seqrange	*r;
	size_t			 n;
	int			 dollar;	/* "$" was an item */
	int			 star;		/* a range uses "*" */
};

struct imap_seqlist {			/* sorted, disjoint, lo <= hi */
	struct imap_seqrange	*r;
	size_t			 n;
	size_t			 cap;
};

struct imap_seqiter {
	const struct imap_seqlist *l;
	size_t			 i;
	uint64_t		 next;
};

/* Flags of STORE, APPEND, and the search keys that name them. */
#define IMAP_FLAG_ANSWERED	0x01
#define IMAP_FLAG_FLAGGED	0x02
#define IMAP_FLAG_DELETED	0x04
#define IMAP_FLAG_SEEN		0x08
#define IMAP_FLAG_DRAFT		0x10

struct imap_flags {
	unsigned int	 system;	/* IMAP_FLAG_* */
	char		**keywords;	/* flag-keyword atoms */
	size_t		 nkeywords;
	char		**ext;		/* flag-extension: \Other */
	size_t		 next;
};

/* STATUS items, also LIST ... RETURN (STATUS (...)). */
#define IMAP_STATUS_MESSAGES		0x001
#define IMAP_STATUS_RECENT		0x002
#define IMAP_STATUS_UIDNEXT		0x004
#define IMAP_STATUS_UIDVALIDITY		0x008
#define IMAP_STATUS_UNSEEN		0x010
#define IMAP_STATUS_SIZE		0x020
#define IMAP_STATUS_DELETED		0x040
#define IMAP_STATUS_HIGHESTMODSEQ	0x080
#define IMAP_STATUS_APPENDLIMIT		0x100

/* SPECIAL-USE attributes (RFC 6154), for CREATE ... (USE (...)). */
#define IMAP_USE_ALL		0x01
#define IMAP_USE_ARCHIVE	0x02
#define IMAP_USE_DRAFTS		0x04
#define IMAP_USE_FLAGGED	0x08
#define IMAP_USE_JUNK		0x10
#define IMAP_USE_SENT		0x20
#define IMAP_USE_TRASH		0x40

/* LIST selection (RFC 5258, 6154) and return (5258, 5819, 6154) options. */
#define IMAP_LIST_SEL_SUBSCRIBED	0x01
#define IMAP_LIST_SEL_REMOTE		0x02
#define IMAP_LIST_SEL_RECURSIVEMATCH	0x04
#define IMAP_LIST_SEL_SPECIALUSE	0x08
#define IMAP_LIST_RET_SUBSCRIBED	0x01
#define IMAP_LIST_RET_CHILDREN		0x02
#define IMAP_LIST_RET_SPECIALUSE	0x04
#define IMAP_LIST_RET_STATUS		0x08

/* SEARCH RETURN options (RFC 4731, 5182, 9051). */
#define IMAP_SEARCH_RET_MIN	0x01
#define IMAP_SEARCH_RET_MAX	0x02
#define IMAP_SEARCH_RET_ALL	0x04
#define IMAP_SEARCH_RET_COUNT	0x08
#define IMAP_SEARCH_RET_SAVE	0x10

enum imap_search_op {
	IMAP_SK_AND = 1,	/* kids: a parenthesised list, or the program */
	IMAP_SK_OR,		/* kids: exactly two */
	IMAP_SK_NOT,		/* kids: exactly one */
	IMAP_SK_ALL,
	IMAP_SK_ANSWERED,
	IMAP_SK_DELETED,
	IMAP_SK_DRAFT,
	IMAP_SK_FLAGGED,
	IMAP_SK_NEW,
	IMAP_SK_OLD,
	IMAP_SK_RECENT,
	IMAP_SK_SEEN,
	IMAP_SK_UNANSWERED,
	IMAP_SK_UNDELETED,
	IMAP_SK_UNDRAFT,
	IMAP_SK_UNFLAGGED,
	IMAP_SK_UNSEEN,
	IMAP_SK_KEYWORD,	/* str: a flag-keyword atom */
	IMAP_SK_UNKEYWORD,	/* str */
	IMAP_SK_BCC,		/* str: astring, in the command's charset */
	IMAP_SK_BODY,
	IMAP_SK_CC,
	IMAP_SK_FROM,
	IMAP_SK_SUBJECT,
	IMAP_SK_TEXT,
	IMAP_SK_TO,
	IMAP_SK_HEADER,		/* header.field, header.value */
	IMAP_SK_BEFORE,		/* date */
	IMAP_SK_ON,
	IMAP_SK_SINCE,
	IMAP_SK_SENTBEFORE,
	IMAP_SK_SENTON,
	IMAP_SK_SENTSINCE,
	IMAP_SK_LARGER,		/* size */
	IMAP_SK_SMALLER,
	IMAP_SK_UID,		/* set */
	IMAP_SK_SEQSET,		/* set */
	IMAP_SK_MODSEQ,		/* modseq (RFC 7162) */
};

TAILQ_HEAD(imap_search_keys, imap_search_key);

struct imap_search_key {
	enum imap_search_op		 op;
	TAILQ_ENTRY(imap_search_key)	 entry;
	union {
		struct imap_search_keys	 kids;
		char			*str;
		struct {
			char		*field;
			char		*value;
		}			 header;
		/* 00:00:00 UTC of the day named; compare dates, not times */
		time_t			 date;
		uint64_t		 size;
		struct imap_seqset	 set;
		struct {
			uint64_t	 value;
			char		*entry;	/* "/flags/x" */
			int		 type;	/* IMAP_MODSEQ_* */
		}			 modseq;
	} u;
};

#define IMAP_MODSEQ_ALL		0
#define IMAP_MODSEQ_PRIV	1
#define IMAP_MODSEQ_SHARED	2

enum imap_fetch_att {
	IMAP_FA_ENVELOPE = 1,
	IMAP_FA_FLAGS,
	IMAP_FA_INTERNALDATE,
	IMAP_FA_RFC822,		/* response name RFC822, sets \Seen */
	IMAP_FA_RFC822_HEADER,
	IMAP_FA_RFC822_SIZE,
	IMAP_FA_RFC822_TEXT,	/* sets \Seen */
	IMAP_FA_BODY,		/* non-extensible BODYSTRUCTURE */
	IMAP_FA_BODYSTRUCTURE,
	IMAP_FA_UID,
	IMAP_FA_BODY_SECTION,	/* BODY[...] and BODY.PEEK[...] */
	IMAP_FA_BINARY,		/* BINARY[...] and BINARY.PEEK[...] */
	IMAP_FA_BINARY_SIZE,
	IMAP_FA_MODSEQ,
};

enum imap_section_text {
	IMAP_SEC_NONE = 0,	/* the whole message or part: [] [1.2] */
	IMAP_SEC_HEADER,
	IMAP_SEC_HEADER_FIELDS,
	IMAP_SEC_HEADER_FIELDS_NOT,
	IMAP_SEC_TEXT,
	IMAP_SEC_MIME,		/* only after a part number */
};

struct imap_section {
	uint32_t		*part;		/* 1.2.3 -> {1, 2, 3} */
	size_t			 nparts;
	enum imap_section_text	 text;
	char			**fields;	/* HEADER.FIELDS names */
	size_t			 nfields;
};

struct imap_fetch_item {
	TAILQ_ENTRY(imap_fetch_item)	 entry;
	enum imap_fetch_att		 att;
	int				 peek;	/* leave \Seen */
	struct imap_section		 sec;	/* BODY[], BINARY[] */
	int				 partial;
	uint64_t			 offset;	/* <offset.count> */
	uint64_t			 count;
};

TAILQ_HEAD(imap_fetch_items, imap_fetch_item);

enum imap_store_op {
	IMAP_STORE_SET = 1,	/* FLAGS */
	IMAP_STORE_ADD,		/* +FLAGS */
	IMAP_STORE_REMOVE,	/* -FLAGS */
};

/*
 * The arguments of each command, in the member named for it.  A set
 * with n == 0 and no "$" was not given; NULL strings were not given.
 */
struct imap_cmd {
	char			*tag;
	enum imap_cmd_id	 id;
	int			 uid;	/* sent as UID <command> */
	const char		*name;	/* "FETCH", for logs */
	union {
		struct {
			char	*mech;		/* upper-cased */
			char	*initial;	/* "" for "=" (empty) */
		} auth;
		struct {
			char	*user;
			char	*pass;
		} login;
		struct {
			char	**caps;
			size_t	  ncaps;
		} enable;
		struct {			/* SELECT, EXAMINE */
			char		*mailbox;
			int		 condstore;
			int		 qresync;
			uint32_t	 uidvalidity;
			uint64_t	 modseq;
			struct imap_seqset known_uids;
			struct imap_seqset match_seq;
			struct imap_seqset match_uid;
		} select;
		struct {
			char		*mailbox;
			unsigned int	 use;	/* IMAP_USE_* */
			char		*use_unknown; /* the first */
		} create;
		struct {			/* DELETE, (UN)SUBSCRIBE */
			char		*mailbox;
		} mbox;
		struct {
			char		*from;
			char		*to;
		} rename;
		struct {			/* LIST, LSUB */
			int		 extended;	/* RFC 5258 */
			unsigned int	 sel;	/* IMAP_LIST_SEL_* */
			unsigned int	 ret;	/* IMAP_LIST_RET_* */
			unsigned int	 status; /* IMAP_STATUS_* */
			char		*ref;
			char		**patterns;
			size_t		 npatterns;
		} list;
		struct {
			char		*mailbox;
			unsigned int	 items;	/* IMAP_STATUS_* */
		} status;
		struct {
			char		*mailbox;
			struct imap_flags flags;
			int		 has_date;
			time_t		 date;
			int		 zone;	/* minutes east */
			int		 binary;	/* literal8 */
			/* The caller read the octets: data is NULL. */
			int		 external;
			const unsigned char *data;
			uint64_t	 size;
		} append;
		struct {
			struct imap_seqset set;	/* UID EXPUNGE */
		} expunge;
		struct {
			char		*charset;
			int		 ret_given;	/* ESEARCH */
			/* IMAP_SEARCH_RET_*; RETURN () is ALL */
			unsigned int	 ret;
			struct imap_search_key *root;	/* an AND */
			int		 has_modseq;
		} search;
		struct {
			struct imap_seqset set;
			struct imap_fetch_items items;
			uint32_t	 mask;	/* 1 << att, each one */
			int		 changedsince_given;
			uint64_t	 changedsince;
			int		 vanished;
		} fetch;
		struct {
			struct imap_seqset set;
			enum imap_store_op op;
			int		 silent;
			struct imap_flags flags;
			int		 unchangedsince_given;
			uint64_t	 unchangedsince;
		} store;
		struct {			/* COPY, MOVE */
			struct imap_seqset set;
			char		*mailbox;
		} copy;
		struct {
			int		 nil;
			char		**field;	/* npairs each */
			char		**value;	/* may be NULL */
			size_t		 npairs;
		} id;
	} u;
	/* private: the command's memory */
	struct imap_arena	*arena;
	struct buf		 msg;
};

void	imap_cmd_free(struct imap_cmd *);

/* imap_seq.c */
size_t	imap_seqset_nitems(const char *, size_t);
int	imap_seqset_fill(const char *, size_t, struct imap_seqset *);
int	imap_seqset_parse(const char *, size_t, struct imap_seqset *);
void	imap_seqset_free(struct imap_seqset *);
uint32_t imap_seqset_max(const struct imap_seqset *, uint32_t);
int	imap_seqset_resolve(const struct imap_seqset *, uint32_t, uint32_t,
	    const struct imap_seqlist *, struct imap_seqlist *);
void	imap_seqlist_init(struct imap_seqlist *);
void	imap_seqlist_free(struct imap_seqlist *);
int	imap_seqlist_add(struct imap_seqlist *, uint32_t, uint32_t);
void	imap_seqlist_normalise(struct imap_seqlist *);
int	imap_seqlist_contains(const struct imap_seqlist *, uint32_t);
uint64_t imap_seqlist_count(const struct imap_seqlist *);
int	imap_seqlist_format(const struct imap_seqlist *, struct buf *);
void	imap_seqiter_init(struct imap_seqiter *,
	    const struct imap_seqlist *);
int	imap_seqiter_next(struct imap_seqiter *, uint32_t *);

/* imap_date.c */
int	imap_date_parse(const char *, size_t, time_t *);
int	imap_datetime_parse(const char *, size_t, time_t *, int *);
int	imap_datetime_format(time_t, int, char *, size_t);
int	imap_days_in_month(int, int);
int64_t	imap_days_from_civil(int, int, int);

/* imap_quote.c: strings in responses */
int	imap_is_atom(const char *, size_t);
int	imap_write_string(struct buf *, const char *, size_t, int);
int	imap_write_astring(struct buf *, const char *, size_t, int);
int	imap_write_nstring(struct buf *, const char *, size_t, int);
int	imap_mailbox_is_inbox(const char *);
const char *imap_mailbox_canon(const char *);

/* imap_fetch_parse.c */
int	imap_fetch_item_name(struct buf *, const struct imap_fetch_item *);

/* imap_search.c */
const char *imap_search_op_name(enum imap_search_op);

#endif
