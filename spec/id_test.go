package spec

import (
	"errors"
	"strings"
	"testing"
)

func TestValidateID(t *testing.T) {
	good := []string{"a", "abc-DEF_012+x.y", "...", ".a", "a..b", strings.Repeat("x", MaxIDLength)}
	for _, id := range good {
		if err := ValidateID(id); err != nil {
			t.Errorf("ValidateID(%q) = %v", id, err)
		}
	}
	bad := []struct{ id, msg string }{
		{".", `invalid container ID format: "."`},
		{"..", `invalid container ID format: ".."`},
		{"../x", `invalid container ID format: "../x"`},
		{"/", `invalid container ID format: "/"`},
		{"a/b", `invalid container ID format: "a/b"`},
		{"a b", `invalid container ID format: "a b"`},
		{"a\nb", `invalid container ID format: "a\nb"`},
		{"é", `invalid container ID format: "é"`},
		{"a\x00", `invalid container ID format: "a\x00"`},
		{strings.Repeat("x", MaxIDLength+1), "invalid container ID format: longer than 1024 characters"},
	}
	for _, c := range bad {
		err := ValidateID(c.id)
		if err == nil || err.Error() != c.msg || !errors.Is(err, ErrInvalidID) {
			t.Errorf("ValidateID(%q) = %v, want %s", c.id, err, c.msg)
		}
	}
	if err := ValidateID(""); err != ErrEmptyID || err.Error() != "container id cannot be empty" {
		t.Errorf("empty id: %v", err)
	}
}
