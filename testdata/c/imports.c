// imports imports fork, waitpid and syslog, and passes kexec_load's number
// to syscall(2), but calls them only when asked: a recording of it run
// without arguments never makes those syscalls, and inference must find
// them (or, for syslog(3), must not find syslog(2), and for kexec_load
// must withhold it: Docker's default denies it).
//
//	imports          prints "idle"
//	imports fork     forks a child that exits 7, waits for it, prints "forked 7"
//	imports syslog   logs one message (syslog(3) writes to /dev/log)
//	imports kexec    calls kexec_load (fails: no privilege or no image)
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <syslog.h>
#include <unistd.h>

int main(int argc, char **argv) {
	if (argc < 2) {
		puts("idle");
		return 0;
	}
	if (strcmp(argv[1], "fork") == 0) {
		pid_t pid = fork();
		if (pid < 0) {
			perror("fork");
			return 1;
		}
		if (pid == 0)
			_exit(7);
		int status;
		if (waitpid(pid, &status, 0) != pid) {
			perror("waitpid");
			return 1;
		}
		printf("forked %d\n", WEXITSTATUS(status));
		return 0;
	}
	if (strcmp(argv[1], "syslog") == 0) {
		openlog("imports", LOG_PID, LOG_USER);
		syslog(LOG_INFO, "seccompgen test");
		closelog();
		return 0;
	}
	if (strcmp(argv[1], "kexec") == 0) {
		long r = syscall(SYS_kexec_load, 0, 0, 0, 0);
		printf("kexec_load: %ld\n", r);
		return 0;
	}
	return 2;
}
