package profiles

import "errors"

// ErrNoLibseccomp is what Validate returns in a build without cgo: the
// profile could not be compiled, which says nothing about whether it is
// valid.
var ErrNoLibseccomp = errors.New("profiles: validation needs libseccomp: build with cgo (CGO_ENABLED=1) and libseccomp-dev")
