/*
 * IMAP before login, in both pre-login workers (RFC 3501 and RFC 9051
 * not-authenticated state, RFC 4959 SASL-IR, RFC 2971 ID, RFC 5530
 * response codes).  The worker greets, answers CAPABILITY, NOOP,
 * LOGOUT, ID and STARTTLS, and passes LOGIN and AUTHENTICATE to
 * postern-auth through the master.  On success it hands the
 * connection over; the session, running as the user, sends the tagged
 * OK of the login command.  postern-worker hands STARTTLS to
 * postern-tlsworker, which starts by answering it instead of greeting.
 */
#include <sys/types.h>

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "base64.h"
#include "imap.h"
#include "imap_parse.h"
#include "log.h"
#include "worker.h"

/*
 * Small limits before login: nobody has proved who they are yet.  A
 * LOGIN with literals, or an AUTHENTICATE with a GSSAPI initial
 * response, still fits.
 */
#define LOGIN_LINE_MAX		16384
#define LOGIN_CMD_MAX		32768
#define LOGIN_LITERAL_MAX	8192
#define LOGIN_LITERALS_MAX	4
#define LOGIN_ARGS_MAX		64
#define LOGIN_DISCARD_MAX	65536

/* The refusal of a password where login-type needs TLS for it. */
#define NO_PLAINTEXT	"NO [PRIVACYREQUIRED] Plaintext authentication " \
			"disallowed on non-secure (SSL/TLS) connections."

struct imap_login {
	struct worker		*w;
	struct imap_parser	*p;
	struct buf		 out;
};

static void	login_reply(struct imap_login *, const char *, ...)
		    __attribute__((__format__ (printf, 2, 3)));
static void	login_caps(struct imap_login *, struct buf *);
static struct imap_cmd *login_read(struct imap_login *);
static void	login_literal(struct imap_login *, struct imap_cmd **,
		    int *);
static void	login_command(struct imap_login *, struct imap_cmd *);
static void	login_login(struct imap_login *, struct imap_cmd *);
static void	login_authenticate(struct imap_login *, struct imap_cmd *);
static void	login_result(struct imap_login *, const char *, int,
		    struct auth_fail *);
static void	login_id(struct imap_login *, struct imap_cmd *);
static void	login_starttls(struct imap_login *, const char *);
static int	login_response(struct worker *, char **, size_t *);
static void	login_bye(struct imap_login *, const char *);
static void	login_clock(struct worker *);

static const struct sasl_ops imap_sasl_ops = {
	worker_sasl_challenge,
	login_response,
};

static const char *mechs[] = { "GSSAPI", "PLAIN", "LOGIN" };

/* One response line, sent at once: login traffic is small. */
static void
login_reply(struct imap_login *l, const char *fmt, ...)
{
	va_list	ap;
	int	r;

	buf_reset(&l->out);
	va_start(ap, fmt);
	r = buf_vaddf(&l->out, fmt, ap);
	va_end(ap);
	if (r == -1 || buf_add(&l->out, "\r\n", 2) == -1)
		fatal("%s", __func__);
	if (io_write(&l->w->io, l->out.data, l->out.len) != IO_OK ||
	    io_flush(&l->w->io) != IO_OK)
		worker_exit(l->w, 0);
}

static void
login_bye(struct imap_login *l, const char *text)
{
	login_reply(l, "* BYE %s", text);
	worker_exit(l->w, 0);
}

/*
 * Before each read: the time left to log in becomes the read timeout,
 * and a client whose time is up gets its BYE now.  The io timeout alone
 * would restart with every line, and a client sending NOOPs would
 * never have to log in (login.c).
 */
static void
login_clock(struct worker *w)
{
	static const char	 bye[] = "* BYE Autologout; took too long to "
				    "log in\r\n";

	if (worker_clock(w) == 0)
		return;
	if (io_write(&w->io, bye, sizeof(bye) - 1) == IO_OK)
		(void)io_flush(&w->io);
	worker_exit(w, 0);
}

/*
 * What may be done now, exactly: STARTTLS only while it can still
 * happen, LOGINDISABLED when LOGIN would be refused, and the SASL
 * mechanisms the login type allows on this connection.
 */
static void
login_caps(struct imap_login *l, struct buf *b)
{
	struct worker	*w = l->w;
	size_t		 i;

	if (buf_addstr(b, IMAP_CAPS_PRELOGIN) == -1)
		fatal("%s", __func__);
	if (worker_starttls_offered(w) && buf_addstr(b, " STARTTLS") == -1)
		fatal("%s", __func__);
	if (!worker_cleartext_ok(w, 1) && buf_addstr(b, " LOGINDISABLED") ==
	    -1)
		fatal("%s", __func__);
	for (i = 0; i < sizeof(mechs) / sizeof(mechs[0]); i++)
		if (worker_mech_ok(w, mechs[i]) &&
		    buf_addf(b, " AUTH=%s", mechs[i]) == -1)
			fatal("%s", __func__);
}

void
imap_login(struct worker *w)
{
	struct imap_login	 l;
	struct imap_limits	 lim;
	struct imap_cmd		*cmd;
	struct buf		 b;

	memset(&l, 0, sizeof(l));
	l.w = w;
	buf_init(&l.out);
	worker_clock_start(w);
	imap_limits_default(&lim);
	lim.line_max = LOGIN_LINE_MAX;
	lim.cmd_max = LOGIN_CMD_MAX;
	lim.literal_max = LOGIN_LITERAL_MAX;
	lim.append_max = IMAP_LITERAL_MINUS_MAX;
	lim.discard_max = LOGIN_DISCARD_MAX;
	lim.args_max = LOGIN_ARGS_MAX;
	lim.literals_max = LOGIN_LITERALS_MAX;
	/* LITERAL- before login: nobody may push large literals unasked. */
	if ((l.p = imap_parser_new(&lim, 0)) == NULL)
		fatal("%s", __func__);

	if (w->init.starttls)
		login_starttls(&l, w->init.starttls_tag);
	else {
		buf_init(&b);
		login_caps(&l, &b);
		login_reply(&l, "* OK [CAPABILITY %s] %s", (char *)b.data,
		    w->init.banner[0] != '\0' ? w->init.banner :
		    "postern IMAP4 ready.");
		buf_free(&b);
	}

	for (;;) {
		cmd = login_read(&l);
		login_command(&l, cmd);
		imap_cmd_free(cmd);
	}
}

/*
 * The next complete command.  Errors the parser finds are answered
 * here; lines are wiped once the parser has them, since a LOGIN line
 * holds a password.
 */
static struct imap_cmd *
login_read(struct imap_login *l)
{
	struct worker	*w = l->w;
	struct imap_cmd	*cmd = NULL;
	char		*line, err[256];
	size_t		 len;
	int		 r, st;

	for (;;) {
		if (imap_parser_want(l->p) == IMAP_PARSE_LITERAL) {
			login_literal(l, &cmd, &st);
		} else {
			login_clock(w);
			r = io_getline(&w->io, LOGIN_LINE_MAX, &line, &len);
			if (r == IO_TIMEOUT)
				login_bye(l, "Autologout; idle for too long");
			if (r == IO_TOOLONG)
				st = imap_parser_toolong(l->p);
			else if (r != IO_OK)
				worker_exit(w, 0);
			else {
				st = imap_parser_line(l->p, line, len, &cmd);
				explicit_bzero(line, len);
			}
		}
		switch (st) {
		case IMAP_PARSE_DONE:
			return cmd;
		case IMAP_PARSE_ERROR:
			if (imap_parser_error_line(l->p, err, sizeof(err)) ==
			    -1)
				(void)strlcpy(err, "* BAD Invalid command",
				    sizeof(err));
			login_reply(l, "%s", err);
			if (imap_parser_error(l->p)->kind == IMAP_RESP_BYE)
				worker_exit(w, 0);
			break;
		case IMAP_PARSE_LITERAL:
			if (imap_parser_literal_role(l->p) ==
			    IMAP_LIT_MESSAGE &&
			    imap_parser_literal_sync(l->p)) {
				/* APPEND: refuse before the message comes. */
				login_reply(l, "%s BAD Log in first",
				    imap_parser_tag(l->p));
				imap_parser_reset(l->p);
				break;
			}
			if (imap_parser_literal_sync(l->p))
				login_reply(l, "+ Ready for literal data");
			break;
		default:
			break;
		}
	}
}

/* Some octets of the literal the parser waits for, wiped after use. */
static void
login_literal(struct imap_login *l, struct imap_cmd **cmd, int *st)
{
	unsigned char	chunk[4096];
	uint64_t	left = imap_parser_literal_left(l->p);
	size_t		n;
	int		r;

	n = left < sizeof(chunk) ? (size_t)left : sizeof(chunk);
	login_clock(l->w);
	if ((r = io_read(&l->w->io, chunk, n)) == IO_TIMEOUT)
		login_bye(l, "Autologout; idle for too long");
	if (r != IO_OK)
		worker_exit(l->w, 0);
	*st = imap_parser_literal(l->p, chunk, n, cmd);
	explicit_bzero(chunk, n);
}

static void
login_command(struct imap_login *l, struct imap_cmd *cmd)
{
	struct buf	b;

	if (cmd->uid) {
		login_reply(l, "%s BAD Log in first", cmd->tag);
		return;
	}
	switch (cmd->id) {
	case IMAP_CMD_CAPABILITY:
		buf_init(&b);
		login_caps(l, &b);
		login_reply(l, "* CAPABILITY %s", (char *)b.data);
		buf_free(&b);
		login_reply(l, "%s OK Capability completed.", cmd->tag);
		break;
	case IMAP_CMD_NOOP:
		login_reply(l, "%s OK NOOP completed.", cmd->tag);
		break;
	case IMAP_CMD_LOGOUT:
		login_reply(l, "* BYE Logging out");
		login_reply(l, "%s OK Logout completed.", cmd->tag);
		worker_exit(l->w, 0);
	case IMAP_CMD_STARTTLS:
		login_starttls(l, cmd->tag);
		break;
	case IMAP_CMD_LOGIN:
		login_login(l, cmd);
		break;
	case IMAP_CMD_AUTHENTICATE:
		login_authenticate(l, cmd);
		break;
	case IMAP_CMD_ID:
		login_id(l, cmd);
		break;
	default:
		login_reply(l, "%s BAD Log in first", cmd->tag);
		break;
	}
}

/*
 * RFC 2595 and RFC 9051 6.2.1: once TLS starts, whatever the client
 * sent after STARTTLS in the clear is thrown away (worker_starttls()
 * does) and nothing said before counts.  RFC 9051 6.2.1: NO when TLS
 * cannot be set up (logged where it failed).
 */
static void
login_starttls(struct imap_login *l, const char *tag)
{
	char	go[P_TAGLEN + 64];

	if (l->w->tls_active) {
		login_reply(l, "%s BAD TLS is already active.", tag);
		return;
	}
	if (!worker_starttls_offered(l->w)) {
		login_reply(l, "%s NO TLS is not available.", tag);
		return;
	}
	if ((size_t)snprintf(go, sizeof(go), "%s OK Begin TLS negotiation "
	    "now.", tag) >= sizeof(go))
		fatalx("%s: tag too long", __func__);
	if (worker_starttls(l->w, tag, go) == -1) {
		login_reply(l, "%s NO TLS could not be started.", tag);
		return;
	}
	imap_parser_reset(l->p);
}

static void
login_login(struct imap_login *l, struct imap_cmd *cmd)
{
	struct auth_fail	 af;
	char			*pass = cmd->u.login.pass;
	int			 r;

	if (!worker_cleartext_ok(l->w, 1)) {
		explicit_bzero(pass, strlen(pass));
		login_reply(l, "%s " NO_PLAINTEXT, cmd->tag);
		return;
	}
	r = worker_sasl_plain(l->w, cmd->u.login.user, pass, &imap_sasl_ops,
	    &af);
	login_result(l, cmd->tag, r, &af);
}

/* RFC 4959: the initial response rides on the command ("=" is empty). */
static void
login_authenticate(struct imap_login *l, struct imap_cmd *cmd)
{
	struct auth_fail	 af;
	struct buf		 ir;
	const char		*mech = cmd->u.auth.mech;
	char			*init = cmd->u.auth.initial;
	int			 r;

	if (strlen(mech) >= P_MECHLEN || !worker_mech_ok(l->w, mech)) {
		if (init != NULL)
			explicit_bzero(init, strlen(init));
		if ((strcasecmp(mech, "PLAIN") == 0 ||
		    strcasecmp(mech, "LOGIN") == 0) && !l->w->tls_active)
			login_reply(l, "%s " NO_PLAINTEXT, cmd->tag);
		else
			login_reply(l, "%s NO Unsupported authentication "
			    "mechanism.", cmd->tag);
		return;
	}
	buf_init(&ir);
	if (init != NULL) {
		r = base64_decode(&ir, init, strlen(init));
		explicit_bzero(init, strlen(init));
		if (r == -1) {
			if (ir.len > 0)
				explicit_bzero(ir.data, ir.len);
			buf_free(&ir);
			login_reply(l, "%s BAD Invalid base64 data in initial "
			    "response.", cmd->tag);
			return;
		}
	}
	r = worker_sasl(l->w, mech, 0, ir.data, ir.len, init != NULL,
	    &imap_sasl_ops, &af);
	if (ir.len > 0)
		explicit_bzero(ir.data, ir.len);
	buf_free(&ir);
	login_result(l, cmd->tag, r, &af);
}

/*
 * RFC 5530 codes for the failure codes of lib/proto.h.  A refused
 * user (access rules, system accounts, an expired account) gets the
 * answer a wrong password gets: that one was right must not show.
 */
static void
login_result(struct imap_login *l, const char *tag, int r,
    struct auth_fail *af)
{
	if (r == SASL_IOERR)
		worker_exit(l->w, 0);
	if (r == SASL_OK)
		worker_handoff(l->w, tag);

	switch (af->code) {
	case AUTH_FAIL_CANCELLED:
		login_reply(l, "%s BAD Authentication cancelled.", tag);
		return;
	case AUTH_FAIL_PROTOCOL:
		login_reply(l, "%s BAD Invalid authentication data.", tag);
		break;
	case AUTH_FAIL_TEMP:
		login_reply(l, "%s NO [UNAVAILABLE] Temporary authentication "
		    "failure, try again later.", tag);
		return;
	case AUTH_FAIL_LIMIT:
		login_reply(l, "%s NO [LIMIT] Too many connections for this "
		    "user.", tag);
		return;
	case AUTH_FAIL_ENCRYPT:
		login_reply(l, "%s " NO_PLAINTEXT, tag);
		return;
	case AUTH_FAIL_MECH:
		login_reply(l, "%s NO Unsupported authentication mechanism.",
		    tag);
		return;
	default:
		login_reply(l, "%s NO [AUTHENTICATIONFAILED] Authentication "
		    "failed.", tag);
		break;
	}
	if (++l->w->auth_failures >= (int)l->w->init.max_auth_attempts)
		login_bye(l, "Too many invalid authentication attempts.");
}

/* RFC 2971: our name; the client's fields only reach a debug log. */
static void
login_id(struct imap_login *l, struct imap_cmd *cmd)
{
	char	f[64], v[256];
	size_t	i;

	for (i = 0; i < cmd->u.id.npairs; i++)
		log_debug("id=%u: client ID %s=%s", l->w->init.conn_id,
		    log_safe(cmd->u.id.field[i], f, sizeof(f)),
		    cmd->u.id.value[i] != NULL ? log_safe(cmd->u.id.value[i],
		    v, sizeof(v)) : "NIL");
	login_reply(l, "* ID (%s)", IMAP_ID_SERVER);
	login_reply(l, "%s OK ID completed.", cmd->tag);
}

static int
login_response(struct worker *w, char **line, size_t *len)
{
	login_clock(w);
	return io_getline(&w->io, LOGIN_LINE_MAX, line, len);
}
