/* storm: THREADS threads each call getppid N times, as fast as they can
 * (make bench's syscall storm). It prints the wall time of the storm alone,
 * in nanoseconds, from the moment all threads are released to the moment
 * the last one is done: what a tracer adds per syscall, without the cost of
 * starting the program or the tracer.
 *
 * usage: storm THREADS N */
#define _GNU_SOURCE
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

static long n;
static pthread_barrier_t start;

static void *storm(void *arg)
{
	(void)arg;
	pthread_barrier_wait(&start);
	for (long i = 0; i < n; i++)
		syscall(SYS_getppid);
	return NULL;
}

static long long now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts); /* the vDSO: no syscall */
	return ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

int main(int argc, char **argv)
{
	if (argc != 3) {
		fprintf(stderr, "usage: storm THREADS N\n");
		return 2;
	}
	int threads = atoi(argv[1]);
	n = atol(argv[2]);
	if (threads < 1 || threads > 256 || n < 1) {
		fprintf(stderr, "storm: want 1..256 threads and N >= 1\n");
		return 2;
	}
	pthread_t th[256];
	pthread_barrier_init(&start, NULL, threads + 1);
	for (int t = 0; t < threads; t++)
		if (pthread_create(&th[t], NULL, storm, NULL) != 0)
			return 1;
	long long t0 = now();
	pthread_barrier_wait(&start);
	for (int t = 0; t < threads; t++)
		pthread_join(th[t], NULL);
	printf("%lld\n", now() - t0);
	return 0;
}
