/*
 * TLS in postern-tlsworker (postern-worker links none of this).  The
 * certificate chains come from the master; the private keys never do:
 * each key object forwards its signatures to the master (RSA_METHOD /
 * EC_KEY_METHOD) naming the certificate's key id, one round trip per
 * handshake.  With several certificates for the protocol, the client's
 * server name (SNI) picks the one whose names match it, the first
 * being the default.  OpenSSL's configuration file is loaded before
 * the chroot; the contexts are built then for an implicit-TLS port,
 * and after STARTTLS/STLS inside the sandbox, before the command is
 * answered.  Also this program's STARTTLS/STLS (worker.h): a
 * connection postern-worker handed over starts here, and a second
 * command on it is refused by the protocol code.
 */
#define OPENSSL_SUPPRESS_DEPRECATED
#include <sys/types.h>

#include <errno.h>
#include <poll.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/bio.h>
#include <openssl/ec.h>
#include <openssl/ecdsa.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/rsa.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "log.h"
#include "worker.h"

#define TLS_HANDSHAKE_TIMEOUT	60

/* One certificate of the protocol, in the master's order. */
struct tls_cert {
	SSL_CTX		*ctx;
	X509		*leaf;
	uint32_t	 key_id;
};

static int	 keyop(uint32_t, uint32_t, int, const unsigned char *, size_t,
		    unsigned char *, size_t);
static int	 rsa_priv_enc(int, const unsigned char *, unsigned char *,
		    RSA *, int);
static int	 rsa_priv_dec(int, const unsigned char *, unsigned char *,
		    RSA *, int);
static int	 ec_sign(int, const unsigned char *, int, unsigned char *,
		    unsigned int *, const BIGNUM *, const BIGNUM *, EC_KEY *);
static ECDSA_SIG *ec_sign_sig(const unsigned char *, int, const BIGNUM *,
		    const BIGNUM *, EC_KEY *);
static EVP_PKEY	*proxy_key(X509 *, uint32_t);
static SSL_CTX	*tls_ctx_new(struct worker *);
static int	 tls_ctx_cert(struct tls_cert *, const char *, size_t);
static int	 tls_certmsg_ok(const char *, size_t);
static void	 tls_drop(struct worker *);
static void	 tls_end(struct worker *);
static int	 tls_servername(SSL *, int *, void *);
static ssize_t	 tls_rd(struct io *, void *, size_t);
static ssize_t	 tls_wr(struct io *, const void *, size_t);
static ssize_t	 tls_io_fail(struct io *, int, int);
static void	 tls_log_error(const char *);

static struct tls_cert	 tls_certs[P_MAXCERTS];
static size_t		 tls_ncerts;
static SSL_CTX		*tls_ctx;	/* the default: tls_certs[0].ctx */
static int		 rsa_idx = -1;	/* ex_data: the key id */
static int		 ec_idx = -1;

static RSA_METHOD	*rsa_meth;
static EC_KEY_METHOD	*ec_meth;

/*
 * Ask the master for one private-key operation with the key of the
 * certificate key_id names.  Returns the length of the result, or -1.
 */
static int
keyop(uint32_t key_id, uint32_t op, int padding, const unsigned char *in,
    size_t inlen, unsigned char *out, size_t outmax)
{
	struct key_sign_req	req;
	struct key_sign_res	res;
	struct msg		m;
	size_t			len;

	memset(&req, 0, sizeof(req));
	req.op = op;
	req.padding = padding;
	req.key_id = key_id;
	if (msg_composev(&worker->chan, MSG_KEY_SIGN_REQ,
	    worker->init.conn_id, -1, &req, sizeof(req), in, inlen) == -1 ||
	    msg_flush_all(&worker->chan) == -1)
		return -1;
	if (msg_wait(&worker->chan, &m, 30 * 1000) != 1 ||
	    m.type != MSG_KEY_SIGN_RES || m.len < sizeof(res)) {
		log_warnx("id=%u: no signature from the master",
		    worker->init.conn_id);
		return -1;
	}
	memcpy(&res, m.data, sizeof(res));
	len = m.len - sizeof(res);
	if (res.status != 0 || len == 0 || len > outmax)
		return -1;
	memcpy(out, (unsigned char *)m.data + sizeof(res), len);
	return (int)len;
}

static int
rsa_priv_enc(int flen, const unsigned char *from, unsigned char *to,
    RSA *rsa, int padding)
{
	if (flen < 0)
		return -1;
	return keyop((uintptr_t)RSA_get_ex_data(rsa, rsa_idx),
	    KEYOP_RSA_PRIV_ENC, padding, from, flen, to, RSA_size(rsa));
}

/* RSA key exchange is never offered, so nothing is ever decrypted. */
static int
rsa_priv_dec(int flen, const unsigned char *from, unsigned char *to,
    RSA *rsa, int padding)
{
	return -1;
}

static int
ec_sign(int type, const unsigned char *dgst, int dlen, unsigned char *sig,
    unsigned int *siglen, const BIGNUM *kinv, const BIGNUM *r, EC_KEY *ec)
{
	int	n;

	if (dlen < 0)
		return 0;
	n = keyop((uintptr_t)EC_KEY_get_ex_data(ec, ec_idx), KEYOP_ECDSA_SIGN,
	    0, dgst, dlen, sig, ECDSA_size(ec));
	if (n <= 0)
		return 0;
	*siglen = n;
	return 1;
}

static ECDSA_SIG *
ec_sign_sig(const unsigned char *dgst, int dlen, const BIGNUM *kinv,
    const BIGNUM *r, EC_KEY *ec)
{
	unsigned char		 sig[256];
	const unsigned char	*p = sig;
	int			 n;

	if (dlen < 0)
		return NULL;
	n = keyop((uintptr_t)EC_KEY_get_ex_data(ec, ec_idx), KEYOP_ECDSA_SIGN,
	    0, dgst, dlen, sig, sizeof(sig));
	if (n <= 0)
		return NULL;
	return d2i_ECDSA_SIG(NULL, &p, n);
}

/*
 * A key object with the certificate's public half, our methods, and
 * the key id the master knows the private half by.
 */
static EVP_PKEY *
proxy_key(X509 *leaf, uint32_t key_id)
{
	EVP_PKEY	*pub, *pk;
	RSA		*rsa;
	EC_KEY		*ec;

	if ((pub = X509_get0_pubkey(leaf)) == NULL ||
	    (pk = EVP_PKEY_new()) == NULL)
		return NULL;
	switch (EVP_PKEY_get_base_id(pub)) {
	case EVP_PKEY_RSA:
		if (rsa_meth == NULL) {
			if ((rsa_meth = RSA_meth_dup(RSA_get_default_method()))
			    == NULL ||
			    !RSA_meth_set1_name(rsa_meth, "postern master") ||
			    !RSA_meth_set_priv_enc(rsa_meth, rsa_priv_enc) ||
			    !RSA_meth_set_priv_dec(rsa_meth, rsa_priv_dec))
				goto fail;
		}
		if (rsa_idx == -1 && (rsa_idx = RSA_get_ex_new_index(0, NULL,
		    NULL, NULL, NULL)) == -1)
			goto fail;
		if ((rsa = EVP_PKEY_get1_RSA(pub)) == NULL)
			goto fail;
		if (!RSA_set_ex_data(rsa, rsa_idx, (void *)(uintptr_t)key_id) ||
		    !RSA_set_method(rsa, rsa_meth) ||
		    !EVP_PKEY_assign_RSA(pk, rsa)) {
			RSA_free(rsa);
			goto fail;
		}
		return pk;
	case EVP_PKEY_EC:
		if (ec_meth == NULL) {
			if ((ec_meth = EC_KEY_METHOD_new(
			    EC_KEY_get_default_method())) == NULL)
				goto fail;
			EC_KEY_METHOD_set_sign(ec_meth, ec_sign, NULL,
			    ec_sign_sig);
		}
		if (ec_idx == -1 && (ec_idx = EC_KEY_get_ex_new_index(0, NULL,
		    NULL, NULL, NULL)) == -1)
			goto fail;
		if ((ec = EVP_PKEY_get1_EC_KEY(pub)) == NULL)
			goto fail;
		if (!EC_KEY_set_ex_data(ec, ec_idx,
		    (void *)(uintptr_t)key_id) ||
		    !EC_KEY_set_method(ec, ec_meth) ||
		    !EVP_PKEY_assign_EC_KEY(pk, ec)) {
			EC_KEY_free(ec);
			goto fail;
		}
		return pk;
	}
fail:
	EVP_PKEY_free(pk);
	return NULL;
}

/*
 * OpenSSL's queued errors, one line each.  libssl's reason strings are
 * loaded, libcrypto's are not (tls_preinit()): for those the line says
 * which function raised the error instead.
 */
static void
tls_log_error(const char *what)
{
	const char	*file, *func, *data;
	unsigned long	 e;
	char		 buf[256];
	int		 line, flags;

	while ((e = ERR_get_error_all(&file, &line, &func, &data, &flags)) !=
	    0) {
		ERR_error_string_n(e, buf, sizeof(buf));
		if (ERR_reason_error_string(e) != NULL || func == NULL ||
		    func[0] == '\0')
			log_info("id=%u: %s: %s", worker->init.conn_id, what,
			    buf);
		else
			log_info("id=%u: %s: %s in %s()", worker->init.conn_id,
			    what, buf, func);
	}
}

/* A context with the configured versions and ciphers, no certificate. */
static SSL_CTX *
tls_ctx_new(struct worker *w)
{
	char	 ciphers[P_TEXTLEN + 16];
	SSL_CTX	*ctx;

	if ((ctx = SSL_CTX_new(TLS_server_method())) == NULL)
		return NULL;
	if (!SSL_CTX_set_min_proto_version(ctx, w->init.tls_min_version ?
	    (int)w->init.tls_min_version : TLS1_2_VERSION))
		goto fail;
	SSL_CTX_set_options(ctx, SSL_OP_NO_COMPRESSION |
	    SSL_OP_NO_RENEGOTIATION | SSL_OP_CIPHER_SERVER_PREFERENCE |
	    SSL_OP_NO_TICKET | SSL_OP_IGNORE_UNEXPECTED_EOF);
	SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_OFF);
	SSL_CTX_set_mode(ctx, SSL_MODE_ENABLE_PARTIAL_WRITE |
	    SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
	/* No RSA key exchange: the key could only sign, never decrypt. */
	(void)snprintf(ciphers, sizeof(ciphers), "%s:!kRSA",
	    w->init.ciphers[0] ? w->init.ciphers : "HIGH:!aNULL");
	if (!SSL_CTX_set_cipher_list(ctx, ciphers))
		goto fail;
	if (w->init.ciphersuites[0] &&
	    !SSL_CTX_set_ciphersuites(ctx, w->init.ciphersuites))
		goto fail;
	return ctx;
fail:
	SSL_CTX_free(ctx);
	return NULL;
}

/* The chain, leaf first, and the proxy key of one certificate. */
static int
tls_ctx_cert(struct tls_cert *tc, const char *pem, size_t pemlen)
{
	BIO		*b;
	X509		*x;
	EVP_PKEY	*pk;

	if (pemlen > INT32_MAX ||
	    (b = BIO_new_mem_buf(pem, (int)pemlen)) == NULL)
		return -1;
	while ((x = PEM_read_bio_X509(b, NULL, NULL, NULL)) != NULL) {
		if (tc->leaf == NULL) {
			tc->leaf = x;
			if (!SSL_CTX_use_certificate(tc->ctx, x))
				break;
		} else if (!SSL_CTX_add0_chain_cert(tc->ctx, x)) {
			X509_free(x);
			break;
		}
	}
	BIO_free(b);
	ERR_clear_error();
	if (tc->leaf == NULL || (pk = proxy_key(tc->leaf, tc->key_id)) == NULL)
		return -1;
	if (!SSL_CTX_use_PrivateKey(tc->ctx, pk)) {
		EVP_PKEY_free(pk);
		return -1;
	}
	EVP_PKEY_free(pk);
	return 0;
}

/*
 * Whether the master's MSG_CERT is well formed: one struct cert_rec and
 * PEM chain per certificate of the protocol, at most P_MAXCERTS.  The
 * PEM itself is parsed only by tls_setup().
 */
static int
tls_certmsg_ok(const char *data, size_t len)
{
	struct cert_rec	rec;
	size_t		off = 0, n = 0;

	while (off < len) {
		if (n++ == P_MAXCERTS || len - off < sizeof(rec))
			return 0;
		memcpy(&rec, data + off, sizeof(rec));
		off += sizeof(rec);
		if (rec.pemlen == 0 || rec.pemlen > len - off ||
		    rec.key_id == 0)
			return 0;
		off += rec.pemlen;
	}
	return n > 0;
}

/*
 * Forget the certificates, their contexts and the message they came
 * in; an SSL still using a context keeps its own reference.
 */
static void
tls_drop(struct worker *w)
{
	size_t	i;

	for (i = 0; i < tls_ncerts; i++) {
		SSL_CTX_free(tls_certs[i].ctx);
		X509_free(tls_certs[i].leaf);
	}
	memset(tls_certs, 0, sizeof(tls_certs));
	tls_ncerts = 0;
	tls_ctx = NULL;
	free(w->certmsg);
	w->certmsg = NULL;
	w->certmsglen = 0;
}

/*
 * Before the chroot, whenever the master sent a certificate: check its
 * message and load OpenSSL's configuration (openssl.cnf, what it
 * includes and the providers it activates), which cannot be read
 * afterwards, so that STARTTLS gets the same settings as implicit TLS.
 * Only libcrypto is started here: libssl's own start (name tables,
 * error strings) reads no file and comes with the first context.
 * libcrypto's error strings are never loaded: filing them took half of
 * this start and ~55 kB that every TLS relay kept; libssl's, which name
 * what goes wrong in a handshake, still are.  Nor does OpenSSL free
 * its state at exit (OPENSSL_INIT_NO_ATEXIT): the process is about to
 * go, and that clean-up was ~5% of a TLS login's CPU.  A
 * configuration that does not load leaves the connection without TLS,
 * logged.  Returns -1 only for a malformed message.
 */
int
tls_preinit(struct worker *w)
{
	if (w->certmsg == NULL)
		return 0;
	if (!tls_certmsg_ok(w->certmsg, w->certmsglen)) {
		log_warnx("id=%u: malformed certificate message",
		    w->init.conn_id);
		return -1;
	}
	if (!OPENSSL_init_crypto(OPENSSL_INIT_LOAD_CONFIG |
	    OPENSSL_INIT_NO_LOAD_CRYPTO_STRINGS | OPENSSL_INIT_NO_ATEXIT,
	    NULL)) {
		tls_log_error("OpenSSL configuration");
		log_warnx("id=%u: the OpenSSL configuration does not load: "
		    "no TLS", w->init.conn_id);
		tls_drop(w);
	}
	return 0;
}

/* Whether TLS can be offered: there is a certificate to set up. */
int
tls_available(struct worker *w)
{
	return tls_ctx != NULL || w->certmsg != NULL;
}

/*
 * Build a context per certificate of the kept MSG_CERT: the first
 * is the default; with more, the SNI callback moves a handshake to the
 * one its name matches.  Nothing here opens a file, so it also runs
 * inside the sandbox.  A failure is logged and leaves the connection
 * without TLS (tls_available() then says no).  Returns 0 or -1.
 */
int
tls_setup(struct worker *w)
{
	struct cert_rec	 rec;
	struct tls_cert	*tc;
	const char	*data = w->certmsg;
	size_t		 len = w->certmsglen, off = 0;

	if (tls_ctx != NULL)
		return 0;
	if (data == NULL) {
		log_warnx("id=%u: no certificate for TLS", w->init.conn_id);
		return -1;
	}
	while (off < len) {
		if (tls_ncerts == P_MAXCERTS || len - off < sizeof(rec))
			goto fail;
		memcpy(&rec, data + off, sizeof(rec));
		off += sizeof(rec);
		if (rec.pemlen == 0 || rec.pemlen > len - off ||
		    rec.key_id == 0)
			goto fail;
		tc = &tls_certs[tls_ncerts++];
		tc->key_id = rec.key_id;
		if ((tc->ctx = tls_ctx_new(w)) == NULL ||
		    tls_ctx_cert(tc, data + off, rec.pemlen) == -1)
			goto fail;
		off += rec.pemlen;
	}
	if (tls_ncerts == 0)
		goto fail;
	/* The contexts seeded the generator (getrandom(2)); check it. */
	if (RAND_status() != 1) {
		log_warnx("id=%u: no entropy for TLS", w->init.conn_id);
		goto fail;
	}
	tls_ctx = tls_certs[0].ctx;
	if (tls_ncerts > 1)
		SSL_CTX_set_tlsext_servername_callback(tls_ctx, tls_servername);
	free(w->certmsg);
	w->certmsg = NULL;
	w->certmsglen = 0;
	return 0;
fail:
	tls_log_error("TLS setup");
	log_warnx("id=%u: TLS setup failed", w->init.conn_id);
	tls_drop(w);
	return -1;
}

/*
 * The client named a server: use the first certificate whose names
 * match it (subjectAltName DNS names, or the CN without any, a wildcard
 * only as the whole left-most label, per RFC 6125).  A name none
 * matches gets the default.
 */
static int
tls_servername(SSL *ssl, int *alert, void *arg)
{
	const char	*name;
	char		 safe[P_NAMELEN];
	size_t		 i;

	if ((name = SSL_get_servername(ssl, TLSEXT_NAMETYPE_host_name)) ==
	    NULL)
		return SSL_TLSEXT_ERR_OK;
	for (i = 0; i < tls_ncerts; i++) {
		if (X509_check_host(tls_certs[i].leaf, name, 0,
		    X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS, NULL) != 1)
			continue;
		if (i > 0 && SSL_set_SSL_CTX(ssl, tls_certs[i].ctx) == NULL) {
			*alert = SSL_AD_INTERNAL_ERROR;
			return SSL_TLSEXT_ERR_ALERT_FATAL;
		}
		log_debug("id=%u: server name \"%s\": certificate %zu",
		    worker->init.conn_id, log_safe(name, safe, sizeof(safe)),
		    i + 1);
		return SSL_TLSEXT_ERR_OK;
	}
	ERR_clear_error();
	log_debug("id=%u: server name \"%s\" matches no certificate: the "
	    "default", worker->init.conn_id, log_safe(name, safe,
	    sizeof(safe)));
	return SSL_TLSEXT_ERR_OK;
}

/*
 * What an SSL_read() (reading) or SSL_write() that returned r <= 0
 * means to io.c.  Only a read can meet the end of the stream, with
 * close_notify or without; the same conditions on a write are errors.
 */
static ssize_t
tls_io_fail(struct io *io, int r, int reading)
{
	switch (SSL_get_error(io->tls, r)) {
	case SSL_ERROR_WANT_READ:
		return IO_WANTREAD;
	case SSL_ERROR_WANT_WRITE:
		return IO_WANTWRITE;
	case SSL_ERROR_ZERO_RETURN:
		if (reading)
			return 0;
		break;
	case SSL_ERROR_SYSCALL:
		if (errno == EINTR)
			return IO_INTR;
		if (reading && r == 0)
			return 0;	/* EOF without close_notify */
		return IO_ERR;
	}
	tls_log_error(reading ? "TLS read" : "TLS write");
	return IO_ERR;
}

static ssize_t
tls_rd(struct io *io, void *p, size_t n)
{
	int	r;

	ERR_clear_error();
	r = SSL_read(io->tls, p, n > INT32_MAX ? INT32_MAX : (int)n);
	if (r > 0)
		return r;
	return tls_io_fail(io, r, 1);
}

static ssize_t
tls_wr(struct io *io, const void *p, size_t n)
{
	int	r;

	ERR_clear_error();
	r = SSL_write(io->tls, p, n > INT32_MAX ? INT32_MAX : (int)n);
	if (r > 0)
		return r;
	return tls_io_fail(io, r, 0);
}

/*
 * Handshake on the client socket (implicit TLS, or after STARTTLS/STLS)
 * and switch the connection's I/O to it.  Input read before the
 * handshake is thrown away: plaintext sent ahead of TLS must never be
 * taken as if it came under TLS.
 */
int
tls_accept(struct worker *w)
{
	struct tls_info	 ti;
	time_t		 deadline = time(NULL) + TLS_HANDSHAKE_TIMEOUT;
	struct pollfd	 pfd;
	const char	*v;
	SSL		*ssl;
	int		 r, e, left;

	if (tls_ctx == NULL || (ssl = SSL_new(tls_ctx)) == NULL) {
		tls_log_error("TLS");
		return -1;
	}
	if (!SSL_set_fd(ssl, w->io.fd)) {
		tls_log_error("TLS");
		SSL_free(ssl);
		return -1;
	}
	buf_reset(&w->io.in);
	w->io.line_consumed = 0;
	for (;;) {
		ERR_clear_error();
		if ((r = SSL_accept(ssl)) == 1)
			break;
		e = SSL_get_error(ssl, r);
		if (e != SSL_ERROR_WANT_READ && e != SSL_ERROR_WANT_WRITE) {
			tls_log_error("TLS handshake");
			log_info("id=%u: TLS handshake failed with %s",
			    w->init.conn_id, w->init.client_addr);
			SSL_free(ssl);
			return -1;
		}
		if ((left = deadline - time(NULL)) <= 0) {
			log_info("id=%u: TLS handshake timed out",
			    w->init.conn_id);
			SSL_free(ssl);
			return -1;
		}
		pfd.fd = w->io.fd;
		pfd.events = e == SSL_ERROR_WANT_READ ? POLLIN : POLLOUT;
		if (poll(&pfd, 1, left * 1000) == -1 && errno != EINTR) {
			SSL_free(ssl);
			return -1;
		}
	}
	w->io.tls = ssl;
	w->io.rd = tls_rd;
	w->io.wr = tls_wr;
	w->tls_active = 1;
	w->tls_end = tls_end;
	w->tls_relay = tls_relay;
	/* No second handshake: the SSL keeps the context it uses. */
	tls_drop(w);

	memset(&ti, 0, sizeof(ti));
	v = SSL_get_version(ssl);
	(void)strlcpy(ti.version, v != NULL ? v : "?", sizeof(ti.version));
	v = SSL_get_cipher_name(ssl);
	(void)strlcpy(ti.cipher, v != NULL ? v : "?", sizeof(ti.cipher));
	ti.bits = SSL_get_cipher_bits(ssl, NULL);
	if (msg_compose(&w->chan, MSG_TLS_INFO, w->init.conn_id, -1, &ti,
	    sizeof(ti)) == -1 || msg_flush_all(&w->chan) == -1)
		return -1;
	return 0;
}

/* The worker is leaving: close_notify, as far as the socket takes it. */
static void
tls_end(struct worker *w)
{
	(void)SSL_shutdown(w->io.tls);
	(void)io_flush(&w->io);
}

/* STARTTLS/STLS may be asked for: no TLS yet, and some to set up. */
int
worker_starttls_offered(struct worker *w)
{
	return !w->tls_active && tls_available(w);
}

/*
 * STARTTLS/STLS, here or on a connection postern-worker handed over
 * (tag unused: the protocol made go with it): build the contexts, send
 * the go-ahead line and do the handshake.  -1 when TLS cannot be set up
 * (logged, nothing sent), for the protocol's refusal: the connection
 * goes on in the clear, without TLS on offer.  A client that does not
 * complete the handshake is let go: worker_exit().
 */
int
worker_starttls(struct worker *w, const char *tag, const char *go)
{
	if (tls_setup(w) == -1)
		return -1;
	if (io_puts(&w->io, go) != IO_OK || io_puts(&w->io, "\r\n") !=
	    IO_OK || io_flush(&w->io) != IO_OK || tls_accept(w) == -1)
		worker_exit(w, 0);
	return 0;
}
