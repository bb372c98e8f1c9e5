// Imports fork and waitpid but calls them only when given 100 arguments:
// a recording would never see clone or wait4.
#include <stdio.h>
#include <sys/wait.h>
#include <unistd.h>

int main(int argc, char **argv) {
	if (argc > 100) {
		pid_t pid = fork();
		if (pid == 0)
			_exit(0);
		waitpid(pid, NULL, 0);
	}
	puts("hello");
	return 0;
}
