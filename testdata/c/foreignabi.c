/* foreignabi: makes getpid through another ABI than x86_64, one per
 * argument, printing "ABI: ok" or the error:
 *   x86_64  the plain syscall, for a profile to allow
 *   i386    int 0x80 with the i386 number (20), as a 64-bit program may
 *   x32     the x86_64 number with the x32 bit set (0x40000000 | 39) A seccomp filter that does not list the
 * ABI applies its bad-architecture action, by default killing the process.
 * Exits 0 either way. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

static void show(const char *abi, long r)
{
	if (r < 0 && r > -4096)
		printf("%s: %s\n", abi, strerror((int)-r));
	else
		printf("%s: ok\n", abi);
	fflush(stdout);
}

int main(int argc, char **argv)
{
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "x86_64") == 0) {
			long r = syscall(SYS_getpid);
			show("x86_64", r < 0 ? -errno : r);
		} else if (strcmp(argv[i], "i386") == 0) {
			long r;
			__asm__ volatile("int $0x80" : "=a"(r) : "a"(20L) : "memory");
			show("i386", r);
		} else if (strcmp(argv[i], "x32") == 0) {
			long r = syscall(0x40000000L | SYS_getpid);
			show("x32", r < 0 ? -errno : r);
		}
	}
	return 0;
}
