package profiles

import specs "github.com/opencontainers/runtime-spec/specs-go"

// DefaultErrno returns the errno of p's default action by name, "EPERM"
// or "ENOSYS", and false when the default action is not ERRNO or returns
// another errno.
func (p *Profile) DefaultErrno() (string, bool) {
	if p.spec.DefaultAction != specs.ActErrno {
		return "", false
	}
	switch e := p.spec.DefaultErrnoRet; {
	case e == nil || *e == EPERM:
		return "EPERM", true
	case *e == ENOSYS:
		return "ENOSYS", true
	}
	return "", false
}
