/*
 * Certificates and private keys, held by the master alone.  Workers get
 * the certificate chain and ask the master for each signature their
 * handshake needs (cert_sign), so a bug in protocol code cannot read a
 * key.  With no certificate configured, a self-signed one is made in
 * the certificate directory at first start and reused after.
 */
#define OPENSSL_SUPPRESS_DEPRECATED
#include <sys/types.h>
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
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
#include <openssl/rand.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "log.h"
#include "master.h"

#define CERT_DEFAULT_NAME	"default"
#define CERT_SELFSIGNED_DAYS	(3 * 365)

static struct cert *cert_find(struct cert_list *, const char *,
		    const char *);
static struct cert *cert_load(const char *, const char *);
static int	 cert_make_selfsigned(const char *, const char *,
		    const char *);
static int	 write_file_atomic(const char *, const void *, size_t, mode_t);
static void	 ssl_error(const char *, const char *);

static uint32_t	 cert_next_id = 1;

static void
ssl_error(const char *what, const char *file)
{
	unsigned long	e;
	char		buf[256];

	e = ERR_get_error();
	ERR_error_string_n(e, buf, sizeof(buf));
	log_warnx("%s: %s: %s", file, what, e ? buf : "unknown error");
	fprintf(stderr, "%s: %s: %s\n", file, what, e ? buf : "unknown error");
	ERR_clear_error();
}

static struct cert *
cert_find(struct cert_list *list, const char *certfile, const char *keyfile)
{
	struct cert	*c;

	TAILQ_FOREACH(c, list, entry)
		if (strcmp(c->certfile, certfile) == 0 &&
		    strcmp(c->keyfile, keyfile) == 0)
			return c;
	return NULL;
}

/*
 * Load every certificate the enabled protocols use.  An unreadable,
 * mismatched, not yet valid or expired certificate is an error that
 * names the file.
 */
int
cert_load_all(struct postern_conf *conf, struct cert_list *list,
    struct cert **pcert)
{
	char		 dcert[P_PATHLEN], dkey[P_PATHLEN];
	const char	*cf, *kf;
	struct cert	*c;
	int		 p;

	if (snprintf(dcert, sizeof(dcert), "%s/%s.crt", conf->cert_dir,
	    CERT_DEFAULT_NAME) >= (int)sizeof(dcert) ||
	    snprintf(dkey, sizeof(dkey), "%s/%s.key", conf->cert_dir,
	    CERT_DEFAULT_NAME) >= (int)sizeof(dkey)) {
		log_warnx("certificate-dir %s: path too long", conf->cert_dir);
		return -1;
	}
	for (p = 1; p < PROTO_MAX; p++) {
		pcert[p] = NULL;
		if (!conf->protos[p].enabled)
			continue;
		if (conf->protos[p].certificate[0] != '\0') {
			cf = conf->protos[p].certificate;
			kf = conf->protos[p].key;
		} else {
			cf = dcert;
			kf = dkey;
			if (access(cf, F_OK) == -1 && errno == ENOENT &&
			    cert_make_selfsigned(conf->cert_dir, conf->hostname,
			    cf) == -1)
				return -1;
		}
		if ((c = cert_find(list, cf, kf)) == NULL) {
			if ((c = cert_load(cf, kf)) == NULL)
				return -1;
			TAILQ_INSERT_TAIL(list, c, entry);
		}
		pcert[p] = c;
	}
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
	char		*data;
	long		 len;
	int		 n = 0;

	if ((in = BIO_new_file(certfile, "r")) == NULL) {
		ssl_error("cannot read certificate", certfile);
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
		ssl_error("no certificate in file", certfile);
		goto fail;
	}
	if (X509_cmp_current_time(X509_get0_notAfter(leaf)) <= 0) {
		log_warnx("%s: certificate has expired", certfile);
		fprintf(stderr, "%s: certificate has expired\n", certfile);
		goto fail;
	}
	if (X509_cmp_current_time(X509_get0_notBefore(leaf)) > 0) {
		log_warnx("%s: certificate is not valid yet", certfile);
		fprintf(stderr, "%s: certificate is not valid yet\n", certfile);
		goto fail;
	}

	if ((fp = fopen(keyfile, "r")) == NULL) {
		log_warn("%s: cannot read key", keyfile);
		fprintf(stderr, "%s: cannot read key: %s\n", keyfile,
		    strerror(errno));
		goto fail;
	}
	if (fstat(fileno(fp), &st) == 0 && (st.st_mode & 077) != 0)
		log_warnx("%s: key is readable by group or others", keyfile);
	if ((key = PEM_read_PrivateKey(fp, NULL, NULL, NULL)) == NULL) {
		ssl_error("cannot parse key", keyfile);
		goto fail;
	}
	if (!X509_check_private_key(leaf, key)) {
		ssl_error("key does not match the certificate", keyfile);
		goto fail;
	}
	if (EVP_PKEY_get_base_id(key) != EVP_PKEY_RSA &&
	    EVP_PKEY_get_base_id(key) != EVP_PKEY_EC) {
		log_warnx("%s: only RSA and EC keys are supported", keyfile);
		fprintf(stderr, "%s: only RSA and EC keys are supported\n",
		    keyfile);
		goto fail;
	}

	if ((c = calloc(1, sizeof(*c))) == NULL)
		goto fail;
	c->id = cert_next_id++;
	(void)strlcpy(c->certfile, certfile, sizeof(c->certfile));
	(void)strlcpy(c->keyfile, keyfile, sizeof(c->keyfile));
	len = BIO_get_mem_data(out, &data);
	if (len <= 0 || (size_t)len > MSG_MAXDATA ||
	    (c->pem = malloc(len)) == NULL) {
		log_warnx("%s: certificate chain too large", certfile);
		free(c);
		c = NULL;
		goto fail;
	}
	memcpy(c->pem, data, len);
	c->pemlen = len;
	c->key = key;
	key = NULL;
	log_debug("loaded certificate %s", certfile);
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

/*
 * One private-key operation for a worker's handshake: a raw RSA
 * private encryption (PKCS#1 v1.5 or already padded, as TLS 1.2 and
 * PSS need), or an ECDSA signature of a digest.
 */
int
cert_sign(struct cert *c, const struct key_sign_req *req,
    const unsigned char *in, size_t inlen, unsigned char *out, size_t *outlen)
{
	const RSA	*rsa;
	const EC_KEY	*ec;
	unsigned int	 siglen;
	int		 n;

	switch (req->op) {
	case KEYOP_RSA_PRIV_ENC:
		if ((rsa = EVP_PKEY_get0_RSA(c->key)) == NULL)
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
		if ((ec = EVP_PKEY_get0_EC_KEY(c->key)) == NULL)
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

static int
write_file_atomic(const char *path, const void *data, size_t len, mode_t mode)
{
	char	tmp[P_PATHLEN];
	int	fd;

	if (snprintf(tmp, sizeof(tmp), "%s.tmp", path) >= (int)sizeof(tmp))
		return -1;
	(void)unlink(tmp);
	if ((fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode))
	    == -1)
		return -1;
	if (write(fd, data, len) != (ssize_t)len || fsync(fd) == -1) {
		close(fd);
		(void)unlink(tmp);
		return -1;
	}
	if (close(fd) == -1 || rename(tmp, path) == -1) {
		(void)unlink(tmp);
		return -1;
	}
	return 0;
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
 * Make the default certificate: ECDSA P-256, self-signed, naming the
 * host name and the loopback addresses.  The key is written first,
 * root-only, so a crash cannot leave a certificate without its key.
 */
static int
cert_make_selfsigned(const char *dir, const char *hostname,
    const char *certfile)
{
	char		 keyfile[P_PATHLEN], san[P_NAMELEN * 2 + 64], *data;
	EVP_PKEY	*key = NULL;
	X509		*x = NULL;
	X509_NAME	*name;
	BIO		*b = NULL;
	unsigned char	 serial[16];
	BIGNUM		*bn = NULL;
	long		 len;
	int		 rc = -1;

	if (mkdir(dir, 0755) == -1 && errno != EEXIST) {
		log_warn("certificate-dir %s", dir);
		fprintf(stderr, "%s: %s\n", dir, strerror(errno));
		return -1;
	}
	(void)strlcpy(keyfile, certfile, sizeof(keyfile));
	if (strlen(keyfile) < 4)
		return -1;
	(void)strlcpy(keyfile + strlen(keyfile) - 4, ".key",
	    sizeof(keyfile) - strlen(keyfile) + 4);

	if ((key = EVP_EC_gen("P-256")) == NULL || (x = X509_new()) == NULL)
		goto done;
	if (RAND_bytes(serial, sizeof(serial)) != 1)
		goto done;
	serial[0] &= 0x7f;
	if ((bn = BN_bin2bn(serial, sizeof(serial), NULL)) == NULL ||
	    BN_to_ASN1_INTEGER(bn, X509_get_serialNumber(x)) == NULL)
		goto done;
	if (!X509_set_version(x, 2) ||
	    X509_gmtime_adj(X509_getm_notBefore(x), -3600) == NULL ||
	    X509_gmtime_adj(X509_getm_notAfter(x),
	    (long)CERT_SELFSIGNED_DAYS * 86400) == NULL ||
	    !X509_set_pubkey(x, key))
		goto done;
	name = X509_get_subject_name(x);
	if (!X509_NAME_add_entry_by_txt(name, "O", MBSTRING_ASC,
	    (const unsigned char *)"postern self-signed", -1, -1, 0) ||
	    !X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
	    (const unsigned char *)hostname, -1, -1, 0) ||
	    !X509_set_issuer_name(x, name))
		goto done;
	(void)snprintf(san, sizeof(san), "DNS:%s%s,IP:127.0.0.1,IP:::1",
	    hostname, strcmp(hostname, "localhost") ? ",DNS:localhost" : "");
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
	if (write_file_atomic(keyfile, data, len, 0600) == -1) {
		log_warn("%s", keyfile);
		fprintf(stderr, "%s: %s\n", keyfile, strerror(errno));
		goto done;
	}
	(void)BIO_reset(b);
	if (!PEM_write_bio_X509(b, x))
		goto done;
	len = BIO_get_mem_data(b, &data);
	if (write_file_atomic(certfile, data, len, 0644) == -1) {
		log_warn("%s", certfile);
		fprintf(stderr, "%s: %s\n", certfile, strerror(errno));
		goto done;
	}
	log_info("created self-signed certificate %s for %s", certfile,
	    hostname);
	rc = 0;
done:
	if (rc == -1 && ERR_peek_error() != 0)
		ssl_error("cannot make a self-signed certificate", certfile);
	BN_free(bn);
	BIO_free(b);
	X509_free(x);
	EVP_PKEY_free(key);
	return rc;
}
