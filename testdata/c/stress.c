/* stress: a busy process tree in which every member makes one distinctive
 * syscall, so a test can prove the tracer missed none of them.
 *
 * 64 threads start at once; each makes its syscall and then forks its share
 * of 1000 short-lived children. Each child makes its own syscall and then
 * either exits (fork without exec, even children) or execs /bin/true (odd
 * children). Member i (threads 0..63, then children 64..1063) makes
 * calls[i % NCALLS]: rarely used syscalls with harmless arguments, made
 * through syscall(2) so none is served by the vDSO and none is made by libc,
 * pthreads or /bin/true themselves. Many fail (EBADF, EINVAL, ENOSYS): the
 * tracer sees them at sys_enter all the same.
 *
 * When the whole tree is done, main prints one line per syscall, "NAME
 * COUNT": how many times the tree made it. The exit status is 0 only if
 * every thread and child did its part. */
#define _GNU_SOURCE
#include <linux/capability.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define NTHREADS 64
#define NCHILDREN 1000
#define NOFILE "/nonexistent-seccompgen-stress"

/* Big enough for any struct these calls write (sysinfo, rusage, statfs,
 * sched_attr, itimerval, ...). */
union buf {
	char b[512];
	long align;
};

#define CALLS(X)                                                        \
	X(sysinfo, &u)                                                  \
	X(times, &u)                                                    \
	X(getcpu, &u, &u.b[8], NULL)                                    \
	X(sched_getscheduler, 0)                                        \
	X(sched_getparam, 0, &u)                                        \
	X(sched_get_priority_max, 0)                                    \
	X(sched_get_priority_min, 0)                                    \
	X(getpriority, PRIO_PROCESS, 0)                                 \
	X(getitimer, ITIMER_REAL, &u)                                   \
	X(getrusage, RUSAGE_SELF, &u)                                   \
	X(getpgid, 0)                                                   \
	X(getsid, 0)                                                    \
	X(getpgrp)                                                      \
	X(getresuid, &u, &u.b[8], &u.b[16])                             \
	X(getresgid, &u, &u.b[8], &u.b[16])                             \
	X(getgroups, 0, NULL)                                           \
	X(capget, &hdr, NULL)                                           \
	X(personality, 0xffffffffUL)                                    \
	X(getrlimit, RLIMIT_NOFILE, &u)                                 \
	X(sysfs, 3)                                                     \
	X(ustat, 0, &u)                                                 \
	X(lgetxattr, NOFILE, "user.x", NULL, 0)                         \
	X(llistxattr, NOFILE, NULL, 0)                                  \
	X(statfs, "/", &u)                                              \
	X(fstatfs, -1, &u)                                              \
	X(timer_getoverrun, 0x7fffffff)                                 \
	X(timerfd_gettime, -1, &u)                                      \
	X(io_destroy, 0)                                                \
	X(io_getevents, 0, 0, 0, NULL, NULL)                            \
	X(mq_getsetattr, -1, NULL, NULL)                                \
	X(mq_notify, -1, NULL)                                          \
	X(inotify_rm_watch, -1, 0)                                      \
	X(flock, -1, 0)                                                 \
	X(fdatasync, -1)                                                \
	X(syncfs, -1)                                                   \
	X(readahead, -1, 0, 0)                                          \
	X(tee, -1, -1, 0, 0)                                            \
	X(vmsplice, -1, NULL, 0, 0)                                     \
	X(sync_file_range, -1, 0, 0, 0)                                 \
	X(fadvise64, -1, 0, 0, 0)                                       \
	X(fallocate, -1, 0, 0, 0)                                       \
	X(fchdir, -1)                                                   \
	X(pidfd_send_signal, -1, 0, NULL, 0)                            \
	X(pidfd_getfd, -1, -1, 0)                                       \
	X(kcmp, 0, 0, 0, 0, 0)                                          \
	X(ioprio_get, 1, 0)                                             \
	X(get_robust_list, 0, &u, &u.b[8])                              \
	X(rt_sigpending, &u, 8)                                         \
	X(membarrier, 0, 0, 0)                                          \
	X(sched_getattr, 0, &u, 48, 0)                                  \
	X(alarm, 0)                                                     \
	X(epoll_wait, -1, NULL, 1, 0)                                   \
	X(waitid, P_PID, 0, NULL, WEXITED | WNOHANG, NULL)              \
	X(process_madvise, -1, NULL, 0, 0, 0)

#define NAME(name, ...) #name,
static const char *names[] = {CALLS(NAME)};
#define NCALLS ((int)(sizeof(names) / sizeof(names[0])))

static void call(int k)
{
	union buf u = {0};
	struct __user_cap_header_struct hdr = {.version = _LINUX_CAPABILITY_VERSION_3};
	(void)hdr;
	int i = 0;
#define CASE(name, ...)                                   \
	if (k == i++) {                                   \
		syscall(SYS_##name, ##__VA_ARGS__);           \
		return;                                   \
	}
	CALLS(CASE)
	abort();
}

static atomic_int failed;
static pthread_barrier_t start;

/* Children of thread t: members NTHREADS+c for c = t, t+NTHREADS, ... */
static void *thread_main(void *arg)
{
	int t = (int)(long)arg;
	pthread_barrier_wait(&start);
	call(t % NCALLS);
	for (int c = t; c < NCHILDREN; c += NTHREADS) {
		pid_t pid = fork();
		if (pid < 0) {
			atomic_store(&failed, 1);
			break;
		}
		if (pid == 0) {
			call((NTHREADS + c) % NCALLS);
			if (c % 2)
				execl("/bin/true", "true", (char *)NULL);
			_exit(c % 2 ? 127 : 0);
		}
		int status;
		if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status) || WEXITSTATUS(status) != 0)
			atomic_store(&failed, 1);
	}
	return NULL;
}

int main(void)
{
	pthread_t th[NTHREADS];
	pthread_barrier_init(&start, NULL, NTHREADS);
	for (long t = 0; t < NTHREADS; t++)
		if (pthread_create(&th[t], NULL, thread_main, (void *)t) != 0)
			return 10;
	for (int t = 0; t < NTHREADS; t++)
		pthread_join(th[t], NULL);
	if (atomic_load(&failed))
		return 11;

	int count[NCALLS] = {0};
	for (int i = 0; i < NTHREADS + NCHILDREN; i++)
		count[i % NCALLS]++;
	for (int k = 0; k < NCALLS; k++)
		printf("%s %d\n", names[k], count[k]);
	return 0;
}
