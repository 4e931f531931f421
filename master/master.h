/*
 * posternd, the privileged master: listeners, limits, spawning of
 * postern-auth, workers and sessions, certificates and private-key
 * operations, signals.  It never parses client protocol text.
 */
#ifndef POSTERN_MASTER_H
#define POSTERN_MASTER_H

#include <sys/types.h>
#include <sys/queue.h>
#define __unused __attribute__((__unused__))
#include <sys/tree.h>

#include <event2/event.h>
#include <openssl/evp.h>
#include <openssl/x509.h>

#include "addr.h"
#include "conf.h"
#include "msg.h"
#include "proto.h"

/* A certificate with its key: the key never leaves the master. */
struct cert {
	TAILQ_ENTRY(cert)	 entry;
	uint32_t		 id;
	char			 certfile[P_PATHLEN];
	char			 keyfile[P_PATHLEN];
	EVP_PKEY		*key;
	char			*pem;		/* leaf first, then chain */
	size_t			 pemlen;
	int			 refs;		/* connections using it */
	int			 stale;		/* replaced by a reload */
	struct cert		**alt;		/* chosen by SNI; owned */
	size_t			 nalt;
	char			*certmsg;	/* MSG_CERT: this, then alt */
	size_t			 certmsglen;
};
TAILQ_HEAD(cert_list, cert);

/*
 * The certificate store: certificate-dir holds NAME.crt (leaf, then
 * chain) and NAME.key pairs, and the bindings file, whose lines
 * `SERVICE SHA-256' say which certificates serve which protocol, the
 * first of a protocol being its default and the others chosen by SNI.
 * posternd reads it; posternctl edits it.
 */
#define CERT_SHA1_LEN		20
#define CERT_SHA256_LEN		32
#define CERT_THUMB_MIN		4	/* hex digits of a prefix */
#define CERT_THUMB_FMTLEN	(CERT_SHA256_LEN * 3)
#define CERT_BINDINGS		"bindings"
#define CERT_DEFAULT_NAME	"default"

struct cert_entry {
	char			 name[P_NAMELEN];	/* NAME of NAME.crt */
	char			 certfile[P_PATHLEN];
	char			 keyfile[P_PATHLEN];
	X509			*leaf;		/* NULL: unreadable */
	char			 error[P_TEXTLEN];	/* why, then */
	unsigned char		 sha1[CERT_SHA1_LEN];
	unsigned char		 sha256[CERT_SHA256_LEN];
};

struct cert_store {
	struct cert_entry	*e;		/* sorted by name */
	size_t			 n;
};

struct cert_binding {
	int			 proto;
	unsigned char		 sha256[CERT_SHA256_LEN];
};

struct cert_bindings {
	struct cert_binding	*b;		/* a protocol's in order */
	size_t			 n;
};

#define CERT_USE_REPLACE	0	/* the services use this one only */
#define CERT_USE_ADD		1	/* and it too, by SNI */
#define CERT_USE_REMOVE		2	/* no longer */

#define CERT_KEY_EC256		0
#define CERT_KEY_EC384		1
#define CERT_KEY_RSA2048	2
#define CERT_KEY_RSA3072	3

struct cert_new {
	const char		*certfile;
	const char		*keyfile;
	const char		*hostname;	/* the CN, and a DNS name */
	const char		*names;		/* more: "a,IP:b"; or NULL */
	int			 keytype;	/* CERT_KEY_* */
	int			 days;
	int			 exclusive;	/* never replace a file */
};

enum conn_state {
	CONN_PRELOGIN,		/* worker talking to the client */
	CONN_AUTHING,		/* a SASL exchange with postern-auth */
	CONN_AUTHED,		/* auth said yes: waiting for the handoff */
	CONN_SESSION,		/* a session runs as the user */
};

struct conn {
	RB_ENTRY(conn)		 by_id;
	uint32_t		 id;
	int			 proto;
	enum conn_state		 state;
	time_t			 started;
	struct addrkey		 ipkey;
	int			 ip_counted;	/* in the per-IP table */
	char			 addr[P_ADDRLEN];
	int			 port;
	char			 laddr[P_ADDRLEN];
	int			 lport;
	int			 implicit_tls;
	struct cert		*cert;

	/* settings taken from the configuration at accept time */
	int			 login_type;
	int			 login_timeout;
	int			 max_auth_attempts;
	int			 idle_timeout;
	int			 pop3_expire;
	int			 pop3_login_delay;
	int			 max_per_user;

	pid_t			 worker_pid;
	int			 worker_tls;	/* it is postern-tlsworker */
	struct msgchan		 wchan;
	struct event		*wev;
	struct event		*wev_w;		/* pending writes */
	/*
	 * After STARTTLS/STLS: the postern-worker that handed the
	 * connection over, until it is reaped (it exits at once).
	 */
	pid_t			 prev_worker_pid;
	int			 starttls;	/* handed over once already */

	pid_t			 session_pid;
	int			 session_fd;	/* master end of its channel */
	struct msgchan		 schan;
	struct event		*sev;

	struct auth_identity	 ident;
	uint32_t		 groups[P_MAXGROUPS];
	char			 mech[P_MECHLEN];
	int			 auth_answered;	/* a final answer is on its
						   way to the worker */
	int			 user_counted;
	struct tls_info		 tls;
	int			 tls_done;
	uint64_t		 bytes_in;
	uint64_t		 bytes_out;
};
RB_HEAD(conn_tree, conn);
RB_PROTOTYPE(conn_tree, conn, by_id, conn_cmp);

/* Counters since start, for `posternctl show stats'. */
struct stats {
	time_t			 started;
	uint64_t		 accepted[PROTO_MAX];
	uint64_t		 refused_maxconn[PROTO_MAX];
	uint64_t		 refused_perip[PROTO_MAX];
	uint64_t		 refused_perip_trusted_exempt;
	uint64_t		 logins[PROTO_MAX];
	uint64_t		 login_failures[16];	/* by AUTH_FAIL_* */
	uint64_t		 sessions[PROTO_MAX];
	uint64_t		 auth_restarts;
	uint64_t		 reloads;
	uint64_t		 reload_failures;
};

struct postern {
	struct postern_conf	*conf;
	struct event_base	*evbase;
	struct conn_tree	 conns;
	struct cert_list	 certs;
	struct cert		*proto_cert[PROTO_MAX];
	uint32_t		 next_conn_id;
	int			 nconns[PROTO_MAX];
	int			 debug;
	int			 verbose;
	int			 shutting_down;
	struct stats		 stats;
	uid_t			 worker_uid;
	gid_t			 worker_gid;

	/* postern-auth */
	pid_t			 auth_pid;
	struct msgchan		 achan;
	struct event		*aev;
	time_t			 auth_started;
	struct event		*auth_restart_ev;
};

extern struct postern	*env;

/* posternd.c */
int	 conf_user(const struct postern_conf *, uid_t *, gid_t *);

/* listen.c */
int	 listen_open_all(struct postern_conf *, struct postern_conf *);
void	 listen_close_all(struct postern_conf *);
void	 listen_events_add(struct postern_conf *);
void	 listen_events_del(struct postern_conf *);

/* posternd.c */
int	 master_reload(char *, size_t);

/* control.c */
int	 control_open(struct postern_conf *);
void	 control_close(void);

/* limits.c */
int	 limits_ip_count(const struct addrkey *);
void	 limits_ip_add(struct conn *);
void	 limits_ip_del(struct conn *);
int	 limits_user_count(const char *, const struct addrkey *);
void	 limits_user_add(struct conn *);
void	 limits_user_del(struct conn *);

/* conn.c */
void	 conn_accept(int, const struct listen_addr *, int);
struct conn *conn_find(uint32_t);
void	 conn_auth_reply(uint32_t, struct msg *);
void	 conn_auth_died(void);
void	 conn_child_exited(pid_t, int);
void	 conn_shutdown_all(int);
int	 conn_kick(const char *);
int	 conn_count(void);

/* spawn.c */
pid_t	 spawn_auth(int);
pid_t	 spawn_worker(int, int, int);
pid_t	 spawn_session(struct conn *, int, int);

/* auth.c (the master's side of postern-auth) */
void	 auth_start(void);
void	 auth_send_config(void);
int	 auth_send(uint32_t, uint32_t, const void *, size_t, const void *,
	    size_t);
void	 auth_exited(int);
void	 auth_stop(void);

/* cert.c */
int	 cert_load_all(struct postern_conf *, struct cert_list *,
	    struct cert **);
void	 cert_release(struct cert *);
void	 cert_free_list(struct cert_list *);
int	 cert_has_key(const struct cert *, uint32_t);
int	 cert_sign(struct cert *, const struct key_sign_req *,
	    const unsigned char *, size_t, unsigned char *, size_t *);

/* certstore.c: the store, shared with posternctl; errors go to err */
int	 cert_store_scan(const char *, struct cert_store *, char *, size_t);
void	 cert_store_free(struct cert_store *);
int	 cert_store_find(const struct cert_store *, const unsigned char *);
int	 cert_store_match(const struct cert_store *, const char *, size_t *,
	    size_t, size_t *);
int	 cert_thumb_normalize(const char *, char *, size_t);
void	 cert_thumb_format(const unsigned char *, size_t, char *, size_t);
int	 cert_digests(X509 *, unsigned char *, unsigned char *);
int	 cert_bindings_read(const char *, struct cert_bindings *, char *,
	    size_t);
int	 cert_bindings_write(const char *, const struct cert_bindings *,
	    char *, size_t);
int	 cert_bindings_use(struct cert_bindings *, const unsigned char *,
	    unsigned int, int, char *, size_t);
size_t	 cert_bindings_for(const struct cert_bindings *, int,
	    const unsigned char **, size_t);
void	 cert_bindings_free(struct cert_bindings *);
int	 cert_services_parse(const char *, unsigned int *, char *, size_t);
int	 cert_key_check(EVP_PKEY *, char *, size_t);
const char *cert_key_desc(EVP_PKEY *, char *, size_t);
int	 cert_chain_check(X509 **, size_t, EVP_PKEY *, time_t, char *,
	    size_t);
int	 cert_selfsigned(const struct cert_new *, char *, size_t);
int	 cert_write_file(const char *, const void *, size_t, mode_t, int,
	    char *, size_t);

#endif
