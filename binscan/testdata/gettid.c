// syscall(2) with a constant number: the number is an argument of libc's
// syscall(), resolved at the call site.
#define _GNU_SOURCE
#include <stdio.h>
#include <sys/syscall.h>
#include <unistd.h>

int main(void) {
	printf("%ld\n", syscall(SYS_gettid));
	return 0;
}
