/*
 * The POP3 scenarios of pbench (regress/bench): the login storm (USER,
 * PASS, QUIT from many clients at once), the download of a whole
 * maildrop (RETR of every message, one after the other, as fetchmail
 * does) and the probe that tells bench.sh whether a server can be
 * measured at all.  Multi-line answers are found by their terminating
 * "CRLF . CRLF", searched from where the last search stopped.
 */
#include <sys/types.h>

#include <err.h>
#include <stdlib.h>
#include <string.h>

#include "pbench.h"

enum pstep {
	P_GREETING,
	P_USER,
	P_PASS,
	P_STAT,
	P_RETR,
	P_QUIT,
	P_OFF,
};

struct pclient {
	struct client	 base;		/* connection, start, retry */
	enum pstep	 step;
	long		 count;		/* messages in the maildrop */
	long		 next;		/* next RETR */
	char		 user[64];
};

static void	 p_input(struct conn *);
static void	 p_down(struct conn *, const char *);
static int	 p_connect(struct pclient *);
static void	 p_off(struct pclient *);
static void	 p_user(struct pclient *);
static int	 status_line(struct conn *, size_t *);
static int	 multi_end(struct conn *, size_t, size_t *);
static void	 p_answer(struct pclient *, int, const char *, size_t);
static int	 p_done(void *);
static void	 p_tick(void *);

/* The server speaks first: nothing to do when the connection is up. */
static const struct handler phandler = { NULL, p_input, p_down };

static int		 mode;		/* which scenario */
#define M_LOGIN		0
#define M_RETR		1
#define M_PROBE		2
static struct pclient	*pcs;
static int		 npcs;
static unsigned		 user_seq;
static uint64_t		 t_begin, t_done, rx_total;
static long		 n_ok;
static int		 finished;

int
pop3_scenario(const char *name)
{
	int	i;

	if (strcmp(name, "pop3-login") == 0)
		mode = M_LOGIN;
	else if (strcmp(name, "pop3-retr") == 0)
		mode = M_RETR;
	else if (strcmp(name, "pop3-probe") == 0)
		mode = M_PROBE;
	else
		return -1;
	npcs = mode == M_LOGIN ? opt.clients : 1;
	if ((pcs = calloc((size_t)npcs, sizeof(*pcs))) == NULL)
		err(1, "calloc");
	t_begin = now_ns();
	storm_begin(t_begin);
	for (i = 0; i < npcs; i++) {
		pcs[i].base.c.fd = -1;
		pcs[i].step = P_OFF;
		if (p_connect(&pcs[i]) == -1 && mode != M_LOGIN)
			finished = 1;
	}
	net_loop(p_done, p_tick, NULL);

	switch (mode) {
	case M_LOGIN:
		return storm_result();
	case M_RETR:
		if (n_ok == 0)
			return result_failed();
		{
			double	secs = (double)(t_done - t_begin) / NSEC;

			result("ok=1 seconds=%.3f messages=%ld bytes=%llu "
			    "mbps=%.2f", secs, pcs[0].count,
			    (unsigned long long)rx_total,
			    (double)rx_total / 1e6 / secs);
		}
		return 0;
	default:
		return probe_result(n_ok);
	}
}

static int
p_connect(struct pclient *pc)
{
	if (client_open(&pc->base, &phandler, pc) == -1) {
		pc->step = P_OFF;
		return -1;
	}
	pc->step = P_GREETING;
	return 0;
}

/*
 * The session ended before its QUIT: a storm client goes again, a
 * one-client scenario is over.
 */
static void
p_off(struct pclient *pc)
{
	pc->step = P_OFF;
	pc->base.retry = 1;
	if (mode != M_LOGIN)
		finished = 1;
}

static void
p_down(struct conn *c, const char *why)
{
	note_error(why, "", 0);
	p_off(c->ctx);
}

/* Choose the next user and send USER; PASS follows its +OK. */
static void
p_user(struct pclient *pc)
{
	user_name(pc->user, sizeof(pc->user), user_seq++);
	pc->step = P_USER;
	conn_printf(&pc->base.c, "USER %s\r\n", pc->user);
}

/* The first line of the input; *len with its CRLF. */
static int
status_line(struct conn *c, size_t *len)
{
	const char	*base = c->in.p + c->in.off, *nl;
	size_t		 avail = c->in.len - c->in.off;

	if ((nl = memchr(base, '\n', avail)) == NULL)
		return 0;
	*len = (size_t)(nl - base) + 1;
	return 1;
}

/*
 * The end of a multi-line answer whose status line is sl bytes long:
 * the "CRLF . CRLF" after it, the status line's own CRLF counting as
 * the first (an empty answer is "+OK ... CRLF . CRLF").
 */
static int
multi_end(struct conn *c, size_t sl, size_t *len)
{
	const char	*base = c->in.p + c->in.off, *t;
	size_t		 avail = c->in.len - c->in.off, from;

	from = sl - 2;
	if (c->scan > from)
		from = c->scan;
	if (avail < from + 5) {
		return 0;
	}
	if ((t = memmem(base + from, avail - from, "\r\n.\r\n", 5)) == NULL) {
		c->scan = avail - 4;
		return 0;
	}
	*len = (size_t)(t - base) + 5;
	return 1;
}

static void
p_input(struct conn *c)
{
	struct pclient	*pc = c->ctx;
	const char	*l;
	char		 copy[200];
	size_t		 sl, total, cn;
	uint64_t	 gen = c->gen;
	int		 ok;

	while (c->state == C_OPEN && c->gen == gen && status_line(c, &sl)) {
		l = c->in.p + c->in.off;
		ok = sl >= 3 && memcmp(l, "+OK", 3) == 0;
		if (pc->step == P_RETR && ok) {
			if (!multi_end(c, sl, &total))
				return;
			conn_consume(c, total);
			p_answer(pc, 1, "", 0);
			continue;
		}
		cn = conn_take(c, 0, sl, copy, sizeof(copy));
		p_answer(pc, ok, copy, cn);
	}
}

static void
p_answer(struct pclient *pc, int ok, const char *l, size_t len)
{
	struct conn	*c = &pc->base.c;
	uint64_t	 now;
	char		*end;

	if (!ok) {
		note_error(pc->step == P_GREETING ? "greeting: " :
		    pc->step == P_USER ? "USER: " : pc->step == P_PASS ?
		    "PASS: " : "command: ", l, len);
		conn_close(c);
		p_off(pc);
		return;
	}
	switch (pc->step) {
	case P_GREETING:
		p_user(pc);
		break;
	case P_USER:
		pc->step = P_PASS;
		conn_printf(c, "PASS pw-%s\r\n", pc->user);
		break;
	case P_PASS:
		if (mode == M_RETR) {
			pc->step = P_STAT;
			conn_printf(c, "STAT\r\n");
		} else {
			pc->step = P_QUIT;
			conn_printf(c, "QUIT\r\n");
		}
		break;
	case P_STAT:
		/* "+OK count size" */
		pc->count = len > 4 ? strtol(l + 4, &end, 10) : 0;
		pc->next = 1;
		/* FALLTHROUGH */
	case P_RETR:
		if (pc->next <= pc->count) {
			pc->step = P_RETR;
			conn_printf(c, "RETR %ld\r\n", pc->next++);
		} else {
			pc->step = P_QUIT;
			conn_printf(c, "QUIT\r\n");
		}
		break;
	case P_QUIT:
		now = now_ns();
		rx_total = c->rx;
		conn_close(c);
		pc->step = P_OFF;
		if (mode != M_LOGIN) {
			t_done = now;
			n_ok = 1;
			finished = 1;
		} else if (storm_count(&pc->base, now))
			p_connect(pc);
		break;
	default:
		break;
	}
}

static void
p_tick(void *arg)
{
	int	i;

	(void)arg;
	if (mode != M_LOGIN || !storm_running())
		return;
	for (i = 0; i < npcs; i++)
		if (pcs[i].base.retry && pcs[i].step == P_OFF)
			p_connect(&pcs[i]);
}

static int
p_done(void *arg)
{
	if (mode != M_LOGIN)
		return finished;
	return storm_over(arg);
}
