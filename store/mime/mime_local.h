/*
 * Internals shared by the files of store/mime (the session process's
 * MIME library); nothing outside store/mime includes this.
 */
#ifndef POSTERN_MIME_LOCAL_H
#define POSTERN_MIME_LOCAL_H

#include <stddef.h>

#include "buf.h"
#include "mime.h"

#define NOPART		((size_t)-1)

/* The characters of RFC 5322 and RFC 2045 that matter here. */
#define IS_WSP(c)	((c) == ' ' || (c) == '\t')
#define IS_LWSP(c)	((c) == ' ' || (c) == '\t' || (c) == '\r' || \
			    (c) == '\n')

/* param.c */
size_t	 mime_skip_cfws(const char *, size_t, size_t);
int	 mime_token(const char *, size_t, size_t *, struct buf *, int);
int	 mime_lang_list(const char *, size_t, struct buf *, size_t *);
char	*mime_strndup(const void *, size_t);

/* charset.c */
size_t	 mime_utf8_encode(unsigned int, unsigned char *);
size_t	 mime_utf8_seq(const unsigned char *, size_t, unsigned int *);
unsigned int mime_cp1252(unsigned char);

/* decode.c */
int	 mime_hexval(int);
int	 mime_b64val(int);

/* bodystructure.c */
int	 mime_write_params(struct buf *, const struct mime_param *, size_t,
	    int);

#endif
