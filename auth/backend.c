/*
 * postern-auth's backend chain: the configured backends are asked in
 * order, and the first one that knows the user decides (a wrong
 * password in a passwd-file does not fall through to PAM; an unknown
 * name does).  backend_prepare() runs in the main process and keeps
 * the parsed passwd-files current; backend_verify() blocks for as long
 * as crypt or PAM take and runs in the verify child, as does
 * backend_lookup(), its form without a password for GSSAPI.
 */
#include <sys/types.h>
#include <sys/queue.h>

#include <grp.h>
#include <pwd.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "auth.h"
#include "log.h"
#include "msg.h"

struct backend_file {
	TAILQ_ENTRY(backend_file)	 entry;
	struct pwfile			*pf;
};

static TAILQ_HEAD(, backend_file) backend_files =
    TAILQ_HEAD_INITIALIZER(backend_files);

static struct pwfile	*backend_file(const char *, int);
static int		 backend_uses(const struct auth_config *,
			    const char *);
static void		 backend_chain(const struct auth_config *,
			    const char *, const char *, const char *, int,
			    struct verify_result *);

void
verify_set(struct verify_result *r, int status, uint32_t code,
    const char *fmt, ...)
{
	va_list	ap;

	r->status = status;
	r->code = code;
	va_start(ap, fmt);
	(void)vsnprintf(r->reason, sizeof(r->reason), fmt, ap);
	va_end(ap);
}

/*
 * A result read back from the verify child is checked like any
 * message: a PAM module shares that child's address space.
 */
int
verify_result_ok(const struct verify_result *r)
{
	if (!msg_strfield_ok(r->reason, sizeof(r->reason)) ||
	    !msg_strfield_ok(r->backend, sizeof(r->backend)))
		return 0;
	switch (r->status) {
	case VERIFY_UNKNOWN:
		return 1;
	case VERIFY_FAIL:
		return r->code >= AUTH_FAIL_CREDENTIALS &&
		    r->code <= AUTH_FAIL_ENCRYPT;
	case VERIFY_OK:
		return msg_strfield_ok(r->id.user, sizeof(r->id.user)) &&
		    r->id.user[0] != '\0' &&
		    msg_strfield_ok(r->id.home, sizeof(r->id.home)) &&
		    msg_strfield_ok(r->id.mail, sizeof(r->id.mail)) &&
		    r->id.ngroups >= 1 && r->id.ngroups <= P_MAXGROUPS;
	default:
		return 0;
	}
}

/* The parsed passwd-file for path; created on first use when asked. */
static struct pwfile *
backend_file(const char *path, int create)
{
	struct backend_file	*bf;

	TAILQ_FOREACH(bf, &backend_files, entry)
		if (strcmp(pwfile_path(bf->pf), path) == 0)
			return bf->pf;
	if (!create)
		return NULL;
	if ((bf = calloc(1, sizeof(*bf))) == NULL)
		fatal("%s", __func__);
	if ((bf->pf = pwfile_new(path)) == NULL)
		fatal("%s", __func__);
	TAILQ_INSERT_TAIL(&backend_files, bf, entry);
	return bf->pf;
}

static int
backend_uses(const struct auth_config *conf, const char *path)
{
	uint32_t	i;

	for (i = 0; i < conf->nbackends; i++)
		if (conf->backends[i].type == AUTH_BACKEND_PASSWD &&
		    strcmp(conf->backends[i].arg, path) == 0)
			return 1;
	return 0;
}

/* Before a verification: reread the passwd-files that changed. */
void
backend_prepare(const struct auth_config *conf)
{
	uint32_t	i;

	for (i = 0; i < conf->nbackends; i++)
		if (conf->backends[i].type == AUTH_BACKEND_PASSWD)
			(void)pwfile_refresh(backend_file(
			    conf->backends[i].arg, 1));
}

/* After a reload: forget the files the new configuration does not name. */
void
backend_prune(const struct auth_config *conf)
{
	struct backend_file	*bf, *next;

	TAILQ_FOREACH_SAFE(bf, &backend_files, entry, next) {
		if (backend_uses(conf, pwfile_path(bf->pf)))
			continue;
		TAILQ_REMOVE(&backend_files, bf, entry);
		pwfile_free(bf->pf);
		free(bf);
	}
}

/*
 * The generation of each backend's passwd-file as last refreshed, by
 * the backends' order in conf (0 for PAM and for a file not loaded),
 * into gens[0..n-1].
 */
void
backend_generations(const struct auth_config *conf, uint64_t *gens, size_t n)
{
	struct pwfile	*pf;
	uint32_t	 i;

	memset(gens, 0, n * sizeof(*gens));
	for (i = 0; i < conf->nbackends && i < n; i++)
		if (conf->backends[i].type == AUTH_BACKEND_PASSWD &&
		    (pf = backend_file(conf->backends[i].arg, 0)) != NULL)
			gens[i] = pwfile_generation(pf);
}

/*
 * May a passwd-file's answer under conf be remembered?  Not when a
 * PAM backend comes before a passwd-file: PAM's answer that it does
 * not know the user depends on the system's user database, which no
 * generation tracks, and a later system account of that name must
 * take over at once.
 */
int
backend_cacheable(const struct auth_config *conf)
{
	uint32_t	i;
	int		pam = 0;

	for (i = 0; i < conf->nbackends; i++) {
		if (conf->backends[i].type == AUTH_BACKEND_PAM)
			pam = 1;
		else if (conf->backends[i].type == AUTH_BACKEND_PASSWD && pam)
			return 0;
	}
	return 1;
}

/*
 * Ask the backends in order.  The result is VERIFY_OK with the
 * identity and groups, VERIFY_FAIL from the backend that knew the
 * user, or VERIFY_UNKNOWN when none did.
 */
void
backend_verify(const struct auth_config *conf, const char *user,
    const char *pass, const char *rhost, struct verify_result *r)
{
	backend_chain(conf, user, pass, rhost, 0, r);
}

/*
 * The identity of a user whose credentials a mechanism proved by itself
 * (GSSAPI): the same chain, without a password.  The passwd-file must
 * list the user (a locked entry is refused); PAM must know the user as
 * a system account that its account management accepts.
 */
void
backend_lookup(const struct auth_config *conf, const char *user,
    const char *rhost, struct verify_result *r)
{
	backend_chain(conf, user, NULL, rhost, 1, r);
}

/*
 * The chain both of the above walk, so that the order of the backends,
 * the fall-through on an unknown user and the groups of a virtual user
 * cannot come to differ between a password login and a GSSAPI one.
 * With lookup set, each backend is asked without a password and pass
 * is not used.  A flag says so rather than a NULL pass: a password
 * that goes missing must not turn a check into a lookup.
 */
static void
backend_chain(const struct auth_config *conf, const char *user,
    const char *pass, const char *rhost, int lookup, struct verify_result *r)
{
	const struct auth_backend	*b;
	struct pwfile			*pf;
	struct passwd			*pw;
	uint32_t			 i;

	for (i = 0; i < conf->nbackends; i++) {
		b = &conf->backends[i];
		switch (b->type) {
		case AUTH_BACKEND_PASSWD:
			if ((pf = backend_file(b->arg, 0)) == NULL) {
				memset(r, 0, sizeof(*r));
				verify_set(r, VERIFY_UNKNOWN, 0,
				    "passwd-file not loaded");
				break;
			}
			if (lookup)
				pwfile_lookup(pf, user, r);
			else
				pwfile_verify(pf, user, pass, r);
			/*
			 * A virtual user who is also a system user with the
			 * same uid gets that user's groups.
			 */
			if (r->status == VERIFY_OK &&
			    (pw = getpwnam(r->id.user)) != NULL &&
			    pw->pw_uid == r->id.uid)
				backend_groups(r->id.user, r->id.gid, r);
			break;
		case AUTH_BACKEND_PAM:
			if (lookup)
				authpam_lookup(b->arg, user, rhost, r);
			else
				authpam_verify(b->arg, user, pass, rhost, r);
			break;
		default:
			memset(r, 0, sizeof(*r));
			verify_set(r, VERIFY_FAIL, AUTH_FAIL_TEMP,
			    "unknown backend type %u", b->type);
			break;
		}
		if (r->status != VERIFY_UNKNOWN)
			return;
	}
	memset(r, 0, sizeof(*r));
	verify_set(r, VERIFY_UNKNOWN, 0, "unknown user");
}

/*
 * The supplementary groups of a system user, primary group included,
 * into r->gids.  More than P_MAXGROUPS are cut, with a warning: the
 * session runs with fewer groups, never with others.
 */
void
backend_groups(const char *user, uint32_t gid, struct verify_result *r)
{
	gid_t	groups[P_MAXGROUPS];
	char	safe[P_NAMELEN * 4];
	int	n = P_MAXGROUPS, i;

	if (getgrouplist(user, gid, groups, &n) == -1) {
		log_warnx("user \"%s\" has more than %d groups, the rest "
		    "ignored", log_safe(user, safe, sizeof(safe)),
		    P_MAXGROUPS);
		n = P_MAXGROUPS;
	}
	if (n < 1) {
		groups[0] = gid;
		n = 1;
	}
	for (i = 0; i < n; i++)
		r->gids[i] = groups[i];
	r->id.ngroups = n;
}
