/*
 * postern-auth's access policy, in one place: which login types allow
 * cleartext credentials on which connections, and which verified
 * identities may log in at all (never root, never a system account
 * below first-valid-uid, and only to the protocols the access rules
 * allow them).  Applied after the password check, in the verify child
 * (policy_access) and again in the main process (policy_identity),
 * before the master hears of the login.
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

/*
 * In the verify child, on an identity a backend confirmed: root and
 * system accounts are refused whatever the rules say, then the access
 * rules decide.  A refusal turns r into VERIFY_FAIL with
 * AUTH_FAIL_DENIED, which the client cannot tell from a wrong password
 * (same answer, same delay).
 */
void
policy_access(const struct auth_config *conf, uint32_t proto,
    struct verify_result *r)
{
	char	why[P_TEXTLEN];

	if (r->status != VERIFY_OK)
		return;
	if (r->id.uid == 0) {
		verify_set(r, VERIFY_FAIL, AUTH_FAIL_DENIED,
		    "root may not log in");
		return;
	}
	if (r->id.uid < conf->first_valid_uid) {
		verify_set(r, VERIFY_FAIL, AUTH_FAIL_DENIED,
		    "system account");
		return;
	}
	if (access_check(conf->access_file, proto, &r->id, r->gids, why,
	    sizeof(why)) != 0)
		verify_set(r, VERIFY_FAIL, AUTH_FAIL_DENIED, "%s", why);
}
