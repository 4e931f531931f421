/*
 * Unit tests for lib/addr.c, the master's view of client addresses:
 * IPv4-mapped IPv6 folded to IPv4, printable forms for logs, and the
 * keys the per-IP limits count by (IPv6 masked to a prefix, any prefix
 * length from /0 to /128, odd ones included).  Run by Kyua from
 * regress/unit.
 */
#include <sys/types.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <netinet/in.h>
#include <arpa/inet.h>

#include <string.h>

#include <atf-c.h>

#include "addr.h"

static void	mk4(struct sockaddr_storage *, const char *, int);
static void	mk6(struct sockaddr_storage *, const char *, int);
static void	key6(const char *, int, struct addrkey *);
static void	check_bytes(const struct addrkey *, const char *);

static void
mk4(struct sockaddr_storage *ss, const char *a, int port)
{
	struct sockaddr_in	*s4 = (struct sockaddr_in *)ss;

	memset(ss, 0, sizeof(*ss));
	s4->sin_family = AF_INET;
	s4->sin_port = htons(port);
	ATF_REQUIRE_EQ(inet_pton(AF_INET, a, &s4->sin_addr), 1);
}

static void
mk6(struct sockaddr_storage *ss, const char *a, int port)
{
	struct sockaddr_in6	*s6 = (struct sockaddr_in6 *)ss;

	memset(ss, 0, sizeof(*ss));
	s6->sin6_family = AF_INET6;
	s6->sin6_port = htons(port);
	ATF_REQUIRE_EQ(inet_pton(AF_INET6, a, &s6->sin6_addr), 1);
}

static void
key6(const char *a, int prefix, struct addrkey *k)
{
	struct sockaddr_storage	ss;

	mk6(&ss, a, 110);
	addr_key((struct sockaddr *)&ss, prefix, k);
}

/* The key's bytes must be those of the IPv6 address `want'. */
static void
check_bytes(const struct addrkey *k, const char *want)
{
	struct in6_addr	a;
	char		got[INET6_ADDRSTRLEN];

	ATF_REQUIRE_EQ(inet_pton(AF_INET6, want, &a), 1);
	if (memcmp(k->bytes, &a, 16) != 0) {
		if (inet_ntop(AF_INET6, k->bytes, got, sizeof(got)) == NULL)
			atf_tc_fail("inet_ntop");
		atf_tc_fail_nonfatal("key %s, want %s", got, want);
	}
}

ATF_TC_WITHOUT_HEAD(normalize_mapped);
ATF_TC_BODY(normalize_mapped, tc)
{
	struct sockaddr_storage	 ss;
	struct sockaddr_in	*s4 = (struct sockaddr_in *)&ss;
	socklen_t		 len = sizeof(struct sockaddr_in6);
	char			 buf[64];
	int			 port;

	mk6(&ss, "::ffff:192.0.2.7", 1110);
	addr_normalize(&ss, &len);
	ATF_CHECK_EQ(ss.ss_family, AF_INET);
	ATF_CHECK_EQ(len, sizeof(struct sockaddr_in));
	ATF_CHECK_EQ(ntohs(s4->sin_port), 1110);
	ATF_CHECK_EQ(s4->sin_addr.s_addr, htonl(0xc0000207));
	ATF_REQUIRE_EQ(addr_format((struct sockaddr *)&ss, buf, sizeof(buf),
	    &port), 0);
	ATF_CHECK_STREQ(buf, "192.0.2.7");
	ATF_CHECK_EQ(port, 1110);

	/* The length pointer is optional. */
	mk6(&ss, "::ffff:10.1.2.3", 995);
	addr_normalize(&ss, NULL);
	ATF_CHECK_EQ(ss.ss_family, AF_INET);
	ATF_CHECK_EQ(s4->sin_addr.s_addr, htonl(0x0a010203));
}

ATF_TC_WITHOUT_HEAD(normalize_untouched);
ATF_TC_BODY(normalize_untouched, tc)
{
	struct sockaddr_storage	ss, orig;
	socklen_t		len;

	/* Native IPv6, including the deprecated v4-compatible form. */
	mk6(&ss, "2001:db8::1", 143);
	orig = ss;
	len = sizeof(struct sockaddr_in6);
	addr_normalize(&ss, &len);
	ATF_CHECK(memcmp(&ss, &orig, sizeof(ss)) == 0);
	ATF_CHECK_EQ(len, sizeof(struct sockaddr_in6));

	mk6(&ss, "::192.0.2.1", 143);
	orig = ss;
	addr_normalize(&ss, &len);
	ATF_CHECK(memcmp(&ss, &orig, sizeof(ss)) == 0);

	/* Something that looks mapped but is not (::fffe:...). */
	mk6(&ss, "::fffe:192.0.2.1", 143);
	orig = ss;
	addr_normalize(&ss, &len);
	ATF_CHECK(memcmp(&ss, &orig, sizeof(ss)) == 0);

	mk4(&ss, "192.0.2.1", 143);
	orig = ss;
	len = sizeof(struct sockaddr_in);
	addr_normalize(&ss, &len);
	ATF_CHECK(memcmp(&ss, &orig, sizeof(ss)) == 0);
	ATF_CHECK_EQ(len, sizeof(struct sockaddr_in));
}

ATF_TC_WITHOUT_HEAD(format);
ATF_TC_BODY(format, tc)
{
	struct sockaddr_storage	 ss;
	struct sockaddr_un	*sun = (struct sockaddr_un *)&ss;
	char			 buf[INET6_ADDRSTRLEN], small[4];
	int			 port;

	mk4(&ss, "203.0.113.200", 65535);
	ATF_REQUIRE_EQ(addr_format((struct sockaddr *)&ss, buf, sizeof(buf),
	    &port), 0);
	ATF_CHECK_STREQ(buf, "203.0.113.200");
	ATF_CHECK_EQ(port, 65535);

	mk6(&ss, "2001:0db8:0000:0000:0000:0000:0000:0001", 993);
	ATF_REQUIRE_EQ(addr_format((struct sockaddr *)&ss, buf, sizeof(buf),
	    &port), 0);
	ATF_CHECK_STREQ(buf, "2001:db8::1");
	ATF_CHECK_EQ(port, 993);

	/* Port pointer optional. */
	ATF_CHECK_EQ(addr_format((struct sockaddr *)&ss, buf, sizeof(buf),
	    NULL), 0);

	memset(&ss, 0, sizeof(ss));
	sun->sun_family = AF_UNIX;
	port = -1;
	ATF_REQUIRE_EQ(addr_format((struct sockaddr *)&ss, buf, sizeof(buf),
	    &port), 0);
	ATF_CHECK_STREQ(buf, "local");
	ATF_CHECK_EQ(port, 0);

	/* An unknown family is an error, but still printable. */
	memset(&ss, 0, sizeof(ss));
	ss.ss_family = AF_APPLETALK;
	port = -1;
	ATF_CHECK_EQ(addr_format((struct sockaddr *)&ss, buf, sizeof(buf),
	    &port), -1);
	ATF_CHECK_STREQ(buf, "unknown");
	ATF_CHECK_EQ(port, 0);

	/* Too small a buffer fails rather than truncating an address. */
	mk6(&ss, "2001:db8::1", 993);
	ATF_CHECK_EQ(addr_format((struct sockaddr *)&ss, small, sizeof(small),
	    &port), -1);
	mk4(&ss, "192.0.2.1", 1);
	ATF_CHECK_EQ(addr_format((struct sockaddr *)&ss, small, sizeof(small),
	    &port), -1);
}

ATF_TC_WITHOUT_HEAD(key_v6_prefixes);
ATF_TC_BODY(key_v6_prefixes, tc)
{
	static const char	*a = "2001:db8:aaaa:bbbb:cccc:dddd:eeee:ffff";
	struct addrkey		 k;

	key6(a, 64, &k);
	ATF_CHECK_EQ(k.family, AF_INET6);
	check_bytes(&k, "2001:db8:aaaa:bbbb::");
	key6(a, 48, &k);
	check_bytes(&k, "2001:db8:aaaa::");
	key6(a, 128, &k);
	check_bytes(&k, a);
	key6(a, 0, &k);
	check_bytes(&k, "::");

	/* Prefixes that end inside a byte. */
	key6(a, 65, &k);
	check_bytes(&k, "2001:db8:aaaa:bbbb:8000::");
	key6(a, 7, &k);
	check_bytes(&k, "2000::");
	key6(a, 127, &k);
	check_bytes(&k, "2001:db8:aaaa:bbbb:cccc:dddd:eeee:fffe");
	key6(a, 1, &k);
	check_bytes(&k, "::");
	key6("ffff::", 1, &k);
	check_bytes(&k, "8000::");
	key6(a, 52, &k);
	check_bytes(&k, "2001:db8:aaaa:b000::");

	/* Out-of-range prefixes count the whole address. */
	key6(a, -1, &k);
	check_bytes(&k, a);
	key6(a, 129, &k);
	check_bytes(&k, a);
}

ATF_TC_WITHOUT_HEAD(key_v6_same_network);
ATF_TC_BODY(key_v6_same_network, tc)
{
	struct addrkey	a, b;

	/* Two hosts of one /64 subscriber share a key. */
	key6("2001:db8:1:2::1", 64, &a);
	key6("2001:db8:1:2:ffff:ffff:ffff:ffff", 64, &b);
	ATF_CHECK_EQ(addr_key_cmp(&a, &b), 0);
	key6("2001:db8:1:3::1", 64, &b);
	ATF_CHECK(addr_key_cmp(&a, &b) != 0);
	key6("2001:db8:1:3::1", 48, &b);
	key6("2001:db8:1:2::1", 48, &a);
	ATF_CHECK_EQ(addr_key_cmp(&a, &b), 0);
	key6("2001:db8:1:2::1", 128, &a);
	key6("2001:db8:1:2::2", 128, &b);
	ATF_CHECK(addr_key_cmp(&a, &b) != 0);
}

ATF_TC_WITHOUT_HEAD(key_v4);
ATF_TC_BODY(key_v4, tc)
{
	struct sockaddr_storage	ss;
	struct addrkey		a, b;
	static const uint8_t	want[16] = { 192, 0, 2, 77 };

	/* The IPv6 prefix does not apply: each IPv4 address counts. */
	mk4(&ss, "192.0.2.77", 110);
	addr_key((struct sockaddr *)&ss, 0, &a);
	ATF_CHECK_EQ(a.family, AF_INET);
	ATF_CHECK(memcmp(a.bytes, want, 16) == 0);
	addr_key((struct sockaddr *)&ss, 64, &b);
	ATF_CHECK_EQ(addr_key_cmp(&a, &b), 0);

	/* The port is not part of the key. */
	mk4(&ss, "192.0.2.77", 995);
	addr_key((struct sockaddr *)&ss, 64, &b);
	ATF_CHECK_EQ(addr_key_cmp(&a, &b), 0);
	mk4(&ss, "192.0.2.78", 110);
	addr_key((struct sockaddr *)&ss, 64, &b);
	ATF_CHECK(addr_key_cmp(&a, &b) != 0);

	/* A mapped address, once normalised, keys like the IPv4 one. */
	mk6(&ss, "::ffff:192.0.2.77", 110);
	addr_normalize(&ss, NULL);
	addr_key((struct sockaddr *)&ss, 64, &b);
	ATF_CHECK_EQ(addr_key_cmp(&a, &b), 0);
}

ATF_TC_WITHOUT_HEAD(key_cmp_order);
ATF_TC_BODY(key_cmp_order, tc)
{
	struct sockaddr_storage	ss;
	struct addrkey		lo, hi, v6;

	mk4(&ss, "9.255.255.255", 1);
	addr_key((struct sockaddr *)&ss, 64, &lo);
	mk4(&ss, "10.0.0.0", 1);
	addr_key((struct sockaddr *)&ss, 64, &hi);
	ATF_CHECK(addr_key_cmp(&lo, &hi) < 0);
	ATF_CHECK(addr_key_cmp(&hi, &lo) > 0);
	ATF_CHECK_EQ(addr_key_cmp(&lo, &lo), 0);

	/* Families never compare equal, and order consistently. */
	key6("::", 0, &v6);
	ATF_CHECK(addr_key_cmp(&lo, &v6) < 0);
	ATF_CHECK(addr_key_cmp(&v6, &lo) > 0);

	key6("2001:db8::", 64, &lo);
	key6("2001:db9::", 64, &hi);
	ATF_CHECK(addr_key_cmp(&lo, &hi) < 0);
	ATF_CHECK(addr_key_cmp(&hi, &lo) > 0);
	key6("2001:db8:0:1::", 64, &hi);
	ATF_CHECK(addr_key_cmp(&lo, &hi) < 0);
}

ATF_TP_ADD_TCS(tp)
{
	ATF_TP_ADD_TC(tp, normalize_mapped);
	ATF_TP_ADD_TC(tp, normalize_untouched);
	ATF_TP_ADD_TC(tp, format);
	ATF_TP_ADD_TC(tp, key_v6_prefixes);
	ATF_TP_ADD_TC(tp, key_v6_same_network);
	ATF_TP_ADD_TC(tp, key_v4);
	ATF_TP_ADD_TC(tp, key_cmp_order);
	return atf_no_error();
}
