package main

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/qvd-ha/qvd-ha/test/gobuild"
)

// agentBin is fence_qvd_libvirt built once for the package's tests.
var agentBin string

func TestMain(m *testing.M) {
	os.Exit(testMain(m))
}

// setUps and tearDowns come from the root-tagged files: their tests need
// libvirtd before they start and leave a shared domain behind.
var (
	setUps    []func() error
	tearDowns []func()
)

func testMain(m *testing.M) int {
	for _, setUp := range setUps {
		if err := setUp(); err != nil {
			fmt.Fprintln(os.Stderr, err)
			return 1
		}
	}
	defer func() {
		for _, tearDown := range tearDowns {
			tearDown()
		}
	}()
	return gobuild.Run(m, &agentBin, "fence_qvd_libvirt")
}

type result struct {
	code           int
	stdout, stderr string
	took           time.Duration
}

func (r result) String() string {
	return fmt.Sprintf("exit %d after %s, stdout %q, stderr %q", r.code, r.took.Round(time.Millisecond), r.stdout, r.stderr)
}

// agentRun runs the built agent with stdin lines and/or argv, the way the
// fencer or an administrator would, bounded so that a hang fails the test.
func agentRun(t testing.TB, env []string, stdin string, args ...string) result {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, agentBin, args...)
	cmd.Env = append(os.Environ(), env...)
	cmd.Stdin = strings.NewReader(stdin)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	start := time.Now()
	err := cmd.Run()
	res := result{stdout: stdout.String(), stderr: stderr.String(), took: time.Since(start)}
	if ctx.Err() != nil {
		t.Fatalf("agent hung: %v", res)
	}
	if cmd.ProcessState == nil {
		t.Fatalf("agent did not run: %v", err)
	}
	res.code = cmd.ProcessState.ExitCode()
	return res
}

// expect checks an agent run's exit code and that stdout+stderr hold want.
func expect(t testing.TB, res result, code int, want string) {
	t.Helper()
	if res.code != code || !strings.Contains(res.stdout+res.stderr, want) {
		t.Fatalf("want exit %d and %q, got %v", code, want, res)
	}
}
