/*
 * Internal to the IMAP parser (worker and session): the reader that
 * walks a command's lines and literals octet by octet, the grammar's
 * small productions (atoms, strings, numbers, dates, flags, lists)
 * and the per-command memory arena.  imap_parse.c, imap_search.c and
 * imap_fetch_parse.c build commands with it; nothing else should.
 *
 * A command is a run of segments: a line, then for each literal its
 * octets and the line that follows them.  The reader parses the whole
 * run from the start every time a line arrives, and stops with
 * RD_INCOMPLETE at a literal whose octets have not come yet, saying
 * what the literal is for, so the caller knows which limit applies
 * before asking the client for it.
 */
#ifndef POSTERN_IMAP_LEX_H
#define POSTERN_IMAP_LEX_H

#include <stddef.h>
#include <stdint.h>

#include "imap_parse.h"

/* Memory for one command, freed in one go. */
struct imap_arena;

struct imap_arena *imap_arena_new(void);
void	*imap_arena_alloc(struct imap_arena *, size_t);
void	*imap_arena_calloc(struct imap_arena *, size_t, size_t);
char	*imap_arena_strndup(struct imap_arena *, const char *, size_t);
void	 imap_arena_clear(struct imap_arena *);
void	 imap_arena_free(struct imap_arena *);

#define SEG_TEXT	1	/* a line, CRLF removed */
#define SEG_LIT		2	/* a literal argument's octets */
#define SEG_MSG		3	/* the APPEND message (in cmd->msg) */

struct imap_seg {
	size_t		 off;		/* in the text buffer */
	uint64_t	 len;
	int		 kind;
	int		 nul;		/* the literal holds a NUL */
	int		 binary;	/* SEG_MSG: sent as literal8 */
	int		 external;	/* SEG_MSG: the caller read it */
};

#define RD_OK		0
#define RD_ERR		1	/* syntax: BAD */
#define RD_INCOMPLETE	2	/* at a literal not yet received */
#define RD_NOMEM	3

struct imap_rd {
	const unsigned char	*text;
	const struct imap_seg	*segs;
	size_t			 nsegs;
	size_t			 seg;	/* the current SEG_TEXT */
	size_t			 pos;
	const struct imap_limits *lim;
	int			 flags;		/* IMAP_PF_* */
	struct imap_arena	*arena;
	size_t			 nargs;
	int			 depth;
	int			 status;
	enum imap_literal_role	 lit_role;	/* when RD_INCOMPLETE */
	char			 err[128];	/* the BAD's text */
};

/* Character classes of RFC 3501/9051 section 9. */
int	imap_atom_char(int);
int	imap_astring_char(int);
int	imap_list_char(int);
int	imap_tag_char(int);

int	rd_err(struct imap_rd *, const char *, ...)
	    __attribute__((__format__ (printf, 2, 3)));
int	rd_nomem(struct imap_rd *);
int	rd_unexpected(struct imap_rd *, const char *);
int	rd_count(struct imap_rd *);
int	rd_peek(struct imap_rd *);
int	rd_peek2(struct imap_rd *);
void	rd_skip(struct imap_rd *, size_t);
int	rd_at_end(struct imap_rd *);
int	rd_end(struct imap_rd *);
int	rd_sp(struct imap_rd *);
int	rd_more(struct imap_rd *);
int	rd_char(struct imap_rd *, int);
int	rd_open(struct imap_rd *);
int	rd_close(struct imap_rd *);
int	rd_word(struct imap_rd *, char *, size_t, const char *);
int	rd_is(struct imap_rd *, const char *);
int	rd_chars(struct imap_rd *, int (*)(int), char **, size_t *);
int	rd_atom(struct imap_rd *, char **);
int	rd_astring(struct imap_rd *, char **, size_t *);
int	rd_string(struct imap_rd *, char **, size_t *);
int	rd_nstring(struct imap_rd *, char **, size_t *);
int	rd_mailbox(struct imap_rd *, char **);
int	rd_list_mailbox(struct imap_rd *, char **);
int	rd_number(struct imap_rd *, uint32_t *);
int	rd_nz_number(struct imap_rd *, uint32_t *);
int	rd_number64(struct imap_rd *, uint64_t *);
#define SEQ_DOLLAR	0x01	/* rd_seqset: "$" allowed */
#define SEQ_STAR	0x02	/* rd_seqset: "*" allowed */
int	rd_seqset(struct imap_rd *, struct imap_seqset *, int);
int	rd_date(struct imap_rd *, time_t *);
int	rd_datetime(struct imap_rd *, time_t *, int *);
int	rd_push(struct imap_rd *, char ***, size_t *, char *);
int	rd_flag(struct imap_rd *, struct imap_flags *);
int	rd_flag_list(struct imap_rd *, struct imap_flags *);
int	rd_message(struct imap_rd *, const struct imap_seg **);
int	rd_status_att(struct imap_rd *, unsigned int *);

/* A keyword of an option list, and the bit it stands for. */
struct rd_option {
	const char	*name;
	unsigned int	 bit;
};

int	rd_option(const struct rd_option *, size_t, const char *,
	    unsigned int *);

/* Command grammars, one per file that builds them. */
int	imap_parse_command(struct imap_rd *, struct imap_cmd *);
int	imap_parse_search(struct imap_rd *, struct imap_cmd *);
int	imap_parse_fetch(struct imap_rd *, struct imap_cmd *);

#endif
