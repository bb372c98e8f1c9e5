//go:build !(linux && cgo)

package profiles

import (
	"errors"
	"testing"
)

func TestValidateNoCgo(t *testing.T) {
	p, err := Generate(Spec{ABIs: []string{"x86_64"}, Allow: []string{"read"}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := Validate(p, false); !errors.Is(err, ErrNoLibseccomp) {
		t.Errorf("Validate error = %v, want ErrNoLibseccomp", err)
	}
}
