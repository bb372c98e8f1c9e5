/* spawns: starts threads and processes the ways a C program does, one way
 * per argument, in order, printing "WAY: ok" or the error for each:
 *   threads        pthread_create (glibc uses clone3, clone on ENOSYS)
 *   spawn          posix_spawn of /bin/true
 *   fork           fork
 *   clone3-newuser raw clone3 with CLONE_NEWUSER (as unshare -U could)
 *   clone-newuser  raw clone with CLONE_NEWUSER
 * Exits 0 either way. It first wakes a futex no one waits on: pthread_join
 * waits on a futex only when the thread has not yet exited, and a profile
 * recorded from a run where it had would lack futex. */
#define _GNU_SOURCE
#include <errno.h>
#include <linux/futex.h>
#include <linux/sched.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <spawn.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

static void *thread(void *arg) { return arg; }

/* done prints the outcome of a child started fork-like: r is its pid, 0 in
 * the child, or -1 with errno. */
static void done(const char *way, long r)
{
	if (r < 0) {
		printf("%s: %s\n", way, strerror(errno));
		return;
	}
	if (r == 0)
		_exit(0);
	waitpid((pid_t)r, NULL, 0);
	printf("%s: ok\n", way);
}

int main(int argc, char **argv)
{
	static uint32_t word;
	syscall(SYS_futex, &word, FUTEX_WAKE_PRIVATE, 1, NULL, NULL, 0);
	for (int i = 1; i < argc; i++) {
		const char *way = argv[i];
		if (strcmp(way, "threads") == 0) {
			pthread_t t;
			int err = pthread_create(&t, NULL, thread, NULL);
			if (err == 0)
				pthread_join(t, NULL);
			printf("%s: %s\n", way, err ? strerror(err) : "ok");
		} else if (strcmp(way, "spawn") == 0) {
			pid_t pid;
			char *args[] = {"true", NULL};
			int err = posix_spawn(&pid, "/bin/true", NULL, NULL, args, environ);
			if (err == 0)
				waitpid(pid, NULL, 0);
			printf("%s: %s\n", way, err ? strerror(err) : "ok");
		} else if (strcmp(way, "fork") == 0) {
			done(way, fork());
		} else if (strcmp(way, "clone3-newuser") == 0) {
			struct clone_args ca;
			memset(&ca, 0, sizeof ca);
			ca.flags = CLONE_NEWUSER;
			ca.exit_signal = SIGCHLD;
			done(way, syscall(__NR_clone3, &ca, sizeof ca));
		} else if (strcmp(way, "clone-newuser") == 0) {
			/* No new stack: the child returns here like fork's. */
			done(way, syscall(SYS_clone, CLONE_NEWUSER | SIGCHLD, 0, 0, 0, 0));
		} else {
			printf("%s: unknown way\n", way);
		}
		fflush(stdout);
	}
	return 0;
}
