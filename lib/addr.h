/*
 * Client addresses in one form for logs and limits: IPv4-mapped IPv6
 * addresses are folded to IPv4, and IPv6 clients are counted per
 * network prefix (a /64 is one subscriber).  Used by the master.
 */
#ifndef POSTERN_ADDR_H
#define POSTERN_ADDR_H

#include <sys/types.h>
#include <sys/socket.h>

#include <stdint.h>

struct addrkey {
	uint8_t		family;		/* AF_INET or AF_INET6 */
	uint8_t		bytes[16];	/* masked to the counting prefix */
};

void	addr_normalize(struct sockaddr_storage *, socklen_t *);
int	addr_format(const struct sockaddr *, char *, size_t, int *);
void	addr_key(const struct sockaddr *, int, struct addrkey *);
int	addr_key_cmp(const struct addrkey *, const struct addrkey *);

#endif
