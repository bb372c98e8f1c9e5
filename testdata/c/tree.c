/* tree: makes one distinctive syscall from each kind of member of a process
 * tree, so a test can prove the tracer saw them all:
 *   a thread                                  getpriority
 *   a forked child that never execs           sysinfo
 *   a grandchild whose parent already exited  times, getcpu
 *   the main process, last                    sched_getscheduler
 * The main process does not wait for the grandchild: the tracer must. */
#define _GNU_SOURCE
#include <linux/futex.h>
#include <pthread.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/sysinfo.h>
#include <sys/times.h>
#include <sys/wait.h>
#include <unistd.h>

static void *thread_main(void *arg)
{
	(void)arg;
	syscall(SYS_getpriority, PRIO_PROCESS, 0);
	return NULL;
}

int main(void)
{
	pthread_t th;
	if (pthread_create(&th, NULL, thread_main, NULL) != 0)
		return 10;
	pthread_join(th, NULL);
	/* pthread_join calls futex only if the thread is still running: make
	 * the call unconditional so every run makes the same syscalls. */
	int word = 0;
	syscall(SYS_futex, &word, FUTEX_WAKE_PRIVATE, 1, NULL, NULL, 0);

	pid_t child = fork();
	if (child < 0)
		return 11;
	if (child == 0) {
		struct sysinfo si;
		syscall(SYS_sysinfo, &si);
		/* The grandchild learns of its parent's exit when the pipe's only
		 * write end closes, then waits to be reparented: no timers, so the
		 * set of syscalls is the same every run. */
		int gone[2];
		if (pipe(gone) != 0)
			_exit(14);
		pid_t parent = getpid();
		pid_t grandchild = fork();
		if (grandchild < 0)
			_exit(12);
		if (grandchild == 0) {
			char c;
			close(gone[1]);
			while (read(gone[0], &c, 1) > 0)
				;
			while (getppid() == parent)
				;
			struct tms t;
			unsigned cpu, node;
			syscall(SYS_times, &t);
			syscall(SYS_getcpu, &cpu, &node, NULL);
			_exit(0);
		}
		_exit(0);
	}
	int status;
	if (waitpid(child, &status, 0) != child || !WIFEXITED(status) || WEXITSTATUS(status) != 0)
		return 13;
	syscall(SYS_sched_getscheduler, 0);
	return 0;
}
