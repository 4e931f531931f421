/*
 * setproctitle() for every program, so ps(1) shows what each is doing
 * ("postern-session: imap user [addr]") as it did with libbsd.  On Linux
 * ps reads /proc/PID/cmdline, the argument strings exec left on the
 * stack, and reads on into the environment strings that follow them
 * once the last byte of the arguments is no longer a NUL; so the title
 * is written over that whole area, after the environment and the
 * arguments have been copied out of it.  An ELF constructor, which glibc
 * calls with main()'s argc, argv and envp, finds the area and makes the
 * copies before main() runs, as libbsd-ctor does, so no main() changes.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>

#include "compat.h"

extern char	**environ;

static void	title_ctor(int, char **, char **)
		    __attribute__((__constructor__));
static int	title_inside(const char *);

static struct {
	char	*area;		/* argv[0]: where ps reads the title */
	size_t	 size;		/* the argument and environment strings */
	char	*arg0;		/* a copy of argv[0], for setproctitle(NULL) */
	char	*name;		/* the "name: " in front of a title */
	char	**env;		/* our environ, still ours after a setenv() */
} title;

static void
title_ctor(int argc, char **argv, char **envp)
{
	setproctitle_init(argc, argv, envp);
}

/*
 * Only the strings exec placed back to back from argv[0] on are
 * overwritten: one not adjacent to the previous one ends the area.
 * Every string inside it that something still points to (the argv and
 * environ arrays, glibc's program name) is pointed to a copy first.  If
 * memory runs out nothing is changed and setproctitle() does nothing.
 * A second call does nothing.
 */
void
setproctitle_init(int argc, char *argv[], char *envp[])
{
	char	**env, *copies, *p, *end, *slash;
	size_t	  nenv, need, len;
	int	  i;

	if (title.area != NULL || argc < 1 || argv == NULL || argv[0] == NULL)
		return;
	end = argv[0];
	for (i = 0; i < argc && argv[i] == end; i++)
		end += strlen(argv[i]) + 1;
	if (i == argc && envp != NULL)
		for (i = 0; envp[i] != NULL && envp[i] == end; i++)
			end += strlen(envp[i]) + 1;
	title.area = argv[0];
	title.size = (size_t)(end - argv[0]);

	/* The copies sit together in one allocation that is never freed. */
	need = strlen(argv[0]) + 1;
	for (i = 1; i < argc; i++)
		if (title_inside(argv[i]))
			need += strlen(argv[i]) + 1;
	for (nenv = 0; environ != NULL && environ[nenv] != NULL; nenv++)
		if (title_inside(environ[nenv]))
			need += strlen(environ[nenv]) + 1;
	if ((env = reallocarray(NULL, nenv + 1, sizeof(*env))) == NULL)
		goto fail;
	if ((copies = malloc(need)) == NULL) {
		free(env);
		goto fail;
	}

	p = copies;
	len = strlen(argv[0]) + 1;
	title.arg0 = memcpy(p, argv[0], len);
	p += len;
	for (i = 1; i < argc; i++) {
		if (!title_inside(argv[i]))
			continue;
		len = strlen(argv[i]) + 1;
		argv[i] = memcpy(p, argv[i], len);
		p += len;
	}
	for (nenv = 0; environ != NULL && environ[nenv] != NULL; nenv++) {
		env[nenv] = environ[nenv];
		if (!title_inside(environ[nenv]))
			continue;
		len = strlen(environ[nenv]) + 1;
		env[nenv] = memcpy(p, environ[nenv], len);
		p += len;
	}
	env[nenv] = NULL;
	environ = title.env = env;

	/* err(3) and friends print these; argv[0] itself becomes the title. */
	if (title_inside(program_invocation_name))
		program_invocation_name = title.arg0;
	slash = strrchr(title.arg0, '/');
	title.name = slash != NULL ? slash + 1 : title.arg0;
	if (title_inside(program_invocation_short_name))
		program_invocation_short_name = title.name;
	return;

fail:
	title.area = NULL;
	title.size = 0;
}

static int
title_inside(const char *s)
{
	return s >= title.area && s < title.area + title.size;
}

/*
 * The title is "name: " and the formatted text, or the text alone when
 * fmt starts with '-'; NULL restores the program name.  Like libbsd's it
 * is cut to COMPAT_TITLE_MAX bytes, and to the area less its final NUL;
 * the rest of the area is cleared, so ps shows neither what the previous
 * title left nor the old environment.
 */
void
setproctitle(const char *fmt, ...)
{
	char		 buf[COMPAT_TITLE_MAX + 1];
	const char	*text = fmt;
	va_list		 ap;
	size_t		 len, off = 0;
	int		 n, saved = errno;

	if (title.area == NULL)
		return;
	/* Here and below a title too long is cut short, as documented. */
	if (fmt == NULL)
		(void)strlcpy(buf, title.arg0, sizeof(buf));
	else {
		if (*fmt == '-')
			text = fmt + 1;
		else {
			if ((n = snprintf(buf, sizeof(buf), "%s: ",
			    title.name)) < 0)
				goto done;
			off = (size_t)n < sizeof(buf) ? (size_t)n :
			    sizeof(buf) - 1;
		}
		va_start(ap, fmt);
		n = vsnprintf(buf + off, sizeof(buf) - off, text, ap);
		va_end(ap);
		if (n < 0)
			goto done;
	}

	len = strlen(buf);
	if (len > title.size - 1)
		len = title.size - 1;
	memcpy(title.area, buf, len);
	memset(title.area + len, '\0', title.size - len);
done:
	errno = saved;
}
