/*
 * postern-auth's memory of recent failures, one table per kind of key
 * (client address, user name), so that a failed login is answered
 * only after a delay that doubles with each recent failure.  A table
 * is bounded: an entry is forgotten after a quiet period, and when
 * the table is full the entry whose last failure is oldest goes.
 * Time is passed in, so tests need no clock; delay_now() is the clock
 * postern-auth passes, and the login cache's ages count in it too.
 */
#include <sys/types.h>
#include <sys/socket.h>
#define __unused __attribute__((__unused__))
#include <sys/queue.h>
#include <sys/tree.h>

#include <netinet/in.h>
#include <arpa/inet.h>

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "auth.h"
#include "log.h"

/* Keys longer than this are cut; names and addresses are shorter. */
#define DELAY_KEYLEN	P_NAMELEN

struct delay_entry {
	RB_ENTRY(delay_entry)	 node;
	TAILQ_ENTRY(delay_entry) lru;	/* oldest last failure first */
	time_t			 last;
	unsigned int		 count;
	char			 key[];
};

RB_HEAD(delay_tree, delay_entry);

struct delay_table {
	struct delay_tree	 tree;
	TAILQ_HEAD(, delay_entry) lru;
	size_t			 n;
	size_t			 max;
	time_t			 forget;
};

static int	delay_cmp(struct delay_entry *, struct delay_entry *);
static struct delay_entry *delay_find(struct delay_table *, const char *);
static void	delay_remove(struct delay_table *, struct delay_entry *);
static void	delay_expire(struct delay_table *, time_t);

RB_GENERATE_STATIC(delay_tree, delay_entry, node, delay_cmp)

static int
delay_cmp(struct delay_entry *a, struct delay_entry *b)
{
	return strcmp(a->key, b->key);
}

/* Seconds of a clock that does not go back. */
time_t
delay_now(void)
{
	struct timespec	ts;

	if (clock_gettime(CLOCK_MONOTONIC, &ts) == -1)
		fatal("clock_gettime");
	return ts.tv_sec;
}

struct delay_table *
delay_new(size_t max, time_t forget)
{
	struct delay_table	*t;

	if ((t = calloc(1, sizeof(*t))) == NULL)
		return NULL;
	RB_INIT(&t->tree);
	TAILQ_INIT(&t->lru);
	t->max = max > 0 ? max : 1;
	t->forget = forget;
	return t;
}

void
delay_free(struct delay_table *t)
{
	struct delay_entry	*e;

	if (t == NULL)
		return;
	while ((e = TAILQ_FIRST(&t->lru)) != NULL)
		delay_remove(t, e);
	free(t);
}

static struct delay_entry *
delay_find(struct delay_table *t, const char *key)
{
	union {
		struct delay_entry	e;
		char			buf[sizeof(struct delay_entry) +
					    DELAY_KEYLEN];
	} k;

	(void)strlcpy(k.e.key, key, DELAY_KEYLEN);
	return RB_FIND(delay_tree, &t->tree, &k.e);
}

static void
delay_remove(struct delay_table *t, struct delay_entry *e)
{
	RB_REMOVE(delay_tree, &t->tree, e);
	TAILQ_REMOVE(&t->lru, e, lru);
	t->n--;
	free(e);
}

/* The LRU list is in order of last failure, so stale ones lead it. */
static void
delay_expire(struct delay_table *t, time_t now)
{
	struct delay_entry	*e;

	while ((e = TAILQ_FIRST(&t->lru)) != NULL && now - e->last >= t->forget)
		delay_remove(t, e);
}

/*
 * Count one more failure for key at time now; returns the number of
 * recent failures, this one included.  Without memory for a new entry
 * the failure counts as the first: the delay is a brake, not a lock.
 */
unsigned int
delay_failure(struct delay_table *t, const char *key, time_t now)
{
	struct delay_entry	*e;
	size_t			 len;

	delay_expire(t, now);
	if ((e = delay_find(t, key)) != NULL) {
		TAILQ_REMOVE(&t->lru, e, lru);
		if (e->count < UINT32_MAX)
			e->count++;
		e->last = now;
		TAILQ_INSERT_TAIL(&t->lru, e, lru);
		return e->count;
	}
	if (t->n >= t->max)
		delay_remove(t, TAILQ_FIRST(&t->lru));
	if ((len = strlen(key)) >= DELAY_KEYLEN)
		len = DELAY_KEYLEN - 1;
	if ((e = malloc(sizeof(*e) + len + 1)) == NULL) {
		log_warn("%s", __func__);
		return 1;
	}
	memcpy(e->key, key, len);
	e->key[len] = '\0';
	e->count = 1;
	e->last = now;
	RB_INSERT(delay_tree, &t->tree, e);
	TAILQ_INSERT_TAIL(&t->lru, e, lru);
	t->n++;
	return 1;
}

/* Recent failures for key, without counting one. */
unsigned int
delay_count(struct delay_table *t, const char *key, time_t now)
{
	struct delay_entry	*e;

	delay_expire(t, now);
	if ((e = delay_find(t, key)) == NULL)
		return 0;
	return e->count;
}

void
delay_forget(struct delay_table *t, const char *key)
{
	struct delay_entry	*e;

	if ((e = delay_find(t, key)) != NULL)
		delay_remove(t, e);
}

size_t
delay_entries(const struct delay_table *t)
{
	return t->n;
}

/* base << (n - 1), capped; no delay at all before the first failure. */
uint32_t
delay_ms(uint32_t base, uint32_t cap, unsigned int n)
{
	uint64_t	d;

	if (n == 0 || base == 0)
		return 0;
	if (n > 32)
		return cap;
	d = (uint64_t)base << (n - 1);
	return d > cap ? cap : (uint32_t)d;
}

/*
 * The address key.  An IPv6 client usually holds a whole /64, so
 * failures count per /64 there; an IPv4 address (mapped or not)
 * counts alone.
 */
void
delay_addrkey(const char *addr, char *key, size_t len)
{
	struct in6_addr	a6;
	char		buf[INET6_ADDRSTRLEN];

	if (inet_pton(AF_INET6, addr, &a6) == 1 &&
	    !IN6_IS_ADDR_V4MAPPED(&a6)) {
		memset(&a6.s6_addr[8], 0, 8);
		if (inet_ntop(AF_INET6, &a6, buf, sizeof(buf)) != NULL) {
			(void)snprintf(key, len, "%s/64", buf);
			return;
		}
	}
	(void)strlcpy(key, addr, len);
}

/*
 * The user key ignores case: a backend that matches names without
 * regard to case must not give a guesser a fresh count per spelling.
 */
void
delay_userkey(const char *user, char *key, size_t len)
{
	size_t	i;

	if (len == 0)
		return;
	for (i = 0; user[i] != '\0' && i < len - 1; i++)
		key[i] = tolower((unsigned char)user[i]);
	key[i] = '\0';
}
