// Command qvd-ha-bootstrap turns the QVD two-node HA PostgreSQL runbook into
// generated files: the Pacemaker CIB (XML or crm shell) and, later, the node
// set-up, all from one configuration file.
package main

//go:generate go run . --quiet cib -o ../crm/qvd-ha.xml
//go:generate go run . --quiet crm -o ../crm/qvd-ha.crm
//go:generate go run . sample-config -o qvd-ha.conf

import (
	"context"
	"os"

	"github.com/qvd-ha/qvd-ha/internal/runner"
)

// version is stamped in by the build.
var version = "0.1.0"

func main() {
	os.Exit(run(context.Background(), os.Args, os.Stdout, os.Stderr, runner.Exec{}))
}
