package profiles

import (
	"fmt"
	"runtime"
	"slices"
	"strings"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"
)

// Target is what a Docker-format profile is resolved for: its rules can
// depend on the architecture, the container's capabilities and the
// kernel. OCI profiles have no conditions and read the same for any target.
type Target struct {
	// Arch is a GOARCH ("amd64"), libseccomp ("x86_64") or SCMP_ARCH_
	// name; "" is the host's.
	Arch string
	// Caps are capability names, with or without "CAP_", any case. nil
	// means Docker's 14 default capabilities; an empty non-nil slice means
	// none.
	Caps []string
	// Kernel is a release such as "6.1" or "6.1.0-13-amd64"; "" is the
	// host's.
	Kernel string
}

// dockerDefaultCaps are the capabilities Docker grants a container unless
// told otherwise (moby's oci/caps.DefaultCapabilities).
var dockerDefaultCaps = []string{
	"CAP_CHOWN", "CAP_DAC_OVERRIDE", "CAP_FSETID", "CAP_FOWNER", "CAP_MKNOD",
	"CAP_NET_RAW", "CAP_SETGID", "CAP_SETUID", "CAP_SETFCAP", "CAP_SETPCAP",
	"CAP_NET_BIND_SERVICE", "CAP_SYS_CHROOT", "CAP_KILL", "CAP_AUDIT_WRITE",
}

// DefaultTarget is the host's architecture and kernel with Docker's default
// capabilities: what `docker run` would give a container here.
func DefaultTarget() Target {
	return Target{Arch: runtime.GOARCH, Caps: slices.Clone(dockerDefaultCaps)}
}

// allCaps are the capabilities Linux defines (capability.h, up to 6.x).
var allCaps = []string{
	"CAP_CHOWN", "CAP_DAC_OVERRIDE", "CAP_DAC_READ_SEARCH", "CAP_FOWNER",
	"CAP_FSETID", "CAP_KILL", "CAP_SETGID", "CAP_SETUID", "CAP_SETPCAP",
	"CAP_LINUX_IMMUTABLE", "CAP_NET_BIND_SERVICE", "CAP_NET_BROADCAST",
	"CAP_NET_ADMIN", "CAP_NET_RAW", "CAP_IPC_LOCK", "CAP_IPC_OWNER",
	"CAP_SYS_MODULE", "CAP_SYS_RAWIO", "CAP_SYS_CHROOT", "CAP_SYS_PTRACE",
	"CAP_SYS_PACCT", "CAP_SYS_ADMIN", "CAP_SYS_BOOT", "CAP_SYS_NICE",
	"CAP_SYS_RESOURCE", "CAP_SYS_TIME", "CAP_SYS_TTY_CONFIG", "CAP_MKNOD",
	"CAP_LEASE", "CAP_AUDIT_WRITE", "CAP_AUDIT_CONTROL", "CAP_SETFCAP",
	"CAP_MAC_OVERRIDE", "CAP_MAC_ADMIN", "CAP_SYSLOG", "CAP_WAKE_ALARM",
	"CAP_BLOCK_SUSPEND", "CAP_AUDIT_READ", "CAP_PERFMON", "CAP_BPF",
	"CAP_CHECKPOINT_RESTORE",
}

// ParseCaps turns a comma-separated list ("chown,CAP_NET_RAW") into
// canonical capability names. "" is no capabilities; "ALL" is every one.
func ParseCaps(list string) ([]string, error) {
	caps := []string{}
	for _, c := range strings.Split(list, ",") {
		if c = strings.TrimSpace(c); c != "" {
			caps = append(caps, c)
		}
	}
	return normalizeCaps(caps)
}

func normalizeCaps(caps []string) ([]string, error) {
	seen := map[string]bool{}
	out := []string{}
	for _, c := range caps {
		u := strings.ToUpper(strings.TrimSpace(c))
		if u == "ALL" || u == "CAP_ALL" {
			return slices.Clone(allCaps), nil
		}
		if !strings.HasPrefix(u, "CAP_") {
			u = "CAP_" + u
		}
		if !slices.Contains(allCaps, u) {
			if s := closest(u, allCaps); s != "" {
				return nil, fmt.Errorf("unknown capability %q (did you mean %q?)", c, s)
			}
			return nil, fmt.Errorf("unknown capability %q", c)
		}
		if !seen[u] {
			seen[u] = true
			out = append(out, u)
		}
	}
	return out, nil
}

// arch is a resolved target architecture: moby's name for it (what
// includes/excludes "arches" match) and libseccomp's.
type arch struct {
	moby string
	spec specs.Arch
}

// archAliases maps every accepted spelling to moby's names, which follow
// libseccomp's native ones.
var archAliases = map[string]string{
	"amd64": "amd64", "x86_64": "amd64",
	"386": "x86", "x86": "x86", "i386": "x86", "i686": "x86",
	"x32":   "x32",
	"arm64": "arm64", "aarch64": "arm64",
	"arm":     "arm",
	"loong64": "loongarch64", "loongarch64": "loongarch64",
	"mips64":    "mips64",
	"mips64p32": "mips64n32", "mips64n32": "mips64n32",
	"mips64le": "mipsel64", "mipsel64": "mipsel64",
	"mips64p32le": "mips3l64n32", "mipsel64n32": "mips3l64n32", "mips3l64n32": "mips3l64n32",
	"mipsle": "mipsel", "mipsel": "mipsel",
	"mips": "mips",
	"ppc":  "ppc", "ppc64": "ppc64", "ppc64le": "ppc64le",
	"riscv64": "riscv64",
	"s390":    "s390", "s390x": "s390x",
}

var mobyToSpec = map[string]specs.Arch{
	"amd64": specs.ArchX86_64, "x86": specs.ArchX86, "x32": specs.ArchX32,
	"arm64": specs.ArchAARCH64, "arm": specs.ArchARM,
	"loongarch64": specs.ArchLOONGARCH64,
	"mips":        specs.ArchMIPS, "mips64": specs.ArchMIPS64, "mips64n32": specs.ArchMIPS64N32,
	"mipsel64": specs.ArchMIPSEL64, "mips3l64n32": specs.ArchMIPSEL64N32, "mipsel": specs.ArchMIPSEL,
	"ppc": specs.ArchPPC, "ppc64": specs.ArchPPC64, "ppc64le": specs.ArchPPC64LE,
	"riscv64": specs.ArchRISCV64, "s390": specs.ArchS390, "s390x": specs.ArchS390X,
}

func resolveArch(name string) (arch, error) {
	if name == "" {
		name = runtime.GOARCH
	}
	key := strings.ToLower(strings.TrimPrefix(strings.ToUpper(name), "SCMP_ARCH_"))
	m, ok := archAliases[key]
	if !ok {
		cands := make([]string, 0, len(archAliases))
		for a := range archAliases {
			cands = append(cands, a)
		}
		slices.Sort(cands)
		if s := closest(key, cands); s != "" {
			return arch{}, fmt.Errorf("unknown architecture %q (did you mean %q?)", name, s)
		}
		return arch{}, fmt.Errorf("unknown architecture %q", name)
	}
	return arch{moby: m, spec: mobyToSpec[m]}, nil
}

// archName is how messages name an architecture: libseccomp's short name.
func archName(a specs.Arch) string {
	return strings.ToLower(strings.TrimPrefix(string(a), "SCMP_ARCH_"))
}

// kernel is a kernel version as minKernel compares it: only the first two
// numbers count.
type kernel struct{ major, minor uint64 }

func resolveKernel(release string) (kernel, error) {
	if release == "" {
		var uts unix.Utsname
		if err := unix.Uname(&uts); err != nil {
			return kernel{}, fmt.Errorf("kernel version: %w", err)
		}
		release = unix.ByteSliceToString(uts.Release[:])
	}
	var k kernel
	if _, err := fmt.Sscanf(release, "%d.%d", &k.major, &k.minor); err != nil {
		return kernel{}, fmt.Errorf("kernel version %q: want MAJOR.MINOR such as 6.1", release)
	}
	return k, nil
}

func (k kernel) atLeast(major, minor uint64) bool {
	return k.major > major || k.major == major && k.minor >= minor
}

// target is a Target checked and resolved.
type target struct {
	arch   arch
	caps   []string
	kernel kernel
}

func (t Target) resolve() (target, error) {
	a, err := resolveArch(t.Arch)
	if err != nil {
		return target{}, err
	}
	caps := t.Caps
	if caps == nil {
		caps = dockerDefaultCaps
	}
	c, err := normalizeCaps(caps)
	if err != nil {
		return target{}, err
	}
	k, err := resolveKernel(t.Kernel)
	if err != nil {
		return target{}, err
	}
	return target{arch: a, caps: c, kernel: k}, nil
}

// String describes the target the way the diff summary names
// docker-default: "x86_64, 14 default caps".
func (t Target) String() string {
	r, err := t.resolve()
	if err != nil {
		return "invalid target: " + err.Error()
	}
	s := archName(r.arch.spec) + ", "
	switch {
	case sameSet(r.caps, dockerDefaultCaps):
		s += fmt.Sprintf("%d default caps", len(r.caps))
	case len(r.caps) == 0:
		s += "no caps"
	default:
		short := make([]string, len(r.caps))
		for i, c := range r.caps {
			short[i] = strings.TrimPrefix(c, "CAP_")
		}
		slices.Sort(short)
		s += "caps " + strings.Join(short, ",")
	}
	if t.Kernel != "" {
		s += ", kernel " + t.Kernel
	}
	return s
}

func sameSet(a, b []string) bool {
	x, y := slices.Clone(a), slices.Clone(b)
	slices.Sort(x)
	slices.Sort(y)
	return slices.Equal(x, y)
}
