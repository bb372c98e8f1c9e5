// A library a program dlopens: its imports count only when the tracer saw
// it loaded (Options.Loaded).
#include <sys/inotify.h>
#include <unistd.h>

int plugin_sync(int fd) {
	int w = inotify_init1(0);
	close(w);
	return fsync(fd);
}
