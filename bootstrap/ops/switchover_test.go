package main

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/qvd-ha/qvd-ha/bootstrap/config"
	"github.com/qvd-ha/qvd-ha/bootstrap/switchover"
	"github.com/qvd-ha/qvd-ha/internal/runner"
)

// calls records the commands a fake ran.
type calls struct {
	mu   sync.Mutex
	cmds []runner.Cmd
}

// live counts the commands on the live cluster with arg.
func (c *calls) live(arg string) int {
	c.mu.Lock()
	defer c.mu.Unlock()
	n := 0
	for _, cmd := range c.cmds {
		if !onCopy(cmd) && slices.Contains(cmd.Args, arg) {
			n++
		}
	}
	return n
}

func onCopy(cmd runner.Cmd) bool {
	return slices.ContainsFunc(cmd.Env, func(e string) bool { return strings.HasPrefix(e, "CIB_file=") })
}

// switchCluster fakes the live cluster switchover reads with captured
// outputs (crm_mon from crmMon; "" fails as with the stack down) and a
// cluster that never carries out a move. Commands on a copy of the CIB
// (CIB_file, the dry run) run the real tools.
func switchCluster(t *testing.T, crmMon string, rec *calls) runner.Runner {
	t.Helper()
	pcmkData := "../../internal/pcmk/testdata/"
	cib := read(t, pcmkData+"cib-running.xml")
	return runner.Func(func(ctx context.Context, cmd runner.Cmd) (runner.Result, error) {
		rec.mu.Lock()
		rec.cmds = append(rec.cmds, cmd)
		rec.mu.Unlock()
		if onCopy(cmd) {
			return runner.Exec{}.Run(ctx, cmd)
		}
		switch filepath.Base(cmd.Path) {
		case "crm_mon":
			if crmMon != "" {
				return runner.Result{Stdout: read(t, pcmkData+crmMon)}, nil
			}
		case "cibadmin":
			return runner.Result{Stdout: cib}, nil
		case "stonith_admin":
			return runner.Result{Stdout: read(t, pcmkData+"stonith_admin-history.xml")}, nil
		case "drbdsetup":
			return runner.Result{Stdout: []byte(strings.ReplaceAll(string(read(t, "../../internal/drbdstate/testdata/drbd84/primary-connected-uptodate.drbdsetup-events2.txt")), "r0", "postgres"))}, nil
		case "crm_resource":
			return runner.Result{}, nil
		}
		return runner.Result{}, &runner.ExitError{Cmd: cmd.String(), Code: 102, Stderr: "Could not connect to the CIB: Transport endpoint is not connected"}
	})
}

// stuckProbe writes until a move has been asked for, and never after:
// the move never completes.
type stuckProbe struct{ rec *calls }

func (p stuckProbe) Write(context.Context) error {
	if p.rec.live("--move") > 0 {
		return errors.New("connection refused")
	}
	return nil
}

func (stuckProbe) Close() {}

func TestSwitchoverCommand(t *testing.T) {
	conf := filepath.Join(t.TempDir(), "bootstrap.conf")
	if err := os.WriteFile(conf, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name   string
		crmMon string
		config string // default: an empty file, the built-in defaults
		args   []string
		code   int
		out    string // in stdout
		errOut string // in stderr
		moved  bool   // a crm_resource --move on the live cluster
	}{
		{name: "unknown node", crmMon: "crm_mon-running.xml", args: []string{"--to", "qvddb9"}, code: 3, errOut: `qvd-ha: unknown node "qvddb9"`},
		{name: "unknown node here", crmMon: "crm_mon-running.xml", args: []string{"--node", "laptop"}, code: 3, errOut: `this node, "laptop", is neither qvddb1 nor qvddb2`},
		{name: "no configuration", crmMon: "crm_mon-running.xml", config: filepath.Join(t.TempDir(), "none.conf"), code: 3, errOut: "qvd-ha: configuration: open "},
		{name: "no cluster", code: 3, errOut: "no cluster to switch over"},
		{name: "an argument instead of --to", crmMon: "crm_mon-running.xml", args: []string{"qvddb2"}, code: 3, errOut: `unexpected argument "qvddb2"; name the target with --to`},
		{name: "bad timeout", crmMon: "crm_mon-running.xml", args: []string{"--timeout", "-1s"}, code: 3, errOut: "--timeout -1s is not positive"},
		{name: "already there", crmMon: "crm_mon-running.xml", args: []string{"--to", "qvddb1"}, code: 0, out: "the database already runs on qvddb1: nothing to do"},
		{name: "refused: the database runs nowhere", crmMon: "crm_mon-stopped.xml", code: 2, errOut: "qvd-ha switchover: refused: the database runs nowhere"},
		{name: "dry run", crmMon: "crm_mon-running.xml", args: []string{"--dry-run"}, code: 0, out: "  Move p_postgres ( qvddb1 -> qvddb2 )"},
		{name: "no writes on the target in time", crmMon: "crm_mon-running.xml", args: []string{"--timeout", "300ms"}, code: 1,
			errOut: "qvd-ha switchover: failed: did not write on qvddb2 in time", moved: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := tt.config
			if cfg == "" {
				cfg = conf
			}
			rec := &calls{}
			d := deps{run: switchCluster(t, tt.crmMon, rec), writeProbe: func(*config.Config) (switchover.Probe, error) { return stuckProbe{rec}, nil }}
			var stdout, stderr bytes.Buffer
			args := append([]string{"qvd-ha", "--config", cfg, "switchover", "--node", "qvddb1"}, tt.args...)
			code := run(context.Background(), args, &stdout, &stderr, d)
			if code != tt.code || !strings.Contains(stdout.String(), tt.out) || !strings.Contains(stderr.String(), tt.errOut) {
				t.Errorf("exit %d, want %d with %q in stdout and %q in stderr\nstdout:\n%s\nstderr:\n%s",
					code, tt.code, tt.out, tt.errOut, stdout.String(), stderr.String())
			}
			moves, clears := rec.live("--move"), rec.live("--clear")
			if want := map[bool]int{true: 1}[tt.moved]; moves != want || clears != want {
				t.Errorf("%d moves and %d clears on the live cluster, want %d of each", moves, clears, want)
			}
		})
	}
}
