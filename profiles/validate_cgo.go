//go:build linux && cgo

package profiles

import (
	"errors"
	"fmt"
	"io"
	"os"
	"sort"
	"strings"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	libseccomp "github.com/seccomp/libseccomp-golang"
	"golang.org/x/sys/unix"
)

func init() {
	knownByLibseccomp = func(name string) bool {
		_, err := libseccomp.GetSyscallFromName(name)
		return err == nil
	}
}

// Validate compiles p with libseccomp the way runc does (runc's
// libcontainer/seccomp InitSeccomp and specconv.SetupSeccomp): one rule per
// name, every architecture, every argument condition, the same treatment of
// repeated argument indexes, redundant rules skipped. A profile Validate
// accepts loads in runc, though the kernel may still refuse a flag.
//
// A name libseccomp does not know for one of the profile's architectures is
// a warning, because runc skips it silently, and so is a name two
// unconditional rules give different actions (libseccomp keeps the first);
// with strict, warnings are an error.
func Validate(p *Profile, strict bool) (warnings []string, err error) {
	warnings, err = validate(&p.spec, strict)
	if err != nil {
		return warnings, p.errorf(err)
	}
	return warnings, nil
}

// errorf puts the package and the profile's name before err.
func (p *Profile) errorf(err error) error {
	if p.name != "" {
		return fmt.Errorf("profiles: %s: %w", p.name, err)
	}
	return fmt.Errorf("profiles: %w", err)
}

func validate(s *specs.LinuxSeccomp, strict bool) ([]string, error) {
	if err := precheck(s); err != nil {
		return nil, err
	}
	filter, warnings, err := compile(s, strict)
	if err != nil {
		return warnings, err
	}
	defer filter.Release()
	// Exporting proves the whole program compiles, as loading it would.
	prog, err := export(filter)
	if err != nil {
		return nil, fmt.Errorf("compile: %w", err)
	}
	if err := checkLen(prog); err != nil {
		return warnings, err
	}
	return warnings, nil
}

// Compile builds p's filter with libseccomp exactly as Validate does (and
// so as runc does) and returns the BPF program, ready for seccomp(2): an
// array of struct sock_filter in host byte order, with the seccomp(2) flags
// the profile asks for. Names libseccomp does not know are skipped, as in
// runc. A program longer than the kernel loads is an error (ErrTooLong).
func Compile(p *Profile) (prog []byte, flags uint, err error) {
	if err := precheck(&p.spec); err != nil {
		return nil, 0, p.errorf(err)
	}
	filter, _, err := compile(&p.spec, false)
	if err != nil {
		return nil, 0, p.errorf(err)
	}
	defer filter.Release()
	if p.logBadArch {
		if err := filter.SetBadArchAction(libseccomp.ActLog); err != nil {
			return nil, 0, fmt.Errorf("profiles: log syscalls of other architectures: %w", err)
		}
	}
	if prog, err = export(filter); err != nil {
		return nil, 0, p.errorf(fmt.Errorf("compile: %w", err))
	}
	if err := checkLen(prog); err != nil {
		return nil, 0, p.errorf(err)
	}
	for _, f := range p.spec.Flags {
		switch f {
		case specs.LinuxSeccompFlagLog:
			flags |= unix.SECCOMP_FILTER_FLAG_LOG
		case specs.LinuxSeccompFlagSpecAllow:
			flags |= unix.SECCOMP_FILTER_FLAG_SPEC_ALLOW
		}
	}
	return prog, flags, nil
}

// compile builds the libseccomp filter for s; the caller releases it.
func compile(s *specs.LinuxSeccomp, strict bool) (_ *libseccomp.ScmpFilter, _ []string, err error) {
	defAct, err := scmpAction(s.DefaultAction, s.DefaultErrnoRet)
	if err != nil {
		return nil, nil, fmt.Errorf("defaultAction: %w", err)
	}
	if defAct == libseccomp.ActNotify {
		return nil, nil, errors.New("defaultAction: SCMP_ACT_NOTIFY cannot be the default action (runc refuses it)")
	}
	filter, err := libseccomp.NewFilter(defAct)
	if err != nil {
		return nil, nil, fmt.Errorf("create filter: %w", err)
	}
	defer func() {
		if err != nil {
			filter.Release()
		}
	}()

	archs := []libseccomp.ScmpArch{}
	for _, a := range s.Architectures {
		sa, err := libseccomp.GetArchFromString(scmpArchName(a))
		if err != nil {
			return nil, nil, fmt.Errorf("architecture %s: %w", a, err)
		}
		if err := filter.AddArch(sa); err != nil {
			return nil, nil, fmt.Errorf("add architecture %s: %w", a, err)
		}
		archs = append(archs, sa)
	}
	if len(archs) == 0 {
		native, err := libseccomp.GetNativeArch()
		if err != nil {
			return nil, nil, fmt.Errorf("native architecture: %w", err)
		}
		archs = append(archs, native)
	}
	for _, f := range s.Flags {
		if err := setFlag(filter, f); err != nil {
			return nil, nil, err
		}
	}
	// runc turns this on past 32 rules; it changes the program, so the
	// compile is only the same as runc's with the same setting.
	if rules := countRules(s); rules > 32 {
		_ = filter.SetOptimize(2) // not fatal in runc either: old libseccomp
	}
	if err := filter.SetNoNewPrivsBit(false); err != nil {
		return nil, nil, fmt.Errorf("clear no_new_privs: %w", err)
	}

	apiLevel, _ := libseccomp.GetAPI()
	unknownIn := map[string][]string{}
	firstRule := map[string]int{} // name -> index of its first unconditional rule
	var conflicts []string
	for i, r := range s.Syscalls {
		act, err := scmpAction(r.Action, r.ErrnoRet)
		if err != nil {
			return nil, nil, fmt.Errorf("syscalls[%d]: %w", i, err)
		}
		if act == libseccomp.ActNotify && apiLevel < 6 {
			return nil, nil, fmt.Errorf("syscalls[%d]: SCMP_ACT_NOTIFY needs libseccomp API level 6, have %d", i, apiLevel)
		}
		for _, name := range r.Names {
			if name == "" {
				return nil, nil, fmt.Errorf("syscalls[%d]: empty syscall name", i)
			}
			if act == libseccomp.ActNotify && name == "write" {
				return nil, nil, fmt.Errorf("syscalls[%d]: SCMP_ACT_NOTIFY cannot be used for write (runc needs it to pass the notify fd)", i)
			}
			for _, a := range archs {
				if _, err := libseccomp.GetSyscallFromNameByArch(name, a); err != nil {
					unknownIn[name] = append(unknownIn[name], a.String())
				}
			}
			if act == defAct {
				continue // runc skips redundant rules: libseccomp would refuse them
			}
			if len(r.Args) == 0 {
				if j, ok := firstRule[name]; ok && s.Syscalls[j].Action != r.Action {
					conflicts = append(conflicts, fmt.Sprintf("syscall %q: syscalls[%d] says %s but syscalls[%d] already says %s, and the first wins", name, i, r.Action, j, s.Syscalls[j].Action))
				} else if !ok {
					firstRule[name] = i
				}
			}
			nr, err := libseccomp.GetSyscallFromName(name)
			if err != nil {
				continue // runc ignores names it cannot resolve
			}
			if err := addRule(filter, nr, act, r.Args); err != nil {
				return nil, nil, fmt.Errorf("syscalls[%d]: %s: %w", i, name, err)
			}
		}
	}
	names := make([]string, 0, len(unknownIn))
	for n := range unknownIn {
		names = append(names, n)
	}
	sort.Strings(names)
	warnings := conflicts
	for _, n := range names {
		warnings = append(warnings, fmt.Sprintf("syscall %q is unknown to libseccomp for %s; runc ignores it there", n, strings.Join(unknownIn[n], ", ")))
	}
	if strict && len(warnings) > 0 {
		if len(warnings) == 1 {
			return nil, warnings, errors.New(warnings[0])
		}
		return nil, warnings, fmt.Errorf("%s (and %d more)", warnings[0], len(warnings)-1)
	}
	return filter, warnings, nil
}

// export generates the BPF program. libseccomp before 2.6 cannot export to
// memory, so the program goes through a pipe.
func export(f *libseccomp.ScmpFilter) ([]byte, error) {
	if prog, err := f.ExportBPFMem(); err == nil {
		return prog, nil
	}
	r, w, err := os.Pipe()
	if err != nil {
		return nil, err
	}
	type result struct {
		prog []byte
		err  error
	}
	done := make(chan result, 1)
	go func() {
		prog, err := io.ReadAll(r)
		r.Close()
		done <- result{prog, err}
	}()
	err = f.ExportBPF(w)
	w.Close()
	res := <-done
	if err == nil {
		err = res.err
	}
	return res.prog, err
}

// addRule adds one name's rule as runc's matchCall does: conditions on
// distinct arguments are ANDed in one rule; when an argument repeats, runc
// falls back to one rule per condition, ORing them.
func addRule(f *libseccomp.ScmpFilter, nr libseccomp.ScmpSyscall, act libseccomp.ScmpAction, args []specs.LinuxSeccompArg) error {
	if len(args) == 0 {
		return f.AddRule(nr, act)
	}
	var conds []libseccomp.ScmpCondition
	seen := map[uint]bool{}
	repeated := false
	for _, a := range args {
		op, err := scmpOp(a.Op)
		if err != nil {
			return err
		}
		c, err := libseccomp.MakeCondition(a.Index, op, a.Value, a.ValueTwo)
		if err != nil {
			return fmt.Errorf("argument %d: %w", a.Index, err)
		}
		repeated = repeated || seen[a.Index]
		seen[a.Index] = true
		conds = append(conds, c)
	}
	if !repeated {
		return f.AddRuleConditional(nr, act, conds)
	}
	for _, c := range conds {
		if err := f.AddRuleConditional(nr, act, []libseccomp.ScmpCondition{c}); err != nil {
			return err
		}
	}
	return nil
}

func scmpAction(a specs.LinuxSeccompAction, errno *uint) (libseccomp.ScmpAction, error) {
	ret := int16(unix.EPERM)
	if errno != nil {
		ret = int16(*errno)
	}
	switch a {
	case specs.ActKill, specs.ActKillThread:
		return libseccomp.ActKillThread, nil
	case specs.ActKillProcess:
		return libseccomp.ActKillProcess, nil
	case specs.ActErrno:
		return libseccomp.ActErrno.SetReturnCode(ret), nil
	case specs.ActTrap:
		return libseccomp.ActTrap, nil
	case specs.ActAllow:
		return libseccomp.ActAllow, nil
	case specs.ActTrace:
		return libseccomp.ActTrace.SetReturnCode(ret), nil
	case specs.ActLog:
		return libseccomp.ActLog, nil
	case specs.ActNotify:
		return libseccomp.ActNotify, nil
	}
	return libseccomp.ActInvalid, unknown("action", a, actions)
}

func scmpOp(op specs.LinuxSeccompOperator) (libseccomp.ScmpCompareOp, error) {
	switch op {
	case specs.OpEqualTo:
		return libseccomp.CompareEqual, nil
	case specs.OpNotEqual:
		return libseccomp.CompareNotEqual, nil
	case specs.OpGreaterThan:
		return libseccomp.CompareGreater, nil
	case specs.OpGreaterEqual:
		return libseccomp.CompareGreaterEqual, nil
	case specs.OpLessThan:
		return libseccomp.CompareLess, nil
	case specs.OpLessEqual:
		return libseccomp.CompareLessOrEqual, nil
	case specs.OpMaskedEqual:
		return libseccomp.CompareMaskedEqual, nil
	}
	return libseccomp.CompareInvalid, unknown("operator", op, operators)
}

// setFlag applies a filter flag as runc does; runc refuses flags it does
// not know.
func setFlag(f *libseccomp.ScmpFilter, flag specs.LinuxSeccompFlag) error {
	var err error
	switch flag {
	case "SECCOMP_FILTER_FLAG_TSYNC":
		return nil // libseccomp-golang always syncs threads
	case specs.LinuxSeccompFlagLog:
		err = f.SetLogBit(true)
	case specs.LinuxSeccompFlagSpecAllow:
		err = f.SetSSB(true)
	case specs.LinuxSeccompFlagWaitKillableRecv:
		err = f.SetWaitKill(true)
	default:
		return fmt.Errorf("flag %s is not known to runc", flag)
	}
	if err != nil {
		return fmt.Errorf("flag %s: %w", flag, err)
	}
	return nil
}

// scmpArchName turns "SCMP_ARCH_X86_64" into libseccomp-golang's "x86_64"
// spelling, as runc's ConvertStringToArch does.
func scmpArchName(a specs.Arch) string {
	switch a {
	case specs.ArchX86:
		return "x86"
	case specs.ArchX86_64:
		return "amd64"
	case specs.ArchAARCH64:
		return "arm64"
	case specs.ArchMIPSEL64N32:
		return "mipsel64n32"
	}
	return strings.ToLower(strings.TrimPrefix(string(a), "SCMP_ARCH_"))
}
