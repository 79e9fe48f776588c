// Package remote installs files on the peer node over ssh, for the node
// steps whose output both nodes need identical (corosync.conf, the
// authkey).
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
// unknown host key fail at once instead of prompting on a terminal.
func (s SSH) run(ctx context.Context, r runner.Runner, script string, stdin []byte) (runner.Result, error) {
	args := []string{"-o", "BatchMode=yes", "-o", "ConnectTimeout=10"}
	if s.Config != "" {
		args = append(args, "-F", s.Config)
	}
	args = append(args, "--", s.Host, script)
	cmd := runner.Cmd{Path: "ssh", Args: args}
	if stdin != nil {
		cmd.Stdin = bytes.NewReader(stdin)
	}
	res, err := r.Run(ctx, cmd)
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
	tmp := quote(filepath.Join(filepath.Dir(path), "."+filepath.Base(path)+".qvd-ha"))
	script := fmt.Sprintf("umask 077 && mkdir -p -- %s && cat > %s && chmod %04o %s && mv -f -- %s %s",
		quote(filepath.Dir(path)), tmp, perm.Perm(), tmp, tmp, q)
	if _, err := s.run(ctx, r, script, data); err != nil {
		return false, fmt.Errorf("write %s:%s: %w", s.Host, path, err)
	}
	return true, nil
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
