/*
 * pgen: the data generator of the benchmark (regress/bench), run as
 * root by bench.sh before any server starts.  It writes the users and
 * Maildirs that postern and Dovecot are measured on: a large INBOX, a
 * POP3 maildrop, the mailboxes of the mixed workload and many small
 * mailboxes for the login storm and the idle sessions, with a
 * passwd-file that both servers read.  The messages are made to look
 * like real mail (Received trails, DKIM signatures, encoded words,
 * replies with quoting, quoted-printable, HTML alternatives, base64
 * attachments) and are the same bytes on every machine: everything
 * comes from one fixed-seed generator of our own, never from rand(3)
 * or the clock.
 */
#include <sys/types.h>
#include <sys/stat.h>

#include <crypt.h>
#include <err.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define PGEN_VERSION	1
#define SEARCH_WORD	"zebracorn"	/* SEARCH TEXT finds about 1 in 100 */
#define BASE_TIME	1704067200LL	/* newest mail: 2024-01-01 UTC */
#define SPAN		(2LL * 365 * 86400)	/* mailboxes cover 2 years */

struct sbuf {
	char	*p;
	size_t	 len;
	size_t	 cap;
};

/* How one kind of mailbox's messages are sized. */
struct profile {
	size_t	text_min, text_max;	/* words of the text part, bytes */
	int	alt_pct;		/* multipart/alternative with HTML */
	int	attach_pct;		/* multipart/mixed with an attachment */
	size_t	attach_min, attach_max;	/* attachment bytes before base64 */
	int	qp_pct;			/* UTF-8 quoted-printable text */
};

struct mbox {
	const char		*name;
	int			 count;
	const struct profile	*prof;
	int			 seen_pct;	/* in cur/ with \Seen */
	int			 in_new;	/* the first ones in new/ */
	uint64_t		 bytes;
	int			 hits;		/* messages with SEARCH_WORD */
};

static void	 usage(void) __attribute__((__noreturn__));
static uint64_t	 rnd(void);
static uint32_t	 rnd_below(uint32_t);
static int	 rnd_pct(int);
static size_t	 rnd_skewsize(size_t, size_t);
static void	 sb_grow(struct sbuf *, size_t);
static void	 sb_add(struct sbuf *, const char *, size_t);
static void	 sb_puts(struct sbuf *, const char *);
static void	 sb_printf(struct sbuf *, const char *, ...)
		    __attribute__((__format__(__printf__, 2, 3)));
static const char *pick(const char *const *, size_t);
static void	 encoded_word_q(struct sbuf *, const char *);
static void	 encoded_word_b(struct sbuf *, const char *);
static int	 is_ascii(const char *);
static void	 person(struct sbuf *, char *, size_t);
static void	 rfc5322_date(struct sbuf *, long long, int);
static void	 text_body(struct sbuf *, size_t, int, int *);
static void	 qp_encode(struct sbuf *, const char *, size_t);
static void	 html_body(struct sbuf *, const char *, size_t);
static void	 base64_block(struct sbuf *, size_t, const char *);
static void	 subject(struct sbuf *, const char *, const char *);
static void	 headers(struct sbuf *, const char *, long long, int, int,
		    const char *);
static void	 message(struct sbuf *, const struct mbox *, int, long long,
		    int *);
static void	 pathf(char *, const char *, ...)
		    __attribute__((__format__(__printf__, 2, 3)));
static void	 xmkdir(const char *);
static void	 xwrite_file(const char *, const struct sbuf *, long long);
static void	 make_mbox(const char *, struct mbox *);
static void	 passwd_line(FILE *, const char *);

static uint64_t		 rng_state;
static uid_t		 opt_uid = 5000;
static gid_t		 opt_gid = 5000;
static char		 last_msgid[128];

static const char *const words[] = {
	"the", "of", "and", "to", "in", "for", "is", "on", "that", "by",
	"this", "with", "you", "it", "not", "or", "be", "are", "from", "at",
	"as", "your", "all", "have", "new", "more", "an", "was", "we",
	"will", "can", "about", "if", "page", "my", "has", "free", "but",
	"our", "one", "other", "do", "no", "information", "time", "they",
	"site", "he", "up", "may", "what", "which", "their", "news", "out",
	"use", "any", "there", "see", "only", "so", "his", "when", "contact",
	"here", "business", "who", "web", "also", "now", "help", "get",
	"view", "online", "first", "been", "would", "how", "were", "me",
	"services", "some", "these", "click", "its", "like", "service", "than",
	"find", "price", "date", "back", "top", "people", "had", "list",
	"name", "just", "over", "state", "year", "day", "into", "email", "two",
	"health", "world", "next", "used", "go", "work", "last", "most",
	"products", "music", "buy", "data", "make", "them", "should",
	"product", "system", "post", "her", "city", "add", "policy", "number",
	"such", "please", "available", "copyright", "support", "message",
	"after", "best", "software", "then", "jan", "good", "video", "well",
	"where", "info", "rights", "public", "books", "high", "school",
	"through", "each", "links", "she", "review", "years", "order", "very",
	"privacy", "book", "items", "company", "read", "group", "need", "many",
	"user", "said", "does", "set", "under", "general", "research",
	"university", "january", "mail", "full", "map", "reviews", "program",
	"life", "know", "games", "way", "days", "management", "part", "could",
	"great", "united", "hotel", "real", "item", "international", "center",
	"must", "store", "travel", "comments", "made", "development",
	"report", "off", "member", "details", "line", "terms", "before",
	"did", "send", "right", "type", "because", "local", "those", "using",
	"results", "office", "education", "national", "car", "design", "take",
	"posted", "internet", "address", "community", "within", "states",
	"area", "want", "phone", "shipping", "reserved", "subject", "between",
	"forum", "family", "long", "based", "code", "show", "even", "black",
	"check", "special", "prices", "website", "index", "being", "women",
	"much", "sign", "file", "link", "open", "today", "technology",
	"south", "case", "project", "same", "pages", "version", "section",
	"own", "found", "sports", "house", "related", "security", "both",
	"county", "american", "photo", "game", "members", "power", "while",
	"care", "network", "down", "computer", "systems", "three", "total",
	"place", "end", "following", "download", "him", "without", "per",
	"access", "think", "north", "resources", "current", "posts", "big",
	"media", "law", "control", "water", "history", "pictures", "size",
	"art", "personal", "since", "including", "guide", "shop",
	"directory", "board", "location", "change", "white", "text", "small",
	"rating", "rate", "government", "children", "during", "usa", "return",
	"students", "shopping", "account", "times", "sites", "level",
	"digital", "profile", "previous", "form", "events", "love", "old",
	"john", "main", "call", "hours", "image", "department", "title",
	"description", "non", "insurance", "another", "why", "shall",
	"property", "class", "still", "money", "quality", "every", "listing",
	"content", "country", "private", "little", "visit", "save", "tools",
	"low", "reply", "customer", "december", "compare", "movies", "include",
	"college", "value", "article", "york", "man", "card", "jobs",
	"provide", "food", "source", "author", "different", "press", "learn",
	"sale", "around", "print", "course", "job", "canada", "process",
	"teen", "room", "stock", "training", "too", "credit", "point", "join",
	"science", "men", "categories", "advanced", "west", "sales", "look",
	"english", "left", "team", "estate", "box", "conditions", "select",
	"windows", "photos", "thread", "week", "category", "note", "live",
	"large", "gallery", "table", "register", "however", "june", "october",
	"november", "market", "library", "really", "action", "start", "series",
	"model", "features", "air", "industry", "plan", "human", "provided",
	"yes", "required", "second", "hot", "accessories", "cost", "movie",
	"forums", "march", "september", "better", "say", "questions", "july",
	"yahoo", "going", "medical", "test", "friend", "come", "server",
	"study", "application", "cart", "staff", "articles", "feedback",
	"again", "play", "looking", "issues", "april", "never", "users",
	"complete", "street", "topic", "comment", "financial", "things",
	"working", "against", "standard", "tax", "person", "below", "mobile",
	"less", "got", "blog", "party", "payment", "equipment", "login",
	"student", "let", "programs", "offers", "legal", "above", "recent",
	"park", "stores", "side", "act", "problem", "red", "give", "memory",
	"performance", "social", "august", "quote", "language", "story",
};

/* Accented words for UTF-8 text parts. */
static const char *const words8[] = {
	"café", "déjà", "naïve", "façade", "Größe", "Straße", "über",
	"jalapeño", "señor", "résumé", "smörgåsbord", "Zürich", "København",
	"Łódź", "crème", "brûlée", "coöperate", "piñata", "Ångström",
};

static const char *const first_names[] = {
	"John", "Mary", "James", "Patricia", "Robert", "Jennifer", "Michael",
	"Linda", "David", "Elizabeth", "William", "Barbara", "Richard", "Susan",
	"Joseph", "Jessica", "Thomas", "Sarah", "Karen", "Daniel", "Nancy",
	"José", "Zoë", "Jürgen", "Søren", "François", "Łukasz", "Aurélie",
	"Björn", "Inés", "Chloé", "Ana", "Wei", "Priya", "Hiroshi", "Olga",
};

static const char *const last_names[] = {
	"Smith", "Johnson", "Williams", "Brown", "Jones", "Garcia", "Miller",
	"Davis", "Rodriguez", "Martinez", "Hernandez", "Lopez", "Gonzalez",
	"Wilson", "Anderson", "Thomas", "Taylor", "Moore", "Jackson", "Martin",
	"Müller", "Schröder", "Pérez", "Nørgaard", "Dupré", "Kowalski",
	"Nakamura", "Ivanova", "Chen", "Patel", "O'Brien", "van der Berg",
};

static const char *const domains[] = {
	"example.com", "example.net", "mail.example.org", "lists.example.com",
	"corp.example", "university.example.edu", "shop.example",
	"news.example.net", "billing.example.com", "partner.example",
};

/* Subject templates: '@' stands for a word, '#' for a number. */
static const char *const subjects[] = {
	"Meeting notes for @", "Quarterly report: @", "Invoice #",
	"Your order # has shipped", "Question about the @ project",
	"Weekly newsletter: @", "Re: draft @", "Lunch on @?",
	"[announce] version # released", "Minutes of the @ board meeting",
	"Travel plans for @", "Updated @ schedule", "Password reset",
	"Build # failed", "Welcome to the @ list", "Photos from @",
};

static const char *const subjects8[] = {
	"Réunion de l'équipe", "Grüße aus München", "Año nuevo, planes nuevos",
	"Tilbud på smørrebrød", "Zamówienie nr #", "Café à @",
};

static const char *const mailers[] = {
	"Mozilla Thunderbird 115.5.0", "Apple Mail (2.3774.200.91.1.1)",
	"Microsoft Outlook 16.0", "Mutt/2.2.9 (2022-11-12)",
	"Roundcube Webmail/1.6.5", "Evolution 3.46.4",
};

static const char *const zones[] = {
	"+0000", "+0100", "+0200", "-0500", "-0800", "+0530", "+0900", "-0300",
};

static const char *const attach_types[] = {
	"application/pdf", "image/jpeg", "image/png",
	"application/vnd.openxmlformats-officedocument.wordprocessingml.document",
	"application/zip",
};

static const char *const attach_ext[] = {
	"pdf", "jpg", "png", "docx", "zip",
};

/* Mailbox kinds, tuned so the POP3 maildrop averages about 40 kB. */
static const struct profile prof_inbox = {
	400, 6000, 25, 4, 8 * 1024, 96 * 1024, 15
};
static const struct profile prof_pop = {
	800, 9000, 30, 45, 16 * 1024, 170 * 1024, 15
};
static const struct profile prof_small = {
	300, 3000, 20, 0, 0, 0, 10
};

static void
usage(void)
{
	fprintf(stderr, "usage: pgen [-q] -o dir [-b big] [-p pop] [-m mixusers] "
	    "[-M mixmsgs]\n            [-u smallusers] [-s smallmsgs] "
	    "[-S seed] [-U uid] [-G gid]\n");
	exit(2);
}

/* splitmix64: small, fast, and the same sequence everywhere. */
static uint64_t
rnd(void)
{
	uint64_t	z;

	z = (rng_state += 0x9e3779b97f4a7c15ULL);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static uint32_t
rnd_below(uint32_t n)
{
	return (uint32_t)(((rnd() >> 32) * (uint64_t)n) >> 32);
}

static int
rnd_pct(int pct)
{
	return (int)rnd_below(100) < pct;
}

/*
 * A size in [lo, hi] skewed towards lo (the cube of a uniform number, in
 * fixed point so every machine gets the same bytes): mean lo + (hi-lo)/4,
 * many small messages and a long tail of large ones.
 */
static size_t
rnd_skewsize(size_t lo, size_t hi)
{
	uint64_t	u, u3;

	if (hi <= lo)
		return lo;
	u = rnd() >> 43;		/* 21 bits */
	u3 = (u * u) >> 21;
	u3 = (u3 * u) >> 21;		/* u^3, 21-bit fraction */
	return lo + (size_t)(((uint64_t)(hi - lo) * u3) >> 21);
}

static void
sb_grow(struct sbuf *sb, size_t more)
{
	size_t	ncap;
	char	*np;

	if (sb->len + more + 1 <= sb->cap)
		return;
	ncap = sb->cap == 0 ? 65536 : sb->cap;
	while (ncap < sb->len + more + 1)
		ncap *= 2;
	if ((np = realloc(sb->p, ncap)) == NULL)
		err(1, "realloc");
	sb->p = np;
	sb->cap = ncap;
}

static void
sb_add(struct sbuf *sb, const char *s, size_t n)
{
	sb_grow(sb, n);
	memcpy(sb->p + sb->len, s, n);
	sb->len += n;
	sb->p[sb->len] = '\0';
}

static void
sb_puts(struct sbuf *sb, const char *s)
{
	sb_add(sb, s, strlen(s));
}

static void
sb_printf(struct sbuf *sb, const char *fmt, ...)
{
	char	tmp[512];
	va_list	ap;
	int	n;

	va_start(ap, fmt);
	n = vsnprintf(tmp, sizeof(tmp), fmt, ap);
	va_end(ap);
	if (n < 0)
		errx(1, "vsnprintf");
	if ((size_t)n < sizeof(tmp)) {
		sb_add(sb, tmp, (size_t)n);
		return;
	}
	sb_grow(sb, (size_t)n);
	va_start(ap, fmt);
	if (vsnprintf(sb->p + sb->len, (size_t)n + 1, fmt, ap) != n)
		errx(1, "vsnprintf");
	va_end(ap);
	sb->len += (size_t)n;
}

static const char *
pick(const char *const *list, size_t n)
{
	return list[rnd_below((uint32_t)n)];
}

#define PICK(a)	pick((a), sizeof(a) / sizeof((a)[0]))

static int
is_ascii(const char *s)
{
	for (; *s != '\0'; s++)
		if ((unsigned char)*s >= 0x80)
			return 0;
	return 1;
}

/* RFC 2047 Q encoding, as mail clients write display names. */
static void
encoded_word_q(struct sbuf *sb, const char *s)
{
	const unsigned char	*p;

	sb_puts(sb, "=?UTF-8?Q?");
	for (p = (const unsigned char *)s; *p != '\0'; p++) {
		if (*p == ' ')
			sb_puts(sb, "_");
		else if (*p >= 0x80 || *p == '=' || *p == '?' || *p == '_' ||
		    *p == '\'')
			sb_printf(sb, "=%02X", *p);
		else
			sb_add(sb, (const char *)p, 1);
	}
	sb_puts(sb, "?=");
}

static const char b64chars[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/* RFC 2047 B encoding, as many clients write subjects. */
static void
encoded_word_b(struct sbuf *sb, const char *s)
{
	const unsigned char	*p = (const unsigned char *)s;
	size_t			 n = strlen(s), i;
	uint32_t		 v;
	char			 q[4];

	sb_puts(sb, "=?UTF-8?B?");
	for (i = 0; i < n; i += 3) {
		v = (uint32_t)p[i] << 16;
		if (i + 1 < n)
			v |= (uint32_t)p[i + 1] << 8;
		if (i + 2 < n)
			v |= p[i + 2];
		q[0] = b64chars[(v >> 18) & 63];
		q[1] = b64chars[(v >> 12) & 63];
		q[2] = i + 1 < n ? b64chars[(v >> 6) & 63] : '=';
		q[3] = i + 2 < n ? b64chars[v & 63] : '=';
		sb_add(sb, q, 4);
	}
	sb_puts(sb, "?=");
}

/* A "Display Name" <address> pair; the address goes to addr too. */
static void
person(struct sbuf *sb, char *addr, size_t addrlen)
{
	const char	*f, *l;
	char		 name[128], local[64], *p;
	int		 n;

	f = PICK(first_names);
	l = PICK(last_names);
	n = snprintf(name, sizeof(name), "%s %s", f, l);
	if (n < 0 || (size_t)n >= sizeof(name))
		errx(1, "name too long");
	/* the local part: lowercase ASCII letters of the first name */
	n = 0;
	for (p = (char *)f; *p != '\0' && n < 20; p++)
		if ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z'))
			local[n++] = (char)(*p | 0x20);
	local[n] = '\0';
	n = snprintf(addr, addrlen, "%s.%u@%s", local, rnd_below(100),
	    PICK(domains));
	if (n < 0 || (size_t)n >= addrlen)
		errx(1, "address too long");
	if (is_ascii(name) && strchr(name, '\'') == NULL)
		sb_printf(sb, "%s <%s>", name, addr);
	else if (is_ascii(name))
		sb_printf(sb, "\"%s\" <%s>", name, addr);
	else {
		encoded_word_q(sb, name);
		sb_printf(sb, " <%s>", addr);
	}
}

static void
rfc5322_date(struct sbuf *sb, long long t, int zone)
{
	static const char	*days[] = { "Sun", "Mon", "Tue", "Wed", "Thu",
				    "Fri", "Sat" };
	static const char	*months[] = { "Jan", "Feb", "Mar", "Apr",
				    "May", "Jun", "Jul", "Aug", "Sep", "Oct",
				    "Nov", "Dec" };
	const char	*z = zones[zone];
	long		 off;
	time_t		 lt;
	struct tm	 tm;

	off = ((z[1] - '0') * 10 + (z[2] - '0')) * 3600L +
	    ((z[3] - '0') * 10 + (z[4] - '0')) * 60L;
	if (z[0] == '-')
		off = -off;
	lt = (time_t)(t + off);
	if (gmtime_r(&lt, &tm) == NULL)
		errx(1, "gmtime_r");
	sb_printf(sb, "%s, %d %s %d %02d:%02d:%02d %s", days[tm.tm_wday],
	    tm.tm_mday, months[tm.tm_mon], tm.tm_year + 1900, tm.tm_hour,
	    tm.tm_min, tm.tm_sec, z);
}

/*
 * Plain text of about size bytes, in sentences and paragraphs wrapped
 * at 72 columns.  utf8 mixes in accented words; *hit is set when the
 * search word was put in.
 */
static void
text_body(struct sbuf *sb, size_t size, int utf8, int *hit)
{
	size_t	start = sb->len, col = 0, wl;
	int	inpara = 0, sentence = 0, first = 1, words_left;
	char	w[64];
	const char *src;

	words_left = 8 + (int)rnd_below(12);
	while (sb->len - start < size) {
		if (utf8 && rnd_below(25) == 0)
			src = PICK(words8);
		else
			src = PICK(words);
		if (strlcpy(w, src, sizeof(w)) >= sizeof(w))
			errx(1, "word too long");
		if (*hit == 0 && rnd_below(30000) == 0) {
			strlcpy(w, SEARCH_WORD, sizeof(w));
			*hit = 1;
		}
		if (first && w[0] >= 'a' && w[0] <= 'z')
			w[0] = (char)(w[0] - 'a' + 'A');
		wl = strlen(w);
		if (col > 0 && col + 1 + wl > 72) {
			sb_puts(sb, "\n");
			col = 0;
		} else if (col > 0) {
			sb_puts(sb, " ");
			col++;
		}
		sb_add(sb, w, wl);
		col += wl;
		first = 0;
		inpara = 1;
		if (--words_left == 0) {
			sb_puts(sb, rnd_below(8) == 0 ? "?" : ".");
			col++;
			first = 1;
			words_left = 8 + (int)rnd_below(12);
			if (++sentence >= 3 + (int)rnd_below(4)) {
				sb_puts(sb, "\n\n");
				col = 0;
				sentence = 0;
				inpara = 0;
			}
		}
	}
	if (inpara)
		sb_puts(sb, ".\n");
}

/* Quoted-printable (RFC 2045) of text whose lines are short already. */
static void
qp_encode(struct sbuf *sb, const char *s, size_t n)
{
	size_t	i;
	unsigned char	c;

	for (i = 0; i < n; i++) {
		c = (unsigned char)s[i];
		if (c >= 0x80 || c == '=')
			sb_printf(sb, "=%02X", c);
		else
			sb_add(sb, (const char *)&c, 1);
	}
}

/* The HTML twin of a text part: its paragraphs in <p> elements. */
static void
html_body(struct sbuf *sb, const char *text, size_t n)
{
	size_t	i;

	sb_puts(sb, "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\">"
	    "<style>p { font-family: sans-serif; }</style></head>\n<body>\n"
	    "<p>");
	for (i = 0; i < n; i++) {
		if (text[i] == '\n' && i + 1 < n && text[i + 1] == '\n') {
			sb_puts(sb, "</p>\n<p>");
			i++;
		} else if (text[i] == '<')
			sb_puts(sb, "&lt;");
		else if (text[i] == '&')
			sb_puts(sb, "&amp;");
		else
			sb_add(sb, text + i, 1);
	}
	sb_puts(sb, "</p>\n</body></html>\n");
}

/*
 * n bytes of incompressible data in base64 lines of 76 characters;
 * lines after the first start with indent (folding inside a header).
 */
static void
base64_block(struct sbuf *sb, size_t n, const char *indent)
{
	size_t		i, col = 0;
	uint64_t	r = 0;
	int		have = 0;
	uint32_t	v;
	char		q[4];

	for (i = 0; i < n; i += 3) {
		if (have < 24) {
			r = rnd();
			have = 64;
		}
		v = (uint32_t)(r & 0xffffff);
		r >>= 24;
		have -= 24;
		q[0] = b64chars[(v >> 18) & 63];
		q[1] = b64chars[(v >> 12) & 63];
		q[2] = i + 1 < n ? b64chars[(v >> 6) & 63] : '=';
		q[3] = i + 2 < n ? b64chars[v & 63] : '=';
		sb_add(sb, q, 4);
		col += 4;
		if (col == 76 && i + 3 < n) {
			sb_puts(sb, "\n");
			sb_puts(sb, indent);
			col = 0;
		}
	}
	sb_puts(sb, "\n");
}

/* Expand a subject template. */
static void
subject(struct sbuf *sb, const char *tmpl, const char *word)
{
	const char	*p;

	for (p = tmpl; *p != '\0'; p++) {
		if (*p == '@')
			sb_puts(sb, word);
		else if (*p == '#')
			sb_printf(sb, "%u", 1000 + rnd_below(90000));
		else
			sb_add(sb, p, 1);
	}
}

/* The header of one message, up to and without the MIME part. */
static void
headers(struct sbuf *sb, const char *user, long long t, int zone, int idx,
    const char *subject_word)
{
	char	from[128], to[128], msgid[128];
	const char *fromdom;
	int	hops, i, n;
	long long ht;

	hops = 1 + (int)rnd_below(3);
	sb_printf(sb, "Return-Path: <bounce-%u@%s>\n", rnd_below(100000),
	    PICK(domains));
	sb_printf(sb, "Delivered-To: %s@example.org\n", user);
	for (i = 0; i < hops; i++) {
		ht = t + (hops - i) * 2;
		fromdom = PICK(domains);
		sb_printf(sb, "Received: from mail%u.%s (mail%u.%s "
		    "[198.51.100.%u])\n\tby %s (Postfix) with ESMTPS id "
		    "%08X\n\tfor <%s@example.org>; ", i, fromdom, i,
		    fromdom, 1 + rnd_below(254),
		    i == 0 ? "mx.example.org" : "relay.example.net",
		    (unsigned)(rnd() >> 32), user);
		rfc5322_date(sb, ht, zone);
		sb_puts(sb, "\n");
	}
	if (rnd_pct(50)) {
		sb_printf(sb, "DKIM-Signature: v=1; a=rsa-sha256; "
		    "c=relaxed/relaxed; d=%s;\n\ts=sel%u; t=%lld; "
		    "h=from:to:subject:date:message-id;\n\tbh=", PICK(domains),
		    rnd_below(4), t);
		base64_block(sb, 32, "");
		sb->len--;	/* the newline of the one short line */
		sb_puts(sb, ";\n\tb=");
		base64_block(sb, 256, "\t");
	}
	sb_puts(sb, "From: ");
	person(sb, from, sizeof(from));
	sb_puts(sb, "\n");
	sb_printf(sb, "To: %s <%s@example.org>", user, user);
	n = (int)rnd_below(4);
	for (i = 0; i < n; i++) {
		sb_puts(sb, ",\n\t");
		person(sb, to, sizeof(to));
	}
	sb_puts(sb, "\n");
	if (rnd_pct(20)) {
		sb_puts(sb, "Cc: ");
		person(sb, to, sizeof(to));
		sb_puts(sb, "\n");
	}
	sb_puts(sb, "Subject: ");
	if (rnd_pct(12)) {
		struct sbuf	s8 = { NULL, 0, 0 };

		subject(&s8, PICK(subjects8), subject_word);
		encoded_word_b(sb, s8.p);
		free(s8.p);
	} else {
		if (rnd_pct(30))
			sb_puts(sb, "Re: ");
		subject(sb, PICK(subjects), subject_word);
	}
	sb_puts(sb, "\nDate: ");
	rfc5322_date(sb, t, zone);
	sb_puts(sb, "\n");
	n = snprintf(msgid, sizeof(msgid), "<%016" PRIx64 ".%d@%s>", rnd(),
	    idx, strchr(from, '@') + 1);
	if (n < 0 || (size_t)n >= sizeof(msgid))
		errx(1, "message-id too long");
	sb_printf(sb, "Message-ID: %s\n", msgid);
	if (last_msgid[0] != '\0' && rnd_pct(30)) {
		sb_printf(sb, "In-Reply-To: %s\n", last_msgid);
		sb_printf(sb, "References: %s\n", last_msgid);
	}
	strlcpy(last_msgid, msgid, sizeof(last_msgid));
	if (rnd_pct(60))
		sb_printf(sb, "User-Agent: %s\n", PICK(mailers));
	sb_puts(sb, "MIME-Version: 1.0\n");
}

/* One whole message; *hit tells whether it holds the search word. */
static void
message(struct sbuf *sb, const struct mbox *mb, int idx, long long t,
    int *hit)
{
	const struct profile *pr = mb->prof;
	struct sbuf	 text = { NULL, 0, 0 };
	size_t		 tsize, asize;
	int		 zone, utf8, alt, attach, k;
	char		 bnd_mix[64], bnd_alt[64];
	uint32_t	 id = (uint32_t)rnd();

	zone = (int)rnd_below(sizeof(zones) / sizeof(zones[0]));
	utf8 = rnd_pct(pr->qp_pct);
	alt = rnd_pct(pr->alt_pct);
	attach = rnd_pct(pr->attach_pct);
	tsize = rnd_skewsize(pr->text_min, pr->text_max);
	*hit = 0;

	headers(sb, mb->name, t, zone, idx, PICK(words));
	text_body(&text, tsize, utf8, hit);
	if (rnd_pct(30)) {
		/* a quoted earlier message, as replies carry */
		struct sbuf	q = { NULL, 0, 0 };
		size_t		i;

		sb_puts(&text, "\nOn an earlier day, someone wrote:\n> ");
		text_body(&q, 200 + rnd_below(1200), 0, hit);
		for (i = 0; i < q.len; i++) {
			sb_add(&text, q.p + i, 1);
			if (q.p[i] == '\n' && i + 1 < q.len)
				sb_puts(&text, "> ");
		}
		free(q.p);
	}
	sb_printf(&text, "\n-- \n%s\nExample Corp, %u Main Street\n",
	    PICK(first_names), 1 + rnd_below(999));

	k = snprintf(bnd_mix, sizeof(bnd_mix), "=_mix_%08x", id);
	if (k < 0 || (size_t)k >= sizeof(bnd_mix))
		errx(1, "boundary");
	k = snprintf(bnd_alt, sizeof(bnd_alt), "=_alt_%08x", id);
	if (k < 0 || (size_t)k >= sizeof(bnd_alt))
		errx(1, "boundary");

	if (attach) {
		sb_printf(sb, "Content-Type: multipart/mixed; "
		    "boundary=\"%s\"\n\nThis is a multi-part message in MIME "
		    "format.\n\n--%s\n", bnd_mix, bnd_mix);
	}
	if (alt)
		sb_printf(sb, "Content-Type: multipart/alternative; "
		    "boundary=\"%s\"\n\n--%s\n", bnd_alt, bnd_alt);
	if (utf8) {
		sb_puts(sb, "Content-Type: text/plain; charset=UTF-8\n"
		    "Content-Transfer-Encoding: quoted-printable\n\n");
		qp_encode(sb, text.p, text.len);
	} else {
		sb_puts(sb, "Content-Type: text/plain; charset=us-ascii\n"
		    "Content-Transfer-Encoding: 7bit\n\n");
		sb_add(sb, text.p, text.len);
	}
	if (alt) {
		struct sbuf	h = { NULL, 0, 0 };

		html_body(&h, text.p, text.len);
		sb_printf(sb, "\n--%s\nContent-Type: text/html; "
		    "charset=UTF-8\nContent-Transfer-Encoding: "
		    "quoted-printable\n\n", bnd_alt);
		qp_encode(sb, h.p, h.len);
		sb_printf(sb, "\n--%s--\n", bnd_alt);
		free(h.p);
	}
	if (attach) {
		int	a = (int)rnd_below(sizeof(attach_types) /
		    sizeof(attach_types[0]));

		asize = rnd_skewsize(pr->attach_min, pr->attach_max);
		sb_printf(sb, "\n--%s\nContent-Type: %s; name=\"file-%d.%s\"\n"
		    "Content-Disposition: attachment; filename=\"file-%d.%s\"\n"
		    "Content-Transfer-Encoding: base64\n\n", bnd_mix,
		    attach_types[a], idx, attach_ext[a], idx, attach_ext[a]);
		base64_block(sb, asize, "");
		sb_printf(sb, "\n--%s--\n", bnd_mix);
	}
	free(text.p);
}

/* snprintf into a PATH_MAX buffer; a path that does not fit is fatal. */
static void
pathf(char *buf, const char *fmt, ...)
{
	va_list	ap;
	int	n;

	va_start(ap, fmt);
	n = vsnprintf(buf, PATH_MAX, fmt, ap);
	va_end(ap);
	if (n < 0 || n >= PATH_MAX)
		errx(1, "path too long");
}

static void
xmkdir(const char *path)
{
	if (mkdir(path, 0700) == -1)
		err(1, "mkdir %s", path);
	if (chown(path, opt_uid, opt_gid) == -1)
		err(1, "chown %s", path);
}

/* Write a message file owned by the user, dated t as a deliverer would. */
static void
xwrite_file(const char *path, const struct sbuf *sb, long long t)
{
	struct timespec	ts[2];
	size_t		off = 0;
	ssize_t		n;
	int		fd;

	if ((fd = open(path, O_WRONLY | O_CREAT | O_EXCL, 0600)) == -1)
		err(1, "open %s", path);
	while (off < sb->len) {
		if ((n = write(fd, sb->p + off, sb->len - off)) == -1) {
			if (errno == EINTR)
				continue;
			err(1, "write %s", path);
		}
		off += (size_t)n;
	}
	if (fchown(fd, opt_uid, opt_gid) == -1)
		err(1, "fchown %s", path);
	ts[0].tv_sec = ts[1].tv_sec = (time_t)t;
	ts[0].tv_nsec = ts[1].tv_nsec = 0;
	if (futimens(fd, ts) == -1)
		err(1, "futimens %s", path);
	if (close(fd) == -1)
		err(1, "close %s", path);
}

static void
make_mbox(const char *home, struct mbox *mb)
{
	struct sbuf	 sb = { NULL, 0, 0 };
	char		 path[PATH_MAX], md[PATH_MAX], flags[8];
	long long	 t;
	int		 i, hit, f;

	pathf(path, "%s/%s", home, mb->name);
	xmkdir(path);
	pathf(md, "%s/%s/Maildir", home, mb->name);
	xmkdir(md);
	pathf(path, "%s/cur", md);
	xmkdir(path);
	pathf(path, "%s/new", md);
	xmkdir(path);
	pathf(path, "%s/tmp", md);
	xmkdir(path);

	last_msgid[0] = '\0';
	for (i = 0; i < mb->count; i++) {
		t = BASE_TIME - SPAN + (long long)i * SPAN / mb->count +
		    rnd_below(600);
		sb.len = 0;
		message(&sb, mb, i, t, &hit);
		mb->bytes += sb.len;
		mb->hits += hit;
		if (i >= mb->count - mb->in_new) {
			pathf(path, "%s/new/%lld.M%06dP%d.bench.example.org",
			    md, t, i % 1000000, i);
		} else {
			f = 0;
			if (rnd_pct(3))
				flags[f++] = 'F';
			if (rnd_pct(8))
				flags[f++] = 'R';
			if (rnd_pct(mb->seen_pct))
				flags[f++] = 'S';
			flags[f] = '\0';
			pathf(path,
			    "%s/cur/%lld.M%06dP%d.bench.example.org:2,%s", md,
			    t, i % 1000000, i, flags);
		}
		xwrite_file(path, &sb, t);
	}
	free(sb.p);
}

/*
 * The user's passwd-file line, in the format Dovecot and postern share;
 * @HOME@ is replaced by the harness with the directory of each server's
 * copy.  The password is "pw-" and the name.
 */
static void
passwd_line(FILE *fp, const char *name)
{
	static struct crypt_data cd;
	char		 pw[128], setting[32];
	const char	*h;
	int		 i;

	snprintf(pw, sizeof(pw), "pw-%s", name);
	strlcpy(setting, "$6$", sizeof(setting));
	for (i = 0; i < 16; i++)
		setting[3 + i] = "./0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"
		    "abcdefghijklmnopqrstuvwxyz"[rnd_below(64)];
	setting[19] = '\0';
	memset(&cd, 0, sizeof(cd));
	if ((h = crypt_r(pw, setting, &cd)) == NULL || h[0] == '*')
		errx(1, "crypt_r failed for %s", name);
	if (fprintf(fp, "%s:%s:%u:%u::@HOME@/%s::\n", name, h,
	    (unsigned)opt_uid, (unsigned)opt_gid, name) < 0)
		err(1, "passwd");
}

int
main(int argc, char *argv[])
{
	const char	*out = NULL, *errstr;
	int		 nbig = 100000, npop = 10000, nmix = 50, mixmsgs = 200;
	int		 nsmall = 1000, smallmsgs = 10, ch, i, query = 0;
	uint64_t	 seed = 20240101;
	char		 home[PATH_MAX], path[PATH_MAX], name[32], params[256];
	struct mbox	 mb;
	FILE		*pw, *sum;

	while ((ch = getopt(argc, argv, "b:G:m:M:o:p:qs:S:u:U:")) != -1) {
		switch (ch) {
		case 'b':
			nbig = (int)strtonum(optarg, 0, 10000000, &errstr);
			if (errstr != NULL)
				errx(2, "-b %s: %s", optarg, errstr);
			break;
		case 'G':
			opt_gid = (gid_t)strtonum(optarg, 1, 1000000000,
			    &errstr);
			if (errstr != NULL)
				errx(2, "-G %s: %s", optarg, errstr);
			break;
		case 'm':
			nmix = (int)strtonum(optarg, 0, 1000, &errstr);
			if (errstr != NULL)
				errx(2, "-m %s: %s", optarg, errstr);
			break;
		case 'M':
			mixmsgs = (int)strtonum(optarg, 1, 1000000, &errstr);
			if (errstr != NULL)
				errx(2, "-M %s: %s", optarg, errstr);
			break;
		case 'o':
			out = optarg;
			break;
		case 'q':
			query = 1;
			break;
		case 'p':
			npop = (int)strtonum(optarg, 0, 10000000, &errstr);
			if (errstr != NULL)
				errx(2, "-p %s: %s", optarg, errstr);
			break;
		case 's':
			smallmsgs = (int)strtonum(optarg, 1, 100000, &errstr);
			if (errstr != NULL)
				errx(2, "-s %s: %s", optarg, errstr);
			break;
		case 'S':
			seed = (uint64_t)strtonum(optarg, 0, LLONG_MAX, &errstr);
			if (errstr != NULL)
				errx(2, "-S %s: %s", optarg, errstr);
			break;
		case 'u':
			nsmall = (int)strtonum(optarg, 0, 100000, &errstr);
			if (errstr != NULL)
				errx(2, "-u %s: %s", optarg, errstr);
			break;
		case 'U':
			opt_uid = (uid_t)strtonum(optarg, 1, 1000000000,
			    &errstr);
			if (errstr != NULL)
				errx(2, "-U %s: %s", optarg, errstr);
			break;
		default:
			usage();
		}
	}
	if (optind != argc)
		usage();
	/*
	 * The parameters line tells a cached data set from a stale one;
	 * -q prints what it would be for these options.
	 */
	if (snprintf(params, sizeof(params), "pgen %d seed=%" PRIu64 " b=%d "
	    "p=%d m=%d M=%d u=%d s=%d uid=%u gid=%u\n", PGEN_VERSION, seed,
	    nbig, npop, nmix, mixmsgs, nsmall, smallmsgs, (unsigned)opt_uid,
	    (unsigned)opt_gid) >= (int)sizeof(params))
		errx(1, "parameters too long");
	if (query) {
		fputs(params, stdout);
		return 0;
	}
	if (out == NULL)
		usage();

	if (mkdir(out, 0755) == -1)
		err(1, "mkdir %s", out);
	pathf(home, "%s/home", out);
	if (mkdir(home, 0755) == -1)
		err(1, "mkdir %s", home);
	pathf(path, "%s/passwd", out);
	if ((pw = fopen(path, "w")) == NULL)
		err(1, "%s", path);
	pathf(path, "%s/summary", out);
	if ((sum = fopen(path, "w")) == NULL)
		err(1, "%s", path);

	/*
	 * Each mailbox draws from its own stream, so changing the size of
	 * one leaves the others' bytes as they were.
	 */
	memset(&mb, 0, sizeof(mb));
	if (nbig > 0) {
		rng_state = seed ^ 0x1000;
		mb = (struct mbox){ "big", nbig, &prof_inbox, 92, 0, 0, 0 };
		make_mbox(home, &mb);
		passwd_line(pw, mb.name);
		fprintf(sum, "big %d %" PRIu64 " %d\n", mb.count, mb.bytes,
		    mb.hits);
	}
	if (npop > 0) {
		rng_state = seed ^ 0x2000;
		mb = (struct mbox){ "pop", npop, &prof_pop, 0, npop, 0, 0 };
		make_mbox(home, &mb);
		passwd_line(pw, mb.name);
		fprintf(sum, "pop %d %" PRIu64 " %d\n", mb.count, mb.bytes,
		    mb.hits);
	}
	for (i = 0; i < nmix; i++) {
		rng_state = seed ^ (0x30000 + (uint64_t)i);
		snprintf(name, sizeof(name), "mix%03d", i);
		mb = (struct mbox){ name, mixmsgs, &prof_inbox, 70, 5, 0, 0 };
		make_mbox(home, &mb);
		passwd_line(pw, mb.name);
		fprintf(sum, "%s %d %" PRIu64 " %d\n", name, mb.count,
		    mb.bytes, mb.hits);
	}
	for (i = 0; i < nsmall; i++) {
		rng_state = seed ^ (0x400000 + (uint64_t)i);
		snprintf(name, sizeof(name), "u%05d", i);
		mb = (struct mbox){ name, smallmsgs, &prof_small, 60,
		    smallmsgs / 2, 0, 0 };
		make_mbox(home, &mb);
		passwd_line(pw, mb.name);
		fprintf(sum, "%s %d %" PRIu64 " %d\n", name, mb.count,
		    mb.bytes, mb.hits);
	}
	if (fclose(pw) == EOF || fclose(sum) == EOF)
		err(1, "fclose");
	pathf(path, "%s/params", out);
	if ((pw = fopen(path, "w")) == NULL)
		err(1, "%s", path);
	fputs(params, pw);
	if (fclose(pw) == EOF)
		err(1, "fclose");
	return 0;
}
