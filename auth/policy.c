/*
 * postern-auth's access policy, in one place: which login types allow
 * cleartext credentials on which connections, and which verified
 * identities may log in at all (never root, never a system account
 * below first-valid-uid).  Applied after the password check and before
 * the master hears of the login.  Per-user and per-group access rules
 * belong here too.
 */
#include <sys/types.h>

#include <string.h>

#include "auth.h"

/*
 * May this exchange carry a password on this connection?  SASL
 * mechanisms that hide the password are allowed everywhere; cleartext
 * ones depend on the login type:
 *
 *			secured	clear: SASL	clear: command
 *   secure		yes	no		no
 *   plaintext-auth	yes	yes		no
 *   plaintext-login	yes	yes		yes
 */
int
policy_login_type(uint32_t login_type, int secured, int via_command,
    int cleartext)
{
	if (!cleartext || secured)
		return 1;
	switch (login_type) {
	case LOGIN_PLAINTEXT_LOGIN:
		return 1;
	case LOGIN_PLAINTEXT_AUTH:
		return !via_command;
	case LOGIN_SECURE:
	default:
		return 0;
	}
}

/*
 * Decide on an identity a backend has verified, and complete it: the
 * mail location is the user's own (a passwd-file mail= field) or the
 * configured default, unexpanded.  Returns 0, or an AUTH_FAIL_* code
 * with a reason for the log.
 */
uint32_t
policy_identity(const struct auth_config *conf, uint32_t proto,
    struct auth_identity *id, const char **reason)
{
	if (id->uid == 0) {
		*reason = "root may not log in";
		return AUTH_FAIL_DENIED;
	}
	if (id->uid < conf->first_valid_uid) {
		*reason = "system account";
		return AUTH_FAIL_DENIED;
	}
	if (id->mail[0] == '\0' &&
	    strlcpy(id->mail, conf->mail_location, sizeof(id->mail)) >=
	    sizeof(id->mail)) {
		*reason = "mail location too long";
		return AUTH_FAIL_TEMP;
	}
	*reason = NULL;
	return 0;
}
