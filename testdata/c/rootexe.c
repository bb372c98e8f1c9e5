/* rootexe: needs libsgroot.so.1 (rootlib.c) and calls probe_lock only when
 * given an argument, so a run without one leaves mlockall to inference. It
 * reads its standard input to the end first, so a test can keep it alive
 * until the tracer has looked at it. */
#include <stdio.h>
#include <unistd.h>

int probe_lock(void);

int main(int argc, char **argv)
{
	char buf[256];
	(void)argv;
	while (read(0, buf, sizeof(buf)) > 0)
		;
	if (argc > 1)
		return probe_lock();
	printf("hello from the chroot\n");
	return 0;
}
