package files

import (
	"os"
	"path/filepath"
	"strings"
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

// TestInstall: the report a node step gives, in order: a dry run on a new
// file, the write, a second run, a dry run on a changed content.
func TestInstall(t *testing.T) {
	name := filepath.Join(t.TempDir(), "f")
	for _, tc := range []struct {
		data    string
		dryRun  bool
		want    string
		content string // the file afterwards; "" for absent
	}{
		{"one\n", true, name + " would be created; its content:\none\n", ""},
		{"one\n", false, name + " written\n", "one\n"},
		{"one\n", false, name + " is up to date\n", "one\n"},
		{"one\n", true, name + " is up to date; its content:\none\n", "one\n"},
		{"two\n", true, name + " would be changed; its content:\ntwo\n", "one\n"},
	} {
		var out strings.Builder
		if err := Install(&out, name, []byte(tc.data), 0o644, tc.dryRun); err != nil {
			t.Fatal(err)
		}
		if out.String() != tc.want {
			t.Errorf("Install(%q, dry run %v) said %q, want %q", tc.data, tc.dryRun, out.String(), tc.want)
		}
		if got, _ := os.ReadFile(name); string(got) != tc.content {
			t.Errorf("after Install(%q, dry run %v) the file holds %q, want %q", tc.data, tc.dryRun, got, tc.content)
		}
	}
}
