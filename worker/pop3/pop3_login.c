/*
 * POP3 before login, in both pre-login workers (RFC 1939 AUTHORIZATION
 * state, RFC 2449 CAPA, RFC 2595 STLS, RFC 5034 AUTH).  Credentials go
 * to postern-auth through the master; on success the connection is
 * handed over and the session, running as the user, answers the login.
 * postern-worker hands STLS to postern-tlsworker, which starts by
 * answering it instead of greeting.
 */
#include <sys/types.h>

#include <string.h>
#include <strings.h>

#include "base64.h"
#include "log.h"
#include "pop3.h"
#include "worker.h"

/* The refusal of a password where login-type needs TLS for it. */
#define ERR_PLAINTEXT	"-ERR [AUTH] Plaintext authentication disallowed " \
			"on non-secure (SSL/TLS) connections."

static void	pop3_capa(struct worker *);
static void	pop3_stls(struct worker *, char *);
static int	pop3_mechs(struct worker *, struct buf *, const char *,
		    const char *, const char *);
static void	pop3_auth(struct worker *, struct pop3_cmd *);
static void	pop3_login_result(struct worker *, int, struct auth_fail *);
static int	pop3_response(struct worker *, char **, size_t *);
static void	pop3_reply(struct worker *, const char *);
static int	pop3_userpass_ok(struct worker *, struct pop3_cmd *,
		    const char *);
static void	pop3_login_clock(struct worker *);

static const struct sasl_ops pop3_sasl_ops = {
	worker_sasl_challenge,
	pop3_response,
};

static void
pop3_reply(struct worker *w, const char *line)
{
	if (io_puts(&w->io, line) != IO_OK || io_puts(&w->io, "\r\n") !=
	    IO_OK || io_flush(&w->io) != IO_OK)
		worker_exit(w, 0);
}

/*
 * USER and PASS take one argument and only come where login-type
 * allows a cleartext password.  Returns 1 to go on, 0 after the
 * refusal.
 */
static int
pop3_userpass_ok(struct worker *w, struct pop3_cmd *cmd, const char *usage)
{
	if (cmd->argc != 1) {
		pop3_reply(w, usage);
		return 0;
	}
	if (!worker_cleartext_ok(w, 1)) {
		pop3_reply(w, ERR_PLAINTEXT);
		return 0;
	}
	return 1;
}

void
pop3_login(struct worker *w)
{
	struct pop3_cmd	 cmd;
	struct buf	 b;
	char		 user[P_NAMELEN], *line;
	size_t		 len;
	int		 r;

	user[0] = '\0';
	worker_clock_start(w);
	if (w->init.starttls)
		pop3_stls(w, user);
	else {
		buf_init(&b);
		if (buf_addf(&b, "+OK %s", w->init.banner[0] ?
		    w->init.banner : "postern POP3 server ready.") == -1)
			fatal("greeting");
		pop3_reply(w, (char *)b.data);
		buf_free(&b);
	}

	for (;;) {
		pop3_login_clock(w);
		r = io_getline(&w->io, POP3_MAXAUTHLINE, &line, &len);
		if (r == IO_TOOLONG) {
			pop3_reply(w, "-ERR Line too long.");
			continue;
		}
		if (r == IO_TIMEOUT) {
			pop3_reply(w, "-ERR Disconnected for inactivity.");
			worker_exit(w, 0);
		}
		if (r != IO_OK)
			worker_exit(w, 0);

		switch (pop3_parse(line, len, &cmd)) {
		case POP3_PARSE_OK:
			break;
		case POP3_PARSE_EMPTY:
			pop3_reply(w, "-ERR Empty command.");
			continue;
		case POP3_PARSE_TOOMANY:
			pop3_reply(w, "-ERR Too many arguments.");
			continue;
		default:
			pop3_reply(w, "-ERR Invalid characters in command.");
			continue;
		}
		if (cmd.id != POP3_AUTH && cmd.id != POP3_PASS &&
		    len > POP3_MAXLINE) {
			pop3_reply(w, "-ERR Line too long.");
			continue;
		}

		switch (cmd.id) {
		case POP3_CAPA:
			if (cmd.argc != 0) {
				pop3_reply(w, "-ERR CAPA takes no argument.");
				break;
			}
			pop3_capa(w);
			break;
		case POP3_QUIT:
			pop3_reply(w, "+OK Bye.");
			worker_exit(w, 0);
		case POP3_STLS:
			if (cmd.argc != 0)
				pop3_reply(w, "-ERR STLS takes no argument.");
			else
				pop3_stls(w, user);
			break;
		case POP3_USER:
			if (!pop3_userpass_ok(w, &cmd, "-ERR Usage: USER name"))
				break;
			if (strlen(cmd.argv[0]) >= sizeof(user)) {
				pop3_reply(w, "-ERR User name too long.");
				break;
			}
			(void)strlcpy(user, cmd.argv[0], sizeof(user));
			pop3_reply(w, "+OK");
			break;
		case POP3_PASS: {
			struct auth_fail	af;

			if (user[0] == '\0') {
				pop3_reply(w, "-ERR No user name given.");
				break;
			}
			if (!pop3_userpass_ok(w, &cmd,
			    "-ERR Usage: PASS password"))
				break;
			r = worker_sasl_plain(w, user, cmd.argv[0],
			    &pop3_sasl_ops, &af);
			user[0] = '\0';
			pop3_login_result(w, r, &af);
			break;
		}
		case POP3_AUTH:
			pop3_auth(w, &cmd);
			break;
		case POP3_APOP:
			pop3_reply(w, "-ERR APOP is not supported.");
			break;
		case POP3_UNKNOWN:
			pop3_reply(w, "-ERR Unknown command.");
			break;
		default:
			pop3_reply(w, "-ERR [AUTH] Not logged in.");
			break;
		}
	}
}

/*
 * RFC 2595 4: once TLS starts, nothing said before counts, and what
 * the client sent after STLS in the clear is thrown away (by
 * worker_starttls()).
 */
static void
pop3_stls(struct worker *w, char *user)
{
	if (w->tls_active)
		pop3_reply(w, "-ERR TLS is already active.");
	else if (!worker_starttls_offered(w))
		pop3_reply(w, "-ERR TLS is not available.");
	else if (worker_starttls(w, "", "+OK Begin TLS negotiation.") == -1)
		pop3_reply(w, "-ERR TLS could not be started.");
	else
		user[0] = '\0';
}

static void
pop3_capa(struct worker *w)
{
	struct buf	b;

	buf_init(&b);
	if (buf_addstr(&b, "+OK Capability list follows\r\n"
	    "TOP\r\nUIDL\r\nRESP-CODES\r\nAUTH-RESP-CODE\r\n"
	    "PIPELINING\r\n") == -1)
		fatal("buf");
	if (worker_cleartext_ok(w, 1) && buf_addstr(&b, "USER\r\n") == -1)
		fatal("buf");
	if (pop3_mechs(w, &b, "SASL", " ", "\r\n") == -1)
		fatal("buf");
	if (worker_starttls_offered(w) && buf_addstr(&b, "STLS\r\n") == -1)
		fatal("buf");
	if (w->init.pop3_expire < 0) {
		if (buf_addstr(&b, "EXPIRE NEVER\r\n") == -1)
			fatal("buf");
	} else if (buf_addf(&b, "EXPIRE %d USER\r\n", w->init.pop3_expire)
	    == -1)
		fatal("buf");
	if (w->init.pop3_login_delay >= 0 && buf_addf(&b,
	    "LOGIN-DELAY %d USER\r\n", w->init.pop3_login_delay) == -1)
		fatal("buf");
	if (buf_addstr(&b, "IMPLEMENTATION postern\r\n.") == -1)
		fatal("buf");
	pop3_reply(w, (char *)b.data);
	buf_free(&b);
}

/*
 * The SASL mechanisms offered now, each after sep, the list between
 * head and tail; nothing at all when none is.  Returns -1 on memory
 * trouble.
 */
static int
pop3_mechs(struct worker *w, struct buf *b, const char *head,
    const char *sep, const char *tail)
{
	static const char	*mechs[] = { "GSSAPI", "PLAIN", "LOGIN" };
	size_t			 i;
	int			 any = 0;

	for (i = 0; i < sizeof(mechs) / sizeof(mechs[0]); i++) {
		if (!worker_mech_ok(w, mechs[i]))
			continue;
		if ((!any && buf_addstr(b, head) == -1) ||
		    buf_addstr(b, sep) == -1 || buf_addstr(b, mechs[i]) == -1)
			return -1;
		any = 1;
	}
	if (any && buf_addstr(b, tail) == -1)
		return -1;
	return 0;
}

/* RFC 5034: AUTH mechanism [initial-response], or bare AUTH. */
static void
pop3_auth(struct worker *w, struct pop3_cmd *cmd)
{
	struct auth_fail	 af;
	struct buf		 ir;
	int			 r, has_ir = 0;

	if (cmd->argc == 0) {
		/* The pre-RFC 5034 listing some clients still ask for. */
		buf_init(&ir);
		if (buf_addstr(&ir, "+OK") == -1 ||
		    pop3_mechs(w, &ir, "", "\r\n", "") == -1 ||
		    buf_addstr(&ir, "\r\n.") == -1)
			fatal("buf");
		pop3_reply(w, (char *)ir.data);
		buf_free(&ir);
		return;
	}
	if (cmd->argc > 2) {
		pop3_reply(w, "-ERR Usage: AUTH mechanism [initial-response]");
		return;
	}
	if (strlen(cmd->argv[0]) >= P_MECHLEN ||
	    !worker_mech_ok(w, cmd->argv[0])) {
		if ((strcasecmp(cmd->argv[0], "PLAIN") == 0 ||
		    strcasecmp(cmd->argv[0], "LOGIN") == 0) && !w->tls_active)
			pop3_reply(w, ERR_PLAINTEXT);
		else
			pop3_reply(w, "-ERR Unsupported authentication "
			    "mechanism.");
		return;
	}
	buf_init(&ir);
	if (cmd->argc == 2) {
		has_ir = 1;
		/* "=" is an empty initial response (RFC 5034, 4). */
		if (strcmp(cmd->argv[1], "=") != 0 && base64_decode(&ir,
		    cmd->argv[1], strlen(cmd->argv[1])) == -1) {
			explicit_bzero(cmd->argv[1], strlen(cmd->argv[1]));
			pop3_reply(w, "-ERR Invalid base64 data in initial "
			    "response.");
			buf_free(&ir);
			return;
		}
		explicit_bzero(cmd->argv[1], strlen(cmd->argv[1]));
	}
	r = worker_sasl(w, cmd->argv[0], 0, ir.data, ir.len, has_ir,
	    &pop3_sasl_ops, &af);
	if (ir.len > 0)
		explicit_bzero(ir.data, ir.len);
	buf_free(&ir);
	pop3_login_result(w, r, &af);
}

static void
pop3_login_result(struct worker *w, int r, struct auth_fail *af)
{
	if (r == SASL_IOERR)
		worker_exit(w, 0);
	if (r == SASL_OK)
		worker_handoff(w, NULL);

	switch (af->code) {
	case AUTH_FAIL_CANCELLED:
		pop3_reply(w, "-ERR Authentication cancelled.");
		return;
	case AUTH_FAIL_PROTOCOL:
		pop3_reply(w, "-ERR Invalid authentication data.");
		break;
	case AUTH_FAIL_TEMP:
		pop3_reply(w, "-ERR [SYS/TEMP] Temporary authentication "
		    "failure, try again later.");
		return;
	case AUTH_FAIL_LIMIT:
		pop3_reply(w, "-ERR [IN-USE] Too many connections for this "
		    "user.");
		return;
	case AUTH_FAIL_ENCRYPT:
		pop3_reply(w, ERR_PLAINTEXT);
		return;
	case AUTH_FAIL_MECH:
		pop3_reply(w, "-ERR Unsupported authentication mechanism.");
		return;
	default:
		/* Wrong password, unknown user and denied look alike. */
		pop3_reply(w, "-ERR [AUTH] Authentication failed.");
		break;
	}
	if (++w->auth_failures >= (int)w->init.max_auth_attempts) {
		pop3_reply(w, "-ERR [AUTH] Too many authentication failures.");
		worker_exit(w, 0);
	}
}

static int
pop3_response(struct worker *w, char **line, size_t *len)
{
	pop3_login_clock(w);
	return io_getline(&w->io, POP3_MAXAUTHLINE, line, len);
}

/*
 * login-timeout counts from the greeting, not from the last line
 * (login.c): before each read the time left becomes the read timeout.
 */
static void
pop3_login_clock(struct worker *w)
{
	if (worker_clock(w) == 0)
		return;
	pop3_reply(w, "-ERR Disconnected for inactivity.");
	worker_exit(w, 0);
}
