/*
 * Address normalisation for the master's per-IP accounting and for
 * every log line; see addr.h.
 */
#include <sys/types.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <arpa/inet.h>

#include <netdb.h>
#include <stdio.h>
#include <string.h>

#include "addr.h"

/* Fold ::ffff:a.b.c.d into a.b.c.d so a client has one address. */
void
addr_normalize(struct sockaddr_storage *ss, socklen_t *len)
{
	struct sockaddr_in6	*s6 = (struct sockaddr_in6 *)ss;
	struct sockaddr_in	 s4;

	if (ss->ss_family != AF_INET6 || !IN6_IS_ADDR_V4MAPPED(&s6->sin6_addr))
		return;
	memset(&s4, 0, sizeof(s4));
	s4.sin_family = AF_INET;
	s4.sin_port = s6->sin6_port;
	memcpy(&s4.sin_addr, &s6->sin6_addr.s6_addr[12], 4);
	memset(ss, 0, sizeof(*ss));
	memcpy(ss, &s4, sizeof(s4));
	if (len != NULL)
		*len = sizeof(s4);
}

/* Printable address without port; the port is returned apart. */
int
addr_format(const struct sockaddr *sa, char *buf, size_t len, int *port)
{
	const struct sockaddr_in	*s4 = (const struct sockaddr_in *)sa;
	const struct sockaddr_in6	*s6 = (const struct sockaddr_in6 *)sa;

	switch (sa->sa_family) {
	case AF_INET:
		if (inet_ntop(AF_INET, &s4->sin_addr, buf, len) == NULL)
			return -1;
		if (port != NULL)
			*port = ntohs(s4->sin_port);
		return 0;
	case AF_INET6:
		if (inet_ntop(AF_INET6, &s6->sin6_addr, buf, len) == NULL)
			return -1;
		if (port != NULL)
			*port = ntohs(s6->sin6_port);
		return 0;
	case AF_UNIX:
		(void)strlcpy(buf, "local", len);
		if (port != NULL)
			*port = 0;
		return 0;
	}
	(void)strlcpy(buf, "unknown", len);
	if (port != NULL)
		*port = 0;
	return -1;
}

void
addr_key(const struct sockaddr *sa, int v6prefix, struct addrkey *k)
{
	const struct sockaddr_in	*s4 = (const struct sockaddr_in *)sa;
	const struct sockaddr_in6	*s6 = (const struct sockaddr_in6 *)sa;
	int				 i, bits;

	memset(k, 0, sizeof(*k));
	k->family = sa->sa_family;
	if (sa->sa_family == AF_INET) {
		memcpy(k->bytes, &s4->sin_addr, 4);
		return;
	}
	if (sa->sa_family != AF_INET6)
		return;
	memcpy(k->bytes, &s6->sin6_addr, 16);
	if (v6prefix < 0 || v6prefix > 128)
		v6prefix = 128;
	for (i = 0; i < 16; i++) {
		bits = v6prefix - i * 8;
		if (bits >= 8)
			continue;
		k->bytes[i] &= bits <= 0 ? 0 : (uint8_t)(0xff << (8 - bits));
	}
}

int
addr_key_cmp(const struct addrkey *a, const struct addrkey *b)
{
	if (a->family != b->family)
		return a->family < b->family ? -1 : 1;
	return memcmp(a->bytes, b->bytes, sizeof(a->bytes));
}
