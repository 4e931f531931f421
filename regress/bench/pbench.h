/*
 * pbench, the benchmark's load generator (regress/bench), run by
 * bench.sh against postern and Dovecot alike: one process, many
 * concurrent client connections driven from one epoll loop, plain or
 * TLS (OpenSSL, non-blocking).  This header joins the event engine
 * (net.c), the protocol drivers (imap.c, pop3.c) and what they share
 * (client.c), latency statistics (stats.c) and the memory probe
 * (pss.c).
 */
#ifndef PBENCH_H
#define PBENCH_H

#include <sys/types.h>

#include <stddef.h>
#include <stdint.h>

#include <openssl/ssl.h>

#define NSEC		1000000000ULL
#define MSEC		1000000ULL

struct buf {
	char	*p;
	size_t	 off;		/* first byte not consumed */
	size_t	 len;		/* end of the data */
	size_t	 cap;
};

struct conn;

/* What a protocol driver does with a connection's events; up may be NULL. */
struct handler {
	void	(*up)(struct conn *);		/* connected, TLS done */
	void	(*input)(struct conn *);	/* new bytes in c->in */
	void	(*down)(struct conn *, const char *);	/* lost: why */
};

enum cstate {
	C_FREE,
	C_CONNECTING,
	C_HANDSHAKE,
	C_OPEN,
};

struct conn {
	int			 fd;
	SSL			*ssl;
	enum cstate		 state;
	int			 tls;
	uint32_t		 events;	/* registered with epoll */
	struct buf		 in;
	struct buf		 out;
	const struct handler	*h;
	void			*ctx;		/* the driver's client */
	uint64_t		 deadline;	/* ns; 0: none */
	size_t			 scan;		/* scanner resume, from in.off */
	uint64_t		 rx;		/* bytes received since opened */
	uint64_t		 gen;		/* the event round it opened in */
	struct conn		*next;		/* on the open list */
	struct conn		*prev;
};

/* Options shared by the drivers (pbench.c fills them in). */
struct opts {
	const char	*scenario;
	const char	*label;		/* server name for the output */
	int		 port;
	int		 tls;
	const char	*cafile;
	int		 clients;	/* concurrent clients */
	double		 duration;	/* seconds, timed scenarios */
	int		 sessions;	/* idle sessions to hold */
	int		 setup_conc;	/* logins in flight while opening */
	const char	*user;		/* single-user scenarios */
	const char	*userfmt;	/* printf format, one %d */
	int		 nusers;
	const char	*word;		/* SEARCH TEXT */
	const char	*maildir;	/* imap-newmail: where to deliver */
	pid_t		 server_pid;	/* root of the server's tree */
	double		 timeout;	/* seconds per reply */
	double		 settle;	/* seconds before measuring memory */
	int		 noop;		/* idle: check NOOP on every session */
	int		 use_idle;	/* idle: enter IDLE after SELECT */
};

struct lat {
	uint64_t	*v;
	size_t		 n;
	size_t		 cap;
};

/* What a driver's client of either protocol starts with. */
struct client {
	struct conn	 c;
	uint64_t	 t_conn;	/* connection started */
	int		 retry;		/* could not connect: try again */
};

extern struct opts	opt;

/* net.c */
uint64_t	 now_ns(void);
void		 net_init(int, const char *, int);
int		 conn_open(struct conn *, const struct handler *, void *, int);
void		 conn_write(struct conn *, const void *, size_t);
void		 conn_printf(struct conn *, const char *, ...)
		    __attribute__((__format__(__printf__, 2, 3)));
void		 conn_close(struct conn *);
void		 conn_fail(struct conn *, const char *);
void		 conn_consume(struct conn *, size_t);
size_t		 conn_take(struct conn *, size_t, size_t, char *, size_t);
void		 net_loop(int (*)(void *), void (*)(void *), void *);
int		 net_open_count(void);
void		 net_close_all(void);
const char	*net_errstr(void);

/* stats.c */
void		 lat_add(struct lat *, uint64_t);
double		 lat_ms(struct lat *, double);
void		 lat_free(struct lat *);
void		 result(const char *, ...)
		    __attribute__((__format__(__printf__, 1, 2)));
uint64_t	 rnd_next(uint64_t *);
uint32_t	 rnd_below(uint64_t *, uint32_t);

/* client.c */
void		 note_error(const char *, const char *, size_t);
long		 error_count(void);
const char	*first_error(void);
int		 client_open(struct client *, const struct handler *, void *);
void		 user_name(char *, size_t, unsigned);
void		 storm_begin(uint64_t);
int		 storm_running(void);
int		 storm_count(const struct client *, uint64_t);
int		 storm_over(void *);
int		 storm_result(void);
int		 result_failed(void);
int		 probe_result(long);

/* pss.c */
int		 pss_tree(pid_t, uint64_t *, int *);

/* imap.c */
int		 imap_scenario(const char *);

/* pop3.c */
int		 pop3_scenario(const char *);

#endif
