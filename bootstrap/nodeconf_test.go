package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestNodeConf(t *testing.T) {
	t.Setenv("QVD_TEST_PW", testPassword)
	set := []string{"--set", "db.password_source=env:QVD_TEST_PW"}
	for _, tc := range []struct {
		name, old string
		oldPerm   os.FileMode
		want      string
	}{
		{"new file", "", 0, "database.host = qvddb\ndatabase.name = qvddb\ndatabase.user = qvd\ndatabase.password = " + testPassword + "\n"},
		{"other keys kept, stale values and duplicates replaced, mode tightened",
			"# QVD node\nnodename = qvddb1\ndatabase.host=old\ndatabase.password = old\ndatabase.host = dup\n", 0o644,
			"# QVD node\nnodename = qvddb1\ndatabase.host = qvddb\ndatabase.password = " + testPassword + "\ndatabase.name = qvddb\ndatabase.user = qvd\n"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			name := filepath.Join(t.TempDir(), "qvd", "node.conf")
			if tc.old != "" {
				if err := os.MkdirAll(filepath.Dir(name), 0o755); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(name, []byte(tc.old), tc.oldPerm); err != nil {
					t.Fatal(err)
				}
			}
			args := append(append([]string{}, set...), "node-conf", "--file", name)
			out := runOK(t, append(args, "--dry-run")...)
			if !strings.Contains(out, "database.password = ********") || !strings.Contains(out, "would be") {
				t.Errorf("dry run: %q", out)
			}
			if got := snapshot(t, name)[name]; got != tc.old {
				t.Errorf("dry run changed the file: %q", got)
			}
			runOK(t, args...)
			got := readFile(t, name)
			if string(got) != tc.want {
				t.Errorf("node.conf:\n%s\nwant:\n%s", got, tc.want)
			}
			if st, err := os.Stat(name); err != nil || st.Mode().Perm() != 0o600 {
				t.Errorf("mode %v, %v; want 0600", st.Mode(), err)
			}
			if out := runOK(t, args...); !strings.Contains(out, "is up to date") {
				t.Errorf("second run: %q", out)
			}
			if out := runOK(t, append(args, "--dry-run")...); !strings.Contains(out, "is up to date") {
				t.Errorf("dry run after the write: %q", out)
			}
		})
	}
}
