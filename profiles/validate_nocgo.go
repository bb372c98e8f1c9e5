//go:build !(linux && cgo)

package profiles

// Validate needs libseccomp; this build has none.
func Validate(p *Profile, strict bool) (warnings []string, err error) {
	return nil, ErrNoLibseccomp
}

// Compile needs libseccomp; this build has none.
func Compile(p *Profile) (prog []byte, flags uint, err error) {
	return nil, 0, ErrNoLibseccomp
}
