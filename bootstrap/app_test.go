package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/qvd-ha/qvd-ha/internal/runner"
)

// runTool runs the tool in-process and returns its exit code and output.
func runTool(t *testing.T, r runner.Runner, args ...string) (int, string, string) {
	t.Helper()
	var stdout, stderr bytes.Buffer
	code := run(context.Background(), append([]string{"qvd-ha-bootstrap"}, args...), &stdout, &stderr, r)
	return code, stdout.String(), stderr.String()
}

// noRunner fails the test if a command is run.
func noRunner(t *testing.T) runner.Runner {
	return runner.Func(func(_ context.Context, c runner.Cmd) (runner.Result, error) {
		t.Errorf("unexpected command %s", c)
		return runner.Result{}, nil
	})
}

// TestShippedFilesAreGenerated: crm/ and the sample configuration are what
// the generator produces from the defaults. Regenerate: go generate ./bootstrap
func TestShippedFilesAreGenerated(t *testing.T) {
	for _, tc := range []struct{ file, cmd string }{
		{"../crm/qvd-ha.xml", "cib"},
		{"../crm/qvd-ha.crm", "crm"},
		{"qvd-ha.conf", "sample-config"},
	} {
		t.Run(tc.cmd, func(t *testing.T) {
			shipped, err := os.ReadFile(tc.file)
			if err != nil {
				t.Fatal(err)
			}
			code, out, stderr := runTool(t, noRunner(t), "--quiet", tc.cmd)
			if code != 0 {
				t.Fatalf("exit %d: %s", code, stderr)
			}
			if out != string(shipped) {
				t.Errorf("%s drifted from `qvd-ha-bootstrap %s`; regenerate with: go generate ./bootstrap", tc.file, tc.cmd)
			}
		})
	}
}

// TestBadConfigWritesNothing: exit 2, one line per problem, no file.
func TestBadConfigWritesNothing(t *testing.T) {
	dir := t.TempDir()
	conf := filepath.Join(dir, "bootstrap.conf")
	if err := os.WriteFile(conf, []byte("storage = nfs\nfs.type = btrfs\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(dir, "cib.xml")
	code, stdout, stderr := runTool(t, noRunner(t), "--config", conf, "--set", "db.netmask=40", "cib", "-o", out)
	if code != 2 {
		t.Errorf("exit %d, want 2", code)
	}
	wantLines := []string{
		"qvd-ha-bootstrap: config: --set: db.netmask: 40 is not a prefix length (1-32)",
		"qvd-ha-bootstrap: config: " + conf + `:1: storage: "nfs" is neither drbd nor shared`,
		"qvd-ha-bootstrap: config: " + conf + `:2: fs.type: "btrfs" is not one of xfs, ext4, ext3`,
	}
	if got := strings.Split(strings.TrimSpace(stderr), "\n"); strings.Join(got, "\n") != strings.Join(wantLines, "\n") {
		t.Errorf("stderr:\n%s\nwant:\n%s", stderr, strings.Join(wantLines, "\n"))
	}
	if stdout != "" {
		t.Errorf("stdout %q, want nothing", stdout)
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 1 {
		t.Errorf("%d files in %s, want only the config", len(entries), dir)
	}

	code, _, stderr = runTool(t, noRunner(t), "--config", filepath.Join(dir, "missing.conf"), "crm")
	if code != 2 || !strings.Contains(stderr, "missing.conf: no such file or directory") {
		t.Errorf("missing config: exit %d, stderr %q", code, stderr)
	}
}

func TestOutputFile(t *testing.T) {
	dir := t.TempDir()
	out := filepath.Join(dir, "qvd-ha.crm")
	code, stdout, stderr := runTool(t, noRunner(t), "crm", "-o", out)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	st, err := os.Stat(out)
	if err != nil {
		t.Fatal(err)
	}
	if st.Mode().Perm() != 0o600 {
		t.Errorf("new file mode %v, want 0600", st.Mode().Perm())
	}
	if stdout != "" {
		t.Errorf("stdout %q with -o", stdout)
	}
	// The budget and the defaults note go to stderr.
	for _, want := range []string{"no --config", "database failure, total: 20 + 130 + 250 = 400 s", "node loss: 11"} {
		if !strings.Contains(stderr, want) {
			t.Errorf("stderr lacks %q:\n%s", want, stderr)
		}
	}
}

func TestVerifyRunsCRMVerify(t *testing.T) {
	var got []string
	fake := runner.Func(func(ctx context.Context, c runner.Cmd) (runner.Result, error) {
		if _, ok := ctx.Deadline(); !ok {
			t.Error("crm_verify runs without a deadline")
		}
		got = append(got, c.Path+" "+strings.Join(c.Args[:2], " "))
		if _, err := os.Stat(c.Args[2]); err != nil {
			t.Errorf("the CIB file: %v", err)
		}
		return runner.Result{Stderr: []byte("warning: something\n")}, nil
	})
	code, stdout, stderr := runTool(t, fake, "-q", "verify", "--timeout", "5s")
	if code != 1 || !strings.Contains(stderr, "crm_verify warned") || !strings.Contains(stdout, "warning: something") {
		t.Errorf("a warning: exit %d, stdout %q, stderr %q", code, stdout, stderr)
	}
	if strings.Join(got, "") != crmVerify+" -V -x" {
		t.Errorf("ran %q", got)
	}

	// And the real one, on the default configuration.
	code, stdout, stderr = runTool(t, runner.Exec{}, "-q", "verify")
	if code != 0 {
		t.Errorf("crm_verify on the default CIB: exit %d\n%s%s", code, stdout, stderr)
	}
}

func TestManPage(t *testing.T) {
	code, out, stderr := runTool(t, noRunner(t), "manpage")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	for _, want := range []string{".TH", "qvd-ha-bootstrap", "priority-fencing-delay", "verify"} {
		if !strings.Contains(out, want) {
			t.Errorf("man page lacks %q", want)
		}
	}
}

func TestShowConfig(t *testing.T) {
	code, out, stderr := runTool(t, noRunner(t), "-q", "--set", "node2.fence_target=vm-two", "show-config")
	if code != 0 || !strings.Contains(out, "\nnode2.fence_target = vm-two\n") || !strings.Contains(out, "\nnode1.fence_target = qvddb1\n") {
		t.Errorf("exit %d, stderr %q, stdout:\n%s", code, stderr, out)
	}
}
