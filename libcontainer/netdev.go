package libcontainer

// linux.netDevices (runtime-spec 1.3, config-linux.md "Network Devices"):
// host interfaces are moved into the container's network namespace with raw
// rtnetlink, from the parent, once the init's pid is known (onChild) and
// before the container's process runs.
//
// Per device, like runc 1.3: the host interface's permanent global-scope
// addresses are read, the interface is moved (RTM_NEWLINK with
// IFLA_NET_NS_FD, and IFLA_IFNAME for the new name: the kernel renames it
// inside the target namespace, and uses a "%d" pattern when the name is taken
// there), the addresses are added back in the container's namespace, and the
// interface is set up. Nothing is moved back at delete: the spec forbids it;
// when the namespace goes away the kernel returns physical devices to the
// initial namespace and destroys virtual ones.

import (
	"encoding/binary"
	"errors"
	"fmt"
	"runtime"
	"sort"
	"strconv"
	"strings"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"
)

// ifaProto is IFA_PROTO (Linux 6.1), not in x/sys/unix.
const ifaProto = 11

// moveNetDevices moves s.Linux.NetDevices into the network namespace of the
// init (pid, with its start time). Every device is checked (it exists on the
// host; its name is free in the container's namespace) before any is moved.
func moveNetDevices(s *specs.Spec, pid int, start uint64) error {
	if s.Linux == nil || len(s.Linux.NetDevices) == 0 {
		return nil
	}
	nsFd, err := initNetNS(pid, start)
	if err != nil {
		return fmt.Errorf("linux.netDevices: %w", err)
	}
	defer unix.Close(nsFd)
	host, err := newNLSock()
	if err != nil {
		return fmt.Errorf("linux.netDevices: %w", err)
	}
	defer host.close()
	ctr, err := nlSockIn(nsFd)
	if err != nil {
		return fmt.Errorf("linux.netDevices: %w", err)
	}
	defer ctr.close()

	names := make([]string, 0, len(s.Linux.NetDevices))
	for n := range s.Linux.NetDevices {
		names = append(names, n)
	}
	sort.Strings(names)
	type move struct {
		field, target string
		index         int32
	}
	moves := make([]move, 0, len(names))
	taken := map[string]string{}
	for _, n := range names {
		m := move{field: netDevField(n), target: n}
		if nn := s.Linux.NetDevices[n].Name; nn != "" {
			m.target = nn
		}
		link, err := host.getLink(n)
		if errors.Is(err, unix.ENODEV) {
			return fmt.Errorf("%s: no such host interface", m.field)
		} else if err != nil {
			return fmt.Errorf("%s: %w", m.field, err)
		}
		m.index = link.index
		if !strings.Contains(m.target, "%") {
			if other, dup := taken[m.target]; dup {
				return fmt.Errorf("%s: name %q is also the name of %s", m.field, m.target, other)
			}
			taken[m.target] = m.field
			if _, err := ctr.getLink(m.target); err == nil {
				return fmt.Errorf("%s: a network device named %q already exists in the container's network namespace", m.field, m.target)
			} else if !errors.Is(err, unix.ENODEV) {
				return fmt.Errorf("%s: %w", m.field, err)
			}
		}
		moves = append(moves, m)
	}
	for _, m := range moves {
		if err := moveNetDevice(host, ctr, nsFd, m.index, m.target); err != nil {
			return fmt.Errorf("%s: %w", m.field, err)
		}
	}
	return nil
}

func netDevField(name string) string {
	return "linux.netDevices[" + strconv.Quote(name) + "]"
}

// moveNetDevice moves the host interface index into the namespace nsFd (ctr
// is a socket there) under the name target, with its permanent global
// addresses, and sets it up.
func moveNetDevice(host, ctr *nlSock, nsFd int, index int32, target string) error {
	addrs, err := host.permanentAddrs(index)
	if err != nil {
		return err
	}
	before, err := ctr.linkIndexes()
	if err != nil {
		return err
	}
	if err := host.do(moveLinkMsg(index, nsFd, target)); err != nil {
		return fmt.Errorf("move into the container's network namespace: %w", err)
	}
	after, err := ctr.linkIndexes()
	if err != nil {
		return err
	}
	// The kernel keeps the ifindex unless it is taken in the target
	// namespace: find the device as the one link that appeared.
	var moved []int32
	for i := range after {
		if !before[i] {
			moved = append(moved, i)
		}
	}
	if len(moved) != 1 {
		return fmt.Errorf("cannot find the moved device in the container's network namespace (%d new links)", len(moved))
	}
	for _, a := range addrs {
		if err := ctr.do(newAddrMsg(a, moved[0])); err != nil && !errors.Is(err, unix.EEXIST) {
			return fmt.Errorf("add address %s: %w", a, err)
		}
	}
	if err := ctr.do(linkUpMsg(moved[0])); err != nil {
		return fmt.Errorf("set up: %w", err)
	}
	return nil
}

// initNetNS opens the network namespace of the init, making sure pid is
// still that init (pidfd + start time) once the namespace is open.
func initNetNS(pid int, start uint64) (int, error) {
	pidfd, err := pidfdOf(pid, start)
	if err != nil {
		return -1, err
	}
	defer unix.Close(pidfd)
	fd, err := unix.Open("/proc/"+strconv.Itoa(pid)+"/ns/net", unix.O_RDONLY|unix.O_CLOEXEC, 0)
	if err != nil {
		return -1, fmt.Errorf("open the init's network namespace: %w", err)
	}
	// The pidfd polls readable once the init exited: then the pid may be
	// another process and fd its namespace.
	fds := []unix.PollFd{{Fd: int32(pidfd), Events: unix.POLLIN}}
	if n, err := unix.Poll(fds, 0); err != nil || n != 0 {
		unix.Close(fd)
		if err == nil {
			err = ErrNotRunning
		}
		return -1, fmt.Errorf("open the init's network namespace: %w", err)
	}
	return fd, nil
}

// ---------------------------------------------------------------------------
// rtnetlink

type nlSock struct {
	fd  int
	seq uint32
}

func newNLSock() (*nlSock, error) {
	fd, err := unix.Socket(unix.AF_NETLINK, unix.SOCK_RAW|unix.SOCK_CLOEXEC, unix.NETLINK_ROUTE)
	if err != nil {
		return nil, fmt.Errorf("netlink socket: %w", err)
	}
	if err := unix.Bind(fd, &unix.SockaddrNetlink{Family: unix.AF_NETLINK}); err != nil {
		unix.Close(fd)
		return nil, fmt.Errorf("netlink bind: %w", err)
	}
	// Best effort: kernel error strings (extended ack), without the request
	// echoed back.
	_ = unix.SetsockoptInt(fd, unix.SOL_NETLINK, unix.NETLINK_EXT_ACK, 1)
	_ = unix.SetsockoptInt(fd, unix.SOL_NETLINK, unix.NETLINK_CAP_ACK, 1)
	// Never wait forever for the kernel: a lost answer fails the create.
	tv := unix.Timeval{Sec: 10}
	if err := unix.SetsockoptTimeval(fd, unix.SOL_SOCKET, unix.SO_RCVTIMEO, &tv); err != nil {
		unix.Close(fd)
		return nil, fmt.Errorf("netlink SO_RCVTIMEO: %w", err)
	}
	return &nlSock{fd: fd}, nil
}

// nlSockIn opens a netlink socket in the network namespace nsFd: a socket
// stays in the namespace it was created in. The setns happens on a locked
// thread of a goroutine of its own; if the thread cannot return to its
// namespace it stays locked, and Go ends it with the goroutine.
func nlSockIn(nsFd int) (*nlSock, error) {
	type result struct {
		s   *nlSock
		err error
	}
	ch := make(chan result, 1)
	go func() {
		runtime.LockOSThread()
		orig, err := unix.Open("/proc/thread-self/ns/net", unix.O_RDONLY|unix.O_CLOEXEC, 0)
		if err != nil {
			runtime.UnlockOSThread()
			ch <- result{err: fmt.Errorf("open the current network namespace: %w", err)}
			return
		}
		defer unix.Close(orig)
		if err := unix.Setns(nsFd, unix.CLONE_NEWNET); err != nil {
			runtime.UnlockOSThread()
			ch <- result{err: fmt.Errorf("enter the container's network namespace: %w", err)}
			return
		}
		s, err := newNLSock()
		if unix.Setns(orig, unix.CLONE_NEWNET) == nil {
			runtime.UnlockOSThread()
		}
		ch <- result{s, err}
	}()
	r := <-ch
	return r.s, r.err
}

func (s *nlSock) close() { unix.Close(s.fd) }

// nlMsg is one received netlink message.
type nlMsg struct {
	typ   uint16
	flags uint16
	seq   uint32
	data  []byte // the payload, after the header
}

// do sends a request (with NLM_F_ACK set) and waits for its ack.
func (s *nlSock) do(req []byte) error {
	_, err := s.request(req)
	return err
}

// request sends req, stamped with the next sequence number, and collects the
// answers: for a dump every message up to NLMSG_DONE, else the messages up
// to the ack (an NLMSG_ERROR with error 0): requests that are not dumps
// must carry NLM_F_ACK.
func (s *nlSock) request(req []byte) ([]nlMsg, error) {
	s.seq++
	binary.NativeEndian.PutUint32(req[8:], s.seq)
	dump := binary.NativeEndian.Uint16(req[6:])&unix.NLM_F_DUMP == unix.NLM_F_DUMP
	if err := unix.Sendto(s.fd, req, 0, &unix.SockaddrNetlink{Family: unix.AF_NETLINK}); err != nil {
		return nil, fmt.Errorf("netlink send: %w", err)
	}
	var out []nlMsg
	buf := make([]byte, 1<<16)
	for {
		n, _, err := unix.Recvfrom(s.fd, buf, 0)
		if errors.Is(err, unix.EINTR) {
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("netlink receive: %w", err)
		}
		msgs, err := parseNLMsgs(buf[:n])
		if err != nil {
			return nil, err
		}
		for _, m := range msgs {
			if m.seq != s.seq {
				continue
			}
			switch m.typ {
			case unix.NLMSG_DONE:
				return out, nil
			case unix.NLMSG_ERROR:
				if err := nlError(m); err != nil || !dump {
					return out, err
				}
			default:
				out = append(out, m)
			}
		}
	}
}

// parseNLMsgs splits a datagram into messages.
func parseNLMsgs(b []byte) ([]nlMsg, error) {
	var out []nlMsg
	for len(b) >= unix.SizeofNlMsghdr {
		l := binary.NativeEndian.Uint32(b)
		if l < unix.SizeofNlMsghdr || int(l) > len(b) {
			return nil, fmt.Errorf("netlink: bad message length %d", l)
		}
		out = append(out, nlMsg{
			typ:   binary.NativeEndian.Uint16(b[4:]),
			flags: binary.NativeEndian.Uint16(b[6:]),
			seq:   binary.NativeEndian.Uint32(b[8:]),
			data:  append([]byte(nil), b[unix.SizeofNlMsghdr:l]...), // b is reused
		})
		b = b[min(nlAlign(int(l)), len(b)):]
	}
	return out, nil
}

// nlError decodes an NLMSG_ERROR: nil for an ack, else the errno with the
// kernel's extended-ack message when there is one.
func nlError(m nlMsg) error {
	if len(m.data) < 4 {
		return errors.New("netlink: short error message")
	}
	code := int32(binary.NativeEndian.Uint32(m.data))
	if code == 0 {
		return nil
	}
	errno := unix.Errno(-code)
	if m.flags&unix.NLM_F_ACK_TLVS == 0 || len(m.data) < 4+unix.SizeofNlMsghdr {
		return errno
	}
	// With NETLINK_CAP_ACK the request is echoed without its payload
	// unless the kernel says otherwise (NLM_F_CAPPED unset).
	off := 4 + unix.SizeofNlMsghdr
	if m.flags&unix.NLM_F_CAPPED == 0 {
		off = 4 + nlAlign(int(binary.NativeEndian.Uint32(m.data[4:])))
	}
	if off > len(m.data) {
		return errno
	}
	if msg, ok := parseAttrs(m.data[off:])[unix.NLMSGERR_ATTR_MSG]; ok {
		return fmt.Errorf("%s: %w", strings.TrimRight(string(msg), "\x00"), errno)
	}
	return errno
}

func nlAlign(n int) int { return (n + 3) &^ 3 }

// nlRequest encodes a request: header, fixed body, attributes.
func nlRequest(typ, flags uint16, body []byte, attrs ...[]byte) []byte {
	n := unix.SizeofNlMsghdr + nlAlign(len(body))
	for _, a := range attrs {
		n += nlAlign(len(a))
	}
	b := make([]byte, n)
	binary.NativeEndian.PutUint32(b[0:], uint32(n))
	binary.NativeEndian.PutUint16(b[4:], typ)
	binary.NativeEndian.PutUint16(b[6:], flags|unix.NLM_F_REQUEST)
	off := unix.SizeofNlMsghdr
	copy(b[off:], body)
	off += nlAlign(len(body))
	for _, a := range attrs {
		copy(b[off:], a)
		off += nlAlign(len(a))
	}
	return b
}

// nlAttr encodes one attribute (unpadded: nlRequest pads).
func nlAttr(typ uint16, data []byte) []byte {
	b := make([]byte, unix.SizeofRtAttr+len(data))
	binary.NativeEndian.PutUint16(b[0:], uint16(len(b)))
	binary.NativeEndian.PutUint16(b[2:], typ)
	copy(b[unix.SizeofRtAttr:], data)
	return b
}

func nlAttrU32(typ uint16, v uint32) []byte {
	return nlAttr(typ, binary.NativeEndian.AppendUint32(nil, v))
}

// nlAttrStr encodes a NUL-terminated string attribute.
func nlAttrStr(typ uint16, s string) []byte {
	return nlAttr(typ, append([]byte(s), 0))
}

// parseAttrs decodes a sequence of attributes (nesting flags masked off).
// Malformed trailing bytes are ignored.
func parseAttrs(b []byte) map[uint16][]byte {
	out := map[uint16][]byte{}
	for len(b) >= unix.SizeofRtAttr {
		l := int(binary.NativeEndian.Uint16(b))
		if l < unix.SizeofRtAttr || l > len(b) {
			break
		}
		out[binary.NativeEndian.Uint16(b[2:])&^(unix.NLA_F_NESTED|unix.NLA_F_NET_BYTEORDER)] = b[unix.SizeofRtAttr:l]
		b = b[min(nlAlign(l), len(b)):]
	}
	return out
}

// ifInfo encodes a struct ifinfomsg.
func ifInfo(index int32, flags, change uint32) []byte {
	b := make([]byte, unix.SizeofIfInfomsg)
	b[0] = unix.AF_UNSPEC
	binary.NativeEndian.PutUint32(b[4:], uint32(index))
	binary.NativeEndian.PutUint32(b[8:], flags)
	binary.NativeEndian.PutUint32(b[12:], change)
	return b
}

// getLinkMsg asks for the link named name.
func getLinkMsg(name string) []byte {
	return nlRequest(unix.RTM_GETLINK, unix.NLM_F_ACK, ifInfo(0, 0, 0), nlAttrStr(unix.IFLA_IFNAME, name))
}

// moveLinkMsg moves link index into the namespace nsFd and, if newName is
// not "", names it so there.
func moveLinkMsg(index int32, nsFd int, newName string) []byte {
	attrs := [][]byte{nlAttrU32(unix.IFLA_NET_NS_FD, uint32(nsFd))}
	if newName != "" {
		attrs = append(attrs, nlAttrStr(unix.IFLA_IFNAME, newName))
	}
	return nlRequest(unix.RTM_NEWLINK, unix.NLM_F_ACK, ifInfo(index, 0, 0), attrs...)
}

func linkUpMsg(index int32) []byte {
	return nlRequest(unix.RTM_NEWLINK, unix.NLM_F_ACK, ifInfo(index, unix.IFF_UP, unix.IFF_UP))
}

type linkInfo struct {
	index int32
	name  string
}

func parseLink(m nlMsg) (linkInfo, bool) {
	if m.typ != unix.RTM_NEWLINK || len(m.data) < unix.SizeofIfInfomsg {
		return linkInfo{}, false
	}
	li := linkInfo{index: int32(binary.NativeEndian.Uint32(m.data[4:]))}
	li.name = strings.TrimRight(string(parseAttrs(m.data[unix.SizeofIfInfomsg:])[unix.IFLA_IFNAME]), "\x00")
	return li, true
}

// getLink looks a link up by name; unix.ENODEV if there is none.
func (s *nlSock) getLink(name string) (linkInfo, error) {
	msgs, err := s.request(getLinkMsg(name))
	if err != nil {
		return linkInfo{}, err
	}
	for _, m := range msgs {
		if li, ok := parseLink(m); ok {
			return li, nil
		}
	}
	return linkInfo{}, unix.ENODEV
}

// linkIndexes lists the ifindexes of the namespace.
func (s *nlSock) linkIndexes() (map[int32]bool, error) {
	msgs, err := s.request(nlRequest(unix.RTM_GETLINK, unix.NLM_F_DUMP, ifInfo(0, 0, 0)))
	if err != nil {
		return nil, fmt.Errorf("list links: %w", err)
	}
	out := map[int32]bool{}
	for _, m := range msgs {
		if li, ok := parseLink(m); ok {
			out[li.index] = true
		}
	}
	return out, nil
}

// ifAddr is an address of an interface, as the kernel reported it.
type ifAddr struct {
	family, prefixLen, scope uint8
	flags                    uint32 // IFA_FLAGS, or ifa_flags
	attrs                    map[uint16][]byte
}

func (a ifAddr) String() string {
	ip := a.attrs[unix.IFA_LOCAL]
	if ip == nil {
		ip = a.attrs[unix.IFA_ADDRESS]
	}
	s := fmt.Sprintf("%x", ip)
	if len(ip) == 4 || len(ip) == 16 {
		s = ipString(ip)
	}
	return s + "/" + strconv.Itoa(int(a.prefixLen))
}

func ipString(ip []byte) string {
	if len(ip) == 4 {
		return fmt.Sprintf("%d.%d.%d.%d", ip[0], ip[1], ip[2], ip[3])
	}
	var parts []string
	for i := 0; i < 16; i += 2 {
		parts = append(parts, strconv.FormatUint(uint64(binary.BigEndian.Uint16(ip[i:])), 16))
	}
	return strings.Join(parts, ":")
}

// parseAddr decodes an RTM_NEWADDR for the interface index.
func parseAddr(m nlMsg, index int32) (ifAddr, bool) {
	if m.typ != unix.RTM_NEWADDR || len(m.data) < unix.SizeofIfAddrmsg {
		return ifAddr{}, false
	}
	if int32(binary.NativeEndian.Uint32(m.data[4:])) != index {
		return ifAddr{}, false
	}
	a := ifAddr{family: m.data[0], prefixLen: m.data[1], flags: uint32(m.data[2]), scope: m.data[3]}
	a.attrs = parseAttrs(m.data[unix.SizeofIfAddrmsg:])
	if f, ok := a.attrs[unix.IFA_FLAGS]; ok && len(f) == 4 {
		a.flags = binary.NativeEndian.Uint32(f)
	}
	return a, true
}

// keep: the spec moves "all permanent IP addresses (IFA_F_PERMANENT flag)
// of any family with global scope (RT_SCOPE_UNIVERSE value)".
func (a ifAddr) keep() bool {
	return a.flags&unix.IFA_F_PERMANENT != 0 && a.scope == unix.RT_SCOPE_UNIVERSE
}

// permanentAddrs lists the addresses of index that move with it. Moving a
// device drops its addresses: they are added back in the target namespace.
func (s *nlSock) permanentAddrs(index int32) ([]ifAddr, error) {
	body := make([]byte, unix.SizeofIfAddrmsg) // AF_UNSPEC: every family
	msgs, err := s.request(nlRequest(unix.RTM_GETADDR, unix.NLM_F_DUMP, body))
	if err != nil {
		return nil, fmt.Errorf("list addresses: %w", err)
	}
	var out []ifAddr
	for _, m := range msgs {
		if a, ok := parseAddr(m, index); ok && a.keep() {
			out = append(out, a)
		}
	}
	return out, nil
}

// newAddrFlags are the address flags a request may carry over; the others
// are state the kernel keeps (tentative, deprecated, secondary, ...).
const newAddrFlags = unix.IFA_F_PERMANENT | unix.IFA_F_NODAD | unix.IFA_F_HOMEADDRESS |
	unix.IFA_F_MANAGETEMPADDR | unix.IFA_F_NOPREFIXROUTE | unix.IFA_F_MCAUTOJOIN

// newAddrMsg adds a on the link index. The label (IPv4) is left out: it
// names the host interface; the kernel defaults it to the new name.
// Lifetimes are left out too: the address is permanent.
func newAddrMsg(a ifAddr, index int32) []byte {
	flags := a.flags & newAddrFlags
	body := make([]byte, unix.SizeofIfAddrmsg)
	body[0], body[1], body[2], body[3] = a.family, a.prefixLen, uint8(flags), a.scope
	binary.NativeEndian.PutUint32(body[4:], uint32(index))
	attrs := [][]byte{nlAttrU32(unix.IFA_FLAGS, flags)}
	for _, t := range []uint16{unix.IFA_LOCAL, unix.IFA_ADDRESS, unix.IFA_BROADCAST, unix.IFA_RT_PRIORITY, ifaProto} {
		if v, ok := a.attrs[t]; ok {
			attrs = append(attrs, nlAttr(t, v))
		}
	}
	return nlRequest(unix.RTM_NEWADDR, unix.NLM_F_ACK|unix.NLM_F_CREATE|unix.NLM_F_EXCL, body, attrs...)
}
