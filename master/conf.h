/*
 * posternd's configuration, as parse.y builds it from postern.conf.
 * Global settings live in `defaults'; each protocol block starts as a
 * copy of them and overrides what it names.  Read only by the master
 * (and by posternctl through posternd -n).
 */
#ifndef POSTERN_CONF_H
#define POSTERN_CONF_H

#include <sys/types.h>
#include <sys/queue.h>
#include <sys/socket.h>

#include <netinet/in.h>

#include <limits.h>
#include <stdio.h>

#include "proto.h"

#define CONF_FILE		"/etc/postern/postern.conf"
#define CONF_USER		"_postern"
#define CONF_CHROOT		"/var/empty/postern"
#define CONF_PIDFILE		"/run/posternd.pid"
#define CONF_CERTDIR		"/etc/postern/certs"
#define CONF_ACCESS		"/etc/postern/access"
#define CONF_CONTROL		"/run/posternd.sock"
#define CONF_MAIL		"~/Maildir"
#ifndef CONF_LIBEXEC
#define CONF_LIBEXEC		"/usr/local/libexec/postern"
#endif
#define CONF_PAM_SERVICE	"postern"
#define CONF_TLS_CIPHERS	"HIGH:!aNULL:!MD5:!RC4:!3DES:!CAMELLIA:!ARIA"
/* OpenSSL 3's own TLS 1.3 default. */
#define CONF_TLS_CIPHERSUITES	"TLS_AES_256_GCM_SHA384:" \
				"TLS_CHACHA20_POLY1305_SHA256:" \
				"TLS_AES_128_GCM_SHA256"

struct listen_addr {
	TAILQ_ENTRY(listen_addr) entry;
	char			 host[P_NAMELEN];	/* as written */
	struct sockaddr_storage	 ss;
	socklen_t		 sslen;
	in_port_t		 port;
	int			 tls;		/* implicit TLS */
	int			 fd;		/* -1 until bound */
};
TAILQ_HEAD(listen_list, listen_addr);

struct netaddr {
	TAILQ_ENTRY(netaddr)	 entry;
	struct sockaddr_storage	 ss;	/* AF_INET or AF_INET6 */
	int			 prefixlen;
	char			 text[P_ADDRLEN + 8];	/* as written */
};
TAILQ_HEAD(netaddr_list, netaddr);

/* Settings that may be given globally and again per protocol. */
struct proto_conf {
	int			 proto;		/* PROTO_*, 0 for defaults */
	int			 enabled;	/* a block was given */
	struct listen_list	 listeners;
	char			 banner[P_TEXTLEN];
	int			 login_type;
	int			 max_connections;
	int			 max_connections_per_ip;
	int			 max_connections_per_user;
	int			 idle_timeout;		/* seconds, logged in;
						   defaults: 0 unless set
						   globally */
	int			 login_timeout;		/* seconds, pre-login */
	int			 max_auth_attempts;
	char			 certificate[P_PATHLEN]; /* "" = default */
	char			 key[P_PATHLEN];
	int			 pop3_expire;		/* days; -1 never */
	int			 pop3_login_delay;	/* seconds; -1 none */
	char			 gssapi_service[P_MECHLEN]; /* RFC 4752 */
};

struct postern_conf {
	char			 file[P_PATHLEN];
	char			 user[P_NAMELEN];
	char			 chroot[P_PATHLEN];
	char			 pidfile[P_PATHLEN];
	char			 cert_dir[P_PATHLEN];
	char			 control_socket[P_PATHLEN];
	char			 control_group[P_NAMELEN];	/* "": none */
	gid_t			 control_gid;	/* its gid, when set */
	char			 libexec_dir[P_PATHLEN];
	char			 access_file[P_PATHLEN];
	char			 gssapi_keytab[P_PATHLEN];	/* "": off */
	char			 mail_location[P_PATHLEN];
	char			 hostname[P_NAMELEN];
	int			 first_valid_uid;
	int			 ipv6_prefix;		/* per-IP counting */
	int			 failure_delay_ms;
	int			 failure_delay_max_ms;
	int			 auth_cache_ttl;	/* seconds; 0: off */
	int			 auth_cache_size;	/* entries; 0: off */
	char			 tls_ciphers[P_TEXTLEN];
	char			 tls_ciphersuites[P_TEXTLEN];
	int			 tls_min_version;	/* TLS1_2_VERSION */
	struct netaddr_list	 trusted;
	int			 nbackends;
	struct auth_backend	 backends[AUTH_MAXBACKENDS];
	struct proto_conf	 defaults;
	struct proto_conf	 protos[PROTO_MAX];	/* by PROTO_* */
};

/* What a protocol is when its block does not say otherwise. */
struct conf_proto_info {
	int		 proto;		/* PROTO_* */
	const char	*name;		/* its block's keyword */
	in_port_t	 port;		/* default plain/STARTTLS listener */
	in_port_t	 tls_port;	/* default implicit-TLS listener */
	int		 idle_timeout;	/* default, seconds */
	int		 idle_min;	/* floor from its RFC; 0: none */
	const char	*idle_rfc;	/* where the floor comes from */
	int		 served;	/* enabled when no block is given */
	const char	*gssapi_service; /* its SASL service name */
};

#define CONF_TIMELEN	16	/* conf_fmt_time() */

#define CONF_OPT_NOACTION	0x1	/* -n: check only */
#define CONF_OPT_VERBOSE	0x2

/* parse.y */
extern int		 conf_log_errors;	/* to the log, not stderr */
struct postern_conf	*parse_config(const char *, int);

/* conf.c */
void		 conf_init_defaults(struct postern_conf *);
void		 conf_free(struct postern_conf *);
void		 conf_print(const struct postern_conf *, FILE *, int);
const char	*conf_proto_name(int);
const char	*conf_login_type_name(int);
int		 conf_netaddr_match(const struct netaddr_list *,
		    const struct sockaddr *);
int		 conf_netaddr_parse(const char *, struct netaddr *);
const struct conf_proto_info *conf_proto_info(int);
char		*conf_fmt_time(int, char *, size_t);
char		*conf_fmt_addr(const struct sockaddr *, char *, size_t);

#endif
