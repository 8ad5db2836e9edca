package integration

// Issue 6: NOTIFY_SOCKET proxying (sd_notify), as runc: the container gets
// its own socket at /run/notify/notify.sock; `start` returns once the
// container said READY=1, which reaches the caller's socket with MAINPID.

import (
	"net"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

func TestNotifySocket(t *testing.T) {
	h := newH(t)
	hostSock := filepath.Join(h.Dir, "notify.sock")
	l, err := net.ListenUnixgram("unixgram", &net.UnixAddr{Name: hostSock, Net: "unixgram"})
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	got := make(chan string, 4)
	go func() {
		buf := make([]byte, 4096)
		for {
			n, _, err := l.ReadFrom(buf)
			if err != nil {
				return
			}
			got <- string(buf[:n])
		}
	}()
	// The container says something else first, waits, then READY=1.
	c := h.NewCtr(sh(`echo "env=$NOTIFY_SOCKET"; /probe notify STATUS=starting; sleep 1; /probe notify READY=1; exec /probe sleep`))
	o := Opts{Env: []string{"NOTIFY_SOCKET=" + hostSock}}
	wantOK(t, c.CreateOpts(o))
	pid := c.State().Pid
	start := time.Now()
	wantOK(t, h.RTOpts(o, "start", c.ID))
	if el := time.Since(start); el < 900*time.Millisecond {
		t.Errorf("start returned after %v, before the container said READY=1 (1 s in)", el)
	}
	select {
	case msg := <-got:
		if !strings.Contains(msg, "READY=1") || !strings.Contains(msg, "MAINPID="+strconv.Itoa(pid)) {
			t.Errorf("the caller's socket got %q, want READY=1 and MAINPID=%d", msg, pid)
		}
		if strings.Contains(msg, "STATUS=starting") {
			t.Errorf("a message before READY was forwarded: %q", msg)
		}
	case <-time.After(waitTimeout):
		t.Fatal("nothing reached the caller's NOTIFY_SOCKET")
	}
	waitFileContains(t, c.Out, "env=/run/notify/notify.sock")
	wantOK(t, c.Delete("--force"))
	c.AssertNoLeftovers()
}

// TestNotifySocketContainerExits: a container that exits without READY=1
// does not keep `start` waiting.
func TestNotifySocketContainerExits(t *testing.T) {
	h := newH(t)
	hostSock := filepath.Join(h.Dir, "notify.sock")
	l, err := net.ListenUnixgram("unixgram", &net.UnixAddr{Name: hostSock, Net: "unixgram"})
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	c := h.NewCtr(args("/probe", "exit", "0"))
	o := Opts{Env: []string{"NOTIFY_SOCKET=" + hostSock}}
	wantOK(t, c.CreateOpts(o))
	wantOK(t, h.RTOpts(o, "start", c.ID))
	c.WaitStatus("stopped")
	wantOK(t, c.Delete())
	c.AssertNoLeftovers()
}
