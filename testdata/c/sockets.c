/* sockets: creates an AF_UNIX and an AF_INET socket and, with the argument
 * "inet6", also an AF_INET6 one, printing for each "AF_X: ok" or the
 * error. Exits 0 either way: under a profile that pins socket's domain the
 * output says which domains it let through. With "many" it also asks for
 * sockets of 5000 domains no kernel has (each fails with EAFNOSUPPORT):
 * more distinct values than the tracer keeps. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

static void try(const char *name, int domain)
{
	int fd = socket(domain, SOCK_DGRAM, 0);
	if (fd < 0) {
		printf("%s: %s\n", name, strerror(errno));
		return;
	}
	printf("%s: ok\n", name);
	close(fd);
}

int main(int argc, char **argv)
{
	try("AF_UNIX", AF_UNIX);
	try("AF_INET", AF_INET);
	if (argc > 1 && strcmp(argv[1], "inet6") == 0)
		try("AF_INET6", AF_INET6);
	if (argc > 1 && strcmp(argv[1], "many") == 0)
		for (int d = 1000; d < 6000; d++)
			socket(d, SOCK_DGRAM, 0);
	return 0;
}
