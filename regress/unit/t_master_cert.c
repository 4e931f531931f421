/*
 * Unit tests for the certificate store and the master's certificate
 * loading: thumbprints as administrators type them (formats, prefixes,
 * ambiguity), the checks an imported chain must pass, the bindings
 * file and its edits, the scan of certificate-dir, and cert_load_all()
 * with bound certificates for SNI, key ids, and refused files.  Every
 * certificate is made here, in the test's own work directory.
 */

#include <sys/types.h>
#include <sys/stat.h>

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <atf-c.h>

#include "log.h"
#include "master.h"

#define DAY	(24L * 3600)

static long	serial = 1;

static EVP_PKEY *
mkkey(const char *type)
{
	EVP_PKEY	*k;

	if (strcmp(type, "RSA1024") == 0)
		k = EVP_RSA_gen(1024);
	else if (strcmp(type, "RSA2048") == 0)
		k = EVP_RSA_gen(2048);
	else
		k = EVP_EC_gen(type);
	ATF_REQUIRE(k != NULL);
	return k;
}

static void
ext(X509 *x, X509 *issuer, int nid, const char *value)
{
	X509_EXTENSION	*e;
	X509V3_CTX	 ctx;

	X509V3_set_ctx_nodb(&ctx);
	X509V3_set_ctx(&ctx, issuer != NULL ? issuer : x, x, NULL, NULL, 0);
	ATF_REQUIRE((e = X509V3_EXT_conf_nid(NULL, &ctx, nid, value)) != NULL);
	ATF_REQUIRE(X509_add_ext(x, e, -1));
	X509_EXTENSION_free(e);
}

/* A certificate for cn valid from..to seconds from now. */
static X509 *
mkcert(const char *cn, EVP_PKEY *key, X509 *issuer, EVP_PKEY *ikey, int ca,
    long from, long to)
{
	X509		*x;
	X509_NAME	*name;
	char		 san[300];

	ATF_REQUIRE((x = X509_new()) != NULL);
	ATF_REQUIRE(ASN1_INTEGER_set(X509_get_serialNumber(x), serial++));
	ATF_REQUIRE(X509_set_version(x, 2));
	ATF_REQUIRE(X509_gmtime_adj(X509_getm_notBefore(x), from) != NULL);
	ATF_REQUIRE(X509_gmtime_adj(X509_getm_notAfter(x), to) != NULL);
	ATF_REQUIRE(X509_set_pubkey(x, key));
	ATF_REQUIRE((name = X509_NAME_new()) != NULL);
	ATF_REQUIRE(X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
	    (const unsigned char *)cn, -1, -1, 0));
	ATF_REQUIRE(X509_set_subject_name(x, name));
	ATF_REQUIRE(X509_set_issuer_name(x, issuer != NULL ?
	    X509_get_subject_name(issuer) : name));
	X509_NAME_free(name);
	ext(x, issuer, NID_subject_key_identifier, "hash");
	if (issuer != NULL)
		ext(x, issuer, NID_authority_key_identifier, "keyid");
	if (ca) {
		ext(x, issuer, NID_basic_constraints, "critical,CA:TRUE");
		ext(x, issuer, NID_key_usage, "critical,keyCertSign,cRLSign");
	} else {
		(void)snprintf(san, sizeof(san), "DNS:%s", cn);
		ext(x, issuer, NID_subject_alt_name, san);
	}
	ATF_REQUIRE(X509_sign(x, ikey != NULL ? ikey : key, EVP_sha256()));
	return x;
}

static void
write_chain(const char *path, X509 *a, X509 *b)
{
	FILE	*fp;

	ATF_REQUIRE((fp = fopen(path, "w")) != NULL);
	ATF_REQUIRE(PEM_write_X509(fp, a));
	if (b != NULL)
		ATF_REQUIRE(PEM_write_X509(fp, b));
	ATF_REQUIRE(fclose(fp) == 0);
}

static void
write_key(const char *path, EVP_PKEY *k)
{
	FILE	*fp;

	ATF_REQUIRE((fp = fopen(path, "w")) != NULL);
	ATF_REQUIRE(PEM_write_PrivateKey(fp, k, NULL, NULL, 0, NULL, NULL));
	ATF_REQUIRE(fclose(fp) == 0);
	ATF_REQUIRE(chmod(path, 0600) == 0);
}

static void
write_text(const char *path, const char *text)
{
	FILE	*fp;

	ATF_REQUIRE((fp = fopen(path, "w")) != NULL);
	ATF_REQUIRE(fputs(text, fp) >= 0);
	ATF_REQUIRE(fclose(fp) == 0);
}

static void
hex(const unsigned char *md, size_t len, char *out)
{
	size_t	i;

	for (i = 0; i < len; i++)
		sprintf(out + 2 * i, "%02x", md[i]);
}

/* ---- thumbprints ---------------------------------------------------- */

ATF_TC_WITHOUT_HEAD(thumb_normalize);
ATF_TC_BODY(thumb_normalize, tc)
{
	char	out[CERT_SHA256_LEN * 2 + 1];
	char	big[80];

	ATF_CHECK(cert_thumb_normalize("AB:CD:EF:01", out, sizeof(out)) == 0);
	ATF_CHECK_STREQ(out, "abcdef01");
	ATF_CHECK(cert_thumb_normalize("ab cd-Ef 01", out, sizeof(out)) == 0);
	ATF_CHECK_STREQ(out, "abcdef01");
	ATF_CHECK(cert_thumb_normalize("SHA1 Fingerprint=A9:22:38:05", out,
	    sizeof(out)) == 0);
	ATF_CHECK_STREQ(out, "a9223805");
	ATF_CHECK(cert_thumb_normalize("a922", out, sizeof(out)) == 0);
	ATF_CHECK(cert_thumb_normalize("a92", out, sizeof(out)) == -1);
	ATF_CHECK(cert_thumb_normalize("", out, sizeof(out)) == -1);
	ATF_CHECK(cert_thumb_normalize("::::", out, sizeof(out)) == -1);
	ATF_CHECK(cert_thumb_normalize("a92g", out, sizeof(out)) == -1);
	ATF_CHECK(cert_thumb_normalize("0x1234", out, sizeof(out)) == -1);
	memset(big, 'a', 64);
	big[64] = '\0';
	ATF_CHECK(cert_thumb_normalize(big, out, sizeof(out)) == 0);
	ATF_CHECK(strlen(out) == 64);
	big[64] = 'b';
	big[65] = '\0';
	ATF_CHECK(cert_thumb_normalize(big, out, sizeof(out)) == -1);
}

ATF_TC_WITHOUT_HEAD(thumb_format);
ATF_TC_BODY(thumb_format, tc)
{
	unsigned char	md[3] = { 0xab, 0x01, 0xf0 };
	char		out[CERT_THUMB_FMTLEN];
	char		small[5];

	cert_thumb_format(md, sizeof(md), out, sizeof(out));
	ATF_CHECK_STREQ(out, "AB:01:F0");
	cert_thumb_format(md, sizeof(md), out, 9);
	ATF_CHECK_STREQ(out, "AB:01:F0");
	cert_thumb_format(md, sizeof(md), small, sizeof(small));
	ATF_CHECK_STREQ(small, "AB");
}

/* A store of entries with chosen thumbprints. */
static void
fake_store(struct cert_store *st, size_t n)
{
	size_t	i;

	ATF_REQUIRE((st->e = calloc(n, sizeof(*st->e))) != NULL);
	st->n = n;
	for (i = 0; i < n; i++) {
		(void)snprintf(st->e[i].name, sizeof(st->e[i].name), "c%zu",
		    i);
		ATF_REQUIRE((st->e[i].leaf = X509_new()) != NULL);
	}
}

static void
set_md(unsigned char *md, size_t len, const char *prefix, int fill)
{
	size_t	i;

	memset(md, fill, len);
	for (i = 0; prefix[2 * i] != '\0' && i < len; i++)
		(void)sscanf(prefix + 2 * i, "%2hhx", &md[i]);
}

ATF_TC_WITHOUT_HEAD(thumb_match);
ATF_TC_BODY(thumb_match, tc)
{
	struct cert_store	st;
	size_t			idx[8], n;
	char			t[CERT_THUMB_FMTLEN];
	char			h[CERT_SHA256_LEN * 2 + 1];

	fake_store(&st, 5);
	set_md(st.e[0].sha1, CERT_SHA1_LEN, "11223344", 0x01);
	set_md(st.e[0].sha256, CERT_SHA256_LEN, "aabb", 0x02);
	set_md(st.e[1].sha1, CERT_SHA1_LEN, "112299", 0x03);
	set_md(st.e[1].sha256, CERT_SHA256_LEN, "5566", 0x04);
	set_md(st.e[2].sha1, CERT_SHA1_LEN, "7788", 0x05);
	set_md(st.e[2].sha256, CERT_SHA256_LEN, "112233ff", 0x06);
	/* Both thumbprints start alike: still one certificate. */
	set_md(st.e[3].sha1, CERT_SHA1_LEN, "abcd01", 0x07);
	set_md(st.e[3].sha256, CERT_SHA256_LEN, "abcd02", 0x08);
	/* An unreadable file matches nothing. */
	set_md(st.e[4].sha1, CERT_SHA1_LEN, "dead", 0x09);
	X509_free(st.e[4].leaf);
	st.e[4].leaf = NULL;

	/* The whole SHA-1, as openssl prints it. */
	cert_thumb_format(st.e[0].sha1, CERT_SHA1_LEN, t, sizeof(t));
	ATF_REQUIRE(cert_store_match(&st, t, idx, 8, &n) == 0);
	ATF_CHECK(n == 1 && idx[0] == 0);
	/* The whole SHA-256, lowercase without colons. */
	hex(st.e[1].sha256, CERT_SHA256_LEN, h);
	ATF_REQUIRE(cert_store_match(&st, h, idx, 8, &n) == 0);
	ATF_CHECK(n == 1 && idx[0] == 1);
	/* Unique prefixes, any case and separators. */
	ATF_REQUIRE(cert_store_match(&st, "11:22:33:44", idx, 8, &n) == 0);
	ATF_CHECK(n == 1 && idx[0] == 0);
	ATF_REQUIRE(cert_store_match(&st, "5566", idx, 8, &n) == 0);
	ATF_CHECK(n == 1 && idx[0] == 1);
	ATF_REQUIRE(cert_store_match(&st, "AABB", idx, 8, &n) == 0);
	ATF_CHECK(n == 1 && idx[0] == 0);
	ATF_REQUIRE(cert_store_match(&st, "ABCD", idx, 8, &n) == 0);
	ATF_CHECK(n == 1 && idx[0] == 3);
	/* Ambiguous: every candidate is given. */
	ATF_REQUIRE(cert_store_match(&st, "1122", idx, 8, &n) == 0);
	ATF_CHECK(n == 3 && idx[0] == 0 && idx[1] == 1 && idx[2] == 2);
	/* A SHA-1 prefix of one and a SHA-256 prefix of another. */
	ATF_REQUIRE(cert_store_match(&st, "112233", idx, 8, &n) == 0);
	ATF_CHECK(n == 2 && idx[0] == 0 && idx[1] == 2);
	/* More candidates than room: all counted. */
	ATF_REQUIRE(cert_store_match(&st, "1122", idx, 1, &n) == 0);
	ATF_CHECK(n == 3 && idx[0] == 0);
	/* No match. */
	ATF_REQUIRE(cert_store_match(&st, "dead", idx, 8, &n) == 0);
	ATF_CHECK(n == 0);
	ATF_REQUIRE(cert_store_match(&st, "ffff", idx, 8, &n) == 0);
	ATF_CHECK(n == 0);
	/* Beyond SHA-1's length only SHA-256 can match. */
	hex(st.e[2].sha256, 21, h);
	ATF_REQUIRE(cert_store_match(&st, h, idx, 8, &n) == 0);
	ATF_CHECK(n == 1 && idx[0] == 2);
	/* Not thumbprints. */
	ATF_CHECK(cert_store_match(&st, "112", idx, 8, &n) == -1);
	ATF_CHECK(cert_store_match(&st, "11g2", idx, 8, &n) == -1);
	cert_store_free(&st);
}

/* ---- chains ---------------------------------------------------------- */

struct pki {
	EVP_PKEY	*rootk, *interk, *leafk;
	X509		*root, *inter, *leaf;
};

static void
pki_make(struct pki *p, const char *leaftype)
{
	p->rootk = mkkey("P-256");
	p->interk = mkkey("P-256");
	p->leafk = mkkey(leaftype);
	p->root = mkcert("Test Root", p->rootk, NULL, NULL, 1, -DAY, 30 * DAY);
	p->inter = mkcert("Test Intermediate", p->interk, p->root, p->rootk, 1,
	    -DAY, 30 * DAY);
	p->leaf = mkcert("localhost", p->leafk, p->inter, p->interk, 0, -DAY,
	    30 * DAY);
}

static void
pki_free(struct pki *p)
{
	X509_free(p->root);
	X509_free(p->inter);
	X509_free(p->leaf);
	EVP_PKEY_free(p->rootk);
	EVP_PKEY_free(p->interk);
	EVP_PKEY_free(p->leafk);
}

ATF_TC_WITHOUT_HEAD(chain_good);
ATF_TC_BODY(chain_good, tc)
{
	struct pki	 p;
	X509		*c[3];
	char		 err[512];

	pki_make(&p, "P-256");
	c[0] = p.leaf;
	c[1] = p.inter;
	c[2] = p.root;
	ATF_CHECK_MSG(cert_chain_check(c, 3, p.leafk, time(NULL), err,
	    sizeof(err)) == 0, "%s", err);
	ATF_CHECK_MSG(cert_chain_check(c, 2, p.leafk, time(NULL), err,
	    sizeof(err)) == 0, "%s", err);
	ATF_CHECK_MSG(cert_chain_check(c, 1, p.leafk, time(NULL), err,
	    sizeof(err)) == 0, "%s", err);
	ATF_CHECK_MSG(cert_chain_check(c, 3, NULL, time(NULL), err,
	    sizeof(err)) == 0, "%s", err);
	ATF_CHECK(cert_chain_check(c, 0, NULL, time(NULL), err,
	    sizeof(err)) == -1);
	pki_free(&p);
}

ATF_TC_WITHOUT_HEAD(chain_order);
ATF_TC_BODY(chain_order, tc)
{
	struct pki	 p;
	X509		*c[3];
	char		 err[512];

	pki_make(&p, "P-256");
	c[0] = p.leaf;
	c[1] = p.root;
	c[2] = p.inter;
	ATF_REQUIRE(cert_chain_check(c, 3, p.leafk, time(NULL), err,
	    sizeof(err)) == -1);
	ATF_CHECK_MSG(strstr(err, "out of order") != NULL &&
	    strstr(err, "certificate 1 ") != NULL, "%s", err);
	c[0] = p.inter;
	c[1] = p.leaf;
	ATF_REQUIRE(cert_chain_check(c, 2, NULL, time(NULL), err,
	    sizeof(err)) == -1);
	ATF_CHECK_MSG(strstr(err, "out of order") != NULL, "%s", err);
	/* Same subject as the issuer, but another key signed it. */
	c[0] = p.leaf;
	c[1] = mkcert("Test Intermediate", p.rootk, p.root, p.rootk, 1, -DAY,
	    DAY);
	ATF_REQUIRE(cert_chain_check(c, 2, NULL, time(NULL), err,
	    sizeof(err)) == -1);
	ATF_CHECK_MSG(strstr(err, "out of order") != NULL, "%s", err);
	X509_free(c[1]);
	pki_free(&p);
}

ATF_TC_WITHOUT_HEAD(chain_key);
ATF_TC_BODY(chain_key, tc)
{
	struct pki	 p;
	EVP_PKEY	*other;
	X509		*c[1];
	char		 err[512];

	pki_make(&p, "P-256");
	other = mkkey("P-256");
	c[0] = p.leaf;
	ATF_REQUIRE(cert_chain_check(c, 1, other, time(NULL), err,
	    sizeof(err)) == -1);
	ATF_CHECK_MSG(strstr(err, "does not match") != NULL, "%s", err);
	EVP_PKEY_free(other);
	pki_free(&p);
}

ATF_TC_WITHOUT_HEAD(chain_dates);
ATF_TC_BODY(chain_dates, tc)
{
	struct pki	 p;
	X509		*c[2], *x;
	char		 err[512];

	pki_make(&p, "P-256");
	x = mkcert("localhost", p.leafk, p.inter, p.interk, 0, -10 * DAY,
	    -DAY);
	c[0] = x;
	c[1] = p.inter;
	ATF_REQUIRE(cert_chain_check(c, 2, p.leafk, time(NULL), err,
	    sizeof(err)) == -1);
	ATF_CHECK_MSG(strstr(err, "the certificate") != NULL &&
	    strstr(err, "expired on") != NULL, "%s", err);
	X509_free(x);

	x = mkcert("localhost", p.leafk, p.inter, p.interk, 0, DAY, 10 * DAY);
	c[0] = x;
	ATF_REQUIRE(cert_chain_check(c, 2, p.leafk, time(NULL), err,
	    sizeof(err)) == -1);
	ATF_CHECK_MSG(strstr(err, "is not valid before") != NULL, "%s", err);
	/* ...but it is at a later time. */
	ATF_CHECK_MSG(cert_chain_check(c, 2, p.leafk, time(NULL) + 2 * DAY,
	    err, sizeof(err)) == 0, "%s", err);
	X509_free(x);

	x = mkcert("Test Intermediate", p.interk, p.root, p.rootk, 1,
	    -10 * DAY, -DAY);
	c[0] = p.leaf;
	c[1] = x;
	ATF_REQUIRE(cert_chain_check(c, 2, p.leafk, time(NULL), err,
	    sizeof(err)) == -1);
	ATF_CHECK_MSG(strstr(err, "the chain's certificate") != NULL &&
	    strstr(err, "expired") != NULL, "%s", err);
	X509_free(x);
	pki_free(&p);
}

ATF_TC_WITHOUT_HEAD(chain_keytypes);
ATF_TC_BODY(chain_keytypes, tc)
{
	static const struct {
		const char	*type;
		int		 ok;
		const char	*desc;
	} t[] = {
		{ "P-256", 1, "EC P-256" },
		{ "P-384", 1, "EC P-384" },
		{ "P-521", 0, "EC P-521" },
		{ "RSA2048", 1, "RSA 2048" },
		{ "RSA1024", 0, "RSA 1024" },
	};
	struct pki	 p;
	X509		*c[2];
	char		 err[512], desc[64];
	size_t		 i;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		pki_make(&p, t[i].type);
		c[0] = p.leaf;
		c[1] = p.inter;
		err[0] = '\0';
		ATF_CHECK_MSG(cert_chain_check(c, 2, p.leafk, time(NULL), err,
		    sizeof(err)) == (t[i].ok ? 0 : -1), "%s: %s", t[i].type,
		    err);
		ATF_CHECK_STREQ(cert_key_desc(p.leafk, desc, sizeof(desc)),
		    t[i].desc);
		pki_free(&p);
	}
}

/* ---- bindings -------------------------------------------------------- */

static void
sha_of(unsigned char *md, int n)
{
	memset(md, n, CERT_SHA256_LEN);
}

static size_t
bound(const struct cert_bindings *b, int proto, int *which, size_t max)
{
	const unsigned char	*l[P_MAXCERTS];
	size_t			 n, i;

	n = cert_bindings_for(b, proto, l, P_MAXCERTS);
	for (i = 0; i < n && i < max; i++)
		which[i] = l[i][0];
	return n;
}

ATF_TC_WITHOUT_HEAD(bindings_use);
ATF_TC_BODY(bindings_use, tc)
{
	struct cert_bindings	b;
	unsigned char		a[CERT_SHA256_LEN], bb[CERT_SHA256_LEN];
	unsigned char		c[CERT_SHA256_LEN];
	char			err[256];
	int			w[P_MAXCERTS];
	int			i;

	memset(&b, 0, sizeof(b));
	sha_of(a, 0xa);
	sha_of(bb, 0xb);
	sha_of(c, 0xc);
	ATF_REQUIRE(cert_bindings_use(&b, bb, 1U << PROTO_POP3 |
	    1U << PROTO_IMAP, CERT_USE_REPLACE, err, sizeof(err)) == 0);
	ATF_REQUIRE(cert_bindings_use(&b, c, 1U << PROTO_POP3, CERT_USE_ADD,
	    err, sizeof(err)) == 0);
	ATF_REQUIRE(bound(&b, PROTO_POP3, w, P_MAXCERTS) == 2);
	ATF_CHECK(w[0] == 0xb && w[1] == 0xc);

	/* Replace pop3's: imap keeps its own. */
	ATF_REQUIRE(cert_bindings_use(&b, a, 1U << PROTO_POP3,
	    CERT_USE_REPLACE, err, sizeof(err)) == 0);
	ATF_REQUIRE(bound(&b, PROTO_POP3, w, P_MAXCERTS) == 1);
	ATF_CHECK(w[0] == 0xa);
	ATF_REQUIRE(bound(&b, PROTO_IMAP, w, P_MAXCERTS) == 1);
	ATF_CHECK(w[0] == 0xb);
	ATF_CHECK(bound(&b, PROTO_SUBMISSION, w, P_MAXCERTS) == 0);

	/* Adding twice binds once; adding to an empty service: default. */
	ATF_REQUIRE(cert_bindings_use(&b, c, 1U << PROTO_POP3 |
	    1U << PROTO_SUBMISSION, CERT_USE_ADD, err, sizeof(err)) == 0);
	ATF_REQUIRE(cert_bindings_use(&b, c, 1U << PROTO_POP3, CERT_USE_ADD,
	    err, sizeof(err)) == 0);
	ATF_REQUIRE(bound(&b, PROTO_POP3, w, P_MAXCERTS) == 2);
	ATF_CHECK(w[0] == 0xa && w[1] == 0xc);
	ATF_REQUIRE(bound(&b, PROTO_SUBMISSION, w, P_MAXCERTS) == 1);
	ATF_CHECK(w[0] == 0xc);

	/* Removing the default makes the next one the default. */
	ATF_REQUIRE(cert_bindings_use(&b, a, 1U << PROTO_POP3,
	    CERT_USE_REMOVE, err, sizeof(err)) == 0);
	ATF_REQUIRE(bound(&b, PROTO_POP3, w, P_MAXCERTS) == 1);
	ATF_CHECK(w[0] == 0xc);
	ATF_CHECK(cert_bindings_use(&b, a, 1U << PROTO_IMAP, CERT_USE_REMOVE,
	    err, sizeof(err)) == -1);
	ATF_CHECK(strstr(err, "not bound") != NULL);

	/* At most P_MAXCERTS a service. */
	for (i = 0; i < P_MAXCERTS - 1; i++) {
		sha_of(a, 0x20 + i);
		ATF_REQUIRE(cert_bindings_use(&b, a, 1U << PROTO_POP3,
		    CERT_USE_ADD, err, sizeof(err)) == 0);
	}
	sha_of(a, 0x7f);
	ATF_CHECK(cert_bindings_use(&b, a, 1U << PROTO_POP3, CERT_USE_ADD,
	    err, sizeof(err)) == -1);
	ATF_CHECK(strstr(err, "the most") != NULL);
	cert_bindings_free(&b);
}

ATF_TC_WITHOUT_HEAD(bindings_file);
ATF_TC_BODY(bindings_file, tc)
{
	struct cert_bindings	 b, r;
	unsigned char		 a[CERT_SHA256_LEN], c[CERT_SHA256_LEN];
	char			 err[512];
	struct stat		 st;
	struct dirent		*de;
	DIR			*d;
	int			 w[P_MAXCERTS];

	ATF_REQUIRE(mkdir("store", 0700) == 0);
	ATF_REQUIRE(cert_bindings_read("store/bindings", &r, err,
	    sizeof(err)) == 0);
	ATF_CHECK(r.n == 0);

	memset(&b, 0, sizeof(b));
	sha_of(a, 0xa);
	sha_of(c, 0xc);
	ATF_REQUIRE(cert_bindings_use(&b, a, 1U << PROTO_IMAP |
	    1U << PROTO_POP3, CERT_USE_REPLACE, err, sizeof(err)) == 0);
	ATF_REQUIRE(cert_bindings_use(&b, c, 1U << PROTO_POP3, CERT_USE_ADD,
	    err, sizeof(err)) == 0);
	ATF_REQUIRE_MSG(cert_bindings_write("store/bindings", &b, err,
	    sizeof(err)) == 0, "%s", err);
	ATF_REQUIRE(stat("store/bindings", &st) == 0);
	ATF_CHECK((st.st_mode & 0777) == 0644);
	/* Nothing left behind by the write. */
	ATF_REQUIRE((d = opendir("store")) != NULL);
	while ((de = readdir(d)) != NULL)
		ATF_CHECK_MSG(strcmp(de->d_name, ".") == 0 ||
		    strcmp(de->d_name, "..") == 0 ||
		    strcmp(de->d_name, "bindings") == 0, "%s", de->d_name);
	closedir(d);

	ATF_REQUIRE_MSG(cert_bindings_read("store/bindings", &r, err,
	    sizeof(err)) == 0, "%s", err);
	ATF_REQUIRE(bound(&r, PROTO_POP3, w, P_MAXCERTS) == 2);
	ATF_CHECK(w[0] == 0xa && w[1] == 0xc);
	ATF_REQUIRE(bound(&r, PROTO_IMAP, w, P_MAXCERTS) == 1);
	ATF_CHECK(w[0] == 0xa);
	cert_bindings_free(&r);
	cert_bindings_free(&b);

	/* Comments, blank lines, CRLF, case, repeats. */
	write_text("store/bindings", "# bindings\n\n  \r\n"
	    "POP3 0A0A0A0A0A0A0A0A0A0A0A0A0A0A0A0A"
	    "0A0A0A0A0A0A0A0A0A0A0A0A0A0A0A0A\r\n"
	    "pop3\t0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a"
	    "0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a  # again\n"
	    "submission 0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c"
	    "0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c");
	ATF_REQUIRE_MSG(cert_bindings_read("store/bindings", &r, err,
	    sizeof(err)) == 0, "%s", err);
	ATF_CHECK(r.n == 2);
	ATF_CHECK(bound(&r, PROTO_POP3, w, P_MAXCERTS) == 1 && w[0] == 0xa);
	ATF_CHECK(bound(&r, PROTO_SUBMISSION, w, P_MAXCERTS) == 1 &&
	    w[0] == 0xc);
	cert_bindings_free(&r);

	/* Errors name the file and line. */
	write_text("store/bindings", "# ok\nsmtp 0a0a\n");
	ATF_CHECK(cert_bindings_read("store/bindings", &r, err,
	    sizeof(err)) == -1);
	ATF_CHECK_MSG(strstr(err, "store/bindings:2: unknown service") !=
	    NULL, "%s", err);
	write_text("store/bindings", "pop3 0a0a0a\n");
	ATF_CHECK(cert_bindings_read("store/bindings", &r, err,
	    sizeof(err)) == -1);
	ATF_CHECK_MSG(strstr(err, "store/bindings:1: expected") != NULL,
	    "%s", err);
	write_text("store/bindings", "\n\npop3 0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a"
	    "0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a extra\n");
	ATF_CHECK(cert_bindings_read("store/bindings", &r, err,
	    sizeof(err)) == -1);
	ATF_CHECK_MSG(strstr(err, "store/bindings:3:") != NULL, "%s", err);
	write_text("store/bindings", "pop3\n");
	ATF_CHECK(cert_bindings_read("store/bindings", &r, err,
	    sizeof(err)) == -1);
}

ATF_TC_WITHOUT_HEAD(services);
ATF_TC_BODY(services, tc)
{
	unsigned int	m;
	char		err[256];

	ATF_CHECK(cert_services_parse("imap,pop3", &m, err, sizeof(err)) == 0);
	ATF_CHECK(m == (1U << PROTO_IMAP | 1U << PROTO_POP3));
	ATF_CHECK(cert_services_parse("IMAP, Submission", &m, err,
	    sizeof(err)) == 0);
	ATF_CHECK(m == (1U << PROTO_IMAP | 1U << PROTO_SUBMISSION));
	ATF_CHECK(cert_services_parse("pop3,smtp", &m, err,
	    sizeof(err)) == -1);
	ATF_CHECK(strstr(err, "\"smtp\"") != NULL);
	ATF_CHECK(cert_services_parse("", &m, err, sizeof(err)) == -1);
	ATF_CHECK(cert_services_parse(",,", &m, err, sizeof(err)) == -1);
}

/* ---- the store directory ---------------------------------------------- */

static void
selfsigned(const char *name, const char *host, int type, int exclusive,
    int expect)
{
	struct cert_new	n;
	char		crt[256], key[256], err[512];

	(void)snprintf(crt, sizeof(crt), "store/%s.crt", name);
	(void)snprintf(key, sizeof(key), "store/%s.key", name);
	memset(&n, 0, sizeof(n));
	n.certfile = crt;
	n.keyfile = key;
	n.hostname = host;
	n.names = "mail.example.test,192.0.2.1,::1";
	n.keytype = type;
	n.days = 10;
	n.exclusive = exclusive;
	err[0] = '\0';
	ATF_REQUIRE_MSG(cert_selfsigned(&n, err, sizeof(err)) == expect,
	    "%s", err);
}

static X509 *
read_leaf(const char *path)
{
	FILE	*fp;
	X509	*x;

	ATF_REQUIRE((fp = fopen(path, "r")) != NULL);
	x = PEM_read_X509(fp, NULL, NULL, NULL);
	fclose(fp);
	ATF_REQUIRE(x != NULL);
	return x;
}

ATF_TC_WITHOUT_HEAD(store_scan);
ATF_TC_BODY(store_scan, tc)
{
	struct cert_store	 st;
	struct stat		 sb;
	X509			*x;
	unsigned char		 md[EVP_MAX_MD_SIZE];
	unsigned int		 mdlen;
	char			 err[512];

	ATF_REQUIRE(cert_store_scan("nonexistent", &st, err,
	    sizeof(err)) == 0);
	ATF_CHECK(st.n == 0);
	ATF_REQUIRE(mkdir("store", 0700) == 0);
	selfsigned("zeta", "zeta.example.test", CERT_KEY_EC256, 1, 0);
	selfsigned("alpha", "alpha.example.test", CERT_KEY_EC384, 1, 0);
	/* Never replaces an existing certificate when exclusive. */
	selfsigned("alpha", "other", CERT_KEY_EC256, 1, -1);
	write_text("store/junk.crt", "not a certificate\n");
	write_text("store/notes.txt", "ignored\n");
	ATF_REQUIRE(mkdir("store/dir.crt", 0700) == 0);
	ATF_REQUIRE(stat("store/alpha.key", &sb) == 0);
	ATF_CHECK((sb.st_mode & 0777) == 0600);

	ATF_REQUIRE_MSG(cert_store_scan("store", &st, err, sizeof(err)) == 0,
	    "%s", err);
	ATF_REQUIRE(st.n == 4);
	ATF_CHECK_STREQ(st.e[0].name, "alpha");
	ATF_CHECK_STREQ(st.e[0].certfile, "store/alpha.crt");
	ATF_CHECK_STREQ(st.e[0].keyfile, "store/alpha.key");
	ATF_CHECK_STREQ(st.e[1].name, "dir");
	ATF_CHECK(st.e[1].leaf == NULL);
	ATF_CHECK_STREQ(st.e[1].error, "not a regular file");
	ATF_CHECK_STREQ(st.e[2].name, "junk");
	ATF_CHECK(st.e[2].leaf == NULL);
	ATF_CHECK(strstr(st.e[2].error, "no PEM") != NULL);
	ATF_CHECK_STREQ(st.e[3].name, "zeta");

	/* The thumbprints are those of the file's certificate. */
	x = read_leaf("store/alpha.crt");
	ATF_REQUIRE(X509_digest(x, EVP_sha256(), md, &mdlen));
	ATF_CHECK(memcmp(md, st.e[0].sha256, CERT_SHA256_LEN) == 0);
	ATF_REQUIRE(X509_digest(x, EVP_sha1(), md, &mdlen));
	ATF_CHECK(memcmp(md, st.e[0].sha1, CERT_SHA1_LEN) == 0);
	ATF_CHECK(cert_store_find(&st, st.e[3].sha256) == 3);
	ATF_CHECK(X509_check_host(x, "alpha.example.test", 0, 0, NULL) == 1);
	ATF_CHECK(X509_check_host(x, "mail.example.test", 0, 0, NULL) == 1);
	ATF_CHECK(X509_check_ip_asc(x, "192.0.2.1", 0) == 1);
	X509_free(x);
	cert_store_free(&st);
}

/* ---- cert_load_all ------------------------------------------------------ */

static void
conf_pop3(struct postern_conf *conf)
{
	int	p;

	conf_init_defaults(conf);
	(void)strlcpy(conf->cert_dir, "store", sizeof(conf->cert_dir));
	(void)strlcpy(conf->hostname, "localhost", sizeof(conf->hostname));
	for (p = 1; p < PROTO_MAX; p++)
		conf->protos[p].enabled = p == PROTO_POP3;
}

static void
bind_file(const char *a, const char *b)
{
	struct cert_store	st;
	struct cert_bindings	bi;
	char			err[512];
	int			i;

	ATF_REQUIRE(cert_store_scan("store", &st, err, sizeof(err)) == 0);
	memset(&bi, 0, sizeof(bi));
	for (i = 0; i < (int)st.n; i++) {
		if (strcmp(st.e[i].name, a) == 0)
			ATF_REQUIRE(cert_bindings_use(&bi, st.e[i].sha256,
			    1U << PROTO_POP3, CERT_USE_REPLACE, err,
			    sizeof(err)) == 0);
	}
	for (i = 0; b != NULL && i < (int)st.n; i++) {
		if (strcmp(st.e[i].name, b) == 0)
			ATF_REQUIRE(cert_bindings_use(&bi, st.e[i].sha256,
			    1U << PROTO_POP3, CERT_USE_ADD, err,
			    sizeof(err)) == 0);
	}
	ATF_REQUIRE(bi.n == (b != NULL ? 2U : 1U));
	ATF_REQUIRE(cert_bindings_write("store/bindings", &bi, err,
	    sizeof(err)) == 0);
	cert_bindings_free(&bi);
	cert_store_free(&st);
}

/* The records of a MSG_CERT payload: count, key ids, PEM starts. */
static size_t
certmsg_ids(const struct cert *c, uint32_t *ids, size_t max)
{
	struct cert_rec	rec;
	size_t		off = 0, n = 0;

	while (off < c->certmsglen && n < max) {
		ATF_REQUIRE(c->certmsglen - off >= sizeof(rec));
		memcpy(&rec, c->certmsg + off, sizeof(rec));
		off += sizeof(rec);
		ATF_REQUIRE(rec.pemlen <= c->certmsglen - off);
		ATF_CHECK(strncmp(c->certmsg + off, "-----BEGIN CERTIFICATE",
		    22) == 0);
		ids[n++] = rec.key_id;
		off += rec.pemlen;
	}
	ATF_CHECK(off == c->certmsglen);
	return n;
}

ATF_TC_WITHOUT_HEAD(load_default);
ATF_TC_BODY(load_default, tc)
{
	struct postern_conf	 conf;
	struct cert_list	 list;
	struct cert		*pc[PROTO_MAX];
	uint32_t		 ids[4];

	log_init(1, LOG_MAIL);
	conf_pop3(&conf);
	TAILQ_INIT(&list);
	ATF_REQUIRE(cert_load_all(&conf, &list, pc) == 0);
	ATF_REQUIRE(pc[PROTO_POP3] != NULL);
	ATF_CHECK(pc[PROTO_IMAP] == NULL);
	ATF_CHECK_STREQ(pc[PROTO_POP3]->certfile, "store/default.crt");
	ATF_CHECK(pc[PROTO_POP3]->nalt == 0);
	ATF_REQUIRE(certmsg_ids(pc[PROTO_POP3], ids, 4) == 1);
	ATF_CHECK(ids[0] == pc[PROTO_POP3]->id);
	ATF_CHECK(access("store/default.key", R_OK) == 0);
	cert_free_list(&list);
}

ATF_TC_WITHOUT_HEAD(load_bound);
ATF_TC_BODY(load_bound, tc)
{
	struct postern_conf	 conf;
	struct cert_list	 list;
	struct cert		*pc[PROTO_MAX], *c;
	struct key_sign_req	 req;
	unsigned char		 dgst[32], sig[256];
	size_t			 siglen;
	uint32_t		 ids[4];

	log_init(1, LOG_MAIL);
	ATF_REQUIRE(mkdir("store", 0700) == 0);
	selfsigned("one", "one.example.test", CERT_KEY_EC256, 1, 0);
	selfsigned("two", "two.example.test", CERT_KEY_RSA2048, 1, 0);
	bind_file("one", "two");
	conf_pop3(&conf);
	TAILQ_INIT(&list);
	ATF_REQUIRE(cert_load_all(&conf, &list, pc) == 0);
	ATF_REQUIRE((c = pc[PROTO_POP3]) != NULL);
	ATF_CHECK_STREQ(c->certfile, "store/one.crt");
	ATF_REQUIRE(c->nalt == 1);
	ATF_CHECK_STREQ(c->alt[0]->certfile, "store/two.crt");
	ATF_REQUIRE(certmsg_ids(c, ids, 4) == 2);
	ATF_CHECK(ids[0] == c->id && ids[1] == c->alt[0]->id);
	ATF_CHECK(ids[0] != ids[1] && ids[0] != 0 && ids[1] != 0);
	/* No default.crt is made when nothing needs it. */
	ATF_CHECK(access("store/default.crt", F_OK) == -1);

	/* Signatures with either key, by id; no other id. */
	ATF_CHECK(cert_has_key(c, c->id));
	ATF_CHECK(cert_has_key(c, c->alt[0]->id));
	ATF_CHECK(!cert_has_key(c, 0));
	ATF_CHECK(!cert_has_key(c, c->alt[0]->id + 100));
	memset(dgst, 0x5a, sizeof(dgst));
	memset(&req, 0, sizeof(req));
	req.op = KEYOP_ECDSA_SIGN;
	req.key_id = c->id;
	siglen = sizeof(sig);
	ATF_CHECK(cert_sign(c, &req, dgst, sizeof(dgst), sig, &siglen) == 0);
	ATF_CHECK(siglen > 0);
	/* The RSA certificate's key cannot make an ECDSA signature. */
	req.key_id = c->alt[0]->id;
	siglen = sizeof(sig);
	ATF_CHECK(cert_sign(c, &req, dgst, sizeof(dgst), sig, &siglen) == -1);
	req.op = KEYOP_RSA_PRIV_ENC;
	req.padding = RSA_PKCS1_PADDING;
	siglen = sizeof(sig);
	ATF_CHECK(cert_sign(c, &req, dgst, sizeof(dgst), sig, &siglen) == 0);
	ATF_CHECK(siglen == 256);
	req.key_id = 12345;
	siglen = sizeof(sig);
	ATF_CHECK(cert_sign(c, &req, dgst, sizeof(dgst), sig, &siglen) == -1);
	cert_free_list(&list);
}

ATF_TC_WITHOUT_HEAD(load_config_wins);
ATF_TC_BODY(load_config_wins, tc)
{
	struct postern_conf	 conf;
	struct cert_list	 list;
	struct cert		*pc[PROTO_MAX];

	log_init(1, LOG_MAIL);
	ATF_REQUIRE(mkdir("store", 0700) == 0);
	selfsigned("one", "one.example.test", CERT_KEY_EC256, 1, 0);
	selfsigned("two", "two.example.test", CERT_KEY_EC256, 1, 0);
	bind_file("one", NULL);
	conf_pop3(&conf);
	(void)strlcpy(conf.protos[PROTO_POP3].certificate, "store/two.crt",
	    P_PATHLEN);
	(void)strlcpy(conf.protos[PROTO_POP3].key, "store/two.key", P_PATHLEN);
	TAILQ_INIT(&list);
	ATF_REQUIRE(cert_load_all(&conf, &list, pc) == 0);
	ATF_REQUIRE(pc[PROTO_POP3] != NULL);
	ATF_CHECK_STREQ(pc[PROTO_POP3]->certfile, "store/two.crt");
	ATF_CHECK(pc[PROTO_POP3]->nalt == 0);
	cert_free_list(&list);
}

ATF_TC_WITHOUT_HEAD(load_refused);
ATF_TC_BODY(load_refused, tc)
{
	struct postern_conf	 conf;
	struct cert_list	 list;
	struct cert		*pc[PROTO_MAX];
	EVP_PKEY		*k, *other;
	X509			*x;

	log_init(1, LOG_MAIL);
	ATF_REQUIRE(mkdir("store", 0700) == 0);
	conf_pop3(&conf);

	/* A binding to a certificate the store does not have. */
	write_text("store/bindings", "pop3 0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a"
	    "0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a\n");
	TAILQ_INIT(&list);
	ATF_CHECK(cert_load_all(&conf, &list, pc) == -1);
	cert_free_list(&list);

	/* A broken bindings file. */
	write_text("store/bindings", "pop3 nonsense\n");
	ATF_CHECK(cert_load_all(&conf, &list, pc) == -1);
	cert_free_list(&list);

	/* A bound certificate that has expired. */
	k = mkkey("P-256");
	x = mkcert("old.example.test", k, NULL, NULL, 0, -10 * DAY, -DAY);
	write_chain("store/old.crt", x, NULL);
	write_key("store/old.key", k);
	bind_file("old", NULL);
	ATF_CHECK(cert_load_all(&conf, &list, pc) == -1);
	cert_free_list(&list);

	/* A bound certificate whose key is another's. */
	X509_free(x);
	EVP_PKEY_free(k);
	k = mkkey("P-256");
	x = mkcert("new.example.test", k, NULL, NULL, 0, -DAY, DAY);
	write_chain("store/new.crt", x, NULL);
	other = mkkey("P-256");
	write_key("store/new.key", other);
	EVP_PKEY_free(other);
	bind_file("new", NULL);
	ATF_CHECK(cert_load_all(&conf, &list, pc) == -1);
	cert_free_list(&list);

	/* Fixed, it loads. */
	write_key("store/new.key", k);
	ATF_CHECK(cert_load_all(&conf, &list, pc) == 0);
	cert_free_list(&list);
	X509_free(x);
	EVP_PKEY_free(k);
}

ATF_TP_ADD_TCS(tp)
{
	ATF_TP_ADD_TC(tp, thumb_normalize);
	ATF_TP_ADD_TC(tp, thumb_format);
	ATF_TP_ADD_TC(tp, thumb_match);
	ATF_TP_ADD_TC(tp, chain_good);
	ATF_TP_ADD_TC(tp, chain_order);
	ATF_TP_ADD_TC(tp, chain_key);
	ATF_TP_ADD_TC(tp, chain_dates);
	ATF_TP_ADD_TC(tp, chain_keytypes);
	ATF_TP_ADD_TC(tp, bindings_use);
	ATF_TP_ADD_TC(tp, bindings_file);
	ATF_TP_ADD_TC(tp, services);
	ATF_TP_ADD_TC(tp, store_scan);
	ATF_TP_ADD_TC(tp, load_default);
	ATF_TP_ADD_TC(tp, load_bound);
	ATF_TP_ADD_TC(tp, load_config_wins);
	ATF_TP_ADD_TC(tp, load_refused);
	return atf_no_error();
}
