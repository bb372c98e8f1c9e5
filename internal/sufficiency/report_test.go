package main

import (
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

var update = flag.Bool("update", false, "rewrite golden files under testdata")

func TestParseProfile(t *testing.T) {
	for _, tc := range []struct {
		name, json string
		want       profileNames
		err        string
	}{
		{
			name: "recorded with --args",
			json: `{"defaultAction":"SCMP_ACT_ERRNO","defaultErrnoRet":1,"architectures":["SCMP_ARCH_X86_64"],"syscalls":[
				{"names":["read","write","close"],"action":"SCMP_ACT_ALLOW"},
				{"names":["socket"],"action":"SCMP_ACT_ALLOW","args":[{"index":0,"value":1,"op":"SCMP_CMP_EQ"}]},
				{"names":["socket"],"action":"SCMP_ACT_ALLOW","args":[{"index":0,"value":2,"op":"SCMP_CMP_EQ"}]},
				{"names":["clone","write"],"action":"SCMP_ACT_ALLOW","args":[{"index":0,"value":0,"valueTwo":0,"op":"SCMP_CMP_MASKED_EQ"}]},
				{"names":["memfd_create","userfaultfd"],"action":"SCMP_ACT_ERRNO","errnoRet":1}]}`,
			want: profileNames{allowed: []string{"clone", "close", "read", "socket", "write"}, conditional: []string{"clone", "socket"}},
		},
		{
			name: "nothing allowed",
			json: `{"defaultAction":"SCMP_ACT_ERRNO","syscalls":[{"names":["ptrace"],"action":"SCMP_ACT_ERRNO"}]}`,
			want: profileNames{allowed: []string{}},
		},
		{name: "not a profile", json: `{"syscalls":[]}`, err: "parse profile: no defaultAction: not an OCI seccomp profile"},
		{name: "allows everything", json: `{"defaultAction":"SCMP_ACT_ALLOW"}`, err: "parse profile: defaultAction SCMP_ACT_ALLOW allows everything: not a recorded profile"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := parseProfile([]byte(tc.json))
			if tc.err != "" {
				if err == nil || err.Error() != tc.err {
					t.Fatalf("error %v, want %q", err, tc.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tc.want, got, cmp.AllowUnexported(profileNames{})); diff != "" {
				t.Errorf("(-want +got)\n%s", diff)
			}
		})
	}
}

func TestParseReport(t *testing.T) {
	report := `{"syscalls":[
		{"name":"read","abi":"x86_64","nr":0,"action":"allow","reason":"observed","count":7},
		{"name":"sched_yield","abi":"x86_64","nr":24,"action":"allow","reason":"inferred:go1.26-runtime","count":0},
		{"name":"memfd_create","abi":"x86_64","nr":319,"action":"deny","reason":"policy","count":0},
		{"name":"userfaultfd","abi":"x86_64","nr":323,"action":"deny","reason":"policy","count":2}],
		"losses":{"procs_dropped":0,"exec_events_lost":3}}`
	got, err := parseReport([]byte(report))
	if err != nil {
		t.Fatal(err)
	}
	want := reportSummary{used: []string{"read", "userfaultfd"}, inferred: []string{"sched_yield"}, losses: []string{"exec_events_lost=3"}}
	if diff := cmp.Diff(want, got, cmp.AllowUnexported(reportSummary{})); diff != "" {
		t.Errorf("(-want +got)\n%s", diff)
	}
}

func TestParseDiff(t *testing.T) {
	got, err := parseDiff([]byte(`{"a":"p.json","b":"docker-default","allowed_only_in_a":["keyctl"],"allowed_in_both":["read","close"],"counts":{"allowed_a":3,"allowed_b":370}}`))
	if err != nil {
		t.Fatal(err)
	}
	want := dockerComparison{allowed: 3, docker: 370, onlyInProfile: []string{"keyctl"}, names: []string{"close", "keyctl", "read"}}
	if diff := cmp.Diff(want, got, cmp.AllowUnexported(dockerComparison{})); diff != "" {
		t.Errorf("(-want +got)\n%s", diff)
	}
	if _, err := parseDiff([]byte(`{"b":"other.json","counts":{"allowed_a":1,"allowed_b":2}}`)); err == nil {
		t.Error("a diff against another profile was taken for Docker's default")
	}
	if _, err := parseDiff([]byte(`{"b":"docker-default"}`)); err == nil {
		t.Error("a diff without counts was accepted")
	}
}

func TestHasFlag(t *testing.T) {
	help := `Flags:
  -o, --output FILE                      write the profile to FILE
      --errno-log                        not it
      --infer go|none                    what to allow beyond the trace: go|none (see docs/go-runtime.md) (default "go")
      --args[=true|false]                also record the first argument`
	for _, tc := range []struct {
		flag string
		want bool
	}{{"output", true}, {"args", true}, {"errno", false}, {"errno-log", true}, {"o", false}} {
		if got := hasFlag(help, tc.flag); got != tc.want {
			t.Errorf("hasFlag(%q) = %v, want %v", tc.flag, got, tc.want)
		}
	}
	if got := defaultOf(help, "infer"); got != "go" {
		t.Errorf("defaultOf(infer) = %q, want go", got)
	}
	if got := defaultOf(help, "output"); got != "" {
		t.Errorf("defaultOf(output) = %q, want none", got)
	}
}

// TestMarkdown renders a made-up measurement: two programs, two levels,
// two errno values, a failure, a level that could not be measured and a
// program that could not be measured at all.
func TestMarkdown(t *testing.T) {
	start := time.Date(2026, 11, 30, 19, 0, 0, 0, time.UTC)
	docker := func(n int, beyond ...string) dockerComparison {
		return dockerComparison{allowed: n, docker: 370, onlyInProfile: beyond}
	}
	d := &doc{
		command:      "make sufficiency",
		levels:       []string{"none", "imports"},
		defaultLevel: "imports",
		errnos:       []string{"EPERM", "ENOSYS"},
		machine:      [][2]string{{"kernel", "6.18 x86_64"}},
		started:      start,
		finished:     start.Add(7*time.Minute + 3*time.Second),
		runTimeout:   90 * time.Second,
		programs: []programResult{
			{
				name: "redis", packages: "redis-server", versions: "redis-server 5:7.0.15-1~deb12u1",
				training: "PING.", heldOut: "BGSAVE.", elapsed: 41 * time.Second,
				used: []string{"clone", "fsync", "read", "rename", "write"},
				levels: []levelResult{
					{level: "none", allowed: []string{"read", "write"}, docker: docker(2),
						runs: []heldOut{
							{errno: "EPERM", outcome: outcome{symptom: "background save: BGSAVE: redis: ERR", logTail: "# Can't save in background: fork: Operation not permitted"}},
							{errno: "ENOSYS", outcome: outcome{symptom: "exit status 1 | 0 <stdin>"}},
						}},
					{level: "imports", allowed: []string{"clone", "fsync", "keyctl", "read", "rename", "wait4", "write"}, inferred: []string{"clone", "fsync", "keyctl", "rename", "wait4"},
						docker: docker(7, "keyctl"),
						runs:   []heldOut{{errno: "EPERM", outcome: outcome{passed: true}}, {errno: "ENOSYS", outcome: outcome{passed: true}}}},
					{level: referenceLevel, allowed: []string{"clone", "fsync", "read", "rename", "sethostname", "write"}, docker: docker(6),
						runs: []heldOut{{errno: "EPERM", outcome: outcome{passed: true}}}},
				},
			},
			{
				name: "curl", packages: "curl", training: "one GET.", heldOut: "six transfers.", elapsed: 3 * time.Second,
				used: []string{"read", "write"}, losses: []string{"exec_events_lost=1"},
				levels: []levelResult{
					{level: "none", allowed: []string{"read", "write"}, docker: docker(2),
						runs: []heldOut{{errno: "EPERM", outcome: outcome{passed: true}}, {errno: "ENOSYS", outcome: outcome{passed: true}}}},
					{level: "imports", err: "the training run failed while recorded: exit status 125"},
				},
			},
			{name: "postgres", packages: "postgresql-15", training: "SELECT 1.", heldOut: "CHECKPOINT.",
				harnessErr: "the held-out run fails even unconfined: never ready"},
		},
	}
	got := d.markdown()
	golden := filepath.Join("testdata", "markdown.golden.md")
	if *update {
		if err := os.MkdirAll("testdata", 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(golden, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatalf("%v (go test ./internal/sufficiency -update writes it)", err)
	}
	if diff := cmp.Diff(string(want), got); diff != "" {
		t.Errorf("markdown (-want +got)\n%s", diff)
	}
	// What the golden file must show, so that -update cannot bless a
	// wrong summary unnoticed.
	for _, line := range []string{
		"| none | 1 of 2 | 1 of 2 | 2 / 2 | 0 / 0 | 1% / 1% | 0 / 0 |",
		"| imports (default) | 1 of 1 | 1 of 1 | 7 / 7 | 5 / 5 | 2% / 2% | 2 / 2 |",
		"| redis | none | **failed**: background save: BGSAVE: redis: ERR | **failed**: exit status 1 \\| 0 &lt;stdin&gt; | 2 | 0 | 2 / 370 (1%) | — | 5 | 0 | clone, fsync, rename |",
		"| redis | imports | passed | passed | 7 | 5 | 7 / 370 (2%) | keyctl | 5 | 2 | — |",
		"| curl | imports | — | — | — | — | — | — | — | — | not measured: the training run failed while recorded: exit status 125 |",
		"| (docker-default) | 1 of 1 | — | 6 / 6 | 0 / 0 | 2% / 2% | 1 / 1 |",
		"| redis | (docker-default) | passed | — | 6 | 0 | 6 / 370 (2%) | — | 5 | 1 | — |",
	} {
		if !strings.Contains(got, line+"\n") {
			t.Errorf("markdown lacks the line\n%s", line)
		}
	}
}
