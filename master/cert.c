/*
 * Certificates and private keys, held by the master alone.  Workers get
 * the certificate chains and ask the master for each signature their
 * handshake needs (cert_sign), so a bug in protocol code cannot read a
 * key.  A protocol is served by the certificate and key its
 * postern.conf block names; else by those the store's bindings file
 * binds to it (the first its default, the others chosen by SNI); else
 * by the self-signed default.crt, made in certificate-dir at first
 * start and reused after.
 */
#define OPENSSL_SUPPRESS_DEPRECATED
#include <sys/types.h>
#include <sys/stat.h>

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <openssl/bio.h>
#include <openssl/ec.h>
#include <openssl/ecdsa.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>

#include "log.h"
#include "master.h"

#define CERT_SELFSIGNED_DAYS	(3 * 365)

static void	 cert_report(const char *, ...)
		    __attribute__((__format__ (printf, 1, 2)));
static void	 cert_report_ssl(const char *, const char *);
static struct cert *cert_find(struct cert_list *, const char *,
		    const char *);
static struct cert *cert_get(struct cert_list *, const char *,
		    const char *);
static struct cert *cert_load(const char *, const char *);
static struct cert *cert_load_bound(const struct postern_conf *,
		    const struct cert_store *, int, const unsigned char **,
		    size_t);
static int	 cert_build_msg(struct cert *);
static int	 cert_make_default(const struct postern_conf *, const char *,
		    const char *);
static EVP_PKEY	*cert_key(const struct cert *, uint32_t);

static uint32_t	 cert_next_id = 1;

/*
 * Certificate errors go to the log and, while posternd still has its
 * terminal at start, to the administrator who started it.
 */
static void
cert_report(const char *fmt, ...)
{
	char	buf[1024];
	va_list	ap;

	va_start(ap, fmt);
	(void)vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	log_warnx("%s", buf);
	fprintf(stderr, "%s\n", buf);
}

static void
cert_report_ssl(const char *what, const char *file)
{
	unsigned long	e;
	char		buf[256];

	e = ERR_peek_last_error();
	ERR_error_string_n(e, buf, sizeof(buf));
	cert_report("%s: %s: %s", file, what, e ? buf : "unknown error");
	ERR_clear_error();
}

/* Certificates from postern.conf or the default are shared. */
static struct cert *
cert_find(struct cert_list *list, const char *certfile, const char *keyfile)
{
	struct cert	*c;

	TAILQ_FOREACH(c, list, entry)
		if (c->nalt == 0 && strcmp(c->certfile, certfile) == 0 &&
		    strcmp(c->keyfile, keyfile) == 0)
			return c;
	return NULL;
}

static struct cert *
cert_get(struct cert_list *list, const char *certfile, const char *keyfile)
{
	struct cert	*c;

	if ((c = cert_find(list, certfile, keyfile)) != NULL)
		return c;
	if ((c = cert_load(certfile, keyfile)) == NULL)
		return NULL;
	if (cert_build_msg(c) == -1) {
		cert_release(c);
		return NULL;
	}
	TAILQ_INSERT_TAIL(list, c, entry);
	return c;
}

/*
 * Load every certificate the enabled protocols use.  An unreadable,
 * mismatched, not yet valid or expired certificate is an error that
 * names the file, and so is a binding to a certificate the store does
 * not have.  On failure the list may hold what was loaded before; the
 * caller frees it.
 */
int
cert_load_all(struct postern_conf *conf, struct cert_list *list,
    struct cert **pcert)
{
	struct cert_bindings	 bind;
	struct cert_store	 store;
	const unsigned char	*bound[P_MAXCERTS];
	char			 dcert[P_PATHLEN], dkey[P_PATHLEN];
	char			 bfile[P_PATHLEN], err[P_PATHLEN + 256];
	struct cert		*c;
	size_t			 nb;
	int			 p, scanned = 0, rc = -1;

	memset(&store, 0, sizeof(store));
	if (snprintf(dcert, sizeof(dcert), "%s/%s.crt", conf->cert_dir,
	    CERT_DEFAULT_NAME) >= (int)sizeof(dcert) ||
	    snprintf(dkey, sizeof(dkey), "%s/%s.key", conf->cert_dir,
	    CERT_DEFAULT_NAME) >= (int)sizeof(dkey) ||
	    snprintf(bfile, sizeof(bfile), "%s/%s", conf->cert_dir,
	    CERT_BINDINGS) >= (int)sizeof(bfile)) {
		cert_report("certificate-dir %s: path too long",
		    conf->cert_dir);
		return -1;
	}
	if (cert_bindings_read(bfile, &bind, err, sizeof(err)) == -1) {
		cert_report("%s", err);
		return -1;
	}
	for (p = 1; p < PROTO_MAX; p++) {
		pcert[p] = NULL;
		if (!conf->protos[p].enabled)
			continue;
		if (conf->protos[p].certificate[0] != '\0') {
			c = cert_get(list, conf->protos[p].certificate,
			    conf->protos[p].key);
		} else if ((nb = cert_bindings_for(&bind, p, bound,
		    P_MAXCERTS)) > 0) {
			if (!scanned && cert_store_scan(conf->cert_dir, &store,
			    err, sizeof(err)) == -1) {
				cert_report("%s", err);
				goto done;
			}
			scanned = 1;
			if ((c = cert_load_bound(conf, &store, p, bound, nb)) !=
			    NULL)
				TAILQ_INSERT_TAIL(list, c, entry);
		} else {
			if (access(dcert, F_OK) == -1 && errno == ENOENT &&
			    cert_make_default(conf, dcert, dkey) == -1)
				goto done;
			c = cert_get(list, dcert, dkey);
		}
		if (c == NULL)
			goto done;
		pcert[p] = c;
	}
	for (p = 1; p < PROTO_MAX; p++)
		if (pcert[p] != NULL)
			log_info("%s: certificate %s%s", conf_proto_name(p),
			    pcert[p]->certfile, pcert[p]->nalt > 0 ?
			    ", more chosen by SNI" : "");
	rc = 0;
done:
	cert_store_free(&store);
	cert_bindings_free(&bind);
	return rc;
}

/* A protocol's bound certificates: the first, owning the others. */
static struct cert *
cert_load_bound(const struct postern_conf *conf, const struct cert_store *st,
    int proto, const unsigned char **bound, size_t n)
{
	struct cert	*head = NULL, *c, **na;
	char		 fmt[CERT_THUMB_FMTLEN];
	size_t		 i;
	int		 idx;

	for (i = 0; i < n; i++) {
		if ((idx = cert_store_find(st, bound[i])) == -1) {
			cert_thumb_format(bound[i], CERT_SHA256_LEN, fmt,
			    sizeof(fmt));
			cert_report("%s/%s: %s is bound to the certificate "
			    "with SHA-256 %s, which no readable certificate in "
			    "%s has", conf->cert_dir, CERT_BINDINGS,
			    conf_proto_name(proto), fmt, conf->cert_dir);
			goto fail;
		}
		if ((c = cert_load(st->e[idx].certfile, st->e[idx].keyfile)) ==
		    NULL)
			goto fail;
		if (head == NULL) {
			head = c;
			continue;
		}
		if ((na = reallocarray(head->alt, head->nalt + 1,
		    sizeof(*head->alt))) == NULL) {
			cert_report("%s", strerror(errno));
			cert_release(c);
			goto fail;
		}
		head->alt = na;
		head->alt[head->nalt++] = c;
	}
	if (head == NULL || cert_build_msg(head) == -1)
		goto fail;
	return head;
fail:
	if (head != NULL)
		cert_release(head);
	return NULL;
}

/*
 * What MSG_CERT carries for a protocol: a struct cert_rec and the PEM
 * chain of its default certificate, then of each chosen by SNI.
 */
static int
cert_build_msg(struct cert *c)
{
	struct cert_rec	 rec;
	struct cert	*x;
	size_t		 i, len = 0, off = 0;

	for (i = 0; i <= c->nalt; i++) {
		x = i == 0 ? c : c->alt[i - 1];
		len += sizeof(rec) + x->pemlen;
	}
	if (len > MSG_MAXDATA) {
		cert_report("%s: this certificate and those chosen by SNI with "
		    "it are too large together (%zu bytes, at most %d)",
		    c->certfile, len, MSG_MAXDATA);
		return -1;
	}
	if ((c->certmsg = malloc(len)) == NULL) {
		cert_report("%s", strerror(errno));
		return -1;
	}
	for (i = 0; i <= c->nalt; i++) {
		x = i == 0 ? c : c->alt[i - 1];
		rec.key_id = x->id;
		rec.pemlen = x->pemlen;
		memcpy(c->certmsg + off, &rec, sizeof(rec));
		memcpy(c->certmsg + off + sizeof(rec), x->pem, x->pemlen);
		off += sizeof(rec) + x->pemlen;
	}
	c->certmsglen = len;
	return 0;
}

static struct cert *
cert_load(const char *certfile, const char *keyfile)
{
	struct cert	*c = NULL;
	BIO		*in = NULL, *out = NULL;
	X509		*x, *leaf = NULL;
	EVP_PKEY	*key = NULL;
	FILE		*fp = NULL;
	struct stat	 st;
	struct tm	 tm;
	char		*data, when[64];
	long		 len;
	int		 n = 0;

	if ((in = BIO_new_file(certfile, "r")) == NULL) {
		cert_report("%s: cannot read certificate: %s", certfile,
		    strerror(errno));
		ERR_clear_error();
		goto fail;
	}
	if ((out = BIO_new(BIO_s_mem())) == NULL)
		goto fail;
	while ((x = PEM_read_bio_X509(in, NULL, NULL, NULL)) != NULL) {
		if (n++ == 0)
			leaf = x;
		if (!PEM_write_bio_X509(out, x)) {
			if (x != leaf)
				X509_free(x);
			goto fail;
		}
		if (x != leaf)
			X509_free(x);
	}
	ERR_clear_error();
	if (leaf == NULL) {
		cert_report("%s: no PEM certificate in the file", certfile);
		goto fail;
	}
	if (X509_cmp_current_time(X509_get0_notAfter(leaf)) <= 0) {
		if (!ASN1_TIME_to_tm(X509_get0_notAfter(leaf), &tm) ||
		    strftime(when, sizeof(when), "%Y-%m-%d %H:%M:%S UTC",
		    &tm) == 0)
			(void)strlcpy(when, "?", sizeof(when));
		cert_report("%s: certificate has expired (on %s)", certfile,
		    when);
		goto fail;
	}
	if (X509_cmp_current_time(X509_get0_notBefore(leaf)) > 0) {
		cert_report("%s: certificate is not valid yet", certfile);
		goto fail;
	}

	if ((fp = fopen(keyfile, "r")) == NULL) {
		cert_report("%s: cannot read key: %s", keyfile,
		    strerror(errno));
		goto fail;
	}
	if (fstat(fileno(fp), &st) == 0 && (st.st_mode & 077) != 0)
		log_warnx("%s: key is readable by group or others", keyfile);
	if ((key = PEM_read_PrivateKey(fp, NULL, NULL, NULL)) == NULL) {
		cert_report_ssl("cannot parse key", keyfile);
		goto fail;
	}
	if (!X509_check_private_key(leaf, key)) {
		ERR_clear_error();
		cert_report("%s: key does not match the certificate %s",
		    keyfile, certfile);
		goto fail;
	}
	if (EVP_PKEY_get_base_id(key) != EVP_PKEY_RSA &&
	    EVP_PKEY_get_base_id(key) != EVP_PKEY_EC) {
		cert_report("%s: only RSA and EC keys are supported", keyfile);
		goto fail;
	}

	if ((c = calloc(1, sizeof(*c))) == NULL)
		goto fail;
	c->id = cert_next_id++;
	if (cert_next_id == 0)
		cert_next_id = 1;
	(void)strlcpy(c->certfile, certfile, sizeof(c->certfile));
	(void)strlcpy(c->keyfile, keyfile, sizeof(c->keyfile));
	len = BIO_get_mem_data(out, &data);
	if (len <= 0 || (size_t)len > MSG_MAXDATA ||
	    (c->pem = malloc(len)) == NULL) {
		cert_report("%s: certificate chain too large", certfile);
		free(c);
		c = NULL;
		goto fail;
	}
	memcpy(c->pem, data, len);
	c->pemlen = len;
	c->key = key;
	key = NULL;
	log_debug("loaded certificate %s (key id %u)", certfile, c->id);
fail:
	if (fp != NULL)
		fclose(fp);
	EVP_PKEY_free(key);
	X509_free(leaf);
	BIO_free(in);
	BIO_free(out);
	return c;
}

void
cert_release(struct cert *c)
{
	size_t	i;

	for (i = 0; i < c->nalt; i++)
		cert_release(c->alt[i]);
	free(c->alt);
	free(c->certmsg);
	EVP_PKEY_free(c->key);
	freezero(c->pem, c->pemlen);
	free(c);
}

void
cert_free_list(struct cert_list *list)
{
	struct cert	*c;

	while ((c = TAILQ_FIRST(list)) != NULL) {
		TAILQ_REMOVE(list, c, entry);
		cert_release(c);
	}
}

/* The key of the certificate key_id names, among those c sent. */
static EVP_PKEY *
cert_key(const struct cert *c, uint32_t key_id)
{
	size_t	i;

	if (c->id == key_id)
		return c->key;
	for (i = 0; i < c->nalt; i++)
		if (c->alt[i]->id == key_id)
			return c->alt[i]->key;
	return NULL;
}

/* Whether a worker given c may ask for signatures with key_id. */
int
cert_has_key(const struct cert *c, uint32_t key_id)
{
	return cert_key(c, key_id) != NULL;
}

/*
 * One private-key operation for a worker's handshake, with the key of
 * the certificate req->key_id names among c's: a raw RSA private
 * encryption (PKCS#1 v1.5 or already padded, as TLS 1.2 and PSS need),
 * or an ECDSA signature of a digest.
 */
int
cert_sign(struct cert *c, const struct key_sign_req *req,
    const unsigned char *in, size_t inlen, unsigned char *out, size_t *outlen)
{
	EVP_PKEY	*key;
	const RSA	*rsa;
	const EC_KEY	*ec;
	unsigned int	 siglen;
	int		 n;

	if ((key = cert_key(c, req->key_id)) == NULL)
		return -1;
	switch (req->op) {
	case KEYOP_RSA_PRIV_ENC:
		if ((rsa = EVP_PKEY_get0_RSA(key)) == NULL)
			return -1;
		if (req->padding != RSA_PKCS1_PADDING &&
		    req->padding != RSA_NO_PADDING)
			return -1;
		if ((size_t)RSA_size(rsa) > *outlen || inlen > INT32_MAX)
			return -1;
		n = RSA_private_encrypt((int)inlen, in, out, (RSA *)rsa,
		    (int)req->padding);
		if (n <= 0) {
			ERR_clear_error();
			return -1;
		}
		*outlen = n;
		return 0;
	case KEYOP_ECDSA_SIGN:
		if ((ec = EVP_PKEY_get0_EC_KEY(key)) == NULL)
			return -1;
		if (inlen > 64 || (size_t)ECDSA_size(ec) > *outlen)
			return -1;
		siglen = *outlen;
		if (!ECDSA_sign(0, in, (int)inlen, out, &siglen,
		    (EC_KEY *)ec)) {
			ERR_clear_error();
			return -1;
		}
		*outlen = siglen;
		return 0;
	}
	return -1;
}

/*
 * The default certificate: ECDSA P-256, self-signed, naming the host
 * name and the loopback addresses.
 */
static int
cert_make_default(const struct postern_conf *conf, const char *certfile,
    const char *keyfile)
{
	struct cert_new	n;
	char		err[P_PATHLEN + 256];

	if (mkdir(conf->cert_dir, 0755) == -1 && errno != EEXIST) {
		cert_report("certificate-dir %s: %s", conf->cert_dir,
		    strerror(errno));
		return -1;
	}
	memset(&n, 0, sizeof(n));
	n.certfile = certfile;
	n.keyfile = keyfile;
	n.hostname = conf->hostname;
	n.names = "localhost,127.0.0.1,::1";
	n.keytype = CERT_KEY_EC256;
	n.days = CERT_SELFSIGNED_DAYS;
	if (cert_selfsigned(&n, err, sizeof(err)) == -1) {
		cert_report("%s", err);
		return -1;
	}
	log_info("created self-signed certificate %s for %s", certfile,
	    conf->hostname);
	return 0;
}
