package systemd

import (
	"bytes"
	"fmt"
	"math"
	"reflect"
	"strings"
	"testing"

	sd "github.com/coreos/go-systemd/v22/dbus"
	specs "github.com/opencontainers/runtime-spec/specs-go"
)

func i64(n int64) *int64   { return &n }
func u64(n uint64) *uint64 { return &n }
func u16(n uint16) *uint16 { return &n }
func mem(limit, resv, swap *int64) *specs.LinuxResources {
	return &specs.LinuxResources{Memory: &specs.LinuxMemory{Limit: limit, Reservation: resv, Swap: swap}}
}

func cpu(c specs.LinuxCPU) *specs.LinuxResources { return &specs.LinuxResources{CPU: &c} }

// propString renders props as "Name=value ..." (byte arrays in hex).
func propString(props []sd.Property) string {
	var s []string
	for _, p := range props {
		v := p.Value.Value()
		if b, ok := v.([]byte); ok {
			v = fmt.Sprintf("%x", b)
		} else if u, ok := v.(uint64); ok && u == math.MaxUint64 {
			v = "inf"
		}
		s = append(s, fmt.Sprintf("%s=%v", p.Name, v))
	}
	return strings.Join(s, " ")
}

type resCase struct {
	name    string
	r       *specs.LinuxResources
	version int
	want    string
}

func runResCases(t *testing.T, unified bool, cases []resCase) {
	t.Helper()
	for _, tc := range cases {
		if got := propString(unitResources(tc.r, unified, tc.version)); got != tc.want {
			t.Errorf("%s (unified %v, systemd %d):\n got %q\nwant %q", tc.name, unified, tc.version, got, tc.want)
		}
	}
}

func TestUnitResourcesMemoryV2(t *testing.T) {
	runResCases(t, true, []resCase{
		{"nil resources", nil, 252, ""},
		{"empty resources", &specs.LinuxResources{}, 252, ""},
		{"nil memory fields", mem(nil, nil, nil), 252, ""},
		{"limit", mem(i64(1<<20), nil, nil), 252, "MemoryMax=1048576"},
		{"limit 0 unset", mem(i64(0), nil, nil), 252, ""},
		{"limit -1: swap unlimited too", mem(i64(-1), nil, nil), 252, "MemoryMax=inf MemorySwapMax=inf"},
		{"limit -2 invalid", mem(i64(-2), nil, nil), 252, ""},
		{"reservation", mem(nil, i64(4096), nil), 252, "MemoryLow=4096"},
		{"reservation -1", mem(nil, i64(-1), nil), 252, "MemoryLow=inf"},
		{"swap is memory+swap", mem(i64(100), nil, i64(300)), 252, "MemoryMax=100 MemorySwapMax=200"},
		{"swap = limit: no swap", mem(i64(100), nil, i64(100)), 252, "MemoryMax=100"},
		{"swap -1", mem(i64(100), nil, i64(-1)), 252, "MemoryMax=100 MemorySwapMax=inf"},
		{"swap -1 without limit", mem(nil, nil, i64(-1)), 252, "MemorySwapMax=inf"},
		{"swap without limit refused", mem(nil, nil, i64(300)), 252, ""},
		{"swap with limit -1 refused", mem(i64(-1), nil, i64(300)), 252, "MemoryMax=inf"},
		{"swap below limit refused", mem(i64(300), nil, i64(100)), 252, "MemoryMax=300"},
	})
}

func TestUnitResourcesCPUV2(t *testing.T) {
	runResCases(t, true, []resCase{
		{"nil cpu fields", cpu(specs.LinuxCPU{}), 252, ""},
		{"shares 0 unset", cpu(specs.LinuxCPU{Shares: u64(0)}), 252, ""},
		{"shares 2", cpu(specs.LinuxCPU{Shares: u64(2)}), 252, "CPUWeight=1"},
		{"shares 1024", cpu(specs.LinuxCPU{Shares: u64(1024)}), 252, "CPUWeight=39"},
		{"shares 262144", cpu(specs.LinuxCPU{Shares: u64(262144)}), 252, "CPUWeight=10000"},
		{"shares too big", cpu(specs.LinuxCPU{Shares: u64(300000)}), 252, ""},
		{"idle", cpu(specs.LinuxCPU{Shares: u64(1024), Idle: i64(1)}), 252, "CPUWeight=0"},
		{"idle, old systemd", cpu(specs.LinuxCPU{Shares: u64(1024), Idle: i64(1)}), 251, "CPUWeight=39"},
		{"idle 0", cpu(specs.LinuxCPU{Idle: i64(0)}), 252, ""},
		{"quota+period", cpu(specs.LinuxCPU{Quota: i64(50000), Period: u64(100000)}), 252,
			"CPUQuotaPeriodUSec=100000 CPUQuotaPerSecUSec=500000"},
		{"period, systemd 242", cpu(specs.LinuxCPU{Quota: i64(50000), Period: u64(100000)}), 242,
			"CPUQuotaPeriodUSec=100000 CPUQuotaPerSecUSec=500000"},
		{"period, systemd 241", cpu(specs.LinuxCPU{Quota: i64(50000), Period: u64(100000)}), 241,
			"CPUQuotaPerSecUSec=500000"},
		{"quota rounded up to 10ms", cpu(specs.LinuxCPU{Quota: i64(12345), Period: u64(100000)}), 252,
			"CPUQuotaPeriodUSec=100000 CPUQuotaPerSecUSec=130000"},
		{"quota 1", cpu(specs.LinuxCPU{Quota: i64(1), Period: u64(1000000)}), 252,
			"CPUQuotaPeriodUSec=1000000 CPUQuotaPerSecUSec=10000"},
		{"quota, default period", cpu(specs.LinuxCPU{Quota: i64(25000)}), 252, "CPUQuotaPerSecUSec=250000"},
		{"quota > period", cpu(specs.LinuxCPU{Quota: i64(300000), Period: u64(200000)}), 252,
			"CPUQuotaPeriodUSec=200000 CPUQuotaPerSecUSec=1500000"},
		{"quota -1", cpu(specs.LinuxCPU{Quota: i64(-1)}), 252, "CPUQuotaPerSecUSec=inf"},
		{"period only: unlimited", cpu(specs.LinuxCPU{Period: u64(50000)}), 252,
			"CPUQuotaPeriodUSec=50000 CPUQuotaPerSecUSec=inf"},
		{"quota 0 unset", cpu(specs.LinuxCPU{Quota: i64(0)}), 252, ""},
		{"cpus", cpu(specs.LinuxCPU{Cpus: "0-3,5"}), 252, "AllowedCPUs=2f"},
		{"cpus and mems", cpu(specs.LinuxCPU{Cpus: "8", Mems: "0"}), 244, "AllowedCPUs=0001 AllowedMemoryNodes=01"},
		{"cpus, systemd 243", cpu(specs.LinuxCPU{Cpus: "0-3", Mems: "0"}), 243, ""},
		{"cpus, unknown systemd", cpu(specs.LinuxCPU{Cpus: "0-3"}), 0, ""},
		{"bad cpus", cpu(specs.LinuxCPU{Cpus: "3-1", Mems: "0"}), 252, "AllowedMemoryNodes=01"},
	})
}

func TestUnitResourcesOtherV2(t *testing.T) {
	pids := func(n int64) *specs.LinuxResources { return &specs.LinuxResources{Pids: &specs.LinuxPids{Limit: &n}} }
	bio := func(w *uint16) *specs.LinuxResources {
		return &specs.LinuxResources{BlockIO: &specs.LinuxBlockIO{Weight: w,
			WeightDevice: []specs.LinuxWeightDevice{{Weight: u16(500)}}}}
	}
	runResCases(t, true, []resCase{
		{"pids 10", pids(10), 252, "TasksMax=10"},
		{"pids -1", pids(-1), 252, "TasksMax=inf"},
		{"pids 0", pids(0), 252, ""},
		{"nil pids limit", &specs.LinuxResources{Pids: &specs.LinuxPids{}}, 252, ""},
		{"blkio weight 10", bio(u16(10)), 252, "IOWeight=1"},
		{"blkio weight 500", bio(u16(500)), 252, "IOWeight=4950"},
		{"blkio weight 1000", bio(u16(1000)), 252, "IOWeight=10000"},
		{"blkio weight 0", bio(u16(0)), 252, ""},
		{"blkio weight nil: devices skipped", bio(nil), 252, ""},
		{"blkio weight too big", bio(u16(2000)), 252, ""},
		{"all", &specs.LinuxResources{
			Memory:  &specs.LinuxMemory{Limit: i64(1 << 30), Reservation: i64(1 << 29), Swap: i64(1 << 31)},
			CPU:     &specs.LinuxCPU{Shares: u64(512), Quota: i64(20000), Period: u64(100000), Cpus: "0", Mems: "0"},
			BlockIO: &specs.LinuxBlockIO{Weight: u16(100)},
			Pids:    &specs.LinuxPids{Limit: i64(64)},
		}, 252, "MemoryMax=1073741824 MemoryLow=536870912 MemorySwapMax=1073741824 CPUWeight=20 " +
			"CPUQuotaPeriodUSec=100000 CPUQuotaPerSecUSec=200000 AllowedCPUs=01 AllowedMemoryNodes=01 " +
			"IOWeight=910 TasksMax=64"},
	})
}

func TestUnitResourcesV1(t *testing.T) {
	runResCases(t, false, []resCase{
		{"nil", nil, 252, ""},
		{"memory limit, reservation and swap", mem(i64(100), i64(50), i64(300)), 252, "MemoryLimit=100"},
		{"memory -1", mem(i64(-1), nil, nil), 252, "MemoryLimit=inf"},
		{"memory 0", mem(i64(0), nil, nil), 252, ""},
		{"shares", cpu(specs.LinuxCPU{Shares: u64(1024)}), 252, "CPUShares=1024"},
		{"shares 0", cpu(specs.LinuxCPU{Shares: u64(0)}), 252, ""},
		{"idle ignored", cpu(specs.LinuxCPU{Idle: i64(1)}), 252, ""},
		{"quota", cpu(specs.LinuxCPU{Quota: i64(12345), Period: u64(100000)}), 219, "CPUQuotaPerSecUSec=130000"},
		{"quota, period", cpu(specs.LinuxCPU{Quota: i64(-1), Period: u64(100000)}), 245,
			"CPUQuotaPeriodUSec=100000 CPUQuotaPerSecUSec=inf"},
		{"cpus", cpu(specs.LinuxCPU{Cpus: "0-2,7"}), 245, "AllowedCPUs=87"},
		{"blkio", &specs.LinuxResources{BlockIO: &specs.LinuxBlockIO{Weight: u16(500)}}, 252, "BlockIOWeight=500"},
		{"blkio out of range", &specs.LinuxResources{BlockIO: &specs.LinuxBlockIO{Weight: u16(5)}}, 252, ""},
		{"pids", &specs.LinuxResources{Pids: &specs.LinuxPids{Limit: i64(-1)}}, 252, "TasksMax=inf"},
	})
}

func TestRangeToBits(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want []byte
	}{
		{"", []byte{0}},
		{"0", []byte{0x01}},
		{"0-2,7", []byte{0x87}},
		{"0-3,5", []byte{0x2f}},
		{"8", []byte{0x00, 0x01}},
		{"0-15", []byte{0xff, 0xff}},
		{"1,3, 9-10", []byte{0x0a, 0x06}},
		{"2,2,1-2", []byte{0x06}},
		{"63", []byte{0, 0, 0, 0, 0, 0, 0, 0x80}},
		{"64", []byte{0, 0, 0, 0, 0, 0, 0, 0, 0x01}},
	} {
		got, err := RangeToBits(tc.in)
		if err != nil || !bytes.Equal(got, tc.want) {
			t.Errorf("RangeToBits(%q) = %x, %v; want %x", tc.in, got, err, tc.want)
		}
	}
	for _, bad := range []string{"a", "1-", "-1", "3-1", "1-2-3", "0,x", "65536", "1--2"} {
		if got, err := RangeToBits(bad); err == nil {
			t.Errorf("RangeToBits(%q) = %x, want an error", bad, got)
		}
	}
}

func TestParseVersion(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want int
	}{
		{`"252.22-1~deb12u1"`, 252}, {`"v245.4-4ubuntu3"`, 245}, {"219", 219}, {`"256"`, 256},
	} {
		if got, err := parseVersion(tc.in); err != nil || got != tc.want {
			t.Errorf("parseVersion(%q) = %d, %v; want %d", tc.in, got, err, tc.want)
		}
	}
	for _, bad := range []string{"", `""`, `"abc"`} {
		if _, err := parseVersion(bad); err == nil {
			t.Errorf("parseVersion(%q): no error", bad)
		}
	}
}

func TestAccountingProps(t *testing.T) {
	if got := propString(AccountingProps(true)); got != "MemoryAccounting=true CPUAccounting=true IOAccounting=true TasksAccounting=true" {
		t.Errorf("v2: %s", got)
	}
	if got := propString(AccountingProps(false)); got != "MemoryAccounting=true CPUAccounting=true BlockIOAccounting=true TasksAccounting=true" {
		t.Errorf("v1: %s", got)
	}
}

func TestNeedsVersion(t *testing.T) {
	for _, tc := range []struct {
		r    *specs.LinuxResources
		want bool
	}{
		{nil, false},
		{mem(i64(1), nil, nil), false},
		{cpu(specs.LinuxCPU{Shares: u64(2), Quota: i64(1)}), false},
		{cpu(specs.LinuxCPU{Period: u64(0)}), false},
		{cpu(specs.LinuxCPU{Period: u64(1000)}), true},
		{cpu(specs.LinuxCPU{Cpus: "0"}), true},
		{cpu(specs.LinuxCPU{Mems: "0"}), true},
		{cpu(specs.LinuxCPU{Idle: i64(1)}), true},
	} {
		if got := needsVersion(tc.r); got != tc.want {
			t.Errorf("needsVersion(%+v) = %v", tc.r, got)
		}
	}
}

// An org.systemd.property.* annotation replaces the resource-derived
// property of the same name (one of it, the annotation's value), whatever
// the host's cgroup mode.
func TestAnnotationOverridesResources(t *testing.T) {
	r := &specs.LinuxResources{
		CPU:  &specs.LinuxCPU{Quota: i64(50000)},
		Pids: &specs.LinuxPids{Limit: i64(10)},
	}
	ann := map[string]string{AnnotationPrefix + "CPUQuotaPerSecUSec": "@t 250000"}
	m, err := New("system.slice:p:n", "c1", ann, r)
	if err != nil {
		t.Skipf("no cgroup hierarchy here: %v", err)
	}
	got := map[string][]any{}
	for _, p := range m.Props {
		got[p.Name] = append(got[p.Name], p.Value.Value())
	}
	if w := []any{uint64(250000)}; !reflect.DeepEqual(got["CPUQuotaPerSecUSec"], w) {
		t.Errorf("CPUQuotaPerSecUSec = %v, want %v", got["CPUQuotaPerSecUSec"], w)
	}
	if w := []any{uint64(10)}; !reflect.DeepEqual(got["TasksMax"], w) {
		t.Errorf("TasksMax = %v, want %v (not overridden)", got["TasksMax"], w)
	}
	if last := m.Props[len(m.Props)-1]; last.Name != "CPUQuotaPerSecUSec" {
		t.Errorf("the annotations do not come last: %s", propString(m.Props))
	}
}
