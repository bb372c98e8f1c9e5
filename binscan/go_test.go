package binscan

import (
	"bufio"
	"os"
	"slices"
	"strings"
	"testing"
)

// TestGoBinary checks a stripped Go binary against goruntime's list,
// derived from the Go 1.26 runtime's source. The relationship found:
// binscan infers every name of that list except
//   - restart_syscall, which the kernel issues on its own (no code does);
//   - the names whose runtime wrappers the linker dropped from this
//     binary (runtime.sbrk0, runtime.connect, runtime.socket,
//     runtime.access, runtime.pipe2, the CPU profiler's setitimer, ...):
//     goruntime cannot see that in a stripped binary and assumes them all,
//     while pclntab shows binscan which functions exist;
//
// and adds what the syscall, os and internal/syscall/unix packages call
// (wait4, waitid, pidfd_open, prlimit64, ... and, for the server, socket,
// bind, listen, accept4), which goruntime's runtime-only list leaves out.
func TestGoBinary(t *testing.T) {
	list := goruntimeList(t)
	for _, dir := range []string{"gohello", "gohttp"} {
		t.Run(dir, func(t *testing.T) {
			p := buildGo(t, dir)
			r, err := Analyze(p, Options{NoCache: true})
			if err != nil {
				t.Fatal(err)
			}
			if r.Kind != kindGo {
				t.Errorf("Kind = %q, want %q", r.Kind, kindGo)
			}
			f, err := os.Open(p)
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			o, err := buildObject(p, f)
			if err != nil {
				t.Fatal(err)
			}
			funcs := map[string]bool{}
			for _, fn := range o.Funcs {
				for _, n := range fn.Names {
					funcs[n] = true
				}
			}
			if !funcs["runtime.futex"] || !funcs["runtime.clone"] {
				t.Fatal("pclntab names lack runtime.futex or runtime.clone: the cross-check below would be vacuous")
			}
			got := r.Names()
			for name, needs := range list {
				if slices.Contains(got, name) || name == "restart_syscall" {
					continue
				}
				linked := true
				for _, group := range needs {
					if !slices.ContainsFunc(group, func(s string) bool { return funcs[s] }) {
						linked = false
					}
				}
				if linked {
					t.Errorf("%s: in goruntime's list, its wrapper %v is linked, but binscan did not infer it", name, needs)
				}
			}
			for _, name := range []string{"futex", "mmap", "clone", "rt_sigaction", "sched_yield", "exit_group", "epoll_pwait"} {
				if v, ok := via(r, name); !ok {
					t.Errorf("%s not inferred", name)
				} else if !strings.HasPrefix(v[0], dir+": syscall") {
					t.Errorf("%s: Via = %q", name, v)
				}
			}
			if dir == "gohttp" {
				for _, name := range []string{"accept4", "bind", "listen", "socket", "setsockopt"} {
					if _, ok := via(r, name); !ok {
						t.Errorf("%s not inferred for an HTTP server", name)
					}
				}
			}
			if r.Unresolved > 3 {
				t.Errorf("%d unresolved sites, want at most 3", r.Unresolved)
			}
		})
	}
}

// goruntimeList reads goruntime's go1.26 amd64 list: name -> the symbol
// groups the runtime needs linked to issue it (nil: always).
func goruntimeList(t *testing.T) map[string][][]string {
	f, err := os.Open("../goruntime/data/go1.26-linux-amd64.txt")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	out := map[string][][]string{}
	s := bufio.NewScanner(f)
	for s.Scan() {
		line := s.Text()
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		fields := strings.Split(line, "\t")
		var needs [][]string
		if fields[1] != "-" {
			for _, g := range strings.Split(fields[1], "+") {
				needs = append(needs, strings.Split(g, ","))
			}
		}
		out[fields[0]] = needs
	}
	return out
}
