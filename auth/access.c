/*
 * The access rules file as postern-auth applies it.  The main process
 * keeps the parsed file and reads it again whenever its inode, size or
 * modification time change, just before each verify child is forked,
 * so an edit counts from the next login on without a reload.  The
 * decision itself runs in the verify child, where the group lookups
 * may block.  A missing file allows everything; a file that cannot be
 * read or has a bad line refuses every login (fail closed), with the
 * file and line in the log, until it is fixed.
 */
#include <sys/types.h>
#include <sys/stat.h>

#include <errno.h>
#include <grp.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "accessfile.h"
#include "auth.h"
#include "log.h"

enum access_state {
	ACCESS_NONE,		/* never read */
	ACCESS_MISSING,		/* no file: everything allowed */
	ACCESS_OK,
	ACCESS_BAD		/* unreadable or bad: everything refused */
};

/* Whose groups a group rule is matched against. */
struct access_who {
	const struct auth_identity	*id;
	const uint32_t			*gids;
};

static struct {
	char			 path[P_PATHLEN];
	enum access_state	 state;
	struct af_file		*af;
	int			 have_id;
	dev_t			 dev;
	ino_t			 ino;
	off_t			 size;
	struct timespec		 mtim;
	char			 err[P_TEXTLEN];	/* why ACCESS_BAD */
} acc;

/*
 * Changes whenever the rules in force change (another file, another
 * version of it, the file gone, bad or unreadable); kept outside acc,
 * which is cleared for another path, so that a value is never reused.
 * The login cache keys on it.
 */
static uint64_t	access_gen;

static void	access_bad(const char *, ...)
		    __attribute__((__format__ (printf, 1, 2)));
static void	access_load(void);
static int	access_ingroup(const char *, void *);

static void
access_bad(const char *fmt, ...)
{
	va_list	ap;

	va_start(ap, fmt);
	(void)vsnprintf(acc.err, sizeof(acc.err), fmt, ap);
	va_end(ap);
	af_free(acc.af);
	acc.af = NULL;
	acc.state = ACCESS_BAD;
	log_warnx("access file %s; every login is refused until it is "
	    "fixed", acc.err);
}

static void
access_load(void)
{
	struct af_file	*af;
	struct stat	 st;
	FILE		*fp;

	access_gen++;
	if ((fp = fopen(acc.path, "re")) == NULL) {
		if (errno == ENOENT) {
			acc.have_id = 0;
			acc.state = ACCESS_MISSING;
			return;
		}
		acc.have_id = 0;
		access_bad("%s: %s", acc.path, strerror(errno));
		return;
	}
	if (fstat(fileno(fp), &st) == -1) {
		acc.have_id = 0;
		access_bad("%s: fstat: %s", acc.path, strerror(errno));
		fclose(fp);
		return;
	}
	acc.have_id = 1;
	acc.dev = st.st_dev;
	acc.ino = st.st_ino;
	acc.size = st.st_size;
	acc.mtim = st.st_mtim;
	if (!S_ISREG(st.st_mode)) {
		access_bad("%s: not a regular file", acc.path);
		fclose(fp);
		return;
	}
	if (st.st_mode & S_IWOTH)
		log_warnx("access file %s: writable by others", acc.path);
	if ((af = af_new()) == NULL) {
		acc.have_id = 0;
		access_bad("%s: %s", acc.path, strerror(errno));
		fclose(fp);
		return;
	}
	if (af_read(af, fp) == -1) {
		if (af->errline == 0)
			access_bad("%s: %s", acc.path, af->err);
		else if (af->nerrors > 1)
			access_bad("%s:%zu: %s (and %zu more bad lines)",
			    acc.path, af->errline, af->err, af->nerrors - 1);
		else
			access_bad("%s:%zu: %s", acc.path, af->errline,
			    af->err);
		af_free(af);
		fclose(fp);
		return;
	}
	fclose(fp);
	af_free(acc.af);
	acc.af = af;
	acc.state = ACCESS_OK;
	log_info("access file %s: %zu rules", acc.path, af->nrules);
}

/*
 * Bring the rules of path up to date.  The trouble with a file is
 * logged once for each version of it, not at every login.
 */
void
access_refresh(const char *path)
{
	struct stat	st;

	if (strcmp(path, acc.path) != 0 || acc.state == ACCESS_NONE) {
		af_free(acc.af);
		memset(&acc, 0, sizeof(acc));
		(void)strlcpy(acc.path, path, sizeof(acc.path));
		access_gen++;
	}
	/* Only a test's configuration names no file at all. */
	if (acc.path[0] == '\0') {
		acc.state = ACCESS_MISSING;
		return;
	}
	if (stat(acc.path, &st) == -1) {
		if (errno == ENOENT) {
			if (acc.state != ACCESS_MISSING) {
				log_info("access file %s: missing, every "
				    "user may use every protocol", acc.path);
				access_gen++;
			}
			af_free(acc.af);
			acc.af = NULL;
			acc.have_id = 0;
			acc.state = ACCESS_MISSING;
			return;
		}
		if (acc.state != ACCESS_BAD || acc.have_id) {
			acc.have_id = 0;
			access_gen++;
			access_bad("%s: %s", acc.path, strerror(errno));
		}
		return;
	}
	if (acc.state != ACCESS_NONE && acc.have_id &&
	    st.st_dev == acc.dev && st.st_ino == acc.ino &&
	    st.st_size == acc.size && st.st_mtim.tv_sec == acc.mtim.tv_sec &&
	    st.st_mtim.tv_nsec == acc.mtim.tv_nsec)
		return;
	access_load();
}

/*
 * Is the user in the group?  By its gid among the user's groups (the
 * primary one included), or by name in the group's member list (how a
 * passwd-file user joins a system group).
 */
static int
access_ingroup(const char *name, void *arg)
{
	struct access_who	*who = arg;
	struct group		*gr;
	uint32_t		 i;
	char			**m;

	if ((gr = getgrnam(name)) == NULL)
		return 0;
	if (gr->gr_gid == who->id->gid)
		return 1;
	for (i = 0; i < who->id->ngroups && i < P_MAXGROUPS; i++)
		if (who->gids[i] == gr->gr_gid)
			return 1;
	for (m = gr->gr_mem; m != NULL && *m != NULL; m++)
		if (strcmp(*m, who->id->user) == 0)
			return 1;
	return 0;
}

/*
 * May the verified identity (gids: its id->ngroups groups) use proto?
 * Returns 0, or AUTH_FAIL_DENIED with the reason for the log, which
 * names the deciding rule and where it is.
 */
uint32_t
access_check(const char *path, uint32_t proto, const struct auth_identity *id,
    const uint32_t *gids, char *reason, size_t len)
{
	struct af_decision	 dec[PROTO_MAX];
	struct access_who	 who;
	char			 subj[P_NAMELEN + 16];

	if (strcmp(path, acc.path) != 0 || acc.state == ACCESS_NONE)
		access_refresh(path);
	switch (acc.state) {
	case ACCESS_MISSING:
		return 0;
	case ACCESS_OK:
		break;
	default:
		(void)snprintf(reason, len, "access file %s", acc.err);
		return AUTH_FAIL_DENIED;
	}
	if (proto == 0 || proto >= PROTO_MAX) {
		(void)snprintf(reason, len, "unknown protocol %u", proto);
		return AUTH_FAIL_DENIED;
	}
	who.id = id;
	who.gids = gids;
	af_decide(acc.af, id->user, access_ingroup, &who, dec);
	if (dec[proto].allow)
		return 0;
	(void)snprintf(reason, len, "access denied by rule %s (%s:%zu)",
	    af_subject(dec[proto].rule, subj, sizeof(subj)), acc.path,
	    dec[proto].rule->lineno);
	return AUTH_FAIL_DENIED;
}

/* The version of the rules last refreshed; see access_gen. */
uint64_t
access_generation(void)
{
	return access_gen;
}

void
access_shutdown(void)
{
	af_free(acc.af);
	memset(&acc, 0, sizeof(acc));
	access_gen++;
}
