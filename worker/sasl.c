/*
 * The worker's half of a SASL exchange: it frames and base64-decodes
 * what the client sends, passes raw bytes to postern-auth through the
 * master, and turns the answers back into challenges.  It never judges
 * credentials itself.
 */
#include <sys/types.h>

#include <errno.h>
#include <string.h>

#include "base64.h"
#include "log.h"
#include "worker.h"

#define SASL_MAX_ROUNDS	16

static int	sasl_wait(struct worker *, struct msg *);
static void	sasl_abort(struct worker *, struct auth_fail *, uint32_t,
		    const char *);

/* Wait for the master's answer; the worker has nothing else to do. */
static int
sasl_wait(struct worker *w, struct msg *m)
{
	int	r;

	do
		r = msg_wait(&w->chan, m, 60 * 1000);
	while (r == -1 && errno == EINTR);
	if (r != 1) {
		log_warnx("id=%u: no answer from the master", w->init.conn_id);
		return -1;
	}
	return 0;
}

/*
 * Give up on the exchange: tell the master, then drop every answer of
 * the dead exchange still on its way, up to the master's
 * acknowledgement, so the next exchange starts clean.
 */
static void
sasl_abort(struct worker *w, struct auth_fail *af, uint32_t code,
    const char *why)
{
	struct msg	m;

	memset(af, 0, sizeof(*af));
	af->code = code;
	(void)strlcpy(af->reason, why, sizeof(af->reason));
	if (msg_compose(&w->chan, MSG_AUTH_ABORT, w->init.conn_id, -1, NULL,
	    0) == -1 || msg_flush_all(&w->chan) == -1)
		fatal("abort");
	for (;;) {
		if (sasl_wait(w, &m) == -1)
			fatalx("no acknowledgement of the abort");
		if (m.type == MSG_AUTH_ABORTED)
			return;
		if (m.type != MSG_AUTH_CHALLENGE && m.type != MSG_AUTH_OK &&
		    m.type != MSG_AUTH_FAIL)
			fatalx("unexpected message %u after abort", m.type);
	}
}

/*
 * Run one authentication.  ir is the initial response (already
 * decoded) when has_ir.  Returns SASL_OK (user name in w->user),
 * SASL_FAIL with af filled, or SASL_IOERR.
 */
int
worker_sasl(struct worker *w, const char *mech, int via_command,
    const unsigned char *ir, size_t irlen, int has_ir,
    const struct sasl_ops *ops, struct auth_fail *af)
{
	struct auth_start	as;
	struct auth_ok		ok;
	struct buf		resp;
	struct msg		m;
	char			*line;
	size_t			 len;
	int			 r, rounds = 0;

	memset(&as, 0, sizeof(as));
	(void)strlcpy(as.mech, mech, sizeof(as.mech));
	as.via_command = via_command;
	as.secured = w->tls_active;
	as.has_ir = has_ir;
	if (msg_composev(&w->chan, MSG_AUTH_START, w->init.conn_id, -1, &as,
	    sizeof(as), ir, has_ir ? irlen : 0) == -1 ||
	    msg_flush_all(&w->chan) == -1)
		fatal("auth start");

	buf_init(&resp);
	for (;;) {
		if (sasl_wait(w, &m) == -1) {
			buf_free(&resp);
			return SASL_IOERR;
		}
		switch (m.type) {
		case MSG_AUTH_OK:
			buf_free(&resp);
			if (msg_payload(&m, &ok, sizeof(ok)) == -1 ||
			    !msg_strfield_ok(ok.user, sizeof(ok.user)))
				fatalx("bad auth answer");
			(void)strlcpy(w->user, ok.user, sizeof(w->user));
			return SASL_OK;
		case MSG_AUTH_FAIL:
			buf_free(&resp);
			if (msg_payload(&m, af, sizeof(*af)) == -1 ||
			    !msg_strfield_ok(af->reason, sizeof(af->reason)))
				fatalx("bad auth answer");
			return SASL_FAIL;
		case MSG_AUTH_CHALLENGE:
			break;
		default:
			fatalx("unexpected message %u during auth", m.type);
		}

		if (++rounds > SASL_MAX_ROUNDS) {
			sasl_abort(w, af, AUTH_FAIL_PROTOCOL, "too many rounds");
			buf_free(&resp);
			return SASL_FAIL;
		}
		if (ops->challenge(w, m.data, m.len) != IO_OK ||
		    (r = ops->response(w, &line, &len)) == IO_EOF ||
		    r == IO_ERR || r == IO_TIMEOUT || r == IO_INTR) {
			sasl_abort(w, af, AUTH_FAIL_CANCELLED, "connection lost");
			buf_free(&resp);
			return SASL_IOERR;
		}
		if (r == IO_TOOLONG) {
			sasl_abort(w, af, AUTH_FAIL_PROTOCOL,
			    "response too long");
			buf_free(&resp);
			return SASL_FAIL;
		}
		if (len == 1 && line[0] == '*') {
			sasl_abort(w, af, AUTH_FAIL_CANCELLED,
			    "cancelled by the client");
			buf_free(&resp);
			return SASL_FAIL;
		}
		buf_reset(&resp);
		if (base64_decode(&resp, line, len) == -1) {
			explicit_bzero(line, len);
			sasl_abort(w, af, AUTH_FAIL_PROTOCOL, "invalid base64");
			buf_free(&resp);
			return SASL_FAIL;
		}
		explicit_bzero(line, len);
		r = msg_compose(&w->chan, MSG_AUTH_CONT, w->init.conn_id, -1,
		    resp.data, resp.len);
		if (resp.len > 0)
			explicit_bzero(resp.data, resp.len);
		if (r == -1 || msg_flush_all(&w->chan) == -1)
			fatal("auth continue");
	}
}

/*
 * A challenge as both protocols frame it, "+ " and the base64 of the
 * bytes (RFC 9051 7.5, RFC 5034 4): the challenge of every sasl_ops.
 */
int
worker_sasl_challenge(struct worker *w, const unsigned char *data,
    size_t len)
{
	struct buf	b;
	int		r;

	buf_init(&b);
	if (buf_addstr(&b, "+ ") == -1 || base64_encode(&b, data, len) == -1 ||
	    buf_addstr(&b, "\r\n") == -1)
		fatal("%s", __func__);
	r = io_write(&w->io, b.data, b.len);
	buf_free(&b);
	if (r != IO_OK)
		return r;
	return io_flush(&w->io);
}

/*
 * A login with a cleartext password (IMAP LOGIN, POP3 USER/PASS) is
 * passed on as SASL PLAIN, NUL user NUL password, so postern-auth has
 * one way to check passwords.  The password is wiped here.  Returns as
 * worker_sasl().
 */
int
worker_sasl_plain(struct worker *w, const char *user, char *pass,
    const struct sasl_ops *ops, struct auth_fail *af)
{
	struct buf	plain;
	size_t		ulen = strlen(user), plen = strlen(pass);
	int		r;

	buf_init(&plain);
	if (buf_add(&plain, "", 1) == -1 || buf_add(&plain, user, ulen) ==
	    -1 || buf_add(&plain, "", 1) == -1 ||
	    buf_add(&plain, pass, plen) == -1)
		fatal("%s", __func__);
	explicit_bzero(pass, plen);
	r = worker_sasl(w, "PLAIN", 1, plain.data, plain.len, 1, ops, af);
	explicit_bzero(plain.data, plain.len);
	buf_free(&plain);
	return r;
}
