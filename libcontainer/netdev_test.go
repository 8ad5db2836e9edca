package libcontainer

import (
	"bytes"
	"encoding/binary"
	"errors"
	"strings"
	"testing"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"
)

var ne = binary.NativeEndian

// header checks the nlmsghdr of an encoded request and returns its payload.
func header(t *testing.T, b []byte, typ, flags uint16) []byte {
	t.Helper()
	if len(b)%4 != 0 {
		t.Fatalf("request length %d is not aligned", len(b))
	}
	if l := ne.Uint32(b); int(l) != len(b) {
		t.Fatalf("nlmsg_len %d, want %d", l, len(b))
	}
	if got := ne.Uint16(b[4:]); got != typ {
		t.Errorf("nlmsg_type %d, want %d", got, typ)
	}
	if got := ne.Uint16(b[6:]); got != flags|unix.NLM_F_REQUEST {
		t.Errorf("nlmsg_flags %#x, want %#x", got, flags|unix.NLM_F_REQUEST)
	}
	return b[unix.SizeofNlMsghdr:]
}

func TestNetDevMoveLinkMsg(t *testing.T) {
	b := moveLinkMsg(7, 42, "eth9")
	p := header(t, b, unix.RTM_NEWLINK, unix.NLM_F_ACK)
	if len(p) < unix.SizeofIfInfomsg {
		t.Fatalf("short payload: %d", len(p))
	}
	if p[0] != unix.AF_UNSPEC || int32(ne.Uint32(p[4:])) != 7 || ne.Uint32(p[8:]) != 0 || ne.Uint32(p[12:]) != 0 {
		t.Errorf("ifinfomsg: % x", p[:unix.SizeofIfInfomsg])
	}
	attrs := parseAttrs(p[unix.SizeofIfInfomsg:])
	if fd := attrs[unix.IFLA_NET_NS_FD]; len(fd) != 4 || ne.Uint32(fd) != 42 {
		t.Errorf("IFLA_NET_NS_FD: % x", fd)
	}
	if n := attrs[unix.IFLA_IFNAME]; string(n) != "eth9\x00" {
		t.Errorf("IFLA_IFNAME: %q", n)
	}
	// "eth9\0" is 5 bytes: 4+5 = 9, padded to 12; 8 for the fd.
	if want := unix.SizeofNlMsghdr + unix.SizeofIfInfomsg + 8 + 12; len(b) != want {
		t.Errorf("length %d, want %d", len(b), want)
	}

	// No new name: no IFLA_IFNAME, the device keeps its host name.
	p = header(t, moveLinkMsg(7, 42, ""), unix.RTM_NEWLINK, unix.NLM_F_ACK)
	if _, ok := parseAttrs(p[unix.SizeofIfInfomsg:])[unix.IFLA_IFNAME]; ok {
		t.Error("IFLA_IFNAME without a new name")
	}
}

func TestNetDevLinkMsgs(t *testing.T) {
	p := header(t, linkUpMsg(3), unix.RTM_NEWLINK, unix.NLM_F_ACK)
	if int32(ne.Uint32(p[4:])) != 3 || ne.Uint32(p[8:]) != unix.IFF_UP || ne.Uint32(p[12:]) != unix.IFF_UP {
		t.Errorf("up: ifinfomsg % x", p)
	}
	p = header(t, getLinkMsg("rtt-dummy0"), unix.RTM_GETLINK, unix.NLM_F_ACK)
	if ne.Uint32(p[4:]) != 0 {
		t.Error("getlink by name carries an index")
	}
	if n := parseAttrs(p[unix.SizeofIfInfomsg:])[unix.IFLA_IFNAME]; string(n) != "rtt-dummy0\x00" {
		t.Errorf("IFLA_IFNAME: %q", n)
	}
}

func TestNetDevAddrs(t *testing.T) {
	v4 := []byte{10, 1, 2, 3}
	mk := func(family, scope uint8, ifaFlags uint8, attrs ...[]byte) nlMsg {
		body := make([]byte, unix.SizeofIfAddrmsg)
		body[0], body[1], body[2], body[3] = family, 24, ifaFlags, scope
		ne.PutUint32(body[4:], 5)
		req := nlRequest(unix.RTM_NEWADDR, 0, body, attrs...)
		return nlMsg{typ: unix.RTM_NEWADDR, data: req[unix.SizeofNlMsghdr:]}
	}
	// IFA_FLAGS overrides the 8-bit ifa_flags; the label is not copied;
	// tentative/secondary state is not requested.
	m := mk(unix.AF_INET, unix.RT_SCOPE_UNIVERSE, 0,
		nlAttr(unix.IFA_LOCAL, v4), nlAttr(unix.IFA_ADDRESS, v4), nlAttrStr(unix.IFA_LABEL, "rtt-dummy0"),
		nlAttrU32(unix.IFA_FLAGS, unix.IFA_F_PERMANENT|unix.IFA_F_NOPREFIXROUTE|unix.IFA_F_SECONDARY|unix.IFA_F_TENTATIVE))
	a, ok := parseAddr(m, 5)
	if !ok || !a.keep() {
		t.Fatalf("permanent global address not kept: %+v %v", a, ok)
	}
	if a.String() != "10.1.2.3/24" {
		t.Errorf("String: %s", a)
	}
	if _, ok := parseAddr(m, 6); ok {
		t.Error("address of another interface parsed")
	}
	p := header(t, newAddrMsg(a, 9), unix.RTM_NEWADDR, unix.NLM_F_ACK|unix.NLM_F_CREATE|unix.NLM_F_EXCL)
	want := uint32(unix.IFA_F_PERMANENT | unix.IFA_F_NOPREFIXROUTE)
	if p[0] != unix.AF_INET || p[1] != 24 || p[2] != uint8(want) || p[3] != unix.RT_SCOPE_UNIVERSE || ne.Uint32(p[4:]) != 9 {
		t.Errorf("ifaddrmsg: % x", p[:unix.SizeofIfAddrmsg])
	}
	attrs := parseAttrs(p[unix.SizeofIfAddrmsg:])
	if !bytes.Equal(attrs[unix.IFA_LOCAL], v4) || !bytes.Equal(attrs[unix.IFA_ADDRESS], v4) {
		t.Errorf("addresses: %v", attrs)
	}
	if _, ok := attrs[unix.IFA_LABEL]; ok {
		t.Error("the host label is copied")
	}
	if f := attrs[unix.IFA_FLAGS]; len(f) != 4 || ne.Uint32(f) != want {
		t.Errorf("IFA_FLAGS % x, want %#x", f, want)
	}

	// Only permanent (IFA_F_PERMANENT) addresses of global scope move.
	v6 := bytes.Repeat([]byte{0xfd}, 16)
	for _, c := range []struct {
		m    nlMsg
		keep bool
	}{
		{mk(unix.AF_INET6, unix.RT_SCOPE_UNIVERSE, unix.IFA_F_PERMANENT, nlAttr(unix.IFA_ADDRESS, v6)), true},
		{mk(unix.AF_INET6, unix.RT_SCOPE_LINK, unix.IFA_F_PERMANENT, nlAttr(unix.IFA_ADDRESS, v6)), false},
		{mk(unix.AF_INET6, unix.RT_SCOPE_UNIVERSE, 0, nlAttr(unix.IFA_ADDRESS, v6)), false}, // dynamic (SLAAC, DHCP)
		{mk(unix.AF_INET, unix.RT_SCOPE_HOST, unix.IFA_F_PERMANENT, nlAttr(unix.IFA_LOCAL, v4)), false},
	} {
		a, ok := parseAddr(c.m, 5)
		if !ok || a.keep() != c.keep {
			t.Errorf("%s scope %d flags %#x: keep %v, want %v", a, a.scope, a.flags, a.keep(), c.keep)
		}
	}
	a, _ = parseAddr(mk(unix.AF_INET6, unix.RT_SCOPE_UNIVERSE, unix.IFA_F_PERMANENT, nlAttr(unix.IFA_ADDRESS, v6)), 5)
	if a.String() != "fdfd:fdfd:fdfd:fdfd:fdfd:fdfd:fdfd:fdfd/24" {
		t.Errorf("String: %s", a)
	}
}

func TestNetDevParse(t *testing.T) {
	// Two messages in one datagram, the first with a padded attribute.
	one := nlRequest(unix.RTM_NEWLINK, 0, ifInfo(4, 0, 0), nlAttrStr(unix.IFLA_IFNAME, "eth9"))
	ne.PutUint32(one[8:], 77)
	two := nlRequest(unix.NLMSG_DONE, 0, make([]byte, 4))
	msgs, err := parseNLMsgs(append(append([]byte{}, one...), two...))
	if err != nil || len(msgs) != 2 {
		t.Fatalf("parse: %v %d", err, len(msgs))
	}
	li, ok := parseLink(msgs[0])
	if !ok || li.index != 4 || li.name != "eth9" || msgs[0].seq != 77 {
		t.Errorf("link: %+v %v seq %d", li, ok, msgs[0].seq)
	}
	// The receive buffer is reused: messages must not alias it.
	raw := append(append([]byte{}, one...), two...)
	msgs2, _ := parseNLMsgs(raw)
	clear(raw)
	if li, _ := parseLink(msgs2[0]); li.index != 4 {
		t.Errorf("parsed messages alias the receive buffer: index %d", li.index)
	}
	if msgs[1].typ != unix.NLMSG_DONE {
		t.Errorf("second message type %d", msgs[1].typ)
	}
	bad := append([]byte{}, one...)
	ne.PutUint32(bad, uint32(len(bad)+4))
	if _, err := parseNLMsgs(bad); err == nil {
		t.Error("overlong nlmsg_len accepted")
	}
	// A truncated attribute ends the parse instead of panicking.
	if a := parseAttrs([]byte{200, 0, 3, 0, 1, 2}); len(a) != 0 {
		t.Errorf("truncated attribute parsed: %v", a)
	}
}

func TestNetDevNLError(t *testing.T) {
	ack := nlMsg{typ: unix.NLMSG_ERROR, data: make([]byte, 4+unix.SizeofNlMsghdr)}
	if err := nlError(ack); err != nil {
		t.Errorf("ack: %v", err)
	}
	plain := nlMsg{typ: unix.NLMSG_ERROR, data: make([]byte, 4+unix.SizeofNlMsghdr)}
	code := -int32(unix.ENODEV)
	ne.PutUint32(plain.data, uint32(code))
	if err := nlError(plain); !errors.Is(err, unix.ENODEV) {
		t.Errorf("errno: %v", err)
	}
	// Extended ack, request capped (NETLINK_CAP_ACK): the message follows
	// the echoed header.
	ext := append(append([]byte{}, plain.data...), nlAttrStr(unix.NLMSGERR_ATTR_MSG, "Invalid name")...)
	ext = append(ext, make([]byte, nlAlign(len(ext))-len(ext))...)
	err := nlError(nlMsg{typ: unix.NLMSG_ERROR, flags: unix.NLM_F_ACK_TLVS | unix.NLM_F_CAPPED, data: ext})
	if !errors.Is(err, unix.ENODEV) || !strings.Contains(err.Error(), "Invalid name") {
		t.Errorf("extended ack: %v", err)
	}
}

func TestNetDevNothingToDo(t *testing.T) {
	// No netDevices: nothing is opened, whatever the pid.
	if err := moveNetDevices(&specs.Spec{Linux: &specs.Linux{}}, -1, 0); err != nil {
		t.Error(err)
	}
	if err := moveNetDevices(&specs.Spec{}, -1, 0); err != nil {
		t.Error(err)
	}
	if f := netDevField("eth1"); f != `linux.netDevices["eth1"]` {
		t.Errorf("field: %s", f)
	}
}
