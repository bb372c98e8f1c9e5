// Package tracer runs a workload under an eBPF tracer on the raw_syscalls
// sys_enter tracepoint and returns what its whole process tree did as a
// recording.Recording.
package tracer
