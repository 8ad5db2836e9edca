package protocol

import (
	"fmt"
	"io"

	"golang.org/x/sys/unix"
)

// InitError is a failure reported by rt-init: the step that failed, the
// errno (0 if none) and a detail. errors.Is(err, unix.ENOENT) works on it.
type InitError struct {
	Step   string
	Errno  unix.Errno
	Detail string
}

// Error renders "step: detail: errno text", leaving out empty parts, so the
// errno text stays at the end of the chain where engines look for it.
func (e *InitError) Error() string {
	s := e.Step
	if e.Detail != "" {
		if s != "" {
			s += ": "
		}
		s += e.Detail
	}
	if e.Errno != 0 {
		if s != "" {
			s += ": "
		}
		s += e.Errno.Error()
	}
	return s
}

// Unwrap exposes the errno.
func (e *InitError) Unwrap() error {
	if e.Errno == 0 {
		return nil
	}
	return e.Errno
}

// DecodeError decodes an Error message.
func DecodeError(m Msg) error {
	r := NewReader(m)
	e := &InitError{Step: r.Str(), Errno: unix.Errno(r.U32()), Detail: r.Str()}
	if r.Err() != nil {
		return fmt.Errorf("protocol: malformed Error message: %w", r.Err())
	}
	return e
}

// Expect reads the next message and checks its type. An Error message from
// the init is returned as its *InitError; any other type is a protocol error
// naming both kinds.
func Expect(r io.Reader, want ...Type) (Msg, error) {
	m, err := ReadMsg(r)
	if err != nil {
		return m, err
	}
	if m.Type == Error {
		return m, DecodeError(m)
	}
	for _, w := range want {
		if m.Type == w {
			return m, nil
		}
	}
	return m, fmt.Errorf("protocol: expected %v, got %v", want, m.Type)
}
