/*
 * Connection counts the master keeps so that limits are decided before
 * a worker reads a byte: per client address (IPv6 per prefix) and per
 * user and address.  Entries exist only while their count is above
 * zero, so the tables hold no more than the live connections.
 */
#include <sys/types.h>

#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "master.h"

struct ipcount {
	RB_ENTRY(ipcount)	 entry;
	struct addrkey		 key;
	int			 count;
};

struct usercount {
	RB_ENTRY(usercount)	 entry;
	char			 user[P_NAMELEN];
	struct addrkey		 key;
	int			 count;
};

static int	ipcount_cmp(struct ipcount *, struct ipcount *);
static int	usercount_cmp(struct usercount *, struct usercount *);

RB_HEAD(ip_tree, ipcount) ip_counts = RB_INITIALIZER(&ip_counts);
RB_PROTOTYPE_STATIC(ip_tree, ipcount, entry, ipcount_cmp);
RB_GENERATE_STATIC(ip_tree, ipcount, entry, ipcount_cmp);

RB_HEAD(user_tree, usercount) user_counts = RB_INITIALIZER(&user_counts);
RB_PROTOTYPE_STATIC(user_tree, usercount, entry, usercount_cmp);
RB_GENERATE_STATIC(user_tree, usercount, entry, usercount_cmp);

static int
ipcount_cmp(struct ipcount *a, struct ipcount *b)
{
	return addr_key_cmp(&a->key, &b->key);
}

static int
usercount_cmp(struct usercount *a, struct usercount *b)
{
	int	r;

	if ((r = strcmp(a->user, b->user)) != 0)
		return r;
	return addr_key_cmp(&a->key, &b->key);
}

int
limits_ip_count(const struct addrkey *k)
{
	struct ipcount	find, *c;

	find.key = *k;
	c = RB_FIND(ip_tree, &ip_counts, &find);
	return c == NULL ? 0 : c->count;
}

void
limits_ip_add(struct conn *conn)
{
	struct ipcount	find, *c;

	find.key = conn->ipkey;
	if ((c = RB_FIND(ip_tree, &ip_counts, &find)) == NULL) {
		if ((c = calloc(1, sizeof(*c))) == NULL)
			fatal("calloc");
		c->key = conn->ipkey;
		RB_INSERT(ip_tree, &ip_counts, c);
	}
	c->count++;
	conn->ip_counted = 1;
}

void
limits_ip_del(struct conn *conn)
{
	struct ipcount	find, *c;

	if (!conn->ip_counted)
		return;
	conn->ip_counted = 0;
	find.key = conn->ipkey;
	if ((c = RB_FIND(ip_tree, &ip_counts, &find)) == NULL)
		return;
	if (--c->count <= 0) {
		RB_REMOVE(ip_tree, &ip_counts, c);
		free(c);
	}
}

int
limits_user_count(const char *user, const struct addrkey *k)
{
	struct usercount	find, *c;

	(void)strlcpy(find.user, user, sizeof(find.user));
	find.key = *k;
	c = RB_FIND(user_tree, &user_counts, &find);
	return c == NULL ? 0 : c->count;
}

void
limits_user_add(struct conn *conn)
{
	struct usercount	find, *c;

	(void)strlcpy(find.user, conn->ident.user, sizeof(find.user));
	find.key = conn->ipkey;
	if ((c = RB_FIND(user_tree, &user_counts, &find)) == NULL) {
		if ((c = calloc(1, sizeof(*c))) == NULL)
			fatal("calloc");
		*c = find;
		c->count = 0;
		RB_INSERT(user_tree, &user_counts, c);
	}
	c->count++;
	conn->user_counted = 1;
}

void
limits_user_del(struct conn *conn)
{
	struct usercount	find, *c;

	if (!conn->user_counted)
		return;
	conn->user_counted = 0;
	(void)strlcpy(find.user, conn->ident.user, sizeof(find.user));
	find.key = conn->ipkey;
	if ((c = RB_FIND(user_tree, &user_counts, &find)) == NULL)
		return;
	if (--c->count <= 0) {
		RB_REMOVE(user_tree, &user_counts, c);
		free(c);
	}
}
