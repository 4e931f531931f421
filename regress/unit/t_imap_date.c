/*
 * Unit tests for IMAP dates and strings in responses
 * (worker/imap/imap_date.c, imap_quote.c): the SEARCH date and the
 * APPEND/INTERNALDATE date-time, valid and invalid (bad month, bad
 * zone, days out of range for their month, leap years, times), their
 * conversion to time_t, INTERNALDATE formatting, and how strings are
 * written as atoms, quoted strings or literals.  Run by Kyua from
 * regress/unit.
 */
#include <string.h>

#include <atf-c.h>

#include "imap_cmd.h"

static int	dt(const char *, time_t *, int *);

static int
dt(const char *s, time_t *t, int *zone)
{
	return imap_datetime_parse(s, strlen(s), t, zone);
}

ATF_TC_WITHOUT_HEAD(date);
ATF_TC_BODY(date, tc)
{
	static const char *bad[] = {
		"", "1-Feb-94", "1-Feb-1994 ", "1 Feb 1994", "1-Fev-1994",
		"1-February-1994", "0-Feb-1994", "00-Feb-1994", "32-Jan-1994",
		"31-Apr-1994", "29-Feb-1900", "29-Feb-2023", "30-Feb-2024",
		"1-Feb-0000", "111-Feb-1994", "1-Feb-19944", "a1-Feb-1994",
		"-1-Feb-1994", "1--Feb-1994", "1-Feb--1994", "1-Feb-199x",
	};
	time_t	t;
	size_t	i;

	ATF_REQUIRE(imap_date_parse("1-Feb-1994", 10, &t) == 0);
	ATF_CHECK_EQ(t, 760060800);
	ATF_REQUIRE(imap_date_parse("01-feb-1994", 11, &t) == 0);
	ATF_CHECK_EQ(t, 760060800);
	ATF_REQUIRE(imap_date_parse("29-Feb-2000", 11, &t) == 0);
	ATF_CHECK_EQ(t, 951782400);
	ATF_REQUIRE(imap_date_parse("29-Feb-2024", 11, &t) == 0);
	ATF_REQUIRE(imap_date_parse("31-Dec-9999", 11, &t) == 0);
	ATF_CHECK_EQ(t, (time_t)253402300799 - 86399);
	ATF_REQUIRE(imap_date_parse("1-Jan-0001", 10, &t) == 0);
	ATF_CHECK_EQ(t, (time_t)-62135596800);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		ATF_CHECK_MSG(imap_date_parse(bad[i], strlen(bad[i]), &t) ==
		    -1, "'%s' accepted", bad[i]);
	ATF_CHECK_EQ(imap_days_in_month(2023, 2), 28);
	ATF_CHECK_EQ(imap_days_in_month(2000, 2), 29);
	ATF_CHECK_EQ(imap_days_in_month(2100, 2), 28);
	ATF_CHECK_EQ(imap_days_in_month(2023, 13), 0);
	ATF_CHECK_EQ(imap_days_from_civil(1970, 1, 1), 0);
	ATF_CHECK_EQ(imap_days_from_civil(1969, 12, 31), -1);
}

ATF_TC_WITHOUT_HEAD(datetime);
ATF_TC_BODY(datetime, tc)
{
	static const char *bad[] = {
		"7-Feb-1994 21:52:25 -0800",	/* date-day-fixed */
		"  7-Feb-1994 21:52:25 -0800",
		"07-Feb-1994 21:52:25 -0800 ",
		"07-Feb-1994  21:52:25 -0800",
		"07-Foo-1994 21:52:25 -0800",	/* month */
		"07-Feb-94 21:52:25 -0800",
		"31-Jun-1994 21:52:25 -0800",	/* day for its month */
		"29-Feb-2023 21:52:25 -0800",
		"00-Feb-1994 21:52:25 -0800",
		"07-Feb-1994 24:00:00 -0800",	/* time */
		"07-Feb-1994 23:60:00 -0800",
		"07-Feb-1994 23:59:61 -0800",
		"07-Feb-1994 2:52:25 -0800",
		"07-Feb-1994 21-52-25 -0800",
		"07-Feb-1994 21:52:25 0800",	/* zone */
		"07-Feb-1994 21:52:25 *0800",
		"07-Feb-1994 21:52:25 -2400",
		"07-Feb-1994 21:52:25 +0060",
		"07-Feb-1994 21:52:25 +08:0",
		"07-Feb-1994 21:52:25 PST",
		"07-Feb-1994 21:52:25 -08000",
		"07-Feb-1994 21:52:25 GMT+1",
		"",
	};
	time_t	t;
	int	zone;
	size_t	i;

	ATF_REQUIRE(dt(" 7-Feb-1994 21:52:25 -0800", &t, &zone) == 0);
	ATF_CHECK_EQ(t, 760686745);
	ATF_CHECK_EQ(zone, -480);
	ATF_REQUIRE(dt("07-FEB-1994 21:52:25 -0800", &t, &zone) == 0);
	ATF_CHECK_EQ(t, 760686745);
	ATF_REQUIRE(dt("08-Feb-1994 05:52:25 +0000", &t, &zone) == 0);
	ATF_CHECK_EQ(t, 760686745);
	ATF_CHECK_EQ(zone, 0);
	ATF_REQUIRE(dt("08-Feb-1994 05:52:25 -0000", &t, &zone) == 0);
	ATF_CHECK_EQ(t, 760686745);
	ATF_REQUIRE(dt("29-Feb-2024 23:59:59 +1400", &t, &zone) == 0);
	ATF_CHECK_EQ(t, 1709200799);
	ATF_CHECK_EQ(zone, 840);
	ATF_REQUIRE(dt("20-Jul-1969 20:17:40 +0000", &t, &zone) == 0);
	ATF_CHECK_EQ(t, -14182940);
	ATF_REQUIRE(dt("31-Dec-1998 23:59:60 +0000", &t, &zone) == 0);
	ATF_CHECK_EQ(t, 915148800);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		ATF_CHECK_MSG(dt(bad[i], &t, &zone) == -1, "'%s' accepted",
		    bad[i]);
}

ATF_TC_WITHOUT_HEAD(format);
ATF_TC_BODY(format, tc)
{
	char	buf[64], small[10];
	time_t	t;
	int	zone;

	ATF_REQUIRE(imap_datetime_format(760686745, -480, buf,
	    sizeof(buf)) == 0);
	ATF_CHECK_STREQ(buf, " 7-Feb-1994 21:52:25 -0800");
	ATF_REQUIRE(dt(buf, &t, &zone) == 0);
	ATF_CHECK_EQ(t, 760686745);
	ATF_CHECK_EQ(zone, -480);
	ATF_REQUIRE(imap_datetime_format(0, 0, buf, sizeof(buf)) == 0);
	ATF_CHECK_STREQ(buf, " 1-Jan-1970 00:00:00 +0000");
	ATF_REQUIRE(imap_datetime_format(-1, 330, buf, sizeof(buf)) == 0);
	ATF_CHECK_STREQ(buf, " 1-Jan-1970 05:29:59 +0530");
	ATF_REQUIRE(imap_datetime_format(1709200799, 840, buf,
	    sizeof(buf)) == 0);
	ATF_CHECK_STREQ(buf, "29-Feb-2024 23:59:59 +1400");
	ATF_CHECK_EQ(imap_datetime_format(0, 0, small, sizeof(small)), -1);
	ATF_CHECK_EQ(imap_datetime_format(0, 24 * 60, buf, sizeof(buf)), -1);
	ATF_CHECK_EQ(imap_datetime_format((time_t)253402300800, 0, buf,
	    sizeof(buf)), -1);
}

ATF_TC_WITHOUT_HEAD(quote);
ATF_TC_BODY(quote, tc)
{
	struct buf	b;

	buf_init(&b);
	ATF_REQUIRE(imap_write_astring(&b, "INBOX", 5, 0) == 0);
	ATF_CHECK_STREQ((char *)b.data, "INBOX");
	buf_reset(&b);
	ATF_REQUIRE(imap_write_astring(&b, "nil", 3, 0) == 0);
	ATF_CHECK_STREQ((char *)b.data, "\"nil\"");
	buf_reset(&b);
	ATF_REQUIRE(imap_write_astring(&b, "", 0, 0) == 0);
	ATF_CHECK_STREQ((char *)b.data, "\"\"");
	buf_reset(&b);
	ATF_REQUIRE(imap_write_astring(&b, "a b\"c\\d", 7, 0) == 0);
	ATF_CHECK_STREQ((char *)b.data, "\"a b\\\"c\\\\d\"");
	buf_reset(&b);
	ATF_REQUIRE(imap_write_string(&b, "a\r\nb", 4, 0) == 0);
	ATF_CHECK_STREQ((char *)b.data, "{4}\r\na\r\nb");
	buf_reset(&b);
	ATF_REQUIRE(imap_write_string(&b, "\xc3\xa9", 2, 0) == 0);
	ATF_CHECK_STREQ((char *)b.data, "{2}\r\n\xc3\xa9");
	buf_reset(&b);
	ATF_REQUIRE(imap_write_string(&b, "\xc3\xa9", 2, 1) == 0);
	ATF_CHECK_STREQ((char *)b.data, "\"\xc3\xa9\"");
	buf_reset(&b);
	ATF_REQUIRE(imap_write_string(&b, "\xc3", 1, 1) == 0);
	ATF_CHECK_STREQ((char *)b.data, "{1}\r\n\xc3");
	buf_reset(&b);
	ATF_REQUIRE(imap_write_nstring(&b, NULL, 0, 0) == 0);
	ATF_CHECK_STREQ((char *)b.data, "NIL");
	buf_reset(&b);
	ATF_REQUIRE(imap_write_nstring(&b, "x", 1, 0) == 0);
	ATF_CHECK_STREQ((char *)b.data, "\"x\"");
	buf_free(&b);
	ATF_CHECK(imap_is_atom("abc", 3));
	ATF_CHECK(!imap_is_atom("a]", 2));
	ATF_CHECK(!imap_is_atom("", 0));
	ATF_CHECK(imap_mailbox_is_inbox("iNbOx"));
	ATF_CHECK(!imap_mailbox_is_inbox("INBOX.x"));
	ATF_CHECK_STREQ(imap_mailbox_canon("inbox"), "INBOX");
	ATF_CHECK_STREQ(imap_mailbox_canon("inbox/x"), "inbox/x");
}

ATF_TP_ADD_TCS(tp)
{
	ATF_TP_ADD_TC(tp, date);
	ATF_TP_ADD_TC(tp, datetime);
	ATF_TP_ADD_TC(tp, format);
	ATF_TP_ADD_TC(tp, quote);
	return atf_no_error();
}
