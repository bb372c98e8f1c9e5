/* rootlib: a shared library (soname libsgroot.so.1) that only a chroot
 * has, not the host: inference must find it under the process's root. Its
 * probe_lock reaches mlockall, which nothing else of the test calls. */
#include <sys/mman.h>

int probe_lock(void)
{
	return mlockall(MCL_CURRENT);
}
