/*
 * Unit tests for postern-auth's login cache (auth/cache.c): the HMAC
 * key of a login, hits, misses on another password, protocol or user,
 * misses once any version (settings, access file, each passwd-file)
 * changed, the TTL, eviction of the oldest when full, the switches
 * that turn it off, and that only passwd-file successes are kept.
 * Then the generations it keys on (passwdfile.c, access.c,
 * backend.c), and the cache in verify.c's path: a second login is
 * answered without a child, from the event loop, even while every
 * child is busy, and a changed passwd-file is seen at once.
 */
#include <sys/types.h>
#include <sys/stat.h>

#include <crypt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <unistd.h>

#include <event2/event.h>

#include <atf-c.h>

#include "auth.h"
#include "log.h"

static void
setup(uint32_t ttl, uint32_t size)
{
	log_init(1, LOG_MAIL);
	cache_init();
	cache_config(ttl, size);
}

/* A success of the passwd-file backend, as the verify child sends it. */
static void
ok_result(struct verify_result *r, const char *user, uint32_t uid,
    uint32_t ngroups)
{
	uint32_t	i;

	memset(r, 0, sizeof(*r));
	verify_set(r, VERIFY_OK, 0, "%s", "");
	strlcpy(r->backend, "passwd-file", sizeof(r->backend));
	strlcpy(r->id.user, user, sizeof(r->id.user));
	r->id.uid = uid;
	r->id.gid = uid;
	snprintf(r->id.home, sizeof(r->id.home), "/home/%s", user);
	strlcpy(r->id.mail, "maildir:~/Mail", sizeof(r->id.mail));
	r->id.ngroups = ngroups;
	for (i = 0; i < ngroups; i++)
		r->gids[i] = uid + i;
}

static void
versions(struct cache_versions *v, uint64_t config, uint64_t access,
    uint64_t pw0)
{
	memset(v, 0, sizeof(*v));
	v->config = config;
	v->access = access;
	v->pwfile[0] = pw0;
}

static void
mac(uint32_t proto, const char *user, const char *pass,
    unsigned char out[CACHE_MACLEN])
{
	cache_mac(proto, user, pass, out);
}

ATF_TC_WITHOUT_HEAD(mac_inputs);
ATF_TC_BODY(mac_inputs, tc)
{
	unsigned char	a[CACHE_MACLEN], b[CACHE_MACLEN];

	setup(300, 10);
	mac(PROTO_IMAP, "alice", "pw", a);
	mac(PROTO_IMAP, "alice", "pw", b);
	ATF_CHECK(memcmp(a, b, CACHE_MACLEN) == 0);
	mac(PROTO_IMAP, "alice", "pW", b);
	ATF_CHECK(memcmp(a, b, CACHE_MACLEN) != 0);
	mac(PROTO_POP3, "alice", "pw", b);
	ATF_CHECK(memcmp(a, b, CACHE_MACLEN) != 0);
	mac(PROTO_IMAP, "alicE", "pw", b);
	ATF_CHECK(memcmp(a, b, CACHE_MACLEN) != 0);
	/* The boundary between user and password counts. */
	mac(PROTO_IMAP, "alic", "epw", b);
	ATF_CHECK(memcmp(a, b, CACHE_MACLEN) != 0);
	mac(PROTO_IMAP, "alicep", "w", b);
	ATF_CHECK(memcmp(a, b, CACHE_MACLEN) != 0);

	/* Another key (another start of the process): another MAC. */
	cache_shutdown();
	cache_init();
	mac(PROTO_IMAP, "alice", "pw", b);
	ATF_CHECK(memcmp(a, b, CACHE_MACLEN) != 0);
	cache_shutdown();
}

ATF_TC_WITHOUT_HEAD(hit);
ATF_TC_BODY(hit, tc)
{
	struct verify_result	 r, got;
	struct cache_versions	 v;
	unsigned char		 m[CACHE_MACLEN];

	setup(300, 10);
	ATF_CHECK(cache_enabled());
	versions(&v, 1, 2, 3);
	ok_result(&r, "alice", 2001, 3);
	mac(PROTO_IMAP, "alice", "pw", m);
	ATF_CHECK(!cache_lookup(m, &v, 100, &got));
	ATF_REQUIRE(cache_store(m, &v, 100, &r));
	ATF_CHECK_EQ(cache_entries(), 1);

	/* The very result, byte for byte. */
	memset(&got, 0xa5, sizeof(got));
	ATF_REQUIRE(cache_lookup(m, &v, 101, &got));
	ATF_CHECK(memcmp(&got, &r, sizeof(r)) == 0);
	ATF_CHECK_STREQ(got.id.user, "alice");
	ATF_CHECK_STREQ(got.id.home, "/home/alice");
	ATF_CHECK_STREQ(got.id.mail, "maildir:~/Mail");
	ATF_CHECK_EQ(got.id.ngroups, 3);
	ATF_CHECK_EQ(got.gids[2], 2003);
	/* A hit does not use the entry up. */
	ATF_REQUIRE(cache_lookup(m, &v, 102, &got));
	ATF_CHECK_EQ(cache_entries(), 1);

	/* The longest strings and the most groups come back whole. */
	ok_result(&r, "bob", 2002, P_MAXGROUPS);
	memset(r.id.home, 'h', sizeof(r.id.home) - 1);
	memset(r.id.mail, 'm', sizeof(r.id.mail) - 1);
	memset(r.id.user, 'u', sizeof(r.id.user) - 1);
	mac(PROTO_POP3, r.id.user, "pw", m);
	ATF_REQUIRE(cache_store(m, &v, 100, &r));
	ATF_REQUIRE(cache_lookup(m, &v, 100, &got));
	ATF_CHECK(memcmp(&got, &r, sizeof(r)) == 0);
	cache_shutdown();
}

ATF_TC_WITHOUT_HEAD(miss_other_login);
ATF_TC_BODY(miss_other_login, tc)
{
	struct verify_result	 r, got;
	struct cache_versions	 v;
	unsigned char		 m[CACHE_MACLEN];

	setup(300, 10);
	versions(&v, 1, 1, 1);
	ok_result(&r, "alice", 2001, 1);
	mac(PROTO_IMAP, "alice", "right", m);
	ATF_REQUIRE(cache_store(m, &v, 10, &r));

	mac(PROTO_IMAP, "alice", "wrong", m);
	ATF_CHECK(!cache_lookup(m, &v, 10, &got));
	mac(PROTO_IMAP, "alice", "", m);
	ATF_CHECK(!cache_lookup(m, &v, 10, &got));
	mac(PROTO_IMAP, "Alice", "right", m);
	ATF_CHECK(!cache_lookup(m, &v, 10, &got));
	/* The access rules may differ between protocols. */
	mac(PROTO_POP3, "alice", "right", m);
	ATF_CHECK(!cache_lookup(m, &v, 10, &got));
	/* None of these misses forgot the entry. */
	ATF_CHECK_EQ(cache_entries(), 1);
	mac(PROTO_IMAP, "alice", "right", m);
	ATF_CHECK(cache_lookup(m, &v, 10, &got));
	cache_shutdown();
}

/* Each kind of version: a change is a miss, and the entry goes. */
ATF_TC_WITHOUT_HEAD(miss_versions);
ATF_TC_BODY(miss_versions, tc)
{
	struct verify_result	 r, got;
	struct cache_versions	 v, w;
	unsigned char		 m[CACHE_MACLEN];
	int			 kind;

	setup(300, 10);
	ok_result(&r, "alice", 2001, 1);
	mac(PROTO_IMAP, "alice", "pw", m);
	for (kind = 0; kind < 4 + AUTH_MAXBACKENDS; kind++) {
		versions(&v, 5, 6, 7);
		v.pwfile[AUTH_MAXBACKENDS - 1] = 9;
		ATF_REQUIRE(cache_store(m, &v, 10, &r));
		ATF_REQUIRE(cache_lookup(m, &v, 10, &got));
		w = v;
		switch (kind) {
		case 0:
			w.config++;
			break;
		case 1:
			w.access++;
			break;
		case 2:
			w.access = 0;
			break;
		case 3:
			w.config = 0;
			break;
		default:
			w.pwfile[kind - 4]++;
			break;
		}
		ATF_CHECK_MSG(!cache_lookup(m, &w, 10, &got),
		    "hit although version %d changed", kind);
		ATF_CHECK_EQ(cache_entries(), 0);
		/* Going back to the old versions does not revive it. */
		ATF_CHECK(!cache_lookup(m, &v, 10, &got));
	}
	cache_shutdown();
}

ATF_TC_WITHOUT_HEAD(ttl);
ATF_TC_BODY(ttl, tc)
{
	struct verify_result	 r, got;
	struct cache_versions	 v;
	unsigned char		 m[CACHE_MACLEN];

	setup(10, 10);
	versions(&v, 1, 1, 1);
	ok_result(&r, "alice", 2001, 1);
	mac(PROTO_IMAP, "alice", "pw", m);
	ATF_REQUIRE(cache_store(m, &v, 1000, &r));
	ATF_CHECK(cache_lookup(m, &v, 1000, &got));
	ATF_CHECK(cache_lookup(m, &v, 1009, &got));
	ATF_CHECK(!cache_lookup(m, &v, 1010, &got));
	ATF_CHECK_EQ(cache_entries(), 0);

	/* A hit does not extend the life of an entry. */
	ATF_REQUIRE(cache_store(m, &v, 2000, &r));
	ATF_CHECK(cache_lookup(m, &v, 2005, &got));
	ATF_CHECK(!cache_lookup(m, &v, 2010, &got));

	/* Stored again after a new check: counts from then. */
	ATF_REQUIRE(cache_store(m, &v, 3000, &r));
	ATF_REQUIRE(cache_store(m, &v, 3008, &r));
	ATF_CHECK_EQ(cache_entries(), 1);
	ATF_CHECK(cache_lookup(m, &v, 3015, &got));

	/* A clock that went back is not trusted. */
	ATF_CHECK(!cache_lookup(m, &v, 2999, &got));

	/* Expired entries are dropped when the next one is stored. */
	cache_clear();
	ATF_REQUIRE(cache_store(m, &v, 4000, &r));
	mac(PROTO_IMAP, "bob", "pw", m);
	ATF_REQUIRE(cache_store(m, &v, 4005, &r));
	mac(PROTO_IMAP, "carol", "pw", m);
	ATF_REQUIRE(cache_store(m, &v, 4012, &r));
	ATF_CHECK_EQ(cache_entries(), 2);
	ATF_REQUIRE(cache_store(m, &v, 4016, &r));
	ATF_CHECK_EQ(cache_entries(), 1);
	cache_shutdown();
}

ATF_TC_WITHOUT_HEAD(eviction);
ATF_TC_BODY(eviction, tc)
{
	struct verify_result	 r, got;
	struct cache_versions	 v;
	unsigned char		 m[5][CACHE_MACLEN];
	char			 user[16];
	int			 i;

	setup(300, 3);
	versions(&v, 1, 1, 1);
	for (i = 0; i < 5; i++) {
		snprintf(user, sizeof(user), "user%d", i);
		mac(PROTO_IMAP, user, "pw", m[i]);
	}
	for (i = 0; i < 3; i++) {
		ok_result(&r, "x", 2000 + i, 1);
		ATF_REQUIRE(cache_store(m[i], &v, 10 + i, &r));
	}
	ATF_CHECK_EQ(cache_entries(), 3);
	/* A hit on the oldest does not make it younger. */
	ATF_CHECK(cache_lookup(m[0], &v, 20, &got));
	ok_result(&r, "x", 2003, 1);
	ATF_REQUIRE(cache_store(m[3], &v, 20, &r));
	ATF_CHECK_EQ(cache_entries(), 3);
	ATF_CHECK(!cache_lookup(m[0], &v, 20, &got));
	for (i = 1; i <= 3; i++) {
		ATF_CHECK(cache_lookup(m[i], &v, 20, &got));
		ATF_CHECK_EQ(got.id.uid, 2000 + i);
	}
	ok_result(&r, "x", 2004, 1);
	ATF_REQUIRE(cache_store(m[4], &v, 21, &r));
	ATF_CHECK_EQ(cache_entries(), 3);
	ATF_CHECK(!cache_lookup(m[1], &v, 21, &got));
	ATF_CHECK(cache_lookup(m[4], &v, 21, &got));

	/* New settings: everything forgotten. */
	cache_config(300, 3);
	ATF_CHECK_EQ(cache_entries(), 0);
	ATF_CHECK(!cache_lookup(m[4], &v, 21, &got));
	cache_shutdown();
}

ATF_TC_WITHOUT_HEAD(off);
ATF_TC_BODY(off, tc)
{
	struct verify_result	 r, got;
	struct cache_versions	 v;
	unsigned char		 m[CACHE_MACLEN];

	versions(&v, 1, 1, 1);
	ok_result(&r, "alice", 2001, 1);

	setup(0, 10);
	ATF_CHECK(!cache_enabled());
	mac(PROTO_IMAP, "alice", "pw", m);
	ATF_CHECK(!cache_store(m, &v, 10, &r));
	ATF_CHECK(!cache_lookup(m, &v, 10, &got));
	ATF_CHECK_EQ(cache_entries(), 0);

	cache_config(300, 0);
	ATF_CHECK(!cache_enabled());
	ATF_CHECK(!cache_store(m, &v, 10, &r));
	ATF_CHECK(!cache_lookup(m, &v, 10, &got));

	/* On, then off again: the entries go. */
	cache_config(300, 10);
	ATF_CHECK(cache_enabled());
	ATF_REQUIRE(cache_store(m, &v, 10, &r));
	cache_config(0, 0);
	ATF_CHECK_EQ(cache_entries(), 0);
	cache_config(300, 10);
	ATF_CHECK(!cache_lookup(m, &v, 10, &got));

	/* The largest size is accepted, anything above is cut to it. */
	cache_config(300, AUTH_CACHE_MAXSIZE + 1);
	ATF_CHECK(cache_enabled());
	ATF_REQUIRE(cache_store(m, &v, 10, &r));
	ATF_CHECK(cache_lookup(m, &v, 10, &got));
	cache_shutdown();
	ATF_CHECK(!cache_enabled());
}

/* Failures, unknown users and PAM's answers are never remembered. */
ATF_TC_WITHOUT_HEAD(only_passwdfile_success);
ATF_TC_BODY(only_passwdfile_success, tc)
{
	struct verify_result	 r, got;
	struct cache_versions	 v;
	unsigned char		 m[CACHE_MACLEN];

	setup(300, 10);
	versions(&v, 1, 1, 1);
	mac(PROTO_IMAP, "alice", "pw", m);

	ok_result(&r, "alice", 2001, 1);
	strlcpy(r.backend, "pam", sizeof(r.backend));
	ATF_CHECK(!cache_store(m, &v, 10, &r));

	ok_result(&r, "alice", 2001, 1);
	verify_set(&r, VERIFY_FAIL, AUTH_FAIL_CREDENTIALS, "wrong password");
	ATF_CHECK(!cache_store(m, &v, 10, &r));

	ok_result(&r, "alice", 2001, 1);
	verify_set(&r, VERIFY_FAIL, AUTH_FAIL_DENIED, "access denied");
	ATF_CHECK(!cache_store(m, &v, 10, &r));

	ok_result(&r, "alice", 2001, 1);
	verify_set(&r, VERIFY_FAIL, AUTH_FAIL_TEMP, "backend timed out");
	ATF_CHECK(!cache_store(m, &v, 10, &r));

	memset(&r, 0, sizeof(r));
	strlcpy(r.backend, "passwd-file", sizeof(r.backend));
	verify_set(&r, VERIFY_UNKNOWN, 0, "unknown user");
	ATF_CHECK(!cache_store(m, &v, 10, &r));

	/* Nor a malformed success. */
	ok_result(&r, "alice", 2001, 1);
	r.id.ngroups = 0;
	ATF_CHECK(!cache_store(m, &v, 10, &r));
	ok_result(&r, "alice", 2001, 1);
	memset(r.id.home, 'h', sizeof(r.id.home));
	ATF_CHECK(!cache_store(m, &v, 10, &r));

	ATF_CHECK_EQ(cache_entries(), 0);
	ATF_CHECK(!cache_lookup(m, &v, 10, &got));
	cache_shutdown();
}

/* ---- the generations ------------------------------------------------- */

static char *
mkhash(const char *pw)
{
	static char		 out[CRYPT_OUTPUT_SIZE];
	char			 setting[CRYPT_GENSALT_OUTPUT_SIZE];
	struct crypt_data	*cd;

	ATF_REQUIRE(crypt_gensalt_rn("$6$", 0, NULL, 0, setting,
	    sizeof(setting)) != NULL);
	ATF_REQUIRE((cd = calloc(1, sizeof(*cd))) != NULL);
	ATF_REQUIRE(crypt_rn(pw, setting, cd, sizeof(*cd)) != NULL);
	strlcpy(out, cd->output, sizeof(out));
	free(cd);
	return out;
}

/* Replaced as an editor or posternctl does: a new inode every time. */
static void
write_file(const char *path, const char *text)
{
	char	tmp[600];
	FILE	*fp;

	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	ATF_REQUIRE((fp = fopen(tmp, "w")) != NULL);
	ATF_REQUIRE(fputs(text, fp) >= 0);
	ATF_REQUIRE(fclose(fp) == 0);
	ATF_REQUIRE(chmod(tmp, 0600) == 0);
	ATF_REQUIRE(rename(tmp, path) == 0);
}

static void
write_users(const char *path, const char *alicepw)
{
	char	text[1024];

	snprintf(text, sizeof(text),
	    "alice:%s:2001:2001::/home/alice\n"
	    "bob:%s:2002:2002::/home/bob\n", mkhash(alicepw), mkhash("bobpw"));
	write_file(path, text);
}

static void
abspath(char *buf, size_t len, const char *name)
{
	char	cwd[400];

	ATF_REQUIRE(getcwd(cwd, sizeof(cwd)) != NULL);
	snprintf(buf, len, "%s/%s", cwd, name);
}

ATF_TC_WITHOUT_HEAD(pwfile_generation);
ATF_TC_BODY(pwfile_generation, tc)
{
	struct pwfile	*pf, *other;
	uint64_t	 g0, g1, g2;

	log_init(1, LOG_MAIL);
	write_users("passwd", "alicepw");
	ATF_REQUIRE((pf = pwfile_new("passwd")) != NULL);
	ATF_CHECK_EQ(pwfile_generation(pf), 0);
	ATF_REQUIRE_EQ(pwfile_refresh(pf), 1);
	g0 = pwfile_generation(pf);
	ATF_CHECK(g0 != 0);
	ATF_REQUIRE_EQ(pwfile_refresh(pf), 0);
	ATF_CHECK_EQ(pwfile_generation(pf), g0);

	write_users("passwd", "newpw");
	ATF_REQUIRE_EQ(pwfile_refresh(pf), 1);
	g1 = pwfile_generation(pf);
	ATF_CHECK(g1 != g0);

	/* Gone: the users went with it, once. */
	ATF_REQUIRE(unlink("passwd") == 0);
	ATF_REQUIRE_EQ(pwfile_refresh(pf), -1);
	g2 = pwfile_generation(pf);
	ATF_CHECK(g2 != g1);
	ATF_REQUIRE_EQ(pwfile_refresh(pf), -1);
	ATF_CHECK_EQ(pwfile_generation(pf), g2);

	/* Back, even as it was: another generation. */
	write_users("passwd", "alicepw");
	ATF_REQUIRE_EQ(pwfile_refresh(pf), 1);
	ATF_CHECK(pwfile_generation(pf) != g2);
	ATF_CHECK(pwfile_generation(pf) != g0);

	/* Another file never repeats one. */
	write_users("passwd2", "alicepw");
	ATF_REQUIRE((other = pwfile_new("passwd2")) != NULL);
	ATF_REQUIRE_EQ(pwfile_refresh(other), 1);
	ATF_CHECK(pwfile_generation(other) != pwfile_generation(pf));
	ATF_CHECK(pwfile_generation(other) != g0);
	pwfile_free(other);
	pwfile_free(pf);
}

ATF_TC_WITHOUT_HEAD(access_generation);
ATF_TC_BODY(access_generation, tc)
{
	char		path[512], path2[512];
	uint64_t	g;

	log_init(1, LOG_MAIL);
	abspath(path, sizeof(path), "access");
	abspath(path2, sizeof(path2), "access2");

	/* Missing. */
	access_refresh(path);
	g = access_generation();
	access_refresh(path);
	ATF_CHECK_EQ(access_generation(), g);

	write_file(path, "user alice pop3 off\n");
	access_refresh(path);
	ATF_CHECK(access_generation() != g);
	g = access_generation();
	access_refresh(path);
	ATF_CHECK_EQ(access_generation(), g);

	write_file(path, "user alice pop3 on\n");
	access_refresh(path);
	ATF_CHECK(access_generation() != g);
	g = access_generation();

	/* A bad line: every login refused, another version. */
	write_file(path, "user alice pop3 sometimes\n");
	access_refresh(path);
	ATF_CHECK(access_generation() != g);
	g = access_generation();
	access_refresh(path);
	ATF_CHECK_EQ(access_generation(), g);

	ATF_REQUIRE(unlink(path) == 0);
	access_refresh(path);
	ATF_CHECK(access_generation() != g);
	g = access_generation();
	access_refresh(path);
	ATF_CHECK_EQ(access_generation(), g);

	/* Unreadable. */
	ATF_REQUIRE(mkdir(path, 0755) == 0);
	access_refresh(path);
	ATF_CHECK(access_generation() != g);
	g = access_generation();
	access_refresh(path);
	ATF_CHECK_EQ(access_generation(), g);
	ATF_REQUIRE(rmdir(path) == 0);

	/* Another file named after a reload. */
	access_refresh(path);
	g = access_generation();
	access_refresh(path2);
	ATF_CHECK(access_generation() != g);
	access_shutdown();
}

static void
conf_chain(struct auth_config *c, const char *types, const char *path)
{
	uint32_t	i;

	memset(c, 0, sizeof(*c));
	c->first_valid_uid = 1000;
	for (i = 0; types[i] != '\0'; i++) {
		c->backends[i].type = types[i] == 'f' ? AUTH_BACKEND_PASSWD :
		    AUTH_BACKEND_PAM;
		strlcpy(c->backends[i].arg, types[i] == 'f' ? path : "postern",
		    sizeof(c->backends[i].arg));
	}
	c->nbackends = i;
}

ATF_TC_WITHOUT_HEAD(backend_chain);
ATF_TC_BODY(backend_chain, tc)
{
	struct auth_config	c;
	uint64_t		gens[AUTH_MAXBACKENDS], g;
	char			path[512];

	log_init(1, LOG_MAIL);
	abspath(path, sizeof(path), "passwd");
	write_users(path, "alicepw");

	conf_chain(&c, "f", path);
	ATF_CHECK(backend_cacheable(&c));
	conf_chain(&c, "fp", path);
	ATF_CHECK(backend_cacheable(&c));
	conf_chain(&c, "p", path);
	ATF_CHECK(backend_cacheable(&c));
	/* PAM's "unknown" before a passwd-file is not a thing to keep. */
	conf_chain(&c, "pf", path);
	ATF_CHECK(!backend_cacheable(&c));
	conf_chain(&c, "fpf", path);
	ATF_CHECK(!backend_cacheable(&c));

	conf_chain(&c, "pfp", path);
	backend_generations(&c, gens, AUTH_MAXBACKENDS);
	ATF_CHECK_EQ(gens[1], 0);		/* not loaded yet */
	backend_prepare(&c);
	backend_generations(&c, gens, AUTH_MAXBACKENDS);
	ATF_CHECK_EQ(gens[0], 0);
	ATF_CHECK(gens[1] != 0);
	ATF_CHECK_EQ(gens[2], 0);
	ATF_CHECK_EQ(gens[3], 0);
	g = gens[1];
	backend_prepare(&c);
	backend_generations(&c, gens, AUTH_MAXBACKENDS);
	ATF_CHECK_EQ(gens[1], g);
	write_users(path, "newpw");
	backend_prepare(&c);
	backend_generations(&c, gens, AUTH_MAXBACKENDS);
	ATF_CHECK(gens[1] != g);
	conf_chain(&c, "", path);
	backend_prune(&c);
}

/* ---- through verify.c ------------------------------------------------ */

struct vtest {
	struct event_base	*base;
	struct auth_config	 conf;
	struct verify_job	 job;
	int			 done;
};

static void
vt_done(struct verify_job *j, void *arg)
{
	struct vtest	*vt = arg;

	vt->done = 1;
}

/* One verification; returns whether the cache answered it. */
static int
vt_login(struct vtest *vt, uint32_t proto, const char *user,
    const char *pass, uint64_t confgen, int lookup)
{
	struct verify_job	*j = &vt->job;

	memset(j, 0, sizeof(*j));
	j->conf = &vt->conf;
	strlcpy(j->user, user, sizeof(j->user));
	strlcpy(j->pass, pass, sizeof(j->pass));
	strlcpy(j->rhost, "192.0.2.1", sizeof(j->rhost));
	j->proto = proto;
	j->lookup = lookup;
	j->confgen = confgen;
	j->done = vt_done;
	j->arg = vt;
	vt->done = 0;
	verify_submit(j);
	/* Never a call back from within submit, hit or not. */
	ATF_CHECK(!vt->done);
	while (!vt->done)
		ATF_REQUIRE(event_base_loop(vt->base, EVLOOP_ONCE) != -1);
	ATF_CHECK_EQ(j->pass[0], '\0');
	return j->hit;
}

ATF_TC(through_verify);
ATF_TC_HEAD(through_verify, tc)
{
	atf_tc_set_md_var(tc, "descr", "the cache in verify.c's path: no "
	    "child for a second login, a changed passwd-file seen at once");
	atf_tc_set_md_var(tc, "timeout", "60");
}
ATF_TC_BODY(through_verify, tc)
{
	struct vtest		 vt;
	struct verify_result	 first;
	char			 path[512];

	log_init(1, LOG_MAIL);
	memset(&vt, 0, sizeof(vt));
	ATF_REQUIRE((vt.base = event_base_new()) != NULL);
	verify_init(vt.base, -1);
	cache_config(300, 100);
	abspath(path, sizeof(path), "passwd");
	write_users(path, "alicepw");
	conf_chain(&vt.conf, "f", path);

	ATF_CHECK(!vt_login(&vt, PROTO_IMAP, "alice", "alicepw", 1, 0));
	ATF_REQUIRE_EQ(vt.job.res.status, VERIFY_OK);
	ATF_CHECK_EQ(cache_entries(), 1);
	first = vt.job.res;
	ATF_CHECK(vt_login(&vt, PROTO_IMAP, "alice", "alicepw", 1, 0));
	ATF_CHECK(memcmp(&vt.job.res, &first, sizeof(first)) == 0);

	/* A wrong password goes to a child, and is not remembered. */
	ATF_CHECK(!vt_login(&vt, PROTO_IMAP, "alice", "alicepwx", 1, 0));
	ATF_CHECK_EQ(vt.job.res.status, VERIFY_FAIL);
	ATF_CHECK(!vt_login(&vt, PROTO_IMAP, "alice", "alicepwx", 1, 0));
	ATF_CHECK_EQ(cache_entries(), 1);
	ATF_CHECK(!vt_login(&vt, PROTO_IMAP, "nobody", "alicepw", 1, 0));
	ATF_CHECK_EQ(vt.job.res.status, VERIFY_UNKNOWN);

	/* Another protocol, or other settings: a check of its own. */
	ATF_CHECK(!vt_login(&vt, PROTO_POP3, "alice", "alicepw", 1, 0));
	ATF_CHECK(vt_login(&vt, PROTO_POP3, "alice", "alicepw", 1, 0));
	ATF_CHECK(!vt_login(&vt, PROTO_IMAP, "alice", "alicepw", 2, 0));
	ATF_CHECK(vt_login(&vt, PROTO_IMAP, "alice", "alicepw", 2, 0));

	/* GSSAPI's lookups are never answered from the cache. */
	ATF_CHECK(!vt_login(&vt, PROTO_IMAP, "alice", "", 2, 1));
	ATF_CHECK_EQ(vt.job.res.status, VERIFY_OK);
	ATF_CHECK(!vt_login(&vt, PROTO_IMAP, "alice", "", 2, 1));

	/* The password changed: the old one is refused at once. */
	write_users(path, "newpw");
	ATF_CHECK(!vt_login(&vt, PROTO_IMAP, "alice", "alicepw", 2, 0));
	ATF_CHECK_EQ(vt.job.res.status, VERIFY_FAIL);
	ATF_CHECK(!vt_login(&vt, PROTO_IMAP, "alice", "newpw", 2, 0));
	ATF_CHECK_EQ(vt.job.res.status, VERIFY_OK);
	ATF_CHECK(vt_login(&vt, PROTO_IMAP, "alice", "newpw", 2, 0));

	/* So is a login the access rules now refuse. */
	abspath(vt.conf.access_file, sizeof(vt.conf.access_file), "access");
	ATF_CHECK(!vt_login(&vt, PROTO_IMAP, "alice", "newpw", 2, 0));
	ATF_CHECK(vt_login(&vt, PROTO_IMAP, "alice", "newpw", 2, 0));
	write_file(vt.conf.access_file, "user alice imap off\n");
	ATF_CHECK(!vt_login(&vt, PROTO_IMAP, "alice", "newpw", 2, 0));
	ATF_CHECK_EQ(vt.job.res.status, VERIFY_FAIL);
	ATF_CHECK_EQ(vt.job.res.code, AUTH_FAIL_DENIED);

	/* A PAM backend first: nothing is remembered. */
	write_file(vt.conf.access_file, "default all on\n");
	conf_chain(&vt.conf, "pf", path);
	abspath(vt.conf.access_file, sizeof(vt.conf.access_file), "access");
	cache_clear();
	ATF_CHECK(!vt_login(&vt, PROTO_IMAP, "bob", "bobpw", 3, 0));
	ATF_CHECK(!vt_login(&vt, PROTO_IMAP, "bob", "bobpw", 3, 0));
	ATF_CHECK_EQ(cache_entries(), 0);

	verify_shutdown();
	access_shutdown();
	conf_chain(&vt.conf, "", path);
	backend_prune(&vt.conf);
	event_base_free(vt.base);
}

struct busy {
	struct verify_job	 job;
	int			 done;
};

static void
busy_done(struct verify_job *j, void *arg)
{
	struct busy	*b = arg;

	b->done = 1;
}

static void
busy_submit(struct busy *b, struct auth_config *conf, const char *user,
    const char *pass)
{
	memset(b, 0, sizeof(*b));
	b->job.conf = conf;
	strlcpy(b->job.user, user, sizeof(b->job.user));
	strlcpy(b->job.pass, pass, sizeof(b->job.pass));
	b->job.proto = PROTO_IMAP;
	b->job.confgen = 1;
	b->job.done = busy_done;
	b->job.arg = b;
	verify_submit(&b->job);
	ATF_CHECK(!b->done);
}

/* With every child busy, a remembered login does not wait its turn. */
ATF_TC(busy_children);
ATF_TC_HEAD(busy_children, tc)
{
	atf_tc_set_md_var(tc, "descr", "a cache hit is answered while "
	    "VERIFY_MAXCHILDREN children run and others wait");
	atf_tc_set_md_var(tc, "timeout", "60");
}
ATF_TC_BODY(busy_children, tc)
{
	struct event_base	*base;
	struct auth_config	 conf;
	struct busy		 b[VERIFY_MAXCHILDREN + 3];
	char			 path[512];
	int			 i, n = VERIFY_MAXCHILDREN, all;

	log_init(1, LOG_MAIL);
	ATF_REQUIRE((base = event_base_new()) != NULL);
	verify_init(base, -1);
	cache_config(300, 100);
	abspath(path, sizeof(path), "passwd");
	write_users(path, "alicepw");
	conf_chain(&conf, "f", path);

	busy_submit(&b[0], &conf, "alice", "alicepw");
	while (!b[0].done)
		ATF_REQUIRE(event_base_loop(base, EVLOOP_ONCE) != -1);
	ATF_REQUIRE_EQ(b[0].job.res.status, VERIFY_OK);
	ATF_CHECK(!b[0].job.hit);

	for (i = 0; i < n; i++)
		busy_submit(&b[i], &conf, "bob", "wrong");
	busy_submit(&b[n], &conf, "bob", "wrong");
	ATF_CHECK(b[n].job.queued);
	busy_submit(&b[n + 1], &conf, "alice", "alicepw");
	ATF_CHECK(!b[n + 1].job.queued);
	ATF_CHECK(b[n + 1].job.hit);
	/* A cancelled hit is never called back. */
	busy_submit(&b[n + 2], &conf, "alice", "alicepw");
	ATF_CHECK(b[n + 2].job.hit);
	verify_cancel(&b[n + 2].job);

	/* The hit is answered before the job that waits for a child. */
	while (!b[n + 1].done) {
		ATF_REQUIRE(event_base_loop(base, EVLOOP_ONCE) != -1);
		ATF_CHECK_MSG(!b[n].done, "the queued job came first");
	}
	ATF_CHECK_EQ(b[n + 1].job.res.status, VERIFY_OK);
	do {
		ATF_REQUIRE(event_base_loop(base, EVLOOP_ONCE) != -1);
		for (all = 1, i = 0; i <= n + 1; i++)
			all &= b[i].done;
	} while (!all);
	for (i = 0; i <= n; i++)
		ATF_CHECK_EQ(b[i].job.res.status, VERIFY_FAIL);
	ATF_CHECK(!b[n + 2].done);
	verify_shutdown();
	access_shutdown();
	conf_chain(&conf, "", path);
	backend_prune(&conf);
	event_base_free(base);
}

ATF_TP_ADD_TCS(tp)
{
	ATF_TP_ADD_TC(tp, mac_inputs);
	ATF_TP_ADD_TC(tp, hit);
	ATF_TP_ADD_TC(tp, miss_other_login);
	ATF_TP_ADD_TC(tp, miss_versions);
	ATF_TP_ADD_TC(tp, ttl);
	ATF_TP_ADD_TC(tp, eviction);
	ATF_TP_ADD_TC(tp, off);
	ATF_TP_ADD_TC(tp, only_passwdfile_success);
	ATF_TP_ADD_TC(tp, pwfile_generation);
	ATF_TP_ADD_TC(tp, access_generation);
	ATF_TP_ADD_TC(tp, backend_chain);
	ATF_TP_ADD_TC(tp, through_verify);
	ATF_TP_ADD_TC(tp, busy_children);
	return 0;
}
