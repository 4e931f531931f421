/*
 * strtonum() and freezero(), as OpenBSD documents them.  Linked by
 * every program.
 */
#include <errno.h>
#include <limits.h>

#include "compat.h"

/*
 * A decimal number within [minval, maxval], or 0 with *errstrp set to
 * "invalid" (not a number, trailing text, or minval > maxval, errno
 * EINVAL), "too small" or "too large" (errno ERANGE).  On success
 * *errstrp is NULL and errno is left as it was.
 */
long long
strtonum(const char *numstr, long long minval, long long maxval,
    const char **errstrp)
{
	const char	*errstr = NULL;
	char		*end;
	long long	 v = 0;
	int		 saved = errno, code = 0;

	if (numstr == NULL || minval > maxval) {
		errstr = "invalid";
		code = EINVAL;
	} else {
		errno = 0;
		v = strtoll(numstr, &end, 10);
		if (end == numstr || *end != '\0') {
			errstr = "invalid";
			code = EINVAL;
		} else if (v < minval || (errno == ERANGE && v == LLONG_MIN)) {
			errstr = "too small";
			code = ERANGE;
		} else if (v > maxval || (errno == ERANGE && v == LLONG_MAX)) {
			errstr = "too large";
			code = ERANGE;
		}
	}
	if (errstrp != NULL)
		*errstrp = errstr;
	if (errstr != NULL) {
		errno = code;
		return 0;
	}
	errno = saved;
	return v;
}

/* Secrets are wiped before the memory goes back to the allocator. */
void
freezero(void *ptr, size_t size)
{
	if (ptr == NULL)
		return;
	explicit_bzero(ptr, size);
	free(ptr);
}
