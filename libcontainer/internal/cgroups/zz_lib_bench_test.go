package cgroups

import (
	"syscall"
	"time"
	"os/exec"
	"strconv"
	"testing"

	ocg "github.com/opencontainers/cgroups"
	"github.com/opencontainers/cgroups/fs"
)

func benchChild(b *testing.B) (*exec.Cmd, func()) {
	cmd := exec.Command("/bin/sleep", "100")
	if err := cmd.Start(); err != nil {
		b.Fatal(err)
	}
	hs, _ := Mounts()
	back := func() {
		for _, h := range hs {
			if err := writeFile(h.Mountpoint+"/cgroup.procs", []byte(strconv.Itoa(cmd.Process.Pid))); err != nil {
				b.Fatal(err)
			}
		}
	}
	b.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	var r0 syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &r0)
	b.Cleanup(func() {
		var r1 syscall.Rusage
		syscall.Getrusage(syscall.RUSAGE_SELF, &r1)
		u := time.Duration(r1.Utime.Nano() - r0.Utime.Nano())
		s := time.Duration(r1.Stime.Nano() - r0.Stime.Nano())
		b.ReportMetric(float64(u.Microseconds())/float64(b.N), "user-us/op")
		b.ReportMetric(float64(s.Microseconds())/float64(b.N), "sys-us/op")
	})
	return cmd, back
}

func BenchmarkOurs(b *testing.B) {
	cmd, back := benchChild(b)
	for i := 0; i < b.N; i++ {
		p, err := Create("/rt-bench-ours", "x")
		if err != nil {
			b.Fatal(err)
		}
		if err := p.Join(cmd.Process.Pid); err != nil {
			b.Fatal(err)
		}
		back()
		if err := p.Destroy(); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkLibrary(b *testing.B) {
	cmd, back := benchChild(b)
	for i := 0; i < b.N; i++ {
		cg := &ocg.Cgroup{Path: "/rt-bench-lib", Resources: &ocg.Resources{}}
		m, err := fs.NewManager(cg, nil)
		if err != nil {
			b.Fatal(err)
		}
		if err := m.Apply(-1); err != nil {
			b.Fatal(err)
		}
		if err := m.AddPid("", cmd.Process.Pid); err != nil {
			b.Fatal(err)
		}
		back()
		if err := m.Destroy(); err != nil {
			b.Fatal(err)
		}
	}
}
