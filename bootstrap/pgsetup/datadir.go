package pgsetup

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net/netip"
	"os"
	"path/filepath"
	"syscall"

	"github.com/qvd-ha/qvd-ha/bootstrap/config"
	"github.com/qvd-ha/qvd-ha/bootstrap/files"
)

// Configure puts the managed blocks into the configuration files of the
// data directory dir (runbook 8.2): postgresql.conf with listen, pg_hba.conf
// with the extra networks, pg_ident.conf. It tells out what it wrote, or
// with dryRun what it would write, and reports whether anything changed.
func Configure(out io.Writer, dir string, c *config.Config, listen []string, extra []netip.Prefix, dryRun bool) (bool, error) {
	changed := false
	for _, f := range []struct {
		name     string
		mustHave bool // pg_ident.conf may be missing: initdb writes it, a hand-made directory may lack it
		edit     func(string) string
	}{
		{"postgresql.conf", true, func(s string) string { return Conf(s, c, listen) }},
		{"pg_hba.conf", true, func(s string) string { return HBA(s, c, extra) }},
		{"pg_ident.conf", false, func(s string) string { return Ident(s, c) }},
	} {
		name := filepath.Join(dir, f.name)
		old, err := os.ReadFile(name)
		missing := errors.Is(err, fs.ErrNotExist)
		if err != nil && (f.mustHave || !missing) {
			return changed, fmt.Errorf("%w (is %s an initialised data directory?)", err, dir)
		}
		data := f.edit(string(old))
		if err := files.Install(out, name, []byte(data), 0o600, dryRun); err != nil {
			return changed, err
		}
		if data != string(old) {
			changed = true
		}
		if missing && !dryRun {
			if err := chownLike(name, dir); err != nil {
				return changed, err
			}
		}
	}
	return changed, nil
}

// chownLike gives name the owner of ref: a file the server reads must be
// the data directory owner's, and this step runs as root.
func chownLike(name, ref string) error {
	st, err := os.Stat(ref)
	if err != nil {
		return err
	}
	if sys, ok := st.Sys().(*syscall.Stat_t); ok {
		return os.Chown(name, int(sys.Uid), int(sys.Gid))
	}
	return nil
}
