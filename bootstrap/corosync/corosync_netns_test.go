//go:build root

package corosync

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/qvd-ha/qvd-ha/bootstrap/config"
	"github.com/qvd-ha/qvd-ha/internal/runner"
)

func run(t *testing.T, path string, args ...string) (string, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	res, err := runner.Exec{}.Run(ctx, runner.Cmd{Path: path, Args: args})
	return string(res.Stdout) + string(res.Stderr), err
}

// nodeNamespace creates a network namespace holding node1's two addresses,
// so that corosync finds itself in the nodelist, as on the real node.
func nodeNamespace(t *testing.T, c *config.Config) string {
	t.Helper()
	ns := fmt.Sprintf("qvdha-corosync-%d", os.Getpid())
	if out, err := run(t, "ip", "netns", "add", ns); err != nil {
		t.Fatalf("ip netns add (needs root): %v\n%s", err, out)
	}
	t.Cleanup(func() {
		if out, err := run(t, "ip", "netns", "del", ns); err != nil {
			t.Errorf("ip netns del %s: %v\n%s", ns, err, out)
		}
	})
	for _, args := range [][]string{
		{"-n", ns, "link", "set", "lo", "up"},
		{"-n", ns, "addr", "add", c.Nodes[0].LANAddr + "/24", "dev", "lo"},
		{"-n", ns, "addr", "add", c.Nodes[0].CrossAddr + "/24", "dev", "lo"},
	} {
		if out, err := run(t, "ip", args...); err != nil {
			t.Fatalf("ip %s: %v\n%s", strings.Join(args, " "), err, out)
		}
	}
	return ns
}

// corosyncTest runs `corosync -t` on conf and key, mounted over
// /etc/corosync in a private mount namespace inside ns.
func corosyncTest(t *testing.T, ns, conf string, key []byte) (string, error) {
	t.Helper()
	dir := t.TempDir()
	for name, data := range map[string][]byte{"corosync.conf": []byte(conf), "authkey": key} {
		if err := os.WriteFile(filepath.Join(dir, name), data, 0o400); err != nil {
			t.Fatal(err)
		}
	}
	return run(t, "ip", "netns", "exec", ns, "unshare", "--mount", "sh", "-c",
		`mount --bind "$1" /etc/corosync && exec corosync -t`, "sh", dir)
}

// TestCorosyncAcceptsConf: corosync itself parses the generated file, finds
// the node in it and accepts the key; a broken file is refused by the same
// harness, so the check is not vacuous.
func TestCorosyncAcceptsConf(t *testing.T) {
	c := config.Default()
	ns := nodeNamespace(t, c)
	key, err := NewAuthkey()
	if err != nil {
		t.Fatal(err)
	}
	conf := Conf(c, t.TempDir())
	if out, err := corosyncTest(t, ns, conf, key); err != nil {
		t.Errorf("corosync -t refused the generated corosync.conf: %v\n%s\n%s", err, out, conf)
	}
	broken := strings.Replace(conf, "two_node: 1", "two_node: yes", 1)
	if out, err := corosyncTest(t, ns, broken, key); err == nil {
		t.Errorf("corosync -t accepted a broken file:\n%s", out)
	}
}
