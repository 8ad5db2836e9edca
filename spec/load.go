package spec

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"
)

// ConfigName is the name of the configuration file in a bundle.
const ConfigName = "config.json"

// MaxConfigSize bounds config.json (and a process.json for exec). Real
// configs are a few KiB; the bound keeps a hostile or broken file from
// exhausting memory before it is even parsed.
const MaxConfigSize = 16 << 20

// Bundle is a loaded, not yet validated, OCI bundle.
type Bundle struct {
	// Dir is the bundle directory: absolute and cleaned.
	Dir string
	// Spec is config.json as decoded.
	Spec *specs.Spec
	// Rootfs is root.path made absolute: a relative root.path is taken
	// relative to Dir. It is empty when config.json has no root.path
	// (Validate reports that).
	Rootfs string
}

// notFoundError is a missing config.json, with runc's text.
type notFoundError struct{ err error }

func (e *notFoundError) Error() string {
	return "JSON specification file " + ConfigName + " not found"
}

func (e *notFoundError) Unwrap() error { return e.err }

// JSONError is a file that is not valid JSON, or whose values do not fit the
// runtime-spec types (a string where a number belongs, a negative uid).
type JSONError struct {
	File   string // the file's name as shown to the user, e.g. "config.json"
	Line   int    // 1-based line of the problem
	Column int    // 1-based column (in bytes) of the problem
	Offset int64  // byte offset at which the decoder gave up
	Msg    string // what is wrong
	Err    error  // the decoder's error
}

// Error returns "file: line L, column C (byte offset O): message".
func (e *JSONError) Error() string {
	return fmt.Sprintf("%s: line %d, column %d (byte offset %d): %s",
		e.File, e.Line, e.Column, e.Offset, e.Msg)
}

// Unwrap returns the decoder's error.
func (e *JSONError) Unwrap() error { return e.Err }

// Load reads and decodes bundle/config.json. bundle may be relative (to the
// current directory) or empty (the current directory); the working
// directory is never changed.
func Load(bundle string) (*Bundle, error) {
	dir, err := filepath.Abs(bundle)
	if err != nil {
		return nil, fmt.Errorf("resolve bundle path %q: %w", bundle, err)
	}
	if _, err := os.Stat(dir); err != nil {
		return nil, fmt.Errorf("bundle: %w", err)
	}
	data, err := readBounded(filepath.Join(dir, ConfigName), ConfigName)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, &notFoundError{err: err}
	}
	if err != nil {
		return nil, err
	}
	s, err := Parse(data)
	if err != nil {
		return nil, err
	}
	return &Bundle{Dir: dir, Spec: s, Rootfs: rootfsPath(dir, s)}, nil
}

// Parse decodes config.json contents. It rejects "null" with runc's text and
// reports malformed input as a *JSONError.
func Parse(data []byte) (*specs.Spec, error) {
	var s *specs.Spec
	if err := decode(ConfigName, data, &s); err != nil {
		return nil, err
	}
	if s == nil {
		return nil, fmt.Errorf("%s: config cannot be null", ConfigName)
	}
	return s, nil
}

// LoadProcess reads and decodes a process.json as given to `exec --process`:
// a single runtime-spec Process object. Validate it with ValidateProcess.
func LoadProcess(path string) (*specs.Process, error) {
	name := filepath.Base(path)
	data, err := readBounded(path, name)
	if err != nil {
		return nil, err
	}
	var p *specs.Process
	if err := decode(name, data, &p); err != nil {
		return nil, err
	}
	if p == nil {
		return nil, fmt.Errorf("%s: process cannot be null", name)
	}
	return p, nil
}

// rootfsPath makes s's root.path absolute against the bundle directory.
func rootfsPath(dir string, s *specs.Spec) string {
	if s.Root == nil || s.Root.Path == "" {
		return ""
	}
	if filepath.IsAbs(s.Root.Path) {
		return filepath.Clean(s.Root.Path)
	}
	return filepath.Join(dir, s.Root.Path)
}

// readBounded reads a regular file of at most MaxConfigSize bytes. It opens
// with O_NONBLOCK so that a FIFO planted as config.json cannot hang rt before
// the regular-file check rejects it.
func readBounded(path, name string) ([]byte, error) {
	f, err := os.OpenFile(path, os.O_RDONLY|unix.O_NONBLOCK, 0)
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", name, err)
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", name, err)
	}
	if !fi.Mode().IsRegular() {
		return nil, fmt.Errorf("read %s: not a regular file (%s)", name, fi.Mode().Type())
	}
	if fi.Size() > MaxConfigSize {
		return nil, tooLarge(name, fi.Size())
	}
	data, err := io.ReadAll(io.LimitReader(f, MaxConfigSize+1))
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", name, err)
	}
	if len(data) > MaxConfigSize {
		return nil, tooLarge(name, int64(len(data)))
	}
	return data, nil
}

func tooLarge(name string, size int64) error {
	return fmt.Errorf("read %s: file too large (%d bytes, the limit is %d)", name, size, MaxConfigSize)
}

// decode unmarshals data into v, turning decoder errors into *JSONError.
func decode(name string, data []byte, v any) error {
	err := json.Unmarshal(data, v)
	if err == nil {
		return nil
	}
	je := &JSONError{File: name, Msg: err.Error(), Err: err}
	var syn *json.SyntaxError
	var typ *json.UnmarshalTypeError
	switch {
	case errors.As(err, &syn):
		je.Offset = syn.Offset
	case errors.As(err, &typ):
		je.Offset = typ.Offset
		je.Msg = typeMsg(typ)
	}
	je.Line, je.Column = position(data, je.Offset)
	return je
}

// typeMsg describes a type mismatch by JSON path rather than Go type names.
func typeMsg(e *json.UnmarshalTypeError) string {
	what := "value"
	if e.Type != nil {
		what = e.Type.String()
	}
	if e.Field == "" {
		return fmt.Sprintf("cannot unmarshal %s into %s", e.Value, what)
	}
	return fmt.Sprintf("%s: cannot unmarshal %s into %s", e.Field, e.Value, what)
}

// position converts the decoder's offset (bytes read when it failed, so the
// offending byte is the last one read) to a 1-based line and column.
func position(data []byte, off int64) (line, col int) {
	if off < 0 {
		off = 0
	}
	if off > int64(len(data)) {
		off = int64(len(data))
	}
	before := data[:off]
	line = 1 + bytes.Count(before, []byte{'\n'})
	col = len(before) - (bytes.LastIndexByte(before, '\n') + 1)
	if col < 1 {
		col = 1
	}
	return line, col
}
