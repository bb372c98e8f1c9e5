module github.com/seccompgen/seccompgen

go 1.26.8

require (
	github.com/elastic/go-seccomp-bpf v1.6.0
	github.com/google/go-cmp v0.7.0
	github.com/moby/profiles/seccomp v0.3.0
	github.com/opencontainers/runtime-spec v1.3.0
	github.com/seccomp/libseccomp-golang v0.11.1
	github.com/spf13/pflag v1.1.0
	golang.org/x/sys v0.50.0
)

require github.com/cilium/ebpf v0.22.0

require golang.org/x/arch v0.33.0

require go.yaml.in/yaml/v3 v3.0.4

tool github.com/cilium/ebpf/cmd/bpf2go
