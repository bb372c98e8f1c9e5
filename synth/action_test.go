package synth

import (
	"encoding/json"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// TestActionJSON: the typed action keeps the report's JSON as it was.
func TestActionJSON(t *testing.T) {
	for _, tc := range []struct {
		a    Action
		want string
	}{{Allow, `"allow"`}, {Deny, `"deny"`}} {
		t.Run(string(tc.a), func(t *testing.T) {
			got, err := json.Marshal(tc.a)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tc.want, string(got)); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}
