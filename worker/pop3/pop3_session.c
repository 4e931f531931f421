/*
 * POP3 after login (RFC 1939 TRANSACTION and UPDATE states, RFC 2449
 * CAPA and response codes), run by the session process (postern-
 * session) as the mail user.  The maildrop is the INBOX of the user's
 * Maildir, locked against other POP3 sessions and snapshotted at
 * login; DELE and RETR only mark messages, and the marks take effect
 * at QUIT, so a dropped connection changes nothing.
 */
#include <sys/types.h>

#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "log.h"
#include "pop3.h"
#include "session.h"
#include "store.h"

#define POP3_LOCK		"postern-pop3.lock"
#define POP3_LOGIN_STAMP	"postern-pop3-login"

struct pop3_msg {
	struct store_msg	*m;
	uint64_t		 size;
	int			 deleted;
	int			 retrieved;
	int			 seen;		/* Seen before this session */
};

struct pop3 {
	struct session		*s;
	struct io		*io;
	struct store		*store;
	struct folder		*inbox;
	struct pop3_msg		*msgs;
	size_t			 nmsgs;
	size_t			 ndeleted;
	uint64_t		 size;		/* of those not deleted */
	unsigned int		 nretr;
	unsigned int		 nremoved;
};

static int	pop3_start(struct pop3 *);
static int	pop3_snapshot(struct pop3 *);
static int	pop3_loop(struct pop3 *);
static int	pop3_command(struct pop3 *, char *, size_t);
static int	pop3_reply(struct pop3 *, const char *, ...)
		    __attribute__((__format__ (printf, 2, 3)));
static int	nargs_ok(struct pop3 *, const struct pop3_cmd *, int, int);
static int	msg_arg(struct pop3 *, const char *, size_t *);
static int	io_out(void *, const void *, size_t);
static void	uidl_of(struct pop3 *, size_t, char *, size_t);
static int	cmd_capa(struct pop3 *);
static int	cmd_stat(struct pop3 *);
static int	cmd_list(struct pop3 *, const struct pop3_cmd *);
static int	cmd_uidl(struct pop3 *, const struct pop3_cmd *);
static int	cmd_send(struct pop3 *, const struct pop3_cmd *, int);
static int	cmd_dele(struct pop3 *, const struct pop3_cmd *);
static int	cmd_rset(struct pop3 *);
static int	pop3_update(struct pop3 *);
static int	line_pending(struct io *);
static void	pop3_free(struct pop3 *);

/*
 * Serve the POP3 session on s->io until QUIT, end of input, the idle
 * timeout or session_terminate.  Returns the process exit status: 1
 * when the maildrop could not be opened, else 0.
 */
int
pop3_session(struct session *s)
{
	struct pop3	p;
	char		user[P_NAMELEN * 4];
	int		rv;

	memset(&p, 0, sizeof(p));
	p.s = s;
	p.io = &s->io;
	/*
	 * Errors after login are logged where they happen; a client that
	 * goes away is no failure of ours.
	 */
	if ((rv = pop3_start(&p)) == 0)
		(void)pop3_loop(&p);
	(void)io_flush(p.io);
	log_info("logout: id=%u user=\"%s\" addr=%s proto=pop3 in=%llu "
	    "out=%llu retr=%u dele=%u", s->init.conn_id,
	    log_safe(s->init.user, user, sizeof(user)), s->init.client_addr,
	    (unsigned long long)p.io->bytes_in,
	    (unsigned long long)p.io->bytes_out, p.nretr, p.nremoved);
	pop3_free(&p);
	return rv < 0 ? 1 : 0;
}

static void
pop3_free(struct pop3 *p)
{
	folder_close(p->inbox);
	store_close(p->store);
	free(p->msgs);
}

static int
pop3_reply(struct pop3 *p, const char *fmt, ...)
{
	va_list	ap;
	int	r;

	va_start(ap, fmt);
	r = buf_vaddf(&p->io->out, fmt, ap);
	va_end(ap);
	if (r == -1 || buf_add(&p->io->out, "\r\n", 2) == -1)
		return -1;
	if (p->io->out.len >= 65536 && io_flush(p->io) != IO_OK)
		return -1;
	return 0;
}

static int
io_out(void *arg, const void *data, size_t len)
{
	return io_write(arg, data, len) == IO_OK ? 0 : -1;
}

/*
 * Lock the maildrop, apply LOGIN-DELAY, take the snapshot and answer
 * the login command.  Returns 0 to go on, 1 when the session ended
 * with an answer already given, -1 on failure.
 */
static int
pop3_start(struct pop3 *p)
{
	const struct session_init	*init = &p->s->init;
	time_t				 now, prev;
	int				 r;

	if ((p->store = store_open(p->s->maildir)) == NULL) {
		(void)pop3_reply(p, "-ERR [SYS/TEMP] Unable to open the "
		    "mailbox");
		return -1;
	}
	if ((r = store_lock_exclusive(p->store, POP3_LOCK)) != 1) {
		if (r == 0) {
			log_info("%s: mailbox in use", __func__);
			(void)pop3_reply(p, "-ERR [IN-USE] Mailbox is locked "
			    "by another POP3 session");
			return 1;
		}
		(void)pop3_reply(p, "-ERR [SYS/TEMP] Unable to lock the "
		    "mailbox");
		return -1;
	}
	if (init->pop3_login_delay > 0) {
		now = time(NULL);
		if (store_stamp_get(p->store, POP3_LOGIN_STAMP, &prev) == 0 &&
		    prev != 0 && now >= prev &&
		    now - prev < init->pop3_login_delay) {
			log_info("%s: login within LOGIN-DELAY", __func__);
			(void)pop3_reply(p, "-ERR [LOGIN-DELAY] Minimum time "
			    "between logins is %d seconds",
			    init->pop3_login_delay);
			return 1;
		}
		if (store_stamp_set(p->store, POP3_LOGIN_STAMP, now) == -1)
			log_warnx("%s: login time not recorded", __func__);
	}
	if ((p->inbox = folder_open(p->store, "INBOX", FOLDER_SIZES)) ==
	    NULL || pop3_snapshot(p) == -1) {
		(void)pop3_reply(p, "-ERR [SYS/TEMP] Unable to open the "
		    "mailbox");
		return -1;
	}
	if (pop3_reply(p, "+OK Logged in.") == -1)
		return -1;
	return 0;
}

/* The messages of this session; those vanished since the scan left out. */
static int
pop3_snapshot(struct pop3 *p)
{
	struct folder	*f = p->inbox;
	struct pop3_msg	*pm;
	size_t		 i;

	if (f->nmsgs > 0 &&
	    (p->msgs = calloc(f->nmsgs, sizeof(*p->msgs))) == NULL) {
		log_warn("%s", __func__);
		return -1;
	}
	for (i = 0; i < f->nmsgs; i++) {
		pm = &p->msgs[p->nmsgs];
		pm->m = f->msgs[i];
		if (store_msg_vsize(f, pm->m, &pm->size) == -1) {
			if (errno != ENOENT)
				log_warn("%s: %s", __func__, pm->m->base);
			continue;
		}
		pm->seen = (pm->m->flags & STORE_F_SEEN) != 0;
		p->size += pm->size;
		p->nmsgs++;
	}
	return 0;
}

/* A whole command line is already buffered: answer it before flushing. */
static int
line_pending(struct io *io)
{
	if (io_buffered(io) == 0)
		return 0;
	return memchr(io->in.data, '\n', io->in.len) != NULL;
}

static int
pop3_loop(struct pop3 *p)
{
	char	*line;
	size_t	 len;
	int	 r;

	for (;;) {
		if (session_terminate) {
			(void)pop3_reply(p, "-ERR [SYS/TEMP] Server shutting "
			    "down.");
			return 0;
		}
		if (!line_pending(p->io) && io_flush(p->io) != IO_OK)
			return 0;
		r = io_getline(p->io, POP3_MAXLINE, &line, &len);
		switch (r) {
		case IO_OK:
			break;
		case IO_TOOLONG:
			if (pop3_reply(p, "-ERR Line too long") == -1)
				return -1;
			continue;
		case IO_TIMEOUT:
			log_info("%s: idle timeout", __func__);
			(void)pop3_reply(p,
			    "-ERR Disconnected for inactivity.");
			return 0;
		case IO_INTR:
			continue;
		case IO_EOF:
			log_debug("%s: client closed the connection", __func__);
			return 0;
		default:
			log_debug("%s: connection error", __func__);
			return 0;
		}
		if ((r = pop3_command(p, line, len)) != 0)
			return r > 0 ? 0 : -1;
	}
}

/*
 * Check a command's argument count; an -ERR is sent for a wrong one.
 * Returns 1 when the count is right, 0 when it was not, -1 on error.
 */
static int
nargs_ok(struct pop3 *p, const struct pop3_cmd *cmd, int min, int max)
{
	if (cmd->argc < min)
		return pop3_reply(p, "-ERR Missing argument") == -1 ? -1 : 0;
	if (cmd->argc > max)
		return pop3_reply(p, "-ERR Too many arguments") == -1 ? -1 : 0;
	return 1;
}

/*
 * A message-number argument: 1 with its index, 0 after an -ERR (bad
 * syntax, no such message, deleted), -1 on error.
 */
static int
msg_arg(struct pop3 *p, const char *arg, size_t *idx)
{
	unsigned long	n;

	if (pop3_msgnum(arg, &n) == -1)
		return pop3_reply(p, "-ERR Invalid message number") == -1 ?
		    -1 : 0;
	if (n > p->nmsgs)
		return pop3_reply(p, "-ERR No such message") == -1 ? -1 : 0;
	if (p->msgs[n - 1].deleted)
		return pop3_reply(p, "-ERR Message %lu already deleted", n) ==
		    -1 ? -1 : 0;
	*idx = n - 1;
	return 1;
}

/*
 * Dovecot's default UIDL (%08Xu%08Xv, lower-case hex), so that UIDs
 * carried over from Dovecot keep their UIDLs; an override Dovecot
 * kept for a migrated message wins.
 */
static void
uidl_of(struct pop3 *p, size_t i, char *buf, size_t len)
{
	const struct store_msg	*m = p->msgs[i].m;

	if (m->pop3_uidl != NULL)
		(void)strlcpy(buf, m->pop3_uidl, len);
	else
		(void)snprintf(buf, len, "%08x%08x", m->uid,
		    p->inbox->uidvalidity);
}

/*
 * One command.  Returns 0 to read the next, 1 after QUIT, -1 when the
 * connection cannot go on.
 */
static int
pop3_command(struct pop3 *p, char *line, size_t len)
{
	struct pop3_cmd	cmd;
	int		r;

	switch (pop3_parse(line, len, &cmd)) {
	case POP3_PARSE_OK:
		break;
	case POP3_PARSE_EMPTY:
		return pop3_reply(p, "-ERR Empty command");
	case POP3_PARSE_TOOMANY:
		return pop3_reply(p, "-ERR Too many arguments");
	default:
		return pop3_reply(p, "-ERR Invalid characters in command");
	}
	switch (cmd.id) {
	case POP3_USER:
	case POP3_PASS:
	case POP3_APOP:
	case POP3_AUTH:
	case POP3_STLS:
		return pop3_reply(p, "-ERR Already authenticated");
	case POP3_UNKNOWN:
		return pop3_reply(p, "-ERR Unknown command");
	default:
		break;
	}
	switch (cmd.id) {
	case POP3_CAPA:
	case POP3_STAT:
	case POP3_NOOP:
	case POP3_RSET:
	case POP3_QUIT:
		r = nargs_ok(p, &cmd, 0, 0);
		break;
	case POP3_LIST:
	case POP3_UIDL:
		r = nargs_ok(p, &cmd, 0, 1);
		break;
	case POP3_RETR:
	case POP3_DELE:
		r = nargs_ok(p, &cmd, 1, 1);
		break;
	case POP3_TOP:
		r = nargs_ok(p, &cmd, 2, 2);
		break;
	default:
		return pop3_reply(p, "-ERR Unknown command");
	}
	if (r <= 0)
		return r;

	switch (cmd.id) {
	case POP3_CAPA:
		return cmd_capa(p);
	case POP3_STAT:
		return cmd_stat(p);
	case POP3_LIST:
		return cmd_list(p, &cmd);
	case POP3_UIDL:
		return cmd_uidl(p, &cmd);
	case POP3_RETR:
		return cmd_send(p, &cmd, 0);
	case POP3_TOP:
		return cmd_send(p, &cmd, 1);
	case POP3_DELE:
		return cmd_dele(p, &cmd);
	case POP3_NOOP:
		return pop3_reply(p, "+OK");
	case POP3_RSET:
		return cmd_rset(p);
	case POP3_QUIT:
		return pop3_update(p) == -1 ? -1 : 1;
	default:
		return pop3_reply(p, "-ERR Unknown command");
	}
}

/* After login: no USER, SASL or STLS; the user's real policy values. */
static int
cmd_capa(struct pop3 *p)
{
	const struct session_init	*init = &p->s->init;
	int				 r = 0;

	r |= pop3_reply(p, "+OK Capability list follows");
	r |= pop3_reply(p, "TOP");
	r |= pop3_reply(p, "UIDL");
	r |= pop3_reply(p, "RESP-CODES");
	r |= pop3_reply(p, "AUTH-RESP-CODE");
	r |= pop3_reply(p, "PIPELINING");
	if (init->pop3_expire < 0)
		r |= pop3_reply(p, "EXPIRE NEVER");
	else
		r |= pop3_reply(p, "EXPIRE %d", init->pop3_expire);
	if (init->pop3_login_delay > 0)
		r |= pop3_reply(p, "LOGIN-DELAY %d", init->pop3_login_delay);
	r |= pop3_reply(p, "IMPLEMENTATION postern");
	r |= pop3_reply(p, ".");
	return r == 0 ? 0 : -1;
}

static int
cmd_stat(struct pop3 *p)
{
	return pop3_reply(p, "+OK %zu %llu", p->nmsgs - p->ndeleted,
	    (unsigned long long)p->size);
}

static int
cmd_list(struct pop3 *p, const struct pop3_cmd *cmd)
{
	size_t	i;
	int	r;

	if (cmd->argc == 1) {
		if ((r = msg_arg(p, cmd->argv[0], &i)) <= 0)
			return r;
		return pop3_reply(p, "+OK %zu %llu", i + 1,
		    (unsigned long long)p->msgs[i].size);
	}
	if (pop3_reply(p, "+OK %zu messages (%llu octets)",
	    p->nmsgs - p->ndeleted, (unsigned long long)p->size) == -1)
		return -1;
	for (i = 0; i < p->nmsgs; i++)
		if (!p->msgs[i].deleted && pop3_reply(p, "%zu %llu", i + 1,
		    (unsigned long long)p->msgs[i].size) == -1)
			return -1;
	return pop3_reply(p, ".");
}

static int
cmd_uidl(struct pop3 *p, const struct pop3_cmd *cmd)
{
	char	uidl[STORE_UIDLMAX + 1];
	size_t	i;
	int	r;

	if (cmd->argc == 1) {
		if ((r = msg_arg(p, cmd->argv[0], &i)) <= 0)
			return r;
		uidl_of(p, i, uidl, sizeof(uidl));
		return pop3_reply(p, "+OK %zu %s", i + 1, uidl);
	}
	if (pop3_reply(p, "+OK Unique-ID list follows") == -1)
		return -1;
	for (i = 0; i < p->nmsgs; i++) {
		if (p->msgs[i].deleted)
			continue;
		uidl_of(p, i, uidl, sizeof(uidl));
		if (pop3_reply(p, "%zu %s", i + 1, uidl) == -1)
			return -1;
	}
	return pop3_reply(p, ".");
}

/* RETR n, and TOP n lines: the file streamed as CRLF, dot-stuffed. */
static int
cmd_send(struct pop3 *p, const struct pop3_cmd *cmd, int top)
{
	struct pop3_msg	*pm;
	const char	*errstr;
	uint64_t	 counted;
	long long	 lines = 0;
	size_t		 i;
	int		 fd, r, flags = CRLF_DOTSTUFF | CRLF_ENDLINE;

	if ((r = msg_arg(p, cmd->argv[0], &i)) <= 0)
		return r;
	pm = &p->msgs[i];
	if (top) {
		if (strspn(cmd->argv[1], "0123456789") !=
		    strlen(cmd->argv[1]))
			errstr = "not a number";
		else
			lines = strtonum(cmd->argv[1], 0, LLONG_MAX, &errstr);
		if (errstr != NULL)
			return pop3_reply(p, "-ERR Invalid number of lines");
		flags |= CRLF_TOP;
	}
	if ((fd = store_msg_open(p->inbox, pm->m)) == -1) {
		if (errno == ENOENT)
			return pop3_reply(p, "-ERR Message %zu was removed by "
			    "another session", i + 1);
		log_warn("%s: %s", __func__, pm->m->base);
		return pop3_reply(p, "-ERR [SYS/TEMP] Unable to read message "
		    "%zu", i + 1);
	}
	if (top)
		r = pop3_reply(p, "+OK Top of message follows");
	else
		r = pop3_reply(p, "+OK %llu octets",
		    (unsigned long long)pm->size);
	if (r == -1) {
		close(fd);
		return -1;
	}
	r = store_crlf_copy(fd, flags, (uint64_t)lines, io_out, p->io,
	    &counted);
	if (r == CRLF_EREAD)
		log_warn("%s: read %s", __func__, pm->m->base);
	close(fd);
	if (r != 0)
		return -1;
	if (!top) {
		if (counted != pm->size)
			log_warnx("%s: %s: %llu octets sent, %llu announced",
			    __func__, pm->m->base, (unsigned long long)counted,
			    (unsigned long long)pm->size);
		pm->retrieved = 1;
		p->nretr++;
	}
	return pop3_reply(p, ".");
}

static int
cmd_dele(struct pop3 *p, const struct pop3_cmd *cmd)
{
	size_t	i;
	int	r;

	if ((r = msg_arg(p, cmd->argv[0], &i)) <= 0)
		return r;
	p->msgs[i].deleted = 1;
	p->ndeleted++;
	p->size -= p->msgs[i].size;
	return pop3_reply(p, "+OK Message %zu deleted", i + 1);
}

static int
cmd_rset(struct pop3 *p)
{
	size_t	i;

	for (i = 0; i < p->nmsgs; i++) {
		if (p->msgs[i].deleted) {
			p->msgs[i].deleted = 0;
			p->size += p->msgs[i].size;
		}
	}
	p->ndeleted = 0;
	return pop3_reply(p, "+OK Maildrop has %zu messages (%llu octets)",
	    p->nmsgs, (unsigned long long)p->size);
}

/*
 * The UPDATE state: Seen for what was retrieved, removal for what was
 * deleted or has expired under the EXPIRE policy.  A removal that
 * fails does not stop the others.
 */
static int
pop3_update(struct pop3 *p)
{
	struct pop3_msg	*pm;
	time_t		 limit = 0;
	size_t		 i, failed = 0;
	int		 expire = p->s->init.pop3_expire, gone;

	if (expire > 0)
		limit = time(NULL) - (time_t)expire * 86400;
	for (i = 0; i < p->nmsgs; i++) {
		pm = &p->msgs[i];
		gone = pm->deleted;
		if (!gone && expire == 0 && pm->retrieved)
			gone = 1;
		if (!gone && expire > 0 && pm->seen && pm->m->time < limit)
			gone = 1;
		if (gone) {
			if (store_msg_expunge(p->inbox, pm->m) == -1) {
				log_warn("%s: remove %s", __func__,
				    pm->m->base);
				failed++;
			} else
				p->nremoved++;
		} else if (pm->retrieved &&
		    store_msg_set_flags(p->inbox, pm->m, STORE_F_SEEN, 0) ==
		    -1 && errno != ENOENT)
			log_warn("%s: set Seen on %s", __func__, pm->m->base);
	}
	if (failed > 0)
		return pop3_reply(p, "-ERR [SYS/PERM] Some deleted messages "
		    "were not removed");
	return pop3_reply(p, "+OK Logging out.");
}
