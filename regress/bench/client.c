/*
 * What the IMAP and POP3 drivers of pbench (regress/bench) share, in
 * the one pbench process: the record of errors that every result line
 * ends with, the opening of a client's connection, the user names to
 * log in as, and the login storm (clients logging in and out over and
 * over for a fixed time) with its clock, counts and result line.  Only
 * one scenario runs per process, so one record serves whichever
 * driver runs it.
 */
#include <sys/types.h>

#include <err.h>
#include <stdio.h>

#include "pbench.h"

static long		 n_err;
static char		 first_err[256];

static uint64_t		 storm_end;
static long		 storm_ok, storm_late;
static struct lat	 storm_lat;

/*
 * Count an error.  The first one is kept for the result line: what
 * went wrong, then the server's words when there are any.
 */
void
note_error(const char *what, const char *line, size_t len)
{
	size_t	i, n;

	n_err++;
	if (first_err[0] != '\0')
		return;
	n = snprintf(first_err, sizeof(first_err), "%s", what);
	if (n >= sizeof(first_err))
		return;
	/* the server's words, printable and without the line end */
	for (i = 0; i < len && n + 1 < sizeof(first_err); i++) {
		if (line[i] == '\r' || line[i] == '\n')
			break;
		first_err[n++] = line[i] >= 0x20 && line[i] < 0x7f &&
		    line[i] != '"' ? line[i] : '?';
	}
	first_err[n] = '\0';
}

long
error_count(void)
{
	return n_err;
}

const char *
first_error(void)
{
	return first_err;
}

/*
 * Start connecting k, the base of the driver's client ctx, and note
 * when, for the login storms' latency.  A connection that cannot even
 * be started is an error, and k is left to be tried again.
 */
int
client_open(struct client *k, const struct handler *h, void *ctx)
{
	k->t_conn = now_ns();
	k->retry = 0;
	if (conn_open(&k->c, h, ctx, opt.tls) == -1) {
		note_error(net_errstr(), "", 0);
		k->retry = 1;
		return -1;
	}
	return 0;
}

/* The user to log in as: -u, or the i-th name of -U and -N. */
void
user_name(char *buf, size_t size, unsigned i)
{
	int	n;

	if (opt.user != NULL)
		n = snprintf(buf, size, "%s", opt.user);
	else
		n = snprintf(buf, size, opt.userfmt,
		    (int)(i % (unsigned)opt.nusers));
	if (n < 0 || (size_t)n >= size)
		errx(1, "user name too long");
}

/* The login storm counts for opt.duration seconds from t. */
void
storm_begin(uint64_t t)
{
	storm_end = t + (uint64_t)(opt.duration * NSEC);
}

int
storm_running(void)
{
	return now_ns() < storm_end;
}

/*
 * A storm client's session ended well at now.  While the time lasts
 * it counts, with its latency from the connect, and the client goes
 * again: returns 1.  After, it is late and the client stops: 0.
 */
int
storm_count(const struct client *k, uint64_t now)
{
	if (now <= storm_end) {
		storm_ok++;
		lat_add(&storm_lat, now - k->t_conn);
		return 1;
	}
	storm_late++;
	return 0;
}

/*
 * The storm's done function for net_loop(): logins in flight at the
 * end may finish (not counted), for 10 s.
 */
int
storm_over(void *arg)
{
	uint64_t	now = now_ns();

	(void)arg;
	if (now < storm_end)
		return 0;
	if (net_open_count() == 0)
		return 1;
	if (now > storm_end + 10 * NSEC) {
		net_close_all();
		return 1;
	}
	return 0;
}

/* The storm's result line; the exit status, 1 when no login counted. */
int
storm_result(void)
{
	double	secs = opt.duration;

	result("logins=%ld seconds=%.3f rate=%.1f p50_ms=%.2f p99_ms=%.2f "
	    "errors=%ld late=%ld error=\"%s\"", storm_ok, secs,
	    (double)storm_ok / secs, lat_ms(&storm_lat, 0.50),
	    lat_ms(&storm_lat, 0.99), n_err, storm_late, first_err);
	return storm_ok > 0 ? 0 : 1;
}

/* A one-client scenario that did not get through; exit status 1. */
int
result_failed(void)
{
	result("ok=0 error=\"%s\"", first_err);
	return 1;
}

/* A probe's result: whether its one session went through. */
int
probe_result(long ok)
{
	if (ok == 0)
		return result_failed();
	result("ok=1");
	return 0;
}
