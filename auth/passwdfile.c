/*
 * The passwd-file backend of postern-auth: virtual users in a file in
 * Dovecot's format,
 *
 *	user:password:uid:gid:gecos:home:shell:extra_fields
 *
 * with crypt(3) hashes, optionally tagged {CRYPT}, {SHA512-CRYPT},
 * {SHA256-CRYPT}, {BLF-CRYPT} or {MD5-CRYPT}.  The file is parsed into
 * a tree by name in the main process and parsed again only when its
 * inode, size or modification time change, so a bad line is reported
 * once per version of the file.  Verification (crypt) runs in the
 * verify child.
 */
#include <sys/types.h>
#include <sys/stat.h>
#define __unused __attribute__((__unused__))
#include <sys/tree.h>

#include <crypt.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <openssl/crypto.h>

#include "auth.h"
#include "log.h"

#define PW_MAXLINE	8192
#define PW_MAXSCHEMES	16

/*
 * Costs one crypt when no hash of the file can stand in for it: the
 * password it hides was random and is not kept anywhere.
 */
#define PW_DUMMY	"$6$pOstErnDuMmYsAlT$VIQ1GUop681gwYIO5kmSkAkQKENl2w" \
			"WRePGzZdi/nYwQ3HbKazwAhQaaS2X/Alx5DxGok.hxp3L4R/wyyvXMw1"

struct pw_entry {
	RB_ENTRY(pw_entry)	 node;
	char			*name;
	char			*hash;	/* crypt(3) string, tag removed */
	uint32_t		 uid;
	uint32_t		 gid;
	char			*home;
	char			*mail;	/* NULL: the configured default */
	size_t			 line;
};

RB_HEAD(pw_tree, pw_entry);

struct pwfile {
	char			 path[P_PATHLEN];
	struct pw_tree		 users;
	size_t			 nusers;
	size_t			 nbad;
	int			 have_id;	/* the fields below are valid */
	int			 ok;		/* that version loaded */
	int			 missing;	/* stat failed, reported */
	dev_t			 dev;
	ino_t			 ino;
	off_t			 size;
	struct timespec		 mtim;
	char			 dummy[CRYPT_OUTPUT_SIZE];
	uint64_t		 gen;		/* of the users' version */
};

static const struct {
	const char	*name;
	const char	*prefix;	/* the hash must start so */
} pw_schemes[] = {
	{ "BLF-CRYPT",		"$2" },
	{ "CRYPT",		"" },
	{ "MD5-CRYPT",		"$1$" },
	{ "SHA256-CRYPT",	"$5$" },
	{ "SHA512-CRYPT",	"$6$" },
};

/*
 * One counter for every file, so that a generation is never reused,
 * not even by a file dropped at a reload and named again later.
 */
static uint64_t	pw_generation;

static int	pw_cmp(struct pw_entry *, struct pw_entry *);
static void	pw_entry_free(struct pw_entry *);
static void	pw_tree_free(struct pw_tree *);
static int	pw_locked(const char *);
static int	pw_name_ok(const char *);
static int	pw_err(char *, size_t, const char *, ...)
		    __attribute__((__format__ (printf, 3, 4)));
static int	pw_password(char *, char **, char *, size_t);
static int	pw_extra(char *, char **, char *, size_t);
static int	pw_parse(char *, struct pw_entry **, char *, size_t);
static int	pw_load(struct pwfile *);
static void	pw_choose_dummy(struct pwfile *);
static void	pw_identity(const struct pw_entry *, struct verify_result *);

RB_GENERATE_STATIC(pw_tree, pw_entry, node, pw_cmp)

static int
pw_cmp(struct pw_entry *a, struct pw_entry *b)
{
	return strcmp(a->name, b->name);
}

struct pwfile *
pwfile_new(const char *path)
{
	struct pwfile	*pf;

	if ((pf = calloc(1, sizeof(*pf))) == NULL)
		return NULL;
	if (strlcpy(pf->path, path, sizeof(pf->path)) >= sizeof(pf->path)) {
		free(pf);
		errno = ENAMETOOLONG;
		return NULL;
	}
	RB_INIT(&pf->users);
	(void)strlcpy(pf->dummy, PW_DUMMY, sizeof(pf->dummy));
	return pf;
}

void
pwfile_free(struct pwfile *pf)
{
	if (pf == NULL)
		return;
	pw_tree_free(&pf->users);
	free(pf);
}

const char *
pwfile_path(const struct pwfile *pf)
{
	return pf->path;
}

size_t
pwfile_nusers(const struct pwfile *pf)
{
	return pf->nusers;
}

/* Lines skipped in the version of the file last read. */
size_t
pwfile_nbad(const struct pwfile *pf)
{
	return pf->nbad;
}

/*
 * Changes whenever the users the file answers from change (another
 * version read, the file gone or unreadable), never otherwise; 0
 * before the first refresh.  The login cache keys on it.
 */
uint64_t
pwfile_generation(const struct pwfile *pf)
{
	return pf->gen;
}

/* The hash an unknown user's password is run through. */
const char *
pwfile_dummy(const struct pwfile *pf)
{
	return pf->dummy;
}

static void
pw_entry_free(struct pw_entry *e)
{
	free(e->name);
	free(e->hash);
	free(e->home);
	free(e->mail);
	free(e);
}

static void
pw_tree_free(struct pw_tree *t)
{
	struct pw_entry	*e, *next;

	RB_FOREACH_SAFE(e, pw_tree, t, next) {
		RB_REMOVE(pw_tree, t, e);
		pw_entry_free(e);
	}
}

/* An empty hash, or one marked as passwd -l does, never matches. */
static int
pw_locked(const char *hash)
{
	return hash[0] == '\0' || hash[0] == '!' || hash[0] == '*';
}

static int
pw_name_ok(const char *s)
{
	size_t	i;

	for (i = 0; s[i] != '\0'; i++)
		if ((unsigned char)s[i] <= 0x20 || s[i] == 0x7f)
			return 0;
	return i > 0 && i < P_NAMELEN;
}

static int
pw_err(char *err, size_t errlen, const char *fmt, ...)
{
	va_list	ap;

	va_start(ap, fmt);
	(void)vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
	return -1;
}

/* Take the scheme tag off a password field and check the rest. */
static int
pw_password(char *field, char **hash, char *err, size_t errlen)
{
	char	*end, *h = field;
	size_t	 i;
	int	 found = 0;

	if (field[0] == '{') {
		if ((end = strchr(field, '}')) == NULL)
			return pw_err(err, errlen, "unterminated scheme tag");
		*end = '\0';
		h = end + 1;
		for (i = 0; i < sizeof(pw_schemes) / sizeof(pw_schemes[0]);
		    i++) {
			if (strcasecmp(field + 1, pw_schemes[i].name) != 0)
				continue;
			found = 1;
			if (strncmp(h, pw_schemes[i].prefix,
			    strlen(pw_schemes[i].prefix)) != 0 &&
			    !pw_locked(h))
				return pw_err(err, errlen, "hash does not "
				    "match scheme {%s}", pw_schemes[i].name);
			break;
		}
		if (!found)
			return pw_err(err, errlen, "unsupported password "
			    "scheme {%.32s}", field + 1);
	}
	if (!pw_locked(h)) {
		switch (crypt_checksalt(h)) {
		case CRYPT_SALT_OK:
		case CRYPT_SALT_METHOD_LEGACY:
			break;
		default:
			return pw_err(err, errlen, "unusable crypt(3) hash");
		}
	}
	*hash = h;
	return 0;
}

/*
 * Extra fields, space separated.  mail= (or Dovecot's userdb_mail=)
 * is the user's mail location; other userdb_ fields only describe the
 * mailbox and are ignored.  Anything else is a passdb field that could
 * restrict the login (nologin, deny, allow_nets, proxy): rather than
 * ignore a restriction, the line is refused.
 */
static int
pw_extra(char *s, char **mail, char *err, size_t errlen)
{
	char	*tok, *val;
	char	 safe[64];

	while ((tok = strsep(&s, " \t")) != NULL) {
		if (*tok == '\0')
			continue;
		if ((val = strchr(tok, '=')) != NULL)
			*val++ = '\0';
		if (strcmp(tok, "mail") == 0 ||
		    strcmp(tok, "userdb_mail") == 0) {
			if (val == NULL || *val == '\0')
				return pw_err(err, errlen, "empty mail field");
			if (strlen(val) >= P_PATHLEN)
				return pw_err(err, errlen,
				    "mail location too long");
			*mail = val;
		} else if (strncmp(tok, "userdb_", 7) != 0) {
			return pw_err(err, errlen, "unsupported extra field "
			    "\"%s\"", log_safe(tok, safe, sizeof(safe)));
		}
	}
	return 0;
}

static int
pw_parse(char *line, struct pw_entry **ep, char *err, size_t errlen)
{
	struct pw_entry	*e;
	char		*f[8], *p, *hash = NULL, *mail = NULL;
	const char	*errstr;
	long long	 uid, gid;
	int		 nf = 0;

	*ep = NULL;
	p = line;
	for (;;) {
		f[nf++] = p;
		/* The eighth field is the rest: mail locations have ':'. */
		if (nf == 8 || (p = strchr(p, ':')) == NULL)
			break;
		*p++ = '\0';
	}
	if (f[0][0] == '\0')
		return pw_err(err, errlen, "empty user name");
	if (!pw_name_ok(f[0]))
		return pw_err(err, errlen, "bad user name");
	if (nf < 2)
		return pw_err(err, errlen, "missing password field");
	if (pw_password(f[1], &hash, err, errlen) == -1)
		return -1;
	if (nf < 3 || f[2][0] == '\0')
		return pw_err(err, errlen, "missing uid");
	uid = strtonum(f[2], 0, UINT32_MAX - 1, &errstr);
	if (errstr != NULL)
		return pw_err(err, errlen, "uid is %s", errstr);
	if (nf < 4 || f[3][0] == '\0')
		return pw_err(err, errlen, "missing gid");
	gid = strtonum(f[3], 0, UINT32_MAX - 1, &errstr);
	if (errstr != NULL)
		return pw_err(err, errlen, "gid is %s", errstr);
	if (nf < 6 || f[5][0] == '\0')
		return pw_err(err, errlen, "missing home");
	if (f[5][0] != '/')
		return pw_err(err, errlen, "home is not an absolute path");
	if (strlen(f[5]) >= P_PATHLEN)
		return pw_err(err, errlen, "home too long");
	if (nf == 8 && pw_extra(f[7], &mail, err, errlen) == -1)
		return -1;

	if ((e = calloc(1, sizeof(*e))) == NULL)
		return pw_err(err, errlen, "%s", strerror(errno));
	e->uid = uid;
	e->gid = gid;
	if ((e->name = strdup(f[0])) == NULL ||
	    (e->hash = strdup(hash)) == NULL ||
	    (e->home = strdup(f[5])) == NULL ||
	    (mail != NULL && (e->mail = strdup(mail)) == NULL)) {
		pw_entry_free(e);
		return pw_err(err, errlen, "%s", strerror(errno));
	}
	*ep = e;
	return 0;
}

/*
 * Read the file into a new tree and replace the old one.  Returns 0,
 * or -1 when the file cannot be read at all: then it has no users.
 */
static int
pw_load(struct pwfile *pf)
{
	struct pw_tree	 nt;
	struct pw_entry	*e, *dup;
	struct stat	 st;
	FILE		*fp;
	char		*line = NULL, *s, err[160];
	size_t		 cap = 0, lineno = 0, nusers = 0, nbad = 0;
	ssize_t		 n;

	if ((fp = fopen(pf->path, "re")) == NULL) {
		log_warn("passwd-file %s", pf->path);
		return -1;
	}
	if (fstat(fileno(fp), &st) == -1) {
		log_warn("passwd-file %s: fstat", pf->path);
		fclose(fp);
		return -1;
	}
	pf->have_id = 1;
	pf->dev = st.st_dev;
	pf->ino = st.st_ino;
	pf->size = st.st_size;
	pf->mtim = st.st_mtim;
	if (!S_ISREG(st.st_mode)) {
		log_warnx("passwd-file %s: not a regular file", pf->path);
		fclose(fp);
		return -1;
	}
	if (st.st_mode & (S_IWGRP | S_IWOTH))
		log_warnx("passwd-file %s: writable by group or others",
		    pf->path);

	RB_INIT(&nt);
	while ((n = getline(&line, &cap, fp)) != -1) {
		lineno++;
		if (n > 0 && line[n - 1] == '\n')
			line[--n] = '\0';
		if (n > 0 && line[n - 1] == '\r')
			line[--n] = '\0';
		for (s = line; *s == ' ' || *s == '\t'; s++)
			;
		if (*s == '\0' || *s == '#')
			continue;
		if ((size_t)n != strlen(line))
			(void)strlcpy(err, "NUL in line", sizeof(err));
		else if (n > PW_MAXLINE)
			(void)strlcpy(err, "line too long", sizeof(err));
		else if (pw_parse(line, &e, err, sizeof(err)) == 0) {
			e->line = lineno;
			if ((dup = RB_INSERT(pw_tree, &nt, e)) == NULL) {
				nusers++;
				continue;
			}
			(void)snprintf(err, sizeof(err),
			    "duplicate user, first at line %zu", dup->line);
			pw_entry_free(e);
		}
		log_warnx("passwd-file %s:%zu: %s; line skipped", pf->path,
		    lineno, err);
		nbad++;
	}
	if (line != NULL)
		freezero(line, cap);
	if (ferror(fp)) {
		log_warn("passwd-file %s: read", pf->path);
		fclose(fp);
		pw_tree_free(&nt);
		return -1;
	}
	fclose(fp);
	pw_tree_free(&pf->users);
	pf->users = nt;
	pf->nusers = nusers;
	pf->nbad = nbad;
	pw_choose_dummy(pf);
	log_info("passwd-file %s: %zu users, %zu lines skipped", pf->path,
	    nusers, nbad);
	return 0;
}

/*
 * An unknown user's password goes through the hash the file uses most
 * (same method and cost), so the time taken tells nothing.
 */
static void
pw_choose_dummy(struct pwfile *pf)
{
	struct pw_entry	*e;
	struct {
		char		 id[16];
		size_t		 n;
		const char	*hash;
	} seen[PW_MAXSCHEMES];
	size_t		 nseen = 0, i, best = 0, len;
	const char	*end;

	RB_FOREACH(e, pw_tree, &pf->users) {
		if (pw_locked(e->hash))
			continue;
		len = 0;
		if (e->hash[0] == '$' &&
		    (end = strchr(e->hash + 1, '$')) != NULL)
			len = end - e->hash;
		if (len >= sizeof(seen[0].id))
			len = sizeof(seen[0].id) - 1;
		for (i = 0; i < nseen; i++)
			if (strncmp(seen[i].id, e->hash, len) == 0 &&
			    seen[i].id[len] == '\0')
				break;
		if (i == nseen) {
			if (nseen == PW_MAXSCHEMES)
				continue;
			memcpy(seen[i].id, e->hash, len);
			seen[i].id[len] = '\0';
			seen[i].n = 0;
			seen[i].hash = e->hash;
			nseen++;
		}
		seen[i].n++;
	}
	if (nseen == 0) {
		(void)strlcpy(pf->dummy, PW_DUMMY, sizeof(pf->dummy));
		return;
	}
	for (i = 1; i < nseen; i++)
		if (seen[i].n > seen[best].n)
			best = i;
	(void)strlcpy(pf->dummy, seen[best].hash, sizeof(pf->dummy));
}

/*
 * Bring the parsed file up to date.  Returns 1 when it was (re)read,
 * 0 when unchanged, -1 when it cannot be read (then it knows no user;
 * the trouble is logged once, not per login).
 */
int
pwfile_refresh(struct pwfile *pf)
{
	struct stat	st;

	if (stat(pf->path, &st) == -1) {
		if (!pf->missing) {
			log_warn("passwd-file %s", pf->path);
			pf->gen = ++pw_generation;
		}
		pf->missing = 1;
		pf->have_id = 0;
		pf->ok = 0;
		pw_tree_free(&pf->users);
		pf->nusers = pf->nbad = 0;
		return -1;
	}
	pf->missing = 0;
	if (pf->have_id && st.st_dev == pf->dev && st.st_ino == pf->ino &&
	    st.st_size == pf->size && st.st_mtim.tv_sec == pf->mtim.tv_sec &&
	    st.st_mtim.tv_nsec == pf->mtim.tv_nsec)
		return pf->ok ? 0 : -1;
	pf->gen = ++pw_generation;
	if (pw_load(pf) == -1) {
		pf->ok = 0;
		pw_tree_free(&pf->users);
		pf->nusers = pf->nbad = 0;
		return -1;
	}
	pf->ok = 1;
	return 1;
}

/*
 * Does pass match the crypt(3) hash?  Returns 1 yes, 0 no (a locked
 * hash never matches), -1 when crypt cannot use the hash.  The
 * comparison takes the same time wherever the first difference is.
 */
int
pwfile_check(const char *hash, const char *pass)
{
	struct crypt_data	*cd;
	const char		*out;
	size_t			 len;
	int			 rv;

	if (pw_locked(hash))
		return 0;
	if ((cd = calloc(1, sizeof(*cd))) == NULL)
		return -1;
	out = crypt_rn(pass, hash, cd, sizeof(*cd));
	if (out == NULL || out[0] == '*')
		rv = -1;
	else {
		len = strlen(hash);
		rv = strlen(out) == len && CRYPTO_memcmp(out, hash, len) == 0;
	}
	freezero(cd, sizeof(*cd));
	return rv;
}

/*
 * The backend's answer for user and pass, from the file as last
 * refreshed: VERIFY_UNKNOWN (after a crypt of the dummy hash),
 * VERIFY_FAIL, or VERIFY_OK with the identity (groups: the primary
 * group only; backend_groups() adds the system's).
 */
void
pwfile_verify(struct pwfile *pf, const char *user, const char *pass,
    struct verify_result *r)
{
	struct pw_entry	 key, *e;
	int		 rv;

	memset(r, 0, sizeof(*r));
	(void)strlcpy(r->backend, "passwd-file", sizeof(r->backend));
	key.name = (char *)user;
	if ((e = RB_FIND(pw_tree, &pf->users, &key)) == NULL) {
		(void)pwfile_check(pf->dummy, pass);
		verify_set(r, VERIFY_UNKNOWN, 0, "unknown user");
		return;
	}
	if (pw_locked(e->hash)) {
		(void)pwfile_check(pf->dummy, pass);
		verify_set(r, VERIFY_FAIL, AUTH_FAIL_CREDENTIALS,
		    "account locked");
		return;
	}
	rv = pwfile_check(e->hash, pass);
	if (rv == -1) {
		log_warnx("passwd-file %s:%zu: crypt(3) cannot use the hash",
		    pf->path, e->line);
		verify_set(r, VERIFY_FAIL, AUTH_FAIL_CREDENTIALS,
		    "unusable password hash");
		return;
	}
	if (rv == 0) {
		verify_set(r, VERIFY_FAIL, AUTH_FAIL_CREDENTIALS,
		    "wrong password");
		return;
	}
	pw_identity(e, r);
}

/* An entry's identity, into a VERIFY_OK result. */
static void
pw_identity(const struct pw_entry *e, struct verify_result *r)
{
	verify_set(r, VERIFY_OK, 0, "%s", "");
	(void)strlcpy(r->id.user, e->name, sizeof(r->id.user));
	r->id.uid = e->uid;
	r->id.gid = e->gid;
	(void)strlcpy(r->id.home, e->home, sizeof(r->id.home));
	if (e->mail != NULL)
		(void)strlcpy(r->id.mail, e->mail, sizeof(r->id.mail));
	r->id.ngroups = 1;
	r->gids[0] = e->gid;
}

/*
 * The entry of a user a mechanism authenticated without a password
 * (GSSAPI): VERIFY_UNKNOWN, VERIFY_FAIL for a locked entry, or
 * VERIFY_OK with the identity as pwfile_verify() gives it.
 */
void
pwfile_lookup(struct pwfile *pf, const char *user, struct verify_result *r)
{
	struct pw_entry	 key, *e;

	memset(r, 0, sizeof(*r));
	(void)strlcpy(r->backend, "passwd-file", sizeof(r->backend));
	key.name = (char *)user;
	if ((e = RB_FIND(pw_tree, &pf->users, &key)) == NULL) {
		verify_set(r, VERIFY_UNKNOWN, 0, "unknown user");
		return;
	}
	if (pw_locked(e->hash)) {
		verify_set(r, VERIFY_FAIL, AUTH_FAIL_CREDENTIALS,
		    "account locked");
		return;
	}
	pw_identity(e, r);
}
