/*
 * Strict base64 (RFC 4648, with padding) for SASL exchanges: anything
 * but the alphabet and correct padding is refused, as RFC 4422 asks.
 */
#ifndef POSTERN_BASE64_H
#define POSTERN_BASE64_H

#include <stddef.h>

#include "buf.h"

int	base64_encode(struct buf *, const unsigned char *, size_t);
int	base64_decode(struct buf *, const char *, size_t);

#endif
