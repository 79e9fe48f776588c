package secret

import (
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestRead(t *testing.T) {
	dir := t.TempDir()
	write := func(name, data string, perm os.FileMode) string {
		t.Helper()
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(data), perm); err != nil {
			t.Fatal(err)
		}
		return p
	}
	good := write("good", "pw-from-file\n", 0o600)
	open := write("open", "pw-readable\n", 0o644)
	empty := write("empty", "\n", 0o600)
	t.Setenv("QVD_SECRET_TEST", "pw-from-env")
	t.Setenv("QVD_SECRET_EMPTY", "")
	for _, tc := range []struct {
		source, stdin, want, wantErr string
	}{
		{"file:" + good, "", "pw-from-file", ""},
		{"file:" + open, "", "", "mode 0644 lets others read it"},
		{"file:" + empty, "", "", "empty password"},
		{"env:QVD_SECRET_TEST", "", "pw-from-env", ""},
		{"env:QVD_SECRET_EMPTY", "", "", "empty password"},
		{"prompt", "pw-typed\nrest\n", "pw-typed", ""},
		{"prompt", "pw-no-newline", "pw-no-newline", ""},
		{"prompt", "", "", "read password"},
		{"vault:x", "", "", "is not prompt"},
	} {
		t.Run(tc.source, func(t *testing.T) {
			got, err := Read(tc.source, strings.NewReader(tc.stdin), io.Discard)
			switch {
			case tc.wantErr == "" && (err != nil || got != tc.want):
				t.Errorf("got %q, %v; want %q", got, err, tc.want)
			case tc.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tc.wantErr)):
				t.Errorf("error %v, want one with %q", err, tc.wantErr)
			case err != nil && strings.Contains(err.Error(), "pw-"):
				t.Errorf("the error shows the password: %v", err)
			}
		})
	}
}
