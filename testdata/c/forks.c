/* forks: forks with plain fork(), which glibc makes a clone without any
 * namespace flag, and waits. With the argument "newuser" it then calls
 * clone itself with CLONE_NEWUSER, as unshare -U would, printing
 * "CLONE_NEWUSER: ok" or the error. Exits 0 either way. */
#define _GNU_SOURCE
#include <errno.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	pid_t pid = fork();
	if (pid < 0) {
		printf("fork: %s\n", strerror(errno));
		return 1;
	}
	if (pid == 0)
		_exit(0);
	waitpid(pid, NULL, 0);
	printf("fork: ok\n");
	if (argc > 1 && strcmp(argv[1], "newuser") == 0) {
		/* Raw clone, no new stack: the child returns here like fork's. */
		long r = syscall(SYS_clone, CLONE_NEWUSER | SIGCHLD, 0, 0, 0, 0);
		if (r < 0) {
			printf("CLONE_NEWUSER: %s\n", strerror(errno));
			return 0;
		}
		if (r == 0)
			_exit(0);
		waitpid((pid_t)r, NULL, 0);
		printf("CLONE_NEWUSER: ok\n");
	}
	return 0;
}
