/*
 * The configuration's defaults, its printed form and the small lookups
 * the rest of posternd needs (protocol names, trusted networks).  Run
 * by posternd; parse.y fills the structure, everything here reads it.
 * conf_print() writes the effective settings in postern.conf's own
 * grammar, so that `posternd -n' output can be read back as a config.
 */

#include <sys/types.h>
#include <sys/queue.h>
#include <sys/socket.h>

#include <netinet/in.h>
#include <arpa/inet.h>

#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/tls1.h>

#include "conf.h"

#define CONF_MAXCONN		2000
#define CONF_MAXCONN_IP		20
#define CONF_MAXCONN_USER	10
#define CONF_LOGIN_TIMEOUT	60
#define CONF_AUTH_ATTEMPTS	3
#define CONF_FIRST_UID		1000
#define CONF_IPV6_PREFIX	64
#define CONF_FAILURE_DELAY	2000	/* ms */
#define CONF_FAILURE_DELAY_MAX	15000	/* ms */
#define CONF_AUTH_CACHE_TTL	300	/* seconds */
#define CONF_AUTH_CACHE_SIZE	10000

/*
 * Every protocol the grammar knows.  `served' says which ones this
 * build answers: a file without any protocol block enables exactly
 * those.  Serving IMAP or submission by default is flipping it here.
 */
static const struct conf_proto_info protocols[] = {
	{ PROTO_POP3, "pop3", 110, 995, 10 * 60, 10 * 60,
	    "RFC 1939 section 3", 1, "pop" },		/* RFC 5034 */
	{ PROTO_IMAP, "imap", 143, 993, 30 * 60, 30 * 60,
	    "RFC 3501 section 5.4", 1, "imap" },	/* RFC 3501 */
	{ PROTO_SUBMISSION, "submission", 587, 465, 5 * 60, 0,
	    NULL, 0, "smtp" },				/* RFC 4954 */
};

static void	 init_proto(struct proto_conf *, int);
static void	 print_quoted(FILE *, const char *);
static void	 print_str(FILE *, const char *, const char *,
		    const char *);
static void	 print_time(FILE *, const char *, const char *, int);
static void	 print_proto(const struct proto_conf *, FILE *,
		    const char *);
static void	 print_global(const struct postern_conf *, FILE *);
static void	 free_listeners(struct listen_list *);
static int	 prefix_match(const unsigned char *, const unsigned char *,
		    int);

const struct conf_proto_info *
conf_proto_info(int proto)
{
	size_t	i;

	for (i = 0; i < sizeof(protocols) / sizeof(protocols[0]); i++)
		if (protocols[i].proto == proto)
			return &protocols[i];
	return NULL;
}

const char *
conf_proto_name(int proto)
{
	const struct conf_proto_info	*pi;

	if ((pi = conf_proto_info(proto)) == NULL)
		return "unknown";
	return pi->name;
}

const char *
conf_login_type_name(int type)
{
	switch (type) {
	case LOGIN_SECURE:
		return "secure";
	case LOGIN_PLAINTEXT_AUTH:
		return "plaintext-auth";
	case LOGIN_PLAINTEXT_LOGIN:
		return "plaintext-login";
	default:
		return "unknown";
	}
}

static void
init_proto(struct proto_conf *pc, int proto)
{
	const struct conf_proto_info	*pi;

	memset(pc, 0, sizeof(*pc));
	pc->proto = proto;
	TAILQ_INIT(&pc->listeners);
	pc->login_type = LOGIN_SECURE;
	pc->max_connections = CONF_MAXCONN;
	pc->max_connections_per_ip = CONF_MAXCONN_IP;
	pc->max_connections_per_user = CONF_MAXCONN_USER;
	pc->login_timeout = CONF_LOGIN_TIMEOUT;
	pc->max_auth_attempts = CONF_AUTH_ATTEMPTS;
	pc->pop3_expire = -1;
	pc->pop3_login_delay = -1;
	/* The global idle-timeout is unset: each protocol has its own. */
	if ((pi = conf_proto_info(proto)) != NULL) {
		pc->idle_timeout = pi->idle_timeout;
		(void)strlcpy(pc->gssapi_service, pi->gssapi_service,
		    sizeof(pc->gssapi_service));
	}
}

/*
 * Fill a new configuration with what an empty postern.conf means,
 * except that no protocol is enabled and none has listeners: those
 * depend on which blocks the file has.
 */
void
conf_init_defaults(struct postern_conf *conf)
{
	int	p;

	memset(conf, 0, sizeof(*conf));
	(void)strlcpy(conf->file, CONF_FILE, sizeof(conf->file));
	(void)strlcpy(conf->user, CONF_USER, sizeof(conf->user));
	(void)strlcpy(conf->chroot, CONF_CHROOT, sizeof(conf->chroot));
	(void)strlcpy(conf->pidfile, CONF_PIDFILE, sizeof(conf->pidfile));
	(void)strlcpy(conf->cert_dir, CONF_CERTDIR, sizeof(conf->cert_dir));
	(void)strlcpy(conf->control_socket, CONF_CONTROL,
	    sizeof(conf->control_socket));
	(void)strlcpy(conf->libexec_dir, CONF_LIBEXEC,
	    sizeof(conf->libexec_dir));
	(void)strlcpy(conf->access_file, CONF_ACCESS,
	    sizeof(conf->access_file));
	(void)strlcpy(conf->mail_location, CONF_MAIL,
	    sizeof(conf->mail_location));
	if (gethostname(conf->hostname, sizeof(conf->hostname)) == -1 ||
	    conf->hostname[0] == '\0')
		(void)strlcpy(conf->hostname, "localhost",
		    sizeof(conf->hostname));
	conf->hostname[sizeof(conf->hostname) - 1] = '\0';
	conf->first_valid_uid = CONF_FIRST_UID;
	conf->ipv6_prefix = CONF_IPV6_PREFIX;
	conf->failure_delay_ms = CONF_FAILURE_DELAY;
	conf->failure_delay_max_ms = CONF_FAILURE_DELAY_MAX;
	conf->auth_cache_ttl = CONF_AUTH_CACHE_TTL;
	conf->auth_cache_size = CONF_AUTH_CACHE_SIZE;
	(void)strlcpy(conf->tls_ciphers, CONF_TLS_CIPHERS,
	    sizeof(conf->tls_ciphers));
	(void)strlcpy(conf->tls_ciphersuites, CONF_TLS_CIPHERSUITES,
	    sizeof(conf->tls_ciphersuites));
	conf->tls_min_version = TLS1_2_VERSION;
	TAILQ_INIT(&conf->trusted);
	conf->nbackends = 1;
	conf->backends[0].type = AUTH_BACKEND_PAM;
	(void)strlcpy(conf->backends[0].arg, CONF_PAM_SERVICE,
	    sizeof(conf->backends[0].arg));
	init_proto(&conf->defaults, 0);
	for (p = 1; p < PROTO_MAX; p++)
		init_proto(&conf->protos[p], p);
}

static void
free_listeners(struct listen_list *list)
{
	struct listen_addr	*la;

	while ((la = TAILQ_FIRST(list)) != NULL) {
		TAILQ_REMOVE(list, la, entry);
		free(la);
	}
}

/* Frees the structure; listener fds are the caller's to close. */
void
conf_free(struct postern_conf *conf)
{
	struct netaddr	*na;
	int		 p;

	if (conf == NULL)
		return;
	free_listeners(&conf->defaults.listeners);
	for (p = 0; p < PROTO_MAX; p++)
		free_listeners(&conf->protos[p].listeners);
	while ((na = TAILQ_FIRST(&conf->trusted)) != NULL) {
		TAILQ_REMOVE(&conf->trusted, na, entry);
		free(na);
	}
	free(conf);
}

/* Seconds in the largest unit that says it exactly: 90s, 10m, 1h. */
char *
conf_fmt_time(int secs, char *buf, size_t len)
{
	if (secs != 0 && secs % 3600 == 0)
		(void)snprintf(buf, len, "%dh", secs / 3600);
	else if (secs != 0 && secs % 60 == 0)
		(void)snprintf(buf, len, "%dm", secs / 60);
	else
		(void)snprintf(buf, len, "%ds", secs);
	return buf;
}

/* "*" and "::" for the wildcards, the numeric address otherwise. */
char *
conf_fmt_addr(const struct sockaddr *sa, char *buf, size_t len)
{
	const struct sockaddr_in	*sin;
	socklen_t			 salen;

	switch (sa->sa_family) {
	case AF_INET:
		sin = (const struct sockaddr_in *)sa;
		if (sin->sin_addr.s_addr == htonl(INADDR_ANY)) {
			(void)strlcpy(buf, "*", len);
			return buf;
		}
		salen = sizeof(struct sockaddr_in);
		break;
	case AF_INET6:
		salen = sizeof(struct sockaddr_in6);
		break;
	default:
		(void)strlcpy(buf, "?", len);
		return buf;
	}
	if (getnameinfo(sa, salen, buf, len, NULL, 0, NI_NUMERICHOST) != 0)
		(void)strlcpy(buf, "?", len);
	return buf;
}

/*
 * ADDR or ADDR/PREFIX into na, host bits cleared, text normalised.
 * An IPv4-mapped IPv6 network is kept as the IPv4 network it is.
 */
int
conf_netaddr_parse(const char *s, struct netaddr *na)
{
	struct sockaddr_in	*sin = (struct sockaddr_in *)&na->ss;
	struct sockaddr_in6	*sin6 = (struct sockaddr_in6 *)&na->ss;
	unsigned char		*a;
	char			 buf[P_ADDRLEN], addr[INET6_ADDRSTRLEN];
	const char		*errstr;
	char			*slash;
	int			 prefix = -1, max, i;

	if (strlcpy(buf, s, sizeof(buf)) >= sizeof(buf))
		return -1;
	if ((slash = strchr(buf, '/')) != NULL) {
		*slash++ = '\0';
		prefix = strtonum(slash, 0, 128, &errstr);
		if (errstr != NULL)
			return -1;
	}
	memset(na, 0, sizeof(*na));
	if (inet_pton(AF_INET, buf, &sin->sin_addr) == 1) {
		sin->sin_family = AF_INET;
		a = (unsigned char *)&sin->sin_addr;
		max = 32;
	} else if (inet_pton(AF_INET6, buf, &sin6->sin6_addr) == 1) {
		sin6->sin6_family = AF_INET6;
		a = sin6->sin6_addr.s6_addr;
		max = 128;
		if (IN6_IS_ADDR_V4MAPPED(&sin6->sin6_addr) &&
		    (prefix == -1 || prefix >= 96)) {
			struct in_addr	v4;

			memcpy(&v4, &sin6->sin6_addr.s6_addr[12], sizeof(v4));
			memset(&na->ss, 0, sizeof(na->ss));
			sin->sin_family = AF_INET;
			sin->sin_addr = v4;
			a = (unsigned char *)&sin->sin_addr;
			max = 32;
			if (prefix != -1)
				prefix -= 96;
		}
	} else
		return -1;
	if (prefix == -1)
		prefix = max;
	if (prefix > max)
		return -1;
	for (i = prefix; i < max; i++)
		a[i / 8] &= ~(0x80 >> (i % 8));
	na->prefixlen = prefix;
	if (inet_ntop(na->ss.ss_family, a, addr, sizeof(addr)) == NULL)
		return -1;
	(void)snprintf(na->text, sizeof(na->text), "%s/%d", addr, prefix);
	return 0;
}

static int
prefix_match(const unsigned char *a, const unsigned char *net, int prefix)
{
	int	bytes = prefix / 8, bits = prefix % 8;
	int	mask;

	if (memcmp(a, net, bytes) != 0)
		return 0;
	if (bits == 0)
		return 1;
	mask = (0xff << (8 - bits)) & 0xff;
	return (a[bytes] & mask) == (net[bytes] & mask);
}

/*
 * Is the client at sa inside one of the networks?  An IPv4 client
 * reaching an IPv6 socket (::ffff:a.b.c.d) is judged as IPv4.
 */
int
conf_netaddr_match(const struct netaddr_list *list, const struct sockaddr *sa)
{
	const struct sockaddr_in	*sin;
	const struct sockaddr_in6	*sin6;
	const struct netaddr		*na;
	const unsigned char		*a, *net;
	int				 af;

	switch (sa->sa_family) {
	case AF_INET:
		sin = (const struct sockaddr_in *)sa;
		a = (const unsigned char *)&sin->sin_addr;
		af = AF_INET;
		break;
	case AF_INET6:
		sin6 = (const struct sockaddr_in6 *)sa;
		if (IN6_IS_ADDR_V4MAPPED(&sin6->sin6_addr)) {
			a = &sin6->sin6_addr.s6_addr[12];
			af = AF_INET;
		} else {
			a = sin6->sin6_addr.s6_addr;
			af = AF_INET6;
		}
		break;
	default:
		return 0;
	}
	TAILQ_FOREACH(na, list, entry) {
		if (na->ss.ss_family != af)
			continue;
		if (af == AF_INET)
			net = (const unsigned char *)
			    &((const struct sockaddr_in *)&na->ss)->sin_addr;
		else
			net = ((const struct sockaddr_in6 *)&na->ss)->
			    sin6_addr.s6_addr;
		if (prefix_match(a, net, na->prefixlen))
			return 1;
	}
	return 0;
}

/* A quoted string as the lexer reads it back: \" and \\ escaped. */
static void
print_quoted(FILE *fp, const char *s)
{
	fputc('"', fp);
	for (; *s != '\0'; s++) {
		if (*s == '"' || *s == '\\')
			fputc('\\', fp);
		fputc(*s, fp);
	}
	fputc('"', fp);
}

static void
print_str(FILE *fp, const char *indent, const char *kw, const char *s)
{
	fprintf(fp, "%s%s ", indent, kw);
	print_quoted(fp, s);
	fputc('\n', fp);
}

static void
print_time(FILE *fp, const char *indent, const char *kw, int secs)
{
	char	buf[CONF_TIMELEN];

	fprintf(fp, "%s%s %s\n", indent, kw,
	    conf_fmt_time(secs, buf, sizeof(buf)));
}

/* The settings a block may override, and a block's own lines. */
static void
print_proto(const struct proto_conf *pc, FILE *fp, const char *in)
{
	const struct listen_addr	*la;
	char				 addr[P_ADDRLEN];

	TAILQ_FOREACH(la, &pc->listeners, entry)
		fprintf(fp, "%slisten on %s port %u%s\n", in,
		    conf_fmt_addr((const struct sockaddr *)&la->ss, addr,
		    sizeof(addr)), la->port, la->tls ? " tls" : "");
	print_str(fp, in, "banner", pc->banner);
	fprintf(fp, "%slogin-type %s\n", in,
	    conf_login_type_name(pc->login_type));
	fprintf(fp, "%smax-connections %d\n", in, pc->max_connections);
	fprintf(fp, "%smax-connections-per-ip %d\n", in,
	    pc->max_connections_per_ip);
	fprintf(fp, "%smax-connections-per-user %d\n", in,
	    pc->max_connections_per_user);
	if (pc->idle_timeout != 0)
		print_time(fp, in, "idle-timeout", pc->idle_timeout);
	else
		fprintf(fp, "%s# idle-timeout: each protocol's own default\n",
		    in);
	print_time(fp, in, "login-timeout", pc->login_timeout);
	fprintf(fp, "%smax-auth-attempts %d\n", in, pc->max_auth_attempts);
	if (pc->certificate[0] != '\0') {
		fprintf(fp, "%scertificate ", in);
		print_quoted(fp, pc->certificate);
		fputs(" key ", fp);
		print_quoted(fp, pc->key);
		fputc('\n', fp);
	} else
		fprintf(fp, "%s# certificate: the self-signed default\n", in);
	if (pc->proto != 0)
		print_str(fp, in, "gssapi-service", pc->gssapi_service);
	if (pc->proto == PROTO_POP3) {
		if (pc->pop3_expire == -1)
			fprintf(fp, "%sexpire never\n", in);
		else
			fprintf(fp, "%sexpire %d\n", in, pc->pop3_expire);
		if (pc->pop3_login_delay == -1)
			fprintf(fp, "%slogin-delay none\n", in);
		else
			fprintf(fp, "%slogin-delay %d\n", in,
			    pc->pop3_login_delay);
	}
}

static void
print_global(const struct postern_conf *conf, FILE *fp)
{
	const struct netaddr	*na;
	int			 i;

	print_str(fp, "", "user", conf->user);
	print_str(fp, "", "chroot", conf->chroot);
	print_str(fp, "", "pidfile", conf->pidfile);
	print_str(fp, "", "control-socket", conf->control_socket);
	if (conf->control_group[0] != '\0')
		print_str(fp, "", "control-group", conf->control_group);
	else
		fprintf(fp, "control-group none\n");
	print_str(fp, "", "libexec-dir", conf->libexec_dir);
	print_str(fp, "", "certificate-dir", conf->cert_dir);
	print_str(fp, "", "access-file", conf->access_file);
	if (conf->gssapi_keytab[0] != '\0')
		print_str(fp, "", "gssapi-keytab", conf->gssapi_keytab);
	else
		fprintf(fp, "# gssapi-keytab: none, GSSAPI is off\n");
	print_str(fp, "", "hostname", conf->hostname);
	fprintf(fp, "first-valid-uid %d\n", conf->first_valid_uid);
	print_str(fp, "", "mail-location", conf->mail_location);
	for (i = 0; i < conf->nbackends; i++) {
		if (conf->backends[i].type == AUTH_BACKEND_PAM)
			print_str(fp, "", "auth pam", conf->backends[i].arg);
		else
			print_str(fp, "", "auth passwd-file",
			    conf->backends[i].arg);
	}
	print_time(fp, "", "failure-delay", conf->failure_delay_ms / 1000);
	print_time(fp, "", "failure-delay-max",
	    conf->failure_delay_max_ms / 1000);
	print_time(fp, "", "auth-cache-ttl", conf->auth_cache_ttl);
	fprintf(fp, "auth-cache-size %d\n", conf->auth_cache_size);
	if (TAILQ_EMPTY(&conf->trusted))
		fprintf(fp, "# trusted-networks: none\n");
	else {
		fprintf(fp, "trusted-networks {");
		TAILQ_FOREACH(na, &conf->trusted, entry)
			fprintf(fp, " %s%s", na->text,
			    TAILQ_NEXT(na, entry) != NULL ? "," : "");
		fprintf(fp, " }\n");
	}
	fprintf(fp, "ipv6-prefix %d\n", conf->ipv6_prefix);
	fprintf(fp, "tls-min-version %s\n",
	    conf->tls_min_version == TLS1_3_VERSION ? "tls1.3" : "tls1.2");
	print_str(fp, "", "tls-ciphers", conf->tls_ciphers);
	print_str(fp, "", "tls-ciphersuites", conf->tls_ciphersuites);
}

/*
 * The effective configuration, defaults and inherited values included,
 * in postern.conf's grammar.  proto 0: the global settings and every
 * enabled block; PROTO_*: the global settings and that block.
 */
void
conf_print(const struct postern_conf *conf, FILE *fp, int proto)
{
	const struct proto_conf	*pc;
	int			 p;

	fprintf(fp, "# %s: effective settings, defaults included\n",
	    conf->file);
	print_global(conf, fp);
	fputc('\n', fp);
	print_proto(&conf->defaults, fp, "");
	for (p = 1; p < PROTO_MAX; p++) {
		if (proto != 0 && p != proto)
			continue;
		pc = &conf->protos[p];
		if (!pc->enabled) {
			if (proto != 0)
				fprintf(fp, "\n# %s is not enabled\n",
				    conf_proto_name(p));
			continue;
		}
		fprintf(fp, "\n%s {\n", conf_proto_name(p));
		print_proto(pc, fp, "\t");
		fprintf(fp, "}\n");
	}
}
