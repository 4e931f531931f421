/*
 * Unit tests for modified UTF-7 (worker/imap/mutf7.c, RFC 3501
 * 5.1.3) and UTF-8 validation (RFC 3629): RFC 3501's example both
 * ways, "&", supplementary characters, random round trips, and every
 * non-canonical or broken form the decoder must refuse (unterminated
 * shifts, adjacent shifts, printable ASCII in base64, NUL, unpaired
 * surrogates, bad base64 characters and bits, raw 8-bit).  Run by
 * Kyua from regress/unit.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <atf-c.h>

#include "mutf7.h"

static const char *dec(const char *);
static const char *enc(const char *);

static struct buf	b;

static const char *
dec(const char *s)
{
	buf_reset(&b);
	if (mutf7_decode(s, strlen(s), &b) == -1)
		return NULL;
	return b.data != NULL ? (char *)b.data : "";
}

static const char *
enc(const char *s)
{
	buf_reset(&b);
	if (mutf7_encode(s, strlen(s), &b) == -1)
		return NULL;
	return b.data != NULL ? (char *)b.data : "";
}

ATF_TC_WITHOUT_HEAD(rfc3501_example);
ATF_TC_BODY(rfc3501_example, tc)
{
	static const char	*m = "~peter/mail/&U,BTFw-/&ZeVnLIqe-";
	static const char	*u = "~peter/mail/\xe5\x8f\xb0\xe5\x8c\x97/"
	    "\xe6\x97\xa5\xe6\x9c\xac\xe8\xaa\x9e";

	buf_init(&b);
	ATF_CHECK_STREQ(dec(m), u);
	ATF_CHECK_STREQ(enc(u), m);
	buf_free(&b);
}

ATF_TC_WITHOUT_HEAD(round_trips);
ATF_TC_BODY(round_trips, tc)
{
	static const struct {
		const char	*m;
		const char	*u;
	} t[] = {
		{ "", "" },
		{ "INBOX", "INBOX" },
		{ "&-", "&" },
		{ "Tom &- Jerry", "Tom & Jerry" },
		{ "&--", "&-" },
		{ "Entw&APw-rfe", "Entw\xc3\xbc" "rfe" },
		{ "&AOkA6Q-", "\xc3\xa9\xc3\xa9" },
		{ "&AOk-&-", "\xc3\xa9&" },
		{ "&2D3eAA-", "\xf0\x9f\x98\x80" },
		{ "a&AAk-b", "a\tb" },
		{ "&AH8-", "\x7f" },
		{ " ~}", " ~}" },
	};
	size_t	i;

	buf_init(&b);
	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		ATF_CHECK_STREQ_MSG(dec(t[i].m), t[i].u, "decode %s", t[i].m);
		ATF_CHECK_STREQ_MSG(enc(t[i].u), t[i].m, "encode %s", t[i].m);
	}
	/* Decoding only checks when given no buffer. */
	ATF_CHECK_EQ(mutf7_decode("&U,BTFw-", 8, NULL), 0);
	ATF_CHECK_EQ(mutf7_decode("&U,BTFw", 7, NULL), -1);
	buf_free(&b);
}

ATF_TC_WITHOUT_HEAD(random_round_trips);
ATF_TC_BODY(random_round_trips, tc)
{
	struct buf	u, m, back;
	uint32_t	cp;
	unsigned char	c[4];
	int		i, j, n;

	srandom(3501);
	buf_init(&u);
	buf_init(&m);
	buf_init(&back);
	for (i = 0; i < 2000; i++) {
		buf_reset(&u);
		for (j = random() % 12; j > 0; j--) {
			switch (random() % 4) {
			case 0:
				cp = 0x20 + random() % 0x5f;
				break;
			case 1:
				cp = 1 + random() % 0x7ff;
				break;
			case 2:
				cp = 0x800 + random() % (0x10000 - 0x800);
				if (cp >= 0xd800 && cp <= 0xdfff)
					cp = 0xe000;
				break;
			default:
				cp = 0x10000 + random() % 0x100000;
				break;
			}
			if (cp < 0x80) {
				c[0] = cp;
				n = 1;
			} else if (cp < 0x800) {
				c[0] = 0xc0 | cp >> 6;
				c[1] = 0x80 | (cp & 0x3f);
				n = 2;
			} else if (cp < 0x10000) {
				c[0] = 0xe0 | cp >> 12;
				c[1] = 0x80 | ((cp >> 6) & 0x3f);
				c[2] = 0x80 | (cp & 0x3f);
				n = 3;
			} else {
				c[0] = 0xf0 | cp >> 18;
				c[1] = 0x80 | ((cp >> 12) & 0x3f);
				c[2] = 0x80 | ((cp >> 6) & 0x3f);
				c[3] = 0x80 | (cp & 0x3f);
				n = 4;
			}
			ATF_REQUIRE(buf_add(&u, c, n) == 0);
		}
		ATF_REQUIRE(utf8_valid((char *)u.data, u.len));
		buf_reset(&m);
		ATF_REQUIRE(mutf7_encode((char *)u.data, u.len, &m) == 0);
		buf_reset(&back);
		ATF_REQUIRE_MSG(mutf7_decode((char *)m.data, m.len,
		    &back) == 0, "%s", (char *)m.data);
		ATF_REQUIRE_EQ(back.len, u.len);
		ATF_REQUIRE(back.len == 0 ||
		    memcmp(back.data, u.data, u.len) == 0);
	}
	buf_free(&u);
	buf_free(&m);
	buf_free(&back);
}

ATF_TC_WITHOUT_HEAD(decode_refused);
ATF_TC_BODY(decode_refused, tc)
{
	static const char *bad[] = {
		"&",			/* unterminated */
		"a&",
		"&U,BTFw",		/* no "-" */
		"&-&",
		"&AOk-&AOk-",		/* two shifts side by side */
		"&AEE-",		/* "A", printable, in base64 */
		"&ACA-",		/* " " */
		"&ACY-",		/* "&" itself */
		"&AAA-",		/* NUL */
		"&2D0-",		/* lone high surrogate */
		"&2D3YPQ-",		/* high surrogate, high surrogate */
		"&3gA-",		/* lone low surrogate */
		"&U,B!Fw-",		/* not base64 */
		"&U/BTFw-",		/* "/" is "," in modified base64 */
		"&U,BTFw=-",		/* no padding */
		"&AOl-",		/* padding bits not zero */
		"&AOkA-",		/* a base64 character too many */
		"&AO-",			/* too few for a character */
		"&A-",
		"\xc3\xa9",		/* raw 8-bit */
		"a\tb",			/* raw control */
		"\x7f",
	};
	size_t	i;

	buf_init(&b);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		errno = 0;
		ATF_CHECK_MSG(dec(bad[i]) == NULL, "'%s' decoded", bad[i]);
		ATF_CHECK_EQ(errno, EINVAL);
	}
	/* A NUL inside the name. */
	ATF_CHECK_EQ(mutf7_decode("a\0b", 3, &b), -1);
	buf_free(&b);
}

ATF_TC_WITHOUT_HEAD(encode_refused);
ATF_TC_BODY(encode_refused, tc)
{
	buf_init(&b);
	ATF_CHECK(enc("\xc3") == NULL);
	ATF_CHECK(enc("\xc0\xaf") == NULL);
	ATF_CHECK(enc("\xed\xa0\x80") == NULL);
	ATF_CHECK(enc("a\xff") == NULL);
	ATF_CHECK_EQ(mutf7_encode("a\0b", 3, &b), -1);
	ATF_CHECK_EQ(errno, EINVAL);
	buf_free(&b);
}

ATF_TC_WITHOUT_HEAD(utf8);
ATF_TC_BODY(utf8, tc)
{
	static const char *good[] = {
		"", "abc", "\xc2\x80", "\xc3\xa9", "\xdf\xbf", "\xe0\xa0\x80",
		"\xe2\x82\xac", "\xed\x9f\xbf", "\xee\x80\x80", "\xef\xbf\xbf",
		"\xf0\x90\x80\x80", "\xf0\x9f\x98\x80", "\xf4\x8f\xbf\xbf",
	};
	static const char *bad[] = {
		"\x80", "\xbf", "\xc0\x80", "\xc1\xbf", "\xc3", "\xc3\x28",
		"\xe0\x80\x80", "\xe0\x9f\xbf", "\xe2\x82", "\xed\xa0\x80",
		"\xed\xbf\xbf", "\xf0\x80\x80\x80", "\xf0\x8f\xbf\xbf",
		"\xf0\x9f\x98", "\xf4\x90\x80\x80", "\xf5\x80\x80\x80",
		"\xf8\x88\x80\x80\x80", "\xfe", "\xff", "a\xc3\xa9\xc3",
	};
	size_t	i;

	for (i = 0; i < sizeof(good) / sizeof(good[0]); i++)
		ATF_CHECK_MSG(utf8_valid(good[i], strlen(good[i])),
		    "good %zu refused", i);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		ATF_CHECK_MSG(!utf8_valid(bad[i], strlen(bad[i])),
		    "bad %zu accepted", i);
	/* NUL is valid UTF-8; the parser refuses it on its own. */
	ATF_CHECK(utf8_valid("a\0b", 3));
}

ATF_TP_ADD_TCS(tp)
{
	ATF_TP_ADD_TC(tp, rfc3501_example);
	ATF_TP_ADD_TC(tp, round_trips);
	ATF_TP_ADD_TC(tp, random_round_trips);
	ATF_TP_ADD_TC(tp, decode_refused);
	ATF_TP_ADD_TC(tp, encode_refused);
	ATF_TP_ADD_TC(tp, utf8);
	return atf_no_error();
}
