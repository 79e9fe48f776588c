package drbdconf

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/qvd-ha/qvd-ha/agents/runner"
	"github.com/qvd-ha/qvd-ha/bootstrap/config"
)

// drbdadm84 is drbd-utils' 8.4 parser, which drbdadm runs when the kernel's
// DRBD is 8.4; plain drbdadm on a machine without the module parses DRBD 9.
const drbdadm84 = "/usr/lib/drbd/drbdadm-84"

func dump(t *testing.T, res string) (string, error) {
	t.Helper()
	file := filepath.Join(t.TempDir(), "r.res")
	if err := os.WriteFile(file, []byte(res), 0o600); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	out, err := runner.Exec{}.Run(ctx, runner.Cmd{Path: drbdadm84, Args: []string{"-c", file, "dump"}})
	return string(out.Stdout) + string(out.Stderr), err
}

// TestDrbdadmAcceptsResource: DRBD 8.4's own parser reads the file back
// with what the cluster depends on; a broken file fails the same check.
func TestDrbdadmAcceptsResource(t *testing.T) {
	c := config.Default()
	res := Resource(c)
	out, err := dump(t, res)
	if err != nil {
		t.Fatalf("drbdadm-84 dump refused the resource: %v\n%s\n%s", err, out, res)
	}
	// What drbdadm parsed, not what we wrote.
	for _, want := range []string{
		"resource postgres {", "fencing          resource-and-stonith;", "verify-alg       crc32c;",
		"fence-peer       /usr/lib/drbd/crm-fence-peer.sh;", "after-resync-target /usr/lib/drbd/crm-unfence-peer.sh;",
		"after-sb-0pri    discard-zero-changes;", "after-sb-1pri    discard-secondary;", "after-sb-2pri    disconnect;",
		"address          ipv4 198.51.100.11:7788;", "address          ipv4 198.51.100.12:7788;",
		"device           /dev/drbd0 minor 0;", "disk             /dev/sdb;",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("drbdadm dump lacks %q:\n%s", want, out)
		}
	}
	if _, err := dump(t, strings.Replace(res, "verify-alg", "verify-algo", 1)); err == nil {
		t.Error("drbdadm-84 accepted a misspelt option: the check proves nothing")
	}
}
