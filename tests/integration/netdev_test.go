package integration

// linux.netDevices (runtime-spec 1.3, config-linux.md "Network Devices").

import (
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"testing"

	specs "github.com/opencontainers/runtime-spec/specs-go"
)

// hostVeth creates a veth pair on the host (the kernel here may lack the
// dummy driver), named uniquely for this run (tag is one short word per
// use), and deletes it at cleanup if it is still there. It returns the end
// to move and its peer, which stays on the host.
func hostVeth(t *testing.T, tag string) (string, string) {
	t.Helper()
	name := fmt.Sprintf("rtt%s%d", tag, os.Getpid())
	peer := fmt.Sprintf("rtt%sp%d", tag, os.Getpid())
	if len(peer) > 15 {
		t.Skipf("pid %d too long for interface names", os.Getpid())
	}
	ip(t, "link", "add", name, "type", "veth", "peer", "name", peer)
	t.Cleanup(func() {
		for _, n := range []string{name, peer} {
			if hostHasLink(n) {
				_ = exec.Command("ip", "link", "del", n).Run()
			}
		}
	})
	return name, peer
}

func ip(t *testing.T, a ...string) {
	t.Helper()
	if out, err := exec.Command("ip", a...).CombinedOutput(); err != nil {
		t.Fatalf("ip %s: %v: %s", strings.Join(a, " "), err, out)
	}
}

func hostHasLink(name string) bool {
	_, err := os.Lstat("/sys/class/net/" + name)
	return err == nil
}

func netDevices(m map[string]string) func(*specs.Spec) {
	return func(s *specs.Spec) {
		s.Linux.NetDevices = map[string]specs.LinuxNetDevice{}
		for k, v := range m {
			s.Linux.NetDevices[k] = specs.LinuxNetDevice{Name: v}
		}
	}
}

// TestNetDevMove: the host interface moves into the container's new network
// namespace under its new name, up, with its permanent global addresses
// (not the link-scope one); the host loses it; a virtual device (a veth
// end, and so its pair) is destroyed with the namespace, not moved back.
func TestNetDevMove(t *testing.T) {
	h := newH(t)
	dev, peer := hostVeth(t, "m")
	if hostHasLink("eth9") {
		t.Skip("the host has an eth9")
	}
	oct := strconv.Itoa(os.Getpid()%200 + 20)
	v4, v4link := "10.199."+oct+".1", "10.198."+oct+".9" // one scope per subnet
	ip(t, "addr", "add", v4+"/24", "dev", dev)
	ip(t, "addr", "add", v4link+"/24", "scope", "link", "dev", dev)
	v6 := ""
	if exec.Command("ip", "-6", "addr", "add", "fd00:7274::"+oct+"/64", "dev", dev, "nodad").Run() == nil {
		v6 = "fd007274" + strings.Repeat("0", 32-8-len(oct)) + oct // hex digits of ::<oct>
	} else {
		t.Log("no IPv6 on this host: the IPv6 address is not checked")
	}
	c := h.NewCtr(setNS(specs.NetworkNamespace, ""), netDevices(map[string]string{dev: "eth9"}),
		args("sh", "-c", "cat /proc/net/dev /sys/class/net/eth9/flags /proc/net/if_inet6 /proc/net/fib_trie"))
	c.MustCreate()
	if hostHasLink(dev) {
		t.Errorf("the host still has %s after create", dev)
	}
	c.MustStart()
	c.WaitStatus("stopped")
	out := readString(t, c.Out)
	if !strings.Contains(out, "eth9:") {
		t.Fatalf("eth9 is not in the container: %s\n%s", out, readString(t, c.Err))
	}
	if strings.Contains(out, dev) {
		t.Errorf("the container sees the host name %s", dev)
	}
	for _, l := range strings.Split(out, "\n") {
		if strings.HasPrefix(l, "0x") {
			if f, err := strconv.ParseUint(l[2:], 16, 32); err != nil || f&1 == 0 {
				t.Errorf("eth9 is not up: flags %s", l)
			}
		}
	}
	if !strings.Contains(out, v4) {
		t.Errorf("the permanent global address %s did not move:\n%s", v4, out)
	}
	if strings.Contains(out, v4link) {
		t.Errorf("the link-scope address %s moved:\n%s", v4link, out)
	}
	if v6 != "" && !strings.Contains(out, v6) {
		t.Errorf("the IPv6 address %s did not move:\n%s", v6, out)
	}
	wantOK(t, c.Delete())
	// The namespace is gone: the kernel destroys virtual devices instead
	// of returning them (asynchronously: cleanup_net); a veth goes with its
	// peer.
	waitFor(t, "the namespace's veth to be destroyed", func() bool {
		return !hostHasLink(dev) && !hostHasLink("eth9") && !hostHasLink(peer)
	})
}

// TestNetDevKeepName: without a name the device keeps its host name; the
// "%d" template lets the kernel pick a free name.
func TestNetDevKeepName(t *testing.T) {
	h := newH(t)
	a, _ := hostVeth(t, "k")
	b, _ := hostVeth(t, "t")
	c := h.NewCtr(setNS(specs.NetworkNamespace, ""), netDevices(map[string]string{a: "", b: "lo%d"}))
	rep := c.Report()
	got := strings.Join(rep.Interfaces, ",")
	if !strings.Contains(got, a) || !strings.Contains(got, "lo0") {
		t.Errorf("interfaces %v, want lo, lo0 and %s", rep.Interfaces, a)
	}
}

// TestNetDevErrors: an unknown host interface, or a name that exists in the
// container's namespace, fails create naming the field, with nothing moved
// (every device is checked before any moves) and nothing left.
func TestNetDevErrors(t *testing.T) {
	h := newH(t)
	dev, _ := hostVeth(t, "e")
	missing := fmt.Sprintf("rttzz%d", os.Getpid())
	c := h.NewCtr(setNS(specs.NetworkNamespace, ""), netDevices(map[string]string{dev: "eth1", missing: ""}))
	// (the log escapes the quotes of the field)
	wantFail(t, c.Create(), `linux.netDevices[`, missing, "no such host interface")
	c.AssertNoLeftovers()
	if !hostHasLink(dev) {
		t.Errorf("%s moved although create failed its checks", dev)
	}

	c = h.NewCtr(setNS(specs.NetworkNamespace, ""), netDevices(map[string]string{dev: "lo"}))
	wantFail(t, c.Create(), `linux.netDevices[`, dev, "already exists")
	c.AssertNoLeftovers()
	if !hostHasLink(dev) {
		t.Errorf("%s moved although its name is taken in the container", dev)
	}
}
