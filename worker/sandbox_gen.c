/*
 * sandbox_gen: a build tool, run by make on the build machine and never
 * installed.  It builds the worker's seccomp filter from
 * sandbox_policy.h with libseccomp, as postern-worker used to do for
 * every connection, and prints the BPF program libseccomp exports as a
 * C header (a sock_filter array), so that the worker enters its
 * sandbox with one prctl(2) and neither loads libseccomp nor compiles
 * a filter.  The program checks the build machine's architecture, so
 * the header is only good for workers built for that machine.
 */
#include <sys/types.h>

#include <linux/filter.h>

#include <err.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <seccomp.h>

#include "sandbox_policy.h"

static struct sock_filter *export_bpf(scmp_filter_ctx, size_t *);
static void	 print_header(const struct sock_filter *, size_t, uint32_t);

int
main(int argc, char *argv[])
{
	scmp_filter_ctx		 ctx;
	struct sock_filter	*bpf;
	size_t			 len;
	char			*name;
	int			 nr, rc;

	if (argc != 1) {
		fprintf(stderr, "usage: sandbox_gen > sandbox_bpf.h\n");
		return 1;
	}
	if ((rc = sandbox_policy(&ctx, &nr)) < 0) {
		errno = -rc;
		if (nr == -1)
			err(1, "seccomp_init");
		name = seccomp_syscall_resolve_num_arch(SCMP_ARCH_NATIVE, nr);
		err(1, "seccomp_rule_add %s", name != NULL ? name : "?");
	}
	bpf = export_bpf(ctx, &len);
	print_header(bpf, len, seccomp_arch_native());
	free(bpf);
	seccomp_release(ctx);
	if (fflush(stdout) == EOF || ferror(stdout))
		err(1, "stdout");
	return 0;
}

/*
 * libseccomp 2.5 exports only to a file descriptor: a temporary file
 * holds the program, however long, until it is read back.
 */
static struct sock_filter *
export_bpf(scmp_filter_ctx ctx, size_t *lenp)
{
	struct sock_filter	*bpf;
	FILE			*fp;
	long			 size;
	int			 rc;

	if ((fp = tmpfile()) == NULL)
		err(1, "tmpfile");
	if ((rc = seccomp_export_bpf(ctx, fileno(fp))) < 0) {
		errno = -rc;
		err(1, "seccomp_export_bpf");
	}
	if (fseek(fp, 0, SEEK_END) == -1 || (size = ftell(fp)) == -1)
		err(1, "exported filter");
	if (size == 0 || size % sizeof(*bpf) != 0 ||
	    size / sizeof(*bpf) > BPF_MAXINSNS)
		errx(1, "exported filter has %ld bytes, not a program", size);
	*lenp = size / sizeof(*bpf);
	if ((bpf = reallocarray(NULL, *lenp, sizeof(*bpf))) == NULL)
		err(1, NULL);
	if (fseek(fp, 0, SEEK_SET) == -1)
		err(1, "exported filter");
	if (fread(bpf, sizeof(*bpf), *lenp, fp) != *lenp)
		errx(1, "exported filter: short read");
	fclose(fp);
	return bpf;
}

static void
print_header(const struct sock_filter *bpf, size_t len, uint32_t arch)
{
	size_t	i;

	printf("/*\n"
	    " * Generated at build time by sandbox_gen from "
	    "worker/sandbox_policy.h:\n"
	    " * the worker's seccomp filter as libseccomp builds it.  "
	    "Do not edit.\n"
	    " */\n"
	    "#include <linux/filter.h>\n"
	    "\n"
	    "/* The AUDIT_ARCH_* value the filter lets through. */\n"
	    "#define SANDBOX_BPF_ARCH\t0x%08xU\n"
	    "\n"
	    "static const struct sock_filter sandbox_bpf[%zu] = {\n",
	    arch, len);
	for (i = 0; i < len; i++)
		printf("\t{ 0x%04x, %3u, %3u, 0x%08x },\n", bpf[i].code,
		    bpf[i].jt, bpf[i].jf, bpf[i].k);
	printf("};\n");
}
