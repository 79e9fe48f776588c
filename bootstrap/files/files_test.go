package files

import (
	"os"
	"path/filepath"
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
