/*
 * Modified UTF-7 (RFC 3501 5.1.3), the mailbox name encoding of
 * IMAP4rev1 clients, and UTF-8 validation (RFC 3629) for IMAP4rev2 and
 * UTF8=ACCEPT clients.  Used by the IMAP parser and the session's
 * mailbox commands.
 */
#ifndef POSTERN_MUTF7_H
#define POSTERN_MUTF7_H

#include <stddef.h>

#include "buf.h"

int	utf8_valid(const char *, size_t);
int	mutf7_decode(const char *, size_t, struct buf *);
int	mutf7_encode(const char *, size_t, struct buf *);

#endif
