// Command seccompagent is the seccomp agent of the integration tests
// (tests/integration/seccomp_notify_test.go): it listens on a unix socket
// for the runtime's seccomp notify fds (linux.seccomp.listenerPath) and
// answers the notifications.
//
//	seccompagent -socket PATH -log FILE [-errno N]
//
// For each connection it reads one message, the JSON of a
// specs.ContainerProcessState with the notify fd as SCM_RIGHTS, and appends
// "state <JSON>" to the log. It answers mkdir and mkdirat with errno N
// (default 55, ENOANO: distinctive) and lets every other notified syscall
// continue (SECCOMP_USER_NOTIF_FLAG_CONTINUE), logging "notify NAME PID
// errno|continue" for each. It runs until killed.
package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"log"
	"net"
	"os"
	"sync"

	libseccomp "github.com/seccomp/libseccomp-golang"
	"golang.org/x/sys/unix"
)

// maxState bounds one state message.
const maxState = 1 << 20

type agent struct {
	errno int32
	mu    sync.Mutex
	log   *os.File
}

func main() {
	sock := flag.String("socket", "", "unix socket to listen on")
	logPath := flag.String("log", "", "file to append states and notifications to")
	errno := flag.Int("errno", int(unix.ENOANO), "errno for mkdir/mkdirat")
	flag.Parse()
	if *sock == "" || *logPath == "" {
		log.Fatal("usage: seccompagent -socket PATH -log FILE [-errno N]")
	}
	f, err := os.OpenFile(*logPath, os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o644)
	if err != nil {
		log.Fatal(err)
	}
	a := &agent{errno: int32(*errno), log: f}
	l, err := net.ListenUnix("unix", &net.UnixAddr{Name: *sock, Net: "unix"})
	if err != nil {
		log.Fatal(err)
	}
	for {
		conn, err := l.AcceptUnix()
		if err != nil {
			log.Fatal(err)
		}
		go a.handle(conn)
	}
}

func (a *agent) logf(format string, args ...any) {
	a.mu.Lock()
	defer a.mu.Unlock()
	fmt.Fprintf(a.log, format+"\n", args...)
}

// handle reads the state and the fd from one connection, then serves the fd.
func (a *agent) handle(conn *net.UnixConn) {
	defer conn.Close()
	buf := make([]byte, maxState)
	oob := make([]byte, unix.CmsgSpace(4*4))
	n, oobn, _, _, err := conn.ReadMsgUnix(buf, oob)
	if err != nil {
		a.logf("error read: %v", err)
		return
	}
	fds, err := rights(oob[:oobn])
	if err != nil || len(fds) != 1 {
		a.logf("error fds: %v %v", fds, err)
		return
	}
	for n < len(buf) { // the rest of the JSON, up to EOF
		k, err := conn.Read(buf[n:])
		n += k
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			a.logf("error read: %v", err)
			return
		}
	}
	a.logf("state %s", buf[:n])
	a.serve(libseccomp.ScmpFd(fds[0]))
}

func rights(oob []byte) ([]int, error) {
	msgs, err := unix.ParseSocketControlMessage(oob)
	if err != nil {
		return nil, err
	}
	var fds []int
	for i := range msgs {
		r, err := unix.ParseUnixRights(&msgs[i])
		if err != nil {
			return nil, err
		}
		fds = append(fds, r...)
	}
	return fds, nil
}

// serve answers the notifications of one filter until all its processes are gone.
func (a *agent) serve(fd libseccomp.ScmpFd) {
	defer unix.Close(int(fd))
	for {
		req, err := libseccomp.NotifReceive(fd)
		if err != nil {
			if errors.Is(err, unix.EINTR) {
				continue
			}
			return // ENOENT: no process uses the filter any more
		}
		name, _ := req.Data.Syscall.GetNameByArch(req.Data.Arch)
		resp := &libseccomp.ScmpNotifResp{ID: req.ID, Flags: libseccomp.NotifRespFlagContinue}
		what := "continue"
		if name == "mkdir" || name == "mkdirat" {
			resp = &libseccomp.ScmpNotifResp{ID: req.ID, Error: a.errno}
			what = "errno"
		}
		if err := libseccomp.NotifRespond(fd, resp); err != nil {
			a.logf("error respond %s: %v", name, err)
			continue
		}
		a.logf("notify %s %d %s", name, req.Pid, what)
	}
}
