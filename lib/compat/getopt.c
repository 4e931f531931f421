/*
 * bsd_getopt(): what getopt() calls become under libbsd's overlay
 * <unistd.h>.  Like libbsd's, it is glibc's getopt() (which, as
 * _GNU_SOURCE asks, moves operands after the options rather than
 * stopping at the first one) plus BSD's optreset, so the programs parse
 * their arguments exactly as they did when linked with libbsd.
 */
#include "compat.h"

int	optreset;

int
bsd_getopt(int argc, char * const argv[], const char *optstring)
{
	/* optind 0 makes glibc start over, forgetting a half-read "-abc". */
	if (optreset) {
		optreset = 0;
		optind = 0;
	}
	/* In parentheses: the overlay's getopt macro would call us again. */
	return (getopt)(argc, argv, optstring);
}
