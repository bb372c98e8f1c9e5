// Package binscan finds, in an ELF executable's and its shared libraries'
// own code, the syscalls they can make.
//
// It is the static half of issue #12: a recording shows what one run did,
// binscan what the code can do on paths the run did not take. x86-64 only;
// an i386 (or other) file gives Kind "other" and a note, not an error.
//
// # How
//
// Functions are delimited by .eh_frame FDEs (parsed here: debug/elf does
// not), then by symbols, and code neither covers becomes a function of its
// own so that no syscall instruction goes unseen. Go binaries use pclntab
// (debug/gosym), which stripping keeps. Each function of a library is
// disassembled once (golang.org/x/arch/x86/x86asm). A program (taken
// whole: only its syscall sites matter) is decoded sparsely: only the
// functions whose bytes can encode a syscall instruction or a direct call
// to a wrapper (sparse.go); node's 80 MB executable then takes 0.9 s
// cold instead of 2.
//
// At every syscall instruction the number in eax is found by backward data
// flow over the function's control flow graph: mov $imm, register-to-
// register copies, xor/sub of a register with itself, push/pop, and stack
// slots ([rsp+d], [rbp+d], adjusted across push, pop and sub/add rsp). All
// paths are followed; a site may resolve to several numbers. A number that
// comes from the function's entry (a register or an argument slot) makes
// the function a wrapper (libc's syscall(), Go's Syscall6 and each
// wrapper above it): its callers are resolved the same way, to a fixed
// point. glibc 2.36's libc.so.6 has 526 syscall instructions; 2 stay
// unresolved.
//
// For glibc's own libraries (libc, ld.so, libm, libpthread, ... — see
// precise) each export is mapped to the syscalls it can reach: the
// closure over direct calls and jumps (PLT calls to its own exports
// included), the functions whose address reachable code takes
// (pthread_create's start_thread, sigaction's restorer, ld.so's dl_main),
// and IFUNC implementations (the functions the resolver takes the address
// of; IRELATIVE PLT slots likewise). Two kinds of indirect call are
// modelled instead of followed:
//
//   - stdio's vtables: glibc keeps them in the section __libc_IO_vtables and
//     validates every vtable pointer against its start, so a function that
//     references that start dispatches through a vtable. It reaches the
//     functions of the vtables installed in the program: those initialised
//     data points to (stdin, stdout, stderr) and those reachable code
//     references (fopencookie's, popen's, open_memstream's, ...).
//   - ld.so's loader: dlopen, NSS (__nss_*), gconv (iconv_open) and the
//     unwinder (pthread_exit, pthread_cancel, backtrace) reach ld.so only
//     through the function pointers in _rtld_global_ro. The models table
//     (closure.go) names them; each adds what those functions of ld.so
//     reach. The modules they load are analysed only when given in
//     Options.Loaded.
//
// Paths into functions a program calls only to die are not followed
// (DefaultCut: abort, __libc_fatal, __assert_fail, __chk_fail,
// __stack_chk_fail, __fortify_fail, _dl_fatal_printf, and glibc's
// cancellation unwinding unless pthread_cancel or pthread_exit is
// imported), nor into functions every path of which ends in one of them
// (the hidden __libc_message and malloc_printerr). Without the cut the
// median libc export reaches 36 syscalls; with it, 1.
//
// A dynamically linked program's libraries are found as ld.so finds them
// (DT_RPATH, DT_RUNPATH, /etc/ld.so.cache, the default directories), and
// each import is bound to the first object that defines it (with its
// symbol version). The program itself counts whole: all its syscall sites
// and all its imports (whatever it calls or takes the address of). A
// glibc library maps each import bound to it through its function map.
// Any other library is followed from what is bound to it: from those
// exports, its constructors, the functions its initialised data points to
// (C++ vtables, method tables, callbacks) and the functions reachable code
// takes the address of, its syscall sites and imports count as that code
// reaches them; a library given in Options.Loaded (dlopen'ed: looked up by
// name) counts from all its exports, except that an NSS module (libnss_*,
// glibc's or systemd's) counts only from its _nss_* entry points, the
// only symbols glibc looks up in it; the libraries a dlopen'ed one needs
// count, like any needed library, from what is bound to them. Following instead of taking each
// library whole took redis from 161 names to 129, postgres from 168 to
// 147, ls from 82 to 70 (set wholeLibraries to compare). Added to that:
// ld.so's start-up (its entry point's closure, which measured equal to all
// its 29 syscall names; not following taken addresses gave 10, missing
// read and mprotect), glibc's constructors and exit hooks
// (__libc_atexit), and the numbers passed at syscall() call sites.
//
// A static binary contributes all its syscall sites: the closure from its
// entry point, measured on gcc -static programs, saved 2 to 6 of ~45
// names, all on paths into abort and raise, while static glibc's function
// pointers make it riskier. A Go binary contributes its syscall sites and
// the constant numbers passed to any wrapper (register ABI or ABI0 stack
// arguments), for any Go version, stripped or not; with cgo, its libc
// imports too.
//
// # Cache
//
// The per-file analysis is cached under os.UserCacheDir()/seccompgen/binscan
// keyed by the ELF build ID (or size, mtime, device and inode), versioned
// (cacheVersion) and written atomically. For files taken whole (any but
// glibc's libraries) only the syscall sites are kept. libc.so.6 takes
// ~150 ms cold on a 2-core VM; a warm Analyze of a program and its
// libraries 15-70 ms.
//
// # Limits
//
//   - Indirect calls inside glibc other than the modelled ones are not
//     followed (callbacks into the program are covered by taking the
//     program whole; glibc-internal function pointers in data, such as
//     atfork handlers, are not).
//   - Cutting the dying paths means a program that dies in abort() under the
//     profile may be killed by another signal: abort's rt_sigaction,
//     rt_sigprocmask and tgkill are denied, and it falls back to hlt.
//   - A library not from glibc that finds another's function by dlsym(),
//     or calls one through a pointer it got at run time from outside,
//     reaches code binscan does not follow from it.
//   - A name inferred is not checked against Docker's default here; that
//     filter belongs to synthesis.
package binscan
