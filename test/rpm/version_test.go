package rpm_test

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestVersion runs rpm/version.sh in throw-away repositories: the RPM
// Version it derives from git, and that rpm orders those versions as
// builds follow each other.
func TestVersion(t *testing.T) {
	script, err := filepath.Abs("../../rpm/version.sh")
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name  string
		setup string // shell, in a repository with one commit
		want  string // HASH: HEAD's short hash
	}{
		{"before the first tag", "", "0.0.0.git1.HASH"},
		{"on a tag", "git tag v1.2.0", "1.2.0"},
		{"after a tag", "git tag v1.2.0; git commit -q --allow-empty -m 2; git commit -q --allow-empty -m 3", "1.2.0.git2.HASH"},
		{"release candidate", "git tag v1.3.0-rc1", "1.3.0~rc1"},
		{"not a version tag", "git tag deployed", "0.0.0.git1.HASH"},
		{"new file", "git tag v1.2.0; touch new", "1.2.0.dirty"},
		{"changed file", "git tag v1.2.0; echo more >>README", "1.2.0.dirty"},
		{"ignored file", "git tag v1.2.0; mkdir out; touch out/x.rpm", "1.2.0"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			repo := t.TempDir()
			sh(t, repo, "git init -q -b main && echo qvd-ha >README && echo /out/ >.gitignore && git add . && git commit -q -m 1")
			if c.setup != "" {
				sh(t, repo, c.setup)
			}
			want := strings.ReplaceAll(c.want, "HASH", sh(t, repo, "git rev-parse --short HEAD"))
			if got := sh(t, repo, "bash "+script); got != want {
				t.Errorf("version %q, want %q", got, want)
			}
		})
	}

	t.Run("order", func(t *testing.T) {
		// each build newer than the one before it
		order := []string{"0.0.0.git9.ffff000", "0.0.0.git10.aaaa000", "1.2.0", "1.2.0.git2.bbbb000",
			"1.2.0.git2.bbbb000.dirty", "1.2.0.git10.cccc000", "1.3.0~rc1", "1.3.0", "1.3.0.git1.dddd000"}
		for i := 1; i < len(order); i++ {
			expr := "%{lua: print(rpm.vercmp('" + order[i-1] + "', '" + order[i] + "'))}"
			if got := strings.TrimSpace(string(run(t, "rpm", "--eval", expr))); got != "-1" {
				t.Errorf("rpm.vercmp(%s, %s) = %s, want -1", order[i-1], order[i], got)
			}
		}
	})
}

// sh runs a shell command in dir, with a git that reads no configuration
// of this machine's, and returns its trimmed output.
func sh(t *testing.T, dir, command string) string {
	t.Helper()
	cmd := exec.Command("sh", "-ec", command)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "GIT_CONFIG_GLOBAL=/dev/null", "GIT_CONFIG_NOSYSTEM=1",
		"GIT_AUTHOR_NAME=test", "GIT_AUTHOR_EMAIL=test@example.invalid",
		"GIT_COMMITTER_NAME=test", "GIT_COMMITTER_EMAIL=test@example.invalid")
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("%s: %v\n%s", command, err, out)
	}
	return strings.TrimSpace(string(out))
}
