/* storm: THREADS threads each call getppid N times, as fast as they can
 * (make bench's syscall storm). It prints two numbers, in nanoseconds: the
 * wall time of the storm alone, from the moment all threads are released to
 * the moment the last one is done, and the CPU time the process used in
 * that span. That is what a tracer adds per syscall (it runs in the calling
 * thread), without the cost of starting the program or the tracer; the CPU
 * time is also blind to other programs taking the CPU away.
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

static long long now(clockid_t clock)
{
	struct timespec ts;
	clock_gettime(clock, &ts);
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
	long long cpu0 = now(CLOCK_PROCESS_CPUTIME_ID);
	long long t0 = now(CLOCK_MONOTONIC);
	pthread_barrier_wait(&start);
	for (int t = 0; t < threads; t++)
		pthread_join(th[t], NULL);
	long long wall = now(CLOCK_MONOTONIC) - t0;
	printf("%lld %lld\n", wall, now(CLOCK_PROCESS_CPUTIME_ID) - cpu0);
	return 0;
}
