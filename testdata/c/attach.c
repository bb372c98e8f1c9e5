/* attach: a program for record --pid and --cgroup, which attach to it while
 * it runs. It does its arguments in order:
 *
 *   getpriority, sysinfo, getpgid, getsid, times   make that syscall
 *   thread   start a thread that waits for the signal, then calls getsid
 *   wait     print "ready" and wait for SIGUSR1 (the test attaches meanwhile)
 *   fork     fork: the child does the rest, the parent waits for it
 *   spawn    fork a child that calls getsid and exits; wait for it
 *   exec     execute this program again with the rest
 *
 * Each syscall is one no other step (nor the C start-up) makes, so a test
 * can tell which steps a recording saw. */
#define _GNU_SOURCE
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/sysinfo.h>
#include <sys/syscall.h>
#include <sys/times.h>
#include <sys/wait.h>
#include <unistd.h>

static int go[2] = {-1, -1};
static pthread_t thr;
static int have_thread;

static void *thread_main(void *arg)
{
	char c;
	(void)arg;
	if (read(go[0], &c, 1) == 1)
		syscall(SYS_getsid, 0);
	return NULL;
}

static int call(const char *name)
{
	struct sysinfo si;
	struct tms t;
	if (!strcmp(name, "getpriority"))
		syscall(SYS_getpriority, 0, 0);
	else if (!strcmp(name, "sysinfo"))
		sysinfo(&si);
	else if (!strcmp(name, "getpgid"))
		syscall(SYS_getpgid, 0);
	else if (!strcmp(name, "getsid"))
		syscall(SYS_getsid, 0);
	else if (!strcmp(name, "times"))
		times(&t);
	else
		return -1;
	return 0;
}

int main(int argc, char **argv)
{
	sigset_t set;
	sigemptyset(&set);
	sigaddset(&set, SIGUSR1);
	/* Blocked in every thread, so sigwaitinfo takes it. */
	sigprocmask(SIG_BLOCK, &set, NULL);
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		if (!strcmp(a, "thread")) {
			if (pipe(go) || pthread_create(&thr, NULL, thread_main, NULL)) {
				perror("thread");
				return 1;
			}
			have_thread = 1;
		} else if (!strcmp(a, "wait")) {
			printf("ready\n");
			fflush(stdout);
			sigwaitinfo(&set, NULL);
			if (have_thread) {
				if (write(go[1], "x", 1) != 1)
					return 1;
				pthread_join(thr, NULL);
				have_thread = 0;
			}
		} else if (!strcmp(a, "fork")) {
			pid_t pid = fork();
			if (pid < 0) {
				perror("fork");
				return 1;
			}
			if (pid > 0) {
				int st;
				waitpid(pid, &st, 0);
				return WIFEXITED(st) ? WEXITSTATUS(st) : 1;
			}
		} else if (!strcmp(a, "spawn")) {
			pid_t pid = fork();
			if (pid == 0) {
				syscall(SYS_getsid, 0);
				_exit(0);
			}
			if (pid < 0 || waitpid(pid, NULL, 0) != pid) {
				perror("spawn");
				return 1;
			}
		} else if (!strcmp(a, "exec")) {
			argv[i] = argv[0];
			execv("/proc/self/exe", argv + i);
			perror("exec");
			return 1;
		} else if (call(a)) {
			fprintf(stderr, "attach: unknown step %s\n", a);
			return 2;
		}
	}
	return 0;
}
