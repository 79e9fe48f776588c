package remote

import (
	"context"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/qvd-ha/qvd-ha/internal/runner"
)

// TestCopy: against a faked ssh whose peer already has corosync.conf and
// no authkey, Copy writes only the authkey, its content travels on stdin
// and never in an argument, and each file is reported.
func TestCopy(t *testing.T) {
	var writes []string // the write scripts
	var written string  // what they got on stdin
	fake := runner.Func(func(ctx context.Context, c runner.Cmd) (runner.Result, error) {
		if _, ok := ctx.Deadline(); !ok {
			t.Error("ssh runs without a deadline")
		}
		if c.Path != "ssh" || len(c.Args) < 2 || c.Args[len(c.Args)-2] != "root@qvddb2" {
			t.Fatalf("ran %s", c)
		}
		for _, a := range c.Args {
			if strings.Contains(a, "s3cret") {
				t.Errorf("the key is in an argument: %q", a)
			}
		}
		script := c.Args[len(c.Args)-1]
		if strings.HasPrefix(script, "cat -- ") {
			if strings.Contains(script, "corosync.conf") {
				return runner.Result{Stdout: []byte("same\n")}, nil
			}
			return runner.Result{}, nil // cat of a missing file, silenced
		}
		data, err := io.ReadAll(c.Stdin)
		if err != nil {
			t.Fatal(err)
		}
		writes = append(writes, script)
		written += string(data)
		return runner.Result{}, nil
	})
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	var out strings.Builder
	err := SSH{Host: "root@qvddb2"}.Copy(ctx, fake, &out, []File{
		{Path: "/etc/corosync/corosync.conf", Data: []byte("same\n"), Perm: 0o644},
		{Path: "/etc/corosync/authkey", Data: []byte("s3cret"), Perm: 0o400},
	})
	if err != nil {
		t.Fatal(err)
	}
	if want := "root@qvddb2:/etc/corosync/corosync.conf is up to date\nroot@qvddb2:/etc/corosync/authkey written\n"; out.String() != want {
		t.Errorf("reported %q, want %q", out.String(), want)
	}
	if len(writes) != 1 || written != "s3cret" || !strings.Contains(writes[0], "chmod 0400 '/etc/corosync/.authkey.qvd-ha'") ||
		!strings.HasSuffix(writes[0], "mv -f -- '/etc/corosync/.authkey.qvd-ha' '/etc/corosync/authkey'") {
		t.Errorf("writes %q with %q on stdin: want one atomic write of the authkey, mode 0400", writes, written)
	}
}
