// Command qvd-ha is the operator's tool for a running QVD HA cluster, on
// either node: status today; switchover and the maintenance commands of
// issue 16 next. qvd-ha-bootstrap sets the cluster up; this is what an
// operator and a monitoring check run every day (bootstrap/status/doc.go
// says why they are two programs).
//
// This package is the command line only: app.go holds the global flags,
// each command has one file named after it, calling the package that does
// the work.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"

	"github.com/qvd-ha/qvd-ha/bootstrap/config"
	"github.com/qvd-ha/qvd-ha/bootstrap/status"
	"github.com/qvd-ha/qvd-ha/bootstrap/switchover"
	"github.com/qvd-ha/qvd-ha/internal/drbdstate"
	"github.com/qvd-ha/qvd-ha/internal/runner"
)

// version is stamped in by the build.
var version = "0.1.0"

// exitCode ends the program with a monitoring-plugin code.
type exitCode int

func (c exitCode) Error() string { return fmt.Sprintf("exit status %d", int(c)) }

// deps are what the commands reach outside the process; tests replace
// them.
type deps struct {
	run runner.Runner
	// database opens the connection status reads pacemaker_monitor with.
	database  func(socketDir string, port int, db, user string) (status.Database, error)
	kernelLog func() ([]string, error)
	// writeProbe opens switchover's write probe.
	writeProbe func(*config.Config) (switchover.Probe, error)
}

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args, os.Stdout, os.Stderr, deps{
		run: runner.Exec{},
		database: func(socketDir string, port int, db, user string) (status.Database, error) {
			return status.NewPG(socketDir, port, db, user)
		},
		kernelLog:  func() ([]string, error) { return drbdstate.ReadKernelLog("/dev/kmsg") },
		writeProbe: writeProbe,
	})
	stop()
	os.Exit(code)
}

// run is main without the process. Failures that keep a command from
// checking anything (a bad option, an unreadable configuration) exit 3,
// UNKNOWN, as a monitoring plugin must.
func run(ctx context.Context, args []string, stdout, stderr io.Writer, d deps) int {
	err := newApp(stdout, stderr, d).RunContext(ctx, args)
	var code exitCode
	switch {
	case err == nil:
		return 0
	case errors.As(err, &code):
		return int(code)
	default:
		fmt.Fprintln(stderr, "qvd-ha: "+err.Error())
		return int(status.Unknown)
	}
}
