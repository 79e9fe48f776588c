//go:build root

package drbd

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// CaptureEnv names the directory that receives the fixtures, normally
// internal/drbdstate/testdata/drbd84. Unset, nothing is recorded.
const CaptureEnv = "QVD_DRBD_CAPTURE"

// stateCommands are recorded in every state: file suffix and command.
// They are what internal/drbdstate reads, and its tests read every file.
var stateCommands = []struct{ suffix, cmd string }{
	{"", "cat /proc/drbd"},
	{"role", "drbdadm role " + res},
	{"cstate", "drbdadm cstate " + res},
	{"dstate", "drbdadm dstate " + res},
	{"drbdsetup-events2", "drbdsetup events2 --now " + res},
	{"drbdsetup-status", "drbdsetup status " + res},
}

// capture records, per state, what the guests printed: stdout in files,
// exit codes and stderr in SOURCES.md.
type capture struct {
	dir      string
	versions string
	rows     []string
}

func newCapture() *capture { return &capture{dir: os.Getenv(CaptureEnv)} }

func (c *capture) on() bool { return c.dir != "" }

// recordVersions notes the module's and the tools' versions, once.
func (c *capture) recordVersions(n *node) {
	n.t.Helper()
	if !c.on() {
		return
	}
	c.versions = fmt.Sprintf("`head -2 /proc/drbd`:\n\n```\n%s```\n\n`drbdadm --version`:\n\n```\n%s```\n\n`uname -r`: %s\n",
		n.must("head -2 /proc/drbd"), n.must("drbdadm --version"), strings.TrimSpace(n.must("uname -r")))
}

// recordState runs stateCommands on n. The state must not change while
// they run, or the files would describe different moments.
func (c *capture) recordState(n *node, name, desc string) {
	n.t.Helper()
	if !c.on() {
		return
	}
	before := n.snapshot()
	for _, sc := range stateCommands {
		file := name + ".txt"
		if sc.suffix != "" {
			file = name + "." + sc.suffix + ".txt"
		}
		c.record(n, file, desc, sc.cmd)
	}
	if after := n.snapshot(); before != after {
		n.t.Fatalf("%s: state changed while recording %s: %v, then %v", n.Name, name, before, after)
	}
}

// record runs cmd on n and keeps its stdout in file (when it printed
// any), and its exit code and stderr in SOURCES.md.
func (c *capture) record(n *node, file, desc, cmd string) {
	n.t.Helper()
	r, err := n.Run(n.ctx, cmd)
	if err != nil {
		n.t.Fatal(err)
	}
	if !c.on() {
		return
	}
	cell := "(no stdout, no file)"
	if r.Stdout != "" {
		if err := os.WriteFile(filepath.Join(c.dir, file), []byte(r.Stdout), 0o644); err != nil {
			n.t.Fatal(err)
		}
		cell = file
	}
	stderr := strings.ReplaceAll(strings.TrimSpace(r.Stderr), "\n", " / ")
	c.rows = append(c.rows, fmt.Sprintf("| %s | %s | `%s` | %d | %s | %s |", cell, n.Name, cmd, r.ExitCode,
		strings.ReplaceAll(stderr, "|", `\|`), desc))
}

// writeSources writes SOURCES.md, which says where every file came from.
func (c *capture) writeSources(t *testing.T) {
	t.Helper()
	if !c.on() || t.Failed() {
		return
	}
	var b strings.Builder
	b.WriteString("# DRBD 8.4 fixtures: captured from real DRBD\n\n")
	b.WriteString("Every file below is the stdout of the command in its row, run in a qemu guest of `test/drbd`\n" +
		"(`" + CaptureEnv + "=$PWD/internal/drbdstate/testdata/drbd84 go test -count=1 -run TestDRBD84 ./test/drbd/`), two guests\n" +
		"node1 and node2 replicating resource `r0` (protocol C, /dev/drbd0 on /dev/vdb, 64 MiB, internal meta-data) over\n" +
		"192.0.2.1-2:7788. Nothing was edited. The files without an extension part (`<state>.txt`) hold `cat /proc/drbd`.\n" +
		"Exit codes and stderr are those the commands returned; a row without a file printed nothing on stdout.\n\n")
	b.WriteString("## Versions (from the guests)\n\n" + c.versions + "\n")
	b.WriteString("## Files\n\n| file | node | command | exit | stderr | state of the pair |\n|---|---|---|---|---|---|\n")
	b.WriteString(strings.Join(c.rows, "\n") + "\n")
	if err := os.WriteFile(filepath.Join(c.dir, "SOURCES.md"), []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
}
