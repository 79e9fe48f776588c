package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/qvd-ha/qvd-ha/internal/runner"
	"github.com/qvd-ha/qvd-ha/test/pgtest"
	"github.com/qvd-ha/qvd-ha/test/sshtest"
)

func readFile(t *testing.T, name string) []byte {
	t.Helper()
	data, err := os.ReadFile(name)
	if err != nil {
		t.Fatal(err)
	}
	return data
}

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

func TestDRBDCommandRefusesSharedStorage(t *testing.T) {
	dir := t.TempDir()
	code, _, stderr := runTool(t, noRunner(t), "-q", "--set", "storage=shared", "--set", "shared.device=/dev/sdc", "drbd", "--dir", dir)
	if code != 1 || !strings.Contains(stderr, "storage is shared: there is no DRBD resource") {
		t.Errorf("exit %d, stderr %q", code, stderr)
	}
}

func TestCheckTime(t *testing.T) {
	unsynced := runner.Func(func(_ context.Context, c runner.Cmd) (runner.Result, error) {
		return runner.Result{Stdout: []byte("Leap status     : Not synchronised\nSystem time     : 0.1 seconds fast of NTP time\n")}, nil
	})
	code, out, stderr := runTool(t, unsynced, "check-time")
	if code != 0 || out != "" || !strings.Contains(stderr, "WARNING: the clock is not synchronised") {
		t.Errorf("exit %d, stdout %q, stderr %q", code, out, stderr)
	}
}

// TestCorosyncCopyToPeer: --copy-to-peer installs corosync.conf (0644) and
// this node's authkey (0400) on the peer through a real sshd, whose private
// mount namespace has its own copy of the directory; a second run changes
// nothing; a peer with another authkey gets ours; an unknown host key fails
// at once; the key never shows in the output.
func TestCorosyncCopyToPeer(t *testing.T) {
	local, peerDir := t.TempDir(), t.TempDir()
	s := sshtest.Files(t, pgtest.FreePort(t), "[127.0.0.1]:%d ", false)
	// The peer's view of the same path is peerDir.
	s.Start(t, "unshare", "--mount", "--propagation", "private", "sh", "-c", `mount --bind "$1" "$2" && shift 2 && exec "$@"`,
		"peer", peerDir, local)
	sshConfig := func(knownHosts string) string {
		name := filepath.Join(t.TempDir(), "ssh_config")
		text := "Host 127.0.0.1\n  User root\n  Port " + strconv.Itoa(s.Port) + "\n  IdentityFile " + s.ClientKey +
			"\n  UserKnownHostsFile " + knownHosts + "\n  StrictHostKeyChecking yes\n"
		if err := os.WriteFile(name, []byte(text), 0o600); err != nil {
			t.Fatal(err)
		}
		return name
	}
	args := []string{"-q", "corosync", "--dir", local, "--copy-to-peer", "--peer", "127.0.0.1", "--ssh-config", sshConfig(s.KnownHosts)}
	copyOK := func(want string) {
		t.Helper()
		code, out, stderr := runTool(t, runner.Exec{}, args...)
		key, _ := os.ReadFile(filepath.Join(local, "authkey"))
		if code != 0 || !strings.Contains(out, want) || len(key) == 0 || strings.Contains(out+stderr, string(key)) {
			t.Fatalf("exit %d, stdout %q, stderr %q; want %q", code, out, stderr, want)
		}
		for _, f := range []struct {
			name string
			perm os.FileMode
		}{{"corosync.conf", 0o644}, {"authkey", 0o400}} {
			st, err := os.Stat(filepath.Join(peerDir, f.name))
			if err != nil || st.Mode().Perm() != f.perm || !bytes.Equal(readFile(t, filepath.Join(peerDir, f.name)), readFile(t, filepath.Join(local, f.name))) {
				t.Errorf("peer's %s: %v %v, want a copy with mode %v", f.name, st, err, f.perm)
			}
		}
		if leftovers, _ := filepath.Glob(filepath.Join(peerDir, ".*")); len(leftovers) > 0 {
			t.Errorf("temporary files left on the peer: %v", leftovers)
		}
	}
	copyOK("127.0.0.1:" + filepath.Join(local, "authkey") + " written")
	if _, err := os.Stat(filepath.Join(local, "authkey")); err != nil {
		t.Fatal(err)
	}
	copyOK("127.0.0.1:" + filepath.Join(local, "authkey") + " is up to date")

	if err := os.WriteFile(filepath.Join(peerDir, "authkey"), []byte("another cluster's key"), 0o400); err != nil {
		t.Fatal(err)
	}
	copyOK("127.0.0.1:" + filepath.Join(local, "authkey") + " written")

	args[len(args)-1] = sshConfig(s.WrongKnownHosts)
	code, out, stderr := runTool(t, runner.Exec{}, args...)
	if code != exitFailed || !strings.Contains(stderr, "ssh 127.0.0.1: ssh exited with status 255: Host key verification failed.") {
		t.Errorf("a wrong host key: exit %d, stdout %q, stderr %q", code, out, stderr)
	}
}
