package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/qvd-ha/qvd-ha/bootstrap/status"
	"github.com/qvd-ha/qvd-ha/internal/runner"
)

func read(t *testing.T, path string) []byte {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return data
}

type fakeDB time.Duration

func (d fakeDB) MonitorAge(context.Context) (time.Duration, error) { return time.Duration(d), nil }

// cluster fakes every tool status runs with the captured outputs of a
// running cluster; crm_mon answers from crmMon, and a tool not listed
// fails as on a node with the stack down.
func cluster(t *testing.T, crmMon string) deps {
	t.Helper()
	pcmkData := "../../internal/pcmk/testdata/"
	cib := string(read(t, pcmkData+"cib-running.xml"))
	conf := cib[strings.Index(cib, "<configuration>") : strings.Index(cib, "</configuration>")+len("</configuration>")]
	out := map[string][]byte{
		"cibadmin":         []byte(conf),
		"stonith_admin":    []byte(`<pacemaker-result><list/><status code="0"/></pacemaker-result>`),
		"corosync-cfgtool": read(t, "../status/testdata/corosync-cfgtool-s-healthy.txt"),
		"drbdsetup":        []byte(strings.ReplaceAll(string(read(t, "../../internal/drbdstate/testdata/drbd84/primary-connected-uptodate.drbdsetup-events2.txt")), "r0", "postgres")),
		"chronyc":          []byte("System time     : 0.000006523 seconds slow of NTP time\nLeap status     : Normal\n"),
	}
	if crmMon != "" {
		out["crm_mon"] = read(t, pcmkData+crmMon)
	}
	return deps{
		run: runner.Func(func(_ context.Context, cmd runner.Cmd) (runner.Result, error) {
			if o, ok := out[filepath.Base(cmd.Path)]; ok {
				return runner.Result{Stdout: o}, nil
			}
			return runner.Result{}, &runner.ExitError{Cmd: cmd.String(), Code: 102, Stderr: "not connected"}
		}),
		database:  func(string, int, string, string) (status.Database, error) { return fakeDB(2 * time.Second), nil },
		kernelLog: func() ([]string, error) { return nil, nil },
	}
}

// emptyConfig is a configuration file that sets nothing: the built-in
// defaults, whatever this machine's /etc/qvd-ha holds.
func emptyConfig(t *testing.T) string {
	t.Helper()
	name := filepath.Join(t.TempDir(), "bootstrap.conf")
	if err := os.WriteFile(name, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	return name
}

// backupDir holds a fresh dump, so that the backup check is quiet.
func backupDir(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "qvddb-2026-12-07T030012.dump"), nil, 0o600); err != nil {
		t.Fatal(err)
	}
	return dir
}

func TestStatusCommand(t *testing.T) {
	tests := []struct {
		name   string
		crmMon string
		args   []string
		code   int
		first  string // the start of the first line
	}{
		{"settled", "crm_mon-running.xml", nil, 0, "QVD-HA OK - database on qvddb1 since "},
		{"database stopped", "crm_mon-stopped.xml", nil, 2, "QVD-HA CRITICAL - the database runs nowhere"},
		{"stack down", "", nil, 3, "QVD-HA UNKNOWN - cannot read pacemaker on qvddb1"},
		{"unknown node", "crm_mon-running.xml", []string{"--node", "qvddb9"}, 3, ""},
		{"bad watch interval", "crm_mon-running.xml", []string{"--watch=soon"}, 3, ""},
		{"named configuration missing", "crm_mon-running.xml", []string{"--config-missing"}, 3, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			args := []string{"qvd-ha", "--config", emptyConfig(t), "status", "--node", "qvddb1", "--backup-dir", backupDir(t)}
			if len(tt.args) == 1 && tt.args[0] == "--config-missing" {
				args = []string{"qvd-ha", "--config", filepath.Join(t.TempDir(), "none.conf"), "status", "--node", "qvddb1"}
			} else {
				args = append(args, tt.args...)
			}
			var stdout, stderr bytes.Buffer
			code := run(context.Background(), args, &stdout, &stderr, cluster(t, tt.crmMon))
			if code != tt.code {
				t.Errorf("exit %d, want %d\nstdout:\n%s\nstderr:\n%s", code, tt.code, stdout.String(), stderr.String())
			}
			if tt.first != "" && !strings.HasPrefix(stdout.String(), tt.first) {
				t.Errorf("first line of\n%s\nshould start with %q", stdout.String(), tt.first)
			}
			// urfave/cli prints the usage on standard output after a bad
			// option; the message is on standard error either way.
			if tt.first == "" && (strings.Contains(stdout.String(), "QVD-HA") || !strings.HasPrefix(stderr.String(), "qvd-ha: ")) {
				t.Errorf("bad input: stdout %q, stderr %q; want no report and one message", stdout.String(), stderr.String())
			}
		})
	}
}

func TestStatusJSON(t *testing.T) {
	var stdout, stderr bytes.Buffer
	args := []string{"qvd-ha", "--config", emptyConfig(t), "status", "--node", "qvddb1", "--json", "--backup-dir", backupDir(t)}
	if code := run(context.Background(), args, &stdout, &stderr, cluster(t, "crm_mon-running.xml")); code != 0 {
		t.Fatalf("exit %d: %s%s", code, stdout.String(), stderr.String())
	}
	var got map[string]any
	if err := json.Unmarshal(stdout.Bytes(), &got); err != nil {
		t.Fatalf("%v:\n%s", err, stdout.String())
	}
	for _, key := range []string{"schema", "node", "time", "level", "problems", "cluster", "constraints", "fencing", "links", "drbd", "drbd_verify", "database", "backup", "clock", "errors"} {
		if _, ok := got[key]; !ok {
			t.Errorf("no %q in\n%s", key, stdout.String())
		}
	}
	if got["schema"] != status.Schema || got["level"] != "OK" {
		t.Errorf("schema %v, level %v", got["schema"], got["level"])
	}
}

func TestStatusWatch(t *testing.T) {
	// Interrupted before the second frame: one frame, drawn in place.
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	var stdout, stderr bytes.Buffer
	args := []string{"qvd-ha", "--config", emptyConfig(t), "status", "--node", "qvddb1", "--watch", "--backup-dir", backupDir(t)}
	run(ctx, args, &stdout, &stderr, cluster(t, "crm_mon-running.xml"))
	if out := stdout.String(); !strings.HasPrefix(out, clearScreen+"QVD-HA ") || strings.Count(out, clearScreen) != 1 || !strings.Contains(out, "every 2s") {
		t.Errorf("watch output %q; stderr %q", out, stderr.String())
	}
}

func TestWatchInterval(t *testing.T) {
	for in, want := range map[string]time.Duration{"true": defaultWatch, "5s": 5 * time.Second, "false": 0} {
		var w watchInterval
		if err := w.Set(in); err != nil || w.every != want {
			t.Errorf("Set(%q): %v, %v; want %v", in, w.every, err, want)
		}
	}
	for _, in := range []string{"soon", "1ms", "-2s"} {
		var w watchInterval
		if err := w.Set(in); err == nil {
			t.Errorf("Set(%q) = %v, want an error", in, w.every)
		}
	}
}
