/* Strict base64 encoding and decoding; see base64.h. */
#include <stdint.h>
#include <string.h>

#include "base64.h"

static const char b64[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

int
base64_encode(struct buf *out, const unsigned char *in, size_t len)
{
	char	q[4];
	size_t	i;
	uint32_t v;

	for (i = 0; i + 2 < len; i += 3) {
		v = (uint32_t)in[i] << 16 | (uint32_t)in[i + 1] << 8 | in[i + 2];
		q[0] = b64[v >> 18];
		q[1] = b64[(v >> 12) & 63];
		q[2] = b64[(v >> 6) & 63];
		q[3] = b64[v & 63];
		if (buf_add(out, q, 4) == -1)
			return -1;
	}
	if (len - i == 1) {
		v = (uint32_t)in[i] << 16;
		q[0] = b64[v >> 18];
		q[1] = b64[(v >> 12) & 63];
		q[2] = q[3] = '=';
		if (buf_add(out, q, 4) == -1)
			return -1;
	} else if (len - i == 2) {
		v = (uint32_t)in[i] << 16 | (uint32_t)in[i + 1] << 8;
		q[0] = b64[v >> 18];
		q[1] = b64[(v >> 12) & 63];
		q[2] = b64[(v >> 6) & 63];
		q[3] = '=';
		if (buf_add(out, q, 4) == -1)
			return -1;
	}
	if (buf_reserve(out, 0) == -1)
		return -1;
	out->data[out->len] = '\0';
	return 0;
}

static int
b64val(int c)
{
	const char	*p;

	if (c == '\0' || (p = strchr(b64, c)) == NULL)
		return -1;
	return (int)(p - b64);
}

/*
 * Decode, appending to out.  Returns -1 for anything that is not
 * canonical base64: wrong length, stray characters, bad padding, or
 * non-zero bits left over before the padding.
 */
int
base64_decode(struct buf *out, const char *in, size_t len)
{
	unsigned char	o[3];
	int		v[4], pad, j;
	size_t		i;

	if (len % 4 != 0)
		return -1;
	for (i = 0; i < len; i += 4) {
		pad = 0;
		for (j = 0; j < 4; j++) {
			if (in[i + j] == '=' && i + 4 == len && j >= 2) {
				v[j] = 0;
				pad++;
				continue;
			}
			if (pad > 0 || (v[j] = b64val((unsigned char)in[i + j]))
			    == -1)
				return -1;
		}
		if (pad == 2 && (v[1] & 15) != 0)
			return -1;
		if (pad == 1 && (v[2] & 3) != 0)
			return -1;
		o[0] = v[0] << 2 | v[1] >> 4;
		o[1] = (v[1] & 15) << 4 | v[2] >> 2;
		o[2] = (v[2] & 3) << 6 | v[3];
		if (buf_add(out, o, 3 - pad) == -1)
			return -1;
	}
	if (buf_reserve(out, 0) == -1)
		return -1;
	out->data[out->len] = '\0';
	return 0;
}
