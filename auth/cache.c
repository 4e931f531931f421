/*
 * postern-auth's login cache: the main process remembers, for
 * auth-cache-ttl seconds, the answers of password checks that
 * succeeded against a passwd-file, so that a client logging in again
 * and again costs neither a crypt(3) of a costly hash nor the fork of a
 * verify child.  An answer is found by an HMAC-SHA256, under a key made
 * at start and never stored, of the protocol, the user name and the
 * password; the password itself is never kept.  An answer holds only
 * under the versions it was computed with (the auth settings, the
 * access file, each passwd-file), so an edit of any of them counts from
 * the next login on.  Failures and PAM's answers are never kept.  The
 * table holds at most auth-cache-size entries and drops the oldest when
 * full; expired entries go when they are next met.  Entries are wiped
 * when they go.
 */
#include <sys/types.h>
#include <sys/queue.h>

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/params.h>

#include "auth.h"
#include "log.h"

#define CACHE_KEYLEN	32
#define CACHE_TAG	"postern-auth login cache 1"
#define CACHE_MAXBUCKETS (1U << 20)

/*
 * A remembered answer.  The strings of the result follow the entry,
 * each with its NUL, then the groups: most results are small, and a
 * struct verify_result is 3.6 kB.
 */
struct cache_entry {
	LIST_ENTRY(cache_entry)	 bucket;
	TAILQ_ENTRY(cache_entry) age;		/* oldest first */
	unsigned char		 mac[CACHE_MACLEN];
	time_t			 stored;
	struct cache_versions	 ver;
	size_t			 size;		/* of the allocation */
	int32_t			 status;
	uint32_t		 code;
	uint32_t		 uid;
	uint32_t		 gid;
	uint32_t		 ngroups;
	uint16_t		 len[5];	/* the strings, NULs apart */
	unsigned char		 data[];
};

LIST_HEAD(cache_bucket, cache_entry);
TAILQ_HEAD(cache_age, cache_entry);

static struct {
	EVP_MAC_CTX		*mac;		/* keyed; duplicated per use */
	uint32_t		 ttl;		/* seconds; 0: off */
	uint32_t		 size;		/* most entries; 0: off */
	size_t			 n;
	struct cache_bucket	*buckets;
	uint32_t		 mask;		/* nbuckets - 1 */
	struct cache_age	 age;
} cache = { .age = TAILQ_HEAD_INITIALIZER(cache.age) };

static struct cache_bucket *cache_bucket(const unsigned char *);
static void	 cache_remove(struct cache_entry *);
static int	 cache_expired(const struct cache_entry *, time_t);
static void	 cache_u32(EVP_MAC_CTX *, uint32_t);

/* Make the key.  Called once, before any other function here. */
void
cache_init(void)
{
	unsigned char	 key[CACHE_KEYLEN];
	EVP_MAC		*hmac;
	OSSL_PARAM	 params[2];
	char		 digest[] = "SHA256";

	if ((hmac = EVP_MAC_fetch(NULL, "HMAC", NULL)) == NULL ||
	    (cache.mac = EVP_MAC_CTX_new(hmac)) == NULL)
		fatalx("%s: cannot set up HMAC", __func__);
	EVP_MAC_free(hmac);
	params[0] = OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST,
	    digest, 0);
	params[1] = OSSL_PARAM_construct_end();
	arc4random_buf(key, sizeof(key));
	if (EVP_MAC_init(cache.mac, key, sizeof(key), params) != 1)
		fatalx("%s: cannot key HMAC-SHA256", __func__);
	explicit_bzero(key, sizeof(key));
}

/*
 * New settings: ttl seconds, at most size entries; either 0 turns the
 * cache off.  Everything remembered so far is forgotten: it was found
 * under the settings being replaced.
 */
void
cache_config(uint32_t ttl, uint32_t size)
{
	uint32_t	nb, i;

	cache_clear();
	free(cache.buckets);
	cache.buckets = NULL;
	cache.mask = 0;
	if (size > AUTH_CACHE_MAXSIZE)
		size = AUTH_CACHE_MAXSIZE;
	cache.ttl = ttl;
	cache.size = size;
	if (ttl == 0 || size == 0)
		return;
	/* About one entry per bucket when full. */
	for (nb = 1; nb < size && nb < CACHE_MAXBUCKETS; nb <<= 1)
		;
	if ((cache.buckets = reallocarray(NULL, nb,
	    sizeof(*cache.buckets))) == NULL) {
		log_warn("%s: %u buckets; the login cache is off", __func__,
		    nb);
		cache.size = 0;
		return;
	}
	for (i = 0; i < nb; i++)
		LIST_INIT(&cache.buckets[i]);
	cache.mask = nb - 1;
}

int
cache_enabled(void)
{
	return cache.mac != NULL && cache.buckets != NULL;
}

static void
cache_u32(EVP_MAC_CTX *c, uint32_t v)
{
	unsigned char	b[4];

	b[0] = v >> 24;
	b[1] = v >> 16;
	b[2] = v >> 8;
	b[3] = v;
	if (EVP_MAC_update(c, b, sizeof(b)) != 1)
		fatalx("%s: EVP_MAC_update", __func__);
}

/*
 * The key of a login: HMAC-SHA256 of the protocol, the user name and
 * the password, each string preceded by its length so that no two
 * logins give the same input.
 */
void
cache_mac(uint32_t proto, const char *user, const char *pass,
    unsigned char mac[CACHE_MACLEN])
{
	EVP_MAC_CTX	*c;
	size_t		 ulen = strlen(user), plen = strlen(pass), len;

	if (cache.mac == NULL)
		fatalx("%s: cache_init was not called", __func__);
	if ((c = EVP_MAC_CTX_dup(cache.mac)) == NULL)
		fatalx("%s: EVP_MAC_CTX_dup", __func__);
	if (EVP_MAC_update(c, (const unsigned char *)CACHE_TAG,
	    sizeof(CACHE_TAG)) != 1)
		fatalx("%s: EVP_MAC_update", __func__);
	cache_u32(c, proto);
	cache_u32(c, ulen);
	if (EVP_MAC_update(c, (const unsigned char *)user, ulen) != 1)
		fatalx("%s: EVP_MAC_update", __func__);
	cache_u32(c, plen);
	if (EVP_MAC_update(c, (const unsigned char *)pass, plen) != 1 ||
	    EVP_MAC_final(c, mac, &len, CACHE_MACLEN) != 1 ||
	    len != CACHE_MACLEN)
		fatalx("%s: HMAC-SHA256", __func__);
	EVP_MAC_CTX_free(c);
}

static struct cache_bucket *
cache_bucket(const unsigned char *mac)
{
	uint32_t	h;

	/* The MAC is uniformly random to anyone without the key. */
	h = (uint32_t)mac[0] | (uint32_t)mac[1] << 8 |
	    (uint32_t)mac[2] << 16 | (uint32_t)mac[3] << 24;
	return &cache.buckets[h & cache.mask];
}

static void
cache_remove(struct cache_entry *e)
{
	LIST_REMOVE(e, bucket);
	TAILQ_REMOVE(&cache.age, e, age);
	cache.n--;
	freezero(e, e->size);
}

static int
cache_expired(const struct cache_entry *e, time_t now)
{
	return now < e->stored || now - e->stored >= (time_t)cache.ttl;
}

/*
 * The answer remembered for mac, if it was stored less than the TTL
 * before now (seconds of a clock that does not go back) under exactly
 * the versions ver: returns 1 with *r as the verify child gave it.
 * Returns 0 otherwise, and forgets an answer that no longer holds.
 */
int
cache_lookup(const unsigned char mac[CACHE_MACLEN],
    const struct cache_versions *ver, time_t now, struct verify_result *r)
{
	struct cache_entry	*e;
	const unsigned char	*p;
	size_t			 i;
	char			*d[5] = { r->reason, r->backend, r->id.user,
				    r->id.home, r->id.mail };

	if (!cache_enabled())
		return 0;
	LIST_FOREACH(e, cache_bucket(mac), bucket)
		if (CRYPTO_memcmp(e->mac, mac, CACHE_MACLEN) == 0)
			break;
	if (e == NULL)
		return 0;
	if (cache_expired(e, now) ||
	    memcmp(&e->ver, ver, sizeof(*ver)) != 0) {
		cache_remove(e);
		return 0;
	}
	memset(r, 0, sizeof(*r));
	r->status = e->status;
	r->code = e->code;
	r->id.uid = e->uid;
	r->id.gid = e->gid;
	r->id.ngroups = e->ngroups;
	p = e->data;
	for (i = 0; i < 5; i++) {
		/* Each fits: cache_store() took it from such a field. */
		memcpy(d[i], p, e->len[i]);
		p += e->len[i] + 1;
	}
	memcpy(r->gids, p, e->ngroups * sizeof(r->gids[0]));
	return 1;
}

/*
 * Remember r, the answer of a check that the verify child made under
 * ver, as the answer for mac from now on.  Only a success from a
 * passwd-file is kept; returns 1 when r was stored, 0 when it is not
 * one to keep or the cache is off.
 */
int
cache_store(const unsigned char mac[CACHE_MACLEN],
    const struct cache_versions *ver, time_t now,
    const struct verify_result *r)
{
	struct cache_bucket	*b;
	struct cache_entry	*e;
	const char		*s[5] = { r->reason, r->backend, r->id.user,
				    r->id.home, r->id.mail };
	size_t			 len[5], size, i;
	unsigned char		*p;

	if (!cache_enabled() || r->status != VERIFY_OK ||
	    strcmp(r->backend, "passwd-file") != 0 || !verify_result_ok(r))
		return 0;
	size = sizeof(*e);
	for (i = 0; i < 5; i++) {
		/* verify_result_ok() found each NUL within its field. */
		len[i] = strlen(s[i]);
		size += len[i] + 1;
	}
	size += r->id.ngroups * sizeof(r->gids[0]);

	b = cache_bucket(mac);
	LIST_FOREACH(e, b, bucket)
		if (CRYPTO_memcmp(e->mac, mac, CACHE_MACLEN) == 0) {
			cache_remove(e);
			break;
		}
	while ((e = TAILQ_FIRST(&cache.age)) != NULL &&
	    (cache.n >= cache.size || cache_expired(e, now)))
		cache_remove(e);
	if ((e = calloc(1, size)) == NULL) {
		log_warn("%s", __func__);
		return 0;
	}
	e->size = size;
	memcpy(e->mac, mac, CACHE_MACLEN);
	e->stored = now;
	e->ver = *ver;
	e->status = r->status;
	e->code = r->code;
	e->uid = r->id.uid;
	e->gid = r->id.gid;
	e->ngroups = r->id.ngroups;
	p = e->data;
	for (i = 0; i < 5; i++) {
		e->len[i] = len[i];
		memcpy(p, s[i], len[i] + 1);
		p += len[i] + 1;
	}
	memcpy(p, r->gids, r->id.ngroups * sizeof(r->gids[0]));
	LIST_INSERT_HEAD(b, e, bucket);
	TAILQ_INSERT_TAIL(&cache.age, e, age);
	cache.n++;
	return 1;
}

size_t
cache_entries(void)
{
	return cache.n;
}

/* Forget and wipe every entry. */
void
cache_clear(void)
{
	struct cache_entry	*e;

	while ((e = TAILQ_FIRST(&cache.age)) != NULL)
		cache_remove(e);
}

/*
 * In a verify child: wipe the child's copy of the key.  The entries
 * stay (wiping them would copy every page of the table), but without
 * the key a PAM module there cannot test passwords against them.
 */
void
cache_child(void)
{
	EVP_MAC_CTX_free(cache.mac);
	cache.mac = NULL;
	cache.buckets = NULL;
}

void
cache_shutdown(void)
{
	cache_config(0, 0);
	EVP_MAC_CTX_free(cache.mac);
	cache.mac = NULL;
}
