/*
 * The messages postern's processes exchange, and their payloads.
 *
 *   posternd <-> postern-auth	MSG_AUTH_CONFIG, MSG_AREQ_*
 *   posternd <-> worker	MSG_WORKER_INIT, MSG_CERT, MSG_INIT_DONE,
 *				MSG_KEY_*, MSG_AUTH_*, MSG_TLS_INFO,
 *				MSG_HANDOFF, MSG_STARTTLS
 *   posternd  -> session	MSG_SESSION_INIT
 *
 * Payloads are fixed structs, optionally followed by a variable tail
 * (SASL data, PEM, pending client input).  String fields are
 * NUL-terminated inside the field; a receiver checks every one with
 * msg_strfield_ok() before use.  SASL data crosses these channels raw:
 * the worker does the protocol's base64, postern-auth never sees it.
 */
#ifndef POSTERN_PROTO_H
#define POSTERN_PROTO_H

#include <stdint.h>

#define PROTO_POP3		1
#define PROTO_IMAP		2
#define PROTO_SUBMISSION	3
#define PROTO_MAX		4	/* array size: index by PROTO_* */

/* login-type */
#define LOGIN_SECURE		0	/* cleartext credentials only in TLS */
#define LOGIN_PLAINTEXT_AUTH	1	/* SASL PLAIN/LOGIN also in clear */
#define LOGIN_PLAINTEXT_LOGIN	2	/* and LOGIN, USER/PASS in clear */

#define P_ADDRLEN	64		/* printable address, port apart */
#define P_NAMELEN	256		/* user names, host names */
#define P_PATHLEN	1024
#define P_MECHLEN	32
#define P_TEXTLEN	256
#define P_TAGLEN	128
#define P_MAXGROUPS	256

enum msg_type {
	/* master -> worker */
	MSG_WORKER_INIT = 1,	/* struct worker_init */
	MSG_CERT,		/* struct cert_rec + PEM chain, repeated */
	MSG_INIT_DONE,		/* no payload */
	MSG_KEY_SIGN_RES,	/* struct key_sign_res + signature */
	MSG_AUTH_CHALLENGE,	/* raw SASL challenge */
	MSG_AUTH_OK,		/* struct auth_ok */
	MSG_AUTH_FAIL,		/* struct auth_fail */
	MSG_AUTH_ABORTED,	/* no payload: answers MSG_AUTH_ABORT */

	/* worker -> master */
	MSG_KEY_SIGN_REQ = 32,	/* struct key_sign_req + data */
	MSG_AUTH_START,		/* struct auth_start + initial response */
	MSG_AUTH_CONT,		/* raw SASL response */
	MSG_AUTH_ABORT,		/* no payload: client cancelled */
	MSG_TLS_INFO,		/* struct tls_info */
	MSG_HANDOFF,		/* struct handoff + pending input; fd */
	MSG_STARTTLS,		/* struct starttls; fd: the client */

	/* master -> session */
	MSG_SESSION_INIT = 64,	/* struct session_init + pending input */

	/* session -> master */
	MSG_SESSION_STATS,	/* struct session_stats */

	/* master <-> postern-auth; header id = request (connection) id */
	MSG_AUTH_CONFIG = 96,	/* struct auth_config + backends */
	MSG_AREQ_START,		/* struct areq_start + initial response */
	MSG_AREQ_CONT,		/* raw SASL response */
	MSG_AREQ_ABORT,		/* no payload */
	MSG_AREQ_CHALLENGE,	/* raw SASL challenge */
	MSG_AREQ_OK,		/* struct auth_identity + gid_t[ngroups] */
	MSG_AREQ_FAIL,		/* struct auth_fail */

	/* posternctl <-> posternd, over the control socket */
	MSG_CTL_REQUEST = 128,	/* argv, each word NUL-terminated */
	MSG_CTL_ROW,		/* one tab-separated row; the first is
				   the header */
	MSG_CTL_END,		/* struct ctl_end */
};

/* The worker's whole configuration, sent once after exec. */
struct worker_init {
	uint32_t	conn_id;
	uint32_t	proto;
	uint32_t	implicit_tls;	/* TLS before the greeting */
	uint32_t	tls_available;	/* a certificate is loaded */
	uint32_t	login_type;
	uint32_t	idle_timeout;	/* seconds, before login */
	uint32_t	max_auth_attempts;
	uint32_t	uid;		/* the unprivileged user */
	uint32_t	gid;
	uint32_t	tls_min_version; /* TLS1_2_VERSION, ... */
	int32_t		pop3_expire;	/* days; -1 never */
	int32_t		pop3_login_delay; /* seconds; -1 none */
	char		chroot[P_PATHLEN];
	char		client_addr[P_ADDRLEN];
	uint32_t	client_port;
	char		local_addr[P_ADDRLEN];
	uint32_t	local_port;
	char		hostname[P_NAMELEN];
	char		banner[P_TEXTLEN];
	char		ciphers[P_TEXTLEN];
	char		ciphersuites[P_TEXTLEN];
	uint32_t	gssapi_available; /* a keytab is configured */
	/*
	 * For postern-tlsworker taking over a connection whose STARTTLS or
	 * STLS postern-worker read (MSG_STARTTLS): no greeting, the command
	 * is answered and TLS started first, and the login goes on with
	 * the time and attempts that are left.
	 */
	uint32_t	starttls;
	char		starttls_tag[P_TAGLEN];	/* IMAP's tag; "" for POP3 */
	uint32_t	login_left_ms;	/* of login-timeout (idle_timeout) */
	uint32_t	auth_failures;	/* failed attempts so far */
};

/*
 * MSG_CERT carries every certificate of the connection's protocol, at
 * most P_MAXCERTS: each is a struct cert_rec and then its PEM chain,
 * leaf first.  The first is the default; the others are chosen by the
 * server name the client asks for (SNI).  A key request names the
 * certificate whose key must sign by its key_id.
 */
#define P_MAXCERTS	8

struct cert_rec {
	uint32_t	key_id;
	uint32_t	pemlen;		/* bytes of PEM that follow */
};

#define KEYOP_RSA_PRIV_ENC	1	/* RSA private encrypt, padding given */
#define KEYOP_ECDSA_SIGN	2	/* ECDSA over a digest; DER signature */

struct key_sign_req {
	uint32_t	op;
	uint32_t	padding;
	uint32_t	key_id;		/* a cert_rec's, from MSG_CERT */
};

struct key_sign_res {
	int32_t		status;		/* 0 ok; then the signature follows */
};

struct auth_start {
	char		mech[P_MECHLEN];	/* PLAIN, LOGIN, GSSAPI */
	uint32_t	via_command;	/* USER/PASS or IMAP LOGIN, as PLAIN */
	uint32_t	secured;	/* TLS is active on the connection */
	uint32_t	has_ir;		/* an initial response follows */
};

struct auth_ok {
	char		user[P_NAMELEN];
};

#define AUTH_FAIL_CREDENTIALS	1	/* wrong password or unknown user */
#define AUTH_FAIL_DENIED	2	/* access rule, system account */
#define AUTH_FAIL_TEMP		3	/* backend trouble, auth restarted */
#define AUTH_FAIL_MECH		4	/* mechanism not offered here */
#define AUTH_FAIL_PROTOCOL	5	/* malformed SASL data */
#define AUTH_FAIL_CANCELLED	6	/* client sent "*" */
#define AUTH_FAIL_LIMIT		7	/* too many connections for user */
#define AUTH_FAIL_EXPIRED	8	/* account or password expired */
#define AUTH_FAIL_ENCRYPT	9	/* cleartext not allowed without TLS */

struct auth_fail {
	uint32_t	code;
	char		reason[P_TEXTLEN];	/* for the log, not the client */
};

struct tls_info {
	char		version[32];
	char		cipher[64];
	uint32_t	bits;
};

struct handoff {
	uint32_t	tls;		/* worker stays as TLS relay */
	char		tag[P_TAGLEN];	/* IMAP tag of the login command */
	uint32_t	imap_rev;	/* reserved for IMAP */
};

/*
 * postern-worker read STARTTLS or STLS: the connection goes on in a new
 * postern-tlsworker, with what of the login must survive.  The client
 * input after the command is not sent on: it was plaintext.
 */
struct starttls {
	char		tag[P_TAGLEN];	/* IMAP's tag; "" for POP3 */
	uint32_t	login_left_ms;	/* 0 only without login-timeout */
	uint32_t	auth_failures;
};

struct session_init {
	uint32_t	conn_id;
	uint32_t	proto;
	char		user[P_NAMELEN];
	uint32_t	uid;
	uint32_t	gid;
	char		home[P_PATHLEN];
	char		mail[P_PATHLEN];	/* mail location, expanded */
	char		client_addr[P_ADDRLEN];
	uint32_t	client_port;
	char		local_addr[P_ADDRLEN];
	uint32_t	local_port;
	char		hostname[P_NAMELEN];
	uint32_t	idle_timeout;	/* seconds */
	uint32_t	tls;
	char		tls_version[32];
	char		tls_cipher[64];
	char		tag[P_TAGLEN];
	int32_t		pop3_expire;
	int32_t		pop3_login_delay;
};

#define AUTH_BACKEND_PAM	1	/* arg: PAM service name */
#define AUTH_BACKEND_PASSWD	2	/* arg: passwd-file path */
#define AUTH_MAXBACKENDS	8

struct auth_backend {
	uint32_t	type;
	char		arg[P_PATHLEN];
};

struct auth_config {
	uint32_t	first_valid_uid;
	uint32_t	failure_delay_ms;	/* first failure */
	uint32_t	failure_delay_max_ms;	/* the growing delay's cap */
	char		mail_location[P_PATHLEN];
	char		access_file[P_PATHLEN];
	uint32_t	nbackends;
	struct auth_backend backends[AUTH_MAXBACKENDS];
	char		gssapi_keytab[P_PATHLEN];	/* "": GSSAPI off */
	/* The service of each protocol's principals (RFC 4752), by PROTO_*. */
	char		gssapi_service[PROTO_MAX][P_MECHLEN];
	/* postern-auth's login cache; either 0 turns it off. */
	uint32_t	cache_ttl;		/* seconds */
	uint32_t	cache_size;		/* most entries */
};

#define AUTH_CACHE_MAXTTL	86400		/* auth-cache-ttl 24h */
#define AUTH_CACHE_MAXSIZE	1000000		/* auth-cache-size */

struct areq_start {
	uint32_t	proto;
	uint32_t	login_type;
	uint32_t	secured;
	uint32_t	via_command;
	uint32_t	has_ir;
	char		mech[P_MECHLEN];
	char		client_addr[P_ADDRLEN];
};

struct auth_identity {
	char		user[P_NAMELEN];
	uint32_t	uid;
	uint32_t	gid;
	char		home[P_PATHLEN];
	char		mail[P_PATHLEN];	/* mail location, unexpanded */
	uint32_t	ngroups;		/* gid_t values follow */
};

struct session_stats {
	uint64_t	bytes_in;
	uint64_t	bytes_out;
};

struct ctl_end {
	int32_t		status;		/* 0 ok, else failed */
	char		message[P_TEXTLEN];
};

#endif
