/*
 * Internal interfaces of postern-auth, the one process that sees
 * passwords.  SASL mechanisms (mech.c, gssapi.c), the passwd-file
 * backend (passwdfile.c), PAM (pam.c), the backend chain (backend.c),
 * the failure delay tables (delay.c), the access rules (access.c) and
 * the policy (policy.c) are plain functions that tests call directly;
 * verify.c runs the backend chain in a child per request, unless the
 * login cache (cache.c) already knows the answer, and request.c
 * drives each request from the master's messages to its one final
 * answer, both on the libevent loop of postern-auth.c.
 */
#ifndef POSTERN_AUTH_H
#define POSTERN_AUTH_H

#include <sys/types.h>
#include <sys/queue.h>

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include <event2/event.h>

#include "proto.h"

#define AUTH_MASTER_FD		3

/* ---- mech.c: SASL mechanisms ------------------------------------------ */

#define MECH_MAXMSG		1024	/* longest PLAIN message, LOGIN reply */

enum mech_status {
	MECH_CHALLENGE,		/* send ms->challenge, wait for a response */
	MECH_DONE,		/* ms->user and ms->pass are ready */
	MECH_FAIL		/* ms->fail_code, ms->fail_reason */
};

struct mech_state;

struct mech {
	const char	*name;
	int		 flags;
#define MECH_CLEARTEXT	0x1		/* the password crosses the wire */
	enum mech_status (*step)(struct mech_state *, const unsigned char *,
			    size_t, int);
	void		(*clear)(struct mech_state *);	/* may be NULL */
};

struct mech_state {
	const struct mech *mech;
	int		 step;
	char		 user[P_NAMELEN];
	char		 pass[MECH_MAXMSG + 1];
	/*
	 * The mechanism proved the identity itself (GSSAPI): there is no
	 * password, the backends only look the user up.
	 */
	int		 proven;
	const char	*challenge;	/* valid after MECH_CHALLENGE */
	size_t		 challenge_len;
	uint32_t	 fail_code;	/* AUTH_FAIL_*, after MECH_FAIL */
	const char	*fail_reason;
	char		 fail_text[P_TEXTLEN];	/* fail_reason may point here */
	const struct auth_config *conf;	/* set by the caller after init */
	uint32_t	 proto;		/* PROTO_*, likewise */
	void		*priv;		/* the mechanism's own state */
};

const struct mech *mech_find(const char *);
int	 mech_init(struct mech_state *, const char *, int);
enum mech_status mech_step(struct mech_state *, const void *, size_t, int);
void	 mech_clear(struct mech_state *);
int	 mech_plain_parse(const unsigned char *, size_t, char *, size_t,
	    char *, size_t, uint32_t *, const char **);

/* ---- gssapi.c: the GSSAPI mechanism (RFC 4752) ------------------------ */

#define GSSAPI_LAYER_NONE	0x01	/* RFC 4752 3.3: no security layer */

enum mech_status gssapi_step(struct mech_state *, const unsigned char *,
	    size_t, int);
void	 gssapi_clear(struct mech_state *);
void	 gssapi_config(const struct auth_config *);
void	 gssapi_shutdown(void);
int	 gssapi_map_principal(const char *, char *, size_t, char *,
	    size_t);
int	 gssapi_parse_reply(const unsigned char *, size_t, char *, size_t,
	    const char **);
int	 gssapi_authzid_ok(const char *, const char *, const char *);
const char *gssapi_service(const struct auth_config *, uint32_t);

/* ---- verification results (backends -> request) ---------------------- */

#define VERIFY_OK		0	/* the password is right */
#define VERIFY_UNKNOWN		1	/* this backend does not know the user */
#define VERIFY_FAIL		2	/* code and reason say why */

struct verify_result {
	int32_t		 status;
	uint32_t	 code;			/* AUTH_FAIL_* */
	char		 reason[P_TEXTLEN];	/* for the log */
	char		 backend[P_MECHLEN];	/* "passwd-file", "pam" */
	struct auth_identity id;		/* mail "" = the default */
	uint32_t	 gids[P_MAXGROUPS];	/* id.ngroups of them */
};

void	 verify_set(struct verify_result *, int, uint32_t, const char *, ...)
	    __attribute__((__format__ (printf, 4, 5)));
int	 verify_result_ok(const struct verify_result *);

/* ---- passwdfile.c: Dovecot-style passwd-file -------------------------- */

struct pwfile;

struct pwfile	*pwfile_new(const char *);
void		 pwfile_free(struct pwfile *);
const char	*pwfile_path(const struct pwfile *);
int		 pwfile_refresh(struct pwfile *);
size_t		 pwfile_nusers(const struct pwfile *);
size_t		 pwfile_nbad(const struct pwfile *);
uint64_t	 pwfile_generation(const struct pwfile *);
const char	*pwfile_dummy(const struct pwfile *);
void		 pwfile_verify(struct pwfile *, const char *, const char *,
		    struct verify_result *);
void		 pwfile_lookup(struct pwfile *, const char *,
		    struct verify_result *);
int		 pwfile_check(const char *, const char *);

/* ---- pam.c ------------------------------------------------------------- */

void	 authpam_verify(const char *, const char *, const char *,
	    const char *, struct verify_result *);
void	 authpam_lookup(const char *, const char *, const char *,
	    struct verify_result *);

/* ---- backend.c: the configured chain ---------------------------------- */

void	 backend_prepare(const struct auth_config *);
void	 backend_prune(const struct auth_config *);
void	 backend_verify(const struct auth_config *, const char *,
	    const char *, const char *, struct verify_result *);
void	 backend_lookup(const struct auth_config *, const char *,
	    const char *, struct verify_result *);
void	 backend_groups(const char *, uint32_t, struct verify_result *);
void	 backend_generations(const struct auth_config *, uint64_t *, size_t);
int	 backend_cacheable(const struct auth_config *);

/* ---- delay.c: growing delay after failures ---------------------------- */

#define DELAY_MAXENTRIES	10000
#define DELAY_FORGET		(15 * 60)	/* seconds without a failure */

struct delay_table;

time_t		 delay_now(void);
struct delay_table *delay_new(size_t, time_t);
void		 delay_free(struct delay_table *);
unsigned int	 delay_failure(struct delay_table *, const char *, time_t);
unsigned int	 delay_count(struct delay_table *, const char *, time_t);
void		 delay_forget(struct delay_table *, const char *);
size_t		 delay_entries(const struct delay_table *);
uint32_t	 delay_ms(uint32_t, uint32_t, unsigned int);
void		 delay_addrkey(const char *, char *, size_t);
void		 delay_userkey(const char *, char *, size_t);

/* ---- access.c: the access rules file, as postern-auth applies it ------ */

void	 access_refresh(const char *);
uint32_t access_check(const char *, uint32_t, const struct auth_identity *,
	    const uint32_t *, char *, size_t);
uint64_t access_generation(void);
void	 access_shutdown(void);

/* ---- policy.c ---------------------------------------------------------- */

int	 policy_login_type(uint32_t, int, int, int);
uint32_t policy_identity(const struct auth_config *, uint32_t,
	    struct auth_identity *, const char **);
void	 policy_access(const struct auth_config *, uint32_t,
	    struct verify_result *);

/* ---- cache.c: successful password checks, remembered ------------------ */

#define CACHE_MACLEN		32	/* HMAC-SHA256 */

/*
 * What a remembered answer was computed under: it holds only while
 * all of these are unchanged.
 */
struct cache_versions {
	uint64_t	 config;		/* the auth settings */
	uint64_t	 access;		/* access_generation() */
	uint64_t	 pwfile[AUTH_MAXBACKENDS];	/* backend_generations() */
};

void	 cache_init(void);
void	 cache_config(uint32_t, uint32_t);
int	 cache_enabled(void);
void	 cache_mac(uint32_t, const char *, const char *,
	    unsigned char [CACHE_MACLEN]);
int	 cache_lookup(const unsigned char [CACHE_MACLEN],
	    const struct cache_versions *, time_t, struct verify_result *);
int	 cache_store(const unsigned char [CACHE_MACLEN],
	    const struct cache_versions *, time_t,
	    const struct verify_result *);
size_t	 cache_entries(void);
void	 cache_clear(void);
void	 cache_child(void);
void	 cache_shutdown(void);

/* ---- verify.c: the backend chain in a child per request --------------- */

#define VERIFY_MAXCHILDREN	16
#define VERIFY_TIMEOUT		30		/* seconds per child */

struct verify_job {
	TAILQ_ENTRY(verify_job)	 entry;
	const struct auth_config *conf;
	char			 user[P_NAMELEN];
	char			 pass[MECH_MAXMSG + 1];
	char			 rhost[P_ADDRLEN];
	uint32_t		 proto;		/* PROTO_*, for the rules */
	int			 lookup;	/* no password: look up only */
	uint64_t		 confgen;	/* conf's generation, for the
						   cache */
	int			 hit;		/* answered from the cache */
	pid_t			 pid;		/* -1: queued or done */
	int			 fd;		/* the child's answer */
	int			 queued;
	struct event		*ev_read;
	struct event		*ev_timeout;
	size_t			 got;
	int			 have_mac;
	int			 cacheable;	/* store an OK answer */
	unsigned char		 mac[CACHE_MACLEN];
	struct cache_versions	 ver;		/* as the child saw them */
	struct verify_result	 res;
	void			(*done)(struct verify_job *, void *);
	void			*arg;
};

void	 verify_init(struct event_base *, int);
void	 verify_submit(struct verify_job *);
void	 verify_cancel(struct verify_job *);
void	 verify_shutdown(void);

/* ---- request.c ---------------------------------------------------------- */

void	 request_init(struct event_base *, int (*)(uint32_t, uint32_t,
	    const void *, size_t, const void *, size_t));
void	 request_config(const struct auth_config *);
int	 request_configured(void);
void	 request_start(uint32_t, const struct areq_start *, const void *,
	    size_t);
void	 request_cont(uint32_t, const void *, size_t);
void	 request_abort(uint32_t);
void	 request_shutdown(void);
const char *request_proto_name(uint32_t);

#endif
