/* netlink: opens an AF_INET socket and, with the argument "netlink", an
 * AF_NETLINK one too, printing for each "AF_X: ok" or the error. Exits 1 if
 * a socket could not be opened: a program that needs its netlink socket
 * fails under a profile that pins socket to AF_INET. */
#include <errno.h>
#include <linux/netlink.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

static int try(const char *name, int domain, int type, int proto)
{
	int fd = socket(domain, type, proto);
	if (fd < 0) {
		printf("%s: %s\n", name, strerror(errno));
		return 1;
	}
	printf("%s: ok\n", name);
	close(fd);
	return 0;
}

int main(int argc, char **argv)
{
	int failed = try("AF_INET", AF_INET, SOCK_DGRAM, 0);
	if (argc > 1 && strcmp(argv[1], "netlink") == 0)
		failed |= try("AF_NETLINK", AF_NETLINK, SOCK_RAW, NETLINK_ROUTE);
	return failed;
}
