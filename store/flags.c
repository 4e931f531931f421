/*
 * Maildir file names, for the store in session processes: splitting a
 * name into its base and info (`:2,' + flag letters), flags to and from
 * the info, and the facts deliverers put into the base (the delivery
 * time before the first '.', `,W=<size>' with the CRLF size).
 */
#include <sys/types.h>

#include <stdint.h>
#include <string.h>
#include <time.h>

#include "store.h"

/*
 * The info part after ':'.  "2," and letters is the only form whose
 * meaning is defined; anything else yields no flags and -1, so that
 * callers never rewrite an info they do not understand.
 */
int
store_info_parse(const char *info, uint64_t *flags)
{
	uint64_t	f = 0, bit;
	const char	*p;

	*flags = 0;
	if (info == NULL)
		return 0;
	if (info[0] != '2' || info[1] != ',')
		return -1;
	for (p = info + 2; *p != '\0'; p++) {
		if ((bit = STORE_FLAG(*p)) == 0)
			return -1;
		f |= bit;
	}
	*flags = f;
	return 0;
}

/* "2," and the letters in ASCII order, as the Maildir spec asks. */
int
store_info_make(uint64_t flags, char *buf, size_t len)
{
	size_t	n = 0;
	int	c;

	if (len < STORE_INFOLEN)
		return -1;
	buf[n++] = '2';
	buf[n++] = ',';
	for (c = 'A'; c <= 'Z'; c++)
		if (flags & STORE_FLAG(c))
			buf[n++] = c;
	for (c = 'a'; c <= 'z'; c++)
		if (flags & STORE_FLAG(c))
			buf[n++] = c;
	buf[n] = '\0';
	return 0;
}

/*
 * The length of a file name's base (the part before ':').  Names we
 * must not handle get -1: hidden files, an empty base, and characters
 * that cannot travel in the line-based UID list.
 */
int
store_name_split(const char *name, size_t *baselen)
{
	const char	*colon;

	if (name[0] == '.' || name[0] == ':' || name[0] == '\0')
		return -1;
	if (strpbrk(name, "\n\r") != NULL)
		return -1;
	colon = strchr(name, ':');
	*baselen = colon != NULL ? (size_t)(colon - name) : strlen(name);
	return 0;
}

/*
 * `,<key>=<digits>' in a base name (Dovecot and others write ,S= for
 * the file size and ,W= for the CRLF size).  Returns 0 with the value,
 * -1 when absent or malformed.
 */
int
store_name_size(const char *base, char key, uint64_t *size)
{
	const char	*p;
	uint64_t	 v;
	int		 digits;

	for (p = strchr(base, ','); p != NULL; p = strchr(p + 1, ',')) {
		if (p[1] != key || p[2] != '=')
			continue;
		v = 0;
		digits = 0;
		for (p += 3; *p >= '0' && *p <= '9'; p++) {
			if (++digits > 18)
				return -1;
			v = v * 10 + (uint64_t)(*p - '0');
		}
		if (digits == 0 || (*p != '\0' && *p != ',' && *p != ':'))
			return -1;
		*size = v;
		return 0;
	}
	return -1;
}

/* The delivery time deliverers put before the first '.', or 0. */
time_t
store_name_time(const char *name)
{
	const char	*p;
	long long	 v = 0;

	for (p = name; *p >= '0' && *p <= '9'; p++) {
		if (p - name >= 12)
			return 0;
		v = v * 10 + (*p - '0');
	}
	if (p == name || *p != '.')
		return 0;
	return (time_t)v;
}

/* A POP3 unique-id: 1 to 70 characters from 0x21 to 0x7e. */
int
store_uidl_ok(const char *s)
{
	size_t	n;

	for (n = 0; s[n] != '\0'; n++)
		if ((unsigned char)s[n] < 0x21 || (unsigned char)s[n] > 0x7e)
			return 0;
	return n >= 1 && n <= STORE_UIDLMAX;
}
