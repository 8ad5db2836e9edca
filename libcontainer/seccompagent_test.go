package libcontainer

import (
	"encoding/json"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"
)

// TestSeccompAgentSend: the agent gets one message, the process state JSON
// with the fd as SCM_RIGHTS, and the connection then ends.
func TestSeccompAgentSend(t *testing.T) {
	sock := filepath.Join(t.TempDir(), "agent.sock")
	l, err := net.ListenUnix("unix", &net.UnixAddr{Name: sock, Net: "unix"})
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	type got struct {
		st  specs.ContainerProcessState
		fds []int
		err error
	}
	ch := make(chan got, 1)
	go func() {
		var g got
		defer func() { ch <- g }()
		conn, err := l.AcceptUnix()
		if g.err = err; err != nil {
			return
		}
		defer conn.Close()
		buf, oob := make([]byte, 1<<16), make([]byte, unix.CmsgSpace(4))
		n, oobn, _, _, err := conn.ReadMsgUnix(buf, oob)
		if g.err = err; err != nil {
			return
		}
		msgs, _ := unix.ParseSocketControlMessage(oob[:oobn])
		for i := range msgs {
			fds, _ := unix.ParseUnixRights(&msgs[i])
			g.fds = append(g.fds, fds...)
		}
		g.err = json.Unmarshal(buf[:n], &g.st)
	}()
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	a := &seccompAgent{path: sock, metadata: "m"}
	st := &specs.State{ID: "c1", Status: specs.StateCreating, Pid: 42}
	if err := a.send(w, 43, st); err != nil {
		t.Fatal(err)
	}
	g := <-ch
	for _, fd := range g.fds {
		unix.Close(fd)
	}
	if g.err != nil || len(g.fds) != 1 {
		t.Fatalf("agent: %v, %d fds", g.err, len(g.fds))
	}
	if g.st.Version != specs.Version || strings.Join(g.st.Fds, ",") != "seccompFd" || g.st.Pid != 43 ||
		g.st.Metadata != "m" || g.st.State.ID != "c1" || g.st.State.Status != specs.StateCreating {
		t.Errorf("agent got %+v", g.st)
	}
}

// TestSeccompAgentUnreachable: no agent at listenerPath is an error naming it.
func TestSeccompAgentUnreachable(t *testing.T) {
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	sock := filepath.Join(t.TempDir(), "none.sock")
	err = (&seccompAgent{path: sock}).send(w, 1, &specs.State{})
	if err == nil || !strings.Contains(err.Error(), sock) {
		t.Fatalf("want an error naming %s, got %v", sock, err)
	}
	r2, w2, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer r2.Close()
	if err := (*seccompAgent)(nil).send(w2, 1, &specs.State{}); err == nil {
		t.Fatal("a notify fd without an agent must be an error")
	}
}
