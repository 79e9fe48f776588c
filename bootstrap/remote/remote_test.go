package remote

import (
	"context"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
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

// shell plays ssh with this machine's sh: the remote side of Put, List and
// Remove is the real script. It records each call's standard input.
func shell(t *testing.T, stdins *[]io.Reader) runner.Func {
	return func(ctx context.Context, c runner.Cmd) (runner.Result, error) {
		if _, ok := ctx.Deadline(); !ok {
			t.Error("ssh runs without a deadline")
		}
		*stdins = append(*stdins, c.Stdin)
		sh := exec.CommandContext(ctx, "sh", "-c", c.Args[len(c.Args)-1])
		sh.Stdin = c.Stdin
		out, err := sh.Output()
		return runner.Result{Stdout: out}, err
	}
}

// TestPutListRemove: Put hands ssh the very reader it is given (a file goes
// as its descriptor, not through memory) and the file appears whole under
// its name, with its mode, no temporary left; List gives the regular files;
// Remove removes exactly the names given and refuses a path.
func TestPutListRemove(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "backup")
	src := filepath.Join(t.TempDir(), "qvddb-2026-12-06T030000.dump")
	if err := os.WriteFile(src, []byte("PGDMP dump"), 0o644); err != nil {
		t.Fatal(err)
	}
	f, err := os.Open(src)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.Close() })
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	t.Cleanup(cancel)
	var stdins []io.Reader
	s := SSH{Host: "root@qvddb2"}
	r := shell(t, &stdins)

	if err := s.Put(ctx, r, filepath.Join(dir, "qvddb-2026-12-06T030000.dump"), f, 0o600); err != nil {
		t.Fatal(err)
	}
	if len(stdins) != 1 || stdins[0] != io.Reader(f) {
		t.Errorf("ssh's stdin %v, want the file itself", stdins)
	}
	if err := os.WriteFile(filepath.Join(dir, "notes.txt"), nil, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Mkdir(filepath.Join(dir, "sub"), 0o700); err != nil {
		t.Fatal(err)
	}
	names, err := s.List(ctx, r, dir)
	slices.Sort(names)
	if err != nil || !slices.Equal(names, []string{"notes.txt", "qvddb-2026-12-06T030000.dump"}) {
		t.Errorf("List: %q, %v; want the two files, no temporary, no directory", names, err)
	}
	st, err := os.Stat(filepath.Join(dir, "qvddb-2026-12-06T030000.dump"))
	if data, _ := os.ReadFile(filepath.Join(dir, "qvddb-2026-12-06T030000.dump")); err != nil || st.Mode() != 0o600 || string(data) != "PGDMP dump" {
		t.Errorf("put: %q, %v (%v), want the content with mode 0600", data, st, err)
	}
	if names, err := s.List(ctx, r, filepath.Join(dir, "missing")); err != nil || len(names) != 0 {
		t.Errorf("List of a missing directory: %q, %v; want nothing", names, err)
	}

	for _, tc := range []struct {
		names   []string
		wantErr string
		left    []string
	}{
		{[]string{"../backup/notes.txt"}, `"../backup/notes.txt" is not a file name in it`, []string{"notes.txt", "qvddb-2026-12-06T030000.dump", "sub"}},
		{[]string{".."}, `".." is not a file name in it`, []string{"notes.txt", "qvddb-2026-12-06T030000.dump", "sub"}},
		{nil, "", []string{"notes.txt", "qvddb-2026-12-06T030000.dump", "sub"}},
		{[]string{"qvddb-2026-12-06T030000.dump", "gone already"}, "", []string{"notes.txt", "sub"}},
	} {
		err := s.Remove(ctx, r, dir, tc.names)
		if tc.wantErr == "" && err != nil || tc.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tc.wantErr)) {
			t.Errorf("Remove %q: %v, want %q", tc.names, err, tc.wantErr)
		}
		entries, _ := os.ReadDir(dir)
		var left []string
		for _, e := range entries {
			left = append(left, e.Name())
		}
		if !slices.Equal(left, tc.left) {
			t.Errorf("Remove %q left %q, want %q", tc.names, left, tc.left)
		}
	}
}
