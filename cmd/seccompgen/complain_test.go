package main

import (
	"regexp"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/seccompgen/seccompgen/internal/testenv"
)

// TestComplainArgs: complain mode records the arguments a profile's
// conditions are about and reports a value they refuse, with the value,
// exit 1; the same workload under the enforced profile gets EPERM.
func TestComplainArgs(t *testing.T) {
	testenv.RequireBPF(t)
	testenv.RequireTool(t, "gcc")
	netlink := buildC(t, "netlink")
	prof, _, rec := recordFiles(t, []string{"--args"}, netlink)
	if rec.status != 0 || rec.stdout != "AF_INET: ok\n" {
		t.Fatalf("record: status %d, stdout %q, stderr:\n%s", rec.status, rec.stdout, rec.stderr)
	}
	if conds, unconditional := condRules(t, prof, "socket"); unconditional || !cmp.Equal(conds, []string{"arg0 SCMP_CMP_EQ 0x2 && arg1 SCMP_CMP_MASKED_EQ 0xf 0x2"}) {
		t.Fatalf("socket: unconditional %v, conditions %v; want AF_INET (2), SOCK_DGRAM (2) only", unconditional, conds)
	}

	// The run the profile was recorded from: nothing to complain about.
	r := seccompgen(t, "run", "--complain", "--profile", prof, "--", netlink)
	if want := "seccompgen run: " + prof + " would deny nothing CMD did ("; r.status != 0 || !regexp.MustCompile("^"+regexp.QuoteMeta(want)+`[0-9]+ distinct syscalls\)\n$`).MatchString(r.stderr) {
		t.Errorf("complain, AF_INET only: status %d, stderr:\n%s", r.status, r.stderr)
	}

	// An AF_NETLINK socket: named with its value; complain mode does not
	// enforce, so the workload itself succeeds.
	r = seccompgen(t, "run", "--complain", "--profile", prof, "--", netlink, "netlink")
	want := regexp.MustCompile(`^seccompgen run: ` + regexp.QuoteMeta(prof) + ` would deny 1 syscall\(s\) CMD made:\n  socket \(x86_64\): 2 call\(s\), first by pid [0-9]+ \(` + comm(netlink) + `\): its argument conditions refuse arg0 = 16, arg1 & 15 = 3\n$`)
	if r.status != 1 || r.stdout != "AF_INET: ok\nAF_NETLINK: ok\n" || !want.MatchString(r.stderr) {
		t.Errorf("complain, AF_NETLINK: status %d, stdout %q, stderr:\n%s", r.status, r.stdout, r.stderr)
	}

	// Enforced, the same workload fails: what complain mode warned of.
	r = seccompgen(t, "run", "--profile", prof, "--", netlink, "netlink")
	if r.status != 1 || r.stdout != "AF_INET: ok\nAF_NETLINK: Operation not permitted\n" {
		t.Errorf("enforced, AF_NETLINK: status %d, stdout %q, stderr:\n%s", r.status, r.stdout, r.stderr)
	}
}
