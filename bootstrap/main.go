// Command qvd-ha-bootstrap turns the QVD two-node HA PostgreSQL runbook into
// generated files and node set-up steps: the Pacemaker CIB (XML or crm
// shell), corosync, DRBD, PostgreSQL and QVD's node.conf, all from one
// configuration file.
//
// This package is the command line only: app.go holds the global flags and
// what every command shares, and each command has one file named after it
// (corosync.go, storageinit.go, ...) holding its flags and an action that
// calls into the package that does the work.
package main

//go:generate go run . --quiet cib -o ../crm/qvd-ha.xml
//go:generate go run . --quiet crm -o ../crm/qvd-ha.crm
//go:generate go run . sample-config -o qvd-ha.conf

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/qvd-ha/qvd-ha/bootstrap/config"
	"github.com/qvd-ha/qvd-ha/internal/runner"
)

// version is stamped in by the build.
var version = "0.1.0"

// Exit codes.
const (
	exitOK        = 0
	exitFailed    = 1
	exitBadConfig = 2 // the configuration is wrong; nothing was written
)

// badConfig carries config.Problems out of the app with exit code 2.
type badConfig struct{ config.Problems }

func main() {
	os.Exit(run(context.Background(), os.Args, os.Stdout, os.Stderr, runner.Exec{}))
}

// run is main without the process: tests call it in-process.
func run(ctx context.Context, args []string, stdout, stderr io.Writer, r runner.Runner) int {
	app := newApp(stdout, stderr, r)
	err := app.RunContext(ctx, args)
	var bad badConfig
	switch {
	case err == nil:
		return exitOK
	case errors.As(err, &bad):
		for _, p := range bad.Problems {
			fmt.Fprintln(stderr, "qvd-ha-bootstrap: config: "+p)
		}
		return exitBadConfig
	default:
		fmt.Fprintln(stderr, "qvd-ha-bootstrap: "+err.Error())
		return exitFailed
	}
}
