/* spin: calls sched_rr_get_interval in a loop until killed. Run outside the
 * traced tree, it must contribute nothing to a recording. It prints "ready"
 * once it has made its first call. */
#define _GNU_SOURCE
#include <stdio.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

int main(void)
{
	struct timespec ts;
	syscall(SYS_sched_rr_get_interval, 0, &ts);
	printf("ready\n");
	fflush(stdout);
	for (;;)
		syscall(SYS_sched_rr_get_interval, 0, &ts);
}
