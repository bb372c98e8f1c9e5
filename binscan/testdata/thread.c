// pthread_create starts threads with clone3, falling back to clone: glibc
// ends the FDE of its clone3 wrapper just before the syscall instruction.
#include <pthread.h>
#include <stdio.h>

static void *run(void *arg) { return arg; }

int main(int argc, char **argv) {
	pthread_t t;
	if (argc > 100 && pthread_create(&t, NULL, run, NULL) == 0)
		pthread_join(t, NULL);
	puts("hello");
	return 0;
}
