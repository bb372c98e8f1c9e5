//go:build linux

package main

import (
	"fmt"
	"strings"

	"github.com/cilium/ebpf"
	"github.com/cilium/ebpf/asm"
	"github.com/cilium/ebpf/link"
)

// floorProgram is a sys_enter program that does nothing: attaching any
// program to sys_enter sends every syscall on the host through the
// tracepoint path, and this measures that price alone — the floor under
// any tracer of this design, seccompgen's included.
func floorProgram() (*ebpf.Program, error) {
	p, err := ebpf.NewProgram(&ebpf.ProgramSpec{
		Name:         "bench_floor",
		Type:         ebpf.Tracing,
		AttachType:   ebpf.AttachTraceRawTp,
		AttachTo:     "sys_enter",
		Instructions: asm.Instructions{asm.Mov.Imm(asm.R0, 0), asm.Return()},
		License:      "GPL",
	})
	if err != nil {
		return nil, fmt.Errorf("load the empty sys_enter program: %w", err)
	}
	return p, nil
}

// attachFloor attaches p for one run and returns its detach.
func attachFloor(p *ebpf.Program) func() (func(), error) {
	return func() (func(), error) {
		l, err := link.AttachTracing(link.TracingOptions{Program: p, AttachType: ebpf.AttachTraceRawTp})
		if err != nil {
			return nil, fmt.Errorf("attach the empty sys_enter program: %w", err)
		}
		return func() { l.Close() }, nil
	}
}

// otherTracers names the tracing programs loaded on the host by others:
// a sys_enter program of someone else's taxes every variant, so the report
// says when there were any.
func otherTracers() []string {
	var names []string
	var id ebpf.ProgramID
	for {
		next, err := ebpf.ProgramGetNextID(id)
		if err != nil {
			return names
		}
		id = next
		p, err := ebpf.NewProgramFromID(id)
		if err != nil {
			continue
		}
		if info, err := p.Info(); err == nil && info.Type == ebpf.Tracing && info.Name != "bench_floor" {
			names = append(names, fmt.Sprintf("%s (id %d)", info.Name, id))
		}
		p.Close()
	}
}

// otherSysEnter lists the programs named sys_enter loaded by others: a
// seccompgen recording (this harness's own have ended by then) or anything
// else with that name.
func otherSysEnter() []string {
	var out []string
	for _, n := range otherTracers() {
		if strings.HasPrefix(n, "sys_enter ") {
			out = append(out, n)
		}
	}
	return out
}
