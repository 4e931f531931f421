/*
 * IMAP: what the pre-login worker (imap_login.c) and the post-login
 * session (imap_session.c and the command files beside it) both say.
 */
#ifndef POSTERN_IMAP_H
#define POSTERN_IMAP_H

/*
 * Before login: the protocol versions and what a client may use now;
 * imap_login.c adds STARTTLS, LOGINDISABLED and AUTH= as the
 * connection allows.  LITERAL- (RFC 7888): nobody may push a large
 * literal unasked before proving who they are.
 */
#define IMAP_CAPS_PRELOGIN	"IMAP4rev1 IMAP4rev2 SASL-IR ID ENABLE " \
				"IDLE LITERAL-"

/* RFC 2971: the server's ID, as the list inside "* ID (...)". */
#define IMAP_ID_SERVER		"\"name\" \"postern\""

#endif
