package main

import (
	"bytes"
	"fmt"
	"os"

	"github.com/sirupsen/logrus"
	"github.com/urfave/cli"
)

var logToFile bool

// held keeps the log lines of a JSON --log file until rt knows how it
// ends: podman reads the whole file as one JSON object when the runtime
// fails, so a failure writes the error object alone; a success writes what
// was held (warnings). With --debug every line is written at once.
var held *heldLog

type heldLog struct {
	f   *os.File
	buf bytes.Buffer
}

func (h *heldLog) Write(p []byte) (int, error) { return h.buf.Write(p) }

// flushLog writes the held lines (rt succeeded).
func flushLog() {
	if held != nil {
		_, _ = held.f.Write(held.buf.Bytes())
		held.buf.Reset()
	}
}

// dropHeldLog forgets the held lines and logs straight to the file (rt is
// about to report its one error).
func dropHeldLog() {
	if held != nil {
		held.buf.Reset()
		logrus.SetOutput(held.f)
		held = nil
	}
}

// setupLogging sends logrus to --log (append, never truncated) in the
// --log-format; JSON lines carry lowercase levels, as engines expect.
func setupLogging(ctx *cli.Context) error {
	if ctx.GlobalBool("debug") {
		logrus.SetLevel(logrus.DebugLevel)
	}
	switch f := ctx.GlobalString("log-format"); f {
	case "", "text":
		logrus.SetFormatter(&logrus.TextFormatter{DisableColors: true})
	case "json":
		logrus.SetFormatter(&logrus.JSONFormatter{})
	default:
		return fmt.Errorf("unknown log-format %q", f)
	}
	if p := ctx.GlobalString("log"); p != "" {
		f, err := os.OpenFile(p, os.O_CREATE|os.O_WRONLY|os.O_APPEND|os.O_SYNC, 0o644)
		if err != nil {
			return fmt.Errorf("open log file: %w", err)
		}
		logrus.SetOutput(f)
		logToFile = true
		if ctx.GlobalString("log-format") == "json" && !ctx.GlobalBool("debug") {
			held = &heldLog{f: f}
			logrus.SetOutput(held)
		}
	}
	return nil
}
