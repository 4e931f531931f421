# postern: POP3, IMAP4 and submission access server.
#
#   make            build into build/ (B=dir to change)
#   make SAN=1 B=build-san   the same tree with ASan+UBSan
#   make run        install what is needed, start a demo in the foreground
#   make check      install what the tests need, build both, run the suite
#   make install    PREFIX=/usr/local DESTDIR=
#   make fuzz       libFuzzer targets (clang) into $(B)/fuzz

PREFIX		?= /usr/local
SBINDIR		?= $(PREFIX)/sbin
LIBEXECDIR	?= $(PREFIX)/libexec/postern
MANDIR		?= $(PREFIX)/share/man
SYSCONFDIR	?= /etc/postern
DESTDIR		?=

B		?= build
CC		?= cc
BISON		?= bison
PKG		?= pkg-config

OPT		?= -O2
SANFLAGS	= -fsanitize=address,undefined -fno-omit-frame-pointer
WARN		= -Wall -Wextra -Werror -Wshadow -Wpointer-arith \
		  -Wmissing-prototypes -Wstrict-prototypes -Wno-unused-parameter
CPPFLAGS	+= -D_GNU_SOURCE -DLIBBSD_OPENBSD_VIS \
		   $(shell $(PKG) --cflags libbsd-overlay) \
		   $(shell $(PKG) --cflags krb5-gssapi) \
		   -DCONF_LIBEXEC='"$(LIBEXECDIR)"' \
		   -Ilib -Imaster -Iauth -Iworker -Iworker/pop3 -Iworker/imap -Istore -Istore/mime -Ictl
CFLAGS		+= -std=gnu11 -g $(OPT) $(WARN) -fstack-protector-strong \
		   -D_FORTIFY_SOURCE=2
LDFLAGS		+=
ifeq ($(SAN),1)
OPT		= -O1
CFLAGS		+= $(SANFLAGS)
LDFLAGS		+= $(SANFLAGS)
CPPFLAGS	+= -U_FORTIFY_SOURCE
endif

# What lib/compat does not have: pidfile(3) and getpeereid (posternd).
LIBBSD		= $(shell $(PKG) --libs libbsd)
LIBEVENT	= $(shell $(PKG) --libs libevent)
LIBSSL		= $(shell $(PKG) --libs openssl)
LIBGSS		= $(shell $(PKG) --libs krb5-gssapi)
LIBATF		= $(shell $(PKG) --libs atf-c)

O		= $(B)/obj
BIN		= $(B)/bin

# Each directory's sources form an archive; a program is its main file
# plus the archives it needs, so tests can link any piece alone.
MAINS		= master/posternd.c auth/postern-auth.c worker/worker.c \
		  worker/tlsworker.c worker/session.c ctl/posternctl.c
LIB_SRCS	= $(wildcard lib/*.c)
STORE_SRCS	= $(wildcard store/*.c)
MASTER_SRCS	= $(filter-out $(MAINS),$(wildcard master/*.c))
AUTH_SRCS	= $(filter-out $(MAINS),$(wildcard auth/*.c))
# Tools the build runs on the build machine (see "generated at build time").
GEN_SRCS	= worker/sandbox_gen.c
# The pre-login programs' own objects, outside the worker archive: both
# link prelogin.c; postern-worker's STARTTLS is starttls.c, which hands
# the connection over, and TLS (tls.c, tlsrelay.c), an archive of its
# own, is linked only by postern-tlsworker and the worker unit tests.
WORKER_PROG_SRCS = worker/prelogin.c worker/starttls.c
WTLS_SRCS	= worker/tls.c worker/tlsrelay.c
# Pre-login (worker) and post-login (session) protocol code share one
# archive; each program pulls only the objects its main reaches.
WORKER_SRCS	= $(filter-out $(MAINS) $(GEN_SRCS) $(WORKER_PROG_SRCS) \
		  $(WTLS_SRCS),$(wildcard worker/*.c worker/pop3/*.c))
# IMAP protocol code and MIME parsing: their own archives.
IMAP_SRCS	= $(wildcard worker/imap/*.c)
MIME_SRCS	= $(wildcard store/mime/*.c)
CTL_SRCS	= $(filter-out $(MAINS),$(wildcard ctl/*.c))
# What the programs take from libbsd, written for them: the per-connection
# ones load neither libbsd nor libmd, and no program uses libbsd's
# strnvis (lib/compat/compat.h).
COMPAT_SRCS	= $(wildcard lib/compat/*.c)

objs		= $(patsubst %.c,$(O)/%.o,$(1))

A_LIB		= $(O)/libpostern.a
A_STORE		= $(O)/libstore.a
A_MASTER	= $(O)/libmaster.a
A_AUTH		= $(O)/libauth.a
A_WORKER	= $(O)/libworker.a
A_WTLS		= $(O)/libworkertls.a
A_CTL		= $(O)/libctl.a
A_IMAP		= $(O)/libimap.a
A_MIME		= $(O)/libmime.a
A_COMPAT	= $(O)/libcompat.a

PROGS		= $(BIN)/posternd $(BIN)/postern-auth $(BIN)/postern-worker \
		  $(BIN)/postern-tlsworker $(BIN)/postern-session \
		  $(BIN)/posternctl

all: $(PROGS) tests

programs: $(PROGS)

$(O)/master/parse.c: master/parse.y
	@mkdir -p $(@D)
	$(BISON) -o $@ $<

$(O)/master/parse.o: $(O)/master/parse.c
	$(CC) $(CPPFLAGS) $(CFLAGS) -Wno-unused-function -c -o $@ $<

$(O)/%.o: %.c
	@mkdir -p $(@D)
	$(CC) $(CPPFLAGS) $(CFLAGS) -MMD -MP -c -o $@ $<

$(A_LIB): $(call objs,$(LIB_SRCS))
$(A_STORE): $(call objs,$(STORE_SRCS))
$(A_MASTER): $(call objs,$(MASTER_SRCS)) $(O)/master/parse.o
$(A_AUTH): $(call objs,$(AUTH_SRCS))
$(A_WORKER): $(call objs,$(WORKER_SRCS))
$(A_WTLS): $(call objs,$(WTLS_SRCS))
$(A_CTL): $(call objs,$(CTL_SRCS))
$(A_IMAP): $(call objs,$(IMAP_SRCS))
$(A_MIME): $(call objs,$(MIME_SRCS))
$(A_COMPAT): $(call objs,$(COMPAT_SRCS))
$(O)/%.a:
	@mkdir -p $(@D)
	rm -f $@
	ar rcs $@ $^

# Every program links libcompat.a after its own archives and before
# libbsd, whose strnvis writes a NUL one byte past the buffer whenever it
# truncates (0.11.7).  The three programs exec'd per connection need
# nothing else from libbsd and do not load it (nor libmd) at all: that
# was a tenth of the CPU time of a login.
$(BIN)/posternd: $(O)/master/posternd.o $(A_MASTER) $(A_LIB) $(A_COMPAT)
	@mkdir -p $(@D)
	$(CC) $(LDFLAGS) -o $@ $^ $(LIBEVENT) $(LIBSSL) $(LIBBSD)

$(BIN)/postern-auth: $(O)/auth/postern-auth.o $(A_AUTH) $(A_LIB) $(A_COMPAT)
	@mkdir -p $(@D)
	$(CC) $(LDFLAGS) -o $@ $^ $(LIBEVENT) -lpam -lcrypt $(LIBGSS) \
	    $(LIBSSL) $(LIBBSD)

# postern-worker must not link TLS: with tls.o pulled in by mistake
# this link fails on OpenSSL's symbols.
$(BIN)/postern-worker: $(O)/worker/worker.o $(O)/worker/prelogin.o \
    $(O)/worker/starttls.o $(A_IMAP) $(A_WORKER) $(A_LIB) $(A_COMPAT)
	@mkdir -p $(@D)
	$(CC) $(LDFLAGS) -o $@ $^

$(BIN)/postern-tlsworker: $(O)/worker/tlsworker.o $(O)/worker/prelogin.o \
    $(A_IMAP) $(A_WORKER) $(A_WTLS) $(A_LIB) $(A_COMPAT)
	@mkdir -p $(@D)
	$(CC) $(LDFLAGS) -o $@ $^ $(LIBSSL)

$(BIN)/postern-session: $(O)/worker/session.o $(A_IMAP) $(A_WORKER) \
    $(A_STORE) $(A_MIME) $(A_LIB) $(A_COMPAT)
	@mkdir -p $(@D)
	$(CC) $(LDFLAGS) -o $@ $^

$(BIN)/posternctl: $(O)/ctl/posternctl.o $(A_CTL) $(A_MASTER) $(A_LIB) \
    $(A_COMPAT)
	@mkdir -p $(@D)
	$(CC) $(LDFLAGS) -o $@ $^ $(LIBSSL) $(LIBBSD)

# ---- generated at build time -------------------------------------------
# The worker's seccomp filter: sandbox_gen, built for and run on the
# build machine (never with the sanitizers: it only prints), compiles
# worker/sandbox_policy.h with libseccomp into a BPF array that only
# worker/sandbox.c includes, so no worker loads libseccomp.
HOSTCC		?= cc
HOSTCFLAGS	?= -std=gnu11 -g -O2 $(WARN)
SANDBOX_BPF	= $(O)/worker/sandbox_bpf.h

$(B)/tools/sandbox_gen: worker/sandbox_gen.c worker/sandbox_policy.h
	@mkdir -p $(@D)
	$(HOSTCC) $(HOSTCFLAGS) -o $@ worker/sandbox_gen.c -lseccomp

$(SANDBOX_BPF): $(B)/tools/sandbox_gen
	@mkdir -p $(@D)
	$(B)/tools/sandbox_gen > $@.tmp
	mv $@.tmp $@

$(O)/worker/sandbox.o: $(SANDBOX_BPF)
$(O)/worker/sandbox.o: CPPFLAGS += -I$(O)/worker

# ---- tests -------------------------------------------------------------
# The test tree is laid out under $(B)/regress with its Kyuafiles; the
# shell tests find the programs through POSTERN_BIN.
UNIT_SRCS	= $(wildcard regress/unit/t_*.c)
UNIT_PROGS	= $(patsubst regress/unit/%.c,$(B)/regress/unit/%,$(UNIT_SRCS))
SH_TESTS	= $(wildcard regress/integration/t_*.sh regress/interop/t_*.sh \
		  regress/fuzz/t_*.sh regress/unit/t_*.sh)
SH_PROGS	= $(patsubst regress/%.sh,$(B)/regress/%,$(SH_TESTS))
KYUAFILES	= $(patsubst regress/%,$(B)/regress/%,\
		  $(shell find regress -name Kyuafile))
SH_LIBS		= $(patsubst regress/%,$(B)/regress/%,\
		  $(wildcard regress/*/*.subr regress/*/*.py))
tests: $(UNIT_PROGS) $(SH_PROGS) $(KYUAFILES) $(SH_LIBS)

# A unit test t_DIR_name.c links only DIR's archive and what it needs,
# so a broken file elsewhere in the tree does not stop it building.
UNIT_CC		= $(CC) $(CPPFLAGS) $(CFLAGS) -Wno-missing-prototypes \
		  $(shell $(PKG) --cflags atf-c) $(LDFLAGS) -o $@ $<
# Each also links libcompat.a, as the programs do (see posternd).
$(B)/regress/unit/t_lib_%: regress/unit/t_lib_%.c $(A_LIB) $(A_COMPAT)
	@mkdir -p $(@D)
	$(UNIT_CC) $(A_LIB) $(A_COMPAT) $(LIBATF) $(LIBBSD)
$(B)/regress/unit/t_master_%: regress/unit/t_master_%.c $(A_MASTER) $(A_LIB) \
    $(A_COMPAT)
	@mkdir -p $(@D)
	$(UNIT_CC) $(A_MASTER) $(A_LIB) $(A_COMPAT) $(LIBATF) $(LIBEVENT) \
	    $(LIBSSL) $(LIBBSD)
$(B)/regress/unit/t_auth_%: regress/unit/t_auth_%.c $(A_AUTH) $(A_LIB) \
    $(A_COMPAT)
	@mkdir -p $(@D)
	$(UNIT_CC) $(A_AUTH) $(A_LIB) $(A_COMPAT) $(LIBATF) $(LIBEVENT) \
	    -lpam -lcrypt $(LIBGSS) $(LIBSSL) $(LIBBSD)
$(B)/regress/unit/t_store_%: regress/unit/t_store_%.c $(A_STORE) $(A_MIME) \
    $(A_LIB) $(A_COMPAT)
	@mkdir -p $(@D)
	$(UNIT_CC) $(A_STORE) $(A_MIME) $(A_LIB) $(A_COMPAT) $(LIBATF) \
	    $(LIBBSD)
# The worker tests share a socketpair harness, itself no test program.
$(O)/regress/unit/worker_harness.o: regress/unit/worker_harness.c
	@mkdir -p $(@D)
	$(CC) $(CPPFLAGS) $(CFLAGS) $(shell $(PKG) --cflags atf-c) -MMD -MP \
	    -c -o $@ $<
$(B)/regress/unit/t_worker_%: regress/unit/t_worker_%.c \
    regress/unit/worker_harness.h $(O)/regress/unit/worker_harness.o \
    $(A_IMAP) $(A_WORKER) $(A_WTLS) $(A_STORE) $(A_MIME) $(A_LIB) \
    $(A_COMPAT)
	@mkdir -p $(@D)
	$(UNIT_CC) $(O)/regress/unit/worker_harness.o $(A_IMAP) $(A_WORKER) \
	    $(A_WTLS) $(A_STORE) $(A_MIME) $(A_LIB) $(A_COMPAT) $(LIBATF) \
	    $(LIBSSL) $(LIBBSD)
# The sandbox's test checks the generated filter against libseccomp.
$(B)/regress/unit/t_worker_sandbox: regress/unit/t_worker_sandbox.c \
    $(SANDBOX_BPF) $(A_WORKER) $(A_LIB) $(A_COMPAT)
	@mkdir -p $(@D)
	$(UNIT_CC) -I$(O)/worker $(A_WORKER) $(A_LIB) $(A_COMPAT) $(LIBATF) \
	    -lseccomp $(LIBBSD)
$(B)/regress/unit/t_mime_%: regress/unit/t_mime_%.c $(A_MIME) $(A_LIB) \
    $(A_COMPAT)
	@mkdir -p $(@D)
	$(UNIT_CC) $(A_MIME) $(A_LIB) $(A_COMPAT) $(LIBATF) $(LIBBSD)
$(B)/regress/unit/t_imap_%: regress/unit/t_imap_%.c $(A_IMAP) $(A_STORE) \
    $(A_MIME) $(A_LIB) $(A_COMPAT)
	@mkdir -p $(@D)
	$(UNIT_CC) $(A_IMAP) $(A_STORE) $(A_MIME) $(A_LIB) $(A_COMPAT) \
	    $(LIBATF) $(LIBBSD)
$(B)/regress/unit/t_ctl_%: regress/unit/t_ctl_%.c $(A_CTL) $(A_MASTER) \
    $(A_LIB) $(A_COMPAT)
	@mkdir -p $(@D)
	$(UNIT_CC) $(A_CTL) $(A_MASTER) $(A_LIB) $(A_COMPAT) $(LIBATF) \
	    $(LIBSSL) $(LIBBSD)
# lib/compat against libbsd itself: its objects are built a second time
# with their symbols renamed, so one program can call both.  The title
# is tested apart, linked as the programs are: without libbsd.
COMPAT_RENAME	= -Dstrlcpy=compat_strlcpy -Dstrlcat=compat_strlcat \
		  -Dstrtonum=compat_strtonum -Dfreezero=compat_freezero \
		  -Dstrnvis=compat_strnvis -Dbsd_getopt=compat_bsd_getopt \
		  -Doptreset=compat_optreset
COMPAT_TOBJS	= $(patsubst lib/compat/%.c,$(O)/regress/unit/compat/%.o,\
		  $(filter-out lib/compat/setproctitle.c,$(COMPAT_SRCS)))
$(O)/regress/unit/compat/%.o: lib/compat/%.c
	@mkdir -p $(@D)
	$(CC) $(CPPFLAGS) $(COMPAT_RENAME) $(CFLAGS) -MMD -MP -c -o $@ $<
$(B)/regress/unit/t_compat: regress/unit/t_compat.c $(COMPAT_TOBJS)
	@mkdir -p $(@D)
	$(UNIT_CC) $(COMPAT_TOBJS) $(LIBATF) $(LIBBSD)
$(B)/regress/unit/t_compat_title: regress/unit/t_compat_title.c $(A_COMPAT)
	@mkdir -p $(@D)
	$(UNIT_CC) $(A_COMPAT) $(LIBATF)

$(B)/regress/%: regress/%.sh
	@mkdir -p $(@D)
	cp $< $@
	chmod 755 $@

$(B)/regress/%: regress/%
	@mkdir -p $(@D)
	cp $< $@

# ---- fuzzing -----------------------------------------------------------
FUZZ_SRCS	= $(wildcard regress/fuzz/fuzz_*.c)
FUZZ_CC		?= clang-14
fuzz:
	$(MAKE) B=$(B)/fuzzobj CC=$(FUZZ_CC) OPT=-O1 \
	    CFLAGS='-g -std=gnu11 -fsanitize=fuzzer-no-link,address,undefined' \
	    $(B)/fuzzobj/obj/libpostern.a $(B)/fuzzobj/obj/libstore.a \
	    $(B)/fuzzobj/obj/libmaster.a $(B)/fuzzobj/obj/libworker.a \
	    $(B)/fuzzobj/obj/libimap.a $(B)/fuzzobj/obj/libmime.a \
	    $(B)/fuzzobj/obj/libcompat.a
	@mkdir -p $(B)/fuzz
	for f in $(FUZZ_SRCS); do \
	    n=$$(basename $$f .c); \
	    $(FUZZ_CC) $(CPPFLAGS) -g -O1 \
	        -fsanitize=fuzzer,address,undefined -o $(B)/fuzz/$$n $$f \
	        $(B)/fuzzobj/obj/libmaster.a $(B)/fuzzobj/obj/libworker.a \
	        $(B)/fuzzobj/obj/libimap.a $(B)/fuzzobj/obj/libstore.a \
	        $(B)/fuzzobj/obj/libmime.a $(B)/fuzzobj/obj/libpostern.a \
	        $(B)/fuzzobj/obj/libcompat.a $(LIBSSL) $(LIBBSD) || exit 1; \
	done

# ---- the two commands of the README ------------------------------------
deps-build:
	sh etc/deps.sh build

deps-check:
	sh etc/deps.sh check

run: deps-build
	$(MAKE) programs
	sh etc/demo.sh "$(abspath $(BIN))"

check: deps-check
	$(MAKE) B=build all
	$(MAKE) B=build-san SAN=1 all
	$(MAKE) fuzz B=build
	$(MAKE) lint
	sh regress/run.sh "$(abspath build)" "$(abspath build-san)"

# mandoc -Tlint, every message counts, except that cross references to
# our own pages cannot resolve before they are installed: mandoc looks
# only in the system's manpath.  Those (and only those) are checked here
# against man/ instead.
lint:
	@-makewhatis /usr/share/man 2>/dev/null
	@out=$$(mandoc -Tlint man/*.[0-9] 2>&1 | \
	    grep -v 'referenced manual not found: Xr postern[a-z.-]* [58]'); \
	if [ -n "$$out" ]; then echo "$$out"; exit 1; fi
	@for x in $$(grep -h '^\.Xr postern' man/*.[0-9] | \
	    awk '{ print $$2 "." $$3 }' | sort -u); do \
		if [ ! -f man/$$x ]; then \
			echo "man pages refer to $$x, which is not in man/"; \
			exit 1; \
		fi; \
	done
	@echo "mandoc -Tlint: man/*.[0-9] clean"

# ---- benchmark ---------------------------------------------------------
# make bench: postern against a private Dovecot on the same generated
# data (regress/bench/bench.sh, as root; not part of check).  SIZE=small
# for a quick run, SCALE=1 to also hold 10,000 idle IMAP sessions, RUNS=
# runs per scenario.  Results in $(B)/bench/results.{txt,csv,png}.
SIZE		?= default
SCALE		?= 0
RUNS		?= 3
BENCH_SRCS	= regress/bench/pbench.c regress/bench/net.c \
		  regress/bench/client.c regress/bench/imap.c \
		  regress/bench/pop3.c regress/bench/stats.c regress/bench/pss.c

$(B)/bench/pbench: $(BENCH_SRCS) regress/bench/pbench.h
	@mkdir -p $(@D)
	$(CC) $(CPPFLAGS) $(CFLAGS) $(LDFLAGS) -o $@ $(BENCH_SRCS) \
	    $(LIBSSL) $(LIBBSD)

$(B)/bench/pgen: regress/bench/pgen.c
	@mkdir -p $(@D)
	$(CC) $(CPPFLAGS) $(CFLAGS) $(LDFLAGS) -o $@ $< -lcrypt $(LIBBSD)

bench: deps-build
	$(MAKE) $(PROGS) $(B)/bench/pbench $(B)/bench/pgen
	SIZE='$(SIZE)' SCALE='$(SCALE)' RUNS='$(RUNS)' \
	    sh regress/bench/bench.sh "$(B)"

.PHONY: bench

# ---- install -----------------------------------------------------------
install: all
	install -d $(DESTDIR)$(SBINDIR) $(DESTDIR)$(LIBEXECDIR) \
	    $(DESTDIR)$(MANDIR)/man5 $(DESTDIR)$(MANDIR)/man8 \
	    $(DESTDIR)$(SYSCONFDIR)
	install -m 755 $(BIN)/posternd $(BIN)/posternctl $(DESTDIR)$(SBINDIR)
	install -m 755 $(BIN)/postern-auth $(BIN)/postern-worker \
	    $(BIN)/postern-tlsworker $(BIN)/postern-session \
	    $(DESTDIR)$(LIBEXECDIR)
	install -m 644 man/*.5 $(DESTDIR)$(MANDIR)/man5
	install -m 644 man/*.8 $(DESTDIR)$(MANDIR)/man8
	sh etc/install.sh "$(DESTDIR)" "$(SYSCONFDIR)" "$(SBINDIR)"

clean:
	rm -rf build build-san $(B)

.PHONY: all programs tests fuzz run check lint install clean deps-build deps-check

-include $(shell find $(B)/obj -name '*.d' 2>/dev/null)
