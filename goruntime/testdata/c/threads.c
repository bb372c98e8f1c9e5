/* threads does the same work with threads (argv[1] = "threads") or without,
 * so that the difference of the two is what glibc adds to start, run
 * (malloc in a new thread) and end threads. */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

static void *work(void *arg) {
	char *p = malloc(200000); /* above the mmap threshold */
	char *q = malloc(1000);   /* from the thread's arena */
	memset(p, 1, 200000);
	memset(q, 1, 1000);
	free(p);
	free(q);
	return arg;
}

int main(int argc, char **argv) {
	int threads = argc > 1 && strcmp(argv[1], "threads") == 0;
	pthread_t t[16];
	for (int i = 0; i < 16; i++) {
		if (threads)
			pthread_create(&t[i], NULL, work, NULL);
		else
			work(NULL);
	}
	if (threads)
		for (int i = 0; i < 16; i++)
			pthread_join(t[i], NULL);
	return 0;
}
