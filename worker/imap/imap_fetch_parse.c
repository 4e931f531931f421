/*
 * The FETCH grammar for the session (RFC 3501 6.4.5, RFC 9051 6.4.5
 * and section 9, BINARY of RFC 3516, MODSEQ and the CHANGEDSINCE and
 * VANISHED modifiers of RFC 7162): the ALL, FAST and FULL macros,
 * every fetch attribute, the section grammar of BODY[...] and
 * BINARY[...] with partial <offset.count>, and the name each item has
 * in a FETCH response.
 */
#include <stdint.h>
#include <string.h>

#include "imap_lex.h"

static const struct {
	const char		*name;
	enum imap_fetch_att	 att;
} simple_atts[] = {
	{ "BODY", IMAP_FA_BODY },
	{ "BODYSTRUCTURE", IMAP_FA_BODYSTRUCTURE },
	{ "ENVELOPE", IMAP_FA_ENVELOPE },
	{ "FLAGS", IMAP_FA_FLAGS },
	{ "INTERNALDATE", IMAP_FA_INTERNALDATE },
	{ "MODSEQ", IMAP_FA_MODSEQ },
	{ "RFC822", IMAP_FA_RFC822 },
	{ "RFC822.HEADER", IMAP_FA_RFC822_HEADER },
	{ "RFC822.SIZE", IMAP_FA_RFC822_SIZE },
	{ "RFC822.TEXT", IMAP_FA_RFC822_TEXT },
	{ "UID", IMAP_FA_UID },
};

static const char *sec_names[] = {
	[IMAP_SEC_HEADER] = "HEADER",
	[IMAP_SEC_HEADER_FIELDS] = "HEADER.FIELDS",
	[IMAP_SEC_HEADER_FIELDS_NOT] = "HEADER.FIELDS.NOT",
	[IMAP_SEC_TEXT] = "TEXT",
	[IMAP_SEC_MIME] = "MIME",
};

static struct imap_fetch_item *item_add(struct imap_rd *, struct imap_cmd *,
		    enum imap_fetch_att);
static int	fetch_att(struct imap_rd *, struct imap_cmd *);
static int	section(struct imap_rd *, struct imap_section *, int);
static int	section_text(struct imap_rd *, struct imap_section *, int);
static int	partial(struct imap_rd *, struct imap_fetch_item *);
static int	modifiers(struct imap_rd *, struct imap_cmd *);

static struct imap_fetch_item *
item_add(struct imap_rd *rd, struct imap_cmd *cmd, enum imap_fetch_att att)
{
	struct imap_fetch_item	*it;

	if ((it = imap_arena_calloc(rd->arena, 1, sizeof(*it))) == NULL) {
		rd_nomem(rd);
		return NULL;
	}
	it->att = att;
	TAILQ_INSERT_TAIL(&cmd->u.fetch.items, it, entry);
	cmd->u.fetch.mask |= 1U << att;
	return it;
}

/*
 * section-msgtext = "HEADER" / "HEADER.FIELDS" [".NOT"] SP header-list
 * / "TEXT"; after a part number also "MIME".
 */
static int
section_text(struct imap_rd *rd, struct imap_section *sec, int part)
{
	char	 w[24], *f;

	if (rd_peek(rd) == -1 || !imap_atom_char(rd_peek(rd)) ||
	    rd_word(rd, w, sizeof(w), NULL) == -1)
		return rd_err(rd, "Invalid section");
	if (strcmp(w, "HEADER") == 0)
		sec->text = IMAP_SEC_HEADER;
	else if (strcmp(w, "TEXT") == 0)
		sec->text = IMAP_SEC_TEXT;
	else if (strcmp(w, "MIME") == 0 && part)
		sec->text = IMAP_SEC_MIME;
	else if (strcmp(w, "HEADER.FIELDS") == 0)
		sec->text = IMAP_SEC_HEADER_FIELDS;
	else if (strcmp(w, "HEADER.FIELDS.NOT") == 0)
		sec->text = IMAP_SEC_HEADER_FIELDS_NOT;
	else
		return rd_err(rd, "Invalid section");
	if (sec->text != IMAP_SEC_HEADER_FIELDS &&
	    sec->text != IMAP_SEC_HEADER_FIELDS_NOT)
		return 0;
	/* header-list = "(" header-fld-name *(SP header-fld-name) ")" */
	if (rd_sp(rd) == -1 || rd_open(rd) == -1)
		return -1;
	do {
		if (rd_astring(rd, &f, NULL) == -1 ||
		    rd_push(rd, &sec->fields, &sec->nfields, f) == -1)
			return -1;
	} while (rd_more(rd));
	return rd_close(rd);
}

/*
 * section = "[" [section-spec] "]", section-spec = section-msgtext /
 * (section-part ["." section-text]); for BINARY only section-part.
 */
static int
section(struct imap_rd *rd, struct imap_section *sec, int binary)
{
	uint32_t	 v, *np;
	int		 c;

	if (rd_char(rd, '[') == -1)
		return -1;
	c = rd_peek(rd);
	if (c >= '1' && c <= '9') {
		for (;;) {
			if (rd_nz_number(rd, &v) == -1)
				return -1;
			if ((int)sec->nparts >= rd->lim->depth_max)
				return rd_err(rd, "Section nested too deeply");
			if ((sec->nparts & (sec->nparts - 1)) == 0) {
				np = imap_arena_calloc(rd->arena,
				    sec->nparts ? sec->nparts * 2 : 1,
				    sizeof(*np));
				if (np == NULL)
					return rd_nomem(rd);
				if (sec->nparts)
					memcpy(np, sec->part,
					    sec->nparts * sizeof(*np));
				sec->part = np;
			}
			sec->part[sec->nparts++] = v;
			if (rd_peek(rd) != '.')
				break;
			rd_skip(rd, 1);
			c = rd_peek(rd);
			if (c >= '1' && c <= '9')
				continue;
			if (binary)
				return rd_err(rd, "Invalid BINARY section");
			if (section_text(rd, sec, 1) == -1)
				return -1;
			break;
		}
	} else if (c != ']') {
		if (binary)
			return rd_err(rd, "Invalid BINARY section");
		if (section_text(rd, sec, 0) == -1)
			return -1;
	}
	return rd_char(rd, ']');
}

/* partial = "<" number64 "." nz-number64 ">" */
static int
partial(struct imap_rd *rd, struct imap_fetch_item *it)
{
	if (rd_peek(rd) != '<')
		return 0;
	rd_skip(rd, 1);
	if (rd_number64(rd, &it->offset) == -1 || rd_char(rd, '.') == -1)
		return -1;
	if (rd_peek(rd) == '0')
		return rd_err(rd, "Partial length must be non-zero");
	if (rd_number64(rd, &it->count) == -1 || rd_char(rd, '>') == -1)
		return -1;
	it->partial = 1;
	return 0;
}

static int
fetch_att(struct imap_rd *rd, struct imap_cmd *cmd)
{
	struct imap_fetch_item	*it;
	char			 w[24];
	size_t			 i;
	int			 bracket;

	if (rd_word(rd, w, sizeof(w), "[<") == -1)
		return rd_err(rd, "Invalid fetch attribute");
	bracket = rd_peek(rd) == '[';
	if (!bracket) {
		for (i = 0; i < sizeof(simple_atts) / sizeof(simple_atts[0]);
		    i++)
			if (strcmp(w, simple_atts[i].name) == 0)
				return item_add(rd, cmd, simple_atts[i].att) ==
				    NULL ? -1 : 0;
		return rd_err(rd, "Unknown fetch attribute");
	}
	if (strcmp(w, "BODY") == 0 || strcmp(w, "BODY.PEEK") == 0) {
		if ((it = item_add(rd, cmd, IMAP_FA_BODY_SECTION)) == NULL)
			return -1;
		it->peek = w[4] == '.';
		if (section(rd, &it->sec, 0) == -1)
			return -1;
		return partial(rd, it);
	}
	if (strcmp(w, "BINARY") == 0 || strcmp(w, "BINARY.PEEK") == 0) {
		if ((it = item_add(rd, cmd, IMAP_FA_BINARY)) == NULL)
			return -1;
		it->peek = w[6] == '.';
		if (section(rd, &it->sec, 1) == -1)
			return -1;
		return partial(rd, it);
	}
	if (strcmp(w, "BINARY.SIZE") == 0) {
		if ((it = item_add(rd, cmd, IMAP_FA_BINARY_SIZE)) == NULL)
			return -1;
		return section(rd, &it->sec, 1);
	}
	return rd_err(rd, "Unknown fetch attribute");
}

/*
 * fetch-modifiers = SP "(" fetch-modifier *(SP fetch-modifier) ")":
 * CHANGEDSINCE mod-sequence-value, and VANISHED (UID FETCH, with
 * CHANGEDSINCE; RFC 7162 3.2.6).
 */
static int
modifiers(struct imap_rd *rd, struct imap_cmd *cmd)
{
	char	w[16];

	if (rd_open(rd) == -1)
		return -1;
	do {
		if (rd_word(rd, w, sizeof(w), NULL) == -1)
			return rd_err(rd, "Unknown FETCH modifier");
		if (strcmp(w, "CHANGEDSINCE") == 0 &&
		    !cmd->u.fetch.changedsince_given) {
			if (rd_sp(rd) == -1 ||
			    rd_number64(rd, &cmd->u.fetch.changedsince) == -1)
				return -1;
			if (cmd->u.fetch.changedsince == 0)
				return rd_err(rd, "CHANGEDSINCE must be "
				    "non-zero");
			cmd->u.fetch.changedsince_given = 1;
		} else if (strcmp(w, "VANISHED") == 0 && cmd->uid &&
		    !cmd->u.fetch.vanished)
			cmd->u.fetch.vanished = 1;
		else
			return rd_err(rd, "Unknown or repeated FETCH "
			    "modifier");
	} while (rd_more(rd));
	if (rd_close(rd) == -1)
		return -1;
	if (cmd->u.fetch.vanished && !cmd->u.fetch.changedsince_given)
		return rd_err(rd, "VANISHED needs CHANGEDSINCE");
	return 0;
}

/*
 * fetch = "FETCH" SP sequence-set SP ("ALL" / "FULL" / "FAST" /
 * fetch-att / "(" fetch-att *(SP fetch-att) ")") [fetch-modifiers]
 */
int
imap_parse_fetch(struct imap_rd *rd, struct imap_cmd *cmd)
{
	static const enum imap_fetch_att macro[] = {
		IMAP_FA_FLAGS, IMAP_FA_INTERNALDATE, IMAP_FA_RFC822_SIZE,
		IMAP_FA_ENVELOPE, IMAP_FA_BODY,
	};
	size_t	n = 0, i;

	TAILQ_INIT(&cmd->u.fetch.items);
	if (rd_sp(rd) == -1 || rd_seqset(rd, &cmd->u.fetch.set,
	    SEQ_DOLLAR | SEQ_STAR) == -1 || rd_sp(rd) == -1)
		return -1;
	if (rd_peek(rd) == '(') {
		if (rd_open(rd) == -1)
			return -1;
		do {
			if (fetch_att(rd, cmd) == -1)
				return -1;
		} while (rd_more(rd));
		if (rd_close(rd) == -1)
			return -1;
	} else if (rd_is(rd, "ALL"))
		n = 4;		/* FAST and ENVELOPE */
	else if (rd_is(rd, "FAST"))
		n = 3;		/* FLAGS INTERNALDATE RFC822.SIZE */
	else if (rd_is(rd, "FULL"))
		n = 5;		/* ALL and BODY */
	else if (fetch_att(rd, cmd) == -1)
		return -1;
	for (i = 0; i < n; i++)
		if (item_add(rd, cmd, macro[i]) == NULL)
			return -1;
	if (rd_peek(rd) == ' ') {
		rd_skip(rd, 1);
		return modifiers(rd, cmd);
	}
	return 0;
}

/*
 * The item's name in the FETCH response: BODY[1.HEADER.FIELDS (To)]<0>,
 * BINARY[2], RFC822.SIZE...  BODY.PEEK answers as BODY, and a partial
 * fetch shows only its origin (RFC 9051 section 9, msg-att-static).
 */
int
imap_fetch_item_name(struct buf *b, const struct imap_fetch_item *it)
{
	const struct imap_section	*sec = &it->sec;
	const char			*base;
	size_t				 i;

	if (it->att != IMAP_FA_BODY_SECTION && it->att != IMAP_FA_BINARY &&
	    it->att != IMAP_FA_BINARY_SIZE) {
		for (i = 0; i < sizeof(simple_atts) / sizeof(simple_atts[0]);
		    i++)
			if (simple_atts[i].att == it->att)
				return buf_addstr(b, simple_atts[i].name);
		return -1;
	}
	base = it->att == IMAP_FA_BODY_SECTION ? "BODY" :
	    it->att == IMAP_FA_BINARY ? "BINARY" : "BINARY.SIZE";
	if (buf_addf(b, "%s[", base) == -1)
		return -1;
	for (i = 0; i < sec->nparts; i++)
		if (buf_addf(b, "%s%u", i ? "." : "", sec->part[i]) == -1)
			return -1;
	if (sec->text != IMAP_SEC_NONE) {
		if (buf_addf(b, "%s%s", sec->nparts ? "." : "",
		    sec_names[sec->text]) == -1)
			return -1;
		if (sec->nfields > 0 && buf_addstr(b, " (") == -1)
			return -1;
		for (i = 0; i < sec->nfields; i++) {
			if (i > 0 && buf_addstr(b, " ") == -1)
				return -1;
			if (imap_write_astring(b, sec->fields[i],
			    strlen(sec->fields[i]), 0) == -1)
				return -1;
		}
		if (sec->nfields > 0 && buf_addstr(b, ")") == -1)
			return -1;
	}
	if (buf_addstr(b, "]") == -1)
		return -1;
	if (it->partial && it->att != IMAP_FA_BINARY_SIZE &&
	    buf_addf(b, "<%llu>", (unsigned long long)it->offset) == -1)
		return -1;
	return 0;
}
