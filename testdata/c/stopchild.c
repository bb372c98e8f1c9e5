/* stopchild: forks a child that stops itself (SIGSTOP), waits until it is
 * stopped, prints "ready PARENT CHILD" and exits 0, leaving the stopped
 * child behind in the traced tree. */
#include <signal.h>
#include <stdio.h>
#include <sys/wait.h>
#include <unistd.h>

int main(void)
{
	pid_t child = fork();
	if (child < 0)
		return 1;
	if (child == 0) {
		raise(SIGSTOP);
		for (;;)
			pause();
	}
	int st;
	if (waitpid(child, &st, WUNTRACED) != child || !WIFSTOPPED(st))
		return 1;
	printf("ready %d %d\n", (int)getpid(), (int)child);
	fflush(stdout);
	return 0;
}
