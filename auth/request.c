/*
 * postern-auth's requests: one per login attempt the master relays,
 * keyed by the master's connection id.  A request runs its SASL
 * mechanism over MSG_AREQ_START/CONT, has the password checked (or,
 * after GSSAPI, the user looked up) and the access rules applied by a
 * verify child, applies the policy, and sends exactly one final answer
 * (OK or FAIL), a failure only after the delay the recent failures of
 * that address and that user name call for.  An abort ends a request
 * at any point, silently.  Every outcome is logged in one line of a
 * fixed format (see postern-auth(8)) that fail2ban can match.
 */
#include <sys/types.h>
#define __unused __attribute__((__unused__))
#include <sys/tree.h>

#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <vis.h>

#include <event2/event.h>

#include "auth.h"
#include "log.h"
#include "msg.h"

/* A configuration, shared by the requests that started under it. */
struct authconf {
	struct auth_config	 c;
	uint64_t		 gen;	/* changes with the settings */
	int			 refs;
};

enum areq_state {
	AREQ_MECH,		/* waiting for the client's response */
	AREQ_VERIFY,		/* the verify job is queued or running */
	AREQ_DELAY,		/* a failure waits out its delay */
	AREQ_ANSWER		/* answering now */
};

struct areq {
	RB_ENTRY(areq)		 node;
	uint32_t		 id;
	enum areq_state		 state;
	struct authconf		*conf;
	struct areq_start	 start;
	struct mech_state	 ms;
	struct verify_job	 job;
	struct event		*ev_delay;
	struct auth_fail	 fail;	/* sent when the delay ends */
};

RB_HEAD(areq_tree, areq);

static struct event_base	*req_base;
static int			(*req_send)(uint32_t, uint32_t, const void *,
				    size_t, const void *, size_t);
static struct authconf		*req_conf;
static uint64_t			 req_confgen;
static struct areq_tree		 req_tree = RB_INITIALIZER(&req_tree);
static struct delay_table	*req_delay_addr;
static struct delay_table	*req_delay_user;

static int	 areq_cmp(struct areq *, struct areq *);
static struct areq *request_find(uint32_t);
static void	 request_free(struct areq *);
static void	 request_conf_unref(struct authconf *);
static void	 request_step(struct areq *, const void *, size_t, int);
static void	 request_verify(struct areq *);
static void	 request_verified(struct verify_job *, void *);
static void	 request_ok(struct areq *, struct verify_result *);
static void	 request_fail(struct areq *, uint32_t, const char *);
static void	 request_delayed(int, short, void *);
static int	 request_delayed_code(uint32_t);
static const char *request_mech_name(const struct areq *, char *, size_t);
static const char *request_vis(const char *, char *, size_t);

RB_GENERATE_STATIC(areq_tree, areq, node, areq_cmp)

static int
areq_cmp(struct areq *a, struct areq *b)
{
	return a->id < b->id ? -1 : a->id > b->id;
}

/* send queues one message (two parts) to the master. */
void
request_init(struct event_base *base, int (*send)(uint32_t, uint32_t,
    const void *, size_t, const void *, size_t))
{
	req_base = base;
	req_send = send;
	if ((req_delay_addr = delay_new(DELAY_MAXENTRIES,
	    DELAY_FORGET)) == NULL ||
	    (req_delay_user = delay_new(DELAY_MAXENTRIES,
	    DELAY_FORGET)) == NULL)
		fatal("%s", __func__);
}

/*
 * A new configuration, for the requests that start from now on.  When
 * the settings changed, the logins the cache remembers are forgotten:
 * they were checked under the old ones (the master's structure is
 * zeroed before it is filled, so the bytes compare).
 */
void
request_config(const struct auth_config *c)
{
	struct authconf	*ac;

	if ((ac = calloc(1, sizeof(*ac))) == NULL)
		fatal("%s", __func__);
	ac->c = *c;
	ac->refs = 1;
	if (req_conf == NULL || memcmp(&req_conf->c, c, sizeof(*c)) != 0) {
		req_confgen++;
		cache_config(c->cache_ttl, c->cache_size);
	}
	ac->gen = req_confgen;
	if (req_conf != NULL)
		request_conf_unref(req_conf);
	req_conf = ac;
	backend_prune(c);
	backend_prepare(c);
	access_refresh(c->access_file);
	gssapi_config(c);
}

int
request_configured(void)
{
	return req_conf != NULL;
}

static void
request_conf_unref(struct authconf *ac)
{
	if (--ac->refs == 0)
		free(ac);
}

const char *
request_proto_name(uint32_t proto)
{
	switch (proto) {
	case PROTO_POP3:
		return "pop3";
	case PROTO_IMAP:
		return "imap";
	case PROTO_SUBMISSION:
		return "submission";
	default:
		return "unknown";
	}
}

static struct areq *
request_find(uint32_t id)
{
	struct areq	key;

	key.id = id;
	return RB_FIND(areq_tree, &req_tree, &key);
}

static void
request_free(struct areq *r)
{
	RB_REMOVE(areq_tree, &req_tree, r);
	if (r->state == AREQ_VERIFY)
		verify_cancel(&r->job);
	if (r->ev_delay != NULL)
		event_free(r->ev_delay);
	mech_clear(&r->ms);
	explicit_bzero(r->job.pass, sizeof(r->job.pass));
	request_conf_unref(r->conf);
	free(r);
}

/*
 * The master validated the sizes and strings of st; the mechanism
 * name and the data still come from the client.
 */
void
request_start(uint32_t id, const struct areq_start *st, const void *ir,
    size_t irlen)
{
	struct areq	*r;
	int		 cleartext;

	if ((r = request_find(id)) != NULL) {
		log_warnx("request %u started again; the first is dropped",
		    id);
		request_free(r);
	}
	if ((r = calloc(1, sizeof(*r))) == NULL)
		fatal("%s", __func__);
	r->id = id;
	r->start = *st;
	r->conf = req_conf;
	r->conf->refs++;
	r->state = AREQ_MECH;
	RB_INSERT(areq_tree, &req_tree, r);

	if (mech_init(&r->ms, st->mech, st->via_command) == -1) {
		request_fail(r, AUTH_FAIL_MECH, "unsupported mechanism");
		return;
	}
	r->ms.conf = &r->conf->c;
	r->ms.proto = st->proto;
	cleartext = (r->ms.mech->flags & MECH_CLEARTEXT) != 0;
	if (!policy_login_type(st->login_type, st->secured,
	    st->via_command, cleartext)) {
		request_fail(r, AUTH_FAIL_ENCRYPT,
		    "cleartext password without TLS");
		return;
	}
	request_step(r, ir, irlen, st->has_ir);
}

void
request_cont(uint32_t id, const void *data, size_t len)
{
	struct areq	*r;

	if ((r = request_find(id)) == NULL) {
		log_info("response for unknown request %u ignored", id);
		return;
	}
	if (r->state != AREQ_MECH) {
		log_info("response for request %u out of turn ignored", id);
		return;
	}
	request_step(r, data, len, 1);
}

void
request_abort(uint32_t id)
{
	struct areq	*r;

	if ((r = request_find(id)) == NULL) {
		log_info("abort for unknown request %u ignored", id);
		return;
	}
	log_debug("request %u aborted", id);
	request_free(r);
}

void
request_shutdown(void)
{
	struct areq	*r;

	while ((r = RB_ROOT(&req_tree)) != NULL)
		request_free(r);
	verify_shutdown();
	if (req_conf != NULL)
		request_conf_unref(req_conf);
	req_conf = NULL;
	delay_free(req_delay_addr);
	delay_free(req_delay_user);
	req_delay_addr = req_delay_user = NULL;
	gssapi_shutdown();
	access_shutdown();
}

static void
request_step(struct areq *r, const void *data, size_t len, int have_data)
{
	switch (mech_step(&r->ms, data, len, have_data)) {
	case MECH_CHALLENGE:
		if (req_send(MSG_AREQ_CHALLENGE, r->id, r->ms.challenge,
		    r->ms.challenge_len, NULL, 0) == -1)
			fatal("%s", __func__);
		break;
	case MECH_FAIL:
		request_fail(r, r->ms.fail_code, r->ms.fail_reason);
		break;
	case MECH_DONE:
		request_verify(r);
		break;
	}
}

static void
request_verify(struct areq *r)
{
	struct verify_job	*j = &r->job;

	r->state = AREQ_VERIFY;
	j->conf = &r->conf->c;
	j->proto = r->start.proto;
	j->lookup = r->ms.proven;
	j->confgen = r->conf->gen;
	(void)strlcpy(j->user, r->ms.user, sizeof(j->user));
	memcpy(j->pass, r->ms.pass, sizeof(j->pass));
	mech_clear(&r->ms);
	(void)strlcpy(j->rhost, r->start.client_addr, sizeof(j->rhost));
	j->done = request_verified;
	j->arg = r;
	verify_submit(j);
}

static void
request_verified(struct verify_job *j, void *arg)
{
	struct areq		*r = arg;
	struct verify_result	*res = &j->res;
	const char		*reason;
	uint32_t		 code;

	r->state = AREQ_ANSWER;
	switch (res->status) {
	case VERIFY_OK:
		code = policy_identity(&r->conf->c, r->start.proto, &res->id,
		    &reason);
		if (code != 0)
			request_fail(r, code, reason);
		else
			request_ok(r, res);
		break;
	case VERIFY_FAIL:
		request_fail(r, res->code, res->reason);
		break;
	default:
		request_fail(r, AUTH_FAIL_CREDENTIALS, "unknown user");
		break;
	}
}

static void
request_ok(struct areq *r, struct verify_result *res)
{
	char	key[P_NAMELEN], user[P_NAMELEN * 4], addr[P_ADDRLEN * 4];
	char	mech[P_MECHLEN * 4];

	delay_userkey(r->ms.user, key, sizeof(key));
	delay_forget(req_delay_user, key);
	if (req_send(MSG_AREQ_OK, r->id, &res->id, sizeof(res->id),
	    res->gids, res->id.ngroups * sizeof(res->gids[0])) == -1)
		fatal("%s", __func__);
	log_info("auth ok: id=%u proto=%s addr=%s user=\"%s\" mech=%s "
	    "backend=%s%s", r->id, request_proto_name(r->start.proto),
	    request_vis(r->start.client_addr, addr, sizeof(addr)),
	    request_vis(res->id.user, user, sizeof(user)),
	    request_mech_name(r, mech, sizeof(mech)), res->backend,
	    r->job.hit ? " (cached)" : "");
	request_free(r);
}

/* Failures a guesser learns from are answered late; the rest at once. */
static int
request_delayed_code(uint32_t code)
{
	switch (code) {
	case AUTH_FAIL_CREDENTIALS:
	case AUTH_FAIL_DENIED:
	case AUTH_FAIL_EXPIRED:
	case AUTH_FAIL_PROTOCOL:
		return 1;
	default:
		return 0;
	}
}

static void
request_fail(struct areq *r, uint32_t code, const char *reason)
{
	struct timeval	 tv;
	char		 key[P_NAMELEN], user[P_NAMELEN * 4];
	char		 addr[P_ADDRLEN * 4], mech[P_MECHLEN * 4];
	char		 why[P_TEXTLEN * 4];
	unsigned int	 n = 0, nu;
	uint32_t	 ms = 0;
	time_t		 now;

	if (request_delayed_code(code)) {
		now = delay_now();
		delay_addrkey(r->start.client_addr, key, sizeof(key));
		n = delay_failure(req_delay_addr, key, now);
		if (r->ms.user[0] != '\0') {
			delay_userkey(r->ms.user, key, sizeof(key));
			if ((nu = delay_failure(req_delay_user, key, now)) > n)
				n = nu;
		}
		ms = delay_ms(r->conf->c.failure_delay_ms,
		    r->conf->c.failure_delay_max_ms, n);
	}
	log_info("auth failed: id=%u proto=%s addr=%s user=\"%s\" mech=%s "
	    "reason=\"%s\" delay=%ums", r->id,
	    request_proto_name(r->start.proto),
	    request_vis(r->start.client_addr, addr, sizeof(addr)),
	    request_vis(r->ms.user, user, sizeof(user)),
	    request_mech_name(r, mech, sizeof(mech)),
	    request_vis(reason, why, sizeof(why)), ms);

	memset(&r->fail, 0, sizeof(r->fail));
	r->fail.code = code;
	(void)strlcpy(r->fail.reason, reason, sizeof(r->fail.reason));
	mech_clear(&r->ms);
	if (ms == 0) {
		r->state = AREQ_ANSWER;
		request_delayed(-1, 0, r);
		return;
	}
	r->state = AREQ_DELAY;
	if ((r->ev_delay = evtimer_new(req_base, request_delayed, r)) == NULL)
		fatalx("%s: evtimer_new", __func__);
	tv.tv_sec = ms / 1000;
	tv.tv_usec = (ms % 1000) * 1000;
	if (evtimer_add(r->ev_delay, &tv) == -1)
		fatalx("%s: evtimer_add", __func__);
}

static void
request_delayed(int fd, short ev, void *arg)
{
	struct areq	*r = arg;

	if (req_send(MSG_AREQ_FAIL, r->id, &r->fail, sizeof(r->fail),
	    NULL, 0) == -1)
		fatal("%s", __func__);
	request_free(r);
}

/* For the log: the command form, the mechanism, or what was asked. */
static const char *
request_mech_name(const struct areq *r, char *buf, size_t len)
{
	if (r->start.via_command)
		return "command";
	if (r->ms.mech != NULL)
		return r->ms.mech->name;
	return request_vis(r->start.mech, buf, len);
}

/*
 * Client text in a log line: as log_safe(), and double quotes are
 * escaped too so a quoted field cannot be closed from inside.
 */
static const char *
request_vis(const char *s, char *buf, size_t len)
{
	(void)strnvis(buf, s, len, VIS_SAFE | VIS_CSTYLE | VIS_OCTAL |
	    VIS_DQ);
	return buf;
}
