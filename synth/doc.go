// Package synth turns recordings and a policy into the smallest seccomp
// profile that lets the workload run, and a report of why each syscall is in
// or out.
package synth
