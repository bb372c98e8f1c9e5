/* sigterm: prints "ready", then waits; on SIGTERM it exits 42, so a test can
 * tell a forwarded signal that the program handled from one that killed it. */
#include <signal.h>
#include <stdio.h>
#include <unistd.h>

static void on_term(int sig)
{
	(void)sig;
	_exit(42);
}

int main(void)
{
	signal(SIGTERM, on_term);
	printf("ready\n");
	fflush(stdout);
	for (;;)
		pause();
}
