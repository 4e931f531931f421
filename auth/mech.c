/*
 * SASL mechanisms of postern-auth: PLAIN (RFC 4616), LOGIN and GSSAPI
 * (RFC 4752, in gssapi.c), each a small state machine fed raw client
 * responses (the worker does the base64).  A mechanism ends with a
 * user name and a password for the backends (or, for GSSAPI, a user
 * name it proved itself), a challenge to relay, or a failure code.
 * POP3 USER/PASS and IMAP LOGIN reach here already in PLAIN form
 * (via_command).  New mechanisms are one more row in the table.
 */
#include <sys/types.h>

#include <string.h>
#include <strings.h>

#include "auth.h"

static enum mech_status	mech_plain(struct mech_state *,
			    const unsigned char *, size_t, int);
static enum mech_status	mech_login(struct mech_state *,
			    const unsigned char *, size_t, int);
static enum mech_status	mech_fail(struct mech_state *, uint32_t,
			    const char *);
static enum mech_status	mech_challenge(struct mech_state *, const char *);
static int		mech_username_ok(const char *, size_t,
			    const char **);

static const struct mech mechs[] = {
	{ "GSSAPI",	0,		gssapi_step,	gssapi_clear },
	{ "LOGIN",	MECH_CLEARTEXT,	mech_login,	NULL },
	{ "PLAIN",	MECH_CLEARTEXT,	mech_plain,	NULL },
};

/* The command form (USER/PASS, IMAP LOGIN) arrives as a PLAIN message. */
static const struct mech mech_command = {
	"PLAIN",	MECH_CLEARTEXT,	mech_plain,	NULL
};

const struct mech *
mech_find(const char *name)
{
	size_t	i;

	for (i = 0; i < sizeof(mechs) / sizeof(mechs[0]); i++)
		if (strcasecmp(mechs[i].name, name) == 0)
			return &mechs[i];
	return NULL;
}

/*
 * Start a mechanism by name, or the command form.  Returns 0, or -1
 * when the mechanism is not one postern-auth offers.
 */
int
mech_init(struct mech_state *ms, const char *name, int via_command)
{
	memset(ms, 0, sizeof(*ms));
	if (via_command)
		ms->mech = &mech_command;
	else if ((ms->mech = mech_find(name)) == NULL)
		return -1;
	return 0;
}

/*
 * Feed one client response; have_data is 0 only for a start without
 * an initial response.  mech_clear() wipes the password the state may
 * hold and frees what the mechanism keeps (a GSSAPI context); it may
 * be called more than once.  Mechanisms that need the configuration
 * find it in ms->conf and ms->proto, which the caller sets after
 * mech_init().
 */
enum mech_status
mech_step(struct mech_state *ms, const void *data, size_t len, int have_data)
{
	ms->challenge = NULL;
	ms->challenge_len = 0;
	return ms->mech->step(ms, data, len, have_data);
}

void
mech_clear(struct mech_state *ms)
{
	explicit_bzero(ms->pass, sizeof(ms->pass));
	if (ms->mech != NULL && ms->mech->clear != NULL)
		ms->mech->clear(ms);
}

static enum mech_status
mech_fail(struct mech_state *ms, uint32_t code, const char *reason)
{
	explicit_bzero(ms->pass, sizeof(ms->pass));
	ms->fail_code = code;
	ms->fail_reason = reason;
	return MECH_FAIL;
}

static enum mech_status
mech_challenge(struct mech_state *ms, const char *text)
{
	ms->challenge = text;
	ms->challenge_len = strlen(text);
	return MECH_CHALLENGE;
}

/*
 * A user name must fit the identity and must not carry control
 * characters (NUL included): no backend has such names, and they would
 * only serve to confuse logs and files.
 */
static int
mech_username_ok(const char *s, size_t len, const char **reason)
{
	size_t	i;

	if (len == 0) {
		*reason = "empty user name";
		return 0;
	}
	if (len >= P_NAMELEN) {
		*reason = "user name too long";
		return 0;
	}
	for (i = 0; i < len; i++)
		if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f) {
			*reason = "control character in user name";
			return 0;
		}
	return 1;
}

/*
 * RFC 4616: message = [authzid] NUL authcid NUL passwd.  Returns 0 with
 * user and pass filled, or -1 with an AUTH_FAIL_* code and a reason.
 * An authorization identity other than the user itself is refused:
 * postern has no notion of acting for another user.
 */
int
mech_plain_parse(const unsigned char *msg, size_t len, char *user,
    size_t userlen, char *pass, size_t passlen, uint32_t *code,
    const char **reason)
{
	const unsigned char	*nul1, *nul2, *authcid, *pw;
	const char		*why;
	size_t			 zlen, clen, plen;
	int			 named;

	*code = AUTH_FAIL_PROTOCOL;
	if (len == 0) {
		*reason = "empty PLAIN message";
		return -1;
	}
	if (len > MECH_MAXMSG) {
		*reason = "PLAIN message too long";
		return -1;
	}
	if ((nul1 = memchr(msg, '\0', len)) == NULL) {
		*reason = "PLAIN message without NUL";
		return -1;
	}
	authcid = nul1 + 1;
	if ((nul2 = memchr(authcid, '\0', len - (authcid - msg))) == NULL) {
		*reason = "PLAIN message with one NUL";
		return -1;
	}
	pw = nul2 + 1;
	zlen = nul1 - msg;
	clen = nul2 - authcid;
	plen = len - (pw - msg);
	/*
	 * From here on a failure names the user it was for, when the name
	 * itself is sound: the log shows the name the client gave, and
	 * the delay counts against it as it would for a wrong password.
	 */
	named = mech_username_ok((const char *)authcid, clen, &why);
	if (named && clen < userlen) {
		memcpy(user, authcid, clen);
		user[clen] = '\0';
	}
	if (memchr(pw, '\0', plen) != NULL) {
		*reason = "NUL inside the PLAIN password";
		return -1;
	}
	if (!named) {
		*reason = why;
		return -1;
	}
	if (plen == 0) {
		*reason = "empty password";
		return -1;
	}
	if (clen >= userlen || plen >= passlen) {
		*reason = "PLAIN field too long";
		return -1;
	}
	if (zlen != 0 && (zlen != clen || memcmp(msg, authcid, clen) != 0)) {
		*code = AUTH_FAIL_DENIED;
		*reason = "authorization identity differs";
		return -1;
	}
	memcpy(pass, pw, plen);
	pass[plen] = '\0';
	return 0;
}

static enum mech_status
mech_plain(struct mech_state *ms, const unsigned char *data, size_t len,
    int have_data)
{
	uint32_t	 code;
	const char	*reason;

	if (!have_data) {
		if (ms->step != 0)
			return mech_fail(ms, AUTH_FAIL_PROTOCOL,
			    "PLAIN response missing");
		/* RFC 4422 section 5: an empty challenge asks for it. */
		ms->step = 1;
		return mech_challenge(ms, "");
	}
	ms->step = 2;
	if (mech_plain_parse(data, len, ms->user, sizeof(ms->user),
	    ms->pass, sizeof(ms->pass), &code, &reason) == -1)
		return mech_fail(ms, code, reason);
	return MECH_DONE;
}

/*
 * LOGIN (draft-murchison-sasl-login): "Username:", then "Password:".
 * An initial response is the user name.
 */
static enum mech_status
mech_login(struct mech_state *ms, const unsigned char *data, size_t len,
    int have_data)
{
	const char	*reason;

	switch (ms->step) {
	case 0:
		if (!have_data) {
			ms->step = 1;
			return mech_challenge(ms, "Username:");
		}
		/* FALLTHROUGH */
	case 1:
		if (!have_data)
			return mech_fail(ms, AUTH_FAIL_PROTOCOL,
			    "LOGIN response missing");
		if (!mech_username_ok((const char *)data, len, &reason))
			return mech_fail(ms, AUTH_FAIL_PROTOCOL, reason);
		memcpy(ms->user, data, len);
		ms->user[len] = '\0';
		ms->step = 2;
		return mech_challenge(ms, "Password:");
	case 2:
		ms->step = 3;
		if (!have_data)
			return mech_fail(ms, AUTH_FAIL_PROTOCOL,
			    "LOGIN response missing");
		if (len == 0)
			return mech_fail(ms, AUTH_FAIL_PROTOCOL,
			    "empty password");
		if (len > MECH_MAXMSG)
			return mech_fail(ms, AUTH_FAIL_PROTOCOL,
			    "LOGIN password too long");
		if (memchr(data, '\0', len) != NULL)
			return mech_fail(ms, AUTH_FAIL_PROTOCOL,
			    "NUL in LOGIN password");
		memcpy(ms->pass, data, len);
		ms->pass[len] = '\0';
		return MECH_DONE;
	default:
		return mech_fail(ms, AUTH_FAIL_PROTOCOL,
		    "LOGIN response after the end");
	}
}
