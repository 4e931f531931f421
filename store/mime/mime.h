/*
 * MIME parsing for the IMAP session process: one pass over a message
 * held in memory (the caller mmaps the Maildir file) builds the part
 * tree of RFC 2045/2046 with every offset both as stored (LF or CRLF
 * line ends) and as the client sees it (every LF not preceded by CR
 * counts as CR LF).  On that tree sit the IMAP renderings of RFC 3501
 * and RFC 9051: ENVELOPE, BODY and BODYSTRUCTURE, the bytes of any
 * BODY[section]<partial>, transfer decoding for BINARY (RFC 3516), and
 * the header decoding and case-insensitive matching SEARCH needs.
 * Nothing here reads files or logs: bad input gives a result, never a
 * crash, and the only failure is running out of memory.
 */
#ifndef POSTERN_MIME_H
#define POSTERN_MIME_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"

#define MIME_DEPTH_MAX	100	/* nested multipart/message levels */
#define MIME_PARTS_MAX	10000	/* parts in one message */
#define MIME_FIELD_MAX	(256 * 1024) /* unfolded header value kept */
#define MIME_SECT_MAX	(MIME_DEPTH_MAX + 2) /* numbers in a section */

/* Errors other than -1 (out of memory, errno set). */
#define MIME_ENOENT	-2	/* no such part */
#define MIME_ENOTMSG	-3	/* HEADER/TEXT of a part not message/rfc822 */
#define MIME_ECTE	-4	/* unknown Content-Transfer-Encoding */
#define MIME_ESYNTAX	-5	/* section text does not parse */

/*
 * A place in the message: the offset in the buffer, the offset in
 * the CRLF form, and how many LFs come before it.
 */
struct mime_mark {
	size_t		 raw;
	uint64_t	 crlf;
	uint64_t	 lines;
};

/* Part flags. */
#define MIME_PF_MULTIPART 0x0001 /* children are the body parts */
#define MIME_PF_MESSAGE	0x0002	/* message/rfc822 (or global): child is it */
#define MIME_PF_TEXT	0x0004	/* text/ * */
#define MIME_PF_SEP	0x0008	/* header ends with its blank line */
#define MIME_PF_TRUNC	0x0010	/* limit reached: structure not parsed */
#define MIME_PF_SYNTH	0x0020	/* stands in for a multipart's no parts */
#define MIME_PF_DIGEST	0x0040	/* multipart/digest */
#define MIME_PF_DEFAULT	0x0080	/* type unusable: text/plain us-ascii */
#define MIME_PF_GLOBAL	0x0100	/* message/global (RFC 6532) */
#define MIME_PF_ISMSG	0x0200	/* a message: the root or encapsulated */
#define MIME_PF_INDIGEST 0x0400	/* default type is message/rfc822 */

/*
 * One entity: a header and a body.  The root is the message; a
 * multipart's children are its body parts; a message/rfc822 part has
 * one child, the encapsulated message, whose header starts where the
 * part's body starts.  hdr..body is the header with its blank line,
 * body..end the body (the line end before a boundary belongs to the
 * boundary, RFC 2046 5.1.1).
 */
struct mime_part {
	struct mime_part	*parent;
	struct mime_part	*child;		/* first child */
	struct mime_part	*next;		/* next sibling */
	unsigned int		 nchild;
	unsigned int		 depth;		/* root 0 */
	unsigned int		 flags;
	struct mime_mark	 hdr;
	struct mime_mark	 body;
	struct mime_mark	 end;
};

struct mime_msg {
	const unsigned char	*data;
	size_t			 len;
	uint64_t		 size;		/* CRLF octets, RFC822.SIZE */
	struct mime_part	*parts;		/* parts[0] is the root */
	size_t			 nparts;
};

/* mime.c: the tree. */
int	mime_parse(struct mime_msg *, const void *, size_t);
int	mime_parse_header(struct mime_msg *, const void *, size_t, int *);
void	mime_free(struct mime_msg *);
uint64_t mime_hdr_size(const struct mime_part *);
uint64_t mime_body_size(const struct mime_part *);
uint64_t mime_body_lines(const struct mime_msg *, const struct mime_part *);

/* header.c: header fields of one part. */
struct mime_field {
	size_t		 start;		/* first byte of the field */
	size_t		 end;		/* after its last line end */
	size_t		 name;		/* offset of the name, name_len long */
	size_t		 name_len;	/* 0: a line that is no field */
	size_t		 value;		/* after the colon */
};
struct mime_hdr_iter {
	const struct mime_msg	*msg;
	size_t			 pos;
	size_t			 end;
};
void	mime_hdr_iter_init(struct mime_hdr_iter *, const struct mime_msg *,
	    const struct mime_part *);
int	mime_hdr_next(struct mime_hdr_iter *, struct mime_field *);
int	mime_field_is(const struct mime_msg *, const struct mime_field *,
	    const char *);
int	mime_field_value(const struct mime_msg *, const struct mime_field *,
	    struct buf *);
int	mime_hdr_get(const struct mime_msg *, const struct mime_part *,
	    const char *, struct buf *);

/* Content-Type and the like, as parsed (header.c, param.c). */
struct mime_param {
	char		*name;
	char		*value;
};
struct mime_ctype {
	char		*type;		/* lower case; NULL when unusable */
	char		*subtype;
	struct mime_param *params;
	size_t		 nparams;
};
int	mime_ctype_parse(struct mime_ctype *, const char *, size_t, int);
void	mime_ctype_free(struct mime_ctype *);
const char *mime_ctype_param(const struct mime_ctype *, const char *);
int	mime_part_ctype(const struct mime_msg *, const struct mime_part *,
	    struct mime_ctype *);

/* imapstr.c: IMAP strings (RFC 3501 / RFC 9051 section 4.3). */
#define MIME_UTF8	0x01	/* UTF-8 allowed in quoted strings */
int	mime_imap_string(struct buf *, const void *, size_t, int);
int	mime_imap_nstring(struct buf *, const char *, int);
int	mime_imap_astring(struct buf *, const char *, int);

/* envelope.c, bodystructure.c: FETCH ENVELOPE, BODY, BODYSTRUCTURE. */
#define MIME_EXT	0x02	/* BODYSTRUCTURE: extension data */
#define MIME_REV2	0x04	/* IMAP4rev2: message/global has a body */
int	mime_envelope(struct buf *, const struct mime_msg *,
	    const struct mime_part *, int);
int	mime_bodystructure(struct buf *, const struct mime_msg *,
	    const struct mime_part *, int);

/* address.c: RFC 5322 address lists as IMAP address structures. */
struct mime_addr {
	char		*name;		/* display name, or NULL */
	char		*adl;		/* obsolete route, or NULL */
	char		*mailbox;	/* local part or group name, or NULL */
	char		*host;		/* NULL: group start (or end) */
};
int	mime_addr_parse(const char *, size_t, struct mime_addr **,
	    size_t *);
void	mime_addr_free(struct mime_addr *, size_t);
int	mime_addr_write(struct buf *, const struct mime_addr *, size_t,
	    int);

/* section.c: BODY[section]<partial>. */
enum mime_sect_text {
	MIME_ST_NONE,			/* the part itself (or whole msg) */
	MIME_ST_HEADER,
	MIME_ST_FIELDS,
	MIME_ST_FIELDS_NOT,
	MIME_ST_MIME,
	MIME_ST_TEXT
};
struct mime_sect {
	uint32_t		 part[MIME_SECT_MAX];
	size_t			 npart;
	enum mime_sect_text	 text;
	char			**fields;
	size_t			 nfields;
};
struct mime_seg {
	size_t			 raw;	/* offset in the message */
	size_t			 rawlen;
	uint64_t		 len;	/* in the CRLF form */
	const char		*lit;	/* not NULL: these bytes instead */
};
struct mime_range {
	struct mime_seg		*seg;
	size_t			 nseg;
	size_t			 cap;
	uint64_t		 size;	/* CRLF octets of the section */
};
typedef int (*mime_out_fn)(void *, const void *, size_t);

void	mime_sect_init(struct mime_sect *);
void	mime_sect_free(struct mime_sect *);
int	mime_sect_parse(struct mime_sect *, const char *, size_t);
int	mime_sect_add_field(struct mime_sect *, const char *, size_t);
int	mime_sect_format(struct buf *, const struct mime_sect *);
int	mime_sect_find(const struct mime_msg *, const struct mime_sect *,
	    const struct mime_part **);
int	mime_locate(const struct mime_msg *, const struct mime_sect *,
	    struct mime_range *);
void	mime_range_init(struct mime_range *);
void	mime_range_free(struct mime_range *);
uint64_t mime_range_window(const struct mime_range *, uint64_t, uint64_t);
int	mime_range_emit(const struct mime_msg *, const struct mime_range *,
	    uint64_t, uint64_t, mime_out_fn, void *);
int	mime_range_buf(struct buf *, const struct mime_msg *,
	    const struct mime_range *, uint64_t, uint64_t);

/* decode.c: Content-Transfer-Encoding (BINARY, SEARCH). */
enum mime_cte {
	MIME_CTE_7BIT,
	MIME_CTE_8BIT,
	MIME_CTE_BINARY,
	MIME_CTE_QP,
	MIME_CTE_BASE64,
	MIME_CTE_UNKNOWN
};
struct mime_dec {
	enum mime_cte	 cte;
	int		 text;		/* make line ends CRLF */
	int		 state;
	unsigned int	 acc;		/* base64 bits, QP pending */
	int		 nacc;
	unsigned char	 pend[80];	/* QP: the current line's tail */
	size_t		 npend;
	int		 prev_cr;
};
enum mime_cte mime_part_cte(const struct mime_msg *, const struct mime_part *);
void	mime_dec_init(struct mime_dec *, enum mime_cte, int);
int	mime_dec_feed(struct mime_dec *, const void *, size_t, mime_out_fn,
	    void *);
int	mime_dec_finish(struct mime_dec *, mime_out_fn, void *);
int	mime_part_decode(const struct mime_msg *, const struct mime_part *,
	    uint64_t, uint64_t, mime_out_fn, void *);
int	mime_part_decoded_size(const struct mime_msg *,
	    const struct mime_part *, uint64_t *);

/* charset.c, rfc2047.c: text as UTF-8. */
struct mime_conv;
struct mime_conv *mime_conv_open(const char *);
int	mime_conv_feed(struct mime_conv *, const void *, size_t, mime_out_fn,
	    void *);
int	mime_conv_finish(struct mime_conv *, mime_out_fn, void *);
void	mime_conv_close(struct mime_conv *);
int	mime_charset_known(const char *);
int	mime_to_utf8(struct buf *, const char *, const void *, size_t);
int	mime_decode_words(struct buf *, const void *, size_t);

/* search.c: case-insensitive substring search over UTF-8. */
struct mime_match {
	unsigned char	*needle;	/* case-folded */
	size_t		 len;
	size_t		*fail;		/* KMP failure function */
	size_t		 state;
	int		 found;
	unsigned char	 pend[4];	/* a split UTF-8 sequence */
	size_t		 npend;
};
int	mime_fold(struct buf *, const void *, size_t);
int	mime_match_init(struct mime_match *, const void *, size_t);
void	mime_match_reset(struct mime_match *);
int	mime_match_feed(struct mime_match *, const void *, size_t);
void	mime_match_free(struct mime_match *);
int	mime_match_text(const void *, size_t, const void *, size_t);
int	mime_part_search(const struct mime_msg *, const struct mime_part *,
	    struct mime_match *);

#endif
