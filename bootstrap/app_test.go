package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

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

func readFile(t *testing.T, name string) []byte {
	t.Helper()
	data, err := os.ReadFile(name)
	if err != nil {
		t.Fatal(err)
	}
	return data
}

// exec runs a command (crmsh, Pacemaker tools) under a deadline; it returns
// the combined output and fails the test when the command fails.
func exec(t *testing.T, env []string, path string, args ...string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	res, err := runner.Exec{}.Run(ctx, runner.Cmd{Path: path, Args: args, Env: env})
	out := string(res.Stdout) + string(res.Stderr)
	if err != nil {
		t.Fatalf("%s %s: %v\n%s", path, strings.Join(args, " "), err, out)
	}
	return out
}

// emptyCIB is `cibadmin --empty` as a running two-node cluster has it: quorate,
// with both nodes known (crmsh warns about constraints naming unknown nodes).
func emptyCIB(t *testing.T) string {
	t.Helper()
	cib := exec(t, nil, "/usr/sbin/cibadmin", "--empty")
	cib = strings.Replace(cib, "<cib ", `<cib have-quorum="1" `, 1)
	cib = strings.Replace(cib, "<nodes/>", `<nodes><node id="1" uname="qvddb1"/><node id="2" uname="qvddb2"/></nodes>`, 1)
	file := filepath.Join(t.TempDir(), "cib.xml")
	if err := os.WriteFile(file, []byte(cib), 0o600); err != nil {
		t.Fatal(err)
	}
	return file
}

const testPassword = "s3cret-Pw.for/qvd"

// noSecret fails the test when the password shows in a tool's output.
func noSecret(t *testing.T, outputs ...string) {
	t.Helper()
	for _, o := range outputs {
		if strings.Contains(o, testPassword) || strings.Contains(o, "new-"+testPassword) {
			t.Errorf("the password is in the output: %q", o)
		}
	}
}

// runOK runs the tool, fails the test unless it exits 0, and returns stdout.
func runOK(t *testing.T, args ...string) string {
	t.Helper()
	code, out, stderr := runTool(t, noRunner(t), append([]string{"-q"}, args...)...)
	noSecret(t, out, stderr)
	if code != 0 {
		t.Fatalf("%s: exit %d, stdout %q, stderr %q", strings.Join(args, " "), code, out, stderr)
	}
	return out
}

func snapshot(t *testing.T, names ...string) map[string]string {
	t.Helper()
	m := map[string]string{}
	for _, n := range names {
		data, err := os.ReadFile(n)
		if err == nil {
			m[n] = string(data)
		}
	}
	return m
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
