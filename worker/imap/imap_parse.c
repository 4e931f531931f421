/*
 * The IMAP command reader of the worker (pre-login) and the session
 * (post-login): collects a command's lines and literals under hard
 * limits, asks for each literal only once the grammar has said what
 * it is for (an argument, or the APPEND message with its own limit),
 * turns what the grammar finds wrong into the response RFC 3501, 9051
 * and 7888 ask for, and skips the rest of a refused command so that
 * the next one starts clean.  The grammars are in imap_command.c,
 * imap_search.c and imap_fetch_parse.c; see imap_parse.h for the
 * calling sequence.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "imap_lex.h"

enum {
	ST_IDLE = 0,		/* the first line of a command */
	ST_CONT,		/* the line after a literal */
	ST_LITERAL,		/* a literal's octets */
	ST_SKIP_LITERAL,	/* a refused command's octets */
	ST_SKIP_LINE,		/* the line after them */
};

struct imap_parser {
	struct imap_limits	 lim;
	int			 flags;
	int			 state;
	struct buf		 text;		/* lines, literals */
	struct imap_seg		*segs;
	size_t			 nsegs;
	size_t			 segcap;
	size_t			 cmdsize;	/* against cmd_max */
	size_t			 parsed;	/* early parses' work */
	size_t			 nlits;
	int			 append;	/* the command is APPEND */
	char			 tag[IMAP_TAG_MAX + 1];
	int			 tagged;
	uint64_t		 lit_left;
	int			 lit_sync;
	int			 lit_started;
	enum imap_literal_role	 lit_role;
	struct buf		 msg;		/* the APPEND message */
	struct buf		 mailbox;	/* APPEND's, before it */
	struct imap_arena	*arena;
	struct imap_parse_error	 err;
};

struct lit {
	int		 present;
	uint64_t	 size;
	int		 sync;
	int		 tilde;
};

static void	cmd_reset(struct imap_parser *);
static int	get_tag(struct imap_parser *, const char *, size_t);
static void	trailing_literal(const char *, size_t, struct lit *);
static int	push_seg(struct imap_parser *, int, uint64_t);
static int	set_error(struct imap_parser *, enum imap_resp, const char *,
		    const char *, ...)
		    __attribute__((__format__ (printf, 4, 5)));
static int	fail(struct imap_parser *, const struct lit *, enum imap_resp,
		    const char *, const char *);
static int	nomem(struct imap_parser *);
static int	misuse(struct imap_parser *);
static int	run(struct imap_parser *, struct imap_cmd **,
		    enum imap_literal_role *, struct imap_rd *);
static int	start_literal(struct imap_parser *, const struct lit *,
		    enum imap_literal_role);
static int	skip_line(struct imap_parser *, const char *, size_t);

void
imap_limits_default(struct imap_limits *l)
{
	l->line_max = IMAP_LINE_MAX_DEFAULT;
	l->cmd_max = IMAP_CMD_MAX_DEFAULT;
	l->literal_max = IMAP_LITERAL_MAX_DEFAULT;
	l->append_max = IMAP_APPEND_MAX_DEFAULT;
	l->discard_max = IMAP_APPEND_MAX_DEFAULT;
	l->args_max = IMAP_ARGS_MAX_DEFAULT;
	l->literals_max = IMAP_LITERALS_MAX_DEFAULT;
	l->depth_max = IMAP_DEPTH_MAX_DEFAULT;
	l->search_depth_max = IMAP_SEARCH_DEPTH_MAX_DEFAULT;
}

/* lim NULL: the defaults.  flags: IMAP_PF_*. */
struct imap_parser *
imap_parser_new(const struct imap_limits *lim, int flags)
{
	struct imap_parser	*p;

	if ((p = calloc(1, sizeof(*p))) == NULL)
		return NULL;
	if (lim != NULL)
		p->lim = *lim;
	else
		imap_limits_default(&p->lim);
	/* Zero limits would refuse everything; a zero means the default. */
	if (p->lim.line_max == 0)
		p->lim.line_max = IMAP_LINE_MAX_DEFAULT;
	if (p->lim.cmd_max == 0)
		p->lim.cmd_max = IMAP_CMD_MAX_DEFAULT;
	if (p->lim.literal_max == 0)
		p->lim.literal_max = IMAP_LITERAL_MAX_DEFAULT;
	if (p->lim.append_max == 0)
		p->lim.append_max = IMAP_APPEND_MAX_DEFAULT;
	if (p->lim.discard_max == 0)
		p->lim.discard_max = IMAP_APPEND_MAX_DEFAULT;
	if (p->lim.args_max == 0)
		p->lim.args_max = IMAP_ARGS_MAX_DEFAULT;
	if (p->lim.literals_max == 0)
		p->lim.literals_max = IMAP_LITERALS_MAX_DEFAULT;
	if (p->lim.depth_max <= 0)
		p->lim.depth_max = IMAP_DEPTH_MAX_DEFAULT;
	if (p->lim.search_depth_max <= 0)
		p->lim.search_depth_max = IMAP_SEARCH_DEPTH_MAX_DEFAULT;
	p->flags = flags;
	buf_init(&p->text);
	buf_init(&p->msg);
	buf_init(&p->mailbox);
	if ((p->arena = imap_arena_new()) == NULL) {
		free(p);
		return NULL;
	}
	return p;
}

void
imap_parser_free(struct imap_parser *p)
{
	if (p == NULL)
		return;
	cmd_reset(p);
	buf_free(&p->text);
	buf_free(&p->msg);
	buf_free(&p->mailbox);
	free(p->segs);
	imap_arena_free(p->arena);
	free(p);
}

/* After ENABLE or a change of what is advertised. */
void
imap_parser_set_flags(struct imap_parser *p, int flags)
{
	p->flags = flags;
}

int
imap_parser_flags(const struct imap_parser *p)
{
	return p->flags;
}

/* Forget any command in progress; the next line starts a new one. */
void
imap_parser_reset(struct imap_parser *p)
{
	cmd_reset(p);
	p->state = ST_IDLE;
}

/* Drop a command's state; its text may hold a password. */
static void
cmd_reset(struct imap_parser *p)
{
	if (p->text.data != NULL)
		explicit_bzero(p->text.data, p->text.len);
	buf_reset(&p->text);
	if (p->msg.cap > 1024 * 1024)
		buf_free(&p->msg);
	else
		buf_reset(&p->msg);
	/* Do not keep a hostile command's high-water mark forever. */
	if (p->text.cap > p->lim.line_max * 2) {
		buf_free(&p->text);
		free(p->segs);
		p->segs = NULL;
		p->segcap = 0;
	}
	buf_reset(&p->mailbox);
	p->nsegs = 0;
	p->cmdsize = 0;
	p->parsed = 0;
	p->nlits = 0;
	p->append = 0;
	p->tagged = 0;
	p->tag[0] = '\0';
	p->lit_left = 0;
	p->lit_sync = 0;
	p->lit_started = 0;
	if (p->arena != NULL)
		imap_arena_clear(p->arena);
}

/*
 * tag = 1*<any ASTRING-CHAR except "+">, then SP (or the end, which
 * the grammar reports as a missing command, tagged).  Without a tag
 * an error can only be untagged.
 */
static int
get_tag(struct imap_parser *p, const char *line, size_t len)
{
	size_t	n = 0;

	while (n < len && imap_tag_char((unsigned char)line[n]))
		n++;
	if (n == 0 || n > IMAP_TAG_MAX || (n < len && line[n] != ' '))
		return -1;
	memcpy(p->tag, line, n);
	p->tag[n] = '\0';
	p->tagged = 1;
	p->append = len - n > 8 && strncasecmp(line + n, " APPEND ", 8) == 0;
	return 0;
}

/*
 * Does the line end with a literal's announcement, "{N}", "{N+}",
 * "~{N}" or "~{N+}"?  Found even in a line the grammar refuses, so a
 * refused command's non-synchronizing literal can be skipped.  A size
 * past 2^63 - 1 is kept as UINT64_MAX, which every limit refuses.
 */
static void
trailing_literal(const char *line, size_t len, struct lit *l)
{
	size_t		i, end;
	uint64_t	v = 0;

	memset(l, 0, sizeof(*l));
	if (len < 3 || line[len - 1] != '}')
		return;
	end = len - 1;			/* just past the digits */
	l->sync = line[end - 1] != '+';
	if (!l->sync)
		end--;
	for (i = end; i > 0 && line[i - 1] >= '0' && line[i - 1] <= '9'; i--)
		;
	if (i == end || i == 0 || line[i - 1] != '{')
		return;
	l->present = 1;
	l->tilde = i >= 2 && line[i - 2] == '~';
	for (; i < end; i++) {
		if (v > ((uint64_t)INT64_MAX - (uint64_t)(line[i] - '0')) /
		    10) {
			v = UINT64_MAX;
			break;
		}
		v = v * 10 + (line[i] - '0');
	}
	l->size = v;
}

static int
push_seg(struct imap_parser *p, int kind, uint64_t len)
{
	struct imap_seg	*ns;
	size_t		 ncap;

	if (p->nsegs == p->segcap) {
		ncap = p->segcap ? p->segcap * 2 : 8;
		if ((ns = reallocarray(p->segs, ncap, sizeof(*ns))) == NULL)
			return -1;
		p->segs = ns;
		p->segcap = ncap;
	}
	ns = &p->segs[p->nsegs++];
	memset(ns, 0, sizeof(*ns));
	ns->kind = kind;
	ns->off = p->text.len;
	ns->len = len;
	return 0;
}

static int
set_error(struct imap_parser *p, enum imap_resp kind, const char *code,
    const char *fmt, ...)
{
	va_list	ap;

	memset(&p->err, 0, sizeof(p->err));
	p->err.kind = kind;
	p->err.code = code;
	if (kind != IMAP_RESP_BYE && p->tagged) {
		p->err.tagged = 1;
		(void)strlcpy(p->err.tag, p->tag, sizeof(p->err.tag));
	}
	va_start(ap, fmt);
	(void)vsnprintf(p->err.text, sizeof(p->err.text), fmt, ap);
	va_end(ap);
	return IMAP_PARSE_ERROR;
}

/*
 * Refuse the command in progress.  If its last line announced a
 * non-synchronizing literal the client sends it anyway: skip it and
 * the line after (RFC 7888 section 4, choice 1), unless it is too big
 * to be worth reading, when only closing the connection will do.
 */
static int
fail(struct imap_parser *p, const struct lit *l, enum imap_resp kind,
    const char *code, const char *text)
{
	char	t[sizeof(p->err.text)];

	(void)strlcpy(t, text, sizeof(t));
	set_error(p, kind, code, "%s", t);
	cmd_reset(p);
	p->state = ST_IDLE;
	if (kind == IMAP_RESP_BYE || l == NULL || !l->present || l->sync)
		return IMAP_PARSE_ERROR;
	if (l->size > p->lim.discard_max) {
		p->err.kind = IMAP_RESP_BYE;
		p->err.tagged = 0;
		return IMAP_PARSE_ERROR;
	}
	p->state = l->size > 0 ? ST_SKIP_LITERAL : ST_SKIP_LINE;
	p->lit_left = l->size;
	p->lit_role = IMAP_LIT_DISCARD;
	p->lit_sync = 0;
	return IMAP_PARSE_ERROR;
}

static int
nomem(struct imap_parser *p)
{
	cmd_reset(p);
	p->state = ST_IDLE;
	return set_error(p, IMAP_RESP_BYE, "SERVERBUG", "Out of memory");
}

/* The caller broke the calling sequence: nothing sane is left. */
static int
misuse(struct imap_parser *p)
{
	cmd_reset(p);
	p->state = ST_IDLE;
	return set_error(p, IMAP_RESP_BYE, "SERVERBUG",
	    "Internal error in command reader");
}

/* Parse everything received so far. */
static int
run(struct imap_parser *p, struct imap_cmd **cmdp,
    enum imap_literal_role *role, struct imap_rd *rd)
{
	struct imap_cmd	*cmd;
	size_t		 i;

	if (p->arena == NULL && (p->arena = imap_arena_new()) == NULL)
		return RD_NOMEM;
	imap_arena_clear(p->arena);
	if ((cmd = calloc(1, sizeof(*cmd))) == NULL)
		return RD_NOMEM;
	buf_init(&cmd->msg);
	memset(rd, 0, sizeof(*rd));
	rd->text = p->text.data;
	rd->segs = p->segs;
	rd->nsegs = p->nsegs;
	rd->lim = &p->lim;
	rd->flags = p->flags;
	rd->arena = p->arena;
	if (imap_parse_command(rd, cmd) == 0 && rd->status == RD_OK) {
		cmd->arena = p->arena;
		p->arena = NULL;
		for (i = 0; i < p->nsegs; i++)
			if (p->segs[i].kind == SEG_MSG &&
			    !p->segs[i].external) {
				cmd->msg = p->msg;
				buf_init(&p->msg);
				cmd->u.append.data = cmd->msg.data;
			}
		*cmdp = cmd;
		return RD_OK;
	}
	buf_reset(&p->mailbox);
	if (rd->status == RD_INCOMPLETE && rd->lit_role == IMAP_LIT_MESSAGE &&
	    cmd->id == IMAP_CMD_APPEND && cmd->u.append.mailbox != NULL &&
	    (buf_addstr(&p->mailbox, cmd->u.append.mailbox) == -1 ||
	    buf_add(&p->mailbox, "", 1) == -1)) {
		free(cmd);
		return RD_NOMEM;
	}
	free(cmd);
	if (rd->status == RD_OK)	/* a grammar forgot to say why */
		rd_err(rd, "Syntax error");
	*role = rd->lit_role;
	return rd->status;
}

int
imap_parser_line(struct imap_parser *p, const char *line, size_t len,
    struct imap_cmd **cmdp)
{
	struct imap_rd		 rd;
	struct lit		 l;
	enum imap_literal_role	 role = IMAP_LIT_STRING;
	int			 r;

	*cmdp = NULL;
	switch (p->state) {
	case ST_IDLE:
		cmd_reset(p);
		if (len == 0)
			return set_error(p, IMAP_RESP_BAD, NULL,
			    "Empty command line");
		(void)get_tag(p, line, len);
		break;
	case ST_CONT:
		break;
	case ST_SKIP_LINE:
		return skip_line(p, line, len);
	default:
		return misuse(p);
	}
	trailing_literal(line, len, &l);
	if (!p->tagged)
		return fail(p, &l, IMAP_RESP_BAD, NULL,
		    "Missing or invalid tag");
	if (len > p->lim.line_max)
		return fail(p, &l, IMAP_RESP_BAD, "TOOBIG", "Line too long");
	if (len > p->lim.cmd_max - p->cmdsize)
		return fail(p, &l, IMAP_RESP_BAD, "TOOBIG",
		    "Command too long");
	if (push_seg(p, SEG_TEXT, len) == -1 ||
	    buf_add(&p->text, line, len) == -1)
		return nomem(p);
	p->cmdsize += len;

	/*
	 * Parsing from the start at every literal would make a command
	 * of many literals cost its size squared.  Only APPEND needs the
	 * grammar to say what a literal is for (a name, or the message);
	 * elsewhere the early verdict only spares the client sending a
	 * synchronizing literal of a bad command, and gets a budget.
	 * The parse of the complete command checks everything.
	 */
	if (l.present && !p->append &&
	    (!l.sync || p->parsed > 2 * p->lim.cmd_max)) {
		if (l.tilde)
			return fail(p, &l, IMAP_RESP_BAD, NULL,
			    "literal8 is not allowed here");
		return start_literal(p, &l, IMAP_LIT_STRING);
	}
	p->parsed += p->cmdsize;
	r = run(p, cmdp, &role, &rd);
	switch (r) {
	case RD_OK:
		cmd_reset(p);
		p->state = ST_IDLE;
		return IMAP_PARSE_DONE;
	case RD_INCOMPLETE:
		if (!l.present)
			return fail(p, &l, IMAP_RESP_BAD, NULL,
			    "Unexpected end of command");
		return start_literal(p, &l, role);
	case RD_ERR:
		return fail(p, &l, IMAP_RESP_BAD, NULL, rd.err);
	default:
		return nomem(p);
	}
}

/* The grammar says what the literal is for: apply its limits. */
static int
start_literal(struct imap_parser *p, const struct lit *l,
    enum imap_literal_role role)
{
	char	t[sizeof(p->err.text)];

	if (++p->nlits > p->lim.literals_max)
		return fail(p, l, IMAP_RESP_BAD, NULL,
		    "Too many literals in one command");
	if (role == IMAP_LIT_MESSAGE && l->size > p->lim.append_max) {
		(void)snprintf(t, sizeof(t), "Message too large "
		    "(limit %llu octets)", (unsigned long long)
		    p->lim.append_max);
		/* A synchronizing literal was never sent: only NO. */
		return fail(p, l, l->sync ? IMAP_RESP_NO : IMAP_RESP_BAD,
		    "TOOBIG", t);
	}
	if (role != IMAP_LIT_MESSAGE && (l->size > p->lim.literal_max ||
	    l->size > p->lim.cmd_max - p->cmdsize))
		return fail(p, l, IMAP_RESP_BAD, "TOOBIG",
		    "Literal too large");
	if (!l->sync && !(p->flags & IMAP_PF_LITERAL_PLUS) &&
	    l->size > IMAP_LITERAL_MINUS_MAX)
		return fail(p, l, IMAP_RESP_BAD, "TOOBIG",
		    "Non-synchronizing literal over 4096 octets");
	if (push_seg(p, role == IMAP_LIT_MESSAGE ? SEG_MSG : SEG_LIT,
	    l->size) == -1)
		return nomem(p);
	p->segs[p->nsegs - 1].binary = l->tilde;
	if (role == IMAP_LIT_MESSAGE)
		buf_reset(&p->msg);
	else {
		p->cmdsize += (size_t)l->size;
		if (buf_reserve(&p->text, (size_t)l->size) == -1)
			return nomem(p);
	}
	p->lit_left = l->size;
	p->lit_sync = l->sync;
	p->lit_started = 0;
	p->lit_role = role;
	p->state = ST_LITERAL;
	if (l->size == 0 && !l->sync) {
		p->state = ST_CONT;
		return IMAP_PARSE_LINE;
	}
	return IMAP_PARSE_LITERAL;
}

/* A line of a refused command: it may announce one more literal. */
static int
skip_line(struct imap_parser *p, const char *line, size_t len)
{
	struct lit	l;

	trailing_literal(line, len, &l);
	p->state = ST_IDLE;
	if (!l.present || l.sync)
		return IMAP_PARSE_LINE;
	if (l.size > p->lim.discard_max)
		return set_error(p, IMAP_RESP_BYE, "TOOBIG",
		    "Literal too large");
	p->lit_left = l.size;
	p->lit_role = IMAP_LIT_DISCARD;
	p->lit_sync = 0;
	p->state = l.size > 0 ? ST_SKIP_LITERAL : ST_SKIP_LINE;
	return l.size > 0 ? IMAP_PARSE_LITERAL : IMAP_PARSE_LINE;
}

/*
 * The line reader dropped a line over its limit.  Nothing of it is
 * known, so the error is tagged only if the command's first line was
 * read before.
 */
int
imap_parser_toolong(struct imap_parser *p)
{
	switch (p->state) {
	case ST_IDLE:
		cmd_reset(p);
		return set_error(p, IMAP_RESP_BAD, "TOOBIG", "Line too long");
	case ST_CONT:
		return fail(p, NULL, IMAP_RESP_BAD, "TOOBIG",
		    "Line too long");
	case ST_SKIP_LINE:
		p->state = ST_IDLE;
		return IMAP_PARSE_LINE;
	default:
		return misuse(p);
	}
}

/* Octets of the pending literal; len must not exceed what is left. */
int
imap_parser_literal(struct imap_parser *p, const void *data, size_t len,
    struct imap_cmd **cmdp)
{
	struct imap_seg	*s;
	struct buf	*b;

	*cmdp = NULL;
	if (len > p->lit_left)
		return misuse(p);
	if (p->state == ST_SKIP_LITERAL) {
		p->lit_left -= len;
		if (p->lit_left > 0)
			return IMAP_PARSE_LITERAL;
		p->state = ST_SKIP_LINE;
		return IMAP_PARSE_LINE;
	}
	if (p->state != ST_LITERAL)
		return misuse(p);
	p->lit_started = 1;
	s = &p->segs[p->nsegs - 1];
	b = s->kind == SEG_MSG ? &p->msg : &p->text;
	if (len > 0) {
		if (memchr(data, '\0', len) != NULL)
			s->nul = 1;
		if (buf_add(b, data, len) == -1)
			return nomem(p);
	}
	p->lit_left -= len;
	if (p->lit_left > 0)
		return IMAP_PARSE_LITERAL;
	p->state = ST_CONT;
	return IMAP_PARSE_LINE;
}

/*
 * The caller reads the pending APPEND message itself (into a file,
 * say): it must read exactly imap_parser_literal_left() octets, then
 * hand over the next line.  The command will say external.
 */
int
imap_parser_literal_external(struct imap_parser *p)
{
	if (p->state != ST_LITERAL || p->lit_role != IMAP_LIT_MESSAGE ||
	    p->lit_started)
		return misuse(p);
	p->segs[p->nsegs - 1].external = 1;
	p->lit_left = 0;
	p->state = ST_CONT;
	return IMAP_PARSE_LINE;
}

uint64_t
imap_parser_literal_left(const struct imap_parser *p)
{
	return p->lit_left;
}

/* Must a continuation request go out before the octets are read? */
int
imap_parser_literal_sync(struct imap_parser *p)
{
	return p->state == ST_LITERAL && p->lit_sync && !p->lit_started;
}

enum imap_literal_role
imap_parser_literal_role(const struct imap_parser *p)
{
	return p->lit_role;
}

/*
 * The tag of the command being read, "*" when there is none: for an
 * answer the caller gives instead of a continuation request.
 */
const char *
imap_parser_tag(const struct imap_parser *p)
{
	return p->tagged ? p->tag : "*";
}

/*
 * While an APPEND waits for its message: the mailbox it names, as
 * sent, so the caller can refuse (TRYCREATE) or prepare before the
 * octets come.  NULL at any other time.
 */
const char *
imap_parser_append_mailbox(const struct imap_parser *p)
{
	if (p->state != ST_LITERAL || p->lit_role != IMAP_LIT_MESSAGE ||
	    p->mailbox.len == 0)
		return NULL;
	return (const char *)p->mailbox.data;
}

/* What to feed next: IMAP_PARSE_LINE or IMAP_PARSE_LITERAL. */
int
imap_parser_want(const struct imap_parser *p)
{
	if (p->state == ST_LITERAL || p->state == ST_SKIP_LITERAL)
		return IMAP_PARSE_LITERAL;
	return IMAP_PARSE_LINE;
}

const struct imap_parse_error *
imap_parser_error(const struct imap_parser *p)
{
	return &p->err;
}

/*
 * The response for the last error, without CRLF: "a1 BAD [TOOBIG]
 * Line too long", "* BAD Empty command line", "* BYE ...".  The tag
 * is the client's own, so it is safe to echo; the text is ours.
 */
int
imap_parser_error_line(const struct imap_parser *p, char *buf, size_t size)
{
	const struct imap_parse_error	*e = &p->err;
	const char			*kind;
	int				 r;

	kind = e->kind == IMAP_RESP_BYE ? "BYE" :
	    e->kind == IMAP_RESP_NO ? "NO" : "BAD";
	r = snprintf(buf, size, "%s %s %s%s%s%s", e->tagged ? e->tag : "*",
	    kind, e->code != NULL ? "[" : "", e->code != NULL ? e->code : "",
	    e->code != NULL ? "] " : "", e->text);
	if (r < 0 || (size_t)r >= size)
		return -1;
	return 0;
}

/* The line that ends IDLE (RFC 2177): "DONE", any case. */
int
imap_is_done_line(const char *line, size_t len)
{
	return len == 4 && strncasecmp(line, "DONE", 4) == 0;
}
