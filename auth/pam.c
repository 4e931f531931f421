/*
 * The PAM backend of postern-auth: one PAM transaction per login
 * (authenticate, then account management), run in the verify child
 * because modules may block for seconds.  The PAM service knows a user
 * when the system database does (getpwnam): a session needs a uid,
 * and Debian's common-auth answers an unknown name like a wrong
 * password, which would stop the chain from reaching a passwd-file.
 * PAM's own failure delay is turned off; postern-auth delays failed
 * answers itself without holding a child.  A GSSAPI login, which has
 * no password, runs account management alone (authpam_lookup).
 */
#include <sys/types.h>

#include <pwd.h>
#include <stdlib.h>
#include <string.h>

#include <security/pam_appl.h>

#include "auth.h"
#include "log.h"

struct authpam_creds {
	const char	*user;
	const char	*pass;
};

static int	authpam_conv(int, const struct pam_message **,
		    struct pam_response **, void *);
static void	authpam_nodelay(int, unsigned int, void *);
static void	authpam_fail(struct verify_result *, const char *, int);
static void	authpam_identity(pam_handle_t *, const char *,
		    struct verify_result *);
static int	authpam_account(pam_handle_t *, int, const char *,
		    struct verify_result *);

/*
 * Answer every hidden prompt with the password and every visible one
 * with the user name; show nothing else (there is no one to show it
 * to, the client's protocol has no place for it).
 */
static int
authpam_conv(int n, const struct pam_message **msg,
    struct pam_response **resp, void *arg)
{
	struct authpam_creds	*c = arg;
	struct pam_response	*r;
	char			 safe[P_TEXTLEN];
	int			 i;

	if (n <= 0 || n > PAM_MAX_NUM_MSG)
		return PAM_CONV_ERR;
	if ((r = calloc(n, sizeof(*r))) == NULL)
		return PAM_BUF_ERR;
	for (i = 0; i < n; i++) {
		switch (msg[i]->msg_style) {
		case PAM_PROMPT_ECHO_OFF:
			if ((r[i].resp = strdup(c->pass)) == NULL)
				goto fail;
			break;
		case PAM_PROMPT_ECHO_ON:
			if ((r[i].resp = strdup(c->user)) == NULL)
				goto fail;
			break;
		case PAM_ERROR_MSG:
		case PAM_TEXT_INFO:
			log_debug("pam: %s", log_safe(msg[i]->msg, safe,
			    sizeof(safe)));
			break;
		default:
			goto fail;
		}
	}
	*resp = r;
	return PAM_SUCCESS;
fail:
	for (i = 0; i < n; i++)
		if (r[i].resp != NULL)
			freezero(r[i].resp, strlen(r[i].resp));
	free(r);
	return PAM_CONV_ERR;
}

static void
authpam_nodelay(int retval, unsigned int usec, void *arg)
{
}

/* Map a PAM error to the answer and a reason for the log. */
static void
authpam_fail(struct verify_result *r, const char *fn, int rv)
{
	switch (rv) {
	case PAM_AUTH_ERR:
	case PAM_CRED_INSUFFICIENT:
	case PAM_MAXTRIES:
	case PAM_USER_UNKNOWN:
		verify_set(r, VERIFY_FAIL, AUTH_FAIL_CREDENTIALS,
		    "wrong password (%s: %s)", fn, pam_strerror(NULL, rv));
		break;
	case PAM_NEW_AUTHTOK_REQD:
		verify_set(r, VERIFY_FAIL, AUTH_FAIL_EXPIRED,
		    "password expired (%s)", fn);
		break;
	case PAM_ACCT_EXPIRED:
		verify_set(r, VERIFY_FAIL, AUTH_FAIL_EXPIRED,
		    "account expired (%s)", fn);
		break;
	case PAM_PERM_DENIED:
		verify_set(r, VERIFY_FAIL, AUTH_FAIL_DENIED,
		    "permission denied (%s)", fn);
		break;
	default:
		verify_set(r, VERIFY_FAIL, AUTH_FAIL_TEMP, "%s: %s", fn,
		    pam_strerror(NULL, rv));
		break;
	}
}

void
authpam_verify(const char *service, const char *user, const char *pass,
    const char *rhost, struct verify_result *r)
{
	struct authpam_creds	 c = { user, pass };
	struct pam_conv		 conv = { authpam_conv, &c };
	pam_handle_t		*ph = NULL;
	int			 rv, known;

	memset(r, 0, sizeof(*r));
	(void)strlcpy(r->backend, "pam", sizeof(r->backend));
	known = getpwnam(user) != NULL;
	if ((rv = pam_start(service, user, &conv, &ph)) != PAM_SUCCESS) {
		authpam_fail(r, "pam_start", rv);
		return;
	}
	if ((rv = pam_set_item(ph, PAM_RHOST, rhost)) != PAM_SUCCESS ||
	    (rv = pam_set_item(ph, PAM_FAIL_DELAY,
	    (const void *)authpam_nodelay)) != PAM_SUCCESS) {
		authpam_fail(r, "pam_set_item", rv);
		goto done;
	}
	/* Run even for an unknown name, so that it costs the same. */
	rv = pam_authenticate(ph, PAM_SILENT | PAM_DISALLOW_NULL_AUTHTOK);
	if (!known || rv == PAM_USER_UNKNOWN) {
		verify_set(r, VERIFY_UNKNOWN, 0, "unknown user");
		goto done;
	}
	if (rv != PAM_SUCCESS) {
		authpam_fail(r, "pam_authenticate", rv);
		goto done;
	}
	rv = authpam_account(ph, PAM_SILENT | PAM_DISALLOW_NULL_AUTHTOK,
	    user, r);
done:
	pam_end(ph, rv);
}

/* After PAM said yes: the system account of the (mapped) user. */
static void
authpam_identity(pam_handle_t *ph, const char *user, struct verify_result *r)
{
	struct passwd	*pw;
	const void	*item = NULL;
	char		 name[P_NAMELEN];

	/* A module may have mapped the name (case, realm). */
	if (pam_get_item(ph, PAM_USER, &item) != PAM_SUCCESS || item == NULL)
		item = user;
	if (strlcpy(name, item, sizeof(name)) >= sizeof(name)) {
		verify_set(r, VERIFY_FAIL, AUTH_FAIL_TEMP,
		    "PAM user name too long");
		return;
	}
	if ((pw = getpwnam(name)) == NULL) {
		verify_set(r, VERIFY_FAIL, AUTH_FAIL_DENIED,
		    "no system account for the PAM user");
		return;
	}
	if (strlcpy(r->id.home, pw->pw_dir, sizeof(r->id.home)) >=
	    sizeof(r->id.home)) {
		verify_set(r, VERIFY_FAIL, AUTH_FAIL_TEMP, "home too long");
		return;
	}
	if (strlcpy(r->id.user, pw->pw_name, sizeof(r->id.user)) >=
	    sizeof(r->id.user)) {
		verify_set(r, VERIFY_FAIL, AUTH_FAIL_TEMP,
		    "PAM user name too long");
		return;
	}
	verify_set(r, VERIFY_OK, 0, "%s", "");
	r->id.uid = pw->pw_uid;
	r->id.gid = pw->pw_gid;
	backend_groups(r->id.user, r->id.gid, r);
}

/*
 * The last step of both transactions: account management with flags,
 * then the identity when it agrees.  Returns PAM's answer, for
 * pam_end().
 */
static int
authpam_account(pam_handle_t *ph, int flags, const char *user,
    struct verify_result *r)
{
	int	rv;

	if ((rv = pam_acct_mgmt(ph, flags)) != PAM_SUCCESS)
		authpam_fail(r, "pam_acct_mgmt", rv);
	else
		authpam_identity(ph, user, r);
	return rv;
}

/*
 * A user GSSAPI authenticated: no password to check, but the account
 * must exist and PAM's account management (expiry, locks, access
 * modules) must accept it, as sshd does for its key logins.
 */
void
authpam_lookup(const char *service, const char *user, const char *rhost,
    struct verify_result *r)
{
	struct authpam_creds	 c = { user, "" };
	struct pam_conv		 conv = { authpam_conv, &c };
	pam_handle_t		*ph = NULL;
	int			 rv;

	memset(r, 0, sizeof(*r));
	(void)strlcpy(r->backend, "pam", sizeof(r->backend));
	if (getpwnam(user) == NULL) {
		verify_set(r, VERIFY_UNKNOWN, 0, "unknown user");
		return;
	}
	if ((rv = pam_start(service, user, &conv, &ph)) != PAM_SUCCESS) {
		authpam_fail(r, "pam_start", rv);
		return;
	}
	if ((rv = pam_set_item(ph, PAM_RHOST, rhost)) != PAM_SUCCESS) {
		authpam_fail(r, "pam_set_item", rv);
		goto done;
	}
	rv = authpam_account(ph, PAM_SILENT, user, r);
done:
	pam_end(ph, rv);
}
