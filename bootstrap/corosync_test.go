//go:build root

package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/qvd-ha/qvd-ha/internal/runner"
	"github.com/qvd-ha/qvd-ha/test/pgtest"
	"github.com/qvd-ha/qvd-ha/test/sshtest"
)

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
