/* logged: with an argument, also calls sched_getscheduler, which a profile
 * recorded without one lacks; exits 3 when the call is refused. The learn
 * tests run it under that profile's log-mode copy, so the kernel logs the
 * call, and learn adds it back from the kernel log. */
#define _GNU_SOURCE
#include <sys/syscall.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	(void)argv;
	if (argc > 1 && syscall(SYS_sched_getscheduler, 0) < 0)
		return 3;
	return 0;
}
