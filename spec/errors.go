package spec

import (
	"errors"
	"fmt"
	"path/filepath"
	"strconv"
	"strings"
)

// ErrInvalidConfig is wrapped by every validation error, so callers can tell a
// bad configuration from a failure to act on a good one.
var ErrInvalidConfig = errors.New("invalid configuration")

// FieldError is a validation failure of one value in config.json.
type FieldError struct {
	// Path is the JSON path of the value, e.g. "linux.namespaces[2].type".
	// It is empty for a problem with the document as a whole.
	Path string
	// Msg says what is wrong with the value.
	Msg string
}

// Error returns "path: message".
func (e *FieldError) Error() string {
	if e.Path == "" {
		return e.Msg
	}
	return e.Path + ": " + e.Msg
}

// Unwrap returns ErrInvalidConfig.
func (e *FieldError) Unwrap() error { return ErrInvalidConfig }

// fieldErr returns a *FieldError for path.
func fieldErr(path, format string, args ...any) error {
	return &FieldError{Path: path, Msg: fmt.Sprintf(format, args...)}
}

// join appends a member name to a JSON path; base may be empty.
func join(base, field string) string {
	if base == "" {
		return field
	}
	return base + "." + field
}

// idx appends an array index to a JSON path.
func idx(base string, i int) string {
	return base + "[" + strconv.Itoa(i) + "]"
}

// key appends an object key to a JSON path, quoted.
func key(base, k string) string {
	return base + "[" + strconv.Quote(k) + "]"
}

// checkNUL rejects a string that the kernel would silently truncate.
func checkNUL(path, s string) error {
	if strings.IndexByte(s, 0) >= 0 {
		return fieldErr(path, "must not contain a NUL byte")
	}
	return nil
}

// checkNULs applies checkNUL to every element of list.
func checkNULs(path string, list []string) error {
	for i, s := range list {
		if err := checkNUL(idx(path, i), s); err != nil {
			return err
		}
	}
	return nil
}

// checkAbs requires p to be a non-empty absolute path without NUL bytes.
func checkAbs(path, p string) error {
	if p == "" {
		return fieldErr(path, "must not be empty")
	}
	if err := checkNUL(path, p); err != nil {
		return err
	}
	if !filepath.IsAbs(p) {
		return fieldErr(path, "must be an absolute path, not %q", p)
	}
	return nil
}
