// Package recording holds what a traced workload did — syscalls per ABI with
// counts, the executables it ran, losses and its exit status — as a plain,
// serializable value that the tracer fills and synth consumes.
package recording
