/*
 * libFuzzer harness for lib/base64.c, the strict decoder the worker
 * runs on every SASL response a client sends.  Strictness makes the
 * codec a bijection: whatever decodes must encode back to exactly the
 * input, and whatever is encoded must decode back to exactly the
 * data.  Built by `make fuzz'; run by regress/fuzz/t_fuzz.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "base64.h"
#include "buf.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct buf	dec, enc;

	buf_init(&dec);
	buf_init(&enc);
	if (base64_decode(&dec, (const char *)data, size) == 0) {
		if (size % 4 != 0 || dec.len > size / 4 * 3 ||
		    dec.len + 2 < size / 4 * 3)
			abort();
		if (base64_encode(&enc, dec.data, dec.len) == -1)
			abort();
		if (enc.len != size || memcmp(enc.data, data, size) != 0)
			abort();
	}

	buf_reset(&dec);
	buf_reset(&enc);
	if (base64_encode(&enc, data, size) == -1)
		abort();
	if (enc.len != (size + 2) / 3 * 4 || enc.data[enc.len] != '\0')
		abort();
	if (base64_decode(&dec, (const char *)enc.data, enc.len) == -1)
		abort();
	if (dec.len != size || (size > 0 && memcmp(dec.data, data, size) != 0))
		abort();

	buf_free(&dec);
	buf_free(&enc);
	return 0;
}
