/*
 * Unit tests for IMAP sequence sets (worker/imap/imap_seq.c): parsing
 * (ranges in either order, "*", "$"), what is refused, resolution
 * against a mailbox's highest number into a sorted merged interval
 * list, membership, iteration, counting, formatting, and bounded
 * memory for a hostile set of 100,000 ranges.  Run by Kyua from
 * regress/unit.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <atf-c.h>

#include "imap_cmd.h"

static const char *resolve(const char *, uint32_t, uint32_t,
		    const struct imap_seqlist *);

static char	out[1024];

/* Parse, resolve and format back. */
static const char *
resolve(const char *s, uint32_t star, uint32_t limit,
    const struct imap_seqlist *saved)
{
	struct imap_seqset	set;
	struct imap_seqlist	l;
	struct buf		b;

	ATF_REQUIRE_MSG(imap_seqset_parse(s, strlen(s), &set) == 0,
	    "'%s' refused", s);
	ATF_REQUIRE(imap_seqset_resolve(&set, star, limit, saved, &l) == 0);
	buf_init(&b);
	ATF_REQUIRE(imap_seqlist_format(&l, &b) == 0);
	(void)strlcpy(out, b.data != NULL ? (char *)b.data : "", sizeof(out));
	buf_free(&b);
	imap_seqlist_free(&l);
	imap_seqset_free(&set);
	return out;
}

ATF_TC_WITHOUT_HEAD(parse);
ATF_TC_BODY(parse, tc)
{
	struct imap_seqset	set;

	ATF_REQUIRE(imap_seqset_parse("2,4:7,9,12:*", 12, &set) == 0);
	ATF_REQUIRE_EQ(set.n, 4);
	ATF_CHECK_EQ(set.r[0].lo, 2);
	ATF_CHECK_EQ(set.r[0].hi, 2);
	ATF_CHECK_EQ(set.r[1].lo, 4);
	ATF_CHECK_EQ(set.r[1].hi, 7);
	ATF_CHECK_EQ(set.r[3].lo, 12);
	ATF_CHECK_EQ(set.r[3].hi, IMAP_SEQ_STAR);
	ATF_CHECK_EQ(set.star, 1);
	ATF_CHECK_EQ(set.dollar, 0);
	imap_seqset_free(&set);

	/* Ranges in either order are the same. */
	ATF_REQUIRE(imap_seqset_parse("7:4", 3, &set) == 0);
	ATF_CHECK_EQ(set.r[0].lo, 4);
	ATF_CHECK_EQ(set.r[0].hi, 7);
	imap_seqset_free(&set);
	ATF_REQUIRE(imap_seqset_parse("*:4", 3, &set) == 0);
	ATF_CHECK_EQ(set.r[0].lo, IMAP_SEQ_STAR);
	ATF_CHECK_EQ(set.r[0].hi, 4);
	imap_seqset_free(&set);
	ATF_REQUIRE(imap_seqset_parse("4294967295", 10, &set) == 0);
	ATF_CHECK_EQ(set.r[0].lo, 4294967295U);
	imap_seqset_free(&set);
	ATF_REQUIRE(imap_seqset_parse("$", 1, &set) == 0);
	ATF_CHECK_EQ(set.dollar, 1);
	ATF_CHECK_EQ(set.n, 0);
	imap_seqset_free(&set);
	ATF_REQUIRE(imap_seqset_parse("1,$", 3, &set) == 0);
	ATF_CHECK_EQ(set.dollar, 1);
	ATF_CHECK_EQ(set.n, 1);
	imap_seqset_free(&set);
	ATF_CHECK_EQ(imap_seqset_nitems("1,2:3,4", 7), 3);
}

ATF_TC_WITHOUT_HEAD(refused);
ATF_TC_BODY(refused, tc)
{
	static const char *bad[] = {
		"", "0", "0:3", "3:0", "01", "1:", ":1", "1,,2", ",1", "1,",
		"1:2:3", "4294967296", "99999999999999999999", "a", "1a",
		"-1", "1 ", " 1", "**", "*:", "$$", "$:1", "1:$", "+1",
	};
	struct imap_seqset	set;
	size_t			i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		ATF_CHECK_MSG(imap_seqset_parse(bad[i], strlen(bad[i]),
		    &set) == -1, "'%s' accepted", bad[i]);
}

ATF_TC_WITHOUT_HEAD(resolve);
ATF_TC_BODY(resolve, tc)
{
	struct imap_seqlist	saved;

	/* RFC 3501's examples. */
	ATF_CHECK_STREQ(resolve("2,4:7,9,12:*", 15, UINT32_MAX, NULL),
	    "2,4:7,9,12:15");
	ATF_CHECK_STREQ(resolve("*:4,5:7", 10, UINT32_MAX, NULL), "4:10");
	/* "3291:*" holds the last UID even when it is below 3291. */
	ATF_CHECK_STREQ(resolve("3291:*", 100, UINT32_MAX, NULL), "100:3291");
	ATF_CHECK_STREQ(resolve("3291:*", 100, 100, NULL), "100");
	/* Merging: overlaps and neighbours. */
	ATF_CHECK_STREQ(resolve("5,1,3,2,4", 9, 9, NULL), "1:5");
	ATF_CHECK_STREQ(resolve("1:3,3:5,7,8:9,20:10", 50, 50, NULL),
	    "1:5,7:20");
	ATF_CHECK_STREQ(resolve("4294967295,1:4294967295", 1, UINT32_MAX,
	    NULL), "1:4294967295");
	ATF_CHECK_STREQ(resolve("4294967294:4294967295,1", 1, UINT32_MAX,
	    NULL), "1,4294967294:4294967295");
	/* An empty mailbox: "*" is 0, which names nothing. */
	ATF_CHECK_STREQ(resolve("*", 0, 0, NULL), "");
	ATF_CHECK_STREQ(resolve("1:*", 0, UINT32_MAX, NULL), "1");
	ATF_CHECK_STREQ(resolve("5:9", 3, 3, NULL), "");
	/* "$" is the saved result, or nothing. */
	imap_seqlist_init(&saved);
	ATF_REQUIRE(imap_seqlist_add(&saved, 10, 12) == 0);
	ATF_REQUIRE(imap_seqlist_add(&saved, 20, 20) == 0);
	imap_seqlist_normalise(&saved);
	ATF_CHECK_STREQ(resolve("$", 30, 30, &saved), "10:12,20");
	ATF_CHECK_STREQ(resolve("$,13", 30, 30, &saved), "10:13,20");
	ATF_CHECK_STREQ(resolve("$", 30, 11, &saved), "10:11");
	ATF_CHECK_STREQ(resolve("$", 30, 30, NULL), "");
	imap_seqlist_free(&saved);
}

ATF_TC_WITHOUT_HEAD(max);
ATF_TC_BODY(max, tc)
{
	struct imap_seqset	set;

	ATF_REQUIRE(imap_seqset_parse("2,9:4,*", 7, &set) == 0);
	ATF_CHECK_EQ(imap_seqset_max(&set, 5), 9);
	ATF_CHECK_EQ(imap_seqset_max(&set, 15), 15);
	imap_seqset_free(&set);
	ATF_REQUIRE(imap_seqset_parse("*", 1, &set) == 0);
	ATF_CHECK_EQ(imap_seqset_max(&set, 0), 0);
	imap_seqset_free(&set);
}

ATF_TC_WITHOUT_HEAD(list_ops);
ATF_TC_BODY(list_ops, tc)
{
	struct imap_seqlist	l;
	struct imap_seqiter	it;
	uint32_t		v, want[] = { 1, 2, 3, 7, 4294967295U };
	size_t			n = 0;

	imap_seqlist_init(&l);
	ATF_REQUIRE(imap_seqlist_add(&l, 4294967295U, 4294967295U) == 0);
	ATF_REQUIRE(imap_seqlist_add(&l, 3, 1) == 0);
	ATF_REQUIRE(imap_seqlist_add(&l, 7, 7) == 0);
	ATF_REQUIRE(imap_seqlist_add(&l, 2, 2) == 0);
	imap_seqlist_normalise(&l);
	ATF_REQUIRE_EQ(l.n, 3);
	ATF_CHECK_EQ(imap_seqlist_count(&l), 5);
	ATF_CHECK(imap_seqlist_contains(&l, 1));
	ATF_CHECK(imap_seqlist_contains(&l, 3));
	ATF_CHECK(!imap_seqlist_contains(&l, 4));
	ATF_CHECK(imap_seqlist_contains(&l, 7));
	ATF_CHECK(!imap_seqlist_contains(&l, 0));
	ATF_CHECK(imap_seqlist_contains(&l, 4294967295U));
	ATF_CHECK(!imap_seqlist_contains(&l, 4294967294U));
	imap_seqiter_init(&it, &l);
	while (imap_seqiter_next(&it, &v)) {
		ATF_REQUIRE(n < 5);
		ATF_CHECK_EQ(v, want[n]);
		n++;
	}
	ATF_CHECK_EQ(n, 5);
	ATF_CHECK_EQ(imap_seqiter_next(&it, &v), 0);
	imap_seqlist_free(&l);
	/* An empty list. */
	imap_seqiter_init(&it, &l);
	ATF_CHECK_EQ(imap_seqiter_next(&it, &v), 0);
	ATF_CHECK_EQ(imap_seqlist_count(&l), 0);
	ATF_CHECK(!imap_seqlist_contains(&l, 1));
	/* The whole UID space counts without overflow. */
	ATF_REQUIRE(imap_seqlist_add(&l, 1, 4294967295U) == 0);
	ATF_CHECK_EQ(imap_seqlist_count(&l), 4294967295ULL);
	imap_seqlist_free(&l);
}

ATF_TC_WITHOUT_HEAD(hostile);
ATF_TC_BODY(hostile, tc)
{
	struct imap_seqset	set;
	struct imap_seqlist	l;
	char			*s;
	size_t			 n = 0, i, cap = 100000 * 24;

	/* 100,000 disjoint ranges up to 4294967295. */
	s = malloc(cap);
	ATF_REQUIRE(s != NULL);
	for (i = 0; i < 100000; i++)
		n += snprintf(s + n, cap - n, "%s%zu:%zu", i ? "," : "",
		    i * 40000 + 1, i * 40000 + 2);
	ATF_REQUIRE(imap_seqset_parse(s, n, &set) == 0);
	ATF_CHECK_EQ(set.n, 100000);
	ATF_REQUIRE(imap_seqset_resolve(&set, 4294967295U, UINT32_MAX,
	    NULL, &l) == 0);
	ATF_CHECK_EQ(l.n, 100000);
	ATF_CHECK_EQ(imap_seqlist_count(&l), 200000);
	ATF_CHECK(imap_seqlist_contains(&l, 40001));
	ATF_CHECK(!imap_seqlist_contains(&l, 40003));
	imap_seqlist_free(&l);
	imap_seqset_free(&set);

	/* Huge ranges cost one interval each. */
	n = 0;
	for (i = 0; i < 100000; i++)
		n += snprintf(s + n, cap - n, "%s1:*", i ? "," : "");
	ATF_REQUIRE(imap_seqset_parse(s, n, &set) == 0);
	ATF_REQUIRE(imap_seqset_resolve(&set, 4294967295U, UINT32_MAX,
	    NULL, &l) == 0);
	ATF_CHECK_EQ(l.n, 1);
	ATF_CHECK_EQ(imap_seqlist_count(&l), 4294967295ULL);
	imap_seqlist_free(&l);
	imap_seqset_free(&set);
	free(s);
}

ATF_TP_ADD_TCS(tp)
{
	ATF_TP_ADD_TC(tp, parse);
	ATF_TP_ADD_TC(tp, refused);
	ATF_TP_ADD_TC(tp, resolve);
	ATF_TP_ADD_TC(tp, max);
	ATF_TP_ADD_TC(tp, list_ops);
	ATF_TP_ADD_TC(tp, hostile);
	return atf_no_error();
}
