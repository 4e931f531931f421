/*
 * The IMAP session (RFC 3501 and RFC 9051 authenticated and selected
 * states), run by postern-session as the mail user after the worker
 * handed the logged-in connection over: it answers the login command,
 * then reads commands (streaming APPEND messages straight into the
 * store), checks that each is allowed in the current state, runs it,
 * reports what changed in the selected mailbox where the rules allow,
 * and sends the tagged response.  The commands themselves live in the
 * files named in imap_session.h.
 */
#include <sys/types.h>

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "imap.h"
#include "imap_session.h"
#include "log.h"
#include "mutf7.h"
#include "session.h"
#include "store.h"

/*
 * The largest APPEND (RFC 7889 APPENDLIMIT): refused before a byte of
 * it is read when announced larger.
 */
#define IMAP_APPENDLIMIT	IMAP_APPEND_MAX_DEFAULT

#define IMAP_CAPS_SESSION	"IMAP4rev1 IMAP4rev2 LITERAL+ ID ENABLE " \
				"IDLE NAMESPACE UNSELECT UIDPLUS MOVE " \
				"CHILDREN LIST-EXTENDED LIST-STATUS " \
				"SPECIAL-USE ESEARCH SEARCHRES BINARY " \
				"STATUS=SIZE"

/* When a command's end may report EXPUNGEs (RFC 3501 7.4.1). */
#define EXP_ANY		0	/* always */
#define EXP_UID		1	/* only in its UID form */

static const struct {
	enum imap_cmd_id	 id;
	int			 states;
	int			 expunge;
	int			(*fn)(struct imap_sess *, struct imap_cmd *);
} commands[] = {
	{ IMAP_CMD_CAPABILITY, IMAP_STATE_AUTH | IMAP_STATE_SELECTED,
	    EXP_ANY, NULL },
	{ IMAP_CMD_NOOP, IMAP_STATE_AUTH | IMAP_STATE_SELECTED, EXP_ANY,
	    NULL },
	{ IMAP_CMD_LOGOUT, IMAP_STATE_AUTH | IMAP_STATE_SELECTED, EXP_ANY,
	    NULL },
	{ IMAP_CMD_ID, IMAP_STATE_AUTH | IMAP_STATE_SELECTED, EXP_ANY, NULL },
	{ IMAP_CMD_ENABLE, IMAP_STATE_AUTH, EXP_ANY, NULL },
	{ IMAP_CMD_NAMESPACE, IMAP_STATE_AUTH | IMAP_STATE_SELECTED, EXP_ANY,
	    NULL },
	{ IMAP_CMD_CHECK, IMAP_STATE_SELECTED, EXP_ANY, NULL },
	{ IMAP_CMD_SELECT, IMAP_STATE_AUTH | IMAP_STATE_SELECTED, EXP_ANY,
	    imap_cmd_select },
	{ IMAP_CMD_EXAMINE, IMAP_STATE_AUTH | IMAP_STATE_SELECTED, EXP_ANY,
	    imap_cmd_select },
	{ IMAP_CMD_CREATE, IMAP_STATE_AUTH | IMAP_STATE_SELECTED, EXP_ANY,
	    imap_cmd_create },
	{ IMAP_CMD_DELETE, IMAP_STATE_AUTH | IMAP_STATE_SELECTED, EXP_ANY,
	    imap_cmd_delete },
	{ IMAP_CMD_RENAME, IMAP_STATE_AUTH | IMAP_STATE_SELECTED, EXP_ANY,
	    imap_cmd_rename },
	{ IMAP_CMD_SUBSCRIBE, IMAP_STATE_AUTH | IMAP_STATE_SELECTED, EXP_ANY,
	    imap_cmd_subscribe },
	{ IMAP_CMD_UNSUBSCRIBE, IMAP_STATE_AUTH | IMAP_STATE_SELECTED,
	    EXP_ANY, imap_cmd_subscribe },
	{ IMAP_CMD_LIST, IMAP_STATE_AUTH | IMAP_STATE_SELECTED, EXP_ANY,
	    imap_cmd_list },
	{ IMAP_CMD_LSUB, IMAP_STATE_AUTH | IMAP_STATE_SELECTED, EXP_ANY,
	    imap_cmd_list },
	{ IMAP_CMD_STATUS, IMAP_STATE_AUTH | IMAP_STATE_SELECTED, EXP_ANY,
	    imap_cmd_status },
	{ IMAP_CMD_APPEND, IMAP_STATE_AUTH | IMAP_STATE_SELECTED, EXP_ANY,
	    imap_cmd_append },
	{ IMAP_CMD_IDLE, IMAP_STATE_AUTH | IMAP_STATE_SELECTED, EXP_ANY,
	    imap_cmd_idle },
	{ IMAP_CMD_CLOSE, IMAP_STATE_SELECTED, EXP_ANY, imap_cmd_close },
	{ IMAP_CMD_UNSELECT, IMAP_STATE_SELECTED, EXP_ANY, imap_cmd_close },
	{ IMAP_CMD_EXPUNGE, IMAP_STATE_SELECTED, EXP_ANY, imap_cmd_expunge },
	{ IMAP_CMD_SEARCH, IMAP_STATE_SELECTED, EXP_UID, imap_cmd_search },
	{ IMAP_CMD_FETCH, IMAP_STATE_SELECTED, EXP_UID, imap_cmd_fetch },
	{ IMAP_CMD_STORE, IMAP_STATE_SELECTED, EXP_UID, imap_cmd_store },
	{ IMAP_CMD_COPY, IMAP_STATE_SELECTED, EXP_UID, imap_cmd_copy },
	{ IMAP_CMD_MOVE, IMAP_STATE_SELECTED, EXP_ANY, imap_cmd_copy },
};

static int	sess_start(struct imap_sess *);
static void	sess_free(struct imap_sess *);
static void	sess_loop(struct imap_sess *);
static int	sess_read(struct imap_sess *, struct imap_cmd **);
static int	sess_wait_status(struct imap_sess *, int);
static int	sess_literal(struct imap_sess *, struct imap_cmd **, int *);
static int	sess_message(struct imap_sess *);
static int	sess_command(struct imap_sess *, struct imap_cmd *);
static int	sess_simple(struct imap_sess *, struct imap_cmd *);
static int	sess_enable(struct imap_sess *, struct imap_cmd *);
static int	sess_id(struct imap_sess *, struct imap_cmd *);
static int	line_pending(struct io *);

/*
 * Serve the IMAP session on s->io until LOGOUT, end of input, the idle
 * timeout or session_terminate.  Returns the process exit status: 1
 * when the store could not be opened, else 0.
 */
int
imap_session(struct session *s)
{
	struct imap_sess	is;
	char			user[P_NAMELEN * 4];
	int			rv = 0;

	memset(&is, 0, sizeof(is));
	is.s = s;
	is.io = &s->io;
	buf_init(&is.tmp);
	buf_init(&is.result);
	imap_seqlist_init(&is.saved);
	if (sess_start(&is) == -1)
		rv = 1;
	else
		sess_loop(&is);
	(void)io_flush(is.io);
	log_info("logout: id=%u user=\"%s\" addr=%s proto=imap in=%llu "
	    "out=%llu fetch=%u store=%u append=%u copy=%u expunge=%u",
	    s->init.conn_id, log_safe(s->init.user, user, sizeof(user)),
	    s->init.client_addr, (unsigned long long)is.io->bytes_in,
	    (unsigned long long)is.io->bytes_out, is.nfetch, is.nstore,
	    is.nappend, is.ncopy, is.nexpunge);
	sess_free(&is);
	return rv;
}

/* Open the store, make the special-use folders, answer the login. */
static int
sess_start(struct imap_sess *is)
{
	const char	*tag = is->s->init.tag[0] != '\0' ? is->s->init.tag :
			    "*";
	struct buf	 caps;

	imap_limits_default(&is->lim);
	is->lim.append_max = IMAP_APPENDLIMIT;
	is->lim.discard_max = IMAP_APPENDLIMIT;
	if ((is->p = imap_parser_new(&is->lim, IMAP_PF_LITERAL_PLUS |
	    IMAP_PF_BINARY)) == NULL) {
		log_warn("%s", __func__);
		return -1;
	}
	if ((is->store = store_open(is->s->maildir)) == NULL) {
		log_warn("%s: %s", __func__, is->s->maildir);
		(void)imap_line(is, "* BYE [UNAVAILABLE] Unable to open the "
		    "mailbox, try again later.");
		return -1;
	}
	if (store_special_init(is->store) == -1)
		log_warn("%s: special-use folders", __func__);
	buf_init(&caps);
	if (imap_caps(is, &caps) == -1) {
		buf_free(&caps);
		return -1;
	}
	(void)imap_line(is, "%s OK [CAPABILITY %s] Logged in", tag,
	    (char *)caps.data);
	buf_free(&caps);
	return 0;
}

static void
sess_free(struct imap_sess *is)
{
	imap_append_abort(is);
	(void)imap_box_close(is, 0);
	store_close(is->store);
	imap_parser_free(is->p);
	imap_seqlist_free(&is->saved);
	buf_free(&is->tmp);
	buf_free(&is->result);
}

/* The capabilities after login (RFC 9051 7.2.2). */
int
imap_caps(struct imap_sess *is, struct buf *b)
{
	if (buf_addf(b, "%s APPENDLIMIT=%llu", IMAP_CAPS_SESSION,
	    (unsigned long long)IMAP_APPENDLIMIT) == -1) {
		log_warn("%s", __func__);
		return -1;
	}
	return 0;
}

/* One response line; CRLF added. */
int
imap_line(struct imap_sess *is, const char *fmt, ...)
{
	va_list	ap;
	int	r;

	va_start(ap, fmt);
	r = buf_vaddf(&is->io->out, fmt, ap);
	va_end(ap);
	if (r == -1 || buf_add(&is->io->out, "\r\n", 2) == -1)
		return -1;
	if (is->io->out.len >= 65536 && io_flush(is->io) != IO_OK)
		return -1;
	return 0;
}

/* Bytes already formatted (with their CRLF), then the buffer is reset. */
int
imap_putbuf(struct imap_sess *is, struct buf *b)
{
	int	r;

	r = io_write(is->io, b->data, b->len);
	buf_reset(b);
	return r == IO_OK ? 0 : -1;
}

/* An output function for the MIME and store callbacks. */
int
imap_out(void *arg, const void *data, size_t len)
{
	struct imap_sess	*is = arg;

	return io_write(is->io, data, len) == IO_OK ? 0 : -1;
}

/*
 * The tagged response text of the running command (without the tag);
 * the loop sends it after any untagged updates.
 */
int
imap_result(struct imap_sess *is, const char *fmt, ...)
{
	va_list	ap;
	int	r;

	buf_reset(&is->result);
	va_start(ap, fmt);
	r = buf_vaddf(&is->result, fmt, ap);
	va_end(ap);
	if (r == -1) {
		log_warn("%s", __func__);
		return IMAP_CLOSE;
	}
	return IMAP_OK;
}

/*
 * A storage mailbox name as the client writes it: modified UTF-7 for
 * IMAP4rev1, UTF-8 after ENABLE IMAP4rev2 (a name another program
 * stored in broken modified UTF-7 goes out as it is).
 */
int
imap_mailbox_out(struct imap_sess *is, struct buf *b, const char *name)
{
	struct buf	u;
	int		r;

	if (!is->rev2)
		return imap_write_astring(b, name, strlen(name), 0);
	buf_init(&u);
	if (mutf7_decode(name, strlen(name), &u) == -1) {
		buf_free(&u);
		if (errno == ENOMEM)
			return -1;
		return imap_write_astring(b, name, strlen(name), 0);
	}
	r = imap_write_astring(b, u.len > 0 ? (char *)u.data : "", u.len, 1);
	buf_free(&u);
	return r;
}

/*
 * A client's mailbox name as a storage name in out: UTF-8 (IMAP4rev2)
 * is encoded, then the name is checked and INBOX normalised.  Returns
 * 0; or -1 with errno EINVAL or ENAMETOOLONG, or ENOMEM, after setting
 * the tagged NO (what says what failed).
 */
int
imap_mailbox_in(struct imap_sess *is, const char *name, char *out,
    size_t outlen, const char *what)
{
	struct buf	 enc;
	const char	*src = name;
	int		 r = 0, e;

	buf_init(&enc);
	if (is->rev2) {
		if (mutf7_encode(name, strlen(name), &enc) == -1 ||
		    buf_add(&enc, "", 1) == -1) {
			r = -1;
			goto out;
		}
		src = (char *)enc.data;
	}
	if (store_name_check(src) == -1 ||
	    store_name_norm(src, out, outlen) == -1)
		r = -1;
 out:
	e = errno;
	buf_free(&enc);
	if (r == -1) {
		if (e == ENOMEM) {
			log_warn("%s", __func__);
			(void)imap_result(is, "NO [SERVERBUG] Out of memory");
		} else if (e == ENAMETOOLONG)
			(void)imap_result(is, "NO [LIMIT] %s: mailbox name "
			    "too long", what);
		else
			(void)imap_result(is, "NO [CANNOT] %s: invalid "
			    "mailbox name", what);
		errno = e;
	}
	return r;
}

/*
 * The tagged NO for a store failure that no contract names: a
 * temporary one is UNAVAILABLE, the rest SERVERBUG, logged.
 */
int
imap_no_errno(struct imap_sess *is, const char *what, int e,
    const char *text)
{
	errno = e;
	log_warn("%s", what);
	if (e == ENOSPC || e == EDQUOT)
		return imap_result(is, "NO [OVERQUOTA] %s: no space left",
		    text);
	if (e == EAGAIN || e == EINTR || e == ETIMEDOUT || e == EIO)
		return imap_result(is, "NO [UNAVAILABLE] %s: temporary "
		    "failure, try again later", text);
	return imap_result(is, "NO [SERVERBUG] %s: internal error", text);
}

/*
 * The tagged response of a command run message by message (FETCH,
 * STORE): NO when some could not be done (why says what failed) or
 * were expunged meanwhile (RFC 5530 EXPUNGEISSUED), else OK.
 */
int
imap_result_partial(struct imap_sess *is, const struct imap_cmd *cmd,
    size_t failed, const char *why, size_t gone)
{
	if (failed > 0)
		return imap_result(is, "NO [SERVERBUG] %s", why);
	if (gone > 0)
		return imap_result(is, "NO [EXPUNGEISSUED] Some of the "
		    "messages no longer exist");
	return imap_result(is, "OK %s completed.", cmd->name);
}

/* A whole command line is already buffered: answer it before flushing. */
static int
line_pending(struct io *io)
{
	if (io_buffered(io) == 0)
		return 0;
	return memchr(io->in.data, '\n', io->in.len) != NULL;
}

static void
sess_loop(struct imap_sess *is)
{
	struct imap_cmd	*cmd;
	int		 r;

	for (;;) {
		if (session_terminate) {
			(void)imap_line(is, "* BYE Server shutting down.");
			return;
		}
		if (!line_pending(is->io) && io_flush(is->io) != IO_OK)
			return;
		if ((r = sess_read(is, &cmd)) == -1)
			return;
		if (r == 0)
			continue;
		r = sess_command(is, cmd);
		imap_cmd_free(cmd);
		if (r == IMAP_CLOSE || is->logout)
			return;
	}
}

/*
 * What to do about a read that did not return IO_OK: 0 to try again
 * (a signal that is not SIGTERM), -1 to end the session, with a BYE
 * where one is due.
 */
static int
sess_wait_status(struct imap_sess *is, int r)
{
	switch (r) {
	case IO_INTR:
		if (!session_terminate)
			return 0;
		(void)imap_line(is, "* BYE Server shutting down.");
		return -1;
	case IO_TIMEOUT:
		log_info("%s: idle timeout", __func__);
		(void)imap_line(is, "* BYE Autologout; idle for too long");
		return -1;
	case IO_EOF:
		log_debug("%s: client closed the connection", __func__);
		return -1;
	default:
		log_debug("%s: connection error", __func__);
		return -1;
	}
}

/*
 * The next command: 1 with *cmdp, 0 when an error was answered, -1
 * when the session ends.  An APPEND message goes to the store as it
 * arrives; every other literal goes to the parser.
 */
static int
sess_read(struct imap_sess *is, struct imap_cmd **cmdp)
{
	struct imap_cmd	*cmd = NULL;
	char		*line, err[256];
	size_t		 len;
	int		 r, st;

	for (;;) {
		if (imap_parser_want(is->p) == IMAP_PARSE_LITERAL) {
			if (imap_parser_literal_role(is->p) ==
			    IMAP_LIT_MESSAGE) {
				if ((r = sess_message(is)) == -1)
					return -1;
				if (r == 0)
					return 0;
				continue;
			}
			if ((r = sess_literal(is, &cmd, &st)) == -1)
				return -1;
			if (r == 0)
				continue;
		} else {
			r = io_getline(is->io, is->lim.line_max, &line, &len);
			if (r == IO_TOOLONG)
				st = imap_parser_toolong(is->p);
			else if (r != IO_OK) {
				if (sess_wait_status(is, r) == -1)
					return -1;
				continue;
			} else
				st = imap_parser_line(is->p, line, len, &cmd);
		}
		switch (st) {
		case IMAP_PARSE_DONE:
			*cmdp = cmd;
			return 1;
		case IMAP_PARSE_ERROR:
			imap_append_abort(is);
			if (imap_parser_error_line(is->p, err, sizeof(err)) ==
			    -1)
				(void)strlcpy(err, "* BAD Invalid command",
				    sizeof(err));
			if (imap_line(is, "%s", err) == -1 ||
			    imap_parser_error(is->p)->kind == IMAP_RESP_BYE)
				return -1;
			return 0;
		case IMAP_PARSE_LITERAL:
			if (imap_parser_literal_sync(is->p) &&
			    imap_parser_literal_role(is->p) !=
			    IMAP_LIT_MESSAGE &&
			    (imap_line(is, "+ Ready for literal data") == -1 ||
			    io_flush(is->io) != IO_OK))
				return -1;
			break;
		default:
			break;
		}
	}
}

/*
 * Octets of a literal argument (or of one a refused command sends
 * anyway): 1 with *st set, 0 to read again, -1 to end.
 */
static int
sess_literal(struct imap_sess *is, struct imap_cmd **cmd, int *st)
{
	uint64_t	left = imap_parser_literal_left(is->p);
	size_t		n;
	int		r;

	/* Take what is buffered: a signal must not lose octets. */
	if (left > 0 && io_buffered(is->io) == 0 &&
	    (r = io_fill(is->io)) != IO_OK)
		return sess_wait_status(is, r) == -1 ? -1 : 0;
	n = left < is->io->in.len ? (size_t)left : is->io->in.len;
	*st = imap_parser_literal(is->p, is->io->in.data, n, cmd);
	buf_drain(&is->io->in, n);
	return 1;
}

/*
 * The APPEND message: the target is opened before the continuation
 * request, so a missing mailbox is refused before a byte is sent
 * (RFC 3501 6.3.11, TRYCREATE); then the octets go to its tmp/ file.
 * A non-synchronizing literal arrives regardless: a refused one is
 * read and dropped, and the refusal given once the command is in.
 * Returns 1 to read on, 0 when a refusal was answered, -1 to end.
 */
static int
sess_message(struct imap_sess *is)
{
	const char	*mbox = imap_parser_append_mailbox(is->p);
	uint64_t	 left = imap_parser_literal_left(is->p);
	size_t		 n;
	int		 sync = imap_parser_literal_sync(is->p), r;

	imap_append_abort(is);
	if (imap_append_start(is, mbox != NULL ? mbox : "", sync) == -1)
		return -1;
	if (sync) {
		if (is->app.error != 0) {
			r = imap_line(is, "%s %s", imap_parser_tag(is->p),
			    (char *)is->result.data);
			imap_append_abort(is);
			imap_parser_reset(is->p);
			return r == -1 ? -1 : 0;
		}
		if (imap_line(is, "+ Ready for literal data") == -1 ||
		    io_flush(is->io) != IO_OK)
			return -1;
	}
	(void)imap_parser_literal_external(is->p);
	while (left > 0) {
		/* Take what came; a signal must not lose octets. */
		if (io_buffered(is->io) == 0 && (r = io_fill(is->io)) !=
		    IO_OK) {
			if (sess_wait_status(is, r) == -1)
				return -1;
			continue;
		}
		n = left < is->io->in.len ? (size_t)left : is->io->in.len;
		r = imap_append_data(is, is->io->in.data, n);
		buf_drain(&is->io->in, n);
		if (r == -1)
			return -1;
		left -= n;
	}
	return 1;
}

/* Check the state, run the command, report updates, answer it. */
static int
sess_command(struct imap_sess *is, struct imap_cmd *cmd)
{
	size_t	i;
	int	r, state, force = 0;

	buf_reset(&is->result);
	state = is->box != NULL ? IMAP_STATE_SELECTED : IMAP_STATE_AUTH;
	for (i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		if (commands[i].id == cmd->id)
			break;
	if (i == sizeof(commands) / sizeof(commands[0])) {
		imap_append_abort(is);
		if (cmd->id == IMAP_CMD_LOGIN ||
		    cmd->id == IMAP_CMD_AUTHENTICATE)
			return imap_line(is, "%s BAD Already authenticated",
			    cmd->tag) == -1 ? IMAP_CLOSE : IMAP_OK;
		if (cmd->id == IMAP_CMD_STARTTLS)
			return imap_line(is, "%s BAD STARTTLS is only allowed "
			    "before login", cmd->tag) == -1 ? IMAP_CLOSE :
			    IMAP_OK;
		return imap_line(is, "%s BAD Unknown command", cmd->tag) ==
		    -1 ? IMAP_CLOSE : IMAP_OK;
	}
	if (!(commands[i].states & state)) {
		imap_append_abort(is);
		if (state == IMAP_STATE_AUTH)
			r = imap_line(is, "%s BAD No mailbox selected",
			    cmd->tag);
		else
			r = imap_line(is, "%s BAD %s is not allowed with a "
			    "mailbox selected", cmd->tag, cmd->name);
		return r == -1 ? IMAP_CLOSE : IMAP_OK;
	}
	if (commands[i].fn != NULL)
		r = commands[i].fn(is, cmd);
	else
		r = sess_simple(is, cmd);
	if (r == IMAP_CLOSE)
		return IMAP_CLOSE;
	if (is->logout)
		return imap_line(is, "%s %s", cmd->tag,
		    (char *)is->result.data) == -1 ? IMAP_CLOSE : IMAP_OK;
	if (cmd->id == IMAP_CMD_NOOP || cmd->id == IMAP_CMD_CHECK)
		force = 1;
	if (is->box != NULL && imap_sync(is, commands[i].expunge ==
	    EXP_ANY || cmd->uid, force) == -1)
		return IMAP_CLOSE;
	if (is->result.len == 0 && imap_result(is, "OK %s completed.",
	    cmd->name) == IMAP_CLOSE)
		return IMAP_CLOSE;
	return imap_line(is, "%s %s", cmd->tag, (char *)is->result.data) ==
	    -1 ? IMAP_CLOSE : IMAP_OK;
}

/* CAPABILITY, NOOP, LOGOUT, ID, ENABLE, NAMESPACE, CHECK. */
static int
sess_simple(struct imap_sess *is, struct imap_cmd *cmd)
{
	struct buf	b;
	int		r;

	switch (cmd->id) {
	case IMAP_CMD_CAPABILITY:
		buf_init(&b);
		if (imap_caps(is, &b) == -1)
			return IMAP_CLOSE;
		r = imap_line(is, "* CAPABILITY %s", (char *)b.data);
		buf_free(&b);
		return r == -1 ? IMAP_CLOSE : IMAP_OK;
	case IMAP_CMD_LOGOUT:
		is->logout = 1;
		if (imap_line(is, "* BYE Logging out") == -1)
			return IMAP_CLOSE;
		return imap_result(is, "OK Logout completed.");
	case IMAP_CMD_ID:
		return sess_id(is, cmd);
	case IMAP_CMD_ENABLE:
		return sess_enable(is, cmd);
	case IMAP_CMD_NAMESPACE:
		/* One personal namespace, no prefix (RFC 2342). */
		return imap_line(is, "* NAMESPACE ((\"\" \"%c\")) NIL NIL",
		    STORE_DELIM) == -1 ? IMAP_CLOSE : IMAP_OK;
	case IMAP_CMD_NOOP:
	case IMAP_CMD_CHECK:
		/* The loop syncs the selected mailbox before the OK. */
		return IMAP_OK;
	default:
		return imap_result(is, "BAD Unknown command");
	}
}

/*
 * RFC 5161 and RFC 9051 6.3.1: IMAP4rev2 switches to its behaviour
 * (UTF-8 mailbox names and quoted strings, no \Recent, ESEARCH);
 * anything else is not enabled and is not listed.
 */
static int
sess_enable(struct imap_sess *is, struct imap_cmd *cmd)
{
	size_t	i;
	int	rev2 = 0;

	for (i = 0; i < cmd->u.enable.ncaps; i++)
		if (strcasecmp(cmd->u.enable.caps[i], "IMAP4rev2") == 0 &&
		    !is->rev2)
			rev2 = 1;
	if (rev2) {
		is->rev2 = 1;
		imap_parser_set_flags(is->p, imap_parser_flags(is->p) |
		    IMAP_PF_UTF8);
	}
	return imap_line(is, "* ENABLED%s", rev2 ? " IMAP4rev2" : "") == -1 ?
	    IMAP_CLOSE : IMAP_OK;
}

/* RFC 2971: our name; the client's fields only reach a debug log. */
static int
sess_id(struct imap_sess *is, struct imap_cmd *cmd)
{
	char	f[64], v[256];
	size_t	i;

	for (i = 0; i < cmd->u.id.npairs; i++)
		log_debug("client ID %s=%s", log_safe(cmd->u.id.field[i], f,
		    sizeof(f)), cmd->u.id.value[i] != NULL ?
		    log_safe(cmd->u.id.value[i], v, sizeof(v)) : "NIL");
	return imap_line(is, "* ID (%s)", IMAP_ID_SERVER) == -1 ?
	    IMAP_CLOSE : IMAP_OK;
}
