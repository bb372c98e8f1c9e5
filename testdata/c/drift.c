/* drift: stands for a program whose syscalls change between versions. It
 * always calls getppid; given the argument "new", it also calls
 * getpriority, as a new version of the code would. Given "fail", it exits 7. */
#define _GNU_SOURCE
#include <string.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	syscall(SYS_getppid);
	if (argc > 1 && strcmp(argv[1], "new") == 0)
		syscall(SYS_getpriority, PRIO_PROCESS, 0);
	if (argc > 1 && strcmp(argv[1], "fail") == 0)
		return 7;
	return 0;
}
