/* server: stands for a server that CI stops with SIGTERM. It prints
 * "ready PID", then waits in sigsuspend for a signal with its default
 * effect: SIGTERM (SIGINT, SIGHUP) kills it. The stop signals are blocked
 * until sigsuspend, so a signal sent as soon as "ready" is read finds it
 * making the same syscalls every time. With the argument "segv" it kills
 * itself with SIGSEGV after "ready" instead: a crash nobody asked for. */
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	sigset_t stop, none;
	sigemptyset(&stop);
	sigaddset(&stop, SIGTERM);
	sigaddset(&stop, SIGINT);
	sigaddset(&stop, SIGHUP);
	sigprocmask(SIG_BLOCK, &stop, NULL);
	printf("ready %d\n", (int)getpid());
	fflush(stdout);
	if (argc > 1 && strcmp(argv[1], "segv") == 0)
		raise(SIGSEGV);
	sigemptyset(&none);
	for (;;)
		sigsuspend(&none);
}
