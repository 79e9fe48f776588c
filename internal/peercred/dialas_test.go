//go:build root

package peercred

import (
	"context"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"sync"
	"syscall"
	"testing"
	"time"
)

// listen serves a Unix socket anyone may connect to and hands each accepted
// connection's peer credentials to creds.
func listen(t *testing.T) (path string, creds <-chan *syscall.Ucred) {
	t.Helper()
	// Not t.TempDir: its parent directory is closed to other users.
	dir, err := os.MkdirTemp("", "peercred-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	if err := os.Chmod(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	path = filepath.Join(dir, "sock")
	l, err := net.Listen("unix", path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close() })
	if err := os.Chmod(path, 0o777); err != nil {
		t.Fatal(err)
	}
	ch := make(chan *syscall.Ucred, 64)
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				close(ch)
				return
			}
			raw, err := c.(*net.UnixConn).SyscallConn()
			if err != nil {
				c.Close()
				continue
			}
			var cred *syscall.Ucred
			raw.Control(func(fd uintptr) {
				cred, _ = syscall.GetsockoptUcred(int(fd), syscall.SOL_SOCKET, syscall.SO_PEERCRED)
			})
			c.Close()
			ch <- cred
		}
	}()
	return path, ch
}

func TestDialAsCarriesCredentials(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Fatal("peercred needs root: only root may take another user's ids")
	}
	path, creds := listen(t)
	cases := []struct {
		name     string
		uid, gid int
	}{
		{"root", 0, 0},
		{"nobody", 65534, 65534},
		{"uid and gid differ", 65534, 0},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()
			conn, err := DialAs(c.uid, c.gid)(ctx, "unix", path)
			if err != nil {
				t.Fatalf("dial: %v", err)
			}
			conn.Close()
			got := <-creds
			if got == nil || int(got.Uid) != c.uid || int(got.Gid) != c.gid {
				t.Fatalf("peer credentials %+v, want uid %d gid %d", got, c.uid, c.gid)
			}
			if os.Geteuid() != 0 || os.Getegid() != 0 {
				t.Fatalf("process left as euid %d egid %d", os.Geteuid(), os.Getegid())
			}
		})
	}
}

// TestDialAsLeavesNoThreadSwitched dials from many goroutines while others
// create files: a thread left with the dial's ids would create a file owned
// by nobody.
func TestDialAsLeavesNoThreadSwitched(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Fatal("peercred needs root: only root may take another user's ids")
	}
	path, creds := listen(t)
	go func() {
		for range creds {
		}
	}()
	dir := t.TempDir()
	var wg sync.WaitGroup
	errs := make(chan error, 200)
	for i := range 50 {
		wg.Add(2)
		go func() {
			defer wg.Done()
			conn, err := DialAs(65534, 65534)(context.Background(), "unix", path)
			if err != nil {
				errs <- err
				return
			}
			conn.Close()
		}()
		go func() {
			defer wg.Done()
			f, err := os.Create(filepath.Join(dir, fmt.Sprint(i)))
			if err != nil {
				errs <- err
				return
			}
			defer f.Close()
			fi, err := f.Stat()
			if err != nil {
				errs <- err
				return
			}
			if st := fi.Sys().(*syscall.Stat_t); st.Uid != 0 || st.Gid != 0 {
				errs <- &os.PathError{Op: "create", Path: f.Name(), Err: syscall.EPERM}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}
