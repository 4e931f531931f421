/*
 * Folder names of the store, for session processes.  A name is what
 * Dovecot keeps on disk after the dot of a Maildir++ folder: modified
 * UTF-7 (RFC 3501 5.1.3), levels separated by ".", so that IMAP
 * "Work.2024" is the directory ".Work.2024".  Anything that could step
 * out of the Maildir, hide a folder or confuse LIST is refused here,
 * before a name reaches the file system.
 */
#include <sys/types.h>

#include <errno.h>
#include <stdint.h>
#include <string.h>
#include <strings.h>

#include "store.h"

static int	b64_ok(int);
static int	shift_ok(const char *, size_t *);

static int
b64_ok(int c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
	    (c >= '0' && c <= '9') || c == '+' || c == ',';
}

/*
 * A shifted run after '&': "-" alone (a literal '&'), or modified
 * base64 closed by '-' whose bits make whole UTF-16 units, the rest
 * zero.  *len gets the octets after '&' up to and with the '-'.
 */
static int
shift_ok(const char *s, size_t *len)
{
	static const char	 b64[] =
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+,";
	const char		*p;
	size_t			 n = 0;
	unsigned int		 last = 0, rem;

	if (s[0] == '-') {
		*len = 1;
		return 1;
	}
	while (b64_ok((unsigned char)s[n])) {
		p = strchr(b64, s[n]);
		last = (unsigned int)(p - b64);
		n++;
	}
	if (n == 0 || s[n] != '-')
		return 0;
	rem = (unsigned int)(6 * n % 16);
	if (rem >= 6 || (last & ((1U << rem) - 1)) != 0)
		return 0;
	*len = n + 1;
	return 1;
}

int
store_name_check(const char *name)
{
	size_t	i, level = 0, n;

	if (name[0] == '\0') {
		errno = EINVAL;
		return -1;
	}
	for (i = 0; name[i] != '\0'; i++) {
		if (i >= STORE_NAME_MAX) {
			errno = ENAMETOOLONG;
			return -1;
		}
		switch (name[i]) {
		case STORE_DELIM:
			if (level == 0) {
				errno = EINVAL;
				return -1;
			}
			level = 0;
			continue;
		case '/':
		case '*':
		case '%':
			errno = EINVAL;
			return -1;
		case '&':
			if (!shift_ok(name + i + 1, &n)) {
				errno = EINVAL;
				return -1;
			}
			level += n + 1;
			i += n;
			break;
		default:
			if ((unsigned char)name[i] < 0x20 ||
			    (unsigned char)name[i] > 0x7e) {
				errno = EINVAL;
				return -1;
			}
			level++;
			break;
		}
		if (level > STORE_LEVEL_MAX) {
			errno = ENAMETOOLONG;
			return -1;
		}
	}
	if (i > STORE_NAME_MAX) {
		errno = ENAMETOOLONG;
		return -1;
	}
	if (level == 0) {
		errno = EINVAL;
		return -1;
	}
	return 0;
}

int
store_name_is_inbox(const char *name)
{
	return strcasecmp(name, "INBOX") == 0;
}

/* A first level "inbox" in any case is INBOX, as RFC 3501 5.1 has it. */
int
store_name_norm(const char *name, char *buf, size_t len)
{
	size_t	n = strlen(name);

	if (n >= len) {
		errno = ENAMETOOLONG;
		return -1;
	}
	memcpy(buf, name, n + 1);
	if (strncasecmp(buf, "INBOX", 5) == 0 &&
	    (buf[5] == '\0' || buf[5] == STORE_DELIM))
		memcpy(buf, "INBOX", 5);
	return 0;
}
