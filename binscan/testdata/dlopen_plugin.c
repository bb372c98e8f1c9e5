// A plugin the process dlopens, linked against libdlopen_dep.so (found
// through its $ORIGIN runpath): it counts from all its exports.
int dep_used(int fd);

int plugin_entry(int fd) {
	return dep_used(fd);
}
