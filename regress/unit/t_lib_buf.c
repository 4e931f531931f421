/*
 * Unit tests for lib/buf.c, the growable buffers every process uses for
 * protocol input and output: growth keeps the contents and the trailing
 * NUL, drain removes from the front, addf formats past the first
 * allocation, and reserve refuses sizes that would overflow.  Run by
 * Kyua from regress/unit.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <atf-c.h>

#include "buf.h"

ATF_TC_WITHOUT_HEAD(growth);
ATF_TC_BODY(growth, tc)
{
	struct buf	b;
	size_t		i;
	char		c;

	buf_init(&b);
	ATF_CHECK(b.data == NULL && b.len == 0 && b.cap == 0);
	for (i = 0; i < 100000; i++) {
		c = 'a' + i % 26;
		ATF_REQUIRE_EQ(buf_add(&b, &c, 1), 0);
		ATF_REQUIRE(b.cap > b.len);
		ATF_REQUIRE_EQ(b.data[b.len], '\0');
	}
	ATF_CHECK_EQ(b.len, 100000);
	for (i = 0; i < b.len; i++)
		if (b.data[i] != 'a' + i % 26)
			atf_tc_fail("byte %zu changed while growing", i);

	/* A zero-length add on an empty buffer still yields a string. */
	buf_free(&b);
	ATF_CHECK(b.data == NULL && b.len == 0 && b.cap == 0);
	ATF_REQUIRE_EQ(buf_add(&b, "", 0), 0);
	ATF_CHECK(b.data != NULL);
	ATF_CHECK_STREQ((char *)b.data, "");

	/* One large add grows in one step. */
	buf_reset(&b);
	ATF_REQUIRE_EQ(buf_reserve(&b, 1 << 20), 0);
	ATF_CHECK(b.cap >= (1 << 20) + 1);
	buf_free(&b);
}

ATF_TC_WITHOUT_HEAD(addstr_reset);
ATF_TC_BODY(addstr_reset, tc)
{
	struct buf	b;

	buf_init(&b);
	ATF_REQUIRE_EQ(buf_addstr(&b, "hello "), 0);
	ATF_REQUIRE_EQ(buf_addstr(&b, "world"), 0);
	ATF_CHECK_EQ(b.len, 11);
	ATF_CHECK_STREQ((char *)b.data, "hello world");
	buf_reset(&b);
	ATF_CHECK_EQ(b.len, 0);
	ATF_CHECK_STREQ((char *)b.data, "");
	ATF_REQUIRE_EQ(buf_addstr(&b, "again"), 0);
	ATF_CHECK_STREQ((char *)b.data, "again");
	buf_free(&b);
}

ATF_TC_WITHOUT_HEAD(drain);
ATF_TC_BODY(drain, tc)
{
	struct buf	b;

	buf_init(&b);
	buf_drain(&b, 10);		/* empty, never allocated */
	ATF_CHECK_EQ(b.len, 0);

	ATF_REQUIRE_EQ(buf_addstr(&b, "0123456789"), 0);
	buf_drain(&b, 0);
	ATF_CHECK_STREQ((char *)b.data, "0123456789");
	buf_drain(&b, 3);
	ATF_CHECK_EQ(b.len, 7);
	ATF_CHECK_STREQ((char *)b.data, "3456789");
	buf_drain(&b, 6);
	ATF_CHECK_EQ(b.len, 1);
	ATF_CHECK_STREQ((char *)b.data, "9");

	/* Draining everything, or more, leaves an empty string. */
	buf_drain(&b, 1);
	ATF_CHECK_EQ(b.len, 0);
	ATF_CHECK_STREQ((char *)b.data, "");
	ATF_REQUIRE_EQ(buf_addstr(&b, "abc"), 0);
	buf_drain(&b, 1000);
	ATF_CHECK_EQ(b.len, 0);
	ATF_CHECK_STREQ((char *)b.data, "");

	/* Still usable afterwards. */
	ATF_REQUIRE_EQ(buf_addstr(&b, "xyz"), 0);
	ATF_CHECK_STREQ((char *)b.data, "xyz");
	buf_free(&b);
}

ATF_TC_WITHOUT_HEAD(addf);
ATF_TC_BODY(addf, tc)
{
	struct buf	 b;
	char		*big;
	size_t		 i;

	buf_init(&b);
	ATF_REQUIRE_EQ(buf_addf(&b, "+OK %d messages (%s)", 3, "420 octets"),
	    0);
	ATF_CHECK_STREQ((char *)b.data, "+OK 3 messages (420 octets)");
	ATF_REQUIRE_EQ(buf_addf(&b, "%s", ""), 0);
	ATF_CHECK_EQ(b.len, strlen("+OK 3 messages (420 octets)"));
	ATF_REQUIRE_EQ(buf_addf(&b, "\r\n%u", 7u), 0);
	ATF_CHECK_STREQ((char *)b.data, "+OK 3 messages (420 octets)\r\n7");

	/* Output far beyond the first allocation must not be cut. */
	if ((big = malloc(10001)) == NULL)
		atf_tc_fail("malloc");
	memset(big, 'x', 10000);
	big[10000] = '\0';
	buf_reset(&b);
	ATF_REQUIRE_EQ(buf_addf(&b, "[%s]", big), 0);
	ATF_CHECK_EQ(b.len, 10002);
	ATF_CHECK_EQ(b.data[0], '[');
	for (i = 1; i <= 10000; i++)
		if (b.data[i] != 'x')
			atf_tc_fail("byte %zu wrong", i);
	ATF_CHECK_EQ(b.data[10001], ']');
	ATF_CHECK_EQ(b.data[10002], '\0');

	/* Appending after many small formats, across growth boundaries. */
	buf_reset(&b);
	for (i = 0; i < 1000; i++)
		ATF_REQUIRE_EQ(buf_addf(&b, "%03zu,", i), 0);
	ATF_CHECK_EQ(b.len, 4000);
	ATF_CHECK(memcmp(b.data, "000,001,002,", 12) == 0);
	ATF_CHECK(memcmp(b.data + 3996, "999,", 4) == 0);
	ATF_CHECK_EQ(b.data[4000], '\0');
	free(big);
	buf_free(&b);
}

ATF_TC_WITHOUT_HEAD(reserve_overflow);
ATF_TC_BODY(reserve_overflow, tc)
{
	struct buf	b;

	buf_init(&b);
	errno = 0;
	ATF_CHECK_EQ(buf_reserve(&b, SIZE_MAX), -1);
	ATF_CHECK_EQ(errno, ENOMEM);
	errno = 0;
	ATF_CHECK_EQ(buf_reserve(&b, SIZE_MAX / 2), -1);
	ATF_CHECK_EQ(errno, ENOMEM);
	ATF_CHECK(b.data == NULL && b.len == 0 && b.cap == 0);

	/* With bytes held, the bound shrinks by what is held. */
	ATF_REQUIRE_EQ(buf_addstr(&b, "0123456789"), 0);
	errno = 0;
	ATF_CHECK_EQ(buf_reserve(&b, SIZE_MAX / 2 - 10), -1);
	ATF_CHECK_EQ(errno, ENOMEM);
	errno = 0;
	ATF_CHECK_EQ(buf_add(&b, "x", SIZE_MAX - 5), -1);
	ATF_CHECK_EQ(errno, ENOMEM);

	/* A refused request leaves the buffer as it was. */
	ATF_CHECK_EQ(b.len, 10);
	ATF_CHECK_STREQ((char *)b.data, "0123456789");
	ATF_CHECK_EQ(buf_reserve(&b, 100), 0);
	ATF_CHECK(b.cap >= 111);
	buf_free(&b);
}

ATF_TP_ADD_TCS(tp)
{
	ATF_TP_ADD_TC(tp, growth);
	ATF_TP_ADD_TC(tp, addstr_reset);
	ATF_TP_ADD_TC(tp, drain);
	ATF_TP_ADD_TC(tp, addf);
	ATF_TP_ADD_TC(tp, reserve_overflow);
	return atf_no_error();
}
