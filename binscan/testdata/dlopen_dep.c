// A library that only a dlopen'ed plugin (dlopen_plugin.c) needs: the
// process never looks its symbols up by name, so only what the plugin
// binds to counts (dep_used), not dep_unused.
#include <sys/inotify.h>
#include <unistd.h>

int dep_used(int fd) {
	return fsync(fd);
}

int dep_unused(void) {
	return inotify_init1(0);
}
