package main

import (
	"strings"
	"testing"
)

func TestParseBytes(t *testing.T) {
	for in, want := range map[string]int64{
		"-1": -1, "1024": 1024, "1k": 1024, "1K": 1024, "32m": 32 << 20, "32MB": 32 << 20,
		"2g": 2 << 30, "1GiB": 1 << 30, "1.5k": 1536, "10b": 10,
	} {
		got, err := parseBytes(in)
		if err != nil || got != want {
			t.Errorf("parseBytes(%q) = %d, %v; want %d", in, got, err, want)
		}
	}
	for _, bad := range []string{"", "lots", "-5", "1x"} {
		if _, err := parseBytes(bad); err == nil {
			t.Errorf("parseBytes(%q): want an error", bad)
		}
	}
}

func TestFilterPs(t *testing.T) {
	out := "UID PID PPID CMD\nroot 1 0 init\nroot 42 1 sleep\nroot 420 1 other\n\n"
	var b strings.Builder
	if err := filterPs(&b, out, []int{42}); err != nil {
		t.Fatal(err)
	}
	if got := b.String(); got != "UID PID PPID CMD\nroot 42 1 sleep\n" {
		t.Errorf("filterPs: %q", got)
	}
	if err := filterPs(&b, "A B\n1 2\n", nil); err == nil {
		t.Error("no PID column: want an error")
	}
}
