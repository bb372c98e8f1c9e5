/* filtered: one syscall of its own in each phase that the tracer's
 * only-under-seccomp mode tells apart, as a container runtime's init goes
 * through them: sysinfo before a seccomp filter is installed, getppid
 * under it, then an execve of itself, which calls getcpu after the exec. */
#define _GNU_SOURCE
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	if (argc > 1 && strcmp(argv[1], "after-exec") == 0) {
		syscall(SYS_getcpu, NULL, NULL, NULL);
		return 0;
	}
	syscall(SYS_sysinfo, NULL);

	struct sock_filter allow[] = {BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW)};
	struct sock_fprog prog = {.len = 1, .filter = allow};
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) || syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &prog)) {
		perror("seccomp");
		return 1;
	}
	syscall(SYS_getppid);
	execl("/proc/self/exe", argv[0], "after-exec", (char *)NULL);
	perror("execl");
	return 1;
}
