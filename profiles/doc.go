// Package profiles reads, writes, compares and merges OCI seccomp profiles;
// it is the only package that touches runtime-spec, moby and libseccomp types.
package profiles
