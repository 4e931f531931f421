/*
 * IMAP dates (RFC 3501/9051 section 9): the date of SEARCH keys
 * ("1-Feb-1994") and the date-time of APPEND and INTERNALDATE
 * ("17-Jul-1996 02:44:25 -0700"), parsed strictly and converted to
 * time_t without the C library's notion of the local zone.  Used by
 * the parser and by the session's FETCH responses.
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "imap_cmd.h"

static const char *months[12] = {
	"Jan", "Feb", "Mar", "Apr", "May", "Jun",
	"Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
};

static int	digits(const char *, size_t, int *);
static int	month(const char *);
static void	civil_from_days(int64_t, int *, int *, int *);

static int
digits(const char *s, size_t n, int *v)
{
	size_t	i;

	*v = 0;
	for (i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		*v = *v * 10 + (s[i] - '0');
	}
	return 0;
}

/* date-month, any case (section 9, note 1); 1..12 or -1. */
static int
month(const char *s)
{
	int	i;

	for (i = 0; i < 12; i++)
		if (strncasecmp(s, months[i], 3) == 0)
			return i + 1;
	return -1;
}

int
imap_days_in_month(int y, int m)
{
	static const int	dm[12] = {
		31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31
	};

	if (m < 1 || m > 12)
		return 0;
	if (m == 2 && (y % 4 == 0 && (y % 100 != 0 || y % 400 == 0)))
		return 29;
	return dm[m - 1];
}

/* Days since 1970-01-01 of a proleptic Gregorian date. */
int64_t
imap_days_from_civil(int y, int m, int d)
{
	int64_t	era, yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = y - era * 400;
	doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

static void
civil_from_days(int64_t z, int *y, int *m, int *d)
{
	int64_t	era, doe, yoe, doy, mp;

	z += 719468;
	era = (z >= 0 ? z : z - 146096) / 146097;
	doe = z - era * 146097;
	yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	mp = (5 * doy + 2) / 153;
	*d = (int)(doy - (153 * mp + 2) / 5 + 1);
	*m = (int)(mp < 10 ? mp + 3 : mp - 9);
	*y = (int)(yoe + era * 400 + (*m <= 2));
}

/*
 * date-text = date-day "-" date-month "-" date-year, date-day 1*2DIGIT.
 * *t is 00:00:00 UTC of that day.
 */
int
imap_date_parse(const char *s, size_t len, time_t *t)
{
	int	d, m, y;
	size_t	nd;

	if (len == 10 && s[1] == '-')
		nd = 1;
	else if (len == 11 && s[2] == '-')
		nd = 2;
	else
		return -1;
	if (digits(s, nd, &d) == -1)
		return -1;
	s += nd + 1;
	if ((m = month(s)) == -1 || s[3] != '-' ||
	    digits(s + 4, 4, &y) == -1)
		return -1;
	if (y < 1 || d < 1 || d > imap_days_in_month(y, m))
		return -1;
	*t = (time_t)(imap_days_from_civil(y, m, d) * 86400);
	return 0;
}

/*
 * The inside of a date-time, "dd-Mon-yyyy hh:mm:ss +zzzz" (a day
 * below 10 as " d" or "0d"): *t is the instant in UTC, *zone the
 * zone's offset in minutes east.
 */
int
imap_datetime_parse(const char *s, size_t len, time_t *t, int *zone)
{
	int	d, m, y, hh, mm, ss, zh, zm;

	if (len != 26)
		return -1;
	if (s[0] == ' ') {
		if (digits(s + 1, 1, &d) == -1)
			return -1;
	} else if (digits(s, 2, &d) == -1)
		return -1;
	if (s[2] != '-' || (m = month(s + 3)) == -1 || s[6] != '-' ||
	    digits(s + 7, 4, &y) == -1 || s[11] != ' ')
		return -1;
	if (digits(s + 12, 2, &hh) == -1 || s[14] != ':' ||
	    digits(s + 15, 2, &mm) == -1 || s[17] != ':' ||
	    digits(s + 18, 2, &ss) == -1 || s[20] != ' ')
		return -1;
	if ((s[21] != '+' && s[21] != '-') || digits(s + 22, 2, &zh) == -1 ||
	    digits(s + 24, 2, &zm) == -1)
		return -1;
	if (y < 1 || d < 1 || d > imap_days_in_month(y, m))
		return -1;
	/* A leap second (ss 60) is the next second's instant. */
	if (hh > 23 || mm > 59 || ss > 60 || zh > 23 || zm > 59)
		return -1;
	*zone = (zh * 60 + zm) * (s[21] == '-' ? -1 : 1);
	*t = (time_t)(imap_days_from_civil(y, m, d) * 86400 +
	    hh * 3600 + mm * 60 + ss - (int64_t)*zone * 60);
	return 0;
}

/* INTERNALDATE's form of t shown in `zone' (minutes east); 0 or -1. */
int
imap_datetime_format(time_t t, int zone, char *buf, size_t size)
{
	int64_t	lt, days, secs;
	int	y, m, d, az, r;

	if (zone <= -24 * 60 || zone >= 24 * 60)
		return -1;
	lt = (int64_t)t + (int64_t)zone * 60;
	days = lt / 86400;
	secs = lt % 86400;
	if (secs < 0) {
		secs += 86400;
		days--;
	}
	civil_from_days(days, &y, &m, &d);
	if (y < 1 || y > 9999)
		return -1;
	az = zone < 0 ? -zone : zone;
	r = snprintf(buf, size, "%2d-%s-%04d %02d:%02d:%02d %c%02d%02d",
	    d, months[m - 1], y, (int)(secs / 3600), (int)(secs / 60 % 60),
	    (int)(secs % 60), zone < 0 ? '-' : '+', az / 60, az % 60);
	if (r < 0 || (size_t)r >= size)
		return -1;
	return 0;
}
