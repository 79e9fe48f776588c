//go:build root

package files

import (
	"os"
	"path/filepath"
	"syscall"
	"testing"
)

// TestWriteKeepsOwner: a replaced file keeps its owner (postgres must still
// read the pg_hba.conf root rewrote).
func TestWriteKeepsOwner(t *testing.T) {
	name := filepath.Join(t.TempDir(), "f")
	if err := os.WriteFile(name, []byte("old"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Chown(name, 4242, 4343); err != nil {
		t.Fatalf("chown (the tests run as root): %v", err)
	}
	if err := Write(name, []byte("new"), 0o644); err != nil {
		t.Fatal(err)
	}
	st, err := os.Stat(name)
	if err != nil {
		t.Fatal(err)
	}
	if sys := st.Sys().(*syscall.Stat_t); sys.Uid != 4242 || sys.Gid != 4343 || st.Mode().Perm() != 0o600 {
		t.Errorf("owner %d:%d mode %04o, want 4242:4343 0600", sys.Uid, sys.Gid, st.Mode().Perm())
	}
}
