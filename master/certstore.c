/*
 * The certificate store in certificate-dir, shared by posternd (which
 * reads it at start and at reload) and posternctl (which lists it, adds
 * certificates to it and edits its bindings): thumbprints and how a
 * typed one is matched, the bindings file, the checks a certificate,
 * its key and its chain must pass, and the making of self-signed
 * certificates.  Nothing here logs or exits: every error is written to
 * the caller's buffer, which posternd logs and posternctl prints.
 */
#include <sys/types.h>
#include <sys/stat.h>

#include <arpa/inet.h>

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include <openssl/bn.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/objects.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "master.h"

#define SAN_MAX		4096	/* a new certificate's subjectAltName */

static int	 entry_load(struct cert_entry *);
static int	 entry_cmp(const void *, const void *);
static void	 hex_lower(const unsigned char *, size_t, char *);
static int	 hex_parse(const char *, unsigned char *, size_t);
static int	 proto_by_name(const char *);
static size_t	 bindings_count(const struct cert_bindings *, int);
static int	 bindings_add(struct cert_bindings *, int,
		    const unsigned char *);
static void	 subject_str(X509 *, char *, size_t);
static void	 time_str(const ASN1_TIME *, char *, size_t);
static void	 ssl_err(char *, size_t, const char *, const char *);
static int	 add_ext(X509 *, int, const char *);
static int	 san_build(const struct cert_new *, char *, size_t);
static EVP_PKEY	*key_generate(int);
static int	 dir_sync(const char *);

/* Append OpenSSL's reason for a failure to a message about a file. */
static void
ssl_err(char *err, size_t errlen, const char *file, const char *what)
{
	unsigned long	e;
	char		buf[256];

	if ((e = ERR_peek_last_error()) != 0) {
		ERR_error_string_n(e, buf, sizeof(buf));
		(void)snprintf(err, errlen, "%s: %s: %s", file, what, buf);
	} else
		(void)snprintf(err, errlen, "%s: %s", file, what);
	ERR_clear_error();
}

int
cert_digests(X509 *x, unsigned char *sha1, unsigned char *sha256)
{
	unsigned int	len;

	if (!X509_digest(x, EVP_sha1(), sha1, &len) || len != CERT_SHA1_LEN ||
	    !X509_digest(x, EVP_sha256(), sha256, &len) ||
	    len != CERT_SHA256_LEN) {
		ERR_clear_error();
		return -1;
	}
	return 0;
}

/* As openssl x509 -fingerprint prints it: AB:CD:...; out holds 3*len. */
void
cert_thumb_format(const unsigned char *md, size_t len, char *out,
    size_t outlen)
{
	static const char	hex[] = "0123456789ABCDEF";
	size_t			i, o = 0;

	if (outlen == 0)
		return;
	for (i = 0; i < len && o + (i > 0) + 2 < outlen; i++) {
		if (i > 0)
			out[o++] = ':';
		out[o++] = hex[md[i] >> 4];
		out[o++] = hex[md[i] & 0xf];
	}
	out[o] = '\0';
}

static void
hex_lower(const unsigned char *md, size_t len, char *out)
{
	static const char	hex[] = "0123456789abcdef";
	size_t			i;

	for (i = 0; i < len; i++) {
		out[2 * i] = hex[md[i] >> 4];
		out[2 * i + 1] = hex[md[i] & 0xf];
	}
	out[2 * len] = '\0';
}

/* Exactly 2*len hex digits into len bytes. */
static int
hex_parse(const char *s, unsigned char *out, size_t len)
{
	size_t	i;
	int	hi, lo;

	if (strlen(s) != 2 * len)
		return -1;
	for (i = 0; i < len; i++) {
		if (!isxdigit((unsigned char)s[2 * i]) ||
		    !isxdigit((unsigned char)s[2 * i + 1]))
			return -1;
		hi = tolower((unsigned char)s[2 * i]);
		lo = tolower((unsigned char)s[2 * i + 1]);
		hi = isdigit(hi) ? hi - '0' : hi - 'a' + 10;
		lo = isdigit(lo) ? lo - '0' : lo - 'a' + 10;
		out[i] = (unsigned char)(hi << 4 | lo);
	}
	return 0;
}

/*
 * A thumbprint as an administrator types or pastes it: SHA-1 or
 * SHA-256, whole or a prefix of at least CERT_THUMB_MIN digits, any
 * case, with or without colons, spaces or dashes, even with openssl's
 * "SHA1 Fingerprint=" before it.  Writes lowercase hex digits.
 */
int
cert_thumb_normalize(const char *in, char *out, size_t outlen)
{
	const char	*p;
	size_t		 n = 0;

	if ((p = strrchr(in, '=')) != NULL)
		in = p + 1;
	for (p = in; *p != '\0'; p++) {
		if (*p == ':' || *p == ' ' || *p == '-' || *p == '\t')
			continue;
		if (!isxdigit((unsigned char)*p))
			return -1;
		if (n >= CERT_SHA256_LEN * 2 || n + 1 >= outlen)
			return -1;
		out[n++] = tolower((unsigned char)*p);
	}
	if (n < CERT_THUMB_MIN)
		return -1;
	out[n] = '\0';
	return 0;
}

/*
 * The store's certificates a thumbprint names: their indexes go to
 * idx (at most max of them), their number to *nmatch.  Each
 * certificate counts once, whichever of its thumbprints matched.
 * Returns -1 when the thumbprint is not one (see cert_thumb_normalize).
 */
int
cert_store_match(const struct cert_store *st, const char *thumb, size_t *idx,
    size_t max, size_t *nmatch)
{
	char	want[CERT_SHA256_LEN * 2 + 1], h[CERT_SHA256_LEN * 2 + 1];
	size_t	i, len;
	int	hit;

	*nmatch = 0;
	if (cert_thumb_normalize(thumb, want, sizeof(want)) == -1)
		return -1;
	len = strlen(want);
	for (i = 0; i < st->n; i++) {
		if (st->e[i].leaf == NULL)
			continue;
		hit = 0;
		if (len <= CERT_SHA1_LEN * 2) {
			hex_lower(st->e[i].sha1, CERT_SHA1_LEN, h);
			hit = strncmp(h, want, len) == 0;
		}
		if (!hit) {
			hex_lower(st->e[i].sha256, CERT_SHA256_LEN, h);
			hit = strncmp(h, want, len) == 0;
		}
		if (!hit)
			continue;
		if (*nmatch < max)
			idx[*nmatch] = i;
		(*nmatch)++;
	}
	return 0;
}

int
cert_store_find(const struct cert_store *st, const unsigned char *sha256)
{
	size_t	i;

	for (i = 0; i < st->n; i++)
		if (st->e[i].leaf != NULL &&
		    memcmp(st->e[i].sha256, sha256, CERT_SHA256_LEN) == 0)
			return (int)i;
	return -1;
}

static int
entry_cmp(const void *a, const void *b)
{
	return strcmp(((const struct cert_entry *)a)->name,
	    ((const struct cert_entry *)b)->name);
}

/*
 * The leaf of one NAME.crt; a bad file keeps its reason instead.  Not
 * blocking on open: whatever sits in the directory is only looked at.
 */
static int
entry_load(struct cert_entry *e)
{
	struct stat	 st;
	FILE		*fp;
	int		 fd;

	if ((fd = open(e->certfile, O_RDONLY | O_NONBLOCK | O_CLOEXEC)) ==
	    -1) {
		(void)snprintf(e->error, sizeof(e->error), "%s",
		    strerror(errno));
		return -1;
	}
	if (fstat(fd, &st) == -1 || !S_ISREG(st.st_mode)) {
		(void)snprintf(e->error, sizeof(e->error),
		    "not a regular file");
		close(fd);
		return -1;
	}
	if ((fp = fdopen(fd, "r")) == NULL) {
		(void)snprintf(e->error, sizeof(e->error), "%s",
		    strerror(errno));
		close(fd);
		return -1;
	}
	e->leaf = PEM_read_X509(fp, NULL, NULL, NULL);
	fclose(fp);
	if (e->leaf == NULL) {
		ERR_clear_error();
		(void)snprintf(e->error, sizeof(e->error),
		    "no PEM certificate in the file");
		return -1;
	}
	if (cert_digests(e->leaf, e->sha1, e->sha256) == -1) {
		X509_free(e->leaf);
		e->leaf = NULL;
		(void)snprintf(e->error, sizeof(e->error),
		    "cannot compute its thumbprints");
		return -1;
	}
	return 0;
}

/*
 * Every NAME.crt of the directory, sorted by name.  A missing directory
 * is an empty store; a file that cannot be read is listed with its
 * reason and no leaf.
 */
int
cert_store_scan(const char *dir, struct cert_store *st, char *err,
    size_t errlen)
{
	struct cert_entry	*e, *ne;
	struct dirent		*de;
	DIR			*d;
	size_t			 len;

	memset(st, 0, sizeof(*st));
	if ((d = opendir(dir)) == NULL) {
		if (errno == ENOENT)
			return 0;
		(void)snprintf(err, errlen, "%s: %s", dir, strerror(errno));
		return -1;
	}
	while ((de = readdir(d)) != NULL) {
		len = strlen(de->d_name);
		if (de->d_name[0] == '.' || len <= 4 || len - 4 >= P_NAMELEN ||
		    strcmp(de->d_name + len - 4, ".crt") != 0)
			continue;
		if ((ne = reallocarray(st->e, st->n + 1, sizeof(*st->e)))
		    == NULL) {
			(void)snprintf(err, errlen, "%s", strerror(errno));
			closedir(d);
			cert_store_free(st);
			return -1;
		}
		st->e = ne;
		e = &st->e[st->n];
		memset(e, 0, sizeof(*e));
		memcpy(e->name, de->d_name, len - 4);
		e->name[len - 4] = '\0';
		if (snprintf(e->certfile, sizeof(e->certfile), "%s/%s", dir,
		    de->d_name) >= (int)sizeof(e->certfile) ||
		    snprintf(e->keyfile, sizeof(e->keyfile), "%s/%s.key", dir,
		    e->name) >= (int)sizeof(e->keyfile))
			continue;
		(void)entry_load(e);
		st->n++;
	}
	closedir(d);
	if (st->n > 0)
		qsort(st->e, st->n, sizeof(*st->e), entry_cmp);
	return 0;
}

void
cert_store_free(struct cert_store *st)
{
	size_t	i;

	for (i = 0; i < st->n; i++)
		X509_free(st->e[i].leaf);
	free(st->e);
	st->e = NULL;
	st->n = 0;
}

static int
proto_by_name(const char *name)
{
	int	p;

	for (p = 1; p < PROTO_MAX; p++)
		if (strcasecmp(name, conf_proto_name(p)) == 0)
			return p;
	return 0;
}

/* "imap,pop3" into a mask of 1 << PROTO_*. */
int
cert_services_parse(const char *list, unsigned int *mask, char *err,
    size_t errlen)
{
	char	*copy, *s, *w;
	int	 p, rc = 0;

	*mask = 0;
	if ((copy = strdup(list)) == NULL) {
		(void)snprintf(err, errlen, "%s", strerror(errno));
		return -1;
	}
	s = copy;
	while ((w = strsep(&s, ",")) != NULL) {
		while (*w == ' ')
			w++;
		if (*w == '\0')
			continue;
		if ((p = proto_by_name(w)) == 0) {
			(void)snprintf(err, errlen, "unknown service "
			    "\"%.32s\": the services are imap, pop3 and "
			    "submission", w);
			rc = -1;
			break;
		}
		*mask |= 1U << p;
	}
	free(copy);
	if (rc == 0 && *mask == 0) {
		(void)snprintf(err, errlen, "no service named: the services "
		    "are imap, pop3 and submission");
		rc = -1;
	}
	return rc;
}

static size_t
bindings_count(const struct cert_bindings *b, int proto)
{
	size_t	i, n = 0;

	for (i = 0; i < b->n; i++)
		if (b->b[i].proto == proto)
			n++;
	return n;
}

static int
bindings_add(struct cert_bindings *b, int proto, const unsigned char *sha256)
{
	struct cert_binding	*nb;

	if ((nb = reallocarray(b->b, b->n + 1, sizeof(*b->b))) == NULL)
		return -1;
	b->b = nb;
	b->b[b->n].proto = proto;
	memcpy(b->b[b->n].sha256, sha256, CERT_SHA256_LEN);
	b->n++;
	return 0;
}

/*
 * Read the bindings file.  A missing file binds nothing; a line that is
 * not `SERVICE SHA-256' is an error naming the file and line.
 */
int
cert_bindings_read(const char *path, struct cert_bindings *b, char *err,
    size_t errlen)
{
	FILE		*fp;
	char		*line = NULL, *s, *w1, *w2, *w3;
	unsigned char	 sha[CERT_SHA256_LEN];
	size_t		 cap = 0, i, lineno = 0;
	int		 p, dup, rc = -1;

	memset(b, 0, sizeof(*b));
	if ((fp = fopen(path, "r")) == NULL) {
		if (errno == ENOENT)
			return 0;
		(void)snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	while (getline(&line, &cap, fp) != -1) {
		lineno++;
		s = line;
		s[strcspn(s, "#\r\n")] = '\0';
		while ((w1 = strsep(&s, " \t")) != NULL && *w1 == '\0')
			;
		if (w1 == NULL)
			continue;
		while ((w2 = strsep(&s, " \t")) != NULL && *w2 == '\0')
			;
		while ((w3 = strsep(&s, " \t")) != NULL && *w3 == '\0')
			;
		if ((p = proto_by_name(w1)) == 0) {
			(void)snprintf(err, errlen, "%s:%zu: unknown service "
			    "\"%.32s\"", path, lineno, w1);
			goto done;
		}
		if (w2 == NULL || w3 != NULL ||
		    hex_parse(w2, sha, sizeof(sha)) == -1) {
			(void)snprintf(err, errlen, "%s:%zu: expected \"%s\" "
			    "and a SHA-256 thumbprint of 64 hex digits", path,
			    lineno, conf_proto_name(p));
			goto done;
		}
		for (i = 0, dup = 0; i < b->n; i++)
			if (b->b[i].proto == p &&
			    memcmp(b->b[i].sha256, sha, sizeof(sha)) == 0)
				dup = 1;
		if (dup)
			continue;
		if (bindings_count(b, p) >= P_MAXCERTS) {
			(void)snprintf(err, errlen, "%s:%zu: more than %d "
			    "certificates for %s", path, lineno, P_MAXCERTS,
			    conf_proto_name(p));
			goto done;
		}
		if (bindings_add(b, p, sha) == -1) {
			(void)snprintf(err, errlen, "%s", strerror(errno));
			goto done;
		}
	}
	if (ferror(fp)) {
		(void)snprintf(err, errlen, "%s: %s", path, strerror(errno));
		goto done;
	}
	rc = 0;
done:
	free(line);
	fclose(fp);
	if (rc == -1)
		cert_bindings_free(b);
	return rc;
}

/* Write the bindings, grouped by service, in place of the old file. */
int
cert_bindings_write(const char *path, const struct cert_bindings *b,
    char *err, size_t errlen)
{
	static const char	 head[] =
	    "# postern certificate bindings, kept by posternctl cert use.\n"
	    "# SERVICE SHA-256: a service's first line is its default\n"
	    "# certificate, further lines are chosen by SNI host name.\n";
	char			*buf, hex[CERT_SHA256_LEN * 2 + 1];
	size_t			 i, len, cap;
	int			 p, n, rc;

	cap = sizeof(head) + b->n * (P_NAMELEN + sizeof(hex) + 2);
	if ((buf = malloc(cap)) == NULL) {
		(void)snprintf(err, errlen, "%s", strerror(errno));
		return -1;
	}
	len = strlcpy(buf, head, cap);
	for (p = 1; p < PROTO_MAX; p++)
		for (i = 0; i < b->n; i++) {
			if (b->b[i].proto != p)
				continue;
			hex_lower(b->b[i].sha256, CERT_SHA256_LEN, hex);
			n = snprintf(buf + len, cap - len, "%s %s\n",
			    conf_proto_name(p), hex);
			if (n < 0 || (size_t)n >= cap - len) {
				free(buf);
				(void)snprintf(err, errlen, "%s: too long",
				    path);
				return -1;
			}
			len += n;
		}
	rc = cert_write_file(path, buf, len, 0644, 0, err, errlen);
	free(buf);
	return rc;
}

/*
 * Bind a certificate to the services in mask (1 << PROTO_*), leaving
 * the other services as they are.  CERT_USE_REPLACE makes it the only
 * certificate of those services, CERT_USE_ADD adds it after theirs (to
 * be chosen by SNI; a service without any gets it as its default),
 * CERT_USE_REMOVE takes it away from them.
 */
int
cert_bindings_use(struct cert_bindings *b, const unsigned char *sha256,
    unsigned int mask, int mode, char *err, size_t errlen)
{
	size_t	i, j, removed = 0, had;
	int	p, bound;

	if (mode == CERT_USE_REPLACE || mode == CERT_USE_REMOVE) {
		for (i = 0, j = 0; i < b->n; i++) {
			if ((mask & (1U << b->b[i].proto)) != 0 &&
			    (mode == CERT_USE_REPLACE ||
			    memcmp(b->b[i].sha256, sha256,
			    CERT_SHA256_LEN) == 0)) {
				removed++;
				continue;
			}
			b->b[j++] = b->b[i];
		}
		b->n = j;
		if (mode == CERT_USE_REMOVE && removed == 0) {
			(void)snprintf(err, errlen, "the certificate is not "
			    "bound to any of those services");
			return -1;
		}
		if (mode == CERT_USE_REMOVE)
			return 0;
	}
	for (p = 1; p < PROTO_MAX; p++) {
		if ((mask & (1U << p)) == 0)
			continue;
		for (i = 0, bound = 0; i < b->n; i++)
			if (b->b[i].proto == p && memcmp(b->b[i].sha256,
			    sha256, CERT_SHA256_LEN) == 0)
				bound = 1;
		if (bound)
			continue;
		if ((had = bindings_count(b, p)) >= P_MAXCERTS) {
			(void)snprintf(err, errlen, "%s has %zu certificates "
			    "already, the most it may have", conf_proto_name(p),
			    had);
			return -1;
		}
		if (bindings_add(b, p, sha256) == -1) {
			(void)snprintf(err, errlen, "%s", strerror(errno));
			return -1;
		}
	}
	return 0;
}

/* A service's bound thumbprints, its default first. */
size_t
cert_bindings_for(const struct cert_bindings *b, int proto,
    const unsigned char **out, size_t max)
{
	size_t	i, n = 0;

	for (i = 0; i < b->n; i++)
		if (b->b[i].proto == proto && n < max)
			out[n++] = b->b[i].sha256;
	return n;
}

void
cert_bindings_free(struct cert_bindings *b)
{
	free(b->b);
	b->b = NULL;
	b->n = 0;
}

/* The keys postern accepts: RSA of 2048 bits or more, EC P-256/P-384. */
int
cert_key_check(EVP_PKEY *key, char *err, size_t errlen)
{
	char	group[64];
	size_t	len;
	int	nid, bits;

	switch (EVP_PKEY_get_base_id(key)) {
	case EVP_PKEY_RSA:
		if ((bits = EVP_PKEY_get_bits(key)) < 2048) {
			(void)snprintf(err, errlen, "the RSA key has %d bits: "
			    "at least 2048 are needed", bits);
			return -1;
		}
		return 0;
	case EVP_PKEY_EC:
		if (!EVP_PKEY_get_group_name(key, group, sizeof(group), &len)) {
			ERR_clear_error();
			group[0] = '\0';
		}
		nid = OBJ_sn2nid(group);
		if (nid == NID_undef)
			nid = EC_curve_nist2nid(group);
		if (nid != NID_X9_62_prime256v1 && nid != NID_secp384r1) {
			(void)snprintf(err, errlen, "the EC key is on curve "
			    "\"%s\": only P-256 and P-384 are accepted",
			    group[0] ? group : "?");
			return -1;
		}
		return 0;
	}
	(void)snprintf(err, errlen, "the key is %s: only RSA and EC keys are "
	    "accepted", OBJ_nid2sn(EVP_PKEY_get_base_id(key)));
	return -1;
}

/* "RSA 2048", "EC P-256". */
const char *
cert_key_desc(EVP_PKEY *key, char *buf, size_t len)
{
	char		 group[64];
	const char	*nist;
	size_t		 glen;
	int		 nid;

	switch (EVP_PKEY_get_base_id(key)) {
	case EVP_PKEY_RSA:
		(void)snprintf(buf, len, "RSA %d", EVP_PKEY_get_bits(key));
		break;
	case EVP_PKEY_EC:
		if (!EVP_PKEY_get_group_name(key, group, sizeof(group),
		    &glen)) {
			ERR_clear_error();
			(void)strlcpy(group, "?", sizeof(group));
		}
		nid = OBJ_sn2nid(group);
		nist = nid != NID_undef ? EC_curve_nid2nist(nid) : NULL;
		(void)snprintf(buf, len, "EC %s", nist != NULL ? nist : group);
		break;
	default:
		(void)snprintf(buf, len, "%s %d",
		    OBJ_nid2sn(EVP_PKEY_get_base_id(key)),
		    EVP_PKEY_get_bits(key));
		break;
	}
	return buf;
}

/* As RFC 2253 writes it, the way posternctl cert list shows it. */
static void
subject_str(X509 *x, char *buf, size_t len)
{
	BIO	*b;
	char	*data;
	long	 n;

	(void)strlcpy(buf, "?", len);
	if ((b = BIO_new(BIO_s_mem())) == NULL)
		return;
	if (X509_NAME_print_ex(b, X509_get_subject_name(x), 0,
	    XN_FLAG_RFC2253) >= 0 && (n = BIO_get_mem_data(b, &data)) > 0)
		(void)snprintf(buf, len, "%.*s", (int)n, data);
	BIO_free(b);
}

static void
time_str(const ASN1_TIME *t, char *buf, size_t len)
{
	struct tm	tm;

	if (!ASN1_TIME_to_tm(t, &tm) ||
	    strftime(buf, len, "%Y-%m-%d %H:%M:%S UTC", &tm) == 0)
		(void)strlcpy(buf, "?", len);
}

/*
 * What a certificate must be before postern serves it: its key (when
 * given) matches the leaf and is one postern accepts, every certificate
 * is valid at `now', and each is signed by the one after it.
 */
int
cert_chain_check(X509 **chain, size_t n, EVP_PKEY *key, time_t now,
    char *err, size_t errlen)
{
	char	 subj[256], isubj[256], when[64];
	size_t	 i;
	int	 r;

	if (n == 0) {
		(void)snprintf(err, errlen, "no certificate");
		return -1;
	}
	if (key != NULL) {
		if (!X509_check_private_key(chain[0], key)) {
			ERR_clear_error();
			(void)snprintf(err, errlen, "the key does not match "
			    "the certificate");
			return -1;
		}
		if (cert_key_check(key, err, errlen) == -1)
			return -1;
	}
	for (i = 0; i < n; i++) {
		subject_str(chain[i], subj, sizeof(subj));
		if (X509_cmp_time(X509_get0_notBefore(chain[i]), &now) == 0 ||
		    X509_cmp_time(X509_get0_notAfter(chain[i]), &now) == 0) {
			(void)snprintf(err, errlen, "%s %s has dates that "
			    "cannot be read", i == 0 ? "the certificate" :
			    "the chain's certificate", subj);
			return -1;
		}
		r = X509_cmp_time(X509_get0_notBefore(chain[i]), &now);
		if (r > 0) {
			time_str(X509_get0_notBefore(chain[i]), when,
			    sizeof(when));
			(void)snprintf(err, errlen, "%s %s is not valid before "
			    "%s", i == 0 ? "the certificate" :
			    "the chain's certificate", subj, when);
			return -1;
		}
		r = X509_cmp_time(X509_get0_notAfter(chain[i]), &now);
		if (r < 0) {
			time_str(X509_get0_notAfter(chain[i]), when,
			    sizeof(when));
			(void)snprintf(err, errlen, "%s %s expired on %s",
			    i == 0 ? "the certificate" :
			    "the chain's certificate", subj, when);
			return -1;
		}
	}
	for (i = 0; i + 1 < n; i++) {
		if (X509_check_issued(chain[i + 1], chain[i]) == X509_V_OK &&
		    X509_verify(chain[i], X509_get0_pubkey(chain[i + 1])) == 1)
			continue;
		ERR_clear_error();
		subject_str(chain[i], subj, sizeof(subj));
		subject_str(chain[i + 1], isubj, sizeof(isubj));
		(void)snprintf(err, errlen, "the chain is out of order: "
		    "certificate %zu (%s) is not signed by the next one (%s); "
		    "give the leaf first, then each issuer", i + 1, subj,
		    isubj);
		return -1;
	}
	return 0;
}

static int
dir_sync(const char *path)
{
	char	dir[P_PATHLEN], *p;
	int	fd, rc;

	if (strlcpy(dir, path, sizeof(dir)) >= sizeof(dir))
		return -1;
	if ((p = strrchr(dir, '/')) == NULL)
		(void)strlcpy(dir, ".", sizeof(dir));
	else if (p == dir)
		p[1] = '\0';
	else
		*p = '\0';
	if ((fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) == -1)
		return -1;
	rc = fsync(fd);
	close(fd);
	return rc;
}

/*
 * Write a file whole or not at all: a temporary file in the same
 * directory, fsync, then rename over the old one, or, when exclusive,
 * link, which fails rather than replace a file that appeared meanwhile.
 */
int
cert_write_file(const char *path, const void *data, size_t len, mode_t mode,
    int exclusive, char *err, size_t errlen)
{
	char		 tmp[P_PATHLEN];
	const char	*base, *p = data;
	size_t		 off = 0;
	ssize_t		 w;
	int		 fd, dirlen;

	base = strrchr(path, '/');
	dirlen = base == NULL ? 0 : (int)(base - path + 1);
	base = base == NULL ? path : base + 1;
	if (snprintf(tmp, sizeof(tmp), "%.*s.%s.XXXXXX", dirlen, path, base) >=
	    (int)sizeof(tmp)) {
		(void)snprintf(err, errlen, "%s: path too long", path);
		return -1;
	}
	if ((fd = mkstemp(tmp)) == -1) {
		(void)snprintf(err, errlen, "%s: %s", tmp, strerror(errno));
		return -1;
	}
	if (fchmod(fd, mode) == -1)
		goto fail;
	while (off < len) {
		if ((w = write(fd, p + off, len - off)) == -1) {
			if (errno == EINTR)
				continue;
			goto fail;
		}
		off += w;
	}
	if (fsync(fd) == -1)
		goto fail;
	if (close(fd) == -1) {
		fd = -1;
		goto fail;
	}
	fd = -1;
	if (exclusive) {
		if (link(tmp, path) == -1) {
			(void)snprintf(err, errlen, "%s: %s", path,
			    errno == EEXIST ? "exists already, not replaced" :
			    strerror(errno));
			(void)unlink(tmp);
			return -1;
		}
		(void)unlink(tmp);
	} else if (rename(tmp, path) == -1)
		goto fail;
	(void)dir_sync(path);
	return 0;
fail:
	(void)snprintf(err, errlen, "%s: %s", path, strerror(errno));
	if (fd != -1)
		close(fd);
	(void)unlink(tmp);
	return -1;
}

static int
add_ext(X509 *x, int nid, const char *value)
{
	X509_EXTENSION	*ext;
	X509V3_CTX	 ctx;
	int		 r;

	X509V3_set_ctx_nodb(&ctx);
	X509V3_set_ctx(&ctx, x, x, NULL, NULL, 0);
	if ((ext = X509V3_EXT_conf_nid(NULL, &ctx, nid, value)) == NULL)
		return -1;
	r = X509_add_ext(x, ext, -1);
	X509_EXTENSION_free(ext);
	return r ? 0 : -1;
}

/*
 * The subjectAltName of a new certificate: the host name, then each
 * further name, an address as IP:, anything else as DNS: unless it says
 * which it is.
 */
static int
san_build(const struct cert_new *n, char *san, size_t len)
{
	unsigned char	 a[sizeof(struct in6_addr)];
	char		*copy, *s, *w, item[P_NAMELEN + 8];
	int		 rc = 0;

	if (snprintf(san, len, "DNS:%s", n->hostname) >= (int)len)
		return -1;
	if (n->names == NULL)
		return 0;
	if ((copy = strdup(n->names)) == NULL)
		return -1;
	s = copy;
	while ((w = strsep(&s, ",")) != NULL) {
		while (*w == ' ')
			w++;
		if (*w == '\0' || strcmp(w, n->hostname) == 0)
			continue;
		if (strncmp(w, "DNS:", 4) == 0 || strncmp(w, "IP:", 3) == 0)
			(void)strlcpy(item, w, sizeof(item));
		else if (inet_pton(AF_INET, w, a) == 1 ||
		    inet_pton(AF_INET6, w, a) == 1)
			(void)snprintf(item, sizeof(item), "IP:%s", w);
		else
			(void)snprintf(item, sizeof(item), "DNS:%s", w);
		if (strlcat(san, ",", len) >= len ||
		    strlcat(san, item, len) >= len) {
			rc = -1;
			break;
		}
	}
	free(copy);
	return rc;
}

static EVP_PKEY *
key_generate(int type)
{
	switch (type) {
	case CERT_KEY_EC256:
		return EVP_EC_gen("P-256");
	case CERT_KEY_EC384:
		return EVP_EC_gen("P-384");
	case CERT_KEY_RSA2048:
		return EVP_RSA_gen(2048);
	case CERT_KEY_RSA3072:
		return EVP_RSA_gen(3072);
	}
	return NULL;
}

/*
 * Make a self-signed certificate and its key.  The key is written
 * first, root-only, so a crash cannot leave a certificate without it.
 */
int
cert_selfsigned(const struct cert_new *n, char *err, size_t errlen)
{
	char		 san[SAN_MAX], *data;
	EVP_PKEY	*key = NULL;
	X509		*x = NULL;
	X509_NAME	*name;
	BIO		*b = NULL;
	unsigned char	 serial[16];
	BIGNUM		*bn = NULL;
	long		 len;
	int		 rc = -1, wrote_key = 0;

	err[0] = '\0';
	if (n->days < 1 || n->days > 3650 || n->hostname[0] == '\0') {
		(void)snprintf(err, errlen, "%s: a host name and 1 to 3650 "
		    "days are needed", n->certfile);
		return -1;
	}
	if (san_build(n, san, sizeof(san)) == -1) {
		(void)snprintf(err, errlen, "%s: too many names",
		    n->certfile);
		return -1;
	}
	if ((key = key_generate(n->keytype)) == NULL ||
	    (x = X509_new()) == NULL)
		goto done;
	if (RAND_bytes(serial, sizeof(serial)) != 1)
		goto done;
	serial[0] &= 0x7f;
	if ((bn = BN_bin2bn(serial, sizeof(serial), NULL)) == NULL ||
	    BN_to_ASN1_INTEGER(bn, X509_get_serialNumber(x)) == NULL)
		goto done;
	if (!X509_set_version(x, 2) ||
	    X509_gmtime_adj(X509_getm_notBefore(x), -3600) == NULL ||
	    X509_gmtime_adj(X509_getm_notAfter(x), (long)n->days * 86400) ==
	    NULL || !X509_set_pubkey(x, key))
		goto done;
	name = X509_get_subject_name(x);
	if (!X509_NAME_add_entry_by_txt(name, "O", MBSTRING_ASC,
	    (const unsigned char *)"postern self-signed", -1, -1, 0))
		goto done;
	/* A CN is at most 64 characters; the SAN names the host anyway. */
	if (strlen(n->hostname) <= 64 && !X509_NAME_add_entry_by_txt(name,
	    "CN", MBSTRING_ASC, (const unsigned char *)n->hostname, -1, -1, 0))
		goto done;
	if (!X509_set_issuer_name(x, name))
		goto done;
	if (add_ext(x, NID_basic_constraints, "critical,CA:TRUE") == -1 ||
	    add_ext(x, NID_subject_key_identifier, "hash") == -1 ||
	    add_ext(x, NID_ext_key_usage, "serverAuth") == -1 ||
	    add_ext(x, NID_subject_alt_name, san) == -1)
		goto done;
	if (!X509_sign(x, key, EVP_sha256()))
		goto done;

	if ((b = BIO_new(BIO_s_mem())) == NULL ||
	    !PEM_write_bio_PrivateKey(b, key, NULL, NULL, 0, NULL, NULL))
		goto done;
	len = BIO_get_mem_data(b, &data);
	if (cert_write_file(n->keyfile, data, len, 0600, n->exclusive, err,
	    errlen) == -1)
		goto done;
	wrote_key = 1;
	OPENSSL_cleanse(data, len);
	(void)BIO_reset(b);
	if (!PEM_write_bio_X509(b, x))
		goto done;
	len = BIO_get_mem_data(b, &data);
	if (cert_write_file(n->certfile, data, len, 0644, n->exclusive, err,
	    errlen) == -1)
		goto done;
	rc = 0;
done:
	if (rc == -1 && err[0] == '\0')
		ssl_err(err, errlen, n->certfile,
		    "cannot make a self-signed certificate");
	if (rc == -1 && wrote_key && n->exclusive)
		(void)unlink(n->keyfile);
	ERR_clear_error();
	BN_free(bn);
	BIO_free(b);
	X509_free(x);
	EVP_PKEY_free(key);
	return rc;
}
