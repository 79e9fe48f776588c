package main

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/qvd-ha/qvd-ha/internal/runner"
)

// blankDisk fakes the probes of a node whose disk carries sigs (wipefs's
// lines) and where nothing is mounted; any other command fails the test.
func blankDisk(t *testing.T, sigs string, calls *[]string) runner.Runner {
	return runner.Func(func(_ context.Context, c runner.Cmd) (runner.Result, error) {
		*calls = append(*calls, c.String())
		switch c.Path {
		case "blockdev":
			return runner.Result{Stdout: []byte("1073741824\n")}, nil
		case "wipefs":
			return runner.Result{Stdout: []byte(sigs)}, nil
		case "findmnt":
			return runner.Result{ExitCode: 1}, &runner.ExitError{Cmd: "findmnt", Code: 1}
		}
		t.Errorf("unexpected command %s", c)
		return runner.Result{}, nil
	})
}

// sharedArgs are the global arguments of a shared-storage configuration
// whose data directory is dir.
func sharedArgs(dev, dir string) []string {
	return []string{"--set", "storage=shared", "--set", "shared.device=" + dev,
		"--set", "fs.directory=" + dir, "--set", "pgsql.pgdata=" + dir}
}

// TestStorageInitCommand: what the command line decides (which node does
// what, --yes, --dry-run) and how refusals end, with the commands faked.
func TestStorageInitCommand(t *testing.T) {
	for _, tc := range []struct {
		name   string
		sigs   string
		args   []string
		code   int
		stdout []string
		stderr string
		probed bool // the device was looked at
	}{
		{name: "without --yes", args: []string{"--node", "qvddb1"}, probed: true,
			stdout: []string{"this node (preferred_node) makes the xfs filesystem", "would: mkfs.xfs /dev/mapper/san",
				"would: rename DIR to DIR.orig", "Nothing was changed: storage-init destroys what is on the device; run it again with --yes"}},
		{name: "--dry-run wins over --yes", args: []string{"--node", "qvddb1", "--yes", "--dry-run"}, probed: true,
			stdout: []string{"would: mkfs.xfs /dev/mapper/san", "Nothing was changed (--dry-run)."}},
		{name: "the other node leaves the device alone", args: []string{"--node", "qvddb2"},
			stdout: []string{"qvddb1 (preferred_node) makes the filesystem; this node only moves DIR aside", "would: rename DIR"}},
		{name: "a filesystem on the device", sigs: "xfs 0x0\n", args: []string{"--node", "qvddb1", "--yes"}, code: exitFailed, probed: true,
			stderr: "qvd-ha-bootstrap: storage-init: refused: /dev/mapper/san already carries xfs (at offset 0x0); it may hold data, " +
				"so nothing was changed (--force initialises it anyway, destroying what is on it)\n"},
		{name: "not a node of the cluster", args: []string{"--node", "qvddb3", "--yes"}, code: exitFailed,
			stderr: "qvd-ha-bootstrap: storage-init: \"qvddb3\" is neither qvddb1 nor qvddb2; name the node with --node\n"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := filepath.Join(t.TempDir(), "data")
			if err := os.Mkdir(dir, 0o700); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(filepath.Join(dir, "PG_VERSION"), []byte("16\n"), 0o600); err != nil {
				t.Fatal(err)
			}
			var calls []string
			args := append(append([]string{"-q"}, sharedArgs("/dev/mapper/san", dir)...), "storage-init")
			code, stdout, stderr := runTool(t, blankDisk(t, tc.sigs, &calls), append(args, tc.args...)...)
			if code != tc.code {
				t.Fatalf("exit %d, want %d\nstdout:\n%s\nstderr:\n%s", code, tc.code, stdout, stderr)
			}
			for _, s := range tc.stdout {
				if s = strings.ReplaceAll(s, "DIR", dir); !strings.Contains(stdout, s) {
					t.Errorf("stdout lacks %q:\n%s", s, stdout)
				}
			}
			if stderr != tc.stderr {
				t.Errorf("stderr %q, want %q", stderr, tc.stderr)
			}
			if probed := slices.ContainsFunc(calls, func(c string) bool { return strings.HasPrefix(c, "wipefs") }); probed != tc.probed {
				t.Errorf("device probed: %v, want %v (%q)", probed, tc.probed, calls)
			}
			if data, err := os.ReadFile(filepath.Join(dir, "PG_VERSION")); err != nil || string(data) != "16\n" {
				t.Errorf("the data directory changed: %q, %v", data, err)
			}
		})
	}
}

// TestStorageInitManPage: the choices an administrator must know are in
// the man page.
func TestStorageInitManPage(t *testing.T) {
	code, man, stderr := runTool(t, noRunner(t), "manpage")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	for _, s := range []string{"storage-init", "preferred_node", "--yes", "--force", "fs.directory.orig", "primary --force",
		"Secondary", "mode 0700", "without discards", "postmaster.pid"} {
		if !strings.Contains(man, s) {
			t.Errorf("the man page does not mention %q", s)
		}
	}
}
