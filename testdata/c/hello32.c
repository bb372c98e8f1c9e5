/* hello32: built with gcc -m32, it runs through IA32 emulation; its
 * syscalls carry i386 numbers. getpriority makes it recognisable. */
#include <stdio.h>
#include <sys/resource.h>

int main(void)
{
	getpriority(PRIO_PROCESS, 0);
	printf("hello from 32 bits\n");
	return 0;
}
