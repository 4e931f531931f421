/*
 * Unit tests for lib/base64.c, the strict base64 used by the worker for
 * SASL exchanges: the RFC 4648 test vectors both ways, round trips of
 * random data, and refusal of everything that is not canonical base64
 * (RFC 4422 asks servers to reject it).  Run by Kyua from regress/unit.
 */
#include <stdlib.h>
#include <string.h>

#include <atf-c.h>

#include "base64.h"
#include "buf.h"

/* Lengths from sizeof, so plain text may hold NULs. */
#define VEC(p, e)	{ p, sizeof(p) - 1, e }

static int	decode_str(struct buf *, const char *);

static const struct {
	const char	*plain;
	size_t		 len;
	const char	*enc;
} vectors[] = {
	/* RFC 4648, section 10. */
	VEC("", ""),
	VEC("f", "Zg=="),
	VEC("fo", "Zm8="),
	VEC("foo", "Zm9v"),
	VEC("foob", "Zm9vYg=="),
	VEC("fooba", "Zm9vYmE="),
	VEC("foobar", "Zm9vYmFy"),
	/* A SASL PLAIN response, as clients send it. */
	VEC("\0tim\0tanstaaftanstaaf", "AHRpbQB0YW5zdGFhZnRhbnN0YWFm"),
};

static int
decode_str(struct buf *b, const char *s)
{
	buf_reset(b);
	return base64_decode(b, s, strlen(s));
}

ATF_TC_WITHOUT_HEAD(rfc4648_encode);
ATF_TC_BODY(rfc4648_encode, tc)
{
	struct buf	b;
	size_t		i;

	buf_init(&b);
	for (i = 0; i < sizeof(vectors) / sizeof(vectors[0]); i++) {
		buf_reset(&b);
		ATF_REQUIRE_EQ(base64_encode(&b,
		    (const unsigned char *)vectors[i].plain,
		    vectors[i].len), 0);
		ATF_CHECK_EQ(b.len, strlen(vectors[i].enc));
		ATF_CHECK_STREQ((char *)b.data, vectors[i].enc);
	}
	buf_free(&b);
}

ATF_TC_WITHOUT_HEAD(rfc4648_decode);
ATF_TC_BODY(rfc4648_decode, tc)
{
	struct buf	b;
	size_t		i;

	buf_init(&b);
	for (i = 0; i < sizeof(vectors) / sizeof(vectors[0]); i++) {
		ATF_REQUIRE_EQ_MSG(decode_str(&b, vectors[i].enc), 0,
		    "decoding \"%s\"", vectors[i].enc);
		ATF_CHECK_EQ(b.len, vectors[i].len);
		ATF_CHECK(memcmp(b.data, vectors[i].plain, b.len) == 0);
		ATF_CHECK_EQ(b.data[b.len], '\0');
	}
	buf_free(&b);
}

ATF_TC_WITHOUT_HEAD(empty);
ATF_TC_BODY(empty, tc)
{
	struct buf	b;

	/* An empty SASL response is legal and must decode to nothing. */
	buf_init(&b);
	ATF_REQUIRE_EQ(base64_decode(&b, "", 0), 0);
	ATF_CHECK_EQ(b.len, 0);
	ATF_REQUIRE(b.data != NULL);
	ATF_CHECK_STREQ((char *)b.data, "");
	buf_free(&b);

	buf_init(&b);
	ATF_REQUIRE_EQ(base64_encode(&b, (const unsigned char *)"", 0), 0);
	ATF_CHECK_EQ(b.len, 0);
	ATF_REQUIRE(b.data != NULL);
	ATF_CHECK_STREQ((char *)b.data, "");
	buf_free(&b);
}

ATF_TC_WITHOUT_HEAD(appends);
ATF_TC_BODY(appends, tc)
{
	struct buf	b;

	buf_init(&b);
	ATF_REQUIRE_EQ(buf_addstr(&b, "head:"), 0);
	ATF_REQUIRE_EQ(base64_decode(&b, "Zm9v", 4), 0);
	ATF_CHECK_STREQ((char *)b.data, "head:foo");
	ATF_REQUIRE_EQ(base64_encode(&b, (const unsigned char *)"ab", 2), 0);
	ATF_CHECK_STREQ((char *)b.data, "head:fooYWI=");
	buf_free(&b);
}

ATF_TC_WITHOUT_HEAD(roundtrip_random);
ATF_TC_BODY(roundtrip_random, tc)
{
	struct buf	 enc, dec;
	unsigned char	*in;
	size_t		 len, round;

	buf_init(&enc);
	buf_init(&dec);
	if ((in = malloc(4096)) == NULL)
		atf_tc_fail("malloc");
	for (round = 0; round < 2000; round++) {
		len = round < 300 ? round : arc4random_uniform(4096);
		arc4random_buf(in, len);
		buf_reset(&enc);
		buf_reset(&dec);
		ATF_REQUIRE_EQ(base64_encode(&enc, in, len), 0);
		ATF_REQUIRE_EQ(enc.len, (len + 2) / 3 * 4);
		ATF_REQUIRE_EQ(strlen((char *)enc.data), enc.len);
		ATF_REQUIRE_EQ_MSG(base64_decode(&dec, (char *)enc.data,
		    enc.len), 0, "own output refused at length %zu", len);
		ATF_REQUIRE_EQ(dec.len, len);
		if (len > 0 && memcmp(dec.data, in, len) != 0)
			atf_tc_fail("round trip differs at length %zu", len);
	}
	free(in);
	buf_free(&enc);
	buf_free(&dec);
}

ATF_TC_WITHOUT_HEAD(reject_length);
ATF_TC_BODY(reject_length, tc)
{
	static const char *bad[] = {
		"Z", "Zg", "Zg=", "Zm9", "Zm9vY", "Zm9vYg", "Zm9vYg=",
		"Zm9vYmFy=", "=", "==", "===",
	};
	struct buf	 b;
	size_t		 i;

	buf_init(&b);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		ATF_CHECK_EQ_MSG(decode_str(&b, bad[i]), -1,
		    "\"%s\" accepted", bad[i]);
	buf_free(&b);
}

ATF_TC_WITHOUT_HEAD(reject_chars);
ATF_TC_BODY(reject_chars, tc)
{
	static const char *bad[] = {
		"Zm9v\n", "Zm9v\r\nZm9v", "Zm 9", " Zm9", "Zm9\t",
		"Zm9-", "Zm9_",		/* the URL-safe alphabet */
		"Zm9.", "Zm9*", "Zm9\xff", "\x80Zm9", "Zm9~",
	};
	struct buf	 b;
	size_t		 i;

	buf_init(&b);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		ATF_CHECK_EQ_MSG(decode_str(&b, bad[i]), -1,
		    "\"%s\" accepted", bad[i]);

	/* A NUL inside the counted length is a stray character too. */
	ATF_CHECK_EQ(base64_decode(&b, "Zm\0v", 4), -1);
	ATF_CHECK_EQ(base64_decode(&b, "Zg=\0", 4), -1);
	ATF_CHECK_EQ(base64_decode(&b, "\0\0\0\0", 4), -1);
	buf_free(&b);
}

ATF_TC_WITHOUT_HEAD(reject_padding);
ATF_TC_BODY(reject_padding, tc)
{
	static const char *bad[] = {
		"====", "Z===", "Zg=a", "Z=9v", "Zm=v", "=m9v",
		"Zg==Zm9v",		/* padding before the last quantum */
		"Zm8=Zm9v",
		"Zm9vYg==Zg==",
		"Zm9v====",
	};
	struct buf	 b;
	size_t		 i;

	buf_init(&b);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		ATF_CHECK_EQ_MSG(decode_str(&b, bad[i]), -1,
		    "\"%s\" accepted", bad[i]);
	buf_free(&b);
}

ATF_TC_WITHOUT_HEAD(canonical_bits);
ATF_TC_BODY(canonical_bits, tc)
{
	static const char *bad[] = {
		"QR==", "QX==", "Q/==", "Zh==",		/* bits left in 2nd */
		"QUJ=", "QUL=", "QU/=", "Zm9=",		/* bits left in 3rd */
	};
	struct buf	 b;
	size_t		 i;

	buf_init(&b);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		ATF_CHECK_EQ_MSG(decode_str(&b, bad[i]), -1,
		    "\"%s\" accepted", bad[i]);

	ATF_REQUIRE_EQ(decode_str(&b, "QQ=="), 0);
	ATF_CHECK_EQ(b.len, 1);
	ATF_CHECK_STREQ((char *)b.data, "A");
	ATF_REQUIRE_EQ(decode_str(&b, "QUI="), 0);
	ATF_CHECK_EQ(b.len, 2);
	ATF_CHECK_STREQ((char *)b.data, "AB");
	ATF_REQUIRE_EQ(decode_str(&b, "//8="), 0);
	ATF_CHECK_EQ(b.len, 2);
	ATF_CHECK(b.data[0] == 0xff && b.data[1] == 0xff);
	ATF_REQUIRE_EQ(decode_str(&b, "/w=="), 0);
	ATF_CHECK_EQ(b.len, 1);
	ATF_CHECK_EQ(b.data[0], 0xff);
	buf_free(&b);
}

ATF_TP_ADD_TCS(tp)
{
	ATF_TP_ADD_TC(tp, rfc4648_encode);
	ATF_TP_ADD_TC(tp, rfc4648_decode);
	ATF_TP_ADD_TC(tp, empty);
	ATF_TP_ADD_TC(tp, appends);
	ATF_TP_ADD_TC(tp, roundtrip_random);
	ATF_TP_ADD_TC(tp, reject_length);
	ATF_TP_ADD_TC(tp, reject_chars);
	ATF_TP_ADD_TC(tp, reject_padding);
	ATF_TP_ADD_TC(tp, canonical_bits);
	return atf_no_error();
}
