/*
 * Unit tests for posternd's configuration: parse.y's grammar, defaults,
 * inheritance, listeners, macros and include, every kind of error with
 * its exact FILE:LINE message, trusted-network matching, and
 * conf_print()'s output parsing back to itself.  Each case writes its
 * config files into the test's own work directory.
 */

#include <sys/types.h>
#include <sys/socket.h>
#include <sys/stat.h>

#include <netinet/in.h>
#include <arpa/inet.h>

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/tls1.h>

#include <atf-c.h>

#include "conf.h"

static void
write_file(const char *name, const char *text)
{
	FILE	*fp;

	ATF_REQUIRE((fp = fopen(name, "w")) != NULL);
	ATF_REQUIRE(fputs(text, fp) >= 0);
	ATF_REQUIRE(fclose(fp) == 0);
}

static char *
read_file(const char *name)
{
	FILE	*fp;
	char	*buf;
	long	 len;

	ATF_REQUIRE((fp = fopen(name, "r")) != NULL);
	ATF_REQUIRE(fseek(fp, 0, SEEK_END) == 0);
	ATF_REQUIRE((len = ftell(fp)) >= 0);
	rewind(fp);
	ATF_REQUIRE((buf = calloc(1, len + 1)) != NULL);
	ATF_REQUIRE(fread(buf, 1, len, fp) == (size_t)len);
	fclose(fp);
	return buf;
}

/* Parse name with stderr sent to a file; *errs gets what was printed. */
static struct postern_conf *
parse_capture(const char *name, char **errs)
{
	struct postern_conf	*conf;
	int			 save, fd;

	fflush(stderr);
	ATF_REQUIRE((save = dup(STDERR_FILENO)) != -1);
	ATF_REQUIRE((fd = open("stderr.out", O_WRONLY | O_CREAT | O_TRUNC,
	    0644)) != -1);
	ATF_REQUIRE(dup2(fd, STDERR_FILENO) != -1);
	close(fd);
	conf = parse_config(name, 0);
	fflush(stderr);
	ATF_REQUIRE(dup2(save, STDERR_FILENO) != -1);
	close(save);
	*errs = read_file("stderr.out");
	return conf;
}

/* The text must parse cleanly. */
static struct postern_conf *
parse_text(const char *text)
{
	struct postern_conf	*conf;
	char			*errs;

	write_file("postern.conf", text);
	conf = parse_capture("postern.conf", &errs);
	if (conf == NULL)
		atf_tc_fail("parse failed:\n%s", errs);
	ATF_CHECK_STREQ(errs, "");
	free(errs);
	return conf;
}

/* The text must fail with exactly these messages. */
static void
check_errors(const char *text, const char *expected)
{
	struct postern_conf	*conf;
	char			*errs;

	write_file("postern.conf", text);
	conf = parse_capture("postern.conf", &errs);
	ATF_CHECK_MSG(conf == NULL, "parsed although wrong: %s", text);
	conf_free(conf);
	ATF_CHECK_STREQ_MSG(errs, expected, "for config:\n%s", text);
	free(errs);
}

static char *
print_conf(const struct postern_conf *conf, int proto)
{
	char	*buf = NULL;
	size_t	 len = 0;
	FILE	*fp;

	ATF_REQUIRE((fp = open_memstream(&buf, &len)) != NULL);
	conf_print(conf, fp, proto);
	ATF_REQUIRE(fclose(fp) == 0);
	return buf;
}

static int
count_listeners(const struct proto_conf *pc)
{
	struct listen_addr	*la;
	int			 n = 0;

	TAILQ_FOREACH(la, &pc->listeners, entry)
		n++;
	return n;
}

/* Is there a listener of family af on port with this tls flag? */
static struct listen_addr *
find_listener(const struct proto_conf *pc, const char *addr, int port,
    int tls)
{
	struct listen_addr	*la;
	char			 buf[P_ADDRLEN];

	TAILQ_FOREACH(la, &pc->listeners, entry) {
		conf_fmt_addr((struct sockaddr *)&la->ss, buf, sizeof(buf));
		if (strcmp(buf, addr) == 0 && la->port == port &&
		    la->tls == tls)
			return la;
	}
	return NULL;
}

ATF_TC_WITHOUT_HEAD(defaults);
ATF_TC_BODY(defaults, tc)
{
	struct postern_conf	*conf;
	struct proto_conf	*pop3;
	struct listen_addr	*la;
	char			 host[P_NAMELEN];

	conf = parse_text("# nothing but a comment\n");
	ATF_CHECK_STREQ(conf->file, "postern.conf");
	ATF_CHECK_STREQ(conf->user, "_postern");
	ATF_CHECK_STREQ(conf->chroot, "/var/empty/postern");
	ATF_CHECK_STREQ(conf->pidfile, "/run/posternd.pid");
	ATF_CHECK_STREQ(conf->control_socket, "/run/posternd.sock");
	ATF_CHECK_STREQ(conf->libexec_dir, CONF_LIBEXEC);
	ATF_CHECK_STREQ(conf->cert_dir, "/etc/postern/certs");
	ATF_CHECK_STREQ(conf->access_file, "/etc/postern/access");
	ATF_CHECK_STREQ(conf->mail_location, "~/Maildir");
	ATF_REQUIRE(gethostname(host, sizeof(host)) == 0);
	ATF_CHECK_STREQ(conf->hostname, host);
	ATF_CHECK_EQ(conf->first_valid_uid, 1000);
	ATF_CHECK_EQ(conf->ipv6_prefix, 64);
	ATF_CHECK_EQ(conf->failure_delay_ms, 2000);
	ATF_CHECK_EQ(conf->failure_delay_max_ms, 15000);
	ATF_CHECK_EQ(conf->auth_cache_ttl, 300);
	ATF_CHECK_EQ(conf->auth_cache_size, 10000);
	ATF_CHECK_EQ(conf->tls_min_version, TLS1_2_VERSION);
	ATF_CHECK_STREQ(conf->tls_ciphers, CONF_TLS_CIPHERS);
	ATF_CHECK_STREQ(conf->tls_ciphersuites, CONF_TLS_CIPHERSUITES);
	ATF_CHECK(TAILQ_EMPTY(&conf->trusted));
	ATF_CHECK_EQ(conf->nbackends, 1);
	ATF_CHECK_EQ(conf->backends[0].type, AUTH_BACKEND_PAM);
	ATF_CHECK_STREQ(conf->backends[0].arg, "postern");

	/* No block at all: pop3 and imap, on their standard listeners. */
	pop3 = &conf->protos[PROTO_POP3];
	ATF_CHECK_EQ(pop3->enabled, 1);
	ATF_CHECK_EQ(pop3->proto, PROTO_POP3);
	ATF_CHECK_EQ(conf->protos[PROTO_IMAP].enabled, 1);
	ATF_CHECK_EQ(conf->protos[PROTO_SUBMISSION].enabled, 0);
	ATF_CHECK(!TAILQ_EMPTY(&conf->protos[PROTO_IMAP].listeners));
	ATF_CHECK(TAILQ_EMPTY(&conf->protos[PROTO_SUBMISSION].listeners));
	ATF_CHECK_STREQ(pop3->banner, "");
	ATF_CHECK_EQ(pop3->login_type, LOGIN_SECURE);
	ATF_CHECK_EQ(pop3->max_connections, 2000);
	ATF_CHECK_EQ(pop3->max_connections_per_ip, 20);
	ATF_CHECK_EQ(pop3->max_connections_per_user, 10);
	ATF_CHECK_EQ(pop3->idle_timeout, 600);
	ATF_CHECK_EQ(pop3->login_timeout, 60);
	ATF_CHECK_EQ(pop3->max_auth_attempts, 3);
	ATF_CHECK_STREQ(pop3->certificate, "");
	ATF_CHECK_STREQ(pop3->key, "");
	ATF_CHECK_EQ(pop3->pop3_expire, -1);
	ATF_CHECK_EQ(pop3->pop3_login_delay, -1);
	ATF_CHECK_EQ(conf->defaults.idle_timeout, 0);

	ATF_CHECK_EQ(count_listeners(pop3), 4);
	ATF_CHECK(find_listener(pop3, "*", 110, 0) != NULL);
	ATF_CHECK(find_listener(pop3, "*", 995, 1) != NULL);
	ATF_CHECK(find_listener(pop3, "::", 110, 0) != NULL);
	ATF_CHECK(find_listener(pop3, "::", 995, 1) != NULL);
	TAILQ_FOREACH(la, &pop3->listeners, entry) {
		ATF_CHECK_EQ(la->fd, -1);
		if (la->ss.ss_family == AF_INET) {
			ATF_CHECK_EQ(la->sslen, sizeof(struct sockaddr_in));
			ATF_CHECK_EQ(ntohs(((struct sockaddr_in *)
			    &la->ss)->sin_port), la->port);
			ATF_CHECK_STREQ(la->host, "*");
		} else {
			ATF_CHECK_EQ(la->ss.ss_family, AF_INET6);
			ATF_CHECK_EQ(la->sslen, sizeof(struct sockaddr_in6));
			ATF_CHECK_EQ(ntohs(((struct sockaddr_in6 *)
			    &la->ss)->sin6_port), la->port);
			ATF_CHECK_STREQ(la->host, "::");
		}
	}
	conf_free(conf);
}

ATF_TC_WITHOUT_HEAD(every_keyword);
ATF_TC_BODY(every_keyword, tc)
{
	struct postern_conf	*conf;
	struct proto_conf	*pc;

	conf = parse_text(
	    "user \"mailer\"\n"
	    "chroot \"/var/empty/x\"\n"
	    "pidfile \"/tmp/p.pid\"\n"
	    "control-socket \"/tmp/p.sock\"\n"
	    "libexec-dir \"/opt/postern/libexec\"\n"
	    "certificate-dir \"/etc/x/certs\"\n"
	    "access-file \"/etc/x/access\"\n"
	    "hostname \"mail.example.org\"\n"
	    "first-valid-uid 500\n"
	    "mail-location \"maildir:~/Mail/box\"\n"
	    "auth passwd-file \"/etc/x/passwd\"\n"
	    "auth pam\n"
	    "auth pam \"other\"\n"
	    "failure-delay 3s\n"
	    "failure-delay-max 1m\n"
	    "auth-cache-ttl 90s\n"
	    "auth-cache-size 250\n"
	    "trusted-networks 10.0.0.0/8\n"
	    "trusted-networks { 192.168.1.0/24, 2001:db8::/32\n"
	    "    127.0.0.1 }\n"
	    "ipv6-prefix 56\n"
	    "tls-min-version tls1.3\n"
	    "tls-ciphers \"HIGH:!aNULL\"\n"
	    "tls-ciphersuites \"TLS_AES_256_GCM_SHA384\"\n"
	    "banner \"Welcome\"\n"
	    "login-type plaintext-auth\n"
	    "max-connections 100\n"
	    "max-connections-per-ip 5\n"
	    "max-connections-per-user 4\n"
	    "idle-timeout 1h\n"
	    "login-timeout 30s\n"
	    "max-auth-attempts 2\n"
	    "certificate \"/etc/x/a.crt\" key \"/etc/x/a.key\"\n"
	    "pop3 {\n"
	    "\tlisten on 127.0.0.1 port 1110\n"
	    "\tbanner \"POP here\"\n"
	    "\tlogin-type plaintext-login\n"
	    "\tmax-connections 50\n"
	    "\tmax-connections-per-ip 3\n"
	    "\tmax-connections-per-user 2\n"
	    "\tidle-timeout 15m\n"
	    "\tlogin-timeout 45\n"
	    "\tmax-auth-attempts 5\n"
	    "\tcertificate \"pop.crt\" key \"pop.key\"\n"
	    "\texpire 30\n"
	    "\tlogin-delay 300\n"
	    "}\n"
	    "imap {\n"
	    "\tlisten on 127.0.0.1 port 1143\n"
	    "}\n"
	    "submission {\n"
	    "\tlisten on 127.0.0.1 port 1587\n"
	    "\tidle-timeout 2m\n"
	    "}\n");

	ATF_CHECK_STREQ(conf->user, "mailer");
	ATF_CHECK_STREQ(conf->chroot, "/var/empty/x");
	ATF_CHECK_STREQ(conf->pidfile, "/tmp/p.pid");
	ATF_CHECK_STREQ(conf->control_socket, "/tmp/p.sock");
	ATF_CHECK_STREQ(conf->libexec_dir, "/opt/postern/libexec");
	ATF_CHECK_STREQ(conf->cert_dir, "/etc/x/certs");
	ATF_CHECK_STREQ(conf->access_file, "/etc/x/access");
	ATF_CHECK_STREQ(conf->hostname, "mail.example.org");
	ATF_CHECK_EQ(conf->first_valid_uid, 500);
	ATF_CHECK_STREQ(conf->mail_location, "~/Mail/box");
	ATF_REQUIRE_EQ(conf->nbackends, 3);
	ATF_CHECK_EQ(conf->backends[0].type, AUTH_BACKEND_PASSWD);
	ATF_CHECK_STREQ(conf->backends[0].arg, "/etc/x/passwd");
	ATF_CHECK_EQ(conf->backends[1].type, AUTH_BACKEND_PAM);
	ATF_CHECK_STREQ(conf->backends[1].arg, "postern");
	ATF_CHECK_EQ(conf->backends[2].type, AUTH_BACKEND_PAM);
	ATF_CHECK_STREQ(conf->backends[2].arg, "other");
	ATF_CHECK_EQ(conf->failure_delay_ms, 3000);
	ATF_CHECK_EQ(conf->failure_delay_max_ms, 60000);
	ATF_CHECK_EQ(conf->auth_cache_ttl, 90);
	ATF_CHECK_EQ(conf->auth_cache_size, 250);
	ATF_CHECK_EQ(conf->ipv6_prefix, 56);
	ATF_CHECK_EQ(conf->tls_min_version, TLS1_3_VERSION);
	ATF_CHECK_STREQ(conf->tls_ciphers, "HIGH:!aNULL");
	ATF_CHECK_STREQ(conf->tls_ciphersuites, "TLS_AES_256_GCM_SHA384");

	ATF_CHECK_STREQ(conf->defaults.banner, "Welcome");
	ATF_CHECK_EQ(conf->defaults.idle_timeout, 3600);
	ATF_CHECK_STREQ(conf->defaults.certificate, "/etc/x/a.crt");

	pc = &conf->protos[PROTO_POP3];
	ATF_CHECK_EQ(pc->enabled, 1);
	ATF_CHECK_EQ(count_listeners(pc), 1);
	ATF_CHECK(find_listener(pc, "127.0.0.1", 1110, 0) != NULL);
	ATF_CHECK_STREQ(pc->banner, "POP here");
	ATF_CHECK_EQ(pc->login_type, LOGIN_PLAINTEXT_LOGIN);
	ATF_CHECK_EQ(pc->max_connections, 50);
	ATF_CHECK_EQ(pc->max_connections_per_ip, 3);
	ATF_CHECK_EQ(pc->max_connections_per_user, 2);
	ATF_CHECK_EQ(pc->idle_timeout, 900);
	ATF_CHECK_EQ(pc->login_timeout, 45);
	ATF_CHECK_EQ(pc->max_auth_attempts, 5);
	/* Relative names are files in certificate-dir. */
	ATF_CHECK_STREQ(pc->certificate, "/etc/x/certs/pop.crt");
	ATF_CHECK_STREQ(pc->key, "/etc/x/certs/pop.key");
	ATF_CHECK_EQ(pc->pop3_expire, 30);
	ATF_CHECK_EQ(pc->pop3_login_delay, 300);

	/* imap sets nothing: everything global. */
	pc = &conf->protos[PROTO_IMAP];
	ATF_CHECK_EQ(pc->enabled, 1);
	ATF_CHECK_STREQ(pc->banner, "Welcome");
	ATF_CHECK_EQ(pc->login_type, LOGIN_PLAINTEXT_AUTH);
	ATF_CHECK_EQ(pc->max_connections, 100);
	ATF_CHECK_EQ(pc->max_connections_per_ip, 5);
	ATF_CHECK_EQ(pc->max_connections_per_user, 4);
	ATF_CHECK_EQ(pc->idle_timeout, 3600);
	ATF_CHECK_EQ(pc->login_timeout, 30);
	ATF_CHECK_EQ(pc->max_auth_attempts, 2);
	ATF_CHECK_STREQ(pc->certificate, "/etc/x/a.crt");
	ATF_CHECK_STREQ(pc->key, "/etc/x/a.key");

	pc = &conf->protos[PROTO_SUBMISSION];
	ATF_CHECK_EQ(pc->enabled, 1);
	ATF_CHECK_EQ(pc->idle_timeout, 120);
	conf_free(conf);
}

ATF_TC_WITHOUT_HEAD(inherit_global_first);
ATF_TC_BODY(inherit_global_first, tc)
{
	struct postern_conf	*conf;

	conf = parse_text(
	    "max-connections 300\n"
	    "login-type plaintext-login\n"
	    "pop3 {\n"
	    "\tmax-connections 30\n"
	    "}\n"
	    "imap {\n"
	    "}\n");
	ATF_CHECK_EQ(conf->defaults.max_connections, 300);
	ATF_CHECK_EQ(conf->protos[PROTO_POP3].max_connections, 30);
	ATF_CHECK_EQ(conf->protos[PROTO_IMAP].max_connections, 300);
	ATF_CHECK_EQ(conf->protos[PROTO_POP3].login_type,
	    LOGIN_PLAINTEXT_LOGIN);
	ATF_CHECK_EQ(conf->protos[PROTO_IMAP].login_type,
	    LOGIN_PLAINTEXT_LOGIN);
	/* Unset everywhere: each protocol's own idle-timeout. */
	ATF_CHECK_EQ(conf->protos[PROTO_POP3].idle_timeout, 600);
	ATF_CHECK_EQ(conf->protos[PROTO_IMAP].idle_timeout, 1800);
	ATF_CHECK_EQ(conf->protos[PROTO_SUBMISSION].enabled, 0);
	conf_free(conf);
}

ATF_TC_WITHOUT_HEAD(inherit_global_after);
ATF_TC_BODY(inherit_global_after, tc)
{
	struct postern_conf	*conf;

	conf = parse_text(
	    "pop3 {\n"
	    "\tmax-connections 30\n"
	    "\tbanner \"pop\"\n"
	    "}\n"
	    "submission {\n"
	    "\tidle-timeout 4m\n"
	    "}\n"
	    "max-connections 300\n"
	    "banner \"global\"\n"
	    "idle-timeout 40m\n"
	    "max-auth-attempts 7\n");
	ATF_CHECK_EQ(conf->protos[PROTO_POP3].max_connections, 30);
	ATF_CHECK_EQ(conf->protos[PROTO_SUBMISSION].max_connections, 300);
	ATF_CHECK_STREQ(conf->protos[PROTO_POP3].banner, "pop");
	ATF_CHECK_STREQ(conf->protos[PROTO_SUBMISSION].banner, "global");
	ATF_CHECK_EQ(conf->protos[PROTO_POP3].idle_timeout, 2400);
	ATF_CHECK_EQ(conf->protos[PROTO_SUBMISSION].idle_timeout, 240);
	ATF_CHECK_EQ(conf->protos[PROTO_POP3].max_auth_attempts, 7);
	ATF_CHECK_EQ(conf->protos[PROTO_SUBMISSION].max_auth_attempts, 7);
	ATF_CHECK_EQ(conf->protos[PROTO_IMAP].enabled, 0);
	conf_free(conf);
}

ATF_TC_WITHOUT_HEAD(default_listeners);
ATF_TC_BODY(default_listeners, tc)
{
	struct postern_conf	*conf;
	struct proto_conf	*pc;

	conf = parse_text("imap {\n}\nsubmission { }\n");
	ATF_CHECK_EQ(conf->protos[PROTO_POP3].enabled, 0);
	ATF_CHECK(TAILQ_EMPTY(&conf->protos[PROTO_POP3].listeners));
	pc = &conf->protos[PROTO_IMAP];
	ATF_CHECK_EQ(pc->enabled, 1);
	ATF_CHECK_EQ(count_listeners(pc), 4);
	ATF_CHECK(find_listener(pc, "*", 143, 0) != NULL);
	ATF_CHECK(find_listener(pc, "::", 143, 0) != NULL);
	ATF_CHECK(find_listener(pc, "*", 993, 1) != NULL);
	ATF_CHECK(find_listener(pc, "::", 993, 1) != NULL);
	ATF_CHECK_EQ(pc->idle_timeout, 1800);
	pc = &conf->protos[PROTO_SUBMISSION];
	ATF_CHECK_EQ(count_listeners(pc), 4);
	ATF_CHECK(find_listener(pc, "*", 587, 0) != NULL);
	ATF_CHECK(find_listener(pc, "::", 587, 0) != NULL);
	ATF_CHECK(find_listener(pc, "*", 465, 1) != NULL);
	ATF_CHECK(find_listener(pc, "::", 465, 1) != NULL);
	ATF_CHECK_EQ(pc->idle_timeout, 300);
	conf_free(conf);
}

ATF_TC_WITHOUT_HEAD(listeners);
ATF_TC_BODY(listeners, tc)
{
	struct postern_conf	*conf;
	struct proto_conf	*pc;
	struct listen_addr	*la;
	struct sockaddr_in6	*sin6;

	conf = parse_text(
	    "pop3 {\n"
	    "\tlisten on 127.0.0.1 port 110\n"
	    "\tlisten on 127.0.0.1 port 995 tls\n"
	    "\tlisten on ::1 port 2110\n"
	    "\tlisten on \"::1\" port pop3s tls\n"
	    "\tlisten on * port 3110\n"
	    "\tlisten on :: port 3110 tls\n"
	    "\tlisten on 192.0.2.7 port \"4110\"\n"
	    "\tlisten on 127.0.0.2 port pop3\n"
	    "}\n");
	pc = &conf->protos[PROTO_POP3];
	ATF_CHECK_EQ(count_listeners(pc), 8);
	ATF_CHECK(find_listener(pc, "127.0.0.1", 110, 0) != NULL);
	ATF_CHECK(find_listener(pc, "127.0.0.1", 995, 1) != NULL);
	ATF_REQUIRE((la = find_listener(pc, "::1", 2110, 0)) != NULL);
	ATF_CHECK_EQ(la->ss.ss_family, AF_INET6);
	ATF_CHECK_STREQ(la->host, "::1");
	sin6 = (struct sockaddr_in6 *)&la->ss;
	ATF_CHECK(IN6_IS_ADDR_LOOPBACK(&sin6->sin6_addr));
	ATF_CHECK_EQ(ntohs(sin6->sin6_port), 2110);
	ATF_CHECK(find_listener(pc, "::1", 995, 1) != NULL);
	ATF_REQUIRE((la = find_listener(pc, "*", 3110, 0)) != NULL);
	ATF_CHECK_EQ(la->ss.ss_family, AF_INET);
	ATF_CHECK_EQ(((struct sockaddr_in *)&la->ss)->sin_addr.s_addr,
	    htonl(INADDR_ANY));
	ATF_REQUIRE((la = find_listener(pc, "::", 3110, 1)) != NULL);
	ATF_CHECK_EQ(la->ss.ss_family, AF_INET6);
	ATF_CHECK(find_listener(pc, "192.0.2.7", 4110, 0) != NULL);
	ATF_CHECK(find_listener(pc, "127.0.0.2", 110, 0) != NULL);
	conf_free(conf);
}

ATF_TC_WITHOUT_HEAD(listen_hostname);
ATF_TC_BODY(listen_hostname, tc)
{
	struct postern_conf	*conf;
	struct proto_conf	*pc;
	struct listen_addr	*la;

	conf = parse_text("pop3 {\n\tlisten on localhost port 1110\n}\n");
	pc = &conf->protos[PROTO_POP3];
	ATF_CHECK(count_listeners(pc) >= 1);
	ATF_CHECK(find_listener(pc, "127.0.0.1", 1110, 0) != NULL);
	TAILQ_FOREACH(la, &pc->listeners, entry) {
		ATF_CHECK_STREQ(la->host, "localhost");
		ATF_CHECK_EQ(la->port, 1110);
	}
	conf_free(conf);
}

ATF_TC_WITHOUT_HEAD(macros_include);
ATF_TC_BODY(macros_include, tc)
{
	struct postern_conf	*conf;
	struct proto_conf	*pc;

	ATF_REQUIRE(mkdir("sub", 0755) == 0);
	write_file("sub/limits.conf",
	    "max-connections $maxconn\n"
	    "include \"more.conf\"\n"
	    "banner \"from include\"");		/* no final newline */
	write_file("sub/more.conf", "max-auth-attempts 9\n");
	write_file("sub/main.conf",
	    "maxconn = \"123\"\n"
	    "lo = 127.0.0.1\n"
	    "popport = 1110\n"
	    "greeting = \"'Hello there'\"\n"
	    "include \"limits.conf\"\n"
	    "pop3 {\n"
	    "\tlisten on $lo port $popport\n"
	    "\tbanner $greeting\n"
	    "}\n"
	    "user \"$notexpanded\"\n");
	{
		char	*errs;

		conf = parse_capture("sub/main.conf", &errs);
		if (conf == NULL)
			atf_tc_fail("%s", errs);
		free(errs);
	}
	ATF_CHECK_EQ(conf->defaults.max_connections, 123);
	ATF_CHECK_EQ(conf->defaults.max_auth_attempts, 9);
	ATF_CHECK_STREQ(conf->defaults.banner, "from include");
	ATF_CHECK_STREQ(conf->user, "$notexpanded");
	pc = &conf->protos[PROTO_POP3];
	ATF_CHECK(find_listener(pc, "127.0.0.1", 1110, 0) != NULL);
	ATF_CHECK_STREQ(pc->banner, "Hello there");
	ATF_CHECK_EQ(pc->max_connections, 123);
	conf_free(conf);
}

ATF_TC_WITHOUT_HEAD(lexer);
ATF_TC_BODY(lexer, tc)
{
	struct postern_conf	*conf;

	conf = parse_text(
	    "\n"
	    "   # indented comment\n"
	    "max-connections \\\n"
	    "    77   # trailing comment\n"
	    "banner 'single \"quoted\"'\n"
	    "hostname \"a\\\n"
	    "b.example\"\n"
	    "access-file \"/x/\\\"q\\\"\\\\z\"\n"
	    "pop3\n"
	    "{\n"
	    "\tlisten on 127.0.0.1 port 1110 }\n"
	    "imap { listen on 127.0.0.1 port 1143 tls }\n");
	ATF_CHECK_EQ(conf->defaults.max_connections, 77);
	ATF_CHECK_STREQ(conf->defaults.banner, "single \"quoted\"");
	ATF_CHECK_STREQ(conf->hostname, "ab.example");
	ATF_CHECK_STREQ(conf->access_file, "/x/\"q\"\\z");
	ATF_CHECK(find_listener(&conf->protos[PROTO_POP3], "127.0.0.1",
	    1110, 0) != NULL);
	ATF_CHECK(find_listener(&conf->protos[PROTO_IMAP], "127.0.0.1",
	    1143, 1) != NULL);
	conf_free(conf);
}

ATF_TC_WITHOUT_HEAD(time_suffixes);
ATF_TC_BODY(time_suffixes, tc)
{
	struct postern_conf	*conf;
	char			 buf[CONF_TIMELEN];

	conf = parse_text(
	    "login-timeout 90\n"
	    "failure-delay 30s\n"
	    "failure-delay-max 10m\n"
	    "idle-timeout 1h\n"
	    "submission {\n"
	    "\tidle-timeout \"45s\"\n"
	    "\tlogin-timeout 2m\n"
	    "}\n");
	ATF_CHECK_EQ(conf->defaults.login_timeout, 90);
	ATF_CHECK_EQ(conf->failure_delay_ms, 30000);
	ATF_CHECK_EQ(conf->failure_delay_max_ms, 600000);
	ATF_CHECK_EQ(conf->defaults.idle_timeout, 3600);
	ATF_CHECK_EQ(conf->protos[PROTO_SUBMISSION].idle_timeout, 45);
	ATF_CHECK_EQ(conf->protos[PROTO_SUBMISSION].login_timeout, 120);
	conf_free(conf);

	ATF_CHECK_STREQ(conf_fmt_time(90, buf, sizeof(buf)), "90s");
	ATF_CHECK_STREQ(conf_fmt_time(600, buf, sizeof(buf)), "10m");
	ATF_CHECK_STREQ(conf_fmt_time(7200, buf, sizeof(buf)), "2h");
	ATF_CHECK_STREQ(conf_fmt_time(0, buf, sizeof(buf)), "0s");
}

ATF_TC_WITHOUT_HEAD(auth_cache);
ATF_TC_BODY(auth_cache, tc)
{
	struct postern_conf	*conf;
	char			*out;

	conf = parse_text("auth-cache-ttl 1h\nauth-cache-size 1000000\n");
	ATF_CHECK_EQ(conf->auth_cache_ttl, 3600);
	ATF_CHECK_EQ(conf->auth_cache_size, 1000000);
	out = print_conf(conf, 0);
	ATF_CHECK(strstr(out, "\nauth-cache-ttl 1h\n") != NULL);
	ATF_CHECK(strstr(out, "\nauth-cache-size 1000000\n") != NULL);
	free(out);
	conf_free(conf);

	/* 0 turns the cache off, either way. */
	conf = parse_text("auth-cache-ttl 0\nauth-cache-size 0\n");
	ATF_CHECK_EQ(conf->auth_cache_ttl, 0);
	ATF_CHECK_EQ(conf->auth_cache_size, 0);
	out = print_conf(conf, 0);
	ATF_CHECK(strstr(out, "\nauth-cache-ttl 0s\n") != NULL);
	ATF_CHECK(strstr(out, "\nauth-cache-size 0\n") != NULL);
	free(out);
	conf_free(conf);

	conf = parse_text("auth-cache-ttl 24h\nauth-cache-ttl \"45\"\n");
	ATF_CHECK_EQ(conf->auth_cache_ttl, 45);
	conf_free(conf);

	/* The defaults, as -n prints them. */
	conf = parse_text("");
	out = print_conf(conf, 0);
	ATF_CHECK(strstr(out, "\nauth-cache-ttl 5m\n") != NULL);
	ATF_CHECK(strstr(out, "\nauth-cache-size 10000\n") != NULL);
	free(out);
	conf_free(conf);

	check_errors("# cache\nauth-cache-ttl 25h\n",
	    "postern.conf:2: auth-cache-ttl 25h is out of range (0s to "
	    "24h)\n");
	check_errors("auth-cache-ttl 5 minutes\n",
	    "postern.conf:1: syntax error, unexpected \"minutes\", expected "
	    "end of line\n");
	check_errors("auth-cache-ttl 5d\n",
	    "postern.conf:1: invalid time \"5d\": expected a number of "
	    "seconds, or a number followed by s, m or h\n");
	check_errors("auth-cache-ttl\n",
	    "postern.conf:1: syntax error, expected a time (such as 90, 30s, "
	    "10m or 1h) after auth-cache-ttl\n");
	check_errors("\nauth-cache-size 1000001\n",
	    "postern.conf:2: auth-cache-size 1000001 is out of range (0 to "
	    "1000000)\n");
	check_errors("auth-cache-size lots\n",
	    "postern.conf:1: syntax error, expected a number after "
	    "auth-cache-size\n");
	check_errors("auth-cache-size -1\n",
	    "postern.conf:1: syntax error, expected a number after "
	    "auth-cache-size\n");
	check_errors("imap {\n\tauth-cache-size 10\n}\n",
	    "postern.conf:2: auth-cache-size is a global setting and cannot "
	    "be given in a imap block\n");
}

ATF_TC_WITHOUT_HEAD(pop3_specific);
ATF_TC_BODY(pop3_specific, tc)
{
	struct postern_conf	*conf;

	conf = parse_text("pop3 {\n\texpire never\n\tlogin-delay none\n}\n");
	ATF_CHECK_EQ(conf->protos[PROTO_POP3].pop3_expire, -1);
	ATF_CHECK_EQ(conf->protos[PROTO_POP3].pop3_login_delay, -1);
	conf_free(conf);
	conf = parse_text("pop3 {\n\texpire 0\n\tlogin-delay 0\n}\n");
	ATF_CHECK_EQ(conf->protos[PROTO_POP3].pop3_expire, 0);
	ATF_CHECK_EQ(conf->protos[PROTO_POP3].pop3_login_delay, 0);
	conf_free(conf);
}

ATF_TC_WITHOUT_HEAD(syntax_errors);
ATF_TC_BODY(syntax_errors, tc)
{
	check_errors("user \"x\"\n\nmax-connections\n",
	    "postern.conf:3: syntax error, expected a number after "
	    "max-connections\n");
	check_errors("max-connections many\n",
	    "postern.conf:1: syntax error, expected a number after "
	    "max-connections\n");
	check_errors("# x\nmax-conections 5\n",
	    "postern.conf:2: unknown keyword \"max-conections\"\n");
	check_errors("pop3 {\n\tmax-conections 5\n}\n",
	    "postern.conf:2: unknown keyword \"max-conections\"\n");
	check_errors("login-type open\n",
	    "postern.conf:1: syntax error, expected secure, plaintext-auth "
	    "or plaintext-login after login-type\n");
	check_errors("tls-min-version tls1.1\n",
	    "postern.conf:1: syntax error, expected tls1.2 or tls1.3 after "
	    "tls-min-version\n");
	check_errors("idle-timeout\n",
	    "postern.conf:1: syntax error, expected a time (such as 90, 30s, "
	    "10m or 1h) after idle-timeout\n");
	check_errors("pop3 {\n\tlisten 110\n}\n",
	    "postern.conf:2: syntax error, expected on after listen\n");
	check_errors("pop3 {\n\tlisten on * 110\n}\n",
	    "postern.conf:2: syntax error, unexpected number 110, expected "
	    "port\n");
	check_errors("pop3 {\n\tlisten on * port\n}\n",
	    "postern.conf:2: syntax error, expected a port number or service "
	    "name after port\n");
	check_errors("pop3 {\n\tlisten on * port 110 tsl\n}\n",
	    "postern.conf:2: syntax error, unexpected \"tsl\", expected tls, "
	    "end of line or \"}\"\n");
	check_errors("max-connections 5 6\n",
	    "postern.conf:1: syntax error, unexpected number 6, expected end "
	    "of line\n");
	check_errors("pop3 {\n",
	    "postern.conf:1: the pop3 block is not closed: \"}\" is missing "
	    "at the end of the file\n");
	check_errors("pop3 banner\n",
	    "postern.conf:1: syntax error, expected { after pop3\n");
	check_errors("port 110\n",
	    "postern.conf:1: port is not valid here\n");
	check_errors("pop3 {\n\timap {\n\t}\n}\n",
	    "postern.conf:2: the imap block cannot be inside the pop3 "
	    "block\n");
	check_errors("pop3 {\n\tinclude \"x.conf\"\n}\n",
	    "postern.conf:2: include is not valid in a pop3 block\n");
	check_errors("certificate \"a.crt\"\n",
	    "postern.conf:1: certificate needs its key: certificate \"FILE\" "
	    "key \"FILE\"\n");
	check_errors("banner \"unterminated\n",
	    "postern.conf:1: unterminated quoted string\n");
	check_errors("max-connections 99999999999\n",
	    "postern.conf:1: number 99999999999 is too large\n");
	check_errors("banner $nosuch\n",
	    "postern.conf:1: macro \"nosuch\" is not defined\n");
	check_errors("user $\n",
	    "postern.conf:1: a $ must be followed by a macro name\n");
	check_errors("user \"a\" ; \n",
	    "postern.conf:1: syntax error, unexpected \";\", expected end "
	    "of line\n");
	/* Every error is reported, not just the first. */
	check_errors(
	    "max-connections 0\n"
	    "pop3 {\n"
	    "\tlisten on * port 110 tsl }\n"
	    "bogus 1\n"
	    "imap { login-type x }\n"
	    "submission {\n"
	    "\tmax-auth-attempts 0\n"
	    "}\n",
	    "postern.conf:1: max-connections 0 is out of range (1 to "
	    "1000000)\n"
	    "postern.conf:3: syntax error, unexpected \"tsl\", expected tls, "
	    "end of line or \"}\"\n"
	    "postern.conf:4: unknown keyword \"bogus\"\n"
	    "postern.conf:5: syntax error, expected secure, plaintext-auth or "
	    "plaintext-login after login-type\n"
	    "postern.conf:7: max-auth-attempts 0 is out of range (1 to 100)\n");
}

ATF_TC_WITHOUT_HEAD(value_errors);
ATF_TC_BODY(value_errors, tc)
{
	check_errors("idle-timeout 5x\n",
	    "postern.conf:1: invalid time \"5x\": expected a number of "
	    "seconds, or a number followed by s, m or h\n");
	check_errors("login-timeout 2h\n",
	    "postern.conf:1: login-timeout 2h is out of range (1s to 1h)\n");
	check_errors("ipv6-prefix 129\n",
	    "postern.conf:1: ipv6-prefix 129 is out of range (1 to 128)\n");
	check_errors("failure-delay 20s\nfailure-delay-max 10s\n",
	    "postern.conf:2: failure-delay-max 10s is shorter than "
	    "failure-delay 20s\n");
	check_errors("pidfile \"run/p.pid\"\n",
	    "postern.conf:1: pidfile must be an absolute path\n");
	check_errors("mail-location \"mbox:~/mbox\"\n",
	    "postern.conf:1: mail-location \"mbox:~/mbox\": only maildir is "
	    "supported\n");
	check_errors("mail-location \"Maildir\"\n",
	    "postern.conf:1: mail-location must be an absolute path or start "
	    "with ~/\n");
	check_errors("tls-ciphers \"NOSUCHCIPHER\"\n",
	    "postern.conf:1: tls-ciphers \"NOSUCHCIPHER\" selects no cipher "
	    "OpenSSL knows\n");
	check_errors("banner \"tab\there\"\n",
	    "postern.conf:1: banner must be printable text on one line\n");
	check_errors("user \"\"\n",
	    "postern.conf:1: user must not be empty\n");
	check_errors("trusted-networks { 10.0.0.0/8, 10.1.0.0/33 }\n",
	    "postern.conf:1: trusted-networks: \"10.1.0.0/33\" is not an "
	    "address or ADDRESS/PREFIX\n");
	check_errors("auth pam \"a\"\nauth pam \"b\"\nauth pam \"c\"\n"
	    "auth pam \"d\"\nauth pam \"e\"\nauth pam \"f\"\n"
	    "auth pam \"g\"\nauth pam \"h\"\nauth pam \"i\"\n",
	    "postern.conf:9: too many auth backends (at most 8)\n");
	check_errors("auth passwd-file \"passwd\"\n",
	    "postern.conf:1: passwd-file must be an absolute path\n");
	check_errors("pop3 {\n\tuser \"x\"\n}\n",
	    "postern.conf:2: user is a global setting and cannot be given in "
	    "a pop3 block\n");
	check_errors("listen on * port 110\n",
	    "postern.conf:1: listen is only valid inside a protocol block\n");
	check_errors("expire never\n",
	    "postern.conf:1: expire is only valid in a pop3 block\n");
	check_errors("imap {\n\tlogin-delay 10\n}\n",
	    "postern.conf:2: login-delay is only valid in a pop3 block\n");
	check_errors("pop3 {\n\tlisten on * port 70000\n}\n",
	    "postern.conf:2: port 70000 is out of range (1 to 65535)\n");
	check_errors("pop3 {\n\tlisten on * port nosuchservice\n}\n",
	    "postern.conf:2: port \"nosuchservice\" is neither a number nor "
	    "a known tcp service\n");
	check_errors("pop3 {\n}\nimap {\n}\npop3 {\n}\n",
	    "postern.conf:5: the pop3 block is given twice; the first is on "
	    "line 1\n");
}

ATF_TC_WITHOUT_HEAD(file_errors);
ATF_TC_BODY(file_errors, tc)
{
	struct postern_conf	*conf;
	char			*errs;

	conf = parse_capture("missing.conf", &errs);
	ATF_CHECK(conf == NULL);
	ATF_CHECK_STREQ(errs, "missing.conf: No such file or directory\n");
	free(errs);

	ATF_REQUIRE(mkdir("adir", 0755) == 0);
	conf = parse_capture("adir", &errs);
	ATF_CHECK(conf == NULL);
	ATF_CHECK_STREQ(errs, "adir: not a regular file\n");
	free(errs);

	check_errors("user \"x\"\ninclude \"nosuch.conf\"\n",
	    "postern.conf:2: include \"nosuch.conf\": No such file or "
	    "directory\n");
	write_file("inc.conf", "max-connections 0\n");
	check_errors("include \"inc.conf\"\nmax-auth-attempts 0\n",
	    "inc.conf:1: max-connections 0 is out of range (1 to 1000000)\n"
	    "postern.conf:2: max-auth-attempts 0 is out of range (1 to 100)\n");
	write_file("loop.conf", "include \"loop.conf\"\n");
	check_errors("include \"loop.conf\"\n",
	    "loop.conf:1: include \"loop.conf\": nested too deeply (at most "
	    "16 levels)\n");
}

ATF_TC_WITHOUT_HEAD(idle_minimum);
ATF_TC_BODY(idle_minimum, tc)
{
	struct postern_conf	*conf;

	check_errors("pop3 {\n\tidle-timeout 5m\n}\n",
	    "postern.conf:2: idle-timeout 5m is below the pop3 minimum of 10m "
	    "(RFC 1939 section 3)\n");
	check_errors("pop3 {\n\tidle-timeout 599\n}\n",
	    "postern.conf:2: idle-timeout 599s is below the pop3 minimum of "
	    "10m (RFC 1939 section 3)\n");
	check_errors("imap {\n\tidle-timeout 29m\n}\n",
	    "postern.conf:2: idle-timeout 29m is below the imap minimum of 30m "
	    "(RFC 3501 section 5.4)\n");
	/* Inherited from the global setting, pop3 enabled by default. */
	check_errors("idle-timeout 5m\n",
	    "postern.conf:1: idle-timeout 5m, which the pop3 block inherits, "
	    "is below the pop3 minimum of 10m (RFC 1939 section 3)\n"
	    "postern.conf:1: idle-timeout 5m, which the imap block inherits, "
	    "is below the imap minimum of 30m (RFC 3501 section 5.4)\n");
	/* A block that sets its own is fine; submission has no floor. */
	conf = parse_text("idle-timeout 1m\npop3 {\n\tidle-timeout 10m\n}\n"
	    "submission {\n}\n");
	ATF_CHECK_EQ(conf->protos[PROTO_POP3].idle_timeout, 600);
	ATF_CHECK_EQ(conf->protos[PROTO_SUBMISSION].idle_timeout, 60);
	conf_free(conf);
}

ATF_TC_WITHOUT_HEAD(duplicate_listener);
ATF_TC_BODY(duplicate_listener, tc)
{
	struct postern_conf	*conf;

	check_errors(
	    "pop3 {\n"
	    "\tlisten on 127.0.0.1 port 110\n"
	    "\tlisten on 127.0.0.1 port 110 tls\n"
	    "}\n",
	    "postern.conf:3: duplicate listener 127.0.0.1 port 110: already "
	    "given on line 2\n");
	check_errors(
	    "pop3 {\n"
	    "\tlisten on ::1 port 1110\n"
	    "}\n"
	    "imap {\n"
	    "\tlisten on ::1 port 1110\n"
	    "}\n",
	    "postern.conf:5: duplicate listener ::1 port 1110: already given "
	    "on line 2\n");
	check_errors(
	    "imap {\n"
	    "\tlisten on * port 110\n"
	    "}\n"
	    "pop3 {\n"
	    "}\n",
	    "postern.conf:4: the default pop3 listener * port 110 is already "
	    "given on line 2\n");
	/* The same port on different addresses is fine. */
	conf = parse_text("pop3 {\n\tlisten on 127.0.0.1 port 110\n"
	    "\tlisten on 127.0.0.2 port 110\n\tlisten on ::1 port 110\n}\n");
	ATF_CHECK_EQ(count_listeners(&conf->protos[PROTO_POP3]), 3);
	conf_free(conf);
}

static int
match4(const struct netaddr_list *list, const char *a)
{
	struct sockaddr_in	sin;

	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	ATF_REQUIRE(inet_pton(AF_INET, a, &sin.sin_addr) == 1);
	return conf_netaddr_match(list, (struct sockaddr *)&sin);
}

static int
match6(const struct netaddr_list *list, const char *a)
{
	struct sockaddr_in6	sin6;

	memset(&sin6, 0, sizeof(sin6));
	sin6.sin6_family = AF_INET6;
	ATF_REQUIRE(inet_pton(AF_INET6, a, &sin6.sin6_addr) == 1);
	return conf_netaddr_match(list, (struct sockaddr *)&sin6);
}

ATF_TC_WITHOUT_HEAD(trusted_networks);
ATF_TC_BODY(trusted_networks, tc)
{
	struct postern_conf	*conf;
	struct netaddr		*na;
	const char		*texts[] = { "10.0.0.0/8", "192.168.1.0/25",
				    "2001:db8:aa::/48", "::1/128",
				    "172.16.5.4/32", "10.0.0.0/8" };
	int			 i = 0;

	conf = parse_text(
	    "trusted-networks 10.1.2.3/8\n"
	    "trusted-networks {\n"
	    "\t192.168.1.0/25,\n"
	    "\t2001:db8:aa::/48\n"
	    "\t::1, ::ffff:172.16.5.4\n"
	    "}\n"
	    "trusted-networks ::ffff:10.0.0.0/104\n");
	TAILQ_FOREACH(na, &conf->trusted, entry) {
		ATF_REQUIRE(i < 6);
		ATF_CHECK_STREQ(na->text, texts[i]);
		i++;
	}
	ATF_CHECK_EQ(i, 6);

	ATF_CHECK(match4(&conf->trusted, "10.200.3.4"));
	ATF_CHECK(!match4(&conf->trusted, "11.0.0.1"));
	ATF_CHECK(match4(&conf->trusted, "192.168.1.127"));
	ATF_CHECK(!match4(&conf->trusted, "192.168.1.128"));
	ATF_CHECK(match4(&conf->trusted, "172.16.5.4"));
	ATF_CHECK(!match4(&conf->trusted, "172.16.5.5"));
	ATF_CHECK(match6(&conf->trusted, "2001:db8:aa:ffff::1"));
	ATF_CHECK(!match6(&conf->trusted, "2001:db8:ab::1"));
	ATF_CHECK(match6(&conf->trusted, "::1"));
	ATF_CHECK(!match6(&conf->trusted, "::2"));
	/* An IPv4 client on an IPv6 socket matches IPv4 networks. */
	ATF_CHECK(match6(&conf->trusted, "::ffff:10.9.8.7"));
	ATF_CHECK(match6(&conf->trusted, "::ffff:192.168.1.1"));
	ATF_CHECK(!match6(&conf->trusted, "::ffff:192.168.2.1"));
	conf_free(conf);

	conf = parse_text("# none\n");
	ATF_CHECK(!match4(&conf->trusted, "127.0.0.1"));
	ATF_CHECK(!match6(&conf->trusted, "::1"));
	conf_free(conf);

	conf = parse_text("trusted-networks 0.0.0.0/0\n");
	ATF_CHECK(match4(&conf->trusted, "203.0.113.9"));
	ATF_CHECK(match6(&conf->trusted, "::ffff:203.0.113.9"));
	ATF_CHECK(!match6(&conf->trusted, "2001:db8::9"));
	conf_free(conf);
}

/* Print, parse what was printed, print again: the same text. */
static void
check_roundtrip(const char *text)
{
	struct postern_conf	*conf;
	char			*first, *second, *errs;

	conf = parse_text(text);
	first = print_conf(conf, 0);
	conf_free(conf);
	write_file("printed.conf", first);
	conf = parse_capture("printed.conf", &errs);
	if (conf == NULL)
		atf_tc_fail("printed config does not parse:\n%s\n%s", errs,
		    first);
	free(errs);
	second = print_conf(conf, 0);
	conf_free(conf);
	/* Only the file name in the first comment line differs. */
	ATF_CHECK_STREQ(strchr(first, '\n'), strchr(second, '\n'));
	free(first);
	free(second);
}

ATF_TC_WITHOUT_HEAD(print_roundtrip);
ATF_TC_BODY(print_roundtrip, tc)
{
	check_roundtrip("");
	check_roundtrip(
	    "user \"mailer\"\n"
	    "hostname \"mail.example.org\"\n"
	    "auth passwd-file \"/etc/x/pa\\\"ss\\\\wd\"\n"
	    "auth pam\n"
	    "trusted-networks { 10.0.0.0/8, 2001:db8::/32 }\n"
	    "tls-min-version tls1.3\n"
	    "banner \"Say \\\"hi\\\"\"\n"
	    "idle-timeout 45m\n"
	    "login-timeout 90\n"
	    "certificate \"/c/a.crt\" key \"/c/a.key\"\n"
	    "pop3 {\n"
	    "\tlisten on localhost port 1110\n"
	    "\tlisten on 127.0.0.1 port 1995 tls\n"
	    "\texpire 7\n"
	    "\tlogin-delay 60\n"
	    "\tcertificate \"p.crt\" key \"p.key\"\n"
	    "}\n"
	    "imap {\n"
	    "\tlogin-type plaintext-login\n"
	    "}\n"
	    "submission {\n"
	    "\tlisten on ::1 port 1587\n"
	    "\tidle-timeout 3m\n"
	    "}\n");
}

ATF_TC_WITHOUT_HEAD(print_filter);
ATF_TC_BODY(print_filter, tc)
{
	struct postern_conf	*conf;
	char			*out;

	conf = parse_text("pop3 {\n}\nimap {\n\tidle-timeout 31m\n}\n");
	out = print_conf(conf, 0);
	ATF_CHECK(strstr(out, "\npop3 {\n") != NULL);
	ATF_CHECK(strstr(out, "\nimap {\n") != NULL);
	ATF_CHECK(strstr(out, "\tidle-timeout 31m\n") != NULL);
	ATF_CHECK(strstr(out, "submission") == NULL);
	free(out);

	out = print_conf(conf, PROTO_IMAP);
	ATF_CHECK(strstr(out, "user \"_postern\"\n") != NULL);
	ATF_CHECK(strstr(out, "pop3 {") == NULL);
	ATF_CHECK(strstr(out, "\nimap {\n\tlisten on * port 143\n") != NULL);
	free(out);

	out = print_conf(conf, PROTO_SUBMISSION);
	ATF_CHECK(strstr(out, "# submission is not enabled\n") != NULL);
	free(out);
	conf_free(conf);

	ATF_CHECK_STREQ(conf_proto_name(PROTO_POP3), "pop3");
	ATF_CHECK_STREQ(conf_proto_name(PROTO_IMAP), "imap");
	ATF_CHECK_STREQ(conf_proto_name(PROTO_SUBMISSION), "submission");
	ATF_CHECK_STREQ(conf_login_type_name(LOGIN_SECURE), "secure");
	ATF_CHECK_STREQ(conf_login_type_name(LOGIN_PLAINTEXT_AUTH),
	    "plaintext-auth");
	ATF_CHECK_STREQ(conf_login_type_name(LOGIN_PLAINTEXT_LOGIN),
	    "plaintext-login");
}

ATF_TP_ADD_TCS(tp)
{
	ATF_TP_ADD_TC(tp, defaults);
	ATF_TP_ADD_TC(tp, every_keyword);
	ATF_TP_ADD_TC(tp, inherit_global_first);
	ATF_TP_ADD_TC(tp, inherit_global_after);
	ATF_TP_ADD_TC(tp, default_listeners);
	ATF_TP_ADD_TC(tp, listeners);
	ATF_TP_ADD_TC(tp, listen_hostname);
	ATF_TP_ADD_TC(tp, macros_include);
	ATF_TP_ADD_TC(tp, lexer);
	ATF_TP_ADD_TC(tp, time_suffixes);
	ATF_TP_ADD_TC(tp, auth_cache);
	ATF_TP_ADD_TC(tp, pop3_specific);
	ATF_TP_ADD_TC(tp, syntax_errors);
	ATF_TP_ADD_TC(tp, value_errors);
	ATF_TP_ADD_TC(tp, file_errors);
	ATF_TP_ADD_TC(tp, idle_minimum);
	ATF_TP_ADD_TC(tp, duplicate_listener);
	ATF_TP_ADD_TC(tp, trusted_networks);
	ATF_TP_ADD_TC(tp, print_roundtrip);
	ATF_TP_ADD_TC(tp, print_filter);
	return atf_no_error();
}
