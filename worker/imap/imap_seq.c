/*
 * IMAP sequence sets (RFC 3501/9051 section 9 sequence-set, with "$"
 * of RFC 5182): parsing, and their resolution into a sorted list of
 * disjoint intervals once the mailbox's highest message number or UID
 * is known.  Used by the parser and by the session's FETCH, STORE,
 * SEARCH, COPY, MOVE and EXPUNGE.  Memory is linear in the length of
 * the set's text, however hostile: a range costs one interval, never
 * one entry per message.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "imap_cmd.h"

static int	seq_number(const char *, size_t, size_t *, uint32_t *);
static int	range_cmp(const void *, const void *);

/* The number of items between commas, an upper bound for ranges. */
size_t
imap_seqset_nitems(const char *s, size_t len)
{
	size_t	i, n = 1;

	for (i = 0; i < len; i++)
		if (s[i] == ',')
			n++;
	return n;
}

/* seq-number = nz-number / "*" */
static int
seq_number(const char *s, size_t len, size_t *i, uint32_t *v)
{
	uint64_t	n = 0;

	if (*i >= len)
		return -1;
	if (s[*i] == '*') {
		(*i)++;
		*v = IMAP_SEQ_STAR;
		return 0;
	}
	if (s[*i] < '1' || s[*i] > '9')
		return -1;
	while (*i < len && s[*i] >= '0' && s[*i] <= '9') {
		n = n * 10 + (s[*i] - '0');
		if (n > UINT32_MAX)
			return -1;
		(*i)++;
	}
	*v = (uint32_t)n;
	return 0;
}

/*
 * Parse into set->r, which must have room for imap_seqset_nitems()
 * ranges.  Ranges are kept as sent, but each with lo <= hi when both
 * ends are numbers.  Returns 0, or -1 if the text is not a set.
 */
int
imap_seqset_fill(const char *s, size_t len, struct imap_seqset *set)
{
	size_t		i = 0;
	uint32_t	lo, hi, t;

	set->n = 0;
	set->dollar = 0;
	set->star = 0;
	for (;;) {
		if (i < len && s[i] == '$') {
			set->dollar = 1;
			i++;
		} else {
			if (seq_number(s, len, &i, &lo) == -1)
				return -1;
			hi = lo;
			if (i < len && s[i] == ':') {
				i++;
				if (seq_number(s, len, &i, &hi) == -1)
					return -1;
			}
			if (lo == IMAP_SEQ_STAR || hi == IMAP_SEQ_STAR)
				set->star = 1;
			if (lo != IMAP_SEQ_STAR && hi != IMAP_SEQ_STAR &&
			    lo > hi) {
				t = lo;
				lo = hi;
				hi = t;
			}
			set->r[set->n].lo = lo;
			set->r[set->n].hi = hi;
			set->n++;
		}
		if (i == len)
			return 0;
		if (s[i] != ',')
			return -1;
		i++;
	}
}

/* The same, with the ranges allocated; imap_seqset_free() them. */
int
imap_seqset_parse(const char *s, size_t len, struct imap_seqset *set)
{
	memset(set, 0, sizeof(*set));
	if (len == 0) {
		errno = EINVAL;
		return -1;
	}
	if ((set->r = reallocarray(NULL, imap_seqset_nitems(s, len),
	    sizeof(*set->r))) == NULL)
		return -1;
	if (imap_seqset_fill(s, len, set) == -1) {
		imap_seqset_free(set);
		errno = EINVAL;
		return -1;
	}
	return 0;
}

void
imap_seqset_free(struct imap_seqset *set)
{
	free(set->r);
	memset(set, 0, sizeof(*set));
}

/*
 * The highest number the set names when "*" is `star' ("$" aside):
 * a message sequence number above the mailbox's count is a BAD.
 */
uint32_t
imap_seqset_max(const struct imap_seqset *set, uint32_t star)
{
	uint32_t	m = 0, v;
	size_t		i;

	for (i = 0; i < set->n; i++) {
		v = set->r[i].hi == IMAP_SEQ_STAR ? star : set->r[i].hi;
		if (v > m)
			m = v;
		v = set->r[i].lo == IMAP_SEQ_STAR ? star : set->r[i].lo;
		if (v > m)
			m = v;
	}
	return m;
}

void
imap_seqlist_init(struct imap_seqlist *l)
{
	memset(l, 0, sizeof(*l));
}

void
imap_seqlist_free(struct imap_seqlist *l)
{
	free(l->r);
	imap_seqlist_init(l);
}

/* Append lo:hi (either order); imap_seqlist_normalise() afterwards. */
int
imap_seqlist_add(struct imap_seqlist *l, uint32_t lo, uint32_t hi)
{
	struct imap_seqrange	*nr;
	size_t			 ncap;
	uint32_t		 t;

	if (lo > hi) {
		t = lo;
		lo = hi;
		hi = t;
	}
	if (l->n == l->cap) {
		ncap = l->cap ? l->cap * 2 : 8;
		if ((nr = reallocarray(l->r, ncap, sizeof(*nr))) == NULL)
			return -1;
		l->r = nr;
		l->cap = ncap;
	}
	l->r[l->n].lo = lo;
	l->r[l->n].hi = hi;
	l->n++;
	return 0;
}

static int
range_cmp(const void *a, const void *b)
{
	const struct imap_seqrange	*x = a, *y = b;

	if (x->lo != y->lo)
		return x->lo < y->lo ? -1 : 1;
	if (x->hi != y->hi)
		return x->hi < y->hi ? -1 : 1;
	return 0;
}

/* Sort, and merge what overlaps or touches. */
void
imap_seqlist_normalise(struct imap_seqlist *l)
{
	size_t	i, o = 0;

	if (l->n == 0)
		return;
	qsort(l->r, l->n, sizeof(*l->r), range_cmp);
	for (i = 1; i < l->n; i++) {
		if (l->r[o].hi == UINT32_MAX ||
		    l->r[i].lo <= l->r[o].hi + 1) {
			if (l->r[i].hi > l->r[o].hi)
				l->r[o].hi = l->r[i].hi;
			continue;
		}
		l->r[++o] = l->r[i];
	}
	l->n = o + 1;
}

/*
 * The set as a list of intervals: "*" is `star' (the highest number in
 * use, 0 for an empty mailbox), numbers above `limit' are dropped and
 * "$" is `saved' (NULL: empty).  out is initialised here; free it with
 * imap_seqlist_free().  Returns 0, or -1 when out of memory.
 */
int
imap_seqset_resolve(const struct imap_seqset *set, uint32_t star,
    uint32_t limit, const struct imap_seqlist *saved,
    struct imap_seqlist *out)
{
	size_t		i;
	uint32_t	lo, hi, t;

	imap_seqlist_init(out);
	for (i = 0; i < set->n; i++) {
		lo = set->r[i].lo == IMAP_SEQ_STAR ? star : set->r[i].lo;
		hi = set->r[i].hi == IMAP_SEQ_STAR ? star : set->r[i].hi;
		if (lo > hi) {
			t = lo;
			lo = hi;
			hi = t;
		}
		if (lo == 0)	/* "*" in an empty mailbox */
			lo = 1;
		if (hi == 0 || lo > limit)
			continue;
		if (hi > limit)
			hi = limit;
		if (imap_seqlist_add(out, lo, hi) == -1)
			goto fail;
	}
	if (set->dollar && saved != NULL)
		for (i = 0; i < saved->n; i++) {
			if (saved->r[i].lo > limit)
				continue;
			hi = saved->r[i].hi > limit ? limit : saved->r[i].hi;
			if (imap_seqlist_add(out, saved->r[i].lo, hi) == -1)
				goto fail;
		}
	imap_seqlist_normalise(out);
	return 0;
 fail:
	imap_seqlist_free(out);
	return -1;
}

/* Membership in a normalised list, by binary search. */
int
imap_seqlist_contains(const struct imap_seqlist *l, uint32_t v)
{
	size_t	lo = 0, hi = l->n, mid;

	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		if (v < l->r[mid].lo)
			hi = mid;
		else if (v > l->r[mid].hi)
			lo = mid + 1;
		else
			return 1;
	}
	return 0;
}

uint64_t
imap_seqlist_count(const struct imap_seqlist *l)
{
	uint64_t	n = 0;
	size_t		i;

	for (i = 0; i < l->n; i++)
		n += (uint64_t)l->r[i].hi - l->r[i].lo + 1;
	return n;
}

/* "1:3,7" for ESEARCH ALL, COPYUID and the like. */
int
imap_seqlist_format(const struct imap_seqlist *l, struct buf *b)
{
	size_t	i;
	int	r;

	for (i = 0; i < l->n; i++) {
		if (l->r[i].lo == l->r[i].hi)
			r = buf_addf(b, "%s%u", i ? "," : "", l->r[i].lo);
		else
			r = buf_addf(b, "%s%u:%u", i ? "," : "", l->r[i].lo,
			    l->r[i].hi);
		if (r == -1)
			return -1;
	}
	return 0;
}

void
imap_seqiter_init(struct imap_seqiter *it, const struct imap_seqlist *l)
{
	it->l = l;
	it->i = 0;
	it->next = l->n > 0 ? l->r[0].lo : 0;
}

/* Each number of a normalised list in ascending order; 0 when done. */
int
imap_seqiter_next(struct imap_seqiter *it, uint32_t *v)
{
	const struct imap_seqlist	*l = it->l;

	if (it->i >= l->n)
		return 0;
	*v = (uint32_t)it->next;
	if (it->next >= l->r[it->i].hi) {
		if (++it->i < l->n)
			it->next = l->r[it->i].lo;
	} else
		it->next++;
	return 1;
}
