// Package remote installs files on the peer node over ssh, for the node
// steps whose output both nodes need identical (corosync.conf, the
// authkey), and for the backups each node keeps of the other's database.
//
// File content travels on ssh's standard input, never in its arguments:
// the authkey is a secret, and arguments are visible in ps on both ends.
package remote

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/qvd-ha/qvd-ha/internal/runner"
)

// SSH reaches one host as root with the administrator's ssh set-up.
type SSH struct {
	Host   string // [user@]host
	Config string // an ssh_config file; "" for ssh's own
}

// run runs a shell command on the host. BatchMode makes a missing key or an
// unknown host key fail at once instead of prompting on a terminal; the
// keepalives end a copy to a host that died midway within a minute, not at
// the caller's deadline (an hour for a backup).
func (s SSH) run(ctx context.Context, r runner.Runner, script string, stdin io.Reader) (runner.Result, error) {
	args := []string{"-o", "BatchMode=yes", "-o", "ConnectTimeout=10", "-o", "ServerAliveInterval=15", "-o", "ServerAliveCountMax=4"}
	if s.Config != "" {
		args = append(args, "-F", s.Config)
	}
	args = append(args, "--", s.Host, script)
	res, err := r.Run(ctx, runner.Cmd{Path: "ssh", Args: args, Stdin: stdin})
	if err != nil {
		return res, fmt.Errorf("ssh %s: %w", s.Host, err)
	}
	return res, nil
}

// Install puts data at path on the host with mode perm, atomically, unless
// the file already holds exactly data; it reports whether it wrote.
func (s SSH) Install(ctx context.Context, r runner.Runner, path string, data []byte, perm os.FileMode) (bool, error) {
	q := quote(path)
	// A missing file reads as empty, which never equals what we install.
	old, err := s.run(ctx, r, "cat -- "+q+" 2>/dev/null || :", nil)
	if err != nil {
		return false, fmt.Errorf("read %s:%s: %w", s.Host, path, err)
	}
	if bytes.Equal(old.Stdout, data) {
		return false, nil
	}
	if err := s.Put(ctx, r, path, bytes.NewReader(data), perm); err != nil {
		return false, err
	}
	return true, nil
}

// Put writes what src holds to path on the host with mode perm, through a
// temporary name in the same directory and a rename, so that the host never
// has a partial file under path. src is ssh's standard input as it is: an
// *os.File goes to ssh as its descriptor, so a database dump streams from
// the disk and is never held in this process's memory.
func (s SSH) Put(ctx context.Context, r runner.Runner, path string, src io.Reader, perm os.FileMode) error {
	tmp := quote(filepath.Join(filepath.Dir(path), TempName(filepath.Base(path))))
	script := fmt.Sprintf("umask 077 && mkdir -p -- %s && cat > %s && chmod %04o %s && mv -f -- %s %s",
		quote(filepath.Dir(path)), tmp, perm.Perm(), tmp, tmp, quote(path))
	if _, err := s.run(ctx, r, script, src); err != nil {
		return fmt.Errorf("write %s:%s: %w", s.Host, path, err)
	}
	return nil
}

// TempName is where Put writes name until the rename: a file so named that
// outlives Put is a copy cut off midway.
func TempName(name string) string {
	return "." + name + ".qvd-ha"
}

// List is the names of the regular files in dir on the host; a missing dir
// holds none.
func (s SSH) List(ctx context.Context, r runner.Runner, dir string) ([]string, error) {
	// One name a line: a name holding a newline comes out as two that
	// match no backup's name, so the caller leaves them alone.
	res, err := s.run(ctx, r, fmt.Sprintf("test ! -d %s || find %s -mindepth 1 -maxdepth 1 -type f -printf '%%f\\n'",
		quote(dir), quote(dir)), nil)
	if err != nil {
		return nil, fmt.Errorf("list %s:%s: %w", s.Host, dir, err)
	}
	var names []string
	for _, n := range strings.Split(string(res.Stdout), "\n") {
		if n != "" {
			names = append(names, n)
		}
	}
	return names, nil
}

// Remove removes the named files from dir on the host, and nothing else:
// each name is one quoted word, no pattern.
func (s SSH) Remove(ctx context.Context, r runner.Runner, dir string, names []string) error {
	if len(names) == 0 {
		return nil
	}
	quoted := make([]string, len(names))
	for i, n := range names {
		if n != filepath.Base(n) || n == "." || n == ".." {
			return fmt.Errorf("remove %s:%s: %q is not a file name in it", s.Host, dir, n)
		}
		quoted[i] = quote(n)
	}
	if _, err := s.run(ctx, r, "cd -- "+quote(dir)+" && rm -f -- "+strings.Join(quoted, " "), nil); err != nil {
		return fmt.Errorf("remove from %s:%s: %w", s.Host, dir, err)
	}
	return nil
}

// File is one file for the host: where, what and with which mode.
type File struct {
	Path string
	Data []byte
	Perm os.FileMode
}

// Copy installs each file on the host as Install does, stopping at the
// first failure, and tells out which were written and which were already
// up to date there.
func (s SSH) Copy(ctx context.Context, r runner.Runner, out io.Writer, fs []File) error {
	for _, f := range fs {
		changed, err := s.Install(ctx, r, f.Path, f.Data, f.Perm)
		if err != nil {
			return err
		}
		state := "is up to date"
		if changed {
			state = "written"
		}
		fmt.Fprintf(out, "%s:%s %s\n", s.Host, f.Path, state)
	}
	return nil
}

// quote makes s one word for the remote POSIX shell.
func quote(s string) string {
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}
