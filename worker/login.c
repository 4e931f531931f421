/*
 * The login rules and clock of the pre-login workers, used by both
 * protocols and both worker programs: which credentials and SASL
 * mechanisms the connection may use now, and the login clock:
 * login-timeout counts from the greeting, not from the last line, so a
 * client that keeps sending CAPA or NOOP must still log in in time,
 * and it goes on counting in postern-tlsworker after STARTTLS/STLS
 * from what postern-worker left of it.
 */
#include <sys/types.h>

#include <stdint.h>
#include <strings.h>
#include <time.h>

#include "log.h"
#include "worker.h"

static long long	now_ms(void);

static long long
now_ms(void)
{
	struct timespec	ts;

	if (clock_gettime(CLOCK_MONOTONIC, &ts) == -1)
		fatal("clock_gettime");
	return ts.tv_sec * 1000LL + ts.tv_nsec / 1000000;
}

/* At the greeting, or where postern-worker stopped the clock. */
void
worker_clock_start(struct worker *w)
{
	long long	left;

	if (w->init.idle_timeout == 0) {
		w->login_deadline = 0;
		return;
	}
	if (w->init.starttls)
		left = w->init.login_left_ms;
	else
		left = w->init.idle_timeout * 1000LL;
	w->login_deadline = now_ms() + left;
}

/*
 * Before each read: the time left to log in becomes the read timeout
 * (whole seconds, rounded up).  Returns 0, or -1 when the time is up
 * and the protocol must say goodbye.
 */
int
worker_clock(struct worker *w)
{
	long long	left;

	if (w->login_deadline == 0)
		return 0;
	if ((left = w->login_deadline - now_ms()) <= 0)
		return -1;
	w->io.timeout = (int)((left + 999) / 1000);
	return 0;
}

/* Milliseconds left to log in, at least 1; 0 without login-timeout. */
uint32_t
worker_clock_left(struct worker *w)
{
	long long	left;

	if (w->login_deadline == 0)
		return 0;
	left = w->login_deadline - now_ms();
	if (left < 1)
		return 1;
	if (left > UINT32_MAX)
		return UINT32_MAX;
	return (uint32_t)left;
}

/*
 * Whether cleartext credentials may be used now: over TLS always;
 * without TLS only as login-type allows (SASL PLAIN/LOGIN for
 * plaintext-auth, and also LOGIN/USER+PASS commands for plaintext-login).
 */
int
worker_cleartext_ok(struct worker *w, int via_command)
{
	if (w->tls_active)
		return 1;
	switch (w->init.login_type) {
	case LOGIN_PLAINTEXT_LOGIN:
		return 1;
	case LOGIN_PLAINTEXT_AUTH:
		return !via_command;
	}
	return 0;
}

/*
 * Whether a SASL mechanism is offered on this connection right now.
 * GSSAPI never shows the password, so it is offered in the clear too,
 * whenever the master has a keytab for it (RFC 4752 3.2: never
 * without an acceptor credential).
 */
int
worker_mech_ok(struct worker *w, const char *mech)
{
	if (strcasecmp(mech, "PLAIN") == 0 || strcasecmp(mech, "LOGIN") == 0)
		return worker_cleartext_ok(w, 0);
	if (strcasecmp(mech, "GSSAPI") == 0)
		return w->init.gssapi_available != 0;
	return 0;
}
