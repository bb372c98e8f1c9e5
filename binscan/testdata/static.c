// Linked with -static: no imports, only its own (and static libc's) code.
#include <unistd.h>

int main(void) {
	write(1, "hello\n", 6);
	_exit(0);
}
