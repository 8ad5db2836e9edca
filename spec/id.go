package spec

import (
	"errors"
	"fmt"
)

// MaxIDLength is the longest container id rt accepts. runc has no limit; the
// id names a directory under --root and appears in cgroup paths, so an
// unbounded one only produces ENAMETOOLONG somewhere later.
const MaxIDLength = 1024

// ErrInvalidID is wrapped by ValidateID's error for a malformed id; the text
// is runc's.
var ErrInvalidID = errors.New("invalid container ID format")

// ErrEmptyID is ValidateID's error for an empty id; the text is runc's.
var ErrEmptyID = errors.New("container id cannot be empty")

// ValidateID checks a container id as runc does: non-empty, only the
// characters [A-Za-z0-9_+.-], and not "." or "..", so that it is always a
// single, harmless path component. It also bounds the length to MaxIDLength.
func ValidateID(id string) error {
	if id == "" {
		return ErrEmptyID
	}
	if len(id) > MaxIDLength {
		return fmt.Errorf("%w: longer than %d characters", ErrInvalidID, MaxIDLength)
	}
	if id == "." || id == ".." {
		return fmt.Errorf("%w: %q", ErrInvalidID, id)
	}
	for i := 0; i < len(id); i++ {
		if !isIDChar(id[i]) {
			return fmt.Errorf("%w: %q", ErrInvalidID, id)
		}
	}
	return nil
}

func isIDChar(c byte) bool {
	switch {
	case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9':
		return true
	case c == '_', c == '+', c == '-', c == '.':
		return true
	}
	return false
}
