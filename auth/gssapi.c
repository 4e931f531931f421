/*
 * The GSSAPI SASL mechanism (RFC 4752, Kerberos 5 through MIT GSSAPI)
 * in postern-auth's main process: accepting a context only reads the
 * keytab (the KDC is never asked on this side), so it does not block
 * the other logins.  The acceptor credential comes from gssapi-keytab
 * and accepts any principal of that keytab (GSS_C_NO_NAME, as RFC
 * 4752 recommends); the ticket must then be for the protocol's service
 * (pop/HOST, imap/HOST, smtp/HOST unless gssapi-service says
 * otherwise).  The client's principal becomes a local user name by the
 * auth_to_local rules of krb5.conf, whose default takes the realm off
 * a one-component principal of the default realm (user@REALM is user).
 * The mechanism ends with that name and no password: the backends then
 * only look the user up.
 */
#include <sys/types.h>

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gssapi/gssapi.h>
#include <gssapi/gssapi_ext.h>
#include <gssapi/gssapi_krb5.h>

#include "auth.h"
#include "log.h"

/* Where an exchange stands (RFC 4752 section 3.2). */
enum gssapi_stage {
	GS_ACCEPT,		/* context tokens go to accept_sec_context */
	GS_ACK,			/* sent the last context token: want "" */
	GS_OFFER,		/* sent the wrapped layer offer */
	GS_DONE
};

struct gssapi_state {
	gss_ctx_id_t		 ctx;
	enum gssapi_stage	 stage;
	int			 asked;		/* sent the empty challenge */
	unsigned char		*out;		/* the challenge being sent */
	size_t			 outlen;
	char			 principal[P_NAMELEN];
};

static gss_cred_id_t	gss_cred = GSS_C_NO_CREDENTIAL;
static char		gss_keytab[P_PATHLEN];
static int		gss_warned;

static enum mech_status	gssapi_fail(struct mech_state *, uint32_t,
			    const char *, ...)
			    __attribute__((__format__ (printf, 3, 4)));
static void		gssapi_status(char *, size_t, OM_uint32, OM_uint32);
static enum mech_status	gssapi_gsserr(struct mech_state *, uint32_t,
			    const char *, OM_uint32, OM_uint32);
static enum mech_status	gssapi_send(struct mech_state *,
			    struct gssapi_state *, gss_buffer_t);
static enum mech_status	gssapi_accept(struct mech_state *,
			    struct gssapi_state *, const unsigned char *,
			    size_t);
static enum mech_status	gssapi_established(struct mech_state *,
			    struct gssapi_state *, gss_name_t, gss_OID);
static enum mech_status	gssapi_offer(struct mech_state *,
			    struct gssapi_state *);
static enum mech_status	gssapi_reply(struct mech_state *,
			    struct gssapi_state *, const unsigned char *,
			    size_t);
static int		gssapi_localname(gss_name_t, char *, size_t, char *,
			    size_t);
static int		gssapi_name_text(gss_name_t, char *, size_t);
static int		gssapi_target_ok(struct gssapi_state *,
			    const char *, char *, size_t);
static gss_cred_id_t	gssapi_cred(const struct auth_config *);
static int		gssapi_user_ok(const char *, size_t);

/* The service name of proto's principals: configured or RFC's. */
const char *
gssapi_service(const struct auth_config *conf, uint32_t proto)
{
	if (proto < PROTO_MAX && conf->gssapi_service[proto][0] != '\0')
		return conf->gssapi_service[proto];
	switch (proto) {
	case PROTO_IMAP:
		return "imap";		/* RFC 3501 section 6.2.2 */
	case PROTO_SUBMISSION:
		return "smtp";		/* RFC 4954 section 4 */
	default:
		return "pop";		/* RFC 5034 section 4 */
	}
}

static enum mech_status
gssapi_fail(struct mech_state *ms, uint32_t code, const char *fmt, ...)
{
	va_list	ap;

	va_start(ap, fmt);
	(void)vsnprintf(ms->fail_text, sizeof(ms->fail_text), fmt, ap);
	va_end(ap);
	ms->fail_code = code;
	ms->fail_reason = ms->fail_text;
	return MECH_FAIL;
}

/* GSS-API's words for a status, major then minor. */
static void
gssapi_status(char *buf, size_t len, OM_uint32 major, OM_uint32 minor)
{
	OM_uint32	 mn, more;
	gss_buffer_desc	 msg;
	int		 type, first = 1;
	OM_uint32	 code;

	buf[0] = '\0';
	for (type = GSS_C_GSS_CODE; ; type = GSS_C_MECH_CODE) {
		code = type == GSS_C_GSS_CODE ? major : minor;
		more = 0;
		do {
			if (code == 0 || GSS_ERROR(gss_display_status(&mn,
			    code, type, type == GSS_C_MECH_CODE ?
			    gss_mech_krb5 : GSS_C_NO_OID, &more, &msg)))
				break;
			if (!first)
				(void)strlcat(buf, "; ", len);
			first = 0;
			if (strlen(buf) + msg.length < len)
				(void)strncat(buf, msg.value, msg.length);
			(void)gss_release_buffer(&mn, &msg);
		} while (more != 0);
		if (type == GSS_C_MECH_CODE)
			break;
	}
	if (buf[0] == '\0')
		(void)snprintf(buf, len, "major %u minor %u", major, minor);
}

static enum mech_status
gssapi_gsserr(struct mech_state *ms, uint32_t code, const char *what,
    OM_uint32 major, OM_uint32 minor)
{
	char	text[P_TEXTLEN];

	gssapi_status(text, sizeof(text), major, minor);
	return gssapi_fail(ms, code, "GSSAPI %s: %s", what, text);
}

/*
 * Keep the acceptor credential of the configured keytab.  A keytab
 * that cannot be used is reported once; the next GSSAPI login tries
 * again, so a keytab installed later is picked up.
 */
void
gssapi_config(const struct auth_config *conf)
{
	gss_key_value_element_desc	 el;
	gss_key_value_set_desc		 store;
	gss_OID_set_desc		 mechs;
	OM_uint32			 major, minor;
	char				 text[P_TEXTLEN];

	if (strcmp(conf->gssapi_keytab, gss_keytab) == 0 &&
	    gss_cred != GSS_C_NO_CREDENTIAL)
		return;
	if (gss_cred != GSS_C_NO_CREDENTIAL)
		(void)gss_release_cred(&minor, &gss_cred);
	gss_cred = GSS_C_NO_CREDENTIAL;
	if (strcmp(conf->gssapi_keytab, gss_keytab) != 0)
		gss_warned = 0;
	(void)strlcpy(gss_keytab, conf->gssapi_keytab, sizeof(gss_keytab));
	if (gss_keytab[0] == '\0')
		return;

	el.key = "keytab";
	el.value = gss_keytab;
	store.count = 1;
	store.elements = &el;
	mechs.count = 1;
	mechs.elements = gss_mech_krb5;
	major = gss_acquire_cred_from(&minor, GSS_C_NO_NAME,
	    GSS_C_INDEFINITE, &mechs, GSS_C_ACCEPT, &store, &gss_cred, NULL,
	    NULL);
	if (GSS_ERROR(major)) {
		gss_cred = GSS_C_NO_CREDENTIAL;
		gssapi_status(text, sizeof(text), major, minor);
		if (!gss_warned)
			log_warnx("gssapi-keytab %s: %s; GSSAPI logins fail "
			    "until it can be used", gss_keytab, text);
		else
			log_debug("gssapi-keytab %s: %s", gss_keytab, text);
		gss_warned = 1;
		return;
	}
	if (gss_warned)
		log_info("gssapi-keytab %s: usable now", gss_keytab);
	gss_warned = 0;
	log_debug("GSSAPI acceptor credential from %s", gss_keytab);
}

static gss_cred_id_t
gssapi_cred(const struct auth_config *conf)
{
	if (gss_cred == GSS_C_NO_CREDENTIAL ||
	    strcmp(conf->gssapi_keytab, gss_keytab) != 0)
		gssapi_config(conf);
	return gss_cred;
}

void
gssapi_shutdown(void)
{
	OM_uint32	minor;

	if (gss_cred != GSS_C_NO_CREDENTIAL)
		(void)gss_release_cred(&minor, &gss_cred);
	gss_cred = GSS_C_NO_CREDENTIAL;
	gss_keytab[0] = '\0';
}

void
gssapi_clear(struct mech_state *ms)
{
	struct gssapi_state	*st = ms->priv;
	OM_uint32		 minor;

	if (st == NULL)
		return;
	if (st->ctx != GSS_C_NO_CONTEXT)
		(void)gss_delete_sec_context(&minor, &st->ctx,
		    GSS_C_NO_BUFFER);
	free(st->out);
	free(st);
	ms->priv = NULL;
}

/* Make buf the next challenge; it stays valid until the next step. */
static enum mech_status
gssapi_send(struct mech_state *ms, struct gssapi_state *st, gss_buffer_t buf)
{
	free(st->out);
	st->out = NULL;
	st->outlen = 0;
	if (buf->length > 0) {
		if ((st->out = malloc(buf->length)) == NULL)
			return gssapi_fail(ms, AUTH_FAIL_TEMP, "out of memory");
		memcpy(st->out, buf->value, buf->length);
		st->outlen = buf->length;
	}
	ms->challenge = (const char *)st->out;
	ms->challenge_len = st->outlen;
	if (ms->challenge == NULL)
		ms->challenge = "";
	return MECH_CHALLENGE;
}

/*
 * One client response.  GSSAPI is "client goes first": a start without
 * an initial response gets an empty challenge (RFC 4422 section 5).
 */
enum mech_status
gssapi_step(struct mech_state *ms, const unsigned char *data, size_t len,
    int have_data)
{
	struct gssapi_state	*st;
	gss_buffer_desc		 none = GSS_C_EMPTY_BUFFER;

	if (ms->conf == NULL || ms->conf->gssapi_keytab[0] == '\0')
		return gssapi_fail(ms, AUTH_FAIL_MECH,
		    "GSSAPI is not configured (no gssapi-keytab)");
	if ((st = ms->priv) == NULL) {
		if ((st = calloc(1, sizeof(*st))) == NULL)
			return gssapi_fail(ms, AUTH_FAIL_TEMP,
			    "out of memory");
		st->ctx = GSS_C_NO_CONTEXT;
		st->stage = GS_ACCEPT;
		ms->priv = st;
	}
	ms->step++;
	switch (st->stage) {
	case GS_ACCEPT:
		if (!have_data) {
			if (st->asked)
				return gssapi_fail(ms, AUTH_FAIL_PROTOCOL,
				    "GSSAPI response missing");
			st->asked = 1;
			return gssapi_send(ms, st, &none);
		}
		return gssapi_accept(ms, st, data, len);
	case GS_ACK:
		/* RFC 4752 3.2: the reply to the last token has no data. */
		if (len != 0)
			return gssapi_fail(ms, AUTH_FAIL_PROTOCOL,
			    "GSSAPI: data in the reply to the final context "
			    "token");
		return gssapi_offer(ms, st);
	case GS_OFFER:
		return gssapi_reply(ms, st, data, len);
	default:
		return gssapi_fail(ms, AUTH_FAIL_PROTOCOL,
		    "GSSAPI response after the end");
	}
}

static enum mech_status
gssapi_accept(struct mech_state *ms, struct gssapi_state *st,
    const unsigned char *data, size_t len)
{
	gss_buffer_desc		 in, out = GSS_C_EMPTY_BUFFER;
	gss_name_t		 src = GSS_C_NO_NAME;
	gss_OID			 mech = GSS_C_NO_OID;
	gss_cred_id_t		 cred;
	OM_uint32		 major, minor, mn, flags = 0;
	enum mech_status	 rv;

	if (len == 0)
		return gssapi_fail(ms, AUTH_FAIL_PROTOCOL,
		    "empty GSSAPI token");
	if ((cred = gssapi_cred(ms->conf)) == GSS_C_NO_CREDENTIAL)
		return gssapi_fail(ms, AUTH_FAIL_TEMP,
		    "GSSAPI: no acceptor credential from gssapi-keytab %s",
		    ms->conf->gssapi_keytab);
	in.value = (void *)data;
	in.length = len;
	major = gss_accept_sec_context(&minor, &st->ctx, cred, &in,
	    GSS_C_NO_CHANNEL_BINDINGS, &src, &mech, &out, &flags, NULL, NULL);
	if (GSS_ERROR(major)) {
		(void)gss_release_buffer(&mn, &out);
		if (src != GSS_C_NO_NAME)
			(void)gss_release_name(&mn, &src);
		return gssapi_gsserr(ms, AUTH_FAIL_CREDENTIALS,
		    "accept_sec_context", major, minor);
	}
	if (major & GSS_S_CONTINUE_NEEDED) {
		if (out.length == 0)
			rv = gssapi_fail(ms, AUTH_FAIL_PROTOCOL,
			    "GSSAPI: context incomplete without a token");
		else
			rv = gssapi_send(ms, st, &out);
		(void)gss_release_buffer(&mn, &out);
		if (src != GSS_C_NO_NAME)
			(void)gss_release_name(&mn, &src);
		return rv;
	}
	rv = gssapi_established(ms, st, src, mech);
	if (src != GSS_C_NO_NAME)
		(void)gss_release_name(&mn, &src);
	if (rv == MECH_FAIL) {
		(void)gss_release_buffer(&mn, &out);
		return rv;
	}
	if (out.length > 0) {
		st->stage = GS_ACK;
		rv = gssapi_send(ms, st, &out);
		(void)gss_release_buffer(&mn, &out);
		return rv;
	}
	(void)gss_release_buffer(&mn, &out);
	return gssapi_offer(ms, st);
}

/*
 * The context is complete: Kerberos 5 it must be, for this protocol's
 * service, from a principal that names a local user.  Returns
 * MECH_DONE when all holds (the exchange still goes on), else
 * MECH_FAIL.
 */
static enum mech_status
gssapi_established(struct mech_state *ms, struct gssapi_state *st,
    gss_name_t src, gss_OID mech)
{
	const char	*service = gssapi_service(ms->conf, ms->proto);
	char		 local[P_NAMELEN], why[P_TEXTLEN];

	if (mech == GSS_C_NO_OID || !gss_oid_equal(mech, gss_mech_krb5))
		return gssapi_fail(ms, AUTH_FAIL_PROTOCOL,
		    "GSSAPI: the mechanism is not Kerberos 5");
	if (src == GSS_C_NO_NAME ||
	    gssapi_name_text(src, st->principal, sizeof(st->principal)) == -1)
		return gssapi_fail(ms, AUTH_FAIL_CREDENTIALS,
		    "GSSAPI: no usable client principal");
	/* For the log and the delay, until a local name is known. */
	(void)strlcpy(ms->user, st->principal, sizeof(ms->user));
	if (!gssapi_target_ok(st, service, why, sizeof(why)))
		return gssapi_fail(ms, AUTH_FAIL_CREDENTIALS, "GSSAPI: %s",
		    why);
	if (gssapi_localname(src, local, sizeof(local), why,
	    sizeof(why)) == -1)
		return gssapi_fail(ms, AUTH_FAIL_CREDENTIALS, "GSSAPI: %s",
		    why);
	(void)strlcpy(ms->user, local, sizeof(ms->user));
	log_debug("GSSAPI: principal %s is user %s", st->principal, local);
	return MECH_DONE;
}

/*
 * The ticket must be for service/HOST (any host: the keytab holds only
 * this server's keys), as RFC 4752 asks of an acceptor with
 * GSS_C_NO_NAME.
 */
static int
gssapi_target_ok(struct gssapi_state *st, const char *service, char *why,
    size_t whylen)
{
	gss_name_t	 targ = GSS_C_NO_NAME;
	OM_uint32	 major, minor;
	char		 name[P_NAMELEN];
	size_t		 n = strlen(service);
	int		 ok;

	major = gss_inquire_context(&minor, st->ctx, NULL, &targ, NULL, NULL,
	    NULL, NULL, NULL);
	if (GSS_ERROR(major) || targ == GSS_C_NO_NAME) {
		(void)snprintf(why, whylen, "cannot tell the service the "
		    "ticket is for");
		return 0;
	}
	ok = gssapi_name_text(targ, name, sizeof(name)) == 0 &&
	    strncmp(name, service, n) == 0 && name[n] == '/';
	if (!ok)
		(void)snprintf(why, whylen, "ticket for %.128s, not for the "
		    "%s service", name, service);
	(void)gss_release_name(&minor, &targ);
	return ok;
}

/* RFC 4752 3.2: offer no security layer, max size 0, wrapped. */
static enum mech_status
gssapi_offer(struct mech_state *ms, struct gssapi_state *st)
{
	unsigned char		 offer[4] = { GSSAPI_LAYER_NONE, 0, 0, 0 };
	gss_buffer_desc		 in, out = GSS_C_EMPTY_BUFFER;
	OM_uint32		 major, minor, mn;
	enum mech_status	 rv;
	int			 conf_state;

	in.value = offer;
	in.length = sizeof(offer);
	major = gss_wrap(&minor, st->ctx, 0, GSS_C_QOP_DEFAULT, &in,
	    &conf_state, &out);
	if (GSS_ERROR(major))
		return gssapi_gsserr(ms, AUTH_FAIL_TEMP, "wrap", major, minor);
	st->stage = GS_OFFER;
	rv = gssapi_send(ms, st, &out);
	(void)gss_release_buffer(&mn, &out);
	return rv;
}

/* The client's wrapped choice and authorization identity. */
static enum mech_status
gssapi_reply(struct mech_state *ms, struct gssapi_state *st,
    const unsigned char *data, size_t len)
{
	gss_buffer_desc	 in, out = GSS_C_EMPTY_BUFFER;
	OM_uint32	 major, minor, mn;
	char		 authzid[P_NAMELEN];
	const char	*reason;
	int		 conf_state, rv;

	st->stage = GS_DONE;
	in.value = (void *)data;
	in.length = len;
	major = gss_unwrap(&minor, st->ctx, &in, &out, &conf_state, NULL);
	/* RFC 4752 3.3: anything but GSS_S_COMPLETE alone is fatal. */
	if (major != GSS_S_COMPLETE) {
		(void)gss_release_buffer(&mn, &out);
		return gssapi_gsserr(ms, AUTH_FAIL_PROTOCOL, "unwrap", major,
		    minor);
	}
	rv = gssapi_parse_reply(out.value, out.length, authzid,
	    sizeof(authzid), &reason);
	(void)gss_release_buffer(&mn, &out);
	if (rv == -1)
		return gssapi_fail(ms, AUTH_FAIL_PROTOCOL, "GSSAPI: %s",
		    reason);
	if (!gssapi_authzid_ok(authzid, ms->user, st->principal))
		return gssapi_fail(ms, AUTH_FAIL_DENIED,
		    "authorization identity differs");
	ms->proven = 1;
	return MECH_DONE;
}

/*
 * The unwrapped reply: the chosen layer (only "none" was offered), the
 * client's maximum size (0 without a layer), then the authorization
 * identity, which may be empty.  Returns 0 with authzid filled, or -1
 * with a reason.
 */
int
gssapi_parse_reply(const unsigned char *p, size_t len, char *authzid,
    size_t authzlen, const char **reason)
{
	size_t	zlen;

	if (len < 4) {
		*reason = "reply shorter than 4 octets";
		return -1;
	}
	if (p[0] != GSSAPI_LAYER_NONE) {
		*reason = "a security layer that was not offered";
		return -1;
	}
	if (p[1] != 0 || p[2] != 0 || p[3] != 0) {
		*reason = "a maximum size without a security layer";
		return -1;
	}
	zlen = len - 4;
	if (zlen >= authzlen || zlen >= P_NAMELEN) {
		*reason = "authorization identity too long";
		return -1;
	}
	if (zlen > 0 && !gssapi_user_ok((const char *)p + 4, zlen)) {
		*reason = "control character in the authorization identity";
		return -1;
	}
	memcpy(authzid, p + 4, zlen);
	authzid[zlen] = '\0';
	return 0;
}

/*
 * An authorization identity is the user's own: empty, the local name,
 * or the principal itself.  postern has no master users.
 */
int
gssapi_authzid_ok(const char *authzid, const char *local,
    const char *principal)
{
	return authzid[0] == '\0' || strcmp(authzid, local) == 0 ||
	    strcmp(authzid, principal) == 0;
}

static int
gssapi_user_ok(const char *s, size_t len)
{
	size_t	i;

	if (len == 0 || len >= P_NAMELEN)
		return 0;
	for (i = 0; i < len; i++)
		if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f)
			return 0;
	return 1;
}

static int
gssapi_name_text(gss_name_t name, char *buf, size_t len)
{
	gss_buffer_desc	 out = GSS_C_EMPTY_BUFFER;
	OM_uint32	 major, minor, mn;
	int		 rv = -1;

	major = gss_display_name(&minor, name, &out, NULL);
	if (!GSS_ERROR(major) && gssapi_user_ok(out.value, out.length) &&
	    out.length < len) {
		memcpy(buf, out.value, out.length);
		buf[out.length] = '\0';
		rv = 0;
	}
	(void)gss_release_buffer(&mn, &out);
	return rv;
}

/* The local user of a principal, by krb5.conf's auth_to_local. */
static int
gssapi_localname(gss_name_t name, char *buf, size_t len, char *why,
    size_t whylen)
{
	gss_buffer_desc	 out = GSS_C_EMPTY_BUFFER;
	OM_uint32	 major, minor, mn;
	char		 text[P_TEXTLEN];

	major = gss_localname(&minor, name, gss_mech_krb5, &out);
	if (GSS_ERROR(major)) {
		gssapi_status(text, sizeof(text), major, minor);
		(void)snprintf(why, whylen, "the principal names no local "
		    "user (%s)", text);
		return -1;
	}
	if (!gssapi_user_ok(out.value, out.length) || out.length >= len) {
		(void)gss_release_buffer(&mn, &out);
		(void)snprintf(why, whylen, "the principal's local name is "
		    "unusable");
		return -1;
	}
	memcpy(buf, out.value, out.length);
	buf[out.length] = '\0';
	(void)gss_release_buffer(&mn, &out);
	return 0;
}

/*
 * The local user name for a principal given as text ("user@REALM"),
 * as a GSSAPI login would map it.  Returns 0, or -1 with the reason.
 */
int
gssapi_map_principal(const char *principal, char *buf, size_t len,
    char *why, size_t whylen)
{
	gss_buffer_desc	 in;
	gss_name_t	 name = GSS_C_NO_NAME;
	OM_uint32	 major, minor, mn;
	char		 text[P_TEXTLEN];
	int		 rv;

	in.value = (void *)principal;
	in.length = strlen(principal);
	major = gss_import_name(&minor, &in, GSS_KRB5_NT_PRINCIPAL_NAME,
	    &name);
	if (GSS_ERROR(major)) {
		gssapi_status(text, sizeof(text), major, minor);
		(void)snprintf(why, whylen, "bad principal name (%s)", text);
		return -1;
	}
	rv = gssapi_localname(name, buf, len, why, whylen);
	(void)gss_release_name(&mn, &name);
	return rv;
}
