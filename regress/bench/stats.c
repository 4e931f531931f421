/*
 * Latency percentiles, the result line and a small deterministic random
 * generator for pbench (regress/bench).  Results go to stdout as one
 * line of name=value pairs per measurement, which bench.sh reads.
 */
#include <sys/types.h>

#include <err.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pbench.h"

static int	cmp_u64(const void *, const void *);

void
lat_add(struct lat *l, uint64_t ns)
{
	uint64_t	*nv;
	size_t		 ncap;

	if (l->n == l->cap) {
		ncap = l->cap == 0 ? 4096 : l->cap * 2;
		if ((nv = reallocarray(l->v, ncap, sizeof(*nv))) == NULL)
			err(1, "reallocarray");
		l->v = nv;
		l->cap = ncap;
	}
	l->v[l->n++] = ns;
}

static int
cmp_u64(const void *a, const void *b)
{
	uint64_t	x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

/*
 * The q-quantile in milliseconds, nearest rank: the smallest sample
 * with at least q of all samples at or below it.  0 without samples.
 */
double
lat_ms(struct lat *l, double q)
{
	size_t	rank;

	if (l->n == 0)
		return 0.0;
	qsort(l->v, l->n, sizeof(l->v[0]), cmp_u64);
	rank = (size_t)(q * (double)l->n + 0.999999);
	if (rank < 1)
		rank = 1;
	if (rank > l->n)
		rank = l->n;
	return (double)l->v[rank - 1] / (double)MSEC;
}

void
lat_free(struct lat *l)
{
	free(l->v);
	memset(l, 0, sizeof(*l));
}

/* "result scenario=... server=... " and the rest, one line. */
void
result(const char *fmt, ...)
{
	va_list	ap;

	printf("result scenario=%s server=%s ", opt.scenario,
	    opt.label != NULL ? opt.label : "-");
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	fflush(stdout);
}

/* splitmix64, so every run draws the same sequence of operations. */
uint64_t
rnd_next(uint64_t *state)
{
	uint64_t	z;

	z = (*state += 0x9e3779b97f4a7c15ULL);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

uint32_t
rnd_below(uint64_t *state, uint32_t n)
{
	return (uint32_t)(((rnd_next(state) >> 32) * (uint64_t)n) >> 32);
}
