package main

import (
	"errors"
	"fmt"
	"net"
	"os"

	"github.com/sirupsen/logrus"
	"github.com/urfave/cli"

	"github.com/rt-runtime/rt/libcontainer"
)

var createFlags = []cli.Flag{
	cli.StringFlag{Name: "bundle, b", Value: "", Usage: "path to the root of the bundle directory (default: the current directory)"},
	cli.StringFlag{Name: "console-socket", Usage: "path to an AF_UNIX socket that receives the pty master of the container's terminal"},
	cli.StringFlag{Name: "pid-file", Usage: "file to write the process id of the container's init to"},
	cli.BoolFlag{Name: "no-pivot", Usage: "do not use pivot_root to jail the process inside the rootfs"},
	cli.BoolFlag{Name: "no-new-keyring", Usage: "do not create a new session keyring for the container"},
	cli.IntFlag{Name: "preserve-fds", Usage: "pass N additional file descriptors to the container (stdio + $LISTEN_FDS + N in total)"},
}

var createCommand = cli.Command{
	Name:      "create",
	Usage:     "create a container",
	ArgsUsage: "<container-id>",
	Flags:     createFlags,
	Action: func(ctx *cli.Context) error {
		c, err := create(ctx, nil)
		if err != nil {
			return err
		}
		c.Close()
		return nil
	},
}

// create runs `create` (also the first half of `run`). relay, when non-nil,
// receives the terminal if the config asks for one and no --console-socket
// is given (`run` relays it itself).
func create(ctx *cli.Context, relay *os.File) (*libcontainer.Container, error) {
	st, id, err := storeAndID(ctx)
	if err != nil {
		return nil, err
	}
	bundle := ctx.String("bundle")
	if bundle == "" {
		if bundle, err = os.Getwd(); err != nil {
			return nil, err
		}
	}
	var consoleSock *os.File
	if ctx.String("console-socket") != "" {
		if consoleSock, err = dialConsole(ctx.String("console-socket")); err != nil {
			return nil, err
		}
		defer consoleSock.Close()
	}
	opts := &libcontainer.CreateOpts{
		ID: id, Bundle: bundle, PidFile: ctx.String("pid-file"), NoPivot: ctx.Bool("no-pivot"),
		NoNewKeyring: ctx.Bool("no-new-keyring"), PreserveFds: ctx.Int("preserve-fds"),
		ConsoleSocket: consoleSock, RelaySocket: relay, Systemd: ctx.GlobalBool("systemd-cgroup"),
		NotifySocket: os.Getenv("NOTIFY_SOCKET"),
	}
	c, warnings, err := st.Create(opts)
	for _, w := range warnings {
		logrus.Warn(w)
	}
	return c, err
}

// dialConsole connects to the --console-socket.
func dialConsole(path string) (*os.File, error) {
	conn, err := net.Dial("unix", path)
	if err != nil {
		return nil, fmt.Errorf("connect to console socket: %w", err)
	}
	uc, ok := conn.(*net.UnixConn)
	if !ok {
		conn.Close()
		return nil, errors.New("console socket: not a unix socket")
	}
	f, err := uc.File()
	uc.Close()
	if err != nil {
		return nil, fmt.Errorf("console socket: %w", err)
	}
	return f, nil
}
