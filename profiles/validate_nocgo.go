//go:build !(linux && cgo)

package profiles

// Validate needs libseccomp; this build has none.
func Validate(p *Profile, strict bool) (warnings []string, err error) {
	return nil, ErrNoLibseccomp
}
