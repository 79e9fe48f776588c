package files

import (
	"os"
	"path/filepath"
	"syscall"
	"testing"
)

func TestUpdate(t *testing.T) {
	name := filepath.Join(t.TempDir(), "f")
	for _, tc := range []struct {
		data    string
		changed bool
	}{{"one", true}, {"one", false}, {"two", true}} {
		changed, err := Update(name, []byte(tc.data), 0o640)
		if err != nil || changed != tc.changed {
			t.Errorf("Update(%q) = %v, %v; want changed %v", tc.data, changed, err, tc.changed)
		}
	}
	if err := os.Chmod(name, 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := Update(name, []byte("three"), 0o644); err != nil {
		t.Fatal(err)
	}
	st, err := os.Stat(name)
	if err != nil || st.Mode().Perm() != 0o600 {
		t.Errorf("mode after replace: %v %v; an existing file keeps its mode", st.Mode(), err)
	}
	if data, _ := os.ReadFile(name); string(data) != "three" {
		t.Errorf("content %q", data)
	}
	entries, _ := os.ReadDir(filepath.Dir(name))
	if len(entries) != 1 {
		t.Errorf("%d files left in the directory, want 1 (no temporary files)", len(entries))
	}
	if err := Write(filepath.Join(t.TempDir(), "missing", "f"), nil, 0o600); err == nil {
		t.Error("Write into a missing directory succeeded")
	}
}

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
