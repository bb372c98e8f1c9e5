// Package binscan finds, in an ELF executable's and its shared libraries'
// own code, the syscalls they can make.
//
// It disassembles x86-64 code (golang.org/x/arch's x86asm), resolves the
// number loaded into eax before every syscall instruction by backward data
// flow, builds a call graph over the functions .eh_frame (or a Go binary's
// pclntab) delimits, and maps each import of a dynamically linked program
// to the syscalls the function it binds to can reach. Library function maps
// are cached on disk by build ID. See Analyze.
package binscan
