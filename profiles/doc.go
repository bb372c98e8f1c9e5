// Package profiles reads, writes, compares, merges and validates OCI seccomp
// profiles, Docker's default among them; it is the only package that
// touches runtime-spec, moby and libseccomp types.
package profiles
