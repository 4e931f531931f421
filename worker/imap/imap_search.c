/*
 * The SEARCH grammar for the session (RFC 3501 6.4.4, RFC 9051 6.4.4
 * and section 9): the RETURN options of ESEARCH (RFC 4731) and SAVE
 * (RFC 5182), CHARSET, and every search key, built into a tree whose
 * root is the implicit AND of the program.  OR and NOT take the keys
 * that follow them, a parenthesised list is an AND, and nesting is
 * bounded both in parentheses and in key depth (NOT NOT NOT ...).
 */
#include <stdint.h>
#include <string.h>
#include <strings.h>

#include "imap_lex.h"

enum arg {
	ARG_NONE,
	ARG_ASTRING,
	ARG_KEYWORD,
	ARG_HEADER,
	ARG_DATE,
	ARG_NUMBER,
	ARG_SEQSET,
	ARG_NOT,
	ARG_OR,
	ARG_MODSEQ,
};

static const struct {
	const char		*name;
	enum imap_search_op	 op;
	enum arg		 arg;
} keys[] = {
	{ "ALL", IMAP_SK_ALL, ARG_NONE },
	{ "ANSWERED", IMAP_SK_ANSWERED, ARG_NONE },
	{ "BCC", IMAP_SK_BCC, ARG_ASTRING },
	{ "BEFORE", IMAP_SK_BEFORE, ARG_DATE },
	{ "BODY", IMAP_SK_BODY, ARG_ASTRING },
	{ "CC", IMAP_SK_CC, ARG_ASTRING },
	{ "DELETED", IMAP_SK_DELETED, ARG_NONE },
	{ "DRAFT", IMAP_SK_DRAFT, ARG_NONE },
	{ "FLAGGED", IMAP_SK_FLAGGED, ARG_NONE },
	{ "FROM", IMAP_SK_FROM, ARG_ASTRING },
	{ "HEADER", IMAP_SK_HEADER, ARG_HEADER },
	{ "KEYWORD", IMAP_SK_KEYWORD, ARG_KEYWORD },
	{ "LARGER", IMAP_SK_LARGER, ARG_NUMBER },
	{ "MODSEQ", IMAP_SK_MODSEQ, ARG_MODSEQ },
	{ "NEW", IMAP_SK_NEW, ARG_NONE },
	{ "NOT", IMAP_SK_NOT, ARG_NOT },
	{ "OLD", IMAP_SK_OLD, ARG_NONE },
	{ "ON", IMAP_SK_ON, ARG_DATE },
	{ "OR", IMAP_SK_OR, ARG_OR },
	{ "RECENT", IMAP_SK_RECENT, ARG_NONE },
	{ "SEEN", IMAP_SK_SEEN, ARG_NONE },
	{ "SENTBEFORE", IMAP_SK_SENTBEFORE, ARG_DATE },
	{ "SENTON", IMAP_SK_SENTON, ARG_DATE },
	{ "SENTSINCE", IMAP_SK_SENTSINCE, ARG_DATE },
	{ "SINCE", IMAP_SK_SINCE, ARG_DATE },
	{ "SMALLER", IMAP_SK_SMALLER, ARG_NUMBER },
	{ "SUBJECT", IMAP_SK_SUBJECT, ARG_ASTRING },
	{ "TEXT", IMAP_SK_TEXT, ARG_ASTRING },
	{ "TO", IMAP_SK_TO, ARG_ASTRING },
	{ "UID", IMAP_SK_UID, ARG_SEQSET },
	{ "UNANSWERED", IMAP_SK_UNANSWERED, ARG_NONE },
	{ "UNDELETED", IMAP_SK_UNDELETED, ARG_NONE },
	{ "UNDRAFT", IMAP_SK_UNDRAFT, ARG_NONE },
	{ "UNFLAGGED", IMAP_SK_UNFLAGGED, ARG_NONE },
	{ "UNKEYWORD", IMAP_SK_UNKEYWORD, ARG_KEYWORD },
	{ "UNSEEN", IMAP_SK_UNSEEN, ARG_NONE },
};

static struct imap_search_key *key_new(struct imap_rd *,
		    enum imap_search_op);
static int	search_key(struct imap_rd *, struct imap_cmd *, int,
		    struct imap_search_key **);
static int	search_modseq(struct imap_rd *, struct imap_search_key *);
static int	search_return(struct imap_rd *, struct imap_cmd *);

static struct imap_search_key *
key_new(struct imap_rd *rd, enum imap_search_op op)
{
	struct imap_search_key	*k;

	if (rd_count(rd) == -1)
		return NULL;
	if ((k = imap_arena_calloc(rd->arena, 1, sizeof(*k))) == NULL) {
		rd_nomem(rd);
		return NULL;
	}
	k->op = op;
	if (op == IMAP_SK_AND || op == IMAP_SK_OR || op == IMAP_SK_NOT)
		TAILQ_INIT(&k->u.kids);
	return k;
}

/*
 * search-modsequence = "MODSEQ" [SP entry-name SP entry-type-req] SP
 * mod-sequence-valzer (RFC 7162), entry-name a quoted "/flags/<flag>".
 */
static int
search_modseq(struct imap_rd *rd, struct imap_search_key *k)
{
	char	*e, w[16];

	if (rd_peek(rd) == '"') {
		if (rd_string(rd, &e, NULL) == -1)
			return -1;
		if (strncasecmp(e, "/flags/", 7) != 0 || e[7] == '\0')
			return rd_err(rd, "Invalid MODSEQ entry name");
		if (rd_sp(rd) == -1 || rd_word(rd, w, sizeof(w), NULL) == -1)
			return -1;
		if (strcmp(w, "PRIV") == 0)
			k->u.modseq.type = IMAP_MODSEQ_PRIV;
		else if (strcmp(w, "SHARED") == 0)
			k->u.modseq.type = IMAP_MODSEQ_SHARED;
		else if (strcmp(w, "ALL") == 0)
			k->u.modseq.type = IMAP_MODSEQ_ALL;
		else
			return rd_err(rd, "Invalid MODSEQ entry type");
		k->u.modseq.entry = e;
		if (rd_sp(rd) == -1)
			return -1;
	}
	return rd_number64(rd, &k->u.modseq.value);
}

/* One search-key, with what follows it for OR, NOT and lists. */
static int
search_key(struct imap_rd *rd, struct imap_cmd *cmd, int depth,
    struct imap_search_key **out)
{
	struct imap_search_key	*k, *kid;
	char			 w[16];
	size_t			 i;
	int			 c, n;

	if (depth > rd->lim->search_depth_max)
		return rd_err(rd, "Search keys nested too deeply (limit %d)",
		    rd->lim->search_depth_max);
	c = rd_peek(rd);
	if (c == '(') {
		if ((k = key_new(rd, IMAP_SK_AND)) == NULL ||
		    rd_open(rd) == -1)
			return -1;
		do {
			if (search_key(rd, cmd, depth + 1, &kid) == -1)
				return -1;
			TAILQ_INSERT_TAIL(&k->u.kids, kid, entry);
		} while (rd_more(rd));
		if (rd_close(rd) == -1)
			return -1;
		*out = k;
		return 0;
	}
	if ((c >= '0' && c <= '9') || c == '*' || c == '$') {
		if ((k = key_new(rd, IMAP_SK_SEQSET)) == NULL ||
		    rd_seqset(rd, &k->u.set, SEQ_DOLLAR | SEQ_STAR) == -1)
			return -1;
		*out = k;
		return 0;
	}
	if (c == -1 && rd->status == RD_OK)
		return rd_err(rd, "Missing search key");
	if (rd_word(rd, w, sizeof(w), NULL) == -1)
		return rd_err(rd, "Invalid search key");
	for (i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
		if (strcmp(w, keys[i].name) == 0)
			break;
	if (i == sizeof(keys) / sizeof(keys[0]))
		return rd_err(rd, "Unknown search key");
	if ((k = key_new(rd, keys[i].op)) == NULL)
		return -1;
	if (keys[i].arg != ARG_NONE && rd_sp(rd) == -1)
		return -1;
	switch (keys[i].arg) {
	case ARG_NONE:
		break;
	case ARG_ASTRING:
		if (rd_astring(rd, &k->u.str, NULL) == -1)
			return -1;
		break;
	case ARG_KEYWORD:
		if (rd_atom(rd, &k->u.str) == -1)
			return -1;
		break;
	case ARG_HEADER:
		if (rd_astring(rd, &k->u.header.field, NULL) == -1 ||
		    rd_sp(rd) == -1 ||
		    rd_astring(rd, &k->u.header.value, NULL) == -1)
			return -1;
		break;
	case ARG_DATE:
		if (rd_date(rd, &k->u.date) == -1)
			return -1;
		break;
	case ARG_NUMBER:
		if (rd_number64(rd, &k->u.size) == -1)
			return -1;
		break;
	case ARG_SEQSET:
		if (rd_seqset(rd, &k->u.set, SEQ_DOLLAR | SEQ_STAR) == -1)
			return -1;
		break;
	case ARG_MODSEQ:
		if (search_modseq(rd, k) == -1)
			return -1;
		cmd->u.search.has_modseq = 1;
		break;
	case ARG_NOT:
	case ARG_OR:
		for (n = keys[i].arg == ARG_OR ? 2 : 1; n > 0; n--) {
			if (search_key(rd, cmd, depth + 1, &kid) == -1)
				return -1;
			TAILQ_INSERT_TAIL(&k->u.kids, kid, entry);
			if (n > 1 && rd_sp(rd) == -1)
				return -1;
		}
		break;
	}
	*out = k;
	return 0;
}

/*
 * search-return-opts = SP "RETURN" SP "(" [search-return-opt *(SP
 * search-return-opt)] ")"; "RETURN ()" means ALL (RFC 4731 3.1).
 */
static int
search_return(struct imap_rd *rd, struct imap_cmd *cmd)
{
	static const struct rd_option opts[] = {
		{ "MIN", IMAP_SEARCH_RET_MIN },
		{ "MAX", IMAP_SEARCH_RET_MAX },
		{ "ALL", IMAP_SEARCH_RET_ALL },
		{ "COUNT", IMAP_SEARCH_RET_COUNT },
		{ "SAVE", IMAP_SEARCH_RET_SAVE },
	};
	char	w[16];

	cmd->u.search.ret_given = 1;
	if (rd_sp(rd) == -1 || rd_open(rd) == -1)
		return -1;
	while (rd_peek(rd) != ')') {
		if (rd_word(rd, w, sizeof(w), NULL) == -1 ||
		    rd_option(opts, sizeof(opts) / sizeof(opts[0]), w,
		    &cmd->u.search.ret) == -1)
			return rd_err(rd, "Unknown SEARCH return option");
		if (!rd_more(rd))
			break;
	}
	if (rd_close(rd) == -1)
		return -1;
	if (cmd->u.search.ret == 0)
		cmd->u.search.ret = IMAP_SEARCH_RET_ALL;
	return 0;
}

/*
 * search = "SEARCH" [search-return-opts] SP ["CHARSET" SP charset SP]
 * search-key *(SP search-key)
 */
int
imap_parse_search(struct imap_rd *rd, struct imap_cmd *cmd)
{
	struct imap_search_key	*root, *k;

	if (rd_sp(rd) == -1)
		return -1;
	if (rd_is(rd, "RETURN")) {
		if (search_return(rd, cmd) == -1 || rd_sp(rd) == -1)
			return -1;
	}
	if (rd_is(rd, "CHARSET")) {
		if (rd_sp(rd) == -1 ||
		    rd_astring(rd, &cmd->u.search.charset, NULL) == -1 ||
		    rd_sp(rd) == -1)
			return -1;
	}
	if ((root = key_new(rd, IMAP_SK_AND)) == NULL)
		return -1;
	do {
		if (search_key(rd, cmd, 1, &k) == -1)
			return -1;
		TAILQ_INSERT_TAIL(&root->u.kids, k, entry);
	} while (rd_more(rd));
	cmd->u.search.root = root;
	return 0;
}

/* The key's name, for logs and tests. */
const char *
imap_search_op_name(enum imap_search_op op)
{
	size_t	i;

	if (op == IMAP_SK_AND)
		return "AND";
	if (op == IMAP_SK_SEQSET)
		return "SEQSET";
	for (i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
		if (keys[i].op == op)
			return keys[i].name;
	return "?";
}
