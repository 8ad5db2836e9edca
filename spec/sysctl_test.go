package spec

import "testing"

func TestSysctlPath(t *testing.T) {
	good := map[string]string{
		"net.ipv4.ip_forward":                  "net/ipv4/ip_forward",
		"net/ipv4/ip_forward":                  "net/ipv4/ip_forward",
		"net.ipv4.conf.eno2/100.rp_filter":     "net/ipv4/conf/eno2.100/rp_filter",
		"net/ipv4/conf/eno2.100/rp_filter":     "net/ipv4/conf/eno2.100/rp_filter",
		"kernel.shm_rmid_forced":               "kernel/shm_rmid_forced",
		"fs.mqueue.msg_max":                    "fs/mqueue/msg_max",
		"net.ipv4.conf.all.arp_ignore":         "net/ipv4/conf/all/arp_ignore",
		"net/ipv6/conf/eth0.5/disable_ipv6":    "net/ipv6/conf/eth0.5/disable_ipv6",
		"net.ipv6.conf.eth0/5.disable_ipv6":    "net/ipv6/conf/eth0.5/disable_ipv6",
		"kernel":                               "kernel",
		"net.ipv4.conf.x/y/z.rp_filter":        "net/ipv4/conf/x.y.z/rp_filter",
		"net/ipv4/conf/.hidden.x/rp_filter":    "net/ipv4/conf/.hidden.x/rp_filter",
		"net/ipv4/conf/.../rp_filter":          "net/ipv4/conf/.../rp_filter",
		"net.ipv4.neigh.default.gc_thresh1":    "net/ipv4/neigh/default/gc_thresh1",
		"net.netfilter.nf_conntrack_max":       "net/netfilter/nf_conntrack_max",
		"kernel.sem":                           "kernel/sem",
		"user.max_user_namespaces":             "user/max_user_namespaces",
		"net/core/somaxconn":                   "net/core/somaxconn",
		"net.core.somaxconn":                   "net/core/somaxconn",
		"vm.overcommit_memory":                 "vm/overcommit_memory",
		"net.ipv4.tcp_rmem":                    "net/ipv4/tcp_rmem",
		"net.ipv4.ping_group_range":            "net/ipv4/ping_group_range",
		"net/ipv4/conf/br-1.2.3/forwarding":    "net/ipv4/conf/br-1.2.3/forwarding",
		"net.ipv4.conf.br-1/2/3.forwarding":    "net/ipv4/conf/br-1.2.3/forwarding",
		"kernel.domainname":                    "kernel/domainname",
		"net.ipv4.ip_local_port_range":         "net/ipv4/ip_local_port_range",
		"net.ipv4.conf.default.route_localnet": "net/ipv4/conf/default/route_localnet",
	}
	for key, want := range good {
		if got, err := SysctlPath(key); err != nil || got != want {
			t.Errorf("SysctlPath(%q) = %q, %v; want %q", key, got, err, want)
		}
	}
	bad := []string{
		"", "net..ipv4", ".net", "net.", "net/../kernel/core_pattern", "net/./x", "net.//.kernel.core_pattern",
		"net./.x", "net/ipv4//x", "a\x00b", "/net/ipv4", "net/ipv4/",
	}
	for _, key := range bad {
		if got, err := SysctlPath(key); err == nil {
			t.Errorf("SysctlPath(%q) = %q, want an error", key, got)
		}
	}
}
