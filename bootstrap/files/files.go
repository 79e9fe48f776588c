// Package files writes the files qvd-ha-bootstrap generates: atomically (a
// crash leaves the old file or the new one, never half of one) and only when
// the content changes, so that running a step twice changes nothing.
package files

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"syscall"
)

// Write replaces name with data. A new file gets perm; an existing one keeps
// the mode and the owner it had (postgres must still read its pg_hba.conf).
func Write(name string, data []byte, perm os.FileMode) error {
	return WriteFunc(name, perm, func(w io.Writer) error {
		_, err := w.Write(data)
		return err
	})
}

// WriteFunc replaces name with what fill writes, as Write does; a fill that
// fails leaves name as it was, so an interrupted dump never passes for a
// finished one.
func WriteFunc(name string, perm os.FileMode, fill func(io.Writer) error) error {
	owner := -1
	var group int
	if st, err := os.Stat(name); err == nil {
		perm = st.Mode().Perm()
		if sys, ok := st.Sys().(*syscall.Stat_t); ok {
			owner, group = int(sys.Uid), int(sys.Gid)
		}
	}
	tmp, err := os.CreateTemp(filepath.Dir(name), "."+filepath.Base(name)+".*")
	if err != nil {
		return fmt.Errorf("write %s: %w", name, err)
	}
	defer os.Remove(tmp.Name()) // nothing left to remove after the rename
	err = fill(tmp)
	if err == nil && owner >= 0 {
		err = tmp.Chown(owner, group)
	}
	if err == nil {
		err = tmp.Chmod(perm)
	}
	if err == nil {
		err = tmp.Sync()
	}
	if closeErr := tmp.Close(); err == nil {
		err = closeErr
	}
	if err == nil {
		err = os.Rename(tmp.Name(), name)
	}
	if err != nil {
		return fmt.Errorf("write %s: %w", name, err)
	}
	return nil
}

// Update writes data to name unless name already holds exactly that, and
// reports whether it wrote.
func Update(name string, data []byte, perm os.FileMode) (bool, error) {
	old, err := os.ReadFile(name)
	switch {
	case err == nil && bytes.Equal(old, data):
		return false, nil
	case err != nil && !errors.Is(err, fs.ErrNotExist):
		return false, fmt.Errorf("read %s: %w", name, err)
	}
	return true, Write(name, data, perm)
}

// Install writes data to name when it differs and says so on out, the
// report every node step gives; with dryRun it only shows what would be
// written, so an administrator can read it before anything changes.
func Install(out io.Writer, name string, data []byte, perm os.FileMode, dryRun bool) error {
	if dryRun {
		old, err := os.ReadFile(name)
		state := "would be changed"
		switch {
		case err == nil && string(old) == string(data):
			state = "is up to date"
		case errors.Is(err, fs.ErrNotExist):
			state = "would be created"
		}
		fmt.Fprintf(out, "%s %s; its content:\n%s", name, state, data)
		return nil
	}
	changed, err := Update(name, data, perm)
	if err != nil {
		return err
	}
	if changed {
		fmt.Fprintf(out, "%s written\n", name)
	} else {
		fmt.Fprintf(out, "%s is up to date\n", name)
	}
	return nil
}
