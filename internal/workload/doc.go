// Package workload starts and supervises the command seccompgen traces or
// confines (CMD): it finds CMD as execvp(3) does, runs it as another user,
// forwards signals to it, hands it every inherited descriptor, and is the
// launcher that installs a seccomp filter and then executes CMD.
package workload
