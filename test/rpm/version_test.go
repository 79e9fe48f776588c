package rpm_test

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestVersion runs rpm/version.sh in throw-away repositories and tarball
// trees: the VERSION-RELEASE it derives, and that rpm orders those as
// builds follow each other.
func TestVersion(t *testing.T) {
	script, err := os.ReadFile("../../rpm/version.sh")
	if err != nil {
		t.Fatal(err)
	}
	// A checkout of the project: version.sh describes the checkout it
	// sits in, wherever it is run from.
	checkout := func(t *testing.T) string {
		t.Helper()
		repo := t.TempDir()
		write(t, filepath.Join(repo, "rpm/version.sh"), string(script))
		sh(t, repo, "git init -q -b main && echo qvd-ha >README && echo /out/ >.gitignore && git add . && git commit -q -m 1")
		return repo
	}

	cases := []struct {
		name  string
		setup string // shell, in a checkout with one commit
		want  string // HASH: HEAD's short hash
	}{
		{"before the first tag", "", "0.1.0-0.1.gHASH"},
		{"two commits before the first tag", "git commit -q --allow-empty -m 2", "0.1.0-0.2.gHASH"},
		{"on a tag", "git tag v0.1.0", "0.1.0-1"},
		{"after a tag", "git tag v0.1.0; git commit -q --allow-empty -m 2; git commit -q --allow-empty -m 3", "0.1.0-1.2.gHASH"},
		{"release candidate", "git tag v0.2.0-rc1", "0.2.0~rc1-1"},
		{"not a version tag", "git tag deployed", "0.1.0-0.1.gHASH"},
		{"new file", "git tag v0.1.0; touch new", "0.1.0-1.dirty"},
		{"changed file", "echo more >>README", "0.1.0-0.1.gHASH.dirty"},
		{"ignored file", "git tag v0.1.0; mkdir out; touch out/x.rpm", "0.1.0-1"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			repo := checkout(t)
			if c.setup != "" {
				sh(t, repo, c.setup)
			}
			want := strings.ReplaceAll(c.want, "HASH", sh(t, repo, "git rev-parse --short HEAD"))
			// run from elsewhere, as rpmbuild's shell may be
			if got := sh(t, t.TempDir(), "bash "+filepath.Join(repo, "rpm/version.sh")); got != want {
				t.Errorf("version %q, want %q", got, want)
			}
		})
	}

	// The tree of a tarball from make dist: its spec says the version.
	// Unpacked inside another checkout (make rpm's rpm/out/BUILD is in
	// this one), it must not take that checkout's.
	spec := "Name: qvd-ha\nVersion:        0.1.0\nRelease:        0.7.gabc1234\n"
	t.Run("tarball", func(t *testing.T) {
		tree := t.TempDir()
		write(t, filepath.Join(tree, "rpm/version.sh"), string(script))
		write(t, filepath.Join(tree, "rpm/qvd-ha.spec"), spec)
		if got := sh(t, tree, "bash rpm/version.sh"); got != "0.1.0-0.7.gabc1234" {
			t.Errorf("version %q, want the spec's 0.1.0-0.7.gabc1234", got)
		}
	})
	t.Run("tarball inside a checkout", func(t *testing.T) {
		repo := checkout(t)
		tree := filepath.Join(repo, "out/BUILD/qvd-ha-0.1.0")
		write(t, filepath.Join(tree, "rpm/version.sh"), string(script))
		write(t, filepath.Join(tree, "rpm/qvd-ha.spec"), spec)
		if got := sh(t, tree, "bash rpm/version.sh"); got != "0.1.0-0.7.gabc1234" {
			t.Errorf("version %q, want the spec's 0.1.0-0.7.gabc1234", got)
		}
	})
	t.Run("tarball without a version", func(t *testing.T) {
		tree := t.TempDir()
		write(t, filepath.Join(tree, "rpm/version.sh"), string(script))
		write(t, filepath.Join(tree, "rpm/qvd-ha.spec"), "Name: qvd-ha\nVersion: 0\nRelease: 0\n")
		cmd := exec.Command("bash", "rpm/version.sh")
		cmd.Dir = tree
		out, err := cmd.CombinedOutput()
		if err == nil || !strings.Contains(string(out), "has no version") {
			t.Errorf("version.sh in a tree without git or version: %v, %q; want a failure that says so", err, out)
		}
	})

	t.Run("order", func(t *testing.T) {
		// each build newer than the one before it
		order := []string{"0.1.0-0.9.gffff000", "0.1.0-0.10.gaaaa000", "0.1.0-0.10.gaaaa000.dirty",
			"0.1.0-1", "0.1.0-1.2.gbbbb000", "0.1.0-1.2.gbbbb000.dirty", "0.1.0-1.10.gcccc000",
			"0.2.0~rc1-1", "0.2.0~rc1-1.1.gdddd000", "0.2.0-1", "0.2.0-1.1.geeee000"}
		for i := 1; i < len(order); i++ {
			expr := "%{lua: print(rpm.ver('" + order[i-1] + "') < rpm.ver('" + order[i] + "'))}"
			if got := strings.TrimSpace(string(run(t, "rpm", "--eval", expr))); got != "true" {
				t.Errorf("rpm orders %s after %s", order[i-1], order[i])
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

// write creates a file and the directories on its way.
func write(t *testing.T, path, content string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

// run runs a command that must succeed and returns its standard output.
func run(t *testing.T, name string, args ...string) []byte {
	t.Helper()
	cmd := exec.Command(name, args...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("%s %s: %v\n%s%s", name, strings.Join(args, " "), err, out, stderr.Bytes())
	}
	return out
}
