/* maxrss: runs CMD and writes its peak RSS, in KiB, to FILE (make bench).
 *
 * usage: maxrss FILE CMD [ARG...]
 *
 * wait4's ru_maxrss of a child includes the memory it had before it
 * exec'd: a child of a Go program starts as a vfork-style sharer of the
 * parent's memory, so its number would be the parent's. This small
 * launcher forks a copy of itself instead, so the number is CMD's (and of
 * the children CMD waited for). The exit status is CMD's. */
#include <stdio.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	if (argc < 3) {
		fprintf(stderr, "usage: maxrss FILE CMD [ARG...]\n");
		return 125;
	}
	pid_t pid = fork();
	if (pid < 0) {
		perror("maxrss: fork");
		return 125;
	}
	if (pid == 0) {
		execvp(argv[2], argv + 2);
		perror(argv[2]);
		_exit(127);
	}
	int status;
	struct rusage ru;
	if (wait4(pid, &status, 0, &ru) != pid) {
		perror("maxrss: wait4");
		return 125;
	}
	FILE *f = fopen(argv[1], "w");
	if (!f || fprintf(f, "%ld\n", ru.ru_maxrss) < 0 || fclose(f) != 0) {
		perror(argv[1]);
		return 125;
	}
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}
