/*
 * The BSD functions postern-worker, postern-tlsworker and postern-session
 * would otherwise load libbsd (and libmd) for in every exec: strlcpy,
 * strlcat, strtonum, freezero, strnvis, bsd_getopt (what getopt() means
 * under libbsd's overlay) and setproctitle.  Every program and test
 * links libcompat.a, so that none uses libbsd's strnvis, which writes
 * past the buffer when it truncates; the long-lived programs still take
 * pidfile(3) and getpeereid from libbsd, the others nothing.  The
 * prototypes are the overlay headers' own, which every file in the tree
 * includes, so code calling these functions does not include this file;
 * the compat sources and their tests do.  glibc itself provides the rest
 * of what the tree takes from libbsd: reallocarray, explicit_bzero and
 * arc4random.
 */
#ifndef POSTERN_COMPAT_H
#define POSTERN_COMPAT_H

#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <vis.h>

/*
 * The vis(3) flags strnvis() knows: the encodings (octal, C style, and
 * without either the \^C and \M-C forms), which characters are encoded,
 * and VIS_NOLOCALE, which changes nothing since the encoding always
 * follows the C locale.  Any other flag gets EINVAL.
 */
#define COMPAT_VIS_FLAGS	(VIS_OCTAL | VIS_CSTYLE | VIS_SP | VIS_TAB | \
				 VIS_NL | VIS_SAFE | VIS_DQ | VIS_NOLOCALE)

/* As in libbsd, a title is cut to this many bytes whatever room there is. */
#define COMPAT_TITLE_MAX	255

#endif
