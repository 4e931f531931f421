/*
 * Logging shared by posternd, postern-auth, workers and sessions.
 * Lines go to syslog with facility LOG_MAIL, or to stderr when the
 * daemon runs in the foreground.  Every line names the process.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>
#include <vis.h>

#include "log.h"

static int	 log_to_stderr;
static int	 log_verbose;
static const char *log_procname = "postern";

void
log_init(int n_debug, int facility)
{
	log_to_stderr = n_debug;
	if (n_debug)
		log_verbose = n_debug > 1 ? 2 : 1;
	if (!log_to_stderr)
		openlog("postern", LOG_PID | LOG_NDELAY, facility);
	tzset();
}

void
log_procinit(const char *procname)
{
	if (procname != NULL)
		log_procname = procname;
}

void
log_setverbose(int v)
{
	log_verbose = v;
}

int
log_getverbose(void)
{
	return log_verbose;
}

void
logit(int pri, const char *fmt, ...)
{
	va_list	ap;

	va_start(ap, fmt);
	vlog(pri, fmt, ap);
	va_end(ap);
}

void
vlog(int pri, const char *fmt, va_list ap)
{
	char	msg[2048];
	int	saved_errno = errno;

	(void)vsnprintf(msg, sizeof(msg), fmt, ap);
	if (log_to_stderr) {
		fprintf(stderr, "%s[%ld]: %s\n", log_procname, (long)getpid(),
		    msg);
		fflush(stderr);
	} else
		syslog(pri, "%s: %s", log_procname, msg);
	errno = saved_errno;
}

void
log_warn(const char *emsg, ...)
{
	char	buf[1024];
	va_list	ap;
	int	saved_errno = errno;

	va_start(ap, emsg);
	(void)vsnprintf(buf, sizeof(buf), emsg, ap);
	va_end(ap);
	logit(LOG_ERR, "%s: %s", buf, strerror(saved_errno));
	errno = saved_errno;
}

void
log_warnx(const char *emsg, ...)
{
	va_list	ap;

	va_start(ap, emsg);
	vlog(LOG_ERR, emsg, ap);
	va_end(ap);
}

void
log_info(const char *emsg, ...)
{
	va_list	ap;

	va_start(ap, emsg);
	vlog(LOG_INFO, emsg, ap);
	va_end(ap);
}

void
log_debug(const char *emsg, ...)
{
	va_list	ap;

	if (log_verbose > 1) {
		va_start(ap, emsg);
		vlog(LOG_DEBUG, emsg, ap);
		va_end(ap);
	}
}

static __attribute__((__noreturn__)) void
vfatalc(int code, const char *emsg, va_list ap)
{
	char	msg[1024];

	(void)vsnprintf(msg, sizeof(msg), emsg, ap);
	if (code)
		logit(LOG_CRIT, "fatal: %s: %s", msg, strerror(code));
	else
		logit(LOG_CRIT, "fatal: %s", msg);
	exit(1);
}

void
fatal(const char *emsg, ...)
{
	va_list	ap;
	int	code = errno;

	va_start(ap, emsg);
	vfatalc(code, emsg, ap);
}

void
fatalx(const char *emsg, ...)
{
	va_list	ap;

	va_start(ap, emsg);
	vfatalc(0, emsg, ap);
}

const char *
log_safe(const char *s, char *buf, size_t len)
{
	if (s == NULL)
		s = "(null)";
	(void)strnvis(buf, s, len, VIS_SAFE | VIS_CSTYLE | VIS_OCTAL);
	return buf;
}
