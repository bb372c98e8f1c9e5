package tracer

//go:generate go tool bpf2go -tags linux -cc $BPF2GO_CC -cflags $BPF2GO_CFLAGS -target bpfel -type stat -type file_event -type proc -type spawn -type argkey tracer bpf/tracer.bpf.c -- -I/usr/include/x86_64-linux-gnu
