/*
 * Unit tests for postern-auth's failure delay (auth/delay.c): how the
 * delay grows and is capped, how counts decay with time, how a full
 * table evicts, and how addresses and user names become keys.
 */
#include <stdio.h>
#include <string.h>

#include <atf-c.h>

#include "auth.h"

ATF_TC_WITHOUT_HEAD(growth_and_cap);
ATF_TC_BODY(growth_and_cap, tc)
{
	ATF_CHECK_EQ(delay_ms(2000, 60000, 0), 0);
	ATF_CHECK_EQ(delay_ms(2000, 60000, 1), 2000);
	ATF_CHECK_EQ(delay_ms(2000, 60000, 2), 4000);
	ATF_CHECK_EQ(delay_ms(2000, 60000, 3), 8000);
	ATF_CHECK_EQ(delay_ms(2000, 60000, 5), 32000);
	ATF_CHECK_EQ(delay_ms(2000, 60000, 6), 60000);
	ATF_CHECK_EQ(delay_ms(2000, 60000, 40), 60000);
	ATF_CHECK_EQ(delay_ms(2000, 60000, 4000000000U), 60000);
	ATF_CHECK_EQ(delay_ms(0, 60000, 5), 0);
	/* A cap below the first delay wins. */
	ATF_CHECK_EQ(delay_ms(2000, 500, 1), 500);
	/* No overflow at the top of the shift. */
	ATF_CHECK_EQ(delay_ms(0xffffffffU, 0xffffffffU, 32), 0xffffffffU);
}

ATF_TC_WITHOUT_HEAD(counting);
ATF_TC_BODY(counting, tc)
{
	struct delay_table	*t;

	ATF_REQUIRE((t = delay_new(100, 900)) != NULL);
	ATF_CHECK_EQ(delay_count(t, "a", 1000), 0);
	ATF_CHECK_EQ(delay_failure(t, "a", 1000), 1);
	ATF_CHECK_EQ(delay_failure(t, "a", 1001), 2);
	ATF_CHECK_EQ(delay_failure(t, "b", 1001), 1);
	ATF_CHECK_EQ(delay_failure(t, "a", 1002), 3);
	ATF_CHECK_EQ(delay_count(t, "a", 1002), 3);
	ATF_CHECK_EQ(delay_entries(t), 2);
	delay_forget(t, "a");
	ATF_CHECK_EQ(delay_count(t, "a", 1002), 0);
	ATF_CHECK_EQ(delay_count(t, "b", 1002), 1);
	delay_forget(t, "nothing");
	ATF_CHECK_EQ(delay_entries(t), 1);
	delay_free(t);
}

ATF_TC_WITHOUT_HEAD(decay);
ATF_TC_BODY(decay, tc)
{
	struct delay_table	*t;

	ATF_REQUIRE((t = delay_new(100, 900)) != NULL);
	ATF_CHECK_EQ(delay_failure(t, "a", 1000), 1);
	ATF_CHECK_EQ(delay_failure(t, "a", 1800), 2);
	/* Quiet periods are measured from the last failure. */
	ATF_CHECK_EQ(delay_count(t, "a", 2699), 2);
	ATF_CHECK_EQ(delay_count(t, "a", 2700), 0);
	ATF_CHECK_EQ(delay_entries(t), 0);
	ATF_CHECK_EQ(delay_failure(t, "a", 2700), 1);

	/* Expiry takes every stale entry, whichever key is asked. */
	ATF_CHECK_EQ(delay_failure(t, "b", 2800), 1);
	ATF_CHECK_EQ(delay_failure(t, "c", 3000), 1);
	ATF_CHECK_EQ(delay_count(t, "c", 3750), 1);
	ATF_CHECK_EQ(delay_entries(t), 1);
	delay_free(t);
}

ATF_TC_WITHOUT_HEAD(eviction);
ATF_TC_BODY(eviction, tc)
{
	struct delay_table	*t;
	char			 key[32];
	int			 i;

	ATF_REQUIRE((t = delay_new(3, 900)) != NULL);
	ATF_CHECK_EQ(delay_failure(t, "a", 100), 1);
	ATF_CHECK_EQ(delay_failure(t, "b", 101), 1);
	ATF_CHECK_EQ(delay_failure(t, "c", 102), 1);
	/* "a" fails again: now "b" is the oldest. */
	ATF_CHECK_EQ(delay_failure(t, "a", 103), 2);
	ATF_CHECK_EQ(delay_failure(t, "d", 104), 1);
	ATF_CHECK_EQ(delay_entries(t), 3);
	ATF_CHECK_EQ(delay_count(t, "b", 104), 0);
	ATF_CHECK_EQ(delay_count(t, "a", 104), 2);
	ATF_CHECK_EQ(delay_count(t, "c", 104), 1);
	ATF_CHECK_EQ(delay_count(t, "d", 104), 1);
	delay_free(t);

	/* The real bound holds under a flood of distinct keys. */
	ATF_REQUIRE((t = delay_new(DELAY_MAXENTRIES, DELAY_FORGET)) != NULL);
	for (i = 0; i < DELAY_MAXENTRIES + 500; i++) {
		snprintf(key, sizeof(key), "10.0.%d.%d", i / 256, i % 256);
		delay_failure(t, key, 5000);
	}
	ATF_CHECK_EQ(delay_entries(t), DELAY_MAXENTRIES);
	ATF_CHECK_EQ(delay_count(t, "10.0.0.0", 5000), 0);
	ATF_CHECK_EQ(delay_count(t, key, 5000), 1);
	delay_free(t);
}

ATF_TC_WITHOUT_HEAD(keys);
ATF_TC_BODY(keys, tc)
{
	char	key[P_NAMELEN];

	delay_addrkey("192.0.2.7", key, sizeof(key));
	ATF_CHECK_STREQ(key, "192.0.2.7");
	delay_addrkey("2001:db8:1:2:aaaa:bbbb:cccc:dddd", key, sizeof(key));
	ATF_CHECK_STREQ(key, "2001:db8:1:2::/64");
	delay_addrkey("2001:db8:1:2::1", key, sizeof(key));
	ATF_CHECK_STREQ(key, "2001:db8:1:2::/64");
	delay_addrkey("::ffff:192.0.2.7", key, sizeof(key));
	ATF_CHECK_STREQ(key, "::ffff:192.0.2.7");
	delay_addrkey("local", key, sizeof(key));
	ATF_CHECK_STREQ(key, "local");

	delay_userkey("Alice", key, sizeof(key));
	ATF_CHECK_STREQ(key, "alice");
	delay_userkey("ALICE@Example.ORG", key, sizeof(key));
	ATF_CHECK_STREQ(key, "alice@example.org");
	delay_userkey("abcdef", key, 4);
	ATF_CHECK_STREQ(key, "abc");
}

ATF_TP_ADD_TCS(tp)
{
	ATF_TP_ADD_TC(tp, growth_and_cap);
	ATF_TP_ADD_TC(tp, counting);
	ATF_TP_ADD_TC(tp, decay);
	ATF_TP_ADD_TC(tp, eviction);
	ATF_TP_ADD_TC(tp, keys);
	return atf_no_error();
}
