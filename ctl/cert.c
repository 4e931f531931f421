/*
 * posternctl cert: the certificate store in certificate-dir, as the
 * administrator works with it.  `list' shows every certificate with its
 * thumbprints and the services it serves, `import' checks a certificate,
 * its key and chain before it adds them, `new' makes a self-signed one,
 * and `use' binds one, named by its thumbprint, to services and has
 * posternd reload.  posternd reads the same files (master/certstore.c).
 */
#include <sys/types.h>
#include <sys/file.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>

#include <arpa/inet.h>

#include <ctype.h>
#include <err.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "ctl.h"
#include "master.h"

#define CERT_MAXCHAIN	16	/* certificates in one import */
#define CERT_SOON_DAYS	30	/* flag those expiring within */
#define CERT_NEW_DAYS	(3 * 365)

struct cert_cmd {
	const char	*name;
	int		(*fn)(struct ctl *, int, char **);
	const char	*usage;
};

static int	 cert_import(struct ctl *, int, char **);
static int	 cert_list(struct ctl *, int, char **);
static int	 cert_new_cmd(struct ctl *, int, char **);
static int	 cert_use(struct ctl *, int, char **);
static int	 cert_unuse(struct ctl *, int, char **);
static int	 cert_bind(struct ctl *, const char *, const char *, int);
static __attribute__((__noreturn__)) void cert_usage(void);
static void	 store_open(struct postern_conf *, struct cert_store *,
		    struct cert_bindings *);
static void	 row_cert(struct rows *, const char *, X509 *, const char *,
		    const char *);
static void	 services_str(const struct postern_conf *,
		    const struct cert_bindings *, const unsigned char *,
		    int, const unsigned char (*)[CERT_SHA256_LEN],
		    char *, size_t);
static void	 names_str(X509 *, char *, size_t);
static void	 dn_str(X509_NAME *, char *, size_t);
static void	 cell_clean(char *);
static void	 time_iso(const ASN1_TIME *, char *, size_t);
static void	 status_str(X509 *, const char *, char *, size_t);
static size_t	 read_chain(const char *, X509 **, size_t, size_t);
static EVP_PKEY	*read_key(const char *);
static int	 name_ok(const char *);
static void	 name_from_cert(X509 *, char *, size_t);
static void	 store_paths(const struct postern_conf *, const char *,
		    char *, char *);
static void	 print_thumbs(const char *, X509 *);
static void	 daemon_reload(struct ctl *);

/*
 * Options are words, in the manner of OpenBSD's control tools: they
 * follow the arguments and posternctl's own getopt never sees them.
 */
static const struct cert_cmd cert_cmds[] = {
	{ "import", cert_import,
	    "cert import certificate key [chain] [name name]" },
	{ "list", cert_list, "cert list" },
	{ "new", cert_new_cmd,
	    "cert new [name] [host hostname] [names name,...] "
	    "[key ec|ec384|rsa2048|rsa3072] [days days]" },
	{ "unuse", cert_unuse,
	    "cert unuse thumbprint service[,service ...]" },
	{ "use", cert_use,
	    "cert use thumbprint service[,service ...] [sni]" },
};

static void
cert_usage(void)
{
	size_t	i;

	fprintf(stderr, "usage:");
	for (i = 0; i < sizeof(cert_cmds) / sizeof(cert_cmds[0]); i++)
		fprintf(stderr, "\tposternctl %s\n", cert_cmds[i].usage);
	exit(1);
}

int
ctl_cert(struct ctl *ctl, int argc, char **argv)
{
	size_t	i;
	int	rc;

	if (argc < 1)
		cert_usage();
	for (i = 0; i < sizeof(cert_cmds) / sizeof(cert_cmds[0]); i++)
		if (strcmp(argv[0], cert_cmds[i].name) == 0) {
			rc = cert_cmds[i].fn(ctl, argc - 1, argv + 1);
			if (ctl->conf != NULL) {
				conf_free(ctl->conf);
				ctl->conf = NULL;
			}
			return rc;
		}
	cert_usage();
}

static void
store_open(struct postern_conf *conf, struct cert_store *st,
    struct cert_bindings *b)
{
	char	path[P_PATHLEN], ebuf[P_PATHLEN + 256];

	if (cert_store_scan(conf->cert_dir, st, ebuf, sizeof(ebuf)) == -1)
		errx(1, "%s", ebuf);
	if (b == NULL)
		return;
	if (snprintf(path, sizeof(path), "%s/%s", conf->cert_dir,
	    CERT_BINDINGS) >= (int)sizeof(path))
		errx(1, "%s: path too long", conf->cert_dir);
	if (cert_bindings_read(path, b, ebuf, sizeof(ebuf)) == -1)
		errx(1, "%s", ebuf);
}

/* Table cells hold no tabs or line ends; certificate text may. */
static void
cell_clean(char *s)
{
	for (; *s != '\0'; s++)
		if (!isprint((unsigned char)*s))
			*s = '?';
}

static void
dn_str(X509_NAME *name, char *buf, size_t len)
{
	BIO	*b;
	char	*data;
	long	 n;

	buf[0] = '\0';
	if ((b = BIO_new(BIO_s_mem())) == NULL)
		return;
	if (X509_NAME_print_ex(b, name, 0, XN_FLAG_RFC2253) >= 0) {
		n = BIO_get_mem_data(b, &data);
		(void)snprintf(buf, len, "%.*s", (int)n, data);
	}
	BIO_free(b);
	cell_clean(buf);
}

/* The subjectAltName entries, as DNS:name and IP:address. */
static void
names_str(X509 *x, char *buf, size_t len)
{
	GENERAL_NAMES		*gens;
	const GENERAL_NAME	*g;
	char			 item[P_NAMELEN + 16], a[INET6_ADDRSTRLEN];
	const unsigned char	*d;
	int			 i, n;

	buf[0] = '\0';
	if ((gens = X509_get_ext_d2i(x, NID_subject_alt_name, NULL, NULL)) ==
	    NULL)
		return;
	for (i = 0; i < sk_GENERAL_NAME_num(gens); i++) {
		g = sk_GENERAL_NAME_value(gens, i);
		item[0] = '\0';
		switch (g->type) {
		case GEN_DNS:
			(void)snprintf(item, sizeof(item), "DNS:%.*s",
			    ASN1_STRING_length(g->d.dNSName),
			    ASN1_STRING_get0_data(g->d.dNSName));
			break;
		case GEN_EMAIL:
			(void)snprintf(item, sizeof(item), "email:%.*s",
			    ASN1_STRING_length(g->d.rfc822Name),
			    ASN1_STRING_get0_data(g->d.rfc822Name));
			break;
		case GEN_IPADD:
			d = ASN1_STRING_get0_data(g->d.iPAddress);
			n = ASN1_STRING_length(g->d.iPAddress);
			if ((n == 4 && inet_ntop(AF_INET, d, a, sizeof(a)) !=
			    NULL) || (n == 16 && inet_ntop(AF_INET6, d, a,
			    sizeof(a)) != NULL))
				(void)snprintf(item, sizeof(item), "IP:%s", a);
			break;
		}
		if (item[0] == '\0')
			continue;
		if (buf[0] != '\0')
			(void)strlcat(buf, ",", len);
		(void)strlcat(buf, item, len);
	}
	GENERAL_NAMES_free(gens);
	cell_clean(buf);
}

static void
time_iso(const ASN1_TIME *t, char *buf, size_t len)
{
	struct tm	tm;

	if (!ASN1_TIME_to_tm(t, &tm) ||
	    strftime(buf, len, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
		(void)strlcpy(buf, "?", len);
}

/* ok, EXPIRED, not yet valid, expires in N days, or a missing key. */
static void
status_str(X509 *x, const char *keyfile, char *buf, size_t len)
{
	int	days, secs;

	if (X509_cmp_current_time(X509_get0_notAfter(x)) <= 0)
		(void)strlcpy(buf, "EXPIRED", len);
	else if (X509_cmp_current_time(X509_get0_notBefore(x)) > 0)
		(void)strlcpy(buf, "not yet valid", len);
	else if (ASN1_TIME_diff(&days, &secs, NULL, X509_get0_notAfter(x)) &&
	    days < CERT_SOON_DAYS)
		(void)snprintf(buf, len, "expires in %d day%s", days,
		    days == 1 ? "" : "s");
	else
		(void)strlcpy(buf, "ok", len);
	if (keyfile != NULL && access(keyfile, R_OK) == -1)
		(void)snprintf(buf + strlen(buf), len - strlen(buf),
		    ", key %s", errno == ENOENT ? "missing" : "unreadable");
}

/*
 * Which services a certificate serves: those the bindings give it
 * (after the first of a service, chosen by SNI), those whose
 * postern.conf block names it, and, for default.crt, the enabled ones
 * that have neither.
 */
static void
services_str(const struct postern_conf *conf, const struct cert_bindings *b,
    const unsigned char *sha256, int is_default,
    const unsigned char (*confsha)[CERT_SHA256_LEN], char *buf, size_t len)
{
	const unsigned char	*bound[P_MAXCERTS];
	const struct proto_conf	*pc;
	size_t			 n, i;
	int			 p;
	char			 item[128];

	buf[0] = '\0';
	for (p = 1; p < PROTO_MAX; p++) {
		pc = &conf->protos[p];
		n = cert_bindings_for(b, p, bound, P_MAXCERTS);
		item[0] = '\0';
		for (i = 0; i < n; i++)
			if (memcmp(bound[i], sha256, CERT_SHA256_LEN) == 0)
				break;
		if (pc->enabled && pc->certificate[0] != '\0') {
			if (memcmp(confsha[p], sha256, CERT_SHA256_LEN) == 0)
				(void)snprintf(item, sizeof(item),
				    "%s (postern.conf)", conf_proto_name(p));
			else if (i < n)
				(void)snprintf(item, sizeof(item),
				    "%s (postern.conf overrides)",
				    conf_proto_name(p));
		} else if (i < n)
			(void)snprintf(item, sizeof(item), "%s%s%s",
			    conf_proto_name(p), i > 0 ? " (sni)" : "",
			    pc->enabled ? "" : " (not enabled)");
		else if (is_default && n == 0 && pc->enabled)
			(void)strlcpy(item, conf_proto_name(p), sizeof(item));
		if (item[0] == '\0')
			continue;
		if (buf[0] != '\0')
			(void)strlcat(buf, ", ", len);
		(void)strlcat(buf, item, len);
	}
}

static void
row_cert(struct rows *rows, const char *name, X509 *x, const char *keyfile,
    const char *services)
{
	unsigned char	 sha1[CERT_SHA1_LEN], sha256[CERT_SHA256_LEN];
	char		 subj[512], iss[512], names[2048], after[32];
	char		 status[64], key[64], t1[CERT_THUMB_FMTLEN];
	char		 t256[CERT_THUMB_FMTLEN], cname[P_PATHLEN];
	EVP_PKEY	*pub;

	(void)strlcpy(cname, name, sizeof(cname));
	cell_clean(cname);
	dn_str(X509_get_subject_name(x), subj, sizeof(subj));
	dn_str(X509_get_issuer_name(x), iss, sizeof(iss));
	names_str(x, names, sizeof(names));
	time_iso(X509_get0_notAfter(x), after, sizeof(after));
	status_str(x, keyfile, status, sizeof(status));
	if ((pub = X509_get0_pubkey(x)) != NULL)
		(void)cert_key_desc(pub, key, sizeof(key));
	else
		(void)strlcpy(key, "?", sizeof(key));
	if (cert_digests(x, sha1, sha256) == -1)
		errx(1, "%s: cannot compute the thumbprints", name);
	cert_thumb_format(sha1, sizeof(sha1), t1, sizeof(t1));
	cert_thumb_format(sha256, sizeof(sha256), t256, sizeof(t256));
	rows_add(rows, "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s", cname, subj,
	    names, iss, after, status, key, t1, t256, services);
}

static int
cert_list(struct ctl *ctl, int argc, char **argv)
{
	struct postern_conf	*conf = ctl_conf(ctl);
	struct cert_store	 st;
	struct cert_bindings	 b;
	struct rows		 rows;
	unsigned char		 confsha[PROTO_MAX][CERT_SHA256_LEN];
	unsigned char		 sha1[CERT_SHA1_LEN];
	X509			*confx[PROTO_MAX];
	char			 services[512];
	size_t			 i;
	int			 p, q, shown;
	FILE			*fp;

	if (argc != 0)
		cert_usage();
	store_open(conf, &st, &b);
	memset(confsha, 0, sizeof(confsha));
	memset(confx, 0, sizeof(confx));
	for (p = 1; p < PROTO_MAX; p++) {
		if (!conf->protos[p].enabled ||
		    conf->protos[p].certificate[0] == '\0')
			continue;
		if ((fp = fopen(conf->protos[p].certificate, "r")) == NULL) {
			warn("%s", conf->protos[p].certificate);
			continue;
		}
		confx[p] = PEM_read_X509(fp, NULL, NULL, NULL);
		fclose(fp);
		ERR_clear_error();
		if (confx[p] == NULL)
			warnx("%s: no PEM certificate",
			    conf->protos[p].certificate);
		else if (cert_digests(confx[p], sha1, confsha[p]) == -1)
			errx(1, "%s: cannot compute the thumbprints",
			    conf->protos[p].certificate);
	}

	memset(&rows, 0, sizeof(rows));
	rows_add(&rows, "name\tsubject\tnames\tissuer\tnot-after\tstatus\t"
	    "key\tsha1\tsha256\tservices");
	for (i = 0; i < st.n; i++) {
		if (st.e[i].leaf == NULL) {
			rows_add(&rows, "%s\t\t\t\t\tunreadable: %s\t\t\t\t",
			    st.e[i].name, st.e[i].error);
			continue;
		}
		services_str(conf, &b, st.e[i].sha256,
		    strcmp(st.e[i].name, CERT_DEFAULT_NAME) == 0,
		    (const unsigned char (*)[CERT_SHA256_LEN])confsha,
		    services, sizeof(services));
		row_cert(&rows, st.e[i].name, st.e[i].leaf, st.e[i].keyfile,
		    services);
	}
	/* Certificates postern.conf names outside the store. */
	for (p = 1; p < PROTO_MAX; p++) {
		if (confx[p] == NULL || cert_store_find(&st, confsha[p]) != -1)
			continue;
		for (q = 1, shown = 0; q < p; q++)
			if (confx[q] != NULL && memcmp(confsha[q], confsha[p],
			    CERT_SHA256_LEN) == 0)
				shown = 1;
		if (shown)
			continue;
		services_str(conf, &b, confsha[p], 0,
		    (const unsigned char (*)[CERT_SHA256_LEN])confsha,
		    services, sizeof(services));
		row_cert(&rows, conf->protos[p].certificate, confx[p],
		    conf->protos[p].key, services);
	}
	rows_print(&rows, ctl->fmt);
	rows_free(&rows);
	for (p = 1; p < PROTO_MAX; p++)
		X509_free(confx[p]);
	cert_store_free(&st);
	cert_bindings_free(&b);
	return 0;
}

/* Every PEM certificate of a file, appended to chain[n..max). */
static size_t
read_chain(const char *file, X509 **chain, size_t n, size_t max)
{
	FILE	*fp;
	X509	*x;
	size_t	 start = n;

	if ((fp = fopen(file, "r")) == NULL)
		err(1, "%s", file);
	while ((x = PEM_read_X509(fp, NULL, NULL, NULL)) != NULL) {
		if (n == max)
			errx(1, "%s: more than %zu certificates", file, max);
		chain[n++] = x;
	}
	fclose(fp);
	ERR_clear_error();
	if (n == start)
		errx(1, "%s: no PEM certificate in the file", file);
	return n;
}

static EVP_PKEY *
read_key(const char *file)
{
	EVP_PKEY	*key;
	FILE		*fp;

	if ((fp = fopen(file, "r")) == NULL)
		err(1, "%s", file);
	key = PEM_read_PrivateKey(fp, NULL, NULL, NULL);
	fclose(fp);
	if (key == NULL) {
		ERR_clear_error();
		errx(1, "%s: no PEM private key in the file (or a wrong "
		    "passphrase)", file);
	}
	return key;
}

/* A store name: letters, digits, dot, dash, underscore; no leading dot. */
static int
name_ok(const char *name)
{
	const char	*p;

	if (name[0] == '\0' || name[0] == '.' || name[0] == '-' ||
	    strlen(name) > 128)
		return 0;
	for (p = name; *p != '\0'; p++)
		if (!isalnum((unsigned char)*p) && *p != '.' && *p != '-' &&
		    *p != '_')
			return 0;
	return 1;
}

/* The CN, else the first DNS name; a wildcard's `*' becomes "wildcard". */
static void
name_from_cert(X509 *x, char *buf, size_t len)
{
	GENERAL_NAMES		*gens;
	const GENERAL_NAME	*g;
	char			 raw[256], *o;
	const char		*p;
	int			 i;

	raw[0] = '\0';
	if (X509_NAME_get_text_by_NID(X509_get_subject_name(x),
	    NID_commonName, raw, sizeof(raw)) <= 0) {
		raw[0] = '\0';
		gens = X509_get_ext_d2i(x, NID_subject_alt_name, NULL, NULL);
		for (i = 0; gens != NULL && i < sk_GENERAL_NAME_num(gens);
		    i++) {
			g = sk_GENERAL_NAME_value(gens, i);
			if (g->type != GEN_DNS)
				continue;
			(void)snprintf(raw, sizeof(raw), "%.*s",
			    ASN1_STRING_length(g->d.dNSName),
			    ASN1_STRING_get0_data(g->d.dNSName));
			break;
		}
		GENERAL_NAMES_free(gens);
	}
	ERR_clear_error();
	buf[0] = '\0';
	for (p = raw, o = buf; *p != '\0' && o + 9 < buf + len; p++) {
		if (*p == '*') {
			memcpy(o, "wildcard", 8);
			o += 8;
		} else if (isalnum((unsigned char)*p) || *p == '.' ||
		    *p == '-' || *p == '_')
			*o++ = *p;
		else
			*o++ = '_';
	}
	*o = '\0';
}

static void
store_paths(const struct postern_conf *conf, const char *name, char *crt,
    char *key)
{
	if (snprintf(crt, P_PATHLEN, "%s/%s.crt", conf->cert_dir, name) >=
	    P_PATHLEN || snprintf(key, P_PATHLEN, "%s/%s.key", conf->cert_dir,
	    name) >= P_PATHLEN)
		errx(1, "%s: path too long", conf->cert_dir);
	if (access(crt, F_OK) == 0 || access(key, F_OK) == 0)
		errx(1, "%s is taken in %s: give another name",
		    name, conf->cert_dir);
	if (mkdir(conf->cert_dir, 0755) == -1 && errno != EEXIST)
		err(1, "%s", conf->cert_dir);
}

static void
print_thumbs(const char *name, X509 *x)
{
	unsigned char	sha1[CERT_SHA1_LEN], sha256[CERT_SHA256_LEN];
	char		t1[CERT_THUMB_FMTLEN], t256[CERT_THUMB_FMTLEN];

	if (cert_digests(x, sha1, sha256) == -1)
		errx(1, "%s: cannot compute the thumbprints", name);
	cert_thumb_format(sha1, sizeof(sha1), t1, sizeof(t1));
	cert_thumb_format(sha256, sizeof(sha256), t256, sizeof(t256));
	printf("%s\n  SHA-1   %s\n  SHA-256 %s\n", name, t1, t256);
}

static int
cert_import(struct ctl *ctl, int argc, char **argv)
{
	struct postern_conf	*conf;
	struct cert_store	 st;
	X509			*chain[CERT_MAXCHAIN];
	EVP_PKEY		*key;
	BIO			*b;
	unsigned char		 sha1[CERT_SHA1_LEN];
	unsigned char		 sha256[CERT_SHA256_LEN];
	char			 name[P_NAMELEN], crt[P_PATHLEN];
	char			 kf[P_PATHLEN], ebuf[P_PATHLEN + 512], *data;
	const char		*given = NULL;
	size_t			 n, i;
	long			 len;
	int			 idx;

	if (argc >= 4 && strcmp(argv[argc - 2], "name") == 0) {
		given = argv[argc - 1];
		argc -= 2;
	}
	if (argc != 2 && argc != 3)
		cert_usage();
	conf = ctl_conf(ctl);

	n = read_chain(argv[0], chain, 0, CERT_MAXCHAIN);
	key = read_key(argv[1]);
	if (argc == 3)
		n = read_chain(argv[2], chain, n, CERT_MAXCHAIN);
	if (cert_chain_check(chain, n, key, time(NULL), ebuf, sizeof(ebuf)) ==
	    -1)
		errx(1, "%s: refused: %s", argv[0], ebuf);

	if (given != NULL)
		(void)strlcpy(name, given, sizeof(name));
	else
		name_from_cert(chain[0], name, sizeof(name));
	if (!name_ok(name))
		errx(1, "%s: \"%s\" cannot name it in the store: give a name "
		    "of letters, digits, dots, dashes or underscores with "
		    "`name'",
		    argv[0], given != NULL ? given : name);
	if (cert_digests(chain[0], sha1, sha256) == -1)
		errx(1, "%s: cannot compute the thumbprints", argv[0]);
	store_open(conf, &st, NULL);
	if ((idx = cert_store_find(&st, sha256)) != -1)
		errx(1, "%s: already in the store as %s", argv[0],
		    st.e[idx].name);
	cert_store_free(&st);
	store_paths(conf, name, crt, kf);

	if ((b = BIO_new(BIO_s_mem())) == NULL ||
	    !PEM_write_bio_PrivateKey(b, key, NULL, NULL, 0, NULL, NULL))
		errx(1, "cannot encode the key");
	len = BIO_get_mem_data(b, &data);
	if (cert_write_file(kf, data, len, 0600, 1, ebuf, sizeof(ebuf)) == -1)
		errx(1, "%s", ebuf);
	OPENSSL_cleanse(data, len);
	(void)BIO_reset(b);
	for (i = 0; i < n; i++)
		if (!PEM_write_bio_X509(b, chain[i]))
			errx(1, "cannot encode the certificate");
	len = BIO_get_mem_data(b, &data);
	if (cert_write_file(crt, data, len, 0644, 1, ebuf, sizeof(ebuf)) ==
	    -1) {
		(void)unlink(kf);
		errx(1, "%s", ebuf);
	}
	BIO_free(b);
	printf("imported ");
	print_thumbs(name, chain[0]);
	for (i = 0; i < n; i++)
		X509_free(chain[i]);
	EVP_PKEY_free(key);
	return 0;
}

static int
cert_new_cmd(struct ctl *ctl, int argc, char **argv)
{
	static const struct {
		const char	*name;
		int		 type;
	} types[] = {
		{ "ec", CERT_KEY_EC256 }, { "ec256", CERT_KEY_EC256 },
		{ "ec384", CERT_KEY_EC384 }, { "rsa", CERT_KEY_RSA2048 },
		{ "rsa2048", CERT_KEY_RSA2048 },
		{ "rsa3072", CERT_KEY_RSA3072 },
	};
	struct postern_conf	*conf;
	struct cert_new		 n;
	FILE			*fp;
	X509			*x;
	char			 crt[P_PATHLEN], kf[P_PATHLEN];
	char			 ebuf[P_PATHLEN + 256];
	const char		*name, *errstr;
	size_t			 i;

	memset(&n, 0, sizeof(n));
	n.keytype = CERT_KEY_EC256;
	n.days = CERT_NEW_DAYS;
	n.exclusive = 1;
	/* An odd number of words: the first is the name. */
	name = NULL;
	if (argc % 2 == 1) {
		name = argv[0];
		argc--;
		argv++;
	}
	for (; argc > 0; argc -= 2, argv += 2) {
		if (strcmp(argv[0], "days") == 0) {
			n.days = strtonum(argv[1], 1, 3650, &errstr);
			if (errstr != NULL)
				errx(1, "days %s: from 1 to 3650", argv[1]);
		} else if (strcmp(argv[0], "host") == 0)
			n.hostname = argv[1];
		else if (strcmp(argv[0], "key") == 0) {
			for (i = 0; i < sizeof(types) / sizeof(types[0]); i++)
				if (strcmp(argv[1], types[i].name) == 0)
					break;
			if (i == sizeof(types) / sizeof(types[0]))
				errx(1, "key %s: the key types are ec (P-256), "
				    "ec384, rsa2048 and rsa3072", argv[1]);
			n.keytype = types[i].type;
		} else if (strcmp(argv[0], "names") == 0)
			n.names = argv[1];
		else
			cert_usage();
	}
	conf = ctl_conf(ctl);
	if (n.hostname == NULL)
		n.hostname = conf->hostname;
	if (name == NULL)
		name = n.hostname;
	if (!name_ok(name))
		errx(1, "\"%s\" cannot name it in the store: use letters, "
		    "digits, dots, dashes or underscores", name);
	store_paths(conf, name, crt, kf);
	n.certfile = crt;
	n.keyfile = kf;
	if (cert_selfsigned(&n, ebuf, sizeof(ebuf)) == -1)
		errx(1, "%s", ebuf);
	if ((fp = fopen(crt, "r")) == NULL)
		err(1, "%s", crt);
	x = PEM_read_X509(fp, NULL, NULL, NULL);
	fclose(fp);
	if (x == NULL)
		errx(1, "%s: cannot read it back", crt);
	printf("made self-signed ");
	print_thumbs(name, x);
	X509_free(x);
	return 0;
}

/*
 * Tell posternd to reload.  A daemon that is not running finds the
 * change when it starts; that is not an error.
 */
static void
daemon_reload(struct ctl *ctl)
{
	struct sockaddr_un	 sun;
	struct rows		 rows;
	char			 msg[P_TEXTLEN];
	char			*av[] = { "reload", NULL };
	const char		*sock;
	int			 fd;

	sock = ctl->sock != NULL ? ctl->sock : ctl_conf(ctl)->control_socket;
	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	if (strlcpy(sun.sun_path, sock, sizeof(sun.sun_path)) >=
	    sizeof(sun.sun_path))
		errx(1, "%s: path too long", sock);
	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) == -1)
		err(1, "socket");
	if (connect(fd, (struct sockaddr *)&sun, sizeof(sun)) == -1) {
		if (errno != ENOENT && errno != ECONNREFUSED)
			err(1, "%s", sock);
		printf("posternd is not running (nothing answers on %s): the "
		    "change takes effect when it starts\n", sock);
		close(fd);
		return;
	}
	close(fd);
	memset(&rows, 0, sizeof(rows));
	if (ctl_daemon(ctl, 1, av, &rows, msg, sizeof(msg)) == -1)
		errx(1, "posternd did not reload: %s; the bindings file is "
		    "changed nonetheless", msg);
	rows_free(&rows);
	printf("posternd: %s\n", msg);
}

static int
cert_use(struct ctl *ctl, int argc, char **argv)
{
	int	mode = CERT_USE_REPLACE;

	if (argc == 3 && strcmp(argv[2], "sni") == 0) {
		mode = CERT_USE_ADD;
		argc--;
	}
	if (argc != 2)
		cert_usage();
	return cert_bind(ctl, argv[0], argv[1], mode);
}

static int
cert_unuse(struct ctl *ctl, int argc, char **argv)
{
	if (argc != 2)
		cert_usage();
	return cert_bind(ctl, argv[0], argv[1], CERT_USE_REMOVE);
}

/*
 * Bind the certificate a thumbprint names to services, or unbind it,
 * and have posternd reload.
 */
static int
cert_bind(struct ctl *ctl, const char *thumb, const char *services, int mode)
{
	struct postern_conf	*conf;
	struct cert_store	 st;
	struct cert_bindings	 b;
	struct cert_entry	*e;
	const unsigned char	*bound[P_MAXCERTS];
	X509			*chain[CERT_MAXCHAIN];
	EVP_PKEY		*key;
	char			 ebuf[P_PATHLEN + 512], path[P_PATHLEN];
	char			 t1[CERT_THUMB_FMTLEN];
	char			 t256[CERT_THUMB_FMTLEN];
	unsigned int		 mask;
	size_t			 idx[16], nmatch, i, n, k;
	int			 p, lock;

	conf = ctl_conf(ctl);
	if (cert_services_parse(services, &mask, ebuf, sizeof(ebuf)) == -1)
		errx(1, "%s", ebuf);
	/* One edit of the bindings at a time; the lock ends with us. */
	if ((lock = open(conf->cert_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC))
	    == -1)
		err(1, "%s", conf->cert_dir);
	if (flock(lock, LOCK_EX) == -1)
		err(1, "lock %s", conf->cert_dir);
	store_open(conf, &st, &b);

	if (cert_store_match(&st, thumb, idx, sizeof(idx) / sizeof(idx[0]),
	    &nmatch) == -1)
		errx(1, "\"%s\" is not a thumbprint: give the SHA-1 or SHA-256 "
		    "thumbprint, or at least its first %d hex digits", thumb,
		    CERT_THUMB_MIN);
	if (nmatch == 0)
		errx(1, "no certificate in %s has the thumbprint %s (see "
		    "posternctl cert list)", conf->cert_dir, thumb);
	if (nmatch > 1) {
		fprintf(stderr, "posternctl: thumbprint %s is ambiguous; it "
		    "matches %zu certificates:\n", thumb, nmatch);
		for (i = 0; i < nmatch && i < sizeof(idx) / sizeof(idx[0]);
		    i++) {
			e = &st.e[idx[i]];
			cert_thumb_format(e->sha1, CERT_SHA1_LEN, t1,
			    sizeof(t1));
			cert_thumb_format(e->sha256, CERT_SHA256_LEN, t256,
			    sizeof(t256));
			fprintf(stderr, "  %s\tSHA-1 %s\tSHA-256 %s\n",
			    e->name, t1, t256);
		}
		exit(1);
	}
	e = &st.e[idx[0]];

	/* Never bind what posternd would refuse to load. */
	if (mode != CERT_USE_REMOVE) {
		n = read_chain(e->certfile, chain, 0, CERT_MAXCHAIN);
		key = read_key(e->keyfile);
		if (cert_chain_check(chain, n, key, time(NULL), ebuf,
		    sizeof(ebuf)) == -1)
			errx(1, "%s cannot be used: %s", e->certfile, ebuf);
		for (i = 0; i < n; i++)
			X509_free(chain[i]);
		EVP_PKEY_free(key);
	}

	if (cert_bindings_use(&b, e->sha256, mask, mode, ebuf,
	    sizeof(ebuf)) == -1)
		errx(1, "%s: %s", e->name, ebuf);
	if (snprintf(path, sizeof(path), "%s/%s", conf->cert_dir,
	    CERT_BINDINGS) >= (int)sizeof(path))
		errx(1, "%s: path too long", conf->cert_dir);
	if (cert_bindings_write(path, &b, ebuf, sizeof(ebuf)) == -1)
		errx(1, "%s", ebuf);

	for (p = 1; p < PROTO_MAX; p++) {
		if ((mask & (1U << p)) == 0)
			continue;
		n = cert_bindings_for(&b, p, bound, P_MAXCERTS);
		for (k = 0; k < n; k++)
			if (memcmp(bound[k], e->sha256, CERT_SHA256_LEN) == 0)
				break;
		if (mode == CERT_USE_REMOVE)
			printf("%s: %s removed; %s now\n", conf_proto_name(p),
			    e->name, n > 0 ? "its other certificates serve it" :
			    "default.crt serves it");
		else
			printf("%s: %s, %s\n", conf_proto_name(p), e->name,
			    k == 0 ? "its default certificate" :
			    "chosen by SNI host name");
		if (conf->protos[p].enabled &&
		    conf->protos[p].certificate[0] != '\0')
			printf("note: postern.conf names a certificate for %s, "
			    "which takes precedence over the store\n",
			    conf_proto_name(p));
		else if (!conf->protos[p].enabled && mode != CERT_USE_REMOVE)
			printf("note: %s is not enabled in %s; the binding "
			    "takes effect when it is\n", conf_proto_name(p),
			    conf->file);
	}
	cert_store_free(&st);
	cert_bindings_free(&b);
	close(lock);
	daemon_reload(ctl);
	return 0;
}
