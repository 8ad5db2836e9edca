package spec

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"golang.org/x/sys/unix"
)

func writeConfig(t *testing.T, dir, content string) {
	t.Helper()
	if err := os.WriteFile(filepath.Join(dir, ConfigName), []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

const minimal = `{"ociVersion": "1.0.0", "root": {"path": "rootfs"}, "process": {"args": ["sh"], "cwd": "/"}}`

func TestLoadAbsolute(t *testing.T) {
	dir := t.TempDir()
	writeConfig(t, dir, minimal)
	b, err := Load(dir + "/./")
	if err != nil {
		t.Fatal(err)
	}
	if b.Dir != dir || b.Rootfs != filepath.Join(dir, "rootfs") {
		t.Fatalf("Dir %q Rootfs %q, want %q and its rootfs", b.Dir, b.Rootfs, dir)
	}
	if b.Spec.Process.Args[0] != "sh" {
		t.Fatalf("spec not decoded: %+v", b.Spec)
	}
}

func TestLoadRelative(t *testing.T) {
	parent := t.TempDir()
	dir := filepath.Join(parent, "bundle")
	if err := os.Mkdir(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	writeConfig(t, dir, minimal)
	t.Chdir(parent)
	for _, arg := range []string{"bundle", "./bundle/", "bundle/../bundle"} {
		b, err := Load(arg)
		if err != nil {
			t.Fatal(err)
		}
		if b.Dir != dir || b.Rootfs != filepath.Join(dir, "rootfs") {
			t.Fatalf("Load(%q): Dir %q Rootfs %q", arg, b.Dir, b.Rootfs)
		}
	}
	if wd, _ := os.Getwd(); wd != parent {
		t.Fatalf("Load changed the working directory to %q", wd)
	}
	t.Chdir(dir)
	if b, err := Load(""); err != nil || b.Dir != dir {
		t.Fatalf("Load(\"\"): %v, %+v", err, b)
	}
}

func TestLoadRootPath(t *testing.T) {
	dir := t.TempDir()
	cases := map[string]string{
		`"/srv/./rootfs/"`:   "/srv/rootfs",
		`"../shared/rootfs"`: filepath.Join(filepath.Dir(dir), "shared/rootfs"),
		`""`:                 "",
	}
	for path, want := range cases {
		writeConfig(t, dir, `{"ociVersion": "1.0.0", "root": {"path": `+path+`}}`)
		b, err := Load(dir)
		if err != nil || b.Rootfs != want {
			t.Errorf("root.path %s: Rootfs %q, %v; want %q", path, b.Rootfs, err, want)
		}
	}
	writeConfig(t, dir, `{"ociVersion": "1.0.0"}`)
	if b, err := Load(dir); err != nil || b.Rootfs != "" {
		t.Errorf("no root: %+v, %v", b, err)
	}
}

func TestLoadMissing(t *testing.T) {
	_, err := Load(t.TempDir())
	if err == nil || err.Error() != "JSON specification file config.json not found" {
		t.Fatalf("got %v", err)
	}
	if !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("error does not wrap fs.ErrNotExist: %v", err)
	}
	// A missing bundle directory is named, with the errno text.
	missing := filepath.Join(t.TempDir(), "nonexistent")
	_, err = Load(missing)
	if err == nil || !errors.Is(err, fs.ErrNotExist) || !strings.Contains(err.Error(), missing+": no such file or directory") {
		t.Fatalf("missing bundle: got %v", err)
	}
}

func TestLoadMalformed(t *testing.T) {
	cases := []struct {
		name, data string
		line, col  int
		msg        string
	}{
		{"syntax", "{\n  \"ociVersion\": \"1.0.0\",\n  \"process\": }", 3, 14, "invalid character '}'"},
		{"truncated", "{\n\"ociVersion\": \"1.0", 2, 18, "unexpected end of JSON input"},
		{"empty", "", 1, 1, "unexpected end of JSON input"},
		{"type", "{\"ociVersion\": \"1.0.0\",\n \"process\": {\"user\": {\"uid\": -1}}}", 2, 31,
			"process.user.uid: cannot unmarshal number -1 into uint32"},
		{"array at top", "[]", 1, 1, "cannot unmarshal array into specs.Spec"},
		{"trailing garbage", "{} x", 1, 4, "invalid character 'x' after top-level value"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			dir := t.TempDir()
			writeConfig(t, dir, c.data)
			_, err := Load(dir)
			var je *JSONError
			if !errors.As(err, &je) {
				t.Fatalf("want *JSONError, got %v", err)
			}
			if je.Line != c.line || je.Column != c.col || !strings.Contains(je.Msg, c.msg) {
				t.Fatalf("got line %d col %d %q, want %d:%d %q", je.Line, je.Column, je.Msg, c.line, c.col, c.msg)
			}
			if !strings.HasPrefix(err.Error(), "config.json: line ") || !strings.Contains(err.Error(), "byte offset") {
				t.Errorf("message: %q", err)
			}
		})
	}
}

func TestLoadNull(t *testing.T) {
	dir := t.TempDir()
	writeConfig(t, dir, " null ")
	if _, err := Load(dir); err == nil || !strings.Contains(err.Error(), "config cannot be null") {
		t.Fatalf("got %v", err)
	}
}

func TestLoadUnknownFields(t *testing.T) {
	dir := t.TempDir()
	writeConfig(t, dir, `{"ociVersion": "1.2.0", "future": {"x": 1}, "process": {"args": ["a"], "cwd": "/", "newThing": true}}`)
	b, err := Load(dir)
	if err != nil || b.Spec.Version != "1.2.0" {
		t.Fatalf("%+v, %v", b, err)
	}
}

func TestLoadTooLarge(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, ConfigName)
	writeConfig(t, dir, "{}")
	if err := os.Truncate(path, MaxConfigSize+1); err != nil { // sparse: costs no disk
		t.Fatal(err)
	}
	_, err := Load(dir)
	if err == nil || !strings.Contains(err.Error(), "file too large") {
		t.Fatalf("got %v", err)
	}
	// Exactly the limit is accepted.
	writeConfig(t, dir, `{"ociVersion": "1.0.0"}`+strings.Repeat(" ", MaxConfigSize-23))
	if b, err := Load(dir); err != nil || b.Spec.Version != "1.0.0" {
		t.Fatalf("file of exactly MaxConfigSize: %v", err)
	}
}

func TestLoadNotRegular(t *testing.T) {
	dir := t.TempDir()
	if err := unix.Mkfifo(filepath.Join(dir, ConfigName), 0o644); err != nil {
		t.Skip("mkfifo:", err)
	}
	if _, err := Load(dir); err == nil || !strings.Contains(err.Error(), "not a regular file") {
		t.Fatalf("fifo: got %v", err)
	}
	dir = t.TempDir()
	if err := os.Mkdir(filepath.Join(dir, ConfigName), 0o755); err != nil {
		t.Fatal(err)
	}
	if _, err := Load(dir); err == nil || !strings.Contains(err.Error(), "not a regular file") {
		t.Fatalf("directory: got %v", err)
	}
}

func TestLoadProcess(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "process.json")
	write := func(s string) {
		if err := os.WriteFile(path, []byte(s), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write(`{"args": ["ls"], "cwd": "/", "terminal": true}`)
	p, err := LoadProcess(path)
	if err != nil || p.Args[0] != "ls" || !p.Terminal {
		t.Fatalf("%+v, %v", p, err)
	}
	write("null")
	if _, err := LoadProcess(path); err == nil || !strings.Contains(err.Error(), "process cannot be null") {
		t.Fatalf("null: %v", err)
	}
	write(`{"args": "ls"}`)
	var je *JSONError
	if _, err := LoadProcess(path); !errors.As(err, &je) || je.File != "process.json" {
		t.Fatalf("malformed: %v", err)
	}
	if _, err := LoadProcess(filepath.Join(dir, "nope.json")); !errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("missing: %v", err)
	}
}

func TestPosition(t *testing.T) {
	data := []byte("ab\ncd\n\nef")
	cases := []struct {
		off       int64
		line, col int
	}{
		{-1, 1, 1}, {0, 1, 1}, {1, 1, 1}, {2, 1, 2}, {4, 2, 1}, {5, 2, 2}, {9, 4, 2}, {100, 4, 2},
	}
	for _, c := range cases {
		if l, col := position(data, c.off); l != c.line || col != c.col {
			t.Errorf("position(%d) = %d:%d, want %d:%d", c.off, l, col, c.line, c.col)
		}
	}
}
