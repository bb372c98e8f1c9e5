/* memfd: uses memfd_create when allowed and copes with EPERM, as a program
 * facing a profile that denies it should. Exits 0 either way; prints what
 * happened. */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

int main(void)
{
	long fd = syscall(SYS_memfd_create, "seccompgen-test", 0);
	if (fd < 0) {
		printf("memfd_create: %s\n", strerror(errno));
		return 0;
	}
	printf("memfd_create: ok\n");
	close((int)fd);
	return 0;
}
