/*
 * The grammar of every IMAP command but SEARCH and FETCH, for the
 * worker and the session: RFC 3501 and 9051 section 9 with ENABLE
 * (RFC 5161), SASL-IR (4959), LIST-EXTENDED (5258), LIST-STATUS
 * (5819), SPECIAL-USE (6154), UIDPLUS's UID EXPUNGE (4315), MOVE
 * (6851), ID (2971), IDLE (2177), BINARY's APPEND (3516) and the
 * CONDSTORE/QRESYNC parameters of SELECT and STORE (7162).  Each
 * command is parsed into its typed form; what a grammar refuses comes
 * back as a BAD with the reason.  Which commands are allowed in which
 * state is the session's business, not this file's.
 */
#include <ctype.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "imap_lex.h"

/* RFC 2971 section 3.3. */
#define ID_FIELD_MAX	30
#define ID_VALUE_MAX	1024
#define ID_PAIRS_MAX	30

static int	p_none(struct imap_rd *, struct imap_cmd *);
static int	p_authenticate(struct imap_rd *, struct imap_cmd *);
static int	p_login(struct imap_rd *, struct imap_cmd *);
static int	p_enable(struct imap_rd *, struct imap_cmd *);
static int	p_select(struct imap_rd *, struct imap_cmd *);
static int	p_qresync(struct imap_rd *, struct imap_cmd *);
static int	p_create(struct imap_rd *, struct imap_cmd *);
static int	p_mailbox(struct imap_rd *, struct imap_cmd *);
static int	p_rename(struct imap_rd *, struct imap_cmd *);
static int	p_list(struct imap_rd *, struct imap_cmd *);
static int	p_list_select(struct imap_rd *, struct imap_cmd *);
static int	p_list_return(struct imap_rd *, struct imap_cmd *);
static int	p_lsub(struct imap_rd *, struct imap_cmd *);
static int	p_status(struct imap_rd *, struct imap_cmd *);
static int	p_status_list(struct imap_rd *, unsigned int *);
static int	p_append(struct imap_rd *, struct imap_cmd *);
static int	p_expunge(struct imap_rd *, struct imap_cmd *);
static int	p_store(struct imap_rd *, struct imap_cmd *);
static int	p_copy(struct imap_rd *, struct imap_cmd *);
static int	p_id(struct imap_rd *, struct imap_cmd *);
static int	p_search(struct imap_rd *, struct imap_cmd *);
static int	p_fetch(struct imap_rd *, struct imap_cmd *);
static int	base64_syntax(const char *, size_t);

#define UID_OK	0x01	/* may follow "UID" */
#define UID_ONLY 0x02	/* has arguments only after "UID" (EXPUNGE) */

static const struct {
	const char		*name;
	enum imap_cmd_id	 id;
	int		       (*parse)(struct imap_rd *, struct imap_cmd *);
	int			 uid;
} commands[] = {
	{ "APPEND", IMAP_CMD_APPEND, p_append, 0 },
	{ "AUTHENTICATE", IMAP_CMD_AUTHENTICATE, p_authenticate, 0 },
	{ "CAPABILITY", IMAP_CMD_CAPABILITY, p_none, 0 },
	{ "CHECK", IMAP_CMD_CHECK, p_none, 0 },
	{ "CLOSE", IMAP_CMD_CLOSE, p_none, 0 },
	{ "COPY", IMAP_CMD_COPY, p_copy, UID_OK },
	{ "CREATE", IMAP_CMD_CREATE, p_create, 0 },
	{ "DELETE", IMAP_CMD_DELETE, p_mailbox, 0 },
	{ "ENABLE", IMAP_CMD_ENABLE, p_enable, 0 },
	{ "EXAMINE", IMAP_CMD_EXAMINE, p_select, 0 },
	{ "EXPUNGE", IMAP_CMD_EXPUNGE, p_expunge, UID_OK | UID_ONLY },
	{ "FETCH", IMAP_CMD_FETCH, p_fetch, UID_OK },
	{ "ID", IMAP_CMD_ID, p_id, 0 },
	{ "IDLE", IMAP_CMD_IDLE, p_none, 0 },
	{ "LIST", IMAP_CMD_LIST, p_list, 0 },
	{ "LOGIN", IMAP_CMD_LOGIN, p_login, 0 },
	{ "LOGOUT", IMAP_CMD_LOGOUT, p_none, 0 },
	{ "LSUB", IMAP_CMD_LSUB, p_lsub, 0 },
	{ "MOVE", IMAP_CMD_MOVE, p_copy, UID_OK },
	{ "NAMESPACE", IMAP_CMD_NAMESPACE, p_none, 0 },
	{ "NOOP", IMAP_CMD_NOOP, p_none, 0 },
	{ "RENAME", IMAP_CMD_RENAME, p_rename, 0 },
	{ "SEARCH", IMAP_CMD_SEARCH, p_search, UID_OK },
	{ "SELECT", IMAP_CMD_SELECT, p_select, 0 },
	{ "STARTTLS", IMAP_CMD_STARTTLS, p_none, 0 },
	{ "STATUS", IMAP_CMD_STATUS, p_status, 0 },
	{ "STORE", IMAP_CMD_STORE, p_store, UID_OK },
	{ "SUBSCRIBE", IMAP_CMD_SUBSCRIBE, p_mailbox, 0 },
	{ "UNSELECT", IMAP_CMD_UNSELECT, p_none, 0 },
	{ "UNSUBSCRIBE", IMAP_CMD_UNSUBSCRIBE, p_mailbox, 0 },
};

/* command = tag SP (command-any / command-auth / ...) CRLF */
int
imap_parse_command(struct imap_rd *rd, struct imap_cmd *cmd)
{
	char	name[16];
	size_t	i, n;
	int	uid = 0;

	if (rd_peek(rd) == -1 || !imap_tag_char(rd_peek(rd)))
		return rd_err(rd, "Missing or invalid tag");
	if (rd_chars(rd, imap_tag_char, &cmd->tag, &n) == -1)
		return -1;
	if (n > IMAP_TAG_MAX)
		return rd_err(rd, "Tag too long");
	if (rd_peek(rd) == -1)
		return rd_err(rd, "Missing command");
	if (rd_sp(rd) == -1)
		return -1;
	if (rd_peek(rd) == -1 || !imap_atom_char(rd_peek(rd)))
		return rd_err(rd, "Missing command");
	if (rd_word(rd, name, sizeof(name), NULL) == -1)
		return rd_err(rd, "Unknown command");
	if (strcmp(name, "UID") == 0) {
		uid = 1;
		if (rd_sp(rd) == -1 ||
		    rd_word(rd, name, sizeof(name), NULL) == -1)
			return rd_err(rd, "Missing or unknown UID command");
	}
	for (i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		if (strcmp(name, commands[i].name) == 0)
			break;
	if (i == sizeof(commands) / sizeof(commands[0]))
		return rd_err(rd, uid ? "Unknown UID command" :
		    "Unknown command");
	if (uid && !(commands[i].uid & UID_OK))
		return rd_err(rd, "%s cannot follow UID", commands[i].name);
	cmd->id = commands[i].id;
	cmd->name = commands[i].name;
	cmd->uid = uid;
	if (commands[i].parse(rd, cmd) == -1)
		return -1;
	return rd_end(rd);
}

/* CAPABILITY, NOOP, LOGOUT, STARTTLS, NAMESPACE, IDLE, CHECK, ... */
static int
p_none(struct imap_rd *rd, struct imap_cmd *cmd)
{
	return 0;
}

/* UID EXPUNGE takes a set (RFC 4315); EXPUNGE takes nothing. */
static int
p_expunge(struct imap_rd *rd, struct imap_cmd *cmd)
{
	if (!cmd->uid)
		return 0;
	if (rd_sp(rd) == -1)
		return -1;
	return rd_seqset(rd, &cmd->u.expunge.set, SEQ_DOLLAR | SEQ_STAR);
}

/* base64 = *(4base64-char) [base64-terminal] */
static int
base64_syntax(const char *s, size_t len)
{
	size_t	i, pad = 0;

	if (len % 4 != 0)
		return -1;
	for (i = 0; i < len; i++) {
		if (s[i] == '=') {
			pad++;
			continue;
		}
		if (pad > 0)
			return -1;
		if (!((s[i] >= 'A' && s[i] <= 'Z') ||
		    (s[i] >= 'a' && s[i] <= 'z') ||
		    (s[i] >= '0' && s[i] <= '9') || s[i] == '+' ||
		    s[i] == '/'))
			return -1;
	}
	return pad > 2 ? -1 : 0;
}

/*
 * "AUTHENTICATE" SP auth-type [SP initial-resp], initial-resp = base64
 * / "=" (RFC 4959)
 */
static int
p_authenticate(struct imap_rd *rd, struct imap_cmd *cmd)
{
	char	*s;
	size_t	 len;

	if (rd_sp(rd) == -1 || rd_atom(rd, &cmd->u.auth.mech) == -1)
		return -1;
	for (s = cmd->u.auth.mech; *s != '\0'; s++)
		*s = (char)toupper((unsigned char)*s);
	if (rd_peek(rd) != ' ')
		return 0;
	if (rd_sp(rd) == -1 || rd_atom(rd, &s) == -1)
		return -1;
	len = strlen(s);
	if (len == 1 && s[0] == '=') {
		cmd->u.auth.initial = s + 1;
		return 0;
	}
	if (base64_syntax(s, len) == -1)
		return rd_err(rd, "Invalid base64 in initial response");
	cmd->u.auth.initial = s;
	return 0;
}

/* "LOGIN" SP userid SP password */
static int
p_login(struct imap_rd *rd, struct imap_cmd *cmd)
{
	if (rd_sp(rd) == -1 ||
	    rd_astring(rd, &cmd->u.login.user, NULL) == -1)
		return -1;
	if (rd_sp(rd) == -1 ||
	    rd_astring(rd, &cmd->u.login.pass, NULL) == -1)
		return -1;
	return 0;
}

/* "ENABLE" 1*(SP capability) */
static int
p_enable(struct imap_rd *rd, struct imap_cmd *cmd)
{
	char	*s;

	do {
		if (rd_sp(rd) == -1 || rd_atom(rd, &s) == -1)
			return -1;
		if (rd_push(rd, &cmd->u.enable.caps, &cmd->u.enable.ncaps,
		    s) == -1)
			return -1;
	} while (rd_peek(rd) == ' ');
	return 0;
}

/*
 * "QRESYNC" SP "(" uidvalidity SP mod-sequence-value [SP known-uids]
 * [SP seq-match-data] ")", seq-match-data = "(" known-sequence-set SP
 * known-uid-set ")" (RFC 7162 section 7).
 */
static int
p_qresync(struct imap_rd *rd, struct imap_cmd *cmd)
{
	uint64_t	modseq;

	if (rd_sp(rd) == -1 || rd_open(rd) == -1)
		return -1;
	if (rd_nz_number(rd, &cmd->u.select.uidvalidity) == -1 ||
	    rd_sp(rd) == -1 || rd_number64(rd, &modseq) == -1)
		return -1;
	if (modseq == 0)
		return rd_err(rd, "QRESYNC mod-sequence must be non-zero");
	cmd->u.select.modseq = modseq;
	if (rd_peek(rd) == ' ' && rd_peek2(rd) != '(') {
		rd_skip(rd, 1);
		if (rd_seqset(rd, &cmd->u.select.known_uids, 0) == -1)
			return -1;
	}
	if (rd_peek(rd) == ' ') {
		rd_skip(rd, 1);
		if (rd_open(rd) == -1 ||
		    rd_seqset(rd, &cmd->u.select.match_seq, 0) == -1 ||
		    rd_sp(rd) == -1 ||
		    rd_seqset(rd, &cmd->u.select.match_uid, 0) == -1 ||
		    rd_close(rd) == -1)
			return -1;
	}
	return rd_close(rd);
}

/*
 * "SELECT" / "EXAMINE" SP mailbox [SP "(" select-param *(SP
 * select-param) ")"]
 */
static int
p_select(struct imap_rd *rd, struct imap_cmd *cmd)
{
	char	w[16];

	if (rd_sp(rd) == -1 || rd_mailbox(rd, &cmd->u.select.mailbox) == -1)
		return -1;
	if (rd_peek(rd) != ' ')
		return 0;
	if (rd_sp(rd) == -1 || rd_open(rd) == -1)
		return -1;
	do {
		if (rd_word(rd, w, sizeof(w), NULL) == -1)
			return rd_err(rd, "Unknown SELECT parameter");
		if (strcmp(w, "CONDSTORE") == 0 && !cmd->u.select.condstore)
			cmd->u.select.condstore = 1;
		else if (strcmp(w, "QRESYNC") == 0 && !cmd->u.select.qresync) {
			cmd->u.select.qresync = 1;
			if (p_qresync(rd, cmd) == -1)
				return -1;
		} else
			return rd_err(rd, "Unknown or repeated SELECT "
			    "parameter");
	} while (rd_more(rd));
	return rd_close(rd);
}

static const struct {
	const char	*name;
	unsigned int	 bit;
} use_attrs[] = {
	{ "\\ALL", IMAP_USE_ALL },
	{ "\\ARCHIVE", IMAP_USE_ARCHIVE },
	{ "\\DRAFTS", IMAP_USE_DRAFTS },
	{ "\\FLAGGED", IMAP_USE_FLAGGED },
	{ "\\JUNK", IMAP_USE_JUNK },
	{ "\\SENT", IMAP_USE_SENT },
	{ "\\TRASH", IMAP_USE_TRASH },
};

/*
 * "CREATE" SP mailbox [SP "(" create-param *(SP create-param) ")"],
 * create-param = "USE" SP "(" [use-attr *(SP use-attr)] ")" (RFC
 * 6154).  An unknown use-attr is the session's NO [USEATTR], not BAD.
 */
static int
p_create(struct imap_rd *rd, struct imap_cmd *cmd)
{
	char	 w[16], *a;
	size_t	 i;
	int	 seen = 0;

	if (rd_sp(rd) == -1 || rd_mailbox(rd, &cmd->u.create.mailbox) == -1)
		return -1;
	if (rd_peek(rd) != ' ')
		return 0;
	if (rd_sp(rd) == -1 || rd_open(rd) == -1)
		return -1;
	do {
		if (rd_word(rd, w, sizeof(w), NULL) == -1 ||
		    strcmp(w, "USE") != 0 || seen++)
			return rd_err(rd, "Unknown or repeated CREATE "
			    "parameter");
		if (rd_sp(rd) == -1 || rd_open(rd) == -1)
			return -1;
		while (rd_peek(rd) != ')') {
			if (rd_char(rd, '\\') == -1 || rd_atom(rd, &a) == -1)
				return rd_err(rd, "Invalid USE attribute");
			for (i = 0; i < sizeof(use_attrs) /
			    sizeof(use_attrs[0]); i++)
				if (strcasecmp(a, use_attrs[i].name + 1) == 0)
					break;
			if (i < sizeof(use_attrs) / sizeof(use_attrs[0]))
				cmd->u.create.use |= use_attrs[i].bit;
			else if (cmd->u.create.use_unknown == NULL)
				cmd->u.create.use_unknown = a;
			if (!rd_more(rd))
				break;
		}
		if (rd_close(rd) == -1)
			return -1;
	} while (rd_more(rd));
	return rd_close(rd);
}

/* DELETE, SUBSCRIBE, UNSUBSCRIBE: SP mailbox */
static int
p_mailbox(struct imap_rd *rd, struct imap_cmd *cmd)
{
	if (rd_sp(rd) == -1)
		return -1;
	return rd_mailbox(rd, &cmd->u.mbox.mailbox);
}

/* "RENAME" SP mailbox SP mailbox */
static int
p_rename(struct imap_rd *rd, struct imap_cmd *cmd)
{
	if (rd_sp(rd) == -1 || rd_mailbox(rd, &cmd->u.rename.from) == -1)
		return -1;
	if (rd_sp(rd) == -1)
		return -1;
	return rd_mailbox(rd, &cmd->u.rename.to);
}

/*
 * list-select-opts = "(" [list-select-opt *(SP list-select-opt)] ")"
 * with SUBSCRIBED, REMOTE, RECURSIVEMATCH (never without SUBSCRIBED:
 * RFC 5258 3.1 asks for BAD) and SPECIAL-USE (RFC 6154).  Unknown
 * options are refused: none of them can be ignored safely.
 */
static int
p_list_select(struct imap_rd *rd, struct imap_cmd *cmd)
{
	static const struct rd_option opts[] = {
		{ "SUBSCRIBED", IMAP_LIST_SEL_SUBSCRIBED },
		{ "REMOTE", IMAP_LIST_SEL_REMOTE },
		{ "RECURSIVEMATCH", IMAP_LIST_SEL_RECURSIVEMATCH },
		{ "SPECIAL-USE", IMAP_LIST_SEL_SPECIALUSE },
	};
	char	w[24];

	if (rd_open(rd) == -1)
		return -1;
	while (rd_peek(rd) != ')') {
		if (rd_word(rd, w, sizeof(w), NULL) == -1 ||
		    rd_option(opts, sizeof(opts) / sizeof(opts[0]), w,
		    &cmd->u.list.sel) == -1)
			return rd_err(rd, "Unknown LIST selection option");
		if (!rd_more(rd))
			break;
	}
	if (rd_close(rd) == -1)
		return -1;
	if ((cmd->u.list.sel & IMAP_LIST_SEL_RECURSIVEMATCH) &&
	    !(cmd->u.list.sel & IMAP_LIST_SEL_SUBSCRIBED))
		return rd_err(rd, "RECURSIVEMATCH needs another selection "
		    "option");
	/* RFC 5258 3.1, RFC 6154 2: the selection implies the return. */
	if (cmd->u.list.sel & IMAP_LIST_SEL_SUBSCRIBED)
		cmd->u.list.ret |= IMAP_LIST_RET_SUBSCRIBED;
	if (cmd->u.list.sel & IMAP_LIST_SEL_SPECIALUSE)
		cmd->u.list.ret |= IMAP_LIST_RET_SPECIALUSE;
	return 0;
}

/* "RETURN" SP "(" [return-option *(SP return-option)] ")" */
static int
p_list_return(struct imap_rd *rd, struct imap_cmd *cmd)
{
	static const struct rd_option opts[] = {
		{ "SUBSCRIBED", IMAP_LIST_RET_SUBSCRIBED },
		{ "CHILDREN", IMAP_LIST_RET_CHILDREN },
		{ "SPECIAL-USE", IMAP_LIST_RET_SPECIALUSE },
	};
	char	w[24];

	if (!rd_is(rd, "RETURN"))
		return rd_err(rd, "Expected RETURN");
	if (rd_sp(rd) == -1 || rd_open(rd) == -1)
		return -1;
	while (rd_peek(rd) != ')') {
		if (rd_word(rd, w, sizeof(w), NULL) == -1)
			return rd_err(rd, "Unknown LIST return option");
		/* STATUS takes its items, and only once (RFC 5819). */
		if (strcmp(w, "STATUS") == 0 &&
		    !(cmd->u.list.ret & IMAP_LIST_RET_STATUS)) {
			cmd->u.list.ret |= IMAP_LIST_RET_STATUS;
			if (rd_sp(rd) == -1 ||
			    p_status_list(rd, &cmd->u.list.status) == -1)
				return -1;
		} else if (rd_option(opts, sizeof(opts) / sizeof(opts[0]), w,
		    &cmd->u.list.ret) == -1)
			return rd_err(rd, "Unknown LIST return option");
		if (!rd_more(rd))
			break;
	}
	return rd_close(rd);
}

/*
 * list = "LIST" [SP list-select-opts] SP mailbox SP mbox-or-pat
 *     [SP list-return-opts], mbox-or-pat = list-mailbox / patterns
 */
static int
p_list(struct imap_rd *rd, struct imap_cmd *cmd)
{
	char	*pat;

	if (rd_sp(rd) == -1)
		return -1;
	if (rd_peek(rd) == '(') {
		cmd->u.list.extended = 1;
		if (p_list_select(rd, cmd) == -1 || rd_sp(rd) == -1)
			return -1;
	}
	if (rd_mailbox(rd, &cmd->u.list.ref) == -1 || rd_sp(rd) == -1)
		return -1;
	if (rd_peek(rd) == '(') {
		cmd->u.list.extended = 1;
		if (rd_open(rd) == -1)
			return -1;
		do {
			if (rd_list_mailbox(rd, &pat) == -1 ||
			    rd_push(rd, &cmd->u.list.patterns,
			    &cmd->u.list.npatterns, pat) == -1)
				return -1;
		} while (rd_more(rd));
		if (rd_close(rd) == -1)
			return -1;
	} else if (rd_list_mailbox(rd, &pat) == -1 ||
	    rd_push(rd, &cmd->u.list.patterns, &cmd->u.list.npatterns,
	    pat) == -1)
		return -1;
	if (rd_peek(rd) != ' ')
		return 0;
	cmd->u.list.extended = 1;
	rd_skip(rd, 1);
	return p_list_return(rd, cmd);
}

/* "LSUB" SP mailbox SP list-mailbox */
static int
p_lsub(struct imap_rd *rd, struct imap_cmd *cmd)
{
	char	*pat;

	if (rd_sp(rd) == -1 || rd_mailbox(rd, &cmd->u.list.ref) == -1 ||
	    rd_sp(rd) == -1 || rd_list_mailbox(rd, &pat) == -1)
		return -1;
	return rd_push(rd, &cmd->u.list.patterns, &cmd->u.list.npatterns,
	    pat);
}

/* "(" status-att *(SP status-att) ")" */
static int
p_status_list(struct imap_rd *rd, unsigned int *mask)
{
	if (rd_open(rd) == -1)
		return -1;
	do {
		if (rd_status_att(rd, mask) == -1)
			return -1;
	} while (rd_more(rd));
	return rd_close(rd);
}

/* "STATUS" SP mailbox SP "(" status-att *(SP status-att) ")" */
static int
p_status(struct imap_rd *rd, struct imap_cmd *cmd)
{
	if (rd_sp(rd) == -1 || rd_mailbox(rd, &cmd->u.status.mailbox) == -1 ||
	    rd_sp(rd) == -1)
		return -1;
	return p_status_list(rd, &cmd->u.status.items);
}

/*
 * "APPEND" SP mailbox [SP flag-list] [SP date-time] SP (literal /
 * literal8).  One message only: MULTIAPPEND is not offered.
 */
static int
p_append(struct imap_rd *rd, struct imap_cmd *cmd)
{
	const struct imap_seg	*s;

	if (rd_sp(rd) == -1 || rd_mailbox(rd, &cmd->u.append.mailbox) == -1 ||
	    rd_sp(rd) == -1)
		return -1;
	if (rd_peek(rd) == '(') {
		if (rd_flag_list(rd, &cmd->u.append.flags) == -1 ||
		    rd_sp(rd) == -1)
			return -1;
	}
	if (rd_peek(rd) == '"') {
		if (rd_datetime(rd, &cmd->u.append.date,
		    &cmd->u.append.zone) == -1 || rd_sp(rd) == -1)
			return -1;
		cmd->u.append.has_date = 1;
	}
	if (rd_message(rd, &s) == -1)
		return -1;
	cmd->u.append.size = s->len;
	cmd->u.append.binary = s->binary;
	cmd->u.append.external = s->external;
	if (rd_peek(rd) == ' ')
		return rd_err(rd, "Only one message per APPEND");
	return 0;
}

/*
 * "STORE" SP sequence-set [SP "(" "UNCHANGEDSINCE" SP
 * mod-sequence-valzer ")"] SP store-att-flags, store-att-flags =
 * (["+" / "-"] "FLAGS" [".SILENT"]) SP (flag-list / (flag *(SP flag)))
 */
static int
p_store(struct imap_rd *rd, struct imap_cmd *cmd)
{
	char		 w[24], *n;

	if (rd_sp(rd) == -1 || rd_seqset(rd, &cmd->u.store.set,
	    SEQ_DOLLAR | SEQ_STAR) == -1 || rd_sp(rd) == -1)
		return -1;
	if (rd_peek(rd) == '(') {
		if (rd_open(rd) == -1)
			return -1;
		if (!rd_is(rd, "UNCHANGEDSINCE"))
			return rd_err(rd, "Unknown STORE modifier");
		if (rd_sp(rd) == -1 ||
		    rd_number64(rd, &cmd->u.store.unchangedsince) == -1 ||
		    rd_close(rd) == -1 || rd_sp(rd) == -1)
			return -1;
		cmd->u.store.unchangedsince_given = 1;
	}
	if (rd_word(rd, w, sizeof(w), NULL) == -1)
		return rd_err(rd, "Expected FLAGS, +FLAGS or -FLAGS");
	n = w;
	cmd->u.store.op = IMAP_STORE_SET;
	if (*n == '+' || *n == '-')
		cmd->u.store.op = *n++ == '+' ? IMAP_STORE_ADD :
		    IMAP_STORE_REMOVE;
	if (strcmp(n, "FLAGS.SILENT") == 0)
		cmd->u.store.silent = 1;
	else if (strcmp(n, "FLAGS") != 0)
		return rd_err(rd, "Expected FLAGS, +FLAGS or -FLAGS");
	if (rd_sp(rd) == -1)
		return -1;
	if (rd_peek(rd) == '(')
		return rd_flag_list(rd, &cmd->u.store.flags);
	do {
		if (rd_flag(rd, &cmd->u.store.flags) == -1)
			return -1;
	} while (rd_more(rd));
	return 0;
}

/* "COPY" / "MOVE" SP sequence-set SP mailbox */
static int
p_copy(struct imap_rd *rd, struct imap_cmd *cmd)
{
	if (rd_sp(rd) == -1 || rd_seqset(rd, &cmd->u.copy.set,
	    SEQ_DOLLAR | SEQ_STAR) == -1 || rd_sp(rd) == -1)
		return -1;
	return rd_mailbox(rd, &cmd->u.copy.mailbox);
}

/*
 * "ID" SP ("(" [string SP nstring *(SP string SP nstring)] ")" / nil),
 * within the limits of RFC 2971 section 3.3.
 */
static int
p_id(struct imap_rd *rd, struct imap_cmd *cmd)
{
	char	*f, *v;
	size_t	 flen, vlen, n;

	if (rd_sp(rd) == -1)
		return -1;
	if (rd_is(rd, "NIL")) {
		cmd->u.id.nil = 1;
		return rd_count(rd);
	}
	if (rd_open(rd) == -1)
		return -1;
	if ((cmd->u.id.field = imap_arena_calloc(rd->arena, ID_PAIRS_MAX,
	    sizeof(char *))) == NULL ||
	    (cmd->u.id.value = imap_arena_calloc(rd->arena, ID_PAIRS_MAX,
	    sizeof(char *))) == NULL)
		return rd_nomem(rd);
	while (rd_peek(rd) != ')') {
		if ((n = cmd->u.id.npairs) == ID_PAIRS_MAX)
			return rd_err(rd, "ID: more than %d field-value pairs",
			    ID_PAIRS_MAX);
		if (rd_string(rd, &f, &flen) == -1 || rd_sp(rd) == -1 ||
		    rd_nstring(rd, &v, &vlen) == -1)
			return -1;
		if (flen > ID_FIELD_MAX)
			return rd_err(rd, "ID: field longer than %d octets",
			    ID_FIELD_MAX);
		if (vlen > ID_VALUE_MAX)
			return rd_err(rd, "ID: value longer than %d octets",
			    ID_VALUE_MAX);
		cmd->u.id.field[n] = f;
		cmd->u.id.value[n] = v;
		cmd->u.id.npairs++;
		if (!rd_more(rd))
			break;
	}
	return rd_close(rd);
}

static int
p_search(struct imap_rd *rd, struct imap_cmd *cmd)
{
	return imap_parse_search(rd, cmd);
}

static int
p_fetch(struct imap_rd *rd, struct imap_cmd *cmd)
{
	return imap_parse_fetch(rd, cmd);
}

void
imap_cmd_free(struct imap_cmd *cmd)
{
	if (cmd == NULL)
		return;
	imap_arena_free(cmd->arena);
	buf_free(&cmd->msg);
	free(cmd);
}
