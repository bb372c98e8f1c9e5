package tracer

// The compiler is $BPF2GO_CC, clang when unset; the flags are here so that
// a bare `go generate ./tracer` builds the same object as `make generate`.
// The enums are the constants the Go side shares with the C side.
//go:generate go tool bpf2go -tags linux -cflags "-O2 -g -Wall -Werror" -target bpfel -type stat -type file_event -type proc -type spawn -type argkey -type abi -type limits -type loss -type state -type argpin -type argset -type event_flag -type event_kind -type admit_result -type attach_op -type attach_req -type refusal -type refusal_loss tracer bpf/tracer.bpf.c -- -I/usr/include/x86_64-linux-gnu
