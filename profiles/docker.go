package profiles

import (
	"fmt"

	"github.com/moby/profiles/seccomp"
)

// DockerDefault returns Docker's default profile, taken from
// github.com/moby/profiles and resolved for t as dockerd would resolve it
// for a container with t's capabilities on t's architecture and kernel.
func DockerDefault(t Target) (*Profile, error) {
	tgt, err := t.resolve()
	if err != nil {
		return nil, fmt.Errorf("profiles: %s: %w", DockerDefaultName, err)
	}
	p := &Profile{name: DockerDefaultName, about: t.String(), spec: resolve(seccomp.DefaultProfile(), tgt)}
	p.canonicalize()
	return p, nil
}
