package main

import (
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/seccompgen/seccompgen/internal/testenv"
	"github.com/seccompgen/seccompgen/recording"
)

// argRule is a rule of a profile with its conditions, decoded
// independently of the profiles package.
type argRule struct {
	Names  []string `json:"names"`
	Action string   `json:"action"`
	Args   []struct {
		Index    uint   `json:"index"`
		Value    uint64 `json:"value"`
		ValueTwo uint64 `json:"valueTwo"`
		Op       string `json:"op"`
	} `json:"args"`
}

// condRules returns the profile's conditional rules for name as
// "OP value [valueTwo]" strings (for an argument other than the first
// "argN OP ...", several joined by " && "), one per rule, and whether an
// unconditional rule names it.
func condRules(t *testing.T, path, name string) (conds []string, unconditional bool) {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var p struct {
		Syscalls []argRule `json:"syscalls"`
	}
	if err := json.Unmarshal(data, &p); err != nil {
		t.Fatal(err)
	}
	for _, r := range p.Syscalls {
		if !slices.Contains(r.Names, name) {
			continue
		}
		if len(r.Args) == 0 {
			unconditional = true
			continue
		}
		if r.Action != "SCMP_ACT_ALLOW" || len(r.Names) != 1 {
			t.Errorf("%s: unexpected rule for %s: %+v", path, name, r)
			continue
		}
		var parts []string
		for _, a := range r.Args {
			c := a.Op + " " + hex(a.Value)
			if a.Op == "SCMP_CMP_MASKED_EQ" {
				c += " " + hex(a.ValueTwo)
			}
			if a.Index != 0 || len(r.Args) > 1 {
				c = fmt.Sprintf("arg%d %s", a.Index, c)
			}
			parts = append(parts, c)
		}
		conds = append(conds, strings.Join(parts, " && "))
	}
	return conds, unconditional
}

func hex(v uint64) string { return fmt.Sprintf("%#x", v) }

// TestArgsSocket: record --args pins socket to the domains the program
// used, and the kernel then refuses another domain.
func TestArgsSocket(t *testing.T) {
	testenv.RequireBPF(t)
	testenv.RequireTool(t, "gcc")
	sockets := buildC(t, "sockets")
	unconfined := runCmd(t, exec.Command(sockets, "inet6"))
	if unconfined.status != 0 || !strings.Contains(unconfined.stdout, "AF_INET6: ok\n") {
		t.Fatalf("unconfined: status %d, stdout %q: this machine cannot make an AF_INET6 socket", unconfined.status, unconfined.stdout)
	}

	prof, repPath, rec := recordFiles(t, []string{"--args"}, sockets)
	if rec.status != 0 || rec.stdout != "AF_UNIX: ok\nAF_INET: ok\n" {
		t.Fatalf("record: status %d, stdout %q, stderr:\n%s", rec.status, rec.stdout, rec.stderr)
	}
	conds, unconditional := condRules(t, prof, "socket")
	// Each domain seen with each type seen (SOCK_DGRAM 2 in both).
	want := []string{"arg0 SCMP_CMP_EQ 0x1 && arg1 SCMP_CMP_MASKED_EQ 0xf 0x2", "arg0 SCMP_CMP_EQ 0x2 && arg1 SCMP_CMP_MASKED_EQ 0xf 0x2"}
	if diff := cmp.Diff(want, conds); diff != "" || unconditional {
		t.Errorf("socket: unconditional %v, conditions (-want +got):\n%s", unconditional, diff)
	}
	type entry struct {
		Name string `json:"name"`
		Args []struct {
			Index  int      `json:"index"`
			Values []uint64 `json:"values"`
		} `json:"args"`
	}
	var rep struct {
		Syscalls []entry `json:"syscalls"`
	}
	data, _ := os.ReadFile(repPath)
	if err := json.Unmarshal(data, &rep); err != nil {
		t.Fatal(err)
	}
	i := slices.IndexFunc(rep.Syscalls, func(e entry) bool { return e.Name == "socket" })
	if i < 0 || len(rep.Syscalls[i].Args) != 2 || rep.Syscalls[i].Args[0].Index != 0 || !slices.Equal(rep.Syscalls[i].Args[0].Values, []uint64{1, 2}) ||
		rep.Syscalls[i].Args[1].Index != 1 || !slices.Equal(rep.Syscalls[i].Args[1].Values, []uint64{2}) {
		t.Errorf("report: socket entry in %s", data)
	}

	// Under the profile: the same run behaves the same, AF_INET6 is refused.
	if got := seccompgen(t, "run", "--profile", prof, "--", sockets); got.status != 0 || got.stdout != rec.stdout {
		t.Errorf("under the profile: status %d, stdout %q, want %q\nstderr:\n%s", got.status, got.stdout, rec.stdout, got.stderr)
	}
	got := seccompgen(t, "run", "--profile", prof, "--", sockets, "inet6")
	if want := "AF_UNIX: ok\nAF_INET: ok\nAF_INET6: Operation not permitted\n"; got.status != 0 || got.stdout != want {
		t.Errorf("inet6 under the profile: status %d, stdout %q, want %q\nstderr:\n%s", got.status, got.stdout, want, got.stderr)
	}

	// With --args=none the same program gets socket without conditions.
	plain, _, _ := recordFiles(t, []string{"--args=none"}, sockets)
	if conds, unconditional := condRules(t, plain, "socket"); conds != nil || !unconditional {
		t.Errorf("--args=none: socket conditions %v, unconditional %v", conds, unconditional)
	}
	if data, _ := os.ReadFile(plain); strings.Contains(string(data), `"args"`) {
		t.Errorf("--args=none: the profile has argument conditions:\n%s", data)
	}

	// diff marks socket conditional, against docker-default's own conditions.
	d := seccompgen(t, "diff", "--format", "json", prof)
	var dj struct {
		ConditionalInA []string `json:"conditional_in_a"`
	}
	if err := json.Unmarshal([]byte(d.stdout), &dj); err != nil || !slices.Contains(dj.ConditionalInA, "socket") {
		t.Errorf("diff --format json: %v, %s", err, d.stdout)
	}
	d = seccompgen(t, "diff", prof)
	if !regexp.MustCompile(`(?m)^  socket\n    ` + regexp.QuoteMeta(prof) + `: ` + strings.ReplaceAll(regexp.QuoteMeta("allow if arg0 == 1 && arg1 & 15 == 2 or arg0 == 2 && arg1 & 15 == 2"), " ", `\s+`) + `\n    docker-default: allow if `).MatchString(d.stdout) {
		t.Errorf("diff: socket not shown as conditional on both sides:\n%s", d.stdout)
	}
}

// TestArgsClone: a program that only forks gets clone without namespace
// flags, and a clone with CLONE_NEWUSER then fails with EPERM.
func TestArgsClone(t *testing.T) {
	testenv.RequireBPF(t)
	testenv.RequireTool(t, "gcc")
	forks := buildC(t, "forks")
	if u := runCmd(t, exec.Command(forks, "newuser")); u.stdout != "fork: ok\nCLONE_NEWUSER: ok\n" {
		t.Fatalf("unconfined: status %d, stdout %q: this machine does not let root create user namespaces", u.status, u.stdout)
	}
	prof, _, rec := recordFiles(t, []string{"--args"}, forks)
	if rec.status != 0 || rec.stdout != "fork: ok\n" {
		t.Fatalf("record: status %d, stdout %q, stderr:\n%s", rec.status, rec.stdout, rec.stderr)
	}
	conds, unconditional := condRules(t, prof, "clone")
	if diff := cmp.Diff([]string{"SCMP_CMP_MASKED_EQ " + hex(recording.CloneNamespaceFlags) + " 0x0"}, conds); diff != "" || unconditional {
		t.Errorf("clone: unconditional %v, conditions (-want +got):\n%s", unconditional, diff)
	}
	got := seccompgen(t, "run", "--profile", prof, "--", forks, "newuser")
	if want := "fork: ok\nCLONE_NEWUSER: Operation not permitted\n"; got.status != 0 || got.stdout != want {
		t.Errorf("under the profile: status %d, stdout %q, want %q\nstderr:\n%s", got.status, got.stdout, want, got.stderr)
	}

	// Recorded creating a user namespace, it may: the eBPF program's mask
	// keeps CLONE_NEWUSER, and the two masked values, 0 and NEWUSER, fold
	// into one rule that ignores that bit.
	prof, _, rec = recordFiles(t, []string{"--args"}, forks, "newuser")
	if rec.status != 0 || rec.stdout != "fork: ok\nCLONE_NEWUSER: ok\n" {
		t.Fatalf("record newuser: status %d, stdout %q, stderr:\n%s", rec.status, rec.stdout, rec.stderr)
	}
	conds, _ = condRules(t, prof, "clone")
	if diff := cmp.Diff([]string{"SCMP_CMP_MASKED_EQ " + hex(recording.CloneNamespaceFlags&^0x10000000) + " 0x0"}, conds); diff != "" {
		t.Errorf("clone after newuser: conditions (-want +got):\n%s", diff)
	}
	if got := seccompgen(t, "run", "--profile", prof, "--", forks, "newuser"); got.stdout != rec.stdout {
		t.Errorf("newuser under its own profile: status %d, stdout %q\nstderr:\n%s", got.status, got.stdout, got.stderr)
	}
}

// TestArgsCheck: check --args is in sync with the run that made the
// profile, and names a new argument value as a break.
func TestArgsCheck(t *testing.T) {
	testenv.RequireBPF(t)
	testenv.RequireTool(t, "gcc")
	sockets := buildC(t, "sockets")
	prof := filepath.Join(t.TempDir(), "sockets.json")
	if r := seccompgen(t, "check", "--args", "--update", "--profile", prof, "--", sockets); r.status != 0 {
		t.Fatalf("--update: status %d, stderr %q", r.status, r.stderr)
	}
	validate(t, prof)
	if conds, _ := condRules(t, prof, "socket"); len(conds) != 2 {
		t.Errorf("socket conditions: %v", conds)
	}
	r := seccompgen(t, "check", "--args", "--profile", prof, "--", sockets)
	if r.status != 0 || !strings.Contains(r.stderr, prof+" is in sync with the run") {
		t.Errorf("in sync: status %d, stderr %q", r.status, r.stderr)
	}
	r = seccompgen(t, "check", "--args", "--profile", prof, "--", sockets, "inet6")
	if want := regexp.MustCompile(`\n  socket \(x86_64\): 3 call\(s\), first by pid [0-9]+ \(` + comm(sockets) + `\), with arg0 in \{10\}\n`); r.status != 1 || !want.MatchString(r.stderr) {
		t.Errorf("new domain: status %d, stderr:\n%s", r.status, r.stderr)
	}
}

// TestArgsMapFull: more distinct values of one argument than the tracer
// keeps are said on stderr and in the report, and that argument stays
// free: a pinned set that misses values would break the workload. The
// other argument of socket, its type, is still pinned.
func TestArgsMapFull(t *testing.T) {
	testenv.RequireBPF(t)
	testenv.RequireTool(t, "gcc")
	sockets := buildC(t, "sockets")
	prof, repPath, rec := recordFiles(t, []string{"--args"}, sockets, "many")
	if want := "socket (x86_64): arg0 took more than 64 distinct values, more than seccompgen records: it stays allowed with any"; rec.status != 0 || !strings.Contains(rec.stderr, want) {
		t.Errorf("status %d, stderr:\n%s\nwant %q", rec.status, rec.stderr, want)
	}
	if diff := cmp.Diff([]unpinned{{"socket", "x86_64", 0, "too-many-values"}}, readUnpinned(t, repPath)); diff != "" {
		t.Errorf("report: unpinned (-want +got):\n%s", diff)
	}
	if conds, unconditional := condRules(t, prof, "socket"); !slices.Equal(conds, []string{"arg1 SCMP_CMP_MASKED_EQ 0xf 0x2"}) || unconditional {
		t.Errorf("socket: conditions %v, unconditional %v", conds, unconditional)
	}
}

// unpinned is an entry of the report's "unpinned".
type unpinned struct {
	Name   string `json:"name"`
	ABI    string `json:"abi"`
	Index  int    `json:"index"`
	Reason string `json:"reason"`
}

func readUnpinned(t *testing.T, path string) []unpinned {
	t.Helper()
	var rep struct {
		Unpinned []unpinned `json:"unpinned"`
	}
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(data, &rep); err != nil {
		t.Fatal(err)
	}
	return rep.Unpinned
}
