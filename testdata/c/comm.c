/* comm: renames itself (prctl PR_SET_NAME) to argv[1], which a hostile
 * workload can fill with a newline and a CI annotation, then calls
 * getpriority, which the tests deny or leave out of the profile so the new
 * name is printed. */
#define _GNU_SOURCE
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	if (argc < 2)
		return 2;
	if (prctl(PR_SET_NAME, argv[1], 0, 0, 0) != 0)
		return 1;
	syscall(SYS_getpriority, PRIO_PROCESS, 0);
	return 0;
}
