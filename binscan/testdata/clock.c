// vDSO-backed functions: each falls back to its syscall inside libc.
#define _GNU_SOURCE
#include <sched.h>
#include <stdio.h>
#include <sys/time.h>
#include <time.h>

int main(void) {
	struct timespec ts;
	struct timeval tv;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	gettimeofday(&tv, NULL);
	printf("%ld %ld %d\n", (long)time(NULL), (long)tv.tv_sec, sched_getcpu());
	return 0;
}
