/*
 * The grammar of postern.conf, run by posternd (at start, on SIGHUP and
 * for -n) to turn the configuration file into a struct postern_conf.
 * Shaped like the parse.y of OpenBSD's daemons: a hand-written lexer
 * with a sorted keyword table, macros, include, and every error printed
 * as FILE:LINE before the whole parse fails.  Global settings and
 * protocol blocks may come in any order: each setting is recorded with
 * the scope that gave it, and inheritance, defaults and the checks that
 * need the whole file are resolved once everything has been read.
 */

%{
#include <sys/types.h>
#include <sys/queue.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>

#include <netinet/in.h>
#include <arpa/inet.h>

#include <ctype.h>
#include <errno.h>
#include <grp.h>
#include <limits.h>
#include <netdb.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <vis.h>

#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/tls1.h>

#include "conf.h"
#include "log.h"

#define MAXINCLUDE	16	/* include nesting */
#define MAXTOKEN	8192	/* longest word or quoted string */

struct file {
	TAILQ_ENTRY(file)	 entry;
	struct file		*parent;	/* the file that included it */
	FILE			*stream;
	char			*name;
	int			 lineno;
	int			 lastnl;	/* last byte read was '\n' */
	int			*unget;		/* pushed-back characters */
	size_t			 nunget;
	size_t			 ungetsz;
	int			 expanding;	/* reading a macro's value */
	size_t			 expand_floor;	/* nunget when it ends */
	int			 from_macro;	/* so was the last byte */
};
TAILQ_HEAD(file_list, file);

struct sym {
	TAILQ_ENTRY(sym)	 entry;
	char			*name;
	char			*value;
	int			 used;
};
TAILQ_HEAD(sym_list, sym);

typedef struct {
	struct file	*file;
	int		 line;
} YYLTYPE;
#define YYLTYPE_IS_DECLARED	1
#define YYLLOC_DEFAULT(cur, rhs, n) do {				\
	if (n)								\
		(cur) = YYRHSLOC(rhs, 1);				\
	else								\
		(cur) = YYRHSLOC(rhs, 0);				\
} while (0)

typedef struct {
	union {
		long long	 number;
		char		*string;
	} v;
} YYSTYPE;
#define YYSTYPE_IS_DECLARED	1

/* What a scope (the global settings or one block) set itself. */
#define SET_BANNER		0x001
#define SET_LOGIN_TYPE		0x002
#define SET_MAXCONN		0x004
#define SET_MAXCONN_IP		0x008
#define SET_MAXCONN_USER	0x010
#define SET_IDLE		0x020
#define SET_LOGIN_TIMEOUT	0x040
#define SET_AUTH_ATTEMPTS	0x080
#define SET_CERT		0x100

struct scope {
	int		 seen;		/* the block was given */
	YYLTYPE		 loc;		/* where it begins */
	unsigned int	 set;		/* SET_* */
	YYLTYPE		 idle_loc;
	YYLTYPE		 cert_loc;
};

/* One listener with the line that asked for it, to name duplicates. */
struct lrec {
	struct listen_addr	*la;
	int			 stmt;		/* listen statement serial */
	YYLTYPE			 loc;
};

/* The last tokens read, for error messages. */
struct tokinfo {
	int		 token;		/* 0: none yet */
	int		 quoted;
	int		 keyword;
	YYLTYPE		 loc;
	char		 text[64];
};

static int	 yylex(void);
static int	 yyerror(const char *, ...)
		    __attribute__((__format__ (printf, 1, 2)));
static void	 errat(const YYLTYPE *, const char *, ...)
		    __attribute__((__format__ (printf, 2, 3)));
static void	 verrat(const YYLTYPE *, const char *, va_list)
		    __attribute__((__format__ (printf, 2, 0)));
static int	 lex(void);
static int	 lex_quoted(int, char *, size_t);
static int	 lex_word(int, char *, size_t);
static int	 lex_macro(void);
static int	 igetc(void);
static int	 lgetc(void);
static void	 lungetc(int);
static int	 isword(int);
static int	 kw_cmp(const void *, const void *);
static const struct keyword *findkw(const char *);
static const struct keyword *kwbytoken(int);
static struct file *pushfile(const char *, const YYLTYPE *);
static int	 popfile(void);
static void	 openerr(const char *, const YYLTYPE *, const char *);
static void	 symset(const char *, const char *, const YYLTYPE *);
static const char *symget(const char *);
static void	 record_token(int);
static int	 at_stmt_start(int);
static void	 tokdesc(const struct tokinfo *, char *, size_t);
static const char *symdesc(int);
static void	 vistext(const char *, char *, size_t);
static void	 global_only(void);
static void	 begin_block(int, const YYLTYPE *);
static struct proto_conf *scope_set(unsigned int);
static void	 setstr(char *, size_t, const char *, const char *,
		    const YYLTYPE *);
static void	 setpath(char *, size_t, const char *, const char *,
		    const YYLTYPE *);
static int	 check_range(const char *, long long, long long, long long,
		    const YYLTYPE *);
static int	 check_time(const char *, long long, long long, long long,
		    const YYLTYPE *);
static long long parse_time(const char *, const YYLTYPE *);
static void	 check_idle(int, int, const YYLTYPE *, int);
static void	 set_mail_location(const char *, const YYLTYPE *);
static void	 set_banner(struct proto_conf *, const char *,
		    const YYLTYPE *);
static void	 set_hostname(const char *, const YYLTYPE *);
static void	 set_control_group(const char *, const YYLTYPE *);
static void	 set_gssapi_service(const char *, const YYLTYPE *);
static void	 set_ciphers(char *, size_t, const char *, int,
		    const YYLTYPE *);
static void	 add_backend(int, const char *, const YYLTYPE *);
static void	 add_trusted(const char *, const YYLTYPE *);
static long long lookup_port(const char *, const YYLTYPE *);
static void	 add_listen(const char *, long long, int, const YYLTYPE *);
static int	 same_listener(const struct listen_addr *,
		    const struct listen_addr *);
static int	 add_listener(int, const char *, const struct sockaddr *,
		    socklen_t, in_port_t, int, int, const YYLTYPE *);
static void	 default_listeners(int);
static void	 resolve(void);
static void	 resolve_proto(int);
static void	 resolve_cert(struct proto_conf *, const YYLTYPE *);
static void	 cleanup(void);

static struct postern_conf	*conf;
static struct file		*file;		/* being read */
static struct file_list		 files;		/* all, until the end */
static struct sym_list		 symhead;
static struct scope		 scopes[PROTO_MAX];	/* [0]: global */
static struct lrec		*lrecs;
static size_t			 nlrecs;
static int			 nstmt;
static int			 nerrors;
int				 conf_log_errors;
static int			 parse_opts;
static int			 curproto;	/* 0 outside a block */
static int			 auth_given;
static int			 lexquoted;	/* the token was quoted */
static YYLTYPE			 fdelay_loc, fdelay_max_loc;
static struct tokinfo		 hist[3];	/* [0] latest */
static char			 stmtkw[64];	/* a statement's keyword */
static SSL_CTX			*cipher_ctx;
%}

%define parse.error custom
%define parse.lac full
%locations

%token	ACCESSFILE AUTH AUTHCACHESIZE AUTHCACHETTL BANNER CERTDIR
%token	CERTIFICATE CHROOT CONTROLGROUP
%token	CONTROLSOCKET
%token	EXPIRE FAILUREDELAY FAILUREDELAYMAX FIRSTVALIDUID GSSAPIKEYTAB
%token	GSSAPISERVICE HOSTNAME
%token	IDLETIMEOUT IMAP INCLUDE IPV6PREFIX KEY LIBEXECDIR LISTEN
%token	LOGINDELAY LOGINTIMEOUT LOGINTYPE MAILLOCATION MAXAUTHATTEMPTS
%token	MAXCONN MAXCONNIP MAXCONNUSER NEVER NONE ON PAM PASSWDFILE
%token	PIDFILE PLAINTEXTAUTH PLAINTEXTLOGIN POP3 PORT SECURE SUBMISSION
%token	TLS TLS12 TLS13 TLSCIPHERS TLSCIPHERSUITES TLSMINVERSION
%token	TRUSTEDNETWORKS USER
%token	ERROR
%token	<v.string>	STRING
%token	<v.number>	NUMBER
%type	<v.number>	time logintype tlsversion protokw port opttls
%type	<v.number>	expiredays logindelay
%type	<v.string>	optstring

%destructor { free($$); } <v.string>

%%

grammar		: /* empty */
		| grammar '\n'
		| grammar include '\n'
		| grammar varset '\n'
		| grammar globalopt '\n'
		| grammar protoopt '\n'
		| grammar blockopt '\n'
		| grammar protoblock '\n'
		| grammar error '\n'		{ yyerrok; }
		;

include		: INCLUDE STRING		{
			/*
			 * The included file's first token ends the include
			 * line, whether or not the parser has read it yet.
			 */
			if (pushfile($2, &@2) != NULL)
				lungetc('\n');
			free($2);
		}
		;

varset		: STRING '=' STRING		{
			symset($1, $3, &@1);
			free($1);
			free($3);
		}
		| STRING '=' NUMBER		{
			char	buf[32];

			(void)snprintf(buf, sizeof(buf), "%lld", $3);
			symset($1, buf, &@1);
			free($1);
		}
		;

optnl		: /* empty */
		| optnl '\n'
		;

time		: NUMBER			{ $$ = $1; }
		| STRING			{
			$$ = parse_time($1, &@1);
			free($1);
		}
		;

optstring	: /* empty */			{ $$ = NULL; }
		| STRING			{ $$ = $1; }
		;

globalopt	: USER STRING			{
			if ($2[0] == '\0')
				errat(&@2, "user must not be empty");
			else
				setstr(conf->user, sizeof(conf->user), $2,
				    "user", &@2);
			free($2);
		}
		| CHROOT STRING			{
			setpath(conf->chroot, sizeof(conf->chroot), $2,
			    "chroot", &@2);
			free($2);
		}
		| PIDFILE STRING		{
			setpath(conf->pidfile, sizeof(conf->pidfile), $2,
			    "pidfile", &@2);
			free($2);
		}
		| CONTROLSOCKET STRING		{
			struct sockaddr_un	sun;

			if (strlen($2) >= sizeof(sun.sun_path))
				errat(&@2, "control-socket path is too long "
				    "(at most %zu bytes)",
				    sizeof(sun.sun_path) - 1);
			else
				setpath(conf->control_socket,
				    sizeof(conf->control_socket), $2,
				    "control-socket", &@2);
			free($2);
		}
		| CONTROLGROUP STRING		{
			set_control_group($2, &@2);
			free($2);
		}
		| CONTROLGROUP NONE		{
			conf->control_group[0] = '\0';
			conf->control_gid = 0;
		}
		| LIBEXECDIR STRING		{
			setpath(conf->libexec_dir, sizeof(conf->libexec_dir),
			    $2, "libexec-dir", &@2);
			free($2);
		}
		| CERTDIR STRING		{
			setpath(conf->cert_dir, sizeof(conf->cert_dir), $2,
			    "certificate-dir", &@2);
			free($2);
		}
		| ACCESSFILE STRING		{
			setpath(conf->access_file, sizeof(conf->access_file),
			    $2, "access-file", &@2);
			free($2);
		}
		| GSSAPIKEYTAB STRING		{
			setpath(conf->gssapi_keytab,
			    sizeof(conf->gssapi_keytab), $2, "gssapi-keytab",
			    &@2);
			free($2);
		}
		| GSSAPIKEYTAB NONE		{
			conf->gssapi_keytab[0] = '\0';
		}
		| HOSTNAME STRING		{
			set_hostname($2, &@2);
			free($2);
		}
		| FIRSTVALIDUID NUMBER		{
			if (check_range("first-valid-uid", $2, 0, INT_MAX,
			    &@2) == 0)
				conf->first_valid_uid = $2;
		}
		| MAILLOCATION STRING		{
			set_mail_location($2, &@2);
			free($2);
		}
		| AUTH PAM optstring		{
			add_backend(AUTH_BACKEND_PAM,
			    $3 == NULL ? CONF_PAM_SERVICE : $3, &@1);
			free($3);
		}
		| AUTH PASSWDFILE STRING	{
			if ($3[0] != '/')
				errat(&@3, "passwd-file must be an absolute "
				    "path");
			else
				add_backend(AUTH_BACKEND_PASSWD, $3, &@1);
			free($3);
		}
		| FAILUREDELAY time		{
			fdelay_loc = @1;
			if (check_time("failure-delay", $2, 0, 60, &@2) == 0)
				conf->failure_delay_ms = $2 * 1000;
		}
		| AUTHCACHETTL time		{
			if (check_time("auth-cache-ttl", $2, 0,
			    AUTH_CACHE_MAXTTL, &@2) == 0)
				conf->auth_cache_ttl = $2;
		}
		| AUTHCACHESIZE NUMBER		{
			if (check_range("auth-cache-size", $2, 0,
			    AUTH_CACHE_MAXSIZE, &@2) == 0)
				conf->auth_cache_size = $2;
		}
		| FAILUREDELAYMAX time		{
			fdelay_max_loc = @1;
			if (check_time("failure-delay-max", $2, 0, 3600,
			    &@2) == 0)
				conf->failure_delay_max_ms = $2 * 1000;
		}
		| TRUSTEDNETWORKS netaddr
		| TRUSTEDNETWORKS '{' optnl netlist '}'
		| IPV6PREFIX NUMBER		{
			if (check_range("ipv6-prefix", $2, 1, 128, &@2) == 0)
				conf->ipv6_prefix = $2;
		}
		| TLSMINVERSION tlsversion	{
			conf->tls_min_version = $2;
		}
		| TLSCIPHERS STRING		{
			set_ciphers(conf->tls_ciphers,
			    sizeof(conf->tls_ciphers), $2, 0, &@2);
			free($2);
		}
		| TLSCIPHERSUITES STRING	{
			set_ciphers(conf->tls_ciphersuites,
			    sizeof(conf->tls_ciphersuites), $2, 1, &@2);
			free($2);
		}
		;

netlist		: netaddr optnl
		| netlist ',' optnl netaddr optnl
		| netlist netaddr optnl
		;

netaddr		: STRING			{
			add_trusted($1, &@1);
			free($1);
		}
		;

tlsversion	: TLS12				{ $$ = TLS1_2_VERSION; }
		| TLS13				{ $$ = TLS1_3_VERSION; }
		;

protoopt	: BANNER STRING			{
			set_banner(scope_set(SET_BANNER), $2, &@2);
			free($2);
		}
		| LOGINTYPE logintype		{
			scope_set(SET_LOGIN_TYPE)->login_type = $2;
		}
		| MAXCONN NUMBER		{
			if (check_range("max-connections", $2, 1, 1000000,
			    &@2) == 0)
				scope_set(SET_MAXCONN)->max_connections = $2;
		}
		| MAXCONNIP NUMBER		{
			if (check_range("max-connections-per-ip", $2, 1,
			    1000000, &@2) == 0)
				scope_set(SET_MAXCONN_IP)->
				    max_connections_per_ip = $2;
		}
		| MAXCONNUSER NUMBER		{
			if (check_range("max-connections-per-user", $2, 1,
			    1000000, &@2) == 0)
				scope_set(SET_MAXCONN_USER)->
				    max_connections_per_user = $2;
		}
		| IDLETIMEOUT time		{
			if (check_time("idle-timeout", $2, 1, 86400,
			    &@2) == 0) {
				scope_set(SET_IDLE)->idle_timeout = $2;
				scopes[curproto].idle_loc = @1;
				if (curproto != 0)
					check_idle(curproto, $2, &@1, 0);
			}
		}
		| LOGINTIMEOUT time		{
			if (check_time("login-timeout", $2, 1, 3600,
			    &@2) == 0)
				scope_set(SET_LOGIN_TIMEOUT)->login_timeout =
				    $2;
		}
		| MAXAUTHATTEMPTS NUMBER	{
			if (check_range("max-auth-attempts", $2, 1, 100,
			    &@2) == 0)
				scope_set(SET_AUTH_ATTEMPTS)->
				    max_auth_attempts = $2;
		}
		| CERTIFICATE STRING KEY STRING	{
			struct proto_conf	*pc = scope_set(SET_CERT);

			scopes[curproto].cert_loc = @1;
			if ($2[0] == '\0' || $4[0] == '\0')
				errat(&@1, "certificate and key must not be "
				    "empty");
			setstr(pc->certificate, sizeof(pc->certificate), $2,
			    "certificate", &@2);
			setstr(pc->key, sizeof(pc->key), $4, "key", &@4);
			free($2);
			free($4);
		}
		| CERTIFICATE STRING		{
			errat(&@1, "certificate needs its key: "
			    "certificate \"FILE\" key \"FILE\"");
			free($2);
		}
		;

logintype	: SECURE			{ $$ = LOGIN_SECURE; }
		| PLAINTEXTAUTH			{ $$ = LOGIN_PLAINTEXT_AUTH; }
		| PLAINTEXTLOGIN		{ $$ = LOGIN_PLAINTEXT_LOGIN; }
		;

blockopt	: LISTEN ON STRING PORT port opttls	{
			if (curproto == 0)
				errat(&@1, "listen is only valid inside a "
				    "protocol block");
			else if ($5 != -1)
				add_listen($3, $5, $6, &@1);
			free($3);
		}
		| EXPIRE expiredays		{
			if (curproto != PROTO_POP3)
				errat(&@1, "expire is only valid in a pop3 "
				    "block");
			else
				conf->protos[PROTO_POP3].pop3_expire = $2;
		}
		| GSSAPISERVICE STRING		{
			if (curproto == 0)
				errat(&@1, "gssapi-service is only valid "
				    "inside a protocol block");
			else
				set_gssapi_service($2, &@2);
			free($2);
		}
		| LOGINDELAY logindelay		{
			if (curproto != PROTO_POP3)
				errat(&@1, "login-delay is only valid in a "
				    "pop3 block");
			else
				conf->protos[PROTO_POP3].pop3_login_delay = $2;
		}
		;

port		: NUMBER			{
			if (check_range("port", $1, 1, 65535, &@1) == 0)
				$$ = $1;
			else
				$$ = -1;
		}
		| STRING			{
			$$ = lookup_port($1, &@1);
			free($1);
		}
		| protokw			{
			$$ = lookup_port(conf_proto_name($1), &@1);
		}
		;

opttls		: /* empty */			{ $$ = 0; }
		| TLS				{ $$ = 1; }
		;

expiredays	: NEVER				{ $$ = -1; }
		| NUMBER			{
			if (check_range("expire", $1, 0, 9999, &@1) == 0)
				$$ = $1;
			else
				$$ = -1;
		}
		;

logindelay	: NONE				{ $$ = -1; }
		| NUMBER			{
			if (check_range("login-delay", $1, 0, 86400,
			    &@1) == 0)
				$$ = $1;
			else
				$$ = -1;
		}
		;

protokw		: POP3				{ $$ = PROTO_POP3; }
		| IMAP				{ $$ = PROTO_IMAP; }
		| SUBMISSION			{ $$ = PROTO_SUBMISSION; }
		;

blockstart	: protokw optnl '{'		{ begin_block($1, &@1); }
		;

protoblock	: blockstart blocklist '}'	{ curproto = 0; }
		| blockstart blocklist blockstmt '}'	{ curproto = 0; }
		| blockstart blocklist error '}'	{ curproto = 0; }
		;

blocklist	: /* empty */
		| blocklist '\n'
		| blocklist blockstmt '\n'
		| blocklist error '\n'		{ yyerrok; }
		;

blockstmt	: protoopt
		| blockopt
		| globalopt			{ global_only(); }
		| protokw optnl '{'		{
			/* Read it whole so that one mistake is one error. */
			errat(&@1, "the %s block cannot be inside the %s block",
			    conf_proto_name($1), conf_proto_name(curproto));
		} blocklist '}'
		;

%%

struct keyword {
	const char	*name;
	int		 token;
	const char	*expect;	/* what must follow, for errors */
};

#define EXPECT_TIME	"a time (such as 90, 30s, 10m or 1h)"

/* Sorted by name (strcmp): findkw() searches it with bsearch(3). */
static const struct keyword keywords[] = {
	{ "access-file",		ACCESSFILE,	"a path" },
	{ "auth",			AUTH,		"pam or passwd-file" },
	{ "auth-cache-size",		AUTHCACHESIZE,	"a number" },
	{ "auth-cache-ttl",		AUTHCACHETTL,	EXPECT_TIME },
	{ "banner",			BANNER,		"a quoted text" },
	{ "certificate",		CERTIFICATE,	"a file name" },
	{ "certificate-dir",		CERTDIR,	"a directory" },
	{ "chroot",			CHROOT,		"a directory" },
	{ "control-group",		CONTROLGROUP,	"a group name or none" },
	{ "control-socket",		CONTROLSOCKET,	"a path" },
	{ "expire",			EXPIRE,		"never or a number "
							"of days" },
	{ "failure-delay",		FAILUREDELAY,	EXPECT_TIME },
	{ "failure-delay-max",		FAILUREDELAYMAX, EXPECT_TIME },
	{ "first-valid-uid",		FIRSTVALIDUID,	"a number" },
	{ "gssapi-keytab",		GSSAPIKEYTAB,	"a keytab or none" },
	{ "gssapi-service",		GSSAPISERVICE,	"a service name" },
	{ "hostname",			HOSTNAME,	"a host name" },
	{ "idle-timeout",		IDLETIMEOUT,	EXPECT_TIME },
	{ "imap",			IMAP,		"{" },
	{ "include",			INCLUDE,	"a file name" },
	{ "ipv6-prefix",		IPV6PREFIX,	"a number" },
	{ "key",			KEY,		"a file name" },
	{ "libexec-dir",		LIBEXECDIR,	"a directory" },
	{ "listen",			LISTEN,		"on" },
	{ "login-delay",		LOGINDELAY,	"none or a number "
							"of seconds" },
	{ "login-timeout",		LOGINTIMEOUT,	EXPECT_TIME },
	{ "login-type",			LOGINTYPE,	"secure, plaintext-auth "
							"or plaintext-login" },
	{ "mail-location",		MAILLOCATION,	"a mail location" },
	{ "max-auth-attempts",		MAXAUTHATTEMPTS, "a number" },
	{ "max-connections",		MAXCONN,	"a number" },
	{ "max-connections-per-ip",	MAXCONNIP,	"a number" },
	{ "max-connections-per-user",	MAXCONNUSER,	"a number" },
	{ "never",			NEVER,		NULL },
	{ "none",			NONE,		NULL },
	{ "on",				ON,		"an address" },
	{ "pam",			PAM,		NULL },
	{ "passwd-file",		PASSWDFILE,	"a path" },
	{ "pidfile",			PIDFILE,	"a path" },
	{ "plaintext-auth",		PLAINTEXTAUTH,	NULL },
	{ "plaintext-login",		PLAINTEXTLOGIN,	NULL },
	{ "pop3",			POP3,		"{" },
	{ "port",			PORT,		"a port number or "
							"service name" },
	{ "secure",			SECURE,		NULL },
	{ "submission",			SUBMISSION,	"{" },
	{ "tls",			TLS,		NULL },
	{ "tls-ciphers",		TLSCIPHERS,	"a cipher list" },
	{ "tls-ciphersuites",		TLSCIPHERSUITES, "a list of cipher "
							"suites" },
	{ "tls-min-version",		TLSMINVERSION,	"tls1.2 or tls1.3" },
	{ "tls1.2",			TLS12,		NULL },
	{ "tls1.3",			TLS13,		NULL },
	{ "trusted-networks",		TRUSTEDNETWORKS, "an address, or a "
							"list in { }" },
	{ "user",			USER,		"a user name" },
};

static int
kw_cmp(const void *k, const void *e)
{
	return strcmp(k, ((const struct keyword *)e)->name);
}

static const struct keyword *
findkw(const char *s)
{
	return bsearch(s, keywords, sizeof(keywords) / sizeof(keywords[0]),
	    sizeof(keywords[0]), kw_cmp);
}

static const struct keyword *
kwbytoken(int token)
{
	size_t	i;

	for (i = 0; i < sizeof(keywords) / sizeof(keywords[0]); i++)
		if (keywords[i].token == token)
			return &keywords[i];
	return NULL;
}

/* ---- errors ---------------------------------------------------------- */

static void
verrat(const YYLTYPE *loc, const char *fmt, va_list ap)
{
	char	*msg;

	nerrors++;
	if (vasprintf(&msg, fmt, ap) == -1)
		fatal("%s", __func__);
	/* A running daemon's stderr goes nowhere: reload errors are logged. */
	if (loc != NULL && loc->file != NULL) {
		if (conf_log_errors)
			log_warnx("%s:%d: %s", loc->file->name, loc->line, msg);
		else
			fprintf(stderr, "%s:%d: %s\n", loc->file->name,
			    loc->line, msg);
	} else if (conf_log_errors)
		log_warnx("%s: %s", conf->file, msg);
	else
		fprintf(stderr, "%s: %s\n", conf->file, msg);
	free(msg);
}

static void
errat(const YYLTYPE *loc, const char *fmt, ...)
{
	va_list	ap;

	va_start(ap, fmt);
	verrat(loc, fmt, ap);
	va_end(ap);
}

/* Bison calls this for what it cannot report itself (memory). */
static int
yyerror(const char *fmt, ...)
{
	va_list	ap;

	va_start(ap, fmt);
	verrat(&yylloc, fmt, ap);
	va_end(ap);
	return 0;
}

static void
vistext(const char *s, char *buf, size_t len)
{
	(void)strnvis(buf, s, len, VIS_SAFE | VIS_OCTAL | VIS_DQ);
}

static void
tokdesc(const struct tokinfo *t, char *buf, size_t len)
{
	switch (t->token) {
	case YYEOF:
		(void)strlcpy(buf, "end of file", len);
		break;
	case '\n':
		(void)strlcpy(buf, "end of line", len);
		break;
	case STRING:
		(void)snprintf(buf, len, "\"%s\"", t->text);
		break;
	case NUMBER:
		(void)snprintf(buf, len, "number %s", t->text);
		break;
	default:
		if (t->keyword)
			(void)strlcpy(buf, t->text, len);
		else
			(void)snprintf(buf, len, "\"%s\"", t->text);
		break;
	}
}

static const char *
symdesc(int kind)
{
	const struct keyword	*kw;
	size_t			 i;

	switch (kind) {
	case YYSYMBOL_YYEOF:
		return "end of file";
	case YYSYMBOL_STRING:
		return "a string";
	case YYSYMBOL_NUMBER:
		return "a number";
	case YYSYMBOL_YYerror:
	case YYSYMBOL_YYUNDEF:
	case YYSYMBOL_ERROR:
		return NULL;
	default:
		break;
	}
	if (kind == YYTRANSLATE('\n'))
		return "end of line";
	if (kind == YYTRANSLATE('{'))
		return "\"{\"";
	if (kind == YYTRANSLATE('}'))
		return "\"}\"";
	if (kind == YYTRANSLATE(','))
		return "\",\"";
	if (kind == YYTRANSLATE('='))
		return "\"=\"";
	for (i = 0; i < sizeof(keywords) / sizeof(keywords[0]); i++) {
		kw = &keywords[i];
		if (YYTRANSLATE(kw->token) == kind)
			return kw->name;
	}
	return NULL;
}

/*
 * Say what went wrong in the administrator's terms: an unknown word at
 * the start of a line is an unknown keyword; a bad value right after a
 * keyword names what the keyword takes; anything else lists what was
 * expected.
 */
static int
yyreport_syntax_error(const yypcontext_t *ctx)
{
	yysymbol_kind_t		 expected[6];
	const struct keyword	*kw;
	const struct tokinfo	*la = &hist[0], *prev = &hist[1];
	const char		*descs[6];
	char			 msg[512], what[128];
	int			 i, n, nd = 0, want_eq = 0;

	if (yypcontext_token(ctx) == YYSYMBOL_ERROR)
		return 0;	/* the lexer has said why */
	if (yypcontext_token(ctx) == YYSYMBOL_YYEOF && curproto != 0) {
		errat(&scopes[curproto].loc, "the %s block is not closed: "
		    "\"}\" is missing at the end of the file",
		    conf_proto_name(curproto));
		return 0;
	}
	n = yypcontext_expected_tokens(ctx, expected, 6);
	for (i = 0; i < n; i++) {
		if (expected[i] == YYTRANSLATE('='))
			want_eq = 1;
		if ((descs[nd] = symdesc(expected[i])) != NULL)
			nd++;
	}

	if (la->token == STRING && !la->quoted && at_stmt_start(1)) {
		errat(&la->loc, "unknown keyword \"%s\"", la->text);
		return 0;
	}
	/* At the top level a word might have begun "name = value". */
	if (prev->token == STRING && !prev->quoted && at_stmt_start(2) &&
	    want_eq) {
		errat(&prev->loc, "unknown keyword \"%s\"", prev->text);
		return 0;
	}
	if (la->keyword && at_stmt_start(1)) {
		if (curproto != 0)
			errat(&la->loc, "%s is not valid in a %s block",
			    la->text, conf_proto_name(curproto));
		else
			errat(&la->loc, "%s is not valid here", la->text);
		return 0;
	}
	/* pop3, imap, submission after "port" are service names. */
	if (prev->keyword && hist[2].token != PORT &&
	    (kw = findkw(prev->text)) != NULL && kw->expect != NULL) {
		errat(&la->loc, "syntax error, expected %s after %s",
		    kw->expect, kw->name);
		return 0;
	}
	tokdesc(la, what, sizeof(what));
	(void)snprintf(msg, sizeof(msg), "syntax error, unexpected %s", what);
	for (i = 0; i < nd; i++) {
		(void)strlcat(msg, i == 0 ? ", expected " :
		    i == nd - 1 ? " or " : ", ", sizeof(msg));
		(void)strlcat(msg, descs[i], sizeof(msg));
	}
	errat(&la->loc, "%s", msg);
	return 0;
}

/* ---- lexer ----------------------------------------------------------- */

static int
igetc(void)
{
	int	c;

	file->from_macro = 0;
	if (file->nunget > 0) {
		file->from_macro = file->expanding;
		c = file->unget[--file->nunget];
		if (file->expanding && file->nunget == file->expand_floor)
			file->expanding = 0;
	} else {
		c = getc(file->stream);
		if (c == EOF) {
			if (ferror(file->stream)) {
				errat(&yylloc, "%s: %s", file->name,
				    strerror(errno));
				clearerr(file->stream);
			}
			/* Every file ends a line, include files too. */
			if (file->lastnl)
				return EOF;
			c = '\n';
		}
		file->lastnl = (c == '\n');
	}
	if (c == '\n')
		file->lineno++;
	return c;
}

/* A backslash before a newline joins two lines. */
static int
lgetc(void)
{
	int	c, next;

	while ((c = igetc()) == '\\') {
		if ((next = igetc()) != '\n') {
			lungetc(next);
			break;
		}
	}
	return c;
}

static void
lungetc(int c)
{
	int	*p;

	if (c == EOF)
		return;
	if (c == '\n')
		file->lineno--;
	if (file->nunget == file->ungetsz) {
		p = reallocarray(file->unget, file->ungetsz + 64, sizeof(*p));
		if (p == NULL)
			fatal("%s", __func__);
		file->unget = p;
		file->ungetsz += 64;
	}
	file->unget[file->nunget++] = c;
}

static int
isword(int c)
{
	if (c == EOF || !isgraph((unsigned char)c))
		return 0;
	return strchr("\"'#{},=;()<>\\", c) == NULL;
}

static int
yylex(void)
{
	int	token;

	lexquoted = 0;
	token = lex();
	record_token(token);
	return token;
}

static void
record_token(int token)
{
	const struct keyword	*kw;
	char			 buf[32];
	const char		*text = NULL;

	hist[2] = hist[1];
	hist[1] = hist[0];
	memset(&hist[0], 0, sizeof(hist[0]));
	hist[0].token = token;
	hist[0].quoted = lexquoted;
	hist[0].loc = yylloc;
	if (token == STRING)
		text = yylval.v.string;
	else if (token == NUMBER) {
		(void)snprintf(buf, sizeof(buf), "%lld", yylval.v.number);
		text = buf;
	} else if ((kw = kwbytoken(token)) != NULL) {
		text = kw->name;
		hist[0].keyword = 1;
	} else if (token > 0 && token < 256) {
		buf[0] = token;
		buf[1] = '\0';
		text = buf;
	}
	if (text != NULL)
		vistext(text, hist[0].text, sizeof(hist[0].text));
	if (hist[0].keyword && at_stmt_start(1))
		(void)strlcpy(stmtkw, hist[0].text, sizeof(stmtkw));
}

/* Is the token at hist[i] the first of a statement? */
static int
at_stmt_start(int i)
{
	int	t = hist[i].token;

	return t == 0 || t == '\n' || t == '{';
}

static int
lex(void)
{
	char	 buf[MAXTOKEN];
	int	 c;

top:
	while ((c = lgetc()) == ' ' || c == '\t' || c == '\r')
		;
	/* A newline has already counted itself into lineno. */
	yylloc.file = file;
	yylloc.line = file->lineno - (c == '\n');
	if (c == '#')
		while ((c = lgetc()) != '\n' && c != EOF)
			;
	if (c == '$' && !file->from_macro) {
		if ((c = lex_macro()) == 0)
			goto top;
		return c;
	}
	switch (c) {
	case EOF:
		if (popfile() == 0)
			goto top;
		return 0;
	case '\n':
		return '\n';
	case '"':
	case '\'':
		lexquoted = 1;
		return lex_quoted(c, buf, sizeof(buf));
	default:
		break;
	}
	if (isword(c))
		return lex_word(c, buf, sizeof(buf));
	if (!isprint((unsigned char)c)) {
		yyerror("unexpected character \\%03o", c & 0xff);
		return ERROR;
	}
	return c;
}

/* Replace $name with the macro's value, read again as input. */
static int
lex_macro(void)
{
	char		 name[MAXTOKEN], vis[128];
	const char	*val;
	size_t		 i = 0, n;
	int		 c;

	while ((c = lgetc()) != EOF && (isalnum(c) || c == '_')) {
		if (i + 1 >= sizeof(name)) {
			yyerror("macro name is too long");
			return ERROR;
		}
		name[i++] = c;
	}
	name[i] = '\0';
	lungetc(c);
	if (i == 0) {
		yyerror("a $ must be followed by a macro name");
		return ERROR;
	}
	if ((val = symget(name)) == NULL) {
		vistext(name, vis, sizeof(vis));
		yyerror("macro \"%s\" is not defined", vis);
		return ERROR;
	}
	file->expand_floor = file->nunget;
	for (n = strlen(val); n > 0; n--)
		lungetc((unsigned char)val[n - 1]);
	file->expanding = file->nunget > file->expand_floor;
	return 0;
}

static int
lex_quoted(int quotec, char *buf, size_t len)
{
	size_t	i = 0;
	int	c, next, toolong = 0, nul = 0;

	for (;;) {
		c = igetc();
		if (c == '\n' || c == EOF) {
			lungetc(c);
			yyerror("unterminated quoted string");
			return ERROR;
		}
		if (c == quotec)
			break;
		if (c == '\\') {
			next = igetc();
			if (next == quotec || next == '\\')
				c = next;
			else if (next == '\n')
				continue;
			else
				lungetc(next);
		}
		if (c == '\0')
			nul = 1;
		if (i + 1 >= len)
			toolong = 1;
		else
			buf[i++] = c;
	}
	buf[i] = '\0';
	if (toolong || nul) {
		yyerror(toolong ? "string is too long" :
		    "string contains a NUL byte");
		return ERROR;
	}
	if ((yylval.v.string = strdup(buf)) == NULL)
		fatal("%s", __func__);
	return STRING;
}

static int
lex_word(int c, char *buf, size_t len)
{
	const struct keyword	*kw;
	const char		*errstr;
	size_t			 i = 0;
	int			 digits = 1;

	do {
		if (i + 1 >= len) {
			yyerror("word is too long");
			while (isword(c = lgetc()))
				;
			lungetc(c);
			return ERROR;
		}
		if (!isdigit(c))
			digits = 0;
		buf[i++] = c;
	} while (isword(c = lgetc()));
	lungetc(c);
	buf[i] = '\0';

	if (digits) {
		yylval.v.number = strtonum(buf, 0, INT_MAX, &errstr);
		if (errstr != NULL) {
			yyerror("number %s is too large", buf);
			return ERROR;
		}
		return NUMBER;
	}
	if ((kw = findkw(buf)) != NULL)
		return kw->token;
	if ((yylval.v.string = strdup(buf)) == NULL)
		fatal("%s", __func__);
	return STRING;
}

/* ---- files and macros ------------------------------------------------- */

static struct file *
pushfile(const char *name, const YYLTYPE *loc)
{
	struct file	*nf, *p;
	struct stat	 st;
	FILE		*stream;
	const char	*slash;
	char		 path[PATH_MAX], vis[PATH_MAX];
	int		 depth = 0, len;

	for (p = file; p != NULL; p = p->parent)
		depth++;
	vistext(name, vis, sizeof(vis));
	if (depth >= MAXINCLUDE) {
		errat(loc, "include \"%s\": nested too deeply (at most %d "
		    "levels)", vis, MAXINCLUDE);
		return NULL;
	}
	/* A relative include is found beside the file that names it. */
	if (file != NULL && name[0] != '/' &&
	    (slash = strrchr(file->name, '/')) != NULL) {
		len = snprintf(path, sizeof(path), "%.*s/%s",
		    (int)(slash - file->name), file->name, name);
	} else
		len = snprintf(path, sizeof(path), "%s", name);
	if (len < 0 || (size_t)len >= sizeof(path)) {
		errat(loc, "include \"%s\": path is too long", vis);
		return NULL;
	}

	if ((stream = fopen(path, "r")) == NULL) {
		openerr(path, loc, strerror(errno));
		return NULL;
	}
	if (fstat(fileno(stream), &st) == -1) {
		openerr(path, loc, strerror(errno));
		fclose(stream);
		return NULL;
	}
	if (!S_ISREG(st.st_mode)) {
		openerr(path, loc, "not a regular file");
		fclose(stream);
		return NULL;
	}
	if ((nf = calloc(1, sizeof(*nf))) == NULL ||
	    (nf->name = strdup(path)) == NULL)
		fatal("%s", __func__);
	nf->stream = stream;
	nf->lineno = 1;
	nf->lastnl = 1;
	nf->parent = file;
	TAILQ_INSERT_TAIL(&files, nf, entry);
	file = nf;
	return nf;
}

/* The main file's trouble names the file; an include's, the line. */
static void
openerr(const char *path, const YYLTYPE *loc, const char *why)
{
	char	vis[PATH_MAX];

	vistext(path, vis, sizeof(vis));
	if (loc == NULL)
		errat(NULL, "%s", why);
	else
		errat(loc, "include \"%s\": %s", vis, why);
}

/* Back to the including file; -1 at the end of the main file. */
static int
popfile(void)
{
	if (file->parent == NULL)
		return -1;
	fclose(file->stream);
	file->stream = NULL;
	file = file->parent;
	return 0;
}

static void
symset(const char *name, const char *value, const YYLTYPE *loc)
{
	struct sym	*sym;
	const char	*p;

	for (p = name; *p != '\0'; p++)
		if (!isalnum((unsigned char)*p) && *p != '_') {
			errat(loc, "macro names are letters, digits and _");
			return;
		}
	TAILQ_FOREACH(sym, &symhead, entry)
		if (strcmp(sym->name, name) == 0)
			break;
	if (sym == NULL) {
		if ((sym = calloc(1, sizeof(*sym))) == NULL ||
		    (sym->name = strdup(name)) == NULL)
			fatal("%s", __func__);
		TAILQ_INSERT_TAIL(&symhead, sym, entry);
	}
	free(sym->value);
	if ((sym->value = strdup(value)) == NULL)
		fatal("%s", __func__);
}

static const char *
symget(const char *name)
{
	struct sym	*sym;

	TAILQ_FOREACH(sym, &symhead, entry)
		if (strcmp(sym->name, name) == 0) {
			sym->used = 1;
			return sym->value;
		}
	return NULL;
}

/* ---- settings --------------------------------------------------------- */

static void
global_only(void)
{
	yyerror("%s is a global setting and cannot be given in a %s block",
	    stmtkw, conf_proto_name(curproto));
}

static void
begin_block(int proto, const YYLTYPE *loc)
{
	struct scope	*s = &scopes[proto];

	if (s->seen) {
		if (s->loc.file == loc->file)
			errat(loc, "the %s block is given twice; the first "
			    "is on line %d", conf_proto_name(proto),
			    s->loc.line);
		else
			errat(loc, "the %s block is given twice; the first "
			    "is at %s:%d", conf_proto_name(proto),
			    s->loc.file->name, s->loc.line);
	} else {
		s->seen = 1;
		s->loc = *loc;
	}
	conf->protos[proto].enabled = 1;
	curproto = proto;
}

/* The settings the current scope writes to, marking what it sets. */
static struct proto_conf *
scope_set(unsigned int what)
{
	scopes[curproto].set |= what;
	if (curproto == 0)
		return &conf->defaults;
	return &conf->protos[curproto];
}

static void
setstr(char *dst, size_t len, const char *s, const char *what,
    const YYLTYPE *loc)
{
	if (strlcpy(dst, s, len) >= len)
		errat(loc, "%s is too long (at most %zu bytes)", what,
		    len - 1);
}

static void
setpath(char *dst, size_t len, const char *s, const char *what,
    const YYLTYPE *loc)
{
	if (s[0] != '/')
		errat(loc, "%s must be an absolute path", what);
	else
		setstr(dst, len, s, what, loc);
}

static int
check_range(const char *what, long long v, long long lo, long long hi,
    const YYLTYPE *loc)
{
	if (v < lo || v > hi) {
		errat(loc, "%s %lld is out of range (%lld to %lld)", what, v,
		    lo, hi);
		return -1;
	}
	return 0;
}

/* v == -1: parse_time() has already reported it. */
static int
check_time(const char *what, long long v, long long lo, long long hi,
    const YYLTYPE *loc)
{
	char	a[CONF_TIMELEN], b[CONF_TIMELEN], c[CONF_TIMELEN];

	if (v == -1)
		return -1;
	if (v < lo || v > hi) {
		if (v > INT_MAX)
			v = INT_MAX;
		errat(loc, "%s %s is out of range (%s to %s)", what,
		    conf_fmt_time(v, a, sizeof(a)),
		    conf_fmt_time(lo, b, sizeof(b)),
		    conf_fmt_time(hi, c, sizeof(c)));
		return -1;
	}
	return 0;
}

/* "90", "30s", "10m", "1h": seconds, or -1 after an error. */
static long long
parse_time(const char *s, const YYLTYPE *loc)
{
	char		 buf[32], vis[64];
	const char	*errstr;
	long long	 v, mult = 1;
	size_t		 len = strlen(s);

	if (len > 0 && len < sizeof(buf)) {
		memcpy(buf, s, len + 1);
		switch (buf[len - 1]) {
		case 's':
			mult = 1;
			buf[--len] = '\0';
			break;
		case 'm':
			mult = 60;
			buf[--len] = '\0';
			break;
		case 'h':
			mult = 3600;
			buf[--len] = '\0';
			break;
		default:
			break;
		}
		if (len > 0 && strspn(buf, "0123456789") == len) {
			v = strtonum(buf, 0, INT_MAX / 3600, &errstr);
			if (errstr == NULL)
				return v * mult;
		}
	}
	vistext(s, vis, sizeof(vis));
	errat(loc, "invalid time \"%s\": expected a number of seconds, or a "
	    "number followed by s, m or h", vis);
	return -1;
}

/* The RFC floors of idle-timeout; see conf_proto_info(). */
static void
check_idle(int proto, int secs, const YYLTYPE *loc, int inherited)
{
	const struct conf_proto_info	*pi = conf_proto_info(proto);
	char				 a[CONF_TIMELEN], b[CONF_TIMELEN];

	if (pi == NULL || pi->idle_min == 0 || secs >= pi->idle_min)
		return;
	conf_fmt_time(secs, a, sizeof(a));
	conf_fmt_time(pi->idle_min, b, sizeof(b));
	if (inherited)
		errat(loc, "idle-timeout %s, which the %s block inherits, is "
		    "below the %s minimum of %s (%s)", a, pi->name, pi->name,
		    b, pi->idle_rfc);
	else
		errat(loc, "idle-timeout %s is below the %s minimum of %s "
		    "(%s)", a, pi->name, b, pi->idle_rfc);
}

static void
set_mail_location(const char *s, const YYLTYPE *loc)
{
	const char	*colon, *slash;
	char		 vis[64];

	if (strncmp(s, "maildir:", 8) == 0)
		s += 8;
	else if ((colon = strchr(s, ':')) != NULL &&
	    ((slash = strchr(s, '/')) == NULL || colon < slash)) {
		vistext(s, vis, sizeof(vis));
		errat(loc, "mail-location \"%s\": only maildir is supported",
		    vis);
		return;
	}
	if (s[0] != '/' && strncmp(s, "~/", 2) != 0) {
		errat(loc, "mail-location must be an absolute path or start "
		    "with ~/");
		return;
	}
	setstr(conf->mail_location, sizeof(conf->mail_location), s,
	    "mail-location", loc);
}

static void
set_banner(struct proto_conf *pc, const char *s, const YYLTYPE *loc)
{
	const char	*p;

	for (p = s; *p != '\0'; p++)
		if (!isprint((unsigned char)*p)) {
			errat(loc, "banner must be printable text on one "
			    "line");
			return;
		}
	if (strlcpy(pc->banner, s, sizeof(pc->banner)) >= sizeof(pc->banner))
		errat(loc, "banner is too long (at most %zu bytes)",
		    sizeof(pc->banner) - 1);
}

/*
 * The group whose members may use the control socket's read-only
 * commands.  It must exist now: a typo would otherwise lock the
 * administrators out, or leave the socket to a group nobody meant.
 */
static void
set_control_group(const char *s, const YYLTYPE *loc)
{
	struct group	*gr;
	char		 vis[P_NAMELEN * 4];

	vistext(s, vis, sizeof(vis));
	if (s[0] == '\0') {
		errat(loc, "control-group must not be empty (none turns it "
		    "off)");
		return;
	}
	if (strlen(s) >= sizeof(conf->control_group)) {
		errat(loc, "control-group \"%s\" is too long", vis);
		return;
	}
	errno = 0;
	if ((gr = getgrnam(s)) == NULL) {
		/* getgrnam(3): these mean the lookup failed, not "absent". */
		if (errno == EIO || errno == EINTR || errno == EMFILE ||
		    errno == ENFILE || errno == ENOMEM || errno == ERANGE)
			errat(loc, "control-group \"%s\": %s", vis,
			    strerror(errno));
		else
			errat(loc, "control-group \"%s\": no such group",
			    vis);
		return;
	}
	(void)strlcpy(conf->control_group, s, sizeof(conf->control_group));
	conf->control_gid = gr->gr_gid;
}

static void
set_hostname(const char *s, const YYLTYPE *loc)
{
	const char	*p;

	if (s[0] == '\0') {
		errat(loc, "hostname must not be empty");
		return;
	}
	for (p = s; *p != '\0'; p++)
		if (!isalnum((unsigned char)*p) && strchr("-._", *p) == NULL) {
			errat(loc, "hostname may contain only letters, digits, "
			    "'-', '.' and '_'");
			return;
		}
	setstr(conf->hostname, sizeof(conf->hostname), s, "hostname", loc);
}

/*
 * A Kerberos service name, the first part of the server's principals
 * (pop/HOST@REALM): letters, digits, '.', '_' and '-'.
 */
static void
set_gssapi_service(const char *s, const YYLTYPE *loc)
{
	const char	*p;

	if (s[0] == '\0') {
		errat(loc, "gssapi-service must not be empty");
		return;
	}
	for (p = s; *p != '\0'; p++)
		if (!isalnum((unsigned char)*p) && *p != '.' && *p != '_' &&
		    *p != '-') {
			errat(loc, "gssapi-service may only have letters, "
			    "digits, '.', '_' and '-'");
			return;
		}
	setstr(conf->protos[curproto].gssapi_service,
	    sizeof(conf->protos[curproto].gssapi_service), s,
	    "gssapi-service", loc);
}

/* Refuse a cipher string OpenSSL would reject when posternd loads it. */
static void
set_ciphers(char *dst, size_t len, const char *s, int tls13,
    const YYLTYPE *loc)
{
	char	vis[P_TEXTLEN * 4];
	int	ok;

	if (strlcpy(dst, s, len) >= len) {
		errat(loc, "%s is too long (at most %zu bytes)",
		    tls13 ? "tls-ciphersuites" : "tls-ciphers", len - 1);
		return;
	}
	if (cipher_ctx == NULL &&
	    (cipher_ctx = SSL_CTX_new(TLS_method())) == NULL)
		fatalx("%s: SSL_CTX_new failed", __func__);
	if (tls13)
		ok = SSL_CTX_set_ciphersuites(cipher_ctx, s);
	else
		ok = SSL_CTX_set_cipher_list(cipher_ctx, s);
	ERR_clear_error();
	if (!ok || s[0] == '\0') {
		vistext(s, vis, sizeof(vis));
		errat(loc, "%s \"%s\" selects no cipher OpenSSL knows",
		    tls13 ? "tls-ciphersuites" : "tls-ciphers", vis);
	}
}

static void
add_backend(int type, const char *arg, const YYLTYPE *loc)
{
	struct auth_backend	*b;

	/* The first auth line replaces the default backend. */
	if (!auth_given) {
		auth_given = 1;
		conf->nbackends = 0;
	}
	if (conf->nbackends >= AUTH_MAXBACKENDS) {
		errat(loc, "too many auth backends (at most %d)",
		    AUTH_MAXBACKENDS);
		return;
	}
	b = &conf->backends[conf->nbackends];
	memset(b, 0, sizeof(*b));
	b->type = type;
	if (arg[0] == '\0') {
		errat(loc, "auth: the %s must not be empty",
		    type == AUTH_BACKEND_PAM ? "PAM service" : "passwd-file");
		return;
	}
	if (strlcpy(b->arg, arg, sizeof(b->arg)) >= sizeof(b->arg)) {
		errat(loc, "auth: argument is too long");
		return;
	}
	conf->nbackends++;
}

static void
add_trusted(const char *s, const YYLTYPE *loc)
{
	struct netaddr	*na;
	char		 vis[P_ADDRLEN * 4];

	if ((na = calloc(1, sizeof(*na))) == NULL)
		fatal("%s", __func__);
	if (conf_netaddr_parse(s, na) == -1) {
		vistext(s, vis, sizeof(vis));
		errat(loc, "trusted-networks: \"%s\" is not an address or "
		    "ADDRESS/PREFIX", vis);
		free(na);
		return;
	}
	TAILQ_INSERT_TAIL(&conf->trusted, na, entry);
}

static long long
lookup_port(const char *s, const YYLTYPE *loc)
{
	struct servent	*se;
	const char	*errstr;
	char		 vis[64];
	long long	 v;

	v = strtonum(s, 1, 65535, &errstr);
	if (errstr == NULL)
		return v;
	if ((se = getservbyname(s, "tcp")) != NULL)
		return ntohs(se->s_port);
	vistext(s, vis, sizeof(vis));
	errat(loc, "port \"%s\" is neither a number nor a known tcp service",
	    vis);
	return -1;
}

/* Every address ADDR stands for becomes one listener. */
static void
add_listen(const char *host, long long port, int tls, const YYLTYPE *loc)
{
	struct addrinfo		 hints, *res, *ai;
	struct sockaddr_in	 sin;
	char			 vis[P_NAMELEN * 4];
	int			 error;

	nstmt++;
	vistext(host, vis, sizeof(vis));
	if (strlen(host) >= P_NAMELEN) {
		errat(loc, "listen: address \"%s\" is too long", vis);
		return;
	}
	if (strcmp(host, "*") == 0) {
		memset(&sin, 0, sizeof(sin));
		sin.sin_family = AF_INET;
		sin.sin_addr.s_addr = htonl(INADDR_ANY);
		add_listener(curproto, host, (struct sockaddr *)&sin,
		    sizeof(sin), port, tls, nstmt, loc);
		return;
	}
	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_NUMERICHOST;
	if ((error = getaddrinfo(host, NULL, &hints, &res)) == EAI_NONAME) {
		hints.ai_flags = 0;
		error = getaddrinfo(host, NULL, &hints, &res);
	}
	if (error != 0) {
		errat(loc, "listen on \"%s\": %s", vis, gai_strerror(error));
		return;
	}
	for (ai = res; ai != NULL; ai = ai->ai_next) {
		if (ai->ai_family != AF_INET && ai->ai_family != AF_INET6)
			continue;
		if (add_listener(curproto, host, ai->ai_addr, ai->ai_addrlen,
		    port, tls, nstmt, loc) == -1)
			break;
	}
	freeaddrinfo(res);
}

static int
same_listener(const struct listen_addr *a, const struct listen_addr *b)
{
	const struct sockaddr_in	*a4, *b4;
	const struct sockaddr_in6	*a6, *b6;

	if (a->ss.ss_family != b->ss.ss_family || a->port != b->port)
		return 0;
	if (a->ss.ss_family == AF_INET) {
		a4 = (const struct sockaddr_in *)&a->ss;
		b4 = (const struct sockaddr_in *)&b->ss;
		return a4->sin_addr.s_addr == b4->sin_addr.s_addr;
	}
	a6 = (const struct sockaddr_in6 *)&a->ss;
	b6 = (const struct sockaddr_in6 *)&b->ss;
	return memcmp(&a6->sin6_addr, &b6->sin6_addr,
	    sizeof(a6->sin6_addr)) == 0 &&
	    a6->sin6_scope_id == b6->sin6_scope_id;
}

/*
 * Add one address to proto's listeners.  A repeat inside one listen
 * statement (a host name resolving twice to one address) is dropped;
 * any other repeat is an error naming both lines.  stmt 0: a default.
 */
static int
add_listener(int proto, const char *host, const struct sockaddr *sa,
    socklen_t salen, in_port_t port, int tls, int stmt, const YYLTYPE *loc)
{
	struct listen_addr	*la;
	struct lrec		*r;
	char			 addr[P_ADDRLEN], where[PATH_MAX + 32];
	size_t			 i;

	if (salen > sizeof(la->ss))
		fatalx("%s: address too long", __func__);
	if ((la = calloc(1, sizeof(*la))) == NULL)
		fatal("%s", __func__);
	(void)strlcpy(la->host, host, sizeof(la->host));
	memcpy(&la->ss, sa, salen);
	la->sslen = salen;
	la->port = port;
	la->tls = tls;
	la->fd = -1;
	if (la->ss.ss_family == AF_INET)
		((struct sockaddr_in *)&la->ss)->sin_port = htons(port);
	else
		((struct sockaddr_in6 *)&la->ss)->sin6_port = htons(port);

	for (i = 0; i < nlrecs; i++) {
		r = &lrecs[i];
		if (!same_listener(r->la, la))
			continue;
		free(la);
		if (stmt != 0 && r->stmt == stmt)
			return 0;
		conf_fmt_addr((struct sockaddr *)&r->la->ss, addr,
		    sizeof(addr));
		if (r->loc.file == loc->file || r->loc.file == NULL)
			(void)snprintf(where, sizeof(where), "line %d",
			    r->loc.line);
		else
			(void)snprintf(where, sizeof(where), "%s:%d",
			    r->loc.file->name, r->loc.line);
		if (stmt == 0)
			errat(loc, "the default %s listener %s port %u is "
			    "already given on %s", conf_proto_name(proto),
			    addr, port, where);
		else
			errat(loc, "duplicate listener %s port %u: already "
			    "given on %s", addr, port, where);
		return -1;
	}

	r = reallocarray(lrecs, nlrecs + 1, sizeof(*lrecs));
	if (r == NULL)
		fatal("%s", __func__);
	lrecs = r;
	r = &lrecs[nlrecs++];
	r->la = la;
	r->stmt = stmt;
	r->loc = *loc;
	TAILQ_INSERT_TAIL(&conf->protos[proto].listeners, la, entry);
	return 0;
}

static void
default_listeners(int proto)
{
	const struct conf_proto_info	*pi = conf_proto_info(proto);
	struct sockaddr_in		 sin;
	struct sockaddr_in6		 sin6;
	YYLTYPE				*loc = &scopes[proto].loc;

	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_ANY);
	memset(&sin6, 0, sizeof(sin6));
	sin6.sin6_family = AF_INET6;
	sin6.sin6_addr = in6addr_any;

	add_listener(proto, "*", (struct sockaddr *)&sin, sizeof(sin),
	    pi->port, 0, 0, loc);
	add_listener(proto, "::", (struct sockaddr *)&sin6, sizeof(sin6),
	    pi->port, 0, 0, loc);
	add_listener(proto, "*", (struct sockaddr *)&sin, sizeof(sin),
	    pi->tls_port, 1, 0, loc);
	add_listener(proto, "::", (struct sockaddr *)&sin6, sizeof(sin6),
	    pi->tls_port, 1, 0, loc);
}

/* ---- after the last line ---------------------------------------------- */

/* A relative certificate or key is a file in certificate-dir. */
static void
resolve_cert(struct proto_conf *pc, const YYLTYPE *loc)
{
	char	 path[P_PATHLEN];
	char	*names[2] = { pc->certificate, pc->key };
	int	 i, len;

	for (i = 0; i < 2; i++) {
		if (names[i][0] == '\0' || names[i][0] == '/')
			continue;
		len = snprintf(path, sizeof(path), "%s/%s", conf->cert_dir,
		    names[i]);
		if (len < 0 || (size_t)len >= sizeof(path)) {
			errat(loc, "certificate path is too long");
			continue;
		}
		(void)strlcpy(names[i], path, P_PATHLEN);
	}
}

static void
resolve_proto(int proto)
{
	struct proto_conf	*pc = &conf->protos[proto];
	struct proto_conf	*d = &conf->defaults;
	struct scope		*s = &scopes[proto];
	const struct conf_proto_info *pi = conf_proto_info(proto);

	pc->proto = proto;
	if (!(s->set & SET_BANNER))
		(void)strlcpy(pc->banner, d->banner, sizeof(pc->banner));
	if (!(s->set & SET_LOGIN_TYPE))
		pc->login_type = d->login_type;
	if (!(s->set & SET_MAXCONN))
		pc->max_connections = d->max_connections;
	if (!(s->set & SET_MAXCONN_IP))
		pc->max_connections_per_ip = d->max_connections_per_ip;
	if (!(s->set & SET_MAXCONN_USER))
		pc->max_connections_per_user = d->max_connections_per_user;
	if (!(s->set & SET_LOGIN_TIMEOUT))
		pc->login_timeout = d->login_timeout;
	if (!(s->set & SET_AUTH_ATTEMPTS))
		pc->max_auth_attempts = d->max_auth_attempts;
	if (!(s->set & SET_CERT)) {
		(void)strlcpy(pc->certificate, d->certificate,
		    sizeof(pc->certificate));
		(void)strlcpy(pc->key, d->key, sizeof(pc->key));
	} else
		resolve_cert(pc, &s->cert_loc);
	if (!(s->set & SET_IDLE)) {
		if (d->idle_timeout != 0) {
			pc->idle_timeout = d->idle_timeout;
			if (pc->enabled)
				check_idle(proto, pc->idle_timeout,
				    &scopes[0].idle_loc, 1);
		} else
			pc->idle_timeout = pi->idle_timeout;
	}
}

static void
resolve(void)
{
	char	a[CONF_TIMELEN], b[CONF_TIMELEN];
	int	p, anyblock = 0;

	if (conf->failure_delay_max_ms < conf->failure_delay_ms)
		errat(fdelay_max_loc.file != NULL ? &fdelay_max_loc :
		    &fdelay_loc, "failure-delay-max %s is shorter than "
		    "failure-delay %s",
		    conf_fmt_time(conf->failure_delay_max_ms / 1000, a,
		    sizeof(a)),
		    conf_fmt_time(conf->failure_delay_ms / 1000, b,
		    sizeof(b)));

	for (p = 1; p < PROTO_MAX; p++)
		if (scopes[p].seen)
			anyblock = 1;
	if (!anyblock)
		for (p = 1; p < PROTO_MAX; p++)
			if (conf_proto_info(p)->served)
				conf->protos[p].enabled = 1;

	resolve_cert(&conf->defaults, &scopes[0].cert_loc);
	for (p = 1; p < PROTO_MAX; p++)
		resolve_proto(p);
	for (p = 1; p < PROTO_MAX; p++)
		if (conf->protos[p].enabled &&
		    TAILQ_EMPTY(&conf->protos[p].listeners))
			default_listeners(p);
}

static void
cleanup(void)
{
	struct file	*f;
	struct sym	*sym;

	while ((f = TAILQ_FIRST(&files)) != NULL) {
		TAILQ_REMOVE(&files, f, entry);
		if (f->stream != NULL)
			fclose(f->stream);
		free(f->unget);
		free(f->name);
		free(f);
	}
	while ((sym = TAILQ_FIRST(&symhead)) != NULL) {
		TAILQ_REMOVE(&symhead, sym, entry);
		if (!sym->used && (parse_opts & CONF_OPT_VERBOSE))
			fprintf(stderr, "%s: warning: macro \"%s\" is defined "
			    "but not used\n", conf->file, sym->name);
		free(sym->name);
		free(sym->value);
		free(sym);
	}
	free(lrecs);
	lrecs = NULL;
	nlrecs = 0;
	SSL_CTX_free(cipher_ctx);
	cipher_ctx = NULL;
	file = NULL;
}

struct postern_conf *
parse_config(const char *filename, int opts)
{
	struct postern_conf	*c;

	if ((conf = calloc(1, sizeof(*conf))) == NULL)
		fatal("%s", __func__);
	conf_init_defaults(conf);
	TAILQ_INIT(&files);
	TAILQ_INIT(&symhead);
	memset(scopes, 0, sizeof(scopes));
	memset(hist, 0, sizeof(hist));
	memset(&fdelay_loc, 0, sizeof(fdelay_loc));
	memset(&fdelay_max_loc, 0, sizeof(fdelay_max_loc));
	stmtkw[0] = '\0';
	nerrors = 0;
	nstmt = 0;
	curproto = 0;
	auth_given = 0;
	parse_opts = opts;
	file = NULL;

	if (strlcpy(conf->file, filename, sizeof(conf->file)) >=
	    sizeof(conf->file)) {
		fprintf(stderr, "%s: path is too long\n", filename);
		nerrors++;
	} else if (pushfile(filename, NULL) != NULL) {
		yyparse();
		resolve();
	}
	cleanup();

	c = conf;
	conf = NULL;
	if (nerrors > 0) {
		conf_free(c);
		return NULL;
	}
	return c;
}
