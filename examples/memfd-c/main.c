/* memfd-c: uses memfd_create and userfaultfd when it may, and copes when a
 * profile denies them with EPERM — the explicit-deny case. An anonymous
 * file from memfd_create is a favourite of in-memory malware loaders, and
 * userfaultfd a favourite of kernel exploits; most programs can do without
 * either, as this one can. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

/* scratch returns a file for temporary data: an anonymous memfd when
 * allowed, else an unlinked file in /tmp. */
static int scratch(void)
{
	int fd = (int)syscall(SYS_memfd_create, "scratch", MFD_CLOEXEC);
	if (fd >= 0) {
		printf("scratch: memfd\n");
		return fd;
	}
	if (errno != EPERM && errno != ENOSYS)
		return -1;
	char path[] = "/tmp/memfd-c-XXXXXX";
	fd = mkstemp(path);
	if (fd >= 0)
		unlink(path);
	printf("scratch: /tmp file (memfd_create: %s)\n", strerror(EPERM));
	return fd;
}

int main(void)
{
	int fd = scratch();
	if (fd < 0) {
		perror("scratch");
		return 1;
	}
	const char msg[] = "hello";
	if (write(fd, msg, sizeof msg) != sizeof msg) {
		perror("write");
		return 1;
	}
	close(fd);

	long uffd = syscall(SYS_userfaultfd, O_CLOEXEC);
	if (uffd >= 0) {
		printf("userfaultfd: available\n");
		close((int)uffd);
	} else {
		printf("userfaultfd: %s, page faults handled by the kernel\n", strerror(errno));
	}
	return 0;
}
