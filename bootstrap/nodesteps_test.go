package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestNodeSetupIdempotent: each step writes once, then reports nothing to
// do; --dry-run changes nothing.
func TestNodeSetupIdempotent(t *testing.T) {
	dir := t.TempDir()
	hostsFile := filepath.Join(dir, "hosts")
	if err := os.WriteFile(hostsFile, []byte("127.0.0.1 localhost\n127.0.1.1 qvddb2\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	globalCommon := filepath.Join(dir, "global_common.conf")
	if err := os.WriteFile(globalCommon, []byte("global {\n\tusage-count yes;\n}\ncommon {\n}\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name  string
		args  []string
		files []string
	}{
		{"hosts", []string{"hosts", "--file", hostsFile}, []string{hostsFile}},
		{"corosync", []string{"corosync", "--dir", dir, "--log-dir", "/var/log/cluster"},
			[]string{filepath.Join(dir, "corosync.conf"), filepath.Join(dir, "authkey")}},
		{"drbd", []string{"drbd", "--dir", dir}, []string{filepath.Join(dir, "postgres.res"), globalCommon}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			snapshot := func() map[string][]byte {
				m := map[string][]byte{}
				for _, f := range tc.files {
					if data, err := os.ReadFile(f); err == nil {
						m[f] = data
					}
				}
				return m
			}
			before := snapshot()
			code, out, stderr := runTool(t, noRunner(t), append([]string{"-q", tc.args[0], "--dry-run"}, tc.args[1:]...)...)
			if code != 0 || !strings.Contains(out, "would be") {
				t.Errorf("dry run: exit %d, stdout %q, stderr %q", code, out, stderr)
			}
			if after := snapshot(); len(after) != len(before) {
				t.Errorf("--dry-run created files")
			}

			code, out, stderr = runTool(t, noRunner(t), append([]string{"-q"}, tc.args...)...)
			if code != 0 || strings.Contains(out, "up to date") {
				t.Fatalf("first run: exit %d, stdout %q, stderr %q", code, out, stderr)
			}
			first := snapshot()
			code, out, _ = runTool(t, noRunner(t), append([]string{"-q"}, tc.args...)...)
			if code != 0 || strings.Contains(out, " written") || strings.Contains(out, " created") {
				t.Errorf("second run changed something: exit %d, %q", code, out)
			}
			for f, data := range snapshot() {
				if !bytes.Equal(data, first[f]) {
					t.Errorf("second run rewrote %s", f)
				}
			}
		})
	}

	// The Debian-style 127.0.1.1 line is kept but called out.
	_, _, stderr := runTool(t, noRunner(t), "-q", "hosts", "--file", hostsFile, "--dry-run")
	if !strings.Contains(stderr, "line 2 gives qvddb2 the address 127.0.1.1, not 192.0.2.12: remove it") {
		t.Errorf("no warning about the 127.0.1.1 line: %q", stderr)
	}
	if st, err := os.Stat(filepath.Join(dir, "authkey")); err != nil || st.Mode().Perm() != 0o400 || st.Size() != 256 {
		t.Errorf("authkey: %v %v", st, err)
	}
	if !bytes.Contains(readFile(t, globalCommon), []byte("\tusage-count no;\n")) {
		t.Errorf("global_common.conf lacks the runbook's usage-count no:\n%s", readFile(t, globalCommon))
	}
	if !bytes.Contains(readFile(t, hostsFile), []byte("198.51.100.12   qvddb2cx")) {
		t.Error("hosts lacks the crossover name of qvddb2")
	}
}
