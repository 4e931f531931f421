/*
 * strlcpy() and strlcat(), as OpenBSD documents them: copy or append
 * within a buffer of the given size, always NUL terminate when there is
 * room for it, and return the length the result would have had, so
 * truncation is a return value >= size.  Linked by every program.
 */
#include "compat.h"

size_t
strlcpy(char *dst, const char *src, size_t dsize)
{
	size_t	slen, n;

	slen = strlen(src);
	if (dsize == 0)
		return slen;
	n = slen < dsize - 1 ? slen : dsize - 1;
	memcpy(dst, src, n);
	dst[n] = '\0';
	return slen;
}

/*
 * A dst with no NUL in its first dsize bytes is left alone: nothing can
 * be appended to it, and the return value still says how long it would
 * have been (dsize plus the length of src).
 */
size_t
strlcat(char *dst, const char *src, size_t dsize)
{
	size_t	dlen, slen, n;

	dlen = strnlen(dst, dsize);
	slen = strlen(src);
	if (dlen == dsize)
		return dsize + slen;
	n = dsize - dlen - 1;
	if (slen < n)
		n = slen;
	memcpy(dst + dlen, src, n);
	dst[dlen + n] = '\0';
	return dlen + slen;
}
