/* refusals: calls getppid N times (argv[1]) as "refuser", after what must
 * never count as refused under an enforcing filter: a thread, a fork, a
 * vfork and an exec, a read interrupted by a signal and restarted
 * (SA_RESTART), a signal handler's return. Prints its pid; exits 7.
 * With "own-filter" (argv[2]) it first installs a seccomp filter of its
 * own that refuses getppid with EACCES. */
#define _GNU_SOURCE
#include <errno.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <pthread.h>
#include <stddef.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <unistd.h>

static int own_filter(void)
{
	struct sock_filter f[] = {
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_getppid, 0, 1),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | EACCES),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
	};
	struct sock_fprog prog = { .len = sizeof(f) / sizeof(f[0]), .filter = f };
	return prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) || syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &prog);
}

static void on_alarm(int sig) { (void)sig; }

static void *thread(void *arg)
{
	(void)arg;
	return (void *)(long)syscall(SYS_gettid);
}

int main(int argc, char **argv)
{
	if (argc > 1 && strcmp(argv[1], "child") == 0)
		return 0;
	int n = argc > 1 ? atoi(argv[1]) : 0;
	prctl(PR_SET_NAME, "refuser");
	printf("pid %d\n", getpid());
	fflush(stdout);

	pthread_t t;
	pthread_create(&t, NULL, thread, NULL);
	pthread_join(t, NULL);

	pid_t pid = fork();
	if (pid == 0) {
		execl("/proc/self/exe", "refusals", "child", (char *)NULL);
		_exit(1);
	}
	waitpid(pid, NULL, 0);
	pid = vfork();
	if (pid == 0)
		_exit(0);
	waitpid(pid, NULL, 0);

	/* A read the alarm interrupts; SA_RESTART restarts it until the
	 * writer (a child, 200 ms later) makes it return. */
	struct sigaction sa = { .sa_handler = on_alarm, .sa_flags = SA_RESTART };
	sigaction(SIGALRM, &sa, NULL);
	int p[2];
	if (pipe(p) != 0)
		return 1;
	pid = fork();
	if (pid == 0) {
		usleep(200 * 1000);
		if (write(p[1], "x", 1) != 1)
			_exit(1);
		_exit(0);
	}
	struct itimerval it = { .it_value = { .tv_usec = 50 * 1000 } };
	setitimer(ITIMER_REAL, &it, NULL);
	char c;
	if (read(p[0], &c, 1) != 1)
		return 1;
	waitpid(pid, NULL, 0);

	if (argc > 2 && strcmp(argv[2], "own-filter") == 0 && own_filter() != 0) {
		perror("seccomp");
		return 1;
	}
	for (int i = 0; i < n; i++)
		syscall(SYS_getppid);
	return 7;
}
