// syslog(3) writes to /dev/log through a socket: it is not syslog(2).
#include <syslog.h>

int main(void) {
	syslog(LOG_INFO, "hello");
	return 0;
}
