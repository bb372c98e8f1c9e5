package main

import (
	"errors"
	"fmt"

	"github.com/spf13/pflag"

	"github.com/seccompgen/seccompgen/profiles"
)

// Profile formats record, merge and check write.
const (
	formatOCI = "oci" // the runtime's linux.seccomp JSON
	formatSPO = "spo" // security-profiles-operator's SeccompProfile resource
)

// profileFormat are the flags that choose how a profile is written: plain
// OCI JSON or the operator's resource, and the resource's identity.
type profileFormat struct {
	format    string
	name      string
	namespace string
}

// register declares the flags; flag is the name of the format flag
// (check's --format is taken by its report).
func (f *profileFormat) register(fs *pflag.FlagSet, flag string) {
	fs.StringVar(&f.format, flag, "", "write the profile as `FORMAT`: oci (JSON, as in a runtime's linux.seccomp) or spo (a security-profiles-operator SeccompProfile resource, YAML); default spo for a .yaml or .yml file, else oci")
	fs.StringVar(&f.name, "spo-name", "", "with spo: `NAME`, the resource's metadata.name (default: the output file's name without extension)")
	fs.StringVar(&f.namespace, "spo-namespace", "", "with spo: `NAMESPACE`, the resource's metadata.namespace (operator releases before 0.9, whose SeccompProfile is namespaced; default none)")
}

// encoder returns how to write a profile to the file out, or an error
// about the flags. fallback names the resource when out does not (stdout);
// prev is the identity of the resource out already holds, if any, which
// a rewrite keeps.
func (f *profileFormat) encoder(flag, out, fallback string, prev *profiles.SPOMeta) (func(*profiles.Profile) ([]byte, error), error) {
	format := f.format
	switch {
	case format == "" && (profiles.IsSPOPath(out) || prev != nil):
		format = formatSPO
	case format == "":
		format = formatOCI
	case format != formatOCI && format != formatSPO:
		return nil, fmt.Errorf("%s %q: want oci or spo", flag, format)
	}
	if format == formatOCI {
		if f.name != "" || f.namespace != "" {
			return nil, errors.New("--spo-name and --spo-namespace name a SeccompProfile resource: add --" + flag[2:] + " spo, or write to a .yaml file")
		}
		return func(p *profiles.Profile) ([]byte, error) { return p.Bytes(), nil }, nil
	}
	m := profiles.SPOMeta{Name: f.name, Namespace: f.namespace}
	if prev != nil {
		if m.Name == "" {
			m.Name = prev.Name
		}
		if m.Namespace == "" {
			m.Namespace = prev.Namespace
		}
	}
	if m.Name == "" && out != "-" {
		m.Name = profiles.SPONameFor(out)
	}
	if m.Name == "" {
		m.Name = profiles.SPONameFor(fallback)
	}
	if m.Name == "" {
		return nil, errors.New("--spo-name: the resource needs a name; give one")
	}
	if err := m.Check(); err != nil {
		if f.name == "" {
			return nil, fmt.Errorf("--spo-name: made from the file name, %w; give one", err)
		}
		return nil, fmt.Errorf("--spo-name, --spo-namespace: %w", err)
	}
	return func(p *profiles.Profile) ([]byte, error) { return p.SPOBytes(m) }, nil
}
