/*
 * The IMAP4 scenarios of pbench (regress/bench): the login storm, the
 * large-mailbox FETCH, SEARCH TEXT, new mail noticed by a session with
 * the large mailbox selected, the mixed workload of persistent
 * sessions and the idle sessions whose memory is measured.  Each
 * client is a small state machine fed whole response lines (literals
 * included) by the scanner below; what the server says untagged
 * (EXISTS, EXPUNGE, FETCH, SEARCH) is counted the same way for every
 * scenario.
 */
#include <sys/types.h>
#include <sys/stat.h>

#include <err.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "pbench.h"

enum step {
	S_GREETING,
	S_LOGIN,
	S_SELECT,
	S_WORK,		/* the scenario's own command */
	S_APPEND,	/* waiting for the literal's continuation */
	S_IDLE,		/* IDLE sent, waiting for "+" */
	S_IDLING,
	S_DONE,		/* DONE sent */
	S_NOOP,
	S_WAIT,		/* selected, waiting for the others */
	S_LOGOUT,
	S_OFF,		/* closed, finished or failed */
};

enum ev {
	EV_GREETING,
	EV_OK,
	EV_NO,		/* NO or BAD */
	EV_CONT,
};

struct iclient {
	struct client	 base;		/* connection, start, retry */
	int		 id;
	enum step	 step;
	unsigned	 tag;
	uint64_t	 t_cmd;		/* command sent */
	uint64_t	 t0;		/* measured interval started */
	uint64_t	 rx0;
	int		 exists;
	int		 fetched;
	int		 hits;
	uint64_t	 rng;
	int		 op;		/* mixed: the operation in flight */
	int		 expunge_next;
	int		 attempts;	/* mixed: failed logins so far */
};

/* What a scenario does with its clients' events. */
struct iscen {
	const char	*name;
	int		 tls_allowed;
	void		(*start)(void);
	void		(*event)(struct iclient *, enum ev, const char *,
			    size_t);
	void		(*down)(struct iclient *);	/* lost, noted */
	void		(*tick)(void *);
	int		(*done)(void *);
	int		(*finish)(void);
};

enum mixop {
	OP_FETCH_FLAGS,
	OP_FETCH_BODY,
	OP_STORE,
	OP_APPEND,
	OP_MARK,	/* STORE \Deleted, EXPUNGE follows */
	OP_EXPUNGE,
	OP_MAX
};

static const char *const opnames[OP_MAX] = {
	"fetch_flags", "fetch_body", "store", "append", "mark_deleted",
	"expunge",
};

static void	 i_input(struct conn *);
static void	 i_down(struct conn *, const char *);
static int	 imap_line(struct conn *, size_t *);
static void	 untagged(struct iclient *, const char *, size_t);
static void	 cmd(struct iclient *, const char *, ...)
		    __attribute__((__format__(__printf__, 2, 3)));
static void	 step_cmd(struct iclient *, enum step, const char *);
static void	 login(struct iclient *, int);
static int	 opening(struct iclient *);
static const char *failed_step(const struct iclient *, const char *);
static void	 i_close(struct iclient *);
static int	 i_connect(struct iclient *);
static void	 alloc_clients(int);
static int	 parse_num(const char *, size_t, size_t *, long *);

static void	 storm_start(void);
static void	 storm_event(struct iclient *, enum ev, const char *, size_t);
static void	 storm_down(struct iclient *);
static void	 storm_tick(void *);

static void	 one_start(void);
static void	 one_event(struct iclient *, enum ev, const char *, size_t);
static void	 one_down(struct iclient *);
static int	 one_failed(struct iclient *, enum ev, const char *, size_t);
static int	 one_done(void *);
static int	 fetch_finish(void);
static int	 search_finish(void);
static int	 probe_finish(void);
static void	 deliver(void);
static void	 newmail_event(struct iclient *, enum ev, const char *,
		    size_t);
static int	 newmail_finish(void);

static void	 make_append_msg(void);
static void	 mix_start(void);
static void	 mix_event(struct iclient *, enum ev, const char *, size_t);
static void	 mix_next(struct iclient *);
static void	 mix_down(struct iclient *);
static void	 mix_tick(void *);
static int	 mix_done(void *);
static int	 mix_finish(void);

static void	 idle_start(void);
static void	 idle_ready(struct iclient *);
static void	 idle_event(struct iclient *, enum ev, const char *, size_t);
static void	 idle_down(struct iclient *);
static void	 idle_tick(void *);
static int	 idle_done(void *);
static int	 idle_finish(void);

/* The server speaks first: nothing to do when the connection is up. */
static const struct handler ihandler = { NULL, i_input, i_down };

static const struct iscen scens[] = {
	{ "imap-login", 1, storm_start, storm_event, storm_down, storm_tick,
	    storm_over, storm_result },
	{ "imap-fetch", 1, one_start, one_event, one_down, NULL, one_done,
	    fetch_finish },
	{ "imap-search", 1, one_start, one_event, one_down, NULL, one_done,
	    search_finish },
	{ "imap-probe", 1, one_start, one_event, one_down, NULL, one_done,
	    probe_finish },
	{ "imap-newmail", 1, one_start, newmail_event, one_down, NULL,
	    one_done, newmail_finish },
	{ "imap-mixed", 1, mix_start, mix_event, mix_down, mix_tick, mix_done,
	    mix_finish },
	{ "imap-idle", 1, idle_start, idle_event, idle_down, idle_tick,
	    idle_done, idle_finish },
};

static const struct iscen *sc;
static struct iclient	*cls;
static int		 ncls;
static unsigned		 user_seq;
static struct lat	 lat;
static uint64_t		 t_begin, t_end;
static long		 n_ok;
static int		 finished;	/* single-client scenarios */
static uint64_t		 t_sel, t_work;	/* SELECT and the command done */
static int		 phase;		/* mixed and idle */
static long		 op_count[OP_MAX];
static int		 n_active;	/* mixed: sessions when the clock started */
static char		*append_msg;
static size_t		 append_len;

/* Idle sessions: counts and memory. */
static int		 n_ready, n_failed, n_opening, n_next, n_checked;
static int		 n_noop_ok, n_closed;
static uint64_t		 pss_before, pss_after, t_settle;
static int		 procs_before, procs_after;
static double		 setup_s;

int
imap_scenario(const char *name)
{
	size_t	i;

	for (i = 0; i < sizeof(scens) / sizeof(scens[0]); i++)
		if (strcmp(scens[i].name, name) == 0)
			break;
	if (i == sizeof(scens) / sizeof(scens[0]))
		return -1;
	sc = &scens[i];
	sc->start();
	net_loop(sc->done, sc->tick, NULL);
	return sc->finish();
}

static void
alloc_clients(int n)
{
	int	i;

	if ((cls = calloc((size_t)n, sizeof(*cls))) == NULL)
		err(1, "calloc");
	ncls = n;
	for (i = 0; i < n; i++) {
		cls[i].id = i;
		cls[i].base.c.fd = -1;
		cls[i].rng = 0x5eed0000ULL + (uint64_t)i;
		cls[i].step = S_OFF;
	}
}

static int
i_connect(struct iclient *cl)
{
	if (client_open(&cl->base, &ihandler, cl) == -1) {
		cl->step = S_OFF;
		return -1;
	}
	cl->step = S_GREETING;
	return 0;
}

static void
i_close(struct iclient *cl)
{
	conn_close(&cl->base.c);
	cl->step = S_OFF;
}

static void
i_down(struct conn *c, const char *why)
{
	note_error(why, "", 0);
	sc->down(c->ctx);
}

static void
cmd(struct iclient *cl, const char *fmt, ...)
{
	char	 line[1024];
	va_list	 ap;
	int	 n;

	va_start(ap, fmt);
	n = vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= sizeof(line))
		errx(1, "command too long");
	cl->tag++;
	cl->t_cmd = now_ns();
	conn_printf(&cl->base.c, "A%u %s\r\n", cl->tag, line);
}

/* Send a command without arguments; its answer finds cl at step. */
static void
step_cmd(struct iclient *cl, enum step step, const char *command)
{
	cl->step = step;
	cmd(cl, "%s", command);
}

/* LOGIN as the client's own user (fixed) or the next in turn. */
static void
login(struct iclient *cl, int fixed)
{
	char	user[64];

	user_name(user, sizeof(user), fixed ? (unsigned)cl->id : user_seq++);
	cl->step = S_LOGIN;
	cmd(cl, "LOGIN \"%s\" \"pw-%s\"", user, user);
}

/*
 * The steps the scenarios that keep a session open all begin with:
 * LOGIN as the client's own user after the greeting, SELECT after
 * LOGIN.  Returns 0 when the step is the scenario's own to take.
 */
static int
opening(struct iclient *cl)
{
	switch (cl->step) {
	case S_GREETING:
		login(cl, 1);
		return 1;
	case S_LOGIN:
		step_cmd(cl, S_SELECT, "SELECT INBOX");
		return 1;
	default:
		return 0;
	}
}

/* What a NO or BAD answered, for the error record. */
static const char *
failed_step(const struct iclient *cl, const char *other)
{
	if (cl->step == S_LOGIN)
		return "LOGIN: ";
	if (cl->step == S_SELECT)
		return "SELECT: ";
	return other;
}

/*
 * One whole response line at the start of the input, literals and the
 * lines after them included.  *len gets its length with the CRLF.
 * Returns 0 while more input is needed; c->scan remembers how far the
 * line was read, so a literal of megabytes is skipped, not rescanned.
 */
static int
imap_line(struct conn *c, size_t *len)
{
	const char	*base = c->in.p + c->in.off, *nl, *q;
	size_t		 avail = c->in.len - c->in.off, pos = c->scan, e;
	unsigned long long lit;

	for (;;) {
		if (pos >= avail) {
			c->scan = pos;
			return 0;
		}
		if ((nl = memchr(base + pos, '\n', avail - pos)) == NULL) {
			c->scan = avail;
			return 0;
		}
		e = (size_t)(nl - base);
		if (e >= 3 && base[e - 1] == '\r' && base[e - 2] == '}') {
			q = base + e - 3;
			if (*q == '+')
				q--;
			while (q > base && *q >= '0' && *q <= '9')
				q--;
			if (*q == '{' && q < base + e - 3) {
				lit = strtoull(q + 1, NULL, 10);
				pos = e + 1 + (size_t)lit;
				continue;
			}
		}
		*len = e + 1;
		return 1;
	}
}

/* "<number> " at line[*off]; moves *off past it. */
static int
parse_num(const char *line, size_t len, size_t *off, long *v)
{
	size_t	i = *off;
	long	n = 0;

	if (i >= len || line[i] < '0' || line[i] > '9')
		return -1;
	while (i < len && line[i] >= '0' && line[i] <= '9') {
		n = n * 10 + (line[i] - '0');
		if (n > 1000000000L)
			return -1;
		i++;
	}
	*off = i;
	*v = n;
	return 0;
}

static void
untagged(struct iclient *cl, const char *l, size_t len)
{
	size_t	off = 2;
	long	n;
	const char *p;

	if (len > 9 && memcmp(l, "* SEARCH", 8) == 0) {
		for (p = l + 8; p < l + len; p++)
			if (*p >= '0' && *p <= '9' && p[-1] == ' ')
				cl->hits++;
		return;
	}
	if (parse_num(l, len, &off, &n) == -1)
		return;
	if (len - off >= 7 && memcmp(l + off, " EXISTS", 7) == 0)
		cl->exists = (int)n;
	else if (len - off >= 8 && memcmp(l + off, " EXPUNGE", 8) == 0)
		cl->exists--;
	else if (len - off >= 6 && memcmp(l + off, " FETCH", 6) == 0)
		cl->fetched++;
}

static void
i_input(struct conn *c)
{
	struct iclient	*cl = c->ctx;
	const char	*l;
	size_t		 len, tl, cn;
	uint64_t	 gen = c->gen;
	unsigned long	 tag;
	char		*end, copy[200];
	int		 ok;

	while (c->state == C_OPEN && c->gen == gen && imap_line(c, &len)) {
		l = c->in.p + c->in.off;
		if (l[0] == '*' && len > 1 && l[1] == ' ') {
			if (cl->step == S_GREETING) {
				if (len >= 4 && memcmp(l, "* OK", 4) == 0) {
					conn_consume(c, len);
					sc->event(cl, EV_GREETING, l, len);
				} else {
					note_error("greeting: ", l, len);
					conn_consume(c, len);
					conn_fail(c, "bad greeting");
				}
				continue;
			}
			untagged(cl, l, len);
			conn_consume(c, len);
			continue;
		}
		if (l[0] == '+') {
			conn_consume(c, len);
			sc->event(cl, EV_CONT, "", 0);
			continue;
		}
		if (l[0] != 'A' || (tag = strtoul(l + 1, &end, 10)) !=
		    cl->tag || *end != ' ') {
			note_error("unexpected: ", l, len);
			conn_consume(c, len);
			conn_fail(c, "protocol error");
			return;
		}
		tl = (size_t)(end + 1 - l);
		ok = len - tl >= 2 && memcmp(l + tl, "OK", 2) == 0;
		/*
		 * The line is consumed before the scenario sees it, so
		 * that it may write, close or reopen: it gets a copy of
		 * what an error message needs.
		 */
		cn = conn_take(c, tl, len, copy, sizeof(copy));
		sc->event(cl, ok ? EV_OK : EV_NO, copy, cn);
	}
}

/* ---- login storm: connect, (TLS,) LOGIN, LOGOUT, again ------------- */

static void
storm_start(void)
{
	int	i;

	alloc_clients(opt.clients);
	storm_begin(now_ns());
	for (i = 0; i < ncls; i++)
		i_connect(&cls[i]);
}

static void
storm_event(struct iclient *cl, enum ev ev, const char *l, size_t len)
{
	if (ev == EV_NO) {
		note_error(failed_step(cl, "LOGOUT: "), l, len);
		i_close(cl);
		cl->base.retry = 1;
		return;
	}
	switch (cl->step) {
	case S_GREETING:
		login(cl, 0);
		break;
	case S_LOGIN:
		step_cmd(cl, S_LOGOUT, "LOGOUT");
		break;
	case S_LOGOUT:
		i_close(cl);
		if (storm_count(&cl->base, now_ns()))
			i_connect(cl);
		break;
	default:
		break;
	}
}

static void
storm_down(struct iclient *cl)
{
	cl->step = S_OFF;
	cl->base.retry = 1;
}

/* Clients that failed start over while the time lasts. */
static void
storm_tick(void *arg)
{
	int	i;

	(void)arg;
	if (!storm_running())
		return;
	for (i = 0; i < ncls; i++)
		if (cls[i].base.retry && cls[i].step == S_OFF)
			i_connect(&cls[i]);
}

/* ---- one client: FETCH of a large mailbox, SEARCH TEXT, probe ------ */

static void
one_start(void)
{
	alloc_clients(1);
	if (i_connect(&cls[0]) == -1)
		finished = 1;
}

/* A single-client scenario's command refused: noted, and it ends. */
static int
one_failed(struct iclient *cl, enum ev ev, const char *l, size_t len)
{
	if (ev != EV_NO)
		return 0;
	note_error(failed_step(cl, "command: "), l, len);
	i_close(cl);
	finished = 1;
	return 1;
}

static void
one_event(struct iclient *cl, enum ev ev, const char *l, size_t len)
{
	if (one_failed(cl, ev, l, len))
		return;
	if (cl->step == S_LOGIN) {
		/* what is measured starts with the SELECT */
		cl->t0 = now_ns();
		cl->rx0 = cl->base.c.rx;
	}
	if (opening(cl))
		return;
	switch (cl->step) {
	case S_SELECT:
		cl->step = S_WORK;
		t_sel = now_ns();
		if (strcmp(sc->name, "imap-search") == 0) {
			/* the SELECT is not what is measured here */
			cl->t0 = t_sel;
			cmd(cl, "SEARCH TEXT \"%s\"", opt.word);
		} else if (strcmp(sc->name, "imap-fetch") == 0 &&
		    cl->exists > 0)
			cmd(cl, "FETCH 1:* (FLAGS UID RFC822.SIZE "
			    "INTERNALDATE ENVELOPE)");
		else
			cmd(cl, "NOOP");
		break;
	case S_WORK:
		t_work = now_ns();
		cl->rx0 = cl->base.c.rx - cl->rx0;
		step_cmd(cl, S_LOGOUT, "LOGOUT");
		break;
	case S_LOGOUT:
		i_close(cl);
		n_ok = 1;
		finished = 1;
		break;
	default:
		break;
	}
}

static void
one_down(struct iclient *cl)
{
	cl->step = S_OFF;
	finished = 1;
}

static int
one_done(void *arg)
{
	(void)arg;
	return finished;
}

static int
fetch_finish(void)
{
	struct iclient	*cl = &cls[0];
	double		 secs, sel;

	if (n_ok == 0)
		return result_failed();
	secs = (double)(t_work - cl->t0) / NSEC;
	sel = (double)(t_sel - cl->t0) / NSEC;
	result("ok=1 seconds=%.3f select_s=%.3f fetch_s=%.3f messages=%d "
	    "fetched=%d bytes=%llu mbps=%.2f", secs, sel, secs - sel,
	    cl->exists, cl->fetched, (unsigned long long)cl->rx0,
	    secs > 0 ? (double)cl->rx0 / 1e6 / secs : 0.0);
	return cl->fetched == cl->exists ? 0 : 1;
}

/*
 * imap-newmail: with the user's INBOX selected, opt.sessions messages
 * are delivered into its Maildir (-m) one after the other, as an MTA
 * does (written in tmp/, renamed into new/, owned as the Maildir is),
 * and after each the session sends NOOP until the EXISTS for it has
 * come: the time from the rename to that NOOP's OK is measured.
 */
static int		 nm_exists0, nm_sent;
static uint64_t		 nm_t0;

static void
deliver(void)
{
	static char	 msg[1024];
	static int	 msglen;
	char		 tmp[4096], dst[4096], name[128];
	struct stat	 sb;
	int		 fd;

	if (msglen == 0)
		msglen = snprintf(msg, sizeof(msg), "From: Bench Sender "
		    "<sender@example.org>\r\nTo: big@example.org\r\n"
		    "Subject: new mail %d\r\nMessage-ID: <new.%d@example.org>"
		    "\r\n\r\nA message delivered while the mailbox is "
		    "selected.\r\n", (int)getpid(), (int)getpid());
	if (stat(opt.maildir, &sb) == -1)
		err(1, "%s", opt.maildir);
	(void)snprintf(name, sizeof(name), "%lld.M%dP%d.pbench",
	    (long long)(now_ns() / NSEC), nm_sent, (int)getpid());
	if ((size_t)snprintf(tmp, sizeof(tmp), "%s/tmp/%s", opt.maildir,
	    name) >= sizeof(tmp) || (size_t)snprintf(dst, sizeof(dst),
	    "%s/new/%s", opt.maildir, name) >= sizeof(dst))
		errx(1, "-m %s: too long", opt.maildir);
	if ((fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL, 0600)) == -1)
		err(1, "%s", tmp);
	if (write(fd, msg, (size_t)msglen) != msglen ||
	    fchown(fd, sb.st_uid, sb.st_gid) == -1 || close(fd) == -1)
		err(1, "%s", tmp);
	if (rename(tmp, dst) == -1)
		err(1, "%s", dst);
	nm_sent++;
	nm_t0 = now_ns();
}

static void
newmail_event(struct iclient *cl, enum ev ev, const char *l, size_t len)
{
	if (one_failed(cl, ev, l, len))
		return;
	if (opening(cl))
		return;
	switch (cl->step) {
	case S_SELECT:
		cl->step = S_WORK;
		nm_exists0 = cl->exists;
		cl->t0 = now_ns();
		deliver();
		cmd(cl, "NOOP");
		break;
	case S_WORK:
		if (cl->exists < nm_exists0 + nm_sent) {
			if (now_ns() - nm_t0 > (uint64_t)(opt.timeout * NSEC)) {
				note_error("new mail not noticed", "", 0);
				step_cmd(cl, S_LOGOUT, "LOGOUT");
			} else
				cmd(cl, "NOOP");
			break;
		}
		lat_add(&lat, now_ns() - nm_t0);
		if (nm_sent < opt.sessions) {
			deliver();
			cmd(cl, "NOOP");
			break;
		}
		t_work = now_ns();
		step_cmd(cl, S_LOGOUT, "LOGOUT");
		break;
	case S_LOGOUT:
		i_close(cl);
		n_ok = lat.n == (size_t)opt.sessions;
		finished = 1;
		break;
	default:
		break;
	}
}

static int
newmail_finish(void)
{
	struct iclient	*cl = &cls[0];

	if (n_ok == 0)
		return result_failed();
	result("ok=1 messages=%d seconds=%.3f p50_ms=%.2f p99_ms=%.2f",
	    nm_sent, (double)(t_work - cl->t0) / NSEC, lat_ms(&lat, 0.50),
	    lat_ms(&lat, 0.99));
	return 0;
}

static int
search_finish(void)
{
	struct iclient	*cl = &cls[0];

	if (n_ok == 0)
		return result_failed();
	result("ok=1 seconds=%.3f messages=%d hits=%d",
	    (double)(t_work - cl->t0) / NSEC, cl->exists, cl->hits);
	return 0;
}

static int
probe_finish(void)
{
	return probe_result(n_ok);
}

/* ---- mixed workload: persistent sessions, random operations -------- */

/*
 * The message APPEND adds: an ordinary short mail, CRLF as IMAP wants.
 */
static void
make_append_msg(void)
{
	static const char head[] =
	    "From: Bench Sender <sender@example.net>\r\n"
	    "To: Bench Reader <reader@example.org>\r\n"
	    "Subject: appended by the mixed workload\r\n"
	    "Date: Mon, 1 Jan 2024 12:00:00 +0000\r\n"
	    "Message-ID: <append@bench.example.org>\r\n"
	    "MIME-Version: 1.0\r\n"
	    "Content-Type: text/plain; charset=us-ascii\r\n\r\n";
	static const char line[] =
	    "A line of the body of a message that a client appends to the "
	    "mailbox.\r\n";
	size_t	i, n = 50;

	append_len = sizeof(head) - 1 + n * (sizeof(line) - 1);
	if ((append_msg = malloc(append_len)) == NULL)
		err(1, "malloc");
	memcpy(append_msg, head, sizeof(head) - 1);
	for (i = 0; i < n; i++)
		memcpy(append_msg + sizeof(head) - 1 + i * (sizeof(line) - 1),
		    line, sizeof(line) - 1);
}

static void
mix_start(void)
{
	int	i;

	make_append_msg();
	alloc_clients(opt.clients);
	phase = 0;	/* logging in; 1: running; 2: logging out */
	t_begin = now_ns();
	for (i = 0; i < ncls; i++)
		i_connect(&cls[i]);
}

static void
mix_next(struct iclient *cl)
{
	uint32_t	r;
	int		a, b;

	if (phase != 1 || now_ns() >= t_end) {
		step_cmd(cl, S_LOGOUT, "LOGOUT");
		return;
	}
	cl->step = S_WORK;
	if (cl->expunge_next) {
		cl->expunge_next = 0;
		cl->op = OP_EXPUNGE;
		cmd(cl, "EXPUNGE");
		return;
	}
	if (cl->exists < 1) {
		cl->op = OP_APPEND;
	} else {
		r = rnd_below(&cl->rng, 100);
		if (r < 30)
			cl->op = OP_FETCH_FLAGS;
		else if (r < 60)
			cl->op = OP_FETCH_BODY;
		else if (r < 80)
			cl->op = OP_STORE;
		else if (r < 90 || cl->exists < 20)
			cl->op = OP_APPEND;
		else
			cl->op = OP_MARK;
	}
	a = cl->exists > 0 ? 1 + (int)rnd_below(&cl->rng,
	    (uint32_t)cl->exists) : 1;
	switch (cl->op) {
	case OP_FETCH_FLAGS:
		b = a + 19 > cl->exists ? cl->exists : a + 19;
		cmd(cl, "FETCH %d:%d (UID FLAGS)", a, b);
		break;
	case OP_FETCH_BODY:
		cmd(cl, "FETCH %d (UID RFC822.SIZE BODY.PEEK[])", a);
		break;
	case OP_STORE:
		switch (rnd_below(&cl->rng, 3)) {
		case 0:
			cmd(cl, "STORE %d +FLAGS (\\Seen)", a);
			break;
		case 1:
			cmd(cl, "STORE %d -FLAGS (\\Seen)", a);
			break;
		default:
			cmd(cl, "STORE %d +FLAGS (\\Flagged)", a);
			break;
		}
		break;
	case OP_APPEND:
		cl->step = S_APPEND;
		cmd(cl, "APPEND INBOX (\\Seen) {%zu}", append_len);
		break;
	case OP_MARK:
		cl->expunge_next = 1;
		cmd(cl, "STORE %d +FLAGS.SILENT (\\Deleted)", a);
		break;
	default:
		errx(1, "mix_next: op %d", cl->op);
	}
}

static void
mix_event(struct iclient *cl, enum ev ev, const char *l, size_t len)
{
	uint64_t	now;

	if (ev == EV_CONT) {
		if (cl->step == S_APPEND) {
			cl->step = S_WORK;
			conn_write(&cl->base.c, append_msg, append_len);
			conn_write(&cl->base.c, "\r\n", 2);
		}
		return;
	}
	if (ev == EV_NO) {
		note_error(failed_step(cl, "operation: "), l, len);
		if (cl->step == S_WORK || cl->step == S_APPEND) {
			cl->expunge_next = 0;
			mix_next(cl);
			return;
		}
		i_close(cl);
		mix_down(cl);
		return;
	}
	if (opening(cl))
		return;
	switch (cl->step) {
	case S_SELECT:
		cl->step = S_WAIT;
		if (phase == 1)
			mix_next(cl);
		break;
	case S_WORK:
		now = now_ns();
		if (now <= t_end) {
			n_ok++;
			op_count[cl->op]++;
			lat_add(&lat, now - cl->t_cmd);
		}
		mix_next(cl);
		break;
	case S_LOGOUT:
		i_close(cl);
		break;
	default:
		break;
	}
}

/*
 * A session lost while logging in is tried again, twice: the clock
 * should run with every client in place.  Each loss counts as an
 * error all the same.
 */
static void
mix_down(struct iclient *cl)
{
	cl->step = S_OFF;
	if (phase == 0 && ++cl->attempts < 3)
		cl->base.retry = 1;
}

/*
 * The clock starts when every client has its mailbox selected (or
 * after 60 s of trying), so that logins are not part of the rate.
 */
static void
mix_tick(void *arg)
{
	int	i, waiting = 0, busy = 0;

	(void)arg;
	if (phase != 0)
		return;
	for (i = 0; i < ncls; i++) {
		if (cls[i].base.retry && cls[i].step == S_OFF) {
			cls[i].base.retry = 0;
			if (i_connect(&cls[i]) == -1)
				mix_down(&cls[i]);
		}
		if (cls[i].step == S_WAIT)
			waiting++;
		else if (cls[i].step != S_OFF)
			busy++;
	}
	if (busy > 0 && now_ns() - t_begin < 60 * NSEC)
		return;
	phase = 1;
	n_active = waiting;
	t_begin = now_ns();
	t_end = t_begin + (uint64_t)(opt.duration * NSEC);
	for (i = 0; i < ncls; i++)
		if (cls[i].step == S_WAIT)
			mix_next(&cls[i]);
	if (waiting == 0)
		phase = 2;
}

static int
mix_done(void *arg)
{
	(void)arg;
	if (phase == 0)
		return 0;
	if (net_open_count() == 0)
		return 1;
	return now_ns() > t_end + 30 * NSEC;
}

static int
mix_finish(void)
{
	double	secs = opt.duration;
	int	i;

	printf("result scenario=%s server=%s ops=%ld seconds=%.3f rate=%.1f "
	    "p50_ms=%.2f p99_ms=%.2f active=%d errors=%ld", opt.scenario,
	    opt.label != NULL ? opt.label : "-", n_ok, secs,
	    (double)n_ok / secs, lat_ms(&lat, 0.50), lat_ms(&lat, 0.99),
	    n_active, error_count());
	for (i = 0; i < OP_MAX; i++)
		printf(" %s=%ld", opnames[i], op_count[i]);
	printf(" error=\"%s\"\n", first_error());
	fflush(stdout);
	return n_ok > 0 ? 0 : 1;
}

/* ---- idle sessions: hold many, measure the server's memory --------- */

static void
idle_start(void)
{
	alloc_clients(opt.sessions);
	if (pss_tree(opt.server_pid, &pss_before, &procs_before) == -1)
		errx(1, "no process %d", (int)opt.server_pid);
	t_begin = now_ns();
	phase = 0;	/* opening; 1: settling; 2: checking; 3: closing */
}

static void
idle_ready(struct iclient *cl)
{
	cl->base.c.deadline = 0;	/* an idle session may stay silent */
	n_ready++;
	n_opening--;
}

static void
idle_event(struct iclient *cl, enum ev ev, const char *l, size_t len)
{
	if (ev == EV_CONT) {
		if (cl->step == S_IDLE) {
			cl->step = S_IDLING;
			idle_ready(cl);
		}
		return;
	}
	if (ev == EV_NO) {
		note_error(failed_step(cl, "command: "), l, len);
		if (cl->step == S_LOGIN || cl->step == S_SELECT ||
		    cl->step == S_IDLE) {
			n_failed++;
			n_opening--;
		} else if (cl->step == S_DONE || cl->step == S_NOOP)
			n_checked++;
		i_close(cl);
		n_closed++;
		return;
	}
	if (opening(cl))
		return;
	switch (cl->step) {
	case S_SELECT:
		if (opt.use_idle) {
			step_cmd(cl, S_IDLE, "IDLE");
		} else {
			cl->step = S_WAIT;
			idle_ready(cl);
		}
		break;
	case S_DONE:
		step_cmd(cl, S_NOOP, "NOOP");
		break;
	case S_NOOP:
		n_noop_ok++;
		n_checked++;
		step_cmd(cl, S_LOGOUT, "LOGOUT");
		break;
	case S_LOGOUT:
		i_close(cl);
		n_closed++;
		break;
	default:
		break;
	}
}

static void
idle_down(struct iclient *cl)
{
	switch (cl->step) {
	case S_GREETING:
	case S_LOGIN:
	case S_SELECT:
	case S_IDLE:
		n_failed++;
		n_opening--;
		break;
	case S_IDLING:
	case S_WAIT:
		/* lost while idle: counted as not answering NOOP */
		break;
	case S_DONE:
	case S_NOOP:
		n_checked++;
		break;
	default:
		break;
	}
	cl->step = S_OFF;
	n_closed++;
}

static void
idle_tick(void *arg)
{
	struct iclient	*cl;
	int		 i;

	(void)arg;
	switch (phase) {
	case 0:
		while (n_next < ncls && n_opening < opt.setup_conc) {
			cl = &cls[n_next++];
			n_opening++;
			if (i_connect(cl) == -1) {
				n_opening--;
				n_failed++;
				n_closed++;
			}
		}
		if (n_next == ncls && n_opening == 0) {
			setup_s = (double)(now_ns() - t_begin) / NSEC;
			t_settle = now_ns();
			phase = 1;
		}
		break;
	case 1:
		if (now_ns() - t_settle < (uint64_t)(opt.settle * NSEC))
			break;
		if (pss_tree(opt.server_pid, &pss_after, &procs_after) == -1)
			errx(1, "server %d is gone", (int)opt.server_pid);
		phase = 2;
		t_begin = now_ns();
		for (i = 0; i < ncls; i++) {
			cl = &cls[i];
			if (cl->step == S_IDLING) {
				cl->step = S_DONE;
				cl->t_cmd = now_ns();
				conn_printf(&cl->base.c, "DONE\r\n");
			} else if (cl->step == S_WAIT) {
				step_cmd(cl, S_NOOP, "NOOP");
			} else if (cl->step != S_OFF)
				n_checked++;
		}
		break;
	default:
		break;
	}
}

static int
idle_done(void *arg)
{
	(void)arg;
	if (phase < 2)
		return 0;
	if (net_open_count() == 0)
		return 1;
	return now_ns() - t_begin > (uint64_t)(opt.timeout * 2 * NSEC);
}

static int
idle_finish(void)
{
	double	per;

	per = n_ready > 0 ? ((double)pss_after - (double)pss_before) /
	    n_ready : 0.0;
	result("sessions=%d ready=%d failed=%d setup_s=%.2f "
	    "pss_before_kb=%llu pss_after_kb=%llu procs_before=%d "
	    "procs_after=%d per_session_kb=%.1f noop_ok=%d error=\"%s\"",
	    ncls, n_ready, n_failed, setup_s,
	    (unsigned long long)pss_before, (unsigned long long)pss_after,
	    procs_before, procs_after, per, n_noop_ok, first_error());
	return n_ready == ncls && n_noop_ok == n_ready ? 0 : 1;
}
