/* pins: does what its arguments name, in order, and prints "NAME: ok" or
 * "NAME: <errno name>" for each: the argument-pinning tests (docs/args.md)
 * record it doing some things and run it under the profile doing more. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <netinet/in.h>
#include <termios.h>
#include <unistd.h>

static void report(const char *name, int ret)
{
	if (ret < 0)
		printf("%s: %s\n", name, strerrorname_np(errno));
	else
		printf("%s: ok\n", name);
	fflush(stdout);
}

/* in_child runs unshare(flags) in a child, so that the rest of the run
 * keeps its namespaces, and returns what the child's call returned. */
static int in_child(int flags)
{
	pid_t pid = fork();
	if (pid == 0)
		_exit(unshare(flags) < 0 ? errno : 0);
	int st;
	if (pid < 0 || waitpid(pid, &st, 0) < 0 || !WIFEXITED(st))
		return -1;
	errno = WEXITSTATUS(st);
	return errno ? -1 : 0;
}

static int pty(void)
{
	static int fd = -1;
	if (fd < 0)
		fd = posix_openpt(O_RDWR | O_NOCTTY);
	return fd;
}

/* jit maps a page writable, writes "mov eax, 42; ret" into it, makes it
 * executable and calls it. */
static int jit(void)
{
	unsigned char code[] = { 0xb8, 42, 0, 0, 0, 0xc3 };
	void *p = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED)
		return -1;
	memcpy(p, code, sizeof(code));
	if (mprotect(p, 4096, PROT_READ | PROT_EXEC) < 0)
		return -1;
	int (*f)(void) = (int (*)(void))p;
	if (f() != 42) {
		errno = EINVAL;
		return -1;
	}
	return munmap(p, 4096);
}

int main(int argc, char **argv)
{
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		int r;
		if (!strcmp(a, "tcgets")) {
			struct termios t;
			r = pty() < 0 ? -1 : ioctl(pty(), TCGETS, &t);
		} else if (!strcmp(a, "fionread")) {
			int p[2], n;
			r = pipe(p) < 0 ? -1 : ioctl(p[0], FIONREAD, &n);
		} else if (!strcmp(a, "tiocsti")) {
			char c = ' ';
			r = pty() < 0 ? -1 : ioctl(pty(), TIOCSTI, &c);
		} else if (!strncmp(a, "ioctls=", 7)) {
			/* Distinct requests no driver knows, on /dev/null: ENOTTY. */
			int n = atoi(a + 7), fd = open("/dev/null", O_RDONLY);
			r = fd < 0 ? -1 : 0;
			for (int j = 0; j < n && fd >= 0; j++)
				if (ioctl(fd, _IO('Z', j)) == 0 || errno != ENOTTY)
					r = -1;
		} else if (!strcmp(a, "unshare-user")) {
			r = in_child(CLONE_NEWUSER);
		} else if (!strcmp(a, "unshare-ns")) {
			r = in_child(CLONE_NEWNS);
		} else if (!strcmp(a, "unshare-net")) {
			r = in_child(CLONE_NEWNET);
		} else if (!strcmp(a, "tcp")) {
			r = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
		} else if (!strcmp(a, "udp")) {
			r = socket(AF_INET, SOCK_DGRAM, 0);
		} else if (!strcmp(a, "raw")) {
			r = socket(AF_INET, SOCK_RAW, IPPROTO_ICMP);
		} else if (!strcmp(a, "socketpair")) {
			int sv[2];
			r = socketpair(AF_UNIX, SOCK_STREAM, 0, sv);
		} else if (!strcmp(a, "prctl-name")) {
			r = prctl(PR_SET_NAME, "pins");
		} else if (!strcmp(a, "prctl-seccomp")) {
			/* No such mode: EINVAL when the profile lets it through. */
			r = prctl(PR_SET_SECCOMP, 0xff);
			if (r < 0 && errno == EINVAL)
				r = 0;
		} else if (!strcmp(a, "map-data")) {
			void *p = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
			r = p == MAP_FAILED ? -1 : mprotect(p, 4096, PROT_READ);
		} else if (!strcmp(a, "mprotect-exec")) {
			void *p = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
			r = p == MAP_FAILED ? -1 : mprotect(p, 4096, PROT_READ | PROT_EXEC);
		} else if (!strcmp(a, "jit")) {
			r = jit();
		} else {
			fprintf(stderr, "pins: unknown action %s\n", a);
			return 2;
		}
		report(a, r);
	}
	return 0;
}
