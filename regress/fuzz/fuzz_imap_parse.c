/*
 * libFuzzer harness for the IMAP command reader (worker/imap/), which
 * the pre-login worker and the post-login session run on every octet
 * an IMAP client sends.  The first octet picks the parser's flags and
 * whether tight limits apply, the second the size of literal pieces;
 * the rest is the client's byte stream, cut into lines at LF (a CR
 * before it dropped, as io_getline does, and over-long lines reported
 * as such) and into literals when the parser asks for them.  Every
 * result must be one the API documents; every command must be well
 * formed (tags, trees, sets, sections); every error must format; a
 * mailbox name that decodes as modified UTF-7 must encode back to
 * itself; dates that parse must format and parse back.  Built by
 * `make fuzz'; run by regress/fuzz/t_fuzz.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "imap_parse.h"
#include "mutf7.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static void	check_tag(const char *);
static void	check_mailbox(const char *);
static void	check_set(const struct imap_seqset *);
static void	check_flags(const struct imap_flags *);
static void	check_key(const struct imap_search_key *, int);
static void	check_fetch(const struct imap_cmd *);
static void	check_cmd(const struct imap_cmd *);
static void	check_helpers(const char *, size_t);

static void
check_tag(const char *t)
{
	size_t	i, n;

	if (t == NULL || (n = strlen(t)) == 0 || n > IMAP_TAG_MAX)
		abort();
	for (i = 0; i < n; i++)
		if ((unsigned char)t[i] <= 0x20 ||
		    (unsigned char)t[i] >= 0x7f ||
		    strchr("(){%*\"\\+", t[i]) != NULL)
			abort();
}

/* Canonical modified UTF-7 must survive a round trip unchanged. */
static void
check_mailbox(const char *m)
{
	struct buf	u, back;

	if (m == NULL)
		abort();
	buf_init(&u);
	buf_init(&back);
	if (mutf7_decode(m, strlen(m), &u) == 0) {
		if (!utf8_valid(u.len ? (char *)u.data : "", u.len))
			abort();
		if (mutf7_encode(u.len ? (char *)u.data : "", u.len,
		    &back) == -1)
			abort();
		if (back.len != strlen(m) ||
		    (back.len && memcmp(back.data, m, back.len) != 0))
			abort();
	}
	buf_free(&u);
	buf_free(&back);
}

static void
check_set(const struct imap_seqset *s)
{
	struct imap_seqlist	l;
	size_t			i;

	if (s->n == 0 && !s->dollar)
		abort();
	for (i = 0; i < s->n; i++)
		if (s->r[i].lo != IMAP_SEQ_STAR &&
		    s->r[i].hi != IMAP_SEQ_STAR && s->r[i].lo > s->r[i].hi)
			abort();
	if (imap_seqset_resolve(s, 1000, UINT32_MAX, NULL, &l) == -1)
		return;
	for (i = 0; i < l.n; i++) {
		if (l.r[i].lo == 0 || l.r[i].lo > l.r[i].hi)
			abort();
		if (i > 0 && l.r[i].lo <= (uint64_t)l.r[i - 1].hi + 1)
			abort();
	}
	imap_seqlist_free(&l);
}

static void
check_flags(const struct imap_flags *f)
{
	size_t	i;

	if (f->system & ~0x1fU)
		abort();
	for (i = 0; i < f->nkeywords; i++)
		if (f->keywords[i] == NULL || f->keywords[i][0] == '\0')
			abort();
	for (i = 0; i < f->next; i++)
		if (f->ext[i] == NULL || f->ext[i][0] != '\\')
			abort();
}

static void
check_key(const struct imap_search_key *k, int depth)
{
	const struct imap_search_key	*kid;
	int				 n = 0;

	if (depth > 200)
		abort();
	switch (k->op) {
	case IMAP_SK_AND:
	case IMAP_SK_OR:
	case IMAP_SK_NOT:
		TAILQ_FOREACH(kid, &k->u.kids, entry) {
			check_key(kid, depth + 1);
			n++;
		}
		if ((k->op == IMAP_SK_OR && n != 2) ||
		    (k->op == IMAP_SK_NOT && n != 1) || n == 0)
			abort();
		break;
	case IMAP_SK_UID:
	case IMAP_SK_SEQSET:
		check_set(&k->u.set);
		break;
	case IMAP_SK_HEADER:
		if (k->u.header.field == NULL || k->u.header.value == NULL)
			abort();
		break;
	case IMAP_SK_KEYWORD:
	case IMAP_SK_UNKEYWORD:
	case IMAP_SK_BCC:
	case IMAP_SK_BODY:
	case IMAP_SK_CC:
	case IMAP_SK_FROM:
	case IMAP_SK_SUBJECT:
	case IMAP_SK_TEXT:
	case IMAP_SK_TO:
		if (k->u.str == NULL)
			abort();
		break;
	default:
		if (k->op < IMAP_SK_AND || k->op > IMAP_SK_MODSEQ)
			abort();
		break;
	}
	(void)imap_search_op_name(k->op);
}

static void
check_fetch(const struct imap_cmd *c)
{
	const struct imap_fetch_item	*it;
	struct buf			 b;
	size_t				 i;
	int				 n = 0;

	check_set(&c->u.fetch.set);
	buf_init(&b);
	TAILQ_FOREACH(it, &c->u.fetch.items, entry) {
		n++;
		if (!(c->u.fetch.mask & (1U << it->att)))
			abort();
		for (i = 0; i < it->sec.nparts; i++)
			if (it->sec.part[i] == 0)
				abort();
		for (i = 0; i < it->sec.nfields; i++)
			if (it->sec.fields[i] == NULL)
				abort();
		if (it->partial && it->count == 0)
			abort();
		if (imap_fetch_item_name(&b, it) == -1)
			abort();
	}
	buf_free(&b);
	if (n == 0 || (c->u.fetch.vanished &&
	    !c->u.fetch.changedsince_given))
		abort();
}

static void
check_cmd(const struct imap_cmd *c)
{
	size_t	i;

	check_tag(c->tag);
	if (c->name == NULL)
		abort();
	switch (c->id) {
	case IMAP_CMD_AUTHENTICATE:
		if (c->u.auth.mech == NULL)
			abort();
		break;
	case IMAP_CMD_LOGIN:
		if (c->u.login.user == NULL || c->u.login.pass == NULL)
			abort();
		break;
	case IMAP_CMD_ENABLE:
		if (c->u.enable.ncaps == 0)
			abort();
		break;
	case IMAP_CMD_SELECT:
	case IMAP_CMD_EXAMINE:
		check_mailbox(c->u.select.mailbox);
		if (c->u.select.known_uids.n > 0)
			check_set(&c->u.select.known_uids);
		break;
	case IMAP_CMD_CREATE:
		check_mailbox(c->u.create.mailbox);
		break;
	case IMAP_CMD_DELETE:
	case IMAP_CMD_SUBSCRIBE:
	case IMAP_CMD_UNSUBSCRIBE:
		check_mailbox(c->u.mbox.mailbox);
		break;
	case IMAP_CMD_RENAME:
		check_mailbox(c->u.rename.from);
		check_mailbox(c->u.rename.to);
		break;
	case IMAP_CMD_LIST:
	case IMAP_CMD_LSUB:
		if (c->u.list.ref == NULL || c->u.list.npatterns == 0)
			abort();
		for (i = 0; i < c->u.list.npatterns; i++)
			check_mailbox(c->u.list.patterns[i]);
		break;
	case IMAP_CMD_STATUS:
		check_mailbox(c->u.status.mailbox);
		if (c->u.status.items == 0)
			abort();
		break;
	case IMAP_CMD_APPEND:
		check_mailbox(c->u.append.mailbox);
		check_flags(&c->u.append.flags);
		if (!c->u.append.external && c->u.append.size > 0 &&
		    c->u.append.data == NULL)
			abort();
		if (!c->u.append.external && c->u.append.size > 0)
			(void)memchr(c->u.append.data, 0xff,
			    (size_t)c->u.append.size);
		break;
	case IMAP_CMD_EXPUNGE:
		if (c->uid)
			check_set(&c->u.expunge.set);
		break;
	case IMAP_CMD_SEARCH:
		if (c->u.search.root == NULL ||
		    c->u.search.root->op != IMAP_SK_AND)
			abort();
		check_key(c->u.search.root, 0);
		break;
	case IMAP_CMD_FETCH:
		check_fetch(c);
		break;
	case IMAP_CMD_STORE:
		check_set(&c->u.store.set);
		check_flags(&c->u.store.flags);
		break;
	case IMAP_CMD_COPY:
	case IMAP_CMD_MOVE:
		check_set(&c->u.copy.set);
		check_mailbox(c->u.copy.mailbox);
		break;
	case IMAP_CMD_ID:
		if (c->u.id.npairs > 30)
			abort();
		for (i = 0; i < c->u.id.npairs; i++)
			if (c->u.id.field[i] == NULL ||
			    strlen(c->u.id.field[i]) > 30)
				abort();
		break;
	default:
		if (c->id < IMAP_CMD_CAPABILITY || c->id > IMAP_CMD_ID)
			abort();
		break;
	}
}

/* The helpers on their own, on the raw line. */
static void
check_helpers(const char *s, size_t len)
{
	struct imap_seqset	set;
	struct buf		m, u;
	time_t			t, t2;
	int			zone, zone2;
	char			out[64];

	if (imap_seqset_parse(s, len, &set) == 0) {
		check_set(&set);
		imap_seqset_free(&set);
	}
	if (imap_datetime_parse(s, len, &t, &zone) == 0) {
		if (imap_datetime_format(t, zone, out, sizeof(out)) == -1 ||
		    imap_datetime_parse(out, strlen(out), &t2, &zone2) == -1 ||
		    t != t2 || zone != zone2)
			abort();
	}
	(void)imap_date_parse(s, len, &t);
	buf_init(&m);
	buf_init(&u);
	if (utf8_valid(s, len) && memchr(s, '\0', len) == NULL) {
		if (mutf7_encode(s, len, &m) == -1 ||
		    mutf7_decode((char *)m.data, m.len, &u) == -1 ||
		    u.len != len || (len && memcmp(u.data, s, len) != 0))
			abort();
	}
	buf_free(&m);
	buf_free(&u);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct imap_limits	 lim;
	struct imap_parser	*p;
	struct imap_cmd		*cmd;
	const char		*in, *nl;
	char			 err[512];
	size_t			 pos = 0, len, n, chunk;
	int			 opt, want, st, flags;

	if (size < 2)
		return 0;
	opt = data[0];
	chunk = 1 + data[1] % 64;
	in = (const char *)data + 2;
	size -= 2;

	imap_limits_default(&lim);
	if (opt & 0x08) {
		lim.line_max = 64;
		lim.cmd_max = 256;
		lim.literal_max = 64;
		lim.append_max = 512;
		lim.discard_max = 1024;
		lim.args_max = 32;
		lim.literals_max = 4;
		lim.depth_max = 4;
		lim.search_depth_max = 6;
	}
	flags = opt & (IMAP_PF_UTF8 | IMAP_PF_LITERAL_PLUS | IMAP_PF_BINARY);
	if ((p = imap_parser_new(&lim, flags)) == NULL)
		return 0;

	want = IMAP_PARSE_LINE;
	while (pos < size) {
		cmd = NULL;
		if (want == IMAP_PARSE_LINE) {
			nl = memchr(in + pos, '\n', size - pos);
			len = nl != NULL ? (size_t)(nl - (in + pos)) :
			    size - pos;
			n = len;
			if (n > 0 && in[pos + n - 1] == '\r')
				n--;
			check_helpers(in + pos, n);
			if (n > lim.line_max && (opt & 0x20))
				st = imap_parser_toolong(p);
			else
				st = imap_parser_line(p, in + pos, n, &cmd);
			pos += len + (nl != NULL);
		} else {
			n = imap_parser_literal_left(p);
			if (imap_parser_literal_role(p) == IMAP_LIT_MESSAGE &&
			    (opt & 0x10) && imap_parser_literal_sync(p) &&
			    n <= size - pos) {
				st = imap_parser_literal_external(p);
				pos += n;
			} else {
				if (n > chunk)
					n = chunk;
				if (n > size - pos)
					n = size - pos;
				st = imap_parser_literal(p, in + pos, n, &cmd);
				pos += n;
			}
		}
		switch (st) {
		case IMAP_PARSE_DONE:
			if (cmd == NULL)
				abort();
			check_cmd(cmd);
			imap_cmd_free(cmd);
			want = IMAP_PARSE_LINE;
			break;
		case IMAP_PARSE_ERROR:
			if (cmd != NULL)
				abort();
			if (imap_parser_error_line(p, err, sizeof(err)) == -1)
				abort();
			if (imap_parser_error(p)->kind == IMAP_RESP_BYE)
				goto done;
			want = imap_parser_want(p);
			break;
		case IMAP_PARSE_LINE:
		case IMAP_PARSE_LITERAL:
			if (cmd != NULL || st != imap_parser_want(p))
				abort();
			want = st;
			if (want == IMAP_PARSE_LITERAL &&
			    imap_parser_literal_role(p) != IMAP_LIT_DISCARD &&
			    imap_parser_literal_left(p) > lim.append_max)
				abort();
			break;
		default:
			abort();
		}
	}
 done:
	imap_parser_free(p);
	return 0;
}
