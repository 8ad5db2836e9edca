package spec

import (
	"slices"
	"sort"
	"testing"

	"golang.org/x/sys/unix"
)

func TestCapabilityTable(t *testing.T) {
	if len(capabilities) != unix.CAP_LAST_CAP+1 {
		t.Fatalf("%d capabilities, want %d (0..CAP_LAST_CAP)", len(capabilities), unix.CAP_LAST_CAP+1)
	}
	names := KnownCapabilities()
	for i, name := range names {
		if n, ok := CapabilityNumber(name); !ok || n != i {
			t.Errorf("%s: number %d, want %d", name, n, i)
		}
	}
	if _, ok := CapabilityNumber("CAP_FOO"); ok {
		t.Error("CAP_FOO is known")
	}
}

func TestKnownLists(t *testing.T) {
	lists := map[string][]string{
		"namespaces": KnownNamespaces(), "actions": KnownSeccompActions(), "archs": KnownSeccompArchs(),
		"operators": KnownSeccompOperators(), "flags": KnownSeccompFlags(),
	}
	want := map[string]int{"namespaces": 8, "actions": 9, "archs": 23, "operators": 7, "flags": 4}
	for name, list := range lists {
		if len(list) != want[name] || !sort.StringsAreSorted(list) {
			t.Errorf("%s: %q", name, list)
		}
	}
	if !slices.Contains(KnownNamespaces(), "time") {
		t.Error("time namespace missing")
	}
}
