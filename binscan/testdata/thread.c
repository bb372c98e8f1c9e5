// pthread_create starts threads with clone3, falling back to clone: glibc
// ends the FDE of its clone3 wrapper just before the syscall instruction.
// A signal handler returns through __restore_rt (rt_sigreturn), whose FDE
// starts one byte early.
#include <pthread.h>
#include <signal.h>
#include <stdio.h>

static void *run(void *arg) { return arg; }
static void handler(int sig) { (void)sig; }

int main(int argc, char **argv) {
	pthread_t t;
	if (argc > 100 && pthread_create(&t, NULL, run, NULL) == 0)
		pthread_join(t, NULL);
	signal(SIGUSR1, handler);
	puts("hello");
	return 0;
}
